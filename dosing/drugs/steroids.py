"""Systemic glucocorticoids, judged in prednisone equivalents against the seed plan.

Prednisone, prednisolone, methylprednisolone, dexamethasone and hydrocortisone
are each converted to a prednisone-equivalent dose (see ``GLUCOCORTICOIDS``),
and the plan's rules apply to that dose whichever steroid is ordered:
hold 5 mg daily, no lower while the disease is active, no return to high doses.
An IV methylprednisolone pulse (a bounded daily course) is judged as a pulse,
not by the daily bands (see ``_pulse_findings``).

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

from typing import TYPE_CHECKING, TypedDict

import attrs

from dosing import references as refs
from dosing.body import ADULT_YEARS
from dosing.findings import Finding, Severity
from dosing.input.fields import expect
from dosing.order import Order, Route
from dosing.patient import Patient
from dosing.units import DoseInputError, Quantity, daily_amount, fmt, memo, mg_of
from dosing.verdict import DoseCheck

if TYPE_CHECKING:
    from dosing.input.frequency import Frequency
    from dosing.units import Qty

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

# Equivalence of anti-inflammatory (glucocorticoid) potency, oral or IV: 5 mg prednisone =
# 5 mg prednisolone = 4 mg methylprednisolone = 0.75 mg dexamethasone = 20 mg hydrocortisone.
# The standard table (e.g. Liu D et al., Allergy Asthma Clin Immunol 2013;9:30, Table 1); the
# prednisolone US PI states the same ratios as "15 mg prednisolone = 12 mg methylprednisolone =
# 2.25 mg dexamethasone = 60 mg hydrocortisone" — quoted thus by secondary sources found with the
# search tool; the label page itself and Liu's table were not read in full here.
GC_EQUIVALENCE = refs.Reference(
    "gc-equivalence-table",
    "Glucocorticoid equivalent doses (anti-inflammatory potency): prednisone 5 mg = prednisolone 5 mg = "
    "methylprednisolone 4 mg = dexamethasone 0.75 mg = hydrocortisone 20 mg (prednisolone US PI, Dosage and "
    "Administration equivalence statement; Liu D et al. Allergy Asthma Clin Immunol 2013;9:30, Table 1)",
)
ETG_MYOSITIS_PULSE = refs.Reference(
    "etg-myositis-pulse",
    "Therapeutic Guidelines (Australia), Rheumatology: idiopathic inflammatory myopathies — severe disease: "
    "methylprednisolone sodium succinate 0.5 to 1 g IV over 1 hour daily for 3 days, then oral prednis(ol)one",
)
SOLU_MEDROL_LABEL = refs.Reference(
    "solu-medrol-uspi",
    "Solu-Medrol (methylprednisolone sodium succinate) US prescribing information: high-dose therapy 30 mg/kg IV "
    "over at least 30 minutes, may be repeated every 4-6 hours for 48 hours, usually not beyond 48-72 hours; "
    "Warnings: cardiac arrhythmias/arrest after more than 0.5 g given IV in less than 10 minutes",
)
GC_LABELS = refs.Reference(
    "systemic-glucocorticoid-uspi",
    "US prescribing information: prednisolone (oral tablets and solutions), Medrol tablets and Solu-Medrol "
    "injection (methylprednisolone), dexamethasone tablets and injection, Cortef tablets and Solu-Cortef injection "
    "(hydrocortisone)",
)
RITUXAN_PREMEDICATION = refs.Reference(
    "rituxan-uspi-premedication",
    "Rituxan (rituximab) US prescribing information, GPA/MPA: methylprednisolone 100 mg IV 30 minutes before each "
    "infusion; methylprednisolone 1000 mg IV daily for 1 to 3 days before the first infusion",
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
# Prednisone-equivalent mg that the other steroids are converted to.
PREDNISONE_EQUIVALENT_MG = 5.0
# EULAR 2002 (Buttgereit): "pulse therapy" is ≥ 250 mg prednisone equivalent a day, given for one
# or a few days. Here: IV methylprednisolone, once daily, one to five days (a bounded course).
PULSE_MIN_PREDNISONE_MG = 250.0
PULSE_MAX_DAYS = 5
# Therapeutic Guidelines (eTG) myositis pulse: 0.5-1 g IV methylprednisolone daily for 3 days.
MYOSITIS_PULSE_MG = (500.0, 1000.0)
MYOSITIS_PULSE_DAYS = 3
# Children: 30 mg/kg per pulse dose (Solu-Medrol US PI high-dose therapy; SHARE 2017 juvenile DM:
# 15-30 mg/kg, maximum 1 g — the SHARE figure is as quoted by secondary sources, not read here).
PULSE_MAX_MG_PER_KG = 30.0
# A single IV methylprednisolone dose up to 100 mg is the Rituxan premedication (Rituxan US PI).
PREMEDICATION_MP_MG = 100.0
# Plausibility: 30 mg/kg × 350 kg (body.py's weight limit) is 10.5 g of methylprednisolone, the
# largest labelled high-dose; in prednisone equivalents 13 125 mg/day. Above it is a unit slip.
PLAUSIBLE_MAX_PREDNISONE_EQ_MG = 13_125.0  # per administration


@attrs.frozen
class Glucocorticoid:
    """One systemic glucocorticoid: how many mg of it match 5 mg of prednisone, and its routes."""

    name: str  # canonical name (interactions/drugs.toml)
    equivalent_mg: float  # mg ≈ 5 mg prednisone (GC_EQUIVALENCE)
    routes: tuple[Route, ...]  # the routes of its US systemic products (GC_LABELS)

    def prednisone_mg(self, mg: float) -> float:
        return mg * PREDNISONE_EQUIVALENT_MG / self.equivalent_mg

    def arithmetic(self, mg: float) -> str:
        """'40 mg methylprednisolone × 5/4 = 50 mg prednisone equivalent' — the conversion as re-checked."""
        return (
            f"{_mg_text(mg)} mg {self.name} × {PREDNISONE_EQUIVALENT_MG:g}/{self.equivalent_mg:g} = "
            f"{_mg_text(self.prednisone_mg(mg))} mg prednisone equivalent"
        )


_ORAL, _IV, _IM = Route.ORAL, Route.INTRAVENOUS, Route.INTRAMUSCULAR
# GC_EQUIVALENCE for the mg; GC_LABELS for the routes: prednisolone is oral only in the US
# (tablets, solutions, ODT); Medrol tablets / Solu-Medrol IV or IM; dexamethasone tablets and
# injection (IV or IM); Cortef tablets / Solu-Cortef IV or IM.
GLUCOCORTICOIDS = {
    "prednisone": Glucocorticoid("prednisone", 5.0, (_ORAL,)),
    "prednisolone": Glucocorticoid("prednisolone", 5.0, (_ORAL,)),
    "methylprednisolone": Glucocorticoid("methylprednisolone", 4.0, (_ORAL, _IV, _IM)),
    "dexamethasone": Glucocorticoid("dexamethasone", 0.75, (_ORAL, _IV, _IM)),
    "hydrocortisone": Glucocorticoid("hydrocortisone", 20.0, (_ORAL, _IV, _IM)),
}


@attrs.frozen
class PrednisoneAssessment:
    daily_dose: Qty
    dose_per_weight: Qty
    plan_daily_dose: Qty
    caution_threshold: Qty
    major_threshold: Qty
    contraindicated_threshold: Qty
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
    tablets: tuple[float, ...] | None = _fewest_tablets(units)
    return tablets


# The search grows with the dose (7 ms for 1000 mg, 50 ms for a dose between tablets, which tries 7
# neighbours): each count of half-mg units is searched once per process (issue 8). Plausible doses
# stay under 1000 mg (2000 units), so the memo holds them all.
@memo(maxsize=4096)
def _fewest_tablets(units: int) -> tuple[float, ...] | None:
    steps = [round(t * 2) for t in TABLET_STRENGTHS_MG]
    best: list[tuple[int, ...] | None] = [()] + [None] * units
    for u in range(1, units + 1):
        options = [previous + (t,) for t in steps if t <= u and (previous := best[u - t]) is not None]
        best[u] = min(options, key=len) if options else None
    combo = best[units]
    return None if combo is None else tuple(sorted((t / 2 for t in combo), reverse=True))


def _nearest_tablet_dose(mg: float) -> tuple[float, tuple[float, ...]]:
    """The dose nearest ``mg`` that whole tablets make (the lower one on a tie), with its tablets."""
    centre = round(mg * 2)
    candidates = [u / 2 for u in range(max(centre - 3, 2), centre + 4)]
    made = [(abs(c - mg), c, tablets) for c in candidates if (tablets := _tablet_combination(c)) is not None]
    _, dose, combo = min(made, key=lambda m: (m[0], m[1]))
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


def _daily_mg(daily_dose: str | Qty) -> float:
    mg: float = daily_amount(daily_dose, "daily_dose", maximum=PLAUSIBLE_MAX_DAILY_MG).magnitude
    return mg


class _Wording(TypedDict):
    """How a steroid other than prednisone is named in its findings (the wording fields of _Basis)."""

    rule: str
    of_drug: str
    plan_noun: str


@attrs.frozen
class _Basis:
    """What the rules judge: the EULAR bands on the dose taken on a dosing day, the taper rule on the average."""

    day_mg: float  # taken on one dosing day
    day_text: str  # "12 mg/day", "120 mg every other day", "5 mg on each dosing day ('weekly')"
    average_mg: float  # average mg/day
    average_text: str  # "12 mg/day", "60 mg/day on average (120 mg every other day)"
    daily: bool  # a daily schedule: the EULAR mg/day bands read as written
    # Which steroid, in the rule ids and the wording ("prednisone", "methylprednisolone"...).
    rule: str = "prednisone"
    of_drug: str = " of oral prednisone"  # after the dose in the very-high message
    plan_noun: str = "prednisone"  # what the plan avoids returning to high doses of
    # The very-high band blocks only an open-ended regimen; a single dose or a bounded course
    # above it is MAJOR (a dose to confirm, not a regimen the plan forbids).
    may_block: bool = True
    # The taper rule and the GIOP bone advice judge maintenance, not a single dose or a short course.
    maintenance: bool = True


def _eular(band: str, basis: _Basis) -> str:
    # EULAR 2002 bands a day's prednisone: for a non-daily schedule, the amount taken on a dosing day.
    return f"EULAR: {band} mg/day" if basis.daily else f"EULAR: {band} mg in a day, applied to each dosing day"


def _band_findings(basis: _Basis) -> list[Finding]:
    mg, shown, rule = basis.day_mg, basis.day_text, basis.rule
    if mg > HIGH_DOSE_MAX_MG:
        severity = Severity.CONTRAINDICATED if basis.may_block else Severity.MAJOR
        return [
            Finding.of(
                f"{rule}.above-very-high",
                severity,
                f"{shown}{basis.of_drug} is a very high dose ({_eular('> 100', basis)}). The plan says to avoid "
                "high doses; pulse therapy (≥ 250 mg/day) is IV methylprednisolone, a different order. Check the dose.",
                EULAR_GC_NOMENCLATURE,
            )
        ]
    if mg > MEDIUM_DOSE_MAX_MG:
        return [
            Finding.of(
                f"{rule}.high-dose",
                Severity.MAJOR,
                f"{shown} is a high dose ({_eular('> 30–100', basis)}). The plan says to avoid returning to high-dose "
                f"{basis.plan_noun} and to rely on IVIG and methotrexate escalation instead.",
                EULAR_GC_NOMENCLATURE,
            )
        ]
    if mg > LOW_DOSE_MAX_MG:
        return [
            Finding.of(
                f"{rule}.medium-dose",
                Severity.CAUTION,
                f"{shown} is a medium dose ({_eular('> 7.5–30', basis)}), above the plan's 5 mg daily: "
                f"the plan escalates IVIG and methotrexate rather than {basis.plan_noun}.",
                EULAR_GC_NOMENCLATURE,
            )
        ]
    if mg > PLAN_DAILY_MG:
        return [
            Finding.of(
                f"{rule}.above-plan",
                Severity.INFO,
                f"{shown} is above the plan's 5 mg daily (EULAR: ≤ 5 mg/day has an acceptably low long-term harm).",
                EULAR_GC_HARM,
            )
        ]
    return []


def _taper_findings(patient: Patient, basis: _Basis) -> list[Finding]:
    # Seed plan: "Do not taper prednisone below 5mg until clear improvement documented" — on the average daily
    # dose, in prednisone equivalents for every systemic glucocorticoid.
    if basis.average_mg >= PLAN_DAILY_MG or not basis.maintenance:
        return []
    if patient.disease_active:
        return [
            Finding.of(
                f"{basis.rule}.taper-below-5-active",
                Severity.MAJOR,
                f"{basis.average_text} tapers below 5 mg/day while the disease is active: the plan says continue "
                "5 mg daily and do not taper below 5 mg until clear improvement is documented.",
                refs.SEED_PLAN,
            )
        ]
    return [
        Finding.of(
            f"{basis.rule}.taper-below-5",
            Severity.INFO,
            f"{basis.average_text} is below 5 mg/day; acceptable only once clear improvement is documented.",
            refs.SEED_PLAN,
        )
    ]


def _bone_findings(basis: _Basis) -> list[Finding]:
    # ACR 2022 GIOP: ≥ 2.5 mg/day for > 3 months — exposure, so the average daily dose.
    if basis.average_mg < GIOP_DAILY_MG or not basis.maintenance:
        return []
    return [
        Finding.of(
            f"{basis.rule}.bone-protection",
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


def assess_prednisone(patient: Patient, daily_dose: str | Qty) -> PrednisoneAssessment:
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


def _mg_dose_text(mg: float, per_kg: float | None, weight_kg: float) -> str:
    if per_kg is None:
        return f"{_mg_text(mg)} mg"
    return f"{per_kg:g} mg/kg × {weight_kg:.4g} kg (actual) = {_mg_text(mg)} mg"


def _ordered_mg(order: Order, patient: Patient) -> tuple[float, str]:
    dose = order.dose
    read = mg_of(dose, patient.weight_kg)
    if read is not None:
        return read[0], _mg_dose_text(*read, patient.weight_kg)
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


def _schedule_basis(freq: Frequency, dose_mg: float, patient: Patient) -> tuple[_Basis, dict[str, str], list[Finding]]:
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
        findings: list[Finding] = []
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
        assert freq.count is not None  # Frequency: a cycle always counts its doses
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


# ---------------------------------------------------------------- every other systemic glucocorticoid


def _steroid_mg(order: Order, patient: Patient, drug: Glucocorticoid) -> tuple[float, str]:
    """mg per administration of ``drug``: a mass as ordered, or mg/kg × actual weight."""
    read = mg_of(order.dose, patient.weight_kg)
    if read is None:
        # Tablets, vials and mL hide the strength (Medrol 2-32 mg tablets; 40 mg-1 g vials): ask for mg.
        raise DoseInputError("dose", f"{drug.name} is ordered in mg (or mg/kg), got {fmt(order.dose)}; write the dose in mg")
    mg, per_kg = read
    text = _mg_dose_text(mg, per_kg, patient.weight_kg)
    if mg <= 0 or drug.prednisone_mg(mg) > PLAUSIBLE_MAX_PREDNISONE_EQ_MG:
        raise DoseInputError(
            "dose",
            f"{_mg_text(mg)} mg of {drug.name} per administration is outside 0–"
            f"{_mg_text(PLAUSIBLE_MAX_PREDNISONE_EQ_MG * drug.equivalent_mg / PREDNISONE_EQUIVALENT_MG)} mg "
            "(30 mg/kg methylprednisolone, the labelled high dose, at 350 kg, in equivalents)",
        )
    return mg, text


def _is_pulse(drug: Glucocorticoid, order: Order, day_mg: float) -> bool:
    """IV methylprednisolone once daily for one to five days at ≥ 250 mg prednisone equivalent (EULAR 2002 pulse)."""
    freq = order.frequency
    once_daily_course = freq.interval_days == 1 and freq.count is not None and freq.count <= PULSE_MAX_DAYS
    single = freq.interval_days is None and freq.count == 1
    return (
        drug.name == "methylprednisolone"
        and order.route is Route.INTRAVENOUS
        and freq.times_per_day == 1
        and freq.cycle_days is None
        and (once_daily_course or single)
        and drug.prednisone_mg(day_mg) >= PULSE_MIN_PREDNISONE_MG
    )


def _pulse_findings(dose_mg: float, days: int, patient: Patient, drug: Glucocorticoid) -> list[Finding]:
    """A bounded IV methylprednisolone pulse: label-conform, so never blocked by the daily bands.

    It is still a return to high-dose steroid, which the plan says to avoid: MAJOR, confirm the
    indication (a severe flare). The dose is held to the myositis pulse (eTG 0.5-1 g × 3 days).
    """
    low, high = MYOSITIS_PULSE_MG
    course = f"{_mg_text(dose_mg)} mg IV daily × {days} day{'s' if days > 1 else ''}"
    findings = [
        Finding.of(
            "methylprednisolone.pulse",
            Severity.MAJOR,
            f"{course} is a methylprednisolone pulse ({drug.arithmetic(dose_mg)} a day; EULAR pulse: ≥ 250 mg "
            "prednisone equivalent daily for one or a few days). The plan says to avoid returning to high-dose "
            "glucocorticoids and to rely on IVIG and methotrexate: confirm the indication (e.g. a severe flare).",
            refs.SEED_PLAN,
        ),
        Finding.of(
            "methylprednisolone.pulse-infusion",
            Severity.INFO,
            "Infuse each pulse dose over at least 30 minutes (eTG: over 1 hour): more than 0.5 g IV in under "
            "10 minutes has caused arrhythmias and cardiac arrest.",
            SOLU_MEDROL_LABEL,
        ),
    ]
    if dose_mg > high + 1e-9:
        findings.append(
            Finding.of(
                "methylprednisolone.pulse-above-1-g",
                Severity.MAJOR,
                f"{_mg_text(dose_mg)} mg per pulse dose is above the myositis pulse of 0.5–1 g daily (eTG).",
                ETG_MYOSITIS_PULSE,
            )
        )
    elif dose_mg < low - 1e-9:
        findings.append(
            Finding.of(
                "methylprednisolone.pulse-below-myositis-dose",
                Severity.INFO,
                f"{_mg_text(dose_mg)} mg per pulse dose is below the myositis pulse of 0.5–1 g daily (eTG).",
                ETG_MYOSITIS_PULSE,
            )
        )
    if days > MYOSITIS_PULSE_DAYS:
        findings.append(
            Finding.of(
                "methylprednisolone.pulse-longer-than-3-days",
                Severity.CAUTION,
                f"{days} days is longer than the 3-day myositis pulse (eTG); the label continues high-dose "
                "therapy only until the patient is stable, usually not beyond 48-72 hours.",
                SOLU_MEDROL_LABEL,
            )
        )
    if patient.age_years < ADULT_YEARS:
        per_kg = dose_mg / patient.weight.magnitude
        if per_kg > PULSE_MAX_MG_PER_KG + 1e-9:
            findings.append(
                Finding.of(
                    "methylprednisolone.pulse-above-30-mg-kg",
                    Severity.MAJOR,
                    f"{_mg_text(dose_mg)} mg ÷ {patient.weight.magnitude:.4g} kg = {per_kg:.1f} mg/kg per pulse dose "
                    "is above 30 mg/kg (Solu-Medrol US PI high-dose therapy; juvenile DM pulses 15-30 mg/kg, max 1 g).",
                    SOLU_MEDROL_LABEL,
                )
            )
    return findings


def _route_findings(order: Order, drug: Glucocorticoid) -> list[Finding]:
    if order.route in drug.routes:
        return []
    given = ", ".join(r.value for r in drug.routes)
    return [
        Finding.of(
            f"{drug.name}.route",
            # No US systemic product of this drug is labelled for the route: a prescriber must confirm
            # the product (not a block: a product from elsewhere may exist).
            Severity.MAJOR,
            f"{drug.name} is labelled {given} in the US; '{order.route.value}' is not one of its routes: "
            "confirm the product and route.",
            GC_LABELS,
        )
    ]


def _is_premedication(drug: Glucocorticoid, order: Order, day_mg: float) -> bool:
    # Rituxan US PI: methylprednisolone 100 mg IV 30 minutes before each infusion — a single dose.
    freq = order.frequency
    return (
        drug.name == "methylprednisolone"
        and order.route is Route.INTRAVENOUS
        and freq.interval_days is None
        and day_mg <= PREMEDICATION_MP_MG + 1e-9
    )


def _steroid_basis(
    order: Order, patient: Patient, drug: Glucocorticoid, dose_mg: float
) -> tuple[_Basis, dict[str, str], list[Finding]]:
    """The prednisone-equivalent basis of a non-pulse order, its arithmetic, and findings about the schedule."""
    freq = order.frequency
    weight = patient.weight.magnitude
    day = dose_mg * freq.times_per_day  # mg of the drug on one dosing day
    day_pe = drug.prednisone_mg(day)
    conversion = drug.arithmetic(day)
    wording: _Wording = {"rule": drug.name, "of_drug": "", "plan_noun": "glucocorticoids (in prednisone equivalents)"}
    findings: list[Finding] = []
    if freq.interval_days is None:
        # One dose: no regimen to band as a daily dose (e.g. the rituximab premedication).
        pe_text = f"{_mg_text(day)} mg {drug.name} once (= {_mg_text(day_pe)} mg prednisone equivalent)"
        basis = _Basis(day_pe, pe_text, day_pe, pe_text, daily=True, may_block=False, maintenance=False, **wording)
        daily_text = f"a single dose: {conversion}"
    elif freq.interval_days == 1 and freq.cycle_days is None:
        pe_text = f"{_mg_text(day)} mg/day {drug.name} (= {_mg_text(day_pe)} mg/day prednisone equivalent)"
        open_ended = freq.count is None
        basis = _Basis(day_pe, pe_text, day_pe, pe_text, daily=True, may_block=open_ended, maintenance=open_ended, **wording)
        course = "" if open_ended else f" for {freq.count} days (a bounded course)"
        daily_text = f"{_mg_text(dose_mg)} mg × {freq.times_per_day} = {_mg_text(day)} mg/day{course}; {conversion}"
    elif freq.interval_days == 2 and freq.times_per_day == 1 and freq.cycle_days is None:
        day_text = f"{_mg_text(day)} mg {drug.name} every other day (= {_mg_text(day_pe)} mg prednisone equivalent)"
        average_text = f"{_mg_text(day_pe / 2)} mg/day prednisone equivalent on average ({day_text})"
        basis = _Basis(day_pe, day_text, day_pe / 2, average_text, daily=False, maintenance=freq.count is None, **wording)
        daily_text = f"{day_text}; {conversion} on each dosing day"
        findings.append(
            Finding.of(
                f"{drug.name}.alternate-day",
                Severity.CAUTION,
                f"Alternate-day {drug.name} ({day_text}) is not the plan's 5 mg prednisone daily; make sure this is intended.",
                refs.SEED_PLAN,
            )
        )
    else:
        if freq.cycle_days:
            assert freq.count is not None  # Frequency: a cycle always counts its doses
            average = day_pe * freq.count / freq.cycle_days
        else:
            assert freq.interval_days is not None  # not a single dose: that was the first branch
            average = day_pe / freq.interval_days
        day_text = f"{_mg_text(day)} mg {drug.name} on each dosing day ('{freq.text}', = {_mg_text(day_pe)} mg prednisone equivalent)"
        average_text = f"{_mg_text(average)} mg/day prednisone equivalent on average ({day_text})"
        basis = _Basis(day_pe, day_text, average, average_text, daily=False, maintenance=freq.count is None, **wording)
        daily_text = f"not a daily regimen: {day_text}"
        findings.append(
            Finding.of(
                f"{drug.name}.frequency",
                Severity.MAJOR,
                f"Frequency '{freq.text}' is not a glucocorticoid regimen of the plan (prednisone 5 mg once daily, "
                f"= {_mg_text(drug.equivalent_mg)} mg {drug.name} daily).",
                refs.SEED_PLAN,
            )
        )
    if _is_premedication(drug, order, day):
        findings.append(
            Finding.of(
                "methylprednisolone.premedication",
                Severity.INFO,
                f"A single IV methylprednisolone dose of up to 100 mg ({drug.arithmetic(day)}) is the labelled "
                "premedication 30 minutes before each rituximab infusion, not a return to high-dose steroid.",
                RITUXAN_PREMEDICATION,
            )
        )
    details = {
        "daily": daily_text,
        "mg/kg/day": f"{_mg_text(day)} mg ÷ {weight:.4g} kg = {day / weight:.3f} mg/kg on each dosing day",
    }
    return basis, details, findings


def check_glucocorticoid_order(order: Order, patient: Patient, drug_name: str) -> DoseCheck:
    """Check an order of a systemic glucocorticoid other than prednisone, in prednisone equivalents.

    A bounded IV methylprednisolone pulse is judged as a pulse (never blocked by the daily bands);
    every other schedule goes through the plan's prednisone rules on the prednisone-equivalent dose.
    """
    expect(order, Order, "order")
    expect(patient, Patient, "patient")
    drug = GLUCOCORTICOIDS[drug_name]
    freq = order.frequency
    dose_mg, ordered_text = _steroid_mg(order, patient, drug)
    day_mg = dose_mg * freq.times_per_day
    findings = _route_findings(order, drug)
    details = {
        "ordered": f"{ordered_text} {drug.name} {freq.text} {order.route.value}",
        "equivalence": f"{_mg_text(drug.equivalent_mg)} mg {drug.name} ≈ 5 mg prednisone (standard glucocorticoid equivalence table)",
        "prednisone equivalent": drug.arithmetic(dose_mg) + " per administration",
    }
    plan_mg = drug.equivalent_mg
    if _is_pulse(drug, order, day_mg):
        days = freq.count
        assert days is not None  # _is_pulse: a bounded course or a single dose
        findings += _pulse_findings(dose_mg, days, patient, drug)
        weight = patient.weight.magnitude
        details["daily"] = f"pulse: {_mg_text(dose_mg)} mg IV daily × {days} = {_mg_text(dose_mg * days)} mg course"
        details["mg/kg/day"] = f"{_mg_text(dose_mg)} mg ÷ {weight:.4g} kg = {dose_mg / weight:.2f} mg/kg per pulse dose"
        details["pulse"] = (
            "IV methylprednisolone once daily for 1-5 days at ≥ 250 mg prednisone equivalent is judged as a pulse "
            "(EULAR 2002), not by the daily bands; myositis pulse 0.5-1 g daily × 3 days (eTG)"
        )
        low, high = MYOSITIS_PULSE_MG
        recommended_dose = Quantity(min(max(dose_mg, low), high), "mg")
        recommended = "methylprednisolone 500–1000 mg IV once daily × 3 days (myositis pulse, eTG), only if the plan's avoidance of high doses is overridden"
        return DoseCheck(recommended_dose, recommended, findings, details)
    basis, arithmetic, schedule_findings = _steroid_basis(order, patient, drug, dose_mg)
    findings += schedule_findings
    if not _is_premedication(drug, order, day_mg):
        # The labelled rituximab premedication is judged by its own rule, not the daily bands.
        findings += _judge(patient, basis)
    details.update(arithmetic)
    details["dosing weight"] = f"{patient.weight.magnitude:.4g} kg (actual)"
    details.update({k: v + " prednisone equivalent" for k, v in _thresholds().items()})
    recommended = (
        f"{_mg_text(plan_mg)} mg {drug.name} once daily = prednisone 5 mg daily (seed plan; "
        f"{_mg_text(plan_mg)} mg {drug.name} ≈ 5 mg prednisone)"
    )
    return DoseCheck(Quantity(plan_mg, "mg"), recommended, findings, details)


def check_prednisolone_order(order: Order, patient: Patient) -> DoseCheck:
    return check_glucocorticoid_order(order, patient, "prednisolone")


def check_methylprednisolone_order(order: Order, patient: Patient) -> DoseCheck:
    return check_glucocorticoid_order(order, patient, "methylprednisolone")


def check_dexamethasone_order(order: Order, patient: Patient) -> DoseCheck:
    return check_glucocorticoid_order(order, patient, "dexamethasone")


def check_hydrocortisone_order(order: Order, patient: Patient) -> DoseCheck:
    return check_glucocorticoid_order(order, patient, "hydrocortisone")


__all__ = [
    "GLUCOCORTICOIDS",
    "Glucocorticoid",
    "PrednisoneAssessment",
    "assess_prednisone",
    "check_dexamethasone_order",
    "check_glucocorticoid_order",
    "check_hydrocortisone_order",
    "check_methylprednisolone_order",
    "check_prednisolone_order",
    "check_prednisone_order",
]
