"""Multi-bit status entries: statusSize, statusMessage and statusReference (Bitstring Status List v1.0 §2.1, §3.2)."""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
import subprocess
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOT
from status_helpers import BASE, backends, fresh_location, issuer

from bpvc import dates, errors
from bpvc.cli.main import main
from bpvc.issue.credential import issue_credential
from bpvc.status.bitstring import Bitstring, decode
from bpvc.status.checker import StatusChecker
from bpvc.status.messages import StatusScheme
from bpvc.status.publish import publish
from bpvc.status.registry import Registry, RegistryError
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

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


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


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


# -- issuing: the registry's message purpose, publishing, and the command line ----------------------

SCHEME = StatusScheme.from_json(2, list(reversed(MESSAGES)), (REFERENCE,))  # any order in the file


@pytest.fixture(params=backends())
def location(request, tmp_path):
    return fresh_location(request.param, tmp_path)


def _issue_with_message(reg, key, scheme=SCHEME, purposes=("revocation", "message")):
    document = {
        "@context": [V2],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential"],
        "issuer": key.controller,
        "validFrom": "2026-11-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:battery-4711"},
    }
    return reg.issue(
        document,
        purposes=list(purposes),
        status_base=BASE,
        sign=lambda d: issue_credential(d, key, created=CREATED),
        scheme=scheme,
    )


def _published(reg, key, tmp_path):
    out = tmp_path / f"pub-{uuid.uuid4().hex[:6]}"
    publish(reg, lambda d: issue_credential(d, key, created=NOW), out, issuer=key.controller, now=NOW)
    return {lst.url: str(out / "lists" / lst.id) for lst in reg.lists()}


def test_a_message_entry_is_issued_set_published_and_read(location, tmp_path, signer):
    key, doc = signer
    with Registry(location, create=True) as reg:
        vc = _issue_with_message(reg, key)
        revocation, message = vc["credentialStatus"]
        assert "statusSize" not in revocation
        assert message["statusSize"] == 2 and message["statusMessage"] == MESSAGES
        assert message["statusReference"] == REFERENCE
        index = int(message["statusListIndex"])

        def status_detail():
            result = Verifier(did_documents={doc["id"]: doc}, status_lists=_published(reg, key, tmp_path)).verify(
                vc, now=NOW
            )
            assert result.verified, result.to_dict()
            return result.check("status").detail

        assert f"message {index}: in service [0x0]" in status_detail()
        assert reg.set_value(vc["id"], "0x2", reason="second life", actor="ops").endswith("now 0x2 (repurposed)")
        assert f"message {index}: repurposed [0x2] (statusReference {REFERENCE})" in status_detail()
        assert reg.set_value(vc["id"], "recycled").endswith("now 0x3 (recycled)")  # by its message
        assert reg.set_value(vc["id"], "3").endswith("was already 0x3 (recycled)")
        assert f"message {index}: recycled [0x3]" in status_detail()
        for bad in ("0x4", "-1", "scrapped"):
            with pytest.raises(RegistryError):
                reg.set_value(vc["id"], bad)
        assert [(h["action"], h["reason"]) for h in reg.history(vc["id"])] == [
            ("set 0x2", "second life"),
            ("set 0x3", None),
        ]
        states = {s["purpose"]: s["state"] for s in reg.show(vc["id"])["status"]}
        assert states == {"message": "0x3 (recycled)", "revocation": "not revoked"}
        reg.set_status(vc["id"], "revoke")  # the message entry does not stand in for revocation
        result = Verifier(did_documents={doc["id"]: doc}, status_lists=_published(reg, key, tmp_path)).verify(
            vc, now=NOW
        )
        assert [p.type for p in result.check("status").problems] == [errors.CREDENTIAL_REVOKED]
        assert reg.check_consistency() == []


def test_the_published_multi_bit_list_holds_the_value_at_index_times_size(location, tmp_path, signer):
    key, _ = signer
    with Registry(location, create=True) as reg:
        vc = _issue_with_message(reg, key, purposes=("message",))
        reg.set_value(vc["id"], "0x1")
        [info] = reg.lists()
        document = json.loads(open(_published(reg, key, tmp_path)[info.url]).read())
    bits = decode(document["credentialSubject"]["encodedList"], status_size=2)
    index = int(vc["credentialStatus"]["statusListIndex"])
    assert document["credentialSubject"]["statusPurpose"] == "message"
    assert bits.entries == 131072 and bits.get(index) == 1
    raw = decode(document["credentialSubject"]["encodedList"], status_size=1)  # the same bits one at a time
    assert (raw.get(2 * index), raw.get(2 * index + 1)) == (0, 1)
    assert sum(bits.get(i) for i in range(bits.entries)) == 1


def test_each_scheme_has_its_own_lists(location, signer):
    key, _ = signer
    other = StatusScheme.from_json(1, [{"status": "0x0", "message": "ok"}, {"status": "0x1", "message": "recall"}])
    with Registry(location, create=True) as reg:
        a = _issue_with_message(reg, key, purposes=("message",))
        b = _issue_with_message(reg, key, purposes=("message",))
        c = _issue_with_message(reg, key, scheme=other, purposes=("message",))
        urls = [vc["credentialStatus"]["statusListCredential"] for vc in (a, b, c)]
        assert urls[0] == urls[1] != urls[2]
        assert "statusReference" not in c["credentialStatus"] and c["credentialStatus"]["statusSize"] == 1


