"""Presentations: a holder wraps credentials and proves control with a challenge and domain.

Data Integrity presentations carry an ``authentication`` proof with ``challenge`` and
``domain``; ``vp+jwt`` presentations carry the credentials as EnvelopedVerifiableCredentials
and bind the challenge and domain through the ``nonce`` and ``aud`` claims.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ..errors import MalformedError
from ..jsonld.contexts import CREDENTIALS_V2, ContextLoader, default_loader
from ..keys.primitives import Signer
from ..securing import jose
from ..securing.data_integrity import add_proof

Credential = dict[str, Any] | str  # a JSON credential or a compact JWS


def build(credentials: list[Credential], holder: str, *, envelope_all: bool = False) -> dict[str, Any]:
    """An unsigned presentation; JWS credentials (and all of them with ``envelope_all``) are enveloped."""
    embedded = []
    for i, cred in enumerate(credentials):
        if isinstance(cred, str):
            embedded.append(jose.envelope(cred))
        elif isinstance(cred, dict):
            if envelope_all and jose.unwrap_envelope(cred) is None:
                raise MalformedError(f"credential {i} is JSON; a vp+jwt carries only enveloped (vc+jwt) credentials")
            embedded.append(cred)
        else:
            raise MalformedError(f"credential {i} must be a JSON object or a compact JWS")
    return {
        "@context": [CREDENTIALS_V2],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": embedded,
    }


def present(
    credentials: list[Credential],
    signer: Signer,
    *,
    challenge: str,
    domain: str,
    format: str = "di",
    created: datetime | str | None = None,
    loader: ContextLoader | None = None,
) -> dict[str, Any] | str:
    """Sign a presentation of ``credentials`` as the key's controller (the holder)."""
    if not challenge or not domain:
        raise MalformedError("a presentation needs a challenge and a domain")
    holder = signer.verification_method.split("#", 1)[0]
    if format == "jwt":
        vp = build(credentials, holder, envelope_all=True)
        return jose.sign(vp, signer, media="vp", claims={"nonce": challenge, "aud": domain})
    if format != "di":
        raise MalformedError(f"unknown presentation format {format!r} (di or jwt)")
    vp = build(credentials, holder)
    return add_proof(
        vp,
        signer,
        loader=loader or default_loader(),
        purpose="authentication",
        created=created,
        challenge=challenge,
        domain=domain,
    )
