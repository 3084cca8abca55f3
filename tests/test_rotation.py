"""did:web key rotation: rotate, sign with the new key, old credentials still verify; retire the old key."""

import json
from datetime import UTC

import pytest

from bpvc.errors import KeyFileError
from bpvc.issue.credential import issue_credential
from bpvc.keys import store as keystore
from bpvc.keys.primitives import load_key
from bpvc.verify.verifier import Verifier

NOW = "2027-01-01T00:00:00Z"


def _verify(vc, directory):
    from datetime import datetime

    doc = json.loads((directory / "did.json").read_text())
    return Verifier(did_documents={doc["id"]: doc}).verify(vc, now=datetime(2027, 1, 1, tzinfo=UTC))


def test_rotate_then_retire(tmp_path, example_credential):
    keys = tmp_path / "maker"
    keystore.generate(keys, "ed25519", "did:web:maker.example")
    cred = dict(example_credential, issuer="did:web:maker.example")
    old_vc = issue_credential(cred, load_key(keys), created="2026-11-20T00:00:00Z")

    new_key = keystore.rotate(keys)
    assert new_key.verification_method == "did:web:maker.example#key-2"
    assert load_key(keys).verification_method == "did:web:maker.example#key-2"
    new_vc = issue_credential(cred, load_key(keys), created="2026-11-21T00:00:00Z")
    assert _verify(old_vc, keys).verified
    assert _verify(new_vc, keys).verified
    doc = json.loads((keys / "did.json").read_text())
    assert doc["authentication"] == ["did:web:maker.example#key-2"]  # the old key no longer authenticates

    keystore.retire(keys, "key-1")
    result = _verify(old_vc, keys)
    assert not result.verified and result.invalid
    assert "did:web:maker.example#key-1" in result.check("key_ownership").problems[0].detail
    assert _verify(new_vc, keys).verified
    assert not (keys / "rotated" / "key-1.private.jwk.json").exists()

    # ids are never reused, even after a retirement
    assert keystore.rotate(keys).verification_method == "did:web:maker.example#key-3"


def test_cannot_retire_the_signing_key_or_rotate_did_key(tmp_path):
    web = tmp_path / "web"
    keystore.generate(web, "p256", "did:web:maker.example")
    with pytest.raises(KeyFileError, match="current signing key"):
        keystore.retire(web, "key-1")
    dk = tmp_path / "dk"
    keystore.generate(dk, "ed25519", "did:key")
    with pytest.raises(KeyFileError, match="only did:web"):
        keystore.rotate(dk)


def test_rotation_keeps_private_files_private(tmp_path):
    import os
    import stat

    keys = tmp_path / "maker"
    keystore.generate(keys, "ed25519", "did:web:maker.example")
    keystore.rotate(keys)
    for path in [keys / "private.jwk.json", keys / "rotated" / "key-1.private.jwk.json"]:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
