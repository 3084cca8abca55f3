"""The SD-JWT VC side of ``bpvc issue passport|footprint --format sd-jwt`` and ``bpvc present SD-JWT``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from .. import dates, strict_json
from ..crossborder.views import is_export
from ..errors import MalformedError
from ..keys.primitives import PUBLIC_JWK, KeyPair, PublicKey
from ..records import MODELS_BY_SCHEMA
from ..sd_jwt.vc import issue_credential_sd_jwt, present_credential
from .common import StatusRequest, issue_with_status, load_signer
from .fileio import fail, read_text
from .records import load_classification


def holder_jwk(path: str) -> dict[str, Any]:
    """The holder's public JWK for ``cnf``: a key directory, or a (public or private) JWK file."""
    p = Path(path)
    target = p / PUBLIC_JWK if p.is_dir() else p
    try:
        jwk = strict_json.load_file(target, max_bytes=64 * 1024)
    except FileNotFoundError:
        raise click.BadParameter(f"{target}: no such file", param_hint="--holder-key") from None
    except (OSError, ValueError) as err:
        raise click.BadParameter(f"{target}: not a JWK file: {err}", param_hint="--holder-key") from None
    try:
        return PublicKey.from_jwk(jwk).jwk()
    except MalformedError as err:
        raise click.BadParameter(f"{target}: {err.detail}", param_hint="--holder-key") from None


def sign_sd_jwt(
    unsigned: dict[str, Any],
    signer: KeyPair,
    *,
    holder_key: str | None,
    classification_path: str | None,
    created: datetime | None,
    status: StatusRequest | None,
    key_path: str,
) -> str:
    """Issue a record credential as an SD-JWT VC (with status entries in the registry when asked)."""
    schema = unsigned.get("credentialSchema")
    record_model = MODELS_BY_SCHEMA[schema["id"] if isinstance(schema, dict) else ""]
    table = load_classification(record_model.kind, record_model.schema_id, classification_path)
    cnf = holder_jwk(holder_key) if holder_key else None
    iat = created or dates.now_instant()

    def secure(document: dict[str, Any]) -> str:
        return issue_credential_sd_jwt(document, signer, table, iat=iat, holder_jwk=cnf)

    signed = issue_with_status(unsigned, secure, status, key_path)
    assert isinstance(signed, str)
    return signed


def present_sd_jwt(
    text: str,
    *,
    disclose: tuple[str, ...],
    tier: str | None,
    export_to: str | None,
    holder_key: str | None,
    audience: str | None,
    nonce: str | None,
    iat: datetime | None,
    classification_path: str | None,
) -> str:
    """Keep the disclosures asked for (paths, or a tier's fields), then bind to the holder's key if given."""
    if bool(disclose) == bool(tier):
        raise click.UsageError("give either --disclose PATH (repeatable) or --tier, not both")
    if export_to and not tier:
        raise click.UsageError("--export-to goes with --tier")
    if holder_key and not (audience and nonce):
        raise click.UsageError("key binding (--holder-key) needs --aud and --nonce")
    if (audience or nonce) and not holder_key:
        raise click.UsageError("--aud and --nonce go into the key-binding JWT: give --holder-key")
    from ..sd_jwt.compact import SdJwt
    from ..sd_jwt.vc import MODELS_BY_VCT
    from ..securing.jose import decode

    table = None
    if tier:
        vct = decode(SdJwt.parse(text).jwt).payload.get("vct")
        record_model = MODELS_BY_VCT.get(str(vct))
        if record_model is None:
            fail(f"vct {vct!r} is not a bpvc record type: present it with --disclose PATH")
        table = load_classification(record_model.kind, record_model.schema_id, classification_path)
    holder = load_signer(holder_key, None) if holder_key else None
    return present_credential(
        text,
        disclose=disclose or None,
        tier=tier,
        export=is_export(export_to),
        classification=table,
        holder=holder,
        audience=audience,
        nonce=nonce,
        iat=iat or dates.now_instant(),
    )


def read_sd_jwt(path: str) -> str | None:
    """The SD-JWT in ``path``, or None when the file holds something else (JSON, a plain JWS)."""
    from ..sd_jwt.compact import looks_like_sd_jwt

    text = read_text(path, "credential").strip()  # bounded; missing or unreadable exits 2
    return text if looks_like_sd_jwt(text) else None
