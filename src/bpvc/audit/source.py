"""Reading a batch of received credentials: a folder, a JSON Lines file or a zip archive.

Each credential is kept byte for byte (digests are taken over what was received) together
with what sampling and stratification need: its id, issuer, model and manufacturing plant.
Nothing is verified here.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import data_model as model
from .. import strict_json
from ..errors import MalformedError
from ..securing import jose

MAX_MEMBER_BYTES = 16 << 20  # one credential; a larger zip member is refused, not inflated
MAX_ITEMS = 1_000_000
_SUFFIXES = {".json", ".jsonld", ".jwt", ".txt", ".vc"}


@dataclass(frozen=True)
class Received:
    """One credential as received."""

    name: str  # where it came from: a path, "batch.jsonl:12" or "batch.zip:member"
    raw: bytes
    document: dict[str, Any] | None  # the credential (a JWT's payload); None when unreadable
    key: str = ""  # unique within the batch: the credential id, made unique when ids repeat
    enveloped: bool = False  # a vc+jwt, bare or in an EnvelopedVerifiableCredential: document is its payload
    not_credential: str | None = None  # why the item is not a credential at all, when it plainly is not

    @property
    def id(self) -> str:
        ident = self.document.get("id") if self.document else None
        return ident if isinstance(ident, str) else self.name

    @property
    def issuer(self) -> str | None:
        return model.issuer_id(self.document) if self.document else None

    @property
    def model(self) -> str:
        """The credential type, with the record model version when bpvc's contexts name it."""
        if not self.document:
            return "(unreadable)"
        types = [t for t in model.types_of(self.document) if t != "VerifiableCredential"] or ["VerifiableCredential"]
        version = next(
            (
                c.rsplit("/", 1)[1]
                for c in self.document.get("@context", [])
                if isinstance(c, str) and c.startswith("https://w3id.org/bpvc/contexts/") and "/credentials/" not in c
            ),
            None,
        )
        return ",".join(types) + (f" {version}" if version else "")

    @property
    def plant(self) -> str:
        """The manufacturing facility (BPNA) a passport names; PCFs and others have none here."""
        subject = self.document.get("credentialSubject") if self.document else None
        facility = None
        if isinstance(subject, dict):
            operation = subject.get("operation")
            manufacturer = operation.get("manufacturer") if isinstance(operation, dict) else None
            facilities = manufacturer.get("facility") if isinstance(manufacturer, dict) else None
            if isinstance(facilities, list) and facilities and isinstance(facilities[0], dict):
                facility = facilities[0].get("facility")
        return str(facility) if facility else "(no plant)"


def _parse(raw: bytes) -> tuple[dict[str, Any] | None, bool]:
    """The credential (a JWT's payload, decoded for display only) and whether it came enveloped."""
    text = raw.decode("utf-8", errors="replace").strip()
    if jose.looks_like_jws(text):
        try:
            return jose.decode(text).payload, True
        except MalformedError:
            return None, True
    try:
        document = strict_json.loads(text, max_bytes=MAX_MEMBER_BYTES)
    except ValueError:  # not JSON, or JSON bpvc refuses (duplicates, NaN, too deep): unreadable
        return None, False
    if isinstance(document, dict):
        enveloped = None
        try:
            enveloped = jose.unwrap_envelope(document)
        except MalformedError:
            pass
        if enveloped is not None:
            try:
                return jose.decode(enveloped[1]).payload, True
            except MalformedError:
                return None, True
        return document, False
    return None, False


# A DID document or a bare record has @context or id too; a credential (or a damaged one) has one of these.
_CREDENTIAL_KEYS = ("type", "proof", "issuer", "credentialSubject", "verifiableCredential")


