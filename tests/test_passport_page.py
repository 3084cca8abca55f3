"""GET /passports/{identifier}: content negotiation, the public page (public fields only), revocation, Chromium."""

from __future__ import annotations

import copy
import json
import re
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOT
from test_audit_report import chromium, count, greenish, reddish, screenshot

from bpvc.cli.main import main
from bpvc.issue.credential import issue_credential, issue_credential_jwt
from bpvc.keys.primitives import KeyPair, load_key
from bpvc.records import passport
from bpvc.schema import PASSPORT_6_1, fields
from bpvc.server.app import ServerConfig, create_app
from bpvc.server.passport_page import PAGE_CSP, PassportFolderError, load_passports, public_fields
from bpvc.status.checker import StatusChecker
from bpvc.status.registry import Registry
from bpvc.status.service import RegistryStatusService
from bpvc.verify.verifier import Verifier

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

NOW = datetime(2027, 3, 1, tzinfo=UTC)
CREATED = datetime(2026, 11, 20, tzinfo=UTC)
DI_ID = "d73913cb-1db5-45bf-8f31-780fb63ab476"  # examples/passport-6.1.0.json
CREDENTIAL_ID = "urn:uuid:5d1c3a9e-2b7f-4e61-9c0a-8f4e2d6b1a37"  # the credential, not the battery
JWT_ID = "0b7a9d7e-1111-4222-8333-944455556666"
STATUS_BASE = "https://status.battery-maker.example/lists"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def example_record() -> dict[str, Any]:
    record: dict[str, Any] = json.loads((ROOT / "examples" / "passport-6.1.0.json").read_text(encoding="utf-8"))
    return record


@pytest.fixture(scope="module")
def key() -> KeyPair:
    return load_key(str(ROOT / "keys.example"))


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    doc = json.loads((ROOT / "keys.example" / "did.json").read_text(encoding="utf-8"))
    return Verifier(did_documents={doc["id"]: doc})


