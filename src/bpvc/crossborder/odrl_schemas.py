"""Checking policies against the Catena-X ODRL profile's official JSON Schemas, from a folder the operator names.

The profile's schemas (policy, atomic constraints, one schema per left operand, and the Dataspace
Protocol contract schema they refer to) go into an immutable ``referencing.Registry`` whose
``retrieve`` refuses every other URI: nothing is fetched. The profile schema leaves much
unchecked, so bpvc also checks each atomic constraint against the schema of its left operand,
that the left operand may stand where it stands (as the atomic-constraint schema groups them),
that ``cx.`` values are ones the schemas publish, and that a usage permission names its
FrameworkAgreement and UsagePurpose. Everything here is derived from the schema files, not from
bpvc's built-in rules, so the two can be held against each other.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft201909Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

from .. import strict_json
from .odrl_problems import KINDS, Problem, ProfileUnavailableError, check, json_path

POLICY_SCHEMA = "https://w3id.org/catenax/2025/9/policy/schema/policy-schema.json"
ATOMIC_SCHEMA = "https://w3id.org/catenax/2025/9/policy/schema/atomic-constraint-schemas.json"
CONTEXT_SCHEMA = "https://w3id.org/catenax/2025/9/policy/schema/context-schema.json"
PROFILE_ENV = "BPVC_ODRL_PROFILE"
# where a left operand may stand: the profile's atomic-constraint definitions, by rule position
_POSITIONS = {
    "usage": "AtomicUsagePermissionConstraint",
    "access": "AtomicAccessPermissionConstraint",
    "prohibition": "AtomicProhibitionConstraint",
    "obligation": "AtomicObligationConstraint",
}
_ATOMIC_MEMBERS = ("leftOperand", "operator", "rightOperand")  # required by the Dataspace Protocol's AtomicConstraint
_MAX_FILES = 200
_MAX_FILE_BYTES = 1024 * 1024


def _refuse(uri: str) -> Resource:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # offline: only the profile's files resolve


class Profile:
    """The Catena-X ODRL profile: its schemas by ``$id`` and the left operands each position allows."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        root = Path(folder)
        if not root.is_dir():
            raise ProfileUnavailableError(f"{folder}: not a folder holding the Catena-X ODRL profile schemas")
        self.folder = str(folder)
        documents: dict[str, dict[str, Any]] = {}
        for path in sorted(root.rglob("*.json"))[:_MAX_FILES]:
            try:
                doc = strict_json.load_file(path, max_bytes=_MAX_FILE_BYTES)
            except (OSError, ValueError):
                continue
            if isinstance(doc, dict) and isinstance(doc.get("$id"), str) and "$schema" in doc:
                documents[doc["$id"]] = doc
        missing = [s for s in (POLICY_SCHEMA, ATOMIC_SCHEMA) if s not in documents]
        if missing:
            raise ProfileUnavailableError(f"{folder}: the profile schema {missing[0]} is not there")
        self._documents = documents
        resources = [(uri, Resource.from_contents(doc)) for uri, doc in documents.items()]
        self._registry: Registry[Any] = Registry(retrieve=_refuse).with_resources(resources)  # type: ignore[call-arg]
        self._validators: dict[str, Draft201909Validator] = {}
        self.left_operands: dict[str, str] = {}  # left operand -> its constraint schema id
        for uri, doc in documents.items():
            left = _left_operand_of(doc)
            if left is not None:
                self.left_operands[left] = uri
        atomic = documents[ATOMIC_SCHEMA]["definitions"]
        self.allowed: dict[str, frozenset[str]] = {
            position: frozenset(
                left for left, uri in self.left_operands.items() if uri in set(_refs(atomic[name], atomic))
            )
            for position, name in _POSITIONS.items()
        }

    @property
    def name(self) -> str:
        return f"the Catena-X ODRL profile's schemas in {self.folder}"

    def validator(self, uri: str) -> Draft201909Validator:
        if uri not in self._validators:
            self._validators[uri] = Draft201909Validator(self._documents[uri], registry=self._registry)
        return self._validators[uri]

    def constants(self, left: str) -> frozenset[str]:
        """Every ``const`` value the left operand's schema publishes (its standardized right operands)."""
        doc = self._documents[self.left_operands[left]]
        return frozenset(_consts(doc.get("definitions", {}), skip=left))

    def operators(self, left: str) -> frozenset[str]:
        """The operators the left operand's schema allows."""
        doc = self._documents[self.left_operands[left]]
        for definition in (doc.get("definitions") or {}).values():
            properties = (definition.get("properties") or {}) if isinstance(definition, dict) else {}
            operator = properties.get("operator") or {}
            if "const" in operator:
                return frozenset([operator["const"]])
            if "enum" in operator:
                return frozenset(operator["enum"])
        return frozenset()

    def problems(self, policy: Any, *, kind: str) -> list[Problem]:
        """Every way ``policy`` (a usage or access ``Set``) breaks the profile; empty when it conforms."""
        if kind not in KINDS:
            raise ValueError("kind is usage or access")
        if not isinstance(policy, dict):
            return [Problem("$", "a policy must be a JSON object")]
        out = [
            Problem(json_path(e.absolute_path), _short(e.message))
            for e in self.validator(POLICY_SCHEMA).iter_errors(policy)
        ]
        if CONTEXT_SCHEMA in self._documents and "@context" in policy:
            out += [
                Problem("$['@context']", _short(e.message))
                for e in self.validator(CONTEXT_SCHEMA).iter_errors(policy["@context"])
            ]
        if policy.get("@type") != "Set":
            out.append(Problem("$['@type']", "a Catena-X policy is an odrl:Set"))
        rules = {"permission": policy.get("permission"), "prohibition": policy.get("prohibition")}
        rules["obligation"] = policy.get("obligation")
        if kind == "access" and (policy.get("prohibition") or policy.get("obligation")):
            out.append(Problem("$", "an access policy has neither prohibitions nor obligations"))
        for member, items in rules.items():
            if items is None:
                continue
            if not isinstance(items, list):
                out.append(Problem(f"$.{member}", "must be an array of rules"))
                continue
            for i, rule in enumerate(items):
                out += self._rule_problems(rule, f"$.{member}[{i}]", member, kind)
        if not policy.get("permission"):  # a DSP offer needs a permission or prohibition; access has no prohibition
            out.append(Problem("$.permission", f"a {kind} policy grants its action in at least one permission"))
        return out

    def _rule_problems(self, rule: Any, where: str, member: str, kind: str) -> list[Problem]:
        if not isinstance(rule, dict):
            return [Problem(where, "a rule must be a JSON object")]
        action = "access" if kind == "access" else "use"
        out = [] if rule.get("action") == action else [Problem(f"{where}.action", f"the action must be {action!r}")]
        position = {"permission": kind, "prohibition": "prohibition", "obligation": "obligation"}[member]
        found: set[str] = set()
        for path, constraint in _atomic(rule.get("constraint", []), f"{where}.constraint"):
            out += self.constraint_problems(constraint, path, position)
            if isinstance(constraint, dict) and isinstance(constraint.get("leftOperand"), str):
                found.add(constraint["leftOperand"])
        if position == "usage":
            for needed in ("FrameworkAgreement", "UsagePurpose"):
                if needed not in found:
                    out.append(
                        Problem(f"{where}.constraint", f"a usage permission needs a {needed} constraint", needed)
                    )
        return out

    def constraint_problems(self, constraint: Any, where: str = "$", position: str | None = None) -> list[Problem]:
        """One atomic constraint: its left operand's schema, where it may stand, and published ``cx.`` values."""
        if not isinstance(constraint, dict):
            return [Problem(where, "a constraint must be a JSON object")]
        left = constraint.get("leftOperand")
        if not isinstance(left, str) or left not in self.left_operands:
            named = left if isinstance(left, str) else None
            return [Problem(f"{where}.leftOperand", f"{left!r} is not a left operand of the profile", named)]
        out = []
        if position is not None and left not in self.allowed[position]:
            out.append(Problem(where, f"{left} may not constrain a {position} rule", left))
        if position is None:  # within a policy the Dataspace Protocol's AtomicConstraint asks for these
            out += [Problem(where, f"needs a {m}", left) for m in _ATOMIC_MEMBERS if m not in constraint]
        for err in self.validator(self.left_operands[left]).iter_errors(constraint):
            out.append(Problem(where + json_path(err.absolute_path)[1:], _short(err.message), left))
        published = self.constants(left)
        values = constraint.get("rightOperand")
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str) and value.startswith("cx.") and value not in published:
                out.append(Problem(f"{where}.rightOperand", f"{value!r} is not a published {left} value", left))
        return out

    def check(self, policy: dict[str, Any], *, kind: str) -> dict[str, Any]:
        """Return ``policy`` when it conforms; raise ``OdrlError`` naming the first problem otherwise."""
        return check(policy, kind=kind, checker=self)


