"""Batch issuing: a folder, a JSON Lines file or stdin of records, one credential each, refusals named."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from bpvc.cli.main import main
from bpvc.status.registry import Registry

PASSPORT = ROOT / "examples" / "passport-6.1.0.json"
KEYS = str(ROOT / "keys.example")
DID_DOC = str(ROOT / "keys.example" / "did.json")
CREATED = "2027-02-01T00:00:00Z"
NOW = "2027-03-01T00:00:00Z"
BASE = "https://status.battery-maker.example/lists"


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def record(n: int, *, broken: bool = False) -> dict:
    data = json.loads(PASSPORT.read_text())
    data["metadata"]["passportIdentifier"] = str(uuid.UUID(int=n + 1))
    if broken:
        data["identification"]["category"] = "electric vehicle"  # not one of the schema's categories
    return data


def folder(tmp_path: Path, count: int, broken: set[int]) -> Path:
    src = tmp_path / "records"
    src.mkdir()
    for n in range(count):
        (src / f"p{n:04d}.json").write_text(json.dumps(record(n, broken=n in broken)))
    return src


def test_a_folder_issues_one_credential_per_record_and_names_each_refusal(tmp_path):
    src = folder(tmp_path, 6, broken={2})
    (src / "p0009.json").write_text("{not json")
    (src / "notes.txt").write_text("not a record")
    out = tmp_path / "out"
    result = run("issue", "passport", src, "--key", KEYS, "--created", CREATED, "-o", out, "--jobs", "2")
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in out.iterdir()) == [f"p{n:04d}.vc.json" for n in (0, 1, 3, 4, 5)]
    assert f"refused {src / 'p0002.json'} is not a valid passport record" in result.output
    assert "$.identification.category" in result.output
    assert f"refused {src / 'p0009.json'}: not valid JSON" in result.output
    assert f"skipped {src / 'notes.txt'}: not a .json record file" in result.output
    assert "issued 5, refused 2, skipped 1 of 7 record(s)" in result.output
    verified = run("verify", out / "p0003.vc.json", "--did-doc", DID_DOC, "--now", NOW)
    assert verified.exit_code == 0, verified.output
    vc = json.loads((out / "p0003.vc.json").read_text())
    assert vc["credentialSubject"]["id"] == f"urn:uuid:{uuid.UUID(int=4)}"


def test_a_clean_batch_exits_0_and_its_output_does_not_depend_on_the_workers(tmp_path):
    src = folder(tmp_path, 4, broken=set())
    one, two = tmp_path / "one", tmp_path / "two"
    assert run("issue", "passport", src, "--key", KEYS, "--created", CREATED, "-o", one, "--jobs", "1").exit_code == 0
    assert run("issue", "passport", src, "--key", KEYS, "--created", CREATED, "-o", two, "--jobs", "2").exit_code == 0
    for path in one.iterdir():
        assert path.read_bytes() == (two / path.name).read_bytes()
    ids = {json.loads(p.read_text())["id"] for p in one.iterdir()}
    assert len(ids) == 4  # one id per record, derived from issuer, record and --created


def test_json_lines_in_and_out_and_stdin(tmp_path):
    lines = [json.dumps(record(0)), "", json.dumps(record(1, broken=True)), json.dumps(record(2))]
    src = tmp_path / "records.jsonl"
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    result = run("issue", "passport", src, "--key", KEYS, "--format", "jwt", "--created", CREATED, "-o", out)
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["records-00001.vc.jwt", "records-00004.vc.jwt"]
    assert f"refused {src}:3 is not a valid passport record" in result.output
    assert f"skipped {src}:2: blank line" in result.output
    verified = run("verify", out / "records-00004.vc.jwt", "--did-doc", DID_DOC, "--now", NOW)
    assert verified.exit_code == 0, verified.output

    jsonl = tmp_path / "issued.jsonl"
    piped = run("issue", "passport", "-", "--key", KEYS, "--created", CREATED, "-o", jsonl, input=src.read_text())
    assert piped.exit_code == 1
    assert "refused stdin:3" in piped.output
    issued = [json.loads(line) for line in jsonl.read_text().splitlines()]
    subjects = [vc["credentialSubject"]["id"] for vc in issued]
    assert subjects == [f"urn:uuid:{uuid.UUID(int=1)}", f"urn:uuid:{uuid.UUID(int=3)}"]  # input order


def test_json_results_and_status_entries_through_the_registry(tmp_path):
    src = folder(tmp_path, 5, broken={1})
    registry = tmp_path / "registry.sqlite"
    out = tmp_path / "out"
    result = run(
        "issue", "passport", src, "--key", KEYS, "--status", "revocation,suspension", "--status-base", BASE,
        "--registry", registry, "--created", CREATED, "-o", out, "--json",
    )  # fmt: skip
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["summary"] | {} == payload["summary"] and payload["summary"]["issued"] == 4
    assert payload["summary"]["refused"] == 1
    issued = [r for r in payload["records"] if r["state"] == "issued"]
    with Registry(str(registry)) as reg:
        assert reg.check_consistency() == []
        for r in issued:
            shown = reg.show(r["id"])
            assert {s["purpose"] for s in shown["status"]} == {"revocation", "suspension"}
            assert r["passport_identifier"] and r["output"].endswith(".vc.json")
            assert {e["statusPurpose"] for e in r["status_entries"]} == {"revocation", "suspension"}
        # the refused record allocated nothing: 4 credentials, 4 positions in each list
        assert sorted(lst.allocated for lst in reg.lists()) == [4, 4]
    # the same batch again, same --created: the same ids, which the registry refuses to issue twice
    again = run(
        "issue", "passport", src, "--key", KEYS, "--status", "revocation", "--status-base", BASE,
        "--registry", registry, "--created", CREATED, "-o", tmp_path / "again",
    )  # fmt: skip
    assert again.exit_code == 1
    assert again.output.count("was already issued through this registry") == 4


def test_fail_fast_stops_the_batch_and_a_batch_that_issued_nothing_leaves_no_registry(tmp_path):
    src = folder(tmp_path, 3, broken={0, 1, 2})
    keys = tmp_path / "keys"
    assert run("keys", "generate", "--controller", "did:web:battery-maker.example", "--out", keys).exit_code == 0
    out = tmp_path / "out"
    result = run(
        "issue", "passport", src, "--key", keys, "--status", "revocation", "--status-base", BASE,
        "-o", out, "--fail-fast", "--jobs", "1",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "issued 0, refused 1, skipped 0 of 3 record(s); 2 not attempted (stopped)" in result.output
    assert list(out.iterdir()) == []
    assert not (keys / "registry.sqlite").exists()


def test_batch_usage_errors(tmp_path):
    src = folder(tmp_path, 1, broken=set())
    assert run("issue", "passport", src, "--key", KEYS).exit_code == 2  # a batch needs -o
    single = run("issue", "passport", PASSPORT, "--key", KEYS, "--fail-fast")
    assert single.exit_code == 2 and "apply to a batch" in single.output
    envelope = run("issue", "passport", PASSPORT, "--key", KEYS, "--envelope")
    assert envelope.exit_code == 2 and "--envelope needs --format jwt" in envelope.output


def test_single_record_issuing_prints_the_credential_id_and_json(tmp_path):
    out = tmp_path / "vc.json"
    result = run("issue", "passport", PASSPORT, "--key", KEYS, "--created", CREATED, "-o", out)
    assert result.exit_code == 0
    vc = json.loads(out.read_text())
    assert f"credential id {vc['id']}" in result.output
    as_json = run("issue", "passport", PASSPORT, "--key", KEYS, "-o", out, "--json")
    summary = json.loads(as_json.stdout)
    assert summary["id"] == json.loads(out.read_text())["id"]
    assert summary["passport_identifier"] == json.loads(PASSPORT.read_text())["metadata"]["passportIdentifier"]
    assert summary["output"] == str(out) and summary["status_entries"] == []


@pytest.mark.slow
def test_a_thousand_passports_with_twenty_broken(tmp_path):
    broken = set(range(7, 1000, 50))
    assert len(broken) == 20
    src = folder(tmp_path, 1000, broken)
    out = tmp_path / "out"
    registry = tmp_path / "registry.sqlite"
    result = run(
        "issue", "passport", src, "--key", KEYS, "--status", "revocation", "--status-base", BASE,
        "--registry", registry, "--created", CREATED, "-o", out,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "issued 980, refused 20, skipped 0 of 1000 record(s)" in result.output
    names = {p.name for p in out.iterdir()}
    assert len(names) == 980 and not any(".tmp" in n or n.startswith(".") for n in names)
    for n in broken:
        assert f"refused {src / f'p{n:04d}.json'} is not a valid passport record" in result.output
        assert f"p{n:04d}.vc.json" not in names
    with Registry(str(registry)) as reg:
        assert reg.check_consistency() == []
        assert sum(lst.allocated for lst in reg.lists()) == 980
    sample = json.loads((out / "p0999.vc.json").read_text())
    assert sample["credentialStatus"]["statusPurpose"] == "revocation"
