"""IVIG for refractory dermatomyositis: 2 g/kg per course over 2 days, every 3–4 weeks.

The seed plan (``refs.SEED_PLAN``): "IVIG at 2g/kg divided over 2 days every 3-4
weeks". This module turns that into grams of whole vials per day, a volume, an
infusion-rate ramp in mL/h for this patient, course dates, and checks orders.

Sources, each named next to the number it gives:

* Seed plan — 2 g/kg, 2 days, every 3–4 weeks.
* Octagam 10% US prescribing information (Octapharma; the US IVIG label with a
  dermatomyositis indication) — section 2.1 dosage table for dermatomyositis:
  2 g/kg divided in equal doses over 2–5 consecutive days every 4 weeks;
  initial rate 1.0 mg/kg/min (0.01 mL/kg/min), maintenance up to
  4.0 mg/kg/min (0.04 mL/kg/min); for patients at risk of renal dysfunction or
  thrombotic events, the minimum infusion rate practicable, not to exceed
  3.3 mg/kg/min (0.03 mL/kg/min) — 3.3 mg/kg/min of a 10 % product is
  0.033 mL/kg/min, so the two figures disagree; dmdose uses the stricter
  0.03 mL/kg/min printed on the label; boxed warning on thrombosis, renal
  dysfunction and acute renal failure (age > 65 predisposes to renal
  dysfunction).
* Panzyga US prescribing information — 14 mg/kg/min, the fastest IGIV maximum
  rate found on a label: a product configured faster is refused as a typing error.
* The dmdose IVIG issue (project specification) — the 1–2 g/kg configurable range,
  whole-vial rounding never above +5 %, the ±10 % order tolerance. These are
  project conventions, not label numbers; they are cited as such.
* Dosing weight (issue 7): the label doses 2 g/kg of body weight, so the default
  policy (:class:`WeightPolicy` ``label``) doses on the ACTUAL weight. Adjusted-weight
  dosing is a stewardship policy (``adjusted``): Australian NBA/Lifeblood BloodSTAR
  dose-determining weight IBW + 0.4 × (actual − IBW) for every patient not excluded
  (aged < 18, < 152 cm, pregnant, or actual weight below the adjusted weight), and the
  Ontario IVIG dose calculator (must for BMI > 30, should for every patient ≥ 152.4 cm
  above the Devine base weight). Neither uses a 120 %-of-IBW trigger, so the
  stewardship weight min(actual, IBW + 0.4 × (actual − IBW)) is continuous and
  non-decreasing in the actual weight: no cliff.

Two limits hold whatever the order's phrasing, weight basis or policy: no course, and no
21 days (the seed plan's shortest interval), may hold more than 2 g/kg of the ACTUAL body
weight + 5 %; and the infusion rates in mL/h are computed on at most the actual body weight
(min(dosing weight, actual weight)), so an ideal- or adjusted-weight override above the
actual weight can neither lift the cap nor speed the pump.

Products are data (``interactions/ivig_products.toml``): concentration, vial sizes and the
label's rate ramp per product, each with its label; :func:`resolve_product` finds the ordered
product by name, and an unidentified or generic name gets the default product's rules with a
caution.

Numeric helpers (:func:`dosing_weight_kg`, :func:`target_daily_dose_g`) work on
floats and numpy arrays alike so that the batch path computes exactly what the
scalar :func:`calculate_ivig` computes.
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import functools
import importlib.resources
import math
import re
import tomllib
import types
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, cast, overload

import attrs
import numpy as np
import pint

from dosing import body
from dosing import references as refs
from dosing.body import WeightBasis
from dosing.findings import Finding, Severity
from dosing.input.fields import choice, expect, optional_iso_date
from dosing.order import Order, Route
from dosing.patient import Patient, known_egfr
from dosing.references import Reference
from dosing.units import (
    DoseInputError,
    Quantity,
    check_magnitude,
    fmt,
    fmt_floor,
    is_mass_ratio,
    memo,
    quantity,
    unit_text,
    ureg,
)
from dosing.verdict import DoseCheck

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping, Sequence

    import numpy.typing as npt

    from dosing.input.frequency import Frequency
    from dosing.units import Qty

# ---------------------------------------------------------------- references

OCTAGAM_10_US_PI = Reference(
    "octagam-10-us-pi",
    "Octagam 10% [immune globulin intravenous (human)] US prescribing information, Octapharma: section 2.1 "
    "(dermatomyositis: 2 g/kg divided in equal doses over 2-5 consecutive days every 4 weeks; initial rate "
    "1.0 mg/kg/min = 0.01 mL/kg/min, maintenance up to 4.0 mg/kg/min = 0.04 mL/kg/min; rate increases every "
    "30 min as tolerated, rate-increase table 1 -> 2 -> 4 mg/kg/min; at risk of renal dysfunction or thrombotic "
    "events: minimum infusion rate practicable, not to exceed 3.3 mg/kg/min (0.03 mL/kg/min); 3.3 mg/kg/min of a "
    "10 % product is 0.033 mL/kg/min, so dmdose uses the stricter 0.03 mL/kg/min printed on the label); boxed warning "
    "(thrombosis, renal dysfunction and acute renal failure; predisposed: renal insufficiency, age > 65)",
)
IVIG_ISSUE = Reference(
    "dmdose-ivig-issue",
    "dmdose IVIG specification (project issue, institutional convention): course dose configurable 1-2 g/kg; "
    "whole vials never above +5 % of the per-day target; an order within +/-10 % of the computed course matches the plan",
)
NBA_ADJUSTED_WEIGHT = Reference(
    "nba-lifeblood-ig-abw",
    "National Blood Authority (Australia), BloodSTAR calculator 'Adjusting Immunoglobulin dose for ideal body weight' "
    "(Devine IBW; dose determining weight = IBW + 0.4 x (actual body weight - IBW)) and Lifeblood 'Adjusted body weight "
    "Ig dosing in BloodSTAR' (default from 1 July 2026; not for patients aged < 18 years, < 152 cm in height, pregnant, "
    "or whose actual body weight is lower than their adjusted body weight: actual body weight is used)",
)
ONTARIO_IG_CALCULATOR = Reference(
    "ontario-igum-dose-calculator",
    "Ontario Regional Blood Coordinating Network, IVIG/SCIG dose calculator (Ontario Immune Globulin Utilization "
    "Management): must be used for obese patients (BMI > 30) and should be used for all patients >= 152.4 cm and above "
    "50 kg (male) / 45.5 kg (female); otherwise actual weight = dosing weight; pre-pregnancy weight in pregnancy",
)
PANZYGA_US_PI = Reference(
    "panzyga-us-pi",
    "Panzyga [immune globulin intravenous (human) - ifas] 10% US prescribing information, Octapharma: section 2.1 "
    "(maximum infusion rate 14 mg/kg/min = 0.14 mL/kg/min in primary immunodeficiency, the fastest maximum among "
    "the US IGIV labels reviewed)",
)
KDIGO_CKD = Reference(
    "kdigo-2012-ckd",
    "KDIGO 2012 Clinical Practice Guideline for the Evaluation and Management of Chronic Kidney Disease: "
    "GFR < 60 mL/min/1.73 m² (G3a-G5) is decreased kidney function",
)

# ---------------------------------------------------------------- clinical numbers

# Seed plan: 2 g/kg; the issue allows 1–2 g/kg to be configured.
DEFAULT_DOSE_PER_KG = "2 g/kg"
DOSE_PER_KG_RANGE_G = (1.0, 2.0)  # IVIG_ISSUE (upper bound = seed plan and Octagam 10% label, 2 g/kg)
# Seed plan: 2 days; Octagam 10% US PI §2.1: 2–5 consecutive days.
DEFAULT_DAYS = 2
DAYS_RANGE = (2, 5)
# Seed plan: every 3–4 weeks (Octagam 10% label: every 4 weeks).
INTERVAL_DAYS_RANGE = (21, 28)
# Octagam 10% US PI §2.1: 2 g/kg over at least 2 days, so at most 1 g/kg on one day.
MAX_DAILY_G_PER_KG = 1.0
# NBA/Lifeblood: adjusted-weight dosing is not for patients < 152 cm; Devine's IBW itself is only defined
# from 5 ft (152.4 cm, also Ontario's limit), so below 152.4 cm the actual weight is used.
STEWARDSHIP_MIN_HEIGHT_CM = 152.4
# IVIG_ISSUE: whole vials never more than 5 % above the per-day target.
VIAL_ROUNDING_CEILING = Decimal("1.05")
# IVIG_ISSUE: the course cap is 2 g/kg + 5 % (the same vial tolerance); an order within ±10 % of the
# TARGET course (dose/kg × weight, before vial rounding) matches the plan, and so does the plan's own
# vial total, even when the vials fall further short of the target (see _plan_comparison).
# Seed plan / Octagam 10% label: 2 g/kg is the whole course, so the cap is computed on at most the
# ACTUAL body weight: a weight-basis override (ideal or adjusted above actual) must not lift it.
COURSE_CAP_G_PER_KG = 2.0
COURSE_CAP_TOLERANCE = 0.05
ORDER_MATCH_TOLERANCE = 0.10
# Seed plan: courses every 3-4 weeks, so no 21 days (the shortest interval) may hold more than one
# course's 2 g/kg. A q3w course passes: days 0-1 and 21-22 never share a 21-day window.
EXPOSURE_WINDOW_DAYS = INTERVAL_DAYS_RANGE[0]
# Octagam 10% US PI §2.1: dermatomyositis maximum 4 mg/kg/min — DM patients are at increased
# thromboembolic risk. A product configured faster is flagged (no other IVIG is labelled for DM).
DM_MAX_RATE_MG_PER_KG_MIN = 4.0
# Panzyga US PI §2.1: 14 mg/kg/min, the fastest IGIV maximum rate on the labels reviewed; a product
# configured faster is a typing error, refused.
PLAUSIBLE_MAX_RATE_MG_PER_KG_MIN = 14.0
# Octagam 10% US PI §2.1: adult dermatomyositis; NBA/Lifeblood: no adjusted-weight dosing under 18.
ADULT_YEARS = body.ADULT_YEARS
# Octagam 10% US PI boxed warning: age > 65 predisposes to renal dysfunction.
RENAL_RISK_AGE_YEARS = 65.0
# KDIGO 2012: eGFR < 60 mL/min/1.73 m² is decreased kidney function.
RENAL_RISK_EGFR = 60.0

# Exactness of the vial arithmetic: targets are compared in Decimal to the µg.
_G_QUANTUM = Decimal("1e-6")
# Vials sizes must be whole milligrams so the vial sums are exact.
_MG_PER_G = Decimal(1000)
_MAX_VIAL_STATES = 200_000
# Not a clinical limit but a plausibility one, derived from the rules above: the heaviest patient
# dmdose accepts (body.WEIGHT_KG) at the 2 g/kg course cap. More grams in one day is a unit or
# typing error (e.g. the weight typed into the dose), refused rather than compared.
PLAUSIBLE_MAX_G_PER_DAY = body.WEIGHT_KG[1] * COURSE_CAP_G_PER_KG


def _to_decimal(value: float) -> Decimal:
    # Via repr and quantized to the µg: float noise (64.99999999999999 g) must not flip a vial choice.
    return Decimal(repr(float(value))).quantize(_G_QUANTUM, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- product


def _rate_per_kg(value: object) -> Qty:
    return quantity(value, "rate", "rate per weight", unit="mL/kg/h")


def _step_duration(value: object) -> Qty | None:
    # A step longer than a day cannot be part of one day's infusion.
    return None if value is None else quantity(value, "duration", "time", unit="min", maximum=24 * 60)


@attrs.frozen
class RateStep:
    """One step of a label's infusion ramp: a rate and how long to hold it (None: the maximum, until done)."""

    rate: Qty = attrs.field(converter=_rate_per_kg)
    duration: Qty | None = attrs.field(default=None, converter=_step_duration)


