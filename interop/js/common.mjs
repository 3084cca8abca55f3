// Shared helpers for the bpvc interop scripts: offline document loader,
// did:key derivation, key import and CLI argument handling.
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import multikeyContext from '@digitalbazaar/multikey-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';

export const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
export const DID_V1 = 'https://www.w3.org/ns/did/v1';

// Contexts used as a last resort (after CTX.json) for loading DID documents,
// verification methods and proof options; they ship inside node_modules.
const FALLBACK_CONTEXTS = new Map([
  ...multikeyContext.contexts,
  ...dataIntegrityContext.contexts
]);

export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

// Parses argv; exits with status 2 and a usage line on bad input.
export function cli({options, usage, minPositionals = 1}) {
  try {
    const {values, positionals} = parseArgs({options, allowPositionals: true});
    if(positionals.length < minPositionals) {
      throw new Error('missing FILE argument');
    }
    return {values, positionals};
  } catch(e) {
    process.stderr.write(`error: ${e.message}\nusage: ${usage}\n`);
    process.exit(2);
  }
}

// Which key family a public multibase key belongs to (by its multicodec
// header, as seen in base58btc).
export function keyTypeOf(multibase) {
  if(multibase.startsWith('z6Mk')) {
    return 'Ed25519';
  }
  if(multibase.startsWith('zDn')) {
    return 'P-256';
  }
  if(multibase.startsWith('z82')) {
    return 'P-384';
  }
  throw new Error(`unsupported did:key multibase "${multibase}"`);
}

// Builds the DID document of a did:key offline (Multikey representation).
export async function didKeyDocument(did) {
  const mb = did.slice('did:key:'.length);
  const lib = keyTypeOf(mb) === 'Ed25519' ? Ed25519Multikey : EcdsaMultikey;
  // throws if the key bytes are not a valid key of that type
  await lib.from({type: 'Multikey', publicKeyMultibase: mb});
  const id = `${did}#${mb}`;
  return {
    '@context': [DID_V1, MULTIKEY_V1],
    id: did,
    verificationMethod: [
      {id, type: 'Multikey', controller: did, publicKeyMultibase: mb}
    ],
    authentication: [id],
    assertionMethod: [id],
    capabilityInvocation: [id],
    capabilityDelegation: [id]
  };
}

// Finds verification method `vmId` in a DID document, looking in
// `verificationMethod` and in embedded methods of verification relationships.
function findVerificationMethod(doc, vmId) {
  const fragment = vmId.slice(vmId.indexOf('#'));
  for(const [prop, value] of Object.entries(doc)) {
    if(prop === '@context' || !Array.isArray(value)) {
      continue;
    }
    for(const vm of value) {
      if(vm && typeof vm === 'object' &&
        (vm.id === vmId || vm.id === fragment)) {
        return vm;
      }
    }
  }
  return null;
}

// Returns a document loader that serves exactly: the given contexts, the
// given DID documents (and their verification methods), did:key documents
// derived offline, and the npm fallback contexts. Anything else throws.
export function makeDocumentLoader({contexts = {}, dids = {}} = {}) {
  const remote = (url, document) => ({
    contextUrl: null, documentUrl: url, document: structuredClone(document)
  });
  const resolveDid = async did => {
    if(Object.hasOwn(dids, did)) {
      return dids[did];
    }
    if(did.startsWith('did:key:')) {
      return didKeyDocument(did);
    }
    throw new Error(`DID "${did}" not found (offline loader).`);
  };
  return async url => {
    if(Object.hasOwn(contexts, url)) {
      return remote(url, contexts[url]);
    }
    if(FALLBACK_CONTEXTS.has(url)) {
      return remote(url, FALLBACK_CONTEXTS.get(url));
    }
    if(url.startsWith('did:')) {
      const [did] = url.split('#');
      const doc = await resolveDid(did);
      if(!url.includes('#')) {
        return remote(url, doc);
      }
      const vm = findVerificationMethod(doc, url);
      if(!vm) {
        throw new Error(`Verification method "${url}" not found.`);
      }
      // a Multikey VM must carry the Multikey context for the key libraries
      let ctx = doc['@context'];
      if(vm.type === 'Multikey' && ![ctx].flat().includes(MULTIKEY_V1)) {
        ctx = [...[ctx].flat().filter(c => c !== undefined), MULTIKEY_V1];
      }
      return remote(url, {
        '@context': ctx, ...vm, id: url, controller: vm.controller ?? did
      });
    }
    throw new Error(`Document "${url}" is not available offline.`);
  };
}

// Imports a private JWK (OKP/Ed25519 or EC P-256/P-384) as a key pair with
// the given verification method id; returns {keyPair, algorithm}.
export async function keyPairFromJwk(jwk, vm) {
  const controller = vm.split('#')[0];
  if(!jwk.d) {
    throw new Error('JWK has no private part "d".');
  }
  let keyPair;
  if(jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    keyPair = await Ed25519Multikey.fromJwk(
      {jwk, secretKey: true, id: vm, controller});
  } else if(jwk.kty === 'EC' && ['P-256', 'P-384'].includes(jwk.crv)) {
    const {kty, crv, x, y, d} = jwk;
    keyPair = await EcdsaMultikey.fromJwk(
      {jwk: {kty, crv, x, y, d}, secretKey: true, id: vm, controller});
  } else {
    throw new Error(`unsupported JWK kty=${jwk.kty} crv=${jwk.crv}`);
  }
  return {keyPair, algorithm: jwk.crv};
}

// Private JWK of a freshly generated key pair. (Ed25519Multikey.toJwk puts
// the 64-byte secret key in `d`; JWK wants the 32-byte seed, so use that.)
export async function privateJwk(keyPair, type) {
  if(type === 'Ed25519') {
    const jwk = await Ed25519Multikey.toJwk({keyPair});
    const raw = await keyPair.export(
      {raw: true, secretKey: true, canonicalize: true});
    return {...jwk, d: Buffer.from(raw.secretKey).toString('base64url')};
  }
  const {kty, crv, x, y, d} = await EcdsaMultikey.toJwk(
    {keyPair, secretKey: true});
  return {kty, crv, x, y, d};
}

export async function generateKeyPair(type) {
  if(type === 'Ed25519') {
    return Ed25519Multikey.generate();
  }
  if(type === 'P-256' || type === 'P-384') {
    return EcdsaMultikey.generate({curve: type});
  }
  throw new Error(`unsupported key type "${type}"`);
}

// First useful message of a (possibly nested) verification error.
export function shortError(error) {
  let e = error;
  while(e && Array.isArray(e.errors) && e.errors.length > 0) {
    e = e.errors[0];
  }
  let msg = (e && (e.message || String(e))) || 'verification failed';
  // jsonld errors hide the loader's message in details.cause
  if(e?.details?.code) {
    msg = e.details.code + (e.details.cause ?
      `: ${shortError(e.details.cause)}` : ` (${msg})`);
  }
  return msg.split('\n')[0].slice(0, 300);
}
