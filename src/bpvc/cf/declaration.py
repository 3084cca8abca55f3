"""The carbon-footprint declaration credential: issue it, and check it by recomputing.

A ``CarbonFootprintDeclarationCredential`` holds, in its subject:

- ``declaration``: the result (:meth:`CfResult.to_dict`), with the profile id, version and digest;
- ``receipt``: the inventory's SHA-256 and the id and digest of every input credential, so
  anyone holding the same files can recompute the same digits;
- ``catenaXPcf`` / ``catenaXPcf9``: the battery's cradle-to-gate PCF as Catena-X 8.0.0 and 9.0.0;
- ``batteryPassCarbonFootprint``: the BatteryPass 6.1.0 ``carbonFootprint`` entries (per-kWh profiles);
- ``componentPcf``: the ``pcf_for_battery_component_supplier`` 1.0.0 record (cells and modules).

Each part is a JSON literal (``@type: @json`` in bpvc's declaration context), so the proof
covers it exactly as written, array order included. Signing goes through the issuing
functions of :mod:`bpvc.issue.credential` (Data Integrity or ``vc+jwt``). :func:`check_declaration`
verifies the credential, re-verifies the inputs, recomputes and names every difference.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from .. import dates, strict_json
from ..errors import BpvcError, MalformedError
from ..errors import DeclarationError as DeclarationError
from ..issue.credential import issue_credential, issue_credential_jwt
from ..jsonld.contexts import CREDENTIALS_V2, ContextLoader
from ..keys.primitives import Signer
from ..securing import jose
from ..verify.result import VerificationResult
from ..verify.verifier import Verifier
from . import inputs, records
from .calculation import compute
from .inventory import Inventory
from .profiles import BUNDLED, Profile, bundled_profile
from .result import CfResult
from .supplier import ResolvedInput

CONTEXT_URL = "https://w3id.org/bpvc/contexts/cf-declaration/1.0.0"
CREDENTIAL_TYPE = "CarbonFootprintDeclarationCredential"
SUBJECT_TYPE = "CarbonFootprintDeclaration"
COMPARED = ("declaration", "catenaXPcf", "catenaXPcf9", "batteryPassCarbonFootprint", "componentPcf")


def context_file() -> str:
    """The bundled JSON-LD context of the declaration credential (every ContextLoader serves it too)."""
    return str(resources.files("bpvc") / "data" / "contexts" / "cf-declaration-1.0.0.jsonld")


def contexts() -> dict[str, str]:
    """``{url: file}`` for the declaration context, to give a Verifier (``contexts=``) or a ContextLoader."""
    return {CONTEXT_URL: context_file()}


def _tool() -> str:
    try:
        return f"bpvc {version('bpvc')}"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "bpvc"


def receipt(result: CfResult, *, allow_unverified: bool = False) -> dict[str, Any]:
    """What a recomputation needs to find the same inputs: digests of the inventory, profile and credentials."""
    rounding = result.profile.rounding
    return {
        "inventory": {
            "id": result.inventory_id,
            "sha256": result.inventory_digest,
            "referenceDate": result.reference_date,
        },
        "profile": {"id": result.profile.id, "version": result.profile.version, "sha256": result.profile.digest},
        "inputs": [
            {
                "line": line.id,
                "credentialId": line.credential_id,
                "digestSRI": line.digest_sri,
                "outcome": line.outcome,
                "excluded": line.excluded,
            }
            for line in result.lines
            if line.credential_id is not None
        ],
        "allowUnverified": allow_unverified,
        "arithmetic": (
            f"exact decimal (50 significant digits), rounded only at output: {rounding.mode}, "
            f"{rounding.declared_value_decimals} decimals for the declared value, {rounding.kg_decimals} for kg, "
            f"{rounding.percent_decimals} for percentages, {rounding.dqr_decimals} for ratings"
        ),
        "tool": _tool(),
    }


def build_subject(
    result: CfResult,
    inventory: Inventory,
    *,
    credential_id: str,
    pcf_id: str,
    created: str,
    allow_unverified: bool = False,
) -> dict[str, Any]:
    """The declaration subject; every derived record is checked against its model first."""
    pcf = records.catena_x_pcf(result, inventory, pcf_id=pcf_id, created=created)
    entries = records.battery_pass_carbon_footprint(result, inventory, declaration_id=credential_id)
    component = records.component_record(result, inventory)
    problems = records.record_problems(pcf, entries, component)
    if problems:
        raise records.DerivedRecordError("; ".join(problems))
    subject: dict[str, Any] = {
        "id": f"urn:uuid:{pcf_id}",
        "type": SUBJECT_TYPE,
        "declaration": result.to_dict(),
        "receipt": receipt(result, allow_unverified=allow_unverified),
        "catenaXPcf": pcf,
        "catenaXPcf9": records.catena_x_pcf_9(pcf),
    }
    if entries:
        subject["batteryPassCarbonFootprint"] = entries
    if component is not None:
        subject["componentPcf"] = component
    return subject


def unsigned_declaration(subject: dict[str, Any], *, issuer: str, credential_id: str, created: str) -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V2, CONTEXT_URL],
        "id": credential_id,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": created,
        "credentialSubject": subject,
    }


def refusal(result: CfResult) -> str | None:
    """Why ``result`` cannot be declared (None when it can)."""
    if not result.decided:
        return f"the result under {result.profile.label()} is undecided: " + "; ".join(result.problems)
    if result.violations:
        return f"the inventory breaks {result.profile.label()}: " + "; ".join(result.violations)
    return None


def issue_declaration(
    result: CfResult,
    inventory: Inventory,
    signer: Signer,
    *,
    issuer: str,
    created: datetime,
    fmt: str = "di",
    envelope: bool = False,
    cryptosuite: str | None = None,
    credential_id: str | None = None,
    pcf_id: str | None = None,
    allow_unverified: bool = False,
) -> dict[str, Any] | str:
    """Sign the declaration of ``result`` (Data Integrity, or ``vc+jwt`` with ``fmt="jwt"``).

    Refuses (DeclarationError) an undecided or non-compliant result; nothing is signed then.
    """
    reason = refusal(result)
    if reason:
        raise DeclarationError(f"nothing was signed: {reason}")
    stamp = dates.format_instant(created)
    credential_id = credential_id or f"urn:uuid:{uuid.uuid4()}"
    subject = build_subject(
        result,
        inventory,
        credential_id=credential_id,
        pcf_id=pcf_id or str(uuid.uuid4()),
        created=stamp,
        allow_unverified=allow_unverified,
    )
    document = unsigned_declaration(subject, issuer=issuer, credential_id=credential_id, created=stamp)
    loader = ContextLoader(contexts())
    if fmt == "jwt":
        return issue_credential_jwt(document, signer, loader=loader, envelope=envelope)
    if envelope:
        raise DeclarationError("an enveloped declaration needs the vc+jwt format")
    return issue_credential(document, signer, loader=loader, cryptosuite=cryptosuite, created=created)


# -- checking ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One published value that the recomputation does not reproduce."""

    path: str
    declared: Any
    recomputed: Any

    def __str__(self) -> str:
        return f"{self.path}: declared {json.dumps(self.declared)}, recomputed {json.dumps(self.recomputed)}"


