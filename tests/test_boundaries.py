"""Third-party exceptions are translated where bpvc calls the library (httpx's habit, tested the same way).

Each case makes the library raise one of its own exception types at the boundary and checks that the
caller only ever sees a :class:`bpvc.errors.BpvcError` (or, for the verifier, a result).
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime

import jwt
import pytest
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from pyld.jsonld import JsonLdError, JsonLdProcessor
from referencing.exceptions import Unresolvable

from bpvc import fetch, strict_json
from bpvc.errors import BpvcError
from bpvc.jsonld import canonicalize
from bpvc.keys.primitives import KeyPair
from bpvc.schema import FOOTPRINT_8_0, SchemaRegistry
from bpvc.securing import jose
from bpvc.status import bitstring
from bpvc.verify.verifier import Verifier

NOW = datetime(2027, 1, 1, tzinfo=UTC)
DOCUMENT = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}

PYLD_ERRORS = [
    JsonLdError("boom", "jsonld.SyntaxError", code="invalid local context"),
    KeyError("@vocab"),
    TypeError("unhashable type"),
    ValueError("odd"),
    RecursionError("deep"),
    IndexError("list index out of range"),
]


@pytest.mark.parametrize("error", PYLD_ERRORS, ids=lambda e: type(e).__name__)
def test_pyld_errors_become_bpvc_errors(monkeypatch, error):
    def raising(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(JsonLdProcessor, "to_rdf", raising)
    with pytest.raises(BpvcError):
        canonicalize.to_dataset(DOCUMENT)


@pytest.mark.parametrize("error", PYLD_ERRORS, ids=lambda e: type(e).__name__)
def test_pyld_errors_leave_a_verification_result(monkeypatch, error, example_credential):
    def raising(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(JsonLdProcessor, "to_rdf", raising)
    result = Verifier().verify(example_credential, now=NOW)
    assert not result.verified
    assert result.check("contexts").outcome.value in ("failed", "indeterminate")


@pytest.mark.parametrize(
    "error",
    [Unresolvable(ref="https://elsewhere.example/s.json"), RecursionError("deep")],
    ids=lambda e: type(e).__name__,
)
def test_schema_errors_become_bpvc_errors(monkeypatch, error):
    registry = SchemaRegistry()
    validator = registry.validator(FOOTPRINT_8_0)

    def raising(*args, **kwargs):
        raise error

    monkeypatch.setattr(type(validator), "iter_errors", raising)
    with pytest.raises(BpvcError):
        registry.errors({}, FOOTPRINT_8_0)


@pytest.mark.parametrize(
    "error",
    [jwt.exceptions.InvalidSignatureError("x"), jwt.exceptions.DecodeError("x"), jwt.exceptions.InvalidTokenError("x")],
    ids=lambda e: type(e).__name__,
)
def test_pyjwt_errors_become_bpvc_errors(monkeypatch, error):
    key = KeyPair.generate("ed25519")
    token = jose.sign({"issuer": "did:example:a"}, key.with_verification_method("did:example:a#k"))

    def raising(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(jwt.PyJWS, "decode_complete", raising)
    with pytest.raises(BpvcError):
        jose.verify_signature(token, key.public_key, "EdDSA")


@pytest.mark.parametrize(
    "error", [InvalidSignature(), ValueError("bad point"), UnsupportedAlgorithm("no")], ids=lambda e: type(e).__name__
)
@pytest.mark.parametrize("key_type", ["ed25519", "p256"])
def test_cryptography_errors_become_bpvc_errors(monkeypatch, error, key_type):
    public = KeyPair.generate(key_type).public_key

    def raising(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(type(public.key), "verify", raising)
    with pytest.raises(BpvcError):
        public.verify(b"\0" * 64, b"data")


def test_zlib_errors_become_bpvc_errors():
    from bpvc import multibase

    with pytest.raises(BpvcError):
        bitstring.decode("u" + multibase.b64url_encode(b"\x1f\x8b\x08\x00not gzip"))
    with pytest.raises(BpvcError):
        fetch.gunzip_capped(b"\x1f\x8b\x08\x00not gzip", 1024)
    with pytest.raises(BpvcError):
        fetch.gunzip_capped(zlib.compress(b"x" * 10_000)[:5], 1024)


def test_json_errors_are_value_errors_with_one_line():
    for text in ['{"a": }', '{"a": 1, "a": 2}', "[" * 100 + "]" * 100, b"\xff\xfe"]:
        with pytest.raises(ValueError) as caught:
            strict_json.loads(text)
        assert "\n" not in strict_json.describe(caught.value)
    with pytest.raises(BpvcError):
        jose.decode("eyJhIjogfQ.eyJhIjogfQ.c2ln")
    assert json.loads("1") == 1


class _FailingConnection:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def execute(self, *args, **kwargs):
        raise self.error

    def close(self) -> None:
        pass


def _driver_errors():
    import sqlite3

    found = [sqlite3.OperationalError("disk I/O error"), sqlite3.DatabaseError("file is not a database")]
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the test extra installs it
        return found
    return [*found, psycopg.OperationalError("server closed the connection unexpectedly")]


@pytest.mark.parametrize("error", _driver_errors(), ids=lambda e: f"{type(e).__module__}.{type(e).__name__}")
def test_database_driver_errors_become_bpvc_errors(tmp_path, error):
    from bpvc.status.registry import Registry, RegistryUnavailableError

    registry = Registry(str(tmp_path / "registry.sqlite"), create=True)
    registry._db._conn = _FailingConnection(error)
    with pytest.raises(RegistryUnavailableError) as caught:
        registry.lists()
    assert "\n" not in caught.value.detail
