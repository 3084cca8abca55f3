"""Revocation and suspension: Bitstring Status Lists (and StatusList2021 on input), the issuer registry,
and the verifier's status check."""
