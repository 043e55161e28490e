"""Prednisone: hold the seed plan's 5 mg daily, no lower while disease is active, no return to high doses.

Seed plan: "Continue prednisone 5 mg daily — do NOT taper further at this time
given active disease"; "Avoid increasing prednisone back to high doses; instead
rely on adding IVIG and optimizing methotrexate".

Thresholds, the EULAR 2002 glucocorticoid dose bands, on the dose taken on a
dosing day (for alternate days, what the patient swallows that day, worded
"120 mg every other day"); the plan's taper rule on the average daily dose:

* average below 5 mg/day while ``patient.disease_active`` → MAJOR (seed plan);
* above 5 and up to 7.5 mg/day (EULAR "low dose") → INFO: above the plan's 5 mg;
* above 7.5 and up to 30 mg/day (EULAR "medium dose") → CAUTION: the plan
  escalates IVIG and methotrexate rather than prednisone;
* above 30 and up to 100 mg/day (EULAR "high dose") → MAJOR: the plan says to
  avoid returning to high doses;
* above 100 mg/day (EULAR "very high dose") → CONTRAINDICATED: no oral prednisone
  order in this plan reaches it (the plan avoids high doses; pulse therapy,
  ≥ 250 mg/day, is IV methylprednisolone, a different order).

Oral doses are made of whole tablets (1, 2.5, 5, 10, 20, 50 mg, prednisone US PI):
a dose that no combination makes (e.g. 1 mg/kg × 68.04 kg = 68.04 mg) → CAUTION
with the nearest dose the tablets make.
"""

from __future__ import annotations

import attrs
import pint

from dosing import references as refs
from dosing.findings import Finding, Severity
from dosing.input.fields import expect
from dosing.order import Order, Route
from dosing.patient import Patient
from dosing.units import DoseInputError, Quantity, daily_amount, fmt
from dosing.verdict import DoseCheck

EULAR_GC_NOMENCLATURE = refs.Reference(
    "eular-2002-gc-nomenclature",
    "Buttgereit F et al. Standardised nomenclature for glucocorticoid dosages and glucocorticoid treatment regimens "
    "(EULAR). Ann Rheum Dis 2002;61:718-22 (low ≤ 7.5, medium > 7.5–30, high > 30–100, very high > 100 mg/day prednisone)",
)
EULAR_GC_HARM = refs.Reference(
    "eular-2016-gc-harm",
    "Strehl C et al. Defining conditions where long-term glucocorticoid treatment has an acceptably low level of harm: "
    "viewpoints from an EULAR task force. Ann Rheum Dis 2016;75:952-7 (≤ 5 mg/day acceptably low harm long term)",
)
ACR_GIOP_2022 = refs.Reference(
    "acr-2022-giop",
    "Humphrey MB et al. 2022 American College of Rheumatology Guideline for the Prevention and Treatment of "
    "Glucocorticoid-Induced Osteoporosis. Arthritis Care Res 2023;75:2405-19 (glucocorticoid ≥ 2.5 mg/day for > 3 months)",
)
PREDNISONE_LABEL = refs.Reference(
    "prednisone-uspi",
    "Prednisone tablets US prescribing information (oral tablets 1, 2.5, 5, 10, 20, 50 mg; oral solution)",
)

# Seed plan: continue 5 mg daily; do not taper below 5 mg while disease is active.
PLAN_DAILY_MG = 5.0
# EULAR 2002 bands (Buttgereit): low ≤ 7.5, medium > 7.5–30, high > 30 mg/day prednisone.
LOW_DOSE_MAX_MG = 7.5
MEDIUM_DOSE_MAX_MG = 30.0
# ACR 2022 GIOP: fracture-risk assessment for ≥ 2.5 mg/day for > 3 months.
GIOP_DAILY_MG = 2.5
# EULAR 2002: "very high dose" is > 100 mg/day prednisone equivalent.
HIGH_DOSE_MAX_MG = 100.0
# Prednisone US PI: tablet strengths, mg.
TABLET_STRENGTHS_MG = (50.0, 20.0, 10.0, 5.0, 2.5, 1.0)
# More than 1 g/day of oral prednisone is no order anyone means (pulses are IV methylprednisolone).
PLAUSIBLE_MAX_DAILY_MG = 1000.0


