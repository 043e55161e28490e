import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing.findings import Severity
from dosing.hydroxychloroquine import calculate_hydroxychloroquine, check_hcq_order
from dosing.order import Order
from dosing.patient import Patient
from dosing.steroids import assess_prednisone, check_prednisone_order
from dosing.units import DoseInputError, Quantity


def patient(weight="70 kg", creatinine="0.8 mg/dL", **kw):
    return Patient(weight, "162 cm", "50 years", "female", serum_creatinine=creatinine, **kw)


def rules(result):
    return {f.rule_id: f.severity for f in result.findings}


# ================================================================ prednisone


def test_plan_dose_5_mg_daily_is_ok_with_bone_advice():
    check = check_prednisone_order(Order("prednisone", "5 mg", "daily", "PO"), patient())
    assert rules(check) == {"prednisone.bone-protection": Severity.INFO}
    assert check.recommended_dose == Quantity(5, "mg")
    # 5 mg ÷ 70 kg = 0.071 mg/kg/day
    assert dict(check.details)["mg/kg/day"] == "5 mg ÷ 70 kg = 0.071 mg/kg/day"


def test_taper_below_5_while_active_is_major():
    check = check_prednisone_order(Order("prednisone", "2.5 mg", "daily", "PO"), patient())
    assert rules(check)["prednisone.taper-below-5-active"] is Severity.MAJOR


def test_taper_below_5_when_inactive_is_info():
    result = assess_prednisone(patient(disease_active=False), "4 mg")
    assert rules(result)["prednisone.taper-below-5"] is Severity.INFO
    assert "prednisone.taper-below-5-active" not in rules(result)
    # 4 mg ≥ 2.5 mg: still bone advice; 2 mg is not
    assert "prednisone.bone-protection" in rules(result)
    assert "prednisone.bone-protection" not in rules(assess_prednisone(patient(disease_active=False), "2 mg"))


def test_eular_bands_hand_worked():
    # EULAR 2002: low ≤ 7.5, medium > 7.5–30, high > 30 mg/day.
    assert rules(assess_prednisone(patient(), "7.5 mg"))["prednisone.above-plan"] is Severity.INFO
    assert rules(assess_prednisone(patient(), "10 mg"))["prednisone.medium-dose"] is Severity.CAUTION
    assert rules(assess_prednisone(patient(), "30 mg"))["prednisone.medium-dose"] is Severity.CAUTION
    assert "prednisone.high-dose" not in rules(assess_prednisone(patient(), "30 mg"))
    assert rules(assess_prednisone(patient(), "32.5 mg"))["prednisone.high-dose"] is Severity.MAJOR
    assert rules(assess_prednisone(patient("100 kg"), "60 mg"))["prednisone.high-dose"] is Severity.MAJOR
    result = assess_prednisone(patient(), "10 mg")
    assert result.caution_threshold == Quantity(7.5, "mg/day")
    assert result.major_threshold == Quantity(30, "mg/day")


def test_split_daily_dose_is_summed():
    # 15 mg BID = 30 mg/day: EULAR medium dose (> 7.5–30)
    check = check_prednisone_order(Order("prednisone", "15 mg", "BID", "PO"), patient())
    assert rules(check)["prednisone.medium-dose"] is Severity.CAUTION
    assert rules(check)["prednisone.split-daily"] is Severity.INFO


def test_alternate_day_is_caution_and_peak_dose_counts():
    # 10 mg every other day = 5 mg/day on average: no taper flag; alternate-day caution
    check = check_prednisone_order(Order("prednisone", "10 mg", "every other day", "PO"), patient())
    assert rules(check)["prednisone.alternate-day"] is Severity.CAUTION
    assert "prednisone.taper-below-5-active" not in rules(check)
    # 50 mg qod: average 25 mg/day (medium) but 50 mg on dosing days (high)
    alternate = rules(check_prednisone_order(Order("prednisone", "50 mg", "qod", "PO"), patient()))
    assert alternate["prednisone.medium-dose"] is Severity.CAUTION
    assert alternate["prednisone.high-dose"] is Severity.MAJOR


