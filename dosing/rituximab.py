"""Rituximab for refractory dermatomyositis: a dated course and an order check.

Two regimens, both named in the seed plan ("375 mg/m² weekly for 4 weeks or
1000 mg on days 1 and 15"):

* ``bsa-weekly-x4``: 375 mg/m² (Mosteller BSA unless another formula is named)
  once weekly for 4 doses, on days 1, 8, 15 and 22;
* ``fixed-days-1-15``: 1000 mg on days 1 and 15.

Rounding: a 375 mg/m² dose is rounded to the nearest 10 mg (half up). Rituximab
concentrate is 10 mg/mL (100 mg/10 mL and 500 mg/50 mL vials, Rituxan US PI), so
10 mg is a whole 1 mL to draw up; the change is at most 5 mg (< 1 % of any adult
dose), far inside the ±10 % the HOPA dose-rounding position statement allows for
monoclonal antibodies.

Cap: no single infusion above 1000 mg. 1000 mg is the largest single dose in the
Rituxan label's rheumatology regimen and the per-infusion maximum in the RIM
dermatomyositis trial, so a 375 mg/m² dose for BSA > 2.67 m² is capped there
and said so.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs
import numpy as np
import pint

from dosing import references as refs
from dosing.body import ADULT_YEARS, BSA_REFERENCES, BSAFormula, parse_bsa_formula
from dosing.findings import Finding, Severity
from dosing.frequency import Frequency
from dosing.inputs import choice, expect, iso_date
from dosing.order import Order, Route
from dosing.patient import Patient
from dosing.units import DoseInputError, Quantity, fmt, quantity
from dosing.verdict import DoseCheck

RITUXAN_LABEL = refs.Reference(
    "rituxan-uspi",
    "Rituxan (rituximab) US prescribing information, Genentech: Dosage and Administration (premedication; "
    "RA 2 × 1000 mg two weeks apart; GPA/MPA 375 mg/m² weekly × 4), How Supplied (100 mg/10 mL and 500 mg/50 mL "
    "vials, 10 mg/mL), Boxed Warning (hepatitis B reactivation: screen HBsAg and anti-HBc before treatment)",
)
RIM_TRIAL = refs.Reference(
    "oddis-2013-rim",
    "Oddis CV et al. Rituximab in the treatment of refractory adult and juvenile dermatomyositis and adult "
    "polymyositis (RIM trial). Arthritis Rheum 2013;65:314-24 (maximum 1 g per infusion)",
)
HOPA_ROUNDING = refs.Reference(
    "hopa-2018-dose-rounding",
    "Fahrenbruch R et al. Dose rounding of biologic and cytotoxic anticancer agents: a position statement of the "
    "Hematology/Oncology Pharmacy Association. J Oncol Pract 2018;14:e130-6 (round within ±10 %)",
)

# Rituxan US PI (GPA/MPA, NHL): 375 mg/m² per weekly infusion, 4 infusions.
DOSE_PER_M2_MG = 375.0
WEEKLY_DOSES = 4
# Rituxan US PI (RA): two 1000 mg infusions separated by 2 weeks (days 1 and 15).
FIXED_DOSE_MG = 1000.0
FIXED_INTERVAL_DAYS = 14
# Largest single infusion: 1000 mg (Rituxan PI rheumatology regimen; RIM trial max 1 g).
MAX_SINGLE_DOSE_MG = 1000.0
# Nearest 10 mg = 1 mL of the 10 mg/mL concentrate (see module docstring; HOPA ±10 %).
ROUNDING_STEP_MG = 10.0
CONCENTRATION_MG_PER_ML = 10.0  # Rituxan PI, How Supplied
VIAL_SIZES_MG = (500.0, 100.0)  # Rituxan PI: 500 mg/50 mL and 100 mg/10 mL
# An ordered dose within ±10 % of the computed dose is accepted (HOPA rounding tolerance).
TOLERANCE = 0.10
# Plausible BSA for the numeric core: the body.py limits (2–350 kg, 40–250 cm) give
# 0.14–5.1 m² across the five formulas; outside is a unit slip (cm², a weight), not a patient.
BSA_M2_RANGE = (0.1, 6.0)

# The label names the three premedications and the methylprednisolone dose; the
# paracetamol and antihistamine doses are not on the label, so none is stated.
PREMEDICATION = (
    "paracetamol (acetaminophen) orally before each infusion (dose per local protocol)",
    "an antihistamine before each infusion, e.g. diphenhydramine (dose per local protocol)",
    "methylprednisolone 100 mg IV (or equivalent) 30 minutes before each infusion",
)
HBV_SCREENING = (
    "Hepatitis B screening (HBsAg and anti-HBc) is required before the first dose: "
    "rituximab carries a boxed warning for HBV reactivation, fulminant hepatitis and death."
)


class RituximabRegimen(enum.Enum):
    BSA_WEEKLY_X4 = "bsa-weekly-x4"
    FIXED_DAYS_1_15 = "fixed-days-1-15"

    @classmethod
    def parse(cls, value: "RituximabRegimen | str") -> "RituximabRegimen":
        return choice(cls, value, "regimen")


@attrs.frozen
class Administration:
    date: dt.date
    dose: pint.Quantity
    label: str


@attrs.frozen
class VialUse:
    strength: pint.Quantity
    count: int


@attrs.frozen
class RituximabPlan:
    regimen: RituximabRegimen
    bsa: pint.Quantity | None
    bsa_formula: BSAFormula | None
    dose_per_administration: pint.Quantity
    volume_per_administration: pint.Quantity
    vials_per_administration: tuple[VialUse, ...]
    schedule: tuple[Administration, ...]
    total_course_dose: pint.Quantity
    premedication: tuple[str, ...]
    hbv_screening: str
    findings: tuple[Finding, ...]
    details: tuple[tuple[str, str], ...]


# ---------------------------------------------------------------- numeric core


def rituximab_dose_mg(bsa_m2):
    """375 mg/m² × BSA, rounded to the nearest 10 mg (half up), capped at 1000 mg.

    Plain numbers in m² (a float or a numpy array — the batch path); the scalar
    calculator calls this too, so both give the same dose.
    """
    bsa = _bsa_array(bsa_m2)
    dose = np.minimum(_rounded_mg(DOSE_PER_M2_MG * bsa), MAX_SINGLE_DOSE_MG)
    return float(dose) if dose.ndim == 0 else dose


def _rounded_mg(raw_mg):
    """To the nearest 10 mg (1 mL of concentrate), half up; the one rounding of every per-area dose."""
    # Rounded to 9 decimals first so float noise (674.9999999) cannot flip a half-step.
    return np.floor(np.round(raw_mg, 9) / ROUNDING_STEP_MG + 0.5) * ROUNDING_STEP_MG


def _volume_text(dose_mg: float) -> str:
    return f"{dose_mg:g} mg ÷ 10 mg/mL = {dose_mg / CONCENTRATION_MG_PER_ML:g} mL of concentrate"


def _is_real(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _bsa_array(bsa_m2) -> np.ndarray:
    # Plain real numbers only: a string, a bool or a pint Quantity (whose unit
    # numpy would strip — 18000 cm² read as 18000 m²) is refused, not coerced.
    if isinstance(bsa_m2, np.ndarray):
        plain = bsa_m2.dtype.kind in "fiu"
    else:
        plain = all(_is_real(v) for v in (bsa_m2 if isinstance(bsa_m2, (list, tuple)) else [bsa_m2]))
    if not plain:
        raise DoseInputError("bsa", f"expected BSA as plain numbers in m² (float or numpy array), got {bsa_m2!r}")
    bsa = np.asarray(bsa_m2, dtype=float)
    low, high = BSA_M2_RANGE
    if bsa.size == 0 or not np.all(np.isfinite(bsa)) or np.any(bsa < low) or np.any(bsa > high):
        raise DoseInputError("bsa", f"expected finite BSA values of {low:g}–{high:g} m², got {bsa_m2!r}")
    return bsa


def _vial_dose_mg(dose) -> float:
    if not _is_real(dose):
        return quantity(dose, "dose", "mass", unit="mg", maximum=MAX_SINGLE_DOSE_MG).magnitude
    mg = float(dose)
    if not np.isfinite(mg) or mg <= 0 or mg > MAX_SINGLE_DOSE_MG:
        raise DoseInputError("dose", f"expected a finite dose of 0–{MAX_SINGLE_DOSE_MG:g} mg, got {dose!r}")
    return mg


def vials_for(dose_mg) -> tuple[VialUse, ...]:
    """The vial combination with the least drug drawn, then the fewest vials.

    ``dose_mg`` is mg as a plain number, or a mass quantity ("680 mg"); at most
    one infusion's worth (1000 mg).
    """
    dose_mg = _vial_dose_mg(dose_mg)
    big, small = VIAL_SIZES_MG
    best = None
    for n_big in range(int(np.ceil(dose_mg / big)) + 1):
        rest = max(dose_mg - n_big * big, 0.0)
        n_small = int(np.ceil(round(rest / small, 9)))
        key = (n_big * big + n_small * small, n_big + n_small)
        if best is None or key < best[0]:
            best = (key, n_big, n_small)
    _, n_big, n_small = best
    return tuple(VialUse(Quantity(s, "mg"), n) for s, n in ((big, n_big), (small, n_small)) if n)


def _vial_text(vials: tuple[VialUse, ...]) -> str:
    return " + ".join(f"{v.count} × {fmt(v.strength)} vial" for v in vials)


# ---------------------------------------------------------------- calculator


def _start_date(value) -> dt.date:
    return iso_date(value, "start_date")


def _reminders() -> tuple[Finding, ...]:
    return (
        Finding.of("rituximab.hbv-screening", Severity.INFO, HBV_SCREENING, RITUXAN_LABEL),
        Finding.of(
            "rituximab.premedication",
            Severity.INFO,
            "Premedicate before every infusion: " + "; ".join(PREMEDICATION) + ".",
            RITUXAN_LABEL,
        ),
    )


def _fixed_dose_paediatric(patient: Patient) -> list[Finding]:
    # The 2 × 1000 mg regimen is the Rituxan label's adult RA regimen; the label's
    # paediatric dosing (GPA/MPA, ≥ 2 years) is by BSA, as in the RIM trial's juveniles.
    if patient.age.magnitude >= ADULT_YEARS:
        return []
    return [
        Finding.of(
            "rituximab.fixed-dose-paediatric",
            Severity.MAJOR,
            f"Patient is {patient.age.magnitude:g} years old: 1000 mg on days 1 and 15 is the adult (RA) regimen. "
            "Under 18, dose by body surface area (375 mg/m² weekly x4, Rituxan US PI paediatric GPA/MPA).",
            RITUXAN_LABEL,
        )
    ]


def _onset_note() -> Finding:
    return Finding.of(
        "rituximab.slow-onset",
        Severity.INFO,
        "Rituximab may take up to 26 weeks to reach full effect; consider starting early if response is inadequate.",
        refs.SEED_PLAN,
    )


def calculate_rituximab(
    patient: Patient,
    *,
    regimen: "RituximabRegimen | str" = RituximabRegimen.BSA_WEEKLY_X4,
    start_date,
    bsa_formula: "BSAFormula | str" = BSAFormula.MOSTELLER,
) -> RituximabPlan:
    """A dated rituximab course for ``patient`` starting on ``start_date``."""
    expect(patient, Patient, "patient")
    regimen = RituximabRegimen.parse(regimen)
    start = _start_date(start_date)
    findings: list[Finding] = []
    if regimen is RituximabRegimen.BSA_WEEKLY_X4:
        formula = parse_bsa_formula(bsa_formula)
        bsa = patient.bsa(formula)
        dose_mg = rituximab_dose_mg(bsa.magnitude)
        exact = DOSE_PER_M2_MG * bsa.magnitude
        days = [7 * i for i in range(WEEKLY_DOSES)]
        labels = [f"dose {i + 1} of {WEEKLY_DOSES} (week {i + 1})" for i in range(WEEKLY_DOSES)]
        details = {
            "BSA": f"{bsa.magnitude:.2f} m² ({formula.value}; {BSA_REFERENCES[formula].citation})",
            "dose": f"375 mg/m² × {bsa.magnitude:.4g} m² = {exact:.1f} mg → {dose_mg:g} mg (nearest 10 mg)",
        }
        if exact > MAX_SINGLE_DOSE_MG + ROUNDING_STEP_MG / 2:
            findings.append(
                Finding.of(
                    "rituximab.single-dose-capped",
                    Severity.CAUTION,
                    f"375 mg/m² × {bsa.magnitude:.2f} m² = {exact:.0f} mg exceeds 1000 mg per infusion; "
                    f"capped at {MAX_SINGLE_DOSE_MG:g} mg.",
                    RIM_TRIAL,
                )
            )
    else:
        formula, bsa, dose_mg = None, None, FIXED_DOSE_MG
        days = [0, FIXED_INTERVAL_DAYS]
        labels = ["day 1", "day 15"]
        details = {"dose": "1000 mg fixed on days 1 and 15 (Rituxan US PI rheumatology regimen)"}
        findings += _fixed_dose_paediatric(patient)
    dose = Quantity(dose_mg, "mg")
    vials = vials_for(dose_mg)
    schedule = tuple(Administration(start + dt.timedelta(days=d), dose, label) for d, label in zip(days, labels))
    total = Quantity(dose_mg * len(schedule), "mg")
    details["volume"] = _volume_text(dose_mg)
    details["vials"] = _vial_text(vials)
    details["course total"] = f"{dose_mg:g} mg × {len(schedule)} = {total.magnitude:g} mg"
    findings.extend(_reminders())
    findings.append(_onset_note())
    return RituximabPlan(
        regimen=regimen,
        bsa=bsa,
        bsa_formula=formula,
        dose_per_administration=dose,
        volume_per_administration=Quantity(dose_mg / CONCENTRATION_MG_PER_ML, "mL"),
        vials_per_administration=vials,
        schedule=schedule,
        total_course_dose=total,
        premedication=PREMEDICATION,
        hbv_screening=HBV_SCREENING,
        findings=tuple(findings),
        details=tuple(details.items()),
    )


# ---------------------------------------------------------------- order check


def _is_fixed_schedule(freq: Frequency) -> bool:
    return freq.interval_days == FIXED_INTERVAL_DAYS and freq.times_per_day == 1 and freq.count == 2 and freq.cycle_days is None


def _is_two_weekly(freq: Frequency) -> bool:
    return freq.interval_days == FIXED_INTERVAL_DAYS and freq.times_per_day == 1 and freq.cycle_days is None


def _weekly_findings(freq: Frequency) -> list[Finding]:
    if not freq.is_weekly:
        return [
            Finding.of(
                "rituximab.frequency",
                Severity.MAJOR,
                f"Frequency '{freq.text}' is not a rituximab regimen: give 375 mg/m² weekly x4, or 1000 mg on days 1 and 15.",
                refs.SEED_PLAN,
            )
        ]
    if freq.count is None:
        return [
            Finding.of(
                "rituximab.course-length-unstated",
                # An open-ended weekly order for a 4-infusion course has no stop: warn.
                Severity.CAUTION,
                f"'{freq.text}': the course is 4 weekly infusions; write 'weekly x4' so it stops after the fourth.",
                RITUXAN_LABEL,
            )
        ]
    if freq.count != WEEKLY_DOSES:
        return [
            Finding.of(
                "rituximab.course-length",
                Severity.MAJOR,
                f"'{freq.text}' is {freq.count} weekly infusions; the 375 mg/m² regimen is 4 weekly infusions.",
                refs.SEED_PLAN,
            )
        ]
    return []


def _fixed_findings(freq: Frequency) -> list[Finding]:
    if _is_fixed_schedule(freq):
        return []
    return [
        Finding.of(
            "rituximab.frequency",
            Severity.MAJOR,
            f"Frequency '{freq.text}': the 1000 mg regimen is exactly two infusions; write 'days 1 and 15'.",
            RITUXAN_LABEL,
        )
    ]


def _ordered_mg(order: Order, bsa: pint.Quantity) -> tuple[float, str]:
    """The dose to prepare: a mass as ordered; mg/m² × BSA rounded to the nearest 10 mg, as the calculator does."""
    dose = order.dose
    if dose.check("[mass]"):
        mg = float(dose.to("mg").magnitude)
        return mg, f"{mg:g} mg"
    if dose.is_compatible_with("mg/m**2"):
        per_m2 = float(dose.to("mg/m**2").magnitude)
        raw = per_m2 * bsa.magnitude
        # A dose under 5 mg would round to nothing: keep it as computed (the comparison flags it).
        mg = float(_rounded_mg(raw)) or raw
        return mg, f"{per_m2:g} mg/m² × {bsa.magnitude:.4g} m² = {raw:.1f} mg → {mg:g} mg (nearest 10 mg)"
    raise DoseInputError(
        "dose", f"rituximab is ordered in mg or mg/m², got {fmt(dose)}; write e.g. '375 mg/m2' or '1000 mg'"
    )


def _compare(ordered: float, target: float, what: str, reference, unit: str = "mg") -> list[Finding]:
    # ±10 % is accepted: the HOPA dose-rounding tolerance for monoclonal antibodies.
    if ordered > target * (1 + TOLERANCE) + 1e-9:
        return [
            Finding.of(
                "rituximab.above-recommended",
                Severity.MAJOR,
                f"Ordered {ordered:.0f} {unit} is more than 10 % above {what} ({target:g} {unit}).",
                reference,
            )
        ]
    if ordered < target * (1 - TOLERANCE) - 1e-9:
        return [
            Finding.of(
                "rituximab.below-recommended",
                Severity.CAUTION,
                f"Ordered {ordered:.0f} {unit} is more than 10 % below {what} ({target:g} {unit}): may be sub-therapeutic.",
                reference,
            )
        ]
    return []


def check_rituximab_order(order: Order, patient: Patient) -> DoseCheck:
    """Compare a rituximab order with 375 mg/m² weekly × 4 or 1000 mg on days 1 and 15.

    HBV status itself is judged by the interaction rules; here only the
    screening and premedication reminders are added.
    """
    expect(order, Order, "order")
    expect(patient, Patient, "patient")
    freq = order.frequency
    bsa = patient.bsa()
    target_mg = rituximab_dose_mg(bsa.magnitude)
    ordered_mg, ordered_text = _ordered_mg(order, bsa)
    findings: list[Finding] = []
    details = {
        "BSA": f"{bsa.magnitude:.2f} m² (mosteller)",
        "ordered": ordered_text,
        "375 mg/m² dose": f"375 mg/m² × {bsa.magnitude:.4g} m² = {DOSE_PER_M2_MG * bsa.magnitude:.1f} mg → {target_mg:g} mg",
    }

    if order.route is not Route.INTRAVENOUS:
        findings.append(
            Finding.of(
                "rituximab.route-not-iv",
                Severity.CONTRAINDICATED,
                f"Rituximab (Rituxan) is given only as an intravenous infusion; '{order.route.value}' is not allowed "
                "(the subcutaneous rituximab–hyaluronidase product is for lymphoma/CLL only).",
                RITUXAN_LABEL,
            )
        )

    per_area = order.dose.is_compatible_with("mg/m**2")
    if not per_area and _is_two_weekly(freq):
        recommended_mg, recommended = FIXED_DOSE_MG, "1000 mg IV on days 1 and 15"
        findings += _compare(ordered_mg, FIXED_DOSE_MG, "the fixed 1000 mg dose", RITUXAN_LABEL)
        findings += _fixed_findings(freq)
        findings += _fixed_dose_paediatric(patient)
    else:
        recommended_mg = target_mg
        recommended = f"375 mg/m² = {target_mg:g} mg IV weekly x4"
        if per_area:
            per_m2 = float(order.dose.to("mg/m**2").magnitude)
            findings += _compare(per_m2, DOSE_PER_M2_MG, "375 mg/m²", refs.SEED_PLAN, unit="mg/m²")
        else:
            findings += _compare(ordered_mg, target_mg, "375 mg/m² × BSA", refs.SEED_PLAN)
        findings += _weekly_findings(freq)

    if ordered_mg > MAX_SINGLE_DOSE_MG + 1e-9:
        findings.append(
            Finding.of(
                "rituximab.single-dose-above-1000",
                Severity.CONTRAINDICATED,
                f"A single rituximab infusion of {ordered_mg:.0f} mg is above 1000 mg, the largest labelled single dose "
                "for this use (Rituxan PI rheumatology regimen; RIM trial max 1 g per infusion).",
                RIM_TRIAL,
            )
        )
    findings.extend(_reminders())
    # A dated schedule only when the order's schedule is the regimen's: for "weekly x8"
    # four dates would read as if the order stopped after four.
    if order.start_date is not None and not any(f.rule_id in ("rituximab.frequency", "rituximab.course-length") for f in findings):
        days = [0, FIXED_INTERVAL_DAYS] if _is_two_weekly(freq) and not per_area else [7 * i for i in range(WEEKLY_DOSES)]
        details["schedule"] = ", ".join((order.start_date + dt.timedelta(days=d)).isoformat() for d in days)
    details["tolerance"] = f"ordered dose accepted within ±10 % of the recommended dose ({HOPA_ROUNDING.citation})"
    details["volume"] = _volume_text(ordered_mg)
    return DoseCheck(Quantity(recommended_mg, "mg"), recommended, findings, details)


__all__ = [
    "Administration",
    "RituximabPlan",
    "RituximabRegimen",
    "VialUse",
    "calculate_rituximab",
    "check_rituximab_order",
    "rituximab_dose_mg",
    "vials_for",
]
