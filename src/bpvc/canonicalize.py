"""JSON-LD to canonical N-Quads (RDFC-1.0), in safe mode and within a work budget.

pyld has no safe mode: it silently drops undefined terms and keeps or rebases relative
IRIs. Both change what a signature covers, so here any dropped property, and any
``@id``, ``@type`` or property IRI that is not absolute after expansion (with no base),
raises :class:`DataLossError`. RDFC-1.0 is always used explicitly (pyld defaults to the
older URGNA2012), with SHA-384 as its internal hash when the suite asks for it (P-384),
and its blank-node work is bounded so a poisoned dataset stops with a clear error.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from pyld import canon
from pyld.jsonld import JsonLdProcessor

from .contexts import ContextLoader, default_loader
from .errors import (
    BpvcError,
    CanonicalizationLimitError,
    ContextError,
    DataLossError,
    MalformedError,
    ProcessingError,
)

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*$")
_VALUE_KEYS = {"@value", "@language", "@direction", "@index"}

DEFAULT_MAX_WORK = 10_000  # Hash N-Degree Quads invocations per dataset
DEFAULT_MAX_GROUP = 8  # blank nodes sharing one related hash (8! = 40,320 permutations)


class _SafeProcessor(JsonLdProcessor):
    """A pyld processor that records dropped properties and keeps the expanded document."""

    def __init__(self) -> None:
        super().__init__(on_property_dropped=self._dropped)
        self.dropped: list[str] = []
        self.expanded: Any = None

    def _dropped(self, prop: Any) -> None:
        self.dropped.append(str(prop))

    def expand(self, input_: Any, options: Any) -> Any:
        self.expanded = super().expand(input_, options)
        return self.expanded


class _BoundedRDFC(canon.URDNA2015):
    """RDFC-1.0 with a selectable hash and a bound on the blank-node disambiguation work."""

    def __init__(self, hash_name: str, max_work: int, max_group: int) -> None:
        super().__init__()
        self._hash_name = hash_name
        self._work_left = max_work
        self._max_work = max_work
        self._max_group = max_group
        # rdf-canonize (jsonld.js) allows as many Hash N-Degree Quads runs as there are non-unique blank
        # nodes (its default maxWorkFactor 1) and refuses the dataset beyond that; bpvc applies the same
        # limit, so it never signs what the reference implementation cannot verify.
        self._max_deep: int | None = None
        self._deep_left = 0

    def create_hash(self) -> Any:
        return hashlib.new(self._hash_name)

    def create_hash_to_related(self, id_: Any, issuer: Any) -> Any:
        related = super().create_hash_to_related(id_, issuer)
        for group in related.values():
            if len(group) > self._max_group:
                raise CanonicalizationLimitError(
                    f"RDF canonicalization refused: {len(group)} indistinguishable blank nodes around one node "
                    f"(limit {self._max_group}); the dataset looks poisoned"
                )
        return related

    def hash_n_degree_quads(self, id_: Any, issuer: Any) -> Any:
        if self._max_deep is None:  # only non-unique groups are left in the map when step 6 starts
            self._max_deep = self._deep_left = sum(len(ids) for ids in self.hash_to_blank_nodes.values())
        if self._deep_left == 0:
            raise CanonicalizationLimitError(
                f"RDF canonicalization refused: more than {self._max_deep} deep iterations for "
                f"{self._max_deep} indistinguishable blank nodes (the limit jsonld.js applies too)"
            )
        self._deep_left -= 1
        self._work_left -= 1
        if self._work_left < 0:
            raise CanonicalizationLimitError(
                f"RDF canonicalization stopped after {self._max_work} blank-node disambiguation steps; "
                "the dataset looks poisoned"
            )
        return super().hash_n_degree_quads(id_, issuer)


def _check_iris(node: Any, path: str) -> None:
    """Walk expanded JSON-LD; every IRI that reaches RDF must be absolute or a blank node."""
    if isinstance(node, list):
        for item in node:
            _check_iris(item, path)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@id":
            if isinstance(value, str) and not value.startswith("_:") and not _ABSOLUTE_IRI.match(value):
                raise DataLossError(f"relative @id reference {value!r} (an id must be an absolute URL)", json_path=path)
        elif key == "@type":
            for t in value if isinstance(value, list) else [value]:
                if (
                    isinstance(t, str)
                    and not t.startswith("@")
                    and not t.startswith("_:")
                    and not _ABSOLUTE_IRI.match(t)
                ):
                    raise DataLossError(f"type {t!r} is not defined by any context", json_path=path)
        elif key in _VALUE_KEYS:
            continue
        elif key.startswith("@"):
            _check_iris(value, path)
        else:
            if not _ABSOLUTE_IRI.match(key):
                raise DataLossError(f"property {key!r} is not defined by any context", json_path=path)
            _check_iris(value, path)


def to_dataset(document: Any, loader: ContextLoader | None = None) -> Any:
    """Expand ``document`` to an RDF dataset, refusing anything pyld would drop."""
    loader = loader or default_loader()
    processor = _SafeProcessor()
    options = {
        "documentLoader": loader,
        "contextResolver": loader.context_resolver(),
        "base": None,
        "processingMode": "json-ld-1.1",
        "extractAllScripts": False,
    }
    try:
        dataset = processor.to_rdf(document, options)
    except BpvcError:
        raise
    except Exception as err:  # pyld raises JsonLdError, and bare KeyError/TypeError on odd input
        context_error = _find_cause(err, ContextError)
        if context_error is not None:
            raise context_error from None
        deepest = _deepest(err)
        if isinstance(deepest, RuntimeError) and not isinstance(deepest, RecursionError):
            # not the input's fault (pyld raised from its own state): undecided, never "invalid"
            raise ProcessingError(f"JSON-LD processing stopped: {type(deepest).__name__}: {deepest}") from None
        if isinstance(_deepest(err), KeyError):
            # pyld fails this way when a context nulls @vocab and a term or type is then undefined
            raise DataLossError(
                f"a term or type is not defined (the context removes {_deepest(err).args[0]!r})", json_path="$"
            ) from None
        raise MalformedError(f"JSON-LD processing failed: {_describe(err)}", json_path="$") from None
    if processor.dropped:
        names = ", ".join(sorted(set(processor.dropped)))
        raise DataLossError(f"undefined term(s) would be dropped by JSON-LD processing: {names}", json_path="$")
    _check_iris(processor.expanded, "$")
    return dataset


def canonicalize(
    document: Any,
    *,
    loader: ContextLoader | None = None,
    hash_name: str = "sha256",
    max_work: int = DEFAULT_MAX_WORK,
    max_group: int = DEFAULT_MAX_GROUP,
    memo: dict[tuple[str, str], Any] | None = None,
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (safe mode, bounded).

    ``memo`` lets one verification reuse work: the unsecured document is expanded once
    even when several checks, proofs or hash functions need its canonical form.
    """
    if memo is None:
        return canonicalize_dataset(
            to_dataset(document, loader), hash_name=hash_name, max_work=max_work, max_group=max_group
        )
    text = json.dumps(document, sort_keys=True)
    if (text, hash_name) not in memo:
        if (text, "dataset") not in memo:
            memo[(text, "dataset")] = to_dataset(document, loader)
        dataset = _copy_dataset(memo[(text, "dataset")])
        memo[(text, hash_name)] = canonicalize_dataset(
            dataset, hash_name=hash_name, max_work=max_work, max_group=max_group
        )
    return str(memo[(text, hash_name)])


def _copy_dataset(dataset: Any) -> Any:
    """RDFC relabels blank nodes in place, so each run gets its own copy of the quads."""
    return {
        graph: [{pos: dict(term) for pos, term in triple.items()} for triple in triples]
        for graph, triples in dataset.items()
    }


def canonicalize_dataset(
    dataset: Any, *, hash_name: str = "sha256", max_work: int = DEFAULT_MAX_WORK, max_group: int = DEFAULT_MAX_GROUP
) -> str:
    result = _BoundedRDFC(hash_name, max_work, max_group).main(dataset, {"format": "application/n-quads"})
    return str(result)


def _find_cause(err: BaseException, kind: type[BpvcError]) -> BpvcError | None:
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _deepest(err: BaseException) -> BaseException:
    while err.__cause__ is not None:
        err = err.__cause__
    return err


def _describe(err: BaseException) -> str:
    """The most specific message in a pyld error chain, with its JSON-LD error code."""
    deepest = _deepest(err)
    message = deepest.args[0] if deepest.args else type(deepest).__name__
    code = getattr(deepest, "code", None)
    return f"{message} ({code})" if code else str(message)
