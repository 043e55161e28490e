"""The one unit registry of dmdose, and the only door through which numbers enter.

Every public calculator takes its physical inputs through :func:`quantity`, so that
a bare number, a wrong dimension, NaN, a negative or an implausible value is
refused with a :class:`DoseInputError` that names the parameter — never coerced.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, Self, TypeAlias, TypeVar, cast, overload

import numpy as np
import pint

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pint.util import UnitsContainer

    from dosing.input.quantity import ParsedQuantity

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

_memo_enabled = True


class Memoised(Protocol[P, R_co]):
    """A function declared through :func:`memo`: called as the function itself, with lru_cache's controls."""

    cache_clear: Callable[[], None]
    cache_info: Callable[[], functools._CacheInfo]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...


_MEMOS: list[Memoised[..., object]] = []


@overload
def memo(function: Callable[P, R], *, maxsize: int | None = None) -> Memoised[P, R]: ...


@overload
def memo(function: None = None, *, maxsize: int | None = None) -> Callable[[Callable[P, R]], Memoised[P, R]]: ...


def memo(
    function: Callable[P, R] | None = None, *, maxsize: int | None = None
) -> Memoised[P, R] | Callable[[Callable[P, R]], Memoised[P, R]]:
    """functools.cache for a pure reading of immutable values (unit texts, drug names, rule tables).

    Every memoised function in the fast path is declared through here, so that
    :func:`memo_off` can run the straightforward path for comparison (the property
    test in tests/test_fast_path.py). A memoised function must return immutable
    values (or values its callers never mutate), since every caller shares them.
    ``@memo`` and ``@memo(maxsize=N)`` both keep the function's signature for its callers.
    """
    if function is None:

        def decorate(undecorated: Callable[P, R]) -> Memoised[P, R]:
            return memo(undecorated, maxsize=maxsize)

        return decorate
    plain = function
    cached = functools.lru_cache(maxsize=maxsize)(function)
    lookup: Callable[..., R] = cached  # lru_cache's own signature only takes hashable arguments

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _memo_enabled:
            return lookup(*args, **kwargs)
        return plain(*args, **kwargs)

    memoised = cast("Memoised[P, R]", wrapper)
    memoised.cache_clear = cached.cache_clear
    memoised.cache_info = cached.cache_info
    _MEMOS.append(memoised)
    return memoised


def memo_enabled() -> bool:
    """False inside :func:`memo_off`: indexes and memos kept elsewhere are then bypassed too."""
    return _memo_enabled


def clear_memos() -> None:
    """Forget every memoised reading (the pint unit memos included)."""
    for wrapper in _MEMOS:
        wrapper.cache_clear()
    _CONVERSIONS.clear()
    ureg._dmdose_parsed.clear()
    ureg._dmdose_symbols.clear()


@contextlib.contextmanager
def memo_off() -> Iterator[None]:
    """Run the block with every dmdose memo cleared and off, and pint doing all the unit arithmetic itself
    (no factor, product or construction shortcut): the reference path of the fast path."""
    global _memo_enabled
    previous = _memo_enabled
    clear_memos()
    _memo_enabled = False
    try:
        yield
    finally:
        _memo_enabled = previous
        clear_memos()


