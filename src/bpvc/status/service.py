"""The registry behind the HTTP service's status endpoints (``bpvc serve --registry``).

It implements :class:`bpvc.server.app.StatusService`: status changes go to the registry, list
credentials are built from the registry's bits and signed by the issuer on request (cached
until the registry changes or the cache runs out), and issuing through the service gets status
entries allocated and recorded in the same registry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from .. import dates
from ..issue.credential import issue_credential
from ..keys.primitives import Signer
from .publish import DEFAULT_TTL_MS, DEFAULT_VALIDITY, list_credential
from .registry import Registry, RegistryError

_PURPOSE_OF = {"revoke": "revocation", "suspend": "suspension", "reinstate": "suspension"}
CACHE_SECONDS = 60.0


class RegistryStatusService:
    """Status updates, signed lists and entry allocation for one issuer over one registry."""

    def __init__(
        self,
        registry: Registry,
        signer: Signer,
        status_base: str,
        *,
        validity: timedelta = DEFAULT_VALIDITY,
        ttl_ms: int = DEFAULT_TTL_MS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._registry = registry
        self._signer = signer
        self._issuer = signer.verification_method.split("#", 1)[0]
        self._base = status_base
        self._validity = validity
        self._ttl_ms = ttl_ms
        self._clock = clock  # None: the wall clock
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def update(self, credential_id: str, purpose: str, action: str) -> None:
        if _PURPOSE_OF.get(action) != purpose:
            raise RegistryError(f"{action} does not apply to the {purpose} purpose")
        self._registry.set_status(credential_id, action)
        with self._lock:
            self._cache.clear()

    def list_for_url(self, url: str) -> dict[str, Any] | None:
        """The signed list published at ``url``, when it is one of this issuer's (a StatusChecker source)."""
        info = next((lst for lst in self._registry.lists() if lst.url == url), None)
        return None if info is None else self.list_credential(info.id)

    def list_credential(self, list_id: str) -> dict[str, Any] | None:
        info = next((lst for lst in self._registry.lists() if lst.id == list_id), None)
        if info is None or info.issuer != self._issuer:
            return None
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(list_id)
            if hit and hit[0] > now:
                return hit[1]
        moment = (self._clock() if self._clock else dates.now_instant()).replace(microsecond=0)
        unsigned = list_credential(
            self._registry, list_id, issuer=self._issuer, now=moment, validity=self._validity, ttl_ms=self._ttl_ms
        )
        signed = issue_credential(unsigned, self._signer, created=moment)
        with self._lock:
            self._cache[list_id] = (now + min(CACHE_SECONDS, self._ttl_ms / 1000), signed)
        return signed

    def issue(
        self, credential: dict[str, Any], purposes: list[str], sign: Callable[[dict[str, Any]], dict[str, Any] | str]
    ) -> dict[str, Any] | str:
        """Allocate the entries, sign and record, in one registry transaction (as ``bpvc issue --status``)."""
        return self._registry.issue(credential, purposes=purposes, status_base=self._base, sign=sign)
