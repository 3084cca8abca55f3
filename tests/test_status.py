"""Bitstring Status Lists: the registry (SQLite and PostgreSQL), publishing, and the verifier's status check."""

from __future__ import annotations

import copy
import gzip
import json
import sqlite3
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import load, need_reference
from status_helpers import BASE, backends, fresh_location, issuer

from bpvc import errors, multibase
from bpvc.fetch import Fetcher, Response
from bpvc.issue.credential import issue_credential
from bpvc.status.bitstring import Bitstring, decode
from bpvc.status.publish import list_credential, publish
from bpvc.status.registry import Registry, RegistryError, RegistryUnavailableError, permute
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

NOW = datetime(2026, 12, 1, tzinfo=UTC)


# -- the bitstring --------------------------------------------------------------------------------


def test_spec_example_and_self_generated_list_decode():
    example = load(need_reference("vectors", "bitstring-status-list", "spec-example3-statuslistcredential.json"))
    bits = decode(example["credentialSubject"]["encodedList"])
    assert (bits.entries, bits.get(94567)) == (131072, 0)
    selfgen = load(need_reference("vectors", "bitstring-status-list", "selfgen-set-bits.json"))
    bits = decode(selfgen["encodedList"])
    assert [i for i in range(131072) if bits.get(i)] == selfgen["setIndexes"]
    assert bits.to_bytes()[:2].hex() == selfgen["firstTwoBytesHex"] == "8180"


def test_encode_round_trip_msb_first():
    bits = Bitstring()
    for i in (0, 7, 8, 94567, 131071):
        bits.set(i, 1)
    raw = bits.to_bytes()
    assert raw[0] == 0b10000001 and raw[1] == 0b10000000
    assert decode(bits.encode()).to_bytes() == raw
    assert bits.encode() == bits.encode()  # fixed gzip mtime: deterministic


def test_multi_bit_entries():
    bits = Bitstring(entries=131072, status_size=2)
    bits.set(5, 3)
    bits.set(6, 1)
    again = decode(bits.encode(), status_size=2)
    assert (again.get(5), again.get(6), again.get(7)) == (3, 1, 0)


def test_gzip_bomb_is_refused_quickly():
    # 1 GB of zeros compresses to about 1 MB; the decoder stops at its cap instead of inflating it
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(64 << 20)
    bomb = b"".join(compressor.compress(chunk) for _ in range(16)) + compressor.flush()
    with pytest.raises(errors.MalformedError, match="gzip bomb"):
        decode("u" + multibase.b64url_encode(bomb))


def test_padded_or_standard_base64_is_refused():
    encoded = Bitstring().encode()
    with pytest.raises(errors.MalformedError):
        decode(encoded + "==")
    with pytest.raises(errors.MalformedError, match="'u' prefix"):
        decode(encoded[1:])


def test_permutation_is_a_bijection_that_hides_order():
    size = 131072
    seen = {permute(i, size, b"secret") for i in range(size)}
    assert len(seen) == size and min(seen) == 0 and max(seen) == size - 1
    first = [permute(i, size, b"secret") for i in range(10)]
    assert first != sorted(first)
    assert first != [permute(i, size, b"other") for i in range(10)]


# -- the registry ---------------------------------------------------------------------------------


@pytest.fixture(params=backends())
def location(request, tmp_path):
    return fresh_location(request.param, tmp_path)


def _issue(reg, key, example, purposes=("revocation", "suspension")):
    cred = dict(copy.deepcopy(example), id=f"urn:uuid:{uuid.uuid4()}", issuer=key.controller)
    return reg.issue(
        cred,
        purposes=list(purposes),
        status_base=BASE,
        sign=lambda d: issue_credential(d, key, created="2026-11-20T00:00:00Z"),
    )


def test_registry_issue_and_status_changes(location, example_credential):
    key, _ = issuer()
    with Registry(location, create=True) as reg:
        vc = _issue(reg, key, example_credential)
        entries = vc["credentialStatus"]
        assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
        assert all(e["statusListIndex"].isdigit() for e in entries)
        assert reg.set_status(vc["id"], "suspend").endswith("now suspended")
        assert reg.set_status(vc["id"], "reinstate").endswith("now not suspended")
        assert reg.set_status(vc["id"], "revoke").endswith("now revoked")
        with pytest.raises(RegistryError, match="revocation is final"):
            reg.set_status(vc["id"], "reinstate")
        with pytest.raises(LookupError):
            reg.set_status("urn:uuid:unknown", "revoke")
        assert {s["state"] for s in reg.show(vc["id"])["status"]} == {"revoked", "not suspended"}
        assert reg.check_consistency() == []


