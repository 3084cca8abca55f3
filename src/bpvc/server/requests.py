"""Reading requests: bounded bodies, content types, the JSON members and options each endpoint takes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import ClientDisconnect, Request

from .. import data_model as model
from .. import strict_json
from ..errors import (
    PARSING_ERROR,
)
from ..sd_jwt.compact import looks_like_sd_jwt
from ..securing import jose
from . import DEFAULT_MAX_BODY_BYTES as DEFAULT_MAX_BODY_BYTES
from . import (
    JSON_MEDIA_TYPES,
    JWS_MEDIA_TYPE,
)
from .problems import _bad_request, _Problem


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