@attrs.frozen
class PrednisoneAssessment:
    daily_dose: pint.Quantity
    dose_per_weight: pint.Quantity
    plan_daily_dose: pint.Quantity
    caution_threshold: pint.Quantity
    major_threshold: pint.Quantity
    contraindicated_threshold: pint.Quantity
    findings: tuple[Finding, ...]
    details: tuple[tuple[str, str], ...]


def _mg_text(mg: float) -> str:
    """mg to 0.01 mg: '68.04', never the float's '68.0389' (no tablet or syringe measures that)."""
    return f"{round(mg, 2):g}"


def _tablet_combination(mg: float) -> tuple[float, ...] | None:
    """The fewest whole tablets (largest first) that make ``mg`` exactly, or None when none do."""
    units = round(mg * 2)  # half-mg units: every strength is a whole number of them
    if abs(units / 2 - mg) > 1e-6 or units <= 0:
        return None
    steps = [round(t * 2) for t in TABLET_STRENGTHS_MG]
    best: list[tuple[int, ...] | None] = [()] + [None] * units
    for u in range(1, units + 1):
        options = [best[u - t] + (t,) for t in steps if t <= u and best[u - t] is not None]
        best[u] = min(options, key=len) if options else None
    combo = best[units]
    return None if combo is None else tuple(sorted((t / 2 for t in combo), reverse=True))


def _nearest_tablet_dose(mg: float) -> tuple[float, tuple[float, ...]]:
    """The dose nearest ``mg`` that whole tablets make (the lower one on a tie), with its tablets."""
    centre = round(mg * 2)
    candidates = [u / 2 for u in range(max(centre - 3, 2), centre + 4)]
    made = [(abs(c - mg), c, _tablet_combination(c)) for c in candidates]
    _, dose, combo = min((m for m in made if m[2] is not None), key=lambda m: (m[0], m[1]))
    return dose, combo


def _whole_tablet_findings(dose_mg: float) -> list[Finding]:
    if _tablet_combination(dose_mg) is not None:
        return []
    nearest, combo = _nearest_tablet_dose(dose_mg)
    tablets = " + ".join(f"{t:g} mg" for t in combo)
    return [
        Finding.of(
            "prednisone.not-whole-tablets",
            Severity.CAUTION,
            f"{_mg_text(dose_mg)} mg is not a whole number of prednisone tablets (1, 2.5, 5, 10, 20, 50 mg): the nearest "
            f"dose the tablets make is {nearest:g} mg ({tablets}); order that, or the oral solution if an exact dose is intended.",
            PREDNISONE_LABEL,
        )
    ]


def _daily_mg(daily_dose) -> float:
    return daily_amount(daily_dose, "daily_dose", maximum=PLAUSIBLE_MAX_DAILY_MG).magnitude


@attrs.frozen
class _Basis:
    """What the rules judge: the EULAR bands on the dose taken on a dosing day, the taper rule on the average."""

    day_mg: float  # taken on one dosing day
    day_text: str  # "12 mg/day", "120 mg every other day", "5 mg on each dosing day ('weekly')"
    average_mg: float  # average mg/day
    average_text: str  # "12 mg/day", "60 mg/day on average (120 mg every other day)"
    daily: bool  # a daily schedule: the EULAR mg/day bands read as written


def _eular(band: str, basis: _Basis) -> str:
    # EULAR 2002 bands a day's prednisone: for a non-daily schedule, the amount taken on a dosing day.
    return f"EULAR: {band} mg/day" if basis.daily else f"EULAR: {band} mg in a day, applied to each dosing day"


