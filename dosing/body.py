"""Body size and kidney function: BSA, ideal and adjusted weight, CrCl, eGFR.

Inputs are quantities (or strings such as "154 lb", "5 ft 6 in", "1.1 mg/dL");
outputs are quantities. Adult-only equations refuse patients under 18 rather
than extrapolate.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum

import attrs
import numpy as np
import pint

from dosing import references as refs
from dosing.input.fields import choice, iso_date
from dosing.units import (
    CREATININE_MOLAR_MASS,
    DoseInputError,
    Quantity,
    float_quantity,
    parse_text,
    quantity,
    ureg,
)

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

    def __init__(self, equation: str, sex: "Sex | object"):
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
    def read(cls, value: "Sex | str") -> "Sex":
        """Any recorded sex: female, male, unknown, other (FHIR AdministrativeGender; HL7 v2 F/M/U/O/X).

        An empty string or None is refused: a blank is more often a field nobody
        filled than a statement that sex is unknown; write 'unknown'.
        """
        return choice(cls, value, "sex", _SEX_ALIASES)

    @classmethod
    def parse(cls, value: "Sex | str", equation: str = "this calculation") -> "Sex":
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


def weight_kg(value) -> pint.Quantity:
    return quantity(value, "weight", "mass", unit="kg", minimum=WEIGHT_KG[0], maximum=WEIGHT_KG[1])


def height_cm(value) -> pint.Quantity:
    return quantity(value, "height", "length", unit="cm", minimum=HEIGHT_CM[0], maximum=HEIGHT_CM[1])


def age_years(value) -> pint.Quantity:
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


def age_from_birth_date(birth_date, as_of=None) -> pint.Quantity:
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


def creatinine_mg_dl(value) -> pint.Quantity:
    """Serum creatinine in mg/dL; µmol/L is converted through creatinine's molar mass."""
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


def _bsa_m2(w_kg, h_cm, formula: BSAFormula):
    """BSA in m² from kg and cm; works on floats and numpy arrays alike (the batch path)."""
    if formula is BSAFormula.MOSTELLER:
        return np.sqrt(h_cm * w_kg / 3600.0)  # Mosteller 1987
    if formula is BSAFormula.DUBOIS:
        return 0.007184 * w_kg**0.425 * h_cm**0.725  # Du Bois 1916
    if formula is BSAFormula.HAYCOCK:
        return 0.024265 * w_kg**0.5378 * h_cm**0.3964  # Haycock 1978
    if formula is BSAFormula.GEHAN_GEORGE:
        return 0.0235 * w_kg**0.51456 * h_cm**0.42246  # Gehan & George 1970
    # Boyd 1935 takes weight in grams.
    w_g = w_kg * 1000.0
    return 0.0003207 * h_cm**0.3 * w_g ** (0.7285 - 0.0188 * np.log10(w_g))


def parse_bsa_formula(formula: "BSAFormula | str", parameter: str = "formula") -> BSAFormula:
    return choice(BSAFormula, formula, parameter)


def body_surface_area(weight, height, formula: "BSAFormula | str" = BSAFormula.MOSTELLER) -> pint.Quantity:
    """Body surface area in m² (Mosteller unless another formula is named)."""
    w = weight_kg(weight).magnitude
    h = height_cm(height).magnitude
    # Through the array kernel, so the scalar and batch paths agree to the last bit
    # (numpy's vectorised pow and Python's float pow can differ by one ulp).
    return Quantity(float(_bsa_m2(np.array([w]), np.array([h]), parse_bsa_formula(formula))[0]), "m**2")


# ---------------------------------------------------------------- weights

_INCH_CM = 2.54
_FIVE_FEET_IN = 60.0


def ideal_body_weight_kg(h_cm, male, parameter: str = "height"):
    """Devine IBW in kg from cm and a male flag; floats or numpy arrays (the batch path).

    Devine's formula starts at 5 ft; below that it is not defined, and an
    extrapolated weight would be a guess, so it raises instead.
    """
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
    ibw = np.round(np.where(male, 50.0, 45.5) + 2.3 * (h_in - _FIVE_FEET_IN), 9)
    return float(ibw) if ibw.ndim == 0 else ibw


def above_fraction_of_ibw(actual_kg, ibw_kg, fraction: float):
    """actual > fraction × IBW, compared to the milligram so exactly 120 % is not "above".

    Floats or numpy arrays. 1.2 × 57 is 68.39999999999999 in binary; a patient of
    exactly 68.4 kg is at 120 %, not above it.
    """
    return np.round(np.asarray(actual_kg, dtype=float), 6) > np.round(fraction * np.asarray(ibw_kg, dtype=float), 6)


