"""eddsa-rdfc-2022: Ed25519 over RDFC-1.0 with SHA-256 (W3C vc-di-eddsa §3.3)."""

from __future__ import annotations

from .base import Cryptosuite


class EddsaRdfc2022(Cryptosuite):
    name = "eddsa-rdfc-2022"
    key_types = ("ed25519",)
    default_key_type = "ed25519"
