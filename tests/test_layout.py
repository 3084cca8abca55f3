"""The package layout: each command-line module imports on its own, with no cycle through main.py."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import bpvc.cli

CLI_MODULES = sorted(m.name for m in pkgutil.iter_modules(bpvc.cli.__path__))

# bpvc/cli/__init__.py imports main, which imports every command module in an order that hides a
# cycle; so the package is stood in for by an empty one and the module under test is imported first.
_IMPORT_FIRST = """
import importlib.util, sys, types
import bpvc
spec = importlib.util.find_spec("bpvc.cli")
package = types.ModuleType("bpvc.cli")
package.__path__ = list(spec.submodule_search_locations)
sys.modules["bpvc.cli"] = package
import bpvc.cli.{module}
"""


def test_cli_modules_are_found() -> None:
    assert {"main", "common", "fileio"} <= set(CLI_MODULES)


@pytest.mark.parametrize("module", CLI_MODULES)
def test_cli_has_no_import_cycle(module: str) -> None:
    for code in (_IMPORT_FIRST.format(module=module), f"import bpvc.cli.{module}"):
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr.strip().splitlines()[-1:]
