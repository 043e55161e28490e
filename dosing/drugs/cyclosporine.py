"""Cyclosporine (modified, Neoral/Gengraf) for poor response: a mg/kg/day dose check.

Source: Neoral US prescribing information, rheumatoid arthritis dosing (the plan
names cyclosporine as an option for poor response; no myositis label exists, and
myositis practice uses the same low-dose range):

* start 2.5 mg/kg/day, taken as two divided doses (twice daily);
* may be increased by 0.5–0.75 mg/kg/day (after 8 and 12 weeks) to a maximum of
  4 mg/kg/day → above 4 mg/kg/day MAJOR (a label maximum, not a "do not give");
* above 5 mg/kg/day CONTRAINDICATED: the 1994 international consensus on
  cyclosporine in rheumatic disease (summarised by Dijkmans, Drugs 1995;50
  Suppl 1:41-7) says the daily dose must not exceed 5 mg/kg;
* other frequencies than twice daily → MAJOR (confirm).

Dosing weight: the label and the consensus give mg per kg of body weight with
no ideal- or adjusted-weight rule, so actual weight is used (said in details).
Ideal-weight dosing in obesity is sometimes advised for cyclosporine, but no
source for it was found here: not applied.

Kidney: "RA patients with abnormal renal function ... should not receive Neoral"
(Neoral PI, Contraindications, as quoted by secondary sources; the label gives
no eGFR threshold). Here eGFR < 30 (KDIGO G4–5, abnormal by any reading) is
CONTRAINDICATED; 30–59 (G3) MAJOR, confirm; unknown → CAUTION.

Blood pressure: uncontrolled hypertension is also a contraindication in RA/
psoriasis (same sentence of the label). dmdose has no hypertension condition
key, so every order carries a CAUTION to check blood pressure first.

Capsules: Neoral 25 mg and 100 mg soft gelatin capsules (also 100 mg/mL oral
solution): a dose that whole capsules cannot make → CAUTION with the nearest.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import attrs

from dosing import references as refs
from dosing.findings import Finding, Severity
from dosing.input.fields import expect
from dosing.order import Order, Route
from dosing.patient import Patient, known_egfr
from dosing.units import DoseInputError, Quantity, fmt, mg_of
from dosing.verdict import DoseCheck

if TYPE_CHECKING:
    from dosing.units import Qty

NEORAL_LABEL = refs.Reference(
    "neoral-uspi",
    "Neoral (cyclosporine capsules/oral solution, modified) US prescribing information: rheumatoid arthritis 2.5 mg/kg/day "
    "in two divided doses, may increase by 0.5-0.75 mg/kg/day to a maximum of 4 mg/kg/day; Contraindications (RA, "
    "psoriasis): abnormal renal function, uncontrolled hypertension, malignancies; 25 mg and 100 mg capsules",
)
CSA_CONSENSUS = refs.Reference(
    "csa-consensus-1994",
    "International consensus guidelines on cyclosporin in rheumatoid arthritis (1994), as summarised by Dijkmans BA. "
    "Drugs 1995;50 Suppl 1:41-7 (start 2.5-3.5 mg/kg/day, never more than 5 mg/kg/day; reduce the dose if serum "
    "creatinine rises > 30 % above baseline)",
)
KDIGO_CKD = refs.Reference(
    "kdigo-2012-ckd",
    "KDIGO 2012 Clinical Practice Guideline for the Evaluation and Management of CKD (GFR categories: G3a 45-59, "
    "G3b 30-44, G4 15-29, G5 < 15 mL/min/1.73 m²)",
)

# Neoral US PI (RA): 2.5 mg/kg/day start, 4 mg/kg/day maximum, twice daily.
START_MG_PER_KG_DAY = 2.5
LABEL_MAX_MG_PER_KG_DAY = 4.0
# 1994 international consensus: never above 5 mg/kg/day.
CONSENSUS_MAX_MG_PER_KG_DAY = 5.0
DOSES_PER_DAY = 2
# Neoral US PI, How Supplied: soft gelatin capsules 25 mg and 100 mg.
CAPSULE_STRENGTHS_MG = (100.0, 25.0)
CAPSULE_STEP_MG = 25.0
# KDIGO GFR categories: < 60 is G3 or worse (CKD by GFR alone); < 30 is G4–G5.
EGFR_ABNORMAL = 60.0
EGFR_SEVERE = 30.0
# A dose per administration above 30 mg/kg (far above any transplant dose) is a unit slip.
PLAUSIBLE_MAX_MG_PER_KG_DOSE = 30.0


@attrs.frozen
class CyclosporinePlan:
    """The starting dose: the mg/kg/day target, and the twice-daily dose whole capsules make of it.

    ``daily_dose`` is the target before rounding; ``rounded_daily_dose`` is what the capsules give
    in a day (``dose_per_administration`` × 2), so the two daily figures are never read as one.
    """

    daily_dose: Qty  # mg/day target (mg/kg/day × actual weight), before capsule rounding
    dose_per_administration: Qty  # whole capsules, twice daily
    rounded_daily_dose: Qty  # dose_per_administration × 2: what the patient takes in a day
    capsules: tuple[tuple[float, int], ...]  # (strength mg, count) per administration
    details: tuple[tuple[str, str], ...]


def _capsules(mg: float) -> tuple[tuple[float, int], ...]:
    big, small = CAPSULE_STRENGTHS_MG
    n_big = int(mg // big)
    n_small = round((mg - n_big * big) / small)
    return tuple((s, n) for s, n in ((big, n_big), (small, n_small)) if n)


def nearest_capsule_dose(mg: float) -> float:
    """The dose nearest ``mg`` that whole 25 mg steps (25 and 100 mg capsules) make; the lower one on a tie, at least 25 mg."""
    steps = mg / CAPSULE_STEP_MG
    lower = math.floor(steps + 1e-9)
    nearest = lower if steps - lower <= 0.5 + 1e-9 else lower + 1
    return max(nearest, 1) * CAPSULE_STEP_MG


def calculate_cyclosporine(patient: Patient, mg_per_kg_day: float = START_MG_PER_KG_DAY) -> CyclosporinePlan:
    """mg/kg/day × actual weight, split twice daily, each dose to whole capsules (never above the label maximum)."""
    expect(patient, Patient, "patient")
    if isinstance(mg_per_kg_day, bool) or not isinstance(mg_per_kg_day, (int, float)) or not (
        0 < mg_per_kg_day <= LABEL_MAX_MG_PER_KG_DAY
    ):
        raise DoseInputError("mg_per_kg_day", f"expected 0–{LABEL_MAX_MG_PER_KG_DAY:g} mg/kg/day (Neoral PI), got {mg_per_kg_day!r}")
    weight: float = patient.weight.to("kg").magnitude
    daily = mg_per_kg_day * weight
    half = daily / DOSES_PER_DAY
    dose = nearest_capsule_dose(half)
    # Rounding must never take the day above the label maximum: step down if it would.
    while dose * DOSES_PER_DAY > LABEL_MAX_MG_PER_KG_DAY * weight + 1e-9 and dose > CAPSULE_STEP_MG:
        dose -= CAPSULE_STEP_MG
    rounded_daily = dose * DOSES_PER_DAY
    details = {
        "dosing weight": f"{weight:.4g} kg (actual: the label doses per kg of body weight)",
        "daily": f"{mg_per_kg_day:g} mg/kg/day × {weight:.4g} kg = {daily:.1f} mg/day",
        "per dose": f"{daily:.1f} mg ÷ 2 = {half:.2f} mg twice daily → {dose:g} mg (nearest whole 25 mg capsule step)",
        "capsules": " + ".join(f"{n} × {s:g} mg" for s, n in _capsules(dose)) + " twice daily",
        # The target rounded to whole capsules: the daily dose the patient actually takes.
        "rounded daily": (
            f"{dose:g} mg × {DOSES_PER_DAY} = {rounded_daily:g} mg/day = {rounded_daily / weight:.2f} mg/kg/day "
            f"(the {daily:.1f} mg/day target to whole capsules)"
        ),
    }
    return CyclosporinePlan(
        daily_dose=Quantity(daily, "mg/day"),
        dose_per_administration=Quantity(dose, "mg"),
        rounded_daily_dose=Quantity(rounded_daily, "mg/day"),
        capsules=_capsules(dose),
        details=tuple(details.items()),
    )


def _ordered_mg(order: Order, weight: float) -> tuple[float, str]:
    read = mg_of(order.dose, weight)
    if read is None:
        raise DoseInputError(
            "dose", f"cyclosporine is ordered in mg (or mg/kg), got {fmt(order.dose)}; capsules are 25 or 100 mg: write the mg"
        )
    mg, per_kg = read
    text = f"{mg:g} mg" if per_kg is None else f"{per_kg:g} mg/kg × {weight:.4g} kg (actual) = {mg:.1f} mg"
    if mg <= 0 or mg > PLAUSIBLE_MAX_MG_PER_KG_DOSE * weight:
        raise DoseInputError("dose", f"{mg:g} mg of cyclosporine per dose is outside 0–{PLAUSIBLE_MAX_MG_PER_KG_DOSE:g} mg/kg")
    return mg, text


def _dose_findings(per_kg_day: float, daily_text: str) -> list[Finding]:
    if per_kg_day > CONSENSUS_MAX_MG_PER_KG_DAY + 1e-9:
        return [
            Finding.of(
                "cyclosporine.above-5-mg-kg-day",
                Severity.CONTRAINDICATED,
                f"{daily_text} is above 5 mg/kg/day, the dose the international consensus says never to exceed in "
                "rheumatic disease (label maximum 4 mg/kg/day).",
                CSA_CONSENSUS,
            )
        ]
    if per_kg_day > LABEL_MAX_MG_PER_KG_DAY + 1e-9:
        return [
            Finding.of(
                "cyclosporine.above-label-max",
                Severity.MAJOR,
                f"{daily_text} is above the label maximum of 4 mg/kg/day (Neoral PI, RA).",
                NEORAL_LABEL,
            )
        ]
    if per_kg_day > START_MG_PER_KG_DAY + 1e-9:
        return [
            Finding.of(
                "cyclosporine.above-starting-dose",
                Severity.INFO,
                f"{daily_text} is above the 2.5 mg/kg/day starting dose: the label raises the dose by 0.5-0.75 "
                "mg/kg/day only after 8 weeks, and again after 12 weeks, to at most 4 mg/kg/day.",
                NEORAL_LABEL,
            )
        ]
    return []


def _frequency_findings(order: Order) -> list[Finding]:
    freq = order.frequency
    if freq.interval_days == 1 and freq.times_per_day == DOSES_PER_DAY and freq.cycle_days is None:
        return []
    return [
        Finding.of(
            "cyclosporine.frequency",
            Severity.MAJOR,
            f"Frequency '{freq.text}': Neoral is given as two divided doses a day (twice daily); confirm the schedule.",
            NEORAL_LABEL,
        )
    ]


def _kidney_findings(patient: Patient) -> list[Finding]:
    egfr, how = known_egfr(patient)
    if egfr is None:
        return [
            Finding.of(
                "cyclosporine.renal-unknown",
                Severity.CAUTION,
                f"Kidney function unknown ({how}): the label says patients with abnormal renal function should not "
                "receive Neoral (RA/psoriasis). Measure serum creatinine (twice) before starting.",
                NEORAL_LABEL,
            )
        ]
    value = egfr.magnitude
    if value < EGFR_SEVERE:
        return [
            Finding.of(
                "cyclosporine.renal-abnormal",
                Severity.CONTRAINDICATED,
                f"eGFR {value:.0f} mL/min/1.73 m² ({how}) is abnormal renal function (KDIGO G4–G5): the label says "
                "patients with abnormal renal function should not receive Neoral.",
                NEORAL_LABEL,
            )
        ]
    if value < EGFR_ABNORMAL:
        return [
            Finding.of(
                "cyclosporine.renal-reduced",
                Severity.MAJOR,
                f"eGFR {value:.0f} mL/min/1.73 m² ({how}) is reduced (KDIGO G3): the label says patients with abnormal "
                "renal function should not receive Neoral, without a threshold — confirm with nephrology.",
                KDIGO_CKD,
            )
        ]
    return []


def _monitoring() -> list[Finding]:
    return [
        Finding.of(
            "cyclosporine.blood-pressure",
            # No hypertension condition key exists yet: the contraindication cannot be read, so it is asked for.
            Severity.CAUTION,
            "Check blood pressure before starting: uncontrolled hypertension is a contraindication to Neoral in RA/"
            "psoriasis; monitor it during treatment and treat or reduce the dose if it rises.",
            NEORAL_LABEL,
        ),
        Finding.of(
            "cyclosporine.creatinine-monitoring",
            Severity.INFO,
            "Monitor serum creatinine: reduce the dose if it rises more than 30 % above baseline (consensus; the label's "
            "own threshold was not confirmed here).",
            CSA_CONSENSUS,
        ),
    ]


def _capsule_findings(dose_mg: float) -> list[Finding]:
    if abs(dose_mg / CAPSULE_STEP_MG - round(dose_mg / CAPSULE_STEP_MG)) < 1e-9:
        return []
    nearest = nearest_capsule_dose(dose_mg)
    return [
        Finding.of(
            "cyclosporine.not-whole-capsules",
            Severity.CAUTION,
            f"{dose_mg:g} mg is not a whole number of 25 mg / 100 mg capsules: nearest {nearest:g} mg, or use the "
            "100 mg/mL oral solution for an exact dose.",
            NEORAL_LABEL,
        )
    ]


def check_cyclosporine_order(order: Order, patient: Patient) -> DoseCheck:
    """Check an oral cyclosporine (modified) order against 2.5–4 mg/kg/day twice daily (Neoral PI, RA)."""
    expect(order, Order, "order")
    expect(patient, Patient, "patient")
    weight: float = patient.weight.to("kg").magnitude
    dose_mg, ordered_text = _ordered_mg(order, weight)
    freq = order.frequency
    daily_mg = dose_mg * freq.times_per_day / (freq.interval_days or 1)
    per_kg_day = daily_mg / weight
    daily_text = f"{daily_mg:.1f} mg/day ÷ {weight:.4g} kg = {per_kg_day:.2f} mg/kg/day"
    findings: list[Finding] = []
    if order.route is not Route.ORAL:
        findings.append(
            Finding.of(
                "cyclosporine.route",
                Severity.MAJOR,
                f"'{order.route.value}': the rheumatology dose (2.5-4 mg/kg/day) is for oral Neoral; IV cyclosporine "
                "(Sandimmune injection) is dosed differently. Confirm the route.",
                NEORAL_LABEL,
            )
        )
    findings += _frequency_findings(order)
    findings += _dose_findings(per_kg_day, daily_text)
    if order.route is Route.ORAL:
        findings += _capsule_findings(dose_mg)
    findings += _kidney_findings(patient)
    findings += _monitoring()
    plan = calculate_cyclosporine(patient)
    details = {
        "ordered": f"{ordered_text} {freq.text}",
        "daily": daily_text,
        "dosing weight": f"{weight:.4g} kg (actual: the label doses per kg of body weight, no ideal-weight rule)",
        "start dose": dict(plan.details)["per dose"],
        "label range": "2.5 mg/kg/day start, at most 4 mg/kg/day (Neoral PI); never > 5 mg/kg/day (consensus)",
    }
    recommended = f"{plan.dose_per_administration.magnitude:g} mg orally twice daily (2.5 mg/kg/day, Neoral PI)"
    return DoseCheck(plan.dose_per_administration, recommended, findings, details)


__all__ = ["CyclosporinePlan", "calculate_cyclosporine", "check_cyclosporine_order", "nearest_capsule_dose"]
