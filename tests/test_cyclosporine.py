"""Cyclosporine (Neoral) dose check: 2.5–4 mg/kg/day twice daily on actual weight (issue 7)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing import Order, Patient, Severity
from dosing.drugs import order_checkers
from dosing.drugs.cyclosporine import calculate_cyclosporine, check_cyclosporine_order, nearest_capsule_dose
from dosing.units import DoseInputError, Quantity


def patient(weight="70 kg", creatinine="0.8 mg/dL", **kw):
    return Patient(weight, "162 cm", "50 years", "female", serum_creatinine=creatinine, **kw)


def rules(check):
    return {f.rule_id: f.severity for f in check.findings}


# ---------------------------------------------------------------- hand-worked


def test_70_kg_start_dose():
    # 2.5 mg/kg/day × 70 kg = 175 mg/day; ÷ 2 = 87.5 mg BID → exactly between 75 and 100 mg: the lower, 75 mg
    # (3 × 25 mg capsules), so rounding never raises the starting dose.
    plan = calculate_cyclosporine(patient())
    assert plan.daily_dose == Quantity(175, "mg/day")
    assert plan.dose_per_administration == Quantity(75, "mg")
    assert plan.capsules == ((25.0, 3),)
    details = dict(plan.details)
    assert details["daily"] == "2.5 mg/kg/day × 70 kg = 175.0 mg/day"
    assert details["per dose"] == "175.0 mg ÷ 2 = 87.50 mg twice daily → 75 mg (nearest whole 25 mg capsule step)"
    assert "actual" in details["dosing weight"]
    # The target (175 mg/day) and what the capsules give (2 × 75 = 150 mg/day) are both stated, never one for the other.
    assert plan.rounded_daily_dose == Quantity(150, "mg/day")
    assert details["rounded daily"] == "75 mg × 2 = 150 mg/day = 2.14 mg/kg/day (the 175.0 mg/day target to whole capsules)"


def test_80_kg_start_dose():
    # 2.5 × 80 = 200 mg/day; ÷ 2 = 100 mg BID = 1 × 100 mg capsule
    plan = calculate_cyclosporine(patient("80 kg"))
    assert plan.dose_per_administration == Quantity(100, "mg")
    assert plan.capsules == ((100.0, 1),)


def test_four_mg_per_kg_never_rounded_above_the_max():
    # 4 × 70 = 280 mg/day; ÷ 2 = 140 mg → nearest 150 mg would be 300 mg/day = 4.29 mg/kg/day: stepped down to 125 mg
    plan = calculate_cyclosporine(patient(), 4.0)
    assert plan.dose_per_administration == Quantity(125, "mg")
    assert plan.daily_dose == Quantity(280, "mg/day") and plan.rounded_daily_dose == Quantity(250, "mg/day")


def test_order_at_start_dose_is_ok_apart_from_monitoring():
    check = check_cyclosporine_order(Order("cyclosporine", "75 mg", "BID", "PO"), patient())
    assert rules(check) == {
        "cyclosporine.blood-pressure": Severity.CAUTION,
        "cyclosporine.creatinine-monitoring": Severity.INFO,
    }
    assert dict(check.details)["daily"] == "150.0 mg/day ÷ 70 kg = 2.14 mg/kg/day"
    assert check.recommended_dose == Quantity(75, "mg")


@pytest.mark.parametrize(
    "dose,rule,severity",
    [
        ("100 mg", "cyclosporine.above-starting-dose", Severity.INFO),  # 200/70 = 2.86 mg/kg/day
        ("140 mg", "cyclosporine.above-starting-dose", Severity.INFO),  # 280/70 = 4.00: at, not above, the label max
        ("150 mg", "cyclosporine.above-label-max", Severity.MAJOR),  # 300/70 = 4.29
        ("175 mg", "cyclosporine.above-label-max", Severity.MAJOR),  # 350/70 = 5.00: not above 5
        ("200 mg", "cyclosporine.above-5-mg-kg-day", Severity.CONTRAINDICATED),  # 400/70 = 5.71
    ],
)
def test_dose_bands(dose, rule, severity):
    found = rules(check_cyclosporine_order(Order("cyclosporine", dose, "BID", "PO"), patient()))
    bands = {r: s for r, s in found.items() if r.startswith("cyclosporine.above")}
    assert bands == ({rule: severity} if rule else {})


def test_mg_per_kg_order_on_actual_weight():
    check = check_cyclosporine_order(Order("Neoral", "1.25 mg/kg", "BID", "PO"), patient())
    assert dict(check.details)["ordered"].startswith("1.25 mg/kg × 70 kg (actual) = 87.5 mg")
    assert rules(check)["cyclosporine.not-whole-capsules"] is Severity.CAUTION


@pytest.mark.parametrize("frequency", ["daily", "TID", "weekly"])
def test_not_twice_daily_is_major(frequency):
    check = check_cyclosporine_order(Order("cyclosporine", "75 mg", frequency, "PO"), patient())
    assert rules(check)["cyclosporine.frequency"] is Severity.MAJOR


def test_every_12_hours_is_twice_daily():
    check = check_cyclosporine_order(Order("cyclosporine", "75 mg", "every 12 hours", "PO"), patient())
    assert "cyclosporine.frequency" not in rules(check)


def test_iv_route_is_major():
    check = check_cyclosporine_order(Order("cyclosporine", "75 mg", "BID", "IV"), patient())
    assert rules(check)["cyclosporine.route"] is Severity.MAJOR


def test_kidney_function():
    # CKD-EPI 2021, female 50 y: 0.8 mg/dL ≈ 89 (normal); 1.3 ≈ 49 (G3a); 2.5 ≈ 23 (G4)
    assert "cyclosporine.renal-reduced" not in rules(check_cyclosporine_order(Order("cyclosporine", "75 mg", "BID", "PO"), patient()))
    reduced = check_cyclosporine_order(Order("cyclosporine", "75 mg", "BID", "PO"), patient(creatinine="1.3 mg/dL"))
    assert rules(reduced)["cyclosporine.renal-reduced"] is Severity.MAJOR
    severe = check_cyclosporine_order(Order("cyclosporine", "75 mg", "BID", "PO"), patient(creatinine="2.5 mg/dL"))
    assert rules(severe)["cyclosporine.renal-abnormal"] is Severity.CONTRAINDICATED
    unknown = Patient("70 kg", "162 cm", "50 years", "female")
    assert rules(check_cyclosporine_order(Order("cyclosporine", "75 mg", "BID", "PO"), unknown))[
        "cyclosporine.renal-unknown"
    ] is Severity.CAUTION


@pytest.mark.parametrize("dose", ["1 capsule", "2 tablets", "5 mL", "0 mg", "5 g"])
def test_bad_doses_name_the_dose(dose):
    with pytest.raises(DoseInputError) as err:
        check_cyclosporine_order(Order("cyclosporine", dose, "BID", "PO"), patient())
    assert err.value.parameter == "dose"


@pytest.mark.parametrize("bad", [0, -1, 4.5, True, "2.5", float("nan")])
def test_calculator_rejects_bad_rates(bad):
    with pytest.raises(DoseInputError):
        calculate_cyclosporine(patient(), bad)


def test_registered():
    assert order_checkers()["cyclosporine"] is check_cyclosporine_order


def test_nearest_capsule_dose():
    assert [nearest_capsule_dose(x) for x in (10, 37.4, 37.5, 37.6, 87.5, 112.6)] == [25, 25, 25, 50, 75, 125]


# ---------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None)
@given(st.floats(30, 200), st.floats(0.1, 20), st.floats(1.0, 4.0))
def test_dose_monotonic_in_weight_and_never_above_max(w, dw, rate):
    light = calculate_cyclosporine(patient(Quantity(w, "kg")), rate)
    heavy = calculate_cyclosporine(patient(Quantity(min(w + dw, 250), "kg")), rate)
    assert light.dose_per_administration <= heavy.dose_per_administration
    for plan, weight in ((light, w), (heavy, min(w + dw, 250))):
        dose = plan.dose_per_administration.magnitude
        assert dose % 25 == 0
        assert dose * 2 <= 4.0 * weight + 1e-9 or dose == 25
        assert plan.rounded_daily_dose == Quantity(dose * 2, "mg/day")


@settings(max_examples=100, deadline=None)
@given(st.floats(40, 150))
def test_recommended_start_dose_never_flags_a_dose_band(w):
    pt = patient(Quantity(w, "kg"))
    plan = calculate_cyclosporine(pt)
    check = check_cyclosporine_order(Order("cyclosporine", plan.dose_per_administration, "BID", "PO"), pt)
    assert not any(r.startswith("cyclosporine.above-label") or r.startswith("cyclosporine.above-5") for r in rules(check))


@settings(max_examples=60, deadline=None)
@given(st.floats(40, 150), st.floats(10, 300))
def test_same_findings_in_kg_and_lb(w, mg):
    order = Order("cyclosporine", Quantity(round(mg), "mg"), "BID", "PO")
    kg = check_cyclosporine_order(order, patient(Quantity(w, "kg")))
    lb = check_cyclosporine_order(order, patient(Quantity(w, "kg").to("lb")))
    assert rules(kg) == rules(lb)
