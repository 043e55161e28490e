"""Body size and kidney function against hand-worked values, and their properties."""

from __future__ import annotations

import math

import numpy as np
import pint
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dosing import body
from dosing.body import (
    BSAFormula,
    Sex,
    SexNeededError,
    WeightBasis,
    adjusted_body_weight,
    body_surface_area,
    crcl_value,
    creatinine_clearance,
    creatinine_mg_dl,
    egfr_ckd_epi_2021,
    egfr_value,
    ideal_body_weight,
    weight_kg,
)
from dosing.units import DoseInputError, Quantity

LB_PER_KG = 1 / 0.45359237  # the pound is defined as exactly 0.45359237 kg
CM_PER_IN = 2.54  # the inch is defined as exactly 2.54 cm
UMOL_L_PER_MG_DL = 10_000 / 113.12  # 1 mg/dL = 10 mg/L ÷ 113.12 g/mol = 88.40 µmol/L


def m2(q):
    return q.to("m**2").magnitude


# ---------------------------------------------------------------- BSA, hand-worked (70 kg, 170 cm)


@pytest.mark.parametrize(
    "formula, expected",
    [
        # Mosteller: sqrt(170 × 70 / 3600) = sqrt(3.30556) = 1.8181 m²
        (BSAFormula.MOSTELLER, 1.8181),
        # Du Bois: 0.007184 × 70^0.425 × 170^0.725 = 0.007184 × 6.08368 × 41.40716 = 1.8097 m²
        (BSAFormula.DUBOIS, 1.8097),
        # Haycock: 0.024265 × 70^0.5378 × 170^0.3964 = 0.024265 × 9.82412 × 7.65861 = 1.8257 m²
        (BSAFormula.HAYCOCK, 1.8257),
        # Gehan–George: 0.0235 × 70^0.51456 × 170^0.42246 = 0.0235 × 8.90048 × 8.75539 = 1.8313 m²
        (BSAFormula.GEHAN_GEORGE, 1.8313),
        # Boyd (weight in g): exponent 0.7285 − 0.0188 × log10(70000) = 0.7285 − 0.0188 × 4.84510 = 0.63741;
        # 0.0003207 × 170^0.3 × 70000^0.63741 = 0.0003207 × 4.66804 × 1225.53 = 1.8347 m²
        (BSAFormula.BOYD, 1.8347),
    ],
)
def test_bsa_70kg_170cm(formula, expected):
    assert m2(body_surface_area("70 kg", "170 cm", formula)) == pytest.approx(expected, abs=5e-5)


def test_bsa_published_values():
    # Mosteller: 180 cm, 80 kg → sqrt(180 × 80 / 3600) = sqrt(4) = 2.00 m² exactly.
    assert m2(body_surface_area("80 kg", "180 cm")) == pytest.approx(2.0, abs=1e-12)
    # Du Bois, 60 kg, 160 cm: 0.007184 × 60^0.425 × 160^0.725 = 0.007184 × 5.69789 × 39.62662 = 1.6221 m²
    assert m2(body_surface_area("60 kg", "160 cm", "dubois")) == pytest.approx(1.6221, abs=5e-5)
    # Haycock 1978 validated in children: 20 kg, 110 cm → 0.024265 × 20^0.5378 × 110^0.3964
    # = 0.024265 × 5.00834 × 6.44478 = 0.7832 m²
    assert m2(body_surface_area("20 kg", "110 cm", "haycock")) == pytest.approx(0.7832, abs=5e-5)


def test_bsa_default_is_mosteller_and_formula_names():
    assert body_surface_area("70 kg", "170 cm") == body_surface_area("70 kg", "170 cm", "mosteller")
    assert body_surface_area("70 kg", "170 cm", "Gehan_George") == body_surface_area("70 kg", "170 cm", BSAFormula.GEHAN_GEORGE)
    assert str(body_surface_area("70 kg", "170 cm").units) == "meter ** 2"
    with pytest.raises(DoseInputError) as err:
        body_surface_area("70 kg", "170 cm", "mostellar")
    assert err.value.parameter == "formula"


