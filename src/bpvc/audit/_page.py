"""The HTML page for an audit report: one file, inline CSS and SVG, nothing loaded from anywhere.

Every value from a credential or the command line goes through ``html.escape``: a reason string is
supplier-controlled text. A Content-Security-Policy of ``default-src 'none'`` backs that up, so even a
mistake here could not make the page fetch anything or run a script.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .report import AuditItem, AuditReport

__all__ = ["page"]

_FONT = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif'
)
_MONO = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace'

# Decision colours, each with a word beside it so the page never relies on colour alone.
DECISION_COLOURS = {"accepted": "#1a7f37", "rejected": "#b42318", "inconclusive": "#b54708", "no decision": "#475467"}
_DECISION_TITLES = {
    "accepted": "Accepted",
    "rejected": "Rejected",
    "inconclusive": "Inconclusive",
    "no decision": "not decided: sample only",
}
_OUTCOME_ORDER = {"defect": 0, "undecided": 1, "passed": 2}
_OUTCOME_LABELS = {"passed": "Passed", "defect": "Defect", "undecided": "Undecided"}
# Chart scales: the axis ends at the first of these at or above the highest rate, so small rates stay visible.
_SCALES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0)

_CSS = f"""
:root {{ --ink:#1f2933; --muted:#5b6775; --line:#d9dee4; --soft:#f5f7f9; --accent:#b42318; }}
* {{ box-sizing:border-box; }}
html {{ -webkit-text-size-adjust:100%; }}
body {{ margin:0; background:#eef1f4; color:var(--ink); font:15px/1.5 {_FONT}; }}
main {{ max-width:1080px; margin:0 auto; padding:32px 32px 48px; background:#fff; min-height:100vh; }}
header h1 {{ font-size:26px; margin:0 0 4px; letter-spacing:-0.01em; }}
header p {{ margin:0; color:var(--muted); }}
h2 {{ font-size:18px; margin:36px 0 12px; padding-bottom:6px; border-bottom:1px solid var(--line); }}
code, pre, .mono {{ font-family:{_MONO}; font-size:13px; }}
.decision {{ display:flex; gap:18px; align-items:center; margin:24px 0; padding:20px 24px;
  border-radius:10px; color:#fff; }}
.decision svg {{ flex:none; }}
.decision.accepted {{ background:{DECISION_COLOURS["accepted"]}; }}
.decision.rejected {{ background:{DECISION_COLOURS["rejected"]}; }}
.decision.inconclusive {{ background:{DECISION_COLOURS["inconclusive"]}; }}
.decision.no-decision {{ background:{DECISION_COLOURS["no decision"]}; }}
.decision .verdict {{ font-size:24px; font-weight:700; letter-spacing:0.04em; text-transform:uppercase; margin:0; }}
.decision p {{ margin:2px 0 0; font-size:16px; }}
.figures {{ display:grid; grid-template-columns:repeat(3, 1fr); gap:12px; margin:0; }}
.figures div {{ border:1px solid var(--line); border-radius:8px; padding:12px 16px; background:var(--soft); }}
.figures dt {{ font-size:12px; text-transform:uppercase; letter-spacing:0.06em; color:var(--muted); }}
.figures dd {{ margin:2px 0 0; font-size:22px; font-weight:650; overflow-wrap:anywhere; }}
.figures dd small {{ display:block; font-size:13px; font-weight:400; color:var(--muted); }}
.chart svg {{ display:block; width:100%; height:auto; }}
.chart svg text {{ font-family:{_FONT}; font-size:13px; fill:var(--ink); }}
.chart svg .axis {{ font-size:11px; fill:var(--muted); }}
.empty {{ color:var(--muted); margin:0; }}
table {{ width:100%; border-collapse:collapse; font-size:14px; }}
th, td {{ text-align:left; vertical-align:top; padding:8px 10px; border-bottom:1px solid var(--line); }}
thead th {{ font-size:12px; text-transform:uppercase; letter-spacing:0.05em; color:var(--muted);
  background:var(--soft); }}
td.id, td.hash {{ overflow-wrap:anywhere; word-break:break-all; }}
td .sub {{ display:block; color:var(--muted); font-size:12px; }}
td.num {{ color:var(--muted); width:3em; }}
h3 {{ font-size:15px; margin:16px 0 8px; }}
details.passed {{ margin-top:20px; border:1px solid var(--line); border-radius:8px; }}
details.passed summary {{ cursor:pointer; padding:10px 14px; background:var(--soft); font-weight:600; }}
table.compact td {{ padding:3px 8px; font-size:12px; }}
.badge {{ display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600;
  border:1px solid; white-space:nowrap; }}
.badge.passed {{ color:#1a7f37; background:#e9f6ee; }}
.badge.defect {{ color:#b42318; background:#fdecea; }}
.badge.undecided {{ color:#b54708; background:#fef4e6; }}
.chip {{ display:inline-block; margin:0 4px 4px 0; padding:0 6px; border-radius:4px; background:#fdecea;
  color:#8a1c12; font-family:{_MONO}; font-size:12px; }}
ul.reasons {{ margin:2px 0 0; padding-left:18px; }}
pre {{ margin:0; padding:12px 14px; background:var(--soft); border:1px solid var(--line); border-radius:6px;
  white-space:pre-wrap; overflow-wrap:anywhere; }}
table.inputs {{ margin-top:12px; }}
dl.facts {{ display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; margin:12px 0 0; }}
dl.facts dt {{ color:var(--muted); }}
dl.facts dd {{ margin:0; overflow-wrap:anywhere; }}
footer {{ margin-top:40px; color:var(--muted); font-size:13px; }}
@media (max-width:760px) {{ .figures {{ grid-template-columns:1fr 1fr; }} main {{ padding:20px; }} }}
@media print {{
  body {{ background:#fff; font-size:11pt; }}
  main {{ max-width:none; padding:0; min-height:0; }}
  .decision, .badge, .chip, .chart svg {{ -webkit-print-color-adjust:exact; print-color-adjust:exact; }}
  section, tr, .figures div {{ break-inside:avoid; }}
  thead {{ display:table-header-group; }}
}}
"""


def _e(value: object) -> str:
    """Escape any value for use in HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def _pct(rate: float | None) -> str:
    """A rate as a percentage with two decimals; tiny non-zero values are not shown as 0.00%."""
    if rate is None:
        return "n/a"
    if 0.0 < rate < 0.0001:
        return "&lt;0.01%"
    return f"{rate * 100:.2f}%"


def _pct_short(rate: float) -> str:
    """A parameter or axis value as a percentage without trailing zeros (95%, 2.5%, 0.65%)."""
    return f"{rate * 100:.2f}".rstrip("0").rstrip(".") + "%"


def _short(label: str, limit: int = 34) -> str:
    """Shorten a long label in the middle, where DIDs and URNs carry the least distinguishing text."""
    if len(label) <= limit:
        return label
    head = (limit - 1) * 3 // 5
    return f"{label[:head]}…{label[-(limit - 1 - head) :]}"


@dataclass(frozen=True)
class _Bar:
    label: str
    count: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.count / self.total if self.total else None


def _scale(bars: Sequence[_Bar]) -> float:
    top = max((bar.rate or 0.0) for bar in bars)
    return next(step for step in _SCALES if step >= top)


def _bar_chart(title: str, bars: Sequence[_Bar]) -> str:
    """A horizontal bar chart as inline SVG: label, bar against its scale, then "count / total · rate"."""
    label_w, bar_x, bar_w, row_h, top = 250, 262, 420, 30, 26
    width, height = 860, top + row_h * len(bars) + 6
    scale = _scale(bars)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{_e(title)}"><title>{_e(title)}</title>'
    ]
    for fraction in (0.0, 0.5, 1.0):
        x = bar_x + bar_w * fraction
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 4}" stroke="#d9dee4"/>')
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{top - 10}" text-anchor="middle">{_pct_short(scale * fraction)}</text>'
        )
    for index, bar in enumerate(bars):
        y = top + index * row_h
        length = bar_w * (bar.rate or 0.0) / scale
        figure = f"{bar.count} / {bar.total} · {_pct(bar.rate)}"
        parts.append(
            f"<g><title>{_e(bar.label)}: {_e(figure)}</title>"
            f'<text x="{label_w}" y="{y + 20}" text-anchor="end">{_e(_short(bar.label))}</text>'
            f'<rect x="{bar_x}" y="{y + 7}" width="{bar_w}" height="17" rx="3" fill="#eef1f4"/>'
            f'<rect x="{bar_x}" y="{y + 7}" width="{length:.1f}" height="17" rx="3" fill="#c4321f"/>'
            f'<text x="{bar_x + bar_w + 12}" y="{y + 20}">{_e(figure)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _chart_section(title: str, bars: Sequence[_Bar], empty: str) -> str:
    body = _bar_chart(title, bars) if bars else f'<p class="empty">{_e(empty)}</p>'
    return f'<section class="chart"><h2>{_e(title)}</h2>{body}</section>'


def _check_bars(report: AuditReport) -> list[_Bar]:
    bars = [_Bar(name, count, report.decided_count) for name, count in report.defects_by_check.items()]
    return sorted(bars, key=lambda bar: (-bar.count, bar.label))


def _issuer_bars(report: AuditReport) -> list[_Bar]:
    decided = report.decided_by_issuer
    bars = [_Bar(name, count, decided[name]) for name, count in report.defects_by_issuer.items()]
    return sorted(bars, key=lambda bar: (-(bar.rate or 0.0), -bar.total, bar.label))


def _decision_icon(decision: str) -> str:
    """A drawn mark (tick, cross or bang) so the banner needs no symbol font."""
    marks = {
        "accepted": '<path d="M13 24.5l7 7 15-15" fill="none" stroke="currentColor" stroke-width="4.5" '
        'stroke-linecap="round" stroke-linejoin="round"/>',
        "rejected": '<path d="M16 16l16 16M32 16L16 32" fill="none" stroke="currentColor" stroke-width="4.5" '
        'stroke-linecap="round"/>',
        "inconclusive": '<path d="M24 13v13" stroke="currentColor" stroke-width="4.5" stroke-linecap="round"/>'
        '<circle cx="24" cy="34" r="3" fill="currentColor"/>',
        "no decision": '<path d="M14 24h20" stroke="currentColor" stroke-width="4.5" stroke-linecap="round"/>',
    }
    return (
        '<svg viewBox="0 0 48 48" width="48" height="48" aria-hidden="true">'
        f'<circle cx="24" cy="24" r="22" fill="none" stroke="currentColor" stroke-width="3"/>{marks[decision]}</svg>'
    )


def _decision(report: AuditReport) -> str:
    decision = report.decision
    return (
        f'<section class="decision {decision.replace(" ", "-")}" role="status">'
        f"{_decision_icon(decision)}<div>"
        f'<p class="verdict">Batch {_e(_DECISION_TITLES[decision])}</p><p>{_e(report.decision_reason)}</p>'
        "</div></section>"
    )


def _figure(label: str, value: str, note: str = "") -> str:
    small = f"<small>{note}</small>" if note else ""
    return f"<div><dt>{_e(label)}</dt><dd>{value}{small}</dd></div>"


def _plan_figure(report: AuditReport) -> str:
    plan = report.plan
    if plan is None:
        return _figure("Sampling plan", "None", "Any defect rejects the batch")
    notes = []
    if plan.confidence is not None:
        notes.append(f"{_pct_short(plan.confidence)} confidence")
    if plan.tolerable_rate is not None:
        notes.append(f"tolerable rate {_pct_short(plan.tolerable_rate)}")
    if plan.aql is not None:
        notes.append(f"AQL {_pct_short(plan.aql)}")
    return _figure("Sampling plan", f"n = {plan.sample_size}, c = {plan.acceptance_number}", " · ".join(notes))


def _figures(report: AuditReport) -> str:
    lower, upper = report.interval
    interval = f"{_pct_short(report.interval_confidence)} interval {_pct(lower)} – {_pct(upper)} (Clopper-Pearson)"
    return (
        '<dl class="figures">'
        + _figure("Population", f"{report.population:,}", "credentials in the batch")
        + _figure("Sample size", f"{report.sample_size:,}", f"{_e(report.decided_count)} decided")
        + _figure(
            "Defective",
            f"{report.defect_count:,}",
            f"{_e(report.undecided_count)} undecided, {report.passed_count} passed",
        )
        + _figure("Observed defect rate", _pct(report.observed_rate), interval)
        + _plan_figure(report)
        + _figure("Seed", f'<span class="mono">{_e(report.seed)}</span>', "HMAC-SHA256 rank, lowest drawn")
        + "</dl>"
    )


def _trace(item: AuditItem) -> str:
    """Where the credential was read and which battery it names, each part labelled."""
    parts = [
        (label, value)
        for label, value in (
            ("passport", item.passport_id),
            ("serial", item.serial),
            ("model", item.battery_model),
            ("plant", item.plant),
        )
        if value
    ]
    named = " · ".join(f'{label} <span class="mono">{_e(value)}</span>' for label, value in parts)
    source = f'<span class="sub">from <span class="mono">{_e(item.source)}</span></span>' if item.source else ""
    return source + (f'<span class="sub">{named}</span>' if named else "")


def _item_row(position: int, item: AuditItem) -> str:
    details = " · ".join(_e(part) for part in (item.format, item.stratum) if part)
    chips = "".join(f'<span class="chip">{_e(name)}</span>' for name in item.defects)
    reasons = "".join(f"<li>{_e(reason)}</li>" for reason in item.reasons)
    signer = f'<span class="sub mono">{_e(item.signed_by)}</span>' if item.signed_by else ""
    findings = chips + (f'<ul class="reasons">{reasons}</ul>' if reasons else "")
    return (
        f'<tr><td class="num">{position}</td>'
        f'<td class="id"><span class="mono">{_e(item.id)}</span>{_trace(item)}<span class="sub">{details}</span></td>'
        f'<td class="id">{_e(item.issuer or "—")}{signer}</td>'
        f'<td><span class="badge {_e(item.outcome)}">{_e(_OUTCOME_LABELS[item.outcome])}</span></td>'
        f"<td>{findings}</td></tr>"
    )


def _passed_row(position: int, item: AuditItem) -> str:
    """A passed credential in the collapsed table: one line, no findings to show."""
    trace = " · ".join(_e(v) for v in (item.passport_id, item.serial, item.battery_model, item.plant) if v)
    return (
        f'<tr><td class="num">{position}</td><td class="id mono">{_e(item.id)}</td>'
        f'<td class="id mono">{_e(item.source or "")}</td><td class="id">{trace}</td>'
        f'<td class="id">{_e(item.issuer or "—")}</td></tr>'
    )


_HEAD = (
    "<thead><tr><th>#</th><th>Credential</th><th>Issuer / signing key</th><th>Outcome</th>"
    "<th>Findings</th></tr></thead>"
)


def _items_table(report: AuditReport) -> str:
    """Defects and undecided credentials open at the top; passed ones collapsed below; "#" is the draw order."""
    position = {sample_id: index + 1 for index, sample_id in enumerate(report.sample_ids)}
    items = sorted(report.items, key=lambda item: (_OUTCOME_ORDER[item.outcome], position[item.id]))
    open_items = [item for item in items if item.outcome != "passed"]
    passed = [item for item in items if item.outcome == "passed"]
    if open_items:
        rows = "".join(_item_row(position[item.id], item) for item in open_items)
        findings = f"<table>{_HEAD}<tbody>{rows}</tbody></table>"
    else:
        findings = '<p class="empty">Every sampled credential passed.</p>'
    collapsed = ""
    if passed:
        rows = "".join(_passed_row(position[item.id], item) for item in passed)
        collapsed = (
            f'<details class="passed"><summary>{len(passed):,} passed credential{"" if len(passed) == 1 else "s"} '
            "(every check passed; expand to list them)</summary>"
            '<table class="compact"><thead><tr><th>#</th><th>Credential</th><th>Source</th>'
            "<th>Passport · serial · model · plant</th><th>Issuer</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></details>"
        )
    return (
        f"<section><h2>Sampled credentials ({report.sample_size:,})</h2>"
        f"<h3>Defects and undecided ({len(open_items):,})</h3>{findings}{collapsed}</section>"
    )


def _not_credentials(report: AuditReport) -> str:
    if not report.not_credentials:
        return ""
    rows = "".join(
        f'<tr><td class="id mono">{_e(entry.source)}</td><td>{_e(entry.reason)}</td></tr>'
        for entry in report.not_credentials
    )
    return (
        f"<section><h2>Not credentials ({len(report.not_credentials):,})</h2>"
        "<p>These items of the batch are not credentials: they were not sampled and are not counted as defects.</p>"
        f"<table><thead><tr><th>Source</th><th>Why</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _reproduce(report: AuditReport) -> str:
    inputs = "".join(
        f'<tr><td class="id mono">{_e(entry.path)}</td><td class="hash mono">{_e(entry.sha256)}</td></tr>'
        for entry in report.inputs
    )
    return (
        "<section><h2>Reproduce this audit</h2>"
        "<p>Run the same command on files with the same SHA-256 digests to draw the same sample.</p>"
        f"<pre><code>{_e(report.command)}</code></pre>"
        '<table class="inputs"><thead><tr><th>Input</th><th>SHA-256</th></tr></thead>'
        f"<tbody>{inputs}</tbody></table>"
        '<dl class="facts">'
        f'<dt>Seed</dt><dd class="mono">{_e(report.seed)}</dd>'
        "<dt>Selection</dt><dd>Each credential ranked by HMAC-SHA256 of its key under the seed; lowest ranks drawn</dd>"
        + (f"<dt>Evaluated as of</dt><dd>{_e(report.evaluated_at)}</dd>" if report.evaluated_at else "")
        + f"<dt>Started</dt><dd>{_e(report.started)}</dd><dt>Finished</dt><dd>{_e(report.finished)}</dd>"
        f"<dt>Tool</dt><dd>bpvc {_e(report.tool_version)}</dd>"
        "</dl></section>"
    )


def page(report: AuditReport) -> str:
    """The whole document."""
    title = f"Audit report: batch {_DECISION_TITLES[report.decision].lower()}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>"
        "<header><h1>Credential audit report</h1>"
        f"<p>bpvc {_e(report.tool_version)} · {_e(report.started)} to {_e(report.finished)}"
        + (f" · credentials judged as of {_e(report.evaluated_at)}" if report.evaluated_at else "")
        + "</p></header>"
        + _decision(report)
        + _figures(report)
        + _chart_section("Defect rate by check", _check_bars(report), "No check failed in the sample.")
        + _chart_section("Defect rate by issuer", _issuer_bars(report), "No credentials were decided.")
        + _items_table(report)
        + _not_credentials(report)
        + _reproduce(report)
        + "<footer>This page is self-contained: it loads no scripts, fonts or images.</footer>"
        "</main></body></html>\n"
    )
