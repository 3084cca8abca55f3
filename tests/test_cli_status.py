"""bpvc status and --status on issue: the revocation cycle from the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import ROOT

from bpvc.cli.main import main

PASSPORT = str(ROOT / "examples" / "passport-6.1.0.json")
BASE = "https://status.battery-maker.example/lists"
NOW = "2026-12-01T00:00:00Z"
CREATED = "2026-11-30T00:00:00Z"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_revocation_cycle(tmp_path):
    keys = tmp_path / "keys"
    assert run("keys", "generate", "--controller", "did:web:battery-maker.example", "--out", keys).exit_code == 0
    vc = tmp_path / "vc.json"
    issued = run(
        "issue",
        "passport",
        PASSPORT,
        "--key",
        keys,
        "--status",
        "revocation,suspension",
        "--status-base",
        BASE,
        "--created",
        CREATED,
        "-o",
        vc,
    )
    assert issued.exit_code == 0, issued.output
    assert (keys / "registry.sqlite").exists()  # the default registry sits beside the key
    credential_id = json.loads(vc.read_text())["id"]
    registry = keys / "registry.sqlite"
    pub = tmp_path / "pub"

    def verify():
        published = run("status", "publish", "--key", keys, "--out", pub, "--now", NOW)
        assert published.exit_code == 0, published.output
        lists = []
        for path in sorted((pub / "lists").iterdir()):
            lists += ["--status-list", f"{BASE}/{path.name}={path}"]
        return run("verify", vc, "--did-doc", keys / "did.json", "--now", NOW, *lists)

    assert verify().exit_code == 0
    assert run("status", "suspend", credential_id, "--registry", registry).exit_code == 0
    suspended = verify()
    assert suspended.exit_code == 1 and "suspended" in suspended.output
    assert run("status", "reinstate", credential_id, "--registry", registry).exit_code == 0
    assert verify().exit_code == 0
    assert run("status", "revoke", credential_id, "--registry", registry).exit_code == 0
    revoked = verify()
    assert revoked.exit_code == 1 and "CREDENTIAL_REVOKED" in revoked.output and "revoked" in revoked.output
    refused = run("status", "reinstate", credential_id, "--registry", registry)
    assert refused.exit_code == 1 and "revocation is final" in refused.output
    shown = json.loads(run("status", "show", credential_id, "--registry", registry, "--json").output)
    assert {s["state"] for s in shown["status"]} == {"revoked", "not suspended"}


def test_status_options_are_checked(tmp_path):
    keys = tmp_path / "keys"
    run("keys", "generate", "--controller", "did:web:battery-maker.example", "--out", keys)
    assert run("issue", "passport", PASSPORT, "--key", keys, "--status", "revocation").exit_code == 2
    bad = run("issue", "passport", PASSPORT, "--key", keys, "--status", "recall", "--status-base", BASE)
    assert bad.exit_code == 2 and "--status takes revocation and/or suspension" in bad.output
    http = run("issue", "passport", PASSPORT, "--key", keys, "--status", "revocation", "--status-base", "http://x")
    assert http.exit_code == 2 and "https" in http.output
    assert not (keys / "registry.sqlite").exists()
    issued = run("issue", "passport", PASSPORT, "--key", keys, "--status", "revocation", "--status-base", BASE)
    assert issued.exit_code == 0, issued.output
    unknown = run("status", "revoke", "urn:uuid:nope", "--registry", keys / "registry.sqlite")
    assert unknown.exit_code == 1 and "no credential urn:uuid:nope" in unknown.output


# -- a registry that does not exist, or is not a registry, is refused (exit 2), never created --------


def _keys(tmp_path):
    keys = tmp_path / "keys"
    assert run("keys", "generate", "--controller", "did:web:battery-maker.example", "--out", keys).exit_code == 0
    return keys


def _one_line_error(result, code):
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Error:")]) == 1, result.output


@pytest.mark.parametrize(
    "command",
    [
        ["show", "urn:uuid:1"],
        ["revoke", "urn:uuid:1"],
        ["suspend", "urn:uuid:1"],
        ["reinstate", "urn:uuid:1"],
        ["publish", "--out", "pub"],
    ],
)
def test_status_commands_refuse_a_registry_that_does_not_exist(tmp_path, command):
    keys = _keys(tmp_path)
    typo = keys / "registy.sqlite"
    extra = ["--key", keys] if command[0] == "publish" else []
    args = [a if a != "pub" else tmp_path / "pub" for a in command]
    for missing in (typo, tmp_path / "nonexistent" / "dir" / "r.sqlite"):
        result = run("status", *args, *extra, "--registry", missing)
        _one_line_error(result, 2)
        assert str(missing) in result.output and "no registry" in result.output
        assert not missing.exists() and not missing.parent.exists() or missing.parent == keys
    assert sorted(p.name for p in keys.iterdir()) == sorted(
        ["private.jwk.json", "public.jwk.json", "public.multikey.json", "did.json"]
    )
    assert not (tmp_path / "pub").exists()


def test_status_publish_with_the_default_registry_missing_is_refused(tmp_path):
    keys = _keys(tmp_path)
    result = run("status", "publish", "--key", keys, "--out", tmp_path / "pub")
    _one_line_error(result, 2)
    assert not (keys / "registry.sqlite").exists()


def test_issuing_creates_a_registry_only_in_an_existing_folder(tmp_path):
    keys = _keys(tmp_path)
    missing = tmp_path / "nonexistent" / "dir" / "r.sqlite"
    args = ["issue", "passport", PASSPORT, "--key", keys, "--status", "revocation", "--status-base", BASE]
    result = run(*args, "--registry", missing, "-o", tmp_path / "vc.json")
    _one_line_error(result, 2)
    assert "does not exist" in result.output and not (tmp_path / "nonexistent").exists()
    assert not (tmp_path / "vc.json").exists()


@pytest.mark.parametrize("what", ["text", "directory", "other-sqlite"])
def test_something_that_is_not_a_registry_gets_one_line(tmp_path, what):
    keys = _keys(tmp_path)
    target = tmp_path / "thing"
    if what == "text":
        target.write_text("not a database at all, but long enough to have a header.......\n" * 4)
    elif what == "directory":
        target.mkdir()
    else:
        import sqlite3

        with sqlite3.connect(target) as conn:
            conn.execute("CREATE TABLE invoices (id INTEGER)")
    before = target.read_bytes() if target.is_file() else None
    for args in (["show", "urn:uuid:1"], ["revoke", "urn:uuid:1"], ["publish", "--key", keys, "--out", tmp_path / "p"]):
        _one_line_error(run("status", *args, "--registry", target), 2)
    issued = run(
        "issue", "passport", PASSPORT, "--key", keys, "--status", "revocation", "--status-base", BASE,
        "--registry", target, "-o", tmp_path / "vc.json",
    )  # fmt: skip
    _one_line_error(issued, 2)
    assert not (tmp_path / "vc.json").exists() and not (tmp_path / "p").exists()
    if before is not None:
        assert target.read_bytes() == before  # refused, never written into


def test_publish_with_nothing_to_publish_exits_1(tmp_path):
    keys = _keys(tmp_path)
    other = tmp_path / "other"
    assert run("keys", "generate", "--controller", "did:web:someone-else.example", "--out", other).exit_code == 0
    issued = run("issue", "passport", PASSPORT, "--key", keys, "--status", "revocation", "--status-base", BASE)
    assert issued.exit_code == 0, issued.output
    result = run("status", "publish", "--key", other, "--registry", keys / "registry.sqlite", "--out", tmp_path / "pub")
    _one_line_error(result, 1)
    assert "nothing to publish" in result.output and not (tmp_path / "pub").exists()


def test_publish_to_a_path_that_cannot_be_a_folder_gets_one_line(tmp_path):
    keys = _keys(tmp_path)
    issued = run("issue", "passport", PASSPORT, "--key", keys, "--status", "revocation", "--status-base", BASE)
    assert issued.exit_code == 0, issued.output
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("status", "publish", "--key", keys, "--out", blocker / "pub", "--now", NOW)
    _one_line_error(result, 2)
    assert "not a directory" in result.output and blocker.read_text() == "x"


def test_a_refused_issue_leaves_no_new_registry(tmp_path):
    keys = _keys(tmp_path)
    doc = json.loads((ROOT / "examples" / "battery-credential.json").read_text())
    doc.update(id="urn:uuid:5b1c1f0e-1d2a-4c39-9d53-6f1c2f0b7a10", issuer="did:web:battery-maker.example")
    doc["credentialSubject"]["secretField"] = "x"  # safe mode refuses it while signing, inside the transaction
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    result = run("issue", "credential", bad, "--key", keys, "--status", "revocation", "--status-base", BASE)
    assert result.exit_code == 1 and "secretField" in result.output, result.output
    assert not list(keys.glob("registry.sqlite*"))
