"""How every ``bpvc`` command reads its files, writes its outputs and reports failure.

Exit codes: 1 means the input was judged and found wanting (not verified, an invalid record or
document, an audit that is not accepted, a status change the registry refuses); 2 means the
command could not run as asked (a usage error, a file that cannot be read, a configuration file
that is not acceptable, an output that cannot be written, a registry that cannot be opened).

Every file is read with a size bound before it is parsed (``bpvc verify /dev/zero`` stops at the
bound) and every JSON file goes through :mod:`bpvc.strict_json`. Messages are one line.
"""

from __future__ import annotations

import errno
import getpass
import io
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from .. import strict_json
from ..files import write_atomic

MAX_INPUT_BYTES = strict_json.MAX_BYTES


class SetupError(click.ClickException):
    """The command cannot run as asked: exit 2, as for a usage error, without the usage text."""

    exit_code = 2


def fail(message: str) -> NoReturn:
    """The input is invalid or not verified: exit 1."""
    raise click.ClickException(message)


def setup_fail(message: str) -> NoReturn:
    """A file cannot be read or written, or a configuration is not acceptable: exit 2."""
    raise SetupError(message)


def os_reason(err: OSError) -> str:
    """An OSError in a few words (``no such file``, ``permission denied``), without the path."""
    if err.errno == errno.ENOENT:
        return "no such file or directory"
    if err.strerror:
        return err.strerror[0].lower() + err.strerror[1:]
    return str(err) or type(err).__name__


def read_bytes(path: str | Path, what: str, *, config: bool = False, max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """A file's bytes, at most ``max_bytes``.

    A file that cannot be read is a setup error (2); one over the bound is invalid input (1), or a
    setup error too for a ``config`` file (a DID document, a policy, a context).
    """
    try:
        return strict_json.read_bounded(path, max_bytes=max_bytes)
    except OSError as err:
        setup_fail(f"{what} {path}: {os_reason(err)}")
    except strict_json.StrictJsonError as err:
        (setup_fail if config else fail)(f"{what} {path}: {err}")


def read_text(path: str | Path, what: str, *, config: bool = False, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """A UTF-8 text file (a BOM is tolerated), bounded like :func:`read_bytes`."""
    data = read_bytes(path, what, config=config, max_bytes=max_bytes)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        (setup_fail if config else fail)(f"{what} {path}: not UTF-8 text ({err.reason} at byte {err.start})")


def load_json(path: str | Path, what: str, *, config: bool) -> Any:
    """A JSON file, parsed strictly. ``config``: a bad file is a setup error (2), else invalid input (1)."""
    text = read_text(path, what, config=config)
    try:
        return strict_json.loads(text)
    except ValueError as err:
        (setup_fail if config else fail)(f"{what} {path}: {strict_json.describe(err)}")


def prepare_folder(folder: str | Path, what: str) -> Path:
    """Make ``folder`` with its missing parents for an output; a file in the way or no permission exits 2."""
    path = Path(folder)
    blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        setup_fail(f"cannot write {what}: {blocker} is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        setup_fail(f"cannot write {what}: cannot create {path}: {os_reason(err)}")
    return path


def write_output(path: str | Path, text: str, what: str = "output", *, mode: int | None = None) -> None:
    """Write an output file whole or not at all, making its missing folders; failure is a setup error (2)."""
    target = Path(path)
    prepare_folder(target.parent, f"{what} {path}")
    try:
        write_atomic(target, text, mode=mode)
    except OSError as err:
        where = err.filename if err.filename and str(err.filename) != str(target) else None
        setup_fail(f"cannot write {what} {path}: {os_reason(err)}" + (f" ({where})" if where else ""))


def safe_streams() -> None:
    """Make stdout and stderr print any text: a lone surrogate becomes ``\\udcff``, not a UnicodeEncodeError.

    Untrusted text reaches the terminal (claims, context URLs, file names given with undecodable
    bytes), and a print must never fail with a traceback.
    """
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, io.UnsupportedOperation):  # pragma: no cover - a closed or odd stream
                pass


ACTOR_ENV = "BPVC_ACTOR"


def default_actor() -> str:
    """Who a registry change is recorded as: ``$BPVC_ACTOR``, else the login name."""
    try:
        return os.environ.get(ACTOR_ENV) or getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "unknown"
