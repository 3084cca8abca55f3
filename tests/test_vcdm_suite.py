"""The W3C VCDM 2.0 test-suite fixtures: -ok ones issue and verify, -fail ones are refused.

The suite's own harness injects an issuer and replaces date placeholders; this test does
the same, signing with a did:key the issuer controls.
"""

import copy
from datetime import datetime, timezone

import pytest

from bpvc import dates, model
from bpvc.canonicalize import canonicalize
from bpvc.errors import BpvcError
from bpvc.issuer import issue_credential
from bpvc.keys import KeyPair
from bpvc.keystore import verification_method_for
from bpvc.contexts import ContextLoader
from bpvc.verifier import Verifier
from conftest import EXAMPLES_V2, REFERENCE, load

SUITE = REFERENCE / "vectors" / "vc-data-model-2.0-test-suite"
PLACEHOLDERS = {"PAST DATE": "2020-01-01T00:00:00Z", "FUTURE DATE": "2099-01-01T00:00:00Z"}


def _fixtures(prefix):
    if not SUITE.exists():
        return [pytest.param(None, id="reference-missing")]
    files = sorted(SUITE.glob(f"{prefix}-*.json")) + sorted((SUITE / "names-and-descriptions").glob("*.json"))
    return [pytest.param(p, id=p.stem) for p in files if p.name.startswith(prefix) or prefix == "credential"
            and p.parent.name == "names-and-descriptions"]


def _skip_if_missing(path):
    if path is None:
        pytest.skip(f"reference data not available: {SUITE}")


def _prepare(doc, issuer, name=""):
    doc = copy.deepcopy(doc)
    if "no-issuer" in name:
        return doc
    for field in ("validFrom", "validUntil"):
        if doc.get(field) in PLACEHOLDERS:
            doc[field] = PLACEHOLDERS[doc[field]]
    if "issuer" not in doc:
        doc["issuer"] = issuer
    elif isinstance(doc["issuer"], dict) and "id" not in doc["issuer"]:
        doc["issuer"]["id"] = issuer
    return doc


def _moment_inside(doc):
    """A time inside the fixture's validity window (the suite's verifier runs at such a time)."""
    for field, offset in (("validFrom", 1), ("validUntil", -1)):
        value = doc.get(field)
        if isinstance(value, str):
            try:
                return datetime.fromtimestamp(float(dates.parse(value)) + offset, tz=timezone.utc)
            except BpvcError:
                pass
    return datetime(2027, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def signer():
    key = KeyPair.generate("ed25519")
    return key.with_verification_method(verification_method_for("did:key", key))


@pytest.fixture(scope="module")
def contexts():
    return {EXAMPLES_V2: str(REFERENCE / "vectors" / "contexts" / "credentials-examples-v2.jsonld")}


@pytest.mark.parametrize("path", _fixtures("credential"))
def test_credential_fixture(path, signer, contexts):
    _skip_if_missing(path)
    doc = _prepare(load(path), signer.controller, path.stem)
    verifier = Verifier(contexts=contexts, require_status=False)
    moment = _moment_inside(doc)
    if path.stem.endswith("-ok"):
        signed = issue_credential(doc, signer, loader=verifier.loader, created=moment)
        result = verifier.verify(signed, now=moment)
        if "proof" in doc:
            # The fixture's own proof is a placeholder with no verificationMethod: ours is added as a
            # second proof and verifies, the placeholder is reported, and nothing else is wrong.
            assert [c.name for c in result.checks if c.outcome.value == "failed"] == ["proof"]
            assert [p.json_path for p in result.check("proof").problems] == ["$.proof[0].verificationMethod"]
            return
        assert result.verified, result.to_dict()
        return
    try:
        signed = issue_credential(doc, signer, loader=verifier.loader, created=moment)
    except BpvcError:
        return  # refused at issue
    result = verifier.verify(signed, now=moment)
    assert not result.verified, f"{path.name} should have been refused"


@pytest.mark.parametrize("path", _fixtures("presentation"))
def test_presentation_fixture_structure(path, contexts):
    """Presentations: the data model and safe-mode JSON-LD (holder signatures come with presentations)."""
    _skip_if_missing(path)
    doc = load(path)
    problems = list(model.check_presentation(doc))
    try:
        canonicalize(doc, loader=ContextLoader(contexts))
    except BpvcError as err:
        problems.append(err)
    for i, cred in enumerate(doc.get("verifiableCredential", []) if isinstance(doc.get("verifiableCredential"), list)
                             else [doc.get("verifiableCredential")] if "verifiableCredential" in doc else []):
        if isinstance(cred, dict) and "EnvelopedVerifiableCredential" not in model.types_of(cred):
            problems += [p for p in model.check_credential(cred) if "issuer" not in (p.json_path or "")]
    expected_ok = path.stem.endswith("-ok") or path.stem.startswith("presentation-self-asserted")
    if expected_ok:
        assert not problems, [p.detail for p in problems]
    else:
        assert problems, f"{path.name} should have been refused"