def test_bsa_from_chart_strings():
    # 154 lb = 69.853 kg; 5 ft 6 in = 167.64 cm → sqrt(167.64 × 69.853 / 3600) = sqrt(3.25283) = 1.8036 m²
    assert m2(body_surface_area("154 lb", "5 ft 6 in")) == pytest.approx(1.8036, abs=5e-5)
    assert body_surface_area("154 lb", "5'6\"") == body_surface_area("154 lb", "5 ft 6 in")


# ---------------------------------------------------------------- ideal and adjusted weight


def test_devine_ibw():
    # male 5 ft 10 in = 70 in → 50 + 2.3 × (70 − 60) = 73 kg
    assert ideal_body_weight("5 ft 10 in", "male").to("kg").magnitude == pytest.approx(73.0, abs=1e-9)
    assert ideal_body_weight("177.8 cm", Sex.MALE).to("kg").magnitude == pytest.approx(73.0, abs=1e-9)
    # female 165 cm = 64.961 in → 45.5 + 2.3 × (64.961 − 60) = 45.5 + 11.409 = 56.909 kg
    assert ideal_body_weight("165 cm", "female").to("kg").magnitude == pytest.approx(56.9094, abs=1e-4)
    # exactly 5 ft: the base weights
    assert ideal_body_weight("60 in", "f").to("kg").magnitude == pytest.approx(45.5)
    assert ideal_body_weight("152.4 cm", "m").to("kg").magnitude == pytest.approx(50.0)


def test_devine_refuses_below_five_feet():
    with pytest.raises(DoseInputError) as err:
        ideal_body_weight("150 cm", "female")
    assert err.value.parameter == "height"


def test_adjusted_body_weight():
    # IBW 73 kg, actual 120 kg → 73 + 0.4 × (120 − 73) = 73 + 18.8 = 91.8 kg
    assert adjusted_body_weight("120 kg", "73 kg").to("kg").magnitude == pytest.approx(91.8)
    # the same in pounds: 264.555 lb ≈ 120 kg
    assert adjusted_body_weight(Quantity(120, "kg").to("lb"), "73 kg").to("kg").magnitude == pytest.approx(91.8)
    with pytest.raises(DoseInputError) as err:
        adjusted_body_weight("120 kg", "73")
    assert err.value.parameter == "ideal_weight"


# ---------------------------------------------------------------- Cockcroft–Gault


def crcl(q):
    return q.value.to("mL/min").magnitude


def test_cockcroft_gault_male():
    # (140 − 60) × 80 / (72 × 1.0) = 6400 / 72 = 88.89 mL/min
    result = creatinine_clearance("60 years", "80 kg", "1.0 mg/dL", "male")
    assert crcl(result) == pytest.approx(88.8889, abs=1e-4)
    assert result.basis is WeightBasis.ACTUAL
    assert result.weight_used == Quantity(80.0, "kg")
    assert "actual" in result.reason


def test_cockcroft_gault_female():
    # 88.889 × 0.85 = 75.556 mL/min
    assert crcl(creatinine_clearance("60 years", "80 kg", "1.0 mg/dL", "female")) == pytest.approx(75.5556, abs=1e-4)


def test_cockcroft_gault_ideal_basis_states_weight():
    # male 5 ft 10 in: IBW 73 kg → (140 − 60) × 73 / 72 = 81.11 mL/min
    result = creatinine_clearance("60 years", "120 kg", "1.0 mg/dL", "male", basis="ideal", height="5 ft 10 in")
    assert crcl(result) == pytest.approx(81.1111, abs=1e-4)
    assert result.basis is WeightBasis.IDEAL
    assert result.weight_used.to("kg").magnitude == pytest.approx(73.0)
    assert "ideal" in result.reason


