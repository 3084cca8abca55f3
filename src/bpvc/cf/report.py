"""The HTML report of a carbon-footprint calculation: one self-contained page, no scripts.

It shows the declared value under each profile side by side, the stage breakdown and the top
contributors as inline SVG charts, and every input with its verification outcome. Every value
from the inventory or a credential is escaped (supplier text is untrusted), and a
Content-Security-Policy of ``default-src 'none'`` keeps the page from loading or running anything.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version

from .inventory import Inventory, ProcessLine, TransportLine
from .profiles import STAGES
from .result import CfResult, LineResult
from .supplier import ResolvedInput

STAGE_LABELS = {
    "raw_material": "Raw material acquisition and pre-processing",
    "production": "Main product production",
    "distribution": "Distribution",
    "end_of_life": "End of life and recycling",
}
STAGE_COLOURS = {
    "raw_material": "#2f6f9f",
    "production": "#c4321f",
    "distribution": "#6b8e23",
    "end_of_life": "#8a5a9e",
}
OUTCOME_CLASSES = {"verified": "passed", "failed": "defect", "undecided": "undecided", "values": "note"}

_CSS = """
:root { --ink:#1f2933; --muted:#5b6775; --line:#d9dee4; --soft:#f5f7f9; }
* { box-sizing:border-box; }
body { margin:0; background:#eef1f4; color:var(--ink);
  font:15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width:1120px; margin:0 auto; padding:32px; background:#fff; min-height:100vh; }
h1 { font-size:26px; margin:0 0 4px; } header p { margin:0; color:var(--muted); }
h2 { font-size:18px; margin:36px 0 12px; padding-bottom:6px; border-bottom:1px solid var(--line); }
h3 { font-size:15px; margin:18px 0 6px; }
code, .mono { font-family:ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size:13px; }
table { width:100%; border-collapse:collapse; font-size:14px; }
th, td { text-align:left; vertical-align:top; padding:7px 10px; border-bottom:1px solid var(--line); }
thead th { font-size:12px; text-transform:uppercase; letter-spacing:0.05em; color:var(--muted);
  background:var(--soft); }
td.num, th.num { text-align:right; white-space:nowrap; }
td.id { overflow-wrap:anywhere; word-break:break-all; }
.sub { display:block; color:var(--muted); font-size:12px; }
.badge { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; border:1px solid;
  white-space:nowrap; }
.badge.passed { color:#1a7f37; background:#e9f6ee; } .badge.defect { color:#b42318; background:#fdecea; }
.badge.undecided { color:#b54708; background:#fef4e6; } .badge.note { color:#5b6775; background:#f5f7f9; }
.verdict { display:inline-block; font-weight:700; }
.verdict.decided { color:#1a7f37; } .verdict.undecided { color:#b54708; } .verdict.noncompliant { color:#b42318; }
.chart svg { display:block; width:100%; height:auto; }
.chart svg text { font-size:13px; fill:var(--ink); } .chart svg .axis { font-size:11px; fill:var(--muted); }
ul.notes { margin:4px 0 0; padding-left:18px; color:var(--muted); font-size:13px; }
footer { margin-top:40px; color:var(--muted); font-size:13px; }
@media print { body { background:#fff; } main { padding:0; } .chart svg, .badge { print-color-adjust:exact; } }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _tool() -> str:
    try:
        return version("bpvc")
    except PackageNotFoundError:  # pragma: no cover
        return "?"


def _short(label: str, limit: int = 36) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _bars(title: str, rows: Sequence[tuple[str, Decimal, str]], unit: str) -> str:
    """A horizontal bar chart of (label, value, colour); negative values draw leftwards from the axis."""
    if not rows:
        return '<p class="sub">Nothing to chart.</p>'
    label_w, bar_x, bar_w, row_h, top = 260, 272, 440, 28, 10
    width, height = 880, top + row_h * len(rows) + 8
    largest = max(abs(v) for _, v, _ in rows) or Decimal(1)
    has_negative = any(v < 0 for _, v, _ in rows)
    zero = bar_x + (bar_w / 2 if has_negative else 0)
    span = bar_w / 2 if has_negative else bar_w
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{_e(title)}">'
        f"<title>{_e(title)}</title>",
        f'<line x1="{zero:.1f}" y1="{top - 4}" x2="{zero:.1f}" y2="{height - 4}" stroke="#d9dee4"/>',
    ]
    for index, (label, value, colour) in enumerate(rows):
        y = top + index * row_h
        length = float(abs(value) / largest) * span
        x = zero - length if value < 0 else zero
        figure = f"{value:,.3f} {unit}"
        parts.append(
            f"<g><title>{_e(label)}: {_e(figure)}</title>"
            f'<text x="{label_w}" y="{y + 19}" text-anchor="end">{_e(_short(label))}</text>'
            f'<rect x="{x:.1f}" y="{y + 6}" width="{length:.1f}" height="16" rx="3" fill="{colour}"/>'
            f'<text x="{bar_x + bar_w + 10}" y="{y + 19}">{_e(figure)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _verdict(result: CfResult) -> str:
    if not result.decided:
        return '<span class="verdict undecided">Undecided</span>'
    if not result.compliant:
        return '<span class="verdict noncompliant">Non-compliant</span>'
    return '<span class="verdict decided">Decided</span>'


def _summary(results: Sequence[CfResult]) -> str:
    data = [r.to_dict() for r in results]
    rows: list[tuple[str, list[str]]] = [
        ("Result", [_verdict(r) for r in results]),
        (
            "Declared value",
            [
                f"<strong>{_e(d['declared_value']['value'] or '—')}</strong> {_e(d['declared_value']['unit'])}"
                for d in data
            ],
        ),
        ("E_total", [_e(f"{d['e_total_kwh']} kWh") if d["e_total_kwh"] else "—" for d in data]),
        (
            "Total over the declared stages",
            [_e(f"{d['total_kg_co2e']} kg CO2e") if d["total_kg_co2e"] else "—" for d in data],
        ),
        (
            "Per kWh of capacity, cradle to gate",
            [
                _e(f"{d['kg_co2e_per_kwh_capacity']} kg CO2e/kWh") if d["kg_co2e_per_kwh_capacity"] else "—"
                for d in data
            ],
        ),
        ("Primary data share", [_e(f"{d['pds']} %") if d["pds"] else "n/a" for d in data]),
        (
            "DQR TeR / TiR / GeR",
            [
                _e(f"{d['dqr']['ter']} / {d['dqr']['tir']} / {d['dqr']['ger']}") if d["dqr"]["ter"] else "n/a"
                for d in data
            ],
        ),
        (
            "Third-party verification share",
            [_e(f"{d['verification_share']} % ({d['assurance']})") if d["verification_share"] else "n/a" for d in data],
        ),
        (
            "Cut-off (excluded share)",
            [
                _e(f"{d['cut_off']['share_percent']} % of {d['cut_off']['threshold_percent']} %")
                + {True: " passed", False: " <strong>failed</strong>", None: ""}[d["cut_off"]["passed"]]
                if d["cut_off"]["share_percent"] is not None
                else "—"
                for d in data
            ],
        ),
    ]
    head = "".join(f"<th>{_e(r.profile.label())}<span class='sub'>{_e(r.profile.title)}</span></th>" for r in results)
    body = "".join(f"<tr><th>{_e(label)}</th>{''.join(f'<td>{c}</td>' for c in cells)}</tr>" for label, cells in rows)
    return (
        "<section><h2>Declared footprint</h2>"
        f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table></section>"
    )


def _stage_chart(results: Sequence[CfResult]) -> str:
    rows = []
    for result in results:
        lead = result.profile.lead_indicator
        for stage in STAGES:
            declared = "" if stage in result.profile.stages else " (not declared)"
            rows.append(
                (
                    f"{result.profile.id}: {stage.replace('_', ' ')}{declared}",
                    result.stages[stage].lead(lead),
                    STAGE_COLOURS[stage],
                )
            )
    chart = _bars("Emissions by stage", rows, "kg CO2e")
    note = (
        '<p class="sub">An undecided result is charted without the inputs that could not be decided.</p>'
        if any(not r.decided for r in results)
        else ""
    )
    return f'<section class="chart"><h2>Emissions by life-cycle stage</h2>{note}{chart}</section>'


def _top_chart(result: CfResult) -> str:
    rows = [(f"{line.id} ({line.kind})", line.lead, STAGE_COLOURS[line.stage]) for line in result.top_contributors(10)]
    title = f"Top contributors under {result.profile.label()}"
    return f'<section class="chart"><h3>{_e(title)}</h3>{_bars(title, rows, "kg CO2e")}</section>'


def _input_rows(inventory: Inventory, results: Sequence[CfResult], resolved: Mapping[str, ResolvedInput]) -> str:
    by_line: list[dict[str, LineResult]] = [{line.id: line for line in r.lines} for r in results]
    rows = []
    for line in inventory.inputs:
        first = by_line[0][line.id]
        if line.credential is None:
            outcome, source, detail = "values", "explicit values", line.pcf.source if line.pcf else ""
            reasons: list[str] = []
        else:
            found = resolved.get(line.credential.id)
            outcome = first.outcome if found is not None else "failed"
            source = line.credential.id
            detail = f"{line.credential.digest_sri}" + (f" · {found.source}" if found and found.source else "")
            reasons = [n for n in first.notes if n not in ("",)] if first.outcome != "verified" else []
            if found is not None and found.footprint is not None:
                detail += f" · {found.footprint.company_name}"
        label = {"values": "Explicit values", "verified": "Verified", "failed": "Failed", "undecided": "Undecided"}[
            outcome
        ]
        badge = f'<span class="badge {OUTCOME_CLASSES[outcome]}">{label}</span>'
        if first.excluded:
            badge += ' <span class="badge defect">Excluded</span>'
        notes = "".join(f"<li>{_e(r)}</li>" for r in reasons)
        cells = "".join(f'<td class="num">{_e(format(lines[line.id].lead, ",.3f"))}</td>' for lines in by_line)
        rows.append(
            f'<tr><td><span class="mono">{_e(line.id)}</span><span class="sub">{_e(line.description)}</span></td>'
            f"<td>{_e(line.stage.replace('_', ' '))}</td>"
            f'<td class="id"><span class="mono">{_e(source)}</span><span class="sub mono">{_e(detail)}</span></td>'
            f"<td>{badge}{f'<ul class=notes>{notes}</ul>' if notes else ''}</td>{cells}</tr>"
        )
    heads = "".join(f'<th class="num">kg CO2e<span class="sub">{_e(r.profile.id)}</span></th>' for r in results)
    return (
        f"<section><h2>Inputs ({len(inventory.inputs)})</h2><table><thead><tr><th>Line</th><th>Stage</th>"
        f"<th>Footprint</th><th>Verification</th>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _own_rows(inventory: Inventory, results: Sequence[CfResult]) -> str:
    by_line = [{line.id: line for line in r.lines} for r in results]
    rows = []
    own: list[ProcessLine | TransportLine] = [*inventory.processes, *inventory.transport]
    for line in own:
        notes: list[str] = []
        for lines in by_line:
            for note in lines[line.id].notes:
                if note not in notes:
                    notes.append(note)
        cells = "".join(f'<td class="num">{_e(format(lines[line.id].lead, ",.3f"))}</td>' for lines in by_line)
        kind = "process" if line in inventory.processes else "transport"
        rows.append(
            f'<tr><td><span class="mono">{_e(line.id)}</span><span class="sub">{_e(line.description)}</span></td>'
            f"<td>{_e(kind)}</td><td>{_e(line.stage.replace('_', ' '))}</td>"
            f"<td><ul class=notes>{''.join(f'<li>{_e(n)}</li>' for n in notes)}</ul></td>{cells}</tr>"
        )
    heads = "".join(f'<th class="num">kg CO2e<span class="sub">{_e(r.profile.id)}</span></th>' for r in results)
    return (
        "<section><h2>Own processes and transport</h2><table><thead><tr><th>Line</th><th>Kind</th><th>Stage</th>"
        f"<th>Factor used</th>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _messages(results: Sequence[CfResult]) -> str:
    items = []
    for result in results:
        for kind, messages in (
            ("Undecided", result.problems),
            ("Violation", result.violations),
            ("Warning", result.warnings),
        ):
            for message in messages:
                items.append(f"<li><strong>{_e(kind)}</strong> [{_e(result.profile.id)}] {_e(message)}</li>")
    body = f"<ul>{''.join(items)}</ul>" if items else '<p class="sub">None.</p>'
    return f"<section><h2>Problems and warnings</h2>{body}</section>"


def _receipt(inventory: Inventory, results: Sequence[CfResult]) -> str:
    rows = [
        f'<tr><td>inventory <span class="mono">{_e(inventory.id)}</span></td>'
        f'<td class="id mono">{_e(inventory.digest)}</td></tr>'
    ]
    rows += [
        f'<tr><td>profile {_e(r.profile.label())} <span class="sub">{_e(r.profile.path)}</span></td>'
        f'<td class="id mono">{_e(r.profile.digest)}</td></tr>'
        for r in results
    ]
    return (
        "<section><h2>Receipt</h2><p>Recompute with the same files (same SHA-256 digests) to get the same digits.</p>"
        f"<table><thead><tr><th>Input</th><th>SHA-256</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def render_html(inventory: Inventory, results: Sequence[CfResult], resolved: Mapping[str, ResolvedInput]) -> str:
    """The whole report page."""
    product = inventory.section("product").get("name", inventory.id)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>Carbon footprint: {_e(product)}</title><style>{_CSS}</style></head><body><main>"
        f"<header><h1>Carbon footprint: {_e(product)}</h1>"
        f"<p>Inventory <span class='mono'>{_e(inventory.id)}</span> · reference date {_e(inventory.reference_date)}"
        f" · bpvc {_e(_tool())}</p></header>"
        + _summary(results)
        + _stage_chart(results)
        + "<section><h2>Top contributors</h2>"
        + "".join(_top_chart(r) for r in results)
        + "</section>"
        + _input_rows(inventory, results, resolved)
        + _own_rows(inventory, results)
        + _messages(results)
        + _receipt(inventory, results)
        + "<footer>This page is self-contained: it loads no scripts, fonts or images.</footer></main></body></html>\n"
    )
