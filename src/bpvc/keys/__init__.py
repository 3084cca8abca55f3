"""Keys: the signing primitives (Ed25519, P-256, P-384), the Signer a suite calls, and key files on disk."""

from .primitives import KeyPair, PublicKey, Signer, load_key

__all__ = ["KeyPair", "PublicKey", "Signer", "load_key"]
