"""SD-JWT (RFC 9901): disclosures and their digests, concealment, the verifier's musts, key binding."""

import json

import pytest

from bpvc.errors import BpvcError, ChallengeError, DomainError, RangeValueError
from bpvc.keys.primitives import KeyPair
from bpvc.sd_jwt import Disclosure, DisclosureError, SdJwt, bind, digest, issue, looks_like_sd_jwt, select, unpack
from bpvc.sd_jwt.disclosures import b64url
from bpvc.sd_jwt.issue import sign_jwt
from bpvc.sd_jwt.verify import KeyBindingError, verify_key_binding
from bpvc.securing import jose

# RFC 9901 "Hashing Disclosures" figures (as listed in the cross-border reference notes)
VECTORS = [
    (
        ["_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius"],
        "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0",
        "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0",
    ),
    (
        ["6qMQvRL5haj", "family_name", "Möbius"],
        "WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0",
        "uutlBuYeMDyjLLTpf6Jxi7yNkEF35jdyWMn9U7b_RYY",
    ),
    (
        ["lklxF5jMYlGTPUovMNIvCA", "FR"],
        "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0",
        "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs",
    ),
]
NO_SPACES = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsImZhbWlseV9uYW1lIiwiTcO2Yml1cyJd"
NOW = 1_790_000_000


@pytest.mark.parametrize("array, encoded, expected", VECTORS, ids=["family_name", "short-salt", "array-element"])
def test_rfc_9901_vectors_byte_exact(array, encoded, expected):
    name = array[1] if len(array) == 3 else None
    made = Disclosure.create(name, array[-1], salt=array[0])
    assert made.encoded == encoded
    assert made.digest() == expected
    parsed = Disclosure.parse(encoded)
    assert (parsed.salt, parsed.name, parsed.value) == (array[0], name, array[-1])
    assert parsed.digest() == expected


def test_the_digest_is_over_the_string_as_received():
    spaced = Disclosure.parse(VECTORS[0][1])
    compact = Disclosure.parse(NO_SPACES)
    assert (compact.salt, compact.name, compact.value) == (spaced.salt, spaced.name, spaced.value)
    assert compact.digest() != spaced.digest() == VECTORS[0][2]
    assert compact.digest() == digest(NO_SPACES)


@pytest.mark.parametrize(
    "array, message",
    [
        (["salt", "_sd", 1], "reserved"),
        (["salt", "...", 1], "reserved"),
        (["salt"], "2 .* or 3"),
        (["salt", "a", 1, 2], "2 .* or 3"),
        ([1, "a", 1], "salt must be a string"),
        (["salt", 5, 1], "name must be a string"),
        ({"salt": "x"}, "JSON array"),
    ],
)
def test_malformed_disclosures_are_refused(array, message):
    with pytest.raises(DisclosureError, match=message):
        Disclosure.parse(b64url(json.dumps(array).encode()))


def test_padded_or_non_urlsafe_disclosures_are_refused():
    with pytest.raises(DisclosureError, match="base64url"):
        Disclosure.parse(VECTORS[0][1] + "=")
    with pytest.raises(DisclosureError, match="base64url"):
        Disclosure.parse("ab+/")


def _key():
    return KeyPair.generate("ed25519", "did:example:issuer#key-1")


CLAIMS = {
    "iss": "did:example:issuer",
    "record": {"a": 1, "b": {"c": 2, "d": [3, 4]}, "list": [{"x": 1}, {"x": 2}], "nations": ["FR", "DE"]},
}


def _issued(paths, decoys=0):
    counter = iter(range(1000))
    return issue(CLAIMS, paths, _key(), salt=lambda: f"salt-{next(counter)}", decoys=decoys)


def test_conceal_and_unpack_round_trip_with_nested_and_array_disclosures():
    issued = _issued(["record.b", "record.b.c", "record.list[].x", "record.nations[]"], decoys=2)
    token = issued.sd_jwt
    assert looks_like_sd_jwt(token.serialize()) and token.serialize().endswith("~")
    payload = jose.decode(token.jwt).payload
    assert payload["_sd_alg"] == "sha-256"
    assert "b" not in payload["record"] and len(payload["record"]["_sd"]) == 1 + 2
    assert payload["record"]["_sd"] == sorted(payload["record"]["_sd"])
    assert all(set(e) == {"..."} for e in payload["record"]["nations"])  # elements and decoys alike
    full = unpack(payload, token.disclosures)
    assert full.claims == CLAIMS
    assert full.undisclosed == 2 + 2 + 2 + 2 + 2  # decoys only: record._sd, b._sd, each list[]._sd, nations
    templates = {t for t, _ in full.templates}
    assert templates == {"record.b", "record.b.c", "record.list[].x", "record.nations[]"}


def test_withholding_a_disclosure_removes_the_claim_and_leaves_its_digest():
    token = _issued(["record.b", "record.b.c", "record.nations[]"]).sd_jwt
    shown = select(token, ["record.b.d"])  # needs record.b, not record.b.c
    claims = unpack(jose.decode(shown.jwt).payload, shown.disclosures).claims
    assert claims["record"]["b"] == {"d": [3, 4]}
    assert claims["record"]["nations"] == []
    later = select(token, ["record.b.c"])  # an ancestor comes along
    assert unpack(jose.decode(later.jwt).payload, later.disclosures).claims["record"]["b"]["c"] == 2
    with pytest.raises(BpvcError, match="nothing to disclose at record.zzz"):
        select(token, ["record.zzz"])


