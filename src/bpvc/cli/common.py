"""What the command modules share: parameter types, option sets, key, registry and DID document loading.

Nothing here defines a command; each command group lives in the module named for it and
:mod:`bpvc.cli.main` puts them together.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from .. import dates, strict_json
from ..errors import BpvcError, KeyFileError, ProofError
from ..issue.secure import secure_credential
from ..jsonld.contexts import ContextLoader
from ..keys.primitives import KeyPair, load_key
from ..securing.suites import SUITES
from ..status.messages import StatusScheme
from ..status.registry import PURPOSES, Registry
from ..verify.policy import Policy, load_policy
from ..verify.verifier import Verifier
from .fileio import default_actor, fail, load_json, os_reason, read_text, setup_fail, write_output

PASSPHRASE_ENV = "BPVC_PASSPHRASE"


# -- parameter types ------------------------------------------------------------------------------


class ContextMapping(click.ParamType):  # type: ignore[type-arg,unused-ignore]
    """``URL=FILE`` or ``URL=FILE#sha256=HEX``: a context the caller allows, optionally pinned."""

    name = "URL=FILE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, str, str | None]:
        if isinstance(value, tuple):
            return value
        url, sep, rest = str(value).partition("=")
        if not sep or not url or not rest:
            self.fail(f"{value!r} is not URL=FILE", param, ctx)
        path, _, pin = rest.partition("#sha256=")
        if not Path(path).is_file():
            self.fail(f"context file {path!r} does not exist", param, ctx)
        return url, path, (pin or None)


class Instant(click.ParamType):  # type: ignore[type-arg,unused-ignore]
    """An XML Schema dateTimeStamp such as 2026-01-01T00:00:00Z."""

    name = "ISO-DATETIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            seconds = dates.parse(str(value), field="time")
            return datetime.fromtimestamp(float(seconds), tz=UTC)
        except (BpvcError, OverflowError, ValueError, OSError) as err:
            self.fail(getattr(err, "detail", str(err)), param, ctx)


CONTEXT = ContextMapping()
INSTANT = Instant()


def url_files(values: tuple[tuple[str, str, str | None], ...], what: str) -> dict[str, str]:
    """``URL=FILE`` options as a mapping, each file read now as strict JSON (a bad one is a setup error)."""
    for url, path, _ in values:
        load_json(path, f"{what} file for {url}:", config=True)
    return {u: p for u, p, _ in values}


def contexts_and_pins(values: tuple[tuple[str, str, str | None], ...]) -> tuple[dict[str, str], dict[str, str]]:
    return url_files(values, "context"), {u: pin for u, _, pin in values if pin}


def policy_from(path: str | None) -> Policy | None:
    """The trust policy file, if one is given; a file that is not an acceptable policy is a setup error."""
    if path is None:
        return None
    try:
        return load_policy(path)
    except BpvcError as err:
        setup_fail(err.detail)


def build_verifier(**options: Any) -> Verifier:
    """A Verifier from command-line configuration; a configuration it refuses is a setup error (exit 2)."""
    try:
        return Verifier(**options)
    except BpvcError as err:
        setup_fail(err.detail)
    except ValueError as err:
        setup_fail(f"cannot build the verifier: {err}")


def context_loader(contexts: tuple[tuple[str, str, str | None], ...]) -> ContextLoader:
    mapping, pins = contexts_and_pins(contexts)
    try:
        return ContextLoader(mapping, pins=pins)
    except BpvcError as err:
        setup_fail(err.detail)


def load_signer(path: str, verification_method: str | None) -> KeyPair:
    """The signing key (a key that cannot be loaded is a setup error: exit 2)."""
    passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        return _with_vm(load_key(path, passphrase=passphrase), verification_method)
    except KeyFileError as err:
        if passphrase is None and "passphrase is required" in err.detail and sys.stdin.isatty():
            passphrase = click.prompt("Key passphrase", hide_input=True)
            return _with_vm(load_key(path, passphrase=passphrase), verification_method)
        raise
    except OSError as err:
        setup_fail(f"key {path}: {os_reason(err)}")


def _with_vm(key: KeyPair, verification_method: str | None) -> KeyPair:
    return key.with_verification_method(verification_method) if verification_method else key


def did_documents(paths: tuple[str, ...]) -> dict[str, Any]:
    docs = {}
    for path in paths:
        doc = load_json(path, "DID document", config=True)
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
            setup_fail(f"DID document {path}: must be a JSON object with an 'id'")
        docs[doc["id"]] = doc
    return docs


@dataclass(frozen=True)
class StatusRequest:
    """``--status``, ``--registry`` and ``--status-base`` together."""

    purposes: list[str]
    registry: str | None
    base: str
    supersede: bool = False
    scheme: StatusScheme | None = None  # the message purpose's statusSize, messages and references