def test_cockcroft_gault_adjusted_basis_states_weight():
    # IBW 73, actual 120 → AdjBW 91.8 kg → 80 × 91.8 / 72 = 102.0 mL/min
    result = creatinine_clearance("60 years", "120 kg", "1.0 mg/dL", "male", basis=WeightBasis.ADJUSTED, height="177.8 cm")
    assert crcl(result) == pytest.approx(102.0, abs=1e-4)
    assert result.basis is WeightBasis.ADJUSTED
    assert result.weight_used.to("kg").magnitude == pytest.approx(91.8)
    assert "adjusted" in result.reason


def test_cockcroft_gault_basis_needs_height_and_a_known_name():
    with pytest.raises(DoseInputError) as err:
        creatinine_clearance("60 years", "80 kg", "1.0 mg/dL", "male", basis="ideal")
    assert err.value.parameter == "height"
    with pytest.raises(DoseInputError) as err:
        creatinine_clearance("60 years", "80 kg", "1.0 mg/dL", "male", basis="lean", height="170 cm")
    assert err.value.parameter == "basis"
    # case is not a reason to refuse
    assert creatinine_clearance("60 years", "80 kg", "1.0 mg/dL", "male", basis="Ideal", height="170 cm").basis is WeightBasis.IDEAL


def test_cockcroft_gault_creatinine_in_umol_per_litre():
    # 88.4 µmol/L × 113.12 g/mol = 0.99998 mg/dL → 80 × 80 / (72 × 0.99998) = 88.891 mL/min
    result = creatinine_clearance("60 years", "80 kg", "88.4 umol/L", "male")
    assert crcl(result) == pytest.approx(88.8889, rel=1e-4)
    assert crcl(result) == pytest.approx(6400 / (72 * 88.4 * 113.12 / 10_000), rel=1e-12)


def test_cockcroft_gault_pounds_and_months():
    # 176.37 lb = 80 kg, 720 months = 60 years
    result = creatinine_clearance("720 months", Quantity(80, "kg").to("lb"), "1.0 mg/dL", "m")
    assert crcl(result) == pytest.approx(88.8889, abs=1e-4)


# ---------------------------------------------------------------- CKD-EPI 2021


def egfr(q):
    return q.to("mL/min/std_bsa").magnitude


@pytest.mark.parametrize(
    "scr, age, sex, expected",
    [
        # female 50 y, SCr 0.7 = κ: 142 × 1 × 1 × 0.9938^50 × 1.012 = 142 × 0.732740 × 1.012 = 105.30
        ("0.7 mg/dL", 50, "female", 105.2976),
        # male 60 y, SCr 1.0 > κ 0.9: 142 × (1.0/0.9)^−1.200 × 0.9938^60 = 142 × 0.881234 × 0.688556 = 86.16
        ("1.0 mg/dL", 60, "male", 86.1626),
        # female 60 y, SCr 1.0 > κ 0.7: 142 × (1.0/0.7)^−1.200 × 0.9938^60 × 1.012 = 64.50
        ("1.0 mg/dL", 60, "female", 64.4950),
        # male 40 y, SCr 0.7 < κ 0.9: 142 × (0.7/0.9)^−0.302 × 0.9938^40 = 142 × 1.078851 × 0.779758 = 119.46
        ("0.7 mg/dL", 40, "male", 119.4565),
    ],
)
def test_ckd_epi_2021(scr, age, sex, expected):
    assert egfr(egfr_ckd_epi_2021(scr, f"{age} years", sex)) == pytest.approx(expected, abs=1e-3)


def test_ckd_epi_unit_and_umol():
    result = egfr_ckd_epi_2021("88.4 umol/L", "60 years", "male")  # 0.99998 mg/dL
    assert result.is_compatible_with("mL/min/m**2")
    assert egfr(result) == pytest.approx(86.16, abs=0.01)


