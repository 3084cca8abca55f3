"""Opt-in, bounded https fetching for DID documents and status lists.

Nothing in bpvc touches the network unless the caller builds a :class:`Fetcher` and
passes it in. A fetcher only speaks https, connects only to public addresses (the
address it checked is the one it connects to, so DNS rebinding cannot swap it),
follows redirects only to https, stops reading past a size cap, and caches answers
for a TTL. The transport is injectable so tests need no network.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from . import strict_json
from .errors import FetchError

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 1 << 20  # 1 MiB
DEFAULT_TTL = 300.0
MAX_REDIRECTS = 3


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class Transport(Protocol):
    """Performs one GET to an already-vetted address; returns at most ``max_bytes + 1`` body bytes."""

    def get(self, url: str, address: str, *, timeout: float, max_bytes: int) -> Response: ...


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve_public(host: str, port: int) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as err:
        raise FetchError(f"cannot resolve host {host!r}: {err}") from None
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        if not is_public_address(str(address)):
            raise FetchError(f"host {host!r} resolves to a non-public address ({address}); refused")
    if not addresses:
        raise FetchError(f"host {host!r} has no address")
    return str(addresses[0])


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to a fixed IP address, verified against the URL's host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class HttpsTransport:
    """The real transport: one https GET over a pinned connection, with a byte cap.

    ``timeout`` bounds the whole exchange, not each read: a server that trickles one byte at a
    time would otherwise hold the caller for as long as it likes. At the deadline a timer shuts
    the socket down, which ends any read in progress.
    """

    def get(self, url: str, address: str, *, timeout: float, max_bytes: int) -> Response:
        parts = urllib.parse.urlsplit(url)
        conn = _PinnedHTTPSConnection(parts.hostname or "", parts.port or 443, address, timeout)
        expired = threading.Event()
        timer: threading.Timer | None = None
        try:
            conn.connect()
            sock = conn.sock
            timer = threading.Timer(timeout, _cut, (sock, expired))
            timer.daemon = True
            timer.start()
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            conn.request(
                "GET", path, headers={"Accept": "application/json, application/ld+json", "Accept-Encoding": "gzip"}
            )
            resp = conn.getresponse()
            chunks: list[bytes] = []
            size = 0
            while size <= max_bytes:
                chunk = resp.read1(min(65536, max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if expired.is_set():
                raise FetchError(f"GET {url} took longer than {timeout:g} s; refused", url=url)
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, b"".join(chunks))
        except (OSError, http.client.HTTPException, ValueError) as err:
            if expired.is_set():
                raise FetchError(f"GET {url} took longer than {timeout:g} s; refused", url=url) from None
            raise FetchError(f"GET {url} failed: {err}", url=url) from None
        finally:
            if timer is not None:
                timer.cancel()
            conn.close()


def _cut(sock: Any, expired: threading.Event) -> None:
    expired.set()
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def gunzip_capped(data: bytes, max_bytes: int) -> bytes:
    """Decompress gzip data but refuse output larger than ``max_bytes`` (a gzip bomb)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as err:
        raise FetchError(f"invalid gzip data: {err}") from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise FetchError(f"decompressed data exceeds {max_bytes} bytes; refused")
    if not inflater.eof:
        raise FetchError("gzip data is truncated")
    return out


class Fetcher:
    """Bounded https GET with a TTL cache; thread-safe. Errors are never cached."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ttl: float = DEFAULT_TTL,
        transport: Transport | None = None,
        resolve: Callable[[str, int], str] = _resolve_public,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._transport = transport or HttpsTransport()
        self._resolve = resolve
        self._clock = clock
        self._cache: dict[str, tuple[float, bytes]] = {}
        self._lock = threading.Lock()

    def fetch(self, url: str, *, ttl: float | None = None) -> bytes:
        now = self._clock()
        with self._lock:
            hit = self._cache.get(url)
            if hit and hit[0] > now:
                return hit[1]
        body = self._fetch_uncached(url)
        with self._lock:
            self._cache[url] = (now + (self.ttl if ttl is None else ttl), body)
        return body

    def fetch_json(self, url: str) -> Any:
        body = self.fetch(url)
        try:
            return strict_json.loads(body, max_bytes=self.max_bytes)
        except ValueError as err:
            raise FetchError(f"{url} did not return acceptable JSON: {strict_json.describe(err)}", url=url) from None

    def _fetch_uncached(self, url: str) -> bytes:
        deadline = self._clock() + self.timeout  # one budget for the whole fetch, redirects included
        for _ in range(MAX_REDIRECTS + 1):
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise FetchError(f"fetching {url} took longer than {self.timeout:g} s; refused", url=url)
            parts = urllib.parse.urlsplit(url)
            if parts.scheme != "https" or not parts.hostname:
                raise FetchError(f"only https URLs are fetched; refused {url!r}", url=url)
            if parts.username or parts.password:
                raise FetchError(f"URLs with credentials are refused: {url!r}", url=url)
            address = self._resolve(parts.hostname, parts.port or 443)
            resp = self._transport.get(url, address, timeout=remaining, max_bytes=self.max_bytes)
            if resp.status in (301, 302, 303, 307, 308):
                location = resp.headers.get("location")
                if not location:
                    raise FetchError(f"{url} redirected without a location", url=url)
                url = urllib.parse.urljoin(url, location)
                continue
            if resp.status != 200:
                raise FetchError(f"GET {url} answered HTTP {resp.status}", url=url)
            if len(resp.body) > self.max_bytes:
                raise FetchError(f"{url} is larger than {self.max_bytes} bytes; refused", url=url)
            body = resp.body
            if resp.headers.get("content-encoding") == "gzip":
                body = gunzip_capped(body, self.max_bytes)
            return body
        raise FetchError(f"too many redirects from {url}", url=url)


__all__ = ["Fetcher", "HttpsTransport", "Response", "Transport", "gunzip_capped", "is_public_address"]
