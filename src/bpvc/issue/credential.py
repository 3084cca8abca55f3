"""Issuing: check a credential against the data model and safe-mode JSON-LD, then sign it.

The issuer adds nothing but the proof. A document the verifier would refuse is refused
here, before any signature exists.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .. import data_model as model
from .. import strict_json
from ..errors import BpvcError, MalformedError
from ..errors import InvalidDocumentError as InvalidDocumentError
from ..jsonld.canonicalize import canonicalize
from ..jsonld.contexts import ContextLoader, default_loader
from ..keys.primitives import Signer
from ..securing import jose
from ..securing.data_integrity import add_proof


def _problems(document: dict[str, Any]) -> list[BpvcError]:
    """Data-model problems, after making sure the document is JSON a verifier will accept at all."""
    try:
        strict_json.loads(json.dumps(document, allow_nan=False, ensure_ascii=False))
    except (ValueError, TypeError, RecursionError) as err:
        return [MalformedError(f"the document is not JSON bpvc can sign: {err}", json_path="$")]
    return model.check_credential(document)


def issue_credential(
    document: dict[str, Any],
    signer: Signer,
    *,
    loader: ContextLoader | None = None,
    cryptosuite: str | None = None,
    created: datetime | str | None = None,
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
) -> dict[str, Any]:
    """Return ``document`` with a Data Integrity proof (``assertionMethod``) by ``signer``."""
    problems = _problems(document)
    if problems:
        raise InvalidDocumentError(problems)
    return add_proof(
        document,
        signer,
        loader=loader or default_loader(),
        cryptosuite=cryptosuite,
        purpose="assertionMethod",
        created=created,
        proof_id=proof_id,
        previous_proof=previous_proof,
    )


def issue_credential_jwt(
    document: dict[str, Any],
    signer: Signer,
    *,
    loader: ContextLoader | None = None,
    envelope: bool = False,
) -> str | dict[str, Any]:
    """Secure ``document`` as a ``vc+jwt``; with ``envelope`` wrap it as an EnvelopedVerifiableCredential."""
    problems = _problems(document)
    if problems:
        raise InvalidDocumentError(problems)
    canonicalize(document, loader=loader or default_loader())  # safe mode: refuse what would be dropped
    token = jose.sign(document, signer, media="vc")
    return jose.envelope(token) if envelope else token


__all__ = ["InvalidDocumentError", "issue_credential", "issue_credential_jwt"]
