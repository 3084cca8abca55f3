"""The offline JSON-LD document loader.

It serves three kinds of context, and nothing else: the W3C contexts pyld bundles,
bpvc's own contexts (package data), and contexts the caller adds (optionally pinned
by SHA-256). Every document comes back tagged ``static`` so pyld keeps the processed
context across calls; each loader owns its own processed-context cache, so two
loaders that serve different documents for one URL never see each other's.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from pyld.context_resolver import ContextResolver
from pyld.documentloader.frozen import BUNDLED_CONTEXTS
from pyld.resolved_context import ResolvedContext

from .. import strict_json
from ..errors import ContextError

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"

# The subset of pyld's bundle that verifiable credentials use (activitystreams is left out).
_PYLD_URLS = (
    CREDENTIALS_V2,
    CREDENTIALS_V1,
    "https://w3id.org/security/v1",
    "https://w3id.org/security/v2",
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/suites/ed25519-2020/v1",
    "https://w3id.org/security/suites/jws-2020/v1",
)


@dataclass(frozen=True)
class ContextEntry:
    """One context the loader may serve."""

    url: str
    path: str
    sha256: str
    source: str  # "pyld", "w3c" (bpvc's transcription of a W3C context), "bpvc" or "user"


def _own_contexts() -> dict[str, Path]:
    folder = resources.files("bpvc") / "data" / "contexts"
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    return {url: Path(str(folder / name)) for url, name in index.items()}


class _LockedCache:
    """A thread-safe LRU mapping with the two operations pyld's ContextResolver uses."""

    def __init__(self, maxsize: int = 512) -> None:
        self._data: LRUCache[str, Any] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self._data.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        with self._lock:
            self._data[key] = value


def _shareable(resolved: ResolvedContext) -> ResolvedContext:
    """Give a ResolvedContext a locked cache: pyld's own LRU is mutated on reads and is not thread-safe."""
    resolved.cache = _LockedCache(maxsize=16)
    return resolved


class _FrozenContextResolver(ContextResolver):  # type: ignore[misc]
    """pyld's resolver, minus the JCS of every scoped context on every use.

    pyld keys a context object by its JCS serialization, computed each time a property-scoped
    context is met: a third of a passport's verification time. Context objects that belong to
    a loader-owned (never mutated) document are resolved once per object instead.
    """

    def __init__(
        self, shared_cache: Any, loader: ContextLoader, charge: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        super().__init__(shared_cache, loader)
        self._loader = loader
        self._charge = charge

    def _cache_resolved_context(self, key: Any, resolved: Any, tag: Any) -> Any:
        # resolved contexts kept in the loader's shared cache are used by every thread
        if tag:
            for item in resolved if isinstance(resolved, list) else [resolved]:
                if isinstance(item, ResolvedContext) and not isinstance(item.cache, _LockedCache):
                    _shareable(item)
        return super()._cache_resolved_context(key, resolved, tag)

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: Any = None) -> Any:
        items = context["@context"] if isinstance(context, dict) and "@context" in context else context
        items = items if isinstance(items, list) else [items]
        frozen = self._loader._frozen_contexts
        if self._charge is not None:
            # pyld serializes (JCS) every context object it meets, each time: the document's own ones cost work
            for item in items:
                if isinstance(item, dict) and id(item) not in frozen:
                    self._charge(item)
        if not any(isinstance(c, dict) and id(c) in frozen for c in items):
            return super().resolve(active_ctx, context, base, cycles)
        resolved: list[Any] = []
        for item in items:
            if isinstance(item, dict) and id(item) in frozen:
                resolved.append(frozen[id(item)][1])
            else:
                resolved.extend(super().resolve(active_ctx, item, base, cycles))
        return resolved


