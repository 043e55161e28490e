"""A medication order as written: drug, dose, frequency, route, indication."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any, cast

import attrs
import pint

from dosing.body import WeightBasis, optional_weight_basis
from dosing.findings import Finding, Severity
from dosing.input.fields import choice, optional_iso_date, record
from dosing.input.frequency import ISMP_ERROR_PRONE, Frequency, parse_frequency
from dosing.input.route import Route, RouteReading, read_route
from dosing.references import Reference
from dosing.units import DoseInputError, fmt, is_mass_ratio, memo, memo_enabled, parse_text, quantity_of, ureg

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pint.util import UnitsContainer

    from dosing.units import Qty

__all__ = ["DOSE_UNITS", "Order", "OrderIntent", "Route"]

# What a dose may be written as. Anything else (a volume of an unknown product,
# a rate) is refused at the door rather than misread by a calculator.
DOSE_UNITS = {
    "mg": "mass",
    "mg/kg": "dose per mass",
    "mg/m**2": "dose per area",
    "tablet": "tablet count",
    "capsule": "capsule count",
    "mL": "volume",
}


class OrderIntent(enum.Enum):
    """Why the order was written. A renewal repeats a running order; a change alters one."""

    NEW = "new"
    RENEWAL = "renewal"
    CHANGE = "change"

    @classmethod
    def parse(cls, value: object) -> OrderIntent:
        return choice(cls, value, "intent", _INTENT_ALIASES)


_INTENT_ALIASES = {
    "new order": OrderIntent.NEW, "start": OrderIntent.NEW, "initial": OrderIntent.NEW,
    "continue": OrderIntent.RENEWAL, "continuation": OrderIntent.RENEWAL, "refill": OrderIntent.RENEWAL,
    "renew": OrderIntent.RENEWAL, "repeat": OrderIntent.RENEWAL,
    "modify": OrderIntent.CHANGE, "modification": OrderIntent.CHANGE, "dose change": OrderIntent.CHANGE,
    "dose-change": OrderIntent.CHANGE, "changed": OrderIntent.CHANGE,
}


# A per-day dose read as the amount of each administration, only when there is
# exactly one administration a day; the reading is reported, never silent.
DAILY_RATE_READING = Reference(
    "dmdose-daily-rate",
    "dmdose order reading: a dose per day ('0.4 g/kg/day') with a once-daily frequency is the amount of each daily "
    "administration (dosing/order.py)",
)


def _rate_error(value: Qty) -> DoseInputError:
    return DoseInputError(
        "dose", f"{fmt(value)} is a rate: write the amount per administration (e.g. '1 g/kg', '200 mg') and let the "
        "frequency carry the days ('daily for 2 days every 4 weeks', 'BID'); a dose per day is read only with a "
        "once-daily frequency"
    )


def _is_rate(value: Qty) -> bool:
    # The quantity's own units container: what ``value.units._units`` gives, without building a Unit.
    return _is_rate_units(value._units)


@memo
def _is_rate_units(units: UnitsContainer) -> bool:
    # The exponents of a parsed unit are real numbers (pint types them as any scalar, complex included).
    return any(ureg.Quantity(1, name).check("[time]") and cast(float, power) < 0 for name, power in units.items())


def _is_per_day(value: Qty) -> bool:
    """'0.4 g/kg/day', '400 mg/day': one division by a day, nothing else in time."""
    times = {name: power for name, power in value.units._units.items() if ureg.Quantity(1, name).check("[time]")}
    return times == {"day": -1}


def _dose_or_daily_rate(value: object) -> Qty:
    """A dose, or a per-day rate kept until the frequency says whether it is one dose a day."""
    if isinstance(value, str):
        # The reading of a dose text is the same every time: kept as (magnitude, units) and
        # rebuilt, so that no caller shares a Quantity (issue 8). Refusals are not kept.
        return quantity_of(*_dose_text(value))
    return _read_dose(value)


@memo(maxsize=4096)  # keyed by free text: bounded, so a long batch's memory stays flat
def _dose_text(text: str) -> tuple[Any, UnitsContainer]:
    dose = _read_dose(parse_text(text, "dose"))
    return dose._magnitude, dose._units


def _read_dose(value: object) -> Qty:
    if isinstance(value, pint.Quantity) and _is_rate(value):
        if _is_per_day(value):
            return value
        raise _rate_error(value)
    return _dose(value)


def _dose(value: object) -> Qty:
    from dosing.units import quantity

    if isinstance(value, str):
        value = parse_text(value, "dose")
    if not isinstance(value, pint.Quantity):
        raise DoseInputError("dose", f"expected a dose with its unit (e.g. '20 mg', '6 tablets', '2 g/kg'), got {value!r}")
    for unit, dimension in DOSE_UNITS.items():
        if value.is_compatible_with(unit) and (not value.dimensionless or is_mass_ratio(value)):
            return quantity(value, "dose", dimension, unit=str(value.units), maximum=None)
    if _is_rate(value):
        # "1 g/kg/day", "400 mg/day": the rate belongs in the frequency.
        raise _rate_error(value)
    raise DoseInputError("dose", f"{fmt(value)} is not a dose: expected mg, mg/kg, mg/m², tablets, capsules or mL")


def _text(parameter: str) -> Callable[[object], str]:
    def convert(value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise DoseInputError(parameter, f"expected a non-empty text, got {value!r}")
        return value.strip()

    return convert


def _route_reading(value: Route | str) -> RouteReading:
    """:func:`dosing.input.route.read_route`, read once per route text (each request repeats it)."""
    if type(value) is str and memo_enabled():
        return _route_text(value)
    return read_route(value)


@memo(maxsize=1024)
def _route_text(text: str) -> RouteReading:
    # A frozen reading (the route and its ISMP note); refusals are not kept.
    return read_route(text)


# The field readers (named functions: the attrs plugin of mypy types __init__ from them).
_drug_text = _text("drug")
_indication_text = _text("indication")
_override_text = _text("override_reason")


def _drug(value: object) -> str:
    return _drug_text(value)


def _route(value: Route | str) -> Route:
    return _route_reading(value).route


def _indication(value: object) -> str:
    return _indication_text(value)


def _start_date(value: object) -> dt.date | None:
    return optional_iso_date(value)


def _override_reason(value: object) -> str | None:
    return None if value is None else _override_text(value)


def _weight_basis(value: object) -> WeightBasis | None:
    return optional_weight_basis(value)


def _intent(value: object) -> OrderIntent:
    return OrderIntent.parse(value)


@attrs.frozen
class Order:
    """One order to verify. ``drug`` is as written (brand or generic); verify resolves it.

    ``reading_findings`` are the info findings of reading it: an ISMP error-prone
    abbreviation in the frequency or route, a per-day dose read per administration.
    """

    drug: str = attrs.field(converter=_drug)
    dose: Qty = attrs.field(converter=_dose_or_daily_rate)
    frequency: Frequency = attrs.field(converter=parse_frequency)
    route: Route = attrs.field(converter=_route)
    indication: str = attrs.field(default="dermatomyositis", converter=_indication)
    start_date: dt.date | None = attrs.field(default=None, converter=_start_date)
    # A dose above a hard cap may be given only with a written clinical reason.
    override_reason: str | None = attrs.field(default=None, converter=_override_reason)
    # The prescriber's choice of IVIG dosing weight (actual / ideal / adjusted),
    # e.g. for a patient under 5 ft, where Devine's IBW is not defined.
    weight_basis: WeightBasis | None = attrs.field(default=None, converter=_weight_basis)
    intent: OrderIntent = attrs.field(default=OrderIntent.NEW, converter=_intent)
    # How the order was read (not part of its identity: the canonical order equals it).
    route_note: str | None = attrs.field(init=False, eq=False, repr=False)
    dose_as_written: str | None = attrs.field(init=False, eq=False, repr=False)

    def __attrs_pre_init__(self, drug: object, dose: object, frequency: object, route: object, *args: object, **kwargs: object) -> None:
        # The route converter keeps only the Route; the note about how it was written is kept here.
        note = _route_reading(route).error_prone if isinstance(route, str) else None
        object.__setattr__(self, "route_note", note)
        object.__setattr__(self, "dose_as_written", dose.strip() if isinstance(dose, str) else None)

    def __attrs_post_init__(self) -> None:
        if not _is_rate(self.dose):
            object.__setattr__(self, "dose_as_written", None)
            return
        f = self.frequency
        if f.interval_days != 1 or f.times_per_day != 1:
            raise _rate_error(self.dose)
        per_day = self.dose
        object.__setattr__(self, "dose", _dose(per_day * ureg.Quantity(1, "day")))
        object.__setattr__(self, "dose_as_written", self.dose_as_written or fmt(per_day))

    @property
    def reading_findings(self) -> tuple[Finding, ...]:
        found = []
        if self.frequency.error_prone:
            found.append(Finding.of("order.error-prone-frequency", Severity.INFO,
                                    f"Frequency {self.frequency.text!r}: {self.frequency.error_prone}.", ISMP_ERROR_PRONE))
        if self.route_note:
            found.append(Finding.of("order.error-prone-route", Severity.INFO,
                                    f"Route read as {self.route.value}: {self.route_note}.", ISMP_ERROR_PRONE))
        if self.dose_as_written:
            found.append(Finding.of(
                "order.daily-dose-read", Severity.INFO,
                f"Dose {self.dose_as_written} with {self.frequency.text!r} (one administration a day) read as "
                f"{fmt(self.dose)} per administration.", DAILY_RATE_READING,
            ))
        return tuple(found)

    def to_dict(self) -> dict[str, Any]:
        freq = self.frequency
        return {
            "drug": self.drug,
            "dose": f"{self.dose.magnitude!r} {self.dose.units}",
            "frequency": freq.text if _reads_back(freq) else freq.canonical_text(),
            "route": self.route.value,
            "indication": self.indication,
            "start_date": None if self.start_date is None else self.start_date.isoformat(),
            "override_reason": self.override_reason,
            "weight_basis": None if self.weight_basis is None else self.weight_basis.value,
            "intent": self.intent.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Order:
        return cls(**record(data, "order", _INIT_FIELDS, required=["drug", "dose", "frequency", "route"]))


# The fields an order record may name (every init field), listed once rather than on each read.
_INIT_FIELDS = tuple(f.name for f in attrs.fields(Order) if f.init)


def _reads_back(freq: Frequency) -> bool:
    """A hand-built frequency (a FHIR timing) is written out in words the grammar reads."""
    try:
        return parse_frequency(freq.text) == freq
    except DoseInputError:
        return False