def test_creatinine_conversion():
    # 97 µmol/L × 113.12 g/mol = 97e-6 × 113.12 g/L = 0.010973 g/L = 1.0973 mg/dL
    assert creatinine_mg_dl("97 umol/L").magnitude == pytest.approx(1.097264, abs=1e-9)
    assert creatinine_mg_dl("97 µmol/L") == creatinine_mg_dl("0.097 mmol/L")
    assert creatinine_mg_dl("1.1 mg/dL") == Quantity(1.1, "mg/dL")
    # a quantity from another pint registry is rebuilt, not refused with a pint error
    other = pint.UnitRegistry()
    assert creatinine_mg_dl(other.Quantity(97, "umol/L")).magnitude == pytest.approx(1.097264)


def test_given_egfr_and_crcl():
    assert egfr_value("60 mL/min/1.73m2") == Quantity(60.0, "mL/min/std_bsa")
    assert egfr_value("0 mL/min/1.73 m²").magnitude == 0
    assert crcl_value("45 mL/min") == Quantity(45.0, "mL/min")
    for bad in ("60", "60 mL/min", "300 mL/min/1.73m2", "-1 mL/min/1.73m2", "nan mL/min/1.73m2"):
        with pytest.raises(DoseInputError) as err:
            egfr_value(bad)
        assert err.value.parameter == "egfr"
    for bad in ("60", "60 mL/min/1.73m2", "300 mL/min", 45):
        with pytest.raises(DoseInputError) as err:
            crcl_value(bad)
        assert err.value.parameter == "creatinine_clearance"


def test_adult_only_equations_refuse_children():
    with pytest.raises(DoseInputError) as err:
        creatinine_clearance("17 years", "60 kg", "0.8 mg/dL", "female")
    assert err.value.parameter == "age"
    with pytest.raises(DoseInputError) as err:
        egfr_ckd_epi_2021("0.8 mg/dL", "17.9 years", "female")
    assert err.value.parameter == "age"
    # 18 is adult
    creatinine_clearance("18 years", "60 kg", "0.8 mg/dL", "female")
    egfr_ckd_epi_2021("0.8 mg/dL", "18 years", "female")


def test_sex_parse():
    # parse is the equations' reader: female or male only
    assert Sex.parse("F") is Sex.FEMALE and Sex.parse(" Male ") is Sex.MALE and Sex.parse(Sex.MALE) is Sex.MALE
    for bad in ("x", "", None, 1, "unknown", Sex.UNKNOWN, Sex.OTHER, "unknown sex"):
        with pytest.raises(DoseInputError) as err:
            Sex.parse(bad)
        assert err.value.parameter == "sex"


def test_sex_read_accepts_unknown_and_other_but_not_blank():
    assert Sex.read("unknown") is Sex.UNKNOWN and Sex.read("U") is Sex.UNKNOWN and Sex.read("not recorded") is Sex.UNKNOWN
    assert Sex.read("other") is Sex.OTHER and Sex.read("X") is Sex.OTHER and Sex.read("O") is Sex.OTHER
    for bad in ("", "  ", None, 1, "unknown sex", "?"):
        with pytest.raises(DoseInputError) as err:
            Sex.read(bad)
        assert err.value.parameter == "sex"
    with pytest.raises(SexNeededError):
        Sex.parse("unknown")


@pytest.mark.parametrize("sex", ["unknown", "other", Sex.UNKNOWN, Sex.OTHER])
def test_sex_specific_equations_raise_sex_needed(sex):
    # Devine IBW, Cockcroft–Gault (every weight basis: the 0.85 female factor), CKD-EPI 2021
    calls = [
        ("Devine ideal body weight", lambda: ideal_body_weight("170 cm", sex)),
        ("Cockcroft–Gault", lambda: creatinine_clearance("50 years", "70 kg", "1 mg/dL", sex)),
        ("Cockcroft–Gault", lambda: creatinine_clearance("50 years", "70 kg", "1 mg/dL", sex, basis="ideal", height="170 cm")),
        ("CKD-EPI 2021", lambda: egfr_ckd_epi_2021("1 mg/dL", "50 years", sex)),
    ]
    for equation, call in calls:
        with pytest.raises(SexNeededError) as err:
            call()
        assert err.value.parameter == "sex" and err.value.equation == equation
        assert isinstance(err.value, DoseInputError)
    # sex-free equations are unaffected
    assert body_surface_area("70 kg", "170 cm").magnitude > 0


