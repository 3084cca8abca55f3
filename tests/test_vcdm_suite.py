"""The W3C VCDM 2.0 test-suite fixtures: -ok ones issue and verify, -fail ones are refused.

The suite's own harness injects an issuer and replaces date placeholders; this test does
the same, signing with a did:key the issuer controls.
"""

import copy
import json
from datetime import UTC, datetime

import pytest
from conftest import EXAMPLES_V2, REFERENCE, load

from bpvc import data_model as model
from bpvc import dates
from bpvc.errors import BpvcError
from bpvc.issue.credential import issue_credential
from bpvc.keys.primitives import KeyPair
from bpvc.keys.store import verification_method_for
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

SUITE = REFERENCE / "vectors" / "vc-data-model-2.0-test-suite"
PLACEHOLDERS = {"PAST DATE": "2020-01-01T00:00:00Z", "FUTURE DATE": "2099-01-01T00:00:00Z"}


def _fixtures(prefix):
    if not SUITE.exists():
        return [pytest.param(None, id="reference-missing")]
    files = sorted(SUITE.glob(f"{prefix}-*.json")) + sorted((SUITE / "names-and-descriptions").glob("*.json"))
    return [
        pytest.param(p, id=p.stem)
        for p in files
        if p.name.startswith(prefix) or prefix == "credential" and p.parent.name == "names-and-descriptions"
    ]


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
                return datetime.fromtimestamp(float(dates.parse(value)) + offset, tz=UTC)
            except BpvcError:
                pass
    return datetime(2027, 1, 1, tzinfo=UTC)


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
    verifier = Verifier(contexts=contexts, check_status=False)
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


@pytest.fixture(scope="module")
def holder():
    key = KeyPair.generate("p256")
    return key.with_verification_method(verification_method_for("did:key", key))


PRESENTER = "did:key:z6MkpJySvETLnxhQG9DzEdmKJtysBDjuuTeDfUj1uNNCUqcj"  # the fixtures' presenting holder


def _prepare_presentation(doc, name, issuer, holder):
    """Give the fixture our keys. The fixtures' presenter DID becomes our holder's DID everywhere (so a
    holder/issuer match or mismatch is kept); other embedded credentials are signed by ``issuer``."""
    doc = json.loads(json.dumps(doc).replace(PRESENTER, holder.controller))
    if "self-asserted" in name:
        return doc  # these credentials are meant to be secured by the presentation's proof alone
    for field in ("holder",):
        value = doc.get(field)
        if isinstance(value, str) and model.is_url(value):
            doc[field] = holder.controller
    creds = doc.get("verifiableCredential")
    if isinstance(creds, list):
        doc["verifiableCredential"] = [
            cred
            if not isinstance(cred, dict) or "EnvelopedVerifiableCredential" in model.types_of(cred)
            else _try_sign(cred, issuer)
            for cred in creds
        ]
    return doc


def _try_sign(cred, issuer):
    try:
        return issue_credential(dict(cred, issuer=issuer.controller), issuer, created="2026-11-20T00:00:00Z")
    except BpvcError:
        return cred  # an invalid credential stays as it is, and the verifier must refuse it


PRESENTATION_FAILS = {
    "presentation-self-asserted-vc-holder-mismatch",
    "presentation-self-asserted-vc-issuer-mismatch",
    "presentation-self-asserted-vc-no-holder",
}


@pytest.mark.parametrize("path", _fixtures("presentation"))
def test_presentation_fixture(path, signer, holder, contexts):
    """Each presentation is signed by the holder (authentication, challenge, domain) and verified in full."""
    _skip_if_missing(path)
    doc = _prepare_presentation(load(path), path.stem, signer, holder)
    verifier = Verifier(contexts=contexts, check_status=False)
    from bpvc.securing.data_integrity import add_proof

    try:
        signed = add_proof(
            doc,
            holder,
            loader=verifier.loader,
            purpose="authentication",
            challenge="c-1",
            domain="verifier.example",
            created="2026-11-21T00:00:00Z",
        )
        result = verifier.verify(
            signed, now=datetime(2026, 12, 1, tzinfo=UTC), challenge="c-1", domain="verifier.example"
        )
    except BpvcError:
        result = None  # refused while signing
    should_fail = (
        path.stem.endswith("-fail") or path.stem.endswith("-fail-or-inject") or path.stem in PRESENTATION_FAILS
    )
    if should_fail:
        assert result is None or not result.verified, f"{path.name} should have been refused"
        return
    assert result is not None
    if path.stem == "presentation-enveloped-vc-ok":
        # its enveloped credential is an old-style vc-ld+jwt from the suite: our part verifies, that one is undecided
        assert all(c.outcome is Outcome.PASSED for c in result.checks), result.to_dict()
        assert result.credentials[0].indeterminate
        return
    assert result.verified, result.to_dict()