class _FastQuantity(pint.Quantity[Any]):
    """pint's Quantity, with ``.to("unit")`` of a float worked out by the memoised factor.

    Calculators convert with unit texts ("g", "mg/kg") all along; pint re-derives the
    conversion each time (issue 8). For a float magnitude and a multiplicative unit the
    result is pint's own: the magnitude times the same conversion factor pint caches,
    in the unit pint parses from the same text. Anything else (arrays, offset units,
    contexts, incompatible units and their errors) is pint's ``to``.
    """

    def __new__(cls, value: Any, units: Any = None) -> Self:
        # Quantity(70.0, "kg"), as calculators write it: the unit text parsed once (pint parses it each time).
        if _memo_enabled and type(value) is float and type(units) is str and cls is ureg.Quantity and not _FORCE_NDARRAY:
            made = object.__new__(cls)  # what pint's __new__ stores for a float: the float and the parsed units
            made._magnitude = value
            made._units = _unit(units)._units
            return made
        return cast(Self, super().__new__(cls, value, units))

    def to(self, other: Any = None, *contexts: Any, **ctx_kwargs: Any) -> Self:
        if _memo_enabled and type(other) is str and type(self._magnitude) is float and not (contexts or ctx_kwargs or self._REGISTRY._active_ctx):
            compatible, factor = _conversion(self._units, other)
            if compatible and factor is not None:
                magnitude: float = self._magnitude
                return cast(Self, quantity_of(magnitude * factor if isinstance(factor, float) else magnitude, _unit(other)._units))
        return super().to(other, *contexts, **ctx_kwargs)

    def __mul__(self, other: Any) -> Any:
        # Two float Quantities of multiplicative units (70 kg × 1 g/kg): pint's product, the magnitudes
        # multiplied and the unit containers multiplied, without its per-call offset-unit bookkeeping.
        if (
            _memo_enabled
            and type(other) is type(self)
            and type(self._magnitude) is float
            and type(other._magnitude) is float
            and _PLAIN_PRODUCTS
            and _multiplicative_memo(self._units)
            and _multiplicative_memo(other._units)
        ):
            return quantity_of(self._magnitude * other._magnitude, self._units * other._units)
        return super().__mul__(other)  # type: ignore[no-untyped-call]  # pint leaves its arithmetic unannotated

    def is_compatible_with(self, other: Any, *contexts: Any, **ctx_kwargs: Any) -> bool:
        # pint's own test for a unit text (same dimensionality), memoised per pair.
        if _memo_enabled and type(other) is str and not (contexts or ctx_kwargs or self._REGISTRY._active_ctx):
            return _same_dimensionality(self._units, other)
        return super().is_compatible_with(other, *contexts, **ctx_kwargs)


_FastQuantity.__name__ = _FastQuantity.__qualname__ = "Quantity"


class _Registry(pint.UnitRegistry[Any]):
    """pint's registry, with unit expressions parsed once per process.

    pint re-parses every unit string ("mg", "mg/kg", "mL/min") on each Quantity,
    ``.to()`` and comparison: its own parse cache only keeps names that are defined
    verbatim, so no prefixed or compound unit ever hit it, and that parsing was
    half of a verify call (issue 8). The reading of a unit text depends only on the
    text and on the definitions, which are all made at import below (``define``
    drops the memo all the same); the results are pint's immutable UnitsContainers.
    """

    Quantity = _FastQuantity

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._dmdose_parsed: dict[tuple[str, bool, bool], UnitsContainer] = {}
        self._dmdose_symbols: dict[tuple[str, bool | None], str] = {}
        super().__init__(*args, **kwargs)

    def _parse_units_as_container(self, input_string: str, as_delta: bool = True, case_sensitive: bool = True) -> UnitsContainer:
        if not _memo_enabled or not isinstance(input_string, str):
            return super()._parse_units_as_container(input_string, as_delta, case_sensitive)
        key = (input_string, as_delta, case_sensitive)
        try:
            return self._dmdose_parsed[key]
        except KeyError:
            pass
        parsed = super()._parse_units_as_container(input_string, as_delta, case_sensitive)
        self._dmdose_parsed[key] = parsed
        return parsed

    def get_symbol(self, name_or_alias: str, case_sensitive: bool | None = None) -> str:
        # Every "~P" format of a unit asks for each name's symbol, by the same slow search.
        if not _memo_enabled:
            return super().get_symbol(name_or_alias, case_sensitive)
        key = (name_or_alias, case_sensitive)
        try:
            return self._dmdose_symbols[key]
        except KeyError:
            pass
        symbol = super().get_symbol(name_or_alias, case_sensitive)
        self._dmdose_symbols[key] = symbol
        return symbol

    def define(self, definition: Any) -> None:
        super().define(definition)
        # A new definition may change what a unit text means: forget every memoised reading.
        for wrapper in _MEMOS:
            wrapper.cache_clear()
        globals().get("_CONVERSIONS", {}).clear()
        self._dmdose_parsed.clear()
        self._dmdose_symbols.clear()


def _new_registry() -> _Registry:
    """The registry, built from pint's on-disk cache of its definitions when there is one.

    Parsing pint's definition file was most of a cold start (0.8 s of a 1 s
    ``dmdose verify``, issue 8); pint keeps the parsed file in the user's cache folder,
    keyed by the file's content. A cache folder that cannot be made, written or read
    only costs that time: the registry is then built from the file, as before.
    """
    try:
        return _Registry(cache_folder=":auto:")
    except Exception:  # noqa: BLE001 - any cache failure (permissions, a damaged file) falls back silently
        return _Registry()