# ---------------------------------------------------------------- hypothesis: unit invariance

WEIGHTS = st.floats(2.5, 340)
HEIGHTS = st.floats(41, 249)
ADULT_HEIGHTS = st.floats(153, 249)  # Devine starts at 5 ft (152.4 cm)
AGES = st.floats(18, 119)
SCR = st.floats(0.11, 24.9)
SEXES = st.sampled_from(["female", "male"])
FORMULAS = st.sampled_from(list(BSAFormula))


@settings(max_examples=120)
@given(WEIGHTS, HEIGHTS, FORMULAS)
def test_bsa_same_in_kg_lb_cm_in(w, h, formula):
    metric = body_surface_area(Quantity(w, "kg"), Quantity(h, "cm"), formula)
    imperial = body_surface_area(Quantity(w * LB_PER_KG, "lb"), Quantity(h / CM_PER_IN, "in"), formula)
    text = body_surface_area(f"{w!r} kg", f"{h!r} cm", formula)
    assert m2(imperial) == pytest.approx(m2(metric), rel=1e-9)
    assert text == metric


@settings(max_examples=150)
@given(ADULT_HEIGHTS, SEXES)
def test_ibw_same_in_cm_and_in(h, sex):
    metric = ideal_body_weight(Quantity(h, "cm"), sex).to("kg").magnitude
    imperial = ideal_body_weight(Quantity(h / CM_PER_IN, "in"), sex).to("kg").magnitude
    assert imperial == pytest.approx(metric, rel=1e-9)


@settings(max_examples=100)
@given(AGES, WEIGHTS, SCR, SEXES, ADULT_HEIGHTS, st.sampled_from(list(WeightBasis)))
def test_crcl_same_in_any_units(age, w, scr, sex, h, basis):
    metric = creatinine_clearance(Quantity(age, "year"), Quantity(w, "kg"), Quantity(scr, "mg/dL"), sex, basis=basis, height=Quantity(h, "cm"))
    other = creatinine_clearance(
        Quantity(age * 12, "month"),
        Quantity(w * LB_PER_KG, "lb"),
        Quantity(scr * UMOL_L_PER_MG_DL, "umol/L"),
        sex,
        basis=basis,
        height=Quantity(h / CM_PER_IN, "in"),
    )
    assert crcl(other) == pytest.approx(crcl(metric), rel=1e-9)
    assert other.weight_used.to("kg").magnitude == pytest.approx(metric.weight_used.to("kg").magnitude, rel=1e-9)


@settings(max_examples=100)
@given(SCR, AGES, SEXES)
def test_egfr_same_in_mg_dl_and_umol_l(scr, age, sex):
    metric = egfr_ckd_epi_2021(Quantity(scr, "mg/dL"), Quantity(age, "year"), sex)
    si = egfr_ckd_epi_2021(Quantity(scr * UMOL_L_PER_MG_DL, "umol/L"), Quantity(age * 12, "month"), sex)
    assert egfr(si) == pytest.approx(egfr(metric), rel=1e-9)


# ---------------------------------------------------------------- hypothesis: monotonicity


@settings(max_examples=120)
@given(WEIGHTS, WEIGHTS, HEIGHTS, FORMULAS)
def test_bsa_increases_with_weight(w1, w2, h, formula):
    lo, hi = sorted((w1, w2))
    assume(hi - lo > 1e-6)
    assert m2(body_surface_area(Quantity(lo, "kg"), Quantity(h, "cm"), formula)) < m2(
        body_surface_area(Quantity(hi, "kg"), Quantity(h, "cm"), formula)
    )


