"""Multi-bit status entries: statusSize, statusMessage and statusReference (Bitstring Status List v1.0 §2.1, §3.2)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import ROOT
from status_helpers import issuer

from bpvc import dates, errors
from bpvc.issuer import issue_credential
from bpvc.result import Outcome
from bpvc.status.bitstring import Bitstring
from bpvc.status.checker import StatusChecker
from bpvc.verifier import Verifier

NOW = datetime(2026, 12, 1, tzinfo=UTC)
CREATED = "2026-11-20T00:00:00Z"
V2 = "https://www.w3.org/ns/credentials/v2"
LIST_URL = "https://status.battery-maker.example/lists/messages-1"
REFERENCE = "https://battery-maker.example/status-codes"
MESSAGES = [
    {"status": "0x0", "message": "in service"},
    {"status": "0x1", "message": "under inspection"},
    {"status": "0x2", "message": "repurposed"},
    {"status": "0x3", "message": "recycled"},
]
# index -> 2-bit value in the list built below; index 0 stays 0x0
VALUES = {5: 1, 6: 2, 131071: 3}


def _signed_list(key: Any, purpose: str | list[str], bits: Bitstring) -> dict[str, Any]:
    document = {
        "@context": [V2],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": key.controller,
        "validFrom": "2026-11-01T00:00:00Z",
        "credentialSubject": {
            "id": LIST_URL + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": bits.encode(),
        },
    }
    return issue_credential(document, key, created=CREATED)


def _bits(entries: int = 131072, size: int = 2) -> Bitstring:
    bits = Bitstring(entries=entries, status_size=size)
    for index, value in VALUES.items():
        if index < entries:
            bits.set(index, value)
    return bits


def _entry(index: int, purpose: str = "message", **extra: Any) -> dict[str, Any]:
    entry = {
        "id": f"{LIST_URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": LIST_URL,
        "statusSize": 2,
        "statusMessage": copy.deepcopy(MESSAGES),
        "statusReference": REFERENCE,
    }
    entry.update(extra)
    return {k: v for k, v in entry.items() if v is not None}


def _credential(key: Any, entry: dict[str, Any]) -> dict[str, Any]:
    document = {
        "@context": [V2],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential"],
        "issuer": key.controller,
        "validFrom": "2026-11-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:battery-4711"},
        "credentialStatus": entry,
    }
    return issue_credential(document, key, created=CREATED)


@pytest.fixture(scope="module")
def signer() -> Any:
    return issuer()


def _verify(signer: Any, entry: dict[str, Any], purpose: str | list[str] = "message", bits: Bitstring | None = None):
    key, doc = signer
    status_list = _signed_list(key, purpose, bits if bits is not None else _bits())
    verifier = Verifier(did_documents={doc["id"]: doc}, status_lists={LIST_URL: status_list})
    return verifier.verify(_credential(key, entry), now=NOW)


@pytest.mark.parametrize("index", [0, 5, 6, 131071])
def test_a_message_entry_reports_the_message_for_its_value(signer, index):
    result = _verify(signer, _entry(index))
    check = result.check("status")
    assert result.verified and check.outcome is Outcome.PASSED, result.to_dict()
    value = VALUES.get(index, 0)
    message = MESSAGES[value]["message"]
    assert check.detail == f"message {index}: {message} [{hex(value)}] (statusReference {REFERENCE})"


def test_the_checker_returns_value_message_and_references(signer):
    key, doc = signer
    status_list = _signed_list(key, "message", _bits())
    references = [REFERENCE, "https://battery-maker.example/status-codes.de"]
    credential = _credential(key, _entry(6, statusReference=references))
    checker = StatusChecker(lists={LIST_URL: status_list})
    [result] = checker.check(credential, dates.from_datetime(NOW), lambda _doc: [])
    assert (result.value, result.message, result.status) == (2, "repurposed", "repurposed")
    assert result.references == tuple(references) and result.error is None


def test_a_status_message_with_status_size_one_is_read(signer):
    two = [{"status": "0x0", "message": "current"}, {"status": "0x1", "message": "superseded"}]
    bits = Bitstring(entries=131072)
    bits.set(9, 1)
    result = _verify(signer, _entry(9, statusSize=None, statusMessage=two), bits=bits)
    assert result.verified and result.check("status").detail.startswith("message 9: superseded [0x1]")


@pytest.mark.parametrize(
    ("purpose", "index", "problem"),
    [
        ("revocation", 0, None),
        ("revocation", 5, errors.CREDENTIAL_REVOKED),
        ("revocation", 131071, errors.CREDENTIAL_REVOKED),
        ("suspension", 0, None),
        ("suspension", 6, errors.CREDENTIAL_SUSPENDED),
    ],
)
def test_multi_bit_revocation_and_suspension_keep_their_meaning(signer, purpose, index, problem):
    """§3.2: valid is status == 0, at any width, so every non-zero value revokes or suspends."""
    result = _verify(signer, _entry(index, purpose), purpose=purpose)
    check = result.check("status")
    if problem is None:
        assert result.verified and check.detail.startswith(f"{purpose} {index}: valid (in service) [0x0]")
        return
    assert result.invalid and [p.type for p in check.problems] == [problem]
    message = MESSAGES[VALUES[index]]["message"]
    assert check.problems[0].detail.endswith(f": {message} (statusReference {REFERENCE})")


BAD_ENTRIES = [
    ("no statusMessage", {"statusMessage": None}, "statusMessage"),
    ("three messages", {"statusMessage": MESSAGES[:3]}, "statusMessage"),
    ("eight messages for size 2", {"statusMessage": MESSAGES * 2}, "statusMessage"),
    ("size 3, four messages", {"statusSize": 3}, "statusMessage"),
    ("not a list", {"statusMessage": {"status": "0x0", "message": "x"}}, "statusMessage"),
    ("decimal status", {"statusMessage": [*MESSAGES[:3], {"status": "3", "message": "recycled"}]}, "statusMessage[3]"),
    ("number status", {"statusMessage": [*MESSAGES[:3], {"status": 3, "message": "recycled"}]}, "statusMessage[3]"),
    ("no message", {"statusMessage": [*MESSAGES[:3], {"status": "0x3"}]}, "statusMessage[3]"),
    (
        "repeated status (0x3 has no message)",
        {"statusMessage": [*MESSAGES[:3], {"status": "0x2", "message": "again"}]},
        "statusMessage[3].status",
    ),
    (
        "status too wide",
        {"statusMessage": [*MESSAGES[:3], {"status": "0x4", "message": "x"}]},
        "statusMessage[3].status",
    ),
    ("size zero", {"statusSize": 0}, "statusSize"),
    ("size as a string", {"statusSize": "2"}, "statusSize"),
    ("size true", {"statusSize": True}, "statusSize"),
    ("size beyond the bound", {"statusSize": 9}, "statusSize"),
    ("empty reference list", {"statusReference": []}, "statusReference"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_ENTRIES, ids=[c[0] for c in BAD_ENTRIES])
def test_a_malformed_multi_bit_entry_is_indeterminate(signer, case, change, field):
    result = _verify(signer, _entry(5, **change))
    check = result.check("status")
    assert check.outcome is Outcome.INDETERMINATE and not result.verified, result.to_dict()
    assert [(p.type, p.json_path) for p in check.problems] == [
        (errors.MALFORMED_VALUE_ERROR, f"$.credentialStatus.{field}")
    ]


@pytest.mark.parametrize("reference", ["see our website", [], [REFERENCE, 7]])
def test_a_status_reference_that_is_not_urls_is_refused_by_the_checker(signer, reference):
    """Safe mode already refuses a relative statusReference at signing; the checker refuses it on its own too."""
    key, _ = signer
    credential = _credential(key, _entry(5, statusReference=None))
    credential["credentialStatus"]["statusReference"] = reference  # after signing: the checker sees it first
    checker = StatusChecker(lists={LIST_URL: _signed_list(key, "message", _bits())})
    [result] = checker.check(credential, dates.from_datetime(NOW), lambda _doc: [])
    assert result.error is not None and result.status is None
    assert (result.error.problem_type, result.error.json_path) == (
        errors.MALFORMED_VALUE_ERROR,
        "$.credentialStatus.statusReference",
    )


def test_an_index_beyond_the_list_times_the_size_is_a_range_error(signer):
    result = _verify(signer, _entry(131072))  # 131,072 two-bit entries: the last index is 131071
    check = result.check("status")
    assert check.outcome is Outcome.INDETERMINATE
    assert [(p.type, p.json_path) for p in check.problems] == [
        (errors.RANGE_ERROR, "$.credentialStatus.statusListIndex")
    ]


def test_a_list_too_short_for_its_status_size_is_a_length_error(signer):
    """§3.2: the bitstring's length divided by statusSize must reach the minimum number of entries."""
    one_bit_list = Bitstring(entries=131072, status_size=1)  # 131,072 bits = 65,536 two-bit entries
    result = _verify(signer, _entry(5), bits=one_bit_list)
    check = result.check("status")
    assert check.outcome is Outcome.INDETERMINATE
    assert [p.type for p in check.problems] == [errors.STATUS_LIST_LENGTH_ERROR]


