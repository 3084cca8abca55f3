"""``pip install bpvc`` is the library and the CLI; the service, QR codes and PostgreSQL are extras.

Each test runs a fresh interpreter in which the extras' packages cannot be imported, as on a
machine where only the core is installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BLOCK = """
import sys, importlib.abc
class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"starlette", "uvicorn", "segno", "psycopg", "httptools", "uvloop"}:
            raise ModuleNotFoundError(f"blocked for the test: {name}", name=name)
        return None
sys.meta_path.insert(0, _Block())
"""


def _run(code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK + code, *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def test_the_library_and_the_cli_import_without_the_extras() -> None:
    done = _run(
        "import bpvc, bpvc.cli, bpvc.verify.verifier, bpvc.issue.secure, bpvc.status.registry\n"
        "from bpvc.cli import main\n"
        "main(['--help'], standalone_mode=False)\n"
    )
    assert done.returncode == 0, done.stderr
    assert "starlette" not in done.stderr


def test_the_main_job_runs_without_the_extras(tmp_path: Path) -> None:
    keys = Path(__file__).resolve().parents[1] / "keys.example"
    out = tmp_path / "passport.vc.json"
    done = _run(
        "from bpvc.cli import main\nmain(sys.argv[1:])\n",
        "issue", "passport", str(EXAMPLES / "passport-6.1.0.json"), "--key", str(keys),
        "-o", str(out), "--created", "2026-11-20T00:00:00Z",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["proof"]["type"] == "DataIntegrityProof"


def test_qr_without_its_extra_names_the_extra(tmp_path: Path) -> None:
    done = _run(
        "from bpvc import qrcode\nfrom bpvc.errors import MissingExtraError\n"
        "try:\n    qrcode.render('https://example.com/p/1', sys.argv[1])\n"
        "except MissingExtraError as err:\n    print(err.extra, err.detail)\n",
        str(tmp_path / "qr.svg"),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("qr ")
    assert "pip install 'bpvc[qr]'" in done.stdout
    assert not (tmp_path / "qr.svg").exists()


def test_serve_without_its_extra_names_the_extra() -> None:
    done = _run("from bpvc.cli import main\nmain(['serve', '--port', '0'])\n")
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "the HTTP service needs the 'server' extra (starlette is not installed)" in lines[0]
    assert "pip install 'bpvc[server]'" in lines[0]


def test_qr_command_without_its_extra_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    credential = tmp_path / "passport.vc.json"
    credential.write_text(json.dumps({"credentialSubject": {"id": "https://passports.example/p/1"}}), encoding="utf-8")
    out = tmp_path / "qr.svg"
    done = _run("from bpvc.cli import main\nmain(sys.argv[1:])\n", "qr", str(credential), "-o", str(out))
    assert done.returncode == 2, done.stderr
    assert "pip install 'bpvc[qr]'" in done.stderr
    assert not out.exists()