def test_weekly_prednisone_is_major_and_iv_is_contraindicated():
    assert rules(check_prednisone_order(Order("prednisone", "5 mg", "weekly", "PO"), patient()))["prednisone.frequency"] is Severity.MAJOR
    assert rules(check_prednisone_order(Order("prednisone", "5 mg", "daily", "IV"), patient()))["prednisone.route"] is Severity.CONTRAINDICATED


def test_mg_per_kg_order_uses_actual_weight():
    # 1 mg/kg × 70 kg = 70 mg/day → EULAR high dose (> 30 mg/day)
    check = check_prednisone_order(Order("prednisone", "1 mg/kg", "daily", "PO"), patient())
    assert rules(check)["prednisone.high-dose"] is Severity.MAJOR
    assert "70 mg" in dict(check.details)["ordered"]


@pytest.mark.parametrize("dose", ["2 tablets", "5 mL", "10 mg/m2", "1 capsule"])
def test_prednisone_unusable_dose_units_raise(dose):
    with pytest.raises(DoseInputError) as err:
        check_prednisone_order(Order("prednisone", dose, "daily", "PO"), patient())
    assert err.value.parameter == "dose"


@pytest.mark.parametrize("dose", [5, "5", "-5 mg", "nan mg", "5 mL", "0 mg", "5000 mg"])
def test_assess_rejects_bad_daily_dose(dose):
    with pytest.raises(DoseInputError) as err:
        assess_prednisone(patient(), dose)
    assert err.value.parameter == "daily_dose"


def test_assess_accepts_mg_per_day():
    assert assess_prednisone(patient(), "5 mg/day").daily_dose == Quantity(5, "mg/day")


@settings(max_examples=40)
@given(st.floats(40, 200, allow_nan=False), st.floats(0.5, 150, allow_nan=False))
def test_prednisone_same_in_kg_and_lb(w, mg):
    a = assess_prednisone(patient(Quantity(w, "kg")), Quantity(mg, "mg"))
    b = assess_prednisone(patient(Quantity(w, "kg").to("lb")), Quantity(mg / 1000, "g"))
    assert rules(a) == rules(b)


@settings(max_examples=40)
@given(st.floats(40, 200, allow_nan=False), st.floats(0.5, 150, allow_nan=False), st.floats(0, 50, allow_nan=False))
def test_prednisone_severity_monotonic_in_dose_above_plan(w, mg, extra):
    # Above 5 mg/day, a larger dose is never judged less severe.
    low, high = max(mg, 5.0), max(mg, 5.0) + extra
    worst = lambda r: max((f.severity.rank for f in r.findings), default=0)
    assert worst(assess_prednisone(patient(Quantity(w, "kg")), Quantity(low, "mg"))) <= worst(
        assess_prednisone(patient(Quantity(w, "kg")), Quantity(high, "mg"))
    )


# ================================================================ hydroxychloroquine


def test_hcq_80_kg_400_mg_is_exactly_5_mg_kg():
    # 400 mg ÷ 80 kg = 5.00 mg/kg/day: at, not above, the limit
    plan = calculate_hydroxychloroquine(patient("80 kg"))
    assert plan.requested_dose_per_weight.to("mg/kg/day").magnitude == pytest.approx(5.0)
    assert plan.max_daily_dose == Quantity(400, "mg/day")
    assert plan.suggested_daily_dose == Quantity(400, "mg/day")
    assert plan.suggested_regimen == "200 mg twice daily (400 mg/day)"
    assert "hcq.above-5-mg-kg" not in rules(plan)
    assert rules(plan)["hcq.retinal-screening"] is Severity.INFO