def test_registry_refuses_the_same_credential_twice_and_changes_nothing(location, example_credential):
    key, _ = issuer()
    with Registry(location, create=True) as reg:
        vc = _issue(reg, key, example_credential)
        again = dict(example_credential, id=vc["id"], issuer=key.controller)
        with pytest.raises(RegistryError, match="already issued"):
            reg.issue(again, purposes=["revocation"], status_base=BASE, sign=lambda d: d)
        assert [lst.allocated for lst in reg.lists()] == [1, 1]


def test_a_failure_while_signing_leaves_nothing_behind(location, example_credential):
    key, _ = issuer()
    with Registry(location, create=True) as reg:
        _issue(reg, key, example_credential)

        def broken(_doc):
            raise RuntimeError("HSM unavailable")

        cred = dict(example_credential, id=f"urn:uuid:{uuid.uuid4()}", issuer=key.controller)
        with pytest.raises(RuntimeError):
            reg.issue(cred, purposes=["revocation"], status_base=BASE, sign=broken)
        assert [lst.allocated for lst in reg.lists()][0] == 1
        assert reg.check_consistency() == []


def test_a_full_list_opens_a_new_one(tmp_path, example_credential):
    key, _ = issuer()
    with Registry(str(tmp_path / "r.sqlite"), create=True) as reg:
        reg._db.execute("UPDATE status_lists SET next_counter = entries")  # noqa: SLF001 - no list yet
        _issue(reg, key, example_credential, ("revocation",))
        reg._db.execute("UPDATE status_lists SET next_counter = entries")  # noqa: SLF001 - fill it
        vc = _issue(reg, key, example_credential, ("revocation",))
        assert vc["credentialStatus"]["statusListCredential"].endswith("/revocation-2")


def test_lists_need_131072_entries():
    with pytest.raises(RegistryError, match="131072"):
        Registry(":memory:", list_size=1000)


def test_status_base_must_be_https(tmp_path, example_credential):
    key, _ = issuer()
    with Registry(str(tmp_path / "r.sqlite"), create=True) as reg, pytest.raises(RegistryError, match="https"):
        reg.issue(
            dict(example_credential, id="urn:uuid:1", issuer=key.controller),
            purposes=["revocation"],
            status_base="http://status.example",
            sign=lambda d: d,
        )


def test_opening_a_registry_that_does_not_exist_creates_nothing(location):
    """Reading or changing status needs an existing registry; only create=True (issuing) makes one."""
    with pytest.raises(RegistryUnavailableError, match="no (bpvc )?registry"):
        Registry(location)
    if not location.startswith("postgresql"):
        assert not Path(location).exists()
    with Registry(location, create=True) as reg:
        assert reg.lists() == []
    with Registry(location) as reg:  # now it exists
        assert reg.check_consistency() == []


def test_create_never_makes_folders(tmp_path):
    missing = tmp_path / "nonexistent" / "dir" / "r.sqlite"
    with pytest.raises(RegistryUnavailableError, match="does not exist"):
        Registry(missing, create=True)
    assert not (tmp_path / "nonexistent").exists()


