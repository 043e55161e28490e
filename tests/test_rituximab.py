import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing.drugs.rituximab import (
    RituximabRegimen,
    calculate_rituximab,
    check_rituximab_order,
    rituximab_dose_mg,
    vials_for,
)
from dosing.findings import Severity
from dosing.order import Order
from dosing.patient import Patient
from dosing.units import DoseInputError, Quantity

START = dt.date(2026, 12, 1)


def patient(weight="72 kg", height="162 cm", **kw):
    # Mosteller: sqrt(162 cm × 72 kg / 3600) = sqrt(3.24) = 1.80 m²
    return Patient(weight, height, "50 years", "female", **kw)


def rules(check):
    return {f.rule_id: f.severity for f in check.findings}


# ---------------------------------------------------------------- calculator, hand-worked


def test_bsa_weekly_x4_hand_worked():
    plan = calculate_rituximab(patient(), start_date=START)
    # 375 mg/m² × 1.80 m² = 675 mg → nearest 10 mg (half up) = 680 mg
    assert plan.bsa.magnitude == pytest.approx(1.80)
    assert plan.dose_per_administration == Quantity(680, "mg")
    assert [a.date for a in plan.schedule] == [
        dt.date(2026, 12, 1), dt.date(2026, 12, 8), dt.date(2026, 12, 15), dt.date(2026, 12, 22)
    ]
    assert all(a.dose == Quantity(680, "mg") for a in plan.schedule)
    assert plan.schedule[0].label == "dose 1 of 4 (week 1)"
    # 680 mg × 4 = 2720 mg; 680 mg ÷ 10 mg/mL = 68 mL; 1 × 500 mg + 2 × 100 mg vials = 700 mg drawn
    assert plan.total_course_dose == Quantity(2720, "mg")
    assert plan.volume_per_administration == Quantity(68, "mL")
    assert [(v.strength.magnitude, v.count) for v in plan.vials_per_administration] == [(500, 1), (100, 2)]
    assert "675.0 mg → 680 mg" in dict(plan.details)["dose"]


def test_fixed_days_1_and_15_hand_worked():
    plan = calculate_rituximab(patient(), regimen="fixed-days-1-15", start_date=START)
    assert plan.regimen is RituximabRegimen.FIXED_DAYS_1_15
    assert [(a.date, a.dose, a.label) for a in plan.schedule] == [
        (dt.date(2026, 12, 1), Quantity(1000, "mg"), "day 1"),
        (dt.date(2026, 12, 15), Quantity(1000, "mg"), "day 15"),
    ]
    # 1000 mg × 2 = 2000 mg; 1000 mg ÷ 10 mg/mL = 100 mL = 2 × 500 mg vials
    assert plan.total_course_dose == Quantity(2000, "mg")
    assert plan.volume_per_administration == Quantity(100, "mL")
    assert [(v.strength.magnitude, v.count) for v in plan.vials_per_administration] == [(500, 2)]
    assert plan.bsa is None


def test_iso_string_start_date_and_month_rollover():
    plan = calculate_rituximab(patient(), start_date="2026-12-20")
    assert [a.date for a in plan.schedule][-1] == dt.date(2027, 1, 10)  # 20 Dec + 21 days


def test_premedication_and_hbv_in_result():
    plan = calculate_rituximab(patient(), start_date=START)
    text = " ".join(plan.premedication)
    # The label names paracetamol and an antihistamine without doses; only methylprednisolone's is stated.
    assert "acetaminophen" in text and "antihistamine" in text
    assert "methylprednisolone 100 mg IV" in text and "30 minutes" in text
    assert "HBsAg" in plan.hbv_screening and "anti-HBc" in plan.hbv_screening
    ids = {f.rule_id for f in plan.findings}
    assert {"rituximab.hbv-screening", "rituximab.premedication", "rituximab.slow-onset"} <= ids
    assert all(f.reference for f in plan.findings)