def _vial_sizes(values: object) -> tuple[Qty, ...]:
    if isinstance(values, (str, pint.Quantity)) or not hasattr(values, "__iter__"):
        raise DoseInputError("vial_sizes", "expected a list of vial contents, e.g. ['5 g', '10 g', '20 g']")
    sizes: list[Qty] = []
    for i, v in enumerate(cast("Iterable[object]", values)):
        q = quantity(v, f"vial_sizes[{i}]", "mass", unit="g", minimum=0.5, maximum=100.0)
        mg = _to_decimal(q.magnitude) * _MG_PER_G
        if mg != mg.to_integral_value():
            raise DoseInputError(f"vial_sizes[{i}]", f"{fmt(q)} is not a whole number of milligrams")
        sizes.append(q)
    if not sizes:
        raise DoseInputError("vial_sizes", "at least one vial size is needed")
    if len({s.magnitude for s in sizes}) != len(sizes):
        raise DoseInputError("vial_sizes", "vial sizes repeat")
    return tuple(sorted(sizes, key=lambda s: -s.magnitude))


def _rate_table(values: object) -> tuple[RateStep, ...]:
    if isinstance(values, (str, RateStep)) or not hasattr(values, "__iter__"):
        raise DoseInputError("rate_steps", f"expected a list of RateStep values, got {values!r}")
    given = tuple(cast("Iterable[object]", values))
    if not given or not all(isinstance(s, RateStep) for s in given):
        raise DoseInputError("rate_steps", "expected one or more RateStep values")
    steps = cast("tuple[RateStep, ...]", given)
    if any(s.duration is None for s in steps[:-1]) or steps[-1].duration is not None:
        raise DoseInputError("rate_steps", "every step but the last (the maximum rate) needs a duration")
    rates = [s.rate.magnitude for s in steps]
    if any(b <= a for a, b in zip(rates, rates[1:])):
        raise DoseInputError("rate_steps", "rates must increase step by step")
    return steps


def _optional_rate(value: object) -> Qty | None:
    return None if value is None else quantity(value, "at_risk_max_rate", "rate per weight", unit="mL/kg/h")


def _positive_g_per_kg(value: object) -> float:
    return float(quantity(Quantity(value, "g/kg") if isinstance(value, (int, float)) else value,
                          "max_g_per_kg_per_day", "dose per mass", unit="g/kg", minimum=0.1, maximum=COURSE_CAP_G_PER_KG).magnitude)


def _optional_g_per_kg(value: object) -> float | None:
    return None if value is None else _positive_g_per_kg(value)


def _concentration(value: object) -> Qty:
    return quantity(value, "concentration", "mass concentration", unit="mg/mL", minimum=10.0, maximum=300.0)


def _product_name(value: object) -> str:
    # The name decides whether an ordered brand is this product (check_order): it must have letters or digits.
    if not isinstance(value, str) or not any(ch.isalnum() for ch in value):
        raise DoseInputError("name", f"expected the product name, e.g. 'Octagam 10%', got {value!r}")
    return value.strip()


@attrs.frozen
class IvigProduct:
    """An IVIG product as the pharmacy stocks it: concentration, vial contents, label rate ramp."""

    name: str = attrs.field(converter=_product_name)
    concentration: Qty = attrs.field(converter=_concentration)
    vial_sizes: tuple[Qty, ...] = attrs.field(converter=_vial_sizes)
    rate_steps: tuple[RateStep, ...] = attrs.field(converter=_rate_table)
    # The label's ceiling for patients at risk of renal dysfunction or thrombosis (None: no number given).
    at_risk_max_rate: Qty | None = attrs.field(default=None, converter=_optional_rate)
    reference: Reference = OCTAGAM_10_US_PI
    # The label's most on one day, g per kg (None: the label sets no per-day figure).
    max_g_per_kg_per_day: float | None = attrs.field(default=None, converter=_optional_g_per_kg)
    # What could not be confirmed on the label, shown with the product.
    note: str = attrs.field(default="", validator=attrs.validators.instance_of(str))

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.reference, Reference):
            raise DoseInputError("reference", f"expected a Reference (the product's label), got {self.reference!r}")
        fastest = self.mass_rate(self.max_rate)
        if fastest > PLAUSIBLE_MAX_RATE_MG_PER_KG_MIN + 1e-9:
            raise DoseInputError(
                "rate_steps",
                f"maximum {_per_kg_rate(self.max_rate)} at {fmt(self.concentration)} is {fastest:.3g} mg/kg/min, above "
                f"{PLAUSIBLE_MAX_RATE_MG_PER_KG_MIN:g} mg/kg/min, the fastest IGIV label rate (Panzyga US PI)",
            )
        if self.at_risk_max_rate is not None and self.at_risk_max_rate.magnitude > self.max_rate.magnitude:
            raise DoseInputError(
                "at_risk_max_rate",
                f"{_per_kg_rate(self.at_risk_max_rate)} is above the product's maximum {_per_kg_rate(self.max_rate)}; "
                "an at-risk ceiling must be the lower one",
            )

    @property
    def max_rate(self) -> Qty:
        return self.rate_steps[-1].rate

    def mass_rate(self, rate: Qty) -> float:
        """A volume rate per kg as mg/kg/min of this product (how labels state their limits)."""
        return float((rate * self.concentration).to("mg/kg/min").magnitude)


def _per_kg_rate(q: Qty) -> str:
    # pint orders the units mL/h/kg; labels and pumps say mL/kg/h.
    return _rate_text(float(q.to("mL/kg/h").magnitude))


def _rate_text(ml_per_kg_h: float) -> str:
    return f"{ml_per_kg_h:.3g} mL/kg/h"


def _ml_per_kg_min(value: float) -> Qty:
    rate: Qty = Quantity(value, "mL/kg/min").to("mL/kg/h")
    return rate


# ---------------------------------------------------------------- plain numbers (issue 8)
#
# The calculators read each Quantity once, in the unit they work in, and compute on floats. Where
# the arithmetic was pint's, the float is the same: pint multiplies the magnitudes and then converts
# by one factor; these are those factors, taken from pint by the same operations on 1.0.


def _factor(value: Qty, unit: str) -> float:
    return float(value.to(unit).magnitude)


_G_PER_KG_BY_KG_IN_G = _factor(Quantity(1.0, "g/kg") * Quantity(1.0, "kg"), "g")
_ML_PER_KG_H_BY_KG_IN_ML_H = _factor(Quantity(1.0, "mL/kg/h") * Quantity(1.0, "kg"), "mL/h")
_G_BY_MG_PER_ML_IN_ML = _factor(Quantity(1.0, "g") / Quantity(1.0, "mg/mL"), "mL")
_ML_BY_ML_PER_H_IN_H = _factor(Quantity(1.0, "mL") / Quantity(1.0, "mL/h"), "h")
_ML_PER_KG_H_IN_ML_PER_KG_MIN = _factor(Quantity(1.0, "mL/kg/h"), "mL/kg/min")
_H_IN_MIN = _factor(Quantity(1.0, "h"), "min")

# How dosing.units.fmt writes each unit the messages use.
_UNIT_TEXT = {unit: unit_text(ureg.Unit(unit)) for unit in ("g", "kg", "g/kg", "mL", "mL/h", "h", "min")}


def _num(value: float, digits: int = 4) -> str:
    # The number exactly as dosing.units.fmt writes a Quantity's magnitude.
    number = f"{value:.{digits}g}"
    if "e" in number:
        # '2e+05 mg' is a misread waiting to happen: write the digits out.
        number = np.format_float_positional(value, precision=digits, unique=False, fractional=False, trim="-")
    return number


def _g(grams: float) -> str:
    return f"{_num(grams)} {_UNIT_TEXT['g']}"


def _kg(kilograms: float) -> str:
    return f"{_num(kilograms)} {_UNIT_TEXT['kg']}"


def _g_per_kg(value: float) -> str:
    return f"{_num(value)} {_UNIT_TEXT['g/kg']}"


def _ml(millilitres: float) -> str:
    return f"{_num(millilitres)} {_UNIT_TEXT['mL']}"


def _ml_per_h(value: float) -> str:
    return f"{_num(value)} {_UNIT_TEXT['mL/h']}"


def _hours(hours: float, digits: int = 4) -> str:
    return f"{_num(hours, digits)} {_UNIT_TEXT['h']}"


class _ProductNumbers(NamedTuple):
    """A product's figures as plain numbers, and their text: read once per product (issue 8)."""

    concentration: float  # mg/mL
    concentration_text: str
    vial_decimals: tuple[Decimal, ...]  # g, large→small, exact
    vial_mg: tuple[int, ...]
    vial_gcd_mg: int
    vial_texts: tuple[str, ...]
    vials_listed: str  # "20 g, 10 g, 5 g"
    steps: tuple[tuple[float, float | None], ...]  # (mL/kg/h, hours held; None: the maximum)
    max_rate: float  # mL/kg/h
    at_risk_max_rate: float | None  # mL/kg/h
    max_mass_rate: float  # mg/kg/min at max_rate


class _Identity:
    """A memo key equal only to the same object: a product is frozen, but hashing it would have pint
    convert each of its Quantities to base units on every look-up."""

    __slots__ = ("value",)

    def __init__(self, value: IvigProduct) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Identity) and other.value is self.value


def _product_numbers(product: IvigProduct) -> _ProductNumbers:
    numbers: _ProductNumbers = _numbers_of(_Identity(product))
    return numbers


@memo(maxsize=64)
def _numbers_of(key: _Identity) -> _ProductNumbers:
    product = key.value
    vial_mg = tuple(_vial_sizes_mg(product))
    vial_texts = tuple(fmt(s) for s in product.vial_sizes)
    return _ProductNumbers(
        concentration=float(product.concentration.magnitude),
        concentration_text=fmt(product.concentration),
        vial_decimals=tuple(_to_decimal(s.magnitude) for s in product.vial_sizes),
        vial_mg=vial_mg,
        vial_gcd_mg=math.gcd(*vial_mg),
        vial_texts=vial_texts,
        vials_listed=", ".join(vial_texts),
        steps=tuple(
            (float(s.rate.magnitude), None if s.duration is None else float(s.duration.to("h").magnitude)) for s in product.rate_steps
        ),
        max_rate=float(product.max_rate.magnitude),
        at_risk_max_rate=None if product.at_risk_max_rate is None else float(product.at_risk_max_rate.magnitude),
        max_mass_rate=product.mass_rate(product.max_rate),
    )


# Octagam 10% US PI §2.1, dermatomyositis: start 1 mg/kg/min (0.01 mL/kg/min) for
# 30 min, increase every 30 min as tolerated (the label's rate-increase table
# doubles 1 → 2 → 4 mg/kg/min) to the dermatomyositis maximum 4 mg/kg/min
# (0.04 mL/kg/min); at renal or thrombotic risk not above 0.03 mL/kg/min — the
# label prints "3.3 mg/kg/min (0.03 mL/kg/min)", but 3.3 mg/kg/min of a 10 % product
# is 0.033 mL/kg/min; the stricter 0.03 mL/kg/min printed on the label is used.
# Vial contents 5, 10, 20 g (the label also lists 2 g and 30 g; configure if stocked).
DEFAULT_PRODUCT = IvigProduct(
    name="Octagam 10%",
    concentration=Quantity(100, "mg/mL"),
    vial_sizes=(Quantity(5, "g"), Quantity(10, "g"), Quantity(20, "g")),
    rate_steps=(
        RateStep(_ml_per_kg_min(0.01), Quantity(30, "min")),  # 0.6 mL/kg/h
        RateStep(_ml_per_kg_min(0.02), Quantity(30, "min")),  # 1.2 mL/kg/h
        RateStep(_ml_per_kg_min(0.04)),  # 2.4 mL/kg/h, dermatomyositis maximum
    ),
    at_risk_max_rate=_ml_per_kg_min(0.03),  # 1.8 mL/kg/h
    reference=OCTAGAM_10_US_PI,
)


