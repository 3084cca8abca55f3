"""The HTTP service partner systems run (``bpvc serve``): the W3C VC API over Starlette.

``create_app(ServerConfig(...))`` returns an ASGI application; ``bpvc serve`` runs it under
uvicorn. Verification is public; issuing and status updates need a bearer token and are only
there when the server has an issuer key (issue) or a status registry (status) *and* a token.

Status codes (the W3C HTTP test suites expect 200/201 on success and 400 or 422 on every failure):

* ``200`` verified; ``422`` processed but not verified (invalid *or* undecided), with the same body
  as a 200 plus the problem fields; ``400`` the request itself is malformed (not JSON, not an
  object, a member missing or of the wrong JSON type, a presentation sent to the credential
  endpoint or the other way round, an unsupported option).
* ``201`` issued; ``422`` the credential cannot be issued (data model, safe-mode JSON-LD, status
  registry refusal); ``401`` no or wrong bearer token (checked before the body is read).
* ``200`` status updated; ``404`` unknown credential; ``422`` the registry refused the change
  (for example reinstating a revoked credential); ``503`` the registry itself cannot be used
  (its database failed), for issuing with status too.
* ``GET /passports/{identifier}`` (with ``passports``): the signed passport credential by content
  negotiation (``application/vc+ld+json`` or JSON as stored, ``application/vc+jwt`` when stored as one,
  ``406`` otherwise) or, for ``text/html``, the public passport page (:mod:`bpvc.server.passport_page`);
  ``404`` for an unknown identifier (a small HTML page for browsers).
* ``404`` for issue and status when the server is not configured for them: the endpoints do not
  exist in that deployment (a disabled feature is not a server error, so not 501).
* ``413`` body over ``max_body_bytes`` (by Content-Length, or counted while reading, so a large
  body is never read whole); ``415`` a content type other than JSON (``application/json``,
  ``application/ld+json``; ``/credentials/verify`` also takes a raw compact JWS as
  ``application/vc+jwt``); ``404`` unknown path; ``405`` wrong method; ``500`` only for a bug,
  with no internals in the body (they go to the ``bpvc.server.app`` log).

Every error is ``application/problem+json`` (RFC 9457): ``type``, ``title``, ``detail``,
``status``, and ``problemDetails`` where the failure has VCDM / Data Integrity problems. HTTP-level
errors with no VC meaning (401, 404, 405, 413, 415, 500) use ``about:blank``.

One JSON line per request goes to the ``bpvc.access`` logger: method, path, status, duration,
bytes in and out, client address. Never a body, a header or the token.
"""

from __future__ import annotations

import hashlib
import hmac
import http
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import data_model as model
from .. import dates, strict_json
from ..errors import (
    MALFORMED_VALUE_ERROR,
    PARSING_ERROR,
    BpvcError,
    MalformedError,
)
from ..issue.credential import InvalidDocumentError
from ..issue.secure import check_issuable, secure_credential
from ..jsonld.canonicalize import canonicalize
from ..keys.primitives import Signer
from ..sd_jwt.compact import looks_like_sd_jwt
from ..securing import jose
from ..securing.suites import SUITES
from ..status.registry import RegistryUnavailableError
from ..verify.result import CheckName, Outcome, Problem, VerificationResult
from ..verify.verifier import Verifier
from . import DEFAULT_MAX_BODY_BYTES as DEFAULT_MAX_BODY_BYTES
from . import passport_page

JSON_MEDIA_TYPES = frozenset({"application/json", "application/ld+json"})
JWS_MEDIA_TYPE = "application/vc+jwt"
PROBLEM_MEDIA_TYPE = "application/problem+json"
ABOUT_BLANK = "about:blank"
STATUS_PURPOSES = ("revocation", "suspension")
STATUS_ENTRY_TYPES = ("BitstringStatusListEntry", "StatusList2021Entry")
ISSUE_OPTIONS = frozenset({"format", "statusPurpose", "cryptosuite"})

_access_log = logging.getLogger("bpvc.access")
_log = logging.getLogger("bpvc.server.app")


class StatusService(Protocol):
    """The revocation registry behind ``/credentials/status``, ``/status-lists/{id}`` and issuing with status.

    ``update``: action is "revoke" | "suspend" | "reinstate"; raises bpvc.errors.BpvcError subclasses, and
    LookupError when the credential is unknown. ``list_credential``: the signed BitstringStatusListCredential,
    or None. ``issue``: allocate status entries, add them as credentialStatus, secure the credential with
    ``sign`` and record it, all in one transaction (used by /credentials/issue with options.statusPurpose).
    """

    def update(self, credential_id: str, purpose: str, action: str) -> None: ...

    def list_credential(self, list_id: str) -> dict[str, Any] | None: ...

    def issue(
        self, credential: dict[str, Any], purposes: list[str], sign: Callable[[dict[str, Any]], dict[str, Any] | str]
    ) -> dict[str, Any] | str: ...


