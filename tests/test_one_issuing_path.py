"""The CLI and ``POST /credentials/issue`` share one issuing path, record rules included."""

from __future__ import annotations

import copy
import json
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bpvc.cli import main
from bpvc.issue.credential import InvalidDocumentError
from bpvc.issue.secure import record_problems, secure_credential
from bpvc.keys.primitives import KeyPair, load_key
from bpvc.records import passport
from bpvc.verify.domain import NO_DOMAIN_RULES
from bpvc.verify.verifier import Verifier

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from bpvc.server.app import ServerConfig, create_app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "passport-6.1.0.json"
TOKEN = "one-path-token-5a1c9e3b7d20"
CREATED = "2026-11-20T00:00:00Z"


def _bad_record() -> dict[str, Any]:
    """The example passport with a date that does not exist and a total that is not the sum of its stages."""
    record = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    record["operation"]["manufacturer"]["manufacturingDate"] = "2026-02-30"
    footprints = record["sustainability"]["carbonFootprint"]
    total = next(f for f in footprints if f["lifecycle"].startswith("total"))
    total["value"] = total["value"] + 25
    return record


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("keys") / "issuer"
    result = CliRunner().invoke(main, ["keys", "generate", "--controller", "did:key", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "private.jwk.json"


@pytest.fixture(scope="module")
def key(key_file: Path) -> KeyPair:
    return load_key(key_file)


def _cli_output(tmp_path: Path, key_file: Path, record: dict[str, Any]) -> str:
    record_file = tmp_path / "record.json"
    record_file.write_text(json.dumps(record), encoding="utf-8")
    out = tmp_path / "out.json"
    args = ["issue", "passport", str(record_file), "--key", str(key_file), "-o", str(out), "--created", CREATED]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert not out.exists()
    return result.output


def test_the_service_refuses_the_invalid_passport_the_cli_refuses(tmp_path: Path, key: KeyPair, key_file: Path) -> None:
    record = _bad_record()
    assert not passport.validate(record).valid
    credential = passport.to_credential(copy.deepcopy(record), issuer=key.controller)
    # the data model alone has nothing against it: the refusal comes from the record's rules
    found = record_problems(credential)
    paths = {e.json_path for e in found}
    assert "$.credentialSubject.operation.manufacturer.manufacturingDate" in paths
    assert any("carbon-footprint-stages" in e.detail for e in found)

    client = TestClient(create_app(ServerConfig(Verifier(), issuer=key, token=TOKEN)))
    response = client.post(
        "/credentials/issue", json={"credential": credential}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 422, response.text
    problems = response.json()["problemDetails"]
    served = {p["json_path"] for p in problems}
    assert served == {f"$.credential{p[1:]}" for p in paths}

    # the CLI names the same findings, at the same places in the record
    cli = _cli_output(tmp_path, key_file, record)
    for path in served:
        assert path.replace("$.credential.credentialSubject", "$") in cli
    assert "sum to 61.3 but the total is 86.3" in cli


def test_secure_credential_is_the_shared_function(key: KeyPair) -> None:
    credential = passport.to_credential(_bad_record(), issuer=key.controller)
    created = datetime(2026, 11, 20, tzinfo=UTC)
    with pytest.raises(InvalidDocumentError) as caught:
        secure_credential(credential, key, created=created)
    assert any("2026-02-30" in e.detail or "date" in e.detail for e in caught.value.problems)
    # rules are injectable: without the battery rules the same document is signed
    signed = secure_credential(credential, key, created=created, domain_rules=NO_DOMAIN_RULES)
    assert isinstance(signed, dict) and signed["proof"]["type"] == "DataIntegrityProof"
    good = passport.to_credential(json.loads(EXAMPLE.read_text(encoding="utf-8")), issuer=key.controller)
    assert isinstance(secure_credential(good, key, created=created), dict)
