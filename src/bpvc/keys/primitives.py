"""Keys: generation, JWK/Multikey encodings, encrypted storage, and signers.

Signing goes through the :class:`Signer` protocol so a KMS or HSM key can take a
file key's place. ECDSA signatures are deterministic (RFC 6979) and raw ``r||s``,
as the ecdsa-rdfc-2019 test vectors and JOSE both require.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from .. import multibase, strict_json
from ..errors import KeyFileError, MalformedError, SignatureError
from ..files import write_atomic

KEY_TYPES = ("ed25519", "p256", "p384")

# key type -> (JOSE alg, JWK kty, JWK crv, curve, hash, coordinate size)
_EC = {
    "p256": ("ES256", "P-256", ec.SECP256R1(), hashes.SHA256(), 32),
    "p384": ("ES384", "P-384", ec.SECP384R1(), hashes.SHA384(), 48),
    # verify-only: Catena-X wallets sign VCDM 1.1 JWTs with ES256K
    "secp256k1": ("ES256K", "secp256k1", ec.SECP256K1(), hashes.SHA256(), 32),
}
ALGORITHMS = {"ed25519": "EdDSA", "p256": "ES256", "p384": "ES384", "secp256k1": "ES256K"}
_CRV_TO_TYPE = {"Ed25519": "ed25519", "P-256": "p256", "P-384": "p384", "secp256k1": "secp256k1"}

PublicKeyObject = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKeyObject = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


@runtime_checkable
class Signer(Protocol):
    """Anything that can sign bytes for one verification method (file key, KMS, HSM)."""

    @property
    def verification_method(self) -> str: ...

    @property
    def algorithm(self) -> str:
        """JOSE algorithm name: ``EdDSA``, ``ES256`` or ``ES384``."""
        ...

    def sign(self, data: bytes) -> bytes: ...


@dataclass(frozen=True)
class PublicKey:
    """A public key with the verification rules of its type (raw ``r||s`` for ECDSA)."""

    key_type: str
    key: PublicKeyObject

    @property
    def algorithm(self) -> str:
        return ALGORITHMS[self.key_type]

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise :class:`SignatureError` unless ``signature`` is valid over ``data``."""
        try:
            if isinstance(self.key, ed25519.Ed25519PublicKey):
                self.key.verify(signature, data)
                return
            _, _, _, digest, size = _EC[self.key_type]
            if len(signature) != 2 * size:
                raise SignatureError(f"{self.algorithm} signature must be {2 * size} bytes, got {len(signature)}")
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            self.key.verify(encode_dss_signature(r, s), data, ec.ECDSA(digest))
        except InvalidSignature:
            raise SignatureError("signature does not match the data and key") from None
        except (ValueError, UnsupportedAlgorithm) as err:
            raise SignatureError(f"signature cannot be checked with this key: {err}") from None

    def raw(self) -> bytes:
        """Raw public key bytes as Multikey carries them (EC keys compressed)."""
        if isinstance(self.key, ed25519.Ed25519PublicKey):
            return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return self.key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)

    def multikey(self) -> str:
        return multibase.encode_multikey(self.key_type, self.raw())

    def jwk(self) -> dict[str, str]:
        if isinstance(self.key, ed25519.Ed25519PublicKey):
            return {"kty": "OKP", "crv": "Ed25519", "x": multibase.b64url_encode(self.raw())}
        _, crv, _, _, size = _EC[self.key_type]
        numbers = self.key.public_numbers()
        return {
            "kty": "EC",
            "crv": crv,
            "x": multibase.b64url_encode(numbers.x.to_bytes(size, "big")),
            "y": multibase.b64url_encode(numbers.y.to_bytes(size, "big")),
        }

    @classmethod
    def from_multikey(cls, text: object) -> PublicKey:
        key_type, raw = multibase.decode_multikey(text)
        try:
            if key_type == "ed25519":
                return cls(key_type, ed25519.Ed25519PublicKey.from_public_bytes(raw))
            curve = _EC[key_type][2]
            return cls(key_type, ec.EllipticCurvePublicKey.from_encoded_point(curve, raw))
        except (ValueError, UnsupportedAlgorithm) as err:
            raise MalformedError(f"invalid {key_type} public key: {err}") from err

    @classmethod
    def from_jwk(cls, jwk: object) -> PublicKey:
        if not isinstance(jwk, dict):
            raise MalformedError("publicKeyJwk must be a JSON object")
        key_type = _jwk_key_type(jwk)
        try:
            if key_type == "ed25519":
                return cls(key_type, ed25519.Ed25519PublicKey.from_public_bytes(_b64(jwk, "x")))
            curve = _EC[key_type][2]
            x = int.from_bytes(_b64(jwk, "x"), "big")
            y = int.from_bytes(_b64(jwk, "y"), "big")
            return cls(key_type, ec.EllipticCurvePublicNumbers(x, y, curve).public_key())
        except (ValueError, UnsupportedAlgorithm) as err:
            raise MalformedError(f"invalid {key_type} JWK: {err}") from err


