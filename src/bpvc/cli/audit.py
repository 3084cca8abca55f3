"""``bpvc audit``: a reproducible spot check of a batch of received credentials, with an HTML and JSON report.

Exit 0 when the batch meets the acceptance criterion (or, with ``--no-decision``, after
reporting a sample that decides nothing), 1 when it does not (rejected or inconclusive),
2 when the audit cannot run (a batch or configuration file that cannot be read,
an empty batch, options that do not fit together).
"""

from __future__ import annotations

import hashlib
import json
import shlex
import sys
from collections.abc import Callable
from datetime import datetime
from importlib.metadata import version
from typing import Any

import click

from .. import dates
from ..audit import runner, sampling, stats
from ..audit.report import AuditInput, AuditReport, NotCredential, render_html
from ..audit.rows import to_csv
from ..audit.source import Received, input_digest, read_batch
from ..errors import BpvcError
from .common import CONTEXT, INSTANT, did_documents, policy_from, url_files
from .fileio import os_reason, read_bytes, setup_fail, write_output

STRATA: dict[str, Callable[[Received], str]] = {
    "issuer": lambda r: r.issuer or "(unknown issuer)",
    "model": lambda r: r.model,
    "plant": lambda r: r.plant,
}


def _plan(
    population: int,
    sample: int | None,
    rate: float | None,
    confidence: float | None,
    tolerable_rate: float | None,
    acceptance_number: int | None,
    aql: float | None,
) -> tuple[int, stats.Plan | None]:
    """The sample size and, when asked for by confidence and tolerable rate, the acceptance plan."""
    chosen = [sample is not None, rate is not None, confidence is not None or tolerable_rate is not None]
    if sum(chosen) != 1:
        raise click.UsageError("give exactly one of --sample, --rate, or --confidence with --tolerable-rate")
    if sample is not None:
        return min(sample, population), None
    if rate is not None:
        return sampling.sample_size_for_rate(population, rate), None
    if confidence is None or tolerable_rate is None:
        raise click.UsageError("--confidence and --tolerable-rate go together")
    if aql is not None:
        plan = stats.acceptance_plan(confidence, tolerable_rate, aql=aql)
    elif acceptance_number:
        size = stats.attribute_sample_size(confidence, tolerable_rate, acceptance_number)
        plan = stats.Plan(size, acceptance_number, confidence, tolerable_rate)
    else:
        size = stats.zero_acceptance_sample_size(confidence, tolerable_rate, population)
        plan = stats.Plan(size, 0, confidence, tolerable_rate)
    return min(plan.sample_size, population), plan


def _command(params: dict[str, Any]) -> str:
    """The command line that reproduces this audit (options in a fixed order)."""
    words = ["bpvc", "audit", params["source"]]
    for name in (
        "sample",
        "rate",
        "confidence",
        "tolerable_rate",
        "acceptance_number",
        "aql",
        "seed",
        "stratify",
        "no_decision",
        "policy_path",
        "now",
        "workers",
    ):
        value = params.get(name)
        if value is None or value is False:
            continue
        if value is True:
            words.append("--" + name.replace("_", "-"))
            continue
        flag = {
            "policy_path": "--policy",
            "tolerable_rate": "--tolerable-rate",
            "acceptance_number": "--acceptance-number",
        }.get(name, "--" + name)
        words += [flag, dates.format_instant(value) if isinstance(value, datetime) else str(value)]
    for flag, key in (("--did-doc", "did_docs"), ("--context", "contexts"), ("--status-list", "status_lists")):
        for value in params.get(key) or ():
            words += [flag, value if isinstance(value, str) else f"{value[0]}={value[1]}"]
    for flag, key in (("--report", "report"), ("--json", "json_out"), ("--csv", "csv_out")):
        if params.get(key):
            words += [flag, params[key]]
    return shlex.join(words)


def _digest(path: str) -> str:
    return hashlib.sha256(read_bytes(path, "input", config=True)).hexdigest()


