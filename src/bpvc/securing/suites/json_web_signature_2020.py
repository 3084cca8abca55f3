"""JsonWebSignature2020 (legacy, verify only): a detached JWS over the RDF hashes.

Used by Tractus-X battery passport verification credentials. The proof's ``jws`` is
``<header>..<signature>`` with ``b64: false`` (RFC 7797): the signing input is the
base64url header, a dot, then SHA-256(canonical proof options) || SHA-256(canonical
document) as raw bytes.
"""

from __future__ import annotations

from typing import Any

from ... import multibase, strict_json
from ...errors import BpvcError, MalformedError, ProofError, SignatureError
from ...jsonld.contexts import ContextLoader
from ...keys.primitives import PublicKey
from .base import Cryptosuite

_ALG_KEY_TYPES = {"EdDSA": "ed25519", "ES256": "p256", "ES384": "p384", "ES256K": "secp256k1"}


def _split(proof: dict[str, Any]) -> tuple[str, dict[str, Any], bytes]:
    jws = proof.get("jws")
    if not isinstance(jws, str) or jws.count(".") != 2:
        raise MalformedError("jws must be a detached compact JWS ('header..signature')", json_path="$.proof.jws")
    encoded_header, payload, signature = jws.split(".")
    if payload:
        raise MalformedError("jws must have a detached (empty) payload", json_path="$.proof.jws")
    try:
        header = strict_json.loads(multibase.b64url_decode(encoded_header), max_bytes=8192)
    except (MalformedError, ValueError):
        raise MalformedError("jws header is not base64url JSON", json_path="$.proof.jws") from None
    if not isinstance(header, dict):
        raise MalformedError("jws header must be a JSON object", json_path="$.proof.jws")
    return encoded_header, header, multibase.b64url_decode(signature)


class JsonWebSignature2020(Cryptosuite):
    name = "JsonWebSignature2020"
    proof_type = "JsonWebSignature2020"
    value_field = "jws"
    key_types = ("ed25519", "p256", "p384", "secp256k1")
    default_key_type = "ed25519"

    def shape_problems(self, proof: dict[str, Any]) -> list[BpvcError]:
        try:
            _, header, _ = _split(proof)
        except BpvcError as err:
            return [err]
        problems: list[BpvcError] = []
        if header.get("alg") not in _ALG_KEY_TYPES:
            problems.append(
                ProofError(f"jws header has no supported alg (found {header.get('alg')!r})", json_path="$.proof.jws")
            )
        if header.get("b64") is not False:
            problems.append(
                ProofError("jws header must set b64 to false (detached, unencoded payload)", json_path="$.proof.jws")
            )
        elif header.get("crit") != ["b64"]:
            problems.append(
                ProofError("jws header with b64 false must list it in crit (RFC 7797 §6)", json_path="$.proof.jws")
            )
        return problems

    def verify(
        self,
        document: dict[str, Any],
        proof: dict[str, Any],
        key: PublicKey,
        loader: ContextLoader,
        memo: dict[tuple[str, str], Any] | None = None,
    ) -> None:
        problems = self.shape_problems(proof)
        if problems:
            raise problems[0]
        encoded_header, header, signature = _split(proof)
        if _ALG_KEY_TYPES[header["alg"]] != key.key_type:
            raise SignatureError(f"jws alg {header['alg']} does not match the {key.key_type} key")
        data = self.hash_data(document, proof, key.key_type, loader, memo)
        try:
            key.verify(signature, encoded_header.encode("ascii") + b"." + data)
        except SignatureError:
            raise SignatureError(
                "JsonWebSignature2020 signature does not verify: the credential or its proof was "
                "altered, or it was signed by another key"
            ) from None
