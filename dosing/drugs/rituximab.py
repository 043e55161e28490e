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

No mg cap on 375 mg/m²: the Rituxan label's 375 mg/m² weekly × 4 regimens
(GPA/MPA adults and children ≥ 2 years, NHL) state no per-infusion maximum, so
375 mg/m² × BSA is the dose at any BSA (2.8 m² → 1050 mg). The RIM trial's
"maximum 1 g per infusion" (Oddis 2013) capped its own 750 mg/m² (575 mg/m² in
small children) dose, not 375 mg/m²; it is not applied here.

Caps kept where a source sets them:

* the fixed regimen is 1000 mg per infusion (Rituxan US PI, RA): an mg order on
  days 1 and 15 above 1000 mg is MAJOR;
* an explicit mg order is CONTRAINDICATED above the largest labelled single dose,
  max(1000 mg, 500 mg/m² × BSA) (Rituxan US PI: RA 1000 mg; CLL 500 mg/m²);
* under 18, any single dose above 375 mg/m² × BSA + 10 % is CONTRAINDICATED
  (Rituxan US PI paediatric GPA/MPA: 375 mg/m² weekly × 4).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from typing import TYPE_CHECKING

import attrs
import numpy as np

from dosing import references as refs
from dosing.body import ADULT_YEARS, BSA_REFERENCES, BSAFormula, parse_bsa_formula
from dosing.findings import Finding, Severity
from dosing.input.fields import choice, expect, iso_date
from dosing.input.frequency import Frequency
from dosing.order import Order, Route
from dosing.patient import Patient
from dosing.units import DoseInputError, Quantity, fmt, quantity
from dosing.verdict import DoseCheck

if TYPE_CHECKING:
    import numpy.typing as npt

    from dosing.units import Qty