def _band_findings(basis: _Basis) -> list[Finding]:
    mg, shown = basis.day_mg, basis.day_text
    if mg > HIGH_DOSE_MAX_MG:
        return [
            Finding.of(
                "prednisone.above-very-high",
                Severity.CONTRAINDICATED,
                f"{shown} of oral prednisone is a very high dose ({_eular('> 100', basis)}). The plan says to avoid "
                "high doses; pulse therapy (≥ 250 mg/day) is IV methylprednisolone, a different order. Check the dose.",
                EULAR_GC_NOMENCLATURE,
            )
        ]
    if mg > MEDIUM_DOSE_MAX_MG:
        return [
            Finding.of(
                "prednisone.high-dose",
                Severity.MAJOR,
                f"{shown} is a high dose ({_eular('> 30–100', basis)}). The plan says to avoid returning to high-dose "
                "prednisone and to rely on IVIG and methotrexate escalation instead.",
                EULAR_GC_NOMENCLATURE,
            )
        ]
    if mg > LOW_DOSE_MAX_MG:
        return [
            Finding.of(
                "prednisone.medium-dose",
                Severity.CAUTION,
                f"{shown} is a medium dose ({_eular('> 7.5–30', basis)}), above the plan's 5 mg daily: "
                "the plan escalates IVIG and methotrexate rather than prednisone.",
                EULAR_GC_NOMENCLATURE,
            )
        ]
    if mg > PLAN_DAILY_MG:
        return [
            Finding.of(
                "prednisone.above-plan",
                Severity.INFO,
                f"{shown} is above the plan's 5 mg daily (EULAR: ≤ 5 mg/day has an acceptably low long-term harm).",
                EULAR_GC_HARM,
            )
        ]
    return []


def _taper_findings(patient: Patient, basis: _Basis) -> list[Finding]:
    # Seed plan: "Do not taper prednisone below 5mg until clear improvement documented" — on the average daily dose.
    if basis.average_mg >= PLAN_DAILY_MG:
        return []
    if patient.disease_active:
        return [
            Finding.of(
                "prednisone.taper-below-5-active",
                Severity.MAJOR,
                f"{basis.average_text} tapers below 5 mg/day while the disease is active: the plan says continue "
                "5 mg daily and do not taper below 5 mg until clear improvement is documented.",
                refs.SEED_PLAN,
            )
        ]
    return [
        Finding.of(
            "prednisone.taper-below-5",
            Severity.INFO,
            f"{basis.average_text} is below 5 mg/day; acceptable only once clear improvement is documented.",
            refs.SEED_PLAN,
        )
    ]


def _bone_findings(basis: _Basis) -> list[Finding]:
    # ACR 2022 GIOP: ≥ 2.5 mg/day for > 3 months — exposure, so the average daily dose.
    if basis.average_mg < GIOP_DAILY_MG:
        return []
    return [
        Finding.of(
            "prednisone.bone-protection",
            Severity.INFO,
            "Glucocorticoid ≥ 2.5 mg/day for more than 3 months: ensure adequate calcium and vitamin D intake and "
            "assess fracture risk (clinical risk factors, BMD with vertebral fracture assessment, FRAX if ≥ 40 years); "
            "offer osteoporosis treatment if risk is moderate or higher.",
            ACR_GIOP_2022,
        )
    ]


def _judge(patient: Patient, basis: _Basis) -> list[Finding]:
    """Every dose finding, each once: bands on the dosing day, taper and bone advice on the average."""
    return _band_findings(basis) + _taper_findings(patient, basis) + _bone_findings(basis)


def _thresholds() -> dict[str, str]:
    return {
        "caution above": f"{LOW_DOSE_MAX_MG:g} mg/day (EULAR medium dose)",
        "major above": f"{MEDIUM_DOSE_MAX_MG:g} mg/day (EULAR high dose)",
        "contraindicated above": f"{HIGH_DOSE_MAX_MG:g} mg/day (EULAR very high dose)",
    }


