"""The signed shape of a JSON-LD document: every signed claim where the JSON-level checks read it.

A Data Integrity proof signs RDF, while the verifier's checks (validity, status, proof options,
types, issuer, trust) read JSON members by name. JSON-LD lets one graph be written in many JSON
shapes, so a credential can be re-serialized, keeping its proof, with ``validUntil`` written as
its full IRI, under ``@nest``, or through an alias from an added context: the proof still verifies
and the checks no longer see the claim. These rules, applied while pyld expands the document (no
extra JSON-LD pass), refuse every such shape with :class:`~bpvc.errors.DataLossError`:

1. A meaning (an IRI or a keyword) that the active context gives a protected term is written
   under that term: not as a full or compact IRI, an alias, or the bare keyword (``@type`` where
   ``type`` is defined); two protected terms for one meaning are ambiguous and refused. The same
   holds for ``type`` values.
2. Such a member stays in its own node: not under ``@nest`` or ``@reverse``.
3. A node is described by one JSON object per graph: a second object with the same ``@id``
   (which JSON-LD merges into the first) would add claims the first one does not show.
4. ``@index`` (a member, or the keys of an index map) never reaches RDF, so it is not signed:
   refused like a dropped term.

Protected terms are what makes a name trustworthy: JSON-LD 1.1 refuses to redefine them, so a
protected ``validUntil`` always means the VCDM property, and rule 1 makes it the only way to say it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, cast

from ..errors import DataLossError

_PLAIN_MEMBER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def member_path(path: str, key: str | int) -> str:
    """``$.a`` for a plain name, ``$['@context']`` for any other, ``$[3]`` for an array index."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _PLAIN_MEMBER.match(key):
        return f"{path}.{key}"
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{escaped}']"


Path = tuple[str | int, ...]  # the members and indexes from the document down to a value


def render(path: Path) -> str:
    out = "$"
    for key in path:
        out = member_path(out, key)
    return out


