"""Body size and kidney function: BSA, ideal and adjusted weight, CrCl, eGFR.

Inputs are quantities (or strings such as "154 lb", "5 ft 6 in", "1.1 mg/dL");
outputs are quantities. Adult-only equations refuse patients under 18 rather
than extrapolate.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import math
from typing import TYPE_CHECKING, TypeAlias, TypeVar, overload

import attrs
import numpy as np
import pint

from dosing import references as refs
from dosing.input.fields import choice, iso_date
from dosing.units import (
    CREATININE_MOLAR_MASS,
    DoseInputError,
    Quantity,
    check_magnitude,
    float_quantity,
    memo,
    memo_enabled,
    parse_text,
    quantity,
    quantity_of,
    ureg,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy.typing as npt
    from pint.util import UnitsContainer

    from dosing.units import Qty

# The kernels below work on plain floats (the scalar path) and on numpy arrays (dosing.batch) alike.
FloatArray: TypeAlias = "npt.NDArray[np.float64]"
Kg = TypeVar("Kg", float, "npt.NDArray[np.float64]")

# Plausibility limits (issue #2): values outside are typing errors, not patients.
WEIGHT_KG = (2.0, 350.0)
HEIGHT_CM = (40.0, 250.0)
AGE_YEARS = (0.0, 120.0)
# Serum creatinine 0.1–25 mg/dL covers severe CKD; beyond is a unit mix-up.
CREATININE_MG_DL = (0.1, 25.0)
ADULT_YEARS = 18.0


class SexNeededError(DoseInputError):
    """An equation that needs sex (female or male) was asked for a patient whose sex is unknown or other.

    A DoseInputError naming ``sex``, so callers that do not handle it still refuse
    rather than guess; drug modules catch it (or use ``known_egfr``/``known_crcl``)
    and turn it into a caution.
    """

    def __init__(self, equation: str, sex: object) -> None:
        self.equation = equation
        shown = sex.value if isinstance(sex, Sex) else repr(sex)
        super().__init__(
            "sex", f"{equation} needs sex (female or male) and it is recorded as {shown}; it cannot be computed for this patient"
        )


class Sex(enum.Enum):
    """Sex as recorded. UNKNOWN and OTHER are accepted for a patient; the sex-specific
    equations (Devine IBW, Cockcroft–Gault, CKD-EPI 2021) refuse them with SexNeededError."""

    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"
    OTHER = "other"

    @classmethod
    def read(cls, value: object) -> Sex:
        """Any recorded sex: female, male, unknown, other (FHIR AdministrativeGender; HL7 v2 F/M/U/O/X).

        An empty string or None is refused: a blank is more often a field nobody
        filled than a statement that sex is unknown; write 'unknown'.
        """
        if type(value) is str and memo_enabled():
            return _sex_text(value)
        return choice(cls, value, "sex", _SEX_ALIASES)

    @classmethod
    def parse(cls, value: object, equation: str = "this calculation") -> Sex:
        """Female or male, for the equations that need it; unknown/other raise SexNeededError."""
        sex = cls.read(value)
        if sex not in (cls.FEMALE, cls.MALE):
            raise SexNeededError(equation, sex)
        return sex

    @property
    def is_binary(self) -> bool:
        return self in (Sex.FEMALE, Sex.MALE)


_SEX_ALIASES = {
    "f": Sex.FEMALE, "woman": Sex.FEMALE, "fem": Sex.FEMALE,
    "m": Sex.MALE, "man": Sex.MALE,
    # HL7 v2 table 0001 U; FHIR AdministrativeGender 'unknown'.
    "u": Sex.UNKNOWN, "unk": Sex.UNKNOWN, "not recorded": Sex.UNKNOWN, "not known": Sex.UNKNOWN,
    "not stated": Sex.UNKNOWN, "unspecified": Sex.UNKNOWN, "not specified": Sex.UNKNOWN,
    # HL7 v2 table 0001 O (other), A (ambiguous), X (non-binary); FHIR 'other'.
    "o": Sex.OTHER, "x": Sex.OTHER, "a": Sex.OTHER, "ambiguous": Sex.OTHER, "non-binary": Sex.OTHER,
    "nonbinary": Sex.OTHER, "intersex": Sex.OTHER,
}


@memo(maxsize=256)
def _sex_text(text: str) -> Sex:
    # The reading of a recorded sex, once per text (each request repeats it); refusals are not kept.
    return choice(Sex, text, "sex", _SEX_ALIASES)


def weight_kg(value: object) -> Qty:
    return quantity(value, "weight", "mass", unit="kg", minimum=WEIGHT_KG[0], maximum=WEIGHT_KG[1])


def height_cm(value: object) -> Qty:
    return quantity(value, "height", "length", unit="cm", minimum=HEIGHT_CM[0], maximum=HEIGHT_CM[1])


def age_years(value: object) -> Qty:
    return quantity(value, "age", "time", unit="year", minimum=AGE_YEARS[0], maximum=AGE_YEARS[1], allow_zero=True)


# Birth dates before 1900 are typing errors (no patient is 120+); the age limit below checks the rest.
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
# Below 2 years an age in whole years (0 or 1) hides most of the difference that matters
# for a small child, so completed months / 12 are used instead.
MONTHS_UNTIL_YEARS = 24


def _completed_months(birth: dt.date, on: dt.date) -> int:
    months = (on.year - birth.year) * 12 + (on.month - birth.month)
    # A month is completed on the same day-of-month (or the month's last day, for 31 Jan → 28 Feb).
    last_day = calendar.monthrange(on.year, on.month)[1]
    if on.day < min(birth.day, last_day):
        months -= 1
    return months


def age_from_birth_date(birth_date: object, as_of: object = None) -> Qty:
    """Age in years on ``as_of`` (default: today) from an ISO birth date.

    Completed years, as an age is said ("45" until the 46th birthday; a month is completed
    on the same day of the month, or the month's last day, so 29 February birthdays
    fall on 28 February in common years); under 2 years, completed
    months / 12, so a 9-month-old is 0.75 year. Born before 1900, after ``as_of``, or
    older than the plausible maximum age is refused, naming ``birth_date``.
    """
    born = iso_date(birth_date, "birth_date")
    on = dt.date.today() if as_of is None else iso_date(as_of, "as_of")
    if born < EARLIEST_BIRTH_DATE:
        raise DoseInputError("birth_date", f"{born.isoformat()} is before {EARLIEST_BIRTH_DATE.isoformat()}; check the year")
    if born > on:
        raise DoseInputError("birth_date", f"{born.isoformat()} is after the as-of date {on.isoformat()}")
    months = _completed_months(born, on)
    years = months / 12 if months < MONTHS_UNTIL_YEARS else float(months // 12)
    if years > AGE_YEARS[1]:
        raise DoseInputError("birth_date", f"gives an age of {years:g} years on {on.isoformat()}, above the plausible maximum {AGE_YEARS[1]:g}")
    return Quantity(years, "year")


def creatinine_mg_dl(value: object) -> Qty:
    """Serum creatinine in mg/dL; µmol/L is converted through creatinine's molar mass."""
    if type(value) is str and memo_enabled():
        return quantity_of(*_creatinine_text(value))
    return _creatinine_mg_dl(value)


