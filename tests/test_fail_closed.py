"""The verifier fails closed: each defect here once verified (or raised) and must not again."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import socket
import threading
import time
from datetime import UTC, datetime

import pytest

from bpvc import errors, multibase
from bpvc.did import did_web_document, did_web_url
from bpvc.fetch import Fetcher, HttpsTransport
from bpvc.issue.credential import InvalidDocumentError, issue_credential, issue_credential_jwt
from bpvc.issue.present import build, present
from bpvc.jsonld.contexts import CREDENTIALS_V2, default_loader
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.schema import SchemaRegistry, SchemaUnusableError
from bpvc.securing import jose
from bpvc.securing.data_integrity import add_proof
from bpvc.verify.policy import Policy, TrustedIssuer, parse_policy
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

NOW = datetime(2027, 1, 1, tzinfo=UTC)
CREATED = "2026-11-20T00:00:00Z"


def _party(name: str, key_type: str = "ed25519"):
    key = KeyPair.generate(key_type, f"did:web:{name}.example#key-1")
    doc = did_web_document(key.controller, [keystore.multikey_method(key)], active=[key.verification_method])
    return key, doc


@pytest.fixture
def maker():
    return _party("maker")


@pytest.fixture
def verifier(maker):
    return Verifier(did_documents={maker[1]["id"]: maker[1]})


def _credential(example_credential, key, **changes):
    doc = copy.deepcopy(example_credential)
    doc["issuer"] = key.controller
    doc.update(changes)
    return doc


def _jws(header: dict, payload: dict, key: KeyPair) -> str:
    signing_input = ".".join(
        multibase.b64url_encode(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload)
    )
    return signing_input + "." + multibase.b64url_encode(key.sign(signing_input.encode("ascii")))


# -- 1: a requested challenge or domain needs a proof that answers it --------------------------------


@pytest.mark.parametrize("asked", [{"challenge": "n"}, {"domain": "d"}, {"challenge": "n", "domain": "d"}])
def test_proofless_presentation_does_not_answer_a_challenge(verifier, maker, example_credential, asked):
    vc = issue_credential(_credential(example_credential, maker[0]), maker[0], created=CREATED)
    vp = build([vc], "did:web:carmaker.example")
    result = verifier.verify(vp, now=NOW, **asked)
    assert not result.verified and result.invalid
    types = {p.type for p in result.check("proof").problems}
    assert types == {errors.INVALID_CHALLENGE_ERROR if "challenge" in asked else errors.INVALID_DOMAIN_ERROR} | (
        {errors.INVALID_DOMAIN_ERROR} if len(asked) == 2 else set()
    )


def test_presentation_without_challenge_warns_of_replay(verifier, maker, example_credential):
    holder, holder_doc = _party("carmaker", "p256")
    vc = issue_credential(_credential(example_credential, maker[0]), maker[0], created=CREATED)
    vp = present([vc], holder, challenge="n-1", domain="v.example", created="2026-12-01T00:00:00Z")
    result = verifier.replace(did_documents={maker[1]["id"]: maker[1], holder_doc["id"]: holder_doc}).verify(
        vp, now=NOW
    )
    assert result.verified
    assert any("replay" in w.detail for w in result.check("proof").warnings)
    answered = verifier.replace(did_documents={maker[1]["id"]: maker[1], holder_doc["id"]: holder_doc}).verify(
        vp, now=NOW, challenge="n-1", domain="v.example"
    )
    assert answered.verified and not answered.check("proof").warnings


# -- 2: base58 is bounded before it is decoded -------------------------------------------------------


def test_long_proof_value_is_refused_without_decoding(verifier, maker, example_credential):
    vc = issue_credential(_credential(example_credential, maker[0]), maker[0], created=CREATED)
    vc["proof"]["proofValue"] = "z" + "2" * 150_000
    result = verifier.verify(vc, now=NOW)
    assert not result.verified
    assert any("characters" in p.detail for p in result.check("proof").problems)


def test_base58_limit_is_explicit():
    with pytest.raises(errors.MalformedError, match="longer than the limit"):
        multibase.b58decode("2" * 257)
    with pytest.raises(errors.MalformedError, match="longer than the limit"):
        multibase.decode("z" + "2" * 40, max_chars=20)
    assert multibase.b58decode("2" * 256)  # at the limit it still decodes


# -- 4: schemas never reach the network; one that cannot be applied is undecided --------------------


def _schema_file(tmp_path, document: dict) -> str:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_remote_schema_ref_is_never_fetched(tmp_path, monkeypatch):
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("jsonschema tried to fetch a $ref")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    url = "https://schemas.example/remote-ref.json"
    registry = SchemaRegistry(
        {
            url: _schema_file(
                tmp_path,
                {
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "$id": url,
                    "$ref": "https://attacker.example/remote.json",
                },
            )
        }
    )
    with pytest.raises(SchemaUnusableError, match="attacker.example"):
        registry.errors({"a": 1}, url)


@pytest.mark.parametrize(
    "schema",
    [
        {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"},
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": 42},
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://attacker.example/r.json"},
    ],
    ids=["other draft", "invalid schema", "remote $ref"],
)
def test_schema_that_cannot_be_applied_is_indeterminate(tmp_path, maker, example_credential, schema):
    url = "https://schemas.example/s.json"
    verifier = Verifier(did_documents={maker[1]["id"]: maker[1]}, schemas={url: _schema_file(tmp_path, schema)})
    doc = _credential(example_credential, maker[0], credentialSchema={"id": url, "type": "JsonSchema"})
    result = verifier.verify(issue_credential(doc, maker[0], created=CREATED), now=NOW)
    assert result.check("schema").outcome is Outcome.INDETERMINATE
    assert not result.verified and not result.invalid


# -- 5: one unexpected error leaves the other checks standing ---------------------------------------


def test_unexpected_error_in_one_check_keeps_the_others(verifier, maker, example_credential, monkeypatch):
    vc = issue_credential(_credential(example_credential, maker[0]), maker[0], created=CREATED)

    def broken(self, document, now, jwt_claims):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(Verifier, "_validity", broken)
    result = verifier.verify(vc, now=NOW)
    assert result.check("validity").outcome is Outcome.INDETERMINATE
    assert "ZeroDivisionError" in result.check("validity").problems[0].detail
    assert result.check("proof").outcome is Outcome.PASSED
    assert result.check("key_ownership").outcome is Outcome.PASSED
    assert not result.verified and result.indeterminate


# -- 6 and 18: strict JSON and strict JWS everywhere --------------------------------------------------


def test_jwt_payload_with_duplicate_members_is_refused(verifier, maker, example_credential):
    key = maker[0]
    payload = _credential(example_credential, key)
    payload["iss"] = key.controller
    body = json.dumps(payload, separators=(",", ":"))
    body = body[:-1] + ',"validUntil":"2000-01-01T00:00:00Z","validUntil":"2099-01-01T00:00:00Z"}'
    header = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": key.verification_method}
    signing_input = multibase.b64url_encode(json.dumps(header).encode()) + "." + multibase.b64url_encode(body.encode())
    token = signing_input + "." + multibase.b64url_encode(key.sign(signing_input.encode()))
    result = verifier.verify(token, now=NOW)
    assert not result.verified
    assert "duplicate member 'validUntil'" in result.check("structure").problems[0].detail


def test_padded_jws_signature_is_refused(verifier, maker, example_credential):
    token = issue_credential_jwt(_credential(example_credential, maker[0]), maker[0])
    assert verifier.verify(token, now=NOW).verified
    head, payload, signature = token.split(".")
    padded = f"{head}.{payload}.{signature}{'=' * (-len(signature) % 4) or '=='}"
    result = verifier.verify(padded, now=NOW)
    assert not result.verified
    assert "base64url" in result.check("structure").problems[0].detail


@pytest.mark.parametrize("typ", ["application/vc+jwt", "VC+JWT", "application/VC+JWT"])
def test_typ_with_application_prefix_is_accepted(verifier, maker, example_credential, typ):
    """RFC 7515 §4.1.9: the application/ prefix may be written, and media types are case-insensitive."""
    key = maker[0]
    payload = dict(_credential(example_credential, key), iss=key.controller)
    token = _jws({"alg": "EdDSA", "typ": typ, "cty": "vc", "kid": key.verification_method}, payload, key)
    result = verifier.verify(token, now=NOW)
    assert result.verified, result.to_dict()


def test_issuer_refuses_what_is_not_json(maker, example_credential):
    for bad in (float("nan"), float("inf")):
        doc = _credential(example_credential, maker[0])
        doc["credentialSubject"]["value"] = bad
        with pytest.raises(InvalidDocumentError, match="not JSON"):
            issue_credential(doc, maker[0], created=CREATED)


@pytest.mark.parametrize(
    "data",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"a":' * 10_000 + "1" + "}" * 10_000,
        "1" + "0" * 5_000,
        '{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "\\ud800"}',
    ],
    ids=["deep arrays", "deep objects", "huge integer", "lone surrogate"],
)
def test_verify_never_raises_on_hostile_text(verifier, data):
    result = verifier.verify(data, now=NOW)
    assert not result.verified
    assert result.check("structure").outcome is Outcome.FAILED


def test_deep_dict_from_the_api_is_refused(verifier):
    deep: dict = {}
    node = deep
    for _ in range(5_000):
        node["a"] = {}
        node = node["a"]
    result = verifier.verify(deep, now=NOW)
    assert result.check("structure").outcome is Outcome.FAILED
    assert "nested too deeply" in result.check("structure").problems[0].detail


# -- 7: the enveloping wrapper itself --------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"@context": None},
        {"@context": []},
        {"@context": ["https://www.w3.org/2018/credentials/v1"]},
        {"credentialSubject": {"id": "did:example:someone-else"}},
        {"type": ["EnvelopedVerifiableCredential", "VerifiablePresentation"]},
    ],
    ids=["no context", "empty context", "not the v2 context", "claims beside the token", "two roles"],
)
def test_bad_envelope_wrapper_is_refused(verifier, maker, example_credential, change):
    envelope = issue_credential_jwt(_credential(example_credential, maker[0]), maker[0], envelope=True)
    assert isinstance(envelope, dict) and verifier.verify(envelope, now=NOW).verified
    for key, value in change.items():
        if value is None:
            envelope.pop(key)
        else:
            envelope[key] = value
    result = verifier.verify(envelope, now=NOW)
    assert not result.verified and result.invalid


def test_unsupported_enveloped_presentation_names_its_media_type(verifier):
    envelope = {
        "@context": [CREDENTIALS_V2],
        "type": "EnvelopedVerifiablePresentation",
        "id": "data:application/vp+cose,AAAA",
    }
    result = verifier.verify(envelope, now=NOW)
    assert result.kind == "presentation" and result.indeterminate
    assert "application/vp+cose" in result.check("proof").problems[0].detail


# -- 8: relatedResource -------------------------------------------------------------------------------


def _sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


V2_SRI = "sha384-l/HrjlBCNWyAX91hr6LFV2Y3heB5Tcr6IeE4/Tje8YyzYBM8IhqjHWiWpr8+ZbYU"  # VCDM 2.0 §5.3
V2_MULTIBASE = "uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA"
BPVC_CONTEXT = "https://w3id.org/bpvc/contexts/credentials/v1"


def _bpvc_bytes(verifier) -> bytes:
    data = verifier.loader.file_bytes(BPVC_CONTEXT)
    assert data is not None
    return data


def test_duplicate_related_resource_ids_are_refused(verifier, maker, example_credential):
    entry = {"id": CREDENTIALS_V2, "digestSRI": V2_SRI}
    doc = _credential(example_credential, maker[0], relatedResource=[entry, dict(entry)])
    with pytest.raises(InvalidDocumentError, match="appears twice"):
        issue_credential(doc, maker[0], created=CREATED)
    signed = issue_credential(_credential(example_credential, maker[0], relatedResource=[entry]), maker[0])
    assert verifier.verify(signed, now=NOW).verified
    signed["relatedResource"].append(dict(entry))
    assert any("appears twice" in p.detail for p in verifier.verify(signed, now=NOW).check("structure").problems)


def _verify_related(verifier, maker, example_credential, related):
    doc = _credential(example_credential, maker[0], relatedResource=related)
    return verifier.verify(issue_credential(doc, maker[0], created=CREATED), now=NOW)


def test_published_digests_of_the_v2_context_match(verifier, maker, example_credential):
    """The figures VCDM 2.0 publishes for its own context (the REC's example prints a stray 'M')."""
    related = [{"id": CREDENTIALS_V2, "digestSRI": V2_SRI, "digestMultibase": V2_MULTIBASE}]
    result = _verify_related(verifier, maker, example_credential, related)
    assert result.verified and not result.check("structure").warnings
    misprinted = [{"id": CREDENTIALS_V2, "digestSRI": "sha384-M" + V2_SRI[len("sha384-") :]}]
    result = _verify_related(verifier, maker, example_credential, misprinted)
    assert result.check("structure").problems[0].json_path == "$.relatedResource[0].digestSRI"


def test_related_resource_digests_are_checked_offline(verifier, maker, example_credential):
    data = _bpvc_bytes(verifier)
    multihash = multibase.encode(b"\x12\x20" + hashlib.sha256(data).digest(), "u")
    good = [{"id": BPVC_CONTEXT, "digestSRI": _sri(data), "digestMultibase": multihash}]
    assert _verify_related(verifier, maker, example_credential, good).verified
    bad = [{"id": BPVC_CONTEXT, "digestSRI": _sri(data + b" ")}]
    result = _verify_related(verifier, maker, example_credential, bad)
    assert result.check("structure").outcome is Outcome.FAILED
    assert result.check("structure").problems[0].json_path == "$.relatedResource[0].digestSRI"
    unknown = [{"id": "https://elsewhere.example/manual.pdf", "digestSRI": _sri(b"x")}]
    result = _verify_related(verifier, maker, example_credential, unknown)
    assert result.verified
    assert "not held offline" in result.check("structure").warnings[0].detail


# -- 11: require_status requires a status --------------------------------------------------------------


def test_require_status_fails_a_credential_without_one(verifier, maker, example_credential):
    doc = _credential(example_credential, maker[0])
    doc.pop("credentialStatus", None)
    vc = issue_credential(doc, maker[0], created=CREATED)
    assert verifier.verify(vc, now=NOW).check("status").outcome is Outcome.SKIPPED
    strict = verifier.replace(require_status=True)
    result = strict.verify(vc, now=NOW)
    assert result.check("status").outcome is Outcome.FAILED
    assert "requires a status" in result.check("status").problems[0].detail


def test_require_status_without_checking_is_a_contradiction():
    with pytest.raises(ValueError, match="require_status"):
        Verifier(require_status=True, check_status=False)
    with pytest.raises(errors.MalformedError, match="require_status"):
        parse_policy({"verification": {"require_status": True, "check_status": False}})
    assert parse_policy({"verification": {"check_status": False}}).check_status is False


# -- 13: one role per document ---------------------------------------------------------------------------


def test_document_typed_as_credential_and_presentation_is_refused(maker, example_credential):
    """An attacker signs another issuer's claims as a *presentation*; typed both ways, it must not verify."""
    attacker, attacker_doc = _party("attacker")
    doc = dict(
        _credential(example_credential, maker[0]),
        type=["VerifiableCredential", "VerifiablePresentation"],
        holder=attacker.controller,
    )
    with pytest.raises(InvalidDocumentError, match="both"):
        issue_credential(dict(doc, issuer=attacker.controller), attacker, created=CREATED)
    forged = add_proof(doc, attacker, loader=default_loader(), purpose="authentication", created=CREATED)
    verifier = Verifier(did_documents={attacker_doc["id"]: attacker_doc, maker[1]["id"]: maker[1]})
    result = verifier.verify(forged, now=NOW)
    assert not result.verified and result.invalid
    assert any("both" in p.detail for p in result.check("structure").problems)


# -- 14 and 19: did:web paths and trust rules ----------------------------------------------------------------


@pytest.mark.parametrize(
    "did",
    [
        "did:web:host.example:..%2F..:x",
        "did:web:host.example:a:..:..:x",
        "did:web:host.example:%2E%2E:x",
        "did:web:host.example:.:x",
        "did:web:host.example%3Fq:x",
        "did:web:host.example:a%3Fb",
        "did:web:host.example:a%2523b",
        "did:web:user@host.example",
    ],
)
def test_did_web_traversal_is_refused(did):
    with pytest.raises(errors.MalformedError):
        did_web_url(did)


def test_did_web_urls():
    assert did_web_url("did:web:w3c-ccg.github.io") == "https://w3c-ccg.github.io/.well-known/did.json"
    assert did_web_url("did:web:w3c-ccg.github.io:user:alice") == "https://w3c-ccg.github.io/user/alice/did.json"
    assert did_web_url("did:web:example.com%3A3000:user:alice") == "https://example.com:3000/user/alice/did.json"


def test_trust_rule_for_a_host_does_not_cover_another_port():
    rule = TrustedIssuer(frozenset({"*"}), did_web_host="supplier.example")
    assert rule.matches("did:web:supplier.example:plant:1")
    assert not rule.matches("did:web:supplier.example%3A8443:plant:1")
    with_port = parse_policy(
        {"trusted_issuers": [{"did_web_host": "supplier.example:8443", "types": ["*"]}]}
    ).trusted_issuers
    assert with_port is not None and with_port[0].matches("did:web:supplier.example%3A8443")
    assert isinstance(Policy(), Policy)


# -- 17: a fetch has one deadline, however slowly the server trickles -------------------------------------


def test_trickling_server_is_cut_off_at_the_deadline():
    """A loopback server that sends one byte every 0.2 s; the transport gives up at its total timeout."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve():
        conn, _ = listener.accept()
        with conn:
            while not stop.is_set():
                try:
                    conn.sendall(b"x")
                except OSError:
                    return
                time.sleep(0.2)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    class Plain(HttpsTransport):
        """The real read loop over plain TCP (no TLS on loopback)."""

    import http.client

    from bpvc import fetch

    original = fetch._PinnedHTTPSConnection
    fetch._PinnedHTTPSConnection = lambda host, port_, address, timeout: http.client.HTTPConnection(  # type: ignore
        address, port_, timeout=timeout
    )
    try:
        with pytest.raises(errors.FetchError, match="longer than 1 s"):
            Plain().get(f"https://127.0.0.1:{port}/list", "127.0.0.1", timeout=1.0, max_bytes=1 << 20)
    finally:
        fetch._PinnedHTTPSConnection = original
        stop.set()
        listener.close()


def test_fetcher_budget_covers_redirects():
    ticks = iter([0.0, 0.0, 4.0, 11.0])

    class Redirecting:
        def get(self, url, address, *, timeout, max_bytes):
            from bpvc.fetch import Response

            return Response(302, {"location": "https://b.example/next"}, b"")

    fetcher = Fetcher(transport=Redirecting(), resolve=lambda host, port: "93.184.216.34", clock=lambda: next(ticks))
    with pytest.raises(errors.FetchError, match="longer than 10 s"):
        fetcher.fetch("https://a.example/list")


def test_json_from_a_fetch_is_strict():
    class Answer:
        def get(self, url, address, *, timeout, max_bytes):
            from bpvc.fetch import Response

            return Response(200, {}, b'{"id": "a", "id": "b"}')

    fetcher = Fetcher(transport=Answer(), resolve=lambda host, port: "93.184.216.34")
    with pytest.raises(errors.FetchError, match="duplicate member"):
        fetcher.fetch_json("https://a.example/did.json")


def test_jose_module_refuses_non_json_header():
    with pytest.raises(errors.ParsingError):
        jose.decode("eyJhbGciOiJFZERTQSJ9.eyJhIjpOYU59.c2ln")  # payload {"a":NaN}
