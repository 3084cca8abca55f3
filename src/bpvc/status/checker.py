"""The verifier's status check: Bitstring Status List v1.0 §3.2 (and StatusList2021 on input).

Every entry's list credential comes from a local mapping or, only when the caller opted
in, from a bounded https fetch. The list credential must verify (proof, key, validity),
be issued by the credential's issuer or a trusted list issuer, carry the entry's purpose,
be at least 131,072 entries long and cover the index. Anything that cannot be decided
makes the check *indeterminate*: a status is never assumed to be fine.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import data_model as model
from .. import dates, strict_json
from ..errors import (
    CREDENTIAL_REVOKED,
    CREDENTIAL_SUSPENDED,
    MALFORMED_VALUE_ERROR,
    RANGE_ERROR,
    STATUS_LIST_LENGTH_ERROR,
    STATUS_RETRIEVAL_ERROR,
    STATUS_VERIFICATION_ERROR,
    BpvcError,
    FetchError,
    StatusError,
    StatusOutcome,
)
from ..fetch import Fetcher
from .bitstring import MAX_DECODED_BYTES, MIN_ENTRIES, Bitstring, StatusListLengthError, decode
from .messages import MAX_STATUS_SIZE  # 256 statusMessage entries: bounds an entry before any list

ENTRY_TYPES = {"BitstringStatusListEntry": False, "StatusList2021Entry": True}  # type -> legacy
LIST_TYPES = {
    False: ("BitstringStatusListCredential", "BitstringStatusList"),
    True: ("StatusList2021Credential", "StatusList2021"),
}
DEFAULT_TTL_SECONDS = 300.0
_DIGITS = re.compile(r"^(0|[1-9][0-9]*)$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")


@dataclass(frozen=True)
class EntryResult:
    """The status of one credentialStatus entry: ``status`` is valid / revoked / suspended / a message."""

    purpose: str
    index: int | None
    status: str | None
    error: BpvcError | None = None
    value: int | None = None  # the entry's raw value, statusSize bits wide
    message: str | None = None  # the statusMessage for ``value``, when the entry has statusMessage
    references: tuple[str, ...] = ()  # statusReference: where the issuer explains its status values

    @property
    def summary(self) -> str:
        """One line for the status check's detail: purpose, index, status, value, message and references."""
        text = f"{self.purpose} {self.index}: {self.status}"
        if self.message is not None and self.message != self.status:
            text += f" ({self.message})"
        if self.value is not None and self.message is not None:
            text += f" [{hex(self.value)}]"
        if self.references:
            text += f" (statusReference {' '.join(self.references)})"
        return text


@dataclass(frozen=True)
class _CachedList:
    document: dict[str, Any]
    bits_by_size: dict[int, Bitstring]
    expires: dates.Instant


