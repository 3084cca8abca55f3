import hashlib
import json

import pytest
from pyld import jsonld

from bpvc.errors import ContextError
from bpvc.jsonld.contexts import CREDENTIALS_V2, ContextLoader

OWN = "https://example.org/ctx/v1"


def _ctx_file(tmp_path, terms):
    path = tmp_path / "ctx.jsonld"
    path.write_text(json.dumps({"@context": terms}))
    return path


def test_bundled_contexts_are_served_static():
    doc = ContextLoader()(CREDENTIALS_V2, {})
    assert doc["tag"] == "static"
    assert doc["documentUrl"] == CREDENTIALS_V2
    assert "@context" in doc["document"]


def test_unknown_url_is_refused_with_a_hint():
    with pytest.raises(ContextError, match="--context URL=FILE") as info:
        ContextLoader()("https://evil.example/ctx", {})
    assert info.value.url == "https://evil.example/ctx"


def test_caller_context_and_pin(tmp_path):
    path = _ctx_file(tmp_path, {"x": "https://example.org/x"})
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    loader = ContextLoader({OWN: path}, pins={OWN: digest})
    assert loader(OWN)["document"]["@context"]["x"] == "https://example.org/x"
    with pytest.raises(ContextError, match="expected the pinned"):
        ContextLoader({OWN: path}, pins={OWN: "0" * 64})


def test_pin_on_a_bundled_context_is_checked():
    entry = next(e for e in ContextLoader().entries() if e.url == CREDENTIALS_V2)
    ContextLoader(pins={CREDENTIALS_V2: entry.sha256})
    with pytest.raises(ContextError, match="expected the pinned"):
        ContextLoader(pins={CREDENTIALS_V2: "f" * 64})


def test_entries_list_urls_hashes_and_paths():
    entries = {e.url: e for e in ContextLoader().entries()}
    assert {
        CREDENTIALS_V2,
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "https://w3id.org/security/suites/jws-2020/v1",
        "https://w3id.org/security/v1",
        "https://w3id.org/security/v2",
    } <= set(entries)
    v2 = entries[CREDENTIALS_V2]
    with open(v2.path, "rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == v2.sha256


def test_two_loaders_never_share_processed_contexts(tmp_path):
    """The same URL served differently by two loaders must expand differently (no global cache)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = ContextLoader({OWN: _ctx_file(tmp_path / "a", {"term": "https://a.example/term"})})
    b = ContextLoader({OWN: _ctx_file(tmp_path / "b", {"term": "https://b.example/term"})})
    doc = {"@context": OWN, "term": "v"}
    for loader, want in ((a, "https://a.example/term"), (b, "https://b.example/term"), (a, "https://a.example/term")):
        expanded = jsonld.expand(doc, {"documentLoader": loader, "contextResolver": loader.context_resolver()})
        assert want in expanded[0]


def test_bad_context_file_is_refused(tmp_path):
    bad = tmp_path / "bad.jsonld"
    bad.write_text("[1, 2]")
    with pytest.raises(ContextError, match="no top-level @context"):
        ContextLoader({OWN: bad})
    with pytest.raises(ContextError, match="cannot be read"):
        ContextLoader({OWN: tmp_path / "missing.jsonld"})


def test_shared_resolved_contexts_have_locked_caches(example_credential):
    """pyld mutates a ResolvedContext's LRU on every read; shared ones get a locked cache (threads)."""
    from bpvc.jsonld.canonicalize import canonicalize
    from bpvc.jsonld.contexts import _LockedCache

    loader = ContextLoader()
    canonicalize(dict(example_credential, issuer="did:example:1"), loader=loader)
    loader("https://w3id.org/bpvc/contexts/battery-pass/6.1.0")
    assert loader._frozen_contexts  # noqa: SLF001
    assert all(isinstance(rc.cache, _LockedCache) for _, rc in loader._frozen_contexts.values())  # noqa: SLF001


def test_one_verifier_shared_by_many_threads():
    import json
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime

    from conftest import ROOT

    from bpvc.issue.credential import issue_credential
    from bpvc.keys.primitives import load_key
    from bpvc.records import passport
    from bpvc.verify.verifier import Verifier

    key = load_key(ROOT / "keys.example")
    doc = json.loads((ROOT / "keys.example" / "did.json").read_text())
    record = json.loads((ROOT / "examples" / "passport-6.1.0.json").read_text())
    signed = issue_credential(
        passport.to_credential(record, issuer=key.controller), key, created="2026-11-20T00:00:00Z"
    )
    verifier = Verifier(did_documents={doc["id"]: doc})
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: verifier.verify(signed, now=now).verified, range(60)))
    assert all(results)


# A published context must never change: every credential signed under it would stop verifying.
# A change to one of these files needs a new context URL (and this pin), never an edit in place.
_BPVC = "https://w3id.org/bpvc/contexts/"
PUBLISHED_CONTEXTS = {
    _BPVC + "battery-pass/6.0.0": "d12919295574c5e52539851f173db6a446aa1443ba7b65fd4be742e01a1bb146",
    _BPVC + "battery-pass/6.1.0": "778f681c16b5612d9b667bc1fa2074b82b9bb619ebef3ec8beeaf284eb5ee1b1",
    _BPVC + "cf-declaration/1.0.0": "7d6f57a2131f2ef26bf45f4b2884edf4d6aa7c0b01b2c0e66618afd0a7be2a17",
    _BPVC + "credentials/v1": "06fc51b8859c38d48f036a51f3a136e60e459c637f9b8c4c6cd2d95fc8856912",
    _BPVC + "pcf/8.0.0": "ed72a85d8e756999e21def382b30c771a098047fba020d50c1159c7f767178fb",
}


def test_bpvc_contexts_are_immutable():
    own = {e.url: e.sha256 for e in ContextLoader().entries() if e.source == "bpvc"}
    assert own == PUBLISHED_CONTEXTS
