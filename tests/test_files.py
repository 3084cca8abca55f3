"""bpvc.files: whole files or nothing, temporaries that say they are partial, no folders made behind the caller."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bpvc.files import PARTIAL, atomic_path, write_atomic


def test_a_temporary_is_named_as_partial_and_replaces_the_target(tmp_path):
    target = tmp_path / "vc.json"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(f".vc.json{PARTIAL}")
        tmp.write_text("{}")
        assert not target.exists()
    assert target.read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["vc.json"]


def test_a_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "vc.json") as tmp:
        tmp.write_text("half")
        raise RuntimeError("signer failed")
    assert list(tmp_path.iterdir()) == []


def test_missing_parent_folders_are_not_created(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "typo" / "deeper" / "vc.json", "{}")
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_the_way_is_not_a_directory(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        write_atomic(tmp_path / "file" / "vc.json", "{}")
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path, "{}")


# A process that writes a file through the CLI's entry point and stops halfway, so a signal finds it mid-write.
_WRITER = textwrap.dedent(
    """
    import sys, time
    import click
    from bpvc.cli.main import main
    from bpvc.files import atomic_path

    @main.command("slow-write")
    @click.argument("target")
    def slow_write(target):
        with atomic_path(target) as tmp:
            tmp.write_text("half a credential")
            print("writing", flush=True)
            time.sleep(60)

    main(["slow-write", sys.argv[1]])
    """
)


def _writer(tmp_path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(tmp_path / "vc.json")], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    return proc


def test_sigterm_mid_write_removes_the_temporary(tmp_path):
    proc = _writer(tmp_path)
    assert any(p.name.startswith(f".vc.json{PARTIAL}") for p in tmp_path.iterdir())
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


def test_sigkill_mid_write_leaves_only_an_obviously_partial_file(tmp_path):
    proc = _writer(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    time.sleep(0.05)
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(f".vc.json{PARTIAL}"), left  # never vc.json itself
