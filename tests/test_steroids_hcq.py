import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing.drugs.hydroxychloroquine import calculate_hydroxychloroquine, check_hcq_order
from dosing.drugs.steroids import assess_prednisone, check_prednisone_order
from dosing.findings import Severity
from dosing.order import Order
from dosing.patient import Patient
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


def test_alternate_day_is_caution_and_the_dosing_day_is_banded():
    # 10 mg every other day = 5 mg/day on average: no taper flag; alternate-day caution;
    # EULAR bands the 10 mg taken on a dosing day (medium), worded without "mg/day".
    check = check_prednisone_order(Order("prednisone", "10 mg", "every other day", "PO"), patient())
    assert rules(check)["prednisone.alternate-day"] is Severity.CAUTION
    assert "prednisone.taper-below-5-active" not in rules(check)
    medium = next(f for f in check.findings if f.rule_id == "prednisone.medium-dose")
    assert medium.message.startswith("10 mg every other day is a medium dose")
    # 50 mg qod: 50 mg on each dosing day is high; one band finding only (no "25 mg/day medium" as well)
    alternate = rules(check_prednisone_order(Order("prednisone", "50 mg", "qod", "PO"), patient()))
    assert alternate["prednisone.high-dose"] is Severity.MAJOR
    assert "prednisone.medium-dose" not in alternate


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
    # 400 ÷ 72 = 5.56 mg/kg/day > 5; max 5 × 72 = 360 mg → largest 200 mg tablet regimen ≤ 360: 300 mg/day average
    plan = calculate_hydroxychloroquine(patient("72 kg"))
    assert rules(plan)["hcq.above-5-mg-kg"] is Severity.MAJOR
    assert plan.max_daily_dose == Quantity(360, "mg/day")
    assert plan.suggested_daily_dose == Quantity(300, "mg/day")
    assert plan.suggested_regimen.startswith("200 mg and 400 mg on alternate days")
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
        assert s in (200, 300, 400, 500, 600)
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


def test_hcq_compliant_request_is_never_lowered():
    # 300 mg ÷ 68 kg = 4.41 mg/kg/day ≤ 5 and ≤ 600 mg/day: 300 mg/day, as 200/400 mg alternating.
    plan = calculate_hydroxychloroquine(patient("68 kg"), daily_dose="300 mg")
    assert plan.suggested_daily_dose == Quantity(300, "mg/day")
    assert plan.suggested_regimen.startswith("200 mg and 400 mg on alternate days")
    assert "hcq.above-5-mg-kg" not in rules(plan)
    # 250 mg/day is compliant but no 200 mg tablet regimen: as requested, not lowered to 200.
    odd = calculate_hydroxychloroquine(patient("68 kg"), daily_dose="250 mg")
    assert odd.suggested_daily_dose == Quantity(250, "mg/day")
    assert odd.suggested_regimen.startswith("250 mg/day as requested")
    assert "as requested" in dict(odd.details)["suggested"]


def test_hcq_above_limit_rounds_down_to_a_200_mg_tablet_regimen():
    # 400 mg for 68 kg = 5.88 mg/kg/day; 5 × 68 = 340 → 200/400 mg alternating = 300 mg/day average
    plan = calculate_hydroxychloroquine(patient("68 kg"), daily_dose="400 mg")
    assert plan.suggested_daily_dose == Quantity(300, "mg/day")
    finding = next(f for f in plan.findings if f.rule_id == "hcq.above-5-mg-kg")
    assert "Suggest 200 mg and 400 mg on alternate days" in finding.message


@settings(max_examples=60)
@given(st.floats(40, 250, allow_nan=False), st.integers(100, 1000))
def test_hcq_suggestion_never_lower_than_a_compliant_request(w, mg):
    plan = calculate_hydroxychloroquine(patient(Quantity(w, "kg")), daily_dose=f"{mg} mg")
    if round(mg / w, 9) <= 5 and mg <= 600:
        assert plan.suggested_daily_dose == Quantity(mg, "mg/day")
    elif plan.suggested_daily_dose is not None:
        s = plan.suggested_daily_dose.magnitude
        assert s in (200, 300, 400, 500, 600) and s <= min(5 * w, 600, mg) + 1e-9


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


# ================================================================ QA pass 2 regressions

