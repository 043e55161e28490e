"""Methotrexate: the weekly dose (BSA or fixed), tablets or syringe, split dosing, folic acid, order checks.

Methotrexate for dermatomyositis is taken ONCE A WEEK. Taking it daily by
mistake has killed patients (US label boxed warning; ISMP), so an order given
MORE often than weekly -- daily, every other day, several days a week -- is a
hard stop (``mtx.not-weekly``; ISMP Targeted Medication Safety Best Practice 2:
a hard stop for daily oral methotrexate). An order given LESS often than weekly
(every 2 weeks, a single dose, a weekly run inside a longer cycle) is not the
error ISMP describes: it is ``major`` -- "confirm the schedule"
(``mtx.interval-not-weekly``). A split weekly dose -- 2 or 3 administrations on
the ONE weekly day (the label's 2.5 mg every 12 h for 3 doses as a course once
weekly; the plan's morning and evening parts) -- is verified as ONE weekly dose
of dose × administrations. Every cap is checked on the most the order delivers
in any 7 days.

Severity of the caps (docs/severity.md): above the absolute maximum (30 mg/week)
blocks; above the 25 mg/week plan cap without a written override reason is
``major`` (a prescriber must confirm); an mg/m² order within the plan's 15–20
mg/m² whose product exceeds the cap is read as the plan's BSA dose, which the
plan caps: a ``caution`` naming the capped dose to give (``mtx.capped``), the
same finding the calculator gives for the same patient and mg/m².

Arithmetic, in the order it is applied (the same order in the batch path,
:func:`weekly_dose_mg` on arrays, and in one order's check or plan, its float
twin ``_weekly_dose``):

1. target = BSA × mg/m² (15–20 mg/m²) or a fixed 15–25 mg;
2. capped at 25 mg/week (30 mg/week only with a written override reason, and
   never at CrCl 30–59 mL/min, where the maximum stays 25 × 0.5 = 12.5 mg);
3. × 0.5 when Cockcroft–Gault CrCl is 30–59 mL/min; none at all below 30;
4. rounded DOWN to a whole 2.5 mg step (one tablet, or 0.1 mL of 25 mg/mL),
   so the dose never exceeds the target, the cap or the renal limit; a result
   below one step is refused, never returned as 0 mg.

Children (age < 18): the juvenile DM dose is 15–20 mg/m² weekly (SHARE 2017), so
a child's "below range" is judged in mg/m², never against the adult 15 mg floor.

A plan that carries a CONTRAINDICATED finding carries no dose
(``weekly_dose is None``): the calculator never hands out a number for a
patient who must not receive the drug.
"""

from __future__ import annotations

import decimal
import math
import numbers
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, overload

import attrs
import numpy as np
import numpy.typing as npt
import pint

from dosing import body
from dosing import references as refs
from dosing.findings import Finding, Severity
from dosing.input.fields import expect
from dosing.input.frequency import Frequency
from dosing.order import Order, Route
from dosing.patient import Patient, known_crcl
from dosing.references import Reference
from dosing.units import (
    DoseInputError,
    Quantity,
    check_magnitude,
    count_of,
    decimal_of,
    fmt_floor,
    quantity,
    unit_text,
)
from dosing.verdict import DoseCheck

if TYPE_CHECKING:
    from dosing.units import Qty

# ---------------------------------------------------------------- sources

FDA_LABEL = Reference(
    "mtx-us-label",
    "Methotrexate US prescribing information (Methotrexate Tablets USP 2.5 mg; Methotrexate Injection USP 25 mg/mL): "
    "Boxed Warning — serious adverse reactions including death; verify weekly dosing, fatal toxicity from "
    "inadvertent daily instead of weekly dosing; contraindicated in pregnancy for non-neoplastic disease; "
    "increased toxicity with renal impairment",
)
ISMP = Reference(
    "ismp-mtx-weekly",
    "ISMP Targeted Medication Safety Best Practices for Hospitals, Best Practice 2: (a) use a weekly dosage "
    "regimen default for oral methotrexate; (b) require a hard stop verification of an appropriate oncologic "
    "indication for all daily oral methotrexate orders (ismp.org/tmsbp/faq2); IMSN Global Targeted Medication "
    "Safety Best Practice 3: prescribe, dispense and administer oral methotrexate ONCE WEEKLY and specify the day "
    "of the week; a pharmacist consults the prescriber for any prescription of more than once-weekly dosing",
)
SHARE_JDM_2017 = Reference(
    "share-jdm-2017",
    "Bellutti Enders F et al. Consensus-based recommendations for the management of juvenile dermatomyositis "
    "(SHARE). Ann Rheum Dis 2017;76:329-40, Table 3: MTX should be started at a dose of 15-20 mg/m2/week (max "
    "absolute dose of 40 mg/week) preferably administered subcutaneously",
)
LABEL_DIVIDED = Reference(
    "mtx-us-label-divided",
    "Methotrexate Tablets USP, US label (pre-2020 format), Rheumatoid Arthritis starting dose schedules: single "
    "oral doses of 7.5 mg once weekly, or divided oral dosages of 2.5 mg at 12 hour intervals for 3 doses given "
    "as a course once weekly",
)
EULAR_MTX_2009 = Reference(
    "eular-3e-mtx-2009",
    "Visser K et al. Multinational evidence-based recommendations for the use of methotrexate in rheumatic "
    "disorders (3E initiative). Ann Rheum Dis 2009;68:1086-93: escalate to 25-30 mg/week, subcutaneous for "
    "insufficient response or intolerance, folic acid at least 5 mg/week, check renal function",
)
ACR_RA_2021 = Reference(
    "acr-ra-2021",
    "Fraenkel L et al. 2021 American College of Rheumatology Guideline for the Treatment of Rheumatoid "
    "Arthritis. Arthritis Care Res 2021;73:924-39: folic acid with methotrexate; split-dose oral methotrexate "
    "over 24 h or subcutaneous injection for intolerance of weekly oral methotrexate",
)
# The renal scheme dmdose implements: the EU/UK low-dose methotrexate SmPCs (sections 4.2-4.4), the only
# published scheme with bands a calculator can apply exactly. The oncology tables (Kintzel & Dorr 1995, the
# Renal Drug Handbook's "50-100 %") are not used: they give ranges, not bands.
EU_SMPC_RENAL = Reference(
    "eu-low-dose-mtx-smpc-renal",
    "EU/UK low-dose methotrexate SmPC, renal impairment. CONFIRMED for CrCl < 30 mL/min: Methotrexate 2.5 mg "
    "Tablets SmPC (ADVANZ Pharma, emc 511, 14 Sep 2023) 4.3 \"creatinine clearance less than 30 ml/min for "
    "methotrexate doses <100 mg/m2\" is a contraindication, 4.4 \"if creatinine clearance is less than 30 ml/min, "
    "treatment with methotrexate should not be given\"; Nordimet and Methrexx Swiss information "
    "(Kreatinin-Clearance < 30 ml/min contraindicated). NOT CONFIRMED from a primary text: the 30-59 mL/min -> "
    "50 % of the dose row of the newer-format SmPCs (Jylamvo, Metoject, Nordimet 4.2), seen only in secondary "
    "sources; dmdose applies it as a halved weekly maximum (25 mg x 0.5 = 12.5 mg). US labels give no numeric "
    "bands (dose reduction or discontinuation in impaired renal function)",
)

# ---------------------------------------------------------------- numbers

# Methotrexate Tablets USP 2.5 mg (US label): the only oral strength counted here.
TABLET_STRENGTH = Quantity(2.5, "mg/tablet")
# Methotrexate Injection USP 25 mg/mL (US label): 0.1 mL = 2.5 mg, the same step as a tablet.
INJECTION_CONCENTRATION = Quantity(25.0, "mg/mL")
VOLUME_STEP = Quantity(0.1, "mL")
STEP_MG = 2.5

# Seed plan: "Methotrexate at 15-20 mg/m² weekly (subcutaneous preferred)".
DOSE_PER_M2_MG = (15.0, 20.0)
# Seed plan: escalate to "20-25mg weekly"; a fixed dose is accepted from 15 mg (the current dose) to the cap.
FIXED_DOSE_MG = (15.0, 25.0)
# Seed plan upper end (25 mg) is the cap; EULAR 3E 2009 allows escalation to 30 mg/week, which dmdose
# accepts only with a written override reason. Nothing above 30 mg/week, ever.
CAP_MG = 25.0
OVERRIDE_CAP_MG = 30.0
# Seed plan: escalation target 20-25 mg weekly; check_order recommends the lower end, 20 mg,
# and no more than 20 mg/m² (the upper end of the plan's BSA range).
PLAN_TARGET_MG = 20.0
PLAN_TARGET_PER_M2 = 20.0
# Seed plan: "6 tablets weekly (approximately 15mg) is suboptimal for refractory disease".
SUBOPTIMAL_MG = 15.0
# SHARE 2017 (juvenile DM): 15–20 mg/m²/week, max absolute 40 mg/week. The plan's 25 mg/week cap is lower
# and still applies to children: dmdose never raises a cap from a source meant for another population.
CHILD_DOSE_PER_M2_MG = (15.0, 20.0)
SHARE_MAX_MG = 40.0  # documented only; the plan cap (25 mg, 30 mg with override) is the binding limit

