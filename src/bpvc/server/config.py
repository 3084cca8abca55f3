"""What one server instance serves (ServerConfig) and the status registry it talks to (StatusService)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..keys.primitives import Signer
from ..verify.verifier import Verifier
from . import DEFAULT_MAX_BODY_BYTES as DEFAULT_MAX_BODY_BYTES
from . import passport_page


class StatusService(Protocol):
    """The revocation registry behind ``/credentials/status``, ``/status-lists/{id}`` and issuing with status.

    ``update``: action is "revoke" | "suspend" | "reinstate"; raises bpvc.errors.BpvcError subclasses, and
    LookupError when the credential is unknown. ``list_credential``: the signed BitstringStatusListCredential,
    or None. ``issue``: allocate status entries, add them as credentialStatus, secure the credential with
    ``sign`` and record it, all in one transaction (used by /credentials/issue with options.statusPurpose).
    """

    def update(self, credential_id: str, purpose: str, action: str) -> None: ...

    def list_credential(self, list_id: str) -> dict[str, Any] | None: ...

    def issue(
        self, credential: dict[str, Any], purposes: list[str], sign: Callable[[dict[str, Any]], dict[str, Any] | str]
    ) -> dict[str, Any] | str: ...


@dataclass(frozen=True)
class ServerConfig:
    """What one server instance serves; immutable, shared by every request.

    Issuing needs ``issuer`` and ``token``; status updates need ``status`` and ``token``.
    A signer or registry without a token is refused rather than silently left unreachable.
    ``clock`` gives the time verification and proofs use (None: the wall clock). ``passports`` (from
    :func:`bpvc.server.passport_page.load_passports`) enables ``GET /passports/{identifier}``.
    """

    verifier: Verifier
    issuer: Signer | None = None
    token: str | None = None
    status: StatusService | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    clock: Callable[[], datetime] | None = None
    # passport identifier -> signed passport credential, for GET /passports/{identifier}
    passports: Mapping[str, passport_page.StoredPassport] | None = None

    def __post_init__(self) -> None:
        if self.max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be positive")
        if self.token is not None and not self.token.strip():
            raise ValueError("the bearer token must not be empty")
        if self.token is None and (self.issuer is not None or self.status is not None):
            raise ValueError("issuing and status updates need a bearer token; pass token=")
