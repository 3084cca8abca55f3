"""Exit codes and bad input on every command: 1 only for "not verified / invalid / rejected", 2 for setup and
usage errors; always one line, never a traceback, never a file written."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from bpvc.cli.main import main

EXAMPLE = ROOT / "examples" / "battery-credential.json"
PASSPORT = ROOT / "examples" / "passport-6.1.0.json"
KEYS = ROOT / "keys.example"
DID_DOC = KEYS / "did.json"
NOW = "2027-03-01T00:00:00Z"
CREATED = "2027-02-01T00:00:00Z"
DEEP_ARRAY = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000
HUGE_INTEGER = "1" * 5_000


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def one_line(result, code):
    """The command failed with ``code``, one ``Error:`` line, and no exception escaped."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


def example(**changes):
    doc = json.loads(EXAMPLE.read_text())
    doc.update(changes)
    return doc


@pytest.fixture
def signed(tmp_path):
    out = tmp_path / "vc.json"
    result = run("issue", "credential", EXAMPLE, "--key", KEYS, "--created", CREATED, "-o", out)
    assert result.exit_code == 0, result.output
    return out


# -- 10: setup and usage errors exit 2 everywhere ----------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "{missing}"],
        ["issue", "credential", "{missing}", "--key", KEYS],
        ["issue", "passport", "{missing}", "--key", KEYS],
        ["issue", "footprint", "{missing}", "--key", KEYS],
        ["issue", "credential", EXAMPLE, "--key", "{missing}"],
        ["validate", "passport", "{missing}"],
        ["present", "{missing}", "--key", KEYS, "--challenge", "c", "--domain", "d"],
        ["qr", "{missing}", "-o", "{tmp}/qr.svg"],
        ["audit", "{missing}", "--seed", "s", "--sample", "1", "--report", "{tmp}/r.html"],
        ["keys", "rotate", "{missing}"],
        ["status", "publish", "--key", "{missing}", "--out", "{tmp}/pub"],
    ],
    ids=lambda a: " ".join(str(x) for x in a[:2]),
)
def test_a_missing_input_file_exits_2(tmp_path, args):
    filled = [str(a).format(missing=tmp_path / "missing.json", tmp=tmp_path) for a in args]
    result = run(*filled)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and sorted(p.name for p in tmp_path.iterdir()) == []


def _bad_files(tmp_path):
    files = {}
    for name, text in {
        "not-json": "{not json",
        "deep-array": DEEP_ARRAY,
        "deep-object": DEEP_OBJECT,
        "huge-integer": '{"id": "did:web:x.example", "n": ' + HUGE_INTEGER + "}",
        "nan": '{"id": "did:web:x.example", "n": NaN}',
        "duplicate": '{"id": "did:web:x.example", "id": "did:web:y.example"}',
        "array": "[]",
    }.items():
        path = tmp_path / f"{name}.json"
        path.write_text(text)
        files[name] = path
    return files


BAD = ["not-json", "deep-array", "deep-object", "huge-integer", "nan", "duplicate", "array"]


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("option", ["--did-doc", "--context", "--schema", "--status-list"])
def test_a_bad_configuration_file_is_a_setup_error(tmp_path, signed, bad, option):
    path = _bad_files(tmp_path)[bad]
    value = str(path) if option == "--did-doc" else f"https://config.example/x={path}"
    if bad == "array" and option != "--did-doc":
        pytest.skip("an array is JSON; only a DID document must be an object")
    line = one_line(run("verify", signed, "--did-doc", DID_DOC, "--now", NOW, option, value), 2)
    assert str(path) in line


@pytest.mark.parametrize(
    "policy, reason",
    [
        ("a = " + DEEP_ARRAY, "nested too deeply"),
        ("a = " + "{b = " * 3000 + "1" + "}" * 3000, "nested too deeply"),
        ("[verification]\nclock_skew = " + HUGE_INTEGER, "not an acceptable policy"),
        ("[verification]\nclock_skew = -1\n", "clock_skew"),
        ("[verification\n", "not valid TOML"),
        ("x" * (2 << 20), "larger than"),
    ],
    ids=["deep-array", "deep-table", "huge-integer", "bad-value", "not-toml", "too-large"],
)
@pytest.mark.parametrize("command", ["verify", "audit", "serve"])
def test_a_bad_policy_is_a_setup_error(tmp_path, signed, monkeypatch, policy, reason, command):
    monkeypatch.setattr("bpvc.cli.serve._run", lambda *a: pytest.fail("the service started"))
    path = tmp_path / "policy.toml"
    path.write_text(policy)
    args = {
        "verify": ["verify", signed, "--did-doc", DID_DOC, "--now", NOW],
        "audit": ["audit", signed.parent, "--seed", "s", "--sample", "1", "--report", tmp_path / "r.html"],
        "serve": ["serve"],
    }[command]
    line = one_line(run(*args, "--policy", path), 2)
    assert reason in line
    assert not (tmp_path / "r.html").exists()


