"""Problem details (RFC 9457) and JSON responses: how every answer of the service is rendered."""

from __future__ import annotations

import http
import json
from typing import Any

from starlette.responses import Response

from ..errors import (
    MALFORMED_VALUE_ERROR,
)
from ..verify.result import Problem
from . import (
    ABOUT_BLANK,
    PROBLEM_MEDIA_TYPE,
)
from . import DEFAULT_MAX_BODY_BYTES as DEFAULT_MAX_BODY_BYTES


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
