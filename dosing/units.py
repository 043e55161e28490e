"""The one unit registry of dmdose, and the only door through which numbers enter.

Every public calculator takes its physical inputs through :func:`quantity`, so that
a bare number, a wrong dimension, NaN, a negative or an implausible value is
refused with a :class:`DoseInputError` that names the parameter — never coerced.
"""

from __future__ import annotations

import functools
import math
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pint

ureg = pint.UnitRegistry()
# eGFR is reported per 1.73 m² of body surface (KDIGO convention), so the
# normalising area is a unit of its own rather than a silent divisor.
ureg.define("std_bsa = 1.73 * meter ** 2")
# Tablets, capsules and vials are counted things, not masses: each a dimension
# of its own, so "6 tablets" converts to mg only through a stated strength, and
# 4 MMF capsules (250 mg) can never pass for 4 tablets (500 mg).
ureg.define("tablet = [tablet] = tablets = tab = tabs")
ureg.define("capsule = [capsule] = capsules = cap = caps")
ureg.define("vial = [vial] = vials")
Quantity = ureg.Quantity

# Creatinine molar mass, 113.12 g/mol (PubChem CID 588), converts µmol/L to
# mg/dL: 1 mg/dL = 88.4 µmol/L, the factor used by the CKD-EPI publications.
CREATININE_MOLAR_MASS = Quantity(113.12, "g/mol")


class DoseInputError(ValueError):
    """An input that cannot be dosed from: wrong unit, bare number, NaN, out of range."""

    def __init__(self, parameter: str, problem: str):
        self.parameter = parameter
        self.problem = problem
        super().__init__(f"{parameter}: {problem}")


@functools.lru_cache(maxsize=256)
def _unit(canonical: str) -> pint.Unit:
    """pint's Unit for a canonical unit string, parsed once: half of a verify call was pint
    re-parsing "mg" (issue 8). The grammar only ever produces allow-listed names."""
    return ureg.Unit(canonical)


def parse_text(text: str, parameter: str) -> pint.Quantity:
    """A written quantity ("20 mg", "154 lb", "5 ft 6 in", "60 mL/min/1.73 m²") as a Quantity.

    The text is read by the strict grammar of :mod:`dosing.input.quantity` (one number,
    one unit expression from an allow-list, nothing else) before pint sees anything:
    pint evaluates expressions, and that turned invisible characters, leading zeros,
    sums and constants into numbers nobody wrote (issue 6). pint only builds the
    Quantity from the parsed float and the cached unit.
    """
    # Imported here: dosing.input.quantity imports DoseInputError from this module.
    from dosing.input.quantity import read

    parsed = read(text, parameter)
    return ureg.Quantity(parsed.number, _unit(parsed.unit))


def ucum_quantity(value: Any, code: Any, parameter: str) -> pint.Quantity:
    """A FHIR Quantity (value + UCUM code, e.g. 70, "kg"; "1.1", "mg/dL"; 2, "{tbl}") as a Quantity.

    Same bounds and refusals as text: the value is bounded (digits, magnitude), the code
    must be one of the allow-listed UCUM codes (case-sensitive, as UCUM is).
    """
    from dosing.input.quantity import ucum_number, ucum_unit

    unit = ucum_unit(code, parameter)
    return ureg.Quantity(ucum_number(value, parameter), _unit(unit))


def quantity(
    value: Any,
    parameter: str,
    dimension: str,
    *,
    unit: str,
    minimum: float | None = None,
    maximum: float | None = None,
    allow_zero: bool = False,
) -> pint.Quantity:
    """Validate ``value`` as a quantity of ``dimension`` and return it in ``unit``.

    ``dimension`` is the name used in messages ('mass', 'dose per area'); the
    check itself is compatibility with ``unit``.

    ``minimum``/``maximum`` are in ``unit`` and inclusive. Values must be finite
    and positive (or zero when ``allow_zero``). Anything else raises.
    """
    converted = convert(value, parameter, dimension, unit=unit)
    if np.ndim(converted.magnitude) != 0:
        raise DoseInputError(parameter, "expected a single value, got an array")
    try:
        magnitude = float(converted.magnitude)
    except (TypeError, ValueError):
        # e.g. a complex magnitude: no dose is computed from it.
        raise DoseInputError(parameter, f"expected a real number, got {converted.magnitude!r}") from None
    check_magnitude(magnitude, parameter, unit, minimum=minimum, maximum=maximum, allow_zero=allow_zero)
    return ureg.Quantity(magnitude, unit)


