"""The VCDM data model rules a verifier enforces before any cryptography (VCDM 2.0 §4, 1.1 §4).

Each rule reports a :class:`BpvcError` with the JSON path of the offending value; the
checks collect every problem rather than stopping at the first.
"""

from __future__ import annotations

import re
from typing import Any

from . import dates
from .errors import BpvcError, MalformedError, RangeValueError
from .jsonld.contexts import CREDENTIALS_V1, CREDENTIALS_V2

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")
_TYPED_OBJECTS = ("credentialStatus", "credentialSchema", "evidence", "termsOfUse", "refreshService")
_LANGUAGE_VALUE_KEYS = {"@value", "@language", "@direction"}
ROLES = (
    "VerifiableCredential",
    "VerifiablePresentation",
    "EnvelopedVerifiableCredential",
    "EnvelopedVerifiablePresentation",
)


def is_url(value: object) -> bool:
    return isinstance(value, str) and bool(_URL.match(value))


def version_of(document: dict[str, Any]) -> str:
    """``"2.0"`` or ``"1.1"`` from the first @context entry; raises when neither."""
    ctx = document.get("@context")
    first = ctx[0] if isinstance(ctx, list) and ctx else ctx
    if first == CREDENTIALS_V2:
        return "2.0"
    if first == CREDENTIALS_V1:
        return "1.1"
    raise MalformedError(
        f"@context must start with {CREDENTIALS_V2} (or {CREDENTIALS_V1} for VCDM 1.1), found {first!r}",
        json_path="$['@context']",
    )


def version_of_or_none(document: dict[str, Any]) -> str | None:
    try:
        return version_of(document)
    except MalformedError:
        return None


