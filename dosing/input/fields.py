"""Checked readers for the non-quantity inputs: named choices, dates, record fields.

Like :func:`dosing.units.quantity`, each refuses what it cannot read exactly,
with a :class:`DoseInputError` naming the parameter.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping
from typing import TypeVar

from dosing.units import DoseInputError

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")


def expect(value, cls: type[T], parameter: str) -> T:
    """``value`` if it is a ``cls`` (a Patient, an Order, a product); else a DoseInputError naming it."""
    if not isinstance(value, cls):
        raise DoseInputError(parameter, f"expected a {cls.__name__}, got {type(value).__name__}")
    return value


def choice(cls: type[E], value, parameter: str, aliases: Mapping[str, E] | None = None) -> E:
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
    raise DoseInputError(parameter, f"unknown {parameter.replace('_', ' ')} {value!r}; choose one of {options}")


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(value, parameter: str = "start_date") -> dt.date:
    """A calendar date: a ``datetime.date`` or 'YYYY-MM-DD'. A datetime is refused:
    which day a time of day falls on depends on a time zone nobody stated."""
    if isinstance(value, dt.datetime):
        raise DoseInputError(parameter, "expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise DoseInputError(parameter, f"expected a date such as '2026-12-01', got {value!r}")


def optional_iso_date(value, parameter: str = "start_date") -> dt.date | None:
    """No date (None), or a date read by :func:`iso_date`."""
    return None if value is None else iso_date(value, parameter)


def record(data, kind: str, allowed: Iterable[str], required: Iterable[str]) -> dict:
    """A mapping with no unknown and no missing fields (an order, a patient, a request)."""
    if not isinstance(data, Mapping):
        raise DoseInputError(kind, f"expected a mapping of fields, got {type(data).__name__}")
    allowed, required = set(allowed), set(required)
    unknown = set(data) - allowed
    if unknown:
        raise DoseInputError(kind, f"unknown field(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    missing = required - set(data)
    if missing:
        raise DoseInputError(kind, f"missing field(s) {sorted(missing)}")
    return dict(data)