@dataclass(frozen=True)
class ServerConfig:
    """What one server instance serves; immutable, shared by every request.

    Issuing needs ``issuer`` and ``token``; status updates need ``status`` and ``token``.
    A signer or registry without a token is refused rather than silently left unreachable.
    ``clock`` gives the time verification and proofs use (None: the wall clock). ``passports`` (from
    :func:`bpvc.server.passport_page.load_passports`) enables ``GET /passports/{identifier}``.
    """

    verifier: Verifier
    issuer: Signer | None = None
    token: str | None = None
    status: StatusService | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    clock: Callable[[], datetime] | None = None
    # passport identifier -> signed passport credential, for GET /passports/{identifier}
    passports: Mapping[str, passport_page.StoredPassport] | None = None

    def __post_init__(self) -> None:
        if self.max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be positive")
        if self.token is not None and not self.token.strip():
            raise ValueError("the bearer token must not be empty")
        if self.token is None and (self.issuer is not None or self.status is not None):
            raise ValueError("issuing and status updates need a bearer token; pass token=")


class _Problem(Exception):
    """An error response: raised anywhere in a handler, rendered as problem+json."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type_: str = ABOUT_BLANK,
        title: str | None = None,
        problems: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_
        self.title = title or http.HTTPStatus(status).phrase
        self.problems = problems
        self.headers = headers

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "title": self.title, "detail": self.detail, "status": self.status}
        if self.problems is not None:
            out["problemDetails"] = self.problems
        return out


def _bad_request(detail: str, *, json_path: str | None = None, type_: str = MALFORMED_VALUE_ERROR) -> _Problem:
    problem = Problem(type_, "Invalid request", detail, json_path)
    return _Problem(400, detail, type_=type_, title="Invalid request", problems=[problem.to_dict()])


class _JSON(Response):
    """JSON with non-ASCII escaped: whatever a credential holds, the response always encodes."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def _json_response(
    body: Any, status: int = 200, *, media_type: str = "application/json", headers: dict[str, str] | None = None
) -> Response:
    return _JSON(body, status_code=status, media_type=media_type, headers=headers)


def _rebase(path: str | None, prefix: str) -> str | None:
    """A JSON path inside a member, as a path inside the request body."""
    return prefix + path[1:] if path is not None and path.startswith("$") else path


def _problem_response(problem: _Problem) -> Response:
    return _json_response(problem.body(), problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=problem.headers)


# -- reading requests ------------------------------------------------------------------------------


