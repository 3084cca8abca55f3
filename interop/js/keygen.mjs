// Generates a fresh key pair with the JS key libraries, writes its private
// JWK to --out and prints its did:key verification method id on stdout.
// usage: node keygen.mjs --type Ed25519|P-256|P-384 --out PRIVATE_JWK.json
import {writeFileSync} from 'node:fs';
import {cli, generateKeyPair, privateJwk} from './common.mjs';

const USAGE = 'node keygen.mjs --type Ed25519|P-256|P-384 --out FILE';
const {values} = cli({
  usage: USAGE, minPositionals: 0,
  options: {type: {type: 'string'}, out: {type: 'string'}}
});
if(!values.type || !values.out) {
  process.stderr.write(`usage: ${USAGE}\n`);
  process.exit(2);
}
try {
  const keyPair = await generateKeyPair(values.type);
  const jwk = await privateJwk(keyPair, values.type);
  writeFileSync(values.out, JSON.stringify(jwk) + '\n', {mode: 0o600});
  const mb = keyPair.publicKeyMultibase;
  process.stdout.write(`did:key:${mb}#${mb}\n`);
} catch(e) {
  process.stderr.write(`error: ${e.message}\n`);
  process.exit(1);
}
