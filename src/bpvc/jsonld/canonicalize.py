"""JSON-LD to canonical N-Quads (RDFC-1.0), in safe mode and within a work budget.

pyld has no safe mode: it silently drops undefined terms and keeps or rebases relative
IRIs. Both change what a signature covers, so here any dropped property, and any
``@id``, ``@type`` or property IRI that is not absolute after expansion (with no base),
raises :class:`DataLossError`. RDFC-1.0 is always used explicitly (pyld defaults to the
older URGNA2012), with SHA-384 as its internal hash when the suite asks for it (P-384),
and its blank-node work is bounded so a poisoned dataset stops with a clear error.

All JSON-LD work on one document (context processing, expansion, the node map, RDF and
canonicalization) is charged to one :class:`WorkBudget`, and pyld's quadratic de-duplication
is replaced by a hash index, so no input shape costs more than a fraction of a second. While
expanding, :mod:`bpvc.jsonld.signed_shape` refuses JSON shapes that would hide signed claims from
the JSON-level checks, and ``@index`` (never in RDF, so never signed).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from collections.abc import Hashable, Mapping
from typing import Any, cast

from pyld import canon
from pyld.jsonld import KEYWORD_PATTERN, JsonLdError, JsonLdProcessor, _is_bnode, _is_keyword, freeze

from ..errors import (
    BpvcError,
    CanonicalizationLimitError,
    DataLossError,
    MalformedError,
    ProcessingError,
)
from .contexts import ContextLoader, default_loader
from .signed_shape import SignedShape

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*$")
_VALUE_KEYS = {"@value", "@language", "@direction"}

DEFAULT_MAX_WORK = 10_000  # Hash N-Degree Quads invocations per dataset
DEFAULT_MAX_GROUP = 8  # blank nodes sharing one related hash (8! = 40,320 permutations)
# WorkBudget units for one document (expansion, toRDF and RDFC together): about 0.2 s of CPU at most, and
# ten times what the 25 KB example passport (553 quads) uses
DEFAULT_MAX_JSONLD_WORK = 50_000
_SCAN_LIMIT = 16  # values of one property compared one by one before the node map indexes them


class WorkBudget:
    """A count of JSON-LD work units left for one document; running out raises a clear error.

    A unit is one step of pyld's work (a term definition, a member or element expanded, a node-map
    entry, a quad, a context object resolved); each costs microseconds, so the default limit keeps a
    refusal well under a second of CPU however the input is shaped.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def spend(self, units: int) -> None:
        self.left -= units
        if self.left < 0:
            raise CanonicalizationLimitError(
                f"JSON-LD work limit exceeded ({self.limit} units of term definitions, members, nodes and quads): "
                "the document is too large, or shaped to make JSON-LD processing slow",
                json_path="$",
            )

    def spend_canonicalizing(self, units: int) -> None:
        self.left -= units
        if self.left < 0:
            raise CanonicalizationLimitError(
                f"JSON-LD work limit exceeded ({self.limit} units) in RDF canonicalization: "
                "the dataset looks poisoned (too many look-alike blank nodes)",
                json_path="$",
            )

    def check_size(self, document: Any) -> None:
        """Bounds before work: every member and array item costs at least a unit, so a document with
        more of them than the budget has left is refused before pyld copies and expands it."""
        size = json_size(document)
        if size > self.left:
            raise CanonicalizationLimitError(
                f"JSON-LD work limit exceeded: the document has {size} members and array items, "
                f"more than the {self.limit} units JSON-LD processing may use",
                json_path="$",
            )

    @property
    def used(self) -> int:
        return self.limit - self.left


def json_size(value: Any) -> int:
    """The members and array items in a JSON value, all the way down (no recursion: depth is no limit)."""
    size = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            size += len(item)
            stack.extend(v for v in item.values() if isinstance(v, (Mapping, list)))
        elif isinstance(item, list):
            size += len(item)
            stack.extend(v for v in item if isinstance(v, (Mapping, list)))
    return size