def test_large_bsa_is_not_capped_at_1000_mg():
    # Issue 7: the Rituxan label sets no mg cap on 375 mg/m² (the RIM trial's 1 g capped 750 mg/m²).
    # sqrt(144 × 196 / 3600) = sqrt(7.84) = 2.80 m²; 375 × 2.80 = 1050 mg (was capped to 1000 mg)
    plan = calculate_rituximab(patient("196 kg", "144 cm"), start_date=START)
    assert plan.dose_per_administration == Quantity(1050, "mg")
    assert "rituximab.single-dose-capped" not in rules(plan)
    assert rules(plan)["rituximab.bsa-dose-above-1000-uncapped"] is Severity.INFO
    # 1050 mg × 4 = 4200 mg; 105 mL; 2 × 500 mg + 1 × 100 mg vials
    assert plan.total_course_dose == Quantity(4200, "mg")
    assert plan.volume_per_administration == Quantity(105, "mL")
    assert [(v.strength.magnitude, v.count) for v in plan.vials_per_administration] == [(500, 2), (100, 1)]


def test_other_bsa_formula_is_used():
    # Du Bois: 0.007184 × 72^0.425 × 162^0.725 = 1.7686 m²; × 375 = 663.2 mg → 660 mg
    plan = calculate_rituximab(patient(), start_date=START, bsa_formula="dubois")
    assert plan.bsa.magnitude == pytest.approx(0.007184 * 72**0.425 * 162**0.725)
    assert plan.dose_per_administration == Quantity(660, "mg")


def test_numeric_helper_on_arrays_matches_scalar():
    bsa = np.array([1.5, 1.8, 2.0, 2.8])
    # 562.5 → 560 (half up at 10 mg: 56.25 → 56); 675 → 680; 750; 1050 (no cap: Rituxan label)
    assert list(rituximab_dose_mg(bsa)) == [560.0, 680.0, 750.0, 1050.0]
    assert [rituximab_dose_mg(float(b)) for b in bsa] == list(rituximab_dose_mg(bsa))


@pytest.mark.parametrize("bad", [float("nan"), -1.0, 0.0, float("inf"), np.array([1.8, np.nan]), np.array([])])
def test_numeric_helper_rejects_bad_bsa(bad):
    with pytest.raises(DoseInputError):
        rituximab_dose_mg(bad)


def test_vials_prefer_least_drug_then_fewest_vials():
    assert [(v.strength.magnitude, v.count) for v in vials_for(480)] == [(500, 1)]  # not 5 × 100
    assert [(v.strength.magnitude, v.count) for v in vials_for(620)] == [(500, 1), (100, 2)]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start_date": "2026-13-01"},
        {"start_date": dt.datetime(2026, 12, 1, 9, 0)},
        {"start_date": 20261201},
        {"start_date": START, "regimen": "weekly"},
        {"start_date": START, "bsa_formula": "guess"},
    ],
)
def test_calculator_rejects_bad_arguments(kwargs):
    with pytest.raises(DoseInputError):
        calculate_rituximab(patient(), **kwargs)


def test_start_date_is_required():
    with pytest.raises(TypeError):
        calculate_rituximab(patient())


# ---------------------------------------------------------------- order check


def test_375_mg_m2_weekly_x4_is_ok():
    check = check_rituximab_order(Order("rituximab", "375 mg/m2", "weekly x4", "IV"), patient())
    assert check.recommended_dose == Quantity(680, "mg")
    assert max(f.severity for f in check.findings) is Severity.INFO
    assert {"rituximab.hbv-screening", "rituximab.premedication"} <= set(rules(check))


def test_1000_mg_days_1_and_15_is_ok():
    check = check_rituximab_order(Order("rituximab", "1000 mg", "days 1 and 15", "IV"), patient())
    assert check.recommended_dose == Quantity(1000, "mg")
    assert max(f.severity for f in check.findings) is Severity.INFO


def test_absolute_weekly_dose_within_10_percent_is_ok():
    # Against the exact dose: 375 × 1.80 = 675 mg; × 1.10 = 742.5 mg: 740 mg is inside, 750 mg outside
    ok = check_rituximab_order(Order("rituximab", "740 mg", "weekly x4", "IV"), patient())
    assert "rituximab.above-recommended" not in rules(ok)
    high = check_rituximab_order(Order("rituximab", "750 mg", "weekly x4", "IV"), patient())
    assert rules(high)["rituximab.above-recommended"] is Severity.MAJOR


def test_absolute_weekly_dose_far_below_is_caution():
    # 675 mg × 0.90 = 607.5 mg; 600 mg is below
    check = check_rituximab_order(Order("rituximab", "600 mg", "weekly x4", "IV"), patient())
    assert rules(check)["rituximab.below-recommended"] is Severity.CAUTION


