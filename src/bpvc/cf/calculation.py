"""The calculation: ``compute(inventory, resolved_inputs, profile) -> CfResult``, a pure function.

Exact decimal arithmetic throughout (50 significant digits where a division does not end);
rounding happens only when the result is written out (:meth:`CfResult.to_dict`). Units are
converted by pint or refused (:mod:`.units`). Nothing here reads a file, a clock or the
network: supplier credentials arrive already verified, as :class:`~.supplier.ResolvedInput`.

- Each input contributes quantity / declared amount x the supplier's PCF per declared amount;
  each process amount x its factor (the electricity rule picks the factor, an allocation share
  may scale it); each transport leg t x km x its factor per tkm.
- Stages are summed per component (excluding and including biogenic uptake, fossil); the
  declared value sums the profile's stages in its lead indicator and, for a per-kWh profile,
  divides by E_total = usable energy x full equivalent cycles per year x service life.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Context, Decimal, localcontext

from . import electricity as electricity_rule
from . import quality, units
from .inventory import Allocation, Dqr, Factor, InputLine, Inventory, ProcessLine, TransportLine
from .profiles import STAGES, Profile
from .result import CfResult, CutOff, Emissions, LineResult, Quality
from .supplier import ResolvedInput, SupplierFootprint

PRECISION = Context(prec=50)
CRADLE_TO_GATE = ("raw_material", "production")
ZERO, HUNDRED = Decimal(0), Decimal(100)


@dataclass
class _Run:
    """What one calculation collects besides the line results."""

    inventory: Inventory
    profile: Profile
    allow_unverified: bool
    problems: list[str]
    violations: list[str]
    warnings: list[str]


def compute(
    inventory: Inventory,
    resolved_inputs: Mapping[str, ResolvedInput],
    profile: Profile,
    *,
    allow_unverified: bool = False,
) -> CfResult:
    """The footprint of ``inventory`` under ``profile``.

    ``resolved_inputs`` maps credential ids to what verifying them found. An input whose
    credential is missing, fails or cannot be decided makes the result undecided, naming the
    input; with ``allow_unverified`` it is excluded instead, counted against the cut-off and
    flagged in the result.
    """
    with localcontext(PRECISION):
        run = _Run(inventory, profile, allow_unverified, [], [], list(_finding_warnings(inventory)))
        lines: list[LineResult] = []
        lines += [_input(line, resolved_inputs, run) for line in inventory.inputs]
        lines += [_process(line, run) for line in inventory.processes]
        lines += [_transport(line, run) for line in inventory.transport]
        stages = {stage: Emissions() for stage in STAGES}
        for line in lines:
            if not line.excluded:
                stages[line.stage] = stages[line.stage] + line.emissions
        lead = profile.lead_indicator
        declared_kg = sum((stages[s].lead(lead) for s in profile.stages), ZERO)
        e_total, feqc, life = _e_total(run)
        per_kwh = declared_kg / e_total if e_total else None
        stage_per_kwh = {s: stages[s].lead(lead) / e_total for s in STAGES} if e_total else {}
        capacity = inventory.battery.rated_energy_kwh or inventory.battery.usable_energy_kwh
        cut_off = _cut_off(lines, declared_kg, run)
        aggregated = _quality(lines, profile.stages, run)
        gate_quality = _quality(lines, CRADLE_TO_GATE, run)
        _rule_checks(run, aggregated.inputs_verification_share, lines)
        if per_kwh is not None and per_kwh > profile.unit_trap_threshold:
            run.warnings.append(
                f"the declared value {per_kwh:.4f} kg CO2e/kWh is above {profile.unit_trap_threshold} kg CO2e/kWh: "
                "it is probably per kWh of capacity, not per kWh delivered over the service life"
            )
        return CfResult(
            profile=profile,
            lines=tuple(lines),
            stages=stages,
            quality=aggregated,
            gate_quality=gate_quality,
            cut_off=cut_off,
            e_total_kwh=e_total,
            feqc_per_year=feqc,
            service_life_years=life,
            declared_kg=declared_kg,
            declared_per_kwh=per_kwh,
            stage_per_kwh=stage_per_kwh,
            per_kwh_capacity=(stages["raw_material"].lead(lead) + stages["production"].lead(lead)) / capacity,
            performance_class=_performance_class(per_kwh, profile),
            problems=tuple(dict.fromkeys(run.problems)),
            violations=tuple(dict.fromkeys(run.violations)),
            warnings=tuple(dict.fromkeys(run.warnings)),
            inventory_id=inventory.id,
            inventory_digest=inventory.digest,
            reference_date=inventory.reference_date.isoformat(),
        )


def _quality(lines: list[LineResult], stages: tuple[str, ...], run: _Run) -> Quality:
    """PDS, DQR and verification share over the lines of ``stages`` (the footprint they describe)."""
    return quality.aggregate(
        [line for line in lines if line.stage in stages],
        own_step_verified=run.inventory.own_step_verified,
        retrospective=run.inventory.retrospective,
        limited=run.profile.limited_assurance_percent,
        reasonable=run.profile.reasonable_assurance_percent,
    )


def _finding_warnings(inventory: Inventory) -> list[str]:
    return [f"{w.json_path}: {w.message}" for w in inventory.warnings]


# -- lines -----------------------------------------------------------------------------------------


def _ratings(dqr: Dqr | None, factor: Factor | None, run: _Run) -> tuple[Decimal, Decimal, Decimal]:
    """TeR, TiR, GeR of an own line: given values, else derived from the factor's metadata, else the worst."""
    worst = run.profile.missing_dqr
    ter = dqr.ter if dqr and dqr.ter is not None else worst
    tir = dqr.tir if dqr and dqr.tir is not None else None
    if tir is None:
        end = factor.reference_period_end if factor else None
        tir = quality.temporal_rating(end, run.inventory.reference_date) if end else worst
    ger = dqr.ger if dqr and dqr.ger is not None else None
    if ger is None:
        level = factor.geography_level if factor else None
        ger = quality.geographical_rating(level) if level else worst
    return ter, tir, ger