def test_hcq_72_kg_400_mg_is_above_5_mg_kg():
    # 400 ÷ 72 = 5.56 mg/kg/day > 5; max 5 × 72 = 360 mg → down to 200 mg tablets = 200 mg/day
    plan = calculate_hydroxychloroquine(patient("72 kg"))
    assert rules(plan)["hcq.above-5-mg-kg"] is Severity.MAJOR
    assert plan.max_daily_dose == Quantity(360, "mg/day")
    assert plan.suggested_daily_dose == Quantity(200, "mg/day")
    assert plan.suggested_regimen == "200 mg once daily (200 mg/day)"
    check = check_hcq_order(Order("hcq", "200 mg", "BID", "PO"), patient("72 kg"))
    assert rules(check)["hcq.above-5-mg-kg"] is Severity.MAJOR


def test_hcq_light_patient_needs_alternate_day_not_computed():
    # 5 × 35 kg = 175 mg/day < one 200 mg tablet
    plan = calculate_hydroxychloroquine(patient("35 kg"))
    assert plan.suggested_daily_dose is None
    assert rules(plan)["hcq.below-one-tablet"] is Severity.CAUTION
    check = check_hcq_order(Order("hcq", "200 mg", "daily", "PO"), patient("35 kg"))
    assert check.recommended_dose is None
    assert "hcq.below-range" not in rules(check)


def test_hcq_above_600_is_contraindicated():
    check = check_hcq_order(Order("hcq", "400 mg", "BID", "PO"), patient("200 kg"))
    # 800 mg/day > 600 mg/day even though 800 ÷ 200 = 4 mg/kg/day
    assert rules(check)["hcq.above-label-max"] is Severity.CONTRAINDICATED
    assert "hcq.above-5-mg-kg" not in rules(check)
    # the calculator never suggests more than 600 mg/day
    assert calculate_hydroxychloroquine(patient("200 kg"), daily_dose="800 mg").suggested_daily_dose == Quantity(600, "mg/day")


def test_hcq_renal():
    # eGFR < 30 by explicit value, by condition, and unknown creatinine
    assert rules(calculate_hydroxychloroquine(patient("80 kg"), egfr="25 mL/min/1.73 m2"))["hcq.renal"] is Severity.CAUTION
    cond = patient("80 kg", conditions={"renal_impairment"})
    assert rules(check_hcq_order(Order("hcq", "200 mg", "BID", "PO"), cond))["hcq.renal"] is Severity.CAUTION
    unknown = check_hcq_order(Order("hcq", "200 mg", "BID", "PO"), patient("80 kg", None))
    assert rules(unknown)["hcq.renal-unknown"] is Severity.CAUTION
    # female 50 y, SCr 2.5 mg/dL → CKD-EPI 2021 ≈ 23 mL/min/1.73 m²
    low = check_hcq_order(Order("hcq", "200 mg", "BID", "PO"), patient("80 kg", "2.5 mg/dL"))
    assert rules(low)["hcq.renal"] is Severity.CAUTION


def test_hcq_route_frequency_and_units():
    assert rules(check_hcq_order(Order("hcq", "200 mg", "BID", "IV"), patient("80 kg")))["hcq.route"] is Severity.CONTRAINDICATED
    assert rules(check_hcq_order(Order("hcq", "200 mg", "once", "PO"), patient("80 kg")))["hcq.frequency"] is Severity.MAJOR
    # 200 mg every other day = 100 mg/day average: below 200 mg/day (weight allows 400)
    qod = check_hcq_order(Order("hcq", "200 mg", "qod", "PO"), patient("80 kg"))
    assert rules(qod)["hcq.non-daily"] is Severity.INFO
    assert rules(qod)["hcq.below-range"] is Severity.CAUTION
    for dose in ["2 tablets", "5 mg/kg", "10 mL"]:
        with pytest.raises(DoseInputError):
            check_hcq_order(Order("hcq", dose, "daily", "PO"), patient("80 kg"))


@pytest.mark.parametrize("dose", [400, "400", "-400 mg", "nan mg", "400 mL", "0 mg", "5000 mg"])
def test_hcq_calculator_rejects_bad_doses(dose):
    with pytest.raises(DoseInputError) as err:
        calculate_hydroxychloroquine(patient(), daily_dose=dose)
    assert err.value.parameter == "daily_dose"