@click.command()
@click.argument("source", type=click.Path(exists=True))
@click.option("--sample", type=click.IntRange(1), help="Sample this many credentials.")
@click.option("--rate", type=click.FloatRange(0, 1, min_open=True), help="Sample this fraction of the batch.")
@click.option(
    "--confidence",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="With --tolerable-rate: size the sample for this confidence (e.g. 0.95).",
)
@click.option(
    "--tolerable-rate",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="The defect rate the batch must stay below (e.g. 0.02).",
)
@click.option("--acceptance-number", type=click.IntRange(0, 50), help="Defects allowed in the sample (default 0).")
@click.option(
    "--aql",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="Acceptable quality level: choose n and c so a batch this good passes 95 %% of the time.",
)
@click.option(
    "--no-decision",
    is_flag=True,
    help="With --sample or --rate and no plan: report the sample only, decide nothing, exit 0.",
)
@click.option("--seed", required=True, help="Sampling seed; the same seed draws the same sample.")
@click.option("--stratify", type=click.Choice(sorted(STRATA)), help="Sample each issuer, model or plant in proportion.")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, exists=True), help="Trust policy (TOML).")
@click.option("--now", type=INSTANT, help="Audit as of this time (default: now).")
@click.option("--did-doc", "did_docs", multiple=True, type=click.Path(dir_okay=False), help="DID document; repeatable.")
@click.option("--context", "contexts", type=CONTEXT, multiple=True, help="Allow a context: URL=FILE.")
@click.option("--status-list", "status_lists", type=CONTEXT, multiple=True, help="A status list offline: URL=FILE.")
@click.option("--workers", type=click.IntRange(1, 256), help="Worker processes (default: every core).")
@click.option("--report", type=click.Path(dir_okay=False), help="Write the HTML report here.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write the JSON report here.")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False), help="Write every row as CSV here.")
def audit(**params: Any) -> None:
    """Spot-check a batch (folder, .jsonl or .zip): exit 0 when it meets the acceptance criterion, 1 when not."""
    started = dates.now_instant()
    now = params["now"] = params["now"] or started  # recorded, so "reproduce this audit" judges as of the same time
    policy_from(params["policy_path"])  # a bad policy file stops the audit here, not in every worker
    config = runner.VerifierConfig(
        now=now,
        policy_path=params["policy_path"],
        did_documents=did_documents(params["did_docs"]),
        contexts=url_files(params["contexts"], "context"),
        status_lists=url_files(params["status_lists"], "status list"),
    )
    try:
        config.build()  # the same for the rest of the configuration
    except (BpvcError, ValueError) as err:
        setup_fail(f"cannot build the verifier: {getattr(err, 'detail', err)}")
    pool = runner.start_pool(config, params["workers"])  # the workers start up while the batch is read
    try:
        _audit(params, config, pool, started)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _audit(params: dict[str, Any], config: runner.VerifierConfig, pool: Any, started: datetime) -> None:
    try:
        batch = read_batch(params["source"])
    except BpvcError as err:
        setup_fail(err.detail)
    except OSError as err:
        setup_fail(f"the batch {params['source']}: {os_reason(err)}" + (f" ({err.filename})" if err.filename else ""))
    others = [NotCredential(r.name, r.not_credential) for r in batch if r.not_credential]
    batch = [r for r in batch if not r.not_credential]
    if not batch:
        setup_fail(f"{params['source']} holds no credentials" + (f" ({len(others)} other file(s))" if others else ""))
    size, plan = _plan(
        len(batch),
        params["sample"],
        params["rate"],
        params["confidence"],
        params["tolerable_rate"],
        params["acceptance_number"],
        params["aql"],
    )
    if plan is None and size < len(batch) and not params["no_decision"]:
        raise click.UsageError(
            "a sample without a sampling plan cannot accept or reject the batch: give --confidence with "
            "--tolerable-rate (and --acceptance-number or --aql), or --no-decision to report the sample only"
        )
    if params["no_decision"] and plan is not None:
        raise click.UsageError("--no-decision goes with --sample or --rate, not with a sampling plan")
    strata = STRATA[params["stratify"]] if params["stratify"] else None
    try:
        chosen = sampling.select(batch, seed=params["seed"], sample=size, key=lambda r: r.key, strata=strata)
    except ValueError as err:
        setup_fail(f"sampling: {err}")
    jobs = [(r, strata(r) if strata else "") for r in chosen]
    checked = _verify_with_progress(jobs, config, params["workers"], pool)
    checked = runner.footprint_links(checked, {r.key: r for r in batch}, config, workers=params["workers"], pool=pool)
    report = AuditReport(
        command=_command(params),
        inputs=_inputs(params),
        seed=params["seed"],
        population=len(batch),
        sample_ids=[r.key for r in chosen],
        plan=plan,
        items=[c.item for c in checked],
        started=dates.format_instant(started),
        finished=dates.format_instant(dates.now_instant()),
        tool_version=version("bpvc"),
        evaluated_at=dates.format_instant(config.now),
        not_credentials=others,
    )
    if params["report"]:
        write_output(params["report"], render_html(report), "the report")
    if params["json_out"]:
        write_output(params["json_out"], json.dumps(report.to_dict(), indent=2) + "\n", "the JSON report")
    if params["csv_out"]:
        write_output(params["csv_out"], to_csv(report), "the CSV export")
    low, high = report.interval
    rate = report.observed_rate
    click.echo(
        f"{report.sample_size} of {report.population} sampled; {report.defect_count} defect(s), "
        f"{report.undecided_count} undecided; rate {0 if rate is None else rate:.2%} "
        f"(95 % interval {low:.2%}–{high:.2%}); {report.decision.upper()}: {report.decision_reason}"
        + (f" ({len(others)} item(s) not a credential, listed in the report)" if others else "")
    )
    sys.exit(0 if report.accepted or report.decision == "no decision" else 1)


def _verify_with_progress(
    jobs: list[tuple[Received, str]], config: runner.VerifierConfig, workers: int | None, pool: Any
) -> list[runner.Checked]:
    if not sys.stderr.isatty():
        return runner.verify_all(jobs, config, workers=workers, pool=pool)
    with click.progressbar(length=len(jobs), label="verifying", file=sys.stderr) as bar:
        return runner.verify_all(jobs, config, workers=workers, pool=pool, on_done=lambda _c: bar.update(1))


def _inputs(params: dict[str, Any]) -> list[AuditInput]:
    inputs = [AuditInput(path=str(params["source"]), sha256=input_digest(params["source"]))]
    for path in [
        params["policy_path"],
        *params["did_docs"],
        *(p for _, p, _ in params["status_lists"]),
        *(p for _, p, _ in params["contexts"]),
    ]:
        if path:
            inputs.append(AuditInput(path=str(path), sha256=_digest(path)))
    return inputs
