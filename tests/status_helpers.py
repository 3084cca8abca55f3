"""Shared pieces of the status tests: registry backends, keys, signed lists."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest

from bpvc.did import did_web_document
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair

POSTGRES_ENV = "BPVC_TEST_POSTGRES_URL"
BASE = "https://status.battery-maker.example/lists"


def backends() -> list[Any]:
    return [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not os.environ.get(POSTGRES_ENV),
                reason=f"no PostgreSQL for the tests ({POSTGRES_ENV} is not set; .ci/run starts one)",
            ),
        ),
    ]


def fresh_location(backend: str, tmp_path: Any) -> str:
    """An empty registry: a new SQLite file, or a new schema-free PostgreSQL database."""
    if backend == "sqlite":
        return str(tmp_path / f"registry-{uuid.uuid4().hex[:8]}.sqlite")
    import psycopg

    url = os.environ[POSTGRES_ENV]
    name = f"bpvc_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name


def issuer(name: str = "battery-maker") -> tuple[KeyPair, dict[str, Any]]:
    key = KeyPair.generate("ed25519", f"did:web:{name}.example#key-1")
    doc = did_web_document(key.controller, [keystore.multikey_method(key)], active=[key.verification_method])
    return key, doc
