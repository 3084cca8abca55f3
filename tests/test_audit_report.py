"""bpvc.audit.report: the audit data model, its JSON figures, and the self-contained HTML page."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from bpvc.audit.report import UNKNOWN_ISSUER, AuditInput, AuditItem, AuditReport, NotCredential, render_html
from bpvc.audit.rows import COLUMNS, to_csv
from bpvc.audit.stats import Plan, clopper_pearson

ISSUER_A = "did:web:cells.example"
ISSUER_B = "did:web:cathode.example"
SHA_1 = "0f" * 32
SHA_2 = "a1" * 32
EVIL = '<script>alert("x")</script>'


def passed(cid: str, issuer: str | None = ISSUER_A) -> AuditItem:
    signer = f"{issuer}#k1" if issuer else None
    return AuditItem(id=cid, issuer=issuer, stratum=issuer, outcome="passed", format="vc+ld+json", signed_by=signer)


def defect(cid: str, checks: Sequence[str], issuer: str | None = ISSUER_A, reason: str = "check failed") -> AuditItem:
    return AuditItem(
        id=cid,
        issuer=issuer,
        outcome="defect",
        defects=list(checks),
        reasons=[f"{c}: {reason}" for c in checks],
        format="vc+jwt",
        source=f"received/a.jsonl:{cid}",
        passport_id=f"pass-{cid}",
        serial=f"SN-{cid}",
        battery_model="PK-79",
        plant="BPNA000000000001",
    )


def undecided(cid: str, issuer: str | None = ISSUER_B) -> AuditItem:
    return AuditItem(id=cid, issuer=issuer, outcome="undecided", reasons=["status list unreachable"], format="vc+jwt")


def make_report(items: Sequence[AuditItem], plan: Plan | None, population: int = 40) -> AuditReport:
    return AuditReport(
        command="bpvc audit --seed q1 --confidence 0.9 received/*.json",
        inputs=[AuditInput("received/a.jsonl", SHA_1), AuditInput("received/b.jsonl", SHA_2)],
        seed="q1",
        population=population,
        sample_ids=[item.id for item in items],
        plan=plan,
        items=items,
        started="2025-04-02T09:00:00Z",
        finished="2025-04-02T09:01:30Z",
        tool_version="0.1.0",
        evaluated_at="2025-04-01T00:00:00Z",
    )


@pytest.fixture
def report() -> AuditReport:
    items = [passed(f"urn:c:{i}") for i in range(5)]
    items += [passed(f"urn:c:{i}", ISSUER_B) for i in range(5, 8)]
    items += [passed("urn:c:8", None)]
    items += [
        defect("urn:c:9", ["proof", "status"]),
        defect("urn:c:10", ["status"], ISSUER_B, EVIL),
        undecided("urn:c:11"),
    ]
    return make_report(items, Plan(12, 1, confidence=0.9, tolerable_rate=0.3))


# --- figures --------------------------------------------------------------------------------------


def test_figures(report: AuditReport) -> None:
    assert (report.sample_size, report.passed_count, report.defect_count, report.undecided_count) == (12, 9, 2, 1)
    assert report.decided_count == 11
    assert report.observed_rate == pytest.approx(2 / 11)
    assert report.defects_by_check == {"proof": 1, "status": 2}
    assert report.defects_by_issuer == {ISSUER_A: 1, ISSUER_B: 1, UNKNOWN_ISSUER: 0}
    assert report.decided_by_issuer == {ISSUER_A: 6, ISSUER_B: 4, UNKNOWN_ISSUER: 1}
    assert (report.decision, report.accepted) == ("rejected", False)


def test_interval_is_the_exact_one_over_decided_credentials(report: AuditReport) -> None:
    lower, upper = report.interval
    assert (lower, upper) == clopper_pearson(2, 11, 0.95)
    # the defining equations, by direct summation
    assert math.fsum(math.comb(11, i) * lower**i * (1 - lower) ** (11 - i) for i in range(2, 12)) == pytest.approx(
        0.025
    )
    assert math.fsum(math.comb(11, i) * upper**i * (1 - upper) ** (11 - i) for i in range(0, 3)) == pytest.approx(0.025)


def test_to_dict(report: AuditReport) -> None:
    data = report.to_dict()
    assert list(data) == [
        "schema",
        "tool_version",
        "command",
        "started",
        "finished",
        "evaluated_at",
        "inputs",
        "sampling",
        "plan",
        "sample_ids",
        "summary",
        "defects_by_check",
        "by_issuer",
        "items",
        "not_credentials",
    ]
    assert data["inputs"] == [
        {"path": "received/a.jsonl", "sha256": SHA_1},
        {"path": "received/b.jsonl", "sha256": SHA_2},
    ]
    assert data["sampling"] == {"method": "hmac-sha256-rank", "seed": "q1", "population": 40}
    assert data["plan"] == {
        "sample_size": 12,
        "acceptance_number": 1,
        "confidence": 0.9,
        "tolerable_rate": 0.3,
        "aql": None,
    }
    summary = data["summary"]
    assert summary["sample_size"] == 12
    assert (summary["passed"], summary["defects"], summary["undecided"]) == (9, 2, 1)
    assert summary["observed_rate"] == pytest.approx(2 / 11)
    assert summary["interval"]["method"] == "clopper-pearson"
    assert summary["interval"]["confidence"] == 0.95
    assert (summary["interval"]["lower"], summary["interval"]["upper"]) == clopper_pearson(2, 11)
    assert (summary["acceptance_number"], summary["decision"], summary["accepted"]) == (1, "rejected", False)
    assert data["defects_by_check"] == {"proof": 1, "status": 2}
    assert data["by_issuer"][ISSUER_B] == {"decided": 4, "defects": 1}
    assert data["evaluated_at"] == "2025-04-01T00:00:00Z"
    assert data["items"][9] == {
        "id": "urn:c:9",
        "source": "received/a.jsonl:urn:c:9",
        "passport_id": "pass-urn:c:9",
        "serial": "SN-urn:c:9",
        "battery_model": "PK-79",
        "plant": "BPNA000000000001",
        "outcome": "defect",
        "defects": ["proof", "status"],
        "reasons": ["proof: check failed", "status: check failed"],
        "issuer": ISSUER_A,
        "signed_by": None,
        "format": "vc+jwt",
        "stratum": None,
    }
    assert json.loads(json.dumps(data)) == data
    assert json.dumps(data) == json.dumps(report.to_dict())


# --- decisions ------------------------------------------------------------------------------------


def sample(outcomes: str) -> list[AuditItem]:
    """Items from a string: p = passed, d = defect, u = undecided."""
    build = {
        "p": lambda i: passed(f"id{i}"),
        "d": lambda i: defect(f"id{i}", ["proof"]),
        "u": lambda i: undecided(f"id{i}"),
    }
    return [build[code](i) for i, code in enumerate(outcomes)]


@pytest.mark.parametrize(
    ("outcomes", "plan", "decision"),
    [
        ("pppp", None, "accepted"),
        ("pppd", None, "rejected"),
        ("pppu", None, "inconclusive"),  # the undecided one could be a defect
        ("ppdp", Plan(4, 1), "accepted"),
        ("pdud", Plan(4, 1), "rejected"),
        ("ppdu", Plan(4, 1), "inconclusive"),
        ("ppuu", Plan(4, 2), "accepted"),  # even if both are defects, 2 <= 2
        ("ppp", Plan(4, 0), "inconclusive"),  # short of the plan
    ],
)
def test_decision(outcomes: str, plan: Plan | None, decision: str) -> None:
    # without a plan only a check of the whole batch decides
    audit = make_report(sample(outcomes), plan, population=len(outcomes) if plan is None else 40)
    assert audit.decision == decision
    assert audit.accepted == (decision == "accepted")
    assert audit.to_dict()["summary"]["decision"] == decision
    assert audit.decision_reason


@pytest.mark.parametrize("outcomes", ["pppp", "pppd", "pppu"])
def test_a_sample_without_a_plan_decides_nothing(outcomes: str) -> None:
    audit = make_report(sample(outcomes), None, population=40)
    assert (audit.decision, audit.accepted) == ("no decision", False)
    assert "decides nothing about the batch" in audit.decision_reason
    assert "sample of 4 of 40" in audit.decision_reason
    assert "Batch not decided: sample only" in render_html(audit)
    assert audit.to_dict()["summary"]["decision"] == "no decision"


def test_a_census_smaller_than_the_plan_is_enough() -> None:
    audit = make_report(sample("ppp"), Plan(59, 0), population=3)
    assert audit.decision == "accepted"


def test_nothing_decided() -> None:
    audit = make_report(sample("uu"), None)
    assert audit.observed_rate is None
    assert audit.interval == (0.0, 1.0)
    assert "n/a" in render_html(audit)


# --- validation -----------------------------------------------------------------------------------


def test_item_validation() -> None:
    with pytest.raises(ValueError, match="^defects"):
        AuditItem(id="x", outcome="defect", format="vc+jwt")
    with pytest.raises(ValueError, match="^defects"):
        AuditItem(id="x", outcome="passed", format="vc+jwt", defects=["proof"])
    with pytest.raises(ValueError, match="^outcome"):
        AuditItem(id="x", outcome="failed", format="vc+jwt")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^sha256"):
        AuditInput("a.json", "ABC")


def test_items_are_frozen_copies() -> None:
    checks = ["proof", "proof", "status"]
    item = AuditItem(id="x", outcome="defect", format="vc+jwt", defects=checks)
    checks.append("schema")
    assert item.defects == ("proof", "status")
    assert hash(item) == hash(AuditItem(id="x", outcome="defect", format="vc+jwt", defects=("proof", "status")))


def test_report_validation() -> None:
    items = sample("ppd")
    with pytest.raises(ValueError, match="^items"):
        replace(make_report(items, None), sample_ids=["id0", "id1"])
    with pytest.raises(ValueError, match="^sample_ids"):
        replace(make_report(items, None), sample_ids=["id0", "id1", "id1"])
    with pytest.raises(ValueError, match="^population"):
        make_report(items, None, population=2)
    with pytest.raises(ValueError, match="^interval_confidence"):
        replace(make_report(items, None), interval_confidence=1.0)


# --- HTML -----------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def hostile_report() -> AuditReport:
    items = [
        passed("https://evil.example/credential/1", "https://evil.example/issuer"),
        defect('"><img src="https://evil.example/x.png">', ["proof<b>"], ISSUER_A, EVIL),
        defect(
            "urn:c:3", ["status"], "did:web:x.example", "see http://evil.example/a <link rel=stylesheet href=//evil>"
        ),
    ]
    return replace(make_report(items, None), command='bpvc audit --seed "<script>" x.json')


def test_html_escapes_everything_from_credentials_and_the_command() -> None:
    page = render_html(hostile_report())
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=&quot;https://evil.example/x.png&quot;&gt;" in page
    assert "bpvc audit --seed &quot;&lt;script&gt;&quot; x.json" in page


def test_html_references_nothing_external() -> None:
    page = render_html(hostile_report())
    found = tags(page)
    names = {name for name, _ in found}
    assert not names & {
        "script",
        "link",
        "img",
        "iframe",
        "object",
        "embed",
        "base",
        "form",
        "audio",
        "video",
        "source",
    }
    for name, attrs in found:
        for attribute in ("src", "href", "srcset", "action", "xlink:href", "data", "poster"):
            value = attrs.get(attribute)
            assert value is None or not re.match(r"\s*(https?:)?//", value, re.I), (name, attribute, value)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*https?://""", page, re.I)
    assert "url(" not in page.lower()
    assert "@import" not in page.lower()
    assert "@font-face" not in page.lower()
    csp = [attrs for name, attrs in found if name == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")


def test_html_content(report: AuditReport) -> None:
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert "Batch Rejected" in page  # the decision in words, not colour alone
    assert report.decision_reason.replace("'", "&#x27;") in page
    for text in ("40", "q1", SHA_1, SHA_2, "received/a.jsonl", "bpvc audit --seed q1 --confidence 0.9 received/*.json"):
        assert text in page
    assert "18.18%" in page  # 2 / 11
    lower, upper = report.interval
    assert f"{lower * 100:.2f}% – {upper * 100:.2f}%" in page
    charts = [attrs for name, attrs in tags(page) if name == "svg" and attrs.get("role") == "img"]
    assert [chart["aria-label"] for chart in charts] == ["Defect rate by check", "Defect rate by issuer"]
    assert "2 / 11 · 18.18%" in page  # status failed twice
    assert "1 / 4 · 25.00%" in page  # issuer B
    for item in report.items:
        assert item.id in page
    # failures open at the top (3 and a header), passed rows collapsed (9 and a header), inputs (2 and a header)
    assert page.count("<tr>") == 3 + 1 + 9 + 1 + 2 + 1
    opened, collapsed = page.split("<details", 1)
    collapsed = collapsed.split("</details>", 1)[0]
    assert "9 passed credentials" in collapsed and collapsed.count("<tr>") == 9 + 1
    for item in report.items:
        assert (item.id in collapsed) == (item.outcome == "passed"), item.id
    assert "Defects and undecided (3)" in opened and "received/a.jsonl:urn:c:9" in opened
    assert 'serial <span class="mono">SN-urn:c:9</span>' in opened and "PK-79" in opened
    assert "Evaluated as of</dt><dd>2025-04-01T00:00:00Z" in page
    assert "<script" not in page.lower() and "Not credentials" not in page


def test_html_lists_what_is_not_a_credential(report: AuditReport) -> None:
    page = render_html(replace(report, not_credentials=[NotCredential("notes.txt", "neither JSON nor a JWT")]))
    assert "Not credentials (1)" in page and "notes.txt" in page and "neither JSON nor a JWT" in page
    assert replace(report, not_credentials=[NotCredential("a", "b")]).to_dict()["not_credentials"] == [
        {"source": "a", "reason": "b"}
    ]


def test_csv_has_every_row_in_draw_order_and_defuses_formulas(report: AuditReport) -> None:
    hostile = AuditItem(id="urn:c:12", outcome="passed", format="vc+jwt", issuer="=HYPERLINK(1)", serial="+1")
    ordered = replace(
        report,
        items=[hostile, *report.items],
        sample_ids=["urn:c:12", *report.sample_ids],
        not_credentials=[NotCredential("notes.txt", "neither JSON nor a JWT")],
    )
    rows = list(csv.reader(io.StringIO(to_csv(ordered))))
    assert rows[0] == list(COLUMNS)
    assert [row[2] for row in rows[1:14]] == ["urn:c:12", *(f"urn:c:{i}" for i in range(12))]
    assert rows[1][COLUMNS.index("issuer")] == "'=HYPERLINK(1)" and rows[1][COLUMNS.index("serial")] == "'+1"
    nine = dict(zip(COLUMNS, rows[11], strict=True))
    assert nine == {
        "position": "11",
        "source": "received/a.jsonl:urn:c:9",
        "id": "urn:c:9",
        "passport_id": "pass-urn:c:9",
        "serial": "SN-urn:c:9",
        "battery_model": "PK-79",
        "plant": "BPNA000000000001",
        "issuer": ISSUER_A,
        "outcome": "defect",
        "failing_checks": "proof status",
        "reasons": "proof: check failed | status: check failed",
    }
    assert rows[-1][COLUMNS.index("outcome")] == "not a credential" and rows[-1][1] == "notes.txt"
    assert len(rows) == 1 + 13 + 1


def test_html_for_an_accepted_batch() -> None:
    page = render_html(make_report(sample("pppp"), Plan(4, 0, confidence=0.95, tolerable_rate=0.5)))
    assert "Batch Accepted" in page
    assert "No check failed in the sample." in page


# --- screenshot -----------------------------------------------------------------------------------


def chromium() -> str:
    path = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
    if path is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium); the screenshot check needs it")
    return path


