"""One exception tree in one module: every failure bpvc raises on purpose is a BpvcError from bpvc.errors."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import bpvc
from bpvc import errors

SRC = Path(bpvc.__file__).parent


def test_no_module_but_errors_defines_a_bpvc_exception() -> None:
    found = []
    for path in SRC.rglob("*.py"):
        if path.name == "errors.py" and path.parent == SRC:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
                public = not node.name.startswith("_")  # a module-private signal (the server's HTTP problem)
                if (
                    public
                    and any(b.endswith("Error") or b == "Exception" for b in bases)
                    and "ClickException" not in bases
                ):
                    found.append(f"{path.relative_to(SRC)}:{node.name}")
    # strict_json's error is a ValueError on purpose (json.loads callers catch ValueError)
    assert found == ["strict_json.py:StrictJsonError"]


def test_every_class_in_the_tree_is_a_bpvc_error() -> None:
    classes = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, BaseException)]
    assert len(classes) > 30
    assert all(issubclass(c, errors.BpvcError) for c in classes)


def test_the_old_import_locations_still_work() -> None:
    for module, name in [
        ("bpvc.schema", "SchemaUnavailableError"),
        ("bpvc.status.registry", "UnknownCredentialError"),
        ("bpvc.issue.credential", "InvalidDocumentError"),
        ("bpvc.cf.inventory", "InventoryError"),
        ("bpvc.crossborder.odrl_problems", "OdrlError"),
    ]:
        assert getattr(importlib.import_module(module), name) is getattr(errors, name)
    assert issubclass(errors.UnknownCredentialError, LookupError)
