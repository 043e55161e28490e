"""Checked readers for the non-quantity inputs: named choices, dates, record fields.

Like :func:`dosing.units.quantity`, each refuses what it cannot read exactly,
with a :class:`DoseInputError` naming the parameter.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from dosing.units import DoseInputError

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")


def expect(value: object, cls: type[T], parameter: str) -> T:
    """``value`` if it is a ``cls`` (a Patient, an Order, a product); else a DoseInputError naming it."""
    if not isinstance(value, cls):
        raise DoseInputError(parameter, f"expected a {cls.__name__}, got {type(value).__name__}")
    return value


def choice(cls: type[E], value: object, parameter: str, aliases: Mapping[str, E] | None = None) -> E:
    """An enum member from itself, its value or an alias; case, dots, '_'/'-' ignored."""
    if isinstance(value, cls):
        return value
    names = {member.value: member for member in cls}
    names.update(aliases or {})
    if isinstance(value, str):
        key = value.strip().lower().replace(".", "")
        for candidate in (key, key.replace("_", "-"), key.replace("-", "_")):
            if candidate in names:
                return names[candidate]
    options = ", ".join(member.value for member in cls)
    raise DoseInputError(parameter, f"unknown {parameter.replace('_', ' ')} {_shown(value)}; choose one of {options}")


# ASCII digits only: \d would also match "٢٠٢٦", which fromisoformat then reads.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)

# The plausible clinical range of any date dmdose reads (birth, as-of, start). Not a
# clinical figure: a bound so that date arithmetic can never overflow (a start date
# of 9999-12-31 raised OverflowError while a schedule was computed, issue 6) and so
# that a mistyped century is refused rather than computed with. Birth dates are
# further limited by dosing.body (EARLIEST_BIRTH_DATE, the age limits).
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


def iso_date(value: object, parameter: str = "start_date") -> dt.date:
    """A calendar date: a ``datetime.date`` or 'YYYY-MM-DD', from 1900-01-01 to 2199-12-31.
    A datetime is refused: which day a time of day falls on depends on a time zone
    nobody stated."""
    if isinstance(value, dt.datetime):
        raise DoseInputError(parameter, "expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return _in_range(value, parameter)
    if isinstance(value, str) and len(value) <= 40 and _ISO_DATE.fullmatch(value.strip()):
        try:
            date = dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return _in_range(date, parameter)
    raise DoseInputError(parameter, f"expected a date such as '2026-12-01', got {_shown(value)}")


def _in_range(date: dt.date, parameter: str) -> dt.date:
    if not EARLIEST_DATE <= date <= LATEST_DATE:
        raise DoseInputError(
            parameter, f"{date.isoformat()} is outside the plausible range {EARLIEST_DATE.isoformat()} to "
            f"{LATEST_DATE.isoformat()}; check the year"
        )
    return date


def _shown(value: object) -> str:
    """A value as shown in a message, cut short: a refused input may be megabytes long."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a hostile __repr__, or an int past the 4,300-digit str limit
        return f"a {type(value).__name__}"
    return text if len(text) <= 80 else text[:77] + "..."


def optional_iso_date(value: object, parameter: str = "start_date") -> dt.date | None:
    """No date (None), or a date read by :func:`iso_date`."""
    return None if value is None else iso_date(value, parameter)


def record(data: object, kind: str, allowed: Iterable[str], required: Iterable[str]) -> dict[str, Any]:
    """A mapping with no unknown and no missing fields (an order, a patient, a request)."""
    if not isinstance(data, Mapping):
        raise DoseInputError(kind, f"expected a mapping of fields, got {type(data).__name__}")
    allowed, required = set(allowed), set(required)
    unknown = set(data) - allowed
    if unknown:
        # key=repr: the keys of a hostile mapping may not be strings, and str and int do not sort together.
        shown = ", ".join(_shown(k) for k in sorted(unknown, key=repr)[:10])
        raise DoseInputError(kind, f"unknown field(s) [{shown}]; allowed: {sorted(allowed)}")
    missing = required - set(data)
    if missing:
        raise DoseInputError(kind, f"missing field(s) {sorted(missing)}")
    return dict(data)