def ideal_body_weight(height, sex: "Sex | str") -> pint.Quantity:
    """Devine IBW: 50 kg (male) or 45.5 kg (female) + 2.3 kg per inch over 5 ft."""
    male = Sex.parse(sex, "Devine ideal body weight") is Sex.MALE
    return Quantity(ideal_body_weight_kg(height_cm(height).magnitude, male), "kg")


# Adjusted body weight factor 0.4 (Bauer, Applied Clinical Pharmacokinetics).
ADJUSTED_WEIGHT_FACTOR = 0.4


def adjusted_body_weight_kg(actual_kg, ibw_kg):
    """IBW + 0.4 × (actual − IBW) in kg; floats or numpy arrays (the batch path)."""
    return ibw_kg + ADJUSTED_WEIGHT_FACTOR * (actual_kg - ibw_kg)


def adjusted_body_weight(actual_weight, ideal_weight) -> pint.Quantity:
    """IBW + 0.4 × (actual − IBW)."""
    actual = weight_kg(actual_weight)
    ideal = quantity(ideal_weight, "ideal_weight", "mass", unit="kg", minimum=WEIGHT_KG[0], maximum=WEIGHT_KG[1])
    return Quantity(adjusted_body_weight_kg(actual.magnitude, ideal.magnitude), "kg")


# ---------------------------------------------------------------- kidney


class WeightBasis(enum.Enum):
    ACTUAL = "actual"
    IDEAL = "ideal"
    ADJUSTED = "adjusted"

    @classmethod
    def parse(cls, value: "WeightBasis | str") -> "WeightBasis":
        return choice(cls, value, "basis")


def optional_weight_basis(value, parameter: str = "weight_basis") -> WeightBasis | None:
    """No override (None), or the prescriber's chosen dosing weight."""
    return None if value is None else choice(WeightBasis, value, parameter)


@attrs.frozen
class CreatinineClearance:
    """Cockcroft–Gault CrCl, with the weight it was computed from and why."""

    value: pint.Quantity
    weight_used: pint.Quantity
    basis: WeightBasis
    reason: str


def _require_adult(age: pint.Quantity, equation: str) -> None:
    if age.magnitude < ADULT_YEARS:
        raise DoseInputError("age", f"{equation} is validated for adults (≥ 18 years); got {age.magnitude:g} years")


def creatinine_clearance(
    age, weight, serum_creatinine, sex: "Sex | str", *, basis: "WeightBasis | str" = WeightBasis.ACTUAL, height=None
) -> CreatinineClearance:
    """Cockcroft–Gault: (140 − age) × weight / (72 × SCr) [× 0.85 if female], mL/min.

    ``basis`` chooses actual, ideal (needs ``height``) or adjusted weight; the
    result says which weight was used so the reader can check it.
    """
    a = age_years(age)
    _require_adult(a, "Cockcroft–Gault")
    w = weight_kg(weight)
    scr = creatinine_mg_dl(serum_creatinine)
    s = Sex.parse(sex, "Cockcroft–Gault")
    basis = WeightBasis.parse(basis)
    if basis is WeightBasis.ACTUAL:
        used, reason = w, "actual body weight"
    else:
        if height is None:
            raise DoseInputError("height", f"needed for {basis.value} body weight")
        ibw = ideal_body_weight(height, s)
        if basis is WeightBasis.IDEAL:
            used, reason = ibw, "ideal body weight (Devine)"
        else:
            used, reason = adjusted_body_weight(w, ibw), "adjusted body weight (IBW + 0.4 × (actual − IBW))"
    female = 0.85 if s is Sex.FEMALE else 1.0
    value = (140.0 - a.magnitude) * used.magnitude / (72.0 * scr.magnitude) * female
    return CreatinineClearance(Quantity(value, "mL/min"), used, basis, reason)


def egfr_ckd_epi_2021(serum_creatinine, age, sex: "Sex | str") -> pint.Quantity:
    """CKD-EPI 2021 (race-free) eGFR in mL/min/1.73 m².

    142 × min(SCr/κ, 1)^α × max(SCr/κ, 1)^−1.200 × 0.9938^age × 1.012 [female];
    κ = 0.7 (F) / 0.9 (M), α = −0.241 (F) / −0.302 (M). Inker et al. 2021.
    """
    scr = creatinine_mg_dl(serum_creatinine).magnitude
    a = age_years(age)
    _require_adult(a, "CKD-EPI 2021")
    female = Sex.parse(sex, "CKD-EPI 2021") is Sex.FEMALE
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = scr / kappa
    value = 142.0 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.200 * 0.9938 ** a.magnitude
    if female:
        value *= 1.012
    return Quantity(value, "mL/min/std_bsa")


def egfr_value(value) -> pint.Quantity:
    """A given eGFR, checked, in mL/min/1.73 m²."""
    return quantity(value, "egfr", "flow per area", unit="mL/min/std_bsa", maximum=250.0, allow_zero=True)


def crcl_value(value) -> pint.Quantity:
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