def sign_di(record: dict[str, Any], key: KeyPair, **extra: Any) -> dict[str, Any]:
    return issue_credential(passport.to_credential(record, issuer=key.controller, **extra), key, created=CREATED)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, key: KeyPair) -> Path:
    out = tmp_path_factory.mktemp("passports")
    (out / "di.json").write_text(json.dumps(sign_di(example_record(), key), indent=2), encoding="utf-8")
    other = example_record()
    other["metadata"]["passportIdentifier"] = JWT_ID
    token = issue_credential_jwt(passport.to_credential(other, issuer=key.controller), key)
    (out / "jwt.jwt").write_text(token + "\n", encoding="ascii")
    (out / "notes.txt").write_text("not a passport, and not read", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def client(folder: Path, verifier: Verifier) -> TestClient:
    return TestClient(create_app(ServerConfig(verifier, passports=load_passports(folder), clock=lambda: NOW)))


# -- negotiation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/vc+ld+json"),
        ("*/*", "application/vc+ld+json"),
        ("application/vc+ld+json", "application/vc+ld+json"),
        ("application/json", "application/json"),
        ("application/ld+json;q=0.5, text/html;q=0.4", "application/ld+json"),
    ],
)
def test_machines_get_the_credential_as_stored(
    client: TestClient, folder: Path, accept: str | None, media: str
) -> None:
    response = client.get(f"/passports/{DI_ID}", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert response.content == (folder / "di.json").read_bytes()  # byte for byte: what was signed
    assert response.headers["vary"] == "Accept"


def test_the_subject_id_finds_the_passport_too(client: TestClient, folder: Path) -> None:
    response = client.get(f"/passports/urn:uuid:{DI_ID}", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json()["credentialSubject"]["id"] == f"urn:uuid:{DI_ID}"


def test_a_jwt_passport_is_served_as_the_jws_or_enveloped(client: TestClient, folder: Path) -> None:
    token = (folder / "jwt.jwt").read_text(encoding="ascii").strip()
    jws = client.get(f"/passports/{JWT_ID}", headers={"Accept": "application/vc+jwt"})
    assert jws.status_code == 200
    assert jws.headers["content-type"].split(";")[0] == "application/vc+jwt"
    assert jws.text == token
    enveloped = client.get(f"/passports/{JWT_ID}", headers={"Accept": "application/vc+ld+json"})
    assert enveloped.status_code == 200
    assert enveloped.json() == {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": "data:application/vc+jwt," + token,
        "type": "EnvelopedVerifiableCredential",
    }


@pytest.mark.parametrize("accept", ["application/vc+jwt", "image/png", "application/json;q=0"])
def test_nothing_acceptable_is_406(client: TestClient, accept: str) -> None:
    response = client.get(f"/passports/{DI_ID}", headers={"Accept": accept})
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"
    assert "application/vc+ld+json" in response.json()["detail"]
    assert "application/vc+jwt" not in response.json()["detail"]  # a DI passport has no JWS to offer


def test_unknown_identifier_is_404(client: TestClient) -> None:
    machine = client.get("/passports/9f0e2a1c-0000-4000-8000-000000000000")
    assert machine.status_code == 404
    assert machine.headers["content-type"] == "application/problem+json"
    assert machine.json()["status"] == 404
    browser = client.get("/passports/<b>x&y", headers={"Accept": BROWSER})
    assert browser.status_code == 404
    assert browser.headers["content-type"].startswith("text/html")
    assert browser.headers["content-security-policy"] == PAGE_CSP
    assert "&lt;b&gt;x&amp;y" in browser.text and "<b>x" not in browser.text


def test_without_a_folder_there_are_no_passports(verifier: Verifier) -> None:
    bare = TestClient(create_app(ServerConfig(verifier)))
    assert bare.get(f"/passports/{DI_ID}").status_code == 404


# -- the page ----------------------------------------------------------------------------------------


def page(client: TestClient, identifier: str = DI_ID) -> str:
    response = client.get(f"/passports/{identifier}", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    return response.text


def test_browsers_get_the_page_with_the_verification_outcome(client: TestClient) -> None:
    text = page(client)
    assert 'class="verdict verified"' in text and ">Verified<" in text
    assert "did:web:battery-maker.example" in text  # the issuer
    assert "LFP traction battery pack 79.5 kWh, 108S1P cell-to-pack" in text
    assert "BPNL00000007NHVA" in text  # metadata.economicOperatorId, public
    # the carbon footprint: the total and the four stages from the example, each with a bar
    assert ">61.3<" in text
    for stage, value in (("Raw material", "43.5"), ("Main product production", "14.6"), ("Distribution", "1.4")):
        assert re.search(rf"{stage}[^<]*</span><span class=\"value\">{re.escape(value)} kg CO2e/kWh", text), stage
    assert text.count('<svg class="bar"') == 4


def test_a_jwt_passport_page_verifies_too(client: TestClient) -> None:
    text = page(client, JWT_ID)
    assert 'class="verdict verified"' in text and "vc+jwt" in text


def test_the_page_references_nothing_outside_itself(client: TestClient) -> None:
    text = page(client).lower()
    assert "<script" not in text and "<link" not in text and "<img" not in text and "<iframe" not in text
    assert not re.search(r"\s(src|href|action|srcset)=", text)
    assert "url(" not in text and "@import" not in text and "@font-face" not in text


def test_a_tampered_passport_is_not_verified_and_says_which_check_failed(
    tmp_path: Path, key: KeyPair, verifier: Verifier
) -> None:
    signed = sign_di(example_record(), key)
    signed["credentialSubject"]["sustainability"]["carbonFootprint"][1]["value"] = 40.5
    (tmp_path / "p.json").write_text(json.dumps(signed), encoding="utf-8")
    client = TestClient(create_app(ServerConfig(verifier, passports=load_passports(tmp_path), clock=lambda: NOW)))
    text = page(client)
    assert 'class="verdict not-verified"' in text and ">Not verified<" in text
    assert "Failing checks: Signature" in text
    assert 'class="verdict verified"' not in text


def test_every_value_is_escaped(tmp_path: Path, key: KeyPair, verifier: Verifier) -> None:
    record = example_record()
    record["identification"]["chemistry"] = '<script>alert("x")</script>'
    record["identification"]["identification"]["type"]["nameAtManufacturer"] = "<img src=x onerror=alert(1)>"
    (tmp_path / "p.json").write_text(json.dumps(sign_di(record, key)), encoding="utf-8")
    client = TestClient(create_app(ServerConfig(verifier, passports=load_passports(tmp_path), clock=lambda: NOW)))
    text = page(client)
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


# -- only public fields ------------------------------------------------------------------------------

TIERED = [f for f in fields(PASSPORT_6_1) if f.tier is not None]


def effective_public(path: str, tiers: dict[str, str | None]) -> bool:
    """Public only when the field and every field around it are public (Annex XIII(1))."""
    parts = path.split(".")
    around = [".".join(parts[:i]).removesuffix("[]") for i in range(1, len(parts) + 1)]
    return all(tiers.get(p) == "public" for p in around)


def _set(record: dict[str, Any], path: str, value: Any) -> None:
    """Put ``value`` at a schema path (``a.b[].c``), making the objects and one-item arrays on the way."""
    node: Any = record
    parts = path.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        name, is_array = part.removesuffix("[]"), part.endswith("[]")
        if last and not is_array:
            node[name] = value
            return
        if is_array:
            if not isinstance(node.get(name), list) or not node[name] or not isinstance(node[name][0], dict):
                node[name] = [{}]
            node = node[name][0]
        else:
            if not isinstance(node.get(name), dict):
                node[name] = {}
            node = node[name]


def marked_record() -> tuple[dict[str, Any], dict[str, str]]:
    """The example passport with a distinctive value in every leaf field of the schema: path -> marker."""
    record = copy.deepcopy(example_record())
    markers: dict[str, str] = {}
    leaves = [f for f in fields(PASSPORT_6_1) if f.type not in ("object", "array of object")]
    for n, field in enumerate(leaves):
        if field.path in (
            "specVersion",
            "metadata.passportIdentifier",
            "metadata.issueDate",
            "metadata.expirationDate",
        ):
            continue  # public, and they decide the schema, the identifier and the credential's validity
        if field.type in ("number", "integer"):
            marker: Any = 73910000 + n
        elif field.type == "boolean":
            marker = True
        else:
            marker = f"Qz{n:04d}mark"
        _set(record, field.path, [marker] if field.type.startswith("array of") else marker)
        if field.type != "boolean":
            markers[field.path] = str(marker)
    return record, markers


def test_the_leak_test_covers_every_tier() -> None:
    assert {f.tier for f in TIERED} == {"public", "legitimate-interest", "authorities", "individual-battery"}
    assert len(TIERED) == len(fields(PASSPORT_6_1))  # every field has a tier (test_records pins this too)


def test_no_field_of_another_tier_reaches_the_public_page(tmp_path: Path, key: KeyPair, verifier: Verifier) -> None:
    record, markers = marked_record()
    (tmp_path / "p.json").write_text(json.dumps(sign_di(record, key)), encoding="utf-8")
    client = TestClient(create_app(ServerConfig(verifier, passports=load_passports(tmp_path), clock=lambda: NOW)))
    text = page(client)
    tiers = {f.path: f.tier for f in TIERED}
    hidden = {p for p in tiers if not effective_public(p, tiers)}
    assert len(hidden) > 150  # legitimate-interest, authorities, individual-battery and what they hold
    leaked = sorted(p for p, m in markers.items() if p in hidden and m in text)
    assert leaked == []
    # and the page is not simply empty: every public leaf shows its marker
    missing = sorted(p for p, m in markers.items() if p not in hidden and m not in text)
    assert missing == []
    # booleans carry no distinctive value: check the paths themselves
    shown = {re.sub(r"\[\d+\]", "[]", path).removesuffix("[]") for path, _ in public_fields(record)}
    assert shown and not (shown & hidden)
    assert {p for p in shown if tiers.get(p) is not None} == shown


def test_a_record_of_unknown_version_shows_no_fields() -> None:
    record = example_record()
    record["specVersion"] = "urn:io.catenax.battery.battery_pass:9.9.9"
    assert public_fields(record) == []


# -- revocation --------------------------------------------------------------------------------------


def test_a_revoked_passport_shows_as_revoked(tmp_path: Path, key: KeyPair) -> None:
    registry = Registry(str(tmp_path / "registry.sqlite"), create=True)
    service = RegistryStatusService(registry, key, STATUS_BASE, clock=lambda: NOW)
    unsigned = passport.to_credential(example_record(), issuer=key.controller, credential_id=CREDENTIAL_ID)
    signed = service.issue(unsigned, ["revocation"], lambda doc: issue_credential(doc, key, created=CREATED))
    (tmp_path / "passports").mkdir()
    (tmp_path / "passports" / "p.json").write_text(json.dumps(signed), encoding="utf-8")
    doc = json.loads((ROOT / "keys.example" / "did.json").read_text(encoding="utf-8"))
    verifier = Verifier(did_documents={doc["id"]: doc}, status_checker=StatusChecker(source=service.list_for_url))
    held = load_passports(tmp_path / "passports")
    client = TestClient(create_app(ServerConfig(verifier, passports=held, clock=lambda: NOW)))
    before = page(client)
    assert 'class="verdict verified"' in before
    service.update(CREDENTIAL_ID, "revocation", "revoke")
    after = page(client)
    assert 'class="verdict revoked"' in after and ">Revoked<" in after
    assert "has revoked this passport" in after
    assert 'class="verdict verified"' not in after
    assert client.get(f"/passports/{DI_ID}").status_code == 200  # the credential itself is still served
    registry.close()


# -- the folder --------------------------------------------------------------------------------------


def test_two_passports_with_one_identifier_are_refused(tmp_path: Path, key: KeyPair) -> None:
    signed = json.dumps(sign_di(example_record(), key))
    (tmp_path / "a.json").write_text(signed, encoding="utf-8")
    (tmp_path / "b.json").write_text(signed, encoding="utf-8")
    with pytest.raises(PassportFolderError, match=f"b.json: passport identifier {DI_ID} is also in a.json"):
        load_passports(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"a": 1, "a": 2}', "bad.json: .*duplicate"),
        ("[1, 2]", "bad.json: not a credential"),
        ('{"credentialSubject": {"type": "BatteryPass"}}', "bad.json: no passport identifier"),
    ],
)
def test_a_file_that_is_not_a_passport_is_named(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "bad.json").write_text(content, encoding="utf-8")
    with pytest.raises(PassportFolderError, match=message):
        load_passports(tmp_path)


def test_serve_refuses_a_bad_folder_before_listening(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--passports", str(tmp_path)])
    assert result.exit_code == 2
    assert "--passports: bad.json: " in result.output
    assert "Traceback" not in result.output


def test_serve_with_passports_serves_the_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[Any] = []
    monkeypatch.setattr("bpvc.cli.serve._run", lambda app, host, port: served.append(app))
    did_doc = str(ROOT / "keys.example" / "did.json")
    result = CliRunner().invoke(main, ["serve", "--did-doc", did_doc, "--passports", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"2 passports from {folder}" in result.output
    client = TestClient(served[0])
    assert client.get(f"/passports/{JWT_ID}", headers={"Accept": "application/vc+jwt"}).status_code == 200
    # the served verifier checks with the wall clock; the example passport is valid from 2026-10-28 to 2041
    html_page = client.get(f"/passports/{DI_ID}", headers={"Accept": BROWSER})
    assert html_page.status_code == 200 and "Signature" in html_page.text


# -- headless Chromium -------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("revoked", [False, True], ids=["valid", "revoked"])
def test_screenshot(tmp_path: Path, key: KeyPair, width: int, revoked: bool) -> None:
    image_module = pytest.importorskip("PIL.Image", reason="Pillow is needed to inspect the screenshot")
    chromium()
    registry = Registry(str(tmp_path / "registry.sqlite"), create=True)
    service = RegistryStatusService(registry, key, STATUS_BASE, clock=lambda: NOW)
    unsigned = passport.to_credential(example_record(), issuer=key.controller, credential_id=CREDENTIAL_ID)
    signed = service.issue(unsigned, ["revocation"], lambda doc: issue_credential(doc, key, created=CREATED))
    if revoked:
        service.update(CREDENTIAL_ID, "revocation", "revoke")
    (tmp_path / "passports").mkdir()
    (tmp_path / "passports" / "p.json").write_text(json.dumps(signed), encoding="utf-8")
    doc = json.loads((ROOT / "keys.example" / "did.json").read_text(encoding="utf-8"))
    verifier = Verifier(did_documents={doc["id"]: doc}, status_checker=StatusChecker(source=service.list_for_url))
    held = load_passports(tmp_path / "passports")
    text = page(TestClient(create_app(ServerConfig(verifier, passports=held, clock=lambda: NOW))))
    registry.close()
    height = 2400
    with image_module.open(screenshot(text, tmp_path, width, height)) as image:
        rgb = image.convert("RGB")
        assert rgb.size == (width, height)
        assert count(rgb, lambda pixel: pixel != (255, 255, 255)) > width * height // 20, "the page looks blank"
        assert count(rgb, lambda pixel: sum(pixel) < 240) > width * 3, "no dark text was drawn"
        top = rgb.crop((0, 0, width, 400))
        expected, other = (reddish, greenish) if revoked else (greenish, reddish)
        assert count(top, expected) > width * 40, "the verdict colour is missing from the top of the page"
        assert count(top, other) < width * 2, "the top of the page shows the wrong verdict colour"
        # the chart's four bars are drawn in their own colours somewhere on the page
        for colour in ((0x2F, 0x6F, 0xAB), (0x4F, 0x9A, 0x94)):
            assert count(rgb, lambda pixel, c=colour: pixel == c) > 20, f"no bar in {colour}"
