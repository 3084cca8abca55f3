// Verifies Verifiable Credentials offline with Digital Bazaar's JS stack.
// usage: node verify.mjs --contexts CTX.json [--dids DIDS.json] [--now ISO]
//          FILE...
// Prints one JSON line per FILE: {"file", "verified", "error"}; exit status
// is 0 if every FILE verified, 1 otherwise, 2 on bad usage.
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {cryptosuite as ecdsaRdfc2019} from
  '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as eddsaJcs2022 from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as ecdsaJcs2019 from '@digitalbazaar/ecdsa-jcs-2019-cryptosuite';
import {cli, makeDocumentLoader, readJson, shortError} from './common.mjs';

const USAGE = 'node verify.mjs --contexts CTX.json [--dids DIDS.json] ' +
  '[--now ISO] FILE...';
const {values, positionals: files} = cli({
  usage: USAGE,
  options: {
    contexts: {type: 'string'},
    dids: {type: 'string'},
    now: {type: 'string'}
  }
});
if(!values.contexts) {
  process.stderr.write(`error: --contexts is required\nusage: ${USAGE}\n`);
  process.exit(2);
}
if(values.now !== undefined && isNaN(new Date(values.now))) {
  process.stderr.write(`error: --now "${values.now}" is not a date\n`);
  process.exit(2);
}

let documentLoader;
try {
  documentLoader = makeDocumentLoader({
    contexts: readJson(values.contexts),
    dids: values.dids ? readJson(values.dids) : {}
  });
} catch(e) {
  process.stderr.write(`error: cannot read --contexts/--dids: ${e.message}\n`);
  process.exit(2);
}
const suite = [
  new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
  new DataIntegrityProof({cryptosuite: ecdsaRdfc2019}),
  new DataIntegrityProof({
    cryptosuite: eddsaJcs2022.createVerifyCryptosuite()
  }),
  new DataIntegrityProof({
    cryptosuite: ecdsaJcs2019.createVerifyCryptosuite()
  })
];

let allVerified = true;
for(const file of files) {
  let verified = false;
  let error = null;
  try {
    const credential = readJson(file);
    // CredentialIssuancePurpose is vc's AssertionProofPurpose subclass that
    // also requires the VM's controller to be the credential's issuer.
    const result = await vc.verifyCredential({
      credential, suite, documentLoader,
      purpose: new vc.CredentialIssuancePurpose(),
      ...(values.now !== undefined && {now: values.now})
    });
    verified = result.verified === true;
    if(!verified) {
      error = shortError(
        result.error ?? result.results?.find(r => !r.verified)?.error);
    }
  } catch(e) {
    error = shortError(e);
  }
  allVerified &&= verified;
  process.stdout.write(JSON.stringify({file, verified, error}) + '\n');
}
process.exit(allVerified ? 0 : 1);