def test_fixed_1000_mg_given_weekly_is_major():
    check = check_rituximab_order(Order("rituximab", "1000 mg", "weekly", "IV"), patient())
    assert rules(check)["rituximab.above-recommended"] is Severity.MAJOR
    # An open-ended weekly order for a 4-infusion course has no stop date: it warns.
    assert rules(check)["rituximab.course-length-unstated"] is Severity.CAUTION


def test_single_dose_above_label_max_is_contraindicated():
    # 1.80 m²: largest labelled single dose = max(1000 mg, 500 × 1.80 = 900 mg) = 1000 mg; 1200 mg is above it
    check = check_rituximab_order(Order("rituximab", "1.2 g", "days 1 and 15", "IV"), patient())
    assert rules(check)["rituximab.single-dose-above-1000"] is Severity.MAJOR
    assert rules(check)["rituximab.single-dose-above-label-max"] is Severity.CONTRAINDICATED
    # 375 mg/m² on a 2.80 m² patient = 1050 mg, uncapped (Rituxan label) and not blocked
    big = check_rituximab_order(Order("rituximab", "375 mg/m2", "weekly x4", "IV"), patient("196 kg", "144 cm"))
    assert big.recommended_dose == Quantity(1050, "mg")
    assert "rituximab.single-dose-capped" not in rules(big)
    assert max(f.severity for f in big.findings) is Severity.INFO


@pytest.mark.parametrize("route", ["SC", "oral", "IM"])
def test_non_iv_route_is_contraindicated(route):
    check = check_rituximab_order(Order("rituximab", "375 mg/m2", "weekly x4", route), patient())
    assert rules(check)["rituximab.route-not-iv"] is Severity.CONTRAINDICATED


@pytest.mark.parametrize(
    "dose,frequency",
    [("375 mg/m2", "q4w"), ("680 mg", "daily"), ("1000 mg", "every 2 weeks"), ("680 mg", "once")],
)
def test_wrong_frequency_is_major(dose, frequency):
    check = check_rituximab_order(Order("rituximab", dose, frequency, "IV"), patient())
    assert rules(check)["rituximab.frequency"] is Severity.MAJOR


def test_weekly_x8_is_major_course_length():
    check = check_rituximab_order(Order("rituximab", "375 mg/m2", "weekly x 8", "IV"), patient())
    assert rules(check)["rituximab.course-length"] is Severity.MAJOR


def test_hepatitis_b_active_is_left_to_interactions():
    check = check_rituximab_order(Order("rituximab", "375 mg/m2", "weekly x4", "IV"), patient(conditions={"hepatitis_b_active"}))
    assert all(f.severity is Severity.INFO for f in check.findings)
    assert "rituximab.hbv-screening" in rules(check)


@pytest.mark.parametrize("dose", ["5 mg/kg", "68 mL", "4 tablets", "1 capsule"])
def test_doses_not_in_mg_or_mg_per_m2_raise(dose):
    with pytest.raises(DoseInputError) as err:
        check_rituximab_order(Order("rituximab", dose, "weekly x4", "IV"), patient())
    assert err.value.parameter == "dose"


# ---------------------------------------------------------------- properties

weights = st.floats(40, 200, allow_nan=False)
heights = st.floats(140, 200, allow_nan=False)


@settings(max_examples=40)
@given(weights, heights)
def test_same_patient_in_lb_and_inches_gives_same_dose(w, h):
    metric = calculate_rituximab(patient(Quantity(w, "kg"), Quantity(h, "cm")), start_date=START)
    imperial = calculate_rituximab(
        patient(Quantity(w, "kg").to("lb"), Quantity(h, "cm").to("inch")), start_date=START
    )
    assert metric.dose_per_administration == imperial.dose_per_administration
    assert metric.total_course_dose == imperial.total_course_dose