def _protected_terms(mappings: Mapping[str, Any]) -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
    names: dict[str, tuple[str, ...]] = {}
    for term, mapping in mappings.items():
        if mapping and mapping["protected"] and not mapping["reverse"]:
            meaning = mapping["@id"]
            if isinstance(meaning, str) and meaning != term:  # a keyword's own definition ("@type") is no name
                known = names.get(meaning)
                names[meaning] = (term,) if known is None else tuple(sorted((*known, term)))
    plain = frozenset(
        terms[0]
        for meaning, terms in names.items()
        if len(terms) == 1 and meaning[:1] != "@" and "@index" not in (mappings[terms[0]].get("@container") or ())
    )
    return names, plain


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class SignedShape:
    """The signed-shape rules for one expansion (one document); not shared between threads.

    ``expand_iri`` is the processor's own IRI expansion (``pyld``'s ``_expand_iri``), so terms
    are read exactly as the expansion reads them; ``shared`` (``get``/item assignment, thread-safe)
    keeps each processed context's table of protected terms across documents, by pyld's ``_uuid``.
    """

    def __init__(self, expand_iri: Callable[..., Any], shared: Any = None) -> None:
        self._expand_iri = expand_iri
        self._shared = shared
        self._paths: dict[int, Path] = {}  # id(JSON object or array) -> its path
        self._last_path: Path = ()
        self._nested: set[int] = set()  # ids of the objects that are values of @nest
        # id(expanded node object) -> (that object, the path it was expanded from); the object is
        # kept so its id is not reused while the node map is built
        self._expanded: dict[int, tuple[Any, Path]] = {}
        self._described: dict[tuple[str, str], tuple[Any, Path]] = {}  # (graph, node id) -> (node, path)
        self._protected_cache: dict[int, tuple[Any, tuple[dict[str, tuple[str, ...]], frozenset[str]]]] = {}

    def enter(self, document: Any) -> None:
        """Called with the document, as pyld starts expanding it (its own copy)."""
        self._register(document, ())

    def _register(self, value: Any, path: Path) -> None:
        self._paths[id(value)] = path
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, (Mapping, list)):
                    self._register(item, (*path, i))

    def _protected(self, active_ctx: Any) -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
        """For one active context: meaning -> the protected terms that define it, and the *plain* terms.

        A plain term is the only protected name of an IRI, with no @index container: written as
        itself in its own node it is always fine, so the per-member check stops there.
        """
        cached = self._protected_cache.get(id(active_ctx))
        if cached is not None:
            return cached[1]
        uid = active_ctx.get("_uuid")
        table = self._shared.get(uid) if uid is not None and self._shared is not None else None
        if table is None:
            table = _protected_terms(active_ctx["mappings"])
            if uid is not None and self._shared is not None:
                self._shared[uid] = table
        self._protected_cache[id(active_ctx)] = (active_ctx, table)
        return cast(tuple[dict[str, tuple[str, ...]], frozenset[str]], table)

    def _meaning(self, active_ctx: Any, key: str) -> Any:
        """pyld's ``_expand_iri(active_ctx, key, vocab=True)``, without the call for a defined term."""
        mappings = active_ctx["mappings"]
        if key[:1] != "@" and key in mappings:
            mapping = mappings[key]
            return mapping["@id"] if mapping is not None else None
        return self._expand_iri(active_ctx, key, vocab=True)

    def check_object(
        self, active_ctx: Any, element: Any, expanded_active_property: Any, type_scoped_ctx: Any, expanded: Any
    ) -> None:
        """Rules 1, 2 and 4 for the members of one JSON object, before pyld expands them."""
        path = self._paths.get(id(element), self._last_path)
        self._last_path = path
        self._expanded.setdefault(id(expanded), (expanded, path))
        moved = id(element) in self._nested or expanded_active_property == "@reverse"
        protected, plain = self._protected(active_ctx)
        meanings: dict[str, Any] = {}
        for key, value in element.items():
            if isinstance(value, (Mapping, list)):
                self._register(value, (*path, key))
            if key != "@context" and (moved or key not in plain):
                meanings[key] = self._meaning(active_ctx, key)
        value_object = "@value" in meanings.values()
        mappings = active_ctx["mappings"]
        for key, meaning in meanings.items():
            value = element[key]
            if not isinstance(meaning, str):
                continue  # dropped by JSON-LD: safe mode reports it
            if meaning[:1] == "@":
                if meaning == "@index":
                    raise DataLossError(
                        f"{key!r} is an @index, which JSON-LD leaves out of the RDF: it is not signed",
                        json_path=render((*path, key)),
                    )
                if meaning == "@nest":
                    self._nested.update(id(v) for v in _items(value) if isinstance(v, Mapping))
                elif meaning == "@type" and not value_object:
                    self._check_types(type_scoped_ctx if type_scoped_ctx is not None else active_ctx, value, path, key)
                if value_object:
                    continue  # a value object's keywords (its @type is a datatype) are not node members
            elif isinstance(value, Mapping):
                mapping = mappings.get(key)
                if mapping and "@index" in (mapping.get("@container") or ()) and mapping.get("@index") is None:
                    raise DataLossError(
                        f"{key!r} is an @index map: its keys are left out of the RDF, so they are not signed",
                        json_path=render((*path, key)),
                    )
            names = protected.get(meaning)
            if names is None:
                continue
            if len(names) > 1 or key != names[0]:
                self._check_name(key, meaning, names, render((*path, key)))
            if moved:
                where = "under @nest" if id(element) in self._nested else "in a @reverse map"
                raise DataLossError(
                    f"{key!r} ({meaning}) is {where}: the checks read it only as a member of its own node",
                    json_path=render((*path, key)),
                )

    def _check_name(self, key: str, meaning: str, names: tuple[str, ...], where: str) -> None:
        if len(names) == 1 and key == names[0]:
            return
        if len(names) > 1:
            raise DataLossError(
                f"{key!r} means {meaning}, which several protected terms define ({', '.join(map(repr, names))}); "
                "one meaning must have one name",
                json_path=where,
            )
        if key != names[0]:
            raise DataLossError(
                f"{key!r} means {meaning}, the protected term {names[0]!r}: the signed claim would not be seen "
                f"by the checks, which read it as {names[0]!r}",
                json_path=where,
            )

    def _check_types(self, type_ctx: Any, value: Any, path: Path, key: str) -> None:
        protected = self._protected(type_ctx)[0]
        for i, item in enumerate(_items(value)):
            if not isinstance(item, str):
                continue
            meaning = self._meaning(type_ctx, item)
            names = protected.get(meaning)
            if names and (len(names) > 1 or item != names[0]):
                where = (*path, key, i) if isinstance(value, list) else (*path, key)
                self._check_name(item, meaning, names, render(where))

    def described(self, graph: str, node_id: str, node: Mapping[str, Any]) -> None:
        """Rule 3, from the node map: ``node`` (expanded) describes ``node_id`` in ``graph``."""
        if "@id" not in node or len(node) < 2:
            return  # a blank node without an id is always new; a bare reference describes nothing
        path = self._expanded.get(id(node), (None, ()))[1]
        first, first_path = self._described.setdefault((graph, node_id), (node, path))
        if first is not node:
            raise DataLossError(
                f"node {node_id} is described twice ({render(first_path)} and {render(path)}): JSON-LD merges "
                "the two, so the signed data says more about it than either JSON object shows",
                json_path=render(path),
            )