class _SafeProcessor(JsonLdProcessor):
    """A pyld processor in safe mode, on a work budget, with linear de-duplication.

    It records dropped properties, keeps the expanded document, checks the signed shape while
    expanding (:mod:`bpvc.jsonld.signed_shape`), charges its work to a :class:`WorkBudget`, and builds the
    node map with a hash index where pyld compares each new value with every one already there.
    """

    def __init__(self, budget: WorkBudget, shape_cache: Any = None) -> None:
        super().__init__(on_property_dropped=self._dropped)
        self.dropped: list[str] = []
        self.expanded: Any = None
        self._budget = budget
        self._shape = SignedShape(self._expand_iri, shape_cache)
        self._root: Any = None  # the first element expanded: the document
        # id(node) -> property -> keys of the values already there (the nodes live as long as the node map)
        self._index: dict[int, dict[str, set[Hashable]]] = {}

    def _dropped(self, prop: Any) -> None:
        self.dropped.append(str(prop))

    def expand(self, input_: Any, options: Any) -> Any:
        self.expanded = super().expand(input_, options)
        return self.expanded

    def to_rdf(self, input_: Any, options: Any) -> Any:
        self._index = {}
        return super().to_rdf(input_, options)

    # -- budget and shape -------------------------------------------------------------------------

    def _expand_object(
        self,
        active_ctx: Any,
        active_property: Any,
        expanded_active_property: Any,
        element: Any,
        expanded_parent: Any,
        options: Any,
        inside_list: Any = False,
        type_key: Any = None,
        type_scoped_ctx: Any = None,
    ) -> Any:
        # members and the items of array members: each is expanded (pyld's _expand is not wrapped: too hot)
        self._budget.spend(len(element) + sum(len(v) for v in element.values() if isinstance(v, list)))
        if self._root is None:  # the first object pyld expands is (its own copy of) the document
            self._root = element
            self._shape.enter(element)
        self._shape.check_object(active_ctx, element, expanded_active_property, type_scoped_ctx, expanded_parent)
        return super()._expand_object(
            active_ctx,
            active_property,
            expanded_active_property,
            element,
            expanded_parent,
            options,
            inside_list,
            type_key,
            type_scoped_ctx,
        )

    def _create_term_definition(
        self,
        active_ctx: Any,
        local_ctx: Any,
        term: Any,
        defined: Any,
        options: Any,
        override_protected: bool = False,
        validate_scoped: bool = True,
    ) -> Any:
        self._budget.spend(1)
        if term not in defined and not override_protected:
            _refuse_ignored_redefinition(active_ctx, local_ctx, term)
        return super()._create_term_definition(
            active_ctx, local_ctx, term, defined, options, override_protected, validate_scoped
        )

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        """pyld's context processing, with a cache hit for the loader's own type-scoped contexts.

        For a non-propagating context pyld first makes a child of the active context (to revert to
        later) with a fresh ``_uuid``, so the processed result, cached by that ``_uuid``, is never
        found again. For contexts the loader owns, the child is made once per active context and
        kept by the loader (frozen, shared between threads); pyld then finds the processed context.
        A reuse costs one work unit.
        """
        loader = options.get("documentLoader")
        if (
            not propagate
            and isinstance(loader, ContextLoader)
            and "_uuid" in active_ctx
            and not active_ctx.get("previousContext")
            and loader.owns(local_ctx)
            and not any("@propagate" in c for c in (local_ctx if isinstance(local_ctx, list) else [local_ctx]))
        ):
            self._budget.spend(1)
            parent = loader.scoped_parents.get(active_ctx["_uuid"])
            if parent is None or parent["previousContext"] is not active_ctx:
                child = self._clone_active_context(active_ctx)
                child["previousContext"] = active_ctx
                child["_uuid"] = str(uuid.uuid4())
                parent = loader.scoped_parents[active_ctx["_uuid"]] = freeze(child)
            active_ctx = parent
        return super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )

    # -- the node map, de-duplicated through a hash index -----------------------------------------

    def _add_unique(self, node: dict[str, Any], prop: str, value: Any) -> None:
        """pyld's ``add_value`` with ``propertyIsArray`` and no duplicates, in constant time.

        A short array is scanned with pyld's own ``compare_values``; from :data:`_SCAN_LIMIT` values
        on, a hash index (keys equal exactly when ``compare_values`` is true) replaces the scan.
        """
        self._budget.spend(1)
        values = node.get(prop)
        if values is None:
            node[prop] = [value]
            return
        seen = self._index.get(id(node))
        keys = seen.get(prop) if seen is not None else None
        if keys is None:
            if len(values) < _SCAN_LIMIT:
                if not any(JsonLdProcessor.compare_values(value, v) for v in values):
                    values.append(value)
                return
            keys = self._index.setdefault(id(node), {})[prop] = {_dedup_key(v) for v in values}
        key = _dedup_key(value)
        if key not in keys:
            values.append(value)
            keys.add(key)

    def _create_node_map(
        self,
        input_: Any,
        graph_map: Any,
        active_graph: Any,
        issuer: Any,
        active_subject: Any = None,
        active_property: Any = None,
        list_: Any = None,
    ) -> None:
        """JSON-LD 1.1 Node Map Generation, as pyld 3.3 does it, with :meth:`_add_unique` for duplicates."""
        if isinstance(input_, list):
            for item in input_:
                self._create_node_map(item, graph_map, active_graph, issuer, active_subject, active_property, list_)
            return
        self._budget.spend(1)
        graph = graph_map.setdefault(active_graph, {})
        subject_node = graph.get(active_subject) if isinstance(active_subject, str) else None
        for type_ in input_.get("@type", ()):  # types are labelled first (blank node types)
            if type_.startswith("_:"):
                issuer.get_id(type_)
        if "@value" in input_:
            type_ = input_.get("@type")
            if isinstance(type_, str) and type_.startswith("_:"):
                input_["@type"] = issuer.get_id(type_)
            if list_:
                list_["@list"].append(input_)
            elif subject_node:
                self._add_unique(subject_node, active_property, input_)
            return
        if "@list" in input_:
            items: dict[str, Any] = {"@list": []}
            self._create_node_map(
                input_["@list"], graph_map, active_graph, issuer, active_subject, active_property, items
            )
            if list_:
                list_["@list"].append(items)
            elif subject_node:
                JsonLdProcessor.add_value(subject_node, active_property, items, {"propertyIsArray": True})
            return
        id_ = input_.get("@id")
        if _is_bnode(input_):
            id_ = issuer.get_id(id_)
        node = graph.setdefault(id_, {"@id": id_})
        self._shape.described(active_graph, id_, input_)
        if isinstance(active_subject, dict):  # a reverse property
            self._add_unique(node, active_property, active_subject)
        elif active_property:
            reference = {"@id": id_}
            if list_:
                list_["@list"].append(reference)
            elif subject_node:
                self._add_unique(subject_node, active_property, reference)
        for prop, objects in sorted(input_.items()):
            if prop == "@id":
                continue
            if prop == "@reverse":
                referenced = {"@id": id_}
                for reverse_prop, reverse_items in input_["@reverse"].items():
                    for item in reverse_items:
                        self._create_node_map(
                            item,
                            graph_map,
                            active_graph,
                            issuer,
                            active_subject=referenced,
                            active_property=reverse_prop,
                        )
                continue
            if prop == "@graph":
                graph_map.setdefault(id_, {})
                self._create_node_map(objects, graph_map, active_graph if active_graph == "@merged" else id_, issuer)
                continue
            if prop == "@included":
                self._create_node_map(objects, graph_map, active_graph, issuer)
                continue
            if prop != "@type" and _is_keyword(prop):
                if prop == "@index" and "@index" in node and input_["@index"] != node["@index"]:
                    raise JsonLdError(
                        "Invalid JSON-LD syntax; conflicting @index property detected.",
                        "jsonld.SyntaxError",
                        {"node": node},
                        code="conflicting indexes",
                    )
                node[prop] = input_[prop]
                continue
            if prop.startswith("_:"):
                prop = issuer.get_id(prop)
            if len(objects) == 0:
                JsonLdProcessor.add_value(node, prop, [], {"propertyIsArray": True})
                continue
            for obj in objects:
                if prop == "@type":
                    self._add_unique(node, prop, issuer.get_id(obj) if obj.startswith("_:") else obj)
                else:
                    self._create_node_map(
                        obj, graph_map, active_graph, issuer, active_subject=id_, active_property=prop
                    )