@settings(max_examples=40)
@given(st.floats(40, 199, allow_nan=False), st.floats(0.1, 20, allow_nan=False), heights)
def test_dose_non_decreasing_in_weight_and_uncapped(w, dw, h):
    lighter = calculate_rituximab(patient(Quantity(w, "kg"), Quantity(h, "cm")), start_date=START)
    heavier = calculate_rituximab(patient(Quantity(min(w + dw, 200), "kg"), Quantity(h, "cm")), start_date=START)
    assert lighter.dose_per_administration <= heavier.dose_per_administration
    for plan in (lighter, heavier):
        dose = plan.dose_per_administration.to("mg").magnitude
        assert dose % 10 == 0
        assert dose == rituximab_dose_mg(plan.bsa.magnitude)  # the calculator and the numeric core agree
        # Never more than 5 mg from 375 mg/m² × BSA: no mg cap (Rituxan label), at any BSA.
        exact = 375 * plan.bsa.magnitude
        assert abs(dose - exact) <= 5 + 1e-9
        assert len(plan.schedule) == 4
        assert plan.schedule[-1].date - plan.schedule[0].date == dt.timedelta(days=21)


@settings(max_examples=60)
@given(st.floats(0.3, 3.5, allow_nan=False))
def test_numeric_helper_array_equals_scalar(b):
    arr = rituximab_dose_mg(np.array([b, b]))
    assert arr[0] == rituximab_dose_mg(b) == arr[1]
    assert abs(rituximab_dose_mg(b) - 375 * b) <= 5 + 1e-9


@settings(max_examples=30)
@given(
    st.one_of(
        st.floats(allow_nan=True),
        st.integers(),
        st.sampled_from(["", "tomorrow", "2026-02-30", "12/01/2026", None]),
    )
)
def test_bad_start_dates_raise(value):
    with pytest.raises(DoseInputError):
        calculate_rituximab(patient(), start_date=value)


@settings(max_examples=30)
@given(st.floats(-1e6, 0, allow_nan=False) | st.just(math.nan))
def test_non_positive_or_nan_bsa_raises(b):
    with pytest.raises(DoseInputError):
        rituximab_dose_mg(b)


def test_order_start_date_gives_dated_schedule():
    weekly = check_rituximab_order(Order("rituximab", "375 mg/m2", "weekly x4", "IV", start_date="2026-12-01"), patient())
    assert dict(weekly.details)["schedule"] == "2026-12-01, 2026-12-08, 2026-12-15, 2026-12-22"
    fixed = check_rituximab_order(Order("rituximab", "1000 mg", "days 1 and 15", "IV", start_date="2026-12-01"), patient())
    assert dict(fixed.details)["schedule"] == "2026-12-01, 2026-12-15"


# ---------------------------------------------------------------- review regressions


@pytest.mark.parametrize(
    "bad",
    [
        "1.8",  # a string of a number
        True,  # a bool is not a BSA
        Quantity(18000, "cm**2"),  # numpy would strip the unit and read 18000 m²
        Quantity(1.8, "m**2"),  # the numeric core takes plain m² numbers only
        180.0,  # cm-for-m slip: far above any human BSA
        0.05,
        1 + 2j,
        "abc",
        np.array(["1.8"]),
        np.array([True]),
    ],
)
def test_numeric_helper_refuses_non_numbers_and_implausible_bsa(bad):
    with pytest.raises(DoseInputError) as err:
        rituximab_dose_mg(bad)
    assert err.value.parameter == "bsa"


# "3.5 g": above 500 mg/m² at the largest plausible BSA (3000 mg); was "2 g" while 375 mg/m² was capped at 1 g.
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -5.0, 0.0, 1e12, "abc", "3.5 g", True, Quantity(5, "mL")])
def test_vials_for_refuses_bad_doses(bad):
    # nan raised ValueError, a string TypeError, 1e12 looped ~2e9 times.
    with pytest.raises(DoseInputError) as err:
        vials_for(bad)
    assert err.value.parameter == "dose"


def test_vials_for_accepts_a_mass_quantity():
    # 680 mg: 1 × 500 mg + 2 × 100 mg, whichever way it is written
    expected = [(500, 1), (100, 2)]
    for dose in (680, 680.0, Quantity(680, "mg"), "0.68 g"):
        assert [(v.strength.magnitude, v.count) for v in vials_for(dose)] == expected


@pytest.mark.parametrize("order,who", [({"drug": "rituximab"}, "order"), (None, "patient")])
def test_order_check_refuses_non_orders_and_non_patients(order, who):
    real = Order("rituximab", "1000 mg", "days 1 and 15", "IV")
    with pytest.raises(DoseInputError) as err:
        if who == "order":
            check_rituximab_order(order, patient())
        else:
            check_rituximab_order(real, order)
    assert err.value.parameter == who