@settings(max_examples=120)
@given(WEIGHTS, HEIGHTS, HEIGHTS, FORMULAS)
def test_bsa_increases_with_height(w, h1, h2, formula):
    lo, hi = sorted((h1, h2))
    assume(hi - lo > 1e-6)
    assert m2(body_surface_area(Quantity(w, "kg"), Quantity(lo, "cm"), formula)) < m2(
        body_surface_area(Quantity(w, "kg"), Quantity(hi, "cm"), formula)
    )


def test_bsa_monotonic_over_whole_plausible_grid():
    # The exponent of Boyd's formula falls with weight; check monotonicity densely over 2–350 kg, 40–250 cm.
    w = np.linspace(2, 350, 400)
    h = np.linspace(40, 250, 300)
    for formula in BSAFormula:
        by_w = body._bsa_m2(w[:, None], h[None, :], formula)
        assert np.all(np.diff(by_w, axis=0) > 0), formula
        assert np.all(np.diff(by_w, axis=1) > 0), formula


@settings(max_examples=100)
@given(AGES, WEIGHTS, SCR, SCR, SEXES)
def test_crcl_decreases_with_creatinine(age, w, s1, s2, sex):
    lo, hi = sorted((s1, s2))
    assume(hi - lo > 1e-6)
    a, wt = Quantity(age, "year"), Quantity(w, "kg")
    assert crcl(creatinine_clearance(a, wt, Quantity(hi, "mg/dL"), sex)) < crcl(creatinine_clearance(a, wt, Quantity(lo, "mg/dL"), sex))


@settings(max_examples=100)
@given(AGES, AGES, WEIGHTS, SCR, SEXES)
def test_crcl_decreases_with_age(a1, a2, w, scr, sex):
    lo, hi = sorted((a1, a2))
    assume(hi - lo > 1e-6)
    wt, s = Quantity(w, "kg"), Quantity(scr, "mg/dL")
    assert crcl(creatinine_clearance(Quantity(hi, "year"), wt, s, sex)) < crcl(creatinine_clearance(Quantity(lo, "year"), wt, s, sex))


@settings(max_examples=100)
@given(AGES, WEIGHTS, WEIGHTS, SCR, SEXES)
def test_crcl_increases_with_weight(age, w1, w2, scr, sex):
    lo, hi = sorted((w1, w2))
    assume(hi - lo > 1e-6)
    a, s = Quantity(age, "year"), Quantity(scr, "mg/dL")
    assert crcl(creatinine_clearance(a, Quantity(lo, "kg"), s, sex)) < crcl(creatinine_clearance(a, Quantity(hi, "kg"), s, sex))


@settings(max_examples=100)
@given(SCR, SCR, AGES, SEXES)
def test_egfr_decreases_with_creatinine(s1, s2, age, sex):
    lo, hi = sorted((s1, s2))
    assume(hi - lo > 1e-6)
    a = Quantity(age, "year")
    assert egfr(egfr_ckd_epi_2021(Quantity(hi, "mg/dL"), a, sex)) < egfr(egfr_ckd_epi_2021(Quantity(lo, "mg/dL"), a, sex))


@settings(max_examples=120)
@given(SCR, AGES, AGES, SEXES)
def test_egfr_decreases_with_age(scr, a1, a2, sex):
    lo, hi = sorted((a1, a2))
    assume(hi - lo > 1e-6)
    s = Quantity(scr, "mg/dL")
    assert egfr(egfr_ckd_epi_2021(s, Quantity(hi, "year"), sex)) < egfr(egfr_ckd_epi_2021(s, Quantity(lo, "year"), sex))


# ---------------------------------------------------------------- hypothesis: bad input always raises, naming the parameter

BARE_NUMBERS = st.one_of(
    st.integers(-10, 500),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.floats(1, 300).map(np.float64),
    st.integers(1, 300).map(np.int64),
    st.floats(1, 300).map(repr),  # "70.0" as text, still unitless
)
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])


