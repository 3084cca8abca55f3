"""Write the carbon-footprint example: supplier PCF credentials and the inventory that references them.

    python examples/cf/make_examples.py [--out examples/cf]

Every figure, company and number is fictional (see README.md beside this script). The
supplier PCFs are Catena-X PCF 8.0.0 records issued as ProductCarbonFootprintCredentials with
the example key in keys.example/ and a fixed proof time, so the output is the same on every
run: eddsa-rdfc-2022 signatures are deterministic, and the credential ids are fixed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bpvc import issue_credential, load_key
from bpvc.cf.inputs import digest_sri
from bpvc.files import write_atomic
from bpvc.records import footprint

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CREATED = "2026-03-01T08:00:00Z"
VALIDITY = ("2026-03-01T00:00:00Z", "2027-02-28T23:59:59Z")
REFERENCE = ("2025-01-01T00:00:00Z", "2025-12-31T23:59:59Z")

# name: (credential uuid, pcf uuid, company, BPNL, product, declared unit, amount, mass per amount,
#        excluding, including, fossil, PDS, (TeR, TiR, GeR), third-party verification share)
SUPPLIERS: dict[str, tuple[Any, ...]] = {
    "anode-graphite": (
        "5b0f6a5e-3c1d-4e7a-9b2f-1a6c8d4e2f01",
        "0c7e2f4a-8d1b-4c3e-a5f6-7b8c9d0e1f21",
        "Hengtai Graphite New Materials Co., Ltd.",
        "BPNL00000006HTGR",
        "HT-SG360 spheroidised synthetic graphite anode powder",
        "kilogram",
        1,
        1,
        8.42,
        8.42,
        8.31,
        31.5,
        (2.2, 1.6, 2.4),
        80,
    ),
    "electrolyte": (
        "5b0f6a5e-3c1d-4e7a-9b2f-1a6c8d4e2f02",
        "0c7e2f4a-8d1b-4c3e-a5f6-7b8c9d0e1f22",
        "Ruifeng Electrolyte Technology Co., Ltd.",
        "BPNL00000006RFEL",
        "RF-LP12 LiPF6 carbonate electrolyte for LFP cells",
        "kilogram",
        1,
        1,
        6.08,
        6.08,
        5.96,
        22.0,
        (2.5, 1.8, 2.6),
        0,
    ),
    "separator": (
        "5b0f6a5e-3c1d-4e7a-9b2f-1a6c8d4e2f03",
        "0c7e2f4a-8d1b-4c3e-a5f6-7b8c9d0e1f23",
        "Lanjiang Membrane Co., Ltd.",
        "BPNL00000006LJMB",
        "LJ-PE12C ceramic-coated polyethylene separator film, 12 um",
        "square meter",
        1,
        0.0098,
        0.452,
        0.452,
        0.447,
        58.0,
        (1.9, 1.4, 2.0),
        100,
    ),
    "copper-foil": (
        "5b0f6a5e-3c1d-4e7a-9b2f-1a6c8d4e2f04",
        "0c7e2f4a-8d1b-4c3e-a5f6-7b8c9d0e1f24",
        "Tongda Copper Foil Co., Ltd.",
        "BPNL00000006TDCF",
        "TD-6 electrodeposited copper foil, 6 um",
        "kilogram",
        1000,
        1000,
        7904.0,
        7904.0,
        7850.0,
        64.2,
        (1.7, 1.3, 1.9),
        100,
    ),
    "aluminium": (
        "5b0f6a5e-3c1d-4e7a-9b2f-1a6c8d4e2f05",
        "0c7e2f4a-8d1b-4c3e-a5f6-7b8c9d0e1f25",
        "Beishan Aluminium Products Co., Ltd.",
        "BPNL00000006BSAL",
        "BS-6061 extruded aluminium for battery housings and cathode foil (38 % recycled content)",
        "kilogram",
        1,
        1,
        9.13,
        9.13,
        9.02,
        41.0,
        (2.0, 1.5, 2.2),
        100,
    ),
    "bms": (
        "5b0f6a5e-3c1d-4e7a-9b2f-1a6c8d4e2f06",
        "0c7e2f4a-8d1b-4c3e-a5f6-7b8c9d0e1f26",
        "Kaiwei Electronics Co., Ltd.",
        "BPNL00000006KWEL",
        "KW-BMS108 battery management system, master and 9 slave boards",
        "piece",
        1,
        2.4,
        58.6,
        58.6,
        57.9,
        12.0,
        (2.8, 1.9, 3.0),
        0,
    ),
}


def supplier_record(name: str) -> dict[str, Any]:
    """A Catena-X PCF 8.0.0 record for one supplier, built on the cathode example's optional fields."""
    (
        _cred,
        pcf_id,
        company,
        bpnl,
        product,
        unit,
        amount,
        mass,
        excluding,
        including,
        fossil,
        pds,
        dqr,
        share,
    ) = SUPPLIERS[name]
    record = json.loads((ROOT / "examples" / "footprint-8.0.0.json").read_text(encoding="utf-8"))
    pcf = record["pcf"]
    for key in list(pcf):
        if key.startswith("packaging") and key != "packagingEmissionsIncluded":
            del pcf[key]
    for key in ("biogenicNonCO2Emissions", "landUseChangeGhgEmissions", "landManagementBiogenicCO2Emissions"):
        pcf.pop(key, None)
    pcf.pop("landManagementBiogenicCO2Removals", None)
    record.update(
        id=pcf_id,
        created=CREATED,
        validityPeriodStart=VALIDITY[0],
        validityPeriodEnd=VALIDITY[1],
        companyName=company,
        companyIds=[f"urn:bpn:id:{bpnl}"],
        productDescription=product,
        productIds=[f"urn:pathfinder:product:customcode:vendor-assigned:{name.upper()}"],
        productNameCompany=product.split(",")[0],
        comment="Fictional example footprint for bpvc cf; not a real product.",
    )
    record.pop("pcfLegalStatement", None)
    record.pop("attestationOfConformance", None)
    pcf.update(
        declaredUnitOfMeasurement=unit,
        declaredUnitAmount=amount,
        productMassPerDeclaredUnit=mass,
        exemptedEmissionsPercent=0.8,
        exemptedEmissionsDescription="Maintenance materials and office infrastructure, estimated below 1 %.",
        boundaryProcessesDescription="Cradle to gate at the supplier's plant.",
        referencePeriodStart=REFERENCE[0],
        referencePeriodEnd=REFERENCE[1],
        pcfExcludingBiogenicUptake=excluding,
        pcfIncludingBiogenicUptake=including,
        fossilGhgEmissions=fossil,
        biogenicCO2Uptake=round(including - excluding, 6),
        aircraftGhgEmissions=0.0,
        primaryDataShare=pds,
        dataQualityRating={"technologicalDQR": dqr[0], "temporalDQR": dqr[1], "geographicalDQR": dqr[2]},
        productVerificationShare3rdParty=share,
        packagingEmissionsIncluded=False,
        packagingPcfIncludingBiogenicUptake=0.0,
        carbonContentTotal=0.0,
        fossilCarbonContent=0.0,
        biogenicCarbonContent=0.0,
    )
    return record


