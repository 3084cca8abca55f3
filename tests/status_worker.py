"""A separate process that issues credentials through a registry (used by the concurrency and crash tests).

usage: python status_worker.py LOCATION COUNT OUT_FILE [revoke]
Writes one JSON line per credential *after* the registry committed it: {"id", "entries": [[list, index], ...]};
with "revoke" it also revokes each credential right after issuing it and writes {"revoked": id} after that commit.
"""

from __future__ import annotations

import json
import sys
import uuid

from bpvc.keys.primitives import KeyPair
from bpvc.securing import jose
from bpvc.status.registry import Registry

BASE = "https://status.battery-maker.example/lists"


def main() -> None:
    location, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    revoke = len(sys.argv) > 4 and sys.argv[4] == "revoke"
    key = KeyPair.generate("ed25519", "did:web:battery-maker.example#key-1")
    template = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": key.controller,
        "credentialSubject": {"id": "did:example:battery"},
    }
    with Registry(location) as registry, open(out, "a", encoding="utf-8", buffering=1) as log:
        for _ in range(count):
            credential = dict(template, id=f"urn:uuid:{uuid.uuid4()}")
            signed = registry.issue(
                credential, purposes=["revocation"], status_base=BASE, sign=lambda d: jose.sign(d, key)
            )
            status = jose.decode(str(signed)).payload["credentialStatus"]
            log.write(
                json.dumps(
                    {
                        "id": credential["id"],
                        "entries": [[status["statusListCredential"], int(status["statusListIndex"])]],
                    }
                )
                + "\n"
            )
            if revoke:
                registry.set_status(credential["id"], "revoke")
                log.write(json.dumps({"revoked": credential["id"]}) + "\n")


if __name__ == "__main__":
    main()
