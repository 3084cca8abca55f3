// SD-JWT VC interop with @sd-jwt/sd-jwt-vc: issue, present (with key
// binding) and verify, offline. Keys are JWK files; crypto is node:crypto.
// usage:
//   node sdjwt.mjs issue --issuer-jwk PRIVATE.json --kid KID
//       --claims CLAIMS.json --frame DISCLOSURE_FRAME.json
//   node sdjwt.mjs present --holder-jwk PRIVATE.json --aud AUD --nonce N
//       --iat SECONDS --frame PRESENTATION_FRAME.json FILE
//   node sdjwt.mjs verify --issuer-jwk PUBLIC.json [--nonce N] --now SECONDS
//       FILE
// Prints the SD-JWT (issue, present) or {"payload", "kb"} as JSON (verify);
// exits 1 with "error: ..." when the library refuses, 2 on bad usage.
import {createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {SDJwtVcInstance} from '@sd-jwt/sd-jwt-vc';

const USAGE = 'node sdjwt.mjs issue|present|verify [options] [FILE]';

function fail(message, status = 1) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(status);
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

const ALGS = {Ed25519: 'EdDSA', 'P-256': 'ES256', 'P-384': 'ES384'};
const DIGESTS = {EdDSA: null, ES256: 'sha256', ES384: 'sha384'};

function algOf(jwk) {
  const alg = ALGS[jwk.crv];
  if(!alg) {
    fail(`unsupported key curve ${jwk.crv}`, 2);
  }
  return alg;
}

function publicOnly(jwk) {
  const {d, kid, alg, ...rest} = jwk;
  return rest;
}

function signerFor(jwk) {
  const alg = algOf(jwk);
  const key = createPrivateKey({key: jwk, format: 'jwk'});
  return async data => sign(DIGESTS[alg], Buffer.from(data), {key, dsaEncoding: 'ieee-p1363'})
    .toString('base64url');
}

function verifierFor(jwk) {
  const alg = algOf(jwk);
  const key = createPublicKey({key: publicOnly(jwk), format: 'jwk'});
  return async (data, signature) => verify(
    DIGESTS[alg], Buffer.from(data), {key, dsaEncoding: 'ieee-p1363'}, Buffer.from(signature, 'base64url'));
}

async function hasher(data, alg) {
  const name = {'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512'}[alg];
  if(!name) {
    throw new Error(`unsupported hash ${alg}`);
  }
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  return new Uint8Array(createHash(name).update(bytes).digest());
}

// The holder's key from the credential's cnf claim.
async function kbVerifier(data, signature, payload) {
  const jwk = payload && payload.cnf && payload.cnf.jwk;
  if(!jwk) {
    throw new Error('the credential has no cnf.jwk');
  }
  return verifierFor(jwk)(data, signature);
}

const [command, ...rest] = process.argv.slice(2);
let parsed;
try {
  parsed = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      'issuer-jwk': {type: 'string'},
      'holder-jwk': {type: 'string'},
      kid: {type: 'string'},
      claims: {type: 'string'},
      frame: {type: 'string'},
      aud: {type: 'string'},
      nonce: {type: 'string'},
      iat: {type: 'string'},
      now: {type: 'string'}
    }
  });
} catch(e) {
  fail(`${e.message}\nusage: ${USAGE}`, 2);
}
const {values, positionals} = parsed;

try {
  if(command === 'issue') {
    const key = readJson(values['issuer-jwk']);
    const sdjwt = new SDJwtVcInstance({
      signer: signerFor(key), signAlg: algOf(key), hasher, hashAlg: 'sha-256',
      saltGenerator: length => randomBytes(length).toString('base64url')
    });
    const token = await sdjwt.issue(
      readJson(values.claims), readJson(values.frame), {header: {kid: values.kid, typ: 'dc+sd-jwt'}});
    process.stdout.write(token + '\n');
  } else if(command === 'present') {
    const key = readJson(values['holder-jwk']);
    const sdjwt = new SDJwtVcInstance({hasher, kbSigner: signerFor(key), kbSignAlg: algOf(key)});
    const text = readFileSync(positionals[0], 'utf8').trim();
    const presentation = await sdjwt.present(text, readJson(values.frame), {
      kb: {payload: {iat: Number(values.iat), aud: values.aud, nonce: values.nonce}}
    });
    process.stdout.write(presentation + '\n');
  } else if(command === 'verify') {
    const key = readJson(values['issuer-jwk']);
    const sdjwt = new SDJwtVcInstance({verifier: verifierFor(key), kbVerifier, hasher, hashAlg: 'sha-256'});
    const text = readFileSync(positionals[0], 'utf8').trim();
    const options = {currentDate: Number(values.now), skewSeconds: 60};
    if(values.nonce) {
      options.keyBindingNonce = values.nonce;
    }
    const result = await sdjwt.verify(text, options);
    const claims = await (await import('@sd-jwt/core')).SDJwt.fromEncode(text, hasher)
      .then(s => s.getClaims(hasher));
    process.stdout.write(JSON.stringify({payload: result.payload, claims, kb: result.kb || null}) + '\n');
  } else {
    fail(`unknown command ${command}\nusage: ${USAGE}`, 2);
  }
} catch(e) {
  fail(e.message || String(e));
}