class KeyPair:
    """A private key held in memory; it signs for one verification method."""

    def __init__(self, key_type: str, private_key: PrivateKeyObject, verification_method: str) -> None:
        if key_type not in KEY_TYPES:
            raise KeyFileError(f"unsupported key type {key_type!r}; expected one of {', '.join(KEY_TYPES)}")
        self.key_type = key_type
        self._private = private_key
        self._verification_method = verification_method
        self.public_key = PublicKey(key_type, private_key.public_key())

    def __repr__(self) -> str:  # never show key material
        return f"KeyPair({self.key_type!r}, verification_method={self._verification_method!r})"

    @property
    def verification_method(self) -> str:
        return self._verification_method

    @property
    def controller(self) -> str:
        return self._verification_method.split("#", 1)[0]

    @property
    def algorithm(self) -> str:
        return ALGORITHMS[self.key_type]

    def with_verification_method(self, verification_method: str) -> KeyPair:
        return KeyPair(self.key_type, self._private, verification_method)

    def sign(self, data: bytes) -> bytes:
        if isinstance(self._private, ed25519.Ed25519PrivateKey):
            return self._private.sign(data)
        _, _, _, digest, size = _EC[self.key_type]
        der = self._private.sign(data, ec.ECDSA(digest, deterministic_signing=True))
        r, s = decode_dss_signature(der)
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    def private_jwk(self) -> dict[str, str]:
        jwk = dict(self.public_key.jwk())
        if isinstance(self._private, ed25519.Ed25519PrivateKey):
            d = self._private.private_bytes(
                serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
            )
        else:
            d = self._private.private_numbers().private_value.to_bytes(_EC[self.key_type][4], "big")
        jwk["d"] = multibase.b64url_encode(d)
        jwk["kid"] = self._verification_method
        jwk["alg"] = self.algorithm
        return jwk

    @classmethod
    def generate(cls, key_type: str, verification_method: str = "") -> KeyPair:
        if key_type == "ed25519":
            return cls(key_type, ed25519.Ed25519PrivateKey.generate(), verification_method)
        if key_type in _EC:
            return cls(key_type, ec.generate_private_key(_EC[key_type][2]), verification_method)
        raise KeyFileError(f"unsupported key type {key_type!r}; expected one of {', '.join(KEY_TYPES)}")

    @classmethod
    def from_private_jwk(cls, jwk: object, verification_method: str | None = None) -> KeyPair:
        if not isinstance(jwk, dict) or "d" not in jwk:
            raise KeyFileError("not a private JWK (no 'd' member)")
        key_type = _jwk_key_type(jwk)
        vm = verification_method or jwk.get("kid") or ""
        try:
            d = _b64(jwk, "d")
            if key_type == "ed25519":
                private: PrivateKeyObject = ed25519.Ed25519PrivateKey.from_private_bytes(d)
            else:
                private = ec.derive_private_key(int.from_bytes(d, "big"), _EC[key_type][2])
        except (ValueError, MalformedError) as err:
            raise KeyFileError(f"invalid private JWK: {err}") from err
        pair = cls(key_type, private, str(vm))
        if pair.public_key.jwk()["x"] != jwk.get("x"):
            raise KeyFileError("private JWK: 'x' does not match the private key")
        return pair

    @classmethod
    def from_multikey(cls, secret: str, verification_method: str = "") -> KeyPair:
        key_type, raw = multibase.decode_multikey(secret, secret=True)
        if key_type == "ed25519":
            return cls(key_type, ed25519.Ed25519PrivateKey.from_private_bytes(raw[:32]), verification_method)
        return cls(key_type, ec.derive_private_key(int.from_bytes(raw, "big"), _EC[key_type][2]), verification_method)


def _b64(jwk: dict[str, object], member: str) -> bytes:
    value = jwk.get(member)
    if not isinstance(value, str):
        raise MalformedError(f"JWK member {member!r} is missing")
    return multibase.b64url_decode(value)


def _jwk_key_type(jwk: dict[str, object]) -> str:
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if (kty, crv) in (("OKP", "Ed25519"), ("EC", "P-256"), ("EC", "P-384"), ("EC", "secp256k1")):
        return _CRV_TO_TYPE[str(crv)]
    raise MalformedError(f"unsupported JWK key (kty={kty!r}, crv={crv!r}); expected Ed25519, P-256, P-384 or secp256k1")


# --- encrypted private keys: a compact JWE (RFC 7516) with PBES2-HS512+A256KW / A256GCM -------------

_PBES2_ALG = "PBES2-HS512+A256KW"
_PBES2_COUNT = 310_000


def _pbes2_kek(passphrase: str, salt: bytes, count: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA512(), length=32, salt=_PBES2_ALG.encode() + b"\0" + salt, iterations=count)
    return kdf.derive(passphrase.encode("utf-8"))


