"""Writing files whole or not at all: a temporary file beside the target, renamed over it on success.

A temporary is named ``.NAME.partial-XXXXXXXX``, so one left behind by a process that was killed
(``SIGKILL`` cannot be caught) is plainly an unfinished write of ``NAME``. On an exception it is
removed; :func:`terminate_cleanly` makes ``SIGTERM`` an exception too, so the same clean-up runs.
Missing parent directories are not created: a typo in a path should fail, not grow a tree; the
caller decides where a directory may be made.
"""

from __future__ import annotations

import errno
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

PARTIAL = ".partial-"  # what every temporary's name holds


def _umask_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def partial_prefix(target: str | os.PathLike[str]) -> str:
    """The name prefix of temporaries written for ``target``: ``.NAME.partial-``."""
    return f".{Path(target).name}{PARTIAL}"


@contextmanager
def atomic_path(target: str | os.PathLike[str], *, mode: int | None = None, suffix: str = "") -> Iterator[Path]:
    """A temporary path to write; it replaces ``target`` if the block succeeds and is removed if it fails.

    The file is created 0600 (mkstemp), so a secret is never readable, even for a moment; just
    before the rename it gets ``mode``, or the usual umask mode when ``mode`` is None. Raises
    ``FileNotFoundError`` when the target's directory does not exist, ``NotADirectoryError`` when a
    part of it is a file, and ``IsADirectoryError`` when the target is a directory.
    """
    path = Path(target)
    parent = path.parent
    if not parent.is_dir():
        code = errno.ENOTDIR if parent.exists() or _file_on_the_way(parent) else errno.ENOENT
        raise OSError(code, "the directory does not exist" if code == errno.ENOENT else "not a directory", str(parent))
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
    fd, tmp = tempfile.mkstemp(prefix=partial_prefix(path), suffix=suffix, dir=parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _umask_mode() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _file_on_the_way(folder: Path) -> bool:
    """Whether some ancestor of ``folder`` is a file (so the path can never be a directory)."""
    return any(p.exists() and not p.is_dir() for p in folder.parents)


def write_atomic(target: str | os.PathLike[str], text: str, *, mode: int | None = None) -> None:
    """Write ``text`` (UTF-8) to ``target`` whole or not at all."""
    with atomic_path(target, mode=mode) as tmp:
        tmp.write_text(text, encoding="utf-8")


class Terminated(SystemExit):
    """The process received SIGTERM; raised so that every ``finally`` and clean-up runs on the way out."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(128 + signum)


@contextmanager
def terminate_cleanly() -> Iterator[None]:
    """Within the block, ``SIGTERM`` raises :class:`Terminated` (exit status 143) instead of killing at once.

    Temporaries are then removed and open transactions rolled back as for any exception. Only the
    main thread can set signal handlers; elsewhere, or when a handler is already installed, this
    does nothing.
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) not in (
        signal.SIG_DFL,
        None,
    ):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