@settings(max_examples=50)
@given(st.floats(40, 250, allow_nan=False), st.sampled_from([200, 400, 600, 800, 1000]))
def test_hcq_suggestion_never_above_5_mg_kg_or_600(w, mg):
    plan = calculate_hydroxychloroquine(patient(Quantity(w, "kg")), daily_dose=f"{mg} mg")
    if plan.suggested_daily_dose is not None:
        s = plan.suggested_daily_dose.to("mg/day").magnitude
        assert s <= 5 * w + 1e-9
        assert s <= 600
        assert s <= mg
        assert s % 200 == 0
        assert plan.suggested_dose_per_weight.to("mg/kg/day").magnitude <= 5 + 1e-9


@settings(max_examples=40)
@given(st.floats(40, 249, allow_nan=False), st.floats(0.1, 50, allow_nan=False))
def test_hcq_suggestion_non_decreasing_in_weight(w, dw):
    a = calculate_hydroxychloroquine(patient(Quantity(w, "kg")))
    b = calculate_hydroxychloroquine(patient(Quantity(min(w + dw, 250), "kg")))
    mag = lambda p: 0 if p.suggested_daily_dose is None else p.suggested_daily_dose.magnitude
    assert mag(a) <= mag(b)


@settings(max_examples=40)
@given(st.floats(40, 250, allow_nan=False))
def test_hcq_same_in_kg_and_lb(w):
    a = calculate_hydroxychloroquine(patient(Quantity(w, "kg")))
    b = calculate_hydroxychloroquine(patient(Quantity(w, "kg").to("lb")), daily_dose="0.4 g")
    assert a.suggested_daily_dose == b.suggested_daily_dose
    assert rules(a) == rules(b)


# ================================================================ review regressions


@pytest.mark.parametrize("w,mg", [(39.0, 19.5), (37.6, 18.8), (41.3, 41.3), (68.0, 30.0)])
def test_same_findings_in_kg_and_lb(w, mg):
    # Thresholds are on mg/day (EULAR bands), so the weight's unit can never move a finding.
    kg = assess_prednisone(patient(Quantity(w, "kg")), Quantity(mg, "mg"))
    lb = assess_prednisone(patient(Quantity(w, "kg").to("lb")), Quantity(mg, "mg"))
    assert rules(kg) == rules(lb)


@settings(max_examples=60)
@given(st.floats(30, 160, allow_nan=False).map(lambda w: round(w, 1)), st.sampled_from([0.5, 1.0]))
def test_prednisone_boundaries_same_in_kg_and_lb(w, per_kg):
    mg = round(w * per_kg, 6)
    a = assess_prednisone(patient(Quantity(w, "kg")), Quantity(mg, "mg"))
    b = assess_prednisone(patient(Quantity(w, "kg").to("lb")), Quantity(mg, "mg"))
    assert rules(a) == rules(b)


@pytest.mark.parametrize("dose,frequency", [("500 mg", "QID"), ("1.5 g", "daily"), ("3000 mg", "every other day")])
def test_implausible_prednisone_order_names_the_dose_field(dose, frequency):
    # Was DoseInputError('daily_dose'), a parameter the order does not have.
    with pytest.raises(DoseInputError) as err:
        check_prednisone_order(Order("prednisone", dose, frequency, "PO"), patient())
    assert err.value.parameter == "dose"


def hcq_child(creatinine="0.5 mg/dL"):
    return Patient("45 kg", "150 cm", "14 years", "female", serum_creatinine=creatinine)