# Split weekly dose: the label's divided course is 3 doses 12 h apart (LABEL_DIVIDED), the plan's split is
# 2 parts (morning and evening; ACR 2021 split over 24 h). More parts on one day is not a described regimen.
MAX_SPLIT_PARTS = 3
# 3 doses 12 h apart span 24 h (LABEL_DIVIDED): a "split" spread wider than that falls on more than one day.
SPLIT_SPAN_HOURS = 24

WEEKDAY_NAMES = {1: "Monday", 2: "Tuesday", 3: "Wednesday", 4: "Thursday", 5: "Friday", 6: "Saturday", 7: "Sunday"}

# Renal bands on Cockcroft–Gault CrCl, EU low-dose SmPC scheme (see EU_SMPC_RENAL): < 30 mL/min do not give
# (strictly below: 30 itself is in the halved band), 30 to < 60 half the dose, 60 and above the full dose.
CRCL_STOP_ML_MIN = 30.0
CRCL_REDUCE_ML_MIN = 60.0
RENAL_REDUCTION = 0.5

# The largest methotrexate doses in the US label are oncologic (osteosarcoma: 12 g/m², up to 15 g/m²;
# 15 g/m² × 2.5 m² ≈ 37.5 g). An amount above 40 g is a typing error, not an order to check.
PLAUSIBLE_MAX_MG = 40000.0

# Float noise (e.g. 14.999999999999998 mg) must not lose a whole 2.5 mg step when flooring,
# nor make a dose exactly at a limit (25 mg, 30 mg, 12.5 mg) read as above it.
_FLOOR_EPS = 1e-9
_TOL = 1e-9

# Names under which an order in mL means the generic Methotrexate Injection USP 25 mg/mL (US label),
# compared after _drug_key (case, spaces and hyphens ignored). Every other name -- a brand -- is
# refused in mL: the brands' labels give other concentrations or fixed volumes, e.g. Rasuvo
# 7.5-30 mg in 0.15-0.6 mL = 50 mg/mL (Rasuvo US PI; NDC 59137-515: 12.5 mg/0.25 mL), Metoject
# pre-filled syringes 50 mg/mL (Metoject SmPC), Otrexup 10-25 mg each in 0.4 mL (Otrexup US PI),
# RediTrex pre-filled syringes (RediTrex US PI), Xatmep 2.5 mg/mL and Jylamvo 2 mg/mL oral solutions
# (their US PIs). A volume of a brand says nothing of its dose; nor does a tablet count (Trexall
# tablets are 5, 7.5, 10 and 15 mg, Trexall US PI; generic methotrexate tablets USP are 2.5 mg).
GENERIC_NAMES = frozenset({"methotrexate", "methotrexatesodium", "mtx", "amethopterin"})


def _drug_key(name: str) -> str:
    # str.split() splits on exactly the characters str.isspace() calls whitespace.
    return "".join(name.lower().split()).replace("-", "")


def _is_generic(drug: str) -> bool:
    return _drug_key(drug) in GENERIC_NAMES


# ---------------------------------------------------------------- number text
# Every number in this module's messages and details has at most 2 decimals ("27.2718 mg" -> "27.27 mg").


def _n(x: float) -> str:
    value = float(x)
    if value != 0 and abs(value) < 0.005:
        return "<0.01" if value > 0 else ">-0.01"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _q(q: Qty) -> str:
    return f"{_n(q.magnitude)} {unit_text(q.units)}"


# The unit texts _q writes for the units the order check works in (the same unit_text, read once): the check
# works on float magnitudes in these units and writes "<number> <unit>" exactly as _q of the Quantity would.
_MG = unit_text(Quantity(1.0, "mg").units)
_ML = unit_text(Quantity(1.0, "mL").units)
_KG = unit_text(Quantity(1.0, "kg").units)
_MG_DL = unit_text(Quantity(1.0, "mg/dL").units)


def _above(x: float, limit: float) -> str:
    """``x`` (> ``limit``) to 2 decimals, rounded UP if plain rounding would read as the limit ("25.004" -> "25.01")."""
    text = _n(x)
    return text if float(text) > limit else _n(math.ceil(x * 100) / 100)


def _below(x: float, limit: float) -> str:
    """``x`` (< ``limit``) to 2 decimals, rounded DOWN if plain rounding would read as the limit."""
    text = _n(x)
    if text.startswith("<") or float(text) < limit:
        return text
    return _n(math.floor(x * 100) / 100)


# ---------------------------------------------------------------- result values