@memo(maxsize=1024)
def _creatinine_text(text: str) -> tuple[float, UnitsContainer]:
    # The reading of a creatinine text (a pure function of it), once per text; refusals are not kept.
    read = _creatinine_mg_dl(text)
    return read._magnitude, read._units


def _creatinine_mg_dl(value: object) -> Qty:
    if isinstance(value, str):
        value = parse_text(value, "serum_creatinine")
    if isinstance(value, pint.Quantity) and value._REGISTRY is not ureg:
        # The molar-mass product below needs our registry (quantity() rebuilds the same way).
        value = ureg.Quantity(value.magnitude, str(value.units))
    if isinstance(value, pint.Quantity):
        # An int past a float (10**400 umol/L) would overflow in the conversion below.
        value = float_quantity(value, "serum_creatinine")
    if isinstance(value, pint.Quantity) and value.is_compatible_with("umol/L"):
        value = (value.to("mol/L") * CREATININE_MOLAR_MASS).to("mg/dL")
    return quantity(
        value, "serum_creatinine", "mass concentration", unit="mg/dL", minimum=CREATININE_MG_DL[0], maximum=CREATININE_MG_DL[1]
    )


# ---------------------------------------------------------------- BSA


class BSAFormula(enum.Enum):
    MOSTELLER = "mosteller"
    DUBOIS = "dubois"
    HAYCOCK = "haycock"
    GEHAN_GEORGE = "gehan-george"
    BOYD = "boyd"


BSA_REFERENCES = {
    BSAFormula.MOSTELLER: refs.MOSTELLER,
    BSAFormula.DUBOIS: refs.DUBOIS,
    BSAFormula.HAYCOCK: refs.HAYCOCK,
    BSAFormula.GEHAN_GEORGE: refs.GEHAN_GEORGE,
    BSAFormula.BOYD: refs.BOYD,
}


