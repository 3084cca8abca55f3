"""Supplier credentials as inputs, the signed declaration, and its recomputation to the last digit.

A changed input (a supplier PCF 0.001 higher, a revoked, expired or Deprecated supplier
credential, a unit mismatch) must be caught and named; nothing is signed for an undecided
result; a declaration recomputed from its receipt gives identical digits.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cf_helpers import explicit_input, inventory, own_process, with_lines
from conftest import ROOT

from bpvc import Verifier, issue_credential, load_key
from bpvc.cf import bundled_profile, compute, inputs, parse_inventory
from bpvc.cf import declaration as decl
from bpvc.records import footprint
from bpvc.status.bitstring import Bitstring

KEY = load_key(ROOT / "keys.example")
DID = json.loads((ROOT / "keys.example" / "did.json").read_text())
EU = bundled_profile("eu-battery-2024-draft")
CX = bundled_profile("cx-rb4")
CREDENTIAL_ID = "urn:uuid:6a1e0c3b-2d4f-4e5a-8b6c-7d8e9f0a1b2c"
STATUS_URL = "https://status.battery-maker.example/lists/pcf-1"
CREATED = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 1, tzinfo=UTC)


def cathode_record(**changes):
    record = json.loads((ROOT / "examples" / "footprint-8.0.0.json").read_text())
    pcf_changes = changes.pop("pcf", {})
    record.update(changes)
    record["pcf"].update(pcf_changes)
    return record


def supplier_credential(record=None, *, status_index=None, created="2026-03-01T08:00:00Z"):
    report = footprint.validate(record or cathode_record())
    assert report.valid, report.errors
    unsigned = footprint.to_credential(report.record, issuer=KEY.controller, credential_id=CREDENTIAL_ID)
    if status_index is not None:
        unsigned["credentialStatus"] = {
            "id": f"{STATUS_URL}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": STATUS_URL,
        }
    signed = issue_credential(unsigned, KEY, created=created)
    return json.dumps(signed, indent=2).encode()


def status_list(revoked=()):
    bits = Bitstring()
    for index in revoked:
        bits.set(index, 1)
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": STATUS_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": KEY.controller,
        "validFrom": "2026-10-01T00:00:00Z",
        "credentialSubject": {
            "id": STATUS_URL + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": bits.encode(),
        },
    }
    return issue_credential(doc, KEY, created="2026-10-01T00:00:00Z")


def small_inventory(raw: bytes, *, unit="kg", quantity=167):
    line = {"id": "cathode", "stage": "raw_material", "quantity": quantity, "unit": unit}
    line["pcfCredential"] = {"id": CREDENTIAL_ID, "digestSRI": inputs.digest_sri(raw)}
    doc = with_lines(
        inventory(),
        inputs=[line, explicit_input("housing", 1100, pds=10)],
        processes=[own_process("assembly", 400, primary=True, verified=95)],
        transport=[],
    )
    doc["verification"] = {"ownStepThirdPartyVerified": True}
    return doc


def verifier(lists=None):
    return Verifier(did_documents={DID["id"]: DID}, contexts=decl.contexts(), status_lists=lists or {})


def resolve(doc, raw, lists=None):
    inv = parse_inventory(doc)
    return inv, inputs.resolve(inv, [inputs.read_received(raw, "cathode.vc.json")], verifier(lists))


@pytest.fixture(scope="module")
def world():
    raw = supplier_credential()
    doc = small_inventory(raw)
    inv, resolved = resolve(doc, raw)
    result = compute(inv, resolved, EU)
    signed = decl.issue_declaration(
        result,
        inv,
        KEY,
        issuer=KEY.controller,
        created=CREATED,
        credential_id="urn:uuid:1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        pcf_id="2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
    )
    return raw, doc, inv, result, signed


def test_a_verified_supplier_credential_feeds_the_roll_up(world):
    raw, _, inv, result, _ = world
    (resolved,) = inputs.resolve(inv, [inputs.read_received(raw)], verifier()).values()
    assert resolved.verified and resolved.footprint.excluding == Decimal("9.77")  # read exactly, not as a float
    cathode = next(line for line in result.lines if line.id == "cathode")
    assert cathode.outcome == "verified" and cathode.lead == 167 * resolved.footprint.including
    assert result.decided and result.declared_kg == cathode.lead + 1100 + 400


def test_round_trip_recomputes_identical_digits(world):
    raw, doc, inv, result, signed = world
    check = decl.check_declaration(signed, inv, [inputs.read_received(raw)], verifier(), now=LATER)
    assert check.signature.verified, check.signature.to_dict()
    assert check.reproduced and not check.differences and not check.problems
    subject = signed["credentialSubject"]
    assert subject["declaration"] == check.result.to_dict() == result.to_dict()
    assert subject["receipt"]["inventory"]["sha256"] == inv.digest
    assert subject["receipt"]["inputs"] == [
        {
            "line": "cathode",
            "credentialId": CREDENTIAL_ID,
            "digestSRI": inputs.digest_sri(raw),
            "outcome": "verified",
            "excluded": False,
        }
    ]


def test_the_declaration_carries_records_that_validate(world):
    *_, signed = world
    subject = signed["credentialSubject"]
    assert footprint.validate(subject["catenaXPcf"], source="pcf-8").valid
    assert subject["batteryPassCarbonFootprint"][0]["value"] == float(
        subject["declaration"]["declared_kg_co2e_per_kwh"]
    )


@pytest.mark.parametrize("envelope", [False, True])
def test_a_vc_jwt_declaration_round_trips(world, envelope):
    raw, _, inv, result, _ = world
    token = decl.issue_declaration(
        result, inv, KEY, issuer=KEY.controller, created=CREATED, fmt="jwt", envelope=envelope
    )
    data = json.dumps(token) if envelope else token
    check = decl.check_declaration(data, inv, [inputs.read_received(raw)], verifier(), now=LATER)
    assert check.reproduced, (check.problems, check.differences, check.signature.to_dict())


def test_a_supplier_pcf_0_001_higher_is_caught_and_named(world):
    raw, doc, inv, _, signed = world
    changed = supplier_credential(
        cathode_record(pcf={"pcfExcludingBiogenicUptake": 9.771, "pcfIncludingBiogenicUptake": 9.671})
    )
    # against the same inventory: the credential no longer matches the digest the inventory names
    check = decl.check_declaration(signed, inv, [inputs.read_received(changed)], verifier(), now=LATER)
    assert not check.reproduced
    assert any("input cathode" in p and "digest" in p for p in check.problems)
    # with the inventory updated to the new digest: the receipt and the contribution differ, by name
    new_inv = parse_inventory(small_inventory(changed))
    check = decl.check_declaration(signed, new_inv, [inputs.read_received(changed)], verifier(), now=LATER)
    assert any("inventory is not the one declared" in p for p in check.problems)
    paths = [str(d) for d in check.differences]
    assert any(
        "inputs[0](line cathode).contribution_kg_co2e" in p and "1614.890" in p and "1615.057" in p for p in paths
    )
    assert any("receipt.inputs[0](line cathode).digestSRI" in p for p in paths)


def test_a_declared_digit_changed_and_re_signed_is_named(world):
    raw, _, inv, _, signed = world
    forged = copy.deepcopy(signed)
    del forged["proof"]
    forged["credentialSubject"]["declaration"]["declared_kg_co2e_per_kwh"] = "0.0800"
    forged = issue_credential(forged, KEY, loader=decl.ContextLoader(decl.contexts()), created=CREATED)
    check = decl.check_declaration(forged, inv, [inputs.read_received(raw)], verifier(), now=LATER)
    assert check.signature.verified and not check.reproduced
    (difference,) = check.differences
    assert difference.path == "$.credentialSubject.declaration.declared_kg_co2e_per_kwh"
    assert (
        difference.declared == "0.0800"
        and difference.recomputed == signed["credentialSubject"]["declaration"]["declared_kg_co2e_per_kwh"]
    )


def test_a_tampered_declaration_fails_its_signature(world):
    raw, _, inv, _, signed = world
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["declaration"]["total_kg_co2e"] = "1.000"
    check = decl.check_declaration(tampered, inv, [inputs.read_received(raw)], verifier(), now=LATER)
    assert not check.signature.verified and not check.reproduced


def test_a_revoked_supplier_credential_is_named():
    raw = supplier_credential(status_index=7)
    doc = small_inventory(raw)
    inv, fine = resolve(doc, raw, {STATUS_URL: status_list()})
    assert compute(inv, fine, EU).decided
    inv, revoked = resolve(doc, raw, {STATUS_URL: status_list(revoked=[7])})
    result = compute(inv, revoked, EU)
    assert not result.decided
    assert result.problems[0].startswith("input cathode:") and "revoked" in result.problems[0]
    published = result.to_dict()
    assert published["declared_kg_co2e_per_kwh"] is None and published["total_kg_co2e"] is None
    assert published["pds"] is None and published["cut_off"]["passed"] is None  # nothing that depends on it
    with pytest.raises(decl.DeclarationError, match="nothing was signed"):
        decl.issue_declaration(result, inv, KEY, issuer=KEY.controller, created=CREATED)


def test_an_expired_supplier_credential_is_named():
    record = cathode_record(
        validityPeriodStart="2025-03-01T00:00:00Z",
        validityPeriodEnd="2026-02-28T23:59:59Z",
        created="2025-02-10T09:30:00Z",
    )
    raw = supplier_credential(record)
    inv, resolved = resolve(small_inventory(raw), raw)
    result = compute(inv, resolved, EU)
    assert not result.decided
    assert "input cathode" in result.problems[0] and "expired" in result.problems[0]


def test_a_deprecated_supplier_footprint_is_named():
    raw = supplier_credential(cathode_record(status="Deprecated"))
    inv, resolved = resolve(small_inventory(raw), raw)
    result = compute(inv, resolved, EU)
    assert not result.decided and "Deprecated" in result.problems[0] and "input cathode" in result.problems[0]


def test_a_unit_mismatch_is_named():
    raw = supplier_credential()
    inv, resolved = resolve(small_inventory(raw, unit="kWh", quantity=10), raw)
    result = compute(inv, resolved, EU)
    assert not result.decided
    assert "input cathode" in result.problems[0] and "unit mismatch" in result.problems[0]
    assert "kWh" in result.problems[0] and "kg" in result.problems[0]


def test_a_missing_credential_is_named():
    raw = supplier_credential()
    inv = parse_inventory(small_inventory(raw))
    result = compute(inv, {}, EU)
    assert not result.decided and f"the credential {CREDENTIAL_ID} was not supplied" in result.problems[0]


def test_an_untrusted_issuer_fails_under_a_policy():
    from bpvc.verify.policy import Policy, TrustedIssuer

    raw = supplier_credential()
    inv = parse_inventory(small_inventory(raw))
    policy = Policy(
        trusted_issuers=(TrustedIssuer(frozenset({"ProductCarbonFootprintCredential"}), did="did:web:other.example"),)
    )
    strict = Verifier(policy=policy, did_documents={DID["id"]: DID})
    resolved = inputs.resolve(inv, [inputs.read_received(raw)], strict)
    assert not compute(inv, resolved, EU).decided
    assert "trust failed" in next(iter(resolved.values())).reasons[0]


def test_allow_unverified_excludes_and_flags_the_input():
    raw = supplier_credential(cathode_record(status="Deprecated"))
    inv, resolved = resolve(small_inventory(raw), raw)
    result = compute(inv, resolved, EU, allow_unverified=True)
    assert result.decided
    assert [line.id for line in result.excluded_inputs] == ["cathode"]
    assert result.declared_kg == 1500  # housing and assembly only
    assert any("EXCLUDED" in w for w in result.warnings)
    # the excluded input's claimed contribution counts against the cut-off: far over 3 %
    assert not result.cut_off.passed and "cathode" in result.cut_off.lines
    assert result.to_dict()["excluded_inputs"] == ["cathode"]


def test_supplier_credentials_from_a_folder(tmp_path):
    folder = tmp_path / "pcf"
    folder.mkdir()
    raw = supplier_credential()
    (folder / "cathode.vc.json").write_bytes(raw + b"\n\n")
    (folder / "list.json").write_text(json.dumps(status_list()))
    (folder / "notes.txt").write_text("not a credential")
    received = inputs.read_credentials([folder])
    assert sorted(Path(r.path).name for r in received) == ["cathode.vc.json", "list.json"]
    assert received[0].digest_sri == inputs.digest_sri(raw)  # trailing whitespace is not part of the digest
    assert list(inputs.status_lists(received)) == [STATUS_URL]


def test_a_passport_carrying_the_declared_values_is_consistent(world):
    *_, signed = world
    record = json.loads((ROOT / "examples" / "passport-6.1.0.json").read_text())
    assert decl.passport_problems(record, signed)  # the example passport declares per kWh of capacity
    record["sustainability"]["carbonFootprint"] = copy.deepcopy(
        signed["credentialSubject"]["batteryPassCarbonFootprint"]
    )
    assert decl.passport_problems(record, signed) == []
    record["sustainability"]["carbonFootprint"][2]["value"] += 0.0001
    (problem,) = decl.passport_problems(record, signed)
    assert problem.startswith("main product production: the passport gives")


def test_the_footprint_validity_is_held_to_the_reference_date_whatever_now_is():
    record = cathode_record(
        validityPeriodStart="2025-03-01T00:00:00Z",
        validityPeriodEnd="2026-02-28T23:59:59Z",
        created="2025-02-10T09:30:00Z",
    )
    raw = supplier_credential(record, created="2025-03-01T00:00:00Z")
    inv = parse_inventory(small_inventory(raw))
    early = datetime(2026, 1, 15, tzinfo=UTC)  # the credential itself is valid then
    (resolved,) = inputs.resolve(inv, [inputs.read_received(raw)], verifier(), now=early).values()
    assert not resolved.verified
    assert resolved.reasons == ("the footprint has expired: its validity period ended 2026-02-28T23:59:59Z",)
