"""The ``bpvc`` command: a thin layer over the library.

Exit codes (see :mod:`bpvc.cli.fileio`): 0 done; 1 the input was judged and found wanting (not
verified, invalid, refused); 2 the command could not run as asked (usage, a file that cannot be
read or written, a bad configuration file, a registry that cannot be opened). Every failure is
one line, never a traceback. Files are written atomically, so a failed command leaves no
partial output.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from .. import dates, strict_json
from ..errors import BpvcError, KeyFileError, ProofError
from ..fetch import Fetcher
from ..files import terminate_cleanly
from ..issue.present import present as make_presentation
from ..issue.secure import secure_credential
from ..jsonld.contexts import ContextLoader
from ..keys import store as keystore
from ..keys.primitives import DID_DOCUMENT, KEY_TYPES, KeyPair, load_key
from ..securing import jose
from ..securing.suites import SUITES
from ..status.messages import StatusScheme
from ..status.registry import PURPOSES, Registry, RegistryUnavailableError
from ..verify.policy import Policy, load_policy
from ..verify.result import Outcome, VerificationResult
from ..verify.verifier import DEFAULT_CLOCK_SKEW, Verifier
from .fileio import (
    SetupError,
    default_actor,
    fail,
    load_json,
    os_reason,
    prepare_folder,
    read_bytes,
    read_text,
    safe_streams,
    setup_fail,
    write_output,
)

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


def _fail(message: str) -> NoReturn:
    """Invalid input or a refused operation: one line, exit 1."""
    fail(message)


def _files(values: tuple[tuple[str, str, str | None], ...], what: str) -> dict[str, str]:
    """``URL=FILE`` options as a mapping, each file read now as strict JSON (a bad one is a setup error)."""
    for url, path, _ in values:
        load_json(path, f"{what} file for {url}:", config=True)
    return {u: p for u, p, _ in values}


def _contexts(values: tuple[tuple[str, str, str | None], ...]) -> tuple[dict[str, str], dict[str, str]]:
    return _files(values, "context"), {u: pin for u, _, pin in values if pin}


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
    mapping, pins = _contexts(contexts)
    try:
        return ContextLoader(mapping, pins=pins)
    except BpvcError as err:
        setup_fail(err.detail)


def _load_signer(path: str, verification_method: str | None) -> KeyPair:
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


def _did_documents(paths: tuple[str, ...]) -> dict[str, Any]:
    docs = {}
    for path in paths:
        doc = load_json(path, "DID document", config=True)
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
            setup_fail(f"DID document {path}: must be a JSON object with an 'id'")
        docs[doc["id"]] = doc
    return docs


# -- commands -------------------------------------------------------------------------------------


class _Group(click.Group):
    """Turns errors into one line: a key or registry that cannot be used exits 2, other library errors 1.

    Output streams print any text (see :func:`bpvc.cli.fileio.safe_streams`), and SIGTERM unwinds like
    an exception, so temporaries are removed and transactions rolled back.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with terminate_cleanly():
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        safe_streams()
        try:
            return super().invoke(ctx)
        except (KeyFileError, RegistryUnavailableError) as err:
            raise SetupError(err.detail) from None
        except BpvcError as err:
            where = f" (at {err.json_path})" if err.json_path and err.json_path != "$" else ""
            raise click.ClickException(f"{err.detail}{where}") from None
        except BrokenPipeError:  # the reader went away (| head): stop quietly, as a SIGPIPE would
            _silence_stdout()
            raise SystemExit(128 + 13) from None
        except sqlite3.Error as err:  # the registry translates its own; this is the last line of defence
            raise SetupError(f"database error: {err}") from None
        except OSError as err:  # a file the command could not read or write
            where = f"{err.filename}: " if err.filename else ""
            raise SetupError(f"{where}{os_reason(err)}") from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test runner's buffer)
        pass


@click.group(cls=_Group)
@click.version_option(package_name="bpvc")
def main() -> None:
    """Sign and verify battery passport and carbon-footprint credentials (W3C VC 2.0), offline by default."""


@main.group()
def keys() -> None:
    """Create signing keys and their DID documents."""