def test_a_missing_policy_file_is_a_setup_error(tmp_path, signed):
    assert "does not exist" in one_line(run("verify", signed, "--policy", tmp_path / "none.toml"), 2)


def test_a_bad_key_file_is_a_setup_error(tmp_path):
    key = tmp_path / "key.json"
    for text in ('{"kty": "OKP", "kty": "EC"}', DEEP_OBJECT, "{}"):
        key.write_text(text)
        one_line(run("issue", "credential", EXAMPLE, "--key", key, "-o", tmp_path / "vc.json"), 2)
    assert not (tmp_path / "vc.json").exists()


def test_not_verified_is_still_1(tmp_path, signed):
    doc = json.loads(signed.read_text())
    doc["credentialSubject"]["ratedCapacity"] = "281"
    signed.write_text(json.dumps(doc))
    result = run("verify", signed, "--did-doc", DID_DOC, "--now", NOW)
    assert result.exit_code == 1 and result.output.strip().endswith("NOT VERIFIED (invalid)")


def test_usage_errors_exit_2():
    assert run("schema", "fields", "nothing").exit_code == 2
    assert run("qr", EXAMPLE, "-o", "qr.gif").exit_code == 2
    assert run("audit", EXAMPLE.parent, "--seed", "s", "--report", "r.html").exit_code == 2  # no sample size
    assert run("serve", "--registry", "r.sqlite").exit_code == 2  # needs --issuer-key and --status-base
    assert run("contexts", "list", "--context", "https://x.example/c=/nonexistent.jsonld").exit_code == 2


# -- 15: the issuer signs only JSON ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value, reason",
    [
        ("NaN", "NaN is not JSON"),
        ("Infinity", "Infinity is not JSON"),
        ("1e400", "beyond the range of a double"),
        (HUGE_INTEGER, "beyond the range of a double"),
        ('"\\ud800"', "surrogate"),
        (DEEP_ARRAY, "nested too deeply"),
    ],
    ids=["nan", "infinity", "1e400", "5000-digits", "lone-surrogate", "10000-deep"],
)
def test_issue_refuses_what_is_not_json_and_writes_nothing(tmp_path, value, reason):
    text = json.dumps(example())
    src = tmp_path / "unsigned.json"
    src.write_text(text.replace('"ratedCapacity": "280"', f'"ratedCapacity": {value}', 1))
    assert src.read_text() != text
    out = tmp_path / "vc.json"
    line = one_line(run("issue", "credential", src, "--key", KEYS, "-o", out), 1)
    assert reason in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unsigned.json"]


def test_issue_refuses_duplicate_members(tmp_path):
    src = tmp_path / "unsigned.json"
    src.write_text(json.dumps(example())[:-1] + ', "validUntil": "2099-01-01T00:00:00Z"}')
    assert "duplicate member 'validUntil'" in one_line(run("issue", "credential", src, "--key", KEYS), 1)


def test_present_refuses_a_credential_file_that_is_not_json(tmp_path):
    bad = tmp_path / "vc.json"
    bad.write_text('{"a": NaN}')
    line = one_line(run("present", bad, "--key", KEYS, "--challenge", "c", "--domain", "d", "-o", tmp_path / "vp"), 1)
    assert "NaN" in line and not (tmp_path / "vp").exists()


# -- 16: one line for what used to be a traceback ----------------------------------------------------


@pytest.mark.parametrize("content", [DEEP_ARRAY, DEEP_OBJECT, '{"n": ' + HUGE_INTEGER + "}"])
def test_verify_of_a_deep_or_huge_document_is_one_verdict(tmp_path, content):
    path = tmp_path / "vc.json"
    path.write_text(content)
    result = run("verify", path)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit | None), repr(result.exception)
    assert result.output.strip().endswith("NOT VERIFIED (invalid)")


