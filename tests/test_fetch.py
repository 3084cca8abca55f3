"""The opt-in fetcher: https only, public addresses only, caps, no downgrade, TTL cache."""

import gzip
import json

import pytest

from bpvc.did import Resolver, did_web_document, did_web_url
from bpvc.errors import FetchError, ResolutionError
from bpvc.fetch import Fetcher, Response, gunzip_capped, is_public_address
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair


class FakeTransport:
    def __init__(self, routes):
        self.routes = routes
        self.calls = []

    def get(self, url, address, *, timeout, max_bytes):
        self.calls.append((url, address))
        return self.routes[url]


def public(host, port):
    return "93.184.215.14"


def test_only_https():
    with pytest.raises(FetchError, match="only https"):
        Fetcher(transport=FakeTransport({}), resolve=public).fetch("http://example.com/x")


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fc00::1", "::ffff:127.0.0.1"]
)
def test_private_addresses_are_not_public(address):
    assert not is_public_address(address)


def test_localhost_is_refused_by_the_real_resolver():
    with pytest.raises(FetchError, match="non-public"):
        Fetcher(transport=FakeTransport({})).fetch("https://localhost/x")


def test_redirect_to_http_is_refused():
    routes = {"https://a.example/x": Response(302, {"location": "http://a.example/y"}, b"")}
    with pytest.raises(FetchError, match="only https"):
        Fetcher(transport=FakeTransport(routes), resolve=public).fetch("https://a.example/x")


def test_size_cap():
    routes = {"https://a.example/x": Response(200, {}, b"x" * 101)}
    with pytest.raises(FetchError, match="larger than 100"):
        Fetcher(transport=FakeTransport(routes), resolve=public, max_bytes=100).fetch("https://a.example/x")


def test_gzip_bomb_is_refused():
    bomb = gzip.compress(b"\0" * (10 << 20))
    assert len(bomb) < 20_000
    with pytest.raises(FetchError, match="exceeds"):
        gunzip_capped(bomb, 1 << 20)
    routes = {"https://a.example/x": Response(200, {"content-encoding": "gzip"}, bomb)}
    with pytest.raises(FetchError, match="exceeds"):
        Fetcher(transport=FakeTransport(routes), resolve=public).fetch("https://a.example/x")


def test_ttl_cache_and_errors_not_cached():
    now = [0.0]
    transport = FakeTransport({"https://a.example/x": Response(200, {}, b"{}")})
    fetcher = Fetcher(transport=transport, resolve=public, ttl=60, clock=lambda: now[0])
    fetcher.fetch("https://a.example/x")
    fetcher.fetch("https://a.example/x")
    assert len(transport.calls) == 1
    now[0] = 61
    fetcher.fetch("https://a.example/x")
    assert len(transport.calls) == 2
    transport.routes["https://a.example/y"] = Response(500, {}, b"")
    for _ in range(2):
        with pytest.raises(FetchError):
            fetcher.fetch("https://a.example/y")
    assert len(transport.calls) == 4


@pytest.mark.parametrize(
    "did, url",
    [
        ("did:web:example.com", "https://example.com/.well-known/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
    ],
)
def test_did_web_urls(did, url):
    assert did_web_url(did) == url


def test_did_web_resolution_over_the_fetcher():
    key = KeyPair.generate("ed25519", "did:web:maker.example#key-1")
    doc = did_web_document("did:web:maker.example", [keystore.multikey_method(key)], active=[key.verification_method])
    routes = {"https://maker.example/.well-known/did.json": Response(200, {}, json.dumps(doc).encode())}
    resolver = Resolver(fetcher=Fetcher(transport=FakeTransport(routes), resolve=public))
    method = resolver.resolve("did:web:maker.example#key-1")
    assert method.controller == "did:web:maker.example"
    assert "assertionMethod" in method.relationships
    with pytest.raises(ResolutionError, match="offline"):
        Resolver().resolve("did:web:maker.example#key-1")


def test_did_web_document_with_another_id_is_refused():
    doc = {"id": "did:web:attacker.example", "verificationMethod": []}
    routes = {"https://maker.example/.well-known/did.json": Response(200, {}, json.dumps(doc).encode())}
    resolver = Resolver(fetcher=Fetcher(transport=FakeTransport(routes), resolve=public))
    with pytest.raises(ResolutionError, match="not the DID document"):
        resolver.resolve("did:web:maker.example#key-1")