@keys.command("generate")
@click.option("--type", "key_type", type=click.Choice(KEY_TYPES), default="ed25519", show_default=True)
@click.option("--controller", required=True, help="did:key, or did:web:HOST[:PATH] for a DID document to publish.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Directory to create.")
@click.option(
    "--passphrase",
    is_flag=True,
    help=f"Encrypt the private key at rest; the passphrase is read from {PASSPHRASE_ENV} or prompted.",
)
def keys_generate(key_type: str, controller: str, out: str, passphrase: bool) -> None:
    """Generate a key directory: private JWK (0600), public JWK and Multikey, and did.json for did:web."""
    secret = None
    if passphrase:
        secret = os.environ.get(PASSPHRASE_ENV) or click.prompt("Passphrase", hide_input=True, confirmation_prompt=True)
        if not secret:
            _fail("the passphrase must not be empty")
    keystore.check_controller(controller)  # before any folder is made
    prepare_folder(Path(out).absolute().parent, f"the key directory {out}")
    try:
        key = keystore.generate(Path(out), key_type, controller, passphrase=secret)
    except OSError as err:
        setup_fail(f"cannot create the key directory {out}: {os_reason(err)}")
    click.echo(f"created {out}: {key_type} key {key.verification_method}")
    if controller.startswith("did:web:"):
        click.echo(f"publish {Path(out) / DID_DOCUMENT} at the did:web URL of {controller}")


@keys.command("rotate")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
@click.option("--type", "key_type", type=click.Choice(KEY_TYPES), help="Default: the current key's type.")
def keys_rotate(directory: str, key_type: str | None) -> None:
    """Add a new did:web key and sign with it from now on; the old key stays listed, verify-only."""
    passphrase = os.environ.get(PASSPHRASE_ENV)
    key = keystore.rotate(Path(directory), key_type=key_type, passphrase=passphrase)
    click.echo(f"rotated {directory}: signing key is now {key.verification_method}")
    click.echo(f"publish the updated {Path(directory) / DID_DOCUMENT}")


@keys.command("retire")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
@click.argument("key_id")
def keys_retire(directory: str, key_id: str) -> None:
    """Remove a rotated key from the DID document: credentials it signed stop verifying."""
    keystore.retire(Path(directory), key_id, passphrase=os.environ.get(PASSPHRASE_ENV))
    click.echo(f"retired {key_id}; publish the updated {Path(directory) / DID_DOCUMENT}")


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


