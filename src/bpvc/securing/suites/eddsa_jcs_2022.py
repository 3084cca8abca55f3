"""eddsa-jcs-2022: Ed25519 over JCS (RFC 8785) with SHA-256 (W3C vc-di-eddsa §3.3)."""

from __future__ import annotations

from .jcs import JcsCryptosuite


class EddsaJcs2022(JcsCryptosuite):
    name = "eddsa-jcs-2022"
    key_types = ("ed25519",)
    default_key_type = "ed25519"
