"""Hydroxychloroquine: the plan's 200 mg twice daily, held under 5 mg/kg/day of actual weight.

Seed plan: "Maintain hydroxychloroquine 200 mg twice daily" (400 mg/day).
Retinal toxicity: the AAO 2016 recommendations (Marmor et al.) set the daily dose
at ≤ 5.0 mg/kg of *real* (actual) body weight, and allow the daily dose to be
averaged over the week (e.g. alternating doses); above it → MAJOR. Above 600 mg
on a dosing day is above the Plaquenil label's largest daily dose → CONTRAINDICATED.
Reduced kidney function (eGFR < 30, or the ``renal_impairment`` condition) raises
the retinopathy risk and calls for a lower dose → CAUTION, and no dose is computed.

One computation, ``_suggestion``, gives every suggested dose (the calculator's
suggested regimen, the order check's RECOMMENDED line and the "Suggest ..." of the
above-5-mg/kg finding):

* eGFR < 30 or ``renal_impairment``: none. The dose must be reduced below the
  requested dose with nephrology and ophthalmology input; the 5 mg/kg/day
  ceiling is given only as an upper bound, never as a target.
* otherwise, with the plan's 200 mg tablets (Plaquenil's strength), the largest of
  ``REGIMENS`` whose average is ≤ min(5 mg/kg/day × actual weight, the requested
  dose, 600 mg/day): 200 mg daily (200); 200 mg and 400 mg on alternate days (300);
  200 mg twice daily (400); 400 mg and 600 mg on alternate days (500); 600 mg daily
  in divided doses (600). Below a 200 mg/day average there is no tablet regimen
  (CAUTION, not computed).
* a requested dose within both limits that is not one of those averages (e.g.
  250 mg/day) is suggested as requested, never lower; 100, 300 and 400 mg tablets
  also exist (generic hydroxychloroquine sulfate, e.g. 300 mg Dr. Reddy's NDC 43598-132).

The order check's "requested" dose is the plan's 400 mg/day (the ordered average
when the kidneys call for a reduction: the dose to reduce from).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from dosing import references as refs
from dosing.findings import Finding, Severity
from dosing.input.fields import expect
from dosing.input.frequency import Frequency
from dosing.order import Order, Route
from dosing.patient import Patient, known_egfr
from dosing.units import (
    DoseInputError,
    Quantity,
    daily_amount,
    fmt,
    fmt_floor,
)
from dosing.verdict import DoseCheck

if TYPE_CHECKING:
    from dosing.units import Qty

AAO_2016 = refs.Reference(
    "aao-2016-hcq",
    "Marmor MF, Kellner U, Lai TYY, Melles RB, Mieler WF; American Academy of Ophthalmology. Recommendations on "
    "screening for chloroquine and hydroxychloroquine retinopathy (2016 revision). Ophthalmology 2016;123:1386-94 "
    "(≤ 5.0 mg/kg actual body weight per day; baseline fundus exam, annual screening after 5 years, sooner with "
    "major risk factors such as renal disease)",
)
PLAQUENIL_LABEL = refs.Reference(
    "plaquenil-uspi",
    "Plaquenil (hydroxychloroquine sulfate) US prescribing information: 200 mg tablets; lupus 200–400 mg daily; "
    "rheumatoid arthritis 400–600 mg daily (largest labelled daily dose for a rheumatic disease 600 mg; only the "
    "malaria regimens go higher); renal impairment may need dose reduction",
)

PLAN_DAILY_MG = 400.0  # Seed plan: 200 mg twice daily.
TABLET_MG = 200.0  # Plaquenil US PI.
MAX_MG_PER_KG_DAY = 5.0  # AAO 2016 (Marmor): ≤ 5.0 mg/kg actual weight per day.
LABEL_MAX_DAILY_MG = 600.0  # Plaquenil US PI: largest labelled daily dose for a rheumatic disease (RA).
LABEL_MIN_DAILY_MG = 200.0  # Plaquenil US PI lupus: 200–400 mg daily.
# mL/min/1.73 m²: below this, reduce dose. AAO 2016 names "renal disease (subnormal GFR)" a major
# retinopathy risk factor and the Plaquenil PI says renal impairment may need a lower dose; neither
# gives a number: 30 (CKD stage 4) is this tool's choice, and the renal_impairment condition covers milder disease.
RENAL_EGFR = 30.0
PLAUSIBLE_MAX_DAILY_MG = 2400.0
# Whole 200 mg tablet regimens, largest first: (average mg/day, how to take it). AAO 2016 (Marmor):
# the daily dose may be averaged over the week; 600 mg/day is the label's largest daily dose.
REGIMENS = (
    (600.0, "600 mg daily in divided doses (200 mg three times daily, 600 mg/day)"),
    (500.0, "400 mg and 600 mg on alternate days (200 mg two and three times daily, alternating; 500 mg/day average)"),
    (400.0, "200 mg twice daily (400 mg/day)"),
    (300.0, "200 mg and 400 mg on alternate days (200 mg once and twice daily, alternating; 300 mg/day average)"),
    (200.0, "200 mg once daily (200 mg/day)"),
)


@attrs.frozen
class HcqPlan:
    requested_daily_dose: Qty
    requested_dose_per_weight: Qty
    weight: Qty
    max_daily_dose: Qty
    suggested_daily_dose: Qty | None
    suggested_dose_per_weight: Qty | None
    suggested_regimen: str
    egfr: Qty | None
    findings: tuple[Finding, ...]
    details: tuple[tuple[str, str], ...]


def _daily_mg(value: str | Qty) -> float:
    mg: float = daily_amount(value, "daily_dose", maximum=PLAUSIBLE_MAX_DAILY_MG).magnitude
    return round(mg, 6)


def max_daily_mg(weight_kg: float) -> float:
    """5 mg/kg × actual weight (AAO 2016)."""
    return MAX_MG_PER_KG_DAY * weight_kg


def _within_limits(daily_mg: float, weight_kg: float) -> bool:
    return round(daily_mg / weight_kg, 9) <= MAX_MG_PER_KG_DAY and daily_mg <= LABEL_MAX_DAILY_MG


@attrs.frozen
class _Suggestion:
    daily_mg: float  # average mg/day; 0 when none is computed (renal reduction, or below one 200 mg tablet a day)
    regimen: str
    arithmetic: str
    renal: bool = False


def _renal_reason(patient: Patient, kidney: Qty | None) -> str | None:
    """Why the kidneys call for a reduced dose (eGFR < 30 or renal_impairment), or None."""
    if kidney is not None and kidney.magnitude < RENAL_EGFR:
        return f"eGFR {fmt_floor(kidney)} < 30"
    if patient.has("renal_impairment"):
        return "renal impairment"
    return None


def _suggestion(requested_mg: float, weight_kg: float, renal: str | None = None) -> _Suggestion:
    """The one suggested daily dose (see the module docstring)."""
    limit = max_daily_mg(weight_kg)
    if renal is not None:
        text = (
            f"none computed ({renal}): the dose must be reduced below the requested {requested_mg:g} mg/day, "
            "set with nephrology and ophthalmology input; the 5 mg/kg/day ceiling "
            f"(5 mg/kg × {weight_kg:.4g} kg = {limit:.1f} mg/day, and at most 600 mg/day) is only an upper bound, not a target"
        )
        upper = f"min(5 mg/kg × {weight_kg:.4g} kg = {limit:.1f}, 600) = {min(limit, LABEL_MAX_DAILY_MG):.1f} mg/day"
        return _Suggestion(0.0, text, f"{renal}: no dose computed; upper bound only, not a target: {upper}", renal=True)
    if _within_limits(requested_mg, weight_kg) and requested_mg not in dict(REGIMENS):
        return _Suggestion(
            requested_mg,
            f"{requested_mg:g} mg/day as requested (not a regimen of the plan's 200 mg tablets; "
            "check the strength dispensed can make it)",
            f"{requested_mg:g} mg/day ≤ 5 mg/kg × {weight_kg:.4g} kg = {limit:.1f} mg/day and ≤ 600 mg/day: as requested",
        )
    bound = min(limit, requested_mg, LABEL_MAX_DAILY_MG)
    arithmetic = f"min(5 mg/kg × {weight_kg:.4g} kg = {limit:.1f}, requested {requested_mg:g}, 600) = {bound:.1f} mg/day"
    for mg, regimen in REGIMENS:
        if mg <= requested_mg and _within_limits(mg, weight_kg):
            return _Suggestion(mg, regimen, f"{arithmetic} → largest 200 mg tablet regimen within it: {mg:g} mg/day average")
    return _Suggestion(
        0.0,
        "none computed: below one 200 mg tablet a day on average (an alternate-day or weekly scheme is needed)",
        f"{arithmetic} < 200 mg/day: no 200 mg tablet regimen",
    )


def _retinal_screening() -> Finding:
    return Finding.of(
        "hcq.retinal-screening",
        Severity.INFO,
        "Retinal screening: baseline fundus examination within the first year, then annual screening (SD-OCT and "
        "automated visual fields) after 5 years of use — from the start if there are major risk factors "
        "(dose > 5 mg/kg/day, renal disease, tamoxifen, macular disease).",
        AAO_2016,
    )


def _renal_findings(patient: Patient, kidney: Qty | None, unknown_why: str) -> list[Finding]:
    why = _renal_reason(patient, kidney)
    if why is not None:
        return [
            Finding.of(
                "hcq.renal",
                Severity.CAUTION,
                f"{why}: hydroxychloroquine accumulates and the retinopathy risk rises. The dose must be reduced, "
                "with nephrology and ophthalmology input (no dose is computed here; 5 mg/kg/day of actual weight is "
                "only an upper bound), and the retina screened annually from the start.",
                AAO_2016,
            )
        ]
    if kidney is None:
        return [
            Finding.of(
                "hcq.renal-unknown",
                Severity.CAUTION,
                f"Renal function {unknown_why}: reduced kidney function raises the hydroxychloroquine "
                "retinopathy risk and may need a lower dose. Check kidney function.",
                AAO_2016,
            )
        ]
    return []


def _dose_findings(average_mg: float, day_total_mg: float, weight_kg: float, suggestion: _Suggestion) -> list[Finding]:
    findings: list[Finding] = []
    per_kg = average_mg / weight_kg
    limit = max_daily_mg(weight_kg)
    if day_total_mg > LABEL_MAX_DAILY_MG:
        findings.append(
            Finding.of(
                "hcq.above-label-max",
                Severity.CONTRAINDICATED,
                f"{day_total_mg:g} mg/day is above 600 mg/day, the largest labelled daily dose.",
                PLAQUENIL_LABEL,
            )
        )
    if round(per_kg, 9) > MAX_MG_PER_KG_DAY:
        findings.append(
            Finding.of(
                "hcq.above-5-mg-kg",
                Severity.MAJOR,
                f"{average_mg:g} mg/day ÷ {weight_kg:.4g} kg = {per_kg:.2f} mg/kg/day is above 5 mg/kg/day of actual "
                f"body weight ({limit:.0f} mg/day): retinal toxicity risk. Suggest {_suggested_text(suggestion)}.",
                AAO_2016,
            )
        )
    return findings


def _suggested_text(suggestion: _Suggestion) -> str:
    if suggestion.daily_mg == 0 and not suggestion.renal:
        return "an alternate-day scheme (not computed here): 5 mg/kg/day is less than one 200 mg tablet a day"
    if suggestion.renal:
        return f"a reduced dose set with nephrology and ophthalmology input ({suggestion.regimen})"
    return suggestion.regimen


def _checked_patient(patient: object) -> Patient:
    return expect(patient, Patient, "patient")


def calculate_hydroxychloroquine(patient: Patient, *, daily_dose: str | Qty = "400 mg", egfr: str | Qty | None = None) -> HcqPlan:
    """mg/kg/day of the requested dose, the 5 mg/kg/day ceiling and a whole-tablet regimen under it."""
    _checked_patient(patient)
    requested = _daily_mg(daily_dose)
    weight: float = patient.weight.magnitude
    kidney, kidney_text = known_egfr(patient, egfr)
    limit = max_daily_mg(weight)
    suggestion = _suggestion(requested, weight, _renal_reason(patient, kidney))
    suggested = suggestion.daily_mg
    findings = _dose_findings(requested, requested, weight, suggestion)
    regimen = suggestion.regimen
    if suggested == 0 and not suggestion.renal:
        findings.append(
            Finding.of(
                "hcq.below-one-tablet",
                Severity.CAUTION,
                f"5 mg/kg × {weight:.4g} kg = {limit:.0f} mg/day is less than one 200 mg tablet a day; an alternate-day "
                "or weekly scheme is needed and is not computed here.",
                AAO_2016,
            )
        )
    findings += _renal_findings(patient, kidney, kidney_text)
    findings.append(_retinal_screening())
    details = {
        "requested": f"{requested:g} mg/day ÷ {weight:.4g} kg = {requested / weight:.2f} mg/kg/day",
        "5 mg/kg/day ceiling": f"5 mg/kg × {weight:.4g} kg (actual) = {limit:.1f} mg/day",
        "suggested": suggestion.arithmetic,
        "eGFR": kidney_text,
    }
    return HcqPlan(
        requested_daily_dose=Quantity(requested, "mg/day"),
        requested_dose_per_weight=Quantity(requested / weight, "mg/kg/day"),
        weight=patient.weight,
        max_daily_dose=Quantity(limit, "mg/day"),
        suggested_daily_dose=Quantity(suggested, "mg/day") if suggested else None,
        suggested_dose_per_weight=Quantity(suggested / weight, "mg/kg/day") if suggested else None,
        suggested_regimen=regimen,
        egfr=kidney,
        findings=tuple(findings),
        details=tuple(details.items()),
    )


def _ordered_mg(order: Order) -> float:
    dose = order.dose
    if dose.is_compatible_with("mg"):  # a mass: pint's check("[mass]"), by the memoised test (issue 8)
        return round(float(dose.to("mg").magnitude), 6)
    if dose.check("[tablet]"):
        raise DoseInputError(
            "dose", f"{fmt(dose)} of hydroxychloroquine is ambiguous (100, 200, 300 and 400 mg tablets exist); write the dose in mg"
        )
    raise DoseInputError("dose", f"hydroxychloroquine is ordered in mg, got {fmt(dose)}")


def _schedule(freq: Frequency, dose_mg: float) -> tuple[float, float, list[Finding]]:
    """(average mg/day, mg on a dosing day, findings about the frequency)."""
    day_total = dose_mg * freq.times_per_day
    if freq.interval_days is None or freq.cycle_days is not None or freq.count is not None:
        return day_total, day_total, [
            Finding.of(
                "hcq.frequency",
                Severity.MAJOR,
                f"Frequency '{freq.text}' is not a hydroxychloroquine regimen: the plan is 200 mg twice daily.",
                refs.SEED_PLAN,
            )
        ]
    average = day_total / freq.interval_days
    if freq.interval_days == 1:
        return average, day_total, []
    return average, day_total, [
        Finding.of(
            "hcq.non-daily",
            Severity.INFO,
            f"'{freq.text}': {day_total:g} mg every {freq.interval_days} days = {average:.4g} mg/day on average "
            "(the 5 mg/kg/day limit applies to the average).",
            AAO_2016,
        )
    ]


def check_hcq_order(order: Order, patient: Patient) -> DoseCheck:
    """Check a hydroxychloroquine order: oral, ≤ 600 mg/day, ≤ 5 mg/kg/day actual weight."""
    expect(order, Order, "order")
    _checked_patient(patient)
    dose_mg = _ordered_mg(order)
    weight: float = patient.weight.magnitude
    average, day_total, findings = _schedule(order.frequency, dose_mg)
    if order.route is not Route.ORAL:
        findings.insert(
            0,
            Finding.of(
                "hcq.route",
                Severity.CONTRAINDICATED,
                f"Hydroxychloroquine is an oral tablet only; '{order.route.value}' cannot be given.",
                PLAQUENIL_LABEL,
            ),
        )
    kidney, kidney_text = known_egfr(patient)
    renal = _renal_reason(patient, kidney)
    # The RECOMMENDED line and the finding's "Suggest ..." are this one suggestion: from the plan's 400 mg/day,
    # or, when the kidneys call for a reduction, none computed below the ordered average.
    suggestion = _suggestion(average if renal else PLAN_DAILY_MG, weight, renal)
    findings += _dose_findings(average, day_total, weight, suggestion)
    limit = max_daily_mg(weight)
    # With reduced kidney function a lower dose is what is asked for: no "sub-therapeutic" caution then.
    if average < LABEL_MIN_DAILY_MG and limit >= LABEL_MIN_DAILY_MG and renal is None:
        findings.append(
            Finding.of(
                "hcq.below-range",
                Severity.CAUTION,
                f"{average:.4g} mg/day is below 200 mg/day, the lowest labelled daily dose: may be sub-therapeutic.",
                PLAQUENIL_LABEL,
            )
        )
    findings += _renal_findings(patient, kidney, kidney_text)
    findings.append(_retinal_screening())
    recommended_dose: Qty | None
    if suggestion.daily_mg:
        recommended_dose = Quantity(TABLET_MG, "mg")
        recommended = f"hydroxychloroquine {suggestion.regimen} orally (plan 200 mg twice daily, ≤ 5 mg/kg/day)"
    elif suggestion.renal:
        recommended_dose = None
        recommended = f"hydroxychloroquine: {suggestion.regimen}"
    else:
        recommended_dose = None
        recommended = "alternate-day scheme needed (5 mg/kg/day is less than 200 mg/day); not computed"
    details = {
        "ordered": f"{dose_mg:g} mg {order.frequency.text}",
        "daily": f"{dose_mg:g} mg × {order.frequency.times_per_day} = {day_total:g} mg per dosing day; average {average:.4g} mg/day",
        "mg/kg/day": f"{average:.4g} mg ÷ {weight:.4g} kg (actual) = {average / weight:.2f} mg/kg/day",
        "5 mg/kg/day ceiling": f"5 mg/kg × {weight:.4g} kg = {limit:.1f} mg/day",
        "eGFR": kidney_text,
    }
    return DoseCheck(recommended_dose, recommended, findings, details)


__all__ = ["HcqPlan", "calculate_hydroxychloroquine", "check_hcq_order", "max_daily_mg"]