def bad_weight():
    return st.one_of(
        BARE_NUMBERS,
        st.sampled_from(["170 cm", "70 L", "70 mg/kg", "70 year", "70 tablets", "70 mL/min"]),
        st.floats(max_value=0, allow_nan=False).map(lambda v: Quantity(v, "kg")),
        NON_FINITE.map(lambda v: Quantity(v, "kg")),
        st.floats(0, 1.999, exclude_min=True).map(lambda v: Quantity(v, "kg")),
        st.floats(350.001, 1e6).map(lambda v: Quantity(v, "kg")),
        st.floats(351 * LB_PER_KG, 1e6).map(lambda v: Quantity(v, "lb")),
    )


def bad_height():
    return st.one_of(
        BARE_NUMBERS,
        st.sampled_from(["70 kg", "170 cm**2", "5 ft 6 kg", "170 mL", "170 year"]),
        st.floats(max_value=0, allow_nan=False).map(lambda v: Quantity(v, "cm")),
        NON_FINITE.map(lambda v: Quantity(v, "cm")),
        st.floats(0, 39.99, exclude_min=True).map(lambda v: Quantity(v, "cm")),
        st.floats(250.01, 1e6).map(lambda v: Quantity(v, "cm")),
        st.floats(9, 1e4).map(lambda v: Quantity(v, "ft")),  # 9 ft = 274 cm
    )


def bad_age():
    return st.one_of(
        BARE_NUMBERS,
        st.sampled_from(["54 kg", "54 cm", "54 mg/dL"]),
        st.floats(max_value=-1e-9, allow_nan=False).map(lambda v: Quantity(v, "year")),
        NON_FINITE.map(lambda v: Quantity(v, "year")),
        st.floats(120.001, 1e6).map(lambda v: Quantity(v, "year")),
    )


def bad_creatinine():
    return st.one_of(
        BARE_NUMBERS,
        st.sampled_from(["1.1 mg", "1.1 mmol", "1.1 mg/kg", "1.1 kg", "1.1 mL/min"]),
        st.floats(max_value=0, allow_nan=False).map(lambda v: Quantity(v, "mg/dL")),
        st.floats(max_value=0, allow_nan=False).map(lambda v: Quantity(v, "umol/L")),
        NON_FINITE.map(lambda v: Quantity(v, "umol/L")),
        st.floats(0, 0.0999, exclude_min=True).map(lambda v: Quantity(v, "mg/dL")),
        st.floats(25.001, 1e6).map(lambda v: Quantity(v, "mg/dL")),
        st.floats(2300, 1e7).map(lambda v: Quantity(v, "umol/L")),  # > 25 mg/dL
    )


def raises_naming(parameter, call, *args, **kwargs):
    with pytest.raises(DoseInputError) as err:
        call(*args, **kwargs)
    assert err.value.parameter == parameter, err.value


@settings(max_examples=150)
@given(bad_weight(), FORMULAS)
def test_bad_weight_always_refused(w, formula):
    raises_naming("weight", body_surface_area, w, "170 cm", formula)
    raises_naming("weight", weight_kg, w)
    raises_naming("weight", creatinine_clearance, "60 years", w, "1 mg/dL", "male")
    raises_naming("weight", adjusted_body_weight, w, "70 kg")


@settings(max_examples=150)
@given(bad_height(), FORMULAS)
def test_bad_height_always_refused(h, formula):
    raises_naming("height", body_surface_area, "70 kg", h, formula)
    raises_naming("height", ideal_body_weight, h, "female")
    raises_naming("height", creatinine_clearance, "60 years", "70 kg", "1 mg/dL", "male", basis="ideal", height=h)


@settings(max_examples=120)
@given(bad_age())
def test_bad_age_always_refused(age):
    raises_naming("age", creatinine_clearance, age, "70 kg", "1 mg/dL", "male")
    raises_naming("age", egfr_ckd_epi_2021, "1 mg/dL", age, "female")


