"""bpvc status publish --if-changed: lists are rewritten when their bits change or their validity runs low."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import ROOT

from bpvc.cli.main import main

PASSPORT = str(ROOT / "examples" / "passport-6.1.0.json")
BASE = "https://status.battery-maker.example/lists"
CREATED = "2026-11-30T00:00:00Z"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _setup(tmp_path):
    keys = tmp_path / "keys"
    assert run("keys", "generate", "--controller", "did:web:battery-maker.example", "--out", keys).exit_code == 0
    vc = tmp_path / "vc.json"
    issued = run(
        "issue", "passport", PASSPORT, "--key", keys, "--status", "revocation", "--status-base", BASE,
        "--created", CREATED, "-o", vc,
    )  # fmt: skip
    assert issued.exit_code == 0, issued.output
    return keys, json.loads(vc.read_text())["id"]


def _publish(keys, out, now):
    result = run("status", "publish", "--key", keys, "--out", out, "--now", now, "--if-changed")
    assert result.exit_code == 0, result.output
    written = [line for line in result.stdout.splitlines() if line.strip()]
    return written, result.stderr


def test_only_changed_or_expiring_lists_are_written(tmp_path):
    keys, credential_id = _setup(tmp_path)
    out = tmp_path / "pub"
    written, _ = _publish(keys, out, "2026-12-01T00:00:00Z")
    assert len(written) == 1  # missing: written
    published = (out / written[0].split(str(out) + "/", 1)[1]).read_bytes()

    again, note = _publish(keys, out, "2026-12-01T01:00:00Z")
    assert again == [] and "unchanged, still valid" in note
    assert (out / written[0].split(str(out) + "/", 1)[1]).read_bytes() == published

    revoked = run("status", "revoke", credential_id, "--registry", keys / "registry.sqlite")
    assert revoked.exit_code == 0, revoked.output
    changed, _ = _publish(keys, out, "2026-12-01T03:00:00Z")
    assert changed == written  # the bits changed: rewritten

    # one day of validity from 03:00; at 23:00 the list is past 80 % but not in its last tenth
    assert _publish(keys, out, "2026-12-01T23:00:00Z")[0] == []
    # in the last tenth (after 00:36 the next day) it is renewed, and before it expires
    assert _publish(keys, out, "2026-12-02T01:00:00Z")[0] == written


def test_an_unreadable_published_copy_is_replaced(tmp_path):
    keys, _ = _setup(tmp_path)
    out = tmp_path / "pub"
    [path] = _publish(keys, out, "2026-12-01T00:00:00Z")[0]
    with open(path, "w") as handle:
        handle.write("{not json")
    assert _publish(keys, out, "2026-12-01T01:00:00Z")[0] == [path]
    assert json.loads(open(path).read())["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