def types_of(document: dict[str, Any]) -> list[str]:
    t = document.get("type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    return []


def issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _check_context(document: dict[str, Any], problems: list[BpvcError]) -> str | None:
    if "@context" not in document:
        problems.append(MalformedError("@context is required", json_path="$"))
        return None
    try:
        version = version_of(document)
    except MalformedError as err:
        problems.append(err)
        return None
    ctx = document["@context"]
    for i, entry in enumerate(ctx if isinstance(ctx, list) else [ctx]):
        if isinstance(entry, str):
            if not is_url(entry):
                problems.append(
                    MalformedError(f"@context entry {entry!r} is not a URL", json_path=f"$['@context'][{i}]")
                )
        elif not isinstance(entry, dict):
            problems.append(MalformedError("@context entries must be URLs or objects", json_path=f"$['@context'][{i}]"))
    return version


def _check_type(document: dict[str, Any], required: str, problems: list[BpvcError], path: str = "$") -> None:
    t = document.get("type")
    if t is None:
        problems.append(MalformedError("type is required", json_path=f"{path}.type"))
        return
    items = t if isinstance(t, list) else [t]
    if not items or not all(isinstance(x, str) and x for x in items):
        problems.append(MalformedError("type must be a string or a list of strings", json_path=f"{path}.type"))
    elif required not in items:
        problems.append(MalformedError(f"type must include {required}", json_path=f"{path}.type"))
    else:
        others = sorted(set(items) & set(ROLES) - {required})
        if others:
            # a document has one role: one typed both ways can pass as whichever the signer's key suits
            problems.append(
                MalformedError(f"type names both {required} and {', '.join(others)}", json_path=f"{path}.type")
            )


def _check_id(value: Any, path: str, problems: list[BpvcError]) -> None:
    if not is_url(value):
        problems.append(MalformedError(f"id must be a single URL, found {value!r}", json_path=path))


def _check_language_string(value: Any, path: str, problems: list[BpvcError]) -> None:
    for i, item in enumerate(value if isinstance(value, list) else [value]):
        where = f"{path}[{i}]" if isinstance(value, list) else path
        if isinstance(item, str):
            continue
        if isinstance(item, dict) and "@value" in item and set(item) <= _LANGUAGE_VALUE_KEYS:
            continue
        problems.append(
            MalformedError(
                "must be a string or a language value object (@value, @language, @direction)", json_path=where
            )
        )


def _check_typed_objects(document: dict[str, Any], problems: list[BpvcError]) -> None:
    for prop in _TYPED_OBJECTS:
        if prop not in document:
            continue
        value = document[prop]
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            path = f"$.{prop}[{i}]" if isinstance(value, list) else f"$.{prop}"
            if not isinstance(item, dict):
                problems.append(MalformedError(f"{prop} entries must be objects", json_path=path))
                continue
            t = item.get("type")
            if not t or not (isinstance(t, str) or (isinstance(t, list) and all(isinstance(x, str) for x in t))):
                problems.append(MalformedError(f"{prop} must have a type", json_path=f"{path}.type"))
            if prop == "credentialSchema" and "id" not in item:
                problems.append(MalformedError("credentialSchema must have an id", json_path=f"{path}.id"))
            if "id" in item:
                _check_id(item["id"], f"{path}.id", problems)


def _check_subject(document: dict[str, Any], problems: list[BpvcError]) -> None:
    if "credentialSubject" not in document:
        problems.append(MalformedError("credentialSubject is required", json_path="$.credentialSubject"))
        return
    subject = document["credentialSubject"]
    subjects = subject if isinstance(subject, list) else [subject]
    if not subjects:
        problems.append(MalformedError("credentialSubject must not be empty", json_path="$.credentialSubject"))
    for i, item in enumerate(subjects):
        path = f"$.credentialSubject[{i}]" if isinstance(subject, list) else "$.credentialSubject"
        if not isinstance(item, dict) or not item:
            problems.append(MalformedError("each credentialSubject must be a non-empty object", json_path=path))
        elif "id" in item:
            _check_id(item["id"], f"{path}.id", problems)


def _check_issuer(document: dict[str, Any], problems: list[BpvcError]) -> None:
    if "issuer" not in document:
        problems.append(MalformedError("issuer is required", json_path="$.issuer"))
        return
    issuer = document["issuer"]
    if isinstance(issuer, dict):
        _check_id(issuer.get("id"), "$.issuer.id", problems)
        for prop in ("name", "description"):
            if prop in issuer:
                _check_language_string(issuer[prop], f"$.issuer.{prop}", problems)
    else:
        _check_id(issuer, "$.issuer", problems)


def _check_dates(document: dict[str, Any], version: str | None, problems: list[BpvcError]) -> None:
    if version == "1.1":
        fields = (("issuanceDate", True), ("expirationDate", False))
        if "issuanceDate" not in document:
            problems.append(
                MalformedError("issuanceDate is required in a VCDM 1.1 credential", json_path="$.issuanceDate")
            )
    else:
        fields = (("validFrom", False), ("validUntil", False))
    parsed = {}
    for name, _ in fields:
        if name in document:
            try:
                parsed[name] = dates.parse(
                    document[name], field=name, require_offset=version != "1.1", json_path=f"$.{name}"
                )
            except MalformedError as err:
                problems.append(err)
    start, end = (parsed.get(f) for f, _ in fields)
    if start is not None and end is not None and start > end:
        problems.append(RangeValueError(f"{fields[0][0]} is later than {fields[1][0]}", json_path=f"$.{fields[1][0]}"))


def check_credential(document: Any) -> list[BpvcError]:
    """Every data-model problem of a credential (empty when it conforms)."""
    if not isinstance(document, dict):
        return [MalformedError("a credential must be a JSON object", json_path="$")]
    problems: list[BpvcError] = []
    version = _check_context(document, problems)
    _check_type(document, "VerifiableCredential", problems)
    if "id" in document:
        _check_id(document["id"], "$.id", problems)
    _check_issuer(document, problems)
    _check_subject(document, problems)
    _check_dates(document, version, problems)
    _check_typed_objects(document, problems)
    for prop in ("name", "description"):
        if prop in document:
            _check_language_string(document[prop], f"$.{prop}", problems)
    _check_related(document, problems)
    return problems


def _check_related(document: dict[str, Any], problems: list[BpvcError]) -> None:
    """relatedResource entries name a URL and carry a digest to check it by (VCDM 2.0 §5.3)."""
    if "relatedResource" not in document:
        return
    value = document["relatedResource"]
    seen: set[str] = set()
    for i, item in enumerate(value if isinstance(value, list) else [value]):
        path = f"$.relatedResource[{i}]" if isinstance(value, list) else "$.relatedResource"
        if not isinstance(item, dict):
            problems.append(MalformedError("relatedResource entries must be objects", json_path=path))
            continue
        _check_id(item.get("id"), f"{path}.id", problems)
        if isinstance(item.get("id"), str):
            if item["id"] in seen:  # §5.3: each id MUST be unique, so one resource has one digest
                problems.append(
                    MalformedError(f"relatedResource id {item['id']} appears twice", json_path=f"{path}.id")
                )
            seen.add(item["id"])
        if "digestSRI" not in item and "digestMultibase" not in item:
            problems.append(MalformedError("relatedResource needs digestSRI or digestMultibase", json_path=path))


def check_presentation(document: Any) -> list[BpvcError]:
    """Every data-model problem of a presentation; embedded credentials are checked separately."""
    if not isinstance(document, dict):
        return [MalformedError("a presentation must be a JSON object", json_path="$")]
    problems: list[BpvcError] = []
    _check_context(document, problems)
    _check_type(document, "VerifiablePresentation", problems)
    if "id" in document:
        _check_id(document["id"], "$.id", problems)
    if "holder" in document:
        holder = document["holder"]
        _check_id(holder.get("id") if isinstance(holder, dict) else holder, "$.holder", problems)
    creds = document.get("verifiableCredential", [])
    for i, item in enumerate(creds if isinstance(creds, list) else [creds]):
        path = f"$.verifiableCredential[{i}]"
        if not isinstance(item, dict):
            problems.append(
                MalformedError(
                    "verifiableCredential entries must be objects (a JWT goes in an EnvelopedVerifiableCredential)",
                    json_path=path,
                )
            )
        elif "EnvelopedVerifiableCredential" in types_of(item):
            if "@context" not in item:
                problems.append(MalformedError("an enveloped credential needs @context", json_path=path))
            if not (isinstance(item.get("id"), str) and item["id"].startswith("data:")):
                problems.append(
                    MalformedError("an enveloped credential's id must be a data: URL", json_path=f"{path}.id")
                )
        else:
            _check_type(item, "VerifiableCredential", problems, path)
    return problems
