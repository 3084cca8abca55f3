"""bpvc status and --status on issue: the revocation cycle from the command line."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import ROOT

from bpvc.cli import main

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
