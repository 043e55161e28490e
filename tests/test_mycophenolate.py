import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing.drugs.mycophenolate import (
    calculate_mycophenolate,
    check_mmf_order,
    check_mps_order,
    mmf_mg,
)
from dosing.findings import Severity
from dosing.order import Order
from dosing.patient import Patient
from dosing.units import DoseInputError, Quantity


def patient(creatinine="0.8 mg/dL", age="50 years", weight="72 kg", **kw):
    # CKD-EPI 2021, female 50 y, SCr 0.8: 142 × (0.8/0.7)^-1.2 × 0.9938^50 × 1.012 ≈ 90 mL/min/1.73 m²
    return Patient(weight, "162 cm", age, "female", serum_creatinine=creatinine, **kw)


def severe_ckd():
    # female 70 y, SCr 2.5: 142 × (2.5/0.7)^-1.2 × 0.9938^70 × 1.012 ≈ 20 mL/min/1.73 m² (< 25)
    return patient("2.5 mg/dL", "70 years")


def rules(result):
    return {f.rule_id: f.severity for f in result.findings}


def order(dose, frequency="BID", route="PO"):
    return Order("mycophenolate", dose, frequency, route)


# ---------------------------------------------------------------- calculator


def test_default_plan_1000_mg_bid():
    plan = calculate_mycophenolate(patient())
    # 1000 mg × 2 = 2000 mg/day; 1000 mg = 4 × 250 mg capsules = 2 × 500 mg tablets
    assert plan.dose_per_administration == Quantity(1000, "mg")
    assert plan.daily_dose == Quantity(2000, "mg")
    assert plan.max_daily_dose == Quantity(3000, "mg")
    assert [(f.tablets_500mg, f.capsules_250mg) for f in plan.mmf_forms] == [(0, 4), (2, 0)]
    # MPS equivalent: 1000 × 720/1000 = 720 mg = 2 × 360 mg tablets
    assert plan.mps_equivalent_per_administration == Quantity(720, "mg")
    assert [(t.strength.magnitude, t.count) for t in plan.mps_tablets] == [(360, 2)]
    assert plan.egfr.magnitude == pytest.approx(89.7, abs=0.1)
    assert not plan.renal_cap_applied
    assert plan.findings == ()


def test_plan_750_mg_mixed_forms_and_mps_540():
    plan = calculate_mycophenolate(patient(), dose_per_administration="750 mg")
    # 750 = 3 × 250 capsules = 1 × 500 tablet + 1 × 250 capsule; MPS 750 × 0.72 = 540 = 360 + 180
    assert [(f.tablets_500mg, f.capsules_250mg) for f in plan.mmf_forms] == [(0, 3), (1, 1)]
    assert [(t.strength.magnitude, t.count) for t in plan.mps_tablets] == [(360, 1), (180, 1)]
    assert rules(plan)["mycophenolate.below-range"] is Severity.CAUTION


def test_plan_accepts_capsule_and_tablet_counts():
    assert calculate_mycophenolate(patient(), dose_per_administration="6 capsules").dose_per_administration == Quantity(1500, "mg")
    assert calculate_mycophenolate(patient(), dose_per_administration="3 tablets").dose_per_administration == Quantity(1500, "mg")


def test_renal_cap_below_egfr_25():
    plan = calculate_mycophenolate(severe_ckd(), dose_per_administration="1500 mg")
    assert plan.egfr.magnitude < 25
    # capped to 1000 mg BID = 2000 mg/day
    assert plan.requested_dose == Quantity(1500, "mg")
    assert plan.dose_per_administration == Quantity(1000, "mg")
    assert plan.max_daily_dose == Quantity(2000, "mg")
    assert plan.renal_cap_applied
    assert rules(plan)["mycophenolate.renal-cap-applied"] is Severity.CAUTION


def test_explicit_egfr_overrides_and_unknown_renal_is_caution():
    plan = calculate_mycophenolate(patient(None), dose_per_administration="1500 mg", egfr="20 mL/min/1.73 m2")
    assert plan.dose_per_administration == Quantity(1000, "mg")
    unknown = calculate_mycophenolate(patient(None), dose_per_administration="1500 mg")
    assert unknown.egfr is None
    assert unknown.dose_per_administration == Quantity(1500, "mg")
    assert rules(unknown)["mycophenolate.renal-unknown"] is Severity.CAUTION