def convert(value: Any, parameter: str, dimension: str, *, unit: str) -> pint.Quantity:
    """``value`` (Quantity or text, scalar or array) in ``unit``; refuses bare numbers and wrong dimensions."""
    if isinstance(value, bool) or isinstance(value, (int, float, np.number, np.ndarray, list, tuple)):
        raise DoseInputError(
            parameter, f"bare number {_shown(value)}; give a {dimension} with its unit, e.g. '{_example(unit)}'"
        )
    if isinstance(value, str):
        value = parse_text(value, parameter)
    if not isinstance(value, pint.Quantity):
        raise DoseInputError(parameter, f"expected a {dimension} quantity, got {type(value).__name__}")
    if value._REGISTRY is not ureg:
        # A quantity from another registry cannot be compared safely; rebuild it.
        value = ureg.Quantity(value.magnitude, str(value.units))
    value = float_quantity(value, parameter)
    mass_ratio_needed = ureg.Quantity(1, unit).dimensionless and unit != "dimensionless"
    if not value.is_compatible_with(unit) or (mass_ratio_needed and not is_mass_ratio(value)):
        raise DoseInputError(
            parameter, f"expected a {dimension} (e.g. '{_example(unit)}'), got {value:~P} ({value.dimensionality})"
        )
    return value.to(unit)


def float_quantity(value: pint.Quantity, parameter: str) -> pint.Quantity:
    """``value`` with a float magnitude (or float array), before any arithmetic.

    An int past a float (10**400 kg), a Fraction or a Decimal made pint's conversion
    raise OverflowError, which escaped as "nothing was verified" (issue 6). Complex
    magnitudes are left for :func:`quantity` to refuse by name.
    """
    magnitude = value.magnitude
    if isinstance(magnitude, float):
        return value  # the usual case, parsed text included: nothing to rebuild
    try:
        if np.ndim(magnitude) == 0:
            if isinstance(magnitude, (complex, np.complexfloating)):
                return value
            if isinstance(magnitude, (bool, np.bool_)):
                raise TypeError("a boolean")
            return ureg.Quantity(float(magnitude), value.units)
        array = np.asarray(magnitude)
        if array.dtype.kind in "biuO":
            return ureg.Quantity(array.astype(float), value.units)
        return value
    except (OverflowError, ValueError, TypeError) as exc:
        raise DoseInputError(parameter, f"the value is not a number dmdose can compute with ({_kind(exc)})") from None


def _kind(exc: Exception) -> str:
    return "too large for a float" if isinstance(exc, OverflowError) else "not a real number"


