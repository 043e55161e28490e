"""Every systemic glucocorticoid judged in prednisone equivalents; the IV methylprednisolone pulse (issue 7).

Equivalence (standard table; prednisolone US PI): prednisone 5 mg = prednisolone 5 mg =
methylprednisolone 4 mg = dexamethasone 0.75 mg = hydrocortisone 20 mg.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing import Order, Patient, Severity, Status, verify
from dosing.drugs import order_checkers
from dosing.drugs.steroids import (
    GLUCOCORTICOIDS,
    check_dexamethasone_order,
    check_glucocorticoid_order,
    check_hydrocortisone_order,
    check_methylprednisolone_order,
    check_prednisolone_order,
    check_prednisone_order,
)
from dosing.units import DoseInputError, Quantity


def patient(weight="70 kg", age="50 years", **kw):
    return Patient(weight, "162 cm", age, "female", serum_creatinine="0.8 mg/dL", **kw)


def rules(check):
    return {f.rule_id: f.severity for f in check.findings}


def worst(check):
    return max((f.severity for f in check.findings), default=Severity.INFO)


# ---------------------------------------------------------------- equivalence, hand-worked


@pytest.mark.parametrize(
    "check,drug,mg",
    [
        (check_prednisolone_order, "prednisolone", "5 mg"),  # 5 × 5/5 = 5
        (check_methylprednisolone_order, "methylprednisolone", "4 mg"),  # 4 × 5/4 = 5
        (check_dexamethasone_order, "dexamethasone", "0.75 mg"),  # 0.75 × 5/0.75 = 5
    ],
)
def test_the_plan_dose_in_each_steroid_is_ok(check, drug, mg):
    c = check(Order(drug, mg, "daily", "PO"), patient())
    assert rules(c) == {f"{drug}.bone-protection": Severity.INFO}
    assert "= 5 mg prednisone equivalent" in dict(c.details)["daily"]


def test_hydrocortisone_10_mg_bid_is_5_mg_prednisone():
    # 10 mg × 2 = 20 mg/day; 20 × 5/20 = 5 mg prednisone equivalent
    c = check_hydrocortisone_order(Order("hydrocortisone", "10 mg", "BID", "PO"), patient())
    assert dict(c.details)["daily"] == (
        "10 mg × 2 = 20 mg/day; 20 mg hydrocortisone × 5/20 = 5 mg prednisone equivalent"
    )
    assert worst(c) is Severity.INFO
    assert c.recommended_dose == Quantity(20, "mg")


def test_dexamethasone_4_mg_is_a_medium_dose():
    # 4 × 5/0.75 = 26.67 mg prednisone equivalent: EULAR medium (> 7.5–30)
    c = check_dexamethasone_order(Order("dexamethasone", "4 mg", "daily", "PO"), patient())
    assert rules(c)["dexamethasone.medium-dose"] is Severity.CAUTION
    assert "4 mg dexamethasone × 5/0.75 = 26.67 mg prednisone equivalent" in dict(c.details)["daily"]


def test_methylprednisolone_40_mg_daily_is_a_high_dose():
    # 40 × 5/4 = 50 mg prednisone equivalent: EULAR high (> 30–100) → the plan's "avoid high doses"
    c = check_methylprednisolone_order(Order("Medrol", "40 mg", "daily", "PO"), patient())
    assert rules(c)["methylprednisolone.high-dose"] is Severity.MAJOR
    assert "(= 50 mg/day prednisone equivalent)" in c.findings[0].message


def test_taper_below_5_mg_applies_to_every_steroid():
    # hydrocortisone 10 mg daily = 2.5 mg prednisone equivalent; methylprednisolone 2 mg = 2.5 mg
    for check, drug, mg in [
        (check_hydrocortisone_order, "hydrocortisone", "10 mg"),
        (check_methylprednisolone_order, "methylprednisolone", "2 mg"),
    ]:
        active = check(Order(drug, mg, "daily", "PO"), patient())
        assert rules(active)[f"{drug}.taper-below-5-active"] is Severity.MAJOR
        calm = check(Order(drug, mg, "daily", "PO"), patient(disease_active=False))
        assert rules(calm)[f"{drug}.taper-below-5"] is Severity.INFO


def test_open_ended_very_high_blocks_like_prednisone():
    # dexamethasone 20 mg daily = 133.33 mg prednisone equivalent > 100 (EULAR very high), open-ended
    c = check_dexamethasone_order(Order("dexamethasone", "20 mg", "daily", "IV"), patient())
    assert rules(c)["dexamethasone.above-very-high"] is Severity.CONTRAINDICATED


def test_bounded_or_single_very_high_dose_is_major_not_blocked():
    # oral methylprednisolone 500 mg daily x 3 days = 625 mg prednisone equivalent: not the IV pulse, but bounded
    oral = check_methylprednisolone_order(Order("methylprednisolone", "500 mg", "daily x 3 days", "PO"), patient())
    assert rules(oral)["methylprednisolone.above-very-high"] is Severity.MAJOR
    assert "methylprednisolone.pulse" not in rules(oral)
    # dexamethasone 20 mg once = 133.33 mg prednisone equivalent
    once = check_dexamethasone_order(Order("dexamethasone", "20 mg", "once", "IV"), patient())
    assert rules(once)["dexamethasone.above-very-high"] is Severity.MAJOR
    # a short course is not maintenance: no taper or bone finding
    short = check_hydrocortisone_order(Order("hydrocortisone", "10 mg", "daily x 3 days", "PO"), patient())
    assert not any("taper" in r or "bone" in r for r in rules(short))


def test_rituximab_premedication_is_not_a_high_dose():
    # Rituxan US PI: methylprednisolone 100 mg IV 30 minutes before each infusion (= 125 mg prednisone equivalent)
    c = check_methylprednisolone_order(Order("Solu-Medrol", "100 mg", "once", "IV"), patient())
    assert rules(c) == {"methylprednisolone.premedication": Severity.INFO}


def test_routes():
    # prednisolone is oral only in the US: another route is MAJOR (confirm the product), not a block
    iv = check_prednisolone_order(Order("prednisolone", "5 mg", "daily", "IV"), patient())
    assert rules(iv)["prednisolone.route"] is Severity.MAJOR
    # methylprednisolone, dexamethasone, hydrocortisone: oral, IV, IM
    for drug in ("methylprednisolone", "dexamethasone", "hydrocortisone"):
        for route in ("PO", "IV", "IM"):
            c = check_glucocorticoid_order(Order(drug, "1 mg", "daily", route), patient(), drug)
            assert f"{drug}.route" not in rules(c)
        sc = check_glucocorticoid_order(Order(drug, "1 mg", "daily", "subcutaneous"), patient(), drug)
        assert rules(sc)[f"{drug}.route"] is Severity.MAJOR


def test_weekly_steroid_is_major_frequency():
    c = check_dexamethasone_order(Order("dexamethasone", "4 mg", "weekly", "PO"), patient())
    assert rules(c)["dexamethasone.frequency"] is Severity.MAJOR


def test_mg_per_kg_uses_actual_weight():
    # 1 mg/kg × 70 kg = 70 mg methylprednisolone × 5/4 = 87.5 mg prednisone equivalent
    c = check_methylprednisolone_order(Order("methylprednisolone", "1 mg/kg", "daily", "IV"), patient())
    assert dict(c.details)["ordered"].startswith("1 mg/kg × 70 kg (actual) = 70 mg")
    assert "87.5 mg prednisone equivalent" in dict(c.details)["daily"]


@pytest.mark.parametrize("dose", ["2 tablets", "10 mL", "1 capsule", "0 mg", "20 g"])
def test_bad_doses_name_the_dose(dose):
    with pytest.raises(DoseInputError) as err:
        check_methylprednisolone_order(Order("methylprednisolone", dose, "daily", "IV"), patient())
    assert err.value.parameter == "dose"


def test_registered_in_order_checkers():
    checkers = order_checkers()
    for drug in ("prednisolone", "methylprednisolone", "dexamethasone", "hydrocortisone"):
        assert drug in checkers


# ---------------------------------------------------------------- the IV methylprednisolone pulse


@pytest.mark.parametrize("dose", ["500 mg", "750 mg", "1 g", "1000 mg"])
def test_myositis_pulse_is_major_confirm_never_blocked(dose):
    # eTG myositis: 0.5-1 g IV daily × 3 days; 1 g = 1250 mg prednisone equivalent, far above 100 mg/day,
    # but a bounded pulse is label-conform: MAJOR (plan: avoid high doses, confirm), never CONTRAINDICATED.
    c = check_methylprednisolone_order(Order("methylprednisolone", dose, "daily x 3 days", "IV"), patient())
    assert rules(c) == {"methylprednisolone.pulse": Severity.MAJOR, "methylprednisolone.pulse-infusion": Severity.INFO}
    assert "pulse" in dict(c.details)


def test_pulse_arithmetic_in_details():
    c = check_methylprednisolone_order(Order("methylprednisolone", "1 g", "daily x 3 days", "IV"), patient())
    details = dict(c.details)
    assert details["daily"] == "pulse: 1000 mg IV daily × 3 = 3000 mg course"
    assert details["prednisone equivalent"] == "1000 mg methylprednisolone × 5/4 = 1250 mg prednisone equivalent per administration"
    assert details["mg/kg/day"] == "1000 mg ÷ 70 kg = 14.29 mg/kg per pulse dose"


def test_pulse_variants():
    one_day = check_methylprednisolone_order(Order("methylprednisolone", "1 g", "once", "IV"), patient())
    assert rules(one_day)["methylprednisolone.pulse"] is Severity.MAJOR
    big = check_methylprednisolone_order(Order("methylprednisolone", "1.5 g", "daily x 3 days", "IV"), patient())
    assert rules(big)["methylprednisolone.pulse-above-1-g"] is Severity.MAJOR
    small = check_methylprednisolone_order(Order("methylprednisolone", "250 mg", "daily x 3 days", "IV"), patient())
    assert rules(small)["methylprednisolone.pulse-below-myositis-dose"] is Severity.INFO
    five = check_methylprednisolone_order(Order("methylprednisolone", "1 g", "daily x 5 days", "IV"), patient())
    assert rules(five)["methylprednisolone.pulse-longer-than-3-days"] is Severity.CAUTION
    for c in (one_day, big, small, five):
        assert worst(c) is Severity.MAJOR


def test_pulse_in_a_child_above_30_mg_per_kg():
    # 20 kg child: 1 g ÷ 20 kg = 50 mg/kg > 30 mg/kg; 600 mg = 30 mg/kg exactly passes
    child = patient("20 kg", "8 years")
    over = check_methylprednisolone_order(Order("methylprednisolone", "1 g", "daily x 3 days", "IV"), child)
    assert rules(over)["methylprednisolone.pulse-above-30-mg-kg"] is Severity.MAJOR
    ok = check_methylprednisolone_order(Order("methylprednisolone", "600 mg", "daily x 3 days", "IV"), child)
    assert "methylprednisolone.pulse-above-30-mg-kg" not in rules(ok)


def test_not_a_pulse_when_open_ended_or_longer_than_5_days():
    # 1 g IV daily with no stop, or for 7 days, is a very high open-ended/long regimen, not a pulse
    open_ended = check_methylprednisolone_order(Order("methylprednisolone", "1 g", "daily", "IV"), patient())
    assert rules(open_ended)["methylprednisolone.above-very-high"] is Severity.CONTRAINDICATED
    week = check_methylprednisolone_order(Order("methylprednisolone", "1 g", "daily x 7 days", "IV"), patient())
    assert "methylprednisolone.pulse" not in rules(week)
    assert rules(week)["methylprednisolone.above-very-high"] is Severity.MAJOR


def test_pulse_through_verify_warns_not_blocks():
    verdict = verify(Order("Solu-Medrol", "1 g", "daily x 3 days", "IV"), patient())
    assert verdict.drug == "methylprednisolone"
    assert verdict.status is Status.WARN
    assert "methylprednisolone.pulse" in {f.rule_id for f in verdict.findings}


# ---------------------------------------------------------------- properties

_BANDS = ("above-plan", "medium-dose", "high-dose", "above-very-high", "taper-below-5-active", "bone-protection")


def _band_severities(check, prefix):
    return {r.removeprefix(prefix + "."): s for r, s in rules(check).items() if r.removeprefix(prefix + ".") in _BANDS}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["prednisolone", "methylprednisolone", "dexamethasone", "hydrocortisone"]), st.floats(0.5, 150))
def test_equivalent_doses_get_the_prednisone_findings(drug, prednisone_mg):
    # Any steroid at the prednisone-equivalent of X mg gets the same band, taper and bone findings as prednisone X mg.
    prednisone_mg = round(prednisone_mg, 2)
    equivalent = prednisone_mg * GLUCOCORTICOIDS[drug].equivalent_mg / 5
    pred = check_prednisone_order(Order("prednisone", Quantity(prednisone_mg, "mg"), "daily", "PO"), patient())
    other = check_glucocorticoid_order(Order(drug, Quantity(equivalent, "mg"), "daily", "PO"), patient(), drug)
    assert _band_severities(other, drug) == _band_severities(pred, "prednisone")


@settings(max_examples=100, deadline=None)
@given(st.floats(200, 1000), st.integers(1, 5), st.floats(40, 200))
def test_iv_pulse_is_never_blocked(mg, days, weight):
    order = Order("methylprednisolone", Quantity(mg, "mg"), f"daily x {days} days", "IV")
    check = check_methylprednisolone_order(order, patient(Quantity(weight, "kg")))
    assert worst(check) <= Severity.MAJOR
    assert "methylprednisolone.pulse" in rules(check)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["methylprednisolone", "dexamethasone", "hydrocortisone"]), st.floats(0.5, 300), st.floats(0.5, 300))
def test_severity_monotonic_in_daily_dose(drug, a, b):
    low, high = sorted((a, b))
    sev = [
        worst(check_glucocorticoid_order(Order(drug, Quantity(mg, "mg"), "daily", "PO"), patient(disease_active=False), drug))
        for mg in (low, high)
    ]
    assert sev[0] <= sev[1]


@settings(max_examples=60, deadline=None)
@given(st.floats(1, 100), st.floats(40, 150))
def test_same_findings_in_kg_and_lb(mg, weight):
    kg = patient(Quantity(weight, "kg"))
    lb = patient(Quantity(weight, "kg").to("lb"))
    order = Order("methylprednisolone", Quantity(mg, "mg"), "daily", "PO")
    assert rules(check_methylprednisolone_order(order, kg)) == rules(check_methylprednisolone_order(order, lb))
