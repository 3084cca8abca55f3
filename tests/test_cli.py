"""The bpvc command: exit codes, messages, files, and the quick start's main job."""

import json
import os
import stat

import pytest
from click.testing import CliRunner
from conftest import ROOT

from bpvc.cli.main import main

EXAMPLE = str(ROOT / "examples" / "battery-credential.json")
KEYS = str(ROOT / "keys.example")
DID_DOC = str(ROOT / "keys.example" / "did.json")
NOW = "2027-03-01T00:00:00Z"
CREATED = "2027-02-01T00:00:00Z"  # every credential a test verifies is signed at a fixed time, never "now"


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


@pytest.fixture
def signed(tmp_path):
    out = tmp_path / "vc.json"
    result = run("issue", "credential", EXAMPLE, "--key", KEYS, "-o", out, "--created", CREATED)
    assert result.exit_code == 0, result.output
    return out


def test_quick_start_main_job(signed):
    result = run("verify", signed, "--did-doc", DID_DOC, "--now", NOW)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "VERIFIED"
    assert "proof          passed" in result.output


def test_verify_json_shape(signed):
    result = run("verify", signed, "--did-doc", DID_DOC, "--now", NOW, "--json")
    data = json.loads(result.output)
    assert data["verified"] is True
    assert {c["name"] for c in data["checks"]} >= {"proof", "key_ownership", "contexts", "validity", "status"}
    assert all(set(c) >= {"name", "outcome", "problems"} for c in data["checks"])