ureg = _new_registry()
_FORCE_NDARRAY = bool(ureg.force_ndarray or ureg.force_ndarray_like)
# pint may convert products on its own (auto_reduce_dimensions, autoconvert_to_preferred): not here.
_PLAIN_PRODUCTS = not (ureg.auto_reduce_dimensions or getattr(ureg, "autoconvert_to_preferred", False))


@memo
def _unit(canonical: str) -> pint.Unit:
    """pint's Unit for a canonical unit string, parsed once: half of a verify call was pint
    re-parsing "mg" (issue 8). The grammar only ever produces allow-listed names."""
    return ureg.Unit(canonical)


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
# The annotation every module uses for a pint quantity (scalar or numpy magnitude): pint's
# Quantity is generic in its magnitude, and mypy --strict wants the parameter spelt out.
Qty: TypeAlias = "pint.Quantity[Any]"

# Creatinine molar mass, 113.12 g/mol (PubChem CID 588), converts µmol/L to
# mg/dL: 1 mg/dL = 88.4 µmol/L, the factor used by the CKD-EPI publications.
CREATININE_MOLAR_MASS = Quantity(113.12, "g/mol")


# No dose, body measure or lab value written by a person is beyond 10^12 of its unit, or
# below 10^-12 of it: "2e222 mg" is a typing or interface error, refused before any arithmetic
# (issue 6; found by benchmarks/fuzz.py). The text grammar and check_magnitude share the bound.
MAX_MAGNITUDE = 1e12
MIN_NONZERO_MAGNITUDE = 1e-12


class DoseInputError(ValueError):
    """An input that cannot be dosed from: wrong unit, bare number, NaN, out of range."""

    def __init__(self, parameter: str, problem: str):
        self.parameter = parameter
        self.problem = problem
        super().__init__(f"{parameter}: {problem}")


def parse_text(text: str, parameter: str) -> Qty:
    """A written quantity ("20 mg", "154 lb", "5 ft 6 in", "60 mL/min/1.73 m²") as a Quantity.

    The text is read by the strict grammar of :mod:`dosing.input.quantity` (one number,
    one unit expression from an allow-list, nothing else) before pint sees anything:
    pint evaluates expressions, and that turned invisible characters, leading zeros,
    sums and constants into numbers nobody wrote (issue 6). pint only builds the
    Quantity from the parsed float and the cached unit.
    """
    parsed = _read(text, parameter)
    return quantity_of(parsed.number, _unit(parsed.unit)._units)


@memo(maxsize=4096)  # keyed by text a batch may never repeat: bounded, so memory stays flat
def _read(text: Any, parameter: str) -> ParsedQuantity:
    """The strict grammar's reading of one text (an immutable ParsedQuantity), once per text and parameter.

    Only readings are memoised; a text that is refused raises again each time.
    """
    # Imported here: dosing.input.quantity imports DoseInputError from this module.
    from dosing.input.quantity import read

    return read(text, parameter)


def quantity_of(magnitude: Any, units: Any) -> Qty:
    """A new Quantity of ``ureg`` from a magnitude and a parsed UnitsContainer.

    For a float, exactly what ``ureg.Quantity(magnitude, unit)`` builds (pint stores the
    float and the container as they are; ``force_ndarray`` is off), without its type
    dispatch: a verify call builds dozens (issue 8). Anything else goes through pint.
    """
    if type(magnitude) is not float or _FORCE_NDARRAY:
        return ureg.Quantity(magnitude, units)
    made = _new(Quantity)
    made._magnitude = magnitude
    made._units = units
    return made


_new = object.__new__


def ucum_quantity(value: Any, code: Any, parameter: str) -> Qty:
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
) -> Qty:
    """Validate ``value`` as a quantity of ``dimension`` and return it in ``unit``.

    ``dimension`` is the name used in messages ('mass', 'dose per area'); the
    check itself is compatibility with ``unit``.

    ``minimum``/``maximum`` are in ``unit`` and inclusive. Values must be finite
    and positive (or zero when ``allow_zero``). Anything else raises.
    """
    if _memo_enabled and type(value) is str:
        # A text is read, converted and checked once (a patient's "150 lb" arrives with every request, issue 8).
        return quantity_of(*_checked_text(value, parameter, dimension, unit, minimum, maximum, allow_zero))
    return _checked(value, parameter, dimension, unit, minimum, maximum, allow_zero)


