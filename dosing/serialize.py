"""Turn result values (attrs classes, quantities, dates, enums) into JSON-able data."""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Any

import attrs
import pint

from dosing.units import fmt


def jsonable(value: object) -> Any:
    """JSON-able data of whatever shape ``value`` has (Any: a dict, a list, text...); what it cannot convert passes as it is."""
    if isinstance(value, pint.Quantity):
        return fmt(value, 6)
    cls = type(value)
    if attrs.has(cls):
        return {f.name: jsonable(getattr(value, f.name)) for f in attrs.fields(cls)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [jsonable(v) for v in value]
        if not isinstance(value, (set, frozenset)):
            return items
        try:
            return sorted(items)
        except TypeError:
            # a set of results (dicts once serialised): order by their JSON text, stable across runs
            return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    return value