@pytest.mark.parametrize(
    "dose", ["1750 mg", "2 g", "1100 mg", "1.5 capsules", "0 mg", "-500 mg", "1000", "1000 mg/kg", "2 vials", "nan mg", 1000]
)
def test_plan_rejects_bad_doses(dose):
    with pytest.raises(DoseInputError) as err:
        calculate_mycophenolate(patient(), dose_per_administration=dose)
    assert err.value.parameter == "dose_per_administration"


@pytest.mark.parametrize("egfr", [20, "20 mL/min", "-5 mL/min/1.73 m2", "nan mL/min/1.73 m2"])
def test_plan_rejects_bad_egfr(egfr):
    with pytest.raises(DoseInputError):
        calculate_mycophenolate(patient(), egfr=egfr)


# ---------------------------------------------------------------- MMF orders


@pytest.mark.parametrize("dose", ["1000 mg", "4 capsules", "2 tablets", "1 g", "1500 mg", "6 capsules"])
def test_mmf_orders_in_range_are_ok(dose):
    check = check_mmf_order(order(dose), patient())
    assert check.findings == ()


def test_capsules_and_tablets_are_not_confused():
    # 4 capsules = 4 × 250 = 1000 mg (ok); 4 tablets = 4 × 500 = 2000 mg BID = 4000 mg/day > 3 g
    assert check_mmf_order(order("4 capsules"), patient()).findings == ()
    check = check_mmf_order(order("4 tablets"), patient())
    assert rules(check)["mycophenolate.above-max-daily"] is Severity.CONTRAINDICATED
    assert "4 tablet(s) × 500 mg = 2000 mg" in dict(check.details)["ordered"]


def test_mmf_above_3g_day_is_contraindicated():
    check = check_mmf_order(order("2000 mg"), patient())
    assert rules(check)["mycophenolate.above-max-daily"] is Severity.CONTRAINDICATED
    assert check.recommended_dose == Quantity(1500, "mg")


def test_mmf_not_bid_is_major_and_daily_still_checked():
    tid = check_mmf_order(order("1000 mg", "TID"), patient())
    # 1000 × 3 = 3000 mg/day: at, not above, the cap
    assert rules(tid) == {"mycophenolate.not-bid": Severity.MAJOR}
    qid = check_mmf_order(order("1000 mg", "QID"), patient())
    # 1000 × 4 = 4000 mg/day
    assert rules(qid)["mycophenolate.above-max-daily"] is Severity.CONTRAINDICATED
    once = check_mmf_order(order("2000 mg", "daily"), patient())
    # 2000 mg in one dose: above the 1500 mg per-dose range but 2 g/day is within the cap
    assert rules(once) == {"mycophenolate.not-bid": Severity.MAJOR, "mycophenolate.above-range": Severity.MAJOR}


def test_mmf_below_range_is_caution():
    check = check_mmf_order(order("500 mg"), patient())
    assert rules(check) == {"mycophenolate.below-range": Severity.CAUTION}
    assert check.recommended_dose == Quantity(1000, "mg")


def test_mmf_severe_ckd_above_1g_bid_is_contraindicated():
    check = check_mmf_order(order("1500 mg"), severe_ckd())
    assert rules(check)["mycophenolate.renal-cap"] is Severity.CONTRAINDICATED
    assert check.recommended_dose == Quantity(1000, "mg")
    assert check_mmf_order(order("1000 mg"), severe_ckd()).findings == ()


def test_mmf_unknown_creatinine_is_caution():
    check = check_mmf_order(order("1000 mg"), patient(None))
    assert rules(check) == {"mycophenolate.renal-unknown": Severity.CAUTION}


def test_mmf_iv_allowed_sc_not():
    assert check_mmf_order(order("1000 mg", route="IV"), patient()).findings == ()
    assert rules(check_mmf_order(order("1000 mg", route="SC"), patient()))["mycophenolate.route"] is Severity.CONTRAINDICATED


@pytest.mark.parametrize("dose", ["15 mg/kg", "600 mg/m2", "5 mL", "2.5 tablets"])
def test_mmf_unusable_dose_units_raise(dose):
    with pytest.raises(DoseInputError) as err:
        check_mmf_order(order(dose), patient())
    assert err.value.parameter == "dose"


