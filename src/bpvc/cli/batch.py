"""Batch issuing: a folder, a JSON Lines file or stdin of records, one credential each, on every core.

Every record goes through the functions single-record issuing uses (validate, build the
credential, :func:`bpvc.cli.records.secure_record`), so a batch issues exactly what the same
records issued one by one would; with ``--status`` each credential still gets its own registry
transaction. Workers are processes (signing is CPU-bound); each writes its credential atomically,
so a refused or interrupted record leaves no file. Given ``--created``, credential ids are derived
from the issuer, the record and that time, and the output is the same on every run.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

from .. import dates, strict_json
from ..errors import BpvcError, KeyFileError, MalformedError
from ..files import write_atomic
from ..keys.primitives import KeyPair, load_key
from ..records import consortium
from ..status.registry import RegistryUnavailableError
from .common import PASSPHRASE_ENV, issuing_registry, registry_location
from .fileio import os_reason, prepare_folder, setup_fail, write_output
from .records import RecordOptions, issued_summary, refusal, secure_record, unsigned_credential

# the namespace of derived credential ids (a fixed random UUID: ids of bpvc batches, nothing else)
ID_NAMESPACE = uuid.UUID("6f1c2a4e-9b57-4a1e-8d3c-2f0b5e7a9c11")
RECORD_SUFFIXES = (".json",)


@dataclass(frozen=True)
class Job:
    """One record of a batch: a file the worker reads, or a JSON Lines line already read."""

    position: int
    source: str  # what the user calls it: the file, or FILE:LINE
    stem: str  # the output file's name without its suffix
    path: str | None = None
    text: str | None = None


@dataclass
class RecordResult:
    """What became of one record."""

    source: str
    state: str  # issued | refused | skipped | error
    reason: str | None = None
    id: str | None = None
    passport_identifier: str | None = None
    status_entries: list[Any] = field(default_factory=list)
    output: str | None = None
    line: str | None = None  # the credential as one JSON Lines line (JSON Lines output only)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("line")
        return data


# -- reading the batch ------------------------------------------------------------------------------


def read_jobs(source: str) -> tuple[list[Job], list[RecordResult]]:
    """The records of a folder (its ``*.json`` files, by name), a JSON Lines file, or ``-`` (stdin).

    Folder entries that are not record files and blank lines are returned as skipped.
    """
    if source == "-":
        return _lines(sys.stdin.buffer, "stdin", "stdin")
    path = Path(source)
    if path.is_dir():
        jobs: list[Job] = []
        skipped = []
        for entry in sorted(path.iterdir()):
            if entry.is_file() and entry.suffix.lower() in RECORD_SUFFIXES and not entry.name.startswith("."):
                jobs.append(Job(len(jobs), str(entry), entry.stem, path=str(entry)))
            else:
                skipped.append(RecordResult(str(entry), "skipped", reason="not a .json record file"))
        return jobs, skipped
    try:
        with path.open("rb") as stream:
            return _lines(stream, source, path.stem)
    except OSError as err:
        setup_fail(f"records {source}: {os_reason(err)}")


def _lines(stream: Any, name: str, stem: str) -> tuple[list[Job], list[RecordResult]]:
    jobs: list[Job] = []
    skipped = []
    for number, raw in enumerate(_bounded_lines(stream, name), start=1):
        text = raw.decode("utf-8", errors="surrogateescape").strip()
        if not text:
            skipped.append(RecordResult(f"{name}:{number}", "skipped", reason="blank line"))
            continue
        jobs.append(Job(len(jobs), f"{name}:{number}", f"{stem}-{number:05d}", text=text))
    return jobs, skipped


def _bounded_lines(stream: Any, name: str) -> Iterator[bytes]:
    limit = strict_json.MAX_BYTES
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            setup_fail(f"records {name}: a line is longer than {limit} bytes")
        yield line


def _parse_line(text: str) -> Any:
    """A JSON Lines record, as strictly as a record file (:func:`bpvc.records.consortium.read_record`)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedError("the line is not valid UTF-8 text") from None
    try:
        return strict_json.loads(text)
    except json.JSONDecodeError as err:
        raise MalformedError(f"not valid JSON: {err.msg} at column {err.colno}") from None
    except (ValueError, RecursionError) as err:
        detail = str(err) if isinstance(err, ValueError) and str(err) else type(err).__name__
        raise MalformedError(f"not acceptable JSON: {detail}") from None