def _supplier_ratings(dqr: Dqr | None, worst: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    if dqr is None:
        return worst, worst, worst
    return (
        worst if dqr.ter is None else dqr.ter,
        worst if dqr.tir is None else dqr.tir,
        worst if dqr.ger is None else dqr.ger,
    )


def _from_footprint(
    line: InputLine, footprint: SupplierFootprint | None, run: _Run
) -> tuple[Emissions, list[str], str | None]:
    """The line's emissions from a supplier footprint, the conversion notes, and a unit problem."""
    if footprint is None:
        return Emissions(), [], None
    try:
        amounts, note = units.declared_units(
            line.quantity,
            line.unit,
            footprint.declared_unit,
            footprint.declared_amount,
            pcf_mass_kg=footprint.mass_per_declared_amount_kg,
            line_mass_per_piece_kg=line.mass_per_piece_kg,
        )
    except units.UnitMismatchError as err:
        return Emissions(), [], f"unit mismatch: {err.detail}"
    fossil = None if footprint.fossil is None else amounts * footprint.fossil
    notes = [note] if note else []
    return Emissions(amounts * footprint.excluding, amounts * footprint.including, fossil), notes, None


def _input(line: InputLine, resolved: Mapping[str, ResolvedInput], run: _Run) -> LineResult:
    worst, missing_pds = run.profile.missing_dqr, run.profile.missing_pds
    if line.pcf is not None:
        pcf = line.pcf
        given = SupplierFootprint(
            pcf_id="",
            status="Active",
            excluding=pcf.excluding,
            including=pcf.excluding + pcf.uptake,
            fossil=pcf.fossil,
            declared_unit=pcf.declared_unit,
            declared_amount=pcf.declared_amount,
            mass_per_declared_amount_kg=pcf.mass_per_declared_unit_kg,
            pds=pcf.pds,
            dqr=pcf.dqr,
            verification_share=pcf.verification_share,
            validity_start=None,
            validity_end=None,
            exempted_percent=None,
        )
        emissions, notes, unit_problem = _from_footprint(line, given, run)
        if unit_problem:
            run.problems.append(f"input {line.id}: {unit_problem}")
        ter, tir, ger = _supplier_ratings(pcf.dqr, worst)
        return LineResult(
            id=line.id,
            path=line.path,
            kind="input",
            stage=line.stage,
            source="values",
            emissions=emissions,
            lead=emissions.lead(run.profile.lead_indicator),
            pds=missing_pds if pcf.pds is None else pcf.pds,
            ter=ter,
            tir=tir,
            ger=ger,
            verification_share=ZERO if pcf.verification_share is None else pcf.verification_share,
            description=line.description,
            notes=(f"explicit values: {pcf.source}", *notes),
        )
    assert line.credential is not None  # the inventory has one footprint per input
    ref = line.credential
    found = resolved.get(ref.id)
    reasons: list[str] = []
    if found is None:
        reasons.append(f"the credential {ref.id} was not supplied")
    else:
        if found.digest_sri != ref.digest_sri:
            reasons.append(
                f"the credential {ref.id} does not match the digest the inventory names "
                f"({found.digest_sri} was received)"
            )
        if not found.verified:
            reasons += list(found.reasons) or [f"the credential {ref.id} did not verify"]
    footprint = found.footprint if found is not None else None
    emissions, notes, unit_problem = _from_footprint(line, footprint, run)
    if unit_problem:
        reasons.append(unit_problem)
    excluded = False
    if reasons:
        if run.allow_unverified and not unit_problem:
            excluded = True
            run.warnings.append(f"input {line.id} EXCLUDED as unverified (--allow-unverified): {'; '.join(reasons)}")
            if footprint is None:
                run.problems.append(
                    f"input {line.id}: excluded, but its credential cannot be read, so its share of the cut-off "
                    "cannot be counted"
                )
        else:
            run.problems.append(f"input {line.id}: {'; '.join(reasons)}")
    if footprint is not None and not footprint.retrospective and run.inventory.retrospective:
        run.warnings.append(f"input {line.id}: the supplier PCF is prospective; its PDS and DQR are not meaningful")
    ter, tir, ger = _supplier_ratings(footprint.dqr if footprint else None, worst)
    outcome = "verified" if not reasons else (found.outcome if found is not None and not found.verified else "failed")
    return LineResult(
        id=line.id,
        path=line.path,
        kind="input",
        stage=line.stage,
        source="credential",
        emissions=emissions,
        lead=emissions.lead(run.profile.lead_indicator),
        pds=missing_pds if footprint is None or footprint.pds is None else footprint.pds,
        ter=ter,
        tir=tir,
        ger=ger,
        verification_share=ZERO
        if footprint is None or footprint.verification_share is None
        else footprint.verification_share,
        description=line.description,
        credential_id=ref.id,
        digest_sri=ref.digest_sri,
        outcome=outcome,
        excluded=excluded,
        notes=tuple(notes + reasons),
    )


def allocation_share(allocation: Allocation, threshold: Decimal) -> tuple[Decimal, str, str]:
    """The product's share under the rulebook's rule, the method, and a note.

    The economic value ratio (highest over lowest price per kg among the products) decides:
    at most ``threshold``, allocate by mass (physical); above it, by economic value.
    """
    products = (allocation.product, *allocation.co_products)
    prices = [p.price for p in products]
    with localcontext(PRECISION):
        ratio = max(prices) / min(prices)
        if ratio <= threshold:
            share = allocation.product.mass_kg / sum((p.mass_kg for p in products), ZERO)
            method = "physical"
        else:
            share = (allocation.product.mass_kg * allocation.product.price) / sum(
                (p.mass_kg * p.price for p in products), ZERO
            )
            method = "economic"
    return share, method, f"{method} allocation (value ratio {ratio:.2f}, threshold {threshold}): share {share:.4f}"


def _process(line: ProcessLine, run: _Run) -> LineResult:
    notes: list[str] = []
    factor = line.factor
    if line.electricity is not None:
        choice = electricity_rule.choose(line.electricity, run.profile)
        factor = choice.factor
        notes.append(choice.note)
        if factor is None:
            run.problems.append(f"process {line.id}: {choice.note}")
        elif line.electricity.supply != "grid" and choice.basis != "contractual":
            run.warnings.append(f"process {line.id}: {choice.note}")
    emissions = Emissions()
    if factor is not None:
        try:
            excluding = units.emissions(line.amount, line.unit, factor.value, factor.unit)
            uptake = units.emissions(line.amount, line.unit, factor.uptake, factor.unit)
            fossil = (
                None if factor.fossil is None else units.emissions(line.amount, line.unit, factor.fossil, factor.unit)
            )
            emissions = Emissions(excluding, excluding + uptake, fossil)
        except units.UnitMismatchError as err:
            run.problems.append(f"process {line.id}: {err.detail}")
    if line.allocation is not None:
        share, method, note = allocation_share(line.allocation, run.profile.economic_ratio_threshold)
        notes.append(note)
        if line.allocation.method is not None and line.allocation.method != method:
            run.warnings.append(
                f"process {line.id}: the line says {line.allocation.method} allocation, the profile's value-ratio "
                f"rule gives {method}; bpvc applies {method}"
            )
        emissions = Emissions(
            emissions.excluding * share,
            emissions.including * share,
            None if emissions.fossil is None else emissions.fossil * share,
        )
    return _own_line(
        line.id, line.path, "process", line.stage, emissions, line.activity_primary, factor, line, run, notes
    )


def _transport(line: TransportLine, run: _Run) -> LineResult:
    notes = [f"{line.mode}: {line.mass:f} {line.mass_unit} over {line.distance_km:f} km ({line.distance_basis})"]
    profile = run.profile
    if profile.transport_scope and line.factor_scope != profile.transport_scope:
        run.warnings.append(
            f"transport {line.id}: the factor is {line.factor_scope or 'of unstated scope'}; "
            f"{profile.id} asks for {profile.transport_scope.replace('_', '-')}"
        )
    if profile.distance_preference and line.distance_basis != profile.distance_preference[0]:
        order = " > ".join(b.replace("_", " ") for b in profile.distance_preference)
        run.warnings.append(
            f"transport {line.id}: {line.distance_basis.replace('_', ' ')} distance used ({profile.id} prefers {order})"
        )
    emissions = Emissions()
    try:
        tkm = line.tkm
        excluding = units.emissions(tkm, "tkm", line.factor.value, line.factor.unit)
        uptake = units.emissions(tkm, "tkm", line.factor.uptake, line.factor.unit)
        fossil = (
            None if line.factor.fossil is None else units.emissions(tkm, "tkm", line.factor.fossil, line.factor.unit)
        )
        emissions = Emissions(excluding, excluding + uptake, fossil)
    except units.UnitMismatchError as err:
        run.problems.append(f"transport {line.id}: {err.detail}")
    return _own_line(
        line.id, line.path, "transport", line.stage, emissions, line.activity_primary, line.factor, line, run, notes
    )


def _own_line(
    line_id: str,
    path: str,
    kind: str,
    stage: str,
    emissions: Emissions,
    activity_primary: bool,
    factor: Factor | None,
    line: ProcessLine | TransportLine,
    run: _Run,
    notes: list[str],
) -> LineResult:
    """A process or transport line: primary only when both activity and factor are primary."""
    primary = activity_primary and factor is not None and factor.primary
    ter, tir, ger = _ratings(line.dqr, factor, run)
    databases = run.profile.background_databases
    if databases and factor is not None and factor.database not in databases:
        run.warnings.append(
            f"{kind} {line_id}: factor from {factor.database or 'an unnamed database'}, not one of the profile's "
            f"background databases ({', '.join(databases)})"
        )
    return LineResult(
        id=line_id,
        path=path,
        kind=kind,
        stage=stage,
        source=kind,
        emissions=emissions,
        lead=emissions.lead(run.profile.lead_indicator),
        pds=HUNDRED if primary else ZERO,
        ter=ter,
        tir=tir,
        ger=ger,
        verification_share=line.verification.share if line.verification else ZERO,
        description=line.description,
        notes=tuple(notes),
    )


# -- E_total, cut-off and rule checks -------------------------------------------------------------


def _e_total(run: _Run) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """E_total = usable energy x FEqC per year x service life (the shorter of the warranty years and km)."""
    profile, battery = run.profile, run.inventory.battery
    if not profile.per_kwh:
        return None, None, None
    category = battery.vehicle_category
    feqc = profile.feqc_per_year.get(category) if category else None
    if feqc is not None:
        if battery.feqc_per_year is not None and battery.feqc_per_year != feqc:
            run.warnings.append(
                f"battery.feqcPerYear {battery.feqc_per_year} is not used: {profile.id} fixes {feqc} full "
                f"equivalent cycles per year for {category}"
            )
    elif battery.feqc_per_year is not None and profile.other_vehicles == "manufacturer_justified":
        feqc = battery.feqc_per_year
        run.warnings.append(f"FEqC {feqc} per year is the manufacturer's justified value: {battery.feqc_justification}")
    else:
        run.problems.append(
            f"E_total: {profile.id} has no full-equivalent-cycle value for "
            f"{'vehicle category ' + category if category else battery.category + ' batteries'}, and the inventory "
            "gives no justified battery.feqcPerYear"
        )
        return None, None, None
    life = battery.warranty_years
    if battery.warranty_km is not None:
        per_year = profile.km_per_year.get(category) if category else None
        if per_year is None:
            run.problems.append(
                f"E_total: the mileage warranty cannot be converted to years: {profile.id} sets no km_per_year "
                f"for {category or battery.category}"
            )
            return None, feqc, None
        km_years = battery.warranty_km / per_year
        if km_years < life:
            run.warnings.append(
                f"service life {km_years.normalize():f} years from the mileage warranty ({battery.warranty_km:f} km at "
                f"{per_year:f} km/year, {profile.id}), shorter than the {life:f}-year warranty"
            )
            life = km_years
    return battery.usable_energy_kwh * feqc * life, feqc, life


def _cut_off(lines: list[LineResult], declared_kg: Decimal, run: _Run) -> CutOff:
    """Excluded share = excluded / (included + excluded), over the profile's stages.

    Excluded are the inventory's cut-off lines (their estimates) and inputs excluded as
    unverified (their claimed contribution). Received supplier PCFs count as fully covered.
    """
    stages = run.profile.stages
    cut = [c for c in run.inventory.cut_off if c.stage in stages]
    excluded_inputs = [line for line in lines if line.excluded and line.stage in stages]
    excluded = sum((c.estimated_kg for c in cut), ZERO) + sum((abs(line.lead) for line in excluded_inputs), ZERO)
    names = tuple([c.id for c in cut] + [line.id for line in excluded_inputs])
    threshold = run.profile.cut_off_percent
    total = declared_kg + excluded
    if total <= 0:
        return CutOff(excluded, declared_kg, None, threshold, None if excluded else True, names)
    share = excluded / total * HUNDRED
    passed = share < threshold
    if not passed:
        run.violations.append(
            f"cut-off: the excluded flows are {share:.2f} % of the total, not below the {threshold} % threshold "
            f"of {run.profile.id} ({', '.join(names)})"
        )
    return CutOff(excluded, declared_kg, share, threshold, passed, names)


def _years(start: datetime, end: datetime) -> Decimal:
    return Decimal((end - start).days) / Decimal("365.25")


def _rule_checks(run: _Run, inputs_share: Decimal | None, lines: list[LineResult]) -> None:
    profile, inventory = run.profile, run.inventory
    battery = inventory.battery
    if battery.category not in profile.scope_categories:
        run.warnings.append(
            f"{profile.id} covers {', '.join(profile.scope_categories)} batteries, not {battery.category}"
        )
    energy = battery.rated_energy_kwh or battery.usable_energy_kwh
    if profile.scope_min_energy_kwh and energy <= profile.scope_min_energy_kwh:
        run.warnings.append(
            f"{profile.id} covers batteries over {profile.scope_min_energy_kwh} kWh; this one has {energy} kWh"
        )
    start, end = inventory.reference_period
    span = _years(datetime.combine(start, time(), UTC), datetime.combine(end, time(), UTC))
    if span > profile.max_reference_years:
        run.violations.append(
            f"the reference period {start} to {end} is longer than the {profile.max_reference_years} years "
            f"{profile.id} allows"
        )
    if not inventory.own_step_verified and inputs_share is not None:
        run.warnings.append(
            "broken chain: the declarant's own step is not third-party verified, so the verification share is 0 "
            f"(the inputs' weighted share is {inputs_share:.2f} %)"
        )
    if profile.third_party_required and not inventory.own_step_verified:
        run.warnings.append(f"{profile.id} expects the declaration to be third-party verified")
    if not inventory.retrospective:
        run.warnings.append("a prospective footprint: PDS and DQR apply to retrospective footprints only")
    unknown = [line.id for line in lines if not line.excluded and line.emissions.fossil is None]
    if unknown:
        run.warnings.append(
            f"the fossil part is not known for {len(unknown)} line(s) ({', '.join(unknown[:5])}"
            f"{', ...' if len(unknown) > 5 else ''}), so the fossil total is not reported"
        )


def _performance_class(per_kwh: Decimal | None, profile: Profile) -> str | None:
    if per_kwh is None:
        return None
    for entry in profile.performance_classes:
        if per_kwh <= entry.max_kg_co2e_per_kwh:
            return entry.name
    return None