def _findings_tuple(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    # attrs' converter, spelt out so that the attrs plugin of mypy knows what __init__ takes.
    return tuple(findings)


@attrs.frozen
class FolicAcid:
    """The folic acid that must accompany methotrexate."""

    dose: Qty
    schedule: str  # "daily" or "weekly"
    instructions: str
    reference: str


@attrs.frozen
class DosePart:
    """One part of a split weekly dose; both parts are taken on the SAME day."""

    when: str  # "morning" or "evening"
    dose: Qty
    tablets: int | None
    volume: Qty | None


@attrs.frozen
class MethotrexatePlan:
    """A weekly methotrexate dose and everything a pharmacist needs to re-check it.

    ``weekly_dose``/``tablets``/``volume`` are None when a CONTRAINDICATED finding
    forbids the drug (e.g. CrCl < 30 mL/min). ``tablets`` is set for oral plans,
    ``volume`` (mL of 25 mg/mL) for subcutaneous ones. ``split`` is empty unless a
    split dose was asked for. ``target_dose`` is the unrounded, uncapped target.
    ``cap`` is the cap applied before any renal factor: 30 mg with an override
    reason, but 25 mg whenever CrCl is 30–59 mL/min (the override never raises
    the renal maximum of 12.5 mg).
    """

    weekly_dose: Qty | None
    route: Route
    frequency: str
    tablets: int | None
    volume: Qty | None
    split: tuple[DosePart, ...]
    mode: str
    bsa: Qty | None
    bsa_formula: str | None
    target_dose: Qty
    cap: Qty
    crcl: Qty | None
    renal_factor: float | None  # None: not to be given (CrCl < 30 mL/min)
    renal_adjustment: str
    rounding: str
    folic_acid: FolicAcid
    findings: tuple[Finding, ...] = attrs.field(converter=_findings_tuple)

    @property
    def blocked(self) -> bool:
        return any(f.severity is Severity.CONTRAINDICATED for f in self.findings)


WEEKLY = "once weekly, on the same day each week"


# ---------------------------------------------------------------- pure numeric helpers (scalar and batch)


def _is_real_number(x: object) -> bool:
    return isinstance(x, (numbers.Real, decimal.Decimal)) and not isinstance(x, (bool, np.bool_))


def _numeric(value: object, parameter: str) -> npt.NDArray[np.float64]:
    if isinstance(value, (pint.Quantity, str, bool, np.bool_)):
        raise DoseInputError(parameter, f"expected plain float magnitudes (the batch helper), got {type(value).__name__}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raise DoseInputError(parameter, f"expected numbers, got {value!r}") from None
    # float() of a numpy array would read "20" as 20 and drop the imaginary part of 20+1j:
    # only real numbers are magnitudes.
    real = raw.dtype.kind in "iuf" or (raw.dtype.kind == "O" and all(_is_real_number(x) for x in raw.ravel()))
    if not real:
        raise DoseInputError(parameter, f"expected real numbers, got {value!r}")
    array = raw.astype(float)
    if array.size == 0:
        raise DoseInputError(parameter, "empty")
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(array) | (array <= 0)
    if bad.any():
        raise DoseInputError(parameter, f"every value must be finite and positive, got {array[bad].ravel()[0]!r}")
    return array


def _scalar(value: object, parameter: str) -> float:
    array = _numeric(value, parameter)
    if array.size != 1:
        raise DoseInputError(parameter, "expected a single value, got an array")
    return float(array.ravel()[0])


@overload
def weekly_dose_mg(target_mg: float, cap_mg: float = ..., step_mg: float = ..., renal_factor: float = ...) -> float: ...
@overload
def weekly_dose_mg(
    target_mg: npt.ArrayLike, cap_mg: float = ..., step_mg: float = ..., renal_factor: float = ...
) -> float | npt.NDArray[np.float64]: ...
def weekly_dose_mg(
    target_mg: npt.ArrayLike, cap_mg: float = CAP_MG, step_mg: float = STEP_MG, renal_factor: float = 1.0
) -> float | npt.NDArray[np.float64]:
    """Weekly dose in mg: min(target, cap) × renal_factor, rounded DOWN to a whole ``step_mg``.

    With a renal factor below 1 the cap is at most 25 mg whatever ``cap_mg`` says: an
    override reason (cap 30 mg) never raises the renal maximum (25 mg × 0.5 = 12.5 mg).

    A result below one step raises (parameter ``target_mg``) rather than return 0 mg.

    Works on floats and numpy arrays (the batch path) alike; returns a float for
    a scalar target. The cap may never exceed 30 mg/week (EULAR 3E 2009) and the
    renal factor must lie in (0, 1] — no renal rule ever raises a dose.
    """
    target = _numeric(target_mg, "target_mg")
    cap = _scalar(cap_mg, "cap_mg")
    step = _scalar(step_mg, "step_mg")
    factor = _scalar(renal_factor, "renal_factor")
    if cap > OVERRIDE_CAP_MG:
        raise DoseInputError("cap_mg", f"{_n(cap)} mg/week is above the absolute maximum {_n(OVERRIDE_CAP_MG)} mg/week")
    if factor > 1.0:
        raise DoseInputError("renal_factor", f"must be at most 1, got {_n(factor)}")
    if factor < 1.0:
        # An override raises the cap only in normal renal function: the renal maximum is always
        # 25 mg × factor (12.5 mg at CrCl 30–59 mL/min; EU low-dose SmPC scheme: see EU_SMPC_RENAL).
        cap = min(cap, CAP_MG)
    limited = np.minimum(target, cap) * factor
    steps = np.floor(limited / step + _FLOOR_EPS)
    if (steps < 1).any():
        # 0 mg is not a dose: a target below one step cannot be dosed by this rule.
        smallest = float(limited.ravel()[np.argmin(steps.ravel())])
        raise _below_one_step(smallest, step)
    dose = steps * step
    return float(dose) if dose.ndim == 0 else dose


def _below_one_step(limited_mg: float, step_mg: float) -> DoseInputError:
    return DoseInputError(
        "target_mg", f"{_n(limited_mg)} mg/week (after cap and renal factor) is less than one {_n(step_mg)} mg step; dose by hand"
    )


def _weekly_dose(target_mg: float, cap_mg: float, renal_factor: float) -> float:
    """:func:`weekly_dose_mg` for one float whose checks are already met (target > 0, cap ≤ 30 mg,
    factor in (0, 1], the 2.5 mg step): the order check's and the calculator's arithmetic, on plain floats.

    The same IEEE operations in the same order as the numpy path (min, × factor, / step + eps, floor,
    × step), so each float is the batch path's to the last bit.
    """
    cap = min(cap_mg, CAP_MG) if renal_factor < 1.0 else cap_mg
    limited = min(target_mg, cap) * renal_factor
    steps = math.floor(limited / STEP_MG + _FLOOR_EPS)
    if steps < 1:
        raise _below_one_step(limited, STEP_MG)
    return float(steps * STEP_MG)


def _dose_for_patient(target_mg: float, cap_mg: float, renal_factor: float, basis: Callable[[], str]) -> float:
    """:func:`_weekly_dose`, where a result below one step is the patient's size (and kidneys): named so."""
    try:
        return _weekly_dose(target_mg, cap_mg, renal_factor)
    except DoseInputError as err:
        raise DoseInputError("patient", f"{basis()}: {err.problem}") from None


@overload
def weekly_dose_mg_from_bsa(
    bsa_m2: float, mg_per_m2: float, cap_mg: float = ..., step_mg: float = ..., renal_factor: float = ...
) -> float: ...
@overload
def weekly_dose_mg_from_bsa(
    bsa_m2: npt.ArrayLike, mg_per_m2: npt.ArrayLike, cap_mg: float = ..., step_mg: float = ..., renal_factor: float = ...
) -> float | npt.NDArray[np.float64]: ...
def weekly_dose_mg_from_bsa(
    bsa_m2: npt.ArrayLike, mg_per_m2: npt.ArrayLike, cap_mg: float = CAP_MG, step_mg: float = STEP_MG, renal_factor: float = 1.0
) -> float | npt.NDArray[np.float64]:
    """BSA (m²) × mg/m², then :func:`weekly_dose_mg`. Floats or numpy arrays; mg/m² must be 15–20 (seed plan)."""
    bsa = _numeric(bsa_m2, "bsa_m2")
    per_m2 = _numeric(mg_per_m2, "mg_per_m2")
    lo, hi = DOSE_PER_M2_MG
    if ((per_m2 < lo - _TOL) | (per_m2 > hi + _TOL)).any():
        raise DoseInputError("mg_per_m2", f"must be {_n(lo)}–{_n(hi)} mg/m² weekly (seed plan)")
    return weekly_dose_mg(bsa * per_m2, cap_mg, step_mg, renal_factor)


def dose_per_m2_value(value: Qty | str) -> Qty:
    """A BSA dose, checked against the seed plan's 15–20 mg/m² weekly."""
    return quantity(value, "dose_per_m2", "dose per area", unit="mg/m**2", minimum=DOSE_PER_M2_MG[0], maximum=DOSE_PER_M2_MG[1])


def renal_dose_factor(crcl_ml_min: float) -> float | None:
    """1.0 at CrCl ≥ 60, 0.5 at 30 to < 60, None (do not give) below 30 mL/min (EU low-dose SmPC scheme: EU_SMPC_RENAL)."""
    if isinstance(crcl_ml_min, (pint.Quantity, str, bool, np.bool_)) or not isinstance(crcl_ml_min, (int, float, np.number)):
        raise DoseInputError("crcl_ml_min", f"expected a plain number of mL/min, got {crcl_ml_min!r}")
    value = float(crcl_ml_min)
    if not math.isfinite(value) or value < 0:
        raise DoseInputError("crcl_ml_min", f"must be finite and not negative, got {value!r}")
    if value < CRCL_STOP_ML_MIN:
        return None
    if value < CRCL_REDUCE_ML_MIN:
        return RENAL_REDUCTION
    return 1.0


# ---------------------------------------------------------------- conversions


# Every conversion refuses amounts above PLAUSIBLE_MAX_MG, in its own unit: beyond it lies no
# order, only typing errors (and Decimal arithmetic that cannot hold the digits).
_MAX_TABLETS = PLAUSIBLE_MAX_MG / TABLET_STRENGTH.magnitude
_MAX_ML = PLAUSIBLE_MAX_MG / INJECTION_CONCENTRATION.magnitude
# The float magnitudes the check works in: mg per tablet and mg per mL.
_TABLET_MG: float = TABLET_STRENGTH.magnitude
_MG_PER_ML: float = INJECTION_CONCENTRATION.magnitude

# The two steps the conversions round to, read as dosing.units.round_to_step reads them (decimal_of): the same
# Decimals, so the same counts, as rounding the Quantity in pint.
_UG_STEP = decimal_of(1e-6)  # 1 µg, in mg
_ML_STEP = decimal_of(0.001)  # 0.001 mL


def _nearest(value: float, step: Decimal) -> float:
    """``value`` rounded half up to a whole ``step`` (round_to_step 'nearest', on a float)."""
    return float((decimal_of(value) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)


def _ml_of_mg(mg: float) -> float:
    """mg → mL of the 25 mg/mL injection, to 0.001 mL (the float of :func:`mg_to_volume`)."""
    return _nearest(mg / _MG_PER_ML, _ML_STEP)


def _mg_of_ml(ml: float) -> float:
    """mL of 25 mg/mL → mg, to 1 µg (the float of :func:`volume_to_mg`, before its "less than 1 µg" check)."""
    return _nearest(ml * _MG_PER_ML, _UG_STEP)


def _mg(dose: Qty | str) -> Qty:
    return quantity(dose, "dose", "mass", unit="mg", maximum=PLAUSIBLE_MAX_MG)


def tablets_to_mg(tablets: Qty | str, parameter: str = "tablets") -> Qty:
    """'6 tablets' → 15 mg (2.5 mg tablets)."""
    count = quantity(tablets, parameter, "tablet count", unit="tablet", maximum=_MAX_TABLETS)
    return Quantity(count.magnitude * _TABLET_MG, "mg")


def mg_to_tablets(dose: Qty | str) -> int:
    """15 mg → 6; raises if the dose is not a whole number of 2.5 mg tablets."""
    return count_of(_mg(dose), Quantity(STEP_MG, "mg"))


def volume_to_mg(volume: Qty | str, parameter: str = "volume") -> Qty:
    """mL of the 25 mg/mL injection → mg ('0.8 mL' → 20 mg)."""
    ml = quantity(volume, parameter, "volume", unit="mL", maximum=_MAX_ML).magnitude
    mg = _mg_of_ml(ml)
    if mg <= 0:
        raise DoseInputError(parameter, f"{_n(ml)} {_ML} is less than 1 µg of methotrexate; not a measurable dose")
    return Quantity(mg, "mg")


def mg_to_volume(dose: Qty | str) -> Qty:
    """mg → mL of the 25 mg/mL injection, exact to 0.001 mL (20 mg → 0.8 mL)."""
    return Quantity(_ml_of_mg(_mg(dose).magnitude), "mL")


# ---------------------------------------------------------------- folic acid


def folic_acid_plan(schedule: str = "daily") -> FolicAcid:
    """Folic acid 1 mg daily (seed plan), or 5 mg once weekly on a day other than the methotrexate day (EULAR 3E 2009)."""
    key = str(schedule).strip().lower() if isinstance(schedule, str) else None
    if key == "daily":
        return FolicAcid(
            Quantity(1.0, "mg"),
            "daily",
            "folic acid 1 mg by mouth once daily (the seed plan continues it); do not stop it while on methotrexate",
            refs.SEED_PLAN.citation,
        )
    if key == "weekly":
        return FolicAcid(
            Quantity(5.0, "mg"),
            "weekly",
            "folic acid 5 mg by mouth once weekly, on a different day from methotrexate (e.g. the day after)",
            EULAR_MTX_2009.citation,
        )
    raise DoseInputError("folic_acid", f"expected 'daily' (1 mg daily) or 'weekly' (5 mg weekly), got {schedule!r}")


def _folic_finding(folate: FolicAcid) -> Finding:
    return Finding.of(
        "mtx.folic-acid",
        Severity.INFO,
        f"Methotrexate must be accompanied by folic acid: {folate.instructions}.",
        refs.SEED_PLAN if folate.schedule == "daily" else EULAR_MTX_2009,
    )


# The folic acid the order check names (the seed plan's 1 mg daily) and its finding: immutable values,
# built once rather than for every order.
_DAILY_FOLATE = folic_acid_plan("daily")
_DAILY_FOLIC_FINDING = _folic_finding(_DAILY_FOLATE)


# ---------------------------------------------------------------- input helpers


def _patient(patient: object) -> Patient:
    return expect(patient, Patient, "patient")


def _override(reason: object) -> str | None:
    if reason is None:
        return None
    if not isinstance(reason, str) or not reason.strip():
        raise DoseInputError("override_reason", f"expected a written clinical reason or None, got {reason!r}")
    return reason.strip()


def _flag(value: object, parameter: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise DoseInputError(parameter, f"expected True or False, got {value!r}")
    return bool(value)


def _plan_route(route: Route | str) -> Route:
    parsed = Route.parse(route)
    if parsed not in (Route.ORAL, Route.SUBCUTANEOUS):
        raise DoseInputError("route", f"methotrexate plans here are oral or subcutaneous (seed plan), got {parsed.value}")
    return parsed


def _fixed_dose(value: Qty | str, cap: float, overridden: bool) -> Qty:
    dose = quantity(value, "fixed_dose", "mass", unit="mg", minimum=FIXED_DOSE_MG[0], maximum=OVERRIDE_CAP_MG)
    if dose.magnitude > cap + _TOL:
        why = "" if overridden else f"; up to {_n(OVERRIDE_CAP_MG)} mg/week needs override_reason"
        raise DoseInputError("fixed_dose", f"{_q(dose)} is above the {_n(cap)} mg/week cap{why}")
    return dose


# ---------------------------------------------------------------- kidney


@attrs.frozen
class _Renal:
    crcl: Qty | None
    factor: float | None  # None: do not give
    source: str
    # The Cockcroft–Gault weight in kg (None when no CrCl was computed), and the CrCl as shown (read once).
    weight_used_kg: float | None
    crcl_text: str


def _renal(patient: Patient, crcl: Qty | str | None = None) -> _Renal:
    if crcl is not None:
        value = body.crcl_value(crcl)
        return _Renal(value, renal_dose_factor(value.magnitude), "given explicitly", None, fmt_floor(value))
    # (None, why) when sex, creatinine or adult age leave Cockcroft–Gault undefined:
    # unknown kidney function is a caution downstream, never a guess or a refusal.
    cg, why = known_crcl(patient)  # adjusted weight in obesity (Winter 2012)
    scr = patient.serum_creatinine
    if cg is None or scr is None:  # a CrCl is only ever computed from a creatinine
        return _Renal(None, 1.0, why, None, "unknown")
    weight_kg = cg.weight_used.to("kg").magnitude
    source = f"Cockcroft–Gault, SCr {_n(scr.to('mg/dL').magnitude)} {_MG_DL}, {cg.reason} {_n(weight_kg)} {_KG}"
    return _Renal(cg.value, renal_dose_factor(cg.value.magnitude), source, weight_kg, fmt_floor(cg.value))


def _renal_band(renal: _Renal) -> float | list[Finding]:
    """The renal factor when a CrCl band applies; else the finding for unknown kidney function or CrCl < 30 mL/min."""
    if renal.crcl is None:
        return [_renal_unknown(renal)]
    if renal.factor is None:
        return [_renal_stop(renal)]
    return renal.factor


def _renal_plan_findings(renal: _Renal) -> list[Finding]:
    factor = _renal_band(renal)
    if isinstance(factor, list):
        return factor
    if factor < 1.0:
        return [
            Finding.of(
                "mtx.renal-reduce",
                Severity.MAJOR,
                f"CrCl {renal.crcl_text} ({renal.source}) is 30–59 mL/min: the weekly dose is reduced by 50 %. "
                "Methotrexate is cleared by the kidney; monitor blood counts, creatinine and liver tests closely.",
                EU_SMPC_RENAL,
            )
        ]
    return []


def _renal_unknown(renal: _Renal) -> Finding:
    return Finding.of(
        "mtx.renal-unknown",
        Severity.CAUTION,
        f"renal function {renal.source}: the dose cannot be renally checked. Assess kidney function before dosing — "
        "methotrexate must be halved at CrCl 30–59 mL/min and not given below 30 mL/min.",
        EU_SMPC_RENAL,
    )


def _renal_stop(renal: _Renal) -> Finding:
    return Finding.of(
        "mtx.renal-contraindicated",
        Severity.CONTRAINDICATED,
        f"CrCl {renal.crcl_text} ({renal.source}) is below 30 mL/min: do not give methotrexate "
        "(it accumulates and causes marrow and mucosal toxicity).",
        EU_SMPC_RENAL,
    )


def _renal_text(renal: _Renal) -> str:
    if renal.crcl is None:
        return "none: renal function unknown (no serum creatinine), dose NOT renally checked"
    if renal.factor is None:
        return f"CrCl {renal.crcl_text} < 30 mL/min: methotrexate not to be given"
    if renal.factor < 1.0:
        return f"CrCl {renal.crcl_text} is 30–59 mL/min: dose × 0.5"
    return f"none: CrCl {renal.crcl_text} ≥ 60 mL/min"


# ---------------------------------------------------------------- patient conditions


def _condition_findings(patient: Patient, route: Route | None) -> list[Finding]:
    # Pregnancy, breastfeeding and liver disease are rules of the interactions
    # engine (interactions/rules.toml), the one place patient contraindications live.
    out = []
    if route is Route.ORAL and patient.has("dysphagia_new_onset"):
        out.append(Finding.of("mtx.oral-dysphagia", Severity.CAUTION,
                              "New-onset dysphagia: swallowing tablets may be unreliable and unsafe; the plan prefers subcutaneous methotrexate.",
                              refs.SEED_PLAN))
    return out


# ---------------------------------------------------------------- calculator


def _split(dose_mg: float, route: Route) -> tuple[tuple[DosePart, ...], Finding]:
    steps = int(round(dose_mg / STEP_MG))
    if steps < 2:
        raise DoseInputError("split", f"{_n(dose_mg)} mg is a single 2.5 mg step and cannot be split into two parts")
    # Odd counts: the larger part first (morning), so the two parts still sum exactly.
    first, second = math.ceil(steps / 2), steps // 2
    named = [_part(when, n, route) for when, n in (("morning", first), ("evening", second))]
    parts = tuple(part for part, _ in named)
    unit = "tablets" if route is Route.ORAL else "× 0.1 mL"
    text = " and ".join(f"{name} in the {part.when}" for part, name in named)
    odd = " (odd count: larger part first)" if steps % 2 else ""
    finding = Finding.of(
        "mtx.split",
        Severity.INFO,
        f"Split weekly dose on ONE day: {text}; total {_n(dose_mg)} mg = {steps} {unit}{odd}. Never spread it over several days.",
        ACR_RA_2021,
    )
    return parts, finding


def _part(when: str, steps: int, route: Route) -> tuple[DosePart, str]:
    """One part of a split dose, and how the split finding names it."""
    mg = Quantity(steps * STEP_MG, "mg")
    if route is Route.ORAL:
        return DosePart(when, mg, steps, None), f"{steps} tablets ({_q(mg)})"
    volume = mg_to_volume(mg)
    return DosePart(when, mg, None, volume), f"{_q(volume)} ({_q(mg)})"


def calculate_methotrexate(
    patient: Patient,
    *,
    mode: str = "bsa",
    dose_per_m2: Qty | str = "15 mg/m**2",
    fixed_dose: Qty | str = "20 mg",
    route: Route | str = "oral",
    split: bool = False,
    bsa_formula: body.BSAFormula | str = "mosteller",
    crcl: Qty | str | None = None,
    override_reason: str | None = None,
    folic_acid: str = "daily",
) -> MethotrexatePlan:
    """The weekly methotrexate dose for ``patient``.

    ``mode="bsa"``: ``dose_per_m2`` (15–20 mg/m²) × BSA (``bsa_formula``, Mosteller
    by default). ``mode="fixed"``: ``fixed_dose`` (15–25 mg, up to 30 mg with
    ``override_reason``). The cap is 25 mg/week, 30 mg/week with an override
    reason. ``crcl`` (mL/min) overrides the Cockcroft–Gault estimate from the
    patient's creatinine; with neither, a CAUTION says the dose is not renally
    checked. CrCl < 30 mL/min returns a plan with no dose and a CONTRAINDICATED
    finding. ``folic_acid``: 'daily' (1 mg daily) or 'weekly' (5 mg weekly).
    """
    patient = _patient(patient)
    if mode not in ("bsa", "fixed"):
        raise DoseInputError("mode", f"expected 'bsa' or 'fixed', got {mode!r}")
    plan_route = _plan_route(route)
    split = _flag(split, "split")
    reason = _override(override_reason)
    cap = OVERRIDE_CAP_MG if reason else CAP_MG
    folate = folic_acid_plan(folic_acid)
    renal = _renal(patient, crcl)
    # The override lifts the 25 mg cap only in normal (or unknown) renal function: at CrCl 30–59 mL/min the
    # maximum is 25 mg × 0.5 = 12.5 mg whatever the reason (EU low-dose SmPC scheme: see EU_SMPC_RENAL).
    renal_limited = renal.factor is None or renal.factor < 1.0
    dose_cap = CAP_MG if renal_limited else cap

    bsa: Qty | None = None
    formula: body.BSAFormula | None = None
    target: Qty
    if mode == "bsa":
        per_m2 = dose_per_m2_value(dose_per_m2).magnitude
        formula = body.parse_bsa_formula(bsa_formula, "bsa_formula")
        bsa = patient.bsa(formula)
        target = Quantity(bsa.magnitude * per_m2, "mg")
        cap_basis = f"{_n(per_m2)} mg/m² × BSA {bsa.magnitude:.2f} m² ({formula.value})"
        basis = f"{bsa.magnitude:.2f} m² ({formula.value}) × {_n(per_m2)} mg/m² = {target.magnitude:.2f} mg"
    else:
        target = _fixed_dose(fixed_dose, cap, reason is not None)
        basis = cap_basis = f"fixed {_q(target)}"

    findings = [
        Finding.of("mtx.weekly-only", Severity.INFO,
                   f"Methotrexate is taken {WEEKLY} — NEVER daily. Daily dosing by mistake has been fatal.", FDA_LABEL),
        _folic_finding(folate),
    ]
    findings += _renal_plan_findings(renal)
    findings += _condition_findings(patient, plan_route)
    if plan_route is Route.ORAL:
        findings.append(Finding.of("mtx.sc-preferred", Severity.INFO,
                                   "The plan prefers subcutaneous methotrexate (seed plan: '15-20 mg/m² weekly, subcutaneous preferred').",
                                   refs.SEED_PLAN))

    def plan(weekly_dose: Qty | None, tablets: int | None, volume: Qty | None, parts: tuple[DosePart, ...],
             rounding: str) -> MethotrexatePlan:
        return MethotrexatePlan(
            weekly_dose=weekly_dose, route=plan_route, frequency=WEEKLY, tablets=tablets, volume=volume, split=parts,
            mode=mode, bsa=bsa, bsa_formula=None if formula is None else formula.value, target_dose=target,
            cap=Quantity(dose_cap, "mg"), crcl=renal.crcl, renal_factor=renal.factor, renal_adjustment=_renal_text(renal),
            rounding=rounding, folic_acid=folate, findings=findings,
        )

    factor = renal.factor
    # factor None (CrCl < 30 mL/min) always comes with its CONTRAINDICATED finding.
    if factor is None or any(f.severity is Severity.CONTRAINDICATED for f in findings):
        return plan(None, None, None, (), f"{basis}; no dose: contraindicated (see findings)")

    # BSA × mg/m² (the target's own float) or the fixed dose, capped, renally reduced, rounded down.
    dose_mg = _dose_for_patient(target.magnitude, dose_cap, factor, lambda: basis)
    rounding = _rounding_text(basis, target.magnitude, dose_cap, factor, dose_mg, plan_route)
    # One function for the calculator and an mg/m² order (check_order), so the two entry points agree.
    findings += _bsa_cap_findings(target.magnitude, reason, factor, cap_basis)
    findings.append(Finding.of("mtx.rounding", Severity.INFO, f"Rounding: {rounding}.", FDA_LABEL))

    weekly = Quantity(dose_mg, "mg")
    tablets = mg_to_tablets(weekly) if plan_route is Route.ORAL else None
    volume = mg_to_volume(weekly) if plan_route is Route.SUBCUTANEOUS else None
    parts: tuple[DosePart, ...] = ()
    if split:
        parts, split_finding = _split(dose_mg, plan_route)
        findings.append(split_finding)
    return plan(weekly, tablets, volume, parts, rounding)


def _rounding_text(basis: str, target: float, cap: float, factor: float, dose: float, route: Route) -> str:
    steps = [basis]
    capped = min(target, cap)
    if target > cap + _TOL:
        steps.append(f"capped at {_n(cap)} mg")
    if factor < 1.0:
        steps.append(f"× {_n(factor)} (renal) = {capped * factor:.2f} mg")
    weekly = Quantity(dose, "mg")
    form = (f"{mg_to_tablets(weekly)} × 2.5 mg tablets" if route is Route.ORAL
            else f"{_n(_ml_of_mg(dose))} {_ML} of 25 mg/mL")
    steps.append(f"rounded DOWN to a whole 2.5 mg step: {_n(dose)} mg = {form}")
    return " → ".join(steps)


# ---------------------------------------------------------------- order check


@attrs.frozen
class _Ordered:
    """The ordered dose per administration in mg, and how it was read (floats, read once from the Order)."""

    mg: float
    conversion: str  # how it was converted, for details["ordered"]
    per_m2: float | None  # mg/m² as ordered, for an order in mg/m²
    tablets: bool  # ordered as a tablet count


def _ordered_mg(order: Order, bsa_m2: float, generic: bool) -> _Ordered:
    """The ordered dose per administration in mg, and how it was converted."""
    dose = order.dose
    if dose.is_compatible_with("tablet"):
        if not generic:
            # Trexall US PI: 5, 7.5, 10 and 15 mg tablets; only generic methotrexate tablets USP are 2.5 mg.
            raise DoseInputError("dose", f"{_n(dose.magnitude)} tablets of {order.drug!r}: a tablet count is converted only for "
                                         "generic methotrexate tablets 2.5 mg; brand strengths differ (e.g. Trexall 5, 7.5, "
                                         "10, 15 mg, per its label): order in mg")
        mg = tablets_to_mg(dose, "dose").magnitude
        return _Ordered(mg, f"{_n(dose.magnitude)} tablets × 2.5 mg = {_n(mg)} mg", None, True)
    if dose.is_compatible_with("mL"):
        if order.route is Route.ORAL:
            raise DoseInputError("dose", "a volume for oral methotrexate is ambiguous (oral solution 2.5 mg/mL vs injection "
                                         "25 mg/mL); order oral methotrexate in mg or tablets")
        if not generic:
            # Brand labels (see GENERIC_NAMES): Rasuvo/Metoject 50 mg/mL, Otrexup 0.4 mL at every strength.
            raise DoseInputError("dose", f"{_q(dose.to('mL'))} of {order.drug!r}: a volume is converted only for generic "
                                         "methotrexate injection 25 mg/mL (US label); brand concentrations differ (e.g. "
                                         "Rasuvo/Metoject 50 mg/mL, Otrexup 0.4 mL at every strength, per their labels): "
                                         "order in mg")
        mg = volume_to_mg(dose, "dose").magnitude
        return _Ordered(mg, f"{_q(dose.to('mL'))} × 25 mg/mL = {_n(mg)} mg", None, False)
    if dose.is_compatible_with("mg/m**2"):
        per_m2 = quantity(dose, "dose", "dose per area", unit="mg/m**2").magnitude
        mg = per_m2 * bsa_m2
        # The product is a dose in mg, refused beyond PLAUSIBLE_MAX_MG as one written in mg would be.
        check_magnitude(mg, "dose", "mg", maximum=PLAUSIBLE_MAX_MG)
        return _Ordered(mg, f"{_n(per_m2)} mg/m² × {bsa_m2:.2f} m² (Mosteller) = {mg:.2f} mg", per_m2, False)
    if dose.is_compatible_with("mg"):
        mg = _mg(dose).magnitude
        return _Ordered(mg, f"{_n(mg)} mg", None, False)
    raise DoseInputError("dose", f"{dose:~P} cannot be a methotrexate dose: order it in mg, tablets, mg/m² or mL (SC, 25 mg/mL)")


# ---------------------------------------------------------------- schedules

# How an order's schedule relates to "once weekly" (see the module docstring for the severities).
WEEKLY_KIND = "weekly"            # one administration on one day a week
SPLIT_KIND = "split weekly"       # 2–3 administrations on the one weekly day: one weekly dose
MANY_ON_DAY_KIND = "many on the weekly day"  # > 3 administrations on the one weekly day
MORE_OFTEN_KIND = "more often than weekly"   # daily, every other day, several days a week
LESS_OFTEN_KIND = "less often than weekly"   # every 2+ weeks, a single dose, a weekly run inside a cycle


def _schedule(freq: object) -> Frequency:
    """The order's frequency; a Frequency validates its own fields (dosing.input.frequency)."""
    return expect(freq, Frequency, "frequency")


def _weekdays(freq: Frequency) -> tuple[int, ...]:
    # Frequency gains ``weekdays`` and ``hours_apart`` (helper F, shared contract); older values have neither.
    return tuple(sorted(set(getattr(freq, "weekdays", ()) or ())))


def _hours_apart(freq: Frequency) -> int | None:
    return getattr(freq, "hours_apart", None)


def _schedule_kind(freq: Frequency) -> str:
    """Classify a schedule. More than one administration DAY in a week is always MORE_OFTEN_KIND."""
    if freq.interval_days is not None and freq.interval_days < 7:
        return MORE_OFTEN_KIND
    if len(_weekdays(freq)) > 1:
        # The contract keeps interval_days < 7 for several weekdays; a hand-built value is judged the same way.
        return MORE_OFTEN_KIND
    if freq.interval_days != 7 or freq.cycle_days is not None:
        # interval > 7, a single dose (None), or weekly runs inside a longer cycle: never more than one
        # administration day in any 7 days, but not the weekly schedule either.
        return LESS_OFTEN_KIND
    if freq.times_per_day == 1:
        return WEEKLY_KIND
    hours = _hours_apart(freq)
    if hours is not None and (freq.times_per_day - 1) * hours > SPLIT_SPAN_HOURS:
        # "2 doses 48 hours apart" is two administration days, whatever the interval says.
        return MORE_OFTEN_KIND
    # Same definition as Frequency.is_split_weekly (interval 7, times_per_day 2 or 3, no cycle).
    return SPLIT_KIND if freq.times_per_day <= MAX_SPLIT_PARTS else MANY_ON_DAY_KIND


def _doses_in_any_week(freq: Frequency) -> int:
    """The most administrations that can fall within any 7 consecutive days (the cap is per week)."""
    if freq.interval_days is None:  # a single dose
        days = 1
    elif freq.cycle_days is None:
        days = math.ceil(7 / freq.interval_days)
        days = days if freq.count is None else min(days, freq.count)
    elif freq.count is not None and freq.cycle_days >= 7:
        # A 7-day window holds at most one cycle's run ("daily for 2 days every 4 weeks": 2).
        days = min(freq.count, math.ceil(7 / freq.interval_days))
    else:
        days = 7  # a hand-built cycle shorter than a week: assume every day
    days = max(days, len(_weekdays(freq)))
    hours = _hours_apart(freq)
    if hours is not None and freq.times_per_day > 1 and (freq.times_per_day - 1) * hours > SPLIT_SPAN_HOURS:
        # Parts spread beyond a day may start a new day inside the week: count every part.
        return max(days * freq.times_per_day, freq.times_per_day)
    return days * freq.times_per_day


def _day_text(freq: Frequency) -> str | None:
    days = _weekdays(freq)
    return " and ".join(WEEKDAY_NAMES.get(d, str(d)) for d in days) if days else None


def _weekly_schedule_text(freq: Frequency) -> str:
    day = _day_text(freq)
    return f"once weekly, on {day} each week" if day and len(_weekdays(freq)) == 1 else WEEKLY


def _split_text(freq: Frequency) -> str:
    hours = _hours_apart(freq)
    return f"{freq.times_per_day} doses" + (f" {hours} h apart" if hours else "") + " on the one weekly day"


def _frequency_finding(freq: Frequency, kind: str, per_dose_mg: float) -> Finding | None:
    if kind == WEEKLY_KIND:
        return None
    doses = _doses_in_any_week(freq)
    total = per_dose_mg * doses
    if kind == SPLIT_KIND:
        # The label's divided course (3 × 2.5 mg 12 h apart, once weekly) and the plan's morning/evening split.
        return Finding.of(
            "mtx.split-weekly",
            Severity.INFO,
            f"Methotrexate ordered {freq.text!r}: {_split_text(freq)}, verified as ONE weekly dose of "
            f"{doses} × {_n(per_dose_mg)} mg = {_n(total)} mg. All parts on the same day; never spread over several days.",
            ACR_RA_2021 if freq.times_per_day == 2 else LABEL_DIVIDED,
        )
    if kind == MANY_ON_DAY_KIND:
        # No source describes more than 3 parts; nothing says do not give them either: a prescriber confirms.
        return Finding.of(
            "mtx.split-not-planned",
            Severity.MAJOR,
            f"Methotrexate ordered {freq.text!r}: {freq.times_per_day} administrations on the weekly day. The plan splits "
            f"the weekly dose into two parts (morning and evening), the label's divided course is 3 doses 12 h apart; "
            f"confirm the schedule. The weekly total, {_n(total)} mg, is what is checked.",
            refs.SEED_PLAN,
        )
    exposure = f"{_n(per_dose_mg)} mg {freq.text} is up to {_n(total)} mg in {doses} dose{'s' if doses > 1 else ''} within 7 days"
    if kind == MORE_OFTEN_KIND:
        return Finding.of(
            "mtx.not-weekly",
            Severity.CONTRAINDICATED,
            f"Methotrexate ordered {freq.text!r}: it must be taken ONCE WEEKLY. {exposure} — daily-type dosing has been fatal.",
            ISMP,
        )
    # Less often than weekly: not the daily-dosing error ISMP's hard stop is for, but not the plan's weekly
    # schedule either (a test dose, a lapse, a misread interval): the prescriber confirms it.
    return Finding.of(
        "mtx.interval-not-weekly",
        Severity.MAJOR,
        f"Methotrexate ordered {freq.text!r}: less often than weekly ({exposure}). Methotrexate for dermatomyositis "
        "is given once weekly (seed plan); confirm the schedule with the prescriber.",
        ISMP,
    )


def _name_the_day(freq: Frequency) -> Finding:
    return Finding.of(
        "mtx.name-the-day",
        Severity.INFO,
        f"Methotrexate ordered {freq.text!r} without a day of the week: name the day (e.g. 'weekly on Monday') so the "
        "patient and every later reader see it is once weekly.",
        ISMP,
    )


# ---------------------------------------------------------------- caps


def _bsa_cap_findings(target_mg: float, reason: str | None, renal_factor: float | None, basis: str) -> list[Finding]:
    """Cap findings for a dose the plan caps: the calculator's target and an mg/m² order's product alike.

    With an override reason and normal kidneys the cap is 30 mg (MAJOR above 25 mg: monitoring). A target
    above the cap that applies is a CAUTION naming the capped dose to give, never a block: the dose given
    is the cap, which the plan sets (seed plan 20–25 mg; EULAR 3E 2009 up to 30 mg).
    """
    renal_limited = renal_factor is None or renal_factor < 1.0
    cap = OVERRIDE_CAP_MG if reason and not renal_limited else CAP_MG
    out = []
    if reason and not renal_limited and target_mg > CAP_MG + _TOL:
        out.append(Finding.of("mtx.above-cap-override", Severity.MAJOR,
                              f"Cap raised from {_n(CAP_MG)} to {_n(OVERRIDE_CAP_MG)} mg/week by override: {reason!r}. "
                              "Doses above 25 mg/week need close monitoring of blood counts and liver tests.",
                              EULAR_MTX_2009))
    if target_mg > cap + _TOL:
        if renal_factor is None:
            give = "but do not give methotrexate at all: CrCl below 30 mL/min"
        else:
            dose = weekly_dose_mg(target_mg, cap, STEP_MG, renal_factor)
            give = f"give {_n(dose)} mg" + (f" ({_n(cap)} mg × {_n(renal_factor)}, halved for CrCl 30–59 mL/min)"
                                            if renal_factor < 1.0 else "")
        why = (f"; the override reason does not apply at CrCl 30–59 mL/min: maximum {_n(CAP_MG)} mg × {_n(renal_factor)} = "
               f"{_n(CAP_MG * renal_factor)} mg" if reason and renal_factor is not None and renal_factor < 1.0 else "")
        out.append(Finding.of("mtx.capped", Severity.CAUTION,
                              f"{basis} = {_above(target_mg, cap)} mg exceeds the {_n(cap)} mg/week cap: capped at "
                              f"{_n(cap)} mg; {give}{why}.",
                              refs.SEED_PLAN if cap == CAP_MG else EULAR_MTX_2009))
    return out


def _cap_mg(reason: str | None, renal_factor: float | None) -> float:
    return OVERRIDE_CAP_MG if reason and renal_factor == 1.0 else CAP_MG


def _cap_findings(weekly_mg: float, reason: str | None) -> list[Finding]:
    """Caps for an order of a fixed amount (mg, tablets, mL, or mg/m² outside the plan's range)."""
    if weekly_mg > OVERRIDE_CAP_MG + _TOL:
        return [Finding.of("mtx.above-max", Severity.CONTRAINDICATED,
                           f"{_above(weekly_mg, OVERRIDE_CAP_MG)} mg/week is above the absolute maximum {_n(OVERRIDE_CAP_MG)} mg/week; no override allows it.",
                           EULAR_MTX_2009)]
    if weekly_mg > CAP_MG + _TOL:
        if reason:
            return [Finding.of("mtx.above-cap-override", Severity.MAJOR,
                               f"{_above(weekly_mg, CAP_MG)} mg/week is above the {_n(CAP_MG)} mg cap, allowed up to {_n(OVERRIDE_CAP_MG)} mg by "
                               f"override ({reason!r}); monitor blood counts and liver tests closely.",
                               EULAR_MTX_2009)]
        # No source says do not give 25–30 mg/week (EULAR 3E 2009 escalates to 25–30 mg): the plan's cap
        # asks the prescriber to confirm with a written reason -- MAJOR, not a block.
        return [Finding.of("mtx.above-cap", Severity.MAJOR,
                           f"{_above(weekly_mg, CAP_MG)} mg/week is above the {_n(CAP_MG)} mg/week cap (seed plan 20–25 mg); up to "
                           f"{_n(OVERRIDE_CAP_MG)} mg needs a written override reason, or reduce to {_n(CAP_MG)} mg.",
                           refs.SEED_PLAN)]
    return []


# ---------------------------------------------------------------- order check


def _recommended(child: bool, bsa_m2: float, renal: _Renal, route: Route, generic: bool = True,
                 schedule: str = WEEKLY) -> tuple[Qty | None, str, str]:
    if renal.factor is None:
        return None, "do not give methotrexate: CrCl below 30 mL/min", "no dose (CrCl < 30 mL/min)"
    factor = renal.factor
    # Seed plan escalation target 20 mg weekly, no more than 20 mg/m² (the upper end of both the plan's and
    # SHARE 2017's 15–20 mg/m²), renally reduced, rounded down: weekly_dose_mg_from_bsa(BSA, 20 mg/m², 20 mg cap).
    mg = _dose_for_patient(bsa_m2 * PLAN_TARGET_PER_M2, PLAN_TARGET_MG, factor,
                           lambda: f"{_n(PLAN_TARGET_PER_M2)} mg/m² × {bsa_m2:.2f} m²")
    arithmetic = (f"min({_n(PLAN_TARGET_MG)} mg plan target, {_n(PLAN_TARGET_PER_M2)} mg/m² × {bsa_m2:.2f} m² = "
                  f"{PLAN_TARGET_PER_M2 * bsa_m2:.2f} mg) × {_n(factor)} (renal) → rounded down to {_n(mg)} mg")
    route = route if route in (Route.ORAL, Route.SUBCUTANEOUS) else Route.SUBCUTANEOUS
    if route is Route.ORAL:
        # A whole number of 2.5 mg steps by construction: the tablet count is the step count.
        form = f"{round(mg / STEP_MG)} × 2.5 mg tablets by mouth"
    elif generic:
        form = f"{_n(_ml_of_mg(mg))} {_ML} of 25 mg/mL subcutaneously"
    else:
        # A brand's volume is not the generic's (see GENERIC_NAMES): name the strength, not a volume.
        form = (f"the {_n(mg)} {_MG} strength subcutaneously (brand volumes differ; {_n(_ml_of_mg(mg))} {_ML} only "
                "of the generic 25 mg/mL injection)")
    if factor < 1.0:
        escalation = " (halved for CrCl 30–59 mL/min)"
    elif child:
        escalation = " (juvenile DM: 15–20 mg/m² weekly, SHARE 2017)"
    else:
        escalation = " (the plan escalates to 20–25 mg weekly)"
    text = f"methotrexate {_n(mg)} {_MG} {schedule} = {form}{escalation}; with {_DAILY_FOLATE.instructions}"
    return Quantity(mg, "mg"), text, arithmetic


def _mosteller_m2(weight_kg: float, height_cm: float) -> float:
    # Patient.bsa()'s own kernel (body.body_surface_area), on the floats read once. Mosteller is a product, a
    # quotient and a square root, each correctly rounded, so a float gives the array path's value to the last bit.
    return float(body._bsa_m2(weight_kg, height_cm, body.BSAFormula.MOSTELLER))


def check_order(order: Order, patient: Patient) -> DoseCheck:
    """Compare a methotrexate order with the plan: weekly only, caps, kidney, tablets, route, folic acid."""
    expect(order, Order, "order")
    patient = _patient(patient)
    # Every quantity is read once, here, as a float in the unit the rules are written in; only what is
    # returned (the recommended dose) is a Quantity again.
    weight_kg = patient.weight.to("kg").magnitude
    bsa = _mosteller_m2(weight_kg, patient.height.to("cm").magnitude)
    child = _is_child(patient)
    generic = _is_generic(order.drug)
    ordered = _ordered_mg(order, bsa, generic)
    per_dose_mg = ordered.mg
    freq = _schedule(order.frequency)
    kind = _schedule_kind(freq)
    reason = order.override_reason
    renal = _renal(patient)
    # Caps are per week: a split weekly order counts every part, a more-than-weekly one (blocked) the
    # most it could deliver within any 7 days.
    doses_per_week = _doses_in_any_week(freq)
    weekly_mg = per_dose_mg * doses_per_week

    findings: list[Finding] = []
    frequency_finding = _frequency_finding(freq, kind, per_dose_mg)
    if frequency_finding:
        findings.append(frequency_finding)
    if kind in (WEEKLY_KIND, SPLIT_KIND) and not _weekdays(freq):
        findings.append(_name_the_day(freq))
    findings += _route_findings(order, ordered.tablets)

    # An mg/m² order within the plan's 15–20 mg/m² is the plan's BSA dose, which the plan caps (as the
    # calculator does); above that range, or on a more-than-weekly schedule, its product is checked as written.
    per_m2 = ordered.per_m2
    bsa_read = (per_m2 is not None and kind != MORE_OFTEN_KIND
                and per_m2 * doses_per_week <= PLAN_TARGET_PER_M2 + _TOL)
    basis = ""
    if per_m2 is not None and bsa_read:
        basis = f"{_n(per_m2)} mg/m² × BSA {bsa:.2f} m²" + (f" × {doses_per_week} doses" if doses_per_week > 1 else "")
        findings += _bsa_cap_findings(weekly_mg, reason, renal.factor, basis)
        checked_mg = min(weekly_mg, _cap_mg(reason, renal.factor))
    else:
        findings += _cap_findings(weekly_mg, reason)
        checked_mg = weekly_mg
    findings += _renal_order_findings(checked_mg, renal)
    if kind in (WEEKLY_KIND, SPLIT_KIND, MANY_ON_DAY_KIND):
        findings += _range_findings(checked_mg, bsa, renal, child, patient.disease_active)
    if bsa_read:
        # The product of mg/m² × BSA is rounded down to a whole 2.5 mg step, exactly as the calculator does;
        # it is not a "fractional tablet" order.
        findings += _bsa_rounding_findings(weekly_mg, reason, renal, basis)
    else:
        findings += _step_findings(order, per_dose_mg)
    findings += _condition_findings(patient, order.route)
    findings.append(_DAILY_FOLIC_FINDING)

    schedule = _weekly_schedule_text(freq)
    dose, text, arithmetic = _recommended(child, bsa, renal, order.route, generic, schedule)
    cap_text = f"{_n(CAP_MG)} mg/week"
    if reason:
        cap_text += f"; {_n(OVERRIDE_CAP_MG)} mg/week with override ({reason})"
        if renal.factor is not None and renal.factor < 1.0:
            cap_text += (f"; the override does not raise the renal maximum: {_n(CAP_MG)} mg × {_n(renal.factor)} = "
                         f"{_n(CAP_MG * renal.factor)} mg")
    details = {
        "ordered": f"{ordered.conversion} {freq.text}" + _weekly_total_text(kind, freq, weekly_mg),
        "schedule": kind + (f" ({_split_text(freq)})" if kind == SPLIT_KIND else ""),
        "day of week": _day_text(freq) or "not named (ISMP: name the day of the week)",
        "BSA": f"{bsa:.2f} m² (Mosteller)",
        "CrCl": f"{renal.crcl_text} ({renal.source})",
        "weight used": (f"{_n(weight_kg)} {_KG} actual (no CrCl computed)" if renal.weight_used_kg is None
                        else f"{_n(renal.weight_used_kg)} {_KG}"),
        "cap": cap_text,
        "renal adjustment": _renal_text(renal),
        "recommended arithmetic": arithmetic,
        "strengths": "tablet 2.5 mg; injection 25 mg/mL (0.1 mL = 2.5 mg)",
    }
    if order.route is Route.SUBCUTANEOUS:
        volume = f"{_n(_ml_of_mg(per_dose_mg))} {_ML}"
        details["ordered volume"] = (f"{volume} of 25 mg/mL" if generic else
                                     f"{volume} only if given as the generic 25 mg/mL injection; {order.drug} volumes differ")
    return DoseCheck(dose, text, findings, details)


def _is_child(patient: Patient) -> bool:
    return patient.age_years < body.ADULT_YEARS


def _weekly_total_text(kind: str, freq: Frequency, weekly_mg: float) -> str:
    if kind == WEEKLY_KIND:
        return ""
    if kind in (SPLIT_KIND, MANY_ON_DAY_KIND):
        return f" (×{freq.times_per_day} on one day = {_n(weekly_mg)} mg weekly)"
    return f" (up to {_n(weekly_mg)} mg within 7 days)"


def _whole_steps(mg: float, step: float) -> bool:
    ratio = round(mg / step, 9)
    return ratio == math.floor(ratio)


def _step_findings(order: Order, per_dose_mg: float) -> list[Finding]:
    out = []
    if order.route is Route.ORAL and not _whole_steps(per_dose_mg, STEP_MG):
        out.append(Finding.of("mtx.not-whole-tablets", Severity.MAJOR,
                              f"Oral dose {_n(per_dose_mg)} mg is not a whole number of 2.5 mg tablets "
                              f"({_n(per_dose_mg / STEP_MG)} tablets); order a multiple of 2.5 mg.",
                              FDA_LABEL))
    if order.route in (Route.SUBCUTANEOUS, Route.INTRAMUSCULAR) and not _whole_steps(per_dose_mg, STEP_MG):
        out.append(Finding.of("mtx.not-measurable", Severity.MAJOR,
                              f"{order.route.value.capitalize()} dose {_n(per_dose_mg)} mg is "
                              f"{_n(per_dose_mg / INJECTION_CONCENTRATION.magnitude)} mL of 25 mg/mL, not a whole "
                              "0.1 mL (2.5 mg) graduation of the syringe; order a multiple of 2.5 mg.",
                              FDA_LABEL))
    return out


def _bsa_rounding_findings(weekly_mg: float, reason: str | None, renal: _Renal, basis: str) -> list[Finding]:
    if renal.factor is None:
        return []
    cap = _cap_mg(reason, renal.factor)
    dose = _dose_for_patient(weekly_mg, cap, renal.factor, lambda: basis)
    return [Finding.of("mtx.rounding", Severity.INFO,
                       f"Rounding: {basis} = {weekly_mg:.2f} mg" + (f" → capped at {_n(cap)} mg" if weekly_mg > cap + _TOL else "")
                       + (f" → × {_n(renal.factor)} (renal)" if renal.factor < 1.0 else "")
                       + f" → rounded DOWN to a whole 2.5 mg step: give {_n(dose)} mg weekly.",
                       FDA_LABEL)]


def _route_findings(order: Order, tablets: bool) -> list[Finding]:
    out = []
    if order.route in (Route.INTRAVENOUS, Route.INTRAMUSCULAR):
        out.append(Finding.of("mtx.route-not-planned", Severity.MAJOR,
                              f"Methotrexate ordered {order.route.value}: the plan gives it subcutaneously (preferred) or orally.",
                              refs.SEED_PLAN))
    if tablets and order.route is not Route.ORAL:
        out.append(Finding.of("mtx.form-route-mismatch", Severity.CONTRAINDICATED,
                              f"Dose ordered in tablets but route {order.route.value}: tablets are oral only; re-write the order.",
                              FDA_LABEL))
    return out


def _renal_order_findings(weekly_mg: float, renal: _Renal) -> list[Finding]:
    factor = _renal_band(renal)
    if isinstance(factor, list):
        return factor
    if factor == 1.0:
        return []
    # The override reason lifts only the 25 mg cap in normal renal function; the renal limit is always
    # 25 mg × 0.5 = 12.5 mg (the 30-59 row is unconfirmed: see EU_SMPC_RENAL).
    limit = CAP_MG * factor
    if weekly_mg > limit + _TOL:
        return [Finding.of("mtx.renal-above-adjusted", Severity.MAJOR,
                           f"CrCl {renal.crcl_text} (30–59 mL/min): the weekly maximum is halved to {_n(limit)} mg "
                           f"(an override reason does not raise it); ordered {_above(weekly_mg, limit)} mg. Reduce the dose.",
                           EU_SMPC_RENAL)]
    return [Finding.of("mtx.renal-reduce", Severity.CAUTION,
                       f"CrCl {renal.crcl_text} (30–59 mL/min): ordered {_n(weekly_mg)} mg is within the halved maximum "
                       f"{_n(limit)} mg; monitor blood counts, creatinine and liver tests closely.",
                       EU_SMPC_RENAL)]


def _floor_step(mg: float) -> float:
    return math.floor(mg / STEP_MG + _FLOOR_EPS) * STEP_MG


def _range_findings(weekly_mg: float, bsa_m2: float, renal: _Renal, child: bool, disease_active: bool) -> list[Finding]:
    if renal.factor is None:
        return []
    factor = renal.factor
    out = []
    # 15 mg/m², rounded down to a whole step as the calculator gives it, is never "below range": a dose that
    # meets the plan's (or, for a child, SHARE 2017's) mg/m² wording is not sub-therapeutic.
    bsa_floor = _floor_step(CHILD_DOSE_PER_M2_MG[0] * bsa_m2 * factor)
    low = bsa_floor if child else min(SUBOPTIMAL_MG * factor, bsa_floor)
    target = PLAN_TARGET_MG * factor
    bsa_max = PLAN_TARGET_PER_M2 * bsa_m2
    severity = Severity.CAUTION if disease_active else Severity.INFO
    if weekly_mg < low - _TOL:
        if child:
            out.append(Finding.of("mtx.below-range", severity,
                                  f"{_below(weekly_mg, low)} mg/week for BSA {bsa_m2:.2f} m² is "
                                  f"{_below(weekly_mg / bsa_m2, CHILD_DOSE_PER_M2_MG[0] * factor)} mg/m², below the "
                                  f"juvenile DM dose of 15–20 mg/m² weekly" + (" (halved for CrCl 30–59 mL/min)." if factor < 1.0 else "."),
                                  SHARE_JDM_2017))
        else:
            out.append(Finding.of("mtx.below-range", severity,
                                  f"{_below(weekly_mg, low)} mg/week is below {_n(low)} mg: sub-therapeutic for active refractory disease "
                                  "(the plan calls 6 tablets, ~15 mg, suboptimal and escalates to 20–25 mg weekly).",
                                  refs.SEED_PLAN))
    elif not child and weekly_mg < target - _TOL:
        out.append(Finding.of("mtx.plan-escalation", Severity.INFO,
                              f"{_n(weekly_mg)} mg/week: the plan escalates methotrexate to 20–25 mg weekly for refractory disease"
                              + (" (halved for CrCl 30–59 mL/min)." if factor < 1.0 else "."),
                              refs.SEED_PLAN))
    if weekly_mg > bsa_max * factor + _TOL and weekly_mg <= CAP_MG * factor + _TOL:
        out.append(Finding.of("mtx.above-bsa-range", Severity.MAJOR,
                              f"{_above(weekly_mg, bsa_max * factor)} mg/week for BSA {bsa_m2:.2f} m² is "
                              f"{_above(weekly_mg / bsa_m2, PLAN_TARGET_PER_M2 * factor)} mg/m², "
                              f"above the plan's 15–20 mg/m² weekly" + (" (halved to 10 mg/m² for CrCl 30–59 mL/min)." if factor < 1.0 else "."),
                              SHARE_JDM_2017 if child else refs.SEED_PLAN))
    return out


__all__ = [
    "DosePart",
    "FolicAcid",
    "MethotrexatePlan",
    "calculate_methotrexate",
    "check_order",
    "folic_acid_plan",
    "mg_to_tablets",
    "mg_to_volume",
    "renal_dose_factor",
    "tablets_to_mg",
    "volume_to_mg",
    "weekly_dose_mg",
    "weekly_dose_mg_from_bsa",
]