# -- one record, in a worker ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Setup:
    options: RecordOptions
    passphrase: str | None
    out_dir: str | None  # one file per record here, or
    jsonl: bool  # one JSON Lines output written by the parent


_WORKER: dict[str, Any] = {}


def _init(setup: _Setup) -> None:
    _WORKER["setup"] = setup
    _WORKER["signer"] = load_key(setup.options.key_path, passphrase=setup.passphrase)


def derived_id(issuer: str, options: RecordOptions, record: Any) -> str | None:
    """With ``--created``, the credential id as a function of issuer, kind, time and record (else random)."""
    if options.created is None:
        return None
    digest = hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    name = f"{issuer}|{options.kind}|{dates.format_instant(options.created)}|{digest}"
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, name)}"


def suffix_for(options: RecordOptions) -> str:
    if options.fmt == "sd-jwt":
        return ".sd-jwt"
    return ".vc.jwt" if options.fmt == "jwt" and not options.envelope else ".vc.json"


def issue_job(job: Job) -> RecordResult:
    """Issue one record; refusals are results, only a registry or key that cannot be used is an error."""
    setup: _Setup = _WORKER["setup"]
    signer: KeyPair = _WORKER["signer"]
    options = setup.options
    try:
        if job.path is not None:
            record, encoding_problem = consortium.read_record(job.path)
        else:
            record, encoding_problem = _parse_line(job.text or ""), None
        unsigned, report = unsigned_credential(
            options,
            record,
            encoding_problem,
            signer.controller,
            credential_id=derived_id(signer.controller, options, record),
        )
        if unsigned is None:
            return RecordResult(job.source, "refused", reason=refusal(report, job.source))
        signed = secure_record(unsigned, signer, options)
    except (RegistryUnavailableError, KeyFileError) as err:
        return RecordResult(job.source, "error", reason=err.detail)
    except BpvcError as err:
        where = f" (at {err.json_path})" if err.json_path and err.json_path != "$" else ""
        return RecordResult(job.source, "refused", reason=f"{job.source}: {err.detail}{where}")
    except click.ClickException as err:
        return RecordResult(job.source, "refused", reason=f"{job.source}: {err.message}")
    except OSError as err:
        return RecordResult(job.source, "error", reason=f"{job.source}: {os_reason(err)}")
    text = signed if isinstance(signed, str) else json.dumps(signed, indent=2, ensure_ascii=False)
    target = None
    line = None
    if setup.jsonl:
        line = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
    else:
        assert setup.out_dir is not None
        target = str(Path(setup.out_dir) / f"{job.stem}{suffix_for(options)}")
        try:
            write_atomic(target, text + "\n")
        except OSError as err:
            detail = f"issued {issued_summary(signed, None)['id']} but cannot write {target}: {os_reason(err)}"
            return RecordResult(job.source, "error", reason=detail)
    summary = issued_summary(signed, target)
    return RecordResult(
        job.source,
        "issued",
        id=summary["id"],
        passport_identifier=summary["passport_identifier"],
        status_entries=summary["status_entries"],
        output=target,
        line=line,
    )


# -- the batch --------------------------------------------------------------------------------------


def _passphrase(key_path: str) -> str | None:
    """The key's passphrase (from the environment, or asked for on a terminal), checked by loading the key once."""
    passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        load_key(key_path, passphrase=passphrase)
    except KeyFileError as err:
        if passphrase is None and "passphrase is required" in err.detail and sys.stdin.isatty():
            passphrase = click.prompt("Key passphrase", hide_input=True)
            load_key(key_path, passphrase=passphrase)
        else:
            raise
    except OSError as err:
        setup_fail(f"key {key_path}: {os_reason(err)}")
    return passphrase


