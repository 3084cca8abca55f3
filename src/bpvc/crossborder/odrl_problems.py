"""What a Catena-X policy check reports: problems by JSON path and constraint, and the errors raised from them.

Both rule sets (bpvc's built-in rules and the profile's official schemas) report the same
:class:`Problem`s through the :class:`PolicyChecker` protocol, so callers and tests can put
them side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import OdrlError as OdrlError
from ..errors import ProfileUnavailableError as ProfileUnavailableError

KINDS = ("usage", "access")
POSITIONS = ("usage", "access", "prohibition", "obligation")


@dataclass(frozen=True)
class Problem:
    json_path: str
    message: str
    constraint: str | None = None

    def __str__(self) -> str:
        named = f" [{self.constraint}]" if self.constraint else ""
        return f"{self.json_path}{named}: {self.message}"


class PolicyChecker(Protocol):
    """A set of rules a policy is checked against; ``name`` says which, for the user."""

    @property
    def name(self) -> str: ...

    def problems(self, policy: Any, *, kind: str) -> list[Problem]:
        """Every way ``policy`` (a usage or access ``Set``) breaks the rules; empty when it conforms."""
        ...

    def constraint_problems(self, constraint: Any, where: str = "$", position: str | None = None) -> list[Problem]:
        """Every way one atomic constraint breaks the rules (where it may stand too, when ``position`` is given)."""
        ...


def check(policy: dict[str, Any], *, kind: str, checker: PolicyChecker) -> dict[str, Any]:
    """Return ``policy`` when it conforms to ``checker``; raise :class:`OdrlError` naming the first problem."""
    found = checker.problems(policy, kind=kind)
    if found:
        first = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        named = f"{first.constraint}: " if first.constraint else ""  # the JSON path travels as json_path
        raise OdrlError(
            f"{named}{first.message}{more}; checked against {checker.name}",
            json_path=first.json_path,
            constraint=first.constraint,
            rules=checker.name,
        )
    return policy


def json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out
