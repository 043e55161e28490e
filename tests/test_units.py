"""The unit registry and the one validator: parsing, refusal, exact rounding, display."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing.units import (
    CREATININE_MOLAR_MASS,
    DoseInputError,
    Quantity,
    count_of,
    fmt,
    parse_text,
    quantity,
    round_to_step,
    ureg,
)


def mag(q, unit):
    return q.to(unit).magnitude


# ---------------------------------------------------------------- parsing chart strings


@pytest.mark.parametrize(
    "text, unit, expected",
    [
        ("154 lb", "kg", 154 * 0.45359237),  # 154 lb × 0.45359237 kg/lb = 69.853 kg (exact lb definition)
        ("70 kg", "kg", 70.0),
        ("70kg", "kg", 70.0),
        ("5 ft 6 in", "cm", 66 * 2.54),  # 5 ft 6 in = 66 in × 2.54 cm/in = 167.64 cm
        ("5'6\"", "cm", 66 * 2.54),
        ("5' 6\"", "cm", 66 * 2.54),
        ("5 ft 10 in", "cm", 70 * 2.54),  # 70 in = 177.8 cm
        ("6 ft", "cm", 72 * 2.54),
        ("1.1 mg/dL", "mg/dL", 1.1),
        ("97 umol/L", "umol/L", 97.0),
        ("97 µmol/L", "umol/L", 97.0),  # micro sign
        ("97 μmol/L", "umol/L", 97.0),  # Greek mu
        ("60 mL/min/1.73m2", "mL/min/std_bsa", 60.0),
        ("60 mL/min/1.73 m²", "mL/min/std_bsa", 60.0),
        ("60 mL/min/(1.73 m2)", "mL/min/std_bsa", 60.0),
        ("375 mg/m2", "mg/m**2", 375.0),
        ("375 mg/m²", "mg/m**2", 375.0),
        ("2 g/kg", "mg/kg", 2000.0),  # 2 g/kg = 2000 mg/kg
        ("6 tablets", "tablet", 6.0),
        ("1 tablet", "tablet", 1.0),
        ("4 capsules", "capsule", 4.0),
        ("2 vials", "vial", 2.0),
        ("54 years", "year", 54.0),
    ],
)
def test_parse_text_reads_chart_notation(text, unit, expected):
    assert mag(parse_text(text, "x"), unit) == pytest.approx(expected, rel=1e-12)


def test_std_bsa_is_173_square_metres():
    # eGFR "per 1.73 m²": 60 mL/min/1.73 m² = 60/1.73 = 34.68 mL/min/m²
    assert mag(Quantity(60, "mL/min/std_bsa"), "mL/min/m**2") == pytest.approx(60 / 1.73)


def test_tablets_capsules_and_vials_are_separate_dimensions():
    tablets, capsules = Quantity(1, "tablet"), Quantity(1, "capsule")
    assert not tablets.is_compatible_with("capsule")
    assert not tablets.is_compatible_with("vial")
    assert not capsules.is_compatible_with("vial")
    assert not tablets.is_compatible_with("mg")


def test_creatinine_molar_mass():
    # 88.4 µmol/L × 113.12 g/mol = 88.4e-6 mol/L × 113.12 g/mol = 0.0099998 g/L = 0.99998 mg/dL ≈ 1.0 mg/dL
    one = (Quantity(88.4, "umol/L") * CREATININE_MOLAR_MASS).to("mg/dL")
    assert one.magnitude == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", "kg kg kg 5 ((", "70 flurbs", "70 kg 5",
        # pint would read these as a different number: refuse instead
        "1,5 mg",  # → 15 mg (decimal comma)
        "12,5 mg",  # → 125 mg
        "1,000 mg",  # thousands or decimal? ambiguous
        "1 500 mg",  # → 1 × 500 = 500 mg
        "70 5 kg",  # → 350 kg
        "1 1/2 tablets",  # → 1 × 1/2 = 0.5 tablet
        "1. 5 mg",
        "1.2.3 mg",  # → 1.2 × .3 = 0.36 mg
        # mixed case: pint's M is mega, and "Mg" is a megagram to anyone reading SI
        "20 Mg",  # megagram
    ],
)
def test_parse_text_refuses_unreadable(text):
    with pytest.raises(DoseInputError) as err:
        parse_text(text, "weight")
    assert err.value.parameter == "weight"


@pytest.mark.parametrize("text, unit, expected", [("20 MG", "mg", 20.0), ("5 ML", "mL", 5.0), ("1.1 MG/DL", "mg/dL", 1.1)])
def test_parse_text_reads_pharmacy_capitals_as_the_obvious_unit(text, unit, expected):
    # Changed by issue 5: HL7 v2 and pharmacy systems write units in capitals; "20 MG" is
    # 20 mg, never pint's 20 megagauss (it was refused before, which left the order unverified).
    assert parse_text(text, "dose").to(unit).magnitude == pytest.approx(expected)


# ---------------------------------------------------------------- quantity(): the single validator


def weight(value):
    return quantity(value, "weight", "mass", unit="kg", minimum=2, maximum=350)


def test_quantity_accepts_and_converts():
    assert weight("154 lb").magnitude == pytest.approx(69.85322498)
    assert weight(Quantity(70, "kg")) == Quantity(70.0, "kg")
    assert weight(Quantity(70000, "g")).magnitude == pytest.approx(70.0)
    assert str(weight("70 kg").units) == "kilogram"
    assert isinstance(weight("70 kg").magnitude, float)


def test_quantity_bounds_are_inclusive():
    assert weight("2 kg").magnitude == 2.0
    assert weight("350 kg").magnitude == 350.0
    for bad in ("1.99 kg", "350.01 kg"):
        with pytest.raises(DoseInputError):
            weight(bad)


def test_quantity_from_another_registry_is_rebuilt():
    other = pint.UnitRegistry()
    assert weight(other.Quantity(154, "lb")).magnitude == pytest.approx(69.85322498)


def test_dose_input_error_message_names_parameter():
    err = DoseInputError("weight", "must be positive")
    assert isinstance(err, ValueError)
    assert (err.parameter, err.problem) == ("weight", "must be positive")
    assert str(err) == "weight: must be positive"


BARE = st.one_of(
    st.integers(-1000, 1000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.floats(0.1, 300).map(np.float64),
    st.floats(0.5, 300, width=32).map(np.float32),
    st.integers(1, 300).map(np.int64),
    st.integers(1, 300).map(np.int32),
    st.just(np.bool_(True)),
    st.integers(1, 300).map(str),  # "70": a number without a unit
    st.just(None),
    st.just([70]),
    st.just(np.array(70.0)),
)


@settings(max_examples=150)
@given(BARE)
def test_quantity_refuses_bare_numbers(value):
    with pytest.raises(DoseInputError) as err:
        weight(value)
    assert err.value.parameter == "weight"


WRONG_DIMENSION = st.sampled_from(
    ["170 cm", "70 L", "70 mg/kg", "70 kg/m**2", "70 mmol", "70 tablets", "70 year", "70 percent", "70 kg/day", "70 m**2"]
)


@settings(max_examples=120)
@given(WRONG_DIMENSION, st.booleans())
def test_quantity_refuses_wrong_dimension(text, as_quantity):
    value = ureg.Quantity(text.replace("tablets", "tablet")) if as_quantity else text
    with pytest.raises(DoseInputError) as err:
        weight(value)
    assert err.value.parameter == "weight"


@settings(max_examples=120)
@given(
    st.one_of(
        st.floats(max_value=0, allow_nan=False),  # negative and zero
        st.sampled_from([math.nan, math.inf, -math.inf]),
        st.floats(0, 1.99, exclude_min=True),  # below the plausible minimum
        st.floats(350.0001, 1e300),  # above the plausible maximum
    ),
    st.sampled_from(["kg", "g", "lb"]),
)
def test_quantity_refuses_non_finite_negative_and_implausible(value, unit):
    q = Quantity(value, "kg").to(unit)
    with pytest.raises(DoseInputError) as err:
        weight(q)
    assert err.value.parameter == "weight"


@pytest.mark.parametrize("text", ["nan kg", "inf kg", "-5 kg", "1e400 kg", "0 kg"])
def test_quantity_refuses_bad_text(text):
    with pytest.raises(DoseInputError) as err:
        weight(text)
    assert err.value.parameter == "weight"


def test_quantity_refuses_arrays():
    with pytest.raises(DoseInputError) as err:
        weight(Quantity(np.array([70.0, 80.0]), "kg"))
    assert err.value.parameter == "weight"


def test_quantity_allow_zero():
    assert quantity("0 mL/min", "crcl", "flow", unit="mL/min", allow_zero=True).magnitude == 0.0
    with pytest.raises(DoseInputError):
        quantity("0 mL/min", "crcl", "flow", unit="mL/min")


def test_quantity_mass_ratio_is_not_any_dimensionless():
    # mg/kg is dimensionless to pint; a percent or a bare number must not pass for it.
    assert quantity("2 g/kg", "dose", "dose per mass", unit="mg/kg").magnitude == pytest.approx(2000.0)
    for bad in ("2 percent", "2", "2 m/m", Quantity(2, "dimensionless")):
        with pytest.raises(DoseInputError) as err:
            quantity(bad, "dose", "dose per mass", unit="mg/kg")
        assert err.value.parameter == "dose"


# ---------------------------------------------------------------- round_to_step and count_of


@pytest.mark.parametrize(
    "value, step, mode, expected",
    [
        (14.999999999999998, 2.5, "down", 15.0),  # float noise: 15 mg is six 2.5 mg tablets, not five
        (16.25, 2.5, "nearest", 17.5),  # 6.5 steps, half rounds up → 7 × 2.5
        (16.24, 2.5, "nearest", 15.0),
        (17.4, 2.5, "down", 15.0),
        (15.1, 2.5, "up", 17.5),
        (1437.5, 500, "nearest", 1500.0),  # 2.875 vials → 3
        (0.30000000000000004, 0.1, "nearest", 0.3),  # 3 × 0.1 as floats; result is the decimal 0.3
    ],
)
def test_round_to_step_examples(value, step, mode, expected):
    assert round_to_step(Quantity(value, "mg"), Quantity(step, "mg"), mode).magnitude == expected


def test_round_to_step_converts_to_step_unit():
    # 1.4375 g to 500 mg vials = 1437.5 mg → 3 × 500 mg = 1500 mg
    result = round_to_step(Quantity(1.4375, "g"), Quantity(500, "mg"))
    assert result == Quantity(1500.0, "mg")
    assert str(result.units) == "milligram"


@pytest.mark.parametrize("n", range(0, 101))
def test_round_to_step_exact_on_multiples_of_2_5(n):
    step = Quantity(2.5, "mg")
    for mode in ("nearest", "down", "up"):
        assert round_to_step(step * n, step, mode).magnitude == n * 2.5
        assert round_to_step(Quantity(n * 2.5, "mg"), step, mode).magnitude == n * 2.5


@settings(max_examples=120)
@given(st.integers(0, 1000), st.sampled_from(["0.1", "0.2", "0.5", "1.25", "2.5", "50", "0.05"]))
def test_round_to_step_no_float_drift(n, step_text):
    # n × 0.1 as a float drifts (3 × 0.1 = 0.30000000000000004); the result is the decimal multiple.
    step = Quantity(float(step_text), "mg")
    drifting = Quantity(sum([float(step_text)] * n) if n < 50 else n * float(step_text), "mg")
    exact = float(Decimal(n) * Decimal(step_text))
    for mode in ("nearest", "down", "up"):
        assert round_to_step(drifting, step, mode).magnitude == exact


# Rounding works on a 9-decimal view of the float so that 14.999999999999998 counts as 15:
# "never exceeds" therefore holds up to that half-nanogram resolution.
RESOLUTION = 5e-10


@settings(max_examples=150)
@given(st.floats(0, 5000), st.sampled_from([0.5, 1.0, 2.5, 5.0, 50.0, 100.0, 250.0, 500.0]))
def test_round_to_step_modes_bracket_value(value, step):
    q, s = Quantity(value, "mg"), Quantity(step, "mg")
    down = round_to_step(q, s, "down").magnitude
    up = round_to_step(q, s, "up").magnitude
    nearest = round_to_step(q, s, "nearest").magnitude
    assert down <= value + RESOLUTION  # 'down' never exceeds what was asked
    assert up >= value - RESOLUTION
    assert down <= nearest <= up
    assert up - down in (0.0, step)
    assert abs(nearest - value) <= step / 2 + RESOLUTION
    for result in (down, up, nearest):
        assert (Decimal(repr(result)) / Decimal(repr(step))) % 1 == 0


def test_round_to_step_refuses_bad_step_and_mode():
    with pytest.raises(DoseInputError) as err:
        round_to_step(Quantity(10, "mg"), Quantity(0, "mg"))
    assert err.value.parameter == "step"
    with pytest.raises(DoseInputError):
        round_to_step(Quantity(10, "mg"), Quantity(-2.5, "mg"))
    with pytest.raises(DoseInputError) as err:
        round_to_step(Quantity(10, "mg"), Quantity(2.5, "mg"), "sideways")
    assert err.value.parameter == "mode"
    with pytest.raises(DoseInputError) as err:
        round_to_step(Quantity(10, "mg"), Quantity(1, "tablet"))
    assert err.value.parameter == "step"


def test_count_of():
    assert count_of(Quantity(15, "mg"), Quantity(2.5, "mg")) == 6  # 15 / 2.5 = 6 tablets
    assert count_of(Quantity(14.999999999999998, "mg"), Quantity(2.5, "mg")) == 6
    assert count_of(Quantity(1, "g"), Quantity(500, "mg")) == 2
    with pytest.raises(DoseInputError) as err:
        count_of(Quantity(16, "mg"), Quantity(2.5, "mg"))
    assert err.value.parameter == "dose"
    with pytest.raises(DoseInputError):
        count_of(Quantity(16, "mg"), Quantity(0, "mg"))


@pytest.mark.parametrize("n", range(1, 101))
def test_count_of_multiples(n):
    assert count_of(Quantity(2.5, "mg") * n, Quantity(2.5, "mg")) == n


# ---------------------------------------------------------------- display


@pytest.mark.parametrize(
    "q, text",
    [
        (Quantity(1400, "mg"), "1400 mg"),
        (Quantity(2.5, "mg"), "2.5 mg"),
        (Quantity(45.5, "kg"), "45.5 kg"),
        (Quantity(1.81811869, "m**2"), "1.818 m²"),
        (Quantity(54, "year"), "54 year"),
        (Quantity(60, "mL/min/std_bsa"), "60 mL/min/1.73 m²"),
        (Quantity(1.1, "mg/dL"), "1.1 mg/dL"),
    ],
)
def test_fmt(q, text):
    assert fmt(q) == text


@pytest.mark.parametrize("value", [12500, 140000, 200000, 1.5e6])
def test_fmt_never_uses_exponent_notation(value):
    # "2e+05 mg" is how a decimal point gets misread; large doses are written out.
    text = fmt(Quantity(value, "mg"))
    assert "e" not in text.split()[0]
    assert float(text.split()[0]) == pytest.approx(value, rel=1e-3)


def test_rounding_refuses_non_finite():
    with pytest.raises(DoseInputError) as err:
        round_to_step(Quantity(math.nan, "mg"), Quantity(2.5, "mg"))
    assert err.value.parameter == "dose"
    with pytest.raises(DoseInputError) as err:
        count_of(Quantity(math.inf, "mg"), Quantity(2.5, "mg"))
    assert err.value.parameter == "dose"
    with pytest.raises(DoseInputError) as err:
        round_to_step(Quantity(10, "mg"), Quantity(math.nan, "mg"))
    assert err.value.parameter == "step"


def test_quantity_refuses_complex_magnitude():
    with pytest.raises(DoseInputError) as err:
        weight(Quantity(70 + 1j, "kg"))
    assert err.value.parameter == "weight"


@pytest.mark.parametrize("text", ["10 gr", "1 dram", "2 scruple", "5 tsp", "1 tablespoon", "1 cup", "1 t", "3 minim"])
def test_error_prone_units_are_refused(text):
    # "gr" is grain (64.8 mg), not gram: ISMP error-prone abbreviations.
    with pytest.raises(DoseInputError) as info:
        parse_text(text, "dose")
    assert info.value.parameter == "dose"


@pytest.mark.parametrize("value", ["1e19 mg", "1e300 mg"])
def test_counting_absurd_amounts_is_refused_not_a_decimal_error(value):
    with pytest.raises(DoseInputError):
        round_to_step(Quantity(value), Quantity(2.5, "mg"), "down")
    with pytest.raises(DoseInputError):
        count_of(Quantity(value), Quantity(2.5, "mg"))


@pytest.mark.parametrize("text", ["2*10 mg", "40/2 mg", "10 + 10 mg", "5 ft -2 in", "20 mg (8 tablets)", "5 ft 13 in", "5'13\""])
def test_expressions_and_impossible_heights_are_refused(text):
    # pint would evaluate these to a number nobody typed.
    with pytest.raises(DoseInputError):
        parse_text(text, "dose")


@pytest.mark.parametrize("text", ["60 mL/min/(1.73 m2)", "1e-3 g", "5 ft 11.5 in", "375 mg/m2"])
def test_ordinary_notation_still_reads(text):
    assert parse_text(text, "x") is not None


@pytest.mark.parametrize("value, shown", [(24.99, "24.9"), (25.0, "25.0"), (59.96, "59.9"), (29.6, "29.6")])
def test_kidney_values_are_truncated_so_they_never_cross_a_threshold(value, shown):
    from dosing.units import fmt_floor

    assert fmt_floor(Quantity(value, "mL/min/std_bsa")).startswith(shown + " ")


# ---------------------------------------------------------------- issue 6: nothing but DoseInputError escapes


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(Quantity(10**400, "kg"), id="int-past-float-kg"),
        pytest.param(Quantity(10**400, "lb"), id="int-past-float-lb"),
        pytest.param(Quantity(10**5000, "kg"), id="int-past-str-limit"),
        pytest.param(Quantity(Decimal("1e999"), "kg"), id="decimal-past-float"),
        pytest.param(Quantity(np.array([10**400, 1], dtype=object), "kg"), id="object-array"),
        pytest.param(10**5000, id="bare-int-past-str-limit"),
    ],
)
def test_huge_magnitudes_are_refused_not_overflow(value):
    # pint's conversion raised OverflowError ("nothing was verified", exit 4).
    with pytest.raises(DoseInputError) as err:
        weight(value)
    assert err.value.parameter == "weight"


def test_counting_a_huge_int_is_refused_not_overflow():
    for fn in (lambda: round_to_step(Quantity(10**400, "mg"), Quantity(2.5, "mg")), lambda: count_of(Quantity(10**400, "mg"), Quantity(2.5, "mg"))):
        with pytest.raises(DoseInputError) as err:
            fn()
        assert err.value.parameter == "dose"
    with pytest.raises(DoseInputError) as err:
        round_to_step(Quantity(15, "mg"), Quantity(10**400, "mg"))
    assert err.value.parameter == "step"


def test_memo_keeps_the_function_and_its_controls():
    from dosing.units import clear_memos, memo, memo_off

    calls = []

    @memo(maxsize=2)
    def double(x: int, *, plus: int = 0) -> int:
        """Twice x, plus."""
        calls.append(x)
        return 2 * x + plus

    assert double.__name__ == "double" and double.__doc__ == "Twice x, plus."
    assert double(3) == double(3) == 6 and calls == [3]
    assert double(3, plus=1) == 7 and double.cache_info().currsize == 2
    with memo_off():
        assert double(3) == 6 and calls == [3, 3, 3]
    clear_memos()
    assert double.cache_info().currsize == 0


def test_accepted_text_is_read_once_and_refused_text_every_time():
    from dosing.units import _checked_text, memo_off

    first = quantity("150 lb", "weight", "mass", unit="kg", minimum=2.0, maximum=350.0)
    again = quantity("150 lb", "weight", "mass", unit="kg", minimum=2.0, maximum=350.0)
    assert first is not again and first.magnitude == again.magnitude == pytest.approx(68.0388555)
    assert _checked_text.cache_info().hits >= 1
    for _ in range(2):
        with pytest.raises(DoseInputError, match="above the plausible maximum"):
            quantity("900 lb", "weight", "mass", unit="kg", minimum=2.0, maximum=350.0)
    with memo_off():
        reference = quantity("150 lb", "weight", "mass", unit="kg", minimum=2.0, maximum=350.0)
    assert reference.magnitude == first.magnitude and reference.units == first.units


def test_memos_keyed_by_free_text_are_bounded():
    # A year of orders holds ever new texts ("70.3 kg", "12.5 mg weekly"): a memo keyed by them must
    # forget, or a long `dmdose verify` run grows without end (issue 8: memory flat as the input grows).
    from dosing import order, units
    from dosing.input import frequency

    for memoised in (units._read, order._dose_text, frequency._read_frequency):
        assert memoised.cache_info().maxsize is not None, memoised.__name__
