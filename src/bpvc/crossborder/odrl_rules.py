"""bpvc's own statement of the Catena-X ODRL profile's rules (2025-9), bundled as data.

``bpvc/data/odrl/catenax-2025-9-rules.json`` lists every left operand of the profile with the
source of each fact: where it may stand (usage or access permission, prohibition, obligation),
its operators and its right operand (type, format, published ``cx.`` values); and the
policy-level rules (an odrl:Set, the actions, ``and`` groups only, the constraints a usage
permission needs). :class:`BuiltinRules` checks a policy against them offline, with no file of
the profile; the tests hold them to the official schemas sample by sample.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

from .. import strict_json
from .odrl_problems import KINDS, POSITIONS, Problem, check

RULES_FILE = "catenax-2025-9-rules.json"


@dataclass(frozen=True)
class Format:
    regex: re.Pattern[str]
    meaning: str
    real_time: bool = False


@dataclass(frozen=True)
class ValueRule:
    """What a right operand, or each item of an array right operand, must be."""

    type: str  # string | integer | array
    values: frozenset[str] = frozenset()  # the published values; only these, unless open
    open: bool = False  # free text too (values starting with the reserved prefix must still be published)
    format: str | None = None
    min_items: int = 0
    unique: bool = False
    items: ValueRule | None = None


@dataclass(frozen=True)
class LeftOperandRule:
    name: str
    iri: str | None
    positions: frozenset[str]
    operators: tuple[str, ...]
    value: ValueRule
    deprecated: Mapping[str, str] = field(default_factory=dict)  # value -> the last day it was valid

    @property
    def published(self) -> frozenset[str]:
        """The standardized right operand values the profile publishes for this left operand."""
        return self.value.values | (self.value.items.values if self.value.items else frozenset())


def _value_rule(spec: Mapping[str, Any], formats: Mapping[str, Format]) -> ValueRule:
    kind = spec["type"]
    if kind not in ("string", "integer", "array"):
        raise ValueError(f"right operand type {kind!r} is not string, integer or array")
    fmt = spec.get("format")
    if fmt is not None and fmt not in formats:
        raise ValueError(f"format {fmt!r} is not defined")
    items = _value_rule(spec["items"], formats) if kind == "array" else None
    return ValueRule(
        type=kind,
        values=frozenset(spec.get("values", ())),
        open=bool(spec.get("open", False)),
        format=fmt,
        min_items=int(spec.get("minItems", 0)),
        unique=bool(spec.get("unique", False)),
        items=items,
    )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def _is_integer(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())


class BuiltinRules:
    """The Catena-X profile's rules as bpvc states them; immutable once built, safe to share."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        policy = data["policy"]
        self.source: Mapping[str, Any] = data["source"]
        self.version = str(self.source["version"])
        self.set_type = str(policy["type"]["value"])
        self.required_context = str(policy["context"]["mustContain"])
        self.actions = {kind: str(policy["actions"][kind]) for kind in KINDS}
        self.needs_permission = {kind: bool(policy[f"{kind}Policy"]["needsPermission"]) for kind in KINDS}
        self.access_forbids = tuple(policy["accessPolicy"]["forbids"])
        self.rule_members = tuple(policy["rules"]["members"])
        self.requires = tuple(policy["usagePermissionRequires"]["leftOperands"])
        self.logical_allowed = tuple(policy["logicalOperators"]["allowed"])
        self.logical_all = self.logical_allowed + tuple(policy["logicalOperators"]["odrlOnly"])
        self.members = tuple(policy["atomicConstraint"]["members"])  # leftOperand, operator, rightOperand
        self.operators = frozenset(policy["operators"]["values"])
        self.right_types = tuple(policy["rightOperandTypes"]["values"])
        self.prefix = str(policy["reservedValuePrefix"]["value"])
        self.max_nesting = int(policy["maxNesting"]["value"])
        self.position_names = {p: str(data["positions"][p]) for p in POSITIONS}
        self.formats = {
            name: Format(re.compile(f["regex"]), str(f["meaning"]), bool(f.get("realTime", False)))
            for name, f in data["formats"].items()
        }
        self.left_operands: dict[str, LeftOperandRule] = {}
        for name, spec in data["leftOperands"].items():
            rule = LeftOperandRule(
                name=name,
                iri=spec["iri"],
                positions=frozenset(spec["positions"]),
                operators=tuple(spec["operators"]),
                value=_value_rule(spec["rightOperand"], self.formats),
                deprecated=dict(spec.get("deprecated", {})),
            )
            if not rule.positions <= set(POSITIONS) or not set(rule.operators) <= self.operators:
                raise ValueError(f"{name}: a position or operator the rules do not define")
            self.left_operands[name] = rule
        if not set(self.requires) <= set(self.left_operands):
            raise ValueError("a usage permission requires a left operand the rules do not define")

    @property
    def name(self) -> str:
        return f"bpvc's built-in Catena-X {self.version} rules"

    def allowed(self, position: str) -> frozenset[str]:
        """The left operands that may constrain a rule in ``position``."""
        return frozenset(n for n, r in self.left_operands.items() if position in r.positions)

    def check(self, policy: dict[str, Any], *, kind: str) -> dict[str, Any]:
        """Return ``policy`` when it conforms; raise ``OdrlError`` naming the first problem otherwise."""
        return check(policy, kind=kind, checker=self)

    # -- a policy ---------------------------------------------------------------------------------

    def problems(self, policy: Any, *, kind: str) -> list[Problem]:
        """Every way ``policy`` (a usage or access ``Set``) breaks the rules; empty when it conforms."""
        if kind not in KINDS:
            raise ValueError("kind is usage or access")
        if not isinstance(policy, dict):
            return [Problem("$", "a policy must be a JSON object")]
        out = []
        if not isinstance(policy.get("@id"), str):
            out.append(Problem("$['@id']", "a policy needs an @id (a string)"))
        if "@context" in policy:
            out += self._context_problems(policy["@context"])
        if policy.get("@type") != self.set_type:
            out.append(Problem("$['@type']", f"a Catena-X policy is an odrl:{self.set_type}"))
        if "profile" in policy and not _string_or_strings(policy["profile"]):
            out.append(Problem("$.profile", "must be a string or an array of strings"))
        for member in self.rule_members:
            if member not in policy:
                continue
            if kind == "access" and member in self.access_forbids:
                out.append(Problem(f"$.{member}", "an access policy has neither prohibitions nor obligations"))
                continue
            rules = policy[member]
            if not isinstance(rules, list) or not rules:
                out.append(Problem(f"$.{member}", "must be an array of at least one rule"))
                continue
            for i, rule in enumerate(rules):
                out += self._rule_problems(rule, f"$.{member}[{i}]", member, kind)
        if self.needs_permission[kind] and "permission" not in policy:
            verb = self.actions[kind]
            out.append(Problem("$.permission", f"a {kind} policy grants {verb!r} in at least one permission"))
        return out

    def _context_problems(self, context: Any) -> list[Problem]:
        if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
            return [Problem("$['@context']", "must be an array of context URLs")]
        if self.required_context not in context:
            return [Problem("$['@context']", f"must contain {self.required_context}")]
        return []

    def _rule_problems(self, rule: Any, where: str, member: str, kind: str) -> list[Problem]:
        if not isinstance(rule, dict):
            return [Problem(where, "a rule must be a JSON object")]
        action = self.actions[kind]
        out = [] if rule.get("action") == action else [Problem(f"{where}.action", f"the action must be {action!r}")]
        position = kind if member == "permission" else member
        found: set[str] = set()
        if "constraint" in rule:
            if isinstance(rule["constraint"], list):
                out += self._constraints(rule["constraint"], f"{where}.constraint", position, found, 0)
            else:
                out.append(Problem(f"{where}.constraint", "must be an array of constraints"))
        if position == "usage":
            for needed in self.requires:
                if needed not in found:
                    needs = f"a usage permission needs a {needed} constraint"
                    out.append(Problem(f"{where}.constraint", needs, needed))
        return out

    def _constraints(self, items: list[Any], where: str, position: str, found: set[str], depth: int) -> list[Problem]:
        out: list[Problem] = []
        for i, item in enumerate(items):
            path = f"{where}[{i}]"
            if not isinstance(item, dict):
                out.append(Problem(path, "a constraint must be a JSON object"))
                continue
            logical = [op for op in self.logical_all if op in item]
            if not logical:
                out += self.constraint_problems(item, path, position)
                if isinstance(item.get("leftOperand"), str):
                    found.add(item["leftOperand"])
            elif any(m in item for m in self.members):
                left = item.get("leftOperand") if isinstance(item.get("leftOperand"), str) else None
                both = "a constraint is either an 'and' group or an atomic constraint, not both"
                out.append(Problem(path, both, left))
            elif len(logical) > 1:
                out.append(Problem(path, f"a logical constraint has one operator, not {' and '.join(logical)}"))
            elif logical[0] not in self.logical_allowed:
                out.append(Problem(f"{path}.{logical[0]}", "the profile combines constraints with 'and' only"))
            elif depth >= self.max_nesting:
                out.append(Problem(path, f"'and' groups nested more than {self.max_nesting} deep"))
            elif not isinstance(item["and"], list):
                out.append(Problem(f"{path}.and", "must be an array of constraints"))
            else:
                out += self._constraints(item["and"], f"{path}.and", position, found, depth + 1)
        return out

    # -- one atomic constraint ----------------------------------------------------------------------

    def constraint_problems(self, constraint: Any, where: str = "$", position: str | None = None) -> list[Problem]:
        """One atomic constraint: its members, where it may stand, its operator and right operand.

        Within a policy (``position`` given) the right operand must also be a JSON type the Dataspace
        Protocol allows; a lone constraint is judged by its left operand's rules only.
        """
        if not isinstance(constraint, dict):
            return [Problem(where, "a constraint must be a JSON object")]
        left = constraint.get("leftOperand")
        if not isinstance(left, str):
            return [Problem(f"{where}.leftOperand", "an atomic constraint needs a leftOperand (a string)")]
        rule = self.left_operands.get(left)
        if rule is None:
            return [Problem(f"{where}.leftOperand", f"{left!r} is not a left operand of the Catena-X profile", left)]
        out = []
        if position is not None and position not in rule.positions:
            where_ok = "; ".join(self.position_names[p] for p in POSITIONS if p in rule.positions)
            out.append(
                Problem(where, f"{left} may not stand in {self.position_names[position]}; only in {where_ok}", left)
            )
        for extra in sorted(set(constraint) - set(self.members)):
            out.append(Problem(f"{where}.{extra}", f"an atomic constraint has no member {extra!r}", left))
        for member in self.members[1:]:
            if member not in constraint:
                out.append(Problem(where, f"an atomic constraint needs its {member}", left))
        operator = constraint.get("operator", rule.operators[0])
        if not isinstance(operator, str) or operator not in self.operators:
            out.append(Problem(f"{where}.operator", f"{operator!r} is not an ODRL operator", left))
        elif operator not in rule.operators:
            allowed = " or ".join(rule.operators)
            out.append(Problem(f"{where}.operator", f"{left} takes the operator {allowed}, not {operator!r}", left))
        if "rightOperand" in constraint:
            value = constraint["rightOperand"]
            out += self._value_problems(rule.value, value, f"{where}.rightOperand", rule)
            if position is not None and _json_type(value) not in self.right_types:
                out.append(
                    Problem(
                        f"{where}.rightOperand",
                        f"the Dataspace Protocol 2025-1 allows only {' or '.join(self.right_types)} as a right "
                        f"operand, not {_json_type(value)}, so this {left} cannot stand in a policy "
                        "(the profile contradicts itself here)",
                        left,
                    )
                )
        return out

    def _value_problems(self, spec: ValueRule, value: Any, where: str, rule: LeftOperandRule) -> list[Problem]:
        left = rule.name
        if spec.type == "array":
            if not isinstance(value, list):
                return [Problem(where, f"must be an array, not {_json_type(value)}", left)]
            out = []
            if len(value) < spec.min_items:
                out.append(Problem(where, f"needs at least {spec.min_items} value(s)", left))
            if spec.unique:
                keys = [json.dumps(item, sort_keys=True) for item in value]
                twice = next((value[i] for i, k in enumerate(keys) if k in keys[:i]), None)
                if twice is not None:
                    out.append(Problem(where, f"{twice!r} is listed more than once", left))
            if spec.items is not None:
                for i, item in enumerate(value):
                    out += self._value_problems(spec.items, item, f"{where}[{i}]", rule)
            return out
        if spec.type == "integer":
            return [] if _is_integer(value) else [Problem(where, f"must be an integer, not {_json_type(value)}", left)]
        if not isinstance(value, str):
            return [Problem(where, f"must be a string, not {_json_type(value)}", left)]
        if value in spec.values:
            return []
        if spec.values and not spec.open:
            return [Problem(where, self._unpublished(value, spec, rule), left)]
        if value.startswith(self.prefix):
            marks = f"{self.prefix!r} marks the profile's own values"
            return [Problem(where, f"{value!r} is not a published {left} value ({marks})", left)]
        if spec.format is not None:
            fmt = self.formats[spec.format]
            if not fmt.regex.fullmatch(value):
                return [Problem(where, f"{value!r} is not {fmt.meaning}", left)]
            if fmt.real_time and not _real_time(value):
                return [Problem(where, f"{value!r} is not a date and time on the calendar", left)]
        return []

    def _unpublished(self, value: str, spec: ValueRule, rule: LeftOperandRule) -> str:
        message = f"{value!r} is not a published {rule.name} value"
        if value in rule.deprecated:
            message += f" (it was valid until {rule.deprecated[value]})"
        if len(spec.values) <= 3:
            message += f"; published: {', '.join(sorted(spec.values))}"
        return message


def _string_or_strings(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _real_time(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


@functools.cache
def builtin_rules() -> BuiltinRules:
    """The rules bundled with bpvc (read once)."""
    text = (resources.files("bpvc") / "data" / "odrl" / RULES_FILE).read_text(encoding="utf-8")
    return BuiltinRules(strict_json.loads(text))


__all__ = ["RULES_FILE", "BuiltinRules", "LeftOperandRule", "ValueRule", "builtin_rules"]