@dataclass(frozen=True)
class DeclarationCheck:
    """The declaration's own verification, what the receipt found, and the differences on recomputing."""

    signature: VerificationResult
    problems: tuple[str, ...]
    differences: tuple[Difference, ...]
    result: CfResult | None
    resolved: Mapping[str, ResolvedInput]

    @property
    def reproduced(self) -> bool:
        return self.signature.verified and not self.problems and not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {
            "reproduced": self.reproduced,
            "signature": self.signature.to_dict(),
            "problems": list(self.problems),
            "differences": [
                {"path": d.path, "declared": d.declared, "recomputed": d.recomputed} for d in self.differences
            ],
        }


def read_declaration(data: bytes | str | dict[str, Any]) -> dict[str, Any]:
    """The declaration credential as JSON data: a JSON document, a compact vc+jwt or an enveloped one."""
    if isinstance(data, dict):
        document: Any = data
    else:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        try:
            document = jose.decode(text).payload if jose.looks_like_jws(text) else strict_json.loads(text)
            if isinstance(document, dict) and (enveloped := jose.unwrap_envelope(document)) is not None:
                document = jose.decode(enveloped[1]).payload
        except (ValueError, BpvcError) as err:
            detail = err.detail if isinstance(err, BpvcError) else str(err)
            raise DeclarationError(f"the declaration cannot be read: {detail}") from None
    if not isinstance(document, dict) or CREDENTIAL_TYPE not in (document.get("type") or []):
        raise DeclarationError(f"not a {CREDENTIAL_TYPE}")
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict) or not isinstance(subject.get("receipt"), dict):
        raise DeclarationError(
            "the declaration has no credentialSubject with a receipt", json_path="$.credentialSubject"
        )
    return document