HCQ_REGIMENS = {200: "200 mg once daily", 300: "200 mg and 400 mg on alternate days", 400: "200 mg twice daily",
                500: "400 mg and 600 mg on alternate days", 600: "600 mg daily in divided doses"}


def renal_patient(weight, creatinine):
    return Patient(weight, "170 cm", "50 years", "female", serum_creatinine=creatinine)


def test_hcq_renal_never_suggests_a_full_dose():
    # 130 kg, SCr 2.6 → CKD-EPI 2021 eGFR 21.8: was "suggest 600 mg/day" next to "reduce the dose".
    plan = calculate_hydroxychloroquine(renal_patient("130 kg", "2.6 mg/dL"), daily_dose="600 mg")
    assert plan.egfr.magnitude == pytest.approx(21.8, abs=0.1)
    assert plan.suggested_daily_dose is None and plan.suggested_dose_per_weight is None
    assert plan.suggested_regimen.startswith("none computed (eGFR 21.8")
    assert "reduced below the requested 600 mg/day" in plan.suggested_regimen
    assert "nephrology and ophthalmology" in plan.suggested_regimen
    assert "only an upper bound, not a target" in plan.suggested_regimen
    renal = next(f for f in plan.findings if f.rule_id == "hcq.renal")
    assert renal.severity is Severity.CAUTION and "must be reduced" in renal.message
    assert "hcq.below-one-tablet" not in rules(plan)


def test_hcq_order_with_egfr_22_does_not_recommend_400_mg():
    # female 50 y, SCr 2.5 → eGFR 22.9; 400 mg daily for 80 kg was RECOMMENDED "200 mg twice daily (400 mg/day)".
    check = check_hcq_order(Order("hcq", "400 mg", "daily", "PO"), renal_patient("80 kg", "2.5 mg/dL"))
    assert check.recommended_dose is None
    assert "400 mg/day)" not in check.recommended and "twice daily" not in check.recommended
    assert "reduced below the requested 400 mg/day" in check.recommended
    assert rules(check)["hcq.renal"] is Severity.CAUTION
    # renal_impairment condition too, even with a normal eGFR; and "Suggest" in the 5 mg/kg finding is the same
    cond = Patient("70 kg", "170 cm", "50 years", "female", serum_creatinine="0.8 mg/dL", conditions=["renal_impairment"])
    check = check_hcq_order(Order("hcq", "200 mg", "BID", "PO"), cond)
    assert check.recommended_dose is None and "renal impairment" in check.recommended
    finding = next(f for f in check.findings if f.rule_id == "hcq.above-5-mg-kg")
    assert "Suggest a reduced dose set with nephrology and ophthalmology input" in finding.message
    # and with the kidneys asking for less, a low dose is not called "sub-therapeutic"
    low = check_hcq_order(Order("hcq", "200 mg", "qod", "PO"), renal_patient("80 kg", "2.5 mg/dL"))
    assert "hcq.below-range" not in rules(low)


@settings(max_examples=60)
@given(st.floats(40, 250, allow_nan=False), st.sampled_from([200, 300, 400, 600]), st.floats(5, 29.9, allow_nan=False))
def test_hcq_renal_suggestion_is_never_computed(w, mg, egfr):
    plan = calculate_hydroxychloroquine(patient(Quantity(w, "kg")), daily_dose=f"{mg} mg", egfr=f"{egfr} mL/min/1.73 m2")
    assert plan.suggested_daily_dose is None
    assert f"below the requested {mg} mg/day" in plan.suggested_regimen


@pytest.mark.parametrize(
    "w,expected",
    [(39.9, None), (40, 200), (59.9, 200), (60, 300), (68, 300), (79.9, 300), (80, 400), (99.9, 400), (100, 500), (119.9, 500), (120, 600), (200, 600)],
)
def test_hcq_weekly_averaged_regimens_of_200_mg_tablets(w, expected):
    # AAO 2016: the daily dose may be averaged over the week. 68 kg: 5 × 68 = 340 → 300 mg/day average
    # (4.41 mg/kg/day), not 200 mg/day (2.9 mg/kg/day).
    plan = calculate_hydroxychloroquine(patient(Quantity(w, "kg")), daily_dose="600 mg")
    if expected is None:
        assert plan.suggested_daily_dose is None
        assert rules(plan)["hcq.below-one-tablet"] is Severity.CAUTION
        return
    assert plan.suggested_daily_dose == Quantity(expected, "mg/day")
    assert plan.suggested_regimen.startswith(HCQ_REGIMENS[expected])
    assert expected / w <= 5


