"""The side-by-side table ``bpvc cf compute`` prints: one column per profile."""

from __future__ import annotations

from ..cf import ResolvedInput
from ..cf.inventory import Inventory
from ..cf.result import CfResult


def _cell(result: CfResult, row: str) -> str:
    d = result.to_dict()
    if row == "declared":
        value = d["declared_value"]
        return f"{value['value']} {value['unit']}" if value["value"] is not None else "UNDECIDED"
    if row == "e_total":
        return f"{d['e_total_kwh']} kWh" if d["e_total_kwh"] is not None else "-"
    if row == "total":
        return f"{d['total_kg_co2e']} kg" if d["total_kg_co2e"] is not None else "-"
    if row in ("raw_material", "production", "distribution", "end_of_life"):
        stage = d["stages"][row]
        if stage["kg_co2e"] is None:
            return "-"
        per = f" ({stage['kg_co2e_per_kwh']}/kWh)" if stage["kg_co2e_per_kwh"] is not None else ""
        return f"{stage['kg_co2e']} kg{per}" + ("" if stage["in_declared_value"] else " [not declared]")
    if row == "pds":
        return f"{d['pds']} %" if d["pds"] is not None else "n/a"
    if row == "dqr":
        q = d["dqr"]
        return f"{q['ter']} / {q['tir']} / {q['ger']}" if q["ter"] is not None else "n/a"
    if row == "verification":
        return f"{d['verification_share']} % ({d['assurance']})" if d["verification_share"] is not None else "n/a"
    if row == "cut_off":
        c = d["cut_off"]
        if c["share_percent"] is None:
            return "-"
        verdict = {True: "passed", False: "FAILED", None: "n/a"}[c["passed"]]
        return f"{c['share_percent']} % of {c['threshold_percent']} %: {verdict}"
    if row == "status":
        if not result.decided:
            return "UNDECIDED"
        return "DECIDED" if result.compliant else "NON-COMPLIANT"
    raise KeyError(row)


ROWS = (
    ("declared value", "declared"),
    ("E_total", "e_total"),
    ("total, declared stages", "total"),
    ("  raw material", "raw_material"),
    ("  production", "production"),
    ("  distribution", "distribution"),
    ("  end of life", "end_of_life"),
    ("primary data share", "pds"),
    ("DQR TeR / TiR / GeR", "dqr"),
    ("3rd-party verification", "verification"),
    ("cut-off", "cut_off"),
    ("result", "status"),
)


def side_by_side(inventory: Inventory, results: list[CfResult], resolved: dict[str, ResolvedInput]) -> str:
    """The text ``bpvc cf compute`` prints: one column per profile, then each profile's findings."""
    lines = [f"inventory {inventory.id} (sha256 {inventory.digest[:16]}…), reference date {inventory.reference_date}"]
    verified = sum(1 for r in resolved.values() if r.verified)
    referenced = sum(1 for line in inventory.inputs if line.credential)
    lines.append(
        f"inputs: {len(inventory.inputs)} ({referenced} by supplier credential, {verified} verified), "
        f"{len(inventory.processes)} processes, {len(inventory.transport)} transport legs"
    )
    table = [["", *(r.profile.label() for r in results)]]
    table += [[label, *(_cell(r, row) for r in results)] for label, row in ROWS]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    for result in results:
        tag = f"[{result.profile.id}]"
        for problem in result.problems:
            lines.append(f"undecided  {tag} {problem}")
        for violation in result.violations:
            lines.append(f"violation  {tag} {violation}")
        for warning in result.warnings:
            lines.append(f"warning    {tag} {warning}")
    return "\n".join(lines)