def _profile_for(receipt_profile: Any, candidates: Iterable[Profile]) -> tuple[Profile | None, list[str]]:
    if not isinstance(receipt_profile, dict):
        return None, ["the receipt names no profile"]
    wanted_id, wanted_version = receipt_profile.get("id"), receipt_profile.get("version")
    pool = list(candidates)
    if wanted_id in BUNDLED and not any(p.id == wanted_id for p in pool):
        pool.append(bundled_profile(str(wanted_id)))
    match = [p for p in pool if p.id == wanted_id and p.version == wanted_version]
    if not match:
        return None, [f"profile {wanted_id} {wanted_version} is not available: pass its file with --profile"]
    profile = next((p for p in match if p.digest == receipt_profile.get("sha256")), match[0])
    problems = []
    if profile.digest != receipt_profile.get("sha256"):
        problems.append(
            f"profile {profile.label()} differs from the one declared (sha256 {profile.digest}, "
            f"declared {receipt_profile.get('sha256')})"
        )
    return profile, problems


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def differences(declared: Any, recomputed: Any, path: str) -> list[Difference]:
    """Every leaf where the two JSON values differ, by JSON path."""
    if isinstance(declared, dict) and isinstance(recomputed, dict):
        out = []
        for key in list(dict.fromkeys([*declared, *recomputed])):
            out += differences(declared.get(key, _MISSING), recomputed.get(key, _MISSING), f"{path}.{key}")
        return out
    if isinstance(declared, list) and isinstance(recomputed, list):
        out = []
        for i in range(max(len(declared), len(recomputed))):
            left = declared[i] if i < len(declared) else _MISSING
            right = recomputed[i] if i < len(recomputed) else _MISSING
            label = _label(left) or _label(right)
            out += differences(left, right, f"{path}[{i}]" + (f"(line {label})" if label else ""))
        return out
    if declared == recomputed and type(declared) is type(recomputed):
        return []
    if isinstance(declared, (int, float)) and isinstance(recomputed, (int, float)) and declared == recomputed:
        return []
    return [
        Difference(path, None if declared is _MISSING else declared, None if recomputed is _MISSING else recomputed)
    ]


class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


_MISSING: Any = _Missing()


def _label(item: Any) -> str | None:
    return item.get("line") if isinstance(item, dict) and isinstance(item.get("line"), str) else None