# ---------------------------------------------------------------- products as data

PRODUCTS_FILE = "ivig_products.toml"
_RATE_UNITS = ("mg/kg/min", "mL/kg/min", "mL/kg/h")
_PRODUCT_KEYS = {
    "brand", "concentration", "vial_sizes_g", "rate_unit", "rate_steps", "initial_minutes", "step_minutes",
    "max_rate", "cidp_max_rate", "dm_max_rate", "at_risk_max_rate", "max_g_per_kg_per_day", "label", "note",
}
_REQUIRED_KEYS = ("brand", "concentration", "vial_sizes_g", "rate_unit", "rate_steps", "initial_minutes", "step_minutes", "max_rate", "label")


@attrs.frozen
class CatalogEntry:
    """One product of the table: the IvigProduct dmdose computes with, and the label's other maxima."""

    product: IvigProduct
    brand: str
    max_rate: Qty  # the label's fastest maximum, any indication (mL/kg/h)
    cidp_max_rate: Qty | None
    dm_max_rate: Qty | None


def _label_rate(value: object, unit: str, concentration: Qty, parameter: str) -> Qty:
    """A label rate as mL/kg/h: mg/kg/min through the product's concentration, volumes as they are."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise DoseInputError(parameter, f"expected a positive rate in {unit}, got {value!r}")
    if unit == "mg/kg/min":
        rate: Qty = (Quantity(value, "mg/kg/min") / concentration).to("mL/kg/h")
    else:
        rate = Quantity(value, unit).to("mL/kg/h")
    return rate


def _minutes(value: object, parameter: str) -> Qty:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 24 * 60:
        raise DoseInputError(parameter, f"expected minutes (0-1440], got {value!r}")
    minutes: Qty = Quantity(value, "min")
    return minutes


def product_from_record(name: str, record: object) -> CatalogEntry:
    """One table of ivig_products.toml as a CatalogEntry; a missing or malformed field raises, naming it."""
    where = f"products.{name}"
    if not isinstance(record, dict):
        raise DoseInputError(where, "expected a table of product fields")
    unknown = set(record) - _PRODUCT_KEYS
    if unknown:
        raise DoseInputError(where, f"unknown field(s) {sorted(unknown)}")
    for key in _REQUIRED_KEYS:
        if key not in record:
            raise DoseInputError(f"{where}.{key}", "required")
    label = record["label"]
    if not isinstance(label, str) or len(label.strip()) < 20:
        raise DoseInputError(f"{where}.label", "every product cites its label (who, which sections, which figures)")
    unit = record["rate_unit"]
    if unit not in _RATE_UNITS:
        raise DoseInputError(f"{where}.rate_unit", f"expected one of {', '.join(_RATE_UNITS)}, got {unit!r}")
    concentration = quantity(record["concentration"], f"{where}.concentration", "mass concentration", unit="mg/mL", minimum=10.0, maximum=300.0)
    raw_steps = record["rate_steps"]
    if not isinstance(raw_steps, list) or not raw_steps:
        raise DoseInputError(f"{where}.rate_steps", "expected a list of rates, initial first")
    rates = [_label_rate(v, unit, concentration, f"{where}.rate_steps[{i}]") for i, v in enumerate(raw_steps)]
    first, then = _minutes(record["initial_minutes"], f"{where}.initial_minutes"), _minutes(record["step_minutes"], f"{where}.step_minutes")
    steps = tuple(
        RateStep(rate, None if i == len(rates) - 1 else (first if i == 0 else then)) for i, rate in enumerate(rates)
    )

    fields: dict[str, Any] = record  # the narrowed record, for the closure below

    def optional(key: str) -> Qty | None:
        return None if fields.get(key) is None else _label_rate(fields[key], unit, concentration, f"{where}.{key}")

    max_rate = _label_rate(record["max_rate"], unit, concentration, f"{where}.max_rate")
    for key in ("cidp_max_rate", "dm_max_rate"):
        value = optional(key)
        if value is not None and value.magnitude > max_rate.magnitude * (1 + 1e-9):
            raise DoseInputError(f"{where}.{key}", "above the product's max_rate")
    if rates[-1].magnitude > max_rate.magnitude * (1 + 1e-9):
        raise DoseInputError(f"{where}.rate_steps", "the ramp ends above the product's max_rate")
    sizes = record["vial_sizes_g"]
    if not isinstance(sizes, list):
        raise DoseInputError(f"{where}.vial_sizes_g", "expected a list of grams")
    product = IvigProduct(
        name=name,
        concentration=concentration,
        vial_sizes=[Quantity(g, "g") if isinstance(g, (int, float)) and not isinstance(g, bool) else g for g in sizes],
        rate_steps=steps,
        at_risk_max_rate=optional("at_risk_max_rate"),
        reference=Reference(f"ivig-label-{_alnum(name)}", label.strip()),
        max_g_per_kg_per_day=record.get("max_g_per_kg_per_day"),
        note=str(record.get("note", "")).strip(),
    )
    brand = record["brand"]
    if not isinstance(brand, str) or not any(ch.isalnum() for ch in brand):
        raise DoseInputError(f"{where}.brand", f"expected the brand word(s), got {brand!r}")
    return CatalogEntry(product, brand.strip(), max_rate, optional("cidp_max_rate"), optional("dm_max_rate"))


def load_ivig_products(path: str | os.PathLike[str] | None = None) -> tuple[CatalogEntry, ...]:
    """The product table: the shipped interactions/ivig_products.toml, or a file given by path."""
    if path is None:
        return _shipped_products()
    with open(path, "rb") as handle:
        return _products_from(tomllib.load(handle))


@functools.cache
def _shipped_products() -> tuple[CatalogEntry, ...]:
    raw = importlib.resources.files("interactions").joinpath(PRODUCTS_FILE).read_bytes()
    return _products_from(tomllib.loads(raw.decode("utf-8")))


def _products_from(data: dict[str, Any]) -> tuple[CatalogEntry, ...]:
    products = data.get("products")
    if not isinstance(products, dict) or not products:
        raise DoseInputError("products", "expected [products.<name>] tables")
    return tuple(product_from_record(name, record) for name, record in products.items())


# "10%", "10 %", "5.0%": the concentration words an order may add to a product name.
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")


@attrs.frozen
class ProductMatch:
    entry: CatalogEntry | None
    why: str  # how the name was read, or why no product was identified


def resolve_product(name: str, catalog: tuple[CatalogEntry, ...] | None = None) -> ProductMatch:
    """The product an order names ("Octagam 10%", "privigen 20 g", "Gamunex-C"), or None and why.

    The brand is matched whole inside the name (interactions.drugs.normalize); a concentration
    ("10%") chooses between products of one brand. A brand with several concentrations named without
    one, a concentration the brand does not have, or a generic name identify no product.
    """
    from interactions.drugs import normalize

    if not isinstance(name, str) or not name.strip():
        raise DoseInputError("drug", f"expected the product name, got {name!r}")
    catalog = load_ivig_products() if catalog is None else catalog
    percents = {float(m.replace(",", ".")) for m in _PERCENT.findall(name)}
    key = normalize(_PERCENT.sub(" ", name))
    by_brand = [e for e in catalog if normalize(e.brand) in key]
    if not by_brand:
        return ProductMatch(None, f"'{name}' names no product in the IVIG product table")
    longest = max(len(normalize(e.brand)) for e in by_brand)
    by_brand = [e for e in by_brand if len(normalize(e.brand)) == longest]
    brand = by_brand[0].brand
    if len(percents) > 1:
        return ProductMatch(None, f"'{name}' names more than one concentration")
    if percents:
        percent = next(iter(percents))
        matching = [e for e in by_brand if abs(e.product.concentration.to("mg/mL").magnitude - percent * 10) < 1e-6]
        if not matching:
            have = ", ".join(e.product.name for e in by_brand)
            return ProductMatch(None, f"'{name}': the table has no {percent:g} % {brand} (it has {have})")
        by_brand = matching
    if len(by_brand) > 1:
        names = ", ".join(e.product.name for e in by_brand)
        return ProductMatch(None, f"'{name}' names {brand} without its concentration ({names} differ in volume and rates)")
    if not percents and _PERCENT.search(by_brand[0].product.name):
        # A product whose own name carries its strength ("Flebogamma 10% DIF") is sold in other strengths
        # too, even when the table holds only one: named without it, the volume and rates are unknown.
        return ProductMatch(None, f"'{name}' names {brand} without its concentration (the table has only "
                                  f"{by_brand[0].product.name}; other strengths differ in volume and rates)")
    return ProductMatch(by_brand[0], f"'{name}' read as {by_brand[0].product.name}")


# ---------------------------------------------------------------- numeric helpers (scalar and batch)


def _numbers(value: object, name: str, unit: str) -> npt.NDArray[np.float64]:
    """A float or array of floats in ``unit``, finite and positive. A pint Quantity is refused:
    its magnitude would be read in ``unit`` whatever its own unit (62 lb as 62 kg)."""
    if isinstance(value, (pint.Quantity, str, bytes)) or value is None:
        raise DoseInputError(name, f"expected plain numbers in {unit} (this is the numeric kernel), got {value!r}")
    values = np.asarray(value)
    if values.dtype.kind not in "iuf":
        raise DoseInputError(name, f"expected numbers in {unit}, got {value!r}")
    values = values.astype(float)
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise DoseInputError(name, f"must be finite and positive ({unit})")
    return values


def _same_shape(**arrays: npt.NDArray[np.float64]) -> None:
    try:
        np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        raise DoseInputError("batch", f"arrays differ in shape: { {k: a.shape for k, a in arrays.items()} }") from None


# Floats in, floats out; arrays in (the batch path), arrays out. (A 0-d array gives a float.)
@overload
def dosing_weight_kg(actual_kg: float, ibw_kg: float) -> tuple[float, bool]: ...
@overload
def dosing_weight_kg(actual_kg: npt.NDArray[Any], ibw_kg: npt.NDArray[Any] | float) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]: ...
def dosing_weight_kg(
    actual_kg: npt.NDArray[Any] | float, ibw_kg: npt.NDArray[Any] | float
) -> tuple[float, bool] | tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Stewardship dosing weight in kg and whether it is below the actual weight; floats or numpy arrays.

    NBA/Lifeblood dose-determining weight IBW + 0.4 × (actual − IBW) (formula refs.ADJUSTED_BW),
    except where the actual weight is lower than it (actual < IBW): then the actual weight. That is
    min(actual, adjusted): continuous and non-decreasing in the actual weight (slope 1 up to the IBW,
    0.4 above it), so a heavier patient never gets less. Non-finite or non-positive inputs raise
    rather than propagate NaN into a dose.
    """
    actual = _numbers(actual_kg, "actual_kg", "kg")
    ibw = _numbers(ibw_kg, "ibw_kg", "kg")
    _same_shape(actual_kg=actual, ibw_kg=ibw)
    adjusted = body.adjusted_body_weight_kg(actual, ibw)
    # Compared to the milligram, so float noise at actual == IBW does not flip the basis.
    use_adjusted = np.round(adjusted, 6) < np.round(actual, 6)
    weight = np.where(use_adjusted, adjusted, actual)
    if weight.ndim == 0:
        return float(weight), bool(use_adjusted)
    return weight, use_adjusted


