"""The Verifier's parts are injectable: a DID resolver, a context loader and the domain rules."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bpvc.did import Resolver
from bpvc.issue.secure import secure_credential
from bpvc.jsonld.contexts import ContextLoader
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.records import passport
from bpvc.verify.domain import NO_DOMAIN_RULES
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "passport-6.1.0.json"
CREATED = datetime(2026, 11, 20, tzinfo=UTC)
NOW = datetime(2027, 1, 10, tzinfo=UTC)


class CountingResolver(Resolver):
    """A custom resolver: counts what it is asked, then resolves as the default would."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def controller_document(self, controller: str) -> dict[str, Any]:
        self.asked.append(controller)
        return super().controller_document(controller)


def _key() -> KeyPair:
    key = KeyPair.generate("ed25519")
    return key.with_verification_method(keystore.verification_method_for("did:key", key))


def _passport(key: KeyPair) -> dict[str, Any]:
    record = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return passport.to_credential(record, issuer=key.controller)


def test_a_custom_resolver_is_the_one_asked() -> None:
    key = _key()
    signed = secure_credential(_passport(key), key, created=CREATED)
    resolver = CountingResolver()
    result = Verifier(resolver=resolver).verify(signed, now=NOW)
    assert result.verified, result
    assert resolver.asked and all(a == key.controller for a in resolver.asked)


class CountingLoader(ContextLoader):
    def __init__(self) -> None:
        super().__init__()
        self.resolvers = 0

    def context_resolver(self, **kwargs: Any) -> Any:
        self.resolvers += 1
        return super().context_resolver(**kwargs)


def test_a_custom_loader_is_the_one_used() -> None:
    key = _key()
    signed = secure_credential(_passport(key), key, created=CREATED)
    loader = CountingLoader()
    assert Verifier(loader=loader).verify(signed, now=NOW).verified
    assert loader.resolvers > 0


def test_domain_rules_decide_the_domain_check() -> None:
    key = _key()
    credential = _passport(key)
    bad = copy.deepcopy(credential)
    footprints = bad["credentialSubject"]["sustainability"]["carbonFootprint"]
    total = next(f for f in footprints if f["lifecycle"].startswith("total"))
    total["value"] += 25
    signed = secure_credential(bad, key, created=CREATED, domain_rules=NO_DOMAIN_RULES)
    by_default = {c.name: c for c in Verifier().verify(signed, now=NOW).checks}
    assert by_default["domain"].outcome is Outcome.FAILED
    without = {c.name: c for c in Verifier(domain_rules=NO_DOMAIN_RULES).verify(signed, now=NOW).checks}
    assert without["domain"].outcome is Outcome.SKIPPED
    assert without["proof"].outcome is Outcome.PASSED


def test_the_result_says_how_the_credential_was_secured_and_by_which_key() -> None:
    key = _key()
    credential = _passport(key)
    di = Verifier().verify(secure_credential(credential, key, created=CREATED), now=NOW)
    assert (di.securing, di.verification_methods) == ("di", (key.verification_method,))
    token = secure_credential(credential, key, fmt="jwt")
    jwt = Verifier().verify(token, now=NOW)
    assert (jwt.securing, jwt.verification_methods) == ("vc+jwt", (key.verification_method,))
    assert jwt.verified and di.verified
