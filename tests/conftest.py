"""Shared fixtures and the suite's guards.

Conformance data is read from ../shared/reference/ when it exists. Two guards apply to every test:

- the network guard: a connection (or a name lookup) to anything but loopback or a Unix socket fails
  the test, even when the code under test catches the error;
- the shifted clock: with ``--clock-offset-days=N`` (or ``BPVC_TEST_CLOCK_OFFSET_DAYS=N``) the wall
  clock bpvc reads (:func:`bpvc.dates.now_instant`, the one place entry points take the time) runs N
  days ahead (or behind). The suite must pass at +365 and -365: no test may depend on today's date.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bpvc import dates

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


# -- the shifted clock ------------------------------------------------------------------------------

CLOCK_OFFSET_ENV = "BPVC_TEST_CLOCK_OFFSET_DAYS"
_real_now = dates.now_instant


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-offset-days",
        type=float,
        default=None,
        help=f"Run bpvc's wall clock this many days ahead (negative: behind); default ${CLOCK_OFFSET_ENV} or 0.",
    )


def clock_offset(config: pytest.Config) -> float:
    days = config.getoption("--clock-offset-days")
    if days is None:
        days = float(os.environ.get(CLOCK_OFFSET_ENV) or 0)
    return float(days)


def pytest_report_header(config: pytest.Config) -> str | None:
    days = clock_offset(config)
    return f"bpvc clock shifted by {days:g} days" if days else None


@pytest.fixture(autouse=True)
def shifted_clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> float:
    """Shift the wall clock bpvc reads by the configured offset (0: the real clock)."""
    days = clock_offset(request.config)
    if days:

        def shifted() -> datetime:
            return _real_now() + timedelta(days=days)

        monkeypatch.setattr(dates, "now_instant", shifted)
    return days


# -- the network guard ------------------------------------------------------------------------------


class NetworkBlocked(RuntimeError):
    """A test tried to reach a non-loopback address."""


_attempts: list[str] = []
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_create_connection = socket.create_connection
_real_getaddrinfo = socket.getaddrinfo


def _loopback_host(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.strip("[]").split("%", 1)[0]
    if host.lower() in ("localhost", "localhost.", "") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _numeric(host: object) -> bool:
    try:
        ipaddress.ip_address(str(host).strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _refuse(what: str) -> None:
    _attempts.append(what)
    raise NetworkBlocked(f"the test suite opens no network connections: {what}")


def _allowed(sock: socket.socket, address: Any) -> bool:
    if getattr(socket, "AF_UNIX", None) is not None and sock.family == socket.AF_UNIX:
        return True
    return isinstance(address, tuple) and bool(address) and _loopback_host(address[0])


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _allowed(self, address):
        _refuse(f"connect to {address!r}")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _allowed(self, address):
        _refuse(f"connect to {address!r}")
    return _real_connect_ex(self, address)


def _guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
    if not _loopback_host(address[0]):
        _refuse(f"connection to {address!r}")
    return _real_create_connection(address, *args, **kwargs)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    # a name lookup is network traffic too; numeric addresses and localhost resolve locally
    if host is not None and not _loopback_host(host) and not _numeric(host):
        _refuse(f"name lookup of {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.create_connection = _guarded_create_connection  # type: ignore[assignment]
    socket.getaddrinfo = _guarded_getaddrinfo


@pytest.fixture(autouse=True)
def network_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any test that tried to leave the machine, even if the code under test swallowed the error."""
    _attempts.clear()
    yield
    attempts = list(_attempts)
    _attempts.clear()
    if attempts and request.node.get_closest_marker("allow_network_attempt") is None:
        pytest.fail("network access attempted: " + "; ".join(attempts), pytrace=False)