@overload
def target_daily_dose_g(dosing_weight_kg: float, dose_g_per_kg: float, days: float) -> float: ...
@overload
def target_daily_dose_g(
    dosing_weight_kg: npt.NDArray[Any], dose_g_per_kg: npt.NDArray[Any] | float, days: npt.NDArray[Any] | float
) -> npt.NDArray[np.float64]: ...
def target_daily_dose_g(
    dosing_weight_kg: npt.NDArray[Any] | float, dose_g_per_kg: npt.NDArray[Any] | float, days: npt.NDArray[Any] | float
) -> npt.NDArray[np.float64] | float:
    """Per-day target in grams: dosing weight × dose per kg ÷ days; floats or numpy arrays.

    The dose per kg and the days are held to the same limits as :func:`calculate_ivig`
    (1-2 g/kg, 2-5 whole days), so the batch path cannot compute what the scalar refuses.
    """
    w = _numbers(dosing_weight_kg, "dosing_weight_kg", "kg")
    d = _numbers(dose_g_per_kg, "dose_g_per_kg", "g/kg")
    n = _numbers(days, "days", "days")
    _same_shape(dosing_weight_kg=w, dose_g_per_kg=d, days=n)
    lo, hi = DOSE_PER_KG_RANGE_G
    if np.any(d < lo) or np.any(d > hi):
        raise DoseInputError("dose_g_per_kg", f"IVIG course dose is {lo:g}-{hi:g} g/kg (IVIG_ISSUE); got {dose_g_per_kg!r}")
    if np.any(n != np.floor(n)) or np.any(n < DAYS_RANGE[0]) or np.any(n > DAYS_RANGE[1]):
        raise DoseInputError("days", f"IVIG is divided over {DAYS_RANGE[0]}-{DAYS_RANGE[1]} whole days; got {days!r}")
    target = w * d / n
    return float(target) if target.ndim == 0 else target


def _target_daily_g(dosing_kg: float, g_per_kg: float, days: int) -> float:
    # target_daily_dose_g's arithmetic (w × d / n, IEEE doubles either way) for one patient whose
    # inputs calculate_ivig has already checked (1-2 g/kg, 2-5 days, a plausible weight).
    return dosing_kg * g_per_kg / days


# ---------------------------------------------------------------- vial rounding


@attrs.frozen
class VialCount:
    size: Qty
    count: int


def _min_vial_combinations(sizes_mg: list[int], limit_mg: int) -> Mapping[int, tuple[int, ...]]:
    """Fewest vials for every reachable total up to ``limit_mg`` (unbounded coin change), read-only.

    A pure function of the vial sizes and the limit, worked out once per pair (issue 8).
    """
    table: Mapping[int, tuple[int, ...]] = _vial_table(tuple(sizes_mg), limit_mg)
    return table


@memo(maxsize=4096)
def _vial_table(sizes_mg: tuple[int, ...], limit_mg: int) -> Mapping[int, tuple[int, ...]]:
    step = math.gcd(*sizes_mg)
    if limit_mg // step > _MAX_VIAL_STATES:
        raise DoseInputError("vial_sizes", "vial sizes too fine for this dose; choose whole-gram vials")
    best: dict[int, tuple[int, ...]] = {0: tuple(0 for _ in sizes_mg)}
    for total in range(step, limit_mg + 1, step):
        candidates = []
        for i, size in enumerate(sizes_mg):
            before = best.get(total - size)
            if before is not None:
                counts = before[:i] + (before[i] + 1,) + before[i + 1 :]
                # Fewest vials; among equals, the one using larger vials first (sizes are sorted large→small).
                candidates.append((sum(counts), tuple(-c for c in counts), counts))
        if candidates:
            best[total] = min(candidates)[2]
    return types.MappingProxyType(best)


@memo(maxsize=4096)
def _reachable_totals(sizes_mg: tuple[int, ...], limit_mg: int) -> tuple[int, ...]:
    """The vial totals (mg) above zero that whole vials reach up to ``limit_mg``, smallest first."""
    return tuple(sorted(t for t in _min_vial_combinations(list(sizes_mg), limit_mg) if t > 0))


def _vial_sizes_mg(product: IvigProduct) -> list[int]:
    # Whole milligrams (the product checks it), so sums and divisibility are exact integers.
    return [int(_to_decimal(s.magnitude) * _MG_PER_G) for s in product.vial_sizes]


def _product(value: object) -> IvigProduct:
    return expect(value, IvigProduct, "product")


def round_to_vials(target_daily: Qty | str, product: IvigProduct) -> tuple[VialCount, ...]:
    """Whole vials for one day: the smallest total in [target, 1.05 × target] if one exists,
    else the largest total not above 1.05 × target; ties → fewer vials (IVIG_ISSUE).

    Raises if even the smallest vial is above 1.05 × target.
    """
    product = _product(product)
    target_g = quantity(target_daily, "target_daily", "mass", unit="g", maximum=PLAUSIBLE_MAX_G_PER_DAY).magnitude
    counts = _vial_counts(target_g, product, _product_numbers(product))
    return tuple(VialCount(size, count) for size, count in zip(product.vial_sizes, counts) if count)


def _vial_counts(target_g: float, product: IvigProduct, numbers: _ProductNumbers) -> tuple[int, ...]:
    """round_to_vials' rule on the target in grams (checked): how many of each vial size, large→small."""
    # "At or above target" tolerates float noise (59.99999999999 g reaches a 60 g vial sum);
    # the +5 % ceiling does not: it is taken from the exact value of the float, rounded down.
    target_mg = _to_decimal(target_g) * _MG_PER_G
    limit_mg = int((Decimal(repr(target_g)) * _MG_PER_G * VIAL_ROUNDING_CEILING).to_integral_value(rounding=ROUND_FLOOR))
    reachable = _reachable_totals(numbers.vial_mg, limit_mg)
    if not reachable:
        raise DoseInputError(
            "product",
            f"the smallest {product.name} vial ({fmt(product.vial_sizes[-1])}) is more than 5 % above the per-day "
            f"target {_g(target_g)}; choose a product with smaller vials",
        )
    at_or_above = bisect.bisect_left(reachable, target_mg)
    chosen = reachable[at_or_above] if at_or_above < len(reachable) else reachable[-1]
    counts: tuple[int, ...] = _min_vial_combinations(list(numbers.vial_mg), limit_mg)[chosen]
    return counts


def _vial_total(vials: tuple[VialCount, ...]) -> Qty:
    grams: Qty = Quantity(_vials_g([_to_decimal(v.size.magnitude) for v in vials], [v.count for v in vials]), "g")
    return grams


def _vials_g(sizes: Sequence[Decimal], counts: Sequence[int]) -> float:
    # The vial sum in Decimal (exact to the mg), turned float once.
    return float(sum((size * count for size, count in zip(sizes, counts) if count), Decimal(0)))


def _course_total(daily: Qty, days: int) -> Qty:
    total: Qty = Quantity(_course_g(daily.to("g").magnitude, days), "g")
    return total


def _course_g(daily_g: float, days: int) -> float:
    # In Decimal, like the vial sum: the scalar plan and the batch path must give the same float.
    return float(_to_decimal(daily_g) * days)


def _describe_vials(vials: tuple[VialCount, ...]) -> str:
    return " + ".join(f"{v.count} × {fmt(v.size)}" for v in vials)


# ---------------------------------------------------------------- inputs


