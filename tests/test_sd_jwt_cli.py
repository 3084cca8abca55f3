"""The SD-JWT VC commands: issue --format sd-jwt, present --tier/--disclose with key binding, verify."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from bpvc.cli.main import main
from bpvc.keys import store as keystore
from bpvc.sd_jwt import SdJwt
from bpvc.securing import jose

PASSPORT = str(ROOT / "examples" / "passport-6.1.0.json")
FOOTPRINT = str(ROOT / "examples" / "footprint-8.0.0.json")
KEYS = str(ROOT / "keys.example")
DID_DOC = str(ROOT / "keys.example" / "did.json")
NOW = "2026-12-01T00:00:00Z"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def issued(tmp_path):
    holder = tmp_path / "holder"
    keystore.generate(holder, "p256", "did:web:battery-maker.example")
    out = tmp_path / "passport.sd-jwt"
    result = run(
        "issue", "passport", PASSPORT, "--key", KEYS, "--format", "sd-jwt", "--holder-key", holder,
        "--created", "2026-11-21T00:00:00Z", "-o", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, holder


def test_issue_present_verify_round_trip(tmp_path, issued):
    full, holder = issued
    token = SdJwt.parse(full.read_text())
    assert jose.decode(token.jwt).header["typ"] == "dc+sd-jwt"
    eu = tmp_path / "eu.sd-jwt"
    presented = run(
        "present", full, "--tier", "legitimate-interest", "--export-to", "EU", "--holder-key", holder,
        "--aud", "did:web:carmaker.example", "--nonce", "n-1", "--iat", NOW, "-o", eu,
    )  # fmt: skip
    assert presented.exit_code == 0, presented.output
    assert SdJwt.parse(eu.read_text()).kb_jwt
    ok = run(
        "verify", eu, "--did-doc", DID_DOC, "--now", NOW, "--challenge", "n-1", "--domain", "did:web:carmaker.example"
    )
    assert ok.exit_code == 0, ok.output
    assert "key_binding" in ok.output and "disclosed  " in ok.output and "handling" in ok.output
    assert "materials.composition" not in ok.output
    wrong = run(
        "verify", eu, "--did-doc", DID_DOC, "--now", NOW, "--challenge", "n-2", "--domain", "did:web:carmaker.example"
    )
    assert wrong.exit_code == 1 and "nonce" in wrong.output
    as_json = run("verify", eu, "--did-doc", DID_DOC, "--now", NOW, "--json")
    assert json.loads(as_json.output)["disclosed"]


def test_later_disclosure_to_an_authority(tmp_path, issued):
    full, holder = issued
    later = tmp_path / "msa.sd-jwt"
    result = run(
        "present", full, "--disclose", "materials.composition", "--holder-key", holder,
        "--aud", "did:web:msa.example", "--nonce", "n-7", "--iat", NOW, "-o", later,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    ok = run(
        "verify",
        later,
        "--did-doc",
        DID_DOC,
        "--now",
        NOW,
        "--challenge",
        "n-7",
        "--domain",
        "did:web:msa.example",
        "--json",
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["disclosed"] == ["materials.composition"]


def test_usage_errors(tmp_path, issued):
    full, holder = issued
    both = run("present", full, "--tier", "public", "--disclose", "handling")
    assert both.exit_code == 2
    unbound = run("present", full, "--tier", "public", "--aud", "x")
    assert unbound.exit_code == 2 and "--holder-key" in unbound.output
    nothing = run("present", full, "--disclose", "no.such.field")
    assert nothing.exit_code == 1 and "nothing to disclose at record.no.such.field" in nothing.output
    mixed = run("issue", "passport", PASSPORT, "--key", KEYS, "--holder-key", holder)
    assert mixed.exit_code == 2
    vc_present = run("present", PASSPORT, "--tier", "public")
    assert vc_present.exit_code == 2


def test_footprint_sd_jwt(tmp_path):
    out = tmp_path / "pcf.sd-jwt"
    result = run(
        "issue",
        "footprint",
        FOOTPRINT,
        "--key",
        KEYS,
        "--format",
        "sd-jwt",
        "--created",
        "2026-11-21T00:00:00Z",
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    public = tmp_path / "public.sd-jwt"
    assert run("present", out, "--tier", "public", "-o", public).exit_code == 0
    ok = run("verify", public, "--did-doc", DID_DOC, "--now", NOW)
    assert ok.exit_code == 0, ok.output
    assert Path(public).read_text().count("~") < Path(out).read_text().count("~")


def test_the_http_service_verifies_sd_jwt_vcs(issued):
    pytest.importorskip("httpx")
    import warnings
    from datetime import UTC, datetime

    with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 for its test client; httpx still works
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from bpvc.server.app import ServerConfig, create_app
    from bpvc.verify.verifier import Verifier

    full, _ = issued
    doc = json.loads(Path(DID_DOC).read_text())
    config = ServerConfig(Verifier(did_documents={doc["id"]: doc}), clock=lambda: datetime(2026, 12, 1, tzinfo=UTC))
    client = TestClient(create_app(config))
    ok = client.post("/credentials/verify", json={"verifiableCredential": full.read_text().strip()})
    assert ok.status_code == 200, ok.text
    token = SdJwt.parse(full.read_text())
    broken = SdJwt(token.jwt, (*token.disclosures, token.disclosures[0])).serialize()
    refused = client.post("/credentials/verify", json={"verifiableCredential": broken})
    assert refused.status_code == 422 and "sent twice" in refused.text


def test_the_benchmark_smoke_mode_runs():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sdjwt_bench.py"), "--smoke", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["time_ratios"]) == {
        "issue sd-jwt / vc+jwt (time)",
        "verify sd-jwt / vc+jwt (time)",
        "verify EU presentation / vc+jwt (time)",
    }
    assert report["bytes"]["sd-jwt EU presentation"] < report["bytes"]["sd-jwt full"]