def assess_prednisone(patient: Patient, daily_dose) -> PrednisoneAssessment:
    """Judge a total daily prednisone dose (mg, or mg/day) against the seed plan."""
    expect(patient, Patient, "patient")
    mg = round(_daily_mg(daily_dose), 6)
    weight = patient.weight.magnitude
    per_kg = round(mg / weight, 9)  # reported for the pharmacist; the bands are on mg/day
    shown = _mg_text(mg)
    findings = _judge(patient, _Basis(mg, f"{shown} mg/day", mg, f"{shown} mg/day", daily=True))
    details = {
        "daily dose": f"{shown} mg/day",
        "dosing weight": f"{weight:.4g} kg (actual)",
        "mg/kg/day": f"{shown} mg ÷ {weight:.4g} kg = {per_kg:.3f} mg/kg/day",
        **_thresholds(),
    }
    return PrednisoneAssessment(
        daily_dose=Quantity(mg, "mg/day"),
        dose_per_weight=Quantity(per_kg, "mg/kg/day"),
        plan_daily_dose=Quantity(PLAN_DAILY_MG, "mg/day"),
        caution_threshold=Quantity(LOW_DOSE_MAX_MG, "mg/day"),
        major_threshold=Quantity(MEDIUM_DOSE_MAX_MG, "mg/day"),
        contraindicated_threshold=Quantity(HIGH_DOSE_MAX_MG, "mg/day"),
        findings=tuple(findings),
        details=tuple(details.items()),
    )


def _ordered_mg(order: Order, patient: Patient) -> tuple[float, str]:
    dose = order.dose
    if dose.check("[mass]"):
        mg = float(dose.to("mg").magnitude)
        return mg, f"{_mg_text(mg)} mg"
    if dose.is_compatible_with("mg/kg"):  # tablets and capsules are dimensions of their own, never mg/kg
        per_kg = float(dose.to("mg/kg").magnitude)
        mg = per_kg * patient.weight.magnitude
        return mg, f"{per_kg:g} mg/kg × {patient.weight.magnitude:.4g} kg (actual) = {_mg_text(mg)} mg"
    if dose.check("[tablet]"):
        raise DoseInputError(
            "dose", f"{fmt(dose)} of prednisone is ambiguous (tablets of 1, 2.5, 5, 10, 20 and 50 mg exist); write the dose in mg"
        )
    raise DoseInputError("dose", f"prednisone is ordered in mg (or mg/kg), got {fmt(dose)}")


def _checked_daily(daily_mg: float) -> float:
    # An implausible order is a typing error in the order's dose field: name that field.
    if daily_mg > PLAUSIBLE_MAX_DAILY_MG:
        raise DoseInputError(
            "dose", f"{_mg_text(daily_mg)} mg/day of prednisone is above the plausible maximum {PLAUSIBLE_MAX_DAILY_MG:g} mg/day"
        )
    return daily_mg


