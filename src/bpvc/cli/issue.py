"""``bpvc issue credential`` (sign any VCDM document) and ``bpvc present`` (a holder's presentation).

``issue passport`` and ``issue footprint`` are in :mod:`bpvc.cli.records`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from .. import dates
from ..issue.present import present as make_presentation
from ..securing import jose
from ..securing.suites import SUITES
from .common import CONTEXT, INSTANT, StatusRequest, context_loader, emit, load_signer, sign_document, status_options
from .fileio import fail, load_json, read_text


@click.group()
def issue() -> None:
    """Sign credentials."""


@issue.command("credential")
@click.argument("unsigned", type=click.Path(dir_okay=False))
@click.option("--key", "key_path", required=True, help="Key directory or private JWK file.")
@click.option("--suite", type=click.Choice(sorted(SUITES)), help="Default: follows the key type.")
@click.option("--verification-method", help="Sign for this verification method id instead of the key's own.")
@click.option("--created", type=INSTANT, help="The proof's created time (default: now).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["di", "jwt"]),
    default="di",
    show_default=True,
    help="di: embedded Data Integrity proof; jwt: vc+jwt (VC-JOSE).",
)
@click.option("--envelope", is_flag=True, help="With --format jwt: write an EnvelopedVerifiableCredential (UNTP).")
@click.option("--context", "contexts", type=CONTEXT, multiple=True, help="Allow a context: URL=FILE[#sha256=HEX].")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@status_options
def issue_credential_cmd(
    unsigned: str,
    key_path: str,
    suite: str | None,
    verification_method: str | None,
    created: datetime | None,
    fmt: str,
    envelope: bool,
    contexts: tuple[Any, ...],
    out: str | None,
    status: StatusRequest | None,
) -> None:
    """Sign any VCDM document: a Data Integrity proof or a vc+jwt; nothing else is added."""
    if envelope and fmt != "jwt":
        raise click.UsageError("--envelope needs --format jwt")
    loader = context_loader(contexts)
    document = load_json(unsigned, "credential", config=False)
    if not isinstance(document, dict):
        fail(f"credential {unsigned}: must be a JSON object")
    signer = load_signer(key_path, verification_method)
    signed = sign_document(
        document,
        signer,
        fmt=fmt,
        suite=suite,
        created=created,
        envelope=envelope,
        loader=loader,
        status=status,
        key_path=key_path,
    )
    emit(signed, out, f"signed {unsigned}")


@click.command()
@click.argument("credentials", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--key", "--holder-key", "key_path", help="The holder's key directory or private JWK file.")
@click.option("--challenge", "--nonce", "challenge", help="The verifier's challenge (nonce).")
@click.option("--domain", "--aud", "domain", help="The verifier's domain (audience).")
@click.option("--format", "fmt", type=click.Choice(["di", "jwt"]), default="di", show_default=True)
@click.option("--created", type=INSTANT, help="The proof's created time (default: now).")
@click.option("--context", "contexts", type=CONTEXT, multiple=True, help="Allow a context: URL=FILE[#sha256=HEX].")
@click.option("--disclose", multiple=True, help="SD-JWT: a record path to disclose (repeatable).")
@click.option(
    "--tier",
    type=click.Choice(["public", "legitimate-interest", "authorities"]),
    help="SD-JWT: disclose what this Annex XIII audience may see.",
)
@click.option("--export-to", help="SD-JWT with --tier: the recipient's jurisdiction; apply the export actions.")
@click.option("--classification", "classification_path", type=click.Path(dir_okay=False), help="SD-JWT: own file.")
@click.option("--iat", type=INSTANT, help="SD-JWT: the key-binding JWT's time (default: now).")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
def present(
    credentials: tuple[str, ...],
    key_path: str | None,
    challenge: str | None,
    domain: str | None,
    fmt: str,
    created: datetime | None,
    contexts: tuple[Any, ...],
    disclose: tuple[str, ...],
    tier: str | None,
    export_to: str | None,
    classification_path: str | None,
    iat: datetime | None,
    out: str | None,
) -> None:
    """Wrap credentials (JSON or vc+jwt files) in a presentation signed by the holder; or present an SD-JWT VC."""
    from .sdjwt import present_sd_jwt, read_sd_jwt

    sd_jwt = read_sd_jwt(credentials[0]) if len(credentials) == 1 else None
    if sd_jwt is not None:
        text = present_sd_jwt(
            sd_jwt,
            disclose=disclose,
            tier=tier,
            export_to=export_to,
            holder_key=key_path,
            audience=domain,
            nonce=challenge,
            iat=iat,
            classification_path=classification_path,
        )
        emit(text, out, f"presented {credentials[0]}")
        return
    if disclose or tier or export_to or classification_path or iat:
        raise click.UsageError("--disclose, --tier, --export-to, --classification and --iat are for an SD-JWT VC")
    if not (key_path and challenge and domain):
        raise click.UsageError("a presentation needs --key, --challenge and --domain")
    loader = context_loader(contexts)
    items: list[dict[str, Any] | str] = []
    for path in credentials:
        text = read_text(path, "credential").strip()
        items.append(text if jose.looks_like_jws(text) else load_json(path, "credential", config=False))
    signer = load_signer(key_path, None)
    vp = make_presentation(
        items,
        signer,
        challenge=challenge,
        domain=domain,
        format=fmt,
        created=created or dates.now_instant(),
        loader=loader,
    )
    emit(vp, out, f"presented {len(items)} credential(s)")