def _payload_with(record_sd, extra=None):
    return {"iss": "x", "_sd_alg": "sha-256", "record": {"_sd": record_sd, **(extra or {})}}


def test_verifier_musts_of_rfc_9901():
    a = Disclosure.create("a", 1, salt="s1")
    b = Disclosure.create("b", 2, salt="s2")
    element = Disclosure.create(None, "FR", salt="s3")
    with pytest.raises(DisclosureError, match="appears more than once"):
        unpack(_payload_with([a.digest(), a.digest()]), [a.encoded])
    with pytest.raises(DisclosureError, match="sent twice"):
        unpack(_payload_with([a.digest()]), [a.encoded, a.encoded])
    with pytest.raises(DisclosureError, match="not referenced by this credential"):
        unpack(_payload_with([a.digest()]), [a.encoded, b.encoded])
    with pytest.raises(DisclosureError, match="already present"):
        unpack(_payload_with([a.digest()], {"a": 0}), [a.encoded])
    with pytest.raises(DisclosureError, match="array-element disclosure is referenced from _sd"):
        unpack(_payload_with([element.digest()]), [element.encoded])
    with pytest.raises(DisclosureError, match="fills an array element"):
        unpack({"list": [{"...": a.digest()}]}, [a.encoded])
    with pytest.raises(DisclosureError, match="appears more than once"):
        unpack({"list": [{"...": element.digest()}], "_sd": [element.digest()]}, [])
    with pytest.raises(BpvcError, match="_sd_alg"):
        unpack({"_sd_alg": "md5"}, [])


def test_a_tampered_disclosure_matches_no_digest():
    token = _issued(["record.a"]).sd_jwt
    original = Disclosure.parse(token.disclosures[0])
    forged = Disclosure.create("a", 999, salt=original.salt)
    with pytest.raises(DisclosureError, match="not referenced"):
        unpack(jose.decode(token.jwt).payload, [forged.encoded])


# -- key binding ---------------------------------------------------------------------------------


def _bound_token(holder, **kw):
    key = _key()
    claims = dict(CLAIMS, cnf={"jwk": holder.public_key.jwk()})
    token = issue(claims, ["record.a"], key, decoys=0).sd_jwt
    return bind(token, holder, audience=kw.get("aud", "did:web:carmaker.example"), nonce="n-1", iat=kw.get("iat", NOW))


def _check(token, **kw):
    claims = unpack(jose.decode(token.jwt).payload, token.disclosures).claims
    options = {"nonce": "n-1", "audience": "did:web:carmaker.example", **kw}
    return verify_key_binding(
        token, claims, hash_alg="sha-256", allowed=frozenset({"EdDSA", "ES256"}), now=NOW, clock_skew=60, **options
    )


@pytest.mark.parametrize("key_type", ["ed25519", "p256"])
def test_key_binding_binds_aud_nonce_iat_and_sd_hash(key_type):
    holder = KeyPair.generate(key_type, "did:example:holder#k")
    token = _bound_token(holder)
    kb = jose.decode(token.kb_jwt)
    assert kb.header["typ"] == "kb+jwt"
    assert kb.payload["sd_hash"] == digest(token.without_kb)
    assert _check(token)["nonce"] == "n-1"


def test_key_binding_failures_name_what_is_wrong():
    holder = KeyPair.generate("ed25519", "did:example:holder#k")
    token = _bound_token(holder)
    with pytest.raises(ChallengeError):
        _check(token, nonce="n-2")
    with pytest.raises(DomainError):
        _check(token, audience="did:web:elsewhere.example")
    with pytest.raises(RangeValueError, match="older than"):
        _check(_bound_token(holder, iat=NOW - 3600))
    with pytest.raises(RangeValueError, match="future"):
        _check(_bound_token(holder, iat=NOW + 3600))
    dropped = SdJwt(token.jwt, (), token.kb_jwt)  # a disclosure removed after binding
    with pytest.raises(KeyBindingError, match="sd_hash"):
        _check(dropped)
    with pytest.raises(KeyBindingError, match="no key-binding JWT"):
        _check(SdJwt(token.jwt, token.disclosures))
    other = KeyPair.generate("ed25519", "did:example:other#k")
    forged_kb = sign_jwt({"alg": "EdDSA", "typ": "kb+jwt"}, jose.decode(token.kb_jwt).payload, other)
    with pytest.raises(KeyBindingError, match="not signed by the holder"):
        _check(SdJwt(token.jwt, token.disclosures, forged_kb))


def test_binding_with_a_key_other_than_cnf_is_refused():
    holder = KeyPair.generate("ed25519", "did:example:holder#k")
    token = _bound_token(holder)
    with pytest.raises(BpvcError, match="not the key named in the credential's cnf"):
        bind(SdJwt(token.jwt, token.disclosures), KeyPair.generate("ed25519", "x#y"), audience="a", nonce="n", iat=NOW)


def test_compact_parsing_bounds():
    with pytest.raises(BpvcError, match="no '~'"):
        SdJwt.parse("eyJ.eyJ.sig")
    with pytest.raises(BpvcError, match="empty disclosure"):
        SdJwt.parse("eyJhbGciOiJFZERTQSJ9.eyJ9.c2ln~~~")
    assert not looks_like_sd_jwt("not~a~jwt")