def _days(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise DoseInputError("days", f"expected a whole number of days 2-5, got {value!r}")
    days = int(value)
    if not DAYS_RANGE[0] <= days <= DAYS_RANGE[1]:
        # Octagam 10% US PI §2.1: 2–5 consecutive days.
        raise DoseInputError("days", f"IVIG is divided over {DAYS_RANGE[0]}-{DAYS_RANGE[1]} consecutive days; got {days}")
    return days


def _interval_bound_days(value: object, parameter: str) -> int:
    if isinstance(value, bool):
        raise DoseInputError(parameter, f"expected weeks, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return 7 * int(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value) or not float(value).is_integer():
            raise DoseInputError(parameter, f"expected whole weeks (or a duration such as '24 days'), got {value!r}")
        return 7 * int(value)
    # A year bounds the Decimal below; the 21-28 day range is checked by the caller.
    q = quantity(value, parameter, "time", unit="day", maximum=366)
    days = _to_decimal(q.magnitude)
    if days != days.to_integral_value():
        raise DoseInputError(parameter, f"{fmt(q)} is not a whole number of days")
    return int(days)


def _interval_days(interval_weeks: object) -> tuple[int, int]:
    # An ordered pair only: a set has no order, a dict's keys are not the weeks.
    if not isinstance(interval_weeks, (list, tuple, np.ndarray)) or len(interval_weeks) != 2:
        raise DoseInputError("interval_weeks", f"expected (shortest, longest) weeks, e.g. (3, 4); got {interval_weeks!r}")
    lo = _interval_bound_days(interval_weeks[0], "interval_weeks[0]")
    hi = _interval_bound_days(interval_weeks[1], "interval_weeks[1]")
    lo_ok, hi_ok = INTERVAL_DAYS_RANGE
    if not (lo_ok <= lo <= hi <= hi_ok):
        # Seed plan: every 3–4 weeks.
        raise DoseInputError("interval_weeks", f"expected {lo_ok}-{hi_ok} days (3-4 weeks) with shortest ≤ longest; got {lo}-{hi} days")
    return lo, hi


def _dose_per_kg(value: object) -> Qty:
    lo, hi = DOSE_PER_KG_RANGE_G
    return quantity(value, "dose_per_kg", "dose per mass", unit="g/kg", minimum=lo, maximum=hi)


# check_order plans the seed plan's course: 2 g/kg, repeated every 3-4 weeks.
_SEED_DOSE_PER_KG = float(_dose_per_kg(DEFAULT_DOSE_PER_KG).magnitude)
_DEFAULT_INTERVAL_DAYS = _interval_days((3, 4))


# ---------------------------------------------------------------- dosing weight


class WeightPolicy(enum.Enum):
    """Which weight a g/kg course is computed on when the prescriber names none.

    * ``label`` (default): the actual body weight — the Octagam 10% label doses 2 g/kg of body weight.
    * ``adjusted``: stewardship — NBA/Lifeblood and Ontario dose on IBW + 0.4 × (actual − IBW),
      with their exclusions. An order on the actual weight is then a caution, never a block.
    """

    LABEL = "label"
    ADJUSTED = "adjusted"

    @classmethod
    def parse(cls, value: "WeightPolicy | str") -> "WeightPolicy":
        return choice(cls, value, "weight_policy", {"actual": cls.LABEL, "stewardship": cls.ADJUSTED})


@attrs.frozen
class DosingWeight:
    weight: Qty
    basis: WeightBasis
    reason: str
    ideal: Qty | None
    # A caution to report with the weight (the adjusted-weight comparison could not be made), or None.
    caution: str | None = None


def _stewardship_exclusion(patient: Patient) -> str | None:
    """Why NBA/Lifeblood (and Ontario) would dose this patient on the actual weight, or None."""
    age = patient.age_years
    if age < ADULT_YEARS:
        return f"age {age:g} years, under 18"
    if patient.height.to("cm").magnitude < STEWARDSHIP_MIN_HEIGHT_CM - 1e-9:
        return (
            f"height {fmt(patient.height)}, under 152.4 cm (5 ft): NBA excludes patients under 152 cm and "
            "Devine's ideal body weight is not defined below 5 ft"
        )
    if "pregnancy" in patient.conditions:
        return "pregnancy"
    return None


def _ideal_or_unknown(patient: Patient) -> tuple[Qty | None, str]:
    """Devine IBW, or None and why (sex unknown/other: the equation needs a sex)."""
    try:
        return patient.ideal_body_weight(), ""
    except DoseInputError as exc:
        return None, exc.problem


def _stewardship_weight(patient: Patient) -> DosingWeight:
    actual = patient.weight
    why_actual = _stewardship_exclusion(patient)
    if why_actual is not None:
        return DosingWeight(
            actual, WeightBasis.ACTUAL,
            f"actual body weight {fmt(actual)}: adjusted-weight dosing does not apply ({why_actual}; NBA/Lifeblood)", None,
        )
    ibw, problem = _ideal_or_unknown(patient)
    if ibw is None:
        return DosingWeight(
            actual, WeightBasis.ACTUAL,
            f"actual body weight {fmt(actual)}: ideal body weight could not be computed ({problem})", None,
            caution=(
                f"The adjusted-weight (stewardship) dose could not be compared: ideal body weight needs the sex "
                f"({problem}); the dose is computed on the actual weight {fmt(actual)}."
            ),
        )
    w, adjusted = dosing_weight_kg(actual.magnitude, ibw.magnitude)
    ibw_text = f"IBW (Devine) {fmt(ibw)}"
    if adjusted:
        reason = f"adjusted body weight IBW + 0.4 × (actual − IBW) = {_kg(w)} (actual {fmt(actual)}; {ibw_text}; NBA/Lifeblood stewardship policy)"
        return DosingWeight(Quantity(w, "kg"), WeightBasis.ADJUSTED, reason, ibw)
    reason = f"actual body weight {fmt(actual)}, because it is not above the adjusted weight ({ibw_text}; NBA/Lifeblood exclusion)"
    return DosingWeight(actual, WeightBasis.ACTUAL, reason, ibw)


def choose_dosing_weight(
    patient: Patient, override: WeightBasis | str | None = None, policy: WeightPolicy | str = WeightPolicy.LABEL
) -> DosingWeight:
    """The dosing weight, its basis, and why (the policy's rule, or the prescriber's override)."""
    expect(patient, Patient, "patient")
    return _dosing_weight(patient, body.optional_weight_basis(override), WeightPolicy.parse(policy))


def _dosing_weight(patient: Patient, override: WeightBasis | None, policy: WeightPolicy) -> DosingWeight:
    actual = patient.weight
    if override is WeightBasis.ACTUAL:
        # Actual weight needs no IBW, so a patient under 5 ft can still be dosed by explicit choice.
        return DosingWeight(actual, WeightBasis.ACTUAL, f"override: actual body weight {fmt(actual)} chosen by the prescriber", None)
    if override is None:
        if policy is WeightPolicy.LABEL:
            return DosingWeight(actual, WeightBasis.ACTUAL, f"actual body weight {fmt(actual)} (Octagam 10% label: 2 g/kg of body weight)", None)
        return _stewardship_weight(patient)
    ibw = patient.ideal_body_weight()  # an explicit ideal/adjusted choice needs IBW: raises below 5 ft
    adjusted_kg = body.adjusted_body_weight_kg(actual.magnitude, ibw.magnitude)
    ibw_text = f"IBW (Devine) {fmt(ibw)}"
    if override is WeightBasis.IDEAL:
        return DosingWeight(ibw, WeightBasis.IDEAL, f"override: ideal body weight chosen by the prescriber (actual {fmt(actual)}; {ibw_text})", ibw)
    return DosingWeight(
        Quantity(adjusted_kg, "kg"),
        WeightBasis.ADJUSTED,
        f"override: adjusted body weight IBW + 0.4 × (actual − IBW) = {_kg(adjusted_kg)} chosen by the prescriber "
        f"(actual {fmt(actual)}; {ibw_text})",
        ibw,
    )


# ---------------------------------------------------------------- infusion


@attrs.frozen
class InfusionStep:
    """One step of this patient's ramp: rate per kg, rate in mL/h, how long, and the volume given."""

    rate_per_kg: Qty  # mL/kg/h
    rate: Qty  # mL/h at the rate weight (the dosing weight, never above the actual weight)
    duration: Qty  # h
    volume: Qty  # mL
    is_maximum: bool


# Octagam 10% US PI boxed warning (and every US IGIV label's): predisposed to renal dysfunction or thrombosis.
_RATE_RISK_CONDITIONS = {
    "renal_impairment": "renal impairment",
    "thrombosis_risk": "thrombosis risk",
    "diabetes_mellitus": "diabetes mellitus",
    "sepsis": "sepsis",
    "volume_depletion": "volume depletion",
    "paraproteinemia": "paraproteinemia",
}


def _rate_risks(patient: Patient) -> tuple[list[str], list[Finding]]:
    """Why this patient is at risk of renal dysfunction or thrombosis (Octagam 10% US PI), and unknowns."""
    reasons: list[str] = []
    findings: list[Finding] = []
    # Read as membership, not patient.has(): a key the patient vocabulary does not (yet) know must
    # not raise here. Boxed warning: renal insufficiency, diabetes mellitus, volume depletion, sepsis,
    # paraproteinemia predispose to renal dysfunction; thrombosis risk factors.
    for key, text in _RATE_RISK_CONDITIONS.items():
        if key in patient.conditions:
            reasons.append(text)
    age = patient.age_years
    if age > RENAL_RISK_AGE_YEARS:
        reasons.append(f"age {age:g} years (> 65 predisposes to renal dysfunction, label boxed warning)")
    egfr, source = known_egfr(patient)
    if egfr is None:
        findings.append(
            Finding.of(
                "ivig.renal-function-unknown",
                Severity.CAUTION,
                f"Renal function {source}: check it before the first infusion; "
                "if renal function is impaired the infusion rate must be capped at the label's at-risk maximum.",
                OCTAGAM_10_US_PI,
            )
        )
    elif egfr.magnitude < RENAL_RISK_EGFR:
        reasons.append(f"eGFR {fmt_floor(egfr)} (< 60, KDIGO)")
    return reasons, findings


class _Step(NamedTuple):
    """One ramp step in numbers: mL/kg/h, mL/h, h, mL, and whether it is the maximum."""

    per_kg: float
    rate: float
    hours: float
    volume: float
    is_maximum: bool


def _infusion_steps(numbers: _ProductNumbers, max_rate: float, weight_kg: float, volume_ml: float) -> tuple[_Step, ...]:
    """Follow the label ramp (capped at ``max_rate``, mL/kg/h) until the day's volume is given."""
    steps: list[_Step] = []
    remaining = volume_ml
    for label_rate, label_hours in numbers.steps:
        capped = label_rate >= max_rate
        per_kg = max_rate if capped else label_rate
        rate = per_kg * weight_kg * _ML_PER_KG_H_BY_KG_IN_ML_H
        if capped or label_hours is None:
            hours = remaining / rate
        else:
            hours = min(label_hours, remaining / rate)
        given = rate * hours
        steps.append(_Step(per_kg, rate, hours, given, capped or label_hours is None))
        remaining -= given
        if capped or remaining <= 1e-9:
            break
    return tuple(steps)


# ---------------------------------------------------------------- the plan


@attrs.frozen
class IvigPlan:
    product: str
    dose_per_kg: Qty  # g/kg per course
    days: int
    interval_days: tuple[int, int]
    actual_weight: Qty
    ideal_body_weight: Qty | None
    dosing_weight: Qty
    weight_basis: WeightBasis
    weight_reason: str
    # The actual body weight: the 2 g/kg course cap (label) is always on it, whatever the policy or basis.
    cap_weight: Qty
    # min(dosing weight, actual weight): the infusion rates (mL/h) are never computed on more than the
    # actual body weight, nor on more than the weight the dose was computed on.
    rate_weight: Qty
    policy: WeightPolicy
    target_course_dose: Qty  # g, before vial rounding; never above 2 g/kg of the cap weight
    target_daily_dose: Qty  # g, before vial rounding
    vials_per_day: tuple[VialCount, ...]
    daily_dose: Qty  # g, whole vials
    course_dose: Qty  # g
    deviation: Qty  # percent, (daily − target) / target
    daily_volume: Qty  # mL at the product concentration
    max_rate_per_kg: Qty  # mL/kg/h, after any at-risk cap
    max_rate: Qty  # mL/h at the rate weight
    infusion_steps: tuple[InfusionStep, ...]
    min_infusion_time: Qty  # h, the whole day's volume at the maximum rate
    ramp_infusion_time: Qty  # h, following the label ramp
    course_dates: tuple[dt.date, ...] | None
    next_course_window: tuple[dt.date, dt.date] | None
    findings: tuple[Finding, ...]

    @property
    def vials_text(self) -> str:
        return _describe_vials(self.vials_per_day)

    @property
    def course_capped(self) -> bool:
        """True when dose per kg × dosing weight was above 2 g/kg of the actual weight and was lowered to it."""
        return bool(self.target_course_dose.magnitude < (self.dose_per_kg * self.dosing_weight).to("g").magnitude * (1 - 1e-12))


class _Plan(NamedTuple):
    """An IVIG course in plain numbers (g, kg, mL, mL/kg/h, mL/h, h) with its findings (issue 8).

    Worked out once per call from inputs read once: :func:`check_order` reads it as it is, and
    :func:`calculate_ivig` turns it into an :class:`IvigPlan` of Quantities. Every number is the
    float the pint arithmetic gives (the same operations, in the same order, by the same factors).
    """

    product: IvigProduct
    numbers: _ProductNumbers
    dose_per_kg: float  # g/kg per course
    days: int
    interval_days: tuple[int, int]
    actual_kg: float  # also the cap weight
    chosen: DosingWeight
    dosing_kg: float
    rate_kg: float
    policy: WeightPolicy
    target_course: float  # g
    target_daily: float  # g
    vial_counts: tuple[int, ...]  # per vial size, large→small
    daily: float  # g
    course: float  # g
    deviation: float  # %
    volume: float  # mL
    max_rate_per_kg: float  # mL/kg/h
    max_rate: float  # mL/h
    steps: tuple[_Step, ...]
    min_time: float  # h
    ramp_time: float  # h
    course_dates: tuple[dt.date, ...] | None
    next_course_window: tuple[dt.date, dt.date] | None
    findings: tuple[Finding, ...]
    vials_text: str  # "3 × 20 g + 1 × 5 g", as IvigPlan.vials_text

    @property
    def course_capped(self) -> bool:
        # IvigPlan.course_capped, in grams.
        return self.target_course < self.dose_per_kg * self.dosing_kg * _G_PER_KG_BY_KG_IN_G * (1 - 1e-12)


def _plan(
    patient: Patient,
    per_kg: float,
    n_days: int,
    interval: tuple[int, int],
    start: dt.date | None,
    weight_basis: WeightBasis | None,
    policy: WeightPolicy,
    product: IvigProduct,
) -> _Plan:
    """The course for checked inputs (calculate_ivig's rules), in numbers."""
    numbers = _product_numbers(product)
    chosen = _dosing_weight(patient, weight_basis, policy)

    source = NBA_ADJUSTED_WEIGHT if policy is WeightPolicy.ADJUSTED and weight_basis is None else OCTAGAM_10_US_PI
    findings: list[Finding] = [Finding.of("ivig.dosing-weight", Severity.INFO, f"Dosing weight: {chosen.reason}.", source)]
    if chosen.caution is not None:
        findings.append(Finding.of("ivig.adjusted-weight-not-compared", Severity.CAUTION, chosen.caution, NBA_ADJUSTED_WEIGHT))
    actual_kg = float(patient.weight.to("kg").magnitude)
    w = float(chosen.weight.to("kg").magnitude)
    # Rates are never computed on more than the actual body weight.
    rate_kg = min(w, actual_kg)
    if w > actual_kg + 1e-9:
        findings.append(
            Finding.of(
                "ivig.dosing-weight-above-actual",
                Severity.CAUTION,
                f"The chosen dosing weight {fmt(chosen.weight)} is above the actual weight {fmt(patient.weight)}; "
                f"confirm the weight basis. The 2 g/kg course cap and the infusion rates (mL/h) are computed on the "
                f"actual weight {_kg(actual_kg)}, never on more.",
                IVIG_ISSUE,
            )
        )

    age = patient.age_years
    if age < ADULT_YEARS:
        findings.append(
            Finding.of(
                "ivig.not-adult",
                Severity.CAUTION,
                f"Patient is {age:g} years old: {product.name}'s dermatomyositis dose and rates are "
                "labelled for adults (adjusted-weight dosing does not apply under 18, NBA/Lifeblood); confirm the dose with "
                "paediatric rheumatology.",
                OCTAGAM_10_US_PI,
            )
        )

    uncapped_course = w * per_kg
    if uncapped_course > COURSE_CAP_G_PER_KG * actual_kg * (1 + 1e-12):
        # Only an override above the actual weight gets here: the course is lowered to 2 g/kg of actual weight.
        target_daily = _target_daily_g(actual_kg, COURSE_CAP_G_PER_KG, n_days)
        target_course = actual_kg * COURSE_CAP_G_PER_KG
        findings.append(
            Finding.of(
                "ivig.course-capped-at-actual-weight",
                Severity.CAUTION,
                f"{_g_per_kg(per_kg)} × the {chosen.basis.value} dosing weight {fmt(chosen.weight)} = {_g(uncapped_course)} is more "
                f"than 2 g/kg of the actual weight {_kg(actual_kg)}; the course is computed as {COURSE_CAP_G_PER_KG:g} g/kg × "
                f"{_kg(actual_kg)} = {_g(target_course)}, never more.",
                refs.SEED_PLAN,
            )
        )
    else:
        target_daily = _target_daily_g(w, per_kg, n_days)
        target_course = uncapped_course
    # round_to_vials' checks on its target, which calculate_ivig's inputs always pass.
    check_magnitude(target_daily, "target_daily", "g", maximum=PLAUSIBLE_MAX_G_PER_DAY)
    counts = _vial_counts(target_daily, product, numbers)
    daily = _vials_g(numbers.vial_decimals, counts)
    course = _course_g(daily, n_days)
    deviation = (daily - target_daily) / target_daily * 100.0
    if deviation < -5.0:
        findings.append(
            Finding.of(
                "ivig.vials-below-target",
                Severity.CAUTION,
                f"Whole {product.name} vials give {_g(daily)}/day, {abs(deviation):.1f} % below the target "
                f"{_g(target_daily)}/day, because any further vial would exceed +5 %; consider smaller vials.",
                IVIG_ISSUE,
            )
        )
    volume = daily / numbers.concentration * _G_BY_MG_PER_ML_IN_ML

    risks, renal_findings = _rate_risks(patient)
    findings.extend(renal_findings)
    max_per_kg = numbers.max_rate
    if numbers.max_mass_rate > DM_MAX_RATE_MG_PER_KG_MIN + 1e-9:
        findings.append(
            Finding.of(
                "ivig.rate-above-dm-label",
                Severity.CAUTION,
                f"{product.name}'s maximum rate {_rate_text(max_per_kg)} is {numbers.max_mass_rate:.3g} mg/kg/min, "
                f"above the {DM_MAX_RATE_MG_PER_KG_MIN:g} mg/kg/min the dermatomyositis label (Octagam 10%) allows: "
                "patients with dermatomyositis are at increased risk of thromboembolic events.",
                OCTAGAM_10_US_PI,
            )
        )
    if risks:
        cap = numbers.at_risk_max_rate
        if cap is not None and cap < max_per_kg:
            max_per_kg = cap
        cap_text = (
            f"maximum rate capped at {max_per_kg * _ML_PER_KG_H_IN_ML_PER_KG_MIN:.3g} mL/kg/min ({_rate_text(max_per_kg)}, "
            f"{_ml_per_h(max_per_kg * rate_kg * _ML_PER_KG_H_BY_KG_IN_ML_H)} at {_kg(rate_kg)})"
            if cap is not None
            else "the label gives no numeric cap"
        )
        findings.append(
            Finding.of(
                "ivig.rate-cap-at-risk",
                Severity.CAUTION,
                f"At risk of renal dysfunction or thrombosis ({'; '.join(risks)}): infuse at the minimum rate practicable; "
                f"{cap_text}; ensure the patient is not volume depleted.",
                product.reference,
            )
        )
    steps = _infusion_steps(numbers, max_per_kg, rate_kg, volume)
    max_rate = max_per_kg * rate_kg * _ML_PER_KG_H_BY_KG_IN_ML_H
    min_time = volume / max_rate * _ML_BY_ML_PER_H_IN_H
    ramp_time = sum(s.hours for s in steps)

    dates = window = None
    if start is not None:
        dates = tuple(start + dt.timedelta(days=i) for i in range(n_days))
        window = (start + dt.timedelta(days=interval[0]), start + dt.timedelta(days=interval[1]))

    return _Plan(
        product=product,
        numbers=numbers,
        dose_per_kg=per_kg,
        days=n_days,
        interval_days=interval,
        actual_kg=actual_kg,
        chosen=chosen,
        dosing_kg=w,
        rate_kg=rate_kg,
        policy=policy,
        target_course=target_course,
        target_daily=target_daily,
        vial_counts=counts,
        daily=daily,
        course=course,
        deviation=deviation,
        volume=volume,
        max_rate_per_kg=max_per_kg,
        max_rate=max_rate,
        steps=steps,
        min_time=min_time,
        ramp_time=ramp_time,
        course_dates=dates,
        next_course_window=window,
        findings=tuple(findings),
        vials_text=" + ".join(f"{count} × {text}" for count, text in zip(counts, numbers.vial_texts) if count),
    )


def calculate_ivig(
    patient: Patient,
    *,
    dose_per_kg: Qty | str = DEFAULT_DOSE_PER_KG,
    days: int = DEFAULT_DAYS,
    interval_weeks: tuple[object, object] | list[object] = (3, 4),
    product: IvigProduct = DEFAULT_PRODUCT,
    start_date: dt.date | str | None = None,
    weight_basis: WeightBasis | str | None = None,
    policy: WeightPolicy | str = WeightPolicy.LABEL,
) -> IvigPlan:
    """One IVIG course: dosing weight, whole vials per day, volume, infusion ramp, dates.

    Seed plan: 2 g/kg divided over 2 days every 3–4 weeks. ``policy`` chooses the weight when no
    ``weight_basis`` override is given: ``label`` (actual weight, default) or ``adjusted`` (stewardship).
    """
    expect(patient, Patient, "patient")
    product = _product(product)
    per_kg = _dose_per_kg(dose_per_kg)
    n_days = _days(days)
    interval = _interval_days(interval_weeks)
    start = optional_iso_date(start_date)
    policy = WeightPolicy.parse(policy)
    override = body.optional_weight_basis(weight_basis)
    plan = _plan(patient, float(per_kg.magnitude), n_days, interval, start, override, policy, product)
    return IvigPlan(
        product=product.name,
        dose_per_kg=per_kg,
        days=n_days,
        interval_days=interval,
        actual_weight=patient.weight,
        ideal_body_weight=plan.chosen.ideal,
        dosing_weight=plan.chosen.weight,
        weight_basis=plan.chosen.basis,
        weight_reason=plan.chosen.reason,
        cap_weight=Quantity(plan.actual_kg, "kg"),
        rate_weight=Quantity(plan.rate_kg, "kg"),
        policy=policy,
        target_course_dose=Quantity(plan.target_course, "g"),
        target_daily_dose=Quantity(plan.target_daily, "g"),
        vials_per_day=tuple(VialCount(size, count) for size, count in zip(product.vial_sizes, plan.vial_counts) if count),
        daily_dose=Quantity(plan.daily, "g"),
        course_dose=Quantity(plan.course, "g"),
        deviation=Quantity(plan.deviation, "percent"),
        daily_volume=Quantity(plan.volume, "mL"),
        max_rate_per_kg=Quantity(plan.max_rate_per_kg, "mL/kg/h"),
        max_rate=Quantity(plan.max_rate, "mL/h"),
        infusion_steps=tuple(
            InfusionStep(Quantity(s.per_kg, "mL/kg/h"), Quantity(s.rate, "mL/h"), Quantity(s.hours, "h"), Quantity(s.volume, "mL"), s.is_maximum)
            for s in plan.steps
        ),
        min_infusion_time=Quantity(plan.min_time, "h"),
        ramp_infusion_time=Quantity(plan.ramp_time, "h"),
        course_dates=plan.course_dates,
        next_course_window=plan.next_course_window,
        findings=plan.findings,
    )


# ---------------------------------------------------------------- order check


@attrs.frozen
class _Schedule:
    days: int | None  # administration days per course; None: unbounded
    consecutive: bool
    cycle_days: int | None


def _schedule(order: Order) -> _Schedule:
    f = order.frequency
    if f.interval_days is None:  # "once": a single course given in one day
        return _Schedule(1, True, f.cycle_days)
    if f.count is not None:
        return _Schedule(f.count, f.interval_days == 1 or f.count == 1, f.cycle_days)
    if f.interval_days >= 7:  # "q4w": one day, repeated every interval
        return _Schedule(1, True, f.cycle_days or f.interval_days)
    return _Schedule(None, f.interval_days == 1, f.cycle_days)


@memo(maxsize=1024)
def _administration_days_in_window(f: Frequency, window: int = EXPOSURE_WINDOW_DAYS) -> int:
    """The most administration days any ``window`` consecutive days of this schedule can hold.

    Every shape :func:`dosing.input.frequency.parse_frequency` produces: once, every N days (daily, BID,
    every other day, weekly, q2w-q4w), a bounded series (weekly x4, days 1 and 15) and a repeating
    cycle (daily for N days every M weeks). Windows starting in the first ``window`` days, and in the
    last ``window`` days of a cycle (where it meets the next), include the fullest one: elsewhere the
    evenly spaced days of a series or cycle are at most as dense as at its start. A pure function of
    a frozen schedule, so worked out once per schedule (issue 8).
    """
    if f.interval_days is None:
        return 1
    step, count, cycle = f.interval_days, f.count, f.cycle_days

    def given(day: int) -> bool:
        k, r = divmod(day % cycle if cycle is not None else day, step)
        return r == 0 and (count is None or k < count)

    starts = set(range(window))
    if cycle is not None:
        starts |= set(range(max(0, cycle - window), cycle))
    return max(sum(given(d) for d in range(s, s + window)) for s in starts)


class _Dose(NamedTuple):
    """The ordered dose as read once: its amount per administration (g, or g/kg) and per administration day."""

    per_kg: float | None  # g/kg, for a dose per kg of the dosing weight; None for a dose in grams
    per_day: float  # g per administration day, on the dosing weight
    text: str  # the arithmetic, "1 g/kg × 62.15 kg = 62.15 g" or "65 g × 2 a day = 130 g"


@memo(maxsize=256)
def _dose_kind(units: object) -> str | None:
    """How a dose in these units (pint's UnitsContainer) is read: "g" (a mass), "g/kg" (per kg of the dosing
    weight) or None (refused). A pure reading of the units, so worked out once per unit (issue 8)."""
    dose = Quantity(1.0, units)
    if dose.is_compatible_with("g") and not dose.dimensionless:
        return "g"
    if dose.dimensionless and is_mass_ratio(dose):
        return "g/kg"
    return None


def _ordered_dose(order: Order, dosing_kg: float) -> _Dose:
    """Grams per administration day, and the arithmetic ("1 g/kg × 62.15 kg = 62.15 g", "65 g × 2 a day = 130 g")."""
    dose = order.dose
    per_admin_day = order.frequency.times_per_day
    kind = _dose_kind(dose._units)
    if kind == "g":
        per_kg = None
        grams = float(dose.to("g").magnitude)
        text = _g(grams)
    elif kind == "g/kg":
        per_kg = float(dose.to("g/kg").magnitude)
        grams = per_kg * dosing_kg * _G_PER_KG_BY_KG_IN_G
        text = f"{_g_per_kg(per_kg)} × {_kg(dosing_kg)} = {_g(grams)}"
    else:
        raise DoseInputError(
            "dose",
            f"IVIG doses are written in g (or g/kg) per infusion day, and the frequency carries the days "
            f"(e.g. '1 g/kg' with 'daily for 2 days every 4 weeks'); got {unit_text(dose.units)}"
            + (": a volume depends on the product concentration, convert it to grams" if dose.is_compatible_with("mL") else ""),
        )
    if per_admin_day == 1:
        return _Dose(per_kg, grams, text)
    return _Dose(per_kg, grams * per_admin_day, f"{text} × {per_admin_day} a day = {_g(grams * per_admin_day)}")


def _course_target_text(plan: _Plan) -> str:
    text = f"{_g_per_kg(plan.dose_per_kg)} × {_kg(plan.dosing_kg)} = {_g(plan.dose_per_kg * plan.dosing_kg * _G_PER_KG_BY_KG_IN_G)}"
    if plan.course_capped:
        text += f", above 2 g/kg of the actual weight: {COURSE_CAP_G_PER_KG:g} g/kg × {_kg(plan.actual_kg)} = {_g(plan.target_course)}"
    return text


def _details(plan: _Plan) -> dict[str, str]:
    ramp = "; ".join(
        f"{_rate_text(s.per_kg)} = {_ml_per_h(s.rate)} for {_num(s.hours * _H_IN_MIN, 3)} {_UNIT_TEXT['min']}" for s in plan.steps
    )
    chosen = plan.chosen
    details = {
        "Dosing weight": f"{_kg(plan.dosing_kg)} ({chosen.basis.value}): {chosen.reason}",
        "Cap weight": f"{_kg(plan.actual_kg)}, the actual weight: the 2 g/kg course cap (label) is always computed on it",
        "Rate weight": (
            f"{_kg(plan.rate_kg)}, the lower of the dosing weight and the actual weight: the infusion rates (mL/h) "
            "are never computed on more than the actual weight"
        ),
        "Weight policy": plan.policy.value,
        "Course target": _course_target_text(plan),
        "Daily target": f"{_g(plan.target_course)} ÷ {plan.days} days = {_g(plan.target_daily)}",
        "Vials per day": f"{plan.vials_text} = {_g(plan.daily)} ({plan.deviation:+.1f} % of target; never above +5 %)",
        "Course dose": f"{_g(plan.daily)} × {plan.days} days = {_g(plan.course)}",
        "Volume per day": f"{_g(plan.daily)} ÷ {plan.numbers.concentration_text} = {_ml(plan.volume)}",
        "Infusion ramp": ramp,
        "Maximum rate": f"{_rate_text(plan.max_rate_per_kg)} × {_kg(plan.rate_kg)} = {_ml_per_h(plan.max_rate)}",
        "Minimum infusion time": (
            f"{_ml(plan.volume)} ÷ {_ml_per_h(plan.max_rate)} = {_hours(plan.min_time, 3)} (ramp: {_hours(plan.ramp_time, 3)})"
        ),
        "Interval": f"every {plan.interval_days[0]}-{plan.interval_days[1]} days",
    }
    if plan.course_dates is not None and plan.next_course_window is not None:
        details["Course dates"] = ", ".join(d.isoformat() for d in plan.course_dates)
        details["Next course window"] = f"{plan.next_course_window[0].isoformat()} to {plan.next_course_window[1].isoformat()}"
    return details


# Generic names that order "IVIG" without choosing a brand: the default product's
# label then applies. A named brand other than the product's must not silently
# inherit another label's rates.
# Matched whole, never as substrings ("Privigen" contains "ivig").
_GENERIC_NAMES = frozenset({
    "ivig", "igiv", "immuneglobulin", "immunoglobulin", "intravenousimmunoglobulin", "intravenousimmuneglobulin",
    "immuneglobulinintravenous", "immunoglobulinintravenous", "immuneglobulinintravenoushuman",
})


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _names_product_or_generic(drug: str, product: IvigProduct) -> bool:
    """The order names this product ("Octagam 10%", "octagam 10% 20 g"), its bare brand ("Octagam") or IVIG generically.

    A brand followed by anything but the product's own strength is another product: "Octagam 5%" is
    50 mg/mL, so the volume of "Octagam 10%" would be half of what is infused.
    """
    key = _alnum(drug)
    brand = _alnum(product.name.split()[0])
    return key == brand or key.startswith(_alnum(product.name)) or key in _GENERIC_NAMES


def _course_cap(plan: _Plan) -> tuple[float, str]:
    """The most IVIG one course (or any 21 days) may hold, in g: 2 g/kg of the ACTUAL weight + 5 %, and how it was computed.

    The label doses 2 g/kg of body weight: whatever the dosing policy or override, the cap is on the actual weight.
    """
    cap = COURSE_CAP_G_PER_KG * plan.actual_kg * (1 + COURSE_CAP_TOLERANCE) * _G_PER_KG_BY_KG_IN_G
    return cap, f"{COURSE_CAP_G_PER_KG:g} g/kg × {_kg(plan.actual_kg)} actual weight + 5 % = {_g(cap)}"


def _above(grams: float, cap_g: float) -> bool:
    return grams > cap_g * (1 + 1e-12)


def _per_kg_weight_ambiguity(order: Order, dose: _Dose, plan: _Plan, sched: _Schedule, cap: float, cap_text: str) -> list[Finding]:
    """A g/kg order when the dosing weight is not the actual weight: which kilograms did the prescriber mean?

    This check reads g/kg per kg of the dosing weight; whoever prepares the dose may read it per
    kg of actual weight. An adjusted weight is below the actual weight (the actual reading is
    larger, > 11 % more by the IVIG_ISSUE rule); an override above the actual weight makes the
    dosing-weight reading the larger. The larger reading is held against the course cap.
    """
    if dose.per_kg is None:
        return []
    actual, dosing = plan.actual_kg, plan.dosing_kg
    if abs(actual - dosing) <= 1e-9:
        return []
    g_per_kg = dose.per_kg
    per_day = order.frequency.times_per_day
    on_dosing = g_per_kg * dosing * _G_PER_KG_BY_KG_IN_G * per_day
    on_actual = g_per_kg * actual * _G_PER_KG_BY_KG_IN_G * per_day
    larger_is_actual = actual > dosing
    larger, larger_basis = (on_actual, "actual") if larger_is_actual else (on_dosing, f"{plan.chosen.basis.value} dosing")
    days = sched.days or 1
    over = _above(larger * days, cap)
    consequence = (
        f" Over {days} day(s) the larger reading is {_g(larger * days)}, above the 2 g/kg cap {cap_text}."
        if over and sched.days is not None
        else ""
    )
    comparison = "more than" if larger_is_actual else "less than"
    return [
        Finding.of(
            "ivig.per-kg-order-weight-ambiguous",
            Severity.MAJOR if over else Severity.CAUTION,
            f"{_g_per_kg(g_per_kg)} was checked per kg of the {plan.chosen.basis.value} dosing weight {_kg(dosing)} "
            f"({_g(on_dosing)}/day); read per kg of the actual weight {_kg(actual)} it is {_g(on_actual)}/day, "
            f"{comparison} read on the dosing weight: the larger reading is per kg of the {larger_basis} weight "
            f"({_g(larger)}/day).{consequence} Write the IVIG dose in grams.",
            IVIG_ISSUE,
        )
    ]


def _exposure_finding(order: Order, dose: _Dose, cap: float, cap_text: str, course_blocked: float | None) -> list[Finding]:
    """The most IVIG the order delivers in any 21 days, held against one course's 2 g/kg (seed plan: every 3-4 weeks).

    Not repeated when ``course_blocked`` (grams of a course already blocked as above 2 g/kg) is at least as much.
    """
    days = _administration_days_in_window(order.frequency)
    exposure = dose.per_day * days
    if not _above(exposure, cap) or (course_blocked is not None and exposure <= course_blocked):
        return []
    return [
        Finding.of(
            "ivig.exposure-above-2g-per-kg",
            Severity.CONTRAINDICATED,
            f"'{order.frequency.text}' gives IVIG on up to {days} day(s) in {EXPOSURE_WINDOW_DAYS} days: "
            f"{f'({dose.text})' if '=' in dose.text else dose.text} × {days} = {_g(exposure)}, "
            f"above one course, {cap_text}. The plan gives 2 g/kg per course every 3-4 weeks: no "
            f"{EXPOSURE_WINDOW_DAYS} days (the shortest interval) may hold more than one course.",
            refs.SEED_PLAN,
        )
    ]


def _stewardship_comparison(course: float, course_text: str, plan: _Plan) -> Finding | None:
    """Under the stewardship policy, an order above the adjusted-weight course but within the label's
    dose per kg of the ACTUAL weight (+10 %) is a caution naming the adjusted-weight dose, never more:
    the label doses on body weight (Octagam 10% US PI); adjusted weight is a stewardship choice (NBA/Lifeblood)."""
    if plan.policy is not WeightPolicy.ADJUSTED or plan.chosen.basis is not WeightBasis.ADJUSTED:
        return None
    grams = course
    target = plan.target_course
    on_actual = plan.dose_per_kg * plan.actual_kg * _G_PER_KG_BY_KG_IN_G
    if not target * (1 + ORDER_MATCH_TOLERANCE) < grams <= on_actual * (1 + ORDER_MATCH_TOLERANCE) * (1 + 1e-12):
        return None
    return Finding.of(
        "ivig.course-above-adjusted-weight",
        Severity.CAUTION,
        f"Ordered course {course_text} follows the label's {_g_per_kg(plan.dose_per_kg)} of the actual weight "
        f"({_g_per_kg(plan.dose_per_kg)} × {_kg(plan.actual_kg)} = {_g(on_actual)}); the adjusted-weight "
        f"(stewardship) course is {_course_target_text(plan)}: {_g(plan.daily)} daily ({plan.vials_text}) × "
        f"{plan.days} days = {_g(plan.course)}. Confirm which weight is intended.",
        NBA_ADJUSTED_WEIGHT,
    )


def _plan_comparison(course: float, course_text: str, plan: _Plan) -> Finding:
    """The ordered course (g, already within the 2 g/kg cap) against the plan: above, below or matching.

    Judged against the TARGET course (dose per kg × dosing weight, at most 2 g/kg of the actual
    weight), not the vial-rounded total: whole vials may fall up to 5 % above the target, or further
    below it when no vial sum fits (IVIG_ISSUE), and an order of the exact target must not read as
    "above plan" because the pharmacy's vials fall short of it (0.4 g/kg × 5 days on 70 kg = 140 g,
    exactly 2 g/kg, against a 125 g vial plan).

    * above: more than +10 % of the target (IVIG_ISSUE ±10 %). The vial plan is never above +5 %.
      check_order plans the seed 2 g/kg, whose cap (2 g/kg + 5 %) already blocks anything above
      +5 %; this rule speaks only for a plan dose below 2 g/kg.
    * below: more than 10 % below the target AND below the plan's own vial total, so ordering the
      plan's vials always matches, even when the vials fall more than 10 % short of the target.
    """
    stewardship = _stewardship_comparison(course, course_text, plan)
    if stewardship is not None:
        return stewardship
    grams = course
    target = plan.target_course
    vial_total = plan.course
    ratio = grams / target - 1.0
    target_text = f"the target {_course_target_text(plan)}"
    vial_text = f"{_g(plan.daily)} daily ({plan.vials_text}) × {plan.days} days = {_g(plan.course)}"
    if grams > target * (1 + ORDER_MATCH_TOLERANCE) * (1 + 1e-12):
        return Finding.of(
            "ivig.course-above-plan",
            Severity.MAJOR,
            f"Ordered course {course_text} is {ratio * 100:.0f} % above {target_text} (within the 2 g/kg cap; "
            f"the plan's whole vials: {vial_text}).",
            IVIG_ISSUE,
        )
    # The vial total is a Decimal sum turned float; the order's grams × days is float arithmetic:
    # a relative 1e-9 keeps an order of exactly the plan's vials from reading as below them.
    below_floor = min(target * (1 - ORDER_MATCH_TOLERANCE), vial_total * (1 - 1e-9))
    if grams < below_floor:
        short_of_vials = vial_total < target * (1 - ORDER_MATCH_TOLERANCE)
        return Finding.of(
            "ivig.course-below-plan",
            Severity.CAUTION,
            f"Ordered course {course_text} is {abs(ratio) * 100:.0f} % below {target_text}"
            + (f", and below the plan's whole vials ({vial_text})" if short_of_vials else "")
            + "; possibly sub-therapeutic for refractory disease.",
            refs.SEED_PLAN,
        )
    return Finding.of(
        "ivig.course-matches-plan",
        Severity.INFO,
        f"Ordered course {course_text} matches the plan: {target_text} ({ratio * 100:+.1f} %); "
        f"the plan's whole vials: {vial_text}.",
        refs.SEED_PLAN,
    )


def _ordered_product(drug: str) -> tuple[IvigProduct, tuple[Finding, ...]]:
    """The product the order names (the table), or the default product's rules with a caution."""
    named: tuple[IvigProduct, tuple[Finding, ...]] = _product_named(drug)
    return named


@memo(maxsize=256)
def _product_named(drug: str) -> tuple[IvigProduct, tuple[Finding, ...]]:
    # A pure reading of the name against the shipped table, so worked out once per name (issue 8).
    match = resolve_product(drug)
    if match.entry is not None:
        product = match.entry.product
        note = f" Not confirmed on the label: {product.note}" if product.note and "not confirmed" in product.note.lower() else ""
        return product, ((Finding.of("ivig.product-data-note", Severity.INFO, f"{product.name}:{note}", product.reference),) if note else ())
    return DEFAULT_PRODUCT, (
        Finding.of(
            "ivig.product-not-identified",
            Severity.CAUTION,
            f"{match.why}: product not identified: vial sizes and infusion rates not product-specific. The plan uses "
            f"{DEFAULT_PRODUCT.name}'s (the US IVIG labelled for dermatomyositis); take the concentration, vials and "
            "rates from the label of the product given.",
            DEFAULT_PRODUCT.reference,
        ),
    )


def check_order(
    order: Order,
    patient: Patient,
    *,
    product: IvigProduct | None = None,
    policy: WeightPolicy | str = WeightPolicy.LABEL,
) -> DoseCheck:
    """Compare an IVIG order with the seed plan's course (2 g/kg over 2–5 days, every 3–4 weeks).

    The ordered dose is per administration day: "70 g" or "1 g/kg" with
    "daily for 2 days every 4 weeks" ("0.4 g/kg" daily for 5 days is the same course).
    A g/kg dose is per kg of the dosing weight (the policy's, or the order's weight basis).
    Blocked: a course, or any 21 days of the schedule, above 2 g/kg of the ACTUAL weight + 5 %
    (the label's dose), whichever weight basis or policy was chosen; under the stewardship policy an
    order on the actual weight is a caution. ``product``: the product to compute with; by default the
    one the order names (interactions/ivig_products.toml), or the default product with a caution.
    Allergy/IgA, renal and thrombosis contraindications are the interaction
    rules' business; only the infusion-rate cap belongs here.

    Works on plain numbers read once from the order and the patient (issue 8): the one Quantity
    it builds is the recommended daily dose.
    """
    expect(order, Order, "order")
    policy = WeightPolicy.parse(policy)
    findings: list[Finding] = []
    product_findings: list[Finding]
    if product is None:
        product, named_findings = _ordered_product(order.drug)
        product_findings = list(named_findings)
    else:
        product, product_findings = _product(product), []
        if not _names_product_or_generic(order.drug, product):
            product_findings.append(
                Finding.of(
                    "ivig.rates-for-other-product",
                    Severity.CAUTION,
                    f"'{order.drug}' is not {product.name}: volume and infusion rates above are {product.name}'s; "
                    "IVIG products differ in concentration and maximum rate, so take them from the ordered product's label.",
                    product.reference,
                )
            )
    sched = _schedule(order)
    plan_days = sched.days if sched.days is not None and DAYS_RANGE[0] <= sched.days <= DAYS_RANGE[1] else DEFAULT_DAYS
    expect(patient, Patient, "patient")
    start = optional_iso_date(order.start_date)
    plan = _plan(patient, _SEED_DOSE_PER_KG, plan_days, _DEFAULT_INTERVAL_DAYS, start, order.weight_basis, policy, product)
    dose = _ordered_dose(order, plan.dosing_kg)
    per_day = dose.per_day
    if per_day > PLAUSIBLE_MAX_G_PER_DAY:
        raise DoseInputError(
            "dose",
            f"{fmt(order.dose)} is {_g(per_day)} per day, more IVIG than {COURSE_CAP_G_PER_KG:g} g/kg for a "
            f"{body.WEIGHT_KG[1]:g} kg patient ({PLAUSIBLE_MAX_G_PER_DAY:g} g): check the unit and the number",
        )
    cap, cap_text = _course_cap(plan)
    course_blocked = None  # the course amount (g), when blocked as above 2 g/kg
    findings.extend(plan.findings)
    findings.extend(product_findings)

    if order.route is not Route.INTRAVENOUS:
        findings.append(
            Finding.of(
                "ivig.route-not-iv",
                Severity.CONTRAINDICATED,
                f"IVIG is for intravenous use only; ordered route is {order.route.value}.",
                OCTAGAM_10_US_PI,
            )
        )

    findings.extend(_per_kg_weight_ambiguity(order, dose, plan, sched, cap, cap_text))

    if sched.days is None:
        findings.append(
            Finding.of(
                "ivig.course-unbounded",
                Severity.CONTRAINDICATED,
                f"'{order.frequency.text}' has no end: IVIG is a course of {DAYS_RANGE[0]}-{DAYS_RANGE[1]} consecutive days "
                f"repeated every 3-4 weeks; write e.g. 'daily for 2 days every 4 weeks'.",
                OCTAGAM_10_US_PI,
            )
        )
    else:
        course = per_day * sched.days
        course_text = f"{dose.text} × {sched.days} day(s) = {_g(course)}"
        # A g/kg order is also held against the cap as read per kg of the actual weight: g/kg × days above
        # 2 g/kg + 5 % is above the label on any weight (under the stewardship policy the dosing weight is lower).
        on_actual = (
            None if dose.per_kg is None
            else dose.per_kg * plan.actual_kg * _G_PER_KG_BY_KG_IN_G * order.frequency.times_per_day * sched.days
        )
        if on_actual is not None and dose.per_kg is not None and on_actual > course:
            blocked_course, blocked_text = on_actual, (
                f"{_g_per_kg(dose.per_kg)} × {sched.days} day(s) per kg of the actual weight {_kg(plan.actual_kg)} = {_g(on_actual)}"
            )
        else:
            blocked_course, blocked_text = course, course_text
        if _above(blocked_course, cap):
            course_blocked = blocked_course
            course_text = blocked_text
            hint = ""
            if dose.per_kg is not None and abs(dose.per_kg - plan.dose_per_kg) < 1e-9 and sched.days > 1:
                hint = (
                    f" (the dose is per administration day: for {_g_per_kg(plan.dose_per_kg)} per course over {sched.days} days "
                    f"write {_g_per_kg(plan.dose_per_kg / sched.days)} daily)"
                )
            findings.append(
                Finding.of(
                    "ivig.course-above-2g-per-kg",
                    Severity.CONTRAINDICATED,
                    f"Ordered course {course_text} exceeds 2 g/kg course: the maximum is {cap_text}{hint}.",
                    refs.SEED_PLAN,
                )
            )
        else:
            findings.append(_plan_comparison(course, course_text, plan))
        # Like the course cap, on the actual weight; the product's own per-day figure where it is lower.
        per_kg_day = min(MAX_DAILY_G_PER_KG, product.max_g_per_kg_per_day or MAX_DAILY_G_PER_KG)
        day_max = per_kg_day * plan.actual_kg * (1 + COURSE_CAP_TOLERANCE) * _G_PER_KG_BY_KG_IN_G
        if _above(per_day, day_max):
            findings.append(
                Finding.of(
                    "ivig.daily-dose-above-label",
                    Severity.MAJOR,
                    f"{_g(per_day)} in one day is above {per_kg_day:g} g/kg/day × {_kg(plan.actual_kg)} + 5 % = {_g(day_max)}: "
                    "the label divides 2 g/kg over 2-5 days.",
                    OCTAGAM_10_US_PI,
                )
            )
        if not DAYS_RANGE[0] <= sched.days <= DAYS_RANGE[1]:
            findings.append(
                Finding.of(
                    "ivig.days-out-of-range",
                    Severity.MAJOR,
                    f"Course over {sched.days} day(s); the seed plan divides it over 2 days and the label over 2-5 consecutive days.",
                    OCTAGAM_10_US_PI,
                )
            )
        if not sched.consecutive:
            findings.append(
                Finding.of(
                    "ivig.days-not-consecutive",
                    Severity.MAJOR,
                    f"'{order.frequency.text}' does not give the course on consecutive days as the label does.",
                    OCTAGAM_10_US_PI,
                )
            )

    findings.extend(_exposure_finding(order, dose, cap, cap_text, course_blocked))

    cycle = sched.cycle_days
    if cycle is None:
        if sched.days is not None:
            findings.append(
                Finding.of(
                    "ivig.no-repeat-interval",
                    Severity.INFO,
                    "A single course is ordered; the plan repeats IVIG every 3-4 weeks.",
                    refs.SEED_PLAN,
                )
            )
    elif cycle < INTERVAL_DAYS_RANGE[0]:
        findings.append(
            Finding.of(
                "ivig.cycle-too-short",
                Severity.MAJOR,
                f"Courses every {cycle} days; the plan repeats every 3-4 weeks (21-28 days).",
                refs.SEED_PLAN,
            )
        )
    elif cycle > INTERVAL_DAYS_RANGE[1]:
        findings.append(
            Finding.of(
                "ivig.cycle-too-long",
                Severity.CAUTION,
                f"Courses every {cycle} days; the plan repeats every 3-4 weeks (21-28 days) — a longer gap may let the disease flare.",
                refs.SEED_PLAN,
            )
        )

    ordered_mg = _to_decimal(per_day) * _MG_PER_G
    if ordered_mg % plan.numbers.vial_gcd_mg != 0:
        findings.append(
            Finding.of(
                "ivig.order-not-whole-vials",
                Severity.INFO,
                f"{_g(per_day)} per day is not a whole number of {product.name} vials "
                f"({plan.numbers.vials_listed}); the plan gives {_g(plan.daily)} ({plan.vials_text}).",
                IVIG_ISSUE,
            )
        )

    recommended = (
        f"IVIG {_g_per_kg(plan.dose_per_kg)} per course on {_kg(plan.dosing_kg)} ({plan.chosen.basis.value} weight) = "
        + (
            f"{_g(plan.dose_per_kg * plan.dosing_kg * _G_PER_KG_BY_KG_IN_G)}, capped at 2 g/kg of the actual weight {_kg(plan.actual_kg)} = "
            if plan.course_capped
            else ""
        )
        + f"{_g(plan.target_course)}: "
        f"{_g(plan.daily)} daily ({plan.vials_text}, {_ml(plan.volume)} of {product.name}) for {plan.days} days "
        f"= {_g(plan.course)}, every 3-4 weeks; maximum rate {_ml_per_h(plan.max_rate)} (on {_kg(plan.rate_kg)})"
    )
    return DoseCheck(Quantity(plan.daily, "g"), recommended, findings, _details(plan))


__all__ = [
    "DEFAULT_PRODUCT",
    "DosingWeight",
    "InfusionStep",
    "IvigPlan",
    "IvigProduct",
    "RateStep",
    "VialCount",
    "calculate_ivig",
    "check_order",
    "choose_dosing_weight",
    "dosing_weight_kg",
    "round_to_vials",
    "target_daily_dose_g",
]