def _bsa_m2(w_kg: Kg, h_cm: Kg, formula: BSAFormula) -> Kg:
    """BSA in m² from kg and cm; works on floats and numpy arrays alike (the batch path)."""
    bsa: Kg  # numpy's functions and float powers are typed loosely (Any)
    if formula is BSAFormula.MOSTELLER:
        bsa = np.sqrt(h_cm * w_kg / 3600.0)  # Mosteller 1987
    elif formula is BSAFormula.DUBOIS:
        bsa = 0.007184 * w_kg**0.425 * h_cm**0.725  # Du Bois 1916
    elif formula is BSAFormula.HAYCOCK:
        bsa = 0.024265 * w_kg**0.5378 * h_cm**0.3964  # Haycock 1978
    elif formula is BSAFormula.GEHAN_GEORGE:
        bsa = 0.0235 * w_kg**0.51456 * h_cm**0.42246  # Gehan & George 1970
    else:
        # Boyd 1935 takes weight in grams.
        w_g = w_kg * 1000.0
        bsa = 0.0003207 * h_cm**0.3 * w_g ** (0.7285 - 0.0188 * np.log10(w_g))
    return bsa


def parse_bsa_formula(formula: BSAFormula | str, parameter: str = "formula") -> BSAFormula:
    return choice(BSAFormula, formula, parameter)


def bsa_m2(w_kg: float, h_cm: float, formula: BSAFormula) -> float:
    """BSA in m² from a checked weight (kg) and height (cm), as :func:`body_surface_area` computes it.

    Through the array kernel, so the scalar and batch paths agree to the last bit
    (numpy's vectorised pow and Python's float pow can differ by one ulp). Mosteller's
    square root is correctly rounded in both, so it is taken on the floats themselves.
    """
    if formula is BSAFormula.MOSTELLER:
        return math.sqrt(h_cm * w_kg / 3600.0)  # Mosteller 1987, as _bsa_m2
    return float(_bsa_m2(np.array([w_kg]), np.array([h_cm]), formula)[0])


def body_surface_area(weight: object, height: object, formula: BSAFormula | str = BSAFormula.MOSTELLER) -> Qty:
    """Body surface area in m² (Mosteller unless another formula is named)."""
    w = float(weight_kg(weight).magnitude)
    h = float(height_cm(height).magnitude)
    return Quantity(bsa_m2(w, h, parse_bsa_formula(formula)), "m**2")


# ---------------------------------------------------------------- weights

_INCH_CM = 2.54
_FIVE_FEET_IN = 60.0


@overload
def ideal_body_weight_kg(h_cm: float, male: bool, parameter: str = "height") -> float: ...


@overload
def ideal_body_weight_kg(h_cm: FloatArray, male: npt.NDArray[np.bool_] | bool, parameter: str = "height") -> FloatArray: ...


def ideal_body_weight_kg(h_cm: float | FloatArray, male: npt.NDArray[np.bool_] | bool, parameter: str = "height") -> float | FloatArray:
    """Devine IBW in kg from cm and a male flag; floats or numpy arrays (the batch path).

    Devine's formula starts at 5 ft; below that it is not defined, and an
    extrapolated weight would be a guess, so it raises instead.
    """
    if type(h_cm) is float and type(male) is bool:
        # One height: the same arithmetic on the float itself (numpy's scalar calls cost ~15 µs, issue 8).
        h = h_cm / _INCH_CM
        if h < _FIVE_FEET_IN - 1e-9:
            raise DoseInputError(
                parameter,
                f"Devine ideal body weight is defined from 5 ft (152.4 cm); got {h * _INCH_CM:.1f} cm — choose the dosing weight explicitly",
            )
        scaled = ((50.0 if male else 45.5) + 2.3 * (h - _FIVE_FEET_IN)) * _NANO
        if math.isfinite(scaled):
            return _rint(scaled) / _NANO
    h_in = np.asarray(h_cm, dtype=float) / _INCH_CM
    short = h_in < _FIVE_FEET_IN - 1e-9
    if short.any():
        index = int(np.argmax(short)) if short.ndim else None
        where = parameter if index is None else f"{parameter}[{index}]"
        raise DoseInputError(
            where,
            f"Devine ideal body weight is defined from 5 ft (152.4 cm); got {float(h_in.flat[index or 0]) * _INCH_CM:.1f} cm"
            " — choose the dosing weight explicitly",
        )
    # Rounded to the microgram: cm → inch float noise (45.49999… kg at 5 ft) must not
    # decide which side of a weight threshold a patient falls.
    ibw: FloatArray = np.round(np.where(male, 50.0, 45.5) + 2.3 * (h_in - _FIVE_FEET_IN), 9)
    return float(ibw) if ibw.ndim == 0 else ibw