def test_a_lone_surrogate_on_the_command_line_is_printed_not_a_traceback(tmp_path, signed):
    ctx = tmp_path / "c.jsonld"
    ctx.write_text('{"@context": {"x": "https://example.org/x"}}')
    url = "https://contexts.example/\udcff"  # what Python makes of an undecodable byte in argv
    result = run("contexts", "list", "--context", f"{url}={ctx}")
    assert result.exit_code == 0 and result.exception is None, repr(result.exception)
    assert "\\udcff" in result.output
    doc = json.loads(signed.read_text())
    doc["@context"].append(url)
    signed.write_text(json.dumps(doc))
    result = run("verify", signed, "--did-doc", DID_DOC, "--now", NOW)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit | None), repr(result.exception)
    assert "Traceback" not in result.output and "surrogate" in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["issue", "credential", EXAMPLE, "--key", KEYS, "-o", "{blocked}/vc.json"],
        ["issue", "passport", PASSPORT, "--key", KEYS, "-o", "{blocked}/vc.json"],
        ["present", EXAMPLE, "--key", KEYS, "--challenge", "c", "--domain", "d", "-o", "{blocked}/vp.json"],
        ["keys", "generate", "--controller", "did:key", "--out", "{blocked}/keys"],
        ["qr", "{vc}", "-o", "{blocked}/qr.svg", "--resolver", "https://id.example/"],
        ["audit", "{batch}", "--seed", "s", "--sample", "1", "--workers", "1", "--report", "{blocked}/r.html"],
    ],
    ids=lambda a: " ".join(str(x) for x in a[:2]),
)
def test_an_output_that_cannot_be_written_is_one_line_and_nothing_is_written(tmp_path, signed, command):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "vc.json").write_bytes(signed.read_bytes())
    passport = tmp_path / "passport.vc.json"
    assert run("issue", "passport", PASSPORT, "--key", KEYS, "-o", passport).exit_code == 0
    before = sorted(p.name for p in tmp_path.rglob("*"))
    args = [str(a).format(blocked=blocker, vc=passport, batch=batch) for a in command]
    line = one_line(run(*args), 2)
    assert "not a directory" in line
    assert sorted(p.name for p in tmp_path.rglob("*")) == before and blocker.read_text() == "in the way"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_output_in_a_read_only_folder_is_one_line(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        line = one_line(run("issue", "credential", EXAMPLE, "--key", KEYS, "-o", folder / "vc.json"), 2)
        assert "permission denied" in line.lower() and list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_an_output_where_nothing_can_be_created_is_one_line():
    one_line(run("issue", "credential", EXAMPLE, "--key", KEYS, "-o", "/proc/bpvc-test-vc.json"), 2)


# -- 19: bounded reads, and no traversal did:web for a new key --------------------------------------


def test_verify_dev_zero_stops_at_the_bound(tmp_path):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    started = time.monotonic()
    line = one_line(run("verify", "/dev/zero"), 1)
    assert "larger than" in line and time.monotonic() - started < 30
    assert "larger than" in one_line(run("verify", EXAMPLE, "--did-doc", "/dev/zero"), 2)
    assert "larger than" in one_line(run("issue", "credential", "/dev/zero", "--key", KEYS), 1)
    one_line(run("validate", "passport", "/dev/zero"), 1)
    one_line(run("verify", EXAMPLE, "--policy", "/dev/zero"), 2)


@pytest.mark.parametrize(
    "controller",
    [
        "did:web:host.example:..:x",
        "did:web:host.example:a:..:..:x",
        "did:web:host.example:..%2F..:x",
        "did:web:host.example:%2E%2E:x",
        "did:web:host.example%2F..%2Fx",
        "did:web:host.example?x",
        "did:web:host.example:a?b",
        "did:web:",
    ],
)
def test_keys_generate_refuses_a_traversal_did_web(tmp_path, controller):
    out = tmp_path / "parent" / "keys"
    line = one_line(run("keys", "generate", "--controller", controller, "--out", out), 2)
    assert "--controller" in line
    assert list(tmp_path.iterdir()) == []  # not even the parent folder


def test_keys_generate_accepts_a_did_web_with_a_path_and_a_port(tmp_path):
    for controller in ("did:web:maker.example:passports:2026", "did:web:maker.example%3A8443"):
        out = tmp_path / controller.rsplit(":", 1)[-1]
        assert run("keys", "generate", "--controller", controller, "--out", out).exit_code == 0
        assert json.loads((out / "did.json").read_text())["id"] == controller