@settings(max_examples=150)
@given(bad_creatinine())
def test_bad_creatinine_always_refused(scr):
    raises_naming("serum_creatinine", creatinine_mg_dl, scr)
    raises_naming("serum_creatinine", creatinine_clearance, "60 years", "70 kg", scr, "male")
    raises_naming("serum_creatinine", egfr_ckd_epi_2021, scr, "60 years", "female")


@settings(max_examples=120)
@given(st.floats(0, 17.99), SEXES)
def test_children_refused_by_adult_equations(age, sex):
    raises_naming("age", creatinine_clearance, Quantity(age, "year"), "40 kg", "0.5 mg/dL", sex)
    raises_naming("age", egfr_ckd_epi_2021, "0.5 mg/dL", Quantity(age, "year"), sex)


# ---------------------------------------------------------------- the scalar kernels (issue 8)


def _bits(values):
    return np.asarray(values, dtype=float).view(np.int64)


def test_scalar_ibw_is_the_array_kernel_to_the_last_bit():
    # One float goes through plain float arithmetic; the batch path through numpy: both round the same way.
    rng = np.random.default_rng(8)
    heights = np.concatenate([rng.uniform(152.4, 250.0, 20000), np.arange(152.4, 250.0, 0.01), np.arange(60.0, 99.0, 0.01) * 2.54])
    for male in (False, True):
        array = body.ideal_body_weight_kg(heights, np.full(heights.shape, male))
        scalar = [body.ideal_body_weight_kg(float(h), male) for h in heights]
        assert all(type(s) is float for s in scalar[:10])
        assert (_bits(array) == _bits(scalar)).all()


def test_scalar_ibw_refuses_below_five_feet_as_the_array_kernel():
    with pytest.raises(DoseInputError, match=r"height: .*152.4 cm\); got 150.0 cm"):
        body.ideal_body_weight_kg(150.0, True)
    with pytest.raises(DoseInputError, match=r"heights\[1\]: .*got 150.0 cm"):
        body.ideal_body_weight_kg(np.array([160.0, 150.0]), np.array([True, True]), parameter="heights")


def test_scalar_above_fraction_of_ibw_is_the_array_kernel():
    rng = np.random.default_rng(10)
    actual = np.concatenate([rng.uniform(2.0, 350.0, 20000), np.round(1.2 * np.arange(45.5, 140.0, 0.1), 6)])
    ibw = np.concatenate([rng.uniform(45.5, 140.0, 20000), np.arange(45.5, 140.0, 0.1)])
    array = body.above_fraction_of_ibw(actual, ibw, 1.2)
    scalar = [body.above_fraction_of_ibw(float(a), float(i), 1.2) for a, i in zip(actual, ibw)]
    assert all(type(s) is np.bool_ for s in scalar[:10])
    assert list(array) == scalar
    assert not body.above_fraction_of_ibw(68.4, 57.0, 1.2)  # exactly 120 %


@pytest.mark.parametrize("formula", list(BSAFormula))
def test_bsa_m2_is_the_array_kernel_to_the_last_bit(formula):
    rng = np.random.default_rng(12)
    w, h = rng.uniform(2.0, 350.0, 5000), rng.uniform(40.0, 250.0, 5000)
    array = body._bsa_m2(w, h, formula)
    scalar = [body.bsa_m2(float(a), float(b), formula) for a, b in zip(w, h)]
    assert (_bits(array) == _bits(scalar)).all()


def test_float_kernels_are_the_quantity_functions():
    assert body.ckd_epi_2021(1.0, 54.0, True) == egfr_ckd_epi_2021("1.0 mg/dL", "54 years", "female").magnitude
    cg = body.cockcroft_gault(54.0, 120.0, 1.0, "male", "adjusted", lambda sex, basis: body.ideal_body_weight_kg(170.0, True))
    assert cg == creatinine_clearance("54 years", "120 kg", "1.0 mg/dL", "male", basis="adjusted", height="170 cm")
    with pytest.raises(DoseInputError, match="age: CKD-EPI 2021 is validated for adults"):
        body.require_adult_years(17.0, "CKD-EPI 2021")