def check_declaration(
    data: bytes | str | dict[str, Any],
    inventory: Inventory,
    received: Iterable[inputs.Received],
    verifier: Verifier,
    *,
    profiles: Iterable[Profile] = (),
    now: datetime | None = None,
    inputs_now: datetime | None = None,
) -> DeclarationCheck:
    """Verify a declaration, re-verify its inputs, recompute, and name every difference.

    ``verifier`` must serve the declaration context (build it with ``contexts=contexts()``);
    it verifies the declaration at ``now`` and the supplier credentials at ``inputs_now``
    (default: the inventory's reference date). ``profiles`` are profile files beside the
    bundled ones; the receipt picks the one it names by id, version and digest.
    """
    document = read_declaration(data)
    signature = verifier.verify(document if isinstance(data, dict) else data, now=now)
    subject = document["credentialSubject"]
    stated = subject["receipt"]
    problems: list[str] = []
    inventory_stated = stated.get("inventory") if isinstance(stated.get("inventory"), dict) else {}
    if inventory_stated.get("sha256") != inventory.digest:
        problems.append(
            f"the inventory is not the one declared (sha256 {inventory.digest}, "
            f"declared {inventory_stated.get('sha256')})"
        )
    profile, found = _profile_for(stated.get("profile"), profiles)
    problems += found
    resolved = inputs.resolve(inventory, received, verifier, now=inputs_now)
    if profile is None:
        return DeclarationCheck(signature, tuple(problems), (), None, resolved)
    result = compute(inventory, resolved, profile, allow_unverified=bool(stated.get("allowUnverified")))
    problems += [f"recomputed result undecided: {p}" for p in result.problems]
    pcf = subject.get("catenaXPcf") if isinstance(subject.get("catenaXPcf"), dict) else {}
    try:
        rebuilt = build_subject(
            result,
            inventory,
            credential_id=str(document.get("id")),
            pcf_id=str(pcf.get("id")),
            created=str(pcf.get("created")),
            allow_unverified=bool(stated.get("allowUnverified")),
        )
    except MalformedError as err:
        problems.append(f"the recomputed records cannot be derived: {err.detail}")
        return DeclarationCheck(signature, tuple(problems), (), result, resolved)
    found_differences: list[Difference] = []
    rebuilt = _plain(rebuilt)
    for key in COMPARED:
        found_differences += differences(
            subject.get(key, _MISSING), rebuilt.get(key, _MISSING), f"$.credentialSubject.{key}"
        )
    declared_inputs = stated.get("inputs") if isinstance(stated.get("inputs"), list) else []
    found_differences += differences(
        declared_inputs, rebuilt["receipt"]["inputs"], "$.credentialSubject.receipt.inputs"
    )
    return DeclarationCheck(signature, tuple(problems), tuple(found_differences), result, resolved)


def passport_problems(passport: dict[str, Any], declaration_document: dict[str, Any]) -> list[str]:
    """Where a passport's carbonFootprint entries disagree with the declaration it links to.

    ``passport`` is a BatteryPass record or a BatteryPassportCredential (its subject is read);
    every entry the declaration derives must appear in the passport with the same value, unit
    and type. For an audit of passports that link a declaration (``relatedResource``).
    """
    subject = passport.get("credentialSubject", passport)
    record = subject if isinstance(subject, dict) else {}
    sustainability = record.get("sustainability")
    entries = sustainability.get("carbonFootprint") if isinstance(sustainability, dict) else None
    declared_subject = declaration_document.get("credentialSubject")
    declared = declared_subject.get("batteryPassCarbonFootprint") if isinstance(declared_subject, dict) else None
    if not isinstance(declared, list) or not declared:
        return ["the declaration carries no BatteryPass carbonFootprint entries (a per-piece profile?)"]
    if not isinstance(entries, list):
        return ["the passport has no sustainability.carbonFootprint"]
    problems = []
    for item in declared:
        match = [
            e
            for e in entries
            if isinstance(e, dict)
            and (e.get("lifecycle"), e.get("type"), e.get("unit")) == (item["lifecycle"], item["type"], item["unit"])
        ]
        if not match:
            problems.append(f"the passport has no {item['type']} entry for {item['lifecycle']!r} in {item['unit']}")
        elif all(e.get("value") != item["value"] for e in match):
            problems.append(
                f"{item['lifecycle']}: the passport gives {match[0].get('value')}, the declaration {item['value']}"
            )
    return problems
