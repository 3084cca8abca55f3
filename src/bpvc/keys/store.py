"""Key directories: what ``bpvc keys generate`` writes and every ``--key`` option reads.

A key directory holds the private key as a JWK (mode 0600, or a passphrase-encrypted
JWE), the public key as JWK and Multikey, and for did:web the DID document to publish.
Directories are written in full or not at all: they are staged as ``.NAME.partial-XXXX``
beside the target (removed on failure; plainly unfinished if the process was killed).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .. import did, strict_json
from ..errors import KeyFileError, MalformedError
from ..files import PARTIAL
from .primitives import (
    DID_DOCUMENT,
    PRIVATE_JWE,
    PRIVATE_JWK,
    PUBLIC_JWK,
    PUBLIC_MULTIKEY,
    KeyPair,
    encrypt_jwk,
    load_key,
    write_private,
    write_public,
)


def check_controller(controller: str) -> None:
    """Refuse a controller a new key cannot have: not did:key, or a did:web whose URL would leave its path."""
    if controller == "did:key":
        return
    if controller.startswith("did:web:"):
        try:
            did.validate_did_web(controller)  # dot segments, encoded '/', '?', bad hosts
        except MalformedError as err:
            raise KeyFileError(f"--controller: {err.detail}") from None
        return
    raise KeyFileError(f"--controller must be did:key or did:web:HOST[:PATH], not {controller!r}")


def verification_method_for(controller: str, key: KeyPair, key_number: int = 1) -> str:
    """The verification method id a new key gets under ``controller`` (did:key or did:web)."""
    check_controller(controller)
    if controller == "did:key":
        multikey = key.public_key.multikey()
        return f"did:key:{multikey}#{multikey}"
    return f"{controller}#key-{key_number}"


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
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}{PARTIAL}", dir=parent))
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


HISTORY = "key-history.json"
ROTATED = "rotated"
MAX_KEY_FILE_BYTES = 4 << 20  # a DID document with a long key history stays far below this


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = strict_json.load_file(path, max_bytes=MAX_KEY_FILE_BYTES)
    except FileNotFoundError:
        raise KeyFileError(f"{path} does not exist") from None
    except OSError as err:
        raise KeyFileError(f"{path} cannot be read: {err.strerror or err}") from None
    except ValueError as err:
        raise KeyFileError(f"{path} is not acceptable JSON: {strict_json.describe(err)}") from None
    if not isinstance(value, dict):
        raise KeyFileError(f"{path} is not a JSON object")
    return value


def _did_document(path: Path) -> dict[str, Any]:
    """The key directory's DID document, with the shape rotate and retire rely on."""
    doc = _read_json(path)
    if not isinstance(doc.get("id"), str):
        raise KeyFileError(f"{path} has no DID ('id')")
    methods = doc.get("verificationMethod", [])
    if not isinstance(methods, list) or not all(isinstance(m, dict) for m in methods):
        raise KeyFileError(f"{path}: verificationMethod must be a list of objects")
    for rel in did.RELATIONSHIPS:
        if not isinstance(doc.get(rel, []), list):
            raise KeyFileError(f"{path}: {rel} must be a list")
    return doc


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _history(directory: Path, doc: dict[str, Any]) -> dict[str, list[str]]:
    path = directory / HISTORY
    if path.exists():
        data = _read_json(path)
        return {"issued": _strings(data.get("issued")), "retired": _strings(data.get("retired"))}
    methods = doc.get("verificationMethod")
    return {
        "issued": _strings([m.get("id") for m in methods if isinstance(m, dict)] if isinstance(methods, list) else []),
        "retired": [],
    }


def _next_number(history: dict[str, list[str]]) -> int:
    numbers = [int(i.rsplit("#key-", 1)[1]) for i in history["issued"] if i.rsplit("#key-", 1)[-1].isdigit()]
    return max(numbers, default=0) + 1


