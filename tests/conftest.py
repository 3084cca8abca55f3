"""Shared fixtures. Conformance data is read from ../shared/reference/ when it exists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
VECTORS = REFERENCE / "vectors"
SAMPLES = REFERENCE / "samples"

EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
CITIZENSHIP_V4 = "https://w3id.org/citizenship/v4rc1"


def need_reference(*parts: str) -> Path:
    """The path under ../shared/reference, or skip the test with the reason."""
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not available: {path} (the shared/ folder beside the repo is missing)")
    return path


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def vector_contexts() -> dict[str, str]:
    """Contexts the W3C vectors need beyond what bpvc bundles, from the reference copies."""
    folder = need_reference("vectors", "contexts")
    return {
        EXAMPLES_V2: str(folder / "credentials-examples-v2.jsonld"),
        CITIZENSHIP_V4: str(folder / "citizenship-v4rc1.jsonld"),
    }


@pytest.fixture
def example_credential() -> dict[str, Any]:
    return load(ROOT / "examples" / "battery-credential.json")


@pytest.fixture
def example_key_dir() -> Path:
    return ROOT / "keys.example"