def test_the_entry_purpose_must_be_the_lists(signer):
    result = _verify(signer, _entry(5), purpose="revocation")
    assert [p.type for p in result.check("status").problems] == [errors.STATUS_VERIFICATION_ERROR]


def test_a_list_for_several_purposes_serves_a_message_entry(signer):
    result = _verify(signer, _entry(5), purpose=["revocation", "message"])
    assert result.verified and result.check("status").detail.startswith("message 5: under inspection")


def test_the_multi_bit_entry_survives_signing_unchanged(signer):
    """statusMessage and statusReference are defined by the v2 context, so safe mode keeps them."""
    key, _ = signer
    credential = _credential(key, _entry(5))
    assert json.loads(json.dumps(credential["credentialStatus"]))["statusMessage"] == MESSAGES


JS_BITS = ROOT / "interop" / "js" / "bits.mjs"


@pytest.mark.skipif(
    shutil.which("node") is None or not (JS_BITS.parent / "node_modules" / "@digitalbazaar" / "bitstring").exists(),
    reason="Node or @digitalbazaar/bitstring is missing (run: bash interop/js/setup.sh)",
)
@pytest.mark.parametrize("size", [2, 3, 8])
def test_multi_bit_values_read_the_same_with_digital_bazaars_bitstring(size):
    """Our entry i at bits i*size.. (MSB first) is what @digitalbazaar/bitstring's bits say; size 3 straddles bytes."""
    bits = Bitstring(entries=131072, status_size=size)
    top = (1 << size) - 1
    written = {0: top, 1: 1, 2: top - 1, 5: 2 % (top + 1), 7: 3 % (top + 1), 94567: top, 131071: 1}
    for index, value in written.items():
        bits.set(index, value)
    indexes = [*written, 3, 131070]
    run = subprocess.run(
        ["node", str(JS_BITS), "--size", str(size), bits.encode(), *map(str, indexes)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    read = json.loads(run.stdout)
    assert read["length"] == 131072 * size
    assert {int(i): v for i, v in read["values"].items()} == {i: written.get(i, 0) for i in indexes}