def child():
    # 9 years, 25 kg, 125 cm: Mosteller sqrt(125 × 25 / 3600) = 0.93 m²; 375 × 0.93 = 349 mg → 350 mg
    return Patient("25 kg", "125 cm", "9 years", "female")


def test_fixed_1000_mg_in_a_child_is_major():
    # 1000 mg for a 0.93 m² child is ~1070 mg/m²: the adult RA regimen must not pass silently.
    check = check_rituximab_order(Order("rituximab", "1000 mg", "days 1 and 15", "IV"), child())
    assert rules(check)["rituximab.fixed-dose-paediatric"] is Severity.MAJOR
    plan = calculate_rituximab(child(), regimen="fixed-days-1-15", start_date=START)
    assert rules(plan)["rituximab.fixed-dose-paediatric"] is Severity.MAJOR
    # BSA dosing in the child is fine, and adults get no paediatric finding
    bsa_plan = calculate_rituximab(child(), start_date=START)
    assert bsa_plan.dose_per_administration == Quantity(350, "mg")
    assert "rituximab.fixed-dose-paediatric" not in rules(bsa_plan)
    adult = check_rituximab_order(Order("rituximab", "1000 mg", "days 1 and 15", "IV"), patient())
    assert "rituximab.fixed-dose-paediatric" not in rules(adult)


def test_no_four_date_schedule_for_a_longer_course():
    check = check_rituximab_order(Order("rituximab", "375 mg/m2", "weekly x 8", "IV", start_date="2026-12-01"), patient())
    assert "schedule" not in dict(check.details)


# ================================================================ QA regressions


def test_per_area_order_volume_is_from_the_rounded_dose():
    # Mosteller sqrt(165 × 68 / 3600) = 1.7654 m²; 375 × 1.7654 = 662.0 mg → 660 mg (nearest 10 mg) → 66 mL.
    # The volume line said "662 mg ÷ 10 mg/mL = 66.2 mL" while the recommendation said 660 mg.
    check = check_rituximab_order(Order("rituximab", "375 mg/m2", "weekly x4", "IV"), patient("68 kg", "165 cm"))
    details = dict(check.details)
    assert check.recommended_dose == Quantity(660, "mg")
    assert details["volume"] == "660 mg ÷ 10 mg/mL = 66 mL of concentrate"
    assert details["ordered"].endswith("= 662.0 mg → 660 mg (nearest 10 mg)")


def test_mass_order_volume_is_the_ordered_dose():
    check = check_rituximab_order(Order("rituximab", "1000 mg", "days 1 and 15", "IV"), patient())
    assert dict(check.details)["volume"] == "1000 mg ÷ 10 mg/mL = 100 mL of concentrate"


@settings(max_examples=60)
# Up to sqrt(200 × 250 / 3600) = 3.73 m² (375 × 3.73 = 1398 mg): across 1000 mg, which neither caps.
@given(st.floats(30, 250, allow_nan=False), st.floats(140, 200, allow_nan=False))
def test_per_area_order_volume_matches_calculator(w, h):
    pt = patient(Quantity(w, "kg"), Quantity(h, "cm"))
    plan = calculate_rituximab(pt, regimen="bsa-weekly-x4", start_date=START)
    check = check_rituximab_order(Order("rituximab", "375 mg/m2", "weekly x4", "IV"), pt)
    assert dict(check.details)["volume"] == dict(plan.details)["volume"]
    assert check.recommended_dose == plan.dose_per_administration
    assert dict(check.details)["ordered"] == dict(plan.details)["dose"]
    assert max(f.severity for f in check.findings) <= Severity.CAUTION  # an mg/m² order is never blocked for size


def test_per_area_order_above_1000_mg_is_the_full_bsa_dose():
    # sqrt(169 × 153 / 3600) = 2.680 m²; 375 × 2.680 = 1005.0 → 1010 mg, uncapped (issue 7: the Rituxan label
    # sets no mg cap on 375 mg/m²; it was capped at 1000 mg citing the RIM trial, whose cap was for 750 mg/m²).
    check = check_rituximab_order(Order("rituximab", "375 mg/m2", "weekly x4", "IV"), patient("153 kg", "169 cm"))
    assert "rituximab.single-dose-capped" not in rules(check)
    assert "rituximab.single-dose-above-1000" not in rules(check)
    assert rules(check)["rituximab.bsa-dose-above-1000-uncapped"] is Severity.INFO
    assert check.recommended_dose == Quantity(1010, "mg")
    assert dict(check.details)["volume"] == "1010 mg ÷ 10 mg/mL = 101 mL of concentrate"