class ContextLoader:
    """An allowlist document loader for pyld. Immutable once built; safe to share."""

    def __init__(
        self,
        extra: Mapping[str, str | Path | Mapping[str, Any]] | None = None,
        *,
        pins: Mapping[str, str] | None = None,
    ) -> None:
        self._paths: dict[str, tuple[Path | None, str]] = {}
        for url in _PYLD_URLS:
            self._paths[url] = (Path(BUNDLED_CONTEXTS[url]), "pyld")
        for url, path in _own_contexts().items():
            # w3c-*.jsonld: bpvc's transcriptions of W3C contexts pyld does not bundle (same terms, other bytes)
            self._paths[url] = (path, "w3c" if path.name.startswith("w3c-") else "bpvc")
        self._documents: dict[str, tuple[dict[str, Any], str]] = {}
        self._frozen_contexts: dict[int, tuple[dict[str, Any], ResolvedContext]] = {}
        self._lock = threading.Lock()
        pins = dict(pins or {})
        for url, value in (extra or {}).items():
            if isinstance(value, Mapping):
                raw = json.dumps(value, sort_keys=True).encode()
                self._store(url, dict(value), raw, pins.pop(url, None))
                self._paths[url] = (None, "user")
            else:
                path = Path(value)
                try:
                    raw = path.read_bytes()
                except OSError as err:
                    raise ContextError(
                        f"context file for {url} cannot be read: {err.strerror or err}", url=url
                    ) from None
                self._store(url, _parse(raw, url), raw, pins.pop(url, None))
                self._paths[url] = (path, "user")
        for url, digest in pins.items():
            if url not in self._paths:
                raise ContextError(f"a SHA-256 pin was given for {url}, which is not a known context", url=url)
            self._document(url, digest)
        self._resolved = _LockedCache()
        # an active context's _uuid -> its child that a non-propagating (type-scoped) context is processed
        # on: pyld makes a fresh child, with a fresh _uuid, for each one, so its processed-context cache
        # never hits; one child per parent, kept here, makes it hit (see canonicalize._SafeProcessor)
        self.scoped_parents = _LockedCache(maxsize=1024)
        # pyld's processed contexts (by their _uuid, which pyld never reuses) -> bpvc.jsonld.signed_shape's
        # table of their protected terms: most contexts of a verification are the ones of the last
        self.protected_terms = _LockedCache(maxsize=1024)

    def _store(self, url: str, doc: dict[str, Any], raw: bytes, pin: str | None) -> None:
        digest = hashlib.sha256(raw).hexdigest()
        if pin is not None and pin.lower() != digest:
            raise ContextError(f"context {url} has SHA-256 {digest}, expected the pinned {pin}", url=url)
        self._documents[url] = (doc, digest)
        self._freeze(doc.get("@context"))

    def _freeze(self, value: Any) -> None:
        """Remember the scoped context objects of a loaded document (the loader keeps them alive, unchanged)."""
        if isinstance(value, list):
            for item in value:
                self._freeze(item)
        elif isinstance(value, dict):
            self._frozen_contexts.setdefault(id(value), (value, _shareable(ResolvedContext(value))))
            for term in value.values():
                if isinstance(term, dict) and "@context" in term:
                    self._freeze(term["@context"])

    def owns(self, local_ctx: Any) -> bool:
        """True when every context object in ``local_ctx`` belongs to a document this loader served."""
        items = local_ctx if isinstance(local_ctx, list) else [local_ctx]
        return bool(items) and all(isinstance(c, dict) and id(c) in self._frozen_contexts for c in items)

    def _document(self, url: str, pin: str | None = None) -> dict[str, Any]:
        with self._lock:
            cached = self._documents.get(url)
            if cached is None:
                entry = self._paths.get(url)
                if entry is None or entry[0] is None:
                    raise ContextError(
                        f"context {url} is not allowed offline; add it with --context URL=FILE "
                        "(or the `contexts` mapping of the API)",
                        url=url,
                    )
                raw = entry[0].read_bytes()
                self._store(url, _parse(raw, url), raw, None)
                cached = self._documents[url]
        if pin is not None and pin.lower() != cached[1]:
            raise ContextError(f"context {url} has SHA-256 {cached[1]}, expected the pinned {pin}", url=url)
        return cached[0]

    def __call__(self, url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": self._document(url),
            "tag": "static",
        }

    def __contains__(self, url: object) -> bool:
        return url in self._paths

    def file_bytes(self, url: str) -> bytes | None:
        """The bytes of the file a context is served from, when they are the authoritative ones.

        None for an unknown or in-memory context, and for W3C contexts held as re-serialized copies
        (pyld's bundle, bpvc's ``w3c-`` transcriptions), whose bytes differ from the published files.
        """
        entry = self._paths.get(url)
        if entry is None or entry[0] is None or entry[1] in ("pyld", "w3c"):
            return None
        return _file_bytes(entry[0])

    def context_resolver(self, *, charge: Callable[[dict[str, Any]], None] | None = None) -> ContextResolver:
        """A fresh per-operation resolver backed by this loader's processed-context cache.

        ``charge`` is called with every context object the document itself carries, each time pyld
        resolves one (a JSON-LD work budget); the loader's own contexts are resolved once and cost nothing.
        """
        return _FrozenContextResolver(self._resolved, self, charge)

    def entries(self) -> list[ContextEntry]:
        out = []
        for url in sorted(self._paths):
            path, source = self._paths[url]
            self._document(url)
            out.append(ContextEntry(url, str(path) if path else "(in memory)", self._documents[url][1], source))
        return out


@functools.lru_cache(maxsize=64)
def _file_bytes(path: Path) -> bytes:
    """A context file's bytes, read once: the files a loader serves do not change under it."""
    return path.read_bytes()


def _parse(raw: bytes, url: str) -> dict[str, Any]:
    try:
        doc = strict_json.loads(raw)
    except ValueError as err:
        raise ContextError(
            f"context file for {url} is not acceptable JSON: {strict_json.describe(err)}", url=url
        ) from None
    if not isinstance(doc, dict) or "@context" not in doc:
        raise ContextError(f"context file for {url} has no top-level @context", url=url)
    return doc


_default: ContextLoader | None = None


def default_loader() -> ContextLoader:
    """The shared loader with only the bundled contexts."""
    global _default
    if _default is None:
        _default = ContextLoader()
    return _default
