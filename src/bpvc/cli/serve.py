"""``bpvc serve``: run the HTTP service (:mod:`bpvc.server.app`) under uvicorn.

Verification is always on. Issuing needs ``--issuer-key`` and a bearer token, which is read
from an environment variable (``--token-env``, default ``BPVC_TOKEN``) and never from the
command line, where other users of the machine could read it in the process list.

A configuration the service cannot start with (a bad policy, DID document or context file, a
missing token, a registry that does not exist or cannot be opened) exits 2 before listening.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

import click

from ..errors import BpvcError, MissingExtraError
from ..extras import require
from ..fetch import Fetcher
from ..server import DEFAULT_MAX_BODY_BYTES
from ..server.passport_page import load_passports
from ..status.checker import StatusChecker
from ..status.registry import Registry
from ..status.service import RegistryStatusService
from .common import CONTEXT, build_verifier, contexts_and_pins, did_documents, load_signer, policy_from, url_files
from .fileio import setup_fail

DEFAULT_TOKEN_ENV = "BPVC_TOKEN"
MIN_TOKEN_LENGTH = 16
# Idle keep-alive connections stay open longer than clients and proxies keep theirs (httpx: 5 s, nginx: 75 s
# upstream), so the server never closes one just as a client sends a request on it (a reset POST is lost).
KEEP_ALIVE_SECONDS = 90


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _logging_config() -> dict[str, Any]:
    """Access lines as bare JSON on stdout; everything else with time and level on stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"format": "%(message)s"},
            "default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "access": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
            "default": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "bpvc.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "bpvc": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
    }


@click.command("serve")
@click.option("--policy", type=click.Path(dir_okay=False), help="A trust policy (TOML), as for bpvc verify.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--did-doc",
    "did_docs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A DID (controller) document to resolve keys from; repeatable.",
)
@click.option("--context", "contexts", type=CONTEXT, multiple=True, help="Allow a context: URL=FILE[#sha256=HEX].")
@click.option(
    "--issuer-key", help="Key directory or private JWK file: enables POST /credentials/issue (needs the token)."
)
@click.option(
    "--token-env",
    default=DEFAULT_TOKEN_ENV,
    show_default=True,
    help="Environment variable holding the bearer token for issue and status.",
)
@click.option(
    "--registry",
    help="Issuer registry (SQLite file or postgresql:// URL): enables POST /credentials/status and "
    "GET /status-lists/{id} (needs --issuer-key and the token).",
)
@click.option("--status-base", help="The https URL the status lists are served under (with --registry).")
@click.option(
    "--create-registry",
    is_flag=True,
    help="Create the --registry if it does not exist yet (in an existing folder); otherwise it must exist.",
)
@click.option(
    "--status-list",
    "status_lists",
    type=CONTEXT,
    multiple=True,
    help="A status list credential, offline: URL=FILE (repeatable). With --registry the service's own "
    "lists are read from the registry.",
)
@click.option(
    "--allow-network",
    is_flag=True,
    help="Resolve did:web and fetch status lists over https (public addresses only, bounded, cached).",
)
@click.option(
    "--passports",
    type=click.Path(file_okay=False),
    help="A folder of signed passport credentials (*.json, *.jwt): serves GET /passports/{identifier} "
    "(the credential, or the public page for browsers).",
)
@click.option(
    "--max-body",
    type=click.IntRange(1, 64 << 20),
    default=DEFAULT_MAX_BODY_BYTES,
    show_default=True,
    help="Largest request body in bytes.",
)
def serve(
    policy: str | None,
    host: str,
    port: int,
    did_docs: tuple[str, ...],
    contexts: tuple[Any, ...],
    issuer_key: str | None,
    token_env: str,
    registry: str | None,
    status_base: str | None,
    create_registry: bool,
    status_lists: tuple[Any, ...],
    allow_network: bool,
    max_body: int,
    passports: str | None,
) -> None:
    """Serve the W3C VC API: verify credentials and presentations; issue with --issuer-key."""
    try:
        app = require("bpvc.server.app", "server")
        require("uvicorn", "server")
    except MissingExtraError as err:
        setup_fail(err.detail)
    if registry and (not issuer_key or not status_base):
        raise click.UsageError("--registry needs --issuer-key (to sign the lists) and --status-base")
    if create_registry and not registry:
        raise click.UsageError("--create-registry goes with --registry")
    mapping, pins = contexts_and_pins(contexts)
    trust = policy_from(policy)
    token = os.environ.get(token_env, "").strip() or None
    signer = None
    if issuer_key:
        if token is None:
            setup_fail(f"--issuer-key needs a bearer token in the environment variable {token_env}; refusing to start")
        if len(token) < MIN_TOKEN_LENGTH:
            setup_fail(f"the token in {token_env} is shorter than {MIN_TOKEN_LENGTH} characters; use a long random one")
        signer = load_signer(issuer_key, None)
        if not signer.verification_method:
            setup_fail("the issuer key has no verification method id ('kid')")
    status = None
    if registry and signer is not None and status_base:
        status = RegistryStatusService(Registry(registry, create=create_registry), signer, status_base)
    fetcher = Fetcher() if allow_network else None
    # the service decides the status of what it issued: its own lists come straight from its registry
    checker = StatusChecker(
        lists=url_files(status_lists, "status list"),
        source=status.list_for_url if status is not None else None,
        fetcher=fetcher,
        trusted_list_issuers=trust.trusted_status_issuers if trust is not None else frozenset(),
    )
    verifier = build_verifier(
        policy=trust,
        contexts=mapping,
        context_pins=pins,
        did_documents=did_documents(did_docs),
        fetcher=fetcher,
        status_checker=checker,
    )
    try:
        held = load_passports(passports) if passports else None
    except BpvcError as err:
        setup_fail(f"--passports: {err.detail}")
    config = app.ServerConfig(
        verifier=verifier,
        issuer=signer,
        token=token if signer else None,
        status=status,
        max_body_bytes=max_body,
        passports=held,
    )
    if not _is_loopback(host):
        click.echo(
            f"warning: listening on {host} over plain HTTP; put a TLS proxy in front before the bearer token "
            "or any credential crosses a network",
            err=True,
        )
    enabled = (
        "verify"
        + (f", issue as {signer.verification_method}" if signer else "")
        + (f", status lists from {registry}" if registry else "")
        + (f", {len({p.file for p in held.values()})} passports from {passports}" if held is not None else "")
    )
    click.echo(f"bpvc serve: {enabled} on http://{host}:{port}", err=True)
    _run(app.create_app(config), host, port)


def _run(app: Any, host: str, port: int) -> None:
    import uvicorn  # the server extra, checked before the service was built

    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,  # bpvc.access logs each request, without bodies or headers
        log_config=_logging_config(),
        server_header=False,
        proxy_headers=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
