import copy

import pytest
from conftest import load, need_reference

from bpvc.errors import CanonicalizationLimitError, ContextError, DataLossError
from bpvc.jsonld.canonicalize import canonicalize
from bpvc.jsonld.contexts import ContextLoader

V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.mark.parametrize(
    "folder, canon_file, hash_name",
    [
        ("eddsa-rdfc-2022", "canonDocDataInt.txt", "sha256"),
        ("eddsa-rdfc-2022/employ", "canonDocDataInt.txt", "sha256"),
        ("ecdsa-rdfc-2019-p384", "canonDocECDSAP384.txt", "sha384"),
        ("ecdsa-rdfc-2019-p384/employ", "canonDocECDSAP384.txt", "sha384"),
    ],
)
def test_canonical_documents_match_the_vectors(folder, canon_file, hash_name, vector_contexts):
    d = need_reference("vectors", folder)
    signed = next(p for p in d.glob("signed*.json"))
    unsecured = {k: v for k, v in load(signed).items() if k != "proof"}
    out = canonicalize(unsecured, loader=ContextLoader(vector_contexts), hash_name=hash_name)
    assert out == (d / canon_file).read_text()


def test_p384_employ_needs_sha384_inside_rdfc(vector_contexts):
    d = need_reference("vectors", "ecdsa-rdfc-2019-p384", "employ")
    unsecured = {k: v for k, v in load(d / "signedECDSAP384.json").items() if k != "proof"}
    with_256 = canonicalize(unsecured, loader=ContextLoader(vector_contexts), hash_name="sha256")
    assert with_256 != (d / "canonDocECDSAP384.txt").read_text()


BASE = {
    "@context": [V2],
    "type": ["VerifiableCredential"],
    "issuer": "did:example:1",
    "credentialSubject": {"id": "did:example:2"},
}


def test_undefined_term_is_data_loss():
    doc = copy.deepcopy(BASE)
    doc["credentialSubject"]["notInContext"] = "x"
    with pytest.raises(DataLossError, match="notInContext"):
        canonicalize(doc)


def test_undefined_type_is_data_loss():
    doc = copy.deepcopy(BASE)
    doc["type"].append("UndefinedType")
    with pytest.raises(DataLossError, match="UndefinedType"):
        canonicalize(doc)


def test_base_plus_relative_type_is_data_loss():
    doc = copy.deepcopy(BASE)
    doc["@context"] = [V2, {"@base": "https://example.org/"}]
    doc["type"].append("Relative")
    with pytest.raises(DataLossError, match="Relative"):
        canonicalize(doc)


def test_relative_id_is_data_loss():
    doc = copy.deepcopy(BASE)
    doc["credentialSubject"]["id"] = "not-absolute"
    with pytest.raises(DataLossError, match="not-absolute"):
        canonicalize(doc)


def test_unknown_context_names_the_url():
    doc = copy.deepcopy(BASE)
    doc["@context"] = [V2, "https://unknown.example/ctx"]
    with pytest.raises(ContextError, match="unknown.example"):
        canonicalize(doc)


def _poison(n):
    """n blank nodes each linked to every other by the same predicate: all first-degree hashes collide."""
    nodes = [{"@id": f"_:n{i}"} for i in range(n)]
    for i, node in enumerate(nodes):
        node["https://example.org/p"] = [{"@id": f"_:n{j}"} for j in range(n) if j != i]
    return {"@graph": nodes}


@pytest.mark.parametrize("size", [4, 9, 12, 19])
def test_poisoned_dataset_stops_with_a_clear_error(size):
    # Unbounded, pyld 3.3 would try size! permutations per node here.
    with pytest.raises(CanonicalizationLimitError, match="indistinguishable|poisoned"):
        canonicalize(_poison(size))


def test_deep_iterations_are_limited_like_jsonld_js():
    """rdf-canonize allows as many Hash N-Degree Quads runs as there are non-unique blank nodes."""
    with pytest.raises(CanonicalizationLimitError, match="more than 3 deep iterations for 3"):
        canonicalize(_poison(3))


def test_absolute_work_budget():
    with pytest.raises(CanonicalizationLimitError, match="disambiguation steps"):
        canonicalize(_twins(6), max_work=3)


def _twins(n):
    """n look-alike blank nodes hanging off one subject: they need Hash N-Degree Quads, but only n runs."""
    return {"@id": "https://example.org/s", "https://example.org/p": [{"https://example.org/q": "v"}] * n}


def test_look_alike_entries_still_canonicalize():
    out = canonicalize(_twins(3))
    assert out.count("_:c14n") == 6