def _schedule_basis(freq, dose_mg: float, patient: Patient) -> tuple[_Basis, dict[str, str], list[Finding]]:
    """The basis the rules judge, the arithmetic, and the findings about the schedule itself."""
    dose_text = _mg_text(dose_mg)
    weight = patient.weight.magnitude
    day = _checked_daily(dose_mg * freq.times_per_day)  # taken on one dosing day
    day_shown = _mg_text(day)
    if freq.interval_days == 1 and freq.cycle_days is None and freq.count is None:
        details = {
            "daily": f"{dose_text} mg × {freq.times_per_day} = {day_shown} mg/day",
            "daily dose": f"{day_shown} mg/day",
            "mg/kg/day": f"{day_shown} mg ÷ {weight:.4g} kg = {day / weight:.3f} mg/kg/day",
        }
        findings = []
        if freq.times_per_day > 1:
            findings.append(
                Finding.of(
                    "prednisone.split-daily",
                    Severity.INFO,
                    f"'{freq.text}' splits the daily dose; the plan's dose is one 5 mg dose each morning.",
                    refs.SEED_PLAN,
                )
            )
        return _Basis(day, f"{day_shown} mg/day", day, f"{day_shown} mg/day", daily=True), details, findings
    if freq.interval_days == 2 and freq.times_per_day == 1 and freq.cycle_days is None:
        average = dose_mg / 2
        day_text = f"{dose_text} mg every other day"
        average_text = f"{_mg_text(average)} mg/day on average ({day_text})"
        details = {
            "daily": f"{day_text} = {_mg_text(average)} mg/day on average",
            "daily dose": average_text,
            "mg/kg/day": f"{dose_text} mg ÷ {weight:.4g} kg = {dose_mg / weight:.3f} mg/kg on each dosing day",
        }
        finding = Finding.of(
            "prednisone.alternate-day",
            Severity.CAUTION,
            f"Alternate-day prednisone ({day_text}, {_mg_text(average)} mg/day on average) is not the "
            "plan's 5 mg daily; make sure this is intended.",
            refs.SEED_PLAN,
        )
        return _Basis(day, day_text, average, average_text, daily=False), details, [finding]
    # Weekly, cycles, single doses: not a prednisone regimen. The bands judge a dosing day's amount; the taper
    # rule the average over the schedule (a single dose has none: its dosing day stands in).
    if freq.interval_days is None:
        average = day
    elif freq.cycle_days is not None:
        average = day * freq.count / freq.cycle_days
    else:
        average = day / freq.interval_days
    day_text = f"{day_shown} mg on each dosing day ('{freq.text}')"
    average_text = f"{_mg_text(average)} mg/day on average ({day_text})"
    details = {
        "daily": f"{dose_text} mg × {freq.times_per_day} on each dosing day = {day_shown} mg",
        "daily dose": (
            f"not a daily regimen: {day_shown} mg on each dosing day ('{freq.text}'), "
            f"{_mg_text(average)} mg/day on average; the EULAR bands are applied to the amount of a dosing day"
        ),
        "mg/kg/day": f"{day_shown} mg ÷ {weight:.4g} kg = {day / weight:.3f} mg/kg on each dosing day",
    }
    finding = Finding.of(
        "prednisone.frequency",
        Severity.MAJOR,
        f"Frequency '{freq.text}' is not a prednisone regimen: the plan is 5 mg once daily.",
        refs.SEED_PLAN,
    )
    return _Basis(day, day_text, average, average_text, daily=False), details, [finding]


def check_prednisone_order(order: Order, patient: Patient) -> DoseCheck:
    """Check a prednisone order against the plan: 5 mg daily, oral.

    One basis for every schedule: the EULAR bands on the dose taken on a dosing day,
    the plan's taper-below-5 rule (and the GIOP bone advice) on the average daily dose.
    """
    expect(order, Order, "order")
    expect(patient, Patient, "patient")
    freq = order.frequency
    dose_mg, ordered_text = _ordered_mg(order, patient)
    findings: list[Finding] = []
    if order.route is not Route.ORAL:
        findings.append(
            Finding.of(
                "prednisone.route",
                Severity.CONTRAINDICATED,
                f"Prednisone is an oral drug only; '{order.route.value}' cannot be given "
                "(a parenteral steroid is a different drug and dose, e.g. methylprednisolone).",
                PREDNISONE_LABEL,
            )
        )
    basis, arithmetic, schedule_findings = _schedule_basis(freq, dose_mg, patient)
    findings += schedule_findings
    findings += _judge(patient, basis)
    if order.route is Route.ORAL:
        # After the plausibility check in _schedule_basis: dose_mg is at most 1000 mg here.
        findings += _whole_tablet_findings(dose_mg)
    weight = patient.weight.magnitude
    details = {
        "ordered": f"{ordered_text} {freq.text}",
        "daily": arithmetic["daily"],
        "daily dose": arithmetic["daily dose"],
        "dosing weight": f"{weight:.4g} kg (actual)",
        "mg/kg/day": arithmetic["mg/kg/day"],
        **_thresholds(),
    }
    return DoseCheck(Quantity(PLAN_DAILY_MG, "mg"), "prednisone 5 mg orally once daily (seed plan)", findings, details)


__all__ = ["PrednisoneAssessment", "assess_prednisone", "check_prednisone_order"]