def test_hcq_regimen_never_above_the_request():
    # 100 kg allows 500 mg/day, but the plan asks for 400: the plan's dose is suggested, not more.
    assert calculate_hydroxychloroquine(patient("100 kg"), daily_dose="400 mg").suggested_daily_dose == Quantity(400, "mg/day")
    check = check_hcq_order(Order("hcq", "200 mg", "TID", "PO"), patient("100 kg"))
    finding = next(f for f in check.findings if f.rule_id == "hcq.above-5-mg-kg")
    assert "Suggest 200 mg twice daily (400 mg/day)" in finding.message and "200 mg twice daily" in check.recommended
    # 68 kg on the plan: the order check recommends the same 300 mg/day average the calculator suggests
    check = check_hcq_order(Order("hcq", "200 mg", "BID", "PO"), patient("68 kg"))
    plan = calculate_hydroxychloroquine(patient("68 kg"))
    assert plan.suggested_regimen in check.recommended
    assert f"Suggest {plan.suggested_regimen}" in next(f.message for f in check.findings if f.rule_id == "hcq.above-5-mg-kg")


@pytest.mark.parametrize(
    "dose,band,severity",
    [("120 mg", "prednisone.above-very-high", Severity.CONTRAINDICATED), ("60 mg", "prednisone.high-dose", Severity.MAJOR),
     ("20 mg", "prednisone.medium-dose", Severity.CAUTION), ("10 mg", "prednisone.medium-dose", Severity.CAUTION),
     ("7.5 mg", "prednisone.above-plan", Severity.INFO)],
)
def test_prednisone_alternate_day_is_banded_once_on_the_dosing_day(dose, band, severity):
    # 120 mg QOD was BLOCK "120 mg/day very high" + MAJOR "60 mg/day high"; 10 mg QOD "10 mg/day medium".
    check = check_prednisone_order(Order("prednisone", dose, "qod", "PO"), patient())
    bands = [f for f in check.findings if f.rule_id in
             ("prednisone.above-very-high", "prednisone.high-dose", "prednisone.medium-dose", "prednisone.above-plan")]
    assert [(f.rule_id, f.severity) for f in bands] == [(band, severity)]
    assert bands[0].message.startswith(f"{dose} every other day ")
    for f in check.findings:
        assert f"{dose}/day" not in f.message and f"{dose} mg/day" not in f.message


def test_prednisone_alternate_day_taper_is_on_the_average():
    # 7 mg QOD = 3.5 mg/day on average: below the plan's 5 mg while active → MAJOR, said as an average
    check = check_prednisone_order(Order("prednisone", "7 mg", "every other day", "PO"), patient())
    taper = next(f for f in check.findings if f.rule_id == "prednisone.taper-below-5-active")
    assert taper.message.startswith("3.5 mg/day on average (7 mg every other day) tapers below 5 mg/day")
    assert rules(check)["prednisone.above-plan"] is Severity.INFO  # 7 mg taken on a dosing day: above the plan's 5 mg
    # 5 mg weekly averages 0.71 mg/day: a taper as well as a wrong frequency
    weekly = rules(check_prednisone_order(Order("prednisone", "5 mg", "weekly", "PO"), patient()))
    assert weekly["prednisone.frequency"] is Severity.MAJOR
    assert weekly["prednisone.taper-below-5-active"] is Severity.MAJOR
    assert "prednisone.bone-protection" not in weekly


@settings(max_examples=60)
@given(st.sampled_from(["daily", "BID", "qod", "weekly", "q2w", "once"]), st.floats(1, 200, allow_nan=False).map(lambda x: round(x * 2) / 2))
def test_prednisone_findings_are_never_duplicated(freq, mg):
    check = check_prednisone_order(Order("prednisone", f"{mg} mg", freq, "PO"), patient())
    ids = [f.rule_id for f in check.findings]
    assert len(ids) == len(set(ids))
    bands = {"prednisone.above-very-high", "prednisone.high-dose", "prednisone.medium-dose", "prednisone.above-plan"}
    assert len(bands & set(ids)) <= 1