# ================================================================ QA pass 2: cap, label maximum, children, regimens


def test_calculator_states_the_uncapped_arithmetic():
    # Mosteller sqrt(152 × 250 / 3600) = sqrt(10.556) = 3.249 m²; 375 × 3.249 = 1218.3 mg → 1220 mg (nearest 10 mg).
    # Issue 7: was "capped at 1000 mg per infusion (RIM trial)"; the label's 375 mg/m² has no cap.
    plan = calculate_rituximab(patient("250 kg", "152 cm"), start_date=START)
    assert plan.dose_per_administration == Quantity(1220, "mg")
    assert dict(plan.details)["dose"] == "375 mg/m² × 3.249 m² = 1218.3 mg → 1220 mg (nearest 10 mg)"
    note = {f.rule_id: f for f in plan.findings}["rituximab.bsa-dose-above-1000-uncapped"]
    assert note.severity is Severity.INFO and "750 mg/m²" in note.message and "Rituxan" in note.reference


def test_half_step_above_1000_is_rounded_up_not_capped():
    # sqrt(150 × 172.3776 / 3600) = 2.68 m² (float 2.6799999999999997); 375 × 2.68 = 1005.0 mg → 1010 mg (half up)
    pt = patient("172.3776 kg", "150 cm")
    plan = calculate_rituximab(pt, start_date=START)
    assert plan.dose_per_administration == Quantity(1010, "mg")
    assert "rituximab.single-dose-capped" not in rules(plan)
    assert dict(plan.details)["dose"].endswith("= 1005.0 mg → 1010 mg (nearest 10 mg)")


def test_bsa_order_for_a_large_adult_is_neither_capped_nor_blocked():
    # QA case: 150 kg, 180 cm: sqrt(180 × 150 / 3600) = sqrt(7.5) = 2.739 m²; 375 × 2.739 = 1027.0 mg → 1030 mg.
    # It was CONTRAINDICATED, then capped at 1000 mg (RIM trial); the label's 375 mg/m² regimens have no mg cap.
    check = check_rituximab_order(Order("rituximab", "375 mg/m2", "weekly x4", "IV"), patient("150 kg", "180 cm"))
    assert "rituximab.single-dose-capped" not in rules(check)
    assert max(f.severity for f in check.findings) is Severity.INFO
    assert check.recommended_dose == Quantity(1030, "mg")
    details = dict(check.details)
    assert details["ordered"] == "375 mg/m² × 2.739 m² = 1027.0 mg → 1030 mg (nearest 10 mg)"
    assert details["volume"] == "1030 mg ÷ 10 mg/mL = 103 mL of concentrate"
    assert check.recommended == "375 mg/m² = 1030 mg IV weekly x4"


@pytest.mark.parametrize(
    "dose,weight,height,frequency,major,contraindicated",
    [
        # 1.80 m²: label max = max(1000, 500 × 1.80 = 900) = 1000 mg
        ("1000 mg", "72 kg", "162 cm", "days 1 and 15", None, False),
        ("1010 mg", "72 kg", "162 cm", "days 1 and 15", "rituximab.single-dose-above-1000", True),
        # 2.739 m²: label max = max(1000, 500 × 2.739 = 1369.3) = 1369.3 mg
        ("1200 mg", "150 kg", "180 cm", "days 1 and 15", "rituximab.single-dose-above-1000", False),
        # Weekly: judged against 375 × 2.739 = 1027.0 mg (+10 % = 1129.8 mg), not a 1 g cap (issue 7)
        ("1100 mg", "150 kg", "180 cm", "weekly x4", None, False),
        ("1369 mg", "150 kg", "180 cm", "weekly x4", "rituximab.above-recommended", False),
        ("1370 mg", "150 kg", "180 cm", "weekly x4", "rituximab.above-recommended", True),
        # 3.249 m²: 375 × 3.249 = 1218.3 mg, so 1220 mg weekly is the label dose (was MAJOR "above 1 g");
        # label max = 500 × 3.249 = 1624.6 mg
        ("1220 mg", "250 kg", "152 cm", "weekly x4", None, False),
        ("1.7 g", "250 kg", "152 cm", "weekly x4", "rituximab.above-recommended", True),
    ],
)
def test_explicit_mg_above_fixed_dose_is_major_and_above_label_max_contraindicated(
    dose, weight, height, frequency, major, contraindicated
):
    check = check_rituximab_order(Order("rituximab", dose, frequency, "IV"), patient(weight, height))
    found = rules(check)
    majors = {r for r, sev in found.items() if sev is Severity.MAJOR}
    assert (major in majors) if major else not majors
    assert (found.get("rituximab.single-dose-above-label-max") is Severity.CONTRAINDICATED) is contraindicated
    messages = {f.rule_id: f for f in check.findings}
    if major == "rituximab.single-dose-above-1000":
        assert "fixed regimen's 1000 mg per infusion" in messages[major].message
        assert "Rituxan" in messages[major].reference
    if contraindicated:
        label = messages["rituximab.single-dose-above-label-max"]
        assert "RA 1000 mg; CLL 500 mg/m²" in label.message and "Rituxan" in label.reference