def encrypt_jwk(jwk: dict[str, str], passphrase: str) -> str:
    """Encrypt a private JWK at rest as a compact JWE (``cty: jwk+json``)."""
    salt = secrets.token_bytes(16)
    header = {
        "alg": _PBES2_ALG,
        "enc": "A256GCM",
        "cty": "jwk+json",
        "p2s": multibase.b64url_encode(salt),
        "p2c": _PBES2_COUNT,
    }
    protected = multibase.b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    cek = secrets.token_bytes(32)
    wrapped = aes_key_wrap(_pbes2_kek(passphrase, salt, _PBES2_COUNT), cek)
    iv = secrets.token_bytes(12)
    sealed = AESGCM(cek).encrypt(iv, json.dumps(jwk).encode(), protected.encode("ascii"))
    encoded = [multibase.b64url_encode(p) for p in (wrapped, iv, sealed[:-16], sealed[-16:])]
    return ".".join([protected, *encoded])


def decrypt_jwk(jwe: str, passphrase: str) -> dict[str, object]:
    try:
        protected, wrapped, iv, ciphertext, tag = jwe.strip().split(".")
        header = strict_json.loads(multibase.b64url_decode(protected), max_bytes=8192)
    except (ValueError, MalformedError) as err:
        raise KeyFileError("encrypted key is not a compact JWE") from err
    if header.get("alg") != _PBES2_ALG or header.get("enc") != "A256GCM":
        raise KeyFileError(f"encrypted key uses {header.get('alg')}/{header.get('enc')}; only {_PBES2_ALG}/A256GCM")
    count = header.get("p2c")
    if not isinstance(count, int) or not 1000 <= count <= 10_000_000:
        raise KeyFileError("encrypted key has an unreasonable PBES2 iteration count")
    try:
        kek = _pbes2_kek(passphrase, multibase.b64url_decode(header["p2s"]), count)
        cek = aes_key_unwrap(kek, multibase.b64url_decode(wrapped))
        plain = AESGCM(cek).decrypt(
            multibase.b64url_decode(iv),
            multibase.b64url_decode(ciphertext) + multibase.b64url_decode(tag),
            protected.encode("ascii"),
        )
    except (InvalidUnwrap, ValueError, KeyError, MalformedError):
        raise KeyFileError("wrong passphrase or corrupted encrypted key") from None
    except Exception as err:  # cryptography raises InvalidTag, which is not a ValueError
        raise KeyFileError("wrong passphrase or corrupted encrypted key") from err
    try:
        result = strict_json.loads(plain)
    except ValueError:
        raise KeyFileError("encrypted key does not hold a JWK") from None
    if not isinstance(result, dict):
        raise KeyFileError("encrypted key does not hold a JWK")
    return result


# --- key directories ------------------------------------------------------------------------------

PRIVATE_JWK = "private.jwk.json"
PRIVATE_JWE = "private.jwk.jwe"
PUBLIC_JWK = "public.jwk.json"
PUBLIC_MULTIKEY = "public.multikey.json"
DID_DOCUMENT = "did.json"


def write_private(path: Path, text: str) -> None:
    """Write a secret file atomically with mode 0600 from the first byte."""
    write_atomic(path, text, mode=0o600)


def write_public(path: Path, data: object) -> None:
    write_atomic(path, json.dumps(data, indent=2) + "\n")


MAX_KEY_BYTES = 64 * 1024  # a private JWK or its JWE is well under 1 KiB; /dev/zero is not a key


def load_key(path: str | os.PathLike[str], *, passphrase: str | None = None) -> KeyPair:
    """Load a signing key from a key directory or from a private JWK (plain or JWE) file."""
    p = Path(path)
    if p.is_dir():
        if (p / PRIVATE_JWK).exists():
            p = p / PRIVATE_JWK
        elif (p / PRIVATE_JWE).exists():
            p = p / PRIVATE_JWE
        else:
            raise KeyFileError(f"{path}: key directory has no {PRIVATE_JWK} or {PRIVATE_JWE}")
    try:
        text = strict_json.read_bounded(p, max_bytes=MAX_KEY_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no such key file or directory") from None
    except (OSError, UnicodeDecodeError, strict_json.StrictJsonError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else err
        raise KeyFileError(f"{path}: cannot read key: {reason}") from None
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            jwk = strict_json.loads(stripped)
        except ValueError as err:
            raise KeyFileError(f"{path}: {strict_json.describe(err)}") from None
    elif stripped.count(".") == 4:
        if passphrase is None:
            raise KeyFileError(f"{path}: key is encrypted; a passphrase is required (BPVC_PASSPHRASE)")
        jwk = decrypt_jwk(stripped, passphrase)
    else:
        raise KeyFileError(f"{path}: not a private JWK or an encrypted JWK")
    try:
        return KeyPair.from_private_jwk(jwk)
    except (MalformedError, KeyFileError) as err:
        raise KeyFileError(f"{path}: {err.detail}") from None
