"""Methotrexate: weekly-only, caps, kidney bands, 2.5 mg steps, split dosing, folic acid, order checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing.drugs.methotrexate import (
    CAP_MG,
    OVERRIDE_CAP_MG,
    calculate_methotrexate,
    check_order,
    folic_acid_plan,
    mg_to_tablets,
    mg_to_volume,
    renal_dose_factor,
    tablets_to_mg,
    volume_to_mg,
    weekly_dose_mg,
    weekly_dose_mg_from_bsa,
)
from dosing.findings import Severity
from dosing.input.frequency import Frequency
from dosing.order import Order, Route
from dosing.patient import Patient
from dosing.serialize import jsonable
from dosing.units import DoseInputError, Quantity
from dosing.verdict import Status, status_of

LB_PER_KG = 1 / 0.45359237


def mg(q):
    return q.to("mg").magnitude


def rule_ids(findings):
    return {f.rule_id for f in findings}


def severity_of(findings, rule_id):
    matches = [f.severity for f in findings if f.rule_id == rule_id]
    assert matches, f"{rule_id} missing from {sorted(rule_ids(findings))}"
    return matches[0]


def patient(weight="64.8 kg", height="180 cm", age="40 years", sex="male", scr="1.0 mg/dL", **kw):
    return Patient(weight, height, age, sex, serum_creatinine=scr, **kw)


# BSA (Mosteller) = sqrt(cm × kg / 3600):
#   180 cm × 64.8 kg = 11664 → /3600 = 3.24 → 1.80 m²
#   150 cm × 54 kg   =  8100 → /3600 = 2.25 → 1.50 m²
BSA_180 = dict(weight="64.8 kg", height="180 cm")
BSA_150 = dict(weight="54 kg", height="150 cm")
# Cockcroft–Gault, male, 40 years, 72 kg: (140 − 40) × 72 / (72 × SCr) = 100 / SCr mL/min.
CG_MALE = dict(weight="72 kg", height="175 cm", age="40 years", sex="male")


# ---------------------------------------------------------------- conversions


def test_six_tablets_is_15_mg():
    # 6 tablets × 2.5 mg = 15 mg: the plan's current dose.
    assert mg(tablets_to_mg("6 tablets")) == 15.0
    assert mg(tablets_to_mg(Quantity(6, "tablet"))) == 15.0
    assert mg_to_tablets("15 mg") == 6
    assert mg_to_tablets("0.025 g") == 10


def test_fractional_tablet_mg_raises():
    with pytest.raises(DoseInputError) as err:
        mg_to_tablets("16 mg")
    assert err.value.parameter == "dose"


def test_syringe_conversion():
    # 25 mg/mL: 0.8 mL = 20 mg; 22.5 mg = 0.9 mL; 0.6 mL = 15 mg (0.6 × 25 is float-exact here, but round-trips anyway)
    assert mg(volume_to_mg("0.8 mL")) == 20.0
    assert mg(volume_to_mg("0.6 mL")) == 15.0
    assert mg_to_volume("22.5 mg").to("mL").magnitude == 0.9


@pytest.mark.parametrize(
    "convert, bad, parameter",
    [
        (mg_to_volume, "1e30 mg", "dose"),  # was decimal.InvalidOperation
        (mg_to_tablets, "1e30 mg", "dose"),  # was decimal.InvalidOperation
        (tablets_to_mg, "1e308 tablets", "tablets"),  # was inf mg
        (volume_to_mg, "1e308 mL", "volume"),
        (volume_to_mg, "1e-12 mL", "volume"),  # was 0 mg
        (mg_to_volume, "40001 mg", "dose"),  # above the largest labelled (oncologic) dose, ~37.5 g
    ],
)
def test_conversions_refuse_absurd_amounts(convert, bad, parameter):
    with pytest.raises(DoseInputError) as err:
        convert(bad)
    assert err.value.parameter == parameter


def test_conversions_at_the_plausible_maximum():
    # 40 g = 16000 tablets = 1600 mL of 25 mg/mL: the edge still converts exactly
    assert mg_to_tablets("40000 mg") == 16000
    assert mg_to_volume("40000 mg").to("mL").magnitude == 1600.0


@pytest.mark.parametrize("bad", [6, "6 mg", "6 capsules", "-6 tablets", "nan tablets", None])
def test_tablets_to_mg_refuses_non_tablets(bad):
    with pytest.raises(DoseInputError):
        tablets_to_mg(bad)


# ---------------------------------------------------------------- pure helper


def test_helper_hand_worked():
    # 1.80 m² × 15 mg/m² = 27 mg → cap 25 mg → 10 steps of 2.5 mg
    assert weekly_dose_mg_from_bsa(1.80, 15.0) == 25.0
    # 1.50 m² × 15 mg/m² = 22.5 mg → exactly 9 steps
    assert weekly_dose_mg_from_bsa(1.50, 15.0) == 22.5
    # 1.40 m² × 15 = 21 mg → rounded DOWN to 20 mg
    assert weekly_dose_mg_from_bsa(1.40, 15.0) == 20.0
    # with override cap 30: 1.80 × 20 = 36 → 30
    assert weekly_dose_mg_from_bsa(1.80, 20.0, cap_mg=30.0) == 30.0
    # renal × 0.5: min(27, 25) = 25 × 0.5 = 12.5 mg (5 steps)
    assert weekly_dose_mg_from_bsa(1.80, 15.0, renal_factor=0.5) == 12.5
    # 22.5 × 0.5 = 11.25 → rounded DOWN to 10 mg
    assert weekly_dose_mg_from_bsa(1.50, 15.0, renal_factor=0.5) == 10.0


@pytest.mark.parametrize(
    "target",
    [
        np.array([20 + 1j]),  # was silently 20 mg (imaginary part dropped)
        [20 + 1j],
        np.array(["20"], dtype=object),  # was read as 20 mg
        ["20"],
        np.array([True]),
        [Quantity(20, "mg")],
    ],
)
def test_helper_refuses_non_real_magnitudes(target):
    with pytest.raises(DoseInputError) as err:
        weekly_dose_mg(target)
    assert err.value.parameter == "target_mg"


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(target_mg=2.0),  # 2 mg < one 2.5 mg step: was 0.0 mg
        dict(target_mg=4.0, renal_factor=0.5),  # 2 mg after renal halving
        dict(target_mg=20.0, cap_mg=1.0),
        dict(target_mg=20.0, step_mg=100.0),
        dict(target_mg=np.array([20.0, 2.0])),  # one patient in a batch
    ],
)
def test_helper_never_returns_zero_mg(kwargs):
    with pytest.raises(DoseInputError) as err:
        weekly_dose_mg(**kwargs)
    assert err.value.parameter == "target_mg"


def test_helper_exact_numbers_still_accepted():
    # ints, numpy floats and Decimals are real numbers
    from decimal import Decimal

    assert weekly_dose_mg(20) == 20.0
    assert weekly_dose_mg(np.float32(22.5)) == 22.5
    assert weekly_dose_mg(Decimal("21")) == 20.0


def test_helper_float_noise_does_not_lose_a_step():
    assert weekly_dose_mg(14.999999999999998) == 15.0
    assert weekly_dose_mg(0.1 * 3 * 50) == 15.0  # 15.000000000000002


def test_helper_on_arrays():
    bsa = np.array([1.0, 1.5, 1.8, 2.2])
    out = weekly_dose_mg_from_bsa(bsa, 15.0)
    # 15, 22.5, 27 → 25, 33 → 25
    assert out.tolist() == [15.0, 22.5, 25.0, 25.0]


@pytest.mark.parametrize(
    "kwargs, parameter",
    [
        (dict(bsa_m2=float("nan"), mg_per_m2=15.0), "bsa_m2"),
        (dict(bsa_m2=-1.5, mg_per_m2=15.0), "bsa_m2"),
        (dict(bsa_m2=np.array([1.5, 0.0]), mg_per_m2=15.0), "bsa_m2"),
        (dict(bsa_m2=Quantity(1.5, "m**2"), mg_per_m2=15.0), "bsa_m2"),
        (dict(bsa_m2="1.5", mg_per_m2=15.0), "bsa_m2"),
        (dict(bsa_m2=1.5, mg_per_m2=25.0), "mg_per_m2"),
        (dict(bsa_m2=1.5, mg_per_m2=10.0), "mg_per_m2"),
        (dict(bsa_m2=1.5, mg_per_m2=15.0, cap_mg=35.0), "cap_mg"),
        (dict(bsa_m2=1.5, mg_per_m2=15.0, renal_factor=2.0), "renal_factor"),
        (dict(bsa_m2=1.5, mg_per_m2=15.0, renal_factor=0.0), "renal_factor"),
        (dict(bsa_m2=1.5, mg_per_m2=15.0, cap_mg=np.array([25.0, 30.0])), "cap_mg"),
    ],
)
def test_helper_bad_inputs_raise(kwargs, parameter):
    with pytest.raises(DoseInputError) as err:
        weekly_dose_mg_from_bsa(**kwargs)
    assert err.value.parameter == parameter


@settings(max_examples=300)
@given(
    bsa=st.floats(0.2, 3.5),
    per_m2=st.floats(15.0, 20.0),
    cap=st.sampled_from([CAP_MG, OVERRIDE_CAP_MG]),
    factor=st.sampled_from([1.0, 0.5]),
)
def test_helper_never_exceeds_target_cap_or_renal_limit(bsa, per_m2, cap, factor):
    if bsa * per_m2 * factor < 2.5 - 1e-9:
        # less than one 2.5 mg step: refused, never 0 mg
        with pytest.raises(DoseInputError) as err:
            weekly_dose_mg_from_bsa(bsa, per_m2, cap_mg=cap, renal_factor=factor)
        assert err.value.parameter == "target_mg"
        return
    dose = weekly_dose_mg_from_bsa(bsa, per_m2, cap_mg=cap, renal_factor=factor)
    limit = (cap if factor == 1.0 else CAP_MG) * factor  # an override never raises the renal maximum (12.5 mg)
    assert dose <= limit + 1e-9
    assert dose <= bsa * per_m2 * factor + 1e-6
    assert dose / 2.5 == math.floor(dose / 2.5)  # a whole 2.5 mg step
    assert dose > bsa * per_m2 * factor - 2.5 - 1e-6 or dose == limit  # no more than one step lost


@settings(max_examples=200)
@given(a=st.floats(0.17, 3.5), b=st.floats(0.17, 3.5), per_m2=st.floats(15.0, 20.0))  # 0.17 m² × 15 = 2.55 mg ≥ one step
def test_helper_monotonic_in_bsa(a, b, per_m2):
    lo, hi = sorted((a, b))
    assert weekly_dose_mg_from_bsa(lo, per_m2) <= weekly_dose_mg_from_bsa(hi, per_m2)


@pytest.mark.parametrize("crcl, factor", [(0.0, None), (29.9, None), (30.0, 0.5), (59.9, 0.5), (60.0, 1.0), (120.0, 1.0)])
def test_renal_factor_bands(crcl, factor):
    assert renal_dose_factor(crcl) == factor


@pytest.mark.parametrize("bad", [float("nan"), -1.0, "45", Quantity(45, "mL/min")])
def test_renal_factor_bad_inputs(bad):
    with pytest.raises(DoseInputError):
        renal_dose_factor(bad)


# ---------------------------------------------------------------- calculator: hand-worked


def test_bsa_1_80_is_capped_at_25_mg_10_tablets():
    # 1.80 m² × 15 mg/m² = 27 mg > 25 mg cap → 25 mg = 10 × 2.5 mg tablets
    plan = calculate_methotrexate(patient(**BSA_180))
    assert plan.bsa.magnitude == pytest.approx(1.80)
    assert mg(plan.target_dose) == pytest.approx(27.0)
    assert mg(plan.weekly_dose) == 25.0
    assert plan.tablets == 10
    assert plan.volume is None
    assert "capped at 25 mg" in plan.rounding
    assert "mtx.capped" in rule_ids(plan.findings)
    assert plan.frequency.startswith("once weekly")


def test_bsa_1_50_is_22_5_mg_9_tablets_split_5_and_4():
    # 1.50 m² × 15 mg/m² = 22.5 mg = 9 tablets; split odd count → 5 (morning) + 4 (evening)
    plan = calculate_methotrexate(patient(**BSA_150), split=True)
    assert mg(plan.weekly_dose) == 22.5
    assert plan.tablets == 9
    morning, evening = plan.split
    assert (morning.when, morning.tablets, mg(morning.dose)) == ("morning", 5, 12.5)
    assert (evening.when, evening.tablets, mg(evening.dose)) == ("evening", 4, 10.0)
    assert "larger part first" in next(f.message for f in plan.findings if f.rule_id == "mtx.split")


def test_subcutaneous_plan_volume():
    # 1.50 m² × 15 = 22.5 mg ÷ 25 mg/mL = 0.9 mL
    plan = calculate_methotrexate(patient(**BSA_150), route="sc")
    assert plan.route is Route.SUBCUTANEOUS
    assert plan.tablets is None
    assert plan.volume.to("mL").magnitude == 0.9
    assert "mtx.sc-preferred" not in rule_ids(plan.findings)


def test_subcutaneous_split_in_0_1_ml_steps():
    # 22.5 mg = 9 × 0.1 mL → 0.5 mL (12.5 mg) + 0.4 mL (10 mg)
    plan = calculate_methotrexate(patient(**BSA_150), route="subcutaneous", split=True)
    assert [p.volume.to("mL").magnitude for p in plan.split] == [0.5, 0.4]
    assert sum(mg(p.dose) for p in plan.split) == 22.5


def test_fixed_mode_and_rounding_down():
    assert mg(calculate_methotrexate(patient(), mode="fixed").weekly_dose) == 20.0  # default 20 mg = 8 tablets
    plan = calculate_methotrexate(patient(), mode="fixed", fixed_dose="21 mg")
    assert mg(plan.weekly_dose) == 20.0  # 21 mg is not a 2.5 mg step: rounded DOWN
    assert "rounded DOWN" in plan.rounding


def test_fixed_30_mg_needs_override():
    with pytest.raises(DoseInputError) as err:
        calculate_methotrexate(patient(), mode="fixed", fixed_dose="30 mg")
    assert err.value.parameter == "fixed_dose" and "override_reason" in err.value.problem
    plan = calculate_methotrexate(patient(), mode="fixed", fixed_dose="30 mg", override_reason="refractory, tolerating 25 mg")
    assert mg(plan.weekly_dose) == 30.0
    assert severity_of(plan.findings, "mtx.above-cap-override") is Severity.MAJOR
    with pytest.raises(DoseInputError):
        calculate_methotrexate(patient(), mode="fixed", fixed_dose="32.5 mg", override_reason="any")


def test_bsa_override_raises_cap_to_30():
    # 1.80 m² × 20 mg/m² = 36 mg → cap 30 with override
    plan = calculate_methotrexate(patient(**BSA_180), dose_per_m2="20 mg/m2", override_reason="refractory disease")
    assert mg(plan.weekly_dose) == 30.0
    assert mg(plan.cap) == 30.0


def test_folic_acid_always_attached():
    plan = calculate_methotrexate(patient())
    assert mg(plan.folic_acid.dose) == 1.0 and plan.folic_acid.schedule == "daily"
    assert "mtx.folic-acid" in rule_ids(plan.findings)
    weekly = calculate_methotrexate(patient(), folic_acid="weekly").folic_acid
    assert mg(weekly.dose) == 5.0 and "different day" in weekly.instructions
    blocked = calculate_methotrexate(patient(), crcl="20 mL/min")
    assert blocked.folic_acid is not None


def test_bsa_formula_is_selectable():
    mosteller = calculate_methotrexate(patient(**BSA_150))
    dubois = calculate_methotrexate(patient(**BSA_150), bsa_formula="dubois")
    assert dubois.bsa_formula == "dubois" and mosteller.bsa_formula == "mosteller"
    assert dubois.bsa != mosteller.bsa


def test_plan_is_jsonable():
    data = jsonable(calculate_methotrexate(patient(**BSA_150), split=True))
    assert data["weekly_dose"] == "22.5 mg"
    assert data["folic_acid"]["dose"] == "1 mg"


# ---------------------------------------------------------------- calculator: kidney


@pytest.mark.parametrize(
    "crcl, expected",
    [
        ("29.9 mL/min", None),  # < 30: not given
        ("30 mL/min", 12.5),  # min(27, 25) × 0.5 = 12.5 mg
        ("59.9 mL/min", 12.5),
        ("60 mL/min", 25.0),  # no reduction
    ],
)
def test_renal_bands_at_exact_boundaries(crcl, expected):
    plan = calculate_methotrexate(patient(**BSA_180), crcl=crcl)
    if expected is None:
        assert plan.weekly_dose is None and plan.tablets is None and plan.split == ()
        assert severity_of(plan.findings, "mtx.renal-contraindicated") is Severity.CONTRAINDICATED
        assert plan.blocked and plan.renal_factor is None
    else:
        assert mg(plan.weekly_dose) == expected
        assert not plan.blocked
        if expected < 25:
            assert severity_of(plan.findings, "mtx.renal-reduce") is Severity.MAJOR
            assert "× 0.5" in plan.renal_adjustment


def test_renal_from_creatinine_cockcroft_gault():
    # 100 / 2.0 mg/dL = 50 mL/min → halved; fixed 20 mg × 0.5 = 10 mg
    plan = calculate_methotrexate(patient(**CG_MALE, scr="2.0 mg/dL"), mode="fixed")
    assert plan.crcl.magnitude == pytest.approx(50.0)
    assert mg(plan.weekly_dose) == 10.0
    # 100 / 4.0 = 25 mL/min → none
    assert calculate_methotrexate(patient(**CG_MALE, scr="4.0 mg/dL"), mode="fixed").weekly_dose is None


def test_renal_unknown_is_caution_not_a_guess():
    plan = calculate_methotrexate(patient(scr=None), mode="fixed")
    assert severity_of(plan.findings, "mtx.renal-unknown") is Severity.CAUTION
    assert mg(plan.weekly_dose) == 20.0 and plan.crcl is None
    assert "unknown" in plan.renal_adjustment
    explicit = calculate_methotrexate(patient(scr=None), mode="fixed", crcl="80 mL/min")
    assert "mtx.renal-unknown" not in rule_ids(explicit.findings)


def test_explicit_crcl_overrides_creatinine():
    plan = calculate_methotrexate(patient(**CG_MALE, scr="1.0 mg/dL"), mode="fixed", crcl="45 mL/min")
    assert mg(plan.weekly_dose) == 10.0


def test_pregnancy_blocks_through_the_interactions_engine():
    # Patient contraindications live in interactions/rules.toml, not in the calculator.
    from dosing import verify

    pregnant = patient(conditions={"pregnancy"}, sex="female")
    verdict = verify({"drug": "methotrexate", "dose": "20 mg", "frequency": "weekly", "route": "oral"}, pregnant)
    assert verdict.status.value == "block"
    assert severity_of(verdict.findings, "interactions.mtx-pregnancy") is Severity.CONTRAINDICATED


# ---------------------------------------------------------------- calculator: properties

patients = st.builds(
    lambda w, h: (w, h),
    st.floats(35.0, 200.0),
    st.floats(140.0, 210.0),
)


@settings(max_examples=60)
@given(
    size=patients,
    per_m2=st.floats(15.0, 20.0),
    override=st.sampled_from([None, "refractory disease"]),
    route=st.sampled_from(["oral", "subcutaneous"]),
    crcl=st.sampled_from([None, "45 mL/min", "90 mL/min"]),
)
def test_calculator_caps_never_exceeded(size, per_m2, override, route, crcl):
    w, h = size
    plan = calculate_methotrexate(
        patient(weight=Quantity(w, "kg"), height=Quantity(h, "cm")),
        dose_per_m2=Quantity(per_m2, "mg/m**2"),
        override_reason=override,
        route=route,
        crcl=crcl,
    )
    dose = mg(plan.weekly_dose)
    cap = OVERRIDE_CAP_MG if override else CAP_MG
    assert 0 < dose <= cap * plan.renal_factor
    if plan.renal_factor < 1.0:
        assert dose <= CAP_MG * plan.renal_factor  # 12.5 mg, override or not
    assert dose <= mg(plan.target_dose) * plan.renal_factor + 1e-9
    assert dose / 2.5 == math.floor(dose / 2.5)
    # batch path (numpy helper) equals the scalar path
    batch = weekly_dose_mg_from_bsa(np.array([plan.bsa.magnitude]), per_m2, cap_mg=cap, renal_factor=plan.renal_factor)
    assert batch[0] == dose


@settings(max_examples=40)
@given(size=patients, per_m2=st.floats(15.0, 20.0))
def test_calculator_unit_invariance(size, per_m2):
    w, h = size
    metric = calculate_methotrexate(patient(weight=Quantity(w, "kg"), height=Quantity(h, "cm")), dose_per_m2=Quantity(per_m2, "mg/m**2"))
    # same patient in lb and inches, same dose written in µg/m² (1 mg/m² = 1000 µg/m²)
    imperial = calculate_methotrexate(
        patient(weight=Quantity(w * LB_PER_KG, "lb"), height=Quantity(h / 2.54, "inch")),
        dose_per_m2=Quantity(per_m2 * 1000.0, "ug/m**2"),
    )
    assert metric.weekly_dose == imperial.weekly_dose
    assert metric.tablets == imperial.tablets


@settings(max_examples=40)
@given(w1=st.floats(35.0, 200.0), w2=st.floats(35.0, 200.0), h=st.floats(140.0, 210.0))
def test_calculator_monotonic_in_weight(w1, w2, h):
    lo, hi = sorted((w1, w2))
    small = calculate_methotrexate(patient(weight=Quantity(lo, "kg"), height=Quantity(h, "cm")))
    large = calculate_methotrexate(patient(weight=Quantity(hi, "kg"), height=Quantity(h, "cm")))
    assert mg(small.weekly_dose) <= mg(large.weekly_dose) <= CAP_MG


@settings(max_examples=60)
@given(steps=st.integers(6, 10), route=st.sampled_from(["oral", "subcutaneous"]), crcl=st.sampled_from(["90 mL/min", "45 mL/min"]))
def test_split_parts_sum_exactly_and_larger_first(steps, route, crcl):
    # 15–25 mg fixed; CrCl 45 halves it (3–5 steps), so small and odd counts are covered too
    dose = Quantity(steps * 2.5, "mg")
    plan = calculate_methotrexate(patient(), mode="fixed", fixed_dose=dose, route=route, split=True, crcl=crcl)
    first, second = plan.split
    assert mg(first.dose) + mg(second.dose) == mg(plan.weekly_dose)
    assert 0 <= mg(first.dose) - mg(second.dose) <= 2.5
    if route == "oral":
        assert first.tablets + second.tablets == plan.tablets


# ---------------------------------------------------------------- calculator: bad inputs


@pytest.mark.parametrize(
    "kwargs, parameter",
    [
        (dict(dose_per_m2=15), "dose_per_m2"),
        (dict(dose_per_m2="15 mg/kg"), "dose_per_m2"),
        (dict(dose_per_m2="25 mg/m2"), "dose_per_m2"),
        (dict(dose_per_m2="10 mg/m2"), "dose_per_m2"),
        (dict(dose_per_m2="nan mg/m2"), "dose_per_m2"),
        (dict(dose_per_m2="-15 mg/m2"), "dose_per_m2"),
        (dict(mode="fixed", fixed_dose=20), "fixed_dose"),
        (dict(mode="fixed", fixed_dose="20 mL"), "fixed_dose"),
        (dict(mode="fixed", fixed_dose="10 mg"), "fixed_dose"),
        (dict(mode="fixed", fixed_dose="27.5 mg"), "fixed_dose"),
        (dict(mode="fixed", fixed_dose="35 mg", override_reason="x"), "fixed_dose"),
        (dict(mode="daily"), "mode"),
        (dict(route="iv"), "route"),
        (dict(route="rectal"), "route"),
        (dict(split="yes"), "split"),
        (dict(bsa_formula="guess"), "bsa_formula"),
        (dict(crcl=45), "creatinine_clearance"),
        (dict(crcl="-5 mL/min"), "creatinine_clearance"),
        (dict(crcl="45 mg"), "creatinine_clearance"),
        (dict(override_reason="  "), "override_reason"),
        (dict(folic_acid="monthly"), "folic_acid"),
    ],
)
def test_calculator_bad_inputs_raise(kwargs, parameter):
    with pytest.raises(DoseInputError) as err:
        calculate_methotrexate(patient(), **kwargs)
    assert err.value.parameter == parameter


def test_calculator_refuses_non_patient():
    with pytest.raises(DoseInputError) as err:
        calculate_methotrexate({"weight": "70 kg"})
    assert err.value.parameter == "patient"


def test_single_step_cannot_be_split():
    # BSA 0.2 m² (explicit CrCl: CG is adult-only) × 15 mg/m² = 3 mg → 2.5 mg = 1 step
    tiny = Patient("4 kg", "36 in", "3 years", "female")
    with pytest.raises(DoseInputError) as err:
        calculate_methotrexate(tiny, crcl="60 mL/min", split=True)
    assert err.value.parameter == "split"


def test_below_one_step_raises():
    tiny = Patient("2 kg", "45 cm", "0 years", "female")  # BSA ≈ 0.158 m² × 15 = 2.4 mg < 2.5 mg
    with pytest.raises(DoseInputError):
        calculate_methotrexate(tiny, crcl="60 mL/min")


# ---------------------------------------------------------------- check_order


def order(dose="20 mg", frequency="weekly", route="subcutaneous", **kw):
    return Order("methotrexate", dose, frequency, route, **kw)


@pytest.mark.parametrize("frequency", ["daily", "BID", "QOD", "every other day", "q12h", "TID", "once daily", "q2d"])
def test_not_weekly_is_blocked(frequency):
    check = check_order(order("2.5 mg", frequency, "oral"), patient())
    assert severity_of(check.findings, "mtx.not-weekly") is Severity.CONTRAINDICATED
    assert status_of(check.findings) is Status.BLOCK


@pytest.mark.parametrize("frequency", ["weekly", "once weekly", "weekly x4", "q1w"])
def test_weekly_passes(frequency):
    check = check_order(order("20 mg", frequency), patient())
    assert "mtx.not-weekly" not in rule_ids(check.findings)
    assert status_of(check.findings) is Status.OK


# More often than weekly (interval < 7, daily cycles) is a hard stop (ISMP); less often or once is MAJOR (issue 7).
MORE_OFTEN = ["daily", "BID", "TID", "QID", "q12h", "q8h", "q6h", "qhs", "QOD", "every other day", "q48h", "q2d", "q3d",
              "q6d", "every 6 days", "daily for 2 days every 4 weeks", "daily x 5 days q4w", "once daily for 2 days every 1 week"]
LESS_OFTEN_OR_ONCE = ["once", "stat", "single dose", "x1", "days 1 and 15", "days 1 and 22", "q2w", "every 2 weeks",
                      "q4w", "q8d", "every 10 days"]


@pytest.mark.parametrize("frequency", MORE_OFTEN)
def test_every_more_often_than_weekly_form_is_blocked(frequency):
    check = check_order(order("2.5 mg", frequency, "oral"), patient())
    assert severity_of(check.findings, "mtx.not-weekly") is Severity.CONTRAINDICATED
    assert status_of(check.findings) is Status.BLOCK


@pytest.mark.parametrize("frequency", LESS_OFTEN_OR_ONCE)
def test_single_or_less_often_than_weekly_is_major_confirm_schedule(frequency):
    # Changed by issue 7: ISMP's hard stop is for daily (more-than-weekly) orders; less often than weekly, or a
    # single dose, is MAJOR "confirm schedule", never a block (was CONTRAINDICATED).
    check = check_order(order("20 mg", frequency), patient())
    assert severity_of(check.findings, "mtx.interval-not-weekly") is Severity.MAJOR
    assert "confirm the schedule" in next(f.message for f in check.findings if f.rule_id == "mtx.interval-not-weekly")
    assert "mtx.not-weekly" not in rule_ids(check.findings)
    assert status_of(check.findings) is Status.WARN


@pytest.mark.parametrize("frequency", ["every week", "1x/week", "qweek", "every 7 days", "q7d", "weekly for 4 weeks",
                                       "weekly x 4 doses", "every 1 week",
                                       "day 1 and day 8"])  # the last: weekly x2
def test_more_weekly_spellings_pass(frequency):
    check = check_order(order("20 mg", frequency), patient())
    assert status_of(check.findings) is Status.OK


def test_cycle_message_counts_the_doses_of_the_cycle():
    # daily for 2 days every 4 weeks: at most 2 doses in any 7 days → 5 mg × 2 = 10 mg (was "35 mg in 7 doses")
    check = check_order(order("5 mg", "daily for 2 days every 4 weeks", "oral"), patient())
    message = next(f.message for f in check.findings if f.rule_id == "mtx.not-weekly")
    assert "up to 10 mg in 2 doses within 7 days" in message
    # q2d: days 0, 2, 4, 6 fall in one week → 4 doses × 5 mg = 20 mg
    qod = check_order(order("5 mg", "q2d", "oral"), patient())
    assert "up to 20 mg in 4 doses" in next(f.message for f in qod.findings if f.rule_id == "mtx.not-weekly")
    assert "(up to 20 mg within 7 days)" in dict(qod.details)["ordered"]


def test_non_weekly_order_is_capped_on_its_weekly_exposure():
    # 10 mg daily = 70 mg in a week: above the absolute maximum too, not judged on the 10 mg alone
    check = check_order(order("10 mg", "daily", "oral"), patient())
    assert severity_of(check.findings, "mtx.above-max") is Severity.CONTRAINDICATED


def test_three_administrations_on_the_weekly_day_count_all_three():
    # 10 mg × 3 on one day = 30 mg weekly: above the 25 mg cap (was judged as 10 mg). Changed by issue 7:
    # 3 parts on one day is the label's divided course (info, not "split-not-planned" major), and 25-30 mg
    # without an override is MAJOR, not a block.
    three = Frequency("TID once weekly", interval_days=7, times_per_day=3)
    check = check_order(order("4 tablets", three, "oral"), patient())
    assert severity_of(check.findings, "mtx.split-weekly") is Severity.INFO
    assert "mtx.split-not-planned" not in rule_ids(check.findings)
    assert severity_of(check.findings, "mtx.above-cap") is Severity.MAJOR
    # 2.5 mg × 3 = 7.5 mg weekly: below range, and still not the plan's two-part split
    small = check_order(order("1 tablet", three, "oral"), patient())
    assert severity_of(small.findings, "mtx.below-range") is Severity.CAUTION
    assert "×3 on one day = 7.5 mg weekly" in dict(small.details)["ordered"]


@pytest.mark.parametrize(
    "fields",
    [
        dict(interval_days=0),  # was ZeroDivisionError
        dict(interval_days=-7),  # was "about -20 mg per week"
        dict(interval_days="7"),  # was TypeError
        dict(interval_days=7.5),
        dict(interval_days=True),
        dict(interval_days=7, times_per_day=0),
        dict(interval_days=7, count=0),
        dict(interval_days=1, count=2, cycle_days=0),
        dict(interval_days=None, count=3),
        dict(interval_days=None, count=1, cycle_days=28),
    ],
)
def test_hand_built_frequency_with_impossible_fields_raises(fields):
    with pytest.raises(DoseInputError) as err:  # refused when built (dosing.input.frequency), never reaching a dose
        check_order(order("20 mg", Frequency("hand-built", **fields)), patient())
    assert err.value.parameter == "frequency"


@settings(max_examples=150)
@given(
    interval=st.one_of(st.none(), st.integers(-2, 60)),
    times=st.integers(-1, 5),
    count=st.one_of(st.none(), st.integers(-1, 12)),
    cycle=st.one_of(st.none(), st.integers(-1, 60)),
    tablets=st.integers(1, 12),
)
def test_any_frequency_is_blocked_unless_weekly_and_never_crashes(interval, times, count, cycle, tablets):
    try:
        freq = Frequency("hand-built", interval_days=interval, times_per_day=times, count=count, cycle_days=cycle)
        check = check_order(order(Quantity(tablets, "tablet"), freq, "oral"), patient())
    except DoseInputError as err:
        assert err.parameter == "frequency"
        return
    # Changed by issue 7: only more-than-weekly schedules or more than 30 mg in any 7 days block.
    more_often = interval is not None and interval < 7
    if interval is None:
        days = 1
    elif cycle is None:
        days = math.ceil(7 / interval) if count is None else min(math.ceil(7 / interval), count)
    else:
        days = min(count, math.ceil(7 / interval)) if cycle >= 7 else 7
    if more_often or tablets * times * days > 12:  # 12 tablets = 30 mg, the absolute maximum
        assert status_of(check.findings) is Status.BLOCK
    else:
        assert status_of(check.findings) is not Status.BLOCK


def test_split_weekly_frequency_counts_both_doses():
    # twice on one day each week: 12.5 mg × 2 = 25 mg weekly (ok); 15 mg × 2 = 30 mg (above cap)
    split = Frequency("BID once weekly", interval_days=7, times_per_day=2)
    ok = check_order(order("5 tablets", split, "oral"), patient())
    assert status_of(ok.findings) is Status.OK
    over = check_order(order("6 tablets", split, "oral"), patient())
    assert severity_of(over.findings, "mtx.above-cap") is Severity.MAJOR  # issue 7: was CONTRAINDICATED
    blocked = check_order(order("7 tablets", split, "oral"), patient())  # 35 mg: above the absolute maximum
    assert severity_of(blocked.findings, "mtx.above-max") is Severity.CONTRAINDICATED


def test_six_tablets_order_is_15_mg_with_escalation_info():
    check = check_order(order("6 tablets", "weekly", "oral"), patient())
    assert severity_of(check.findings, "mtx.plan-escalation") is Severity.INFO
    assert "6 tablets × 2.5 mg = 15 mg" in dict(check.details)["ordered"]
    # recommended: min(20 mg, 20 mg/m² × 1.80 m² = 36 mg) = 20 mg = 8 tablets
    assert mg(check.recommended_dose) == 20.0
    assert "8 × 2.5 mg tablets" in check.recommended


def test_below_15_mg_is_caution_in_active_disease_info_when_quiet():
    active = check_order(order("12.5 mg"), patient())
    assert severity_of(active.findings, "mtx.below-range") is Severity.CAUTION
    quiet = check_order(order("12.5 mg"), patient(disease_active=False))
    assert severity_of(quiet.findings, "mtx.below-range") is Severity.INFO


def test_20_and_25_mg_have_no_range_finding():
    for dose in ("20 mg", "25 mg", "10 tablets"):
        route = "oral" if "tablet" in dose else "subcutaneous"
        check = check_order(order(dose, route=route), patient())
        assert status_of(check.findings) is Status.OK, dose


@pytest.mark.parametrize("dose", ["27.5 mg", "30 mg", "1.2 mL", "11 tablets"])
def test_above_25_without_override_is_major_not_blocked(dose):
    # Changed by issue 7 ("block above the absolute maximum only"): no source says do not give 25-30 mg/week
    # (EULAR 3E 2009 escalates to 25-30 mg), so the plan cap asks for a written reason -- MAJOR (was CONTRAINDICATED).
    route = "oral" if "tablet" in dose else "subcutaneous"
    check = check_order(order(dose, route=route), patient())
    assert severity_of(check.findings, "mtx.above-cap") is Severity.MAJOR
    assert "override reason" in next(f.message for f in check.findings if f.rule_id == "mtx.above-cap")
    assert status_of(check.findings) is Status.WARN


@pytest.mark.parametrize("dose", ["27.5 mg", "30 mg"])
def test_25_to_30_with_override_is_major(dose):
    check = check_order(order(dose, override_reason="refractory, tolerating 25 mg"), patient())
    assert severity_of(check.findings, "mtx.above-cap-override") is Severity.MAJOR
    assert status_of(check.findings) is Status.WARN


def test_blank_override_is_refused_by_the_order():
    # An Order validates its override reason: blank text is not a reason (dosing.order).
    with pytest.raises(DoseInputError) as err:
        order("27.5 mg", override_reason="   ")
    assert err.value.parameter == "override_reason"


@settings(max_examples=50)
@given(dose=st.floats(30.001, 500.0), override=st.sampled_from([None, "any reason"]))
def test_above_30_always_blocked(dose, override):
    check = check_order(order(Quantity(dose, "mg"), override_reason=override), patient())
    assert severity_of(check.findings, "mtx.above-max") is Severity.CONTRAINDICATED


@settings(max_examples=50)
@given(dose=st.floats(0.1, 60.0), override=st.sampled_from([None, "any reason"]))
def test_order_cap_property(dose, override):
    check = check_order(order(Quantity(dose, "mg"), override_reason=override), patient())
    blocked = status_of(check.findings) is Status.BLOCK
    if dose > 30 + 1e-9:  # issue 7: only the absolute maximum blocks (was also 25-30 mg without override)
        assert blocked
    else:
        assert not blocked


@pytest.mark.parametrize(
    "scr, expected_rule, severity, recommended",
    [
        ("4.0 mg/dL", "mtx.renal-contraindicated", Severity.CONTRAINDICATED, None),  # 100/4 = 25 mL/min
        ("3.4 mg/dL", "mtx.renal-contraindicated", Severity.CONTRAINDICATED, None),  # 29.4 mL/min
        ("2.0 mg/dL", "mtx.renal-above-adjusted", Severity.MAJOR, 10.0),  # 50 mL/min: max 12.5, ordered 20
        ("1.0 mg/dL", None, None, 20.0),  # 100 mL/min
    ],
)
def test_order_renal(scr, expected_rule, severity, recommended):
    check = check_order(order("20 mg"), patient(**CG_MALE, scr=scr))
    if expected_rule:
        assert severity_of(check.findings, expected_rule) is severity
    if recommended is None:
        assert check.recommended_dose is None
        assert "do not give" in check.recommended
    else:
        assert mg(check.recommended_dose) == recommended
    assert "Cockcroft" in dict(check.details)["CrCl"]
    assert dict(check.details)["weight used"] == "72 kg"


def test_order_renal_within_halved_limit_is_caution():
    # 100 / 2.0 = 50 mL/min: halved max 12.5 mg; 10 mg ordered is within, and not "below range" (7.5 mg threshold)
    check = check_order(order("10 mg"), patient(**CG_MALE, scr="2.0 mg/dL"))
    assert severity_of(check.findings, "mtx.renal-reduce") is Severity.CAUTION
    assert "mtx.below-range" not in rule_ids(check.findings)


def test_order_renal_unknown_is_caution():
    check = check_order(order("20 mg"), patient(scr=None))
    assert severity_of(check.findings, "mtx.renal-unknown") is Severity.CAUTION
    assert "unknown" in dict(check.details)["CrCl"]


def test_order_route_iv_is_major():
    check = check_order(order("20 mg", route="iv"), patient())
    assert severity_of(check.findings, "mtx.route-not-planned") is Severity.MAJOR
    assert "subcutaneously" in check.recommended


def test_tablets_by_injection_is_blocked():
    check = check_order(order("8 tablets", route="subcutaneous"), patient())
    assert severity_of(check.findings, "mtx.form-route-mismatch") is Severity.CONTRAINDICATED


def test_oral_not_whole_tablets_is_major():
    check = check_order(order("21 mg", route="oral"), patient())
    assert severity_of(check.findings, "mtx.not-whole-tablets") is Severity.MAJOR
    fractional = check_order(order("7.5 tablets", route="oral"), patient())
    assert severity_of(fractional.findings, "mtx.not-whole-tablets") is Severity.MAJOR


def test_folic_acid_info_always_present():
    for o in (order("20 mg"), order("2.5 mg", "daily", "oral"), order("40 mg")):
        assert severity_of(check_order(o, patient()).findings, "mtx.folic-acid") is Severity.INFO


def test_mg_per_m2_order_uses_bsa():
    # 15 mg/m² × 1.50 m² = 22.5 mg
    check = check_order(order("15 mg/m2"), patient(**BSA_150))
    assert "22.50 mg" in dict(check.details)["ordered"]
    assert status_of(check.findings) is Status.OK


def test_small_patient_recommendation_is_bsa_capped():
    # 140 cm × 25 kg: BSA = sqrt(3500/3600) = 0.986 m²; 20 mg/m² × 0.986 = 19.7 mg → 17.5 mg
    # SCr 0.4 mg/dL keeps CrCl normal: (140 − 40) × 25 / (72 × 0.4) = 86.8 mL/min
    small = patient(weight="25 kg", height="140 cm", scr="0.4 mg/dL")
    check = check_order(order("25 mg"), small)
    assert mg(check.recommended_dose) == 17.5
    assert severity_of(check.findings, "mtx.above-bsa-range") is Severity.MAJOR


def test_order_unit_invariance_kg_lb():
    metric = check_order(order("20 mg"), patient(weight="72 kg", height="175 cm"))
    imperial = check_order(order("0.02 g"), patient(weight=Quantity(72 * LB_PER_KG, "lb"), height=Quantity(175 / 2.54, "inch")))
    assert metric.recommended_dose == imperial.recommended_dose
    assert rule_ids(metric.findings) == rule_ids(imperial.findings)


def test_dysphagia_with_oral_is_caution():
    check = check_order(order("8 tablets", route="oral"), patient(conditions={"dysphagia_new_onset"}))
    assert severity_of(check.findings, "mtx.oral-dysphagia") is Severity.CAUTION


@pytest.mark.parametrize(
    "dose, route",
    [("0.8 mL", "oral"), ("0.3 mg/kg", "subcutaneous"), ("8 capsules", "oral")],
)
def test_order_bad_dose_forms_raise(dose, route):
    with pytest.raises(DoseInputError) as err:
        check_order(order(dose, route=route), patient())
    assert err.value.parameter == "dose"


@pytest.mark.parametrize("dose", ["1e308 tablets", "1e308 mg/m2", "1e308 mg", "50 g"])
def test_order_absurd_amounts_raise(dose):
    # was OverflowError (inf mg) for tablets and mg/m²; above 40 g no order is plausible
    with pytest.raises(DoseInputError) as err:
        check_order(order(dose, route="oral" if "tablet" in dose else "subcutaneous"), patient())
    assert err.value.parameter == "dose"


def test_patient_too_small_for_one_step_raises_naming_the_patient():
    # Adult, 2 kg, 40 cm: BSA = sqrt(40 × 2 / 3600) = 0.149 m²; 20 mg/m² × 0.149 = 2.98 mg;
    # CrCl = (140 − 20) × 2 / (72 × 0.1) = 33.3 mL/min → × 0.5 = 1.49 mg < 2.5 mg: no rule dose, never 0 mg
    tiny = Patient("2 kg", "40 cm", "20 years", "male", serum_creatinine="0.1 mg/dL")
    with pytest.raises(DoseInputError) as err:
        check_order(order("2.5 mg"), tiny)
    assert err.value.parameter == "patient"
    # calculator: 15 mg/m² × 0.149 m² = 2.24 mg < 2.5 mg
    with pytest.raises(DoseInputError) as err:
        calculate_methotrexate(tiny, crcl="90 mL/min")
    assert err.value.parameter == "patient" and "2.5 mg step" in err.value.problem


def test_check_order_refuses_non_order():
    with pytest.raises(DoseInputError):
        check_order({"drug": "mtx"}, patient())
    with pytest.raises(DoseInputError):
        check_order(order(), "patient")


def test_folic_acid_plan_values():
    assert folic_acid_plan().schedule == "daily"
    with pytest.raises(DoseInputError):
        folic_acid_plan(None)


def test_child_with_creatinine_gets_renal_unknown_not_an_error():
    # Cockcroft–Gault is an adult equation: a 12-year-old's CrCl is not estimated from it.
    child = Patient("40 kg", "150 cm", "12 years", "female", "0.5 mg/dL")
    check = check_order(order("10 mg", "weekly", "oral"), child)
    assert severity_of(check.findings, "mtx.renal-unknown") is Severity.CAUTION


def test_obese_patient_renal_check_uses_adjusted_weight():
    # 130 kg, 160 cm female, 60 y, SCr 1.3: IBW = 45.5 + 2.3 × (62.99 − 60) = 52.38 kg; 130 > 1.2 × 52.38,
    # so adjusted = 52.38 + 0.4 × 77.62 = 83.43 kg; CrCl = (140 − 60) × 83.43 / (72 × 1.3) × 0.85 = 60.6 mL/min
    # (actual weight would give 94.4). 60.6 ≥ 60: full dose, but the weight used is the adjusted one.
    obese = Patient("130 kg", "160 cm", "60 years", "female", "1.3 mg/dL")
    check = check_order(order("20 mg", "weekly", "subcutaneous"), obese)
    assert "adjusted body weight" in " ".join(dict(check.details).values())
    # With SCr 1.4 the adjusted CrCl is 56.3 mL/min: the 30–59 band halves the maximum to 12.5 mg.
    heavier_scr = Patient("130 kg", "160 cm", "60 years", "female", "1.4 mg/dL")
    blocked = check_order(order("20 mg", "weekly", "subcutaneous"), heavier_scr)
    assert severity_of(blocked.findings, "mtx.renal-above-adjusted") is Severity.MAJOR


# ---------------------------------------------------------------- second QA pass (regressions)


@pytest.mark.parametrize("brand", ["Rasuvo", "Otrexup", "RediTrex", "Metoject", "Trexall", "Xatmep", "Jylamvo", "rasuvo "])
@pytest.mark.parametrize("route", ["SC", "IM"])
def test_brand_volume_is_refused(brand, route):
    # Rasuvo/Metoject are 50 mg/mL and every Otrexup strength is 0.4 mL (their labels): 0.5 mL of Rasuvo is
    # 25 mg, not "0.5 mL × 25 mg/mL = 12.5 mg" with a sub-therapeutic warning.
    with pytest.raises(DoseInputError) as err:
        check_order(Order(brand, "0.5 mL", "weekly", route), patient())
    assert err.value.parameter == "dose"
    assert "order in mg" in err.value.problem and "50 mg/mL" in err.value.problem and "0.4 mL" in err.value.problem


@pytest.mark.parametrize("name", ["methotrexate", "Methotrexate Sodium", "methotrexate-sodium", " MTX ", "amethopterin",
                                  "METHO-TREXATE"])
def test_generic_names_accept_volume_at_25_mg_per_ml(name):
    check = check_order(Order(name, "0.8 mL", "weekly", "SC"), patient())
    assert "0.8 mL × 25 mg/mL = 20 mg" in dict(check.details)["ordered"]
    assert status_of(check.findings) is Status.OK


def test_brand_in_mg_is_checked_without_a_25_mg_per_ml_volume():
    check = check_order(Order("Rasuvo", "15 mg", "weekly", "SC"), patient())
    details = dict(check.details)
    assert details["ordered"] == "15 mg weekly"
    assert "Rasuvo volumes differ" in details["ordered volume"]
    assert "20 mg strength" in check.recommended and "brand volumes differ" in check.recommended


@pytest.mark.parametrize("override", [None, "refractory, tolerating 25 mg"])
def test_override_never_raises_the_renal_limit_in_check_order(override):
    # 100 / 2.5 mg/dL = 40 mL/min: the maximum is 25 mg × 0.5 = 12.5 mg with or without an override
    # (was: with an override, 15 mg was a CAUTION "within the halved maximum 15 mg").
    check = check_order(order("15 mg", override_reason=override), patient(**CG_MALE, scr="2.5 mg/dL"))
    assert severity_of(check.findings, "mtx.renal-above-adjusted") is Severity.MAJOR
    assert "mtx.renal-reduce" not in rule_ids(check.findings)
    message = next(f.message for f in check.findings if f.rule_id == "mtx.renal-above-adjusted")
    assert "halved to 12.5 mg" in message
    within = check_order(order("12.5 mg", override_reason=override), patient(**CG_MALE, scr="2.5 mg/dL"))
    assert severity_of(within.findings, "mtx.renal-reduce") is Severity.CAUTION
    assert "maximum 12.5 mg" in next(f.message for f in within.findings if f.rule_id == "mtx.renal-reduce")


def test_override_never_raises_the_renal_limit_in_the_calculator():
    # 2.00 m² (Mosteller: 200 cm × 72 kg = 14400 / 3600 = 4) × 15 mg/m² = 30 mg; override cap 30; CrCl 45:
    # the renal maximum is 25 × 0.5 = 12.5 mg (was 30 × 0.5 = 15 mg).
    big = patient(weight="72 kg", height="200 cm")
    plan = calculate_methotrexate(big, override_reason="refractory disease", crcl="45 mL/min", route="subcutaneous")
    assert mg(plan.weekly_dose) == 12.5 and mg(plan.cap) == 25.0
    assert "mtx.above-cap-override" not in rule_ids(plan.findings)
    capped = next(f.message for f in plan.findings if f.rule_id == "mtx.capped")
    assert "override reason does not apply" in capped and "12.5 mg" in capped
    fixed = calculate_methotrexate(patient(), mode="fixed", fixed_dose="30 mg", override_reason="any", crcl="45 mL/min")
    assert mg(fixed.weekly_dose) == 12.5
    # the batch helper agrees: cap 30 with a renal factor is still at most 12.5 mg
    assert weekly_dose_mg(30.0, cap_mg=OVERRIDE_CAP_MG, renal_factor=0.5) == 12.5
    assert list(weekly_dose_mg_from_bsa(np.array([2.0]), 15.0, cap_mg=OVERRIDE_CAP_MG, renal_factor=0.5)) == [12.5]
    # normal kidneys: the override still lifts the cap to 30 mg
    assert mg(calculate_methotrexate(big, override_reason="refractory disease", crcl="90 mL/min").weekly_dose) == 30.0


def test_mg_per_m2_order_above_cap_says_give_the_cap():
    # 170 cm × 70 kg = 11900 / 3600 → BSA 1.818 m²; 15 mg/m² × 1.818 = 27.2718 mg → shown as 27.27 mg.
    # Changed by issue 7: a caution naming the capped dose (mtx.capped, as the calculator), was a CONTRAINDICATED block.
    check = check_order(order("15 mg/m2"), patient(weight="70 kg", height="170 cm"))
    assert severity_of(check.findings, "mtx.capped") is Severity.CAUTION
    assert "mtx.above-cap" not in rule_ids(check.findings)
    assert status_of(check.findings) is Status.WARN
    message = next(f.message for f in check.findings if f.rule_id == "mtx.capped")
    assert "15 mg/m² × BSA 1.82 m² = 27.27 mg exceeds the 25 mg/week cap: capped at 25 mg; give 25 mg" in message
    assert "override" not in message
    assert "27.2718" not in " ".join([*(f.message for f in check.findings), *dict(check.details).values()])


def test_mg_per_m2_order_above_cap_in_renal_band_suggests_the_halved_dose():
    # 100 / 2.0 = 50 mL/min; 15 mg/m² × BSA(175 cm, 72 kg) 1.87 m² = 28.06 mg
    check = check_order(order("15 mg/m2"), patient(**CG_MALE, scr="2.0 mg/dL"))
    message = next(f.message for f in check.findings if f.rule_id == "mtx.capped")  # was mtx.above-cap (issue 7)
    assert "give 12.5 mg (25 mg × 0.5, halved for CrCl 30–59 mL/min)" in message
    # the renal band itself still needs the prescriber: 25 mg (the capped dose) is above the halved 12.5 mg
    assert severity_of(check.findings, "mtx.renal-above-adjusted") is Severity.MAJOR


def test_numbers_at_a_limit_are_not_rounded_onto_it():
    # 25.004 mg is above the cap: shown as 25.01, never "25 mg/week is above the 25 mg/week cap"
    check = check_order(order("25.004 mg"), patient())
    message = next(f.message for f in check.findings if f.rule_id == "mtx.above-cap")
    assert message.startswith("25.01 mg/week is above")


@pytest.mark.parametrize("route", ["subcutaneous", "intramuscular"])
def test_injected_dose_not_on_a_0_1_ml_graduation_is_major(route):
    # 21 mg = 0.84 mL of 25 mg/mL: not a whole 0.1 mL (2.5 mg); was accepted by injection but MAJOR orally
    check = check_order(order("21 mg", route=route), patient())
    assert severity_of(check.findings, "mtx.not-measurable") is Severity.MAJOR
    assert "0.84 mL" in next(f.message for f in check.findings if f.rule_id == "mtx.not-measurable")
    assert "mtx.not-measurable" not in rule_ids(check_order(order("22.5 mg", route=route), patient()).findings)
    assert "mtx.not-measurable" not in rule_ids(check_order(order("21 mg", route="oral"), patient()).findings)
    assert "mtx.not-measurable" not in rule_ids(check_order(order("0.9 mL", route=route), patient()).findings)


@pytest.mark.parametrize("brand", ["Trexall", "Xatmep", "Otrexup"])
def test_brand_tablet_counts_are_refused(brand):
    # Trexall tablets are 5/7.5/10/15 mg: "8 tablets" could be 40-120 mg, not 20 mg.
    with pytest.raises(DoseInputError) as err:
        check_order(Order(brand, "8 tablets", "weekly", "oral"), patient())
    assert err.value.parameter == "dose"


# ---------------------------------------------------------------- issue 7: alert precision (schedules, caps, children)

import attrs  # noqa: E402

from dosing.drugs.methotrexate import CHILD_DOSE_PER_M2_MG, PLAN_TARGET_MG  # noqa: E402

if "hours_apart" in attrs.fields_dict(Frequency):
    ContractFrequency = Frequency
else:
    # Until helper F adds the contract fields (weekdays, hours_apart), a stand-in with the same names.
    @attrs.frozen
    class ContractFrequency(Frequency):
        weekdays: tuple = ()
        hours_apart: int | None = None


def freq(text, **fields):
    return ContractFrequency(text, **fields)


CAP_RULES = {"mtx.capped", "mtx.above-cap", "mtx.above-cap-override", "mtx.above-max"}


def worst_cap(findings):
    ranks = [f.severity for f in findings if f.rule_id in CAP_RULES]
    return max(ranks, key=lambda s: s.rank) if ranks else None


def test_q12h_x3_once_weekly_is_one_weekly_dose_of_22_5_mg():
    # "7.5 mg q12h x 3 doses once weekly": the label's divided course -> ONE weekly dose of 3 × 7.5 = 22.5 mg
    split = freq("q12h x 3 doses once weekly", interval_days=7, times_per_day=3, hours_apart=12)
    check = check_order(order("7.5 mg", split, "oral"), patient())
    assert severity_of(check.findings, "mtx.split-weekly") is Severity.INFO
    assert "3 × 7.5 mg = 22.5 mg" in next(f.message for f in check.findings if f.rule_id == "mtx.split-weekly")
    assert "12 h apart" in dict(check.details)["schedule"]
    assert "(×3 on one day = 22.5 mg weekly)" in dict(check.details)["ordered"]
    assert not rule_ids(check.findings) & {"mtx.not-weekly", "mtx.split-not-planned", "mtx.interval-not-weekly"}
    assert status_of(check.findings) is Status.OK


def test_split_morning_and_evening_is_not_several_doses_a_week():
    split = freq("10 mg twice, 12 hours apart, every Monday", interval_days=7, times_per_day=2, hours_apart=12, weekdays=(1,))
    check = check_order(order("10 mg", split, "subcutaneous"), patient())
    assert status_of(check.findings) is Status.OK
    assert dict(check.details)["day of week"] == "Monday"
    assert "(×2 on one day = 20 mg weekly)" in dict(check.details)["ordered"]


def test_split_parts_spread_over_more_than_a_day_are_refused():
    # 2 doses 48 h apart would be two administration days: the Frequency refuses it (never read as a split);
    # methotrexate's own classifier would also call it more-than-weekly (_schedule_kind).
    with pytest.raises(DoseInputError) as err:
        check_order(order("10 mg", freq("2 doses 48 hours apart weekly", interval_days=7, times_per_day=2,
                                        hours_apart=48)), patient())
    assert err.value.parameter == "frequency"


def test_more_than_three_parts_on_the_weekly_day_is_major():
    # Decision (issue 7): 4+ parts on one day is no described regimen but nothing says do not give: MAJOR.
    four = freq("QID once weekly", interval_days=7, times_per_day=4)
    check = check_order(order("5 mg", four, "oral"), patient())
    assert severity_of(check.findings, "mtx.split-not-planned") is Severity.MAJOR
    assert status_of(check.findings) is Status.WARN


def test_weekly_run_inside_a_cycle_is_major_confirm_schedule():
    cycle = Frequency("weekly x2 every 4 weeks", interval_days=7, count=2, cycle_days=28)
    check = check_order(order("20 mg", cycle), patient())
    assert severity_of(check.findings, "mtx.interval-not-weekly") is Severity.MAJOR
    assert status_of(check.findings) is Status.WARN


@pytest.mark.parametrize("weekdays, gap", [((1, 4), 3), ((2, 3, 5), 1)])
def test_several_weekdays_a_week_are_blocked(weekdays, gap):
    # the contract: several weekdays carry interval_days = the smallest gap, so never "weekly"
    several = freq("Monday and Thursday", interval_days=gap, weekdays=weekdays)
    check = check_order(order("10 mg", several), patient())
    assert severity_of(check.findings, "mtx.not-weekly") is Severity.CONTRAINDICATED
    assert f"up to {10 * max(len(weekdays), math.ceil(7 / gap))} mg" in next(
        f.message for f in check.findings if f.rule_id == "mtx.not-weekly")


def test_named_day_is_shown_and_a_missing_day_is_info():
    monday = freq("weekly on Monday", interval_days=7, weekdays=(1,))
    named = check_order(order("20 mg", monday), patient())
    assert dict(named.details)["day of week"] == "Monday"
    assert "once weekly, on Monday each week" in named.recommended
    assert "mtx.name-the-day" not in rule_ids(named.findings)
    unnamed = check_order(order("20 mg", "weekly"), patient())
    assert severity_of(unnamed.findings, "mtx.name-the-day") is Severity.INFO
    assert status_of(unnamed.findings) is Status.OK


# 180 cm × 72.2 kg = 12996 / 3600 = 3.61 → BSA exactly 1.90 m² (Mosteller)
BSA_190 = dict(weight="72.2 kg", height="180 cm")


def test_20_mg_per_m2_for_a_1_9_m2_adult_warns_with_25_mg_capped_not_a_block():
    # 20 mg/m² × 1.90 m² = 38 mg > 25 mg cap: the plan's BSA dose capped -> caution "give 25 mg" (was a block)
    check = check_order(order("20 mg/m2"), patient(**BSA_190))
    assert severity_of(check.findings, "mtx.capped") is Severity.CAUTION
    message = next(f.message for f in check.findings if f.rule_id == "mtx.capped")
    assert "20 mg/m² × BSA 1.90 m² = 38 mg exceeds the 25 mg/week cap: capped at 25 mg; give 25 mg" in message
    assert status_of(check.findings) is Status.WARN
    assert not rule_ids(check.findings) & {"mtx.above-max", "mtx.not-measurable", "mtx.not-whole-tablets"}
    plan = calculate_methotrexate(patient(**BSA_190), dose_per_m2="20 mg/m2")
    assert mg(plan.weekly_dose) == 25.0 and severity_of(plan.findings, "mtx.capped") is Severity.CAUTION


def test_20_mg_per_m2_with_override_is_capped_at_30_mg():
    check = check_order(order("20 mg/m2", override_reason="refractory disease"), patient(**BSA_190))
    assert severity_of(check.findings, "mtx.above-cap-override") is Severity.MAJOR
    assert "give 30 mg" in next(f.message for f in check.findings if f.rule_id == "mtx.capped")
    assert status_of(check.findings) is Status.WARN


def test_mg_per_m2_order_is_rounded_like_the_calculator_not_a_fractional_tablet():
    # 15 mg/m² × 1.90 m² = 28.5 mg → capped 25; 15 mg/m² × 1.50 m² = 22.5; 15 × 1.62 → 24.3 → give 22.5 mg
    check = check_order(order("15 mg/m2", route="oral"), patient(weight="60 kg", height="157.5 cm"))  # 1.62 m²
    assert "mtx.not-whole-tablets" not in rule_ids(check.findings)
    assert "give 22.5 mg weekly" in next(f.message for f in check.findings if f.rule_id == "mtx.rounding")


def test_mg_per_m2_above_the_plan_range_is_checked_as_written():
    # 25 mg/m² is not the plan's wording: 25 × 1.90 = 47.5 mg is above the absolute maximum -> block
    check = check_order(order("25 mg/m2"), patient(**BSA_190))
    assert severity_of(check.findings, "mtx.above-max") is Severity.CONTRAINDICATED


CHILD = dict(weight="40 kg", height="150 cm", age="12 years", sex="female")  # BSA sqrt(6000/3600) = 1.29 m²


def test_child_at_15_mg_per_m2_has_no_sub_therapeutic_finding():
    # 15 mg/m² × 1.29 m² = 19.36 mg → 17.5 mg given; an adult 15/20 mg floor must not call it low (SHARE 2017)
    check = check_order(order("15 mg/m2"), patient(**CHILD))
    assert not rule_ids(check.findings) & {"mtx.below-range", "mtx.plan-escalation"}
    assert "SHARE 2017" in check.recommended
    fixed = check_order(order("17.5 mg"), patient(**CHILD))
    assert not rule_ids(fixed.findings) & {"mtx.below-range", "mtx.plan-escalation"}


def test_child_rounded_down_dose_is_not_below_range():
    # 27 kg × 108 cm: BSA sqrt(2916/3600) = 0.90 m²; 15 mg/m² = 13.5 mg → 12.5 mg (one whole step down)
    small = patient(weight="27 kg", height="108 cm", age="6 years", sex="male")
    assert "mtx.below-range" not in rule_ids(check_order(order("12.5 mg"), small).findings)
    low = check_order(order("10 mg"), small)  # 11.1 mg/m²: below the juvenile 15–20 mg/m²
    finding = next(f for f in low.findings if f.rule_id == "mtx.below-range")
    assert finding.severity is Severity.CAUTION
    assert "juvenile DM dose of 15–20 mg/m²" in finding.message


def test_adult_below_range_keeps_the_adult_floor():
    assert severity_of(check_order(order("12.5 mg"), patient()).findings, "mtx.below-range") is Severity.CAUTION


adult_or_child = st.sampled_from([("40 years", "male"), ("70 years", "female"), ("12 years", "female")])


@settings(max_examples=120, deadline=None)
@given(size=patients, per_m2=st.floats(15.0, 20.0), override=st.sampled_from([None, "refractory disease"]),
       who=adult_or_child, scr=st.sampled_from([None, "0.9 mg/dL", "1.8 mg/dL"]),
       route=st.sampled_from(["oral", "subcutaneous"]))
def test_calculator_and_check_order_agree_on_the_cap(size, per_m2, override, who, scr, route):
    w, h = size
    age, sex = who
    p = patient(weight=Quantity(w, "kg"), height=Quantity(h, "cm"), age=age, sex=sex, scr=scr)
    dose = Quantity(per_m2, "mg/m**2")
    plan = calculate_methotrexate(p, dose_per_m2=dose, override_reason=override, route=route)
    if plan.weekly_dose is None:
        return
    check = check_order(order(dose, "weekly", route, override_reason=override), p)
    assert worst_cap(plan.findings) == worst_cap(check.findings)
    assert status_of([f for f in check.findings if f.rule_id in CAP_RULES]) is not Status.BLOCK
    # and the dose to give is the same number
    given = next(f.message for f in check.findings if f.rule_id == "mtx.rounding")
    assert f"give {mg(plan.weekly_dose):g} mg weekly" in given


@settings(max_examples=80, deadline=None)
@given(w1=st.floats(35.0, 200.0), w2=st.floats(35.0, 200.0), h=st.floats(140.0, 210.0), who=adult_or_child)
def test_recommended_dose_never_exceeds_caps_and_is_monotone_in_bsa(w1, w2, h, who):
    age, sex = who
    lo, hi = sorted((w1, w2))
    small = check_order(order("20 mg"), patient(weight=Quantity(lo, "kg"), height=Quantity(h, "cm"), age=age, sex=sex, scr=None))
    large = check_order(order("20 mg"), patient(weight=Quantity(hi, "kg"), height=Quantity(h, "cm"), age=age, sex=sex, scr=None))
    assert mg(small.recommended_dose) <= mg(large.recommended_dose) <= PLAN_TARGET_MG <= CAP_MG


@settings(max_examples=80, deadline=None)
@given(interval=st.integers(1, 6), times=st.integers(1, 4), tablets=st.integers(1, 4))
def test_more_often_than_weekly_always_blocks(interval, times, tablets):
    check = check_order(order(Quantity(tablets, "tablet"), Frequency("hand-built", interval_days=interval,
                                                                      times_per_day=times), "oral"), patient())
    assert severity_of(check.findings, "mtx.not-weekly") is Severity.CONTRAINDICATED


@settings(max_examples=80, deadline=None)
@given(interval=st.one_of(st.none(), st.integers(8, 60)), tablets=st.integers(1, 12))
def test_less_often_than_weekly_never_blocks_within_the_maximum(interval, tablets):
    f = Frequency("hand-built", interval_days=interval, count=1 if interval is None else None)
    check = check_order(order(Quantity(tablets, "tablet"), f, "oral"), patient())
    assert severity_of(check.findings, "mtx.interval-not-weekly") is Severity.MAJOR
    assert status_of(check.findings) is Status.WARN  # ≤ 12 tablets = 30 mg: within the absolute maximum


def test_child_juvenile_range_constants():
    assert CHILD_DOSE_PER_M2_MG == (15.0, 20.0)  # SHARE 2017, Table 3


# ---------------------------------------------------------------- issue 8: the order check on plain floats

import dosing.drugs.methotrexate as mtx  # noqa: E402
from dosing.units import round_to_step, unit_text  # noqa: E402

# Doses at and beside whole 2.5 mg steps, the caps and the renal limit, where float noise could lose a step.
near_steps = st.one_of(
    st.floats(0.1, 80.0),
    st.builds(lambda n, eps: n * 2.5 + eps, st.integers(1, 24), st.sampled_from([0.0, 1e-12, -1e-12, 1e-10, -1e-10, 1e-9, -1e-9])),
    st.sampled_from([14.999999999999998, 12.5, 25.0, 30.0, 25.000000001, 2.4999999999]),
)


@settings(max_examples=400, deadline=None)
@given(target=near_steps, cap=st.sampled_from([CAP_MG, OVERRIDE_CAP_MG, PLAN_TARGET_MG, 12.5]), factor=st.sampled_from([1.0, 0.5]))
def test_float_kernel_is_weekly_dose_mg(target, cap, factor):
    # The order check's scalar arithmetic is the batch helper's, to the last bit, refusals included.
    try:
        expected = weekly_dose_mg(target, cap, 2.5, factor)
    except DoseInputError as err:
        with pytest.raises(DoseInputError) as mine:
            mtx._weekly_dose(target, cap, factor)
        assert (mine.value.parameter, mine.value.problem) == (err.parameter, err.problem)
        return
    assert mtx._weekly_dose(target, cap, factor) == expected


@settings(max_examples=400, deadline=None)
@given(mg_=st.one_of(st.floats(1e-6, 40000.0), near_steps, st.builds(lambda n: n * 0.0125, st.integers(1, 4000))))
def test_float_volume_rounding_is_round_to_step(mg_):
    # mL of 25 mg/mL to 0.001 mL, and back to 1 µg: the Decimal steps of units.round_to_step, on floats.
    ml = round_to_step((Quantity(mg_, "mg") / mtx.INJECTION_CONCENTRATION).to("mL"), Quantity(0.001, "mL"))
    assert mtx._ml_of_mg(mg_) == ml.magnitude
    back = round_to_step((Quantity(mg_ / 25.0, "mL") * mtx.INJECTION_CONCENTRATION).to("mg"), Quantity(1e-6, "mg"))
    assert mtx._mg_of_ml(mg_ / 25.0) == back.magnitude


@settings(max_examples=200, deadline=None)
@given(w=st.floats(2.0, 350.0), h=st.floats(40.0, 250.0))
def test_float_bsa_is_patient_bsa(w, h):
    p = Patient(Quantity(w, "kg"), Quantity(h, "cm"), "40 years", "female")
    assert mtx._mosteller_m2(p.weight.magnitude, p.height.magnitude) == p.bsa().magnitude


def test_unit_texts_are_unit_text():
    # The check writes "<number> <unit>" for floats as _q writes a Quantity.
    for text, unit in [(mtx._MG, "mg"), (mtx._ML, "mL"), (mtx._KG, "kg"), (mtx._MG_DL, "mg/dL")]:
        assert text == unit_text(Quantity(1.0, unit).units)


@pytest.mark.parametrize("name", ["Methotrexate Sodium", "metho-trexate", "M T X", "mtx\u00a0", "Rasuvo", "amethopterin\t"])
def test_drug_key_ignores_case_spaces_and_hyphens(name):
    assert mtx._drug_key(name) == "".join(ch for ch in name.lower() if not ch.isspace() and ch != "-")
