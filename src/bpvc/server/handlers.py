"""The endpoints: verify, issue, status, status lists, passports, health and the OpenAPI document."""

from __future__ import annotations

import hashlib
import hmac
import http
from dataclasses import replace
from datetime import datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .. import data_model as model
from .. import dates
from ..errors import (
    MALFORMED_VALUE_ERROR,
    BpvcError,
    MalformedError,
)
from ..issue.credential import InvalidDocumentError
from ..issue.secure import check_issuable, secure_credential
from ..jsonld.canonicalize import canonicalize
from ..keys.primitives import Signer
from ..securing.suites import SUITES
from ..status.registry import RegistryUnavailableError
from ..verify.result import Outcome, Problem, VerificationResult
from . import DEFAULT_MAX_BODY_BYTES as DEFAULT_MAX_BODY_BYTES
from . import (
    ISSUE_OPTIONS,
    JWS_MEDIA_TYPE,
    PROBLEM_MEDIA_TYPE,
    STATUS_ENTRY_TYPES,
    STATUS_PURPOSES,
    passport_page,
)
from .config import ServerConfig
from .openapi import openapi_document
from .problems import _bad_request, _json_response, _Problem, _problem_response, _rebase
from .requests import _is_presentation, _options, _read_request, _securable, _verify_options, _VerifyOptions


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
