"""Checked readers for dates, choices and records: bounded, and only DoseInputError escapes (issue 6)."""

from __future__ import annotations

import datetime as dt
import enum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing.input.fields import EARLIEST_DATE, LATEST_DATE, choice, iso_date, optional_iso_date, record
from dosing.units import DoseInputError


@pytest.mark.parametrize(
    "value, expected",
    [("2026-12-01", dt.date(2026, 12, 1)), (" 2026-12-01 ", dt.date(2026, 12, 1)), ("1900-01-01", EARLIEST_DATE),
     ("2199-12-31", LATEST_DATE), (dt.date(2026, 3, 15), dt.date(2026, 3, 15)), ("2024-02-29", dt.date(2024, 2, 29))],
)
def test_iso_date_reads(value, expected):
    assert iso_date(value, "start_date") == expected


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31",  # overflowed while a schedule was computed (exit 4): now refused up front
        dt.date(9999, 12, 31), dt.date.max, dt.date.min, "0001-01-01", "1899-12-31", "2200-01-01",
        "2026-02-30", "2026-13-01", "26-12-01", "2026-1-1", "01/12/2026", "", "   ", None, 20261201, 2026.12,
        "٢٠٢٦-١٢-٠١",  # Arabic-Indic digits: \d matched them, fromisoformat read them
        "２０２６-１２-０１", "2026-12-01T00:00", dt.datetime(2026, 12, 1), "2026-12-01" + " " * 10_000 + "x",
        "2026\u200b-12-01", 10**5000, [2026, 12, 1], {"year": 2026},
    ],
    ids=lambda v: repr(v)[:40] if not isinstance(v, int) else f"int-{v.bit_length()}-bits",
)
def test_iso_date_refuses(value):
    with pytest.raises(DoseInputError) as err:
        iso_date(value, "start_date")
    assert err.value.parameter == "start_date"
    assert len(str(err.value)) < 300  # a hostile input is not echoed whole


def test_date_out_of_range_says_so():
    with pytest.raises(DoseInputError, match="outside the plausible range 1900-01-01 to 2199-12-31"):
        iso_date("9999-12-31", "start_date")


def test_optional_iso_date():
    assert optional_iso_date(None) is None
    with pytest.raises(DoseInputError) as err:
        optional_iso_date("9999-12-31", "as_of")
    assert err.value.parameter == "as_of"


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=30), st.dates(), st.integers(), st.floats(), st.none(), st.binary(max_size=10)))
def test_iso_date_only_raises_dose_input_error_and_stays_in_range(value):
    try:
        date = iso_date(value, "birth_date")
    except DoseInputError as err:
        assert err.parameter == "birth_date"
    else:
        assert EARLIEST_DATE <= date <= LATEST_DATE


class Colour(enum.Enum):
    RED = "red"
    DARK_BLUE = "dark-blue"


def test_choice_reads_and_refuses():
    assert choice(Colour, " RED ", "colour") is Colour.RED
    assert choice(Colour, "dark_blue", "colour") is Colour.DARK_BLUE
    for bad in ("green", 10**5000, None, "x" * 10_000):
        with pytest.raises(DoseInputError) as err:
            choice(Colour, bad, "colour")
        assert err.value.parameter == "colour"
        assert len(err.value.problem) < 300


def test_record_refuses_unknown_fields_of_any_key_type():
    # keys of mixed types do not sort together: the message must not raise TypeError
    with pytest.raises(DoseInputError) as err:
        record({"drug": "x", 1: 2, None: 3, ("a",): 4}, "order", allowed={"drug"}, required={"drug"})
    assert err.value.parameter == "order"
    with pytest.raises(DoseInputError, match="missing"):
        record({}, "order", allowed={"drug"}, required={"drug"})
    with pytest.raises(DoseInputError):
        record(["drug"], "order", allowed={"drug"}, required={"drug"})
    assert record({"drug": "x"}, "order", allowed={"drug", "dose"}, required={"drug"}) == {"drug": "x"}