class StatusChecker:
    """Resolves, verifies and reads status lists; thread-safe, with a TTL cache per list URL."""

    def __init__(
        self,
        *,
        lists: Mapping[str, str | Path | Mapping[str, Any]] | None = None,
        source: Callable[[str], Mapping[str, Any] | None] | None = None,
        fetcher: Fetcher | None = None,
        trusted_list_issuers: frozenset[str] = frozenset(),
        min_entries: int = MIN_ENTRIES,
        max_decoded_bytes: int = MAX_DECODED_BYTES,
    ) -> None:
        self._lists = dict(lists or {})
        self._source = source  # e.g. the issuer's own registry, asked before files and the network
        self._fetcher = fetcher
        self._trusted = trusted_list_issuers
        self._min_entries = min_entries
        self._max_bytes = max_decoded_bytes
        self._cache: dict[str, _CachedList] = {}
        self._lock = threading.Lock()

    def check(
        self, credential: dict[str, Any], now: dates.Instant, verify_list: Callable[[dict[str, Any]], list[BpvcError]]
    ) -> list[EntryResult]:
        """One result per entry. ``verify_list`` returns the problems of a list credential (empty = verified)."""
        status = credential.get("credentialStatus")
        entries = status if isinstance(status, list) else [status]
        issuer = model.issuer_id(credential)
        results = []
        for i, entry in enumerate(entries):
            path = f"$.credentialStatus[{i}]" if isinstance(status, list) else "$.credentialStatus"
            try:
                results.append(self._check_entry(entry, issuer, now, verify_list, path))
            except BpvcError as err:
                purpose = entry.get("statusPurpose") if isinstance(entry, dict) else None
                results.append(EntryResult(str(purpose), None, None, err))
        return results

    def _check_entry(
        self,
        entry: Any,
        issuer: str | None,
        now: dates.Instant,
        verify_list: Callable[[dict[str, Any]], list[BpvcError]],
        path: str,
    ) -> EntryResult:
        if not isinstance(entry, dict):
            raise StatusError(
                "credentialStatus entries must be objects", problem_type=MALFORMED_VALUE_ERROR, json_path=path
            )
        entry_type = entry.get("type")
        if entry_type not in ENTRY_TYPES:
            raise StatusError(
                f"status type {entry_type!r} is not supported (BitstringStatusListEntry, StatusList2021Entry)",
                json_path=f"{path}.type",
            )
        legacy = ENTRY_TYPES[str(entry_type)]
        purpose, index, size, url = self._read_entry(entry, legacy, path)
        document, bits = self._list(url, size, legacy, now, verify_list)
        list_issuer = model.issuer_id(document)
        if list_issuer != issuer and list_issuer not in self._trusted:
            raise StatusError(
                f"the status list {url} is issued by {list_issuer}, not by the credential's issuer {issuer}",
                problem_type=STATUS_VERIFICATION_ERROR,
                json_path=f"{path}.statusListCredential",
            )
        subject = document.get("credentialSubject")
        list_purposes = subject.get("statusPurpose") if isinstance(subject, dict) else None
        allowed = list_purposes if isinstance(list_purposes, list) else [list_purposes]
        if purpose not in allowed:
            raise StatusError(
                f"the status list {url} is for {list_purposes!r}, not {purpose!r}",
                problem_type=STATUS_VERIFICATION_ERROR,
                json_path=f"{path}.statusPurpose",
            )
        if index >= bits.entries:
            raise StatusError(
                f"statusListIndex {index} is beyond the list's {bits.entries} entries",
                problem_type=RANGE_ERROR,
                json_path=f"{path}.statusListIndex",
            )
        value = bits.get(index)
        messages = self._messages(entry, size, path)
        # 2^statusSize distinct values, each below 2^statusSize: every value the list can hold has its message
        message = messages[value] if messages is not None else None
        return EntryResult(
            purpose,
            index,
            self._meaning(purpose, value, message),
            value=value,
            message=message,
            references=self._references(entry, path),
        )

    def _read_entry(self, entry: dict[str, Any], legacy: bool, path: str) -> tuple[str, int, int, str]:
        purpose = entry.get("statusPurpose")
        if not isinstance(purpose, str) or not purpose:
            raise StatusError(
                "statusPurpose is required", problem_type=MALFORMED_VALUE_ERROR, json_path=f"{path}.statusPurpose"
            )
        raw_index = entry.get("statusListIndex")
        if not isinstance(raw_index, str) or not _DIGITS.match(raw_index):
            raise StatusError(
                f"statusListIndex must be a base-10 string of digits, found {raw_index!r}",
                problem_type=MALFORMED_VALUE_ERROR,
                json_path=f"{path}.statusListIndex",
            )
        size = entry.get("statusSize", 1)
        if legacy:
            size = 1
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise StatusError(
                "statusSize must be a positive integer",
                problem_type=MALFORMED_VALUE_ERROR,
                json_path=f"{path}.statusSize",
            )
        if size > MAX_STATUS_SIZE:
            raise StatusError(
                f"statusSize {size} is above the {MAX_STATUS_SIZE} bits bpvc reads",
                problem_type=MALFORMED_VALUE_ERROR,
                json_path=f"{path}.statusSize",
            )
        if size > 1 and "statusMessage" not in entry:
            raise StatusError(
                f"statusSize {size} needs statusMessage with exactly {2**size} entries",
                problem_type=MALFORMED_VALUE_ERROR,
                json_path=f"{path}.statusMessage",
            )
        self._messages(entry, size, path)  # a malformed statusMessage or statusReference is refused before any list
        self._references(entry, path)
        url = entry.get("statusListCredential")
        if not model.is_url(url):
            raise StatusError(
                "statusListCredential must be a URL",
                problem_type=MALFORMED_VALUE_ERROR,
                json_path=f"{path}.statusListCredential",
            )
        return purpose, int(raw_index), size, str(url)

    @staticmethod
    def _messages(entry: dict[str, Any], size: int, path: str) -> dict[int, str] | None:
        """``statusMessage`` as value -> message; exactly 2^statusSize well-formed, distinct items."""
        if "statusMessage" not in entry:
            return None
        raw = entry["statusMessage"]
        where = f"{path}.statusMessage"
        if not isinstance(raw, list) or len(raw) != 2**size:
            raise StatusError(
                f"statusSize {size} needs exactly {2**size} statusMessage entries, found "
                f"{len(raw) if isinstance(raw, list) else type(raw).__name__}",
                problem_type=MALFORMED_VALUE_ERROR,
                json_path=where,
            )
        messages: dict[int, str] = {}
        for i, item in enumerate(raw):
            status = item.get("status") if isinstance(item, dict) else None
            message = item.get("message") if isinstance(item, dict) else None
            if not isinstance(status, str) or not _HEX.match(status) or not isinstance(message, str):
                raise StatusError(
                    'each statusMessage entry needs "status" (a "0x" hexadecimal string) and "message" (a string)',
                    problem_type=MALFORMED_VALUE_ERROR,
                    json_path=f"{where}[{i}]",
                )
            value = int(status, 16)
            if value >= 2**size or value in messages:
                raise StatusError(
                    f"statusMessage status {status} is {'repeated' if value in messages else 'too wide'} "
                    f"for statusSize {size}",
                    problem_type=MALFORMED_VALUE_ERROR,
                    json_path=f"{where}[{i}].status",
                )
            messages[value] = message
        return messages

    @staticmethod
    def _references(entry: dict[str, Any], path: str) -> tuple[str, ...]:
        """``statusReference``: one URL or a list of URLs, carried into the result."""
        raw = entry.get("statusReference")
        if raw is None:
            return ()
        items = raw if isinstance(raw, list) else [raw]
        if not items or not all(model.is_url(item) for item in items):
            raise StatusError(
                "statusReference must be a URL or a list of URLs",
                problem_type=MALFORMED_VALUE_ERROR,
                json_path=f"{path}.statusReference",
            )
        return tuple(str(item) for item in items)

    @staticmethod
    def _meaning(purpose: str, value: int, message: str | None) -> str:
        """Revocation and suspension keep their meaning at any width: any value but 0 is set (§3.2: valid = 0)."""
        if purpose == "message":
            return message if message is not None else hex(value)
        if value == 0:
            return "valid"
        return {"revocation": "revoked", "suspension": "suspended"}.get(purpose, f"{purpose} set")

    # -- list retrieval ----------------------------------------------------------------------------

    def _list(
        self,
        url: str,
        size: int,
        legacy: bool,
        now: dates.Instant,
        verify_list: Callable[[dict[str, Any]], list[BpvcError]],
    ) -> tuple[dict[str, Any], Bitstring]:
        held = self._from_source(url)
        with self._lock:
            cached = self._cache.get(url)
        # a list from the source is always current (the source renews it on every change), so the cache
        # only saves decoding it again; any other list is kept until its ttl runs out
        fresh = cached is not None and (cached.document == held if held is not None else cached.expires > now)
        if cached is not None and fresh and size in cached.bits_by_size:
            return cached.document, cached.bits_by_size[size]
        document = held if held is not None else self._load(url)
        problems = verify_list(document)
        if problems:
            reasons = "; ".join(p.detail for p in problems[:3])
            raise StatusError(
                f"the status list {url} does not verify: {reasons}", problem_type=STATUS_VERIFICATION_ERROR
            )
        credential_type, subject_type = LIST_TYPES[legacy]
        subject = document.get("credentialSubject")
        if (
            credential_type not in model.types_of(document)
            or not isinstance(subject, dict)
            or subject_type not in model.types_of(subject)
        ):
            raise StatusError(f"{url} is not a {credential_type}", problem_type=STATUS_VERIFICATION_ERROR)
        try:
            bits = decode(
                subject.get("encodedList"),
                status_size=size,
                legacy=legacy,
                max_bytes=self._max_bytes,
                min_entries=self._min_entries,
            )
        except StatusListLengthError as err:
            raise StatusError(err.detail, problem_type=STATUS_LIST_LENGTH_ERROR) from None
        except BpvcError as err:
            raise StatusError(
                f"the status list {url} cannot be decoded: {err.detail}", problem_type=STATUS_VERIFICATION_ERROR
            ) from None
        with self._lock:
            entry = self._cache.get(url)
            by_size = dict(entry.bits_by_size) if entry and entry.document == document else {}
            by_size[size] = bits
            self._cache[url] = _CachedList(document, by_size, self._expiry(document, now))
        return document, bits

    @staticmethod
    def _expiry(document: dict[str, Any], now: dates.Instant) -> dates.Instant:
        """Cache until ``ttl`` (milliseconds) runs out, never past ``validUntil``."""
        subject = document.get("credentialSubject")
        ttl = subject.get("ttl") if isinstance(subject, dict) else None
        seconds = (
            ttl / 1000
            if isinstance(ttl, (int, float)) and not isinstance(ttl, bool) and ttl > 0
            else DEFAULT_TTL_SECONDS
        )
        expires = now + dates.Instant(str(seconds))
        try:
            until = dates.parse(document["validUntil"]) if "validUntil" in document else None
        except BpvcError:
            until = None
        return min(expires, until) if until is not None else expires

    def _from_source(self, url: str) -> dict[str, Any] | None:
        if self._source is None:
            return None
        try:
            held = self._source(url)
        except BpvcError as err:
            raise StatusError(
                f"the status list {url} cannot be built: {err.detail}", problem_type=STATUS_RETRIEVAL_ERROR
            ) from None
        return None if held is None else dict(held)

    def _load(self, url: str) -> dict[str, Any]:
        source = self._lists.get(url)
        if isinstance(source, Mapping):
            return dict(source)
        try:
            if source is not None:
                text = strict_json.read_bounded(source)
            elif self._fetcher is not None:
                text = self._fetcher.fetch(url, ttl=0)  # the list's own ttl governs caching, here
            else:
                raise StatusError(
                    f"the status list {url} is not available offline; supply it with "
                    "--status-list URL=FILE or allow network access",
                    problem_type=STATUS_RETRIEVAL_ERROR,
                )
        except FetchError as err:
            raise StatusError(
                f"the status list {url} cannot be retrieved: {err.detail}", problem_type=STATUS_RETRIEVAL_ERROR
            ) from None
        except (OSError, ValueError) as err:
            raise StatusError(
                f"the status list file for {url} cannot be read: {getattr(err, 'strerror', None) or err}",
                problem_type=STATUS_RETRIEVAL_ERROR,
            ) from None
        try:
            document = strict_json.loads(text)
        except ValueError as err:
            raise StatusError(
                f"the status list {url} is not acceptable JSON: {strict_json.describe(err)}",
                problem_type=STATUS_RETRIEVAL_ERROR,
            ) from None
        if not isinstance(document, dict):
            raise StatusError(f"the status list {url} is not a credential", problem_type=STATUS_RETRIEVAL_ERROR)
        return document


def outcome_problems(results: list[EntryResult]) -> tuple[list[BpvcError], list[BpvcError]]:
    """(definite status problems: revoked / suspended, undecided problems)."""
    definite: list[BpvcError] = []
    undecided: list[BpvcError] = []
    for r in results:
        if r.error is not None:
            undecided.append(r.error)
        elif r.status == "revoked":
            definite.append(
                StatusOutcome(
                    f"the credential is revoked (revocation list index {r.index}){_told(r)}",
                    problem_type=CREDENTIAL_REVOKED,
                    json_path="$.credentialStatus",
                )
            )
        elif r.status == "suspended":
            definite.append(
                StatusOutcome(
                    f"the credential is suspended (suspension list index {r.index}){_told(r)}",
                    problem_type=CREDENTIAL_SUSPENDED,
                    json_path="$.credentialStatus",
                )
            )
    return definite, undecided


def _told(result: EntryResult) -> str:
    """The issuer's message and references for a set revocation or suspension value, if it gave any."""
    text = f": {result.message}" if result.message is not None else ""
    return text + (f" (statusReference {' '.join(result.references)})" if result.references else "")


__all__ = ["EntryResult", "StatusChecker", "outcome_problems", "STATUS_RETRIEVAL_ERROR"]