def _shown(value: Any) -> str:
    """A value as shown in a message, cut short; repr() of an int over 4,300 digits raises."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - any repr may fail (an int past 4,300 digits, a hostile __repr__)
        return f"a {type(value).__name__}"
    return text if len(text) <= 80 else text[:77] + "..."


def _finite_float(x: Any, parameter: str) -> float:
    try:
        value = float(x)
    except (OverflowError, ValueError, TypeError):
        raise DoseInputError(parameter, "must be a finite number") from None
    if not math.isfinite(value):
        raise DoseInputError(parameter, "must be a finite number")
    return value


def check_magnitude(
    magnitude: float, parameter: str, unit: str, *, minimum=None, maximum=None, allow_zero: bool = False
) -> None:
    """The value checks shared by the scalar and the batch path: finite, positive, plausible."""
    shown = f"{magnitude:.4g} {unit}"
    if not math.isfinite(magnitude):
        raise DoseInputError(parameter, f"{magnitude} is not a finite number")
    if magnitude < 0 or (magnitude == 0 and not allow_zero):
        raise DoseInputError(parameter, f"must be positive, got {shown}")
    if minimum is not None and magnitude < minimum:
        raise DoseInputError(parameter, f"{shown} is below the plausible minimum {minimum:g} {unit}")
    if maximum is not None and magnitude > maximum:
        raise DoseInputError(parameter, f"{shown} is above the plausible maximum {maximum:g} {unit}")


def daily_amount(value: Any, parameter: str, *, maximum: float) -> pint.Quantity:
    """A daily dose in mg, written as a mass ("400 mg") or a rate ("400 mg/day")."""
    if isinstance(value, str):
        value = parse_text(value, parameter)
    if isinstance(value, pint.Quantity) and value.is_compatible_with("mg/day"):
        value = (value * ureg.Quantity(1, "day")).to("mg")
    return quantity(value, parameter, "mass per day", unit="mg", maximum=maximum)


def is_mass_ratio(value: pint.Quantity) -> bool:
    # mg/kg is dimensionless to pint, as is a bare percent: insist on mass over mass.
    powers = [(ureg.Quantity(1, name).check("[mass]"), p) for name, p in value.units._units.items()]
    return any(m and p > 0 for m, p in powers) and any(m and p < 0 for m, p in powers)


def _example(unit: str) -> str:
    return f"70 {unit}" if unit else "1"


def _decimal(q: pint.Quantity, unit: str) -> Decimal:
    # Decimal via repr of the float, rounded to 9 places: float noise such as
    # 14.999999999999998 mg must not round a tablet count down.
    return Decimal(repr(float(q.to(unit).magnitude))).quantize(Decimal("1e-9"), rounding=ROUND_HALF_UP)


_MAX_COUNT = 1e15
_ROUNDING = {"nearest": ROUND_HALF_UP, "down": ROUND_FLOOR, "up": ROUND_CEILING}


def _step_decimal(q: pint.Quantity, step: pint.Quantity) -> tuple[Decimal, Decimal, str]:
    """``q`` and ``step`` as Decimals in the step's unit; a step must be positive and of q's dimension."""
    unit = str(step.units)
    if not q.is_compatible_with(step.units):
        raise DoseInputError("step", f"{step:~P} cannot measure {q:~P} (different dimensions)")
    step_value = _finite_float(step.magnitude, "step")
    _finite_float(q.magnitude, "dose")
    q = ureg.Quantity(float(q.magnitude), q.units)  # finite, so a float: .to() cannot overflow an int
    if abs(_finite_float(q.to(unit).magnitude, "dose")) > _MAX_COUNT or abs(step_value) > _MAX_COUNT:
        # Decimal's 28 digits hold any real dose to 1e-9; past 1e15 steps it is no dose at all.
        raise DoseInputError("dose", f"{q:~P} is implausibly large to count in {step:~P}")
    step_d = _decimal(step, unit)
    if step_d <= 0:
        raise DoseInputError("step", "must be positive")
    return _decimal(q, unit), step_d, unit


def round_to_step(q: pint.Quantity, step: pint.Quantity, mode: str = "nearest") -> pint.Quantity:
    """Round ``q`` to a whole multiple of ``step`` ('nearest' half-up, 'down' or 'up')."""
    if mode not in _ROUNDING:
        raise DoseInputError("mode", f"unknown rounding {mode!r}; use 'nearest', 'down' or 'up'")
    q_d, step_d, unit = _step_decimal(q, step)
    ratio = q_d / step_d
    rounding = _ROUNDING[mode]
    count = ratio.quantize(Decimal(1), rounding=rounding)
    return ureg.Quantity(float(count * step_d), unit)


def count_of(q: pint.Quantity, step: pint.Quantity) -> int:
    """How many ``step`` units make ``q`` exactly; raises if not a whole number."""
    q_d, step_d, _ = _step_decimal(q, step)
    ratio = q_d / step_d
    if ratio != ratio.to_integral_value():
        raise DoseInputError("dose", f"{q:~P} is not a whole number of {step:~P}")
    return int(ratio)


def unit_text(units) -> str:
    """Units as written on a chart: mL not ml, year not a, '/1.73 m²' for eGFR."""
    if str(units) == "year":
        return "year"
    text = f"{units:~P}"
    text = re.sub(r"\bml\b", "mL", text)
    text = re.sub(r"\bdl\b", "dL", text)
    text = re.sub(r"(?<![\w.])d\b", "day", text)
    return text.replace("/std_bsa", "/1.73 m²")


def fmt_floor(q: pint.Quantity, decimals: int = 1) -> str:
    """A measured value shown against a threshold: truncated, never rounded up.

    eGFR 24.99 must not read "25" next to "below 25": truncating to one decimal
    keeps the shown number on the same side of any threshold with one decimal.
    """
    scale = 10**decimals
    return f"{math.floor(float(q.magnitude) * scale) / scale:.{decimals}f} {unit_text(q.units)}"


def fmt(q: pint.Quantity, digits: int = 4) -> str:
    """A quantity as a pharmacist reads it: '1400 mg', '2.5 mg', '45.5 kg'."""
    number = f"{float(q.magnitude):.{digits}g}"
    if "e" in number:
        # '2e+05 mg' is a misread waiting to happen: write the digits out.
        number = np.format_float_positional(float(q.magnitude), precision=digits, unique=False, fractional=False, trim="-")
    return f"{number} {unit_text(q.units)}"