def credential_ids() -> dict[str, str]:
    ids = {name: f"urn:uuid:{spec[0]}" for name, spec in SUPPLIERS.items()}
    ids["cathode"] = "urn:uuid:5b0f6a5e-3c1d-4e7a-9b2f-1a6c8d4e2f00"
    return ids


def issue_suppliers(key_dir: Path) -> dict[str, str]:
    """name -> signed credential JSON text."""
    key = load_key(key_dir)
    records = {"cathode": json.loads((ROOT / "examples" / "footprint-8.0.0.json").read_text(encoding="utf-8"))}
    records.update({name: supplier_record(name) for name in SUPPLIERS})
    out = {}
    for name, record in records.items():
        report = footprint.validate(record)
        if not report.valid:
            raise SystemExit(f"{name}: {[f.message for f in report.errors]}")
        assert report.record is not None
        unsigned = footprint.to_credential(report.record, issuer=key.controller, credential_id=credential_ids()[name])
        signed = issue_credential(unsigned, key, created=CREATED)
        out[name] = json.dumps(signed, indent=2, ensure_ascii=False) + "\n"
    return out


def factor(value: float, unit: str, source: str, **extra: Any) -> dict[str, Any]:
    return {"value": value, "unit": unit, "source": source, **extra}


def inventory(digests: dict[str, str]) -> dict[str, Any]:
    ids = credential_ids()

    def ref(name: str) -> dict[str, str]:
        return {"id": ids[name], "digestSRI": digests[name]}

    illustrative = "illustrative value for the bpvc example, not an official factor"
    grid = {
        "nationalConsumptionMix": factor(
            0.581,
            "kg CO2e/kWh",
            f"CN national consumption mix ({illustrative})",
            database="example grid factors 2025",
            referencePeriodEnd="2024-12-31",
            geographyLevel="country",
            fossil=0.581,
        ),
        "residualMix": factor(
            0.622,
            "kg CO2e/kWh",
            f"CN residual mix ({illustrative})",
            database="example grid factors 2025",
            referencePeriodEnd="2024-12-31",
            geographyLevel="country",
            fossil=0.622,
        ),
    }
    return {
        "inventoryVersion": "1.0.0",
        "id": "urn:uuid:8d3f1c2a-6b4e-4f5a-9c7d-2e1f0a9b8c7d",
        "referenceDate": "2026-10-15",
        "referencePeriod": {"start": "2025-01-01", "end": "2025-12-31"},
        "pcfType": "retrospective",
        "declarant": {
            "companyName": "Xunlan Power Battery Co., Ltd.",
            "bpnl": "BPNL00000003XNLB",
            "plant": {
                "name": "Yibin pack plant",
                "bpna": "BPNA00000003XNYB",
                "country": "CN",
                "subdivision": "CN-SC",
                "region": "Eastern Asia",
            },
        },
        "product": {
            "name": "XLB-PK79L LFP traction battery pack",
            "description": "LFP traction battery pack 79.5 kWh, 108S1P cell-to-pack, for M1 passenger cars",
            "productIds": ["urn:pathfinder:product:customcode:vendor-assigned:XLB-PK79L-108S1P-R2"],
            "manufacturerPartId": "XLB-PK79L-108S1P-R2",
        },
        "battery": {
            "category": "EV",
            "vehicleCategory": "M1",
            "usableEnergyKwh": 76.3,
            "ratedEnergyKwh": 79.49,
            "warrantyYears": 8,
            "warrantyKm": 160000,
            "chemistry": "LFP",
            "massKg": 532,
            "productType": "pack",
            "carbonContentKg": {"total": 93.1, "fossil": 93.1, "biogenic": 0},
        },
        "verification": {
            "ownStepThirdPartyVerified": True,
            "provider": "Eastbridge Assurance Services Ltd. (fictional)",
            "statementId": "EB-2026-0412",
        },
        "methodology": {
            "ipccCharacterizationFactors": "AR6",
            "crossSectoralStandards": ["ISO14067", "GHGP-Product"],
        },
        "links": {
            "declarationDocument": "https://battery-maker.example/sustainability/cf/declaration-XLB-PK79L-yibin.pdf",
            "publicStudy": "https://battery-maker.example/sustainability/cf/study-XLB-PK79L.pdf",
        },
        "inputs": [
            {
                "id": "cathode",
                "description": "LFP cathode active material",
                "stage": "raw_material",
                "quantity": 167,
                "unit": "kg",
                "pcfCredential": ref("cathode"),
            },
            {
                "id": "anode",
                "description": "synthetic graphite anode material",
                "stage": "raw_material",
                "quantity": 78,
                "unit": "kg",
                "pcfCredential": ref("anode-graphite"),
            },
            {
                "id": "electrolyte",
                "description": "electrolyte",
                "stage": "raw_material",
                "quantity": 42,
                "unit": "kg",
                "pcfCredential": ref("electrolyte"),
            },
            {
                "id": "separator",
                "description": "separator film",
                "stage": "raw_material",
                "quantity": 1450,
                "unit": "m2",
                "pcfCredential": ref("separator"),
            },
            {
                "id": "copper-foil",
                "description": "anode current collector",
                "stage": "raw_material",
                "quantity": 0.038,
                "unit": "t",
                "pcfCredential": ref("copper-foil"),
            },
            {
                "id": "aluminium",
                "description": "housing, busbars and cathode foil",
                "stage": "raw_material",
                "quantity": 96,
                "unit": "kg",
                "pcfCredential": ref("aluminium"),
            },
            {
                "id": "bms",
                "description": "battery management system",
                "stage": "raw_material",
                "quantity": 1,
                "unit": "piece",
                "pcfCredential": ref("bms"),
            },
            {
                "id": "cables",
                "description": "cables and connectors (no supplier PCF received)",
                "stage": "raw_material",
                "quantity": 14,
                "unit": "kg",
                "pcf": {
                    "excludingBiogenicUptake": 7.4,
                    "fossil": 7.3,
                    "declaredUnit": "kg",
                    "source": "secondary dataset: wire harness, copper/PVC (illustrative)",
                },
            },
            {
                "id": "thermal-materials",
                "description": "thermal pads and structural adhesive",
                "stage": "raw_material",
                "quantity": 6,
                "unit": "kg",
                "pcf": {
                    "excludingBiogenicUptake": 4.1,
                    "fossil": 4.0,
                    "declaredUnit": "kg",
                    "dqr": {"ter": 3, "tir": 2, "ger": 4},
                    "source": "secondary dataset: silicone thermal interface material (illustrative)",
                },
            },
        ],
        "processes": [
            {
                "id": "cell-electricity",
                "description": "electricity for cell production",
                "stage": "production",
                "activity": "electricity",
                "amount": 2.95,
                "unit": "MWh",
                "activityPrimary": True,
                "dqr": {"ter": 1},
                "verification": {"activityShare": 100, "factorShare": 95},
                "electricity": {
                    "country": "CN",
                    "supply": "ppa",
                    "contractualFactor": factor(
                        0.024,
                        "kg CO2e/kWh",
                        "Minjiang hydro plant PPA (fictional)",
                        primary=True,
                        referencePeriodEnd="2025-12-31",
                        geographyLevel="subdivision",
                        fossil=0.0,
                    ),
                    "instrumentCriteria": {
                        "attributes": True,
                        "uniqueClaim": True,
                        "trackedAndCancelled": True,
                        "sameYear": True,
                        "sameMarket": True,
                    },
                    "eacsCancelled": True,
                    "gridFactors": grid,
                },
            },
            {
                "id": "pack-electricity",
                "description": "electricity for pack assembly",
                "stage": "production",
                "activity": "electricity",
                "amount": 310,
                "unit": "kWh",
                "activityPrimary": True,
                "dqr": {"ter": 1},
                "verification": {"activityShare": 100, "factorShare": 95},
                "electricity": {"country": "CN", "supply": "grid", "gridFactors": grid},
            },
            {
                "id": "natural-gas",
                "description": "natural gas for electrode drying",
                "stage": "production",
                "activity": "fuel",
                "amount": 1.9,
                "unit": "GJ",
                "activityPrimary": True,
                "emissionFactor": factor(
                    56.1,
                    "kg CO2e/GJ",
                    "IPCC 2006 default, natural gas combustion",
                    fossil=56.1,
                    referencePeriodEnd="2025-12-31",
                    geographyLevel="global",
                ),
                "dqr": {"ter": 2},
                "verification": {"activityShare": 100, "factorShare": 100},
            },
            {
                "id": "refrigerant",
                "description": "R-134a leakage from the dry-room chillers",
                "stage": "production",
                "activity": "process_emission",
                "amount": 0.12,
                "unit": "kg",
                "activityPrimary": True,
                "emissionFactor": factor(
                    1530,
                    "kg CO2e/kg",
                    "IPCC AR6 GWP100 of HFC-134a",
                    primary=True,
                    fossil=1530,
                    referencePeriodEnd="2025-12-31",
                    geographyLevel="global",
                ),
                "dqr": {"ter": 1},
                "verification": {"activityShare": 100, "factorShare": 100},
            },
            {
                "id": "recycling",
                "description": "end of life: collection, dismantling and hydrometallurgical recycling",
                "stage": "end_of_life",
                "activity": "other",
                "amount": 532,
                "unit": "kg",
                "emissionFactor": factor(
                    0.27,
                    "kg CO2e/kg",
                    "end-of-life model of the pack (illustrative)",
                    database="example end-of-life model",
                    fossil=0.25,
                ),
            },
        ],
        "transport": [
            {
                "id": "cathode-inbound",
                "description": "cathode powder, Kaiyang to Yibin",
                "stage": "raw_material",
                "mode": "road",
                "distance": 1200,
                "distanceBasis": "actual",
                "mass": 167,
                "massUnit": "kg",
                "emissionFactor": factor(0.105, "kg CO2e/tkm", "GLEC default, truck 40 t (illustrative)", fossil=0.105),
                "factorScope": "well_to_wheel",
                "activityPrimary": True,
            },
            {
                "id": "sea-freight",
                "description": "packs to the EU, Shanghai to Rotterdam",
                "stage": "distribution",
                "mode": "sea",
                "distance": 19500,
                "distanceBasis": "shortest_feasible",
                "mass": 0.6,
                "massUnit": "t",
                "emissionFactor": factor(8.9, "g CO2e/tkm", "GLEC default, container ship (illustrative)", fossil=8.9),
                "factorScope": "well_to_wheel",
            },
            {
                "id": "road-eu",
                "description": "Rotterdam to the car plant",
                "stage": "distribution",
                "mode": "road",
                "distance": 610,
                "distanceBasis": "actual",
                "mass": 0.6,
                "massUnit": "t",
                "emissionFactor": factor(0.095, "kg CO2e/tkm", "GLEC default, truck 40 t (illustrative)", fossil=0.095),
                "factorScope": "well_to_wheel",
            },
        ],
        "cutOff": [
            {
                "id": "packaging",
                "description": "transport packaging of the pack",
                "stage": "production",
                "estimatedKgCo2e": 24,
                "basis": "mass estimate: 16 kg of timber and steel strapping",
            },
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write to (default: beside this script)")
    parser.add_argument("--key", type=Path, default=ROOT / "keys.example")
    args = parser.parse_args()
    signed = issue_suppliers(args.key)
    digests = {}
    (args.out / "pcf").mkdir(parents=True, exist_ok=True)
    for name, text in signed.items():
        write_atomic(args.out / "pcf" / f"{name}.vc.json", text)
        digests[name] = digest_sri(text.encode("utf-8"))
    doc = inventory(digests)
    write_atomic(args.out / "inventory.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {len(signed)} supplier credentials and the inventory to {args.out}")


if __name__ == "__main__":
    main()
