"""Carbon-footprint roll-up cost, as ratios to verifying the supplier credentials alone in the same run.

A 2,000-line inventory (500 inputs by supplier PCF credential, 1,000 by explicit values,
400 own processes of which 100 electricity, 100 transport legs) and its 500 supplier
credentials (eddsa-rdfc-2022, signed here). Measured in one run:

- verify: ``Verifier.verify`` over the 500 credentials, nothing else (the baseline);
- roll-up: ``compute`` on the already-resolved inputs;
- resolve + roll-up: verification as ``bpvc cf`` does it (plus the footprint checks and the
  exact-decimal reading of each record) followed by the roll-up;
- read: loading and checking the inventory file (schema and rules).

    python bench/cf_bench.py              # 2,000 lines, 500 credentials, 3 rounds (about 30 s)
    python bench/cf_bench.py --smoke      # 100 lines, 20 credentials (CI)
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bpvc import Verifier, issue_credential
from bpvc.cf import bundled_profile, compute, inputs, load_inventory
from bpvc.did import did_web_document
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.records import footprint

ROOT = Path(__file__).resolve().parent.parent
CREATED = "2026-03-01T08:00:00Z"


def supplier_credentials(count: int, key: KeyPair) -> list[bytes]:
    base = json.loads((ROOT / "examples" / "footprint-8.0.0.json").read_text())
    report = footprint.validate(base)
    assert report.valid and report.record is not None
    out = []
    for i in range(count):
        record = dict(report.record, id=f"9a4ff3fe-f2b0-477d-995b-{i:012x}")
        record["pcf"] = dict(
            record["pcf"], pcfExcludingBiogenicUptake=9.77 + i / 1000, pcfIncludingBiogenicUptake=9.67 + i / 1000
        )
        unsigned = footprint.to_credential(
            record, issuer=key.controller, credential_id=f"urn:uuid:5b0f6a5e-3c1d-4e7a-9b2f-{i:012x}"
        )
        out.append(json.dumps(issue_credential(unsigned, key, created=CREATED)).encode())
    return out


def inventory(credentials: list[bytes], lines: int) -> dict[str, Any]:
    credential_lines = len(credentials)
    rest = lines - credential_lines
    processes = rest * 2 // 5
    transport = rest // 15
    explicit = rest - processes - transport
    grid = {
        "nationalConsumptionMix": {"value": 0.581, "unit": "kg CO2e/kWh", "source": "bench"},
        "residualMix": {"value": 0.622, "unit": "kg CO2e/kWh", "source": "bench"},
    }
    doc: dict[str, Any] = {
        "inventoryVersion": "1.0.0",
        "id": "urn:uuid:8d3f1c2a-6b4e-4f5a-9c7d-2e1f0a9b8c7d",
        "referenceDate": "2026-10-15",
        "referencePeriod": {"start": "2025-01-01", "end": "2025-12-31"},
        "declarant": {
            "companyName": "Bench",
            "bpnl": "BPNL00000003XNLB",
            "plant": {"bpna": "BPNA00000003XNYB", "country": "CN", "region": "Eastern Asia"},
        },
        "product": {"name": "bench pack", "productIds": ["urn:example:bench"]},
        "battery": {
            "category": "EV",
            "vehicleCategory": "M1",
            "usableEnergyKwh": 76.3,
            "warrantyYears": 8,
            "chemistry": "LFP",
            "massKg": 532,
        },
        "verification": {"ownStepThirdPartyVerified": True},
        "inputs": [],
        "processes": [],
        "transport": [],
    }
    for i, raw in enumerate(credentials):
        item = inputs.read_received(raw)
        doc["inputs"].append(
            {
                "id": f"c{i}",
                "stage": "raw_material",
                "quantity": 0.5 + i % 7,
                "unit": "kg",
                "pcfCredential": {"id": item.id, "digestSRI": item.digest_sri},
            }
        )
    for i in range(explicit):
        doc["inputs"].append(
            {
                "id": f"e{i}",
                "stage": "raw_material",
                "quantity": 1 + i % 5,
                "unit": "kg",
                "pcf": {
                    "excludingBiogenicUptake": 2.5 + i % 11 / 10,
                    "declaredUnit": "kg",
                    "pds": i % 100,
                    "dqr": {"ter": 2, "tir": 2, "ger": 3},
                    "source": "bench",
                },
            }
        )
    for i in range(processes):
        if i % 4 == 0:
            doc["processes"].append(
                {
                    "id": f"p{i}",
                    "stage": "production",
                    "activity": "electricity",
                    "amount": 10 + i,
                    "unit": "kWh",
                    "activityPrimary": True,
                    "electricity": {"country": "CN", "supply": "grid", "gridFactors": grid},
                }
            )
        else:
            doc["processes"].append(
                {
                    "id": f"p{i}",
                    "stage": "production",
                    "activity": "fuel",
                    "amount": 0.1 + i % 9,
                    "unit": "GJ",
                    "activityPrimary": True,
                    "emissionFactor": {"value": 56.1, "unit": "kg CO2e/GJ", "source": "bench"},
                }
            )
    for i in range(transport):
        doc["transport"].append(
            {
                "id": f"t{i}",
                "stage": "distribution",
                "mode": "road",
                "distance": 100 + i,
                "distanceBasis": "actual",
                "mass": 0.6,
                "massUnit": "t",
                "factorScope": "well_to_wheel",
                "emissionFactor": {"value": 0.095, "unit": "kg CO2e/tkm", "source": "bench"},
            }
        )
    return doc


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    samples, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--credentials", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (the roll-up runs 5 times a round)")
    parser.add_argument("--smoke", action="store_true", help="100 lines, 20 credentials")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.lines, args.credentials = 100, 20
    key = KeyPair.generate("ed25519", "did:web:supplier.example#key-1")
    did = did_web_document(key.controller, [keystore.multikey_method(key)], active=[key.verification_method])
    verifier = Verifier(did_documents={did["id"]: did}, require_status=True)
    started = time.perf_counter()
    credentials = supplier_credentials(args.credentials, key)
    signing = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "inventory.json"
        path.write_text(json.dumps(inventory(credentials, args.lines)))
        read, inv = timed(lambda: load_inventory(path), 3)
    assert len(inv.inputs) + len(inv.processes) + len(inv.transport) == args.lines
    received = [inputs.read_received(raw) for raw in credentials]
    profile = bundled_profile("eu-battery-2024-draft")
    moment = datetime(2026, 10, 15, tzinfo=UTC)

    def verify_alone() -> list[bool]:
        return [verifier.verify(raw, now=moment).verified for raw in credentials]

    def resolve_and_roll_up() -> Any:
        return compute(inv, inputs.resolve(inv, received, verifier), profile)

    for raw in credentials[:5]:  # warm the context and schema caches before anything is timed
        verifier.verify(raw, now=moment)
    resolved = inputs.resolve(inv, received, verifier)
    result = compute(inv, resolved, profile)
    assert result.decided, result.problems
    # interleaved rounds, so a change in the shared machine's load hits all three alike
    rounds: list[tuple[float, float, float]] = []
    for _ in range(args.repeat):
        verify, outcomes = timed(verify_alone, 1)
        assert all(outcomes)
        roll_up, _ = timed(lambda: compute(inv, resolved, profile), 5)
        both, again = timed(resolve_and_roll_up, 1)
        assert again.to_dict() == result.to_dict()
        rounds.append((verify, roll_up, both))
    verify = statistics.median(r[0] for r in rounds)
    roll_up = statistics.median(r[1] for r in rounds)
    both = statistics.median(r[2] for r in rounds)
    ratio_roll_up = statistics.median(r[1] / r[0] for r in rounds)
    ratio_both = statistics.median(r[2] / r[0] for r in rounds)
    figures = {
        "lines": args.lines,
        "credentials": args.credentials,
        "verify_s": round(verify, 3),
        "roll_up_s": round(roll_up, 4),
        "resolve_and_roll_up_s": round(both, 3),
        "read_inventory_s": round(read, 4),
        "roll_up_over_verify": round(ratio_roll_up, 4),
        "resolve_and_roll_up_over_verify": round(ratio_both, 4),
        "read_over_verify": round(read / verify, 4),
        "signing_s": round(signing, 2),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(
        f"{args.lines} lines, {args.credentials} supplier credentials (declared {result.to_dict()['declared_value']})"
    )
    print(f"verify the credentials alone     {verify:8.3f} s   1.000")
    print(f"roll-up alone                    {roll_up:8.4f} s   {ratio_roll_up:.4f}")
    print(f"resolve (verify) + roll-up       {both:8.3f} s   {ratio_both:.4f}")
    print(f"read and check the inventory     {read:8.4f} s   {read / verify:.4f}")


if __name__ == "__main__":
    main()