def run_batch(
    options: RecordOptions, source: str, out: str, *, fail_fast: bool, jobs: int | None, as_json: bool
) -> int:
    """Issue every record of ``source`` into ``out``; print the results; return the exit code (0, or 1 if refused)."""
    jsonl = Path(out).suffix.lower() in (".jsonl", ".ndjson")
    if not jsonl:
        prepare_folder(out, f"the credentials to {out}")
    setup = _Setup(options, _passphrase(options.key_path), None if jsonl else out, jsonl)
    batch, skipped = read_jobs(source)
    registry_made = _prepare_registry(options)
    results = _run(setup, batch, workers=jobs or os.cpu_count() or 1, fail_fast=fail_fast, show=not as_json)
    if registry_made is not None and not any(r is not None and r.state == "issued" for r in results):
        for suffix in ("", "-wal", "-shm", "-journal"):  # a registry made for a batch that issued nothing
            Path(registry_made + suffix).unlink(missing_ok=True)
    done = [r for r in results if r is not None]
    if jsonl:
        lines = [r.line for r in done if r.state == "issued" and r.line is not None]
        if lines:
            write_output(out, "\n".join(lines) + "\n", "the credentials")
            for r in done:
                if r.state == "issued":
                    r.output = out
    report(done, skipped, len(batch), out, as_json=as_json)
    errors = [r for r in done if r.state == "error"]
    if errors:
        setup_fail(f"the batch stopped: {errors[0].reason}")
    return 1 if any(r.state == "refused" for r in done) else 0


def _prepare_registry(options: RecordOptions) -> str | None:
    """Make the registry before the workers start, so none of them creates (or removes) it; the new file's path."""
    if options.status is None:
        return None
    location = registry_location(options.status.registry, options.key_path)
    new = not location.startswith(("postgresql://", "postgres://")) and not Path(location).exists()
    with issuing_registry(location):
        pass
    return location if new else None


def _run(setup: _Setup, batch: list[Job], *, workers: int, fail_fast: bool, show: bool) -> list[RecordResult | None]:
    """Results in input order; None for records not attempted after a ``--fail-fast`` stop."""
    results: list[RecordResult | None] = [None] * len(batch)
    bar = (
        click.progressbar(length=len(batch), label="issuing", file=sys.stderr) if show and sys.stderr.isatty() else None
    )
    stop = False

    def record(result: RecordResult, position: int) -> None:
        nonlocal stop
        results[position] = result
        if result.state == "error" or (fail_fast and result.state == "refused"):
            stop = True
        if bar is not None:
            bar.update(1)

    try:
        if workers == 1 or len(batch) < 2:
            _init(setup)
            for job in batch:
                record(issue_job(job), job.position)
                if stop:
                    break
            return results
        with ProcessPoolExecutor(max_workers=min(workers, len(batch)), initializer=_init, initargs=(setup,)) as pool:
            pending: dict[Future[RecordResult], int] = {}
            queue = iter(batch)
            window = workers * 4  # enough to keep every worker busy, few enough to stop soon after a refusal
            while True:
                while not stop and len(pending) < window:
                    upcoming = next(queue, None)
                    if upcoming is None:
                        break
                    pending[pool.submit(issue_job, upcoming)] = upcoming.position
                if not pending:
                    break
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    record(future.result(), pending.pop(future))
        return results
    finally:
        if bar is not None:
            bar.render_finish()


def report(done: list[RecordResult], skipped: list[RecordResult], total: int, out: str, *, as_json: bool) -> None:
    """Each refusal and skip on stderr with its reason, then one summary line (or all of it as JSON on stdout)."""
    counts = {state: sum(1 for r in done if r.state == state) for state in ("issued", "refused", "error")}
    not_attempted = total - len(done)
    if as_json:
        summary = {**counts, "skipped": len(skipped), "not_attempted": not_attempted, "records": total, "output": out}
        click.echo(json.dumps({"summary": summary, "records": [r.to_dict() for r in done + skipped]}, indent=2))
        return
    for r in done:
        if r.state == "refused":
            click.echo(f"refused {r.reason}", err=True)
    for r in skipped:
        click.echo(f"skipped {r.source}: {r.reason}", err=True)
    line = f"issued {counts['issued']}, refused {counts['refused']}, skipped {len(skipped)} of {total} record(s)"
    if not_attempted:
        line += f"; {not_attempted} not attempted (stopped)"
    click.echo(f"{line} -> {out}", err=True)