def not_a_credential(raw: bytes) -> str | None:
    """Why ``raw`` is plainly not a credential (None when it is one, or may be a broken one).

    Only what no credential could be is set aside: text that is neither a JSON object nor a JWT,
    JSON that is not an object, and an object with none of a credential's members. A credential
    that is damaged (truncated, duplicate members, a JWT that does not decode) stays in the batch
    and fails verification: a defect is never set aside as "not a credential".
    """
    text = raw.lstrip()
    if not text:
        return "an empty file"
    if text[:1] == b"{" or text[:2] == b"ey":  # an object or a JWT, perhaps a damaged one
        try:
            document = strict_json.loads(text, max_bytes=MAX_MEMBER_BYTES)
        except ValueError:
            return None
        if isinstance(document, dict) and not any(k in document for k in _CREDENTIAL_KEYS):
            return "a JSON object with none of a credential's members (type, issuer, credentialSubject, proof)"
        return None
    try:
        value = strict_json.loads(text, max_bytes=MAX_MEMBER_BYTES)
    except ValueError:
        return "neither JSON nor a JWT"
    kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")
    return f"JSON {kind}, not a credential object"


def _jsonl(path: Path) -> Iterator[tuple[str, bytes]]:
    with path.open("rb") as fh:
        number = 0
        while line := fh.readline(MAX_MEMBER_BYTES + 1):
            number += 1
            if len(line) > MAX_MEMBER_BYTES:
                raise MalformedError(f"{path}:{number} is longer than {MAX_MEMBER_BYTES} bytes; refused")
            line = line.strip()
            if not line:
                continue
            # a line holds a credential object, or a JWT as a JSON string (its quotes are the only difference)
            if line.startswith(b'"') and line.endswith(b'"'):
                try:
                    value = strict_json.loads(line)
                except ValueError:
                    value = None
                if isinstance(value, str):
                    yield f"{path.name}:{number}", value.encode()
                    continue
            yield f"{path.name}:{number}", line


def _zip(path: Path) -> Iterator[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as err:
        raise MalformedError(f"{path} is not a zip archive: {err}") from None
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or Path(info.filename).suffix.lower() not in _SUFFIXES:
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                raise MalformedError(f"{path}:{info.filename} is larger than {MAX_MEMBER_BYTES} bytes; refused")
            with archive.open(info) as member:
                data = member.read(MAX_MEMBER_BYTES + 1)
            if len(data) > MAX_MEMBER_BYTES:
                raise MalformedError(f"{path}:{info.filename} inflates past {MAX_MEMBER_BYTES} bytes; refused")
            yield f"{path.name}:{info.filename}", data


def _folder(path: Path) -> Iterator[tuple[str, bytes]]:
    for file in sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and p.suffix.lower() in _SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    ):
        try:
            data = strict_json.read_bounded(file, max_bytes=MAX_MEMBER_BYTES)
        except strict_json.StrictJsonError:
            raise MalformedError(f"{file} is larger than {MAX_MEMBER_BYTES} bytes; refused") from None
        yield str(file.relative_to(path)), data


def read_batch(source: str | Path) -> list[Received]:
    """Every credential in ``source`` (a folder, a .jsonl file or a .zip archive), in a stable order."""
    path = Path(source)
    if path.is_dir():
        entries = _folder(path)
    elif path.suffix.lower() == ".zip":
        entries = _zip(path)
    elif path.suffix.lower() in (".jsonl", ".ndjson"):
        entries = _jsonl(path)
    elif path.is_file():
        raise MalformedError(f"{source}: give a folder, a .jsonl file or a .zip archive")
    else:
        raise MalformedError(f"{source}: no such file or folder")
    items = []
    for name, raw in entries:
        document, enveloped = _parse(raw)
        items.append(Received(name, raw, document, enveloped=enveloped, not_credential=not_a_credential(raw)))
        if len(items) > MAX_ITEMS:
            raise MalformedError(f"{source} holds more than {MAX_ITEMS} credentials")
    counts = Counter(item.id for item in items)
    return [replace(i, key=i.id if counts[i.id] == 1 else f"{i.id}@{i.name}") for i in items]


def input_digest(source: str | Path) -> str:
    """SHA-256 of a file, or of a folder's ``sha256sum``-style listing (sorted), for the report."""
    path = Path(source)
    if path.is_file():
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()
    lines = [f"{hashlib.sha256(name_bytes).hexdigest()}  {name}\n" for name, name_bytes in _folder(path)]
    return hashlib.sha256("".join(lines).encode()).hexdigest()