# ---------------------------------------------------------------- MPS orders


def test_mps_720_bid_is_equivalent_to_mmf_1000():
    check = check_mps_order(order("720 mg"), patient())
    assert rules(check) == {"mycophenolate.mps-conversion": Severity.INFO}
    # 720 × 1000/720 = 1000 mg MMF
    assert "= 1000 mg MMF" in dict(check.details)["MMF equivalent"]


def test_mps_limits_are_mmf_limits_times_072():
    # 1080 mg BID = 2160 mg/day (= 3000 × 0.72): at the cap
    assert "mycophenolate.above-max-daily" not in rules(check_mps_order(order("1080 mg"), patient()))
    # 1440 mg BID = 2880 > 2160 mg/day
    assert rules(check_mps_order(order("1440 mg"), patient()))["mycophenolate.above-max-daily"] is Severity.CONTRAINDICATED
    # 540 mg < 720 mg (1000 × 0.72)
    assert rules(check_mps_order(order("540 mg"), patient()))["mycophenolate.below-range"] is Severity.CAUTION
    # eGFR < 25: > 720 mg BID (1 g × 0.72) contraindicated
    assert rules(check_mps_order(order("1080 mg"), severe_ckd()))["mycophenolate.renal-cap"] is Severity.CONTRAINDICATED
    assert "mycophenolate.renal-cap" not in rules(check_mps_order(order("720 mg"), severe_ckd()))


def test_mps_gram_input_compares_exactly():
    assert "mycophenolate.below-range" not in rules(check_mps_order(order("0.72 g"), patient()))


@pytest.mark.parametrize("dose", ["2 tablets", "4 capsules"])
def test_mps_counts_are_refused(dose):
    with pytest.raises(DoseInputError, match="mg"):
        check_mps_order(order(dose), patient())


def test_mps_is_oral_only():
    assert rules(check_mps_order(order("720 mg", route="IV"), patient()))["mycophenolate.route"] is Severity.CONTRAINDICATED


# ---------------------------------------------------------------- properties

steps = st.integers(1, 6).map(lambda n: n * 250)


@settings(max_examples=40)
@given(steps, st.floats(40, 200, allow_nan=False), st.floats(0.4, 6, allow_nan=False))
def test_plan_daily_never_above_3g_or_renal_cap(mg, w, scr):
    plan = calculate_mycophenolate(patient(f"{scr} mg/dL", weight=Quantity(w, "kg")), dose_per_administration=f"{mg} mg")
    daily = plan.daily_dose.to("mg").magnitude
    assert daily <= 3000
    if plan.egfr.magnitude < 25:
        assert daily <= 2000
    assert daily <= plan.max_daily_dose.to("mg").magnitude
    assert plan.mps_equivalent_per_administration.magnitude == pytest.approx(plan.dose_per_administration.magnitude * 0.72)
    for option in plan.mmf_forms:
        assert option.tablets_500mg * 500 + option.capsules_250mg * 250 == plan.dose_per_administration.magnitude
    assert sum(t.strength.magnitude * t.count for t in plan.mps_tablets) == plan.mps_equivalent_per_administration.magnitude


@settings(max_examples=30)
@given(st.floats(40, 200, allow_nan=False), st.floats(140, 200, allow_nan=False), steps)
def test_units_do_not_change_plan(w, h, mg):
    kg = Patient(Quantity(w, "kg"), Quantity(h, "cm"), "50 years", "female", serum_creatinine="1 mg/dL")
    lb = Patient(Quantity(w, "kg").to("lb"), Quantity(h, "cm").to("inch"), "50 years", "female", serum_creatinine="88.4 umol/L")
    a = calculate_mycophenolate(kg, dose_per_administration=f"{mg} mg")
    b = calculate_mycophenolate(lb, dose_per_administration=Quantity(mg / 1000, "g"))
    assert a.dose_per_administration == b.dose_per_administration
    assert a.renal_cap_applied == b.renal_cap_applied


