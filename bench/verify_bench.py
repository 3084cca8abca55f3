"""Data Integrity sign/verify throughput, as ratios against a plain baseline measured in the same run.

Baseline: what a straightforward implementation does with the same libraries: pyld
URDNA2015 with a static-tag dict loader (no safe mode, no work budget) + cryptography,
no data-model checks, no key resolution. bpvc adds safe-mode checks, the data model,
DID resolution, the validity window and the per-check report on top.

    python bench/verify_bench.py [--n 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from pyld import jsonld

from bpvc import multibase
from bpvc.issue.credential import issue_credential
from bpvc.jsonld.contexts import ContextLoader
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair, PublicKey
from bpvc.verify.verifier import Verifier

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def baseline_verify(doc: dict, loader: ContextLoader, key: PublicKey, hash_name: str) -> bool:
    proof = dict(doc["proof"])
    value = proof.pop("proofValue")
    proof["@context"] = doc["@context"]
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    opts = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": loader,
        "contextResolver": loader.context_resolver(),
        "base": None,
    }
    canon_doc = jsonld.normalize(unsecured, dict(opts, contextResolver=loader.context_resolver()))
    canon_proof = jsonld.normalize(proof, dict(opts, contextResolver=loader.context_resolver()))
    data = hashlib.new(hash_name, canon_proof.encode()).digest() + hashlib.new(hash_name, canon_doc.encode()).digest()
    key.verify(multibase.decode(value), data)
    return True


def per_op(fn, n: int, rounds: int) -> float:
    for _ in range(3):
        fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - start) / n)
    return statistics.median(samples)


def bench_key_type(key_type: str, credential: dict, loader: ContextLoader, n: int, rounds: int) -> dict:
    key = KeyPair.generate(key_type)
    key = key.with_verification_method(keystore.verification_method_for("did:key", key))
    doc = dict(copy.deepcopy(credential), issuer=key.controller)
    signed = issue_credential(doc, key, loader=loader, created="2026-11-20T00:00:00Z")
    verifier = Verifier()
    assert verifier.verify(signed, now=NOW).verified
    hash_name = "sha384" if key_type == "p384" else "sha256"
    base = per_op(lambda: baseline_verify(signed, loader, key.public_key, hash_name), n, rounds)
    ours = per_op(lambda: verifier.verify(signed, now=NOW), n, rounds)
    sign = per_op(lambda: issue_credential(doc, key, loader=loader, created="2026-11-20T00:00:00Z"), n, rounds)
    return {
        "suite": signed["proof"]["cryptosuite"],
        "key": key_type,
        "baseline_verify_ms": base * 1e3,
        "bpvc_verify_ms": ours * 1e3,
        "bpvc_sign_ms": sign * 1e3,
        "verify_ratio": ours / base,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    credential = json.loads((ROOT / "examples" / "battery-credential.json").read_text())
    loader = ContextLoader()
    rows = [
        bench_key_type(key_type, credential, loader, args.n, args.rounds) for key_type in ("ed25519", "p256", "p384")
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print("| suite | key | baseline verify | bpvc verify (all checks) | ratio bpvc/baseline | bpvc sign |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['suite']} | {r['key']} | {r['baseline_verify_ms']:.2f} ms | {r['bpvc_verify_ms']:.2f} ms "
            f"| {r['verify_ratio']:.2f} | {r['bpvc_sign_ms']:.2f} ms |"
        )


if __name__ == "__main__":
    main()
