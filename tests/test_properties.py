"""Property-based tests: no input makes the verifier raise, and no mutation of a signed credential verifies.

Bounded (a few dozen examples each, no shrinking deadline) so the suite stays fast.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpvc import multibase, strict_json
from bpvc.did import did_web_document
from bpvc.errors import BpvcError
from bpvc.issue.credential import issue_credential, issue_credential_jwt
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.status import bitstring
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

NOW = datetime(2027, 1, 1, tzinfo=UTC)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_leaves = st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)

KEY = KeyPair.generate("ed25519", "did:web:maker.example#key-1")
DOC = did_web_document(KEY.controller, [keystore.multikey_method(KEY)], active=[KEY.verification_method])
VERIFIER = Verifier(did_documents={DOC["id"]: DOC})


def _assert_consistent(result: Any) -> None:
    """``verified`` exactly when every check passed or was skipped (and so did every embedded credential)."""
    all_fine = all(c.outcome in (Outcome.PASSED, Outcome.SKIPPED) for c in result.checks)
    assert result.verified == (all_fine and all(c.verified for c in result.credentials))
    assert result.verified + result.invalid + result.indeterminate == 1
    json.dumps(result.to_dict())  # always serialisable


@pytest.fixture(scope="module")
def signed(example_credential_module):
    doc = dict(copy.deepcopy(example_credential_module), issuer=KEY.controller)
    di = issue_credential(doc, KEY, created="2026-11-20T00:00:00Z")
    jwt = issue_credential_jwt(doc, KEY)
    assert VERIFIER.verify(di, now=NOW).verified and VERIFIER.verify(jwt, now=NOW).verified
    return di, jwt


@pytest.fixture(scope="module")
def example_credential_module():
    return json.loads((Path(__file__).resolve().parent.parent / "examples" / "battery-credential.json").read_text())


@SETTINGS
@given(json_values)
def test_any_json_value_gives_a_result(value):
    result = VERIFIER.verify(value if isinstance(value, dict) else json.dumps(value), now=NOW)
    _assert_consistent(result)
    assert not result.verified


@SETTINGS
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_any_text_or_bytes_gives_a_result(data):
    result = VERIFIER.verify(data, now=NOW)
    _assert_consistent(result)
    assert not result.verified


@SETTINGS
@given(
    st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=", max_size=60),
        min_size=3,
        max_size=3,
    )
)
def test_any_token_shape_gives_a_result(parts):
    result = VERIFIER.verify("ey" + ".".join(parts), now=NOW)
    _assert_consistent(result)
    assert not result.verified


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _leaves(value, (*path, key))]
    if isinstance(node, list):
        return [leaf for i, value in enumerate(node) for leaf in _leaves(value, (*path, i))]
    return [path]


def _set(node: Any, path: tuple, value: Any) -> None:
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


@SETTINGS
@given(data=st.data())
def test_no_mutated_credential_verifies(signed, data):
    di, _ = signed
    mutated = copy.deepcopy(di)
    signed_leaves = [p for p in _leaves(mutated) if p[0] not in ("@context",)]
    path = data.draw(st.sampled_from(signed_leaves), label="leaf")
    old = _get(mutated, path)
    new = data.draw(json_leaves.filter(lambda v: v != old or type(v) is not type(old)), label="value")
    _set(mutated, path, new)
    result = VERIFIER.verify(mutated, now=NOW)
    _assert_consistent(result)
    assert not result.verified, (path, old, new)


@SETTINGS
@given(data=st.data())
def test_no_credential_with_a_member_removed_or_added_verifies(signed, data):
    di, _ = signed
    mutated = copy.deepcopy(di)
    subject = mutated["credentialSubject"]
    if data.draw(st.booleans(), label="remove"):
        key = data.draw(st.sampled_from(sorted(k for k in subject if k != "type")), label="key")
        del subject[key]
    else:
        key = data.draw(st.sampled_from(["ratedCapacity", "chemistry", "category", "unit"]), label="key")
        subject.setdefault("extra", {})[key] = "x"
        subject[key] = [subject[key], "another value"]
    result = VERIFIER.verify(mutated, now=NOW)
    _assert_consistent(result)
    assert not result.verified


@SETTINGS
@given(position=st.integers(min_value=0), replacement=st.sampled_from("AbCx_-0"))
def test_no_altered_token_verifies(signed, position, replacement):
    _, jwt = signed
    assert isinstance(jwt, str)
    i = position % len(jwt)
    if jwt[i] == "." or jwt[i] == replacement:
        return
    altered = jwt[:i] + replacement + jwt[i + 1 :]
    result = VERIFIER.verify(altered, now=NOW)
    _assert_consistent(result)
    # changing the last character of base64url can flip only unused bits; anything else must fail
    if i != len(jwt) - 1:
        assert not result.verified


def _get(node: Any, path: tuple) -> Any:
    for step in path:
        node = node[step]
    return node


@SETTINGS
@given(json_values)
def test_strict_loader_agrees_with_json_or_refuses(value):
    text = json.dumps(value)
    try:
        parsed = strict_json.loads(text)
    except strict_json.StrictJsonError:
        return
    assert parsed == json.loads(text)


@SETTINGS
@given(st.text(max_size=200))
def test_strict_loader_raises_only_value_errors(text):
    try:
        strict_json.loads(text)
    except ValueError:
        pass


@SETTINGS
@given(st.binary(min_size=1, max_size=120))
def test_multibase_round_trip(data):
    for base in ("z", "u"):
        assert multibase.decode(multibase.encode(data, base)) == data


@SETTINGS
@given(st.text(max_size=400))
def test_multibase_decode_raises_only_bpvc_errors(text):
    try:
        multibase.decode(text)
    except BpvcError:
        pass


@SETTINGS
@given(st.text(max_size=300) | st.just("u") | st.binary(max_size=200).map(lambda b: "u" + multibase.b64url_encode(b)))
def test_status_list_decoding_raises_only_bpvc_errors(text):
    try:
        bitstring.decode(text)
    except BpvcError:
        pass


@pytest.fixture(scope="module")
def http_client():
    import warnings

    from bpvc.server.app import ServerConfig, create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    return TestClient(create_app(ServerConfig(VERIFIER, clock=lambda: NOW)))


ENDPOINTS = ["/credentials/verify", "/presentations/verify"]


@SETTINGS
@given(path=st.sampled_from(ENDPOINTS), body=json_values)
def test_http_endpoints_never_fail_with_a_server_error(http_client, path, body):
    wrapped = {"verifiableCredential" if "credentials" in path else "verifiablePresentation": body}
    for payload in (body, wrapped):
        response = http_client.post(path, content=json.dumps(payload), headers={"content-type": "application/json"})
        assert response.status_code < 500, response.text
        assert response.status_code != 200


@SETTINGS
@given(path=st.sampled_from(ENDPOINTS), raw=st.binary(max_size=300))
def test_http_endpoints_take_any_bytes(http_client, path, raw):
    response = http_client.post(path, content=raw, headers={"content-type": "application/json"})
    assert response.status_code in (400, 413, 415, 422)