def test_weekly_mg_order_for_a_large_adult_is_compared_with_the_uncapped_dose():
    # 2.739 m²: 375 × BSA = 1027.0 mg (−10 % = 924.3, +10 % = 1129.8 mg): 1000 mg and 1030 mg weekly x4 both pass.
    for dose in ("1000 mg", "1030 mg"):
        ok = check_rituximab_order(Order("rituximab", dose, "weekly x4", "IV"), patient("150 kg", "180 cm"))
        assert max(f.severity for f in ok.findings) is Severity.INFO


def six_year_old():
    # 6 years, 20 kg, 110 cm: Mosteller sqrt(110 × 20 / 3600) = 0.7817 m²; 375 × 0.7817 = 293.2 mg → 290 mg;
    # +10 % = 322.5 mg is the largest single dose accepted under 18.
    return Patient("20 kg", "110 cm", "6 years", "male")


def test_fixed_1000_mg_in_a_six_year_old_is_contraindicated():
    # 1000 mg ÷ 293.2 mg = 3.4 × the BSA dose: was only MAJOR.
    check = check_rituximab_order(Order("rituximab", "1000 mg", "days 1 and 15", "IV"), six_year_old())
    assert rules(check)["rituximab.paediatric-above-bsa-dose"] is Severity.CONTRAINDICATED
    assert rules(check)["rituximab.fixed-dose-paediatric"] is Severity.MAJOR
    assert "3.4 ×" in {f.rule_id: f.message for f in check.findings}["rituximab.paediatric-above-bsa-dose"]
    # The recommendation for a child is the BSA regimen, not 1000 mg
    assert check.recommended_dose == Quantity(290, "mg")
    assert "weekly x4" in check.recommended
    # The calculator's fixed regimen for the same child carries the same block
    plan = calculate_rituximab(six_year_old(), regimen="fixed-days-1-15", start_date=START)
    assert rules(plan)["rituximab.paediatric-above-bsa-dose"] is Severity.CONTRAINDICATED


@pytest.mark.parametrize(
    "dose,blocked",
    [
        ("375 mg/m2", False),  # 290 mg
        ("320 mg", False),  # ≤ 322.5 mg
        ("330 mg", True),  # > 322.5 mg
        ("420 mg/m2", True),  # 420 × 0.7817 = 328.3 → 330 mg > 322.5 mg
        ("1000 mg", True),
    ],
)
def test_child_weekly_single_dose_limit(dose, blocked):
    check = check_rituximab_order(Order("rituximab", dose, "weekly x4", "IV"), six_year_old())
    assert (rules(check).get("rituximab.paediatric-above-bsa-dose") is Severity.CONTRAINDICATED) is blocked


def test_adults_have_no_paediatric_limit():
    # 18 years: 1000 mg days 1 and 15 on 0.7817 m² is the adult regimen (no paediatric finding)
    adult = Patient("20 kg", "110 cm", "18 years", "male")
    check = check_rituximab_order(Order("rituximab", "1000 mg", "days 1 and 15", "IV"), adult)
    assert "rituximab.paediatric-above-bsa-dose" not in rules(check)