def load_profile(folder: str | os.PathLike[str] | None = None) -> Profile | None:
    """The profile from ``folder``, or from ``$BPVC_ODRL_PROFILE``; ``None`` when neither names one."""
    where = folder or os.environ.get(PROFILE_ENV)
    return Profile(where) if where else None


def _short(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."


def _left_operand_of(doc: dict[str, Any]) -> str | None:
    for definition in (doc.get("definitions") or {}).values():
        left = ((definition.get("properties") or {}).get("leftOperand") or {}) if isinstance(definition, dict) else {}
        if isinstance(left, dict) and isinstance(left.get("const"), str):
            return str(left["const"])
    return None


def _refs(node: Any, definitions: dict[str, Any], seen: set[str] | None = None) -> Iterator[str]:
    """Every external ``$ref`` reachable from ``node`` through local definitions."""
    seen = set() if seen is None else seen
    if isinstance(node, list):
        for item in node:
            yield from _refs(item, definitions, seen)
    elif isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                yield from _refs(definitions.get(name), definitions, seen)
        elif isinstance(ref, str):
            yield ref.split("#", 1)[0]
        for key, value in node.items():
            if key != "$ref":
                yield from _refs(value, definitions, seen)


def _consts(node: Any, *, skip: str) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _consts(item, skip=skip)
    elif isinstance(node, dict):
        value = node.get("const")
        if isinstance(value, str) and value != skip:
            yield value
        for key, child in node.items():
            if key != "const":
                yield from _consts(child, skip=skip)


def _atomic(constraints: Any, where: str) -> Iterator[tuple[str, Any]]:
    """Each atomic constraint under a rule's ``constraint`` list, through ``and`` groups."""
    if not isinstance(constraints, list):
        return
    for i, item in enumerate(constraints):
        path = f"{where}[{i}]"
        if isinstance(item, dict) and "and" in item and "leftOperand" not in item:
            yield from _atomic(item["and"], f"{path}.and")
        else:
            yield path, item


__all__ = ["PROFILE_ENV", "Profile", "load_profile"]