def _frozen(value: Any) -> Hashable:
    """A hashable stand-in that is equal for two JSON values exactly when they are ``==``."""
    if isinstance(value, Mapping):
        return frozenset((k, _frozen(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return cast(Hashable, value)


def _primitive_key(value: Any, owner: Any) -> Hashable:
    """pyld's ``_strict_eq``: ``==``, except that a boolean equals only a boolean (and NaN nothing)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float) and value != value:
        return ("nan", id(owner))
    return ("eq", _frozen(value))


def _dedup_key(value: Any) -> Hashable:
    """A key equal for two node-map values exactly when pyld's ``compare_values`` finds them equal.

    Value objects compare by ``@value`` (strictly), ``@type``, ``@language`` and ``@index``; other
    objects by ``@id`` (none: only the same object); anything else as a primitive.
    """
    if isinstance(value, Mapping):
        if "@value" in value:
            return (
                "value",
                _frozen(value.get("@type")),
                _frozen(value.get("@language")),
                _frozen(value.get("@index")),
                _primitive_key(value["@value"], value),
            )
        node_id = value.get("@id")
        return ("node", _frozen(node_id)) if node_id is not None else ("object", id(value))
    return ("primitive", _primitive_key(value, value))


def _refuse_ignored_redefinition(active_ctx: Any, local_ctx: Any, term: Any) -> None:
    """JSON-LD 1.1 forbids redefining a protected term; pyld lets one through when the new
    definition's IRI has the form of a keyword (``{"@id": "@ignored"}``), which it skips with a
    warning, so the protected term silently keeps its meaning while the document says otherwise."""
    previous = active_ctx["mappings"].get(term)
    if not previous or not previous.get("protected") or not isinstance(local_ctx, Mapping):
        return
    value = local_ctx.get(term)
    target = value.get("@id", value.get("@reverse")) if isinstance(value, Mapping) else value
    if isinstance(target, str) and not _is_keyword(target) and re.match(KEYWORD_PATTERN, target):
        raise JsonLdError(
            "Invalid JSON-LD syntax; tried to redefine a protected term.",
            "jsonld.SyntaxError",
            {"context": local_ctx, "term": term},
            code="protected term redefinition",
        )


class _BoundedRDFC(canon.URDNA2015):
    """RDFC-1.0 with a selectable hash and a bound on the blank-node disambiguation work."""

    def __init__(self, hash_name: str, max_work: int, max_group: int, budget: WorkBudget | None = None) -> None:
        super().__init__()
        self._hash_name = hash_name
        self._work_left = max_work
        self._max_work = max_work
        self._max_group = max_group
        self._budget = budget if budget is not None else WorkBudget(DEFAULT_MAX_JSONLD_WORK)
        # rdf-canonize (jsonld.js) allows as many Hash N-Degree Quads runs as there are non-unique blank
        # nodes (its default maxWorkFactor 1) and refuses the dataset beyond that; bpvc applies the same
        # limit, so it never signs what the reference implementation cannot verify.
        self._max_deep: int | None = None
        self._deep_left = 0

    def main(self, dataset: Any, options: Any) -> Any:
        self._budget.spend_canonicalizing(sum(len(triples) for triples in dataset.values()))
        return super().main(dataset, options)

    def create_hash(self) -> Any:
        return hashlib.new(self._hash_name)

    def hash_first_degree_quads(self, id_: Any) -> Any:
        self._budget.spend_canonicalizing(len(self.blank_node_info[id_]["quads"]))
        return super().hash_first_degree_quads(id_)

    def create_hash_to_related(self, id_: Any, issuer: Any) -> Any:
        self._budget.spend_canonicalizing(len(self.blank_node_info[id_]["quads"]))
        related = super().create_hash_to_related(id_, issuer)
        for group in related.values():
            if len(group) > self._max_group:
                raise CanonicalizationLimitError(
                    f"RDF canonicalization refused: {len(group)} indistinguishable blank nodes around one node "
                    f"(limit {self._max_group}); the dataset looks poisoned"
                )
            self._budget.spend_canonicalizing(
                math.factorial(len(group))
            )  # the permutations Hash N-Degree Quads may walk
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
        elif key == "@index":  # normally refused where it is written (signed_shape); a last net here
            raise DataLossError("an @index is left out of the RDF, so it is not signed", json_path=path)
        elif key in _VALUE_KEYS:
            continue
        elif key.startswith("@"):
            _check_iris(value, path)
        else:
            if not _ABSOLUTE_IRI.match(key):
                raise DataLossError(f"property {key!r} is not defined by any context", json_path=path)
            _check_iris(value, path)


def to_dataset(document: Any, loader: ContextLoader | None = None, *, budget: WorkBudget | None = None) -> Any:
    """Expand ``document`` to an RDF dataset, refusing anything pyld would drop or the checks would not see.

    ``budget`` bounds the work (default :data:`DEFAULT_MAX_JSONLD_WORK` units); the rest of it is
    left for canonicalization when the caller passes the same budget on.
    """
    loader = loader or default_loader()
    budget = budget if budget is not None else WorkBudget(DEFAULT_MAX_JSONLD_WORK)
    budget.check_size(document)
    processor = _SafeProcessor(budget, loader.protected_terms)
    options = {
        "documentLoader": loader,
        "contextResolver": loader.context_resolver(charge=lambda context: budget.spend(json_size(context))),
        "base": None,
        "processingMode": "json-ld-1.1",
        "extractAllScripts": False,
    }
    try:
        dataset = processor.to_rdf(document, options)
    except BpvcError:
        raise
    except Exception as err:  # pyld raises JsonLdError, and bare KeyError/TypeError on odd input
        own = _find_cause(err, BpvcError)  # ours, raised inside pyld and wrapped by it (a scoped context)
        if own is not None:
            raise own from None
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
    max_jsonld_work: int = DEFAULT_MAX_JSONLD_WORK,
    memo: dict[tuple[str, str], Any] | None = None,
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (safe mode, bounded).

    ``max_jsonld_work`` bounds expansion, RDF conversion and canonicalization together (see
    :class:`WorkBudget`); ``max_work`` and ``max_group`` bound blank-node disambiguation.
    ``memo`` lets one verification reuse work: the unsecured document is expanded once even when
    several checks, proofs or hash functions need its canonical form (a refusal is remembered too).
    """
    if memo is None:
        budget = WorkBudget(max_jsonld_work)
        return canonicalize_dataset(
            to_dataset(document, loader, budget=budget),
            hash_name=hash_name,
            max_work=max_work,
            max_group=max_group,
            budget=budget,
        )
    text = json.dumps(document, sort_keys=True)
    if (text, hash_name) not in memo:
        dataset, left = _remembered(document, text, loader, memo, max_jsonld_work)
        budget = WorkBudget(max_jsonld_work)
        budget.left = left
        memo[(text, hash_name)] = canonicalize_dataset(
            _copy_dataset(dataset), hash_name=hash_name, max_work=max_work, max_group=max_group, budget=budget
        )
    return str(memo[(text, hash_name)])


def dataset_of(
    document: Any,
    *,
    loader: ContextLoader | None = None,
    memo: dict[tuple[str, str], Any],
    max_jsonld_work: int = DEFAULT_MAX_JSONLD_WORK,
) -> Any:
    """:func:`to_dataset` through ``memo``: the checks on a document without its canonical form yet.

    The dataset is shared with the memo: copy it before changing it.
    """
    return _remembered(document, json.dumps(document, sort_keys=True), loader, memo, max_jsonld_work)[0]


def _remembered(
    document: Any, text: str, loader: ContextLoader | None, memo: dict[tuple[str, str], Any], max_jsonld_work: int
) -> tuple[Any, int]:
    """(dataset, budget left) for ``document`` from ``memo``, computed once; a refusal is remembered too."""
    if (text, "dataset") not in memo:
        budget = WorkBudget(max_jsonld_work)
        try:
            memo[(text, "dataset")] = (to_dataset(document, loader, budget=budget), budget.left)
        except BpvcError as err:
            memo[(text, "dataset")] = err
    entry = memo[(text, "dataset")]
    if isinstance(entry, BpvcError):
        raise entry
    return cast(tuple[Any, int], entry)


def _copy_dataset(dataset: Any) -> Any:
    """RDFC relabels blank nodes in place, so each run gets its own copy of the quads."""
    return {
        graph: [{pos: dict(term) for pos, term in triple.items()} for triple in triples]
        for graph, triples in dataset.items()
    }


def canonicalize_dataset(
    dataset: Any,
    *,
    hash_name: str = "sha256",
    max_work: int = DEFAULT_MAX_WORK,
    max_group: int = DEFAULT_MAX_GROUP,
    budget: WorkBudget | None = None,
) -> str:
    result = _BoundedRDFC(hash_name, max_work, max_group, budget).main(dataset, {"format": "application/n-quads"})
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
