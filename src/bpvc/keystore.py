"""Key directories: what ``bpvc keys generate`` writes and every ``--key`` option reads.

A key directory holds the private key as a JWK (mode 0600, or a passphrase-encrypted
JWE), the public key as JWK and Multikey, and for did:web the DID document to publish.
Directories are written in full or not at all.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from . import did
from .errors import KeyFileError, MalformedError
from .keys import (
    DID_DOCUMENT,
    PRIVATE_JWE,
    PRIVATE_JWK,
    PUBLIC_JWK,
    PUBLIC_MULTIKEY,
    KeyPair,
    encrypt_jwk,
    write_private,
    write_public,
)


def verification_method_for(controller: str, key: KeyPair, key_number: int = 1) -> str:
    """The verification method id a new key gets under ``controller`` (did:key or did:web)."""
    if controller == "did:key":
        multikey = key.public_key.multikey()
        return f"did:key:{multikey}#{multikey}"
    if controller.startswith("did:web:"):
        try:
            did.validate_did_web(controller)
        except MalformedError as err:
            raise KeyFileError(f"--controller: {err.detail}") from None
        return f"{controller}#key-{key_number}"
    raise KeyFileError(f"--controller must be did:key or did:web:HOST[:PATH], not {controller!r}")


def multikey_method(key: KeyPair) -> dict[str, str]:
    return {
        "id": key.verification_method,
        "type": "Multikey",
        "controller": key.controller,
        "publicKeyMultibase": key.public_key.multikey(),
    }


def generate(out: Path, key_type: str, controller: str, *, passphrase: str | None = None) -> KeyPair:
    """Create a new key directory at ``out`` (which must not exist or be empty)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise KeyFileError(f"{out} already exists and is not empty; refusing to overwrite keys")
    key = KeyPair.generate(key_type)
    key = key.with_verification_method(verification_method_for(controller, key))
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        os.chmod(staging, 0o700)
        if passphrase:
            write_private(staging / PRIVATE_JWE, encrypt_jwk(key.private_jwk(), passphrase))
        else:
            write_private(staging / PRIVATE_JWK, _json(key.private_jwk()))
        public_jwk = {**key.public_key.jwk(), "kid": key.verification_method, "alg": key.algorithm}
        write_public(staging / PUBLIC_JWK, public_jwk)
        write_public(staging / PUBLIC_MULTIKEY, {"@context": did.MULTIKEY_CONTEXT, **multikey_method(key)})
        if controller.startswith("did:web:"):
            doc = did.did_web_document(controller, [multikey_method(key)], active=[key.verification_method])
            write_public(staging / DID_DOCUMENT, doc)
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return key


def _json(data: object) -> str:
    return json.dumps(data, indent=2) + "\n"