@main.group()
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
        _fail(f"credential {unsigned}: must be a JSON object")
    signer = _load_signer(key_path, verification_method)
    signed = _sign(
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
    _emit(signed, out, f"signed {unsigned}")


def _sign(
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
        _fail("the key has no verification method id ('kid'); pass --verification-method")
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


def _emit(result: dict[str, Any] | str, out: str | None, what: str) -> None:
    text = result + "\n" if isinstance(result, str) else json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    if out:
        write_output(out, text)
        click.echo(f"{what} -> {out}", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
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
        _emit(text, out, f"presented {credentials[0]}")
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
    signer = _load_signer(key_path, None)
    vp = make_presentation(
        items,
        signer,
        challenge=challenge,
        domain=domain,
        format=fmt,
        created=created or dates.now_instant(),
        loader=loader,
    )
    _emit(vp, out, f"presented {len(items)} credential(s)")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--did-doc",
    "did_docs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A DID (controller) document to resolve keys from; repeatable.",
)
@click.option("--context", "contexts", type=CONTEXT, multiple=True, help="Allow a context: URL=FILE[#sha256=HEX].")
@click.option("--now", type=INSTANT, help="Verify as of this time (default: now).")
@click.option(
    "--clock-skew",
    type=click.FloatRange(0, 86400),
    help=f"Seconds of tolerance on validity windows (default: the policy's, or {DEFAULT_CLOCK_SKEW:g}).",
)
@click.option("--challenge", help="Expected proof challenge (presentations).")
@click.option("--domain", help="Expected proof domain (presentations).")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="A trust policy (TOML).")
@click.option(
    "--status-list",
    "status_lists",
    type=CONTEXT,
    multiple=True,
    help="A status list credential, offline: URL=FILE (repeatable).",
)
@click.option(
    "--schema",
    "schemas",
    type=CONTEXT,
    multiple=True,
    help="Allow a JSON Schema a credential names: URL=FILE (bpvc's own schemas are bundled).",
)
@click.option(
    "--allow-network",
    is_flag=True,
    help="Resolve did:web over https (public addresses only, with timeouts, size limits and a TTL cache).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify(
    file: str,
    did_docs: tuple[str, ...],
    contexts: tuple[Any, ...],
    now: datetime | None,
    clock_skew: float | None,
    challenge: str | None,
    domain: str | None,
    policy_path: str | None,
    status_lists: tuple[Any, ...],
    schemas: tuple[Any, ...],
    allow_network: bool,
    as_json: bool,
) -> None:
    """Verify a credential or presentation (JSON, or a file holding a compact JWS).

    Exit 0 verified, 1 not verified (invalid or undecided), 2 usage error.
    """
    mapping, pins = _contexts(contexts)
    verifier = build_verifier(
        policy=policy_from(policy_path),
        contexts=mapping,
        context_pins=pins,
        did_documents=_did_documents(did_docs),
        clock_skew=clock_skew,
        fetcher=Fetcher() if allow_network else None,
        schemas=_files(schemas, "schema"),
        status_lists=_files(status_lists, "status list"),
    )
    data = read_bytes(file, "credential")
    result = verifier.verify(data, now=now, challenge=challenge, domain=domain)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _print_result(result)
    sys.exit(0 if result.verified else 1)


def _print_result(result: VerificationResult, indent: str = "") -> None:
    width = max(len(c.name) for c in result.checks)
    if not indent and result.document is not None:  # what the document is: a credential or a presentation
        click.echo(f"{'kind'.ljust(width)}  {result.kind}")
    for check in result.checks:
        line = f"{indent}{check.name.ljust(width)}  {check.outcome.value}"
        reasons = [
            f"{p.type.rsplit('#', 1)[-1]}: {p.detail}" + (f" [{p.json_path}]" if p.json_path else "")
            for p in check.problems
        ]
        if reasons:
            line += "  " + reasons[0]
        elif check.detail and check.outcome is not Outcome.PASSED:
            line += f"  ({check.detail})"
        click.echo(line)
        for reason in reasons[1:]:
            click.echo(f"{indent}{' ' * width}  {' ' * len(check.outcome.value)}  {reason}")
        for warning in check.warnings:  # do not change the outcome, but a reader must see them (replay, say)
            where = f" [{warning.json_path}]" if warning.json_path else ""
            click.echo(f"{indent}{' ' * width}  warning: {warning.detail}{where}")
    if result.disclosed is not None:
        click.echo(f"{indent}disclosed  {', '.join(result.disclosed) or 'nothing selectively disclosable'}")
    for i, cred in enumerate(result.credentials):
        click.echo(f"{indent}credential {i}:")
        _print_result(cred, indent + "  ")
    if not indent:
        verdict = (
            "VERIFIED"
            if result.verified
            else ("NOT VERIFIED (invalid)" if result.invalid else "NOT VERIFIED (could not be decided)")
        )
        click.echo(verdict)


@main.group()
def contexts() -> None:
    """The JSON-LD contexts bpvc serves offline."""


@contexts.command("list")
@click.option("--context", "extra", type=CONTEXT, multiple=True, help="Also list a caller context: URL=FILE.")
@click.option("--json", "as_json", is_flag=True)
def contexts_list(extra: tuple[Any, ...], as_json: bool) -> None:
    """Each known context URL with its SHA-256 and file."""
    entries = context_loader(extra).entries()
    if as_json:
        click.echo(json.dumps([{"url": e.url, "sha256": e.sha256, "path": e.path} for e in entries], indent=2))
        return
    for e in entries:
        click.echo(f"{e.url}\n    sha256 {e.sha256}  ({e.source}) {e.path}")


# The record commands (validate, issue passport|footprint, schema, qr) register themselves on the groups above.
from . import audit as cli_audit  # noqa: E402,F401
from . import cf as cli_cf  # noqa: E402
from . import export as cli_export  # noqa: E402
from . import policy as cli_policy  # noqa: E402
from . import records as cli_records  # noqa: E402,F401
from . import serve as cli_serve  # noqa: E402,F401
from . import status as cli_status  # noqa: E402,F401
from . import view as cli_view  # noqa: E402

main.add_command(cli_view.view)
main.add_command(cli_policy.policy)
main.add_command(cli_export.export)
main.add_command(cli_cf.cf)  # type: ignore[has-type]  # until the cli cycle is gone

if __name__ == "__main__":  # pragma: no cover
    main()
