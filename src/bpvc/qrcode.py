"""The passport's QR code (EU Battery Regulation Art. 13(6)): a link to its unique identifier.

Rendering uses segno, a maintained pure-Python QR library that writes SVG and PNG without
an imaging dependency.
"""

from __future__ import annotations

from urllib.parse import quote

from . import data_model as model
from . import strict_json
from .errors import MalformedError
from .errors import ResolverError as ResolverError
from .extras import require
from .securing import jose


def passport_link(credential_text: str, *, resolver: str | None = None) -> str:
    """The link the QR code carries: the credential subject's id, through ``resolver`` when it is a URN."""
    text = credential_text.strip()
    if jose.looks_like_jws(text):
        document = jose.decode(text).payload
    else:
        try:
            document = strict_json.loads(text)
        except ValueError as err:
            raise MalformedError(f"not a credential (JSON or vc+jwt): {strict_json.describe(err)}") from None
        if isinstance(document, dict):
            enveloped = jose.unwrap_envelope(document)
            if enveloped is not None:
                document = jose.decode(enveloped[1]).payload
    if not isinstance(document, dict):
        raise MalformedError("not a credential")
    subject = document.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    identifier = subject.get("id") if isinstance(subject, dict) else None
    if not model.is_url(identifier):
        raise MalformedError(
            "the credential's subject has no identifier to link to", json_path="$.credentialSubject.id"
        )
    assert isinstance(identifier, str)
    if identifier.startswith("https://"):
        return identifier
    if resolver is None:
        raise ResolverError(
            f"the passport identifier {identifier} is not a web link; pass --resolver with the "
            "https URL prefix that resolves it"
        )
    if not resolver.startswith("https://"):
        raise ResolverError("--resolver must be an https URL")
    return resolver.rstrip("/") + "/" + quote(identifier, safe=":")


def render(link: str, path: str, *, scale: int = 8) -> None:
    """Write the QR code for ``link`` as SVG or PNG (by the file's suffix), error correction M."""
    segno = require("segno", "qr")
    segno.make(link, error="m", micro=False).save(path, scale=scale, border=4)
