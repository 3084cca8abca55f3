"""Small inventories for the carbon-footprint tests: build one line at a time, in exact figures."""

from __future__ import annotations

import copy
from typing import Any

BPNL = "BPNL00000003XNPB"


def inventory(**battery: Any) -> dict[str, Any]:
    """An inventory skeleton: an M1 car battery, 75 kWh usable, 8-year warranty, no lines yet."""
    return {
        "inventoryVersion": "1.0.0",
        "id": "urn:uuid:0b7c3d5e-8f1a-4b2c-9d3e-4f5a6b7c8d9e",
        "referenceDate": "2026-10-15",
        "referencePeriod": {"start": "2025-01-01", "end": "2025-12-31"},
        "declarant": {
            "companyName": "Test Battery Co.",
            "bpnl": BPNL,
            "plant": {"bpna": "BPNA00000003XNYB", "country": "CN", "region": "Eastern Asia"},
        },
        "product": {"name": "Test pack", "productIds": ["urn:example:product:test-pack"]},
        "battery": {
            "category": "EV",
            "vehicleCategory": "M1",
            "usableEnergyKwh": 75,
            "warrantyYears": 8,
            "chemistry": "LFP",
            "massKg": 500,
            **battery,
        },
        "inputs": [],
    }


def with_lines(base: dict[str, Any], **sections: list[dict[str, Any]]) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    for name, lines in sections.items():
        doc.setdefault(name, []).extend(lines)
    return doc


def explicit_input(
    line_id: str,
    kg_co2e: str | float,
    *,
    stage: str = "raw_material",
    quantity: float = 1,
    unit: str = "kg",
    pds: float | None = None,
    dqr: float | None = None,
    share: float | None = None,
    uptake: str | float | None = None,
) -> dict[str, Any]:
    """An input with explicit values: ``kg_co2e`` per one ``unit``."""
    pcf: dict[str, Any] = {
        "excludingBiogenicUptake": float(kg_co2e),
        "declaredUnit": unit,
        "source": f"test value for {line_id}",
    }
    if uptake is not None:
        pcf["biogenicCO2Uptake"] = float(uptake)
    if pds is not None:
        pcf["pds"] = pds
    if dqr is not None:
        pcf["dqr"] = {"ter": dqr, "tir": dqr, "ger": dqr}
    if share is not None:
        pcf["verificationShare"] = share
    return {"id": line_id, "stage": stage, "quantity": quantity, "unit": unit, "pcf": pcf}


def own_process(
    line_id: str,
    kg_co2e: float,
    *,
    stage: str = "production",
    primary: bool = False,
    verified: float | None = None,
) -> dict[str, Any]:
    """An own process of ``kg_co2e`` (amount in kWh at 1 kg CO2e/kWh); ``verified`` is the activity share verified."""
    line: dict[str, Any] = {
        "id": line_id,
        "stage": stage,
        "activity": "other",
        "amount": kg_co2e,
        "unit": "kWh",
        "activityPrimary": primary,
        "emissionFactor": {"value": 1, "unit": "kg CO2e/kWh", "source": "test factor", "primary": primary},
    }
    if verified is not None:
        line["verification"] = {"activityShare": verified, "factorShare": 100}
    return line
