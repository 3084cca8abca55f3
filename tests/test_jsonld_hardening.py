"""JSON-LD hardening (issue 10): linear de-duplication, one work budget, the signed shape, unsigned data.

Each attack document is built here: a credential is signed with the example key, then re-serialized
the malicious way. ``_signed_rdf`` shows the re-serialization keeps what the proof covers (plain
pyld gives the same canonical N-Quads), so the proof stays valid; the verifier must still refuse it.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import ROOT, load
from pyld import canon
from pyld.jsonld import JsonLdProcessor

from bpvc import errors
from bpvc.issue.credential import issue_credential
from bpvc.jsonld.canonicalize import DEFAULT_MAX_JSONLD_WORK, WorkBudget, canonicalize, json_size, to_dataset
from bpvc.jsonld.contexts import default_loader
from bpvc.keys.primitives import load_key
from bpvc.securing import jose
from bpvc.securing.data_integrity import add_proof
from bpvc.status.bitstring import Bitstring
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

NOW = datetime(2027, 3, 1, tzinfo=UTC)
CREATED = "2026-11-20T00:00:00Z"
PAST = "2027-01-01T00:00:00Z"  # before NOW
FUTURE = "2027-06-01T00:00:00Z"  # after NOW
CRED = "https://www.w3.org/2018/credentials#"
SEC = "https://w3id.org/security#"
DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
LIST_URL = "https://status.battery-maker.example/lists/revocation-1"

KEY = load_key(ROOT / "keys.example")
DID = load(ROOT / "keys.example" / "did.json")


def _verifier(**kw: Any) -> Verifier:
    return Verifier(did_documents={DID["id"]: DID}, **kw)


def _credential(**changes: Any) -> dict[str, Any]:
    doc = load(ROOT / "examples" / "battery-credential.json")
    doc.update(changes)
    return doc


def _sign(doc: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return add_proof(doc, KEY, loader=default_loader(), created=CREATED, **kw)


def _plain_rdf(doc: dict[str, Any]) -> str:
    """Canonical N-Quads from plain pyld (no bpvc safe mode)."""
    loader = default_loader()
    options = {"documentLoader": loader, "contextResolver": loader.context_resolver(), "base": None}
    dataset = JsonLdProcessor().to_rdf(doc, options)
    return str(canon.URDNA2015().main(dataset, {"format": "application/n-quads"}))


def _signed_rdf(doc: dict[str, Any]) -> tuple[str, list[str]]:
    """What the proofs cover: the document's N-Quads and each proof configuration's."""
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    proofs = doc["proof"] if isinstance(doc["proof"], list) else [doc["proof"]]
    configs = [dict({k: v for k, v in p.items() if k != "proofValue"}, **{"@context": doc["@context"]}) for p in proofs]
    return _plain_rdf(unsecured), [_plain_rdf(c) for c in configs]


def _refused(result: Any, check: str, problem_type: str, json_path: str) -> str:
    assert not result.verified
    outcome = result.check(check)
    assert outcome.outcome is Outcome.FAILED, result.to_dict()
    problem = outcome.problems[0]
    assert (problem.type, problem.json_path) == (problem_type, json_path), result.to_dict()
    return str(problem.detail)


def _typed(value: str) -> dict[str, str]:
    return {"@value": value, "@type": DATETIME}


# -- re-serializations that keep the RDF (and so the proof) -----------------------------------------


def _as_full_iri(doc: dict[str, Any], term: str, iri: str) -> None:
    value = doc.pop(term)
    doc[iri] = _typed(value) if isinstance(value, str) else value


def _under_nest(doc: dict[str, Any], term: str) -> None:
    doc["@nest"] = {term: doc.pop(term)}


def _aliased(doc: dict[str, Any], term: str, alias: str, iri: str, *, protected: bool = False) -> None:
    definition: dict[str, Any] = {alias: {"@id": iri, "@type": DATETIME}}
    if protected:
        definition["@protected"] = True
    doc["@context"] = [*doc["@context"], definition]
    doc[alias] = doc.pop(term)


HIDE_EXPIRY = {
    "full-iri": (lambda d: _as_full_iri(d, "validUntil", CRED + "validUntil"), f"$['{CRED}validUntil']"),
    "nest": (lambda d: _under_nest(d, "validUntil"), "$['@nest'].validUntil"),
    "alias": (lambda d: _aliased(d, "validUntil", "expiry", CRED + "validUntil"), "$.expiry"),
    "protected-alias": (
        lambda d: _aliased(d, "validUntil", "expiry", CRED + "validUntil", protected=True),
        "$.expiry",
    ),
}


@pytest.mark.parametrize("how", HIDE_EXPIRY)
def test_expired_credential_reserialized_is_refused(how):
    signed = _sign(_credential(validUntil=PAST))
    assert _verifier().verify(signed, now=NOW).check("validity").outcome is Outcome.FAILED
    attack = copy.deepcopy(signed)
    reserialize, path = HIDE_EXPIRY[how]
    reserialize(attack)
    assert _signed_rdf(attack) == _signed_rdf(signed)  # the proof still covers exactly this
    detail = _refused(_verifier().verify(attack, now=NOW), "contexts", errors.DATA_LOSS_DETECTION_ERROR, path)
    assert "validUntil" in detail


def test_not_yet_valid_credential_reserialized_is_refused():
    signed = _sign(_credential(validFrom=FUTURE))
    assert _verifier().verify(signed, now=NOW).check("validity").outcome is Outcome.FAILED
    attack = copy.deepcopy(signed)
    _aliased(attack, "validFrom", "starts", CRED + "validFrom")
    assert _signed_rdf(attack) == _signed_rdf(signed)
    _refused(_verifier().verify(attack, now=NOW), "contexts", errors.DATA_LOSS_DETECTION_ERROR, "$.starts")


def _status_list(*, revoked: int | None = None, valid_until: str = FUTURE) -> dict[str, Any]:
    bits = Bitstring()
    if revoked is not None:
        bits.set(revoked, 1)
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": KEY.controller,
        "validFrom": "2026-11-01T00:00:00Z",
        "validUntil": valid_until,
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": bits.encode(),
        },
    }
    return issue_credential(unsigned, KEY, created=CREATED)


def _with_status() -> dict[str, Any]:
    entry = {
        "id": f"{LIST_URL}#7",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "7",
        "statusListCredential": LIST_URL,
    }
    return _sign(_credential(credentialStatus=entry))


def test_revoked_credential_with_hidden_status_is_refused():
    signed = _with_status()
    verifier = _verifier(status_lists={LIST_URL: _status_list(revoked=7)})
    status = verifier.verify(signed, now=NOW).check("status")
    assert [p.type for p in status.problems] == [errors.CREDENTIAL_REVOKED]
    attack = copy.deepcopy(signed)
    _as_full_iri(attack, "credentialStatus", CRED + "credentialStatus")
    assert _signed_rdf(attack) == _signed_rdf(signed)
    path = f"$['{CRED}credentialStatus']"
    assert "credentialStatus" in _refused(
        verifier.verify(attack, now=NOW), "contexts", errors.DATA_LOSS_DETECTION_ERROR, path
    )


def test_stale_status_list_with_hidden_expiry_is_refused():
    signed = _with_status()
    stale = _status_list(valid_until=PAST)
    verifier = _verifier(status_lists={LIST_URL: stale})
    assert verifier.verify(signed, now=NOW).check("status").outcome is not Outcome.PASSED
    hidden = copy.deepcopy(stale)
    _under_nest(hidden, "validUntil")
    assert _signed_rdf(hidden) == _signed_rdf(stale)
    result = _verifier(status_lists={LIST_URL: hidden}).verify(signed, now=NOW)
    assert not result.verified and result.check("status").outcome is not Outcome.PASSED
    assert any("contexts" in p.detail and "@nest" in p.detail for p in result.check("status").problems)


def test_expired_proof_with_hidden_expires_is_refused():
    signed = _sign(_credential(), expires=PAST)
    assert _verifier().verify(signed, now=NOW).check("proof").outcome is Outcome.FAILED
    attack = copy.deepcopy(signed)
    attack["proof"][SEC + "expiration"] = _typed(attack["proof"].pop("expires"))
    assert _signed_rdf(attack) == _signed_rdf(signed)
    path = f"$.proof['{SEC}expiration']"
    assert "'expires'" in _refused(
        _verifier().verify(attack, now=NOW), "contexts", errors.DATA_LOSS_DETECTION_ERROR, path
    )


def test_expired_presentation_proof_with_hidden_expires_is_refused():
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": KEY.controller,
        "verifiableCredential": [_sign(_credential())],
    }
    signed = add_proof(
        vp,
        KEY,
        loader=default_loader(),
        purpose="authentication",
        created=CREATED,
        expires=PAST,
        challenge="c-1",
        domain="verifier.example",
    )
    verify = {"now": NOW, "challenge": "c-1", "domain": "verifier.example"}
    assert _verifier().verify(signed, **verify).check("proof").outcome is Outcome.FAILED
    attack = copy.deepcopy(signed)
    attack["proof"]["@nest"] = {"expires": attack["proof"].pop("expires")}
    assert _signed_rdf(attack) == _signed_rdf(signed)
    path = "$.proof['@nest'].expires"
    _refused(_verifier().verify(attack, **verify), "contexts", errors.DATA_LOSS_DETECTION_ERROR, path)


def test_vc_jwt_payload_with_nested_expiry_is_refused():
    payload = _credential(validUntil=PAST)
    _under_nest(payload, "validUntil")
    token = jose.sign(payload, KEY, media="vc")  # the JWS signs these bytes; their meaning still hides the expiry
    result = _verifier().verify(token, now=NOW)
    assert result.check("proof").outcome is Outcome.PASSED
    _refused(result, "contexts", errors.DATA_LOSS_DETECTION_ERROR, "$['@nest'].validUntil")


def test_types_under_the_bare_keyword_are_refused():
    signed = _sign(_credential())
    attack = copy.deepcopy(signed)
    attack["type"] = ["VerifiableCredential"]
    attack["@type"] = ["BatteryIdentityCredential"]  # signed, merged with "type", unseen by the type checks
    assert _signed_rdf(attack) == _signed_rdf(signed)
    assert "'type'" in _refused(
        _verifier().verify(attack, now=NOW), "contexts", errors.DATA_LOSS_DETECTION_ERROR, "$['@type']"
    )


def test_a_second_description_of_the_credential_node_is_refused():
    signed = _sign(_credential(validUntil=PAST))
    attack = copy.deepcopy(signed)
    # an unprotected top-level term for validUntil, then the claim moved into a second copy of the node
    attack["@context"] = [*attack["@context"], {"validUntil": {"@id": CRED + "validUntil", "@type": DATETIME}}]
    attack["@included"] = [{"id": attack["id"], "validUntil": attack.pop("validUntil")}]
    assert _signed_rdf(attack) == _signed_rdf(signed)
    detail = _refused(
        _verifier().verify(attack, now=NOW), "contexts", errors.DATA_LOSS_DETECTION_ERROR, "$['@included'][0]"
    )
    assert "described twice" in detail


# -- unsigned data riding along (item 18) -------------------------------------------------------------


def test_index_on_the_subject_is_refused():
    signed = _sign(_credential())
    attack = copy.deepcopy(signed)
    attack["credentialSubject"]["@index"] = "approved by the regulator"
    assert _signed_rdf(attack) == _signed_rdf(signed)  # not in the RDF: nobody signed it
    path = "$.credentialSubject['@index']"
    _refused(_verifier().verify(attack, now=NOW), "contexts", errors.DATA_LOSS_DETECTION_ERROR, path)


def test_index_wrapped_around_a_claim_is_refused():
    signed = _sign(_credential())
    attack = copy.deepcopy(signed)
    chemistry = attack["credentialSubject"]["chemistry"]
    attack["credentialSubject"]["chemistry"] = {"@value": chemistry, "@index": "recycled content 90%"}
    assert _signed_rdf(attack) == _signed_rdf(signed)
    path = "$.credentialSubject.chemistry['@index']"
    _refused(_verifier().verify(attack, now=NOW), "contexts", errors.DATA_LOSS_DETECTION_ERROR, path)


def test_index_map_keys_are_refused():
    doc = _credential()
    doc["@context"] = [*doc["@context"], {"notes": {"@id": "urn:example:notes", "@container": "@index"}}]
    doc["credentialSubject"]["notes"] = {"unsigned key": "a signed value"}
    with pytest.raises(errors.DataLossError, match="@index map") as info:
        canonicalize(doc)
    assert info.value.json_path == "$.credentialSubject.notes"


@pytest.mark.filterwarnings("ignore:values beginning with:SyntaxWarning")
def test_ignored_redefinition_of_a_protected_term_is_refused():
    signed = _sign(_credential())
    attack = copy.deepcopy(signed)
    attack["@context"] = [*attack["@context"], {"chemistry": {"@id": "@ignored"}}]  # pyld warns, then ignores it
    assert _signed_rdf(attack) == _signed_rdf(signed)
    detail = _refused(_verifier().verify(attack, now=NOW), "contexts", errors.MALFORMED_VALUE_ERROR, "$")
    assert "protected term redefinition" in detail


def test_proof_context_must_open_the_document_context():
    signed = _sign(_credential())
    attack = copy.deepcopy(signed)
    attack["proof"]["@context"] = ["https://w3id.org/security/data-integrity/v2"]
    _refused(_verifier().verify(attack, now=NOW), "proof", errors.PROOF_VERIFICATION_ERROR, "$.proof['@context']")
    prefix = copy.deepcopy(signed)
    prefix["proof"]["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    assert _verifier().verify(prefix, now=NOW).verified


# -- linear de-duplication (item 3) and the work budget (item 17) -------------------------------------


def test_node_map_deduplication_compares_no_values(monkeypatch):
    calls = []
    original = JsonLdProcessor.compare_values
    monkeypatch.setattr(JsonLdProcessor, "compare_values", lambda a, b: calls.append(1) or original(a, b))
    doc = _credential()
    doc["credentialSubject"]["unit"] = [f"u{i}" for i in range(2000)]
    to_dataset(doc)
    # pyld compares each value with every earlier one (about 2,000,000 calls); bpvc scans the first few only
    assert len(calls) < 200


DUPLICATES = {
    "@context": {"@vocab": "urn:example:", "ref": {"@type": "@id"}},
    "@id": "urn:example:s",
    "@type": ["T", "T", "U"],
    "v": ["a", "a", "b", 1, 1.0, True, 1, False, True, {"@value": "a", "@language": "en"}, {"@value": "a"}],
    "typed": [{"@value": "1", "@type": "urn:example:int"}, {"@value": "1", "@type": "urn:example:int"}],
    "json": {"@value": {"k": [1, True]}, "@type": "@json"},
    "ref": ["urn:example:x", "urn:example:x", "urn:example:y"],
    "nodes": [{"@id": "urn:example:n", "p": "1"}, {"@id": "urn:example:n"}],
    "blank": [{"p": "1"}, {"p": "1"}],
    "list": {"@list": ["a", "a"]},
}


def test_deduplication_matches_pyld_exactly():
    loader = default_loader()
    options = {"documentLoader": loader, "contextResolver": loader.context_resolver(), "base": None}
    assert to_dataset(copy.deepcopy(DUPLICATES)) == JsonLdProcessor().to_rdf(copy.deepcopy(DUPLICATES), options)
    nquads = canonicalize(DUPLICATES)
    assert nquads.count('"a" .') == 3  # v once (with {"@value": "a"}), the list twice
    assert nquads.count("<urn:example:v> ") == 6  # a, b, 1 (pyld finds 1.0 equal to it), true, false, "a"@en
    assert nquads.count("<urn:example:ref> ") == 2 and nquads.count("> <urn:example:p> ") == 1


def test_eight_thousand_literals_verify_within_the_budget():
    doc = _credential()
    doc["credentialSubject"]["unit"] = [f"unit {i}" for i in range(8000)]
    assert _verifier().verify(_sign(doc), now=NOW).verified


def test_work_is_linear_in_the_array_length():
    used = []
    for n in (1000, 8000):
        doc = _credential()
        doc["credentialSubject"]["chemistry"] = [{"category": f"c{i}"} for i in range(n)]
        budget = WorkBudget(10**7)
        to_dataset(doc, budget=budget)
        used.append(budget.used)
    assert used[1] < 8.2 * used[0]


def _type_scoped(terms: int, nodes: int) -> dict[str, Any]:
    doc = _credential()
    scoped = {f"t{i}": f"urn:example:t{i}" for i in range(terms)}
    doc["@context"] = [
        *doc["@context"],
        {"items": "urn:example:items", "T": {"@id": "urn:example:T", "@context": scoped}},
    ]
    doc["credentialSubject"]["items"] = [{"type": "T", "t0": "v"} for _ in range(nodes)]
    return doc


def _twins(n: int) -> dict[str, Any]:
    doc = _credential()
    doc["credentialSubject"]["chemistry"] = [{"category": "same"} for _ in range(n)]
    return doc


def _integers(n: int) -> dict[str, Any]:
    doc = _credential()
    doc["credentialSubject"]["unit"] = list(range(n))
    return doc


HANGS = {
    "type-scoped context of 1,500 terms on 1,500 nodes": lambda: _type_scoped(1500, 1500),
    "8,000 identical blank objects": lambda: _twins(8000),
    "150,000 integers": lambda: _integers(150_000),
}


@pytest.mark.parametrize("name", HANGS)
def test_slow_shapes_are_refused_by_the_work_budget(name):
    doc = HANGS[name]()
    detail = _refused(_verifier().verify(doc, now=NOW), "contexts", errors.PROOF_TRANSFORMATION_ERROR, "$")
    assert "JSON-LD work limit exceeded" in detail
    with pytest.raises(errors.CanonicalizationLimitError, match="work limit"):
        issue_credential(doc, KEY, created=CREATED)


@pytest.mark.parametrize("make", [lambda: _type_scoped(40, 40), lambda: _twins(300), lambda: _integers(3000)])
def test_smaller_versions_of_the_same_shapes_verify(make):
    assert _verifier().verify(_sign(make()), now=NOW).verified


def test_the_example_passport_uses_a_small_part_of_the_budget():
    from bpvc.records import passport

    record = load(ROOT / "examples" / "passport-6.1.0.json")
    budget = WorkBudget(DEFAULT_MAX_JSONLD_WORK)
    to_dataset(passport.to_credential(record, issuer=KEY.controller), budget=budget)
    assert budget.used < DEFAULT_MAX_JSONLD_WORK / 5


def test_a_document_larger_than_the_budget_is_refused_before_expansion(monkeypatch):
    def expand(*_args: Any) -> None:
        raise AssertionError("pyld was called")

    monkeypatch.setattr(JsonLdProcessor, "expand", expand)
    doc = _integers(DEFAULT_MAX_JSONLD_WORK)
    assert json_size(doc) > DEFAULT_MAX_JSONLD_WORK
    with pytest.raises(errors.CanonicalizationLimitError, match="members and array items"):
        to_dataset(doc)


def test_a_refusal_is_remembered_for_the_proof_check():
    doc = _integers(150_000)
    memo: dict[tuple[str, str], Any] = {}
    for _ in range(2):
        with pytest.raises(errors.CanonicalizationLimitError):
            canonicalize(doc, memo=memo)
    assert len(memo) == 1 and isinstance(next(iter(memo.values())), errors.CanonicalizationLimitError)


def test_budget_units_are_deterministic():
    used = set()
    for _ in range(2):
        budget = WorkBudget(10**6)
        to_dataset(json.loads(json.dumps(_credential())), budget=budget)
        used.add(budget.used)
    assert len(used) == 1