@memo(maxsize=4096)
def _checked_text(
    text: str, parameter: str, dimension: str, unit: str, minimum: float | None, maximum: float | None, allow_zero: bool
) -> tuple[float, UnitsContainer]:
    """:func:`quantity` of a text, as (magnitude, units): a pure reading of immutable values; refusals are not kept."""
    checked = _checked(text, parameter, dimension, unit, minimum, maximum, allow_zero)
    return checked._magnitude, checked._units


def _checked(
    value: Any, parameter: str, dimension: str, unit: str, minimum: float | None, maximum: float | None, allow_zero: bool
) -> Qty:
    magnitude = _fast_magnitude(value, parameter, unit)
    if magnitude is None:
        converted = convert(value, parameter, dimension, unit=unit)
        if np.ndim(converted.magnitude) != 0:
            raise DoseInputError(parameter, "expected a single value, got an array")
        try:
            magnitude = float(converted.magnitude)
        except (TypeError, ValueError):
            # e.g. a complex magnitude: no dose is computed from it.
            raise DoseInputError(parameter, f"expected a real number, got {converted.magnitude!r}") from None
    check_magnitude(magnitude, parameter, unit, minimum=minimum, maximum=maximum, allow_zero=allow_zero)
    return quantity_of(magnitude, _unit(unit)._units)


def _fast_magnitude(value: Any, parameter: str, unit: str) -> float | None:
    """The float :func:`convert` would give for a text or a float Quantity of ``ureg`` that may be read as
    ``unit`` by a factor; None for everything else (arrays, other registries, wrong dimensions, bare
    numbers), which :func:`convert` reads, or refuses with its own message.
    """
    if not _memo_enabled:
        return None
    if isinstance(value, str):
        parsed = _read(value, parameter)
        magnitude, units = parsed.number, _unit(parsed.unit)._units
    elif isinstance(value, pint.Quantity) and value._REGISTRY is ureg:
        magnitude, units = value._magnitude, value._units
    else:
        return None
    if type(magnitude) is not float:
        return None
    compatible, factor = _conversion(units, unit)
    if not compatible or factor is None:
        return None
    return magnitude * factor if isinstance(factor, float) else magnitude


def convert(value: Any, parameter: str, dimension: str, *, unit: str) -> Qty:
    """``value`` (Quantity or text, scalar or array) in ``unit``; refuses bare numbers and wrong dimensions."""
    if isinstance(value, bool) or isinstance(value, (int, float, np.number, np.ndarray, list, tuple)):
        raise DoseInputError(
            parameter,
            f"{_shown(value)} has no unit: write e.g. '{_shown(value) + ' ' + unit if isinstance(value, (int, float)) else _example(unit)}'"
            f" (a {dimension})",
        )
    if isinstance(value, str):
        value = parse_text(value, parameter)
    if not isinstance(value, pint.Quantity):
        raise DoseInputError(parameter, f"expected a {dimension} quantity, got {type(value).__name__}")
    if value._REGISTRY is not ureg:
        # A quantity from another registry cannot be compared safely; rebuild it.
        value = ureg.Quantity(value.magnitude, str(value.units))
    read = float_quantity(value, parameter)
    compatible, factor = _conversion(read._units, unit)
    if not compatible:
        raise DoseInputError(
            parameter, f"expected a {dimension} (e.g. '{_example(unit)}'), got {read:~P} ({read.dimensionality})"
        )
    magnitude = read._magnitude
    if _memo_enabled and factor is not None and type(magnitude) is float:
        # pint's own arithmetic for a multiplicative conversion (magnitude × the same cached
        # factor), without its per-call unit bookkeeping: the same float to the last bit.
        return quantity_of(magnitude * factor if isinstance(factor, float) else magnitude, _unit(unit)._units)
    return read.to(unit)


_SAME = "same units"
# How a unit converts to another: a float factor, _SAME (nothing to do), or None (pint converts itself).
_Factor: TypeAlias = "float | str | None"