def _replace_directory(directory: Path, build: Any) -> None:
    """Apply ``build(staging)`` to a copy of ``directory`` and swap it in, so a failure changes nothing."""
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}{PARTIAL}", dir=directory.resolve().parent))
    shutil.rmtree(staging)
    shutil.copytree(directory, staging)
    backup = staging.with_name(staging.name + ".old")
    try:
        build(staging)
        os.replace(directory, backup)
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if backup.exists() and not directory.exists():
            os.replace(backup, directory)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def rotate(directory: Path, *, key_type: str | None = None, passphrase: str | None = None) -> KeyPair:
    """Add a new did:web key and make it the signing key; the old one stays listed for verification only.

    The old key keeps its place under ``assertionMethod`` so credentials it signed still verify,
    leaves ``authentication``, and its private key moves to ``rotated/``. Key ids are never reused.
    """
    current = load_key(directory, passphrase=passphrase)
    doc_path = directory / DID_DOCUMENT
    if not doc_path.exists():
        raise KeyFileError(
            f"{directory} has no {DID_DOCUMENT}: only did:web keys can be rotated "
            "(a did:key is its key; make a new one instead)"
        )
    doc = _did_document(doc_path)
    history = _history(directory, doc)
    controller = str(doc.get("id"))
    new = KeyPair.generate(key_type or current.key_type)
    new = new.with_verification_method(f"{controller}#key-{_next_number(history)}")
    history["issued"].append(new.verification_method)
    doc["verificationMethod"] = list(doc.get("verificationMethod", [])) + [multikey_method(new)]
    doc["assertionMethod"] = list(doc.get("assertionMethod", [])) + [new.verification_method]
    doc["authentication"] = [new.verification_method]

    def build(staging: Path) -> None:
        (staging / ROTATED).mkdir(mode=0o700, exist_ok=True)
        old_name = current.verification_method.rsplit("#", 1)[-1]
        for name in (PRIVATE_JWK, PRIVATE_JWE):
            if (staging / name).exists():
                os.replace(staging / name, staging / ROTATED / f"{old_name}.{name}")
        if passphrase:
            write_private(staging / PRIVATE_JWE, encrypt_jwk(new.private_jwk(), passphrase))
        else:
            write_private(staging / PRIVATE_JWK, _json(new.private_jwk()))
        write_public(
            staging / PUBLIC_JWK, {**new.public_key.jwk(), "kid": new.verification_method, "alg": new.algorithm}
        )
        write_public(staging / PUBLIC_MULTIKEY, {"@context": did.MULTIKEY_CONTEXT, **multikey_method(new)})
        write_public(staging / DID_DOCUMENT, doc)
        write_public(staging / HISTORY, history)

    _replace_directory(directory, build)
    return new


def retire(directory: Path, key_id: str, *, passphrase: str | None = None) -> None:
    """Remove a rotated key from the DID document; credentials it signed stop verifying."""
    doc = _did_document(directory / DID_DOCUMENT)
    controller = str(doc.get("id"))
    key_id = key_id if "#" in key_id else f"{controller}#{key_id}"
    if load_key(directory, passphrase=passphrase).verification_method == key_id:
        raise KeyFileError(f"{key_id} is the current signing key; rotate first, then retire it")
    ids = [m.get("id") for m in doc.get("verificationMethod", []) if isinstance(m, dict)]
    if key_id not in ids:
        raise KeyFileError(f"{key_id} is not in {directory / DID_DOCUMENT}")
    history = _history(directory, doc)
    history["retired"].append(key_id)
    doc["verificationMethod"] = [m for m in doc["verificationMethod"] if m.get("id") != key_id]
    for rel in did.RELATIONSHIPS:
        if rel in doc:
            doc[rel] = [r for r in doc[rel] if (r.get("id") if isinstance(r, dict) else r) != key_id]

    def build(staging: Path) -> None:
        fragment = key_id.rsplit("#", 1)[-1]
        for name in (PRIVATE_JWK, PRIVATE_JWE):
            (staging / ROTATED / f"{fragment}.{name}").unlink(missing_ok=True)
        write_public(staging / DID_DOCUMENT, doc)
        write_public(staging / HISTORY, history)

    _replace_directory(directory, build)


def _json(data: object) -> str:
    return json.dumps(data, indent=2) + "\n"