@settings(max_examples=40)
@given(st.floats(50, 4000, allow_nan=False), st.sampled_from(["BID", "TID", "daily", "QID"]), st.floats(0.4, 6, allow_nan=False))
def test_orders_above_daily_cap_always_block(mg, freq, scr):
    pt = patient(f"{scr} mg/dL")
    check = check_mmf_order(order(Quantity(mg, "mg"), freq), pt)
    per_day = mg * {"BID": 2, "TID": 3, "daily": 1, "QID": 4}[freq]
    severities = rules(check)
    if per_day > 3000 + 1e-6:
        assert severities["mycophenolate.above-max-daily"] is Severity.CONTRAINDICATED
    if pt.egfr().magnitude < 25 and (mg > 1000 + 1e-6 or per_day > 2000 + 1e-6):
        assert severities["mycophenolate.renal-cap"] is Severity.CONTRAINDICATED
    if freq != "BID":
        assert severities["mycophenolate.not-bid"] is Severity.MAJOR
    if mg < 1000 - 1e-6:
        assert severities["mycophenolate.below-range"] is Severity.CAUTION


@settings(max_examples=30)
@given(st.one_of(st.floats(allow_nan=True), st.integers(), st.sampled_from(["", "mg", "-1 mg", "1000 mL", "abc"])))
def test_bad_plan_inputs_raise(value):
    with pytest.raises(DoseInputError):
        calculate_mycophenolate(patient(), dose_per_administration=value)


# ---------------------------------------------------------------- review regressions


@pytest.mark.parametrize(
    "dose",
    [
        Quantity(float("inf"), "capsule"),  # was OverflowError from int(inf)
        Quantity(float("nan"), "tablet"),
        Quantity(np.array([4, 4]), "capsule"),  # was TypeError
        Quantity(4 + 1j, "capsule"),  # was TypeError
        Quantity(-4, "capsule"),
        Quantity(0, "tablet"),
    ],
)
def test_counts_that_are_not_one_real_whole_number_raise(dose):
    with pytest.raises(DoseInputError) as err:
        mmf_mg(dose)
    assert err.value.parameter == "dose"


def child(creatinine="0.5 mg/dL"):
    return Patient("25 kg", "125 cm", "9 years", "female", serum_creatinine=creatinine)


def test_child_with_creatinine_gets_renal_unknown_not_a_crash():
    # CKD-EPI 2021 is an adult equation: the check used to raise DoseInputError('age').
    check = check_mmf_order(order("500 mg"), child())
    assert rules(check)["mycophenolate.renal-unknown"] is Severity.CAUTION
    assert "adults" in dict(check.details)["eGFR"]
    plan = calculate_mycophenolate(child())
    assert plan.egfr is None and rules(plan)["mycophenolate.renal-unknown"] is Severity.CAUTION
    # A paediatric eGFR given explicitly is used: 20 < 25 → 1500 mg capped to 1000 mg
    given = calculate_mycophenolate(child(), dose_per_administration="1500 mg", egfr="20 mL/min/1.73 m2")
    assert given.dose_per_administration == Quantity(1000, "mg") and given.renal_cap_applied


def test_capsules_ordered_iv_is_major():
    # 4 capsules IV: an oral form on an IV order — which was meant?
    check = check_mmf_order(order("4 capsules", route="IV"), patient())
    assert rules(check) == {"mycophenolate.form-route": Severity.MAJOR}
    assert check_mmf_order(order("1000 mg", route="IV"), patient()).findings == ()


@pytest.mark.parametrize("check", [check_mmf_order, check_mps_order])
def test_order_checks_refuse_non_orders_and_non_patients(check):
    with pytest.raises(DoseInputError) as err:
        check({"drug": "mmf"}, patient())
    assert err.value.parameter == "order"
    with pytest.raises(DoseInputError) as err:
        check(order("1000 mg"), None)
    assert err.value.parameter == "patient"


# ================================================================ QA regressions: whole dose units


def test_myfortic_1000_mg_bid_is_the_cellcept_dose_confusion():
    # 1000 mg is not 180/360 mg tablets (1000 ÷ 180 = 5.56) and is a CellCept dose (4 × 250 mg).
    check = check_mps_order(order("1000 mg"), patient())
    assert rules(check)["mycophenolate.mps-not-whole-tablets"] is Severity.MAJOR
    message = next(f.message for f in check.findings if f.rule_id == "mycophenolate.mps-not-whole-tablets")
    assert "CellCept" in message and "must not be crushed, chewed or cut" in message
    # 1000 mg MMF × 720/1000 = 720 mg MPS
    assert "720 mg MPS" in message


