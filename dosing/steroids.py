"""Prednisone: hold the seed plan's 5 mg daily, no lower while disease is active, no return to high doses.

Seed plan: "Continue prednisone 5 mg daily — do NOT taper further at this time
given active disease"; "Avoid increasing prednisone back to high doses; instead
rely on adding IVIG and optimizing methotrexate".

Thresholds on the daily dose, the EULAR 2002 glucocorticoid dose bands:

* below 5 mg/day while ``patient.disease_active`` → MAJOR (seed plan);
* above 5 and up to 7.5 mg/day (EULAR "low dose") → INFO: above the plan's 5 mg;
* above 7.5 and up to 30 mg/day (EULAR "medium dose") → CAUTION: the plan
  escalates IVIG and methotrexate rather than prednisone;
* above 30 mg/day (EULAR "high dose" and above) → MAJOR: the plan says to avoid
  returning to high doses.
"""

from __future__ import annotations

import attrs
import pint

from dosing import references as refs
from dosing.findings import Finding, Severity
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
# More than 1 g/day of oral prednisone is no order anyone means (pulses are IV methylprednisolone).
PLAUSIBLE_MAX_DAILY_MG = 1000.0


@attrs.frozen
class PrednisoneAssessment:
    daily_dose: pint.Quantity
    dose_per_weight: pint.Quantity
    plan_daily_dose: pint.Quantity
    caution_threshold: pint.Quantity
    major_threshold: pint.Quantity
    findings: tuple[Finding, ...]
    details: tuple[tuple[str, str], ...]


def _daily_mg(daily_dose) -> float:
    return daily_amount(daily_dose, "daily_dose", maximum=PLAUSIBLE_MAX_DAILY_MG).magnitude


def assess_prednisone(patient: Patient, daily_dose) -> PrednisoneAssessment:
    """Judge a total daily prednisone dose (mg, or mg/day) against the seed plan."""
    if not isinstance(patient, Patient):
        raise DoseInputError("patient", f"expected a Patient, got {type(patient).__name__}")
    mg = round(_daily_mg(daily_dose), 6)
    weight = patient.weight.magnitude
    per_kg = round(mg / weight, 9)  # reported for the pharmacist; the bands are on mg/day
    findings: list[Finding] = []

    if mg > MEDIUM_DOSE_MAX_MG:
        findings.append(
            Finding.of(
                "prednisone.high-dose",
                Severity.MAJOR,
                f"{mg:g} mg/day is a high dose (EULAR: > 30 mg/day). The plan says to avoid returning to high-dose "
                "prednisone and to rely on IVIG and methotrexate escalation instead.",
                EULAR_GC_NOMENCLATURE,
            )
        )
    elif mg > LOW_DOSE_MAX_MG:
        findings.append(
            Finding.of(
                "prednisone.medium-dose",
                Severity.CAUTION,
                f"{mg:g} mg/day is a medium dose (EULAR: > 7.5–30 mg/day), above the plan's 5 mg daily: "
                "the plan escalates IVIG and methotrexate rather than prednisone.",
                EULAR_GC_NOMENCLATURE,
            )
        )
    elif mg > PLAN_DAILY_MG:
        findings.append(
            Finding.of(
                "prednisone.above-plan",
                Severity.INFO,
                f"{mg:g} mg/day is above the plan's 5 mg daily (EULAR: ≤ 5 mg/day has an acceptably low long-term harm).",
                EULAR_GC_HARM,
            )
        )

    if mg < PLAN_DAILY_MG:
        if patient.disease_active:
            findings.append(
                Finding.of(
                    "prednisone.taper-below-5-active",
                    Severity.MAJOR,
                    f"{mg:g} mg/day tapers below 5 mg/day while the disease is active: the plan says continue "
                    "5 mg daily and do not taper below 5 mg until clear improvement is documented.",
                    refs.SEED_PLAN,
                )
            )
        else:
            findings.append(
                Finding.of(
                    "prednisone.taper-below-5",
                    Severity.INFO,
                    f"{mg:g} mg/day is below 5 mg/day; acceptable only once clear improvement is documented.",
                    refs.SEED_PLAN,
                )
            )

    if mg >= GIOP_DAILY_MG:
        findings.append(
            Finding.of(
                "prednisone.bone-protection",
                Severity.INFO,
                "Glucocorticoid ≥ 2.5 mg/day for more than 3 months: ensure adequate calcium and vitamin D intake and "
                "assess fracture risk (clinical risk factors, BMD with vertebral fracture assessment, FRAX if ≥ 40 years); "
                "offer osteoporosis treatment if risk is moderate or higher.",
                ACR_GIOP_2022,
            )
        )

    details = {
        "daily dose": f"{mg:g} mg/day",
        "dosing weight": f"{weight:.4g} kg (actual)",
        "mg/kg/day": f"{mg:g} mg ÷ {weight:.4g} kg = {per_kg:.3f} mg/kg/day",
        "caution above": f"{LOW_DOSE_MAX_MG:g} mg/day (EULAR medium dose)",
        "major above": f"{MEDIUM_DOSE_MAX_MG:g} mg/day (EULAR high dose)",
    }
    return PrednisoneAssessment(
        daily_dose=Quantity(mg, "mg/day"),
        dose_per_weight=Quantity(per_kg, "mg/kg/day"),
        plan_daily_dose=Quantity(PLAN_DAILY_MG, "mg/day"),
        caution_threshold=Quantity(LOW_DOSE_MAX_MG, "mg/day"),
        major_threshold=Quantity(MEDIUM_DOSE_MAX_MG, "mg/day"),
        findings=tuple(findings),
        details=tuple(details.items()),
    )


