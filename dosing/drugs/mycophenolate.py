"""Mycophenolate for refractory dermatomyositis: mofetil (MMF) and enteric-coated sodium (MPS).

Seed plan: MMF 1000–1500 mg twice daily. Hard limits: 3 g/day MMF (CellCept US
PI maximum, 1.5 g twice daily) and, when eGFR < 25 mL/min/1.73 m², no more than
1 g twice daily (CellCept US PI, severe chronic renal impairment).

MPS (Myfortic) is compared through its label's equivalence, 720 mg MPS ≈ 1000 mg
MMF in mycophenolic acid content; every MPS limit below is the MMF limit × 0.72
(1000–1500 → 720–1080 mg BID, 3 g → 2160 mg/day, 1 g BID → 720 mg BID).

Dose forms are counted things, never masses: an MMF capsule is 250 mg and an MMF
tablet 500 mg (CellCept How Supplied); MPS tablets exist as 180 and 360 mg, so a
count of MPS tablets is ambiguous and refused.

An ordered dose must be whole dose units: oral MMF a multiple of 250 mg (whole
capsules/tablets: CellCept tablets are not to be crushed nor capsules opened),
MPS a multiple of 180 mg (Myfortic delayed-release tablets must not be crushed,
chewed or cut). Otherwise → MAJOR. An MPS dose that is a multiple of 250 mg
(e.g. "Myfortic 1000 mg") is most likely the CellCept dose written for Myfortic,
and the message says so with the MPS equivalent.

Patients under 18: the adult plan range does not apply. A dose above the label's
paediatric dose × BSA (Mosteller) → MAJOR, with the arithmetic: MMF 600 mg/m² twice
daily, at most 1 g twice daily (CellCept US PI); MPS 400 mg/m² twice daily, at most
720 mg twice daily (Myfortic US PI).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import attrs
import pint

from dosing import references as refs
from dosing.body import ADULT_YEARS
from dosing.findings import Finding, Severity
from dosing.input.fields import expect
from dosing.input.frequency import Frequency
from dosing.order import Order, Route
from dosing.patient import Patient, known_egfr
from dosing.units import (
    DoseInputError,
    Quantity,
    decimal_of,
    fmt,
    fmt_floor,
    parse_text,
    quantity,
    round_to_step,
)
from dosing.verdict import DoseCheck

if TYPE_CHECKING:
    import numpy.typing as npt

    from dosing.units import Qty

CELLCEPT_LABEL = refs.Reference(
    "cellcept-uspi",
    "CellCept (mycophenolate mofetil) US prescribing information, Genentech: Dosage and Administration (max 1.5 g "
    "twice daily = 3 g/day; severe chronic renal impairment GFR < 25 mL/min/1.73 m²: avoid doses > 1 g twice daily), "
    "How Supplied (250 mg capsules, 500 mg tablets; 200 mg/mL oral suspension; IV powder), Administration (do not "
    "crush tablets nor open or crush capsules)",
)
MYFORTIC_LABEL = refs.Reference(
    "myfortic-uspi",
    "Myfortic (mycophenolic acid delayed-release tablets) US prescribing information, Novartis: 720 mg Myfortic "
    "≈ 1000 mg mycophenolate mofetil in mycophenolic acid content; not interchangeable without physician "
    "supervision; 180 mg and 360 mg delayed-release tablets, not to be crushed, chewed or cut",
)
CELLCEPT_PEDIATRIC = refs.Reference(
    "cellcept-uspi-pediatric",
    "CellCept (mycophenolate mofetil) US prescribing information, Genentech: Dosage and Administration, pediatric "
    "patients (kidney transplant, 3 months and older): 600 mg/m² orally twice daily, up to a maximum of 1 g twice daily",
)
MYFORTIC_PEDIATRIC = refs.Reference(
    "myfortic-uspi-pediatric",
    "Myfortic (mycophenolic acid delayed-release tablets) US prescribing information, Novartis: Dosage and "
    "Administration, pediatric patients (5 years and older, BSA ≥ 1.19 m²): 400 mg/m² twice daily, up to a maximum "
    "of 720 mg twice daily",
)

# Seed plan: MMF 1000–1500 mg twice daily.
MMF_RANGE_MG = (1000.0, 1500.0)
MMF_DOSES_PER_DAY = 2
# CellCept US PI: maximum 3 g/day (1.5 g BID); GFR < 25 → at most 1 g BID.
MMF_MAX_DAILY_MG = 3000.0
MMF_RENAL_MAX_DOSE_MG = 1000.0
SEVERE_RENAL_EGFR = 25.0  # mL/min/1.73 m², CellCept US PI
# CellCept How Supplied: 250 mg capsules, 500 mg tablets.
MMF_CAPSULE_MG = 250.0
MMF_TABLET_MG = 500.0
# Myfortic US PI: 720 mg MPS ≈ 1000 mg MMF; tablets 180 and 360 mg.
MPS_PER_MMF = 0.72
MPS_TABLETS_MG = (360.0, 180.0)
# Under 18 (body.ADULT_YEARS): per-dose ceiling = mg/m² × BSA, capped (CellCept / Myfortic US PI pediatric dosing).
MMF_PEDIATRIC_MG_PER_M2 = 600.0
MMF_PEDIATRIC_MAX_DOSE_MG = 1000.0
MPS_PEDIATRIC_MG_PER_M2 = 400.0
MPS_PEDIATRIC_MAX_DOSE_MG = 720.0


def _mg(value: float) -> float:
    # Six decimals: "0.72 g" must compare as exactly 720 mg against a limit.
    return round(float(value), 6)


@attrs.frozen
class Product:
    """One mycophenolate product and its limits, all in its own mg."""

    name: str
    short: str
    low: float
    high: float
    daily_max: float
    renal_max_dose: float
    to_mmf: float
    routes: frozenset[Route]
    reference: refs.Reference
    pediatric_mg_per_m2: float
    pediatric_max_dose: float
    pediatric_reference: refs.Reference


MMF = Product(
    "mycophenolate mofetil", "MMF", MMF_RANGE_MG[0], MMF_RANGE_MG[1], MMF_MAX_DAILY_MG, MMF_RENAL_MAX_DOSE_MG, 1.0,
    # CellCept is given orally or as an IV infusion at the same dose.
    frozenset({Route.ORAL, Route.INTRAVENOUS}), CELLCEPT_LABEL,
    MMF_PEDIATRIC_MG_PER_M2, MMF_PEDIATRIC_MAX_DOSE_MG, CELLCEPT_PEDIATRIC,
)
MPS = Product(
    "mycophenolate sodium", "MPS",
    _mg(MMF_RANGE_MG[0] * MPS_PER_MMF), _mg(MMF_RANGE_MG[1] * MPS_PER_MMF), _mg(MMF_MAX_DAILY_MG * MPS_PER_MMF),
    _mg(MMF_RENAL_MAX_DOSE_MG * MPS_PER_MMF), 1.0 / MPS_PER_MMF,
    # Myfortic is an enteric-coated tablet only.
    frozenset({Route.ORAL}), MYFORTIC_LABEL,
    MPS_PEDIATRIC_MG_PER_M2, MPS_PEDIATRIC_MAX_DOSE_MG, MYFORTIC_PEDIATRIC,
)


@attrs.frozen
class FormOption:
    """One way to make an MMF dose from 500 mg tablets and 250 mg capsules."""

    tablets_500mg: int
    capsules_250mg: int
    text: str


@attrs.frozen
class TabletCount:
    strength: Qty
    count: int


@attrs.frozen
class MycophenolatePlan:
    requested_dose: Qty
    dose_per_administration: Qty
    frequency: str
    daily_dose: Qty
    max_daily_dose: Qty
    egfr: Qty | None
    renal_cap_applied: bool
    renal_note: str
    mmf_forms: tuple[FormOption, ...]
    mps_equivalent_per_administration: Qty
    mps_tablets: tuple[TabletCount, ...]
    findings: tuple[Finding, ...]
    details: tuple[tuple[str, str], ...]


# ---------------------------------------------------------------- dose reading


def _whole_count(dose: Qty, unit: str, parameter: str) -> int:
    # CellCept tablets are not to be split nor capsules opened (teratogen): whole units only.
    # quantity() first: it refuses inf, NaN, arrays and complex counts before int() sees them.
    magnitude: float = quantity(dose, parameter, f"{unit} count", unit=unit).magnitude
    if not magnitude >= 1 or magnitude != int(magnitude):
        raise DoseInputError(parameter, f"{fmt(dose)} is not a whole number (≥ 1) of {unit}s")
    return int(magnitude)


def _parsed(dose: str | Qty, parameter: str) -> Qty:
    return parse_text(dose, parameter) if isinstance(dose, str) else dose


def mmf_mg(dose: str | Qty, parameter: str = "dose") -> tuple[float, str]:
    """An MMF dose in mg from mg, 250 mg capsules or 500 mg tablets, with the arithmetic."""
    dose = _parsed(dose, parameter)
    # is_compatible_with("capsule") is pint's check("[capsule]"), by the memoised test (issue 8).
    if isinstance(dose, pint.Quantity) and dose.is_compatible_with("capsule"):
        n = _whole_count(dose, "capsule", parameter)
        return n * MMF_CAPSULE_MG, f"{n} capsule(s) × 250 mg = {n * MMF_CAPSULE_MG:g} mg"
    if isinstance(dose, pint.Quantity) and dose.is_compatible_with("tablet"):
        n = _whole_count(dose, "tablet", parameter)
        return n * MMF_TABLET_MG, f"{n} tablet(s) × 500 mg = {n * MMF_TABLET_MG:g} mg"
    mg = _mg(quantity(dose, parameter, "mass", unit="mg").magnitude)
    return mg, f"{mg:g} mg"


def mps_mg(dose: str | Qty, parameter: str = "dose") -> tuple[float, str]:
    """An MPS dose in mg; tablet counts are refused (180 and 360 mg tablets both exist)."""
    dose = _parsed(dose, parameter)
    if isinstance(dose, pint.Quantity) and (dose.is_compatible_with("tablet") or dose.is_compatible_with("capsule")):
        raise DoseInputError(
            parameter,
            f"{fmt(dose)} of mycophenolate sodium is ambiguous: tablets come as 180 mg and 360 mg (no capsules); "
            "write the dose in mg, e.g. '720 mg'",
        )
    mg = _mg(quantity(dose, parameter, "mass", unit="mg").magnitude)
    return mg, f"{mg:g} mg"


# ---------------------------------------------------------------- calculator


def _forms(dose_mg: float) -> tuple[FormOption, ...]:
    caps = int(round(dose_mg / MMF_CAPSULE_MG))
    options = [FormOption(0, caps, f"{caps} × 250 mg capsule(s)")]
    tabs, rest = divmod(caps, 2)
    if tabs:
        text = f"{tabs} × 500 mg tablet(s)" + (f" + {rest} × 250 mg capsule" if rest else "")
        options.append(FormOption(tabs, rest, text))
    return tuple(options)


def _mps_equivalent_mg(mmf_dose: float) -> float:
    """MMF mg × 720/1000, rounded to the nearest 180 mg MPS tablet step."""
    return _mg(round_to_step(Quantity(mmf_dose * MPS_PER_MMF, "mg"), Quantity(MPS_TABLETS_MG[1], "mg")).magnitude)


def _mps_equivalent_text(mmf_dose: float) -> str:
    mps = _mps_equivalent_mg(mmf_dose)
    return f"{mmf_dose:g} mg MMF × 720/1000 = {mmf_dose * MPS_PER_MMF:g} mg → {mps:g} mg MPS (180 mg tablet steps)"


def _mps_tablets(mps: float) -> tuple[TabletCount, ...]:
    big, small = MPS_TABLETS_MG
    n_big, rest = divmod(round(mps), round(big))
    n_small = round(rest / small)
    return tuple(TabletCount(Quantity(s, "mg"), n) for s, n in ((big, n_big), (small, n_small)) if n)


def _renal_unknown(product: Product, why: str) -> Finding:
    cap = product.renal_max_dose
    return Finding.of(
        "mycophenolate.renal-unknown",
        Severity.CAUTION,
        f"Renal function {why}: if eGFR < 25 mL/min/1.73 m², {product.short} must not exceed "
        f"{cap:g} mg twice daily. Check kidney function.",
        CELLCEPT_LABEL,
    )


@attrs.frozen
class _Pediatric:
    """A child's per-dose ceiling: min(mg/m² × BSA, the label's maximum), with its arithmetic."""

    max_dose: float
    arithmetic: str


def _pediatric(product: Product, patient: Patient) -> _Pediatric | None:
    age = patient.age_years
    if age >= ADULT_YEARS:
        return None
    bsa: float = patient.bsa().magnitude
    per_area = product.pediatric_mg_per_m2 * bsa
    cap = float(pediatric_ceiling_mg(bsa, product))
    arithmetic = (
        f"age {age:g} years (< 18): {product.pediatric_mg_per_m2:g} mg/m² × {bsa:.4f} m² (Mosteller) = {per_area:.1f} mg "
        f"twice daily, at most {product.pediatric_max_dose:g} mg twice daily → ceiling {cap:g} mg twice daily"
    )
    return _Pediatric(cap, arithmetic)


def _pediatric_findings(product: Product, child: _Pediatric | None, per_dose: float, per_day: float) -> list[Finding]:
    if child is None or (per_dose <= child.max_dose and per_day <= _mg(child.max_dose * MMF_DOSES_PER_DAY)):
        return []
    return [
        Finding.of(
            "mycophenolate.pediatric-dose",
            Severity.MAJOR,
            f"{per_dose:g} mg {product.short} per dose ({per_day:g} mg/day) is above the paediatric dose: "
            f"{child.arithmetic}. The seed plan's 1000–1500 mg twice daily is an adult dose.",
            product.pediatric_reference,
        )
    ]


def calculate_mycophenolate(
    patient: Patient, *, dose_per_administration: str | Qty = "1000 mg", egfr: str | Qty | None = None
) -> MycophenolatePlan:
    """An MMF twice-daily plan: dose forms, the MPS equivalent and the renal limit.

    ``dose_per_administration`` (mg, or 250 mg capsules / 500 mg tablets) must be
    a whole number of 250 mg and at most 1500 mg (3 g/day). With eGFR < 25
    (explicit ``egfr`` or CKD-EPI 2021 from the patient's creatinine) it is
    capped at 1000 mg, and the plan says so.
    """
    expect(patient, Patient, "patient")
    requested, requested_text = read_requested_mmf(dose_per_administration)
    kidney, kidney_text = known_egfr(patient, egfr)
    findings: list[Finding] = []
    dose = requested
    capped = False
    if kidney is None:
        findings.append(_renal_unknown(MMF, kidney_text))
        renal_note = "eGFR unknown: renal limit not assessed (if eGFR < 25, at most 1000 mg twice daily)"
        max_daily = MMF_MAX_DAILY_MG
    elif kidney.magnitude < SEVERE_RENAL_EGFR:
        max_daily = MMF_RENAL_MAX_DOSE_MG * MMF_DOSES_PER_DAY
        renal_note = f"eGFR {fmt_floor(kidney)} < 25 mL/min/1.73 m²: at most 1000 mg twice daily"
        if requested > MMF_RENAL_MAX_DOSE_MG:
            dose, capped = MMF_RENAL_MAX_DOSE_MG, True
            findings.append(
                Finding.of(
                    "mycophenolate.renal-cap-applied",
                    Severity.CAUTION,
                    f"Requested {requested:g} mg twice daily reduced to 1000 mg twice daily: eGFR "
                    f"{fmt_floor(kidney)} is below 25.",
                    CELLCEPT_LABEL,
                )
            )
    else:
        max_daily = MMF_MAX_DAILY_MG
        renal_note = f"eGFR {fmt_floor(kidney)} ≥ 25 mL/min/1.73 m²: no renal limit below 3 g/day"
    child = _pediatric(MMF, patient)
    findings += _pediatric_findings(MMF, child, dose, dose * MMF_DOSES_PER_DAY)
    # The plan's 1000–1500 mg twice daily is an adult range: a child's is the paediatric ceiling above.
    if dose < MMF.low and child is None:
        findings.append(
            Finding.of(
                "mycophenolate.below-range",
                Severity.CAUTION,
                f"{dose:g} mg twice daily is below the planned 1000–1500 mg twice daily; acceptable only as a titration step.",
                refs.SEED_PLAN,
            )
        )
    mps = _mps_equivalent_mg(dose)
    details = {
        "requested": f"{requested_text} twice daily",
        "daily": f"{dose:g} mg × 2 = {dose * 2:g} mg/day (maximum {max_daily:g} mg/day)",
        "eGFR": kidney_text,
        "MPS equivalent": _mps_equivalent_text(dose),
    }
    if child is not None:
        details["paediatric maximum"] = child.arithmetic
    return MycophenolatePlan(
        requested_dose=Quantity(requested, "mg"),
        dose_per_administration=Quantity(dose, "mg"),
        frequency="twice daily (BID)",
        daily_dose=Quantity(dose * MMF_DOSES_PER_DAY, "mg"),
        max_daily_dose=Quantity(max_daily, "mg"),
        egfr=kidney,
        renal_cap_applied=capped,
        renal_note=renal_note,
        mmf_forms=_forms(dose),
        mps_equivalent_per_administration=Quantity(mps, "mg"),
        mps_tablets=_mps_tablets(mps),
        findings=tuple(findings),
        details=tuple(details.items()),
    )


# ---------------------------------------------------------------- order checks


# units.count_of's arithmetic, on floats: both read by units.decimal_of, so that float noise
# (749.9999999999999) counts as whole; past 10^15 mg nothing counts. count_of on two mg
# Quantities was 70 µs of a 120 µs order check (issue 8); this is the same answer without them.
_MAX_COUNTED_MG = 1e15


def _is_multiple(mg: float, step_mg: float) -> bool:
    """Whether ``mg`` is a whole number of ``step_mg`` (a positive step), as count_of() counts it."""
    if not math.isfinite(mg) or abs(mg) > _MAX_COUNTED_MG:
        return False
    ratio = decimal_of(mg) / decimal_of(step_mg)
    return ratio == ratio.to_integral_value()


def _whole_unit_findings(product: Product, per_dose: float, order: Order) -> list[Finding]:
    """MAJOR when the dose is not whole tablets/capsules (never split: teratogen; MPS is enteric-coated)."""
    if product is MPS:
        if _is_multiple(per_dose, MPS_TABLETS_MG[1]):
            return []
        message = (
            f"{per_dose:g} mg of mycophenolate sodium (Myfortic) is not a whole number of 180 mg / 360 mg "
            "delayed-release tablets, which must not be crushed, chewed or cut."
        )
        if _is_multiple(per_dose, MMF_CAPSULE_MG):
            message += (
                f" {per_dose:g} mg is a mycophenolate mofetil (CellCept) dose: was the MMF dose written for Myfortic? "
                f"The MPS equivalent is {_mps_equivalent_text(per_dose)}; MPS and MMF are not interchangeable mg for mg."
            )
        return [Finding.of("mycophenolate.mps-not-whole-tablets", Severity.MAJOR, message, MYFORTIC_LABEL)]
    # An MMF dose in tablets/capsules is whole by construction (mmf_mg refuses fractions); IV MMF is dosed in mg.
    if order.route is not Route.ORAL or _is_multiple(per_dose, MMF_CAPSULE_MG):
        return []
    return [
        Finding.of(
            "mycophenolate.mmf-not-whole-units",
            Severity.MAJOR,
            f"{per_dose:g} mg of oral mycophenolate mofetil is not a whole number of 250 mg capsules / 500 mg tablets "
            "(not to be split, opened or crushed); order a multiple of 250 mg, or state the 200 mg/mL oral suspension "
            "if that is intended.",
            CELLCEPT_LABEL,
        )
    ]


def _is_bid(freq: Frequency) -> bool:
    return freq.interval_days == 1 and freq.times_per_day == MMF_DOSES_PER_DAY and freq.cycle_days is None


def _check(product: Product, per_dose: float, ordered_text: str, order: Order, patient: Patient) -> DoseCheck:
    freq = order.frequency
    findings: list[Finding] = []
    # Total on a day the drug is given: conservative for any schedule.
    per_day = _mg(per_dose * freq.times_per_day)
    details = {
        "ordered": f"{ordered_text} {freq.text}",
        "daily": f"{per_dose:g} mg × {freq.times_per_day} = {per_day:g} mg/day (maximum {product.daily_max:g} mg/day)",
    }
    if product is MPS:
        details["MMF equivalent"] = (
            f"{per_dose:g} mg MPS × 1000/720 = {per_dose * product.to_mmf:.0f} mg MMF (Myfortic US PI: 720 mg MPS ≈ 1000 mg MMF)"
        )
        findings.append(
            Finding.of(
                "mycophenolate.mps-conversion",
                Severity.INFO,
                "Mycophenolate sodium limits are the MMF limits × 720/1000 (720 mg MPS ≈ 1000 mg MMF); "
                "MPS and MMF are not interchangeable mg for mg.",
                MYFORTIC_LABEL,
            )
        )

    if order.route not in product.routes:
        allowed = " or ".join(sorted(r.value for r in product.routes))
        findings.append(
            Finding.of(
                "mycophenolate.route",
                Severity.CONTRAINDICATED,
                f"{product.name} is given {allowed}, not {order.route.value}.",
                product.reference,
            )
        )
    elif order.route is not Route.ORAL and not order.dose.is_compatible_with("mg"):  # not a mass
        # "4 capsules IV": capsules and tablets are swallowed; the IV product is dosed in mg.
        findings.append(
            Finding.of(
                "mycophenolate.form-route",
                Severity.MAJOR,
                f"{fmt(order.dose)} ordered {order.route.value}: capsules and tablets are oral forms; "
                f"order intravenous {product.short} in mg.",
                product.reference,
            )
        )
    findings += _whole_unit_findings(product, per_dose, order)
    if not _is_bid(freq):
        findings.append(
            Finding.of(
                "mycophenolate.not-bid",
                Severity.MAJOR,
                f"Frequency '{freq.text}': {product.name} is given twice daily.",
                refs.SEED_PLAN,
            )
        )

    high = product.high
    if per_day > product.daily_max:
        findings.append(
            Finding.of(
                "mycophenolate.above-max-daily",
                Severity.CONTRAINDICATED,
                f"{per_day:g} mg/day of {product.short} exceeds the maximum {product.daily_max:g} mg/day"
                + (" (3 g/day MMF × 720/1000)." if product is MPS else "."),
                CELLCEPT_LABEL,
            )
        )
    elif per_dose > high:
        findings.append(
            Finding.of(
                "mycophenolate.above-range",
                Severity.MAJOR,
                f"{per_dose:g} mg per dose is above the planned {product.low:g}–{high:g} mg twice daily.",
                refs.SEED_PLAN,
            )
        )

    kidney, details["eGFR"] = known_egfr(patient)
    if kidney is None:
        findings.append(_renal_unknown(product, details["eGFR"]))
    elif kidney.magnitude < SEVERE_RENAL_EGFR:
        high = product.renal_max_dose
        cap_day = _mg(product.renal_max_dose * MMF_DOSES_PER_DAY)
        details["renal limit"] = f"eGFR < 25: at most {high:g} mg twice daily = {cap_day:g} mg/day"
        if per_dose > product.renal_max_dose or per_day > cap_day:
            findings.append(
                Finding.of(
                    "mycophenolate.renal-cap",
                    Severity.CONTRAINDICATED,
                    f"eGFR {fmt_floor(kidney)} is below 25: {product.short} must not exceed "
                    f"{product.renal_max_dose:g} mg twice daily ({cap_day:g} mg/day); ordered {per_dose:g} mg, "
                    f"{per_day:g} mg/day"
                    + (" (1 g twice daily MMF × 720/1000)." if product is MPS else "."),
                    CELLCEPT_LABEL,
                )
            )

    child = _pediatric(product, patient)
    findings += _pediatric_findings(product, child, per_dose, per_day)
    # The plan's range is an adult range: a child's dose is judged by the paediatric ceiling above.
    if per_dose < product.low and child is None:
        findings.append(
            Finding.of(
                "mycophenolate.below-range",
                Severity.CAUTION,
                f"{per_dose:g} mg per dose is below the planned {product.low:g}–{product.high:g} mg twice daily "
                "(may be sub-therapeutic; acceptable as a titration step).",
                refs.SEED_PLAN,
            )
        )

    if child is not None:
        details["paediatric maximum"] = child.arithmetic
        cap = min(high, child.max_dose)
        recommended_mg = min(per_dose, cap)
        limits = "paediatric " + (f"{product.pediatric_mg_per_m2:g} mg/m² × BSA" if cap == child.max_dose else "and eGFR < 25")
        recommended = f"{product.short} at most {cap:g} mg twice daily ({limits} limit; the plan's range is for adults)"
    else:
        recommended_mg = min(max(per_dose, product.low), high)
        if high < product.high:
            recommended = f"{product.short} at most {high:g} mg twice daily (eGFR < 25 limit)"
        else:
            recommended = f"{product.short} {product.low:g}–{high:g} mg twice daily"
    return DoseCheck(Quantity(recommended_mg, "mg"), recommended, findings, details)


def _checked(order: Order, patient: Patient) -> None:
    expect(order, Order, "order")
    expect(patient, Patient, "patient")


def check_mmf_order(order: Order, patient: Patient) -> DoseCheck:
    """Check a mycophenolate mofetil order (mg, 250 mg capsules or 500 mg tablets)."""
    _checked(order, patient)
    per_dose, text = mmf_mg(order.dose)
    return _check(MMF, per_dose, text, order, patient)


def check_mps_order(order: Order, patient: Patient) -> DoseCheck:
    """Check a mycophenolate sodium (Myfortic) order, in mg."""
    _checked(order, patient)
    per_dose, text = mps_mg(order.dose)
    return _check(MPS, per_dose, text, order, patient)


__all__ = [
    "FormOption",
    "MycophenolatePlan",
    "TabletCount",
    "calculate_mycophenolate",
    "check_mmf_order",
    "check_mps_order",
    "mmf_mg",
    "mps_mg",
]


# ---------------------------------------------------------------- array kernels (the numpy batch path, dosing.batch)
# Added for the batch path: they restate calculate_mycophenolate's rules on arrays, and the
# property tests in tests/test_batch.py hold them equal to it element by element.

import numpy as np  # noqa: E402 - only the kernels below use numpy


def read_requested_mmf(dose: str | Qty, parameter: str = "dose_per_administration") -> tuple[float, str]:
    """A requested MMF dose in mg and as written; above 1500 mg or not whole capsules/tablets is refused."""
    requested, requested_text = mmf_mg(dose, parameter)
    if requested > MMF.high:
        raise DoseInputError(
            parameter,
            f"{requested:g} mg twice daily is {requested * 2:g} mg/day, above the 3 g/day maximum (CellCept US PI); "
            "the largest dose is 1500 mg twice daily",
        )
    if not _is_multiple(requested, MMF_CAPSULE_MG):
        raise DoseInputError(parameter, f"{requested:g} mg cannot be made from 250 mg capsules / 500 mg tablets")
    return requested, requested_text


def requested_mmf_mg(dose: str | Qty, parameter: str = "dose_per_administration") -> float:
    """A requested MMF dose in mg, refused exactly as :func:`calculate_mycophenolate` refuses it."""
    return read_requested_mmf(dose, parameter)[0]


def mmf_renal_capped_mg(requested_mg: npt.ArrayLike, egfr: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """(dose, capped): at most 1000 mg twice daily where eGFR < 25 (CellCept US PI); NaN eGFR = unknown, no cap."""
    requested = np.asarray(requested_mg, dtype=float)
    with np.errstate(invalid="ignore"):
        capped = (np.asarray(egfr, dtype=float) < SEVERE_RENAL_EGFR) & (requested > MMF_RENAL_MAX_DOSE_MG)
    return np.where(capped, MMF_RENAL_MAX_DOSE_MG, requested), capped


def pediatric_ceiling_mg(bsa_m2: npt.ArrayLike, product: Product = MMF) -> float | npt.NDArray[np.float64]:
    """A child's per-dose ceiling, scalar or array: min(whole mg of mg/m² × BSA, the label maximum).

    Whole mg, rounded down: the ceiling is never above the label's mg/m² × BSA.
    """
    per_area = product.pediatric_mg_per_m2 * np.asarray(bsa_m2, dtype=float)
    # Python's round per element, as _pediatric: numpy's round(x, 6) can differ in the last bit,
    # and floor turns that bit into a whole mg.
    floored = [math.floor(round(x, 6)) for x in per_area.ravel().tolist()]
    # A float (numpy's float64) for one BSA, an array for an array.
    ceiling: float | npt.NDArray[np.float64] = np.minimum(np.array(floored, dtype=float).reshape(per_area.shape), product.pediatric_max_dose)
    return ceiling