# np.round(x, n) is rint(x × 10^n) / 10^n, in numpy's own arithmetic: the scalar paths round the
# same way (round() of a float rounds half to even, as rint does), to the last bit.
_NANO = 1e9
_MICRO = 1e6


def _rint(value: float) -> float:
    return float(round(value))


@overload
def above_fraction_of_ibw(actual_kg: float, ibw_kg: float, fraction: float) -> np.bool_: ...


@overload
def above_fraction_of_ibw(actual_kg: FloatArray, ibw_kg: float | FloatArray, fraction: float) -> npt.NDArray[np.bool_]: ...


def above_fraction_of_ibw(actual_kg: float | FloatArray, ibw_kg: float | FloatArray, fraction: float) -> np.bool_ | npt.NDArray[np.bool_]:
    """actual > fraction × IBW, compared to the milligram so exactly 120 % is not "above".

    Floats or numpy arrays. 1.2 × 57 is 68.39999999999999 in binary; a patient of
    exactly 68.4 kg is at 120 %, not above it.
    """
    if type(actual_kg) is float and type(ibw_kg) is float:
        actual, limit = actual_kg * _MICRO, fraction * ibw_kg * _MICRO
        if math.isfinite(actual) and math.isfinite(limit):
            return np.bool_(_rint(actual) / _MICRO > _rint(limit) / _MICRO)
    above: np.bool_ | npt.NDArray[np.bool_] = np.round(np.asarray(actual_kg, dtype=float), 6) > np.round(fraction * np.asarray(ibw_kg, dtype=float), 6)
    return above


def ideal_body_weight(height: object, sex: object) -> Qty:
    """Devine IBW: 50 kg (male) or 45.5 kg (female) + 2.3 kg per inch over 5 ft."""
    male = Sex.parse(sex, "Devine ideal body weight") is Sex.MALE
    return Quantity(ideal_body_weight_kg(float(height_cm(height).magnitude), male), "kg")


# Adjusted body weight factor 0.4 (Bauer, Applied Clinical Pharmacokinetics).
ADJUSTED_WEIGHT_FACTOR = 0.4


def adjusted_body_weight_kg(actual_kg: Kg, ibw_kg: Kg) -> Kg:
    """IBW + 0.4 × (actual − IBW) in kg; floats or numpy arrays (the batch path)."""
    return ibw_kg + ADJUSTED_WEIGHT_FACTOR * (actual_kg - ibw_kg)


def checked_adjusted_body_weight_kg(actual_kg: float, ibw_kg: float) -> float:
    """:func:`adjusted_body_weight` of a checked actual weight (kg), with the IBW checked as it checks it."""
    check_magnitude(ibw_kg, "ideal_weight", "kg", minimum=WEIGHT_KG[0], maximum=WEIGHT_KG[1])
    return adjusted_body_weight_kg(actual_kg, ibw_kg)


def adjusted_body_weight(actual_weight: object, ideal_weight: object) -> Qty:
    """IBW + 0.4 × (actual − IBW)."""
    actual = weight_kg(actual_weight)
    ideal = quantity(ideal_weight, "ideal_weight", "mass", unit="kg", minimum=WEIGHT_KG[0], maximum=WEIGHT_KG[1])
    return Quantity(adjusted_body_weight_kg(float(actual.magnitude), float(ideal.magnitude)), "kg")


# ---------------------------------------------------------------- kidney


class WeightBasis(enum.Enum):
    ACTUAL = "actual"
    IDEAL = "ideal"
    ADJUSTED = "adjusted"

    @classmethod
    def parse(cls, value: object) -> WeightBasis:
        return choice(cls, value, "basis")


def optional_weight_basis(value: object, parameter: str = "weight_basis") -> WeightBasis | None:
    """No override (None), or the prescriber's chosen dosing weight."""
    return None if value is None else choice(WeightBasis, value, parameter)


@attrs.frozen
class CreatinineClearance:
    """Cockcroft–Gault CrCl, with the weight it was computed from and why."""

    value: Qty
    weight_used: Qty
    basis: WeightBasis
    reason: str


def _require_adult(age: Qty, equation: str) -> None:
    require_adult_years(float(age.magnitude), equation)