def _conversion(units: UnitsContainer, unit: str) -> tuple[bool, _Factor]:
    """(may ``units`` be read as ``unit``, the factor to multiply by or _SAME or None for pint to convert).

    A pure function of two immutable values (pint's UnitsContainer and a unit text),
    so it is worked out once per pair (issue 8); memo_off() turns the memo off.
    """
    key = (units, unit)
    if _memo_enabled:
        try:
            return _CONVERSIONS[key]
        except KeyError:
            pass
    value = ureg.Quantity(1.0, ureg.Unit(units))
    mass_ratio_needed = ureg.Quantity(1, unit).dimensionless and unit != "dimensionless"
    compatible = bool(value.is_compatible_with(unit)) and not (mass_ratio_needed and not is_mass_ratio(value))
    factor: _Factor = None
    if compatible:
        target = _unit(unit)._units
        if target == units:
            factor = _SAME
        elif _multiplicative(units) and _multiplicative(target):
            pints = ureg._get_conversion_factor(units, target)
            factor = pints if isinstance(pints, float) else None
    if _memo_enabled:
        _CONVERSIONS[key] = (compatible, factor)
    return compatible, factor


_CONVERSIONS: dict[tuple[UnitsContainer, str], tuple[bool, _Factor]] = {}


@memo
def _same_dimensionality(units: UnitsContainer, other: str) -> bool:
    return bool(ureg._get_dimensionality(units) == ureg.parse_units(other).dimensionality)


@memo
def _multiplicative_memo(units: UnitsContainer) -> bool:
    return _multiplicative(units)


def _multiplicative(units: UnitsContainer) -> bool:
    # An offset unit (degC) is converted by pint itself, never by a factor.
    try:
        return all(ureg._units[name].is_multiplicative for name in units)
    except (KeyError, AttributeError):
        return False


def float_quantity(value: Qty, parameter: str) -> Qty:
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
    magnitude: float, parameter: str, unit: str, *, minimum: float | None = None, maximum: float | None = None, allow_zero: bool = False
) -> None:
    """The value checks shared by the scalar and the batch path: finite, positive, plausible."""
    if not math.isfinite(magnitude):
        raise DoseInputError(parameter, f"{magnitude} is not a finite number")
    # math.copysign catches "−0 years": a negative zero is a minus sign on a value, not a plausible zero.
    if magnitude < 0 or math.copysign(1.0, magnitude) < 0 or (magnitude == 0 and not allow_zero):
        raise DoseInputError(parameter, f"must be positive, got {_shown_value(magnitude, unit)}")
    if magnitude > MAX_MAGNITUDE or 0 < magnitude < MIN_NONZERO_MAGNITUDE:
        # The text grammar's bound, for quantities built in code too: what is accepted can be written and read back.
        raise DoseInputError(parameter, f"{_shown_value(magnitude, unit)} is outside any plausible value (10^-12 to 10^12 of its unit)")
    if minimum is not None and magnitude < minimum:
        raise DoseInputError(parameter, f"{_shown_value(magnitude, unit)} is below the plausible minimum {minimum:g} {unit}")
    if maximum is not None and magnitude > maximum:
        raise DoseInputError(parameter, f"{_shown_value(magnitude, unit)} is above the plausible maximum {maximum:g} {unit}")


def _shown_value(magnitude: float, unit: str) -> str:
    # Written only for a refusal: every accepted value passes here (issue 8).
    return f"{magnitude:.4g} {unit}"


def daily_amount(value: Any, parameter: str, *, maximum: float) -> Qty:
    """A daily dose in mg, written as a mass ("400 mg") or a rate ("400 mg/day")."""
    if isinstance(value, str):
        value = parse_text(value, parameter)
    if isinstance(value, pint.Quantity) and value.is_compatible_with("mg/day"):
        value = (value * ureg.Quantity(1, "day")).to("mg")
    return quantity(value, parameter, "mass per day", unit="mg", maximum=maximum)


def is_mass_ratio(value: Qty) -> bool:
    # mg/kg is dimensionless to pint, as is a bare percent: insist on mass over mass.
    # The exponents of a parsed unit are real numbers (pint types them as any scalar, complex included).
    powers = [(ureg.Quantity(1, name).check("[mass]"), cast(float, p)) for name, p in value.units._units.items()]
    return any(m and p > 0 for m, p in powers) and any(m and p < 0 for m, p in powers)