def screenshot(page: str, folder: Path, width: int = 1280, height: int = 2000) -> Path:
    """Render ``page`` with headless Chromium at ``width``×``height``, isolated from the network and any profile."""
    html_file, shot = folder / f"page-{width}x{height}.html", folder / f"shot-{width}x{height}.png"
    html_file.write_text(page, encoding="utf-8")
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--user-data-dir={folder / 'profile'}",
        f"--screenshot={shot}",
        f"--window-size={width},{height}",
        html_file.as_uri(),
    ]
    env = {**os.environ, "HOME": str(folder)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=folder)
    assert done.returncode == 0 and shot.exists(), f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    return shot


def reddish(rgb: tuple[int, int, int]) -> bool:
    r, g, b = rgb
    return r > 150 and g < 80 and b < 80


def greenish(rgb: tuple[int, int, int]) -> bool:
    r, g, b = rgb
    return g > 100 and r < 60 and b < 100


def count(image: Any, wanted: Callable[[tuple[int, int, int]], bool]) -> int:
    """Pixels of an RGB image whose colour satisfies ``wanted`` (counted per distinct colour, in C)."""
    colours = image.getcolors(maxcolors=image.width * image.height)
    return sum(number for number, colour in colours if wanted(colour))


@pytest.mark.parametrize(("outcomes", "expected", "other"), [("ppdp", reddish, greenish), ("pppp", greenish, reddish)])
def test_screenshot(
    tmp_path: Path,
    outcomes: str,
    expected: Callable[[tuple[int, int, int]], bool],
    other: Callable[[tuple[int, int, int]], bool],
) -> None:
    image_module = pytest.importorskip("PIL.Image", reason="Pillow is needed to inspect the screenshot")
    chromium()
    audit = make_report(sample(outcomes * 5), Plan(20, 0, confidence=0.95, tolerable_rate=0.14))
    with image_module.open(screenshot(render_html(audit), tmp_path)) as image:
        rgb = image.convert("RGB")
        assert rgb.size == (1280, 2000)
        assert count(rgb, lambda pixel: pixel != (255, 255, 255)) > 1280 * 2000 // 10, "the page looks blank"
        assert count(rgb, lambda pixel: sum(pixel) < 240) > 2000, "no dark text was drawn"
        summary = rgb.crop((0, 0, 1280, 400))
        assert count(summary, expected) > 20_000, "the decision colour is missing from the summary"
        assert count(summary, other) < 500, "the summary shows the wrong decision colour"