def test_hcq_child_with_creatinine_gets_renal_unknown_not_a_crash():
    # CKD-EPI 2021 is adult-only: the check used to raise DoseInputError('age').
    check = check_hcq_order(Order("hcq", "200 mg", "daily", "PO"), hcq_child())
    assert rules(check)["hcq.renal-unknown"] is Severity.CAUTION
    assert "adults" in dict(check.details)["eGFR"]
    plan = calculate_hydroxychloroquine(hcq_child(), daily_dose="200 mg")
    assert plan.egfr is None and rules(plan)["hcq.renal-unknown"] is Severity.CAUTION
    # An explicit paediatric eGFR is used
    low = calculate_hydroxychloroquine(hcq_child(), daily_dose="200 mg", egfr="25 mL/min/1.73 m2")
    assert rules(low)["hcq.renal"] is Severity.CAUTION


@pytest.mark.parametrize("check", [check_prednisone_order, check_hcq_order])
def test_order_checks_refuse_non_orders_and_non_patients(check):
    with pytest.raises(DoseInputError) as err:
        check({"drug": "x"}, patient())
    assert err.value.parameter == "order"
    with pytest.raises(DoseInputError) as err:
        check(Order("x", "200 mg", "daily", "PO"), None)
    assert err.value.parameter == "patient"


# ================================================================ QA regressions


def test_hcq_recommended_line_and_finding_suggest_the_same_regimen():
    # 130 kg, 400 mg BID = 800 mg/day: 6.15 mg/kg/day. The RECOMMENDED line said "200 mg twice daily" while
    # the finding said "200 mg three times daily": both now come from the plan's 400 mg/day (≤ 650 and ≤ 600).
    check = check_hcq_order(Order("hcq", "400 mg", "BID", "PO"), patient("130 kg"))
    finding = next(f for f in check.findings if f.rule_id == "hcq.above-5-mg-kg")
    assert "200 mg twice daily (400 mg/day)" in check.recommended
    assert "Suggest 200 mg twice daily (400 mg/day)" in finding.message
    assert "three times" not in finding.message


@settings(max_examples=60)
@given(st.floats(40, 250, allow_nan=False), st.sampled_from(["200 mg", "300 mg", "400 mg", "600 mg"]), st.sampled_from(["daily", "BID"]))
def test_hcq_order_suggestion_is_the_recommendation(w, dose, freq):
    check = check_hcq_order(Order("hcq", dose, freq, "PO"), patient(Quantity(w, "kg")))
    for f in check.findings:
        if f.rule_id == "hcq.above-5-mg-kg" and check.recommended_dose is not None:
            suggested = f.message.split("Suggest ")[1].rstrip(".")
            assert suggested in check.recommended


def test_hcq_compliant_300_mg_is_suggested_as_requested():
    # 300 mg ÷ 68 kg = 4.41 mg/kg/day ≤ 5 and ≤ 600 mg/day: suggest 300 mg/day, not 200.
    plan = calculate_hydroxychloroquine(patient("68 kg"), daily_dose="300 mg")
    assert plan.suggested_daily_dose == Quantity(300, "mg/day")
    assert plan.suggested_regimen.startswith("300 mg/day as requested")
    assert "300 mg tablets exist" in plan.suggested_regimen
    assert "as requested" in dict(plan.details)["suggested"]
    assert "hcq.above-5-mg-kg" not in rules(plan)


def test_hcq_above_limit_still_rounds_down_to_200_mg_tablets():
    # 400 mg for 68 kg = 5.88 mg/kg/day; 5 × 68 = 340 → 200 mg/day
    plan = calculate_hydroxychloroquine(patient("68 kg"), daily_dose="400 mg")
    assert plan.suggested_daily_dose == Quantity(200, "mg/day")
    finding = next(f for f in plan.findings if f.rule_id == "hcq.above-5-mg-kg")
    assert "Suggest 200 mg once daily (200 mg/day)" in finding.message


@settings(max_examples=60)
@given(st.floats(40, 250, allow_nan=False), st.integers(100, 1000))
def test_hcq_suggestion_never_lower_than_a_compliant_request(w, mg):
    plan = calculate_hydroxychloroquine(patient(Quantity(w, "kg")), daily_dose=f"{mg} mg")
    if round(mg / w, 9) <= 5 and mg <= 600:
        assert plan.suggested_daily_dose == Quantity(mg, "mg/day")
    elif plan.suggested_daily_dose is not None:
        s = plan.suggested_daily_dose.magnitude
        assert s % 200 == 0 and s <= min(5 * w, 600) + 1e-9


