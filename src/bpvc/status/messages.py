"""A multi-bit status scheme for issuing: ``statusSize``, ``statusMessage`` and ``statusReference``.

Bitstring Status List v1.0 §2.1: an entry of ``statusSize`` bits carries exactly 2^statusSize
``statusMessage`` items ``{status: "0x…", message}``, one per value, and may name the issuer's
explanation of its values in ``statusReference``. The issuing side refuses any scheme the
verifying side (:mod:`bpvc.status.checker`) would not read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .. import data_model as model
from ..errors import MalformedError

MAX_STATUS_SIZE = 8  # the bound the checker reads, too
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")


@dataclass(frozen=True)
class StatusScheme:
    """What a multi-bit entry's values mean; ``messages[v]`` is the message for value ``v``."""

    size: int
    messages: tuple[str, ...]
    references: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.size, bool) or not 1 <= self.size <= MAX_STATUS_SIZE:
            raise MalformedError(f"statusSize must be 1 to {MAX_STATUS_SIZE} (got {self.size!r})")
        if len(self.messages) != 2**self.size or not all(isinstance(m, str) for m in self.messages):
            raise MalformedError(
                f"statusSize {self.size} needs exactly {2**self.size} status messages (got {len(self.messages)})"
            )
        if not all(model.is_url(r) for r in self.references):
            raise MalformedError("statusReference must be URLs", json_path="statusReference")

    @classmethod
    def from_json(cls, size: int, messages: object, references: tuple[str, ...] = ()) -> StatusScheme:
        """From a ``statusMessage`` list (as in a credential), in any order; each value exactly once."""
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_STATUS_SIZE:
            raise MalformedError(f"statusSize must be 1 to {MAX_STATUS_SIZE} (got {size!r})")
        if not isinstance(messages, list):
            raise MalformedError("the status messages must be a JSON list of {status, message} objects")
        by_value: dict[int, str] = {}
        for i, item in enumerate(messages):
            status = item.get("status") if isinstance(item, dict) else None
            message = item.get("message") if isinstance(item, dict) else None
            if not isinstance(status, str) or not _HEX.match(status) or not isinstance(message, str) or not message:
                raise MalformedError(
                    'each status message needs "status" (a "0x" hexadecimal string) and a non-empty "message"',
                    json_path=f"$[{i}]",
                )
            value = int(status, 16)
            if value in by_value or value >= 2**size:
                raise MalformedError(
                    f"status {status} is {'repeated' if value in by_value else f'too wide for statusSize {size}'}",
                    json_path=f"$[{i}].status",
                )
            by_value[value] = message
        if len(by_value) != 2**size:
            raise MalformedError(f"statusSize {size} needs exactly {2**size} status messages (got {len(by_value)})")
        return cls(size, tuple(by_value[v] for v in range(2**size)), references)

    def status_message(self) -> list[dict[str, str]]:
        """``statusMessage`` as the entry carries it."""
        return [{"status": hex(value), "message": message} for value, message in enumerate(self.messages)]

    def entry_fields(self) -> dict[str, Any]:
        """The fields a credentialStatus entry of this scheme adds."""
        fields: dict[str, Any] = {"statusSize": self.size, "statusMessage": self.status_message()}
        if self.references:
            fields["statusReference"] = self.references[0] if len(self.references) == 1 else list(self.references)
        return fields

    def stored(self) -> str:
        """The scheme as the registry keeps it (and compares it: one list per scheme)."""
        return json.dumps({"messages": list(self.messages), "references": list(self.references)}, sort_keys=True)

    @classmethod
    def from_stored(cls, size: int, text: str) -> StatusScheme:
        data = json.loads(text)
        return cls(size, tuple(data["messages"]), tuple(data["references"]))

    def parse_value(self, text: str) -> int:
        """``0x…`` (or decimal) as a value of this scheme, or a message of it."""
        if text in self.messages:
            return self.messages.index(text)
        try:
            value = int(text, 16) if text.lower().startswith("0x") else int(text, 10)
        except ValueError:
            raise MalformedError(
                f"status value {text!r} is neither 0x… nor one of the messages ({', '.join(self.messages)})"
            ) from None
        if not 0 <= value < 2**self.size:
            raise MalformedError(f"status value {text} does not fit in statusSize {self.size}")
        return value


__all__ = ["MAX_STATUS_SIZE", "StatusScheme"]
