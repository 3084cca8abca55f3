"""The access log: one JSON line per request (method, path, status, duration, bytes), never a body or header."""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import DEFAULT_MAX_BODY_BYTES as DEFAULT_MAX_BODY_BYTES
from .problems import _Problem, _problem_response

_access_log = logging.getLogger("bpvc.access")
_log = logging.getLogger("bpvc.server.app")


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