def _ordered_mg(order: Order, patient: Patient) -> tuple[float, str]:
    dose = order.dose
    if dose.check("[mass]"):
        mg = float(dose.to("mg").magnitude)
        return mg, f"{mg:g} mg"
    if dose.is_compatible_with("mg/kg"):  # tablets and capsules are dimensions of their own, never mg/kg
        per_kg = float(dose.to("mg/kg").magnitude)
        mg = per_kg * patient.weight.magnitude
        return mg, f"{per_kg:g} mg/kg × {patient.weight.magnitude:.4g} kg (actual) = {mg:.4g} mg"
    if dose.check("[tablet]"):
        raise DoseInputError(
            "dose", f"{fmt(dose)} of prednisone is ambiguous (tablets of 1, 2.5, 5, 10, 20 and 50 mg exist); write the dose in mg"
        )
    raise DoseInputError("dose", f"prednisone is ordered in mg (or mg/kg), got {fmt(dose)}")


def _checked_daily(daily_mg: float) -> float:
    # An implausible order is a typing error in the order's dose field: name that field.
    if daily_mg > PLAUSIBLE_MAX_DAILY_MG:
        raise DoseInputError(
            "dose", f"{daily_mg:g} mg/day of prednisone is above the plausible maximum {PLAUSIBLE_MAX_DAILY_MG:g} mg/day"
        )
    return daily_mg


def check_prednisone_order(order: Order, patient: Patient) -> DoseCheck:
    """Check a prednisone order against the plan: 5 mg daily, oral."""
    if not isinstance(order, Order):
        raise DoseInputError("order", f"expected an Order, got {type(order).__name__}")
    if not isinstance(patient, Patient):
        raise DoseInputError("patient", f"expected a Patient, got {type(patient).__name__}")
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
    if freq.interval_days == 1 and freq.cycle_days is None and freq.count is None:
        daily = dose_mg * freq.times_per_day
        daily_text = f"{dose_mg:g} mg × {freq.times_per_day} = {daily:g} mg/day"
        if freq.times_per_day > 1:
            findings.append(
                Finding.of(
                    "prednisone.split-daily",
                    Severity.INFO,
                    f"'{freq.text}' splits the daily dose; the plan's dose is one 5 mg dose each morning.",
                    refs.SEED_PLAN,
                )
            )
    elif freq.interval_days == 2 and freq.times_per_day == 1 and freq.cycle_days is None:
        daily = dose_mg / 2
        daily_text = f"{dose_mg:g} mg every other day = {daily:g} mg/day on average"
        findings.append(
            Finding.of(
                "prednisone.alternate-day",
                Severity.CAUTION,
                f"Alternate-day prednisone ({dose_mg:g} mg every other day, {daily:g} mg/day on average) is not the "
                "plan's 5 mg daily; make sure this is intended.",
                refs.SEED_PLAN,
            )
        )
    else:
        daily = dose_mg * freq.times_per_day
        daily_text = f"{dose_mg:g} mg × {freq.times_per_day} on each dosing day = {daily:g} mg"
        findings.append(
            Finding.of(
                "prednisone.frequency",
                Severity.MAJOR,
                f"Frequency '{freq.text}' is not a prednisone regimen: the plan is 5 mg once daily.",
                refs.SEED_PLAN,
            )
        )
    assessment = assess_prednisone(patient, Quantity(_checked_daily(daily), "mg"))
    # On alternate days the dose actually taken on a dosing day also counts for "high dose".
    if freq.interval_days == 2 and dose_mg != daily:
        peak = assess_prednisone(patient, Quantity(_checked_daily(dose_mg), "mg"))
        extra = [f for f in peak.findings if f.rule_id in ("prednisone.high-dose", "prednisone.medium-dose")]
        findings.extend(f for f in extra if f not in assessment.findings)
    findings.extend(assessment.findings)
    details = {"ordered": f"{ordered_text} {freq.text}", "daily": daily_text, **dict(assessment.details)}
    return DoseCheck(Quantity(PLAN_DAILY_MG, "mg"), "prednisone 5 mg orally once daily (seed plan)", findings, details)


__all__ = ["PrednisoneAssessment", "assess_prednisone", "check_prednisone_order"]