def test_myfortic_1000_mg_via_verify_warns():
    from dosing.api import verify

    verdict = verify(Order("Myfortic", "1000 mg", "BID", "PO"), patient())
    assert verdict.status.value == "warn"
    assert "mycophenolate.mps-not-whole-tablets" in {f.rule_id for f in verdict.findings}


@pytest.mark.parametrize("dose", ["180 mg", "360 mg", "540 mg", "720 mg", "900 mg", "1080 mg"])
def test_mps_whole_tablet_doses_have_no_whole_tablet_finding(dose):
    assert "mycophenolate.mps-not-whole-tablets" not in rules(check_mps_order(order(dose), patient()))


def test_mps_non_tablet_dose_that_is_not_an_mmf_dose_says_no_confusion():
    # 800 mg: not 180-mg tablets (4.44) and not a 250 mg multiple either
    check = check_mps_order(order("800 mg"), patient())
    message = next(f.message for f in check.findings if f.rule_id == "mycophenolate.mps-not-whole-tablets")
    assert "CellCept" not in message


@pytest.mark.parametrize("dose", ["1100 mg", "1125 mg", "600 mg"])
def test_oral_mmf_not_whole_capsules_or_tablets_is_major(dose):
    check = check_mmf_order(order(dose), patient())
    assert rules(check)["mycophenolate.mmf-not-whole-units"] is Severity.MAJOR


@pytest.mark.parametrize("dose", ["1000 mg", "1250 mg", "1.5 g", "4 capsules", "3 tablets"])
def test_oral_mmf_whole_units_have_no_finding(dose):
    assert "mycophenolate.mmf-not-whole-units" not in rules(check_mmf_order(order(dose), patient()))


def test_iv_mmf_is_dosed_in_mg_without_whole_unit_rule():
    # IV CellCept is reconstituted powder: any mg dose can be drawn up.
    assert "mycophenolate.mmf-not-whole-units" not in rules(check_mmf_order(order("1100 mg", route="IV"), patient()))


@settings(max_examples=60)
@given(st.integers(1, 12))
def test_mps_finding_iff_not_a_multiple_of_180(n):
    whole = check_mps_order(order(f"{180 * n} mg"), patient())
    off = check_mps_order(order(f"{180 * n + 10} mg"), patient())
    assert "mycophenolate.mps-not-whole-tablets" not in rules(whole)
    assert rules(off)["mycophenolate.mps-not-whole-tablets"] is Severity.MAJOR


def test_child_unknown_egfr_points_to_a_paediatric_method_not_a_missing_input():
    child = Patient("45 kg", "150 cm", "14 years", "female", serum_creatinine="0.5 mg/dL")
    check = check_mmf_order(order("1000 mg"), child)
    message = next(f.message for f in check.findings if f.rule_id == "mycophenolate.renal-unknown")
    assert "explicitly" not in message and "paediatric method" in message


# ---------------------------------------------------------------- QA pass 2: paediatric dosing


def young(weight="20 kg", height="110 cm", age="6 years", **kw):
    # Mosteller: sqrt(20 × 110 / 3600) = 0.7817 m²
    return Patient(weight, height, age, "male", **kw)


def test_child_mmf_1000_mg_bid_is_major_with_the_arithmetic():
    # CellCept US PI paediatric: 600 mg/m² BID, max 1 g BID → 600 × 0.7817 = 469.0 mg BID. Was a renal caution only.
    check = check_mmf_order(order("1000 mg"), young())
    assert rules(check)["mycophenolate.pediatric-dose"] is Severity.MAJOR
    message = next(f.message for f in check.findings if f.rule_id == "mycophenolate.pediatric-dose")
    assert "600 mg/m² × 0.7817 m² (Mosteller) = 469.0 mg twice daily" in message
    assert "ceiling 469 mg twice daily" in message
    assert "pediatric" in next(f.reference for f in check.findings if f.rule_id == "mycophenolate.pediatric-dose")
    # The recommendation is the child's ceiling, not the adult 1000–1500 mg
    assert check.recommended_dose == Quantity(469, "mg")
    assert "at most 469 mg twice daily" in check.recommended and "1000–1500" not in check.recommended
    # and no contradictory "below the planned 1000–1500 mg" for a child's dose
    small = check_mmf_order(order("250 mg"), young())
    assert "mycophenolate.pediatric-dose" not in rules(small)
    assert "mycophenolate.below-range" not in rules(small)


