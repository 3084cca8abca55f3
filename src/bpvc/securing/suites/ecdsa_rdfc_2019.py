"""ecdsa-rdfc-2019: ECDSA P-256 / P-384 over RDFC-1.0 (W3C vc-di-ecdsa §3.3).

With P-384 every hash is SHA-384, including the one inside RDFC-1.0 itself.
"""

from __future__ import annotations

from .base import Cryptosuite


class EcdsaRdfc2019(Cryptosuite):
    name = "ecdsa-rdfc-2019"
    key_types = ("p256", "p384")
    default_key_type = "p256"

    def hash_name(self, key_type: str) -> str:
        return "sha384" if key_type == "p384" else "sha256"