def test_prednisone_above_100_mg_day_is_contraindicated():
    # EULAR 2002: very high dose > 100 mg/day; pulses are IV methylprednisolone.
    check = check_prednisone_order(Order("prednisone", "500 mg", "daily", "PO"), patient())
    assert rules(check)["prednisone.above-very-high"] is Severity.CONTRAINDICATED
    assert "prednisone.high-dose" not in rules(check)
    assert rules(assess_prednisone(patient(), "100 mg"))["prednisone.high-dose"] is Severity.MAJOR
    assert "prednisone.above-very-high" not in rules(assess_prednisone(patient(), "100 mg"))
    assert rules(assess_prednisone(patient(), "100.5 mg"))["prednisone.above-very-high"] is Severity.CONTRAINDICATED
    assert assess_prednisone(patient(), "5 mg").contraindicated_threshold == Quantity(100, "mg/day")


def test_prednisone_alternate_day_peak_above_100_is_contraindicated():
    # 150 mg every other day = 75 mg/day on average, but 150 mg on a dosing day
    check = check_prednisone_order(Order("prednisone", "150 mg", "every other day", "PO"), patient())
    assert rules(check)["prednisone.above-very-high"] is Severity.CONTRAINDICATED


def test_prednisone_weekly_details_do_not_call_it_a_daily_dose():
    check = check_prednisone_order(Order("prednisone", "5 mg", "weekly", "PO"), patient())
    details = dict(check.details)
    assert details["daily dose"].startswith("not a daily regimen: 5 mg on each dosing day")
    assert "mg/kg on each dosing day" in details["mg/kg/day"]
    assert "5 mg/day" not in details["daily dose"]
    alt = dict(check_prednisone_order(Order("prednisone", "10 mg", "every other day", "PO"), patient()).details)
    assert alt["daily dose"] == "5 mg/day on average (10 mg every other day)"


def test_prednisone_mg_per_kg_is_shown_sensibly_and_rounded_to_tablets():
    # 1 mg/kg × 150 lb (68.0389 kg) = 68.0389 mg: not whole tablets; nearest 68 mg = 50 + 10 + 5 + 1 + 1 + 1
    check = check_prednisone_order(Order("prednisone", "1 mg/kg", "daily", "PO"), patient("150 lb"))
    details = dict(check.details)
    assert "68.0389" not in " ".join(details.values())
    assert details["ordered"] == "1 mg/kg × 68.04 kg (actual) = 68.04 mg daily"
    assert rules(check)["prednisone.not-whole-tablets"] is Severity.CAUTION
    message = next(f.message for f in check.findings if f.rule_id == "prednisone.not-whole-tablets")
    assert "nearest dose the tablets make is 68 mg (50 mg + 10 mg + 5 mg + 1 mg + 1 mg + 1 mg)" in message


@pytest.mark.parametrize("dose,nearest", [("0.5 mg", "1 mg"), ("1.5 mg", "1 mg"), ("3.2 mg", "3 mg"), ("7.4 mg", "7.5 mg")])
def test_prednisone_nearest_achievable_dose(dose, nearest):
    check = check_prednisone_order(Order("prednisone", dose, "daily", "PO"), patient())
    message = next(f.message for f in check.findings if f.rule_id == "prednisone.not-whole-tablets")
    assert f"nearest dose the tablets make is {nearest} (" in message


@pytest.mark.parametrize("dose", ["1 mg", "2 mg", "2.5 mg", "3.5 mg", "4 mg", "5 mg", "7.5 mg", "12.5 mg", "60 mg"])
def test_prednisone_tablet_doses_have_no_tablet_finding(dose):
    assert "prednisone.not-whole-tablets" not in rules(check_prednisone_order(Order("prednisone", dose, "daily", "PO"), patient()))