RITUXAN_LABEL = refs.Reference(
    "rituxan-uspi",
    "Rituxan (rituximab) US prescribing information, Genentech: Dosage and Administration (premedication; "
    "RA 2 × 1000 mg two weeks apart; GPA/MPA 375 mg/m² weekly × 4, adults and paediatric patients ≥ 2 years; "
    "NHL 375 mg/m² weekly; CLL 375 mg/m² then 500 mg/m² cycles 2-6), How Supplied (100 mg/10 mL and 500 mg/50 mL "
    "vials, 10 mg/mL), Boxed Warning (hepatitis B reactivation: screen HBsAg and anti-HBc before treatment)",
)
RIM_TRIAL = refs.Reference(
    "oddis-2013-rim",
    "Oddis CV et al. Rituximab in the treatment of refractory adult and juvenile dermatomyositis and adult "
    "polymyositis (RIM trial). Arthritis Rheum 2013;65:314-24 (750 mg/m², 575 mg/m² if BSA ≤ 1.5 m² in children, "
    "maximum 1 g per infusion)",
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
# The fixed regimen's per-infusion dose, and its cap: an mg order on days 1 and 15 above it
# is MAJOR (Rituxan US PI, RA: 1000 mg per infusion). 375 mg/m² has no mg cap (see docstring).
FIXED_REGIMEN_MAX_MG = FIXED_DOSE_MG
# Largest labelled single dose: max(1000 mg, 500 mg/m² × BSA) — Rituxan US PI
# RA 1000 mg per infusion; CLL 500 mg/m² (cycles 2-6). Above it an mg order is blocked.
LABEL_MAX_FIXED_MG = 1000.0
LABEL_MAX_PER_M2_MG = 500.0
# Nearest 10 mg = 1 mL of the 10 mg/mL concentrate (see module docstring; HOPA ±10 %).
ROUNDING_STEP_MG = 10.0
CONCENTRATION_MG_PER_ML = 10.0  # Rituxan PI, How Supplied
VIAL_SIZES_MG = (500.0, 100.0)  # Rituxan PI: 500 mg/50 mL and 100 mg/10 mL
# An ordered dose within ±10 % of the computed dose is accepted (HOPA rounding tolerance).
TOLERANCE = 0.10
# Plausible BSA for the numeric core: the body.py limits (2–350 kg, 40–250 cm) give
# 0.14–5.1 m² across the five formulas; outside is a unit slip (cm², a weight), not a patient.
BSA_M2_RANGE = (0.1, 6.0)
# Largest infusion the vial helper prepares: the largest labelled single dose (500 mg/m², CLL)
# at the largest plausible BSA, 500 × 6.0 = 3000 mg; more is a unit slip, not a dose.
MAX_PREPARED_MG = LABEL_MAX_PER_M2_MG * BSA_M2_RANGE[1]

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
    dose: Qty
    label: str


@attrs.frozen
class VialUse:
    strength: Qty
    count: int


@attrs.frozen
class RituximabPlan:
    regimen: RituximabRegimen
    bsa: Qty | None
    bsa_formula: BSAFormula | None
    dose_per_administration: Qty
    volume_per_administration: Qty
    vials_per_administration: tuple[VialUse, ...]
    schedule: tuple[Administration, ...]
    total_course_dose: Qty
    premedication: tuple[str, ...]
    hbv_screening: str
    findings: tuple[Finding, ...]
    details: tuple[tuple[str, str], ...]


# ---------------------------------------------------------------- numeric core


def rituximab_dose_mg(bsa_m2: npt.ArrayLike) -> float | npt.NDArray[np.float64]:
    """375 mg/m² × BSA, rounded to the nearest 10 mg (half up); no mg cap (Rituxan US PI).

    Plain numbers in m² (a float or a numpy array — the batch path); the scalar
    calculator calls this too, so both give the same dose.
    """
    bsa = _bsa_array(bsa_m2)
    dose = _rounded_mg(DOSE_PER_M2_MG * bsa)
    return float(dose) if dose.ndim == 0 else dose


def _rounded_mg(raw_mg: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """To the nearest 10 mg (1 mL of concentrate), half up; the one rounding of every per-area dose."""
    # Rounded to 9 decimals first so float noise (674.9999999) cannot flip a half-step.
    rounded: npt.NDArray[np.float64] = np.floor(np.round(raw_mg, 9) / ROUNDING_STEP_MG + 0.5) * ROUNDING_STEP_MG
    return rounded


def _rounded_float_mg(raw_mg: float) -> float:
    """:func:`_rounded_mg` of one float, to the same bit, in plain Python: numpy took 15 µs for one number (issue 8).

    numpy's round(x, 9) is rint(x × 1e9) / 1e9, and Python's round() to an integer is the same
    round-half-even; the test suite holds the two equal (tests/test_rituximab.py).
    """
    return math.floor(round(raw_mg * 1e9) / 1e9 / ROUNDING_STEP_MG + 0.5) * ROUNDING_STEP_MG


def _volume_text(dose_mg: float) -> str:
    return f"{dose_mg:g} mg ÷ 10 mg/mL = {dose_mg / CONCENTRATION_MG_PER_ML:g} mL of concentrate"


def _is_real(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _bsa_array(bsa_m2: npt.ArrayLike) -> npt.NDArray[np.float64]:
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


def _vial_dose_mg(dose: float | str | Qty) -> float:
    if not _is_real(dose):
        checked: float = quantity(dose, "dose", "mass", unit="mg", maximum=MAX_PREPARED_MG).magnitude
        return checked
    mg = float(dose)
    if not np.isfinite(mg) or mg <= 0 or mg > MAX_PREPARED_MG:
        raise DoseInputError("dose", f"expected a finite dose of 0–{MAX_PREPARED_MG:g} mg, got {dose!r}")
    return mg


def vials_for(dose_mg: float | str | Qty) -> tuple[VialUse, ...]:
    """The vial combination with the least drug drawn, then the fewest vials.

    ``dose_mg`` is mg as a plain number, or a mass quantity ("680 mg"); at most
    one infusion's worth (3000 mg: 500 mg/m² at the largest plausible BSA).
    """
    dose_mg = _vial_dose_mg(dose_mg)
    big, small = VIAL_SIZES_MG
    best: tuple[tuple[float, int], int, int] | None = None
    for n_big in range(int(np.ceil(dose_mg / big)) + 1):
        rest = max(dose_mg - n_big * big, 0.0)
        n_small = int(np.ceil(round(rest / small, 9)))
        key = (n_big * big + n_small * small, n_big + n_small)
        if best is None or key < best[0]:
            best = (key, n_big, n_small)
    assert best is not None  # the loop runs at least once (n_big = 0)
    _, n_big, n_small = best
    return tuple(VialUse(Quantity(s, "mg"), n) for s, n in ((big, n_big), (small, n_small)) if n)


def _vial_text(vials: tuple[VialUse, ...]) -> str:
    return " + ".join(f"{v.count} × {fmt(v.strength)} vial" for v in vials)


# ---------------------------------------------------------------- calculator



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


def _bsa_dose(per_m2: float, bsa_m2: float) -> tuple[float, str]:
    """per_m2 × BSA, rounded to the nearest 10 mg; no mg cap (the Rituxan label sets none for 375 mg/m²).

    The one per-area arithmetic of the calculator and the order check: the dose
    to prepare and the arithmetic as a pharmacist re-checks it.
    """
    raw = per_m2 * bsa_m2
    # A dose under 5 mg would round to nothing: keep it as computed (the comparison flags it).
    rounded = _rounded_float_mg(raw) or raw
    return rounded, f"{per_m2:g} mg/m² × {bsa_m2:.4g} m² = {raw:.1f} mg → {rounded:g} mg (nearest 10 mg)"


def _uncapped_note(dose_mg: float) -> list[Finding]:
    # A pharmacist used to the RIM trial's 1 g cap is told why a larger 375 mg/m² dose stands.
    if dose_mg <= FIXED_DOSE_MG:
        return []
    return [
        Finding.of(
            "rituximab.bsa-dose-above-1000-uncapped",
            Severity.INFO,
            f"375 mg/m² × BSA = {dose_mg:g} mg is above 1000 mg: the Rituxan label sets no mg cap on its 375 mg/m² "
            "weekly regimen. The RIM trial's 1 g per infusion maximum (Oddis 2013) capped its 750 mg/m² dose, not this one.",
            RITUXAN_LABEL,
        )
    ]


def _fixed_dose_paediatric(patient: Patient) -> list[Finding]:
    # The 2 × 1000 mg regimen is the Rituxan label's adult RA regimen; the label's
    # paediatric dosing (GPA/MPA, ≥ 2 years) is by BSA, as in the RIM trial's juveniles.
    age = patient.age_years
    if age >= ADULT_YEARS:
        return []
    return [
        Finding.of(
            "rituximab.fixed-dose-paediatric",
            Severity.MAJOR,
            f"Patient is {age:g} years old: 1000 mg on days 1 and 15 is the adult (RA) regimen. "
            "Under 18, dose by body surface area (375 mg/m² weekly x4, Rituxan US PI paediatric GPA/MPA).",
            RITUXAN_LABEL,
        )
    ]


def _paediatric_limit_mg(bsa_m2: float) -> float:
    # 375 mg/m² × BSA + 10 % (HOPA tolerance), never below the dose this module itself
    # recommends (the 10 mg rounding), so the tool cannot block its own dose.
    return max(DOSE_PER_M2_MG * bsa_m2 * (1 + TOLERANCE), float(rituximab_dose_mg(bsa_m2)))


def _paediatric_overdose(dose_mg: float, patient: Patient, bsa_m2: float) -> list[Finding]:
    # Rituxan US PI paediatric GPA/MPA (≥ 2 years): 375 mg/m² weekly × 4; no larger
    # single dose is labelled for children, and the adult 1000 mg regimen is not for them.
    age = patient.age_years
    if age >= ADULT_YEARS:
        return []
    limit = _paediatric_limit_mg(bsa_m2)
    if dose_mg <= limit + 1e-9:
        return []
    exact = DOSE_PER_M2_MG * bsa_m2
    return [
        Finding.of(
            "rituximab.paediatric-above-bsa-dose",
            Severity.CONTRAINDICATED,
            f"Patient is {age:g} years old: a single dose of {dose_mg:g} mg is "
            f"{dose_mg / exact:.1f} × the paediatric dose (375 mg/m² × {bsa_m2:.4g} m² = {exact:.1f} mg; "
            f"+10 % = {limit:.1f} mg). Under 18 the labelled dose is 375 mg/m² weekly x4 (Rituxan US PI "
            "paediatric GPA/MPA); the adult fixed 1000 mg regimen is not for children.",
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
    start_date: dt.date | str,
    bsa_formula: "BSAFormula | str" = BSAFormula.MOSTELLER,
) -> RituximabPlan:
    """A dated rituximab course for ``patient`` starting on ``start_date``."""
    expect(patient, Patient, "patient")
    regimen = RituximabRegimen.parse(regimen)
    start = iso_date(start_date, "start_date")
    findings: list[Finding] = []
    # Both None on the fixed regimen.
    formula: BSAFormula | None = None
    bsa: Qty | None = None
    if regimen is RituximabRegimen.BSA_WEEKLY_X4:
        formula = parse_bsa_formula(bsa_formula)
        bsa = patient.bsa(formula)
        dose_mg, dose_text = _bsa_dose(DOSE_PER_M2_MG, bsa.magnitude)
        findings += _uncapped_note(dose_mg)
        days = [7 * i for i in range(WEEKLY_DOSES)]
        labels = [f"dose {i + 1} of {WEEKLY_DOSES} (week {i + 1})" for i in range(WEEKLY_DOSES)]
        details = {
            "BSA": f"{bsa.magnitude:.2f} m² ({formula.value}; {BSA_REFERENCES[formula].citation})",
            "dose": dose_text,
        }
    else:
        dose_mg = FIXED_DOSE_MG
        days = [0, FIXED_INTERVAL_DAYS]
        labels = ["day 1", "day 15"]
        details = {"dose": "1000 mg fixed on days 1 and 15 (Rituxan US PI rheumatology regimen)"}
        findings += _fixed_dose_paediatric(patient)
        # The child's own BSA (Mosteller, as the order check) shows how far above 375 mg/m² the fixed dose is.
        findings += _paediatric_overdose(dose_mg, patient, patient.bsa().magnitude)
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


def _regimen_mismatch(freq: Frequency) -> list[Finding]:
    # A per-area dose on the fixed schedule mixes the two regimens of the seed plan.
    return [
        Finding.of(
            "rituximab.regimen-mismatch",
            Severity.MAJOR,
            f"A mg/m² dose on '{freq.text}': 375 mg/m² belongs to the weekly ×4 regimen; days 1 and 15 is 1000 mg fixed. "
            "Write either '375 mg/m2 weekly x4' or '1000 mg days 1 and 15'.",
            refs.SEED_PLAN,
        )
    ]


def _ordered_amount(order: Order) -> tuple[float, bool]:
    """The ordered dose as a number, read once: (mg, False) for a mass, (mg/m², True) for a dose per area."""
    dose = order.dose
    if dose.is_compatible_with("mg"):  # a mass: pint's check("[mass]"), by the memoised test (issue 8)
        return float(dose.to("mg").magnitude), False
    if dose.is_compatible_with("mg/m**2"):
        return float(dose.to("mg/m**2").magnitude), True
    raise DoseInputError(
        "dose", f"rituximab is ordered in mg or mg/m², got {fmt(dose)}; write e.g. '375 mg/m2' or '1000 mg'"
    )


def _ordered_mg(amount: float, per_area: bool, bsa_m2: float) -> tuple[float, str]:
    """The dose to prepare: a mass as ordered; mg/m² × BSA rounded, as the calculator does."""
    if per_area:
        return _bsa_dose(amount, bsa_m2)
    return amount, f"{amount:g} mg"


def _compare(ordered: float, target: float, what: str, reference: refs.Reference, unit: str = "mg") -> list[Finding]:
    # ±10 % is accepted: the HOPA dose-rounding tolerance for monoclonal antibodies.
    if ordered > target * (1 + TOLERANCE) + 1e-9:
        return [
            Finding.of(
                "rituximab.above-recommended",
                Severity.MAJOR,
                f"Ordered {ordered:g} {unit} is more than 10 % above {what} ({target:.1f} {unit}; +10 % = "
                f"{target * (1 + TOLERANCE):.1f} {unit}).",
                reference,
            )
        ]
    if ordered < target * (1 - TOLERANCE) - 1e-9:
        return [
            Finding.of(
                "rituximab.below-recommended",
                Severity.CAUTION,
                f"Ordered {ordered:g} {unit} is more than 10 % below {what} ({target:.1f} {unit}; −10 % = "
                f"{target * (1 - TOLERANCE):.1f} {unit}): may be sub-therapeutic.",
                reference,
            )
        ]
    return []


def _compare_with_bsa_dose(ordered_mg: float, exact_mg: float) -> list[Finding]:
    # An mg order against the exact 375 mg/m² × BSA (not its 10 mg rounding: 728 mg is
    # +9.9 % of 662.4 mg), uncapped as the label's 375 mg/m² regimens are.
    return _compare(ordered_mg, exact_mg, "375 mg/m² × BSA", refs.SEED_PLAN)


def _above_fixed_dose(ordered_mg: float) -> list[Finding]:
    """An mg order on the fixed regimen's schedule above its 1000 mg per infusion: MAJOR (Rituxan US PI, RA)."""
    if ordered_mg <= FIXED_REGIMEN_MAX_MG + 1e-9:
        return []
    return [
        Finding.of(
            "rituximab.single-dose-above-1000",
            Severity.MAJOR,
            f"A single rituximab infusion of {ordered_mg:g} mg on days 1 and 15 is above the fixed regimen's "
            f"{FIXED_REGIMEN_MAX_MG:g} mg per infusion (Rituxan US PI, RA: two 1000 mg infusions two weeks apart).",
            RITUXAN_LABEL,
        )
    ]


def _above_label_max(ordered_mg: float, bsa_m2: float) -> list[Finding]:
    """An explicit mg order above the largest labelled single dose: CONTRAINDICATED."""
    findings: list[Finding] = []
    per_area_max = LABEL_MAX_PER_M2_MG * bsa_m2
    label_max = max(LABEL_MAX_FIXED_MG, per_area_max)
    if ordered_mg > label_max + 1e-9:
        findings.append(
            Finding.of(
                "rituximab.single-dose-above-label-max",
                Severity.CONTRAINDICATED,
                f"A single rituximab infusion of {ordered_mg:g} mg is above the largest labelled single dose, "
                f"max(1000 mg, 500 mg/m² × {bsa_m2:.4g} m² = {per_area_max:.1f} mg) = {label_max:.1f} mg "
                "(Rituxan US PI: RA 1000 mg; CLL 500 mg/m²).",
                RITUXAN_LABEL,
            )
        )
    return findings


def check_rituximab_order(order: Order, patient: Patient) -> DoseCheck:
    """Compare a rituximab order with 375 mg/m² weekly × 4 or 1000 mg on days 1 and 15.

    HBV status itself is judged by the interaction rules; here only the
    screening and premedication reminders are added.
    """
    expect(order, Order, "order")
    expect(patient, Patient, "patient")
    freq = order.frequency
    bsa_m2: float = patient.bsa().magnitude
    exact_mg = DOSE_PER_M2_MG * bsa_m2
    target_mg, target_text = _bsa_dose(DOSE_PER_M2_MG, bsa_m2)
    amount, per_area = _ordered_amount(order)
    ordered_mg, ordered_text = _ordered_mg(amount, per_area, bsa_m2)
    findings: list[Finding] = []
    details = {
        "BSA": f"{bsa_m2:.2f} m² (mosteller)",
        "ordered": ordered_text,
        "375 mg/m² dose": target_text,
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

    adult = patient.age_years >= ADULT_YEARS
    weekly_recommended = f"375 mg/m² = {target_mg:g} mg IV weekly x4"
    if not per_area and _is_two_weekly(freq):
        findings += _fixed_findings(freq)
        if adult:
            recommended_mg, recommended = FIXED_DOSE_MG, "1000 mg IV on days 1 and 15"
            findings += _compare(ordered_mg, FIXED_DOSE_MG, "the fixed 1000 mg dose", RITUXAN_LABEL)
            findings += _above_fixed_dose(ordered_mg)
        else:
            # Under 18 the fixed regimen is not the recommendation, and 1000 mg is no yardstick.
            recommended_mg, recommended = target_mg, f"{weekly_recommended} (under 18: dose by BSA)"
            findings += _compare_with_bsa_dose(ordered_mg, exact_mg)
            findings += _fixed_dose_paediatric(patient)
    else:
        recommended_mg, recommended = target_mg, weekly_recommended
        if per_area:
            per_m2 = amount
            findings += _compare(per_m2, DOSE_PER_M2_MG, "375 mg/m²", refs.SEED_PLAN, unit="mg/m²")
            if abs(per_m2 - DOSE_PER_M2_MG) < 1e-9:
                findings += _uncapped_note(ordered_mg)
        else:
            findings += _compare_with_bsa_dose(ordered_mg, exact_mg)
        if _is_fixed_schedule(freq):
            findings += _regimen_mismatch(freq)
            if adult:
                recommended = f"{weekly_recommended}, or 1000 mg IV on days 1 and 15 (not a mg/m² dose on days 1 and 15)"
        else:
            findings += _weekly_findings(freq)

    if not per_area:
        # Only an explicit mg order is held to the largest labelled single dose; an mg/m² order is
        # judged per m² against 375 mg/m² (MAJOR above +10 %), as before.
        findings += _above_label_max(ordered_mg, bsa_m2)
    findings += _paediatric_overdose(ordered_mg, patient, bsa_m2)
    findings.extend(_reminders())
    # A dated schedule only when the order's schedule is the regimen's: for "weekly x8"
    # four dates would read as if the order stopped after four.
    unscheduled = (
        "rituximab.frequency", "rituximab.course-length", "rituximab.regimen-mismatch", "rituximab.fixed-dose-paediatric"
    )
    if order.start_date is not None and not any(f.rule_id in unscheduled for f in findings):
        days = [0, FIXED_INTERVAL_DAYS] if _is_two_weekly(freq) and not per_area else [7 * i for i in range(WEEKLY_DOSES)]
        details["schedule"] = ", ".join((order.start_date + dt.timedelta(days=d)).isoformat() for d in days)
    details["tolerance"] = (
        "ordered dose accepted within ±10 % of 375 mg/m² × BSA (exact, before the 10 mg rounding; no mg cap) "
        f"or of the fixed 1000 mg dose ({HOPA_ROUNDING.citation})"
    )
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
