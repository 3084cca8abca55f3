import json
import os
import stat

import pytest

from bpvc.errors import KeyFileError, SignatureError
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KEY_TYPES, KeyPair, PublicKey, Signer, decrypt_jwk, encrypt_jwk, load_key


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_sign_and_verify_each_key_type(key_type):
    key = KeyPair.generate(key_type, "did:example:1#k")
    sig = key.sign(b"data")
    key.public_key.verify(sig, b"data")
    with pytest.raises(SignatureError):
        key.public_key.verify(sig, b"other")
    assert isinstance(key, Signer)


@pytest.mark.parametrize("key_type", ["p256", "p384"])
def test_ecdsa_is_deterministic_raw_r_s(key_type):
    key = KeyPair.generate(key_type)
    assert key.sign(b"m") == key.sign(b"m")
    assert len(key.sign(b"m")) == {"p256": 64, "p384": 96}[key_type]


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_jwk_and_multikey_round_trip(key_type):
    key = KeyPair.generate(key_type, "did:example:1#k")
    again = KeyPair.from_private_jwk(key.private_jwk())
    assert again.public_key.jwk() == key.public_key.jwk()
    assert PublicKey.from_multikey(key.public_key.multikey()).jwk() == key.public_key.jwk()
    assert PublicKey.from_jwk(key.public_key.jwk()).multikey() == key.public_key.multikey()


def test_private_jwk_with_mismatched_public_part_is_refused():
    a, b = KeyPair.generate("ed25519"), KeyPair.generate("ed25519")
    jwk = a.private_jwk()
    jwk["x"] = b.public_key.jwk()["x"]
    with pytest.raises(KeyFileError, match="does not match"):
        KeyPair.from_private_jwk(jwk)


def test_encrypted_jwk_round_trip_and_wrong_passphrase():
    key = KeyPair.generate("p256", "did:example:1#k")
    jwe = encrypt_jwk(key.private_jwk(), "correct horse")
    assert key.private_jwk()["d"] not in jwe
    assert decrypt_jwk(jwe, "correct horse")["d"] == key.private_jwk()["d"]
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        decrypt_jwk(jwe, "wrong")


def test_repr_never_shows_key_material():
    key = KeyPair.generate("ed25519", "did:example:1#k")
    assert key.private_jwk()["d"] not in repr(key)


@pytest.mark.parametrize("controller", ["did:key", "did:web:example.com", "did:web:example.com%3A8443:users:alice"])
def test_generate_key_directory(tmp_path, controller):
    out = tmp_path / "k"
    key = keystore.generate(out, "ed25519", controller)
    private = out / "private.jwk.json"
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    assert load_key(out).verification_method == key.verification_method
    assert json.loads((out / "public.jwk.json").read_text())["kid"] == key.verification_method
    assert "d" not in json.loads((out / "public.jwk.json").read_text())
    if controller == "did:key":
        assert key.verification_method.startswith("did:key:z6Mk")
        assert not (out / "did.json").exists()
    else:
        doc = json.loads((out / "did.json").read_text())
        assert doc["id"] == controller
        assert doc["assertionMethod"] == [key.verification_method] == doc["authentication"]


def test_generate_with_passphrase_encrypts_at_rest(tmp_path):
    out = tmp_path / "k"
    keystore.generate(out, "p384", "did:key", passphrase="s3cret")
    assert not (out / "private.jwk.json").exists()
    assert stat.S_IMODE(os.stat(out / "private.jwk.jwe").st_mode) == 0o600
    with pytest.raises(KeyFileError, match="passphrase is required"):
        load_key(out)
    assert load_key(out, passphrase="s3cret").key_type == "p384"


def test_generate_refuses_to_overwrite(tmp_path):
    keystore.generate(tmp_path / "k", "ed25519", "did:key")
    before = (tmp_path / "k" / "private.jwk.json").read_text()
    with pytest.raises(KeyFileError, match="not empty"):
        keystore.generate(tmp_path / "k", "ed25519", "did:key")
    assert (tmp_path / "k" / "private.jwk.json").read_text() == before


def test_bad_controller_leaves_nothing_behind(tmp_path):
    with pytest.raises(KeyFileError):
        keystore.generate(tmp_path / "k", "ed25519", "did:example:x")
    assert list(tmp_path.iterdir()) == []


def test_load_key_errors_are_clear(tmp_path):
    with pytest.raises(KeyFileError, match="no such key"):
        load_key(tmp_path / "missing.json")
    (tmp_path / "pub.json").write_text(json.dumps(KeyPair.generate("ed25519").public_key.jwk()))
    with pytest.raises(KeyFileError, match="not a private JWK"):
        load_key(tmp_path / "pub.json")
    (tmp_path / "junk.json").write_text("{nope")
    with pytest.raises(KeyFileError, match="not valid JSON"):
        load_key(tmp_path / "junk.json")