def test_a_file_or_database_that_is_not_a_registry_is_refused_untouched(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database, " * 20)
    with pytest.raises(RegistryUnavailableError, match="file is not a database"):
        Registry(text, create=True)
    with pytest.raises(RegistryUnavailableError, match="directory"):
        Registry(tmp_path, create=True)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    before = other.read_bytes()
    with pytest.raises(RegistryUnavailableError, match="not a bpvc registry"):
        Registry(other, create=True)
    assert other.read_bytes() == before and text.read_text() == "not a database, " * 20


@pytest.mark.parametrize("backend", [b for b in backends() if getattr(b, "values", [b])[0] == "postgresql"])
def test_postgresql_errors_after_connecting_are_one_registry_error(backend, tmp_path, example_credential):
    location = fresh_location(backend, tmp_path)
    key, _ = issuer()
    with Registry(location, create=True) as reg:
        vc = _issue(reg, key, example_credential)
        reg._db.execute("DROP TABLE status_events")  # noqa: SLF001 - break the database under the registry
        with pytest.raises(RegistryUnavailableError) as caught:
            reg.set_status(vc["id"], "revoke")
    message = str(caught.value)
    assert "status_events" in message and "\n" not in message and "bpvc:bpvc" not in message  # no password
    with pytest.raises(RegistryUnavailableError, match="cannot connect"):
        Registry(location.rsplit("/", 1)[0] + "/bpvc_no_such_database_x")


# -- publishing and verifying -----------------------------------------------------------------------


@pytest.fixture
def world(tmp_path, example_credential):
    key, doc = issuer()
    reg = Registry(str(tmp_path / "registry.sqlite"), create=True)
    vc = _issue(reg, key, example_credential)
    out = tmp_path / "pub"

    def republish(when=NOW):
        publish(reg, lambda d: issue_credential(d, key, created=when), out, issuer=key.controller, now=when)
        return {lst.url: str(out / "lists" / lst.id) for lst in reg.lists()}

    yield key, doc, reg, vc, republish
    reg.close()


def _verify(vc, doc, lists, **kw):
    return Verifier(did_documents={doc["id"]: doc}, status_lists=lists, **kw).verify(vc, now=NOW)


def test_revoke_suspend_reinstate_cycle(world):
    key, doc, reg, vc, republish = world
    assert _verify(vc, doc, republish()).verified
    reg.set_status(vc["id"], "suspend")
    result = _verify(vc, doc, republish())
    assert [p.type for p in result.check("status").problems] == [errors.CREDENTIAL_SUSPENDED]
    reg.set_status(vc["id"], "reinstate")
    assert _verify(vc, doc, republish()).verified
    reg.set_status(vc["id"], "revoke")
    result = _verify(vc, doc, republish())
    assert result.invalid and [p.type for p in result.check("status").problems] == [errors.CREDENTIAL_REVOKED]


def test_published_list_is_a_valid_credential_at_its_url_path(world):
    key, doc, reg, vc, republish = world
    lists = republish()
    for url, path in lists.items():
        credential = json.loads(open(path).read())
        assert credential["id"] == url and credential["validUntil"] > credential["validFrom"]
        assert credential["credentialSubject"]["ttl"] == 300_000
        assert Verifier(did_documents={doc["id"]: doc}).verify(credential, now=NOW).verified


def _list_file(tmp_path, document):
    path = tmp_path / f"list-{uuid.uuid4().hex[:6]}.json"
    path.write_text(json.dumps(document))
    return str(path)


def _entry(vc, purpose="revocation"):
    return next(e for e in vc["credentialStatus"] if e["statusPurpose"] == purpose)


def test_tampered_status_list_is_refused(world, tmp_path):
    key, doc, reg, vc, republish = world
    lists = republish()
    url = _entry(vc)["statusListCredential"]
    tampered = json.loads(open(lists[url]).read())
    flipped = Bitstring()
    flipped.set(int(_entry(vc)["statusListIndex"]), 1)  # someone "revokes" by editing the published file
    tampered["credentialSubject"]["encodedList"] = flipped.encode()
    lists[url] = _list_file(tmp_path, tampered)
    result = _verify(vc, doc, lists)
    assert result.check("status").outcome is Outcome.INDETERMINATE
    assert errors.STATUS_VERIFICATION_ERROR in [p.type for p in result.check("status").problems]


def test_list_from_another_issuer_is_refused(world, tmp_path):
    key, doc, reg, vc, republish = world
    lists = republish()
    other, other_doc = issuer("someone-else")
    url = _entry(vc)["statusListCredential"]
    forged = list_credential(reg, url.rsplit("/", 1)[1], issuer=other.controller, now=NOW)
    lists[url] = _list_file(tmp_path, issue_credential(forged, other, created=NOW))
    result = Verifier(did_documents={doc["id"]: doc, other_doc["id"]: other_doc}, status_lists=lists).verify(
        vc, now=NOW
    )
    assert result.check("status").outcome is Outcome.INDETERMINATE
    problem = next(p for p in result.check("status").problems if p.type == errors.STATUS_VERIFICATION_ERROR)
    assert "not by the credential's issuer" in problem.detail
    trusted = Verifier(
        did_documents={doc["id"]: doc, other_doc["id"]: other_doc},
        status_lists=lists,
        trusted_status_issuers={other.controller},
    ).verify(vc, now=NOW)
    assert trusted.check("status").outcome is Outcome.PASSED


def _signed_list(key, url, purpose, encoded):
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": key.controller,
        "validFrom": "2026-11-01T00:00:00Z",
        "credentialSubject": {
            "id": url + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }
    return issue_credential(doc, key, created="2026-11-20T00:00:00Z")


@pytest.mark.parametrize(
    "case, problem",
    [
        ("short", errors.STATUS_LIST_LENGTH_ERROR),
        ("bomb", errors.STATUS_VERIFICATION_ERROR),
        ("range", errors.RANGE_ERROR),
        ("unreachable", errors.STATUS_RETRIEVAL_ERROR),
    ],
)
def test_undecidable_status_is_indeterminate_with_the_matching_problem(world, tmp_path, case, problem):
    key, doc, reg, vc, republish = world
    lists = republish()
    url = _entry(vc)["statusListCredential"]
    if case == "short":
        lists[url] = _list_file(tmp_path, _signed_list(key, url, "revocation", Bitstring(entries=1024).encode()))
    elif case == "bomb":
        encoded = "u" + multibase.b64url_encode(gzip.compress(bytes(32 << 20), compresslevel=9))
        lists[url] = _list_file(tmp_path, _signed_list(key, url, "revocation", encoded))
    elif case == "range":
        vc = copy.deepcopy(vc)
        _entry(vc)["statusListIndex"] = "200000"
        lists = {u: p for u, p in lists.items()}
    else:
        lists.pop(url)
    verifier = Verifier(did_documents={doc["id"]: doc}, status_lists=lists, require_status=True)
    if case == "bomb":
        from bpvc.status.checker import StatusChecker

        verifier._status_checker = StatusChecker(lists=lists, max_decoded_bytes=1 << 20)  # noqa: SLF001
    result = verifier.verify(vc, now=NOW)
    status = result.check("status")
    assert status.outcome in (Outcome.INDETERMINATE, Outcome.FAILED) and not result.verified
    assert problem in [p.type for p in status.problems], status


def test_unreachable_list_over_the_network_is_indeterminate(world):
    key, doc, reg, vc, republish = world

    class Down:
        def get(self, url, address, *, timeout, max_bytes):
            return Response(503, {}, b"")

    fetcher = Fetcher(transport=Down(), resolve=lambda host, port: "93.184.215.14")
    result = Verifier(did_documents={doc["id"]: doc}, fetcher=fetcher).verify(vc, now=NOW)
    assert result.check("status").outcome is Outcome.INDETERMINATE
    assert "HTTP 503" in result.check("status").problems[0].detail


def test_fetched_lists_are_cached_for_their_ttl(world):
    key, doc, reg, vc, republish = world
    lists = republish()
    calls = []

    class Local:
        def get(self, url, address, *, timeout, max_bytes):
            calls.append(url)
            return Response(200, {}, open(lists[url], "rb").read())

    fetcher = Fetcher(transport=Local(), resolve=lambda host, port: "93.184.215.14")
    verifier = Verifier(did_documents={doc["id"]: doc}, fetcher=fetcher)
    assert verifier.verify(vc, now=NOW).verified
    assert verifier.verify(vc, now=NOW + timedelta(seconds=60)).verified
    assert len(calls) == 2  # one fetch per list, then the cache
    verifier.verify(vc, now=NOW + timedelta(seconds=400))  # past the 300 s ttl: fetched again
    assert len(calls) == 4


def test_statuslist2021_is_read(tmp_path):
    """A VCDM 1.1 credential with a StatusList2021Entry; index 94567 set means revoked."""
    key, doc = issuer()
    ctx_2021 = "https://w3id.org/vc/status-list/2021/v1"
    di_v2 = "https://w3id.org/security/data-integrity/v2"
    contexts = {
        ctx_2021: str(need_reference("vectors", "contexts", "status-list-2021-v1.jsonld")),
        di_v2: str(need_reference("vectors", "contexts", "data-integrity-v2.jsonld")),
    }
    url = "https://status.battery-maker.example/2021/1"
    bits = Bitstring()
    bits.set(94567, 1)
    status_list = {
        "@context": ["https://www.w3.org/2018/credentials/v1", ctx_2021, di_v2],
        "id": url,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": key.controller,
        "issuanceDate": "2026-11-01T00:00:00Z",
        "credentialSubject": {
            "id": url + "#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": bits.encode(prefix=False),
        },
    }
    from bpvc.jsonld.contexts import ContextLoader

    loader = ContextLoader(contexts)
    signed_list = issue_credential(status_list, key, loader=loader, created="2026-11-20T00:00:00Z")
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1", ctx_2021, di_v2],
        "id": "urn:uuid:7",
        "type": ["VerifiableCredential"],
        "issuer": key.controller,
        "issuanceDate": "2026-11-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
        "credentialStatus": {
            "id": url + "#94567",
            "type": "StatusList2021Entry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": url,
        },
    }
    signed = issue_credential(credential, key, loader=loader, created="2026-11-20T00:00:00Z")
    result = Verifier(
        contexts=contexts, did_documents={doc["id"]: doc}, status_lists={url: _list_file(tmp_path, signed_list)}
    ).verify(signed, now=NOW)
    assert [p.type for p in result.check("status").problems] == [errors.CREDENTIAL_REVOKED], result.to_dict()
