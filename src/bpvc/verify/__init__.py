"""Verification: the Verifier, its checks, the trust policy and the result it returns."""
