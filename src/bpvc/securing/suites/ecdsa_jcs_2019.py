"""ecdsa-jcs-2019: ECDSA P-256 / P-384 over JCS (RFC 8785) (W3C vc-di-ecdsa §3.3).

Both hashes are SHA-256 with P-256 and SHA-384 with P-384.
"""

from __future__ import annotations

from .jcs import JcsCryptosuite


class EcdsaJcs2019(JcsCryptosuite):
    name = "ecdsa-jcs-2019"
    key_types = ("p256", "p384")
    default_key_type = "p256"

    def hash_name(self, key_type: str) -> str:
        return "sha384" if key_type == "p384" else "sha256"