@settings(max_examples=60)
@given(st.floats(2, 17.99, allow_nan=False), st.floats(10, 120, allow_nan=False), st.floats(80, 190, allow_nan=False))
def test_child_bsa_order_is_never_blocked_by_its_own_rounding(age, w, h):
    child_pt = Patient(Quantity(w, "kg"), Quantity(h, "cm"), Quantity(age, "years"), "female")
    check = check_rituximab_order(Order("rituximab", "375 mg/m2", "weekly x4", "IV"), child_pt)
    assert "rituximab.paediatric-above-bsa-dose" not in rules(check)


def test_bsa_dose_on_days_1_and_15_is_a_regimen_mismatch():
    # 375 mg/m² × 1.80 m² = 675.0 mg → 680 mg; the schedule is the fixed regimen's. It said the schedule
    # "is not a rituximab regimen" and recommended weekly x4 only.
    check = check_rituximab_order(
        Order("rituximab", "375 mg/m2", "days 1 and 15", "IV", start_date="2026-12-01"), patient()
    )
    found = rules(check)
    assert found["rituximab.regimen-mismatch"] is Severity.MAJOR
    assert "rituximab.frequency" not in found
    message = {f.rule_id: f.message for f in check.findings}["rituximab.regimen-mismatch"]
    assert "375 mg/m² belongs to the weekly ×4 regimen; days 1 and 15 is 1000 mg fixed" in message
    assert "680 mg IV weekly x4" in check.recommended and "1000 mg IV on days 1 and 15" in check.recommended
    assert "schedule" not in dict(check.details)
    # A child is offered only the BSA regimen
    kid = check_rituximab_order(Order("rituximab", "375 mg/m2", "days 1 and 15", "IV"), six_year_old())
    assert rules(kid)["rituximab.regimen-mismatch"] is Severity.MAJOR
    assert "1000 mg" not in kid.recommended


@pytest.mark.parametrize(
    "dose,finding",
    [
        ("728 mg", None),  # 728 ÷ 662.4 = 1.099: inside (was flagged against 660 × 1.1 = 726)
        ("729 mg", "rituximab.above-recommended"),  # 729 ÷ 662.4 = 1.1005
        ("597 mg", None),  # 662.4 × 0.9 = 596.2
        ("596 mg", "rituximab.below-recommended"),  # was accepted against 660 × 0.9 = 594
    ],
)
def test_weekly_mg_tolerance_is_against_the_exact_bsa_dose(dose, finding):
    # Mosteller sqrt(165.2 × 68 / 3600) = 1.7665 m²; 375 × 1.7665 = 662.4 mg (→ 660 mg rounded)
    check = check_rituximab_order(Order("rituximab", dose, "weekly x4", "IV"), patient("68 kg", "165.2 cm"))
    assert check.recommended_dose == Quantity(660, "mg")
    found = {r for r in rules(check) if r in ("rituximab.above-recommended", "rituximab.below-recommended")}
    assert found == ({finding} if finding else set())


# ---------------------------------------------------------------- the scalar rounding (issue 8)

from dosing.drugs.rituximab import _rounded_float_mg, _rounded_mg  # noqa: E402


def _numpy_rounding(raw: float) -> float:
    return float(_rounded_mg(np.asarray(raw, dtype=float)))


@settings(max_examples=300)
@given(
    st.floats(0, 1e13, allow_nan=False, allow_infinity=False)
    | st.integers(0, 400).flatmap(
        # Half-steps and the float noise around them: where a different rounding would show.
        lambda n: st.sampled_from([0.0, 1e-9, -1e-9, 5e-10, -5e-10, 4.9e-10, -4.9e-10, 1e-12]).map(lambda e: n * 10 + 5 + e)
    )
)
def test_scalar_rounding_is_numpys_to_the_bit(raw):
    # The order check rounds one float in plain Python; the batch path rounds arrays with numpy: one rule.
    assert _rounded_float_mg(raw) == _numpy_rounding(raw)
    assert type(_rounded_float_mg(raw)) is float


@pytest.mark.parametrize("raw, rounded", [(675.0, 680.0), (674.9999999999, 680.0), (664.99999999, 660.0), (4.9, 0.0), (1050.0, 1050.0)])
def test_scalar_rounding_hand_worked(raw, rounded):
    assert _rounded_float_mg(raw) == rounded == _numpy_rounding(raw)
