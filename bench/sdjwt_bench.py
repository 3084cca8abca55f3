"""SD-JWT VC against vc+jwt for the same full battery passport: issue and verify per second, as ratios.

The record is examples/passport-6.1.0.json made a credential by ``passport.to_credential``, signed
with one Ed25519 did:web key. Per round, in the same run and alternating (J S J S ...), so load on
the machine hits both about equally:

* vc+jwt: ``issue_credential_jwt`` and ``Verifier.verify`` of the token (every check);
* SD-JWT VC: ``issue_credential_sd_jwt`` with the bundled classification (every restricted
  field concealed, decoys included) and ``Verifier.verify`` of the full SD-JWT (every disclosure
  checked against its digest, then every check); and the verification of an EU export
  presentation with key binding (legitimate-interest tier, export actions applied).

Every verification must pass. The median rate of each is reported with its ratio to vc+jwt; the
goal is SD-JWT verify within 1.5x of vc+jwt verify.

    python bench/sdjwt_bench.py [--rounds 5] [--seconds 1.0] [--smoke] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bpvc.crossborder import classification
from bpvc.did import did_web_document
from bpvc.issue.credential import issue_credential_jwt
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.records import passport
from bpvc.sd_jwt.vc import issue_credential_sd_jwt, present_credential
from bpvc.verify.verifier import Verifier

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 12, 1, tzinfo=UTC)
ISSUED = datetime(2026, 11, 21, tzinfo=UTC)


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (at least 3 calls)."""
    count, start = 0, time.perf_counter()
    while True:
        fn()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and count >= 3:
            return count / elapsed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--smoke", action="store_true", help="one short round: checks the bench runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rounds, seconds = (1, 0.05) if args.smoke else (args.rounds, args.seconds)

    key = KeyPair.generate("ed25519", "did:web:battery-maker.example#key-1")
    doc = did_web_document(key.controller, [keystore.multikey_method(key)], active=[key.verification_method])
    holder = KeyPair.generate("p256", "did:web:battery-maker.example#holder")
    record = json.loads((ROOT / "examples" / "passport-6.1.0.json").read_text())
    credential = passport.to_credential(record, issuer=key.controller)
    table = classification.load("passport", credential["credentialSchema"]["id"])
    verifier = Verifier(did_documents={doc["id"]: doc})

    jwt = issue_credential_jwt(credential, key)
    full = issue_credential_sd_jwt(credential, key, table, iat=ISSUED, holder_jwk=holder.public_key.jwk())
    eu = present_credential(
        full, tier="legitimate-interest", export=True, classification=table, holder=holder,
        audience="did:web:carmaker.example", nonce="n", iat=NOW,
    )  # fmt: skip
    checks = {
        "vc+jwt": verifier.verify(jwt, now=NOW),
        "sd-jwt": verifier.verify(full, now=NOW),
        "sd-jwt EU presentation": verifier.verify(eu, now=NOW, challenge="n", domain="did:web:carmaker.example"),
    }
    failed = [name for name, result in checks.items() if not result.verified]
    if failed:
        print(f"verification did not pass: {', '.join(failed)}", file=sys.stderr)
        return 1

    tasks: dict[str, Callable[[], object]] = {
        "issue vc+jwt": lambda: issue_credential_jwt(credential, key),
        "issue sd-jwt": lambda: issue_credential_sd_jwt(credential, key, table, iat=ISSUED),
        "verify vc+jwt": lambda: verifier.verify(jwt, now=NOW),
        "verify sd-jwt": lambda: verifier.verify(full, now=NOW),
        "verify sd-jwt EU presentation": lambda: verifier.verify(
            eu, now=NOW, challenge="n", domain="did:web:carmaker.example"
        ),
    }
    samples: dict[str, list[float]] = {name: [] for name in tasks}
    for _ in range(rounds):
        for name, task in tasks.items():
            samples[name].append(rate(task, seconds))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    ratios = {
        "issue sd-jwt / vc+jwt (time)": medians["issue vc+jwt"] / medians["issue sd-jwt"],
        "verify sd-jwt / vc+jwt (time)": medians["verify vc+jwt"] / medians["verify sd-jwt"],
        "verify EU presentation / vc+jwt (time)": medians["verify vc+jwt"] / medians["verify sd-jwt EU presentation"],
    }
    sizes = {"vc+jwt": len(jwt), "sd-jwt full": len(full), "sd-jwt EU presentation": len(eu)}
    if args.json:
        print(json.dumps({"per_second": medians, "time_ratios": ratios, "bytes": sizes}, indent=2))
    else:
        for name, value in medians.items():
            print(f"{name:<32} {value:9.1f} /s")
        for name, value in ratios.items():
            print(f"{name:<40} {value:5.2f}x")
        for name, value in sizes.items():
            print(f"size {name:<27} {value:9d} bytes")
        goal = ratios["verify sd-jwt / vc+jwt (time)"] <= 1.5
        print(f"goal (verify within 1.5x of vc+jwt): {'met' if goal else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
