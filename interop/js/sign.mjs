// Signs a credential with Digital Bazaar's JS stack (DataIntegrityProof,
// proofPurpose assertionMethod) and prints the signed credential as JSON.
// usage: node sign.mjs --contexts CTX.json --key PRIVATE_JWK.json
//          --vm VERIFICATION_METHOD_ID
//          --suite eddsa-rdfc-2022|ecdsa-rdfc-2019|eddsa-jcs-2022|ecdsa-jcs-2019
//          [--created ISO] UNSIGNED.json
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {cryptosuite as ecdsaRdfc2019} from
  '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as eddsaJcs2022 from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as ecdsaJcs2019 from '@digitalbazaar/ecdsa-jcs-2019-cryptosuite';
import {
  cli, keyPairFromJwk, makeDocumentLoader, readJson, shortError
} from './common.mjs';

const USAGE = 'node sign.mjs --contexts CTX.json --key PRIVATE_JWK.json ' +
  '--vm VM_ID --suite eddsa-rdfc-2022|ecdsa-rdfc-2019|eddsa-jcs-2022|' +
  'ecdsa-jcs-2019 [--created ISO] ' +
  'UNSIGNED.json';
const SUITES = {
  'eddsa-rdfc-2022': {cryptosuite: eddsaRdfc2022, curves: ['Ed25519']},
  'ecdsa-rdfc-2019': {cryptosuite: ecdsaRdfc2019, curves: ['P-256', 'P-384']},
  // the JCS suites come as separate sign and verify cryptosuites
  'eddsa-jcs-2022': {
    cryptosuite: eddsaJcs2022.createSignCryptosuite(), curves: ['Ed25519']
  },
  'ecdsa-jcs-2019': {
    cryptosuite: ecdsaJcs2019.createSignCryptosuite(),
    curves: ['P-256', 'P-384']
  }
};
const {values, positionals} = cli({
  usage: USAGE,
  options: {
    contexts: {type: 'string'},
    key: {type: 'string'},
    vm: {type: 'string'},
    suite: {type: 'string'},
    created: {type: 'string'}
  }
});

function fail(message, status = 1) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(status);
}

for(const opt of ['contexts', 'key', 'vm', 'suite']) {
  if(!values[opt]) {
    fail(`--${opt} is required\nusage: ${USAGE}`, 2);
  }
}
const chosen = SUITES[values.suite];
if(!chosen) {
  fail(`unknown --suite "${values.suite}"\nusage: ${USAGE}`, 2);
}
if(!values.vm.includes('#')) {
  fail('--vm must be a DID URL with a fragment (controller#key)', 2);
}

try {
  const {keyPair, algorithm} = await keyPairFromJwk(
    readJson(values.key), values.vm);
  if(!chosen.curves.includes(algorithm)) {
    throw new Error(`suite ${values.suite} cannot sign with a ${algorithm} key`);
  }
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite: chosen.cryptosuite,
    ...(values.created !== undefined && {date: values.created})
  });
  const signed = await vc.issue({
    credential: readJson(positionals[0]),
    suite,
    documentLoader: makeDocumentLoader({contexts: readJson(values.contexts)}),
    ...(values.created !== undefined && {now: values.created})
  });
  process.stdout.write(JSON.stringify(signed, null, 2) + '\n');
} catch(e) {
  fail(shortError(e));
}
