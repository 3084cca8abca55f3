"""The suite's own guards (tests/conftest.py): no network beyond loopback, and a clock that can be shifted."""

from __future__ import annotations

import socket
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from conftest import NetworkBlocked, _attempts

from bpvc import dates


@pytest.mark.allow_network_attempt
def test_a_connection_to_a_public_address_is_blocked():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkBlocked):
            sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed, and never tried
        with pytest.raises(NetworkBlocked):
            sock.connect_ex(("192.0.2.1", 443))
    finally:
        sock.close()
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    assert len(_attempts) == 3
    _attempts.clear()


@pytest.mark.allow_network_attempt
def test_a_swallowed_attempt_is_still_recorded():
    # what jsonschema's remote $ref did: urlopen, with the error caught by the caller
    try:
        urllib.request.urlopen("http://attacker.example/remote.json", timeout=1)
    except Exception:
        pass
    assert any("attacker.example" in a for a in _attempts)
    _attempts.clear()


def test_loopback_and_unix_sockets_are_allowed(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
        with socket.create_connection(("localhost", server.getsockname()[1]), timeout=5):
            pass
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)


def test_the_clock_bpvc_reads_is_shifted_by_the_configured_offset(shifted_clock):
    seen = dates.now_instant() - datetime.now(UTC)
    assert abs(seen - timedelta(days=shifted_clock)) < timedelta(seconds=5)
