"""The loader's type-scoped contexts are processed once per loader, with safe mode unchanged."""

import copy
import threading
from pathlib import Path

import pytest
from pyld import jsonld, resolved_context

from bpvc import strict_json
from bpvc.errors import DataLossError
from bpvc.jsonld.canonicalize import WorkBudget, canonicalize, to_dataset
from bpvc.jsonld.contexts import ContextLoader

V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "battery-credential.json"
PROOF = {
    "@context": [V2],
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": "2026-11-20T00:00:00Z",
    "verificationMethod": "did:example:issuer#key-1",
    "proofPurpose": "assertionMethod",
}


def _credential():
    return strict_json.loads(EXAMPLE.read_bytes())


@pytest.fixture
def misses(monkeypatch):
    """Counts pyld's processed-context cache misses (each one processes a context's terms again)."""
    count = {"n": 0}
    original = resolved_context.ResolvedContext.get_processed

    def counting(self, active_ctx):
        found = original(self, active_ctx)
        if found is None:
            count["n"] += 1
        return found

    monkeypatch.setattr(resolved_context.ResolvedContext, "get_processed", counting)
    return count


@pytest.mark.parametrize("document", [_credential(), PROOF], ids=["credential", "proof configuration"])
def test_a_second_expansion_processes_no_context_again(document, misses):
    loader = ContextLoader()
    first = canonicalize(copy.deepcopy(document), loader=loader)
    assert misses["n"] > 0  # a fresh loader processes every context once
    misses["n"] = 0
    assert canonicalize(copy.deepcopy(document), loader=loader) == first
    assert misses["n"] == 0


@pytest.mark.parametrize("document", [_credential(), PROOF], ids=["credential", "proof configuration"])
def test_the_cached_contexts_give_what_plain_pyld_gives(document):
    loader = ContextLoader()
    canonicalize(copy.deepcopy(document), loader=loader)
    plain = jsonld.normalize(
        copy.deepcopy(document),
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": loader,
            "contextResolver": loader.context_resolver(),
            "base": None,
        },
    )
    assert canonicalize(copy.deepcopy(document), loader=loader) == plain


def test_a_type_scoped_term_does_not_leak_once_cached():
    loader = ContextLoader()
    canonicalize(copy.deepcopy(PROOF), loader=loader)  # DataIntegrityProof's scoped context is now cached
    leaking = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:1",
        "credentialSubject": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "name": "inside"},
        "cryptosuite": "eddsa-rdfc-2022",  # only defined inside a DataIntegrityProof node
    }
    for _ in range(2):
        with pytest.raises(DataLossError, match="cryptosuite"):
            to_dataset(copy.deepcopy(leaking), loader)
    inside = {k: v for k, v in leaking.items() if k != "cryptosuite"}
    assert "https://w3id.org/security#cryptosuite" in canonicalize(copy.deepcopy(inside), loader=loader)


def test_a_cached_scoped_context_still_costs_work():
    loader = ContextLoader()
    to_dataset(_credential(), loader, budget=WorkBudget(100_000))
    budget = WorkBudget(100_000)
    to_dataset(_credential(), loader, budget=budget)
    assert budget.used > 0
    # the units are the document's members and nodes plus a fixed unit per scoped context: a budget
    # one unit short of what the warm run used is refused
    with pytest.raises(Exception, match="work limit"):
        to_dataset(_credential(), loader, budget=WorkBudget(budget.used - 1))


def test_threads_share_the_cached_contexts():
    loader = ContextLoader()
    expected = canonicalize(_credential(), loader=ContextLoader())
    results: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(10):
                results.append(canonicalize(_credential(), loader=loader))
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [expected] * 40