# A \uD800-\uDFFF escape: JSON can encode a lone surrogate, which no UTF-8 encoder accepts later on.
def _media_type(request: Request) -> str | None:
    value = request.headers.get("content-type")
    return value.split(";", 1)[0].strip().lower() if value else None


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to be over ``limit`` (never read whole)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.strip().isdigit()):
            raise _Problem(400, "Content-Length is not a number")
        if int(declared) > limit:
            raise _Problem(413, f"the request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise _Problem(413, f"the request body is larger than {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise _Problem(400, "the client disconnected before sending the whole body") from None
    return b"".join(chunks)


async def _read_request(request: Request, limit: int, *, jws: bool = False) -> dict[str, Any] | str:
    """A JSON object body, or (with ``jws``) a raw compact JWS sent as ``application/vc+jwt``."""
    media = _media_type(request)
    accepted = sorted(JSON_MEDIA_TYPES | ({JWS_MEDIA_TYPE} if jws else set()))
    if media not in JSON_MEDIA_TYPES and not (jws and media == JWS_MEDIA_TYPE):
        shown = "none" if media is None else repr(media)
        raise _Problem(415, f"Content-Type {shown} is not supported; send {' or '.join(accepted)}")
    raw = await _read_body(request, limit)
    if media == JWS_MEDIA_TYPE:
        text = raw.decode("ascii", errors="replace").strip()
        if not jose.looks_like_jws(text):
            raise _bad_request("the body is not a compact JWS", type_=PARSING_ERROR)
        return text
    try:
        text = raw.decode("utf-8")
        parsed = strict_json.loads(text)
    except UnicodeDecodeError:
        raise _bad_request("the body is not UTF-8 text", type_=PARSING_ERROR) from None
    except json.JSONDecodeError as err:
        raise _bad_request(
            f"the body is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}", type_=PARSING_ERROR
        ) from None
    except strict_json.StrictJsonError as err:  # duplicates, NaN, out-of-range numbers, surrogates, deep nesting
        raise _bad_request(f"the body is not acceptable JSON: {err}", type_=PARSING_ERROR) from None
    if not isinstance(parsed, dict):
        raise _bad_request("the body must be a JSON object", json_path="$", type_=PARSING_ERROR)
    return parsed


def _options(body: dict[str, Any]) -> dict[str, Any]:
    options = body.get("options", {})
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise _bad_request("options must be a JSON object", json_path="$.options")
    return options


def _flag(options: dict[str, Any], name: str, default: bool) -> bool:
    value = options.get(name, default)
    if not isinstance(value, bool):
        raise _bad_request(f"options.{name} must be true or false", json_path=f"$.options.{name}")
    return value


@dataclass(frozen=True)
class _VerifyOptions:
    challenge: str | None
    domain: str | list[str] | None
    return_results: bool
    return_credential: bool


def _verify_options(body: dict[str, Any]) -> _VerifyOptions:
    """The options verification uses; the rest (such as ``checks``) are ignored, as every check always runs."""
    options = _options(body)
    challenge = options.get("challenge")
    if challenge is not None and (not isinstance(challenge, str) or not challenge):
        raise _bad_request("options.challenge must be a non-empty string", json_path="$.options.challenge")
    domain = options.get("domain")
    valid_domain = (isinstance(domain, str) and domain) or (
        isinstance(domain, list) and domain and all(isinstance(d, str) and d for d in domain)
    )
    if domain is not None and not valid_domain:
        raise _bad_request("options.domain must be a non-empty string or list of strings", json_path="$.options.domain")
    return _VerifyOptions(
        challenge, domain, _flag(options, "returnResults", False), _flag(options, "returnCredential", False)
    )


def _securable(value: Any, member: str) -> dict[str, Any] | str:
    """A credential or presentation member: a JSON object, or a compact JWS string."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and (jose.looks_like_jws(value) or looks_like_sd_jwt(value)):
        return value.strip()
    raise _bad_request(f"{member} must be a JSON object, a compact JWS or an SD-JWT", json_path=f"$.{member}")


def _is_presentation(document: dict[str, Any]) -> bool:
    types = model.types_of(document)
    return "VerifiablePresentation" in types or "EnvelopedVerifiablePresentation" in types


# -- verification responses ------------------------------------------------------------------------


def _problem_details(result: VerificationResult, prefix: str = "$") -> list[dict[str, Any]]:
    """Every problem, those of embedded credentials too, with JSON paths from the request's root."""
    out = [replace(p, json_path=_rebase(p.json_path, prefix)).to_dict() for p in result.problems]
    for i, credential in enumerate(result.credentials):
        out += _problem_details(credential, f"{prefix}.verifiableCredential[{i}]")
    return out


def _results(result: VerificationResult) -> dict[str, Any]:
    out = result.to_dict()
    out.pop("problems", None)
    out.pop("verified", None)
    return out


def _verification_response(result: VerificationResult, options: _VerifyOptions, member: str, kind: str) -> Response:
    """200 when verified; otherwise 422 with the same members plus the problem document's."""
    problems = _problem_details(result, f"$.{member}")
    body: dict[str, Any] = {"verified": result.verified, "problemDetails": problems}
    if options.return_results:
        body["results"] = _results(result)
    if options.return_credential and result.document is not None:
        body[kind] = result.document
    if result.verified:
        return _json_response(body)
    failed = [c.name for c in result.checks if c.outcome in (Outcome.FAILED, Outcome.INDETERMINATE)]
    failed += [f"credential {i}" for i, c in enumerate(result.credentials) if not c.verified]
    verdict = "is invalid" if result.invalid else "could not be verified (undecided)"
    problem = {
        "type": problems[0]["type"] if problems else MALFORMED_VALUE_ERROR,
        "title": f"{kind.capitalize()} not verified",
        "detail": f"the {kind} {verdict}: {', '.join(failed) or 'no check passed'}",
        "status": 422,
        "indeterminate": result.indeterminate,
    }
    return _json_response({**problem, **body}, 422, media_type=PROBLEM_MEDIA_TYPE)


# -- the service -----------------------------------------------------------------------------------


def _version() -> str:
    try:
        return package_version("bpvc")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "unknown"


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def _cache_control(list_credential: dict[str, Any]) -> str:
    """``max-age`` from the list's ``ttl`` (milliseconds, Bitstring Status List §2.2), else revalidate."""
    subject = list_credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    ttl = subject.get("ttl") if isinstance(subject, dict) else None
    if isinstance(ttl, (int, float)) and not isinstance(ttl, bool) and 0 <= ttl < 10**12:
        return f"public, max-age={int(ttl) // 1000}"
    return "no-cache"


def _status_action(purpose: str, status: Any) -> str:
    """``status`` true (or "revoked"/"suspended" matching the purpose) sets the bit; false or "active" clears it."""
    setting = {"revocation": "revoke", "suspension": "suspend"}[purpose]
    if status is True:
        return setting
    if status is False or status == "active":
        return "reinstate"
    if status in ("revoked", "suspended"):
        wanted = "revoked" if purpose == "revocation" else "suspended"
        if status != wanted:
            raise _bad_request(
                f"status {status!r} does not fit statusPurpose {purpose!r} (use {wanted!r} or true)",
                json_path="$.status",
            )
        return setting
    raise _bad_request('status must be true, false, "revoked", "suspended" or "active"', json_path="$.status")


def _purposes(value: Any) -> list[str] | None:
    if value is None:
        return None
    purposes = [value] if isinstance(value, str) else value
    if (
        not isinstance(purposes, list)
        or not purposes
        or not all(isinstance(p, str) and p in STATUS_PURPOSES for p in purposes)
        or len(set(purposes)) != len(purposes)
    ):
        raise _bad_request(
            f"options.statusPurpose must be one of {', '.join(STATUS_PURPOSES)} or a list of them",
            json_path="$.options.statusPurpose",
        )
    return list(purposes)


# What GET /passports/{identifier} can answer with, in order of preference when the client does not mind.
_PASSPORT_TYPES = ("application/vc+ld+json", "application/ld+json", "application/json", "text/html", JWS_MEDIA_TYPE)
_PAGE_HEADERS = {
    "Content-Security-Policy": passport_page.PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _accept_ranges(header: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their weights (RFC 9110 §12.5.1); none means ``*/*``."""
    if header is None or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for item in header.split(",")[:64]:
        media, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    weight = 0.0
        if media:
            ranges.append((media.lower(), weight))
    return ranges


def _negotiate(header: str | None, available: tuple[str, ...]) -> str | None:
    """The available type the client weighs highest (its most specific matching range gives the weight);
    on a tie the earlier in ``available``. None when the client accepts none of them."""
    ranges = _accept_ranges(header)
    chosen, best = None, 0.0
    for media in available:
        major = media.split("/", 1)[0]
        matches = [
            (3 if r == media else 2 if r == f"{major}/*" else 1, q)
            for r, q in ranges
            if r in (media, f"{major}/*", "*/*")
        ]
        weight = max(matches)[1] if matches else 0.0
        if weight > best:
            chosen, best = media, weight
    return chosen


class _Service:
    """The request handlers, bound to one configuration."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.version = _version()
        self._token_digest = _digest(config.token.strip()) if config.token is not None else None

    def _now(self) -> datetime:
        return self.config.clock() if self.config.clock is not None else dates.now_instant()

    def _authorize(self, request: Request) -> None:
        """Bearer token, compared in constant time (as digests, so the length does not leak either)."""
        assert self._token_digest is not None
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(_digest(presented.strip()), self._token_digest)
        if not ok:
            raise _Problem(401, "a valid bearer token is required", headers={"WWW-Authenticate": 'Bearer realm="bpvc"'})

    # -- verify ------------------------------------------------------------------------------------

    async def verify_credential(self, request: Request) -> Response:
        body = await _read_request(request, self.config.max_body_bytes, jws=True)
        if isinstance(body, str):
            credential: dict[str, Any] | str = body
            options = _verify_options({})
        else:
            if "verifiableCredential" not in body:
                raise _bad_request("verifiableCredential is required", json_path="$.verifiableCredential")
            credential = _securable(body["verifiableCredential"], "verifiableCredential")
            options = _verify_options(body)
        if isinstance(credential, dict) and _is_presentation(credential):
            raise _bad_request(
                "verifiableCredential is a presentation; POST it to /presentations/verify",
                json_path="$.verifiableCredential",
            )
        result = await run_in_threadpool(self._verify, credential, options.challenge, options.domain)
        if result.kind != "credential":
            raise _bad_request(
                "verifiableCredential is a presentation; POST it to /presentations/verify",
                json_path="$.verifiableCredential",
            )
        return _verification_response(result, options, "verifiableCredential", "credential")

    async def verify_presentation(self, request: Request) -> Response:
        body = await _read_request(request, self.config.max_body_bytes)
        assert isinstance(body, dict)
        if ("verifiablePresentation" in body) == ("presentation" in body):
            raise _bad_request("send exactly one of verifiablePresentation or presentation", json_path="$")
        member = "verifiablePresentation" if "verifiablePresentation" in body else "presentation"
        presentation = _securable(body[member], member)
        if member == "presentation" and not isinstance(presentation, dict):
            raise _bad_request("presentation must be a JSON object", json_path="$.presentation")
        if isinstance(presentation, dict) and not _is_presentation(presentation):
            raise _bad_request(
                f"{member} is not a presentation; POST credentials to /credentials/verify", json_path=f"$.{member}.type"
            )
        options = _verify_options(body)
        if member == "verifiablePresentation" and options.challenge is None:
            # Without a challenge any presentation ever captured could be replayed.
            raise _bad_request(
                "options.challenge is required to verify a verifiablePresentation "
                "(send a proofless one as presentation)",
                json_path="$.options.challenge",
            )
        result = await run_in_threadpool(self._verify, presentation, options.challenge, options.domain)
        if result.kind != "presentation":
            raise _bad_request(
                f"{member} is not a presentation; POST credentials to /credentials/verify", json_path=f"$.{member}"
            )
        return _verification_response(result, options, member, "presentation")

    def _verify(
        self, data: dict[str, Any] | str, challenge: str | None, domain: str | list[str] | None
    ) -> VerificationResult:
        return self.config.verifier.verify(data, now=self._now(), challenge=challenge, domain=domain)

    # -- issue -------------------------------------------------------------------------------------

    async def issue(self, request: Request) -> Response:
        signer = self.config.issuer
        if signer is None or self._token_digest is None:
            raise _Problem(404, "issuing is not enabled on this server")
        self._authorize(request)
        body = await _read_request(request, self.config.max_body_bytes)
        assert isinstance(body, dict)
        credential = body.get("credential")
        if not isinstance(credential, dict):
            raise _bad_request("credential must be a JSON object", json_path="$.credential")
        options = _options(body)
        unknown = sorted(set(options) - ISSUE_OPTIONS)
        if unknown:
            raise _bad_request(
                f"unsupported option(s) {', '.join(unknown)}; supported: {', '.join(sorted(ISSUE_OPTIONS))}",
                json_path=f"$.options.{unknown[0]}",
            )
        fmt = options.get("format", "di")
        if fmt not in ("di", "jwt"):
            raise _bad_request('options.format must be "di" or "jwt"', json_path="$.options.format")
        suite = options.get("cryptosuite")
        if suite is not None and (fmt != "di" or suite not in SUITES):
            raise _bad_request(
                f"options.cryptosuite must be one of {', '.join(sorted(SUITES))} (with format di)",
                json_path="$.options.cryptosuite",
            )
        purposes = _purposes(options.get("statusPurpose"))
        if purposes is not None and self.config.status is None:
            raise _bad_request(
                "options.statusPurpose needs a status registry, and this server has none",
                json_path="$.options.statusPurpose",
            )
        controller = signer.verification_method.split("#", 1)[0]
        issuer = model.issuer_id(credential)
        if issuer is not None and issuer != controller:
            error = MalformedError(
                f"issuer must be {controller}, the controller of this server's key", json_path="$.issuer"
            )
            raise self._unissuable([error])
        signed = await run_in_threadpool(self._sign, credential, signer, fmt, suite, purposes)
        return _json_response({"verifiableCredential": signed}, 201)

    @staticmethod
    def _unissuable(errors: list[BpvcError]) -> _Problem:
        problems = [Problem(e.problem_type, e.title, e.detail, _rebase(e.json_path, "$.credential")) for e in errors]
        where = f" at {problems[0].json_path}" if problems[0].json_path else ""
        return _Problem(
            422,
            f"the credential cannot be issued: {errors[0].detail}{where}",
            type_=errors[0].problem_type,
            title="Credential cannot be issued",
            problems=[p.to_dict() for p in problems],
        )

    def _sign(
        self,
        credential: dict[str, Any],
        signer: Signer,
        fmt: str,
        suite: str | None,
        purposes: list[str] | None,
    ) -> dict[str, Any]:
        loader = self.config.verifier.loader

        def secure(document: dict[str, Any]) -> dict[str, Any] | str:
            return secure_credential(
                document, signer, fmt=fmt, cryptosuite=suite, created=self._now(), envelope=True, loader=loader
            )

        try:
            if purposes is None:
                result = secure(credential)
            else:
                assert self.config.status is not None
                # Check before the registry hands out status entries that a refused credential would waste.
                problems = model.check_credential(credential)
                if problems:
                    raise InvalidDocumentError(problems)
                check_issuable(credential)
                canonicalize(credential, loader=loader)
                result = self.config.status.issue(credential, purposes, secure)
            assert isinstance(result, dict)  # di gives a document, jwt an EnvelopedVerifiableCredential
            return result
        except InvalidDocumentError as err:
            raise self._unissuable(err.problems) from None
        except RegistryUnavailableError as err:
            raise _Problem(503, f"the registry is not available: {err.detail}") from None
        except BpvcError as err:
            raise self._unissuable([err]) from None

    # -- status ------------------------------------------------------------------------------------

    async def update_status(self, request: Request) -> Response:
        service = self.config.status
        if service is None or self._token_digest is None:
            raise _Problem(404, "status updates are not enabled on this server")
        self._authorize(request)
        body = await _read_request(request, self.config.max_body_bytes)
        assert isinstance(body, dict)
        credential_id = body.get("credentialId")
        if not isinstance(credential_id, str) or not credential_id:
            raise _bad_request("credentialId must be a non-empty string", json_path="$.credentialId")
        entry = body.get("credentialStatus")
        if not isinstance(entry, dict):
            raise _bad_request("credentialStatus must be a JSON object", json_path="$.credentialStatus")
        entry_type = entry.get("type")
        if entry_type is not None and entry_type not in STATUS_ENTRY_TYPES:
            raise _bad_request(
                f"credentialStatus.type must be one of {', '.join(STATUS_ENTRY_TYPES)}",
                json_path="$.credentialStatus.type",
            )
        purpose = entry.get("statusPurpose")
        if purpose not in STATUS_PURPOSES:
            raise _bad_request(
                f"credentialStatus.statusPurpose must be one of {', '.join(STATUS_PURPOSES)}",
                json_path="$.credentialStatus.statusPurpose",
            )
        action = _status_action(purpose, body.get("status", True))
        try:
            await run_in_threadpool(service.update, credential_id, purpose, action)
        except LookupError:  # before BpvcError: the registry's unknown-credential error is both
            raise _Problem(404, "no credential with that id was issued through this server's registry") from None
        except RegistryUnavailableError as err:
            raise _Problem(503, f"the registry is not available: {err.detail}") from None
        except BpvcError as err:
            problem = Problem.from_error(err)
            raise _Problem(
                422,
                err.detail,
                type_=err.problem_type,
                title="Status not updated",
                problems=[problem.to_dict()],
            ) from None
        return _json_response({"credentialId": credential_id, "statusPurpose": purpose, "action": action})

    async def status_list(self, request: Request) -> Response:
        service = self.config.status
        list_id = request.path_params["list_id"]
        found = await run_in_threadpool(service.list_credential, list_id) if service is not None else None
        if found is None:
            raise _Problem(404, "no such status list")
        return _json_response(found, headers={"Cache-Control": _cache_control(found)})

    # -- passports ---------------------------------------------------------------------------------

    async def passport(self, request: Request) -> Response:
        identifier = request.path_params["identifier"]
        stored = (self.config.passports or {}).get(identifier)
        available = _PASSPORT_TYPES if stored is None or stored.token else _PASSPORT_TYPES[:-1]
        chosen = _negotiate(request.headers.get("accept"), available)
        vary = {"Vary": "Accept"}
        if stored is None:
            if chosen == "text/html":
                page = passport_page.not_found_page(identifier)
                return HTMLResponse(page, 404, headers={**vary, **_PAGE_HEADERS})
            raise _Problem(404, "no passport with that identifier is held here", headers=vary)
        if chosen is None:
            offered = ", ".join(available)
            raise _Problem(406, f"this passport is available as {offered}", headers=vary)
        headers = {**vary, "Cache-Control": "no-cache"}
        if chosen == JWS_MEDIA_TYPE:
            assert stored.token is not None
            return Response(stored.token, media_type=JWS_MEDIA_TYPE, headers=headers)
        if chosen != "text/html":
            return Response(stored.json_body(), media_type=chosen, headers=headers)
        result = await run_in_threadpool(self.config.verifier.verify, stored.credential, now=self._now())
        page = passport_page.render_page(stored, result)
        return HTMLResponse(page, headers={**headers, **_PAGE_HEADERS})

    # -- service -----------------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        return _json_response({"status": "ok", "version": self.version}, headers={"Cache-Control": "no-store"})

    async def openapi(self, request: Request) -> Response:
        return _json_response(openapi_document(self.version))


# -- errors and access log -------------------------------------------------------------------------


def _handle_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, _Problem)
    return _problem_response(exc)


def _handle_http(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (unknown path, wrong method) as problem documents."""
    assert isinstance(exc, HTTPException)
    detail = {
        404: "there is no endpoint at this path",
        405: f"method {request.method} is not allowed here",
    }.get(exc.status_code, http.HTTPStatus(exc.status_code).phrase)
    return _problem_response(_Problem(exc.status_code, detail, headers=dict(exc.headers or {})))


class _AccessLog:
    """Pure ASGI middleware: one JSON access line per request, and the last guard against a 500 with internals."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        seen = {"status": 0, "in": 0, "out": 0}

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen["in"] += len(message.get("body", b""))
            return message

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["out"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, counting_send)
        except Exception:
            _log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if seen["status"]:
                raise  # the response has begun; let the server abort the connection
            problem = _Problem(500, "the server could not process the request; the error was logged")
            await _problem_response(problem)(scope, counting_receive, counting_send)
        finally:
            client = scope.get("client")
            _access_log.info(
                json.dumps(
                    {
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": seen["status"],
                        "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                        "request_bytes": seen["in"],
                        "response_bytes": seen["out"],
                        "client": client[0] if client else None,
                    },
                    separators=(",", ":"),
                )
            )


def create_app(config: ServerConfig) -> Starlette:
    """The ASGI application for ``config``."""
    service = _Service(config)
    routes = [
        Route("/credentials/verify", service.verify_credential, methods=["POST"]),
        Route("/presentations/verify", service.verify_presentation, methods=["POST"]),
        Route("/credentials/issue", service.issue, methods=["POST"]),
        Route("/credentials/status", service.update_status, methods=["POST"]),
        Route("/status-lists/{list_id}", service.status_list, methods=["GET"]),
        Route("/passports/{identifier}", service.passport, methods=["GET"]),
        Route("/health", service.health, methods=["GET"]),
        Route("/healthz", service.health, methods=["GET"]),
        Route("/openapi.json", service.openapi, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(_AccessLog)],
        exception_handlers={_Problem: _handle_problem, HTTPException: _handle_http},
    )
    app.router.redirect_slashes = False  # /health/ is a 404, not a redirect
    return app


# -- OpenAPI ---------------------------------------------------------------------------------------


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _response(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _json_body(schema: str, *, jws: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {t: {"schema": _ref(schema)} for t in sorted(JSON_MEDIA_TYPES)}
    if jws:
        content[JWS_MEDIA_TYPE] = {"schema": {"type": "string", "description": "a compact JWS (vc+jwt)"}}
    return {"required": True, "content": content}


def _ok(description: str, schema: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": _ref(schema)}}}


_REQUEST_ERRORS = {"400": _response("BadRequest"), "413": _response("TooLarge"), "415": _response("Unsupported")}
_AUTH_ERRORS = {"401": _response("Unauthorized"), "404": _response("NotEnabled")}


def openapi_document(version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of this service, written by hand (no framework generates it)."""
    securable = {
        "oneOf": [
            {"type": "object", "description": "a credential with an embedded proof, or an Enveloped credential"},
            {"type": "string", "description": "a compact JWS"},
        ]
    }
    problem_detail = {
        "type": "object",
        "required": ["type", "title", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "detail": {"type": "string"},
            "json_path": {"type": ["string", "null"]},
        },
    }
    verify_result = {
        "type": "object",
        "required": ["verified", "problemDetails"],
        "properties": {
            "verified": {"type": "boolean"},
            "problemDetails": {"type": "array", "items": _ref("ProblemDetail")},
            "results": {
                "type": "object",
                "description": "with options.returnResults: every check with its outcome",
                "properties": {
                    "kind": {"enum": ["credential", "presentation"]},
                    "checks": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name", "outcome", "problems"],
                            "properties": {
                                # from the enums the verifier uses, so the document cannot miss a check
                                "name": {"enum": [n.value for n in CheckName]},
                                "outcome": {"enum": [o.value for o in Outcome]},
                                "problems": {"type": "array", "items": _ref("ProblemDetail")},
                                "detail": {"type": "string"},
                                "warnings": {"type": "array", "items": _ref("ProblemDetail")},
                            },
                        },
                    },
                },
            },
            "credential": {"type": "object", "description": "with options.returnCredential"},
            "presentation": {"type": "object", "description": "with options.returnCredential"},
        },
    }
    verify_failed = {
        "allOf": [_ref("Problem"), _ref("VerifyResponse")],
        "properties": {"indeterminate": {"type": "boolean", "description": "could not decide, rather than invalid"}},
    }
    verify_options = {
        "type": "object",
        "properties": {
            "challenge": {"type": "string"},
            "domain": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "returnResults": {"type": "boolean", "default": False},
            "returnCredential": {"type": "boolean", "default": False},
        },
        "description": "other options are ignored; every check always runs",
    }
    schemas: dict[str, Any] = {
        "ProblemDetail": problem_detail,
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details",
            "required": ["type", "title", "detail", "status"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "detail": {"type": "string"},
                "status": {"type": "integer"},
                "problemDetails": {"type": "array", "items": _ref("ProblemDetail")},
            },
        },
        "VerifyOptions": verify_options,
        "VerifyCredentialRequest": {
            "type": "object",
            "required": ["verifiableCredential"],
            "properties": {"verifiableCredential": securable, "options": _ref("VerifyOptions")},
        },
        "VerifyPresentationRequest": {
            "type": "object",
            "description": "exactly one of verifiablePresentation (options.challenge required) or a proofless "
            "presentation",
            "properties": {
                "verifiablePresentation": securable,
                "presentation": {"type": "object"},
                "options": _ref("VerifyOptions"),
            },
        },
        "VerifyResponse": verify_result,
        "VerifyFailure": verify_failed,
        "IssueRequest": {
            "type": "object",
            "required": ["credential"],
            "properties": {
                "credential": {"type": "object", "description": "an unsigned credential whose issuer is the key's"},
                "options": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "format": {"enum": ["di", "jwt"], "default": "di"},
                        "cryptosuite": {"enum": sorted(SUITES)},
                        "statusPurpose": {
                            "oneOf": [
                                {"enum": list(STATUS_PURPOSES)},
                                {"type": "array", "items": {"enum": list(STATUS_PURPOSES)}},
                            ]
                        },
                    },
                },
            },
        },
        "IssueResponse": {
            "type": "object",
            "required": ["verifiableCredential"],
            "properties": {
                "verifiableCredential": {
                    "type": "object",
                    "description": "with a Data Integrity proof, or an EnvelopedVerifiableCredential (format jwt)",
                }
            },
        },
        "StatusRequest": {
            "type": "object",
            "required": ["credentialId", "credentialStatus"],
            "properties": {
                "credentialId": {"type": "string"},
                "credentialStatus": {
                    "type": "object",
                    "required": ["statusPurpose"],
                    "properties": {
                        "type": {"enum": list(STATUS_ENTRY_TYPES)},
                        "statusPurpose": {"enum": list(STATUS_PURPOSES)},
                    },
                },
                "status": {
                    "oneOf": [{"type": "boolean"}, {"enum": ["revoked", "suspended", "active"]}],
                    "default": True,
                    "description": "true (or the word matching the purpose) revokes or suspends; false or "
                    '"active" reinstates (a revocation cannot be undone)',
                },
            },
        },
        "StatusResponse": {
            "type": "object",
            "properties": {
                "credentialId": {"type": "string"},
                "statusPurpose": {"type": "string"},
                "action": {"enum": ["revoke", "suspend", "reinstate"]},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status", "version"],
            "properties": {"status": {"const": "ok"}, "version": {"type": "string"}},
        },
    }

    def problem(description: str, schema: str = "Problem") -> dict[str, Any]:
        return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": _ref(schema)}}}

    responses = {
        "BadRequest": problem("malformed request: not JSON, not an object, a member missing or of the wrong type"),
        "TooLarge": problem("the body is larger than the server's limit"),
        "Unsupported": problem("unsupported Content-Type"),
        "Unauthorized": problem("missing or wrong bearer token"),
        "NotEnabled": problem("the endpoint is not enabled on this server (no key, registry or token)"),
        "NotVerified": problem("processed but not verified (invalid or undecided)", "VerifyFailure"),
    }
    health = {
        "get": {
            "summary": "Liveness",
            "responses": {"200": _ok("the service is up", "Health")},
        }
    }
    paths = {
        "/credentials/verify": {
            "post": {
                "summary": "Verify a credential (embedded proof, vc+jwt, or Enveloped credential)",
                "requestBody": _json_body("VerifyCredentialRequest", jws=True),
                "responses": {
                    "200": _ok("verified", "VerifyResponse"),
                    "422": _response("NotVerified"),
                    **_REQUEST_ERRORS,
                },
            }
        },
        "/presentations/verify": {
            "post": {
                "summary": "Verify a presentation bound to a challenge (and domain), and the credentials in it",
                "requestBody": _json_body("VerifyPresentationRequest"),
                "responses": {
                    "200": _ok("verified", "VerifyResponse"),
                    "422": _response("NotVerified"),
                    **_REQUEST_ERRORS,
                },
            }
        },
        "/credentials/issue": {
            "post": {
                "summary": "Sign a credential with the server's key (Data Integrity or vc+jwt)",
                "security": [{"bearer": []}],
                "requestBody": _json_body("IssueRequest"),
                "responses": {
                    "201": _ok("issued", "IssueResponse"),
                    "422": problem("the credential cannot be issued"),
                    **_REQUEST_ERRORS,
                    **_AUTH_ERRORS,
                },
            }
        },
        "/credentials/status": {
            "post": {
                "summary": "Revoke, suspend or reinstate an issued credential",
                "security": [{"bearer": []}],
                "requestBody": _json_body("StatusRequest"),
                "responses": {
                    "200": _ok("updated", "StatusResponse"),
                    "404": problem("unknown credential, or status updates are not enabled"),
                    "422": problem("the registry refused the change"),
                    "401": _response("Unauthorized"),
                    **_REQUEST_ERRORS,
                },
            }
        },
        "/status-lists/{id}": {
            "get": {
                "summary": "A status list credential (public; Cache-Control from its ttl)",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "the signed BitstringStatusListCredential",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "404": problem("no such status list"),
                },
            }
        },
        "/passports/{identifier}": {
            "get": {
                "summary": "A battery passport by its identifier (with --passports): the signed credential, or the "
                "public page for browsers, by the Accept header",
                "parameters": [{"name": "identifier", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "the credential as stored, the compact JWS, or the public HTML page",
                        "content": {
                            "application/vc+ld+json": {"schema": {"type": "object"}},
                            "application/json": {"schema": {"type": "object"}},
                            JWS_MEDIA_TYPE: {"schema": {"type": "string"}},
                            "text/html": {"schema": {"type": "string"}},
                        },
                    },
                    "404": problem("no passport with that identifier (an HTML page for browsers)"),
                    "406": problem("none of the accepted media types is available for this passport"),
                },
            }
        },
        "/health": health,
        "/healthz": health,
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "bpvc",
            "version": version,
            "description": "Verify, issue and manage the status of W3C Verifiable Credentials for battery passports "
            "(W3C VC API semantics). Success is 200/201; every failure is 400 or 422 (or an HTTP-level "
            "401/404/405/413/415), as application/problem+json.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


__all__ = ["DEFAULT_MAX_BODY_BYTES", "ServerConfig", "StatusService", "create_app", "openapi_document"]