def status_options(f: Any) -> Any:
    """The options that give an issued credential status entries in the issuer registry."""
    f = click.option("--status", "status_purposes", help="Add status list entries: revocation[,suspension][,message].")(
        f
    )
    f = click.option(
        "--status-size", type=click.IntRange(1, 8), help="With --status message: bits per entry (statusSize)."
    )(f)
    f = click.option(
        "--status-message",
        "status_message_file",
        help="With --status message: a JSON list of {status: '0x..', message}, one per value (2^size).",
    )(f)
    f = click.option(
        "--status-reference", multiple=True, help="With --status message: a URL explaining the values (repeatable)."
    )(f)
    f = click.option(
        "--registry",
        help="Issuer registry: a SQLite file or a postgresql:// URL (default: registry.sqlite beside the key).",
    )(f)
    f = click.option("--status-base", help="The https URL under which the status lists are published.")(f)
    f = click.option(
        "--supersede", is_flag=True, help="With --status: revoke the passport's active credential in the same step."
    )(f)

    def wrapper(
        *args: Any,
        status_purposes: str | None,
        registry: str | None,
        status_base: str | None,
        supersede: bool,
        status_size: int | None,
        status_message_file: str | None,
        status_reference: tuple[str, ...],
        **kwargs: Any,
    ) -> Any:
        request = None
        scheme_given = status_size is not None or status_message_file is not None or status_reference
        if status_purposes:
            if not status_base:
                raise click.UsageError("--status needs --status-base (where the lists will be published)")
            purposes = [p.strip() for p in status_purposes.split(",") if p.strip()]
            unknown = [p for p in purposes if p not in PURPOSES]
            if unknown or not purposes:
                raise click.UsageError(
                    f"--status takes {' and/or '.join(PURPOSES)}, comma-separated (got {status_purposes!r})"
                )
            if not status_base.startswith("https://"):
                raise click.UsageError(f"--status-base must be an https URL (got {status_base!r})")
            scheme = None
            if "message" in purposes:
                scheme = _status_scheme(status_size, status_message_file, status_reference)
            elif scheme_given:
                raise click.UsageError(
                    "--status-size, --status-message and --status-reference go with --status message"
                )
            request = StatusRequest(purposes, registry, status_base, supersede, scheme)
        elif registry or status_base or supersede or scheme_given:
            raise click.UsageError("--registry, --status-base, --supersede and --status-size go with --status")
        return f(*args, status=request, **kwargs)

    return functools.update_wrapper(wrapper, f)


def _status_scheme(size: int | None, message_file: str | None, references: tuple[str, ...]) -> StatusScheme:
    """``--status-size``, ``--status-message FILE`` and ``--status-reference`` as one checked scheme."""
    if size is None or message_file is None:
        raise click.UsageError("--status message needs --status-size N and --status-message FILE")
    text = read_text(message_file, "status messages", config=True)
    try:
        messages = strict_json.loads(text)
    except ValueError as err:
        raise click.UsageError(f"--status-message {message_file}: {strict_json.describe(err)}") from None
    try:
        return StatusScheme.from_json(size, messages, references)
    except BpvcError as err:
        where = f" at {err.json_path}" if err.json_path else ""
        raise click.UsageError(f"--status-message {message_file}{where}: {err.detail}") from None


def registry_location(registry: str | None, key_path: str | None) -> str:
    """The registry the user named, or ``registry.sqlite`` beside the key."""
    if registry:
        return registry
    if key_path is None:
        raise click.UsageError("--registry is required")
    key = Path(key_path)
    return str((key if key.is_dir() else key.parent) / "registry.sqlite")


def sign_document(
    document: dict[str, Any],
    signer: KeyPair,
    *,
    fmt: str,
    suite: str | None,
    created: datetime | None,
    envelope: bool,
    loader: ContextLoader,
    status: StatusRequest | None = None,
    key_path: str | None = None,
) -> dict[str, Any] | str:
    """Secure a document; with ``status``, allocate entries and record it in the registry in one transaction."""
    if not signer.verification_method:
        fail("the key has no verification method id ('kid'); pass --verification-method")
    if fmt == "jwt" and suite:
        raise click.UsageError("--suite applies to --format di only")
    if suite:
        try:
            SUITES[suite].check_key(signer.key_type)
        except ProofError as err:
            raise click.UsageError(f"--suite: {err.detail}") from None

    def secure(doc: dict[str, Any]) -> dict[str, Any] | str:
        return secure_credential(
            doc,
            signer,
            fmt=fmt,
            cryptosuite=suite,
            created=created or dates.now_instant(),
            envelope=envelope,
            loader=loader,
        )

    return issue_with_status(document, secure, status, key_path)


def issue_with_status(
    document: dict[str, Any],
    secure: Callable[[dict[str, Any]], dict[str, Any] | str],
    status: StatusRequest | None,
    key_path: str | None,
) -> dict[str, Any] | str:
    """``secure(document)``; with ``status``, allocate entries and record it in the registry in one transaction."""
    if status is None:
        return secure(document)
    with issuing_registry(registry_location(status.registry, key_path)) as registry:
        return registry.issue(
            document,
            purposes=status.purposes,
            status_base=status.base,
            sign=secure,
            supersede=status.supersede,
            scheme=status.scheme,
            actor=default_actor(),
            warn=lambda message: click.echo(f"warning: {message}", err=True),
        )


@contextmanager
def issuing_registry(location: str) -> Iterator[Registry]:
    """The registry an issue with ``--status`` records into, created if needed (in an existing folder).

    A SQLite registry made here for a credential that then is not issued is removed again, so a
    refused issue leaves no file behind.
    """
    new_file = None if location.startswith(("postgresql://", "postgres://")) or Path(location).exists() else location
    try:
        with Registry(location, create=True) as registry:
            yield registry
    except BaseException:
        if new_file is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(new_file + suffix).unlink(missing_ok=True)
        raise


def emit(result: dict[str, Any] | str, out: str | None, what: str) -> None:
    text = result + "\n" if isinstance(result, str) else json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    if out:
        write_output(out, text)
        click.echo(f"{what} -> {out}", err=True)
    else:
        click.echo(text, nl=False)