def test_message_needs_a_scheme_and_a_scheme_needs_message(location, signer):
    key, _ = signer
    with Registry(location, create=True) as reg:
        with pytest.raises(RegistryError, match="needs a status size"):
            _issue_with_message(reg, key, scheme=None, purposes=("message",))
        with pytest.raises(RegistryError, match="go with the message purpose"):
            _issue_with_message(reg, key, purposes=("revocation",))
        vc = _issue_with_message(reg, key, scheme=None, purposes=("revocation",))
        with pytest.raises(RegistryError, match="no message entry"):
            reg.set_value(vc["id"], "0x1")
        with pytest.raises(LookupError):
            reg.set_value("urn:uuid:unknown", "0x1")
        assert reg.lists()[0].purpose == "revocation"


@pytest.mark.parametrize(
    ("size", "messages", "match"),
    [
        (2, MESSAGES[:3], "exactly 4"),
        (2, [*MESSAGES[:3], {"status": "0x1", "message": "again"}], "repeated"),
        (1, MESSAGES[:2] + [], None),
        (1, [{"status": "0x0", "message": "a"}, {"status": "0x2", "message": "b"}], "too wide"),
        (2, [*MESSAGES[:3], {"status": "3", "message": "x"}], "hexadecimal"),
        (2, [*MESSAGES[:3], {"status": "0x3", "message": ""}], "non-empty"),
        (9, [], "statusSize must be 1 to 8"),
        (2, {"0x0": "a"}, "JSON list"),
    ],
)
def test_a_scheme_is_checked_as_the_checker_would(size, messages, match):
    if match is None:
        assert StatusScheme.from_json(size, messages).status_message() == MESSAGES[:2]
        return
    with pytest.raises(errors.MalformedError, match=match):
        StatusScheme.from_json(size, messages)


def test_a_version_2_registry_is_migrated_to_version_3(location, signer):
    key, _ = signer
    with Registry(location, create=True) as reg:
        old = _issue_with_message(reg, key, scheme=None, purposes=("revocation",))
    _sql(location, "ALTER TABLE status_lists DROP COLUMN status_scheme", "DELETE FROM bpvc_schema WHERE version = 3")
    with Registry(location) as reg:
        vc = _issue_with_message(reg, key)
        assert reg.set_value(vc["id"], "0x1").endswith("now 0x1 (under inspection)")
        assert reg.set_status(old["id"], "revoke").endswith("now revoked")
        assert sorted(lst.purpose for lst in reg.lists()) == ["message", "revocation"]
        assert reg.check_consistency() == []


def _sql(location, *statements):
    if location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)
        return
    with sqlite3.connect(location) as conn:
        for statement in statements:
            conn.execute(statement)


def test_the_command_line_issues_sets_and_verifies_a_message(tmp_path):
    keys = tmp_path / "keys"
    assert cli("keys", "generate", "--controller", "did:web:battery-maker.example", "--out", keys).exit_code == 0
    messages = tmp_path / "messages.json"
    messages.write_text(json.dumps(MESSAGES))
    vc = tmp_path / "vc.json"
    passport = ROOT / "examples" / "passport-6.1.0.json"
    common = ["issue", "passport", passport, "--key", keys, "--status-base", BASE, "--created", CREATED]
    issued = cli(
        *common,
        "--status",
        "revocation,message",
        "--status-size",
        "2",
        "--status-message",
        messages,
        "--status-reference",
        REFERENCE,
        "-o",
        vc,
    )
    assert issued.exit_code == 0, issued.output
    credential = json.loads(vc.read_text())
    entry = next(e for e in credential["credentialStatus"] if e["statusPurpose"] == "message")
    assert entry["statusMessage"] == MESSAGES and entry["statusReference"] == REFERENCE
    registry = keys / "registry.sqlite"
    changed = cli("status", "set", credential["id"], "--value", "0x1", "--registry", registry, "--reason", "check")
    assert changed.exit_code == 0 and "now 0x1 (under inspection)" in changed.output, changed.output
    pub = tmp_path / "pub"
    assert cli("status", "publish", "--key", keys, "--out", pub, "--now", "2026-12-01T00:00:00Z").exit_code == 0
    lists = []
    for path in sorted((pub / "lists").iterdir()):
        lists += ["--status-list", f"{BASE}/{path.name}={path}"]
    verified = cli("verify", vc, "--did-doc", keys / "did.json", "--now", "2026-12-01T00:00:00Z", "--json", *lists)
    assert verified.exit_code == 0, verified.output
    assert f"message {entry['statusListIndex']}: under inspection [0x1]" in verified.output
    refused = cli("status", "set", credential["id"], "--value", "0x7", "--registry", registry)
    assert refused.exit_code == 1 and "does not fit in statusSize 2" in refused.output


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--status", "message", "--status-size", "2"], "needs --status-size N and --status-message FILE"),
        (["--status", "revocation", "--status-size", "2"], "go with --status message"),
        (["--status", "message", "--status-size", "2", "--status-message", "BAD"], "--status-message"),
        (["--status", "message", "--status-size", "9", "--status-message", "MSG"], "status-size"),
    ],
)
def test_the_command_line_refuses_an_incomplete_scheme(tmp_path, extra, match):
    keys = tmp_path / "keys"
    assert cli("keys", "generate", "--controller", "did:web:battery-maker.example", "--out", keys).exit_code == 0
    (tmp_path / "bad.json").write_text(json.dumps(MESSAGES[:3]))
    (tmp_path / "msg.json").write_text(json.dumps(MESSAGES))
    extra = [
        str(tmp_path / "bad.json") if a == "BAD" else str(tmp_path / "msg.json") if a == "MSG" else a for a in extra
    ]
    out = tmp_path / "vc.json"
    passport = ROOT / "examples" / "passport-6.1.0.json"
    result = cli("issue", "passport", passport, "--key", keys, "--status-base", BASE, *extra, "-o", out)
    assert result.exit_code == 2 and match in result.output, result.output
    assert not out.exists()