def require_adult_years(age_years: float, equation: str) -> None:
    """Refuse an adult-only equation for an age (in years) under 18."""
    if age_years < ADULT_YEARS:
        raise DoseInputError("age", f"{equation} is validated for adults (≥ 18 years); got {age_years:g} years")


def creatinine_clearance(
    age: object, weight: object, serum_creatinine: object, sex: object, *, basis: WeightBasis | str = WeightBasis.ACTUAL, height: object = None
) -> CreatinineClearance:
    """Cockcroft–Gault: (140 − age) × weight / (72 × SCr) [× 0.85 if female], mL/min.

    ``basis`` chooses actual, ideal (needs ``height``) or adjusted weight; the
    result says which weight was used so the reader can check it.
    """
    a = float(age_years(age).magnitude)
    require_adult_years(a, "Cockcroft–Gault")
    w = float(weight_kg(weight).magnitude)
    scr = float(creatinine_mg_dl(serum_creatinine).magnitude)

    def ideal_kg(sex: Sex, basis: WeightBasis) -> float:
        if height is None:
            raise DoseInputError("height", f"needed for {basis.value} body weight")
        return float(ideal_body_weight(height, sex).magnitude)

    return cockcroft_gault(a, w, scr, sex, basis, ideal_kg)


def cockcroft_gault(
    age_years: float, weight_kg: float, scr_mg_dl: float, sex: object, basis: object, ideal_kg: Callable[[Sex, WeightBasis], float]
) -> CreatinineClearance:
    """:func:`creatinine_clearance` of a checked adult age (years), weight (kg) and serum creatinine (mg/dL).

    ``ideal_kg(sex, basis)`` gives the Devine IBW in kg, asked only for the ideal or adjusted basis.
    """
    s = Sex.parse(sex, "Cockcroft–Gault")
    parsed = WeightBasis.parse(basis)
    if parsed is WeightBasis.ACTUAL:
        used, reason = weight_kg, "actual body weight"
    else:
        ibw = ideal_kg(s, parsed)
        if parsed is WeightBasis.IDEAL:
            used, reason = ibw, "ideal body weight (Devine)"
        else:
            used, reason = checked_adjusted_body_weight_kg(weight_kg, ibw), "adjusted body weight (IBW + 0.4 × (actual − IBW))"
    female = 0.85 if s is Sex.FEMALE else 1.0
    value = (140.0 - age_years) * used / (72.0 * scr_mg_dl) * female
    return CreatinineClearance(Quantity(value, "mL/min"), Quantity(used, "kg"), parsed, reason)


def egfr_ckd_epi_2021(serum_creatinine: object, age: object, sex: object) -> Qty:
    """CKD-EPI 2021 (race-free) eGFR in mL/min/1.73 m².

    142 × min(SCr/κ, 1)^α × max(SCr/κ, 1)^−1.200 × 0.9938^age × 1.012 [female];
    κ = 0.7 (F) / 0.9 (M), α = −0.241 (F) / −0.302 (M). Inker et al. 2021.
    """
    scr = float(creatinine_mg_dl(serum_creatinine).magnitude)
    a = float(age_years(age).magnitude)
    require_adult_years(a, "CKD-EPI 2021")
    female = Sex.parse(sex, "CKD-EPI 2021") is Sex.FEMALE
    return Quantity(ckd_epi_2021(scr, a, female), "mL/min/std_bsa")


def ckd_epi_2021(scr_mg_dl: float, age_years: float, female: bool) -> float:
    """:func:`egfr_ckd_epi_2021` in mL/min/1.73 m² of a checked serum creatinine (mg/dL) and adult age (years)."""
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = scr_mg_dl / kappa
    value: float = 142.0 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.200 * 0.9938**age_years
    if female:
        value *= 1.012
    return value


def egfr_value(value: object) -> Qty:
    """A given eGFR, checked, in mL/min/1.73 m²."""
    return quantity(value, "egfr", "flow per area", unit="mL/min/std_bsa", maximum=250.0, allow_zero=True)


def crcl_value(value: object) -> Qty:
    """A given creatinine clearance, checked, in mL/min."""
    return quantity(value, "creatinine_clearance", "flow", unit="mL/min", maximum=250.0, allow_zero=True)


__all__ = [
    "BSAFormula",
    "CreatinineClearance",
    "Sex",
    "SexNeededError",
    "WeightBasis",
    "adjusted_body_weight",
    "age_from_birth_date",
    "age_years",
    "body_surface_area",
    "creatinine_clearance",
    "creatinine_mg_dl",
    "egfr_ckd_epi_2021",
    "height_cm",
    "ideal_body_weight",
    "ureg",
    "weight_kg",
]