def test_verify_without_did_document_is_not_verified(signed):
    result = run("verify", signed, "--now", NOW, "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["verified"] is False
    assert {c["name"]: c["outcome"] for c in data["checks"]}["proof"] == "indeterminate"


def test_tampered_credential_exit_1_with_reason(signed):
    doc = json.loads(signed.read_text())
    doc["credentialSubject"]["ratedCapacity"] = "281"
    signed.write_text(json.dumps(doc))
    result = run("verify", signed, "--did-doc", DID_DOC, "--now", NOW, "--json")
    assert result.exit_code == 1
    problems = json.loads(result.output)["problems"]
    assert problems[0]["type"].endswith("#CRYPTOGRAPHIC_SECURITY_ERROR")
    assert set(problems[0]) == {"type", "title", "detail", "json_path"}


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "neither JSON nor a compact JWS"),
        ('{"@context": ["https://www.w3.org/ns/credentials/v2"], "proof": 5}', ""),
    ],
)
def test_bad_files_get_a_clear_line_and_exit_1(tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = run("verify", bad)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert message in result.output


def test_missing_file_is_a_setup_error(tmp_path):
    result = run("verify", tmp_path / "nope.json")
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_usage_error_exit_2():
    assert run("verify").exit_code == 2
    assert run("verify", EXAMPLE, "--now", "yesterday").exit_code == 2
    assert run("issue", "credential", EXAMPLE, "--key", KEYS, "--suite", "rsa-2048").exit_code == 2


def test_wrong_key_type_for_suite(tmp_path):
    out = tmp_path / "vc.json"
    result = run("issue", "credential", EXAMPLE, "--key", KEYS, "--suite", "ecdsa-rdfc-2019", "-o", out)
    assert result.exit_code == 2  # the options do not fit together: a usage error
    assert "cannot use a ed25519 key" in result.output
    assert not out.exists()


def test_issue_refuses_undefined_term_and_writes_nothing(tmp_path):
    doc = json.loads(open(EXAMPLE).read())
    doc["credentialSubject"]["secretField"] = "x"
    src = tmp_path / "in.json"
    src.write_text(json.dumps(doc))
    out = tmp_path / "vc.json"
    result = run("issue", "credential", src, "--key", KEYS, "-o", out)
    assert result.exit_code == 1
    assert "secretField" in result.output
    assert list(tmp_path.iterdir()) == [src]


def test_issue_unknown_context_names_it(tmp_path):
    doc = json.loads(open(EXAMPLE).read())
    doc["@context"].append("https://contexts.example/unknown/v1")
    src = tmp_path / "in.json"
    src.write_text(json.dumps(doc))
    result = run("issue", "credential", src, "--key", KEYS)
    assert result.exit_code == 1
    assert "https://contexts.example/unknown/v1" in result.output


def test_unknown_cryptosuite_fails_verify(signed):
    doc = json.loads(signed.read_text())
    doc["proof"]["cryptosuite"] = "bbs-2023"
    signed.write_text(json.dumps(doc))
    result = run("verify", signed, "--did-doc", DID_DOC, "--now", NOW)
    assert result.exit_code == 1
    assert "unknown cryptosuite" in result.output


def test_keys_generate_writes_0600_and_never_prints_the_key(tmp_path):
    out = tmp_path / "k"
    result = run("keys", "generate", "--type", "p256", "--controller", "did:web:maker.example:passports", "--out", out)
    assert result.exit_code == 0, result.output
    private = json.loads((out / "private.jwk.json").read_text())
    assert private["d"] not in result.output
    assert stat.S_IMODE(os.stat(out / "private.jwk.json").st_mode) == 0o600
    assert json.loads((out / "did.json").read_text())["id"] == "did:web:maker.example:passports"
    # and that key signs with the ECDSA suite by default
    vc = tmp_path / "vc.json"
    assert run("issue", "credential", EXAMPLE, "--key", out, "-o", vc).exit_code == 0
    assert json.loads(vc.read_text())["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"


def test_keys_generate_with_passphrase(tmp_path):
    out = tmp_path / "k"
    env = {"BPVC_PASSPHRASE": "open sesame"}
    assert run("keys", "generate", "--controller", "did:key", "--out", out, "--passphrase", env=env).exit_code == 0
    assert (out / "private.jwk.jwe").exists()
    assert run("issue", "credential", EXAMPLE, "--key", out, env=env).exit_code == 0
    denied = run("issue", "credential", EXAMPLE, "--key", out, env={"BPVC_PASSPHRASE": "wrong"})
    assert denied.exit_code == 2 and "wrong passphrase" in denied.output  # the key cannot be used: setup


def test_keys_generate_bad_controller(tmp_path):
    result = run("keys", "generate", "--controller", "did:ion:abc", "--out", tmp_path / "k")
    assert result.exit_code == 2
    assert "--controller" in result.output
    assert not (tmp_path / "k").exists()


def test_contexts_list_json():
    result = run("contexts", "list", "--json")
    assert result.exit_code == 0
    entries = json.loads(result.output)
    assert all(set(e) == {"url", "sha256", "path"} for e in entries)
    assert "https://www.w3.org/ns/credentials/v2" in {e["url"] for e in entries}


def test_context_option_with_pin(tmp_path):
    ctx = tmp_path / "c.jsonld"
    ctx.write_text('{"@context": {"x": "https://example.org/x"}}')
    ok = run("contexts", "list", "--context", f"https://example.org/c={ctx}")
    assert ok.exit_code == 0 and "https://example.org/c" in ok.output
    bad = run("contexts", "list", "--context", f"https://example.org/c={ctx}#sha256={'0' * 64}")
    assert bad.exit_code == 2 and "pinned" in bad.output  # the file is not the context the pin names


def test_issue_jwt_and_envelope_and_verify(tmp_path):
    jwt_out, env_out = tmp_path / "vc.jwt", tmp_path / "vc.env.json"
    assert (
        run(
            "issue", "credential", EXAMPLE, "--key", KEYS, "--format", "jwt", "-o", jwt_out, "--created", CREATED
        ).exit_code
        == 0
    )
    assert jwt_out.read_text().startswith("ey") and jwt_out.read_text().count(".") == 2
    assert run("verify", jwt_out, "--did-doc", DID_DOC, "--now", NOW).exit_code == 0
    assert (
        run(
            "issue",
            "credential",
            EXAMPLE,
            "--key",
            KEYS,
            "--format",
            "jwt",
            "--envelope",
            "-o",
            env_out,
            "--created",
            CREATED,
        ).exit_code
        == 0
    )
    assert json.loads(env_out.read_text())["type"] == "EnvelopedVerifiableCredential"
    assert run("verify", env_out, "--did-doc", DID_DOC, "--now", NOW).exit_code == 0
    assert run("issue", "credential", EXAMPLE, "--key", KEYS, "--envelope").exit_code == 2


@pytest.mark.parametrize("fmt", ["di", "jwt"])
def test_present_and_verify_with_challenge(tmp_path, signed, fmt):
    holder = tmp_path / "holder"
    assert run("keys", "generate", "--controller", "did:web:carmaker.example", "--out", holder).exit_code == 0
    cred = signed
    if fmt == "jwt":
        cred = tmp_path / "vc.jwt"
        run("issue", "credential", EXAMPLE, "--key", KEYS, "--format", "jwt", "-o", cred, "--created", CREATED)
    vp = tmp_path / "vp"
    result = run(
        "present",
        cred,
        "--key",
        holder,
        "--challenge",
        "abc",
        "--domain",
        "verifier.example",
        "--format",
        fmt,
        "--created",
        CREATED,
        "-o",
        vp,
    )
    assert result.exit_code == 0, result.output
    docs = ["--did-doc", DID_DOC, "--did-doc", holder / "did.json"]
    ok = run("verify", vp, *docs, "--challenge", "abc", "--domain", "verifier.example", "--now", NOW)
    assert ok.exit_code == 0, ok.output
    assert "credential 0:" in ok.output
    wrong = run("verify", vp, *docs, "--challenge", "xyz", "--domain", "verifier.example", "--now", NOW)
    assert wrong.exit_code == 1 and "INVALID_CHALLENGE_ERROR" in wrong.output


def test_rotate_and_retire_from_the_cli(tmp_path):
    keys = tmp_path / "k"
    run("keys", "generate", "--controller", "did:web:battery-maker.example", "--out", keys)
    old = tmp_path / "old.json"
    run("issue", "credential", EXAMPLE, "--key", keys, "-o", old, "--created", CREATED)
    rotated = run("keys", "rotate", keys)
    assert rotated.exit_code == 0 and "#key-2" in rotated.output
    new = tmp_path / "new.json"
    run("issue", "credential", EXAMPLE, "--key", keys, "-o", new, "--created", CREATED)
    for vc in (old, new):
        assert run("verify", vc, "--did-doc", keys / "did.json", "--now", NOW).exit_code == 0
    assert run("keys", "retire", keys, "key-1").exit_code == 0
    failed = run("verify", old, "--did-doc", keys / "did.json", "--now", NOW)
    assert failed.exit_code == 1 and "did:web:battery-maker.example#key-1" in failed.output
    assert run("verify", new, "--did-doc", keys / "did.json", "--now", NOW).exit_code == 0
    refused = run("keys", "retire", keys, "key-2")
    assert refused.exit_code == 2 and "current signing key" in refused.output
