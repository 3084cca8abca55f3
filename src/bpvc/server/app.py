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

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route

from . import DEFAULT_MAX_BODY_BYTES as DEFAULT_MAX_BODY_BYTES
from .access_log import _AccessLog
from .config import ServerConfig as ServerConfig
from .config import StatusService as StatusService
from .handlers import _handle_http, _handle_problem, _Service
from .openapi import openapi_document
from .problems import _Problem


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


__all__ = ["DEFAULT_MAX_BODY_BYTES", "ServerConfig", "StatusService", "create_app", "openapi_document"]