def test_child_mmf_calculator_flags_the_paediatric_ceiling():
    plan = calculate_mycophenolate(young())
    assert rules(plan)["mycophenolate.pediatric-dose"] is Severity.MAJOR
    assert "469" in dict(plan.details)["paediatric maximum"]
    assert "mycophenolate.below-range" not in rules(calculate_mycophenolate(young(), dose_per_administration="250 mg"))


def test_adolescent_capped_at_1_g_bid_and_adults_unchanged():
    # 16 y, 70 kg, 175 cm: 600 × 1.8447 = 1106.8 mg > 1000 mg → ceiling 1000 mg BID
    teen = young("70 kg", "175 cm", "16 years")
    assert "mycophenolate.pediatric-dose" not in rules(check_mmf_order(order("1000 mg"), teen))
    high = check_mmf_order(order("1250 mg"), teen)
    assert rules(high)["mycophenolate.pediatric-dose"] is Severity.MAJOR
    assert "at most 1000 mg twice daily → ceiling 1000 mg" in next(
        f.message for f in high.findings if f.rule_id == "mycophenolate.pediatric-dose"
    )
    # 18 years: adult rules only
    assert "mycophenolate.pediatric-dose" not in rules(check_mmf_order(order("1500 mg"), young("70 kg", "175 cm", "18 years")))


def test_child_mps_uses_the_myfortic_paediatric_dose():
    # Myfortic US PI paediatric: 400 mg/m² BID, max 720 mg BID → 400 × 0.7817 = 312.7 → 312 mg
    check = Order("mycophenolate sodium", "720 mg", "BID", "PO")
    result = check_mps_order(check, young())
    assert rules(result)["mycophenolate.pediatric-dose"] is Severity.MAJOR
    assert "ceiling 312 mg" in next(f.message for f in result.findings if f.rule_id == "mycophenolate.pediatric-dose")


@settings(max_examples=60)
@given(st.floats(10, 80, allow_nan=False), st.floats(80, 190, allow_nan=False), st.sampled_from([250, 500, 750, 1000, 1250, 1500]))
def test_child_mmf_major_exactly_when_above_600_per_m2(w, h, mg):
    pt = young(Quantity(w, "kg"), Quantity(h, "cm"), "10 years")
    ceiling = min(int(600 * pt.bsa().magnitude + 1e-6), 1000)
    flagged = "mycophenolate.pediatric-dose" in rules(check_mmf_order(order(f"{mg} mg"), pt))
    assert flagged == (mg > ceiling)


# ---------------------------------------------------------------- whole dose units on floats (issue 8)

from dosing.drugs.mycophenolate import _is_multiple  # noqa: E402
from dosing.units import count_of  # noqa: E402


def _counts(mg, step):
    try:
        count_of(Quantity(mg, "mg"), Quantity(step, "mg"))
    except DoseInputError:
        return False
    return True


@settings(max_examples=300)
@given(
    st.sampled_from([180.0, 250.0, 360.0, 500.0]),
    st.floats(1e-6, 1e13, allow_nan=False)
    | st.integers(1, 40).flatmap(lambda n: st.sampled_from([0.0, 1e-10, -1e-10, 4e-10, 6e-10, 1e-6]).map(lambda e: n * 250.0 + e)),
)
def test_whole_units_are_counted_as_count_of_counts_them(step, mg):
    # The order check counts on floats; units.count_of on Quantities is the reference arithmetic.
    assert _is_multiple(mg, step) is _counts(mg, step)


@pytest.mark.parametrize("mg, step, whole", [(1000.0, 250.0, True), (749.9999999999, 250.0, True), (1100.0, 250.0, False),
                                             (720.0, 180.0, True), (1000.0, 180.0, False), (2e15, 250.0, False)])
def test_whole_units_hand_worked(mg, step, whole):
    assert _is_multiple(mg, step) is whole is _counts(mg, step)