def mg_of(dose: Qty, weight_kg: float) -> tuple[float, float | None] | None:
    """A dose per administration in mg, written as a mass or as mg/kg of ``weight_kg``: (mg, the mg/kg as
    written, or None for a mass). None for anything else (tablets, vials, mL hide the strength): each drug
    says in its own words what to write instead."""
    if dose.is_compatible_with("mg"):  # a mass: pint's check("[mass]"), by the memoised test (issue 8)
        return float(dose.to("mg").magnitude), None
    if dose.is_compatible_with("mg/kg"):  # tablets and capsules are dimensions of their own, never mg/kg
        per_kg = float(dose.to("mg/kg").magnitude)
        return per_kg * weight_kg, per_kg
    return None


def _example(unit: str) -> str:
    return f"70 {unit}" if unit else "1"


_NINE_PLACES = Decimal("1e-9")


def decimal_of(value: float) -> Decimal:
    """A float as every step count reads it: Decimal via its repr, rounded to 9 places half up, so that float
    noise such as 14.999999999999998 mg does not round a tablet count down. The calculators' float paths
    (issue 8) count with it too, and so give the counts :func:`round_to_step` and :func:`count_of` give."""
    return Decimal(repr(float(value))).quantize(_NINE_PLACES, rounding=ROUND_HALF_UP)


def _decimal(q: Qty, unit: str) -> Decimal:
    return decimal_of(q.to(unit).magnitude)


_MAX_COUNT = 1e15
_ROUNDING = {"nearest": ROUND_HALF_UP, "down": ROUND_FLOOR, "up": ROUND_CEILING}


def _step_decimal(q: Qty, step: Qty) -> tuple[Decimal, Decimal, str]:
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


def round_to_step(q: Qty, step: Qty, mode: str = "nearest") -> Qty:
    """Round ``q`` to a whole multiple of ``step`` ('nearest' half-up, 'down' or 'up')."""
    if mode not in _ROUNDING:
        raise DoseInputError("mode", f"unknown rounding {mode!r}; use 'nearest', 'down' or 'up'")
    q_d, step_d, unit = _step_decimal(q, step)
    ratio = q_d / step_d
    rounding = _ROUNDING[mode]
    count = ratio.quantize(Decimal(1), rounding=rounding)
    return ureg.Quantity(float(count * step_d), unit)


def count_of(q: Qty, step: Qty) -> int:
    """How many ``step`` units make ``q`` exactly; raises if not a whole number."""
    q_d, step_d, _ = _step_decimal(q, step)
    ratio = q_d / step_d
    if ratio != ratio.to_integral_value():
        raise DoseInputError("dose", f"{q:~P} is not a whole number of {step:~P}")
    return int(ratio)


def unit_text(units: Any) -> str:
    """Units as written on a chart: mL not ml, year not a, '/1.73 m²' for eGFR."""
    if isinstance(units, pint.Unit) and units._REGISTRY is ureg:
        # pint formats a unit in ~40 µs, and every message shows several (issue 8).
        return _unit_text_of(units._units)
    return _unit_text(units)


@memo
def _unit_text_of(container: UnitsContainer) -> str:
    return _unit_text(ureg.Unit(container))


def _unit_text(units: Any) -> str:
    if str(units) == "year":
        return "year"
    text = f"{units:~P}"
    text = re.sub(r"\bml\b", "mL", text)
    text = re.sub(r"\bdl\b", "dL", text)
    text = re.sub(r"(?<![\w.])d\b", "day", text)
    return text.replace("/std_bsa", "/1.73 m²")


def fmt_floor(q: Qty, decimals: int = 1) -> str:
    """A measured value shown against a threshold: truncated, never rounded up.

    eGFR 24.99 must not read "25" next to "below 25": truncating to one decimal
    keeps the shown number on the same side of any threshold with one decimal.
    """
    scale = 10**decimals
    return f"{math.floor(float(q.magnitude) * scale) / scale:.{decimals}f} {_units_text_of(q)}"


def fmt(q: Qty, digits: int = 4) -> str:
    """A quantity as a pharmacist reads it: '1400 mg', '2.5 mg', '45.5 kg'."""
    number = f"{float(q.magnitude):.{digits}g}"
    if "e" in number:
        # '2e+05 mg' is a misread waiting to happen: write the digits out.
        number = np.format_float_positional(float(q.magnitude), precision=digits, unique=False, fractional=False, trim="-")
    return f"{number} {_units_text_of(q)}"


def _units_text_of(q: Qty) -> str:
    # The units of one of our Quantities, shown without building a pint Unit for them.
    if isinstance(q, pint.Quantity) and q._REGISTRY is ureg:
        return _unit_text_of(q._units)
    return unit_text(q.units)
