"""verify(order, patient, current_medications): the one entry point."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing import DoseInputError, Order, Patient, Severity, Status, Verdict, verify
from dosing.verdict import status_of
from interactions import UnknownDrugError

PATIENT = Patient("68 kg", "165 cm", "54 years", "female", "0.8 mg/dL")


def rule_ids(verdict):
    return {f.rule_id for f in verdict.findings}


def test_ok_order_from_objects():
    order = Order("methotrexate", "20 mg", "weekly", "subcutaneous")
    verdict = verify(order, PATIENT, ["folic acid"])
    assert verdict.status is Status.OK
    assert verdict.drug == "methotrexate"
    assert verdict.recommended_dose.to("mg").magnitude == 20.0
    assert "mtx.folic-acid" in rule_ids(verdict)


def test_order_and_patient_as_mappings():
    verdict = verify({"drug": "methotrexate", "dose": "8 tablets", "frequency": "weekly", "route": "PO"}, PATIENT.to_dict())
    # 8 × 2.5 mg = 20 mg weekly: the plan's escalation target.
    assert verdict.drug == "methotrexate"
    assert verdict.status is Status.OK


def test_methotrexate_with_bactrim_blocks():
    verdict = verify(Order("methotrexate", "20 mg", "weekly", "oral"), PATIENT, ["Bactrim"])
    assert verdict.status is Status.BLOCK
    assert "interactions.mtx-antifolate-antibiotic" in rule_ids(verdict)


def test_daily_methotrexate_is_a_hard_stop():
    verdict = verify(Order("methotrexate", "2.5 mg", "daily", "oral"), PATIENT)
    assert verdict.status is Status.BLOCK
    assert "mtx.not-weekly" in rule_ids(verdict)


def test_etanercept_blocks_and_says_dose_unchecked():
    verdict = verify(Order("Enbrel", "50 mg", "weekly", "subcutaneous"), PATIENT)
    assert verdict.status is Status.BLOCK
    assert {"interactions.etanercept-dermatomyositis", "verify.no-dose-calculator"} <= rule_ids(verdict)
    assert verdict.recommended_dose is None


def test_drug_without_calculator_is_never_ok():
    verdict = verify(Order("azathioprine", "100 mg", "daily", "oral"), PATIENT)
    assert verdict.status is Status.WARN
    assert "verify.no-dose-calculator" in rule_ids(verdict)


def test_patient_condition_findings_reach_the_verdict():
    dysphagic = Patient("68 kg", "165 cm", "54 years", "female", "0.8 mg/dL", ["dysphagia_new_onset"])
    verdict = verify(Order("hydroxychloroquine", "200 mg", "BID", "oral"), dysphagic)
    assert "interactions.dysphagia-urgent" in rule_ids(verdict)
    assert verdict.status is Status.WARN


def test_unknown_drug_raises():
    with pytest.raises(UnknownDrugError) as info:
        verify(Order("wonderdrug", "20 mg", "weekly", "oral"), PATIENT)
    assert isinstance(info.value, DoseInputError)
    assert info.value.parameter == "drug"


@pytest.mark.parametrize(
    "order, patient, meds, parameter",
    [
        ({"drug": "methotrexate", "dose": "20", "frequency": "weekly", "route": "oral"}, PATIENT, [], "dose"),
        ({"drug": "methotrexate", "dose": "20 mg", "frequency": "sometimes", "route": "oral"}, PATIENT, [], "frequency"),
        ({"drug": "methotrexate", "dose": "20 mg", "frequency": "weekly", "route": "nasal"}, PATIENT, [], "route"),
        ({"drug": "methotrexate", "dose": "20 mg", "frequency": "weekly"}, PATIENT, [], "order"),
        ({"drug": "methotrexate", "dose": "20 mg", "frequency": "weekly", "route": "oral", "colour": "red"}, PATIENT, [], "order"),
        ({"drug": "methotrexate", "dose": "20 mg", "frequency": "weekly", "route": "oral"}, {"weight": "68 kg"}, [], "patient"),
        ({"drug": "methotrexate", "dose": "20 mg", "frequency": "weekly", "route": "oral"}, PATIENT, "Bactrim", "current_medications"),
        ("methotrexate 20 mg weekly", PATIENT, [], "order"),
    ],
)
def test_bad_input_raises_naming_the_parameter(order, patient, meds, parameter):
    with pytest.raises(DoseInputError) as info:
        verify(order, patient, meds)
    assert info.value.parameter == parameter


ORDERS = [
    Order("methotrexate", "20 mg", "weekly", "oral"),
    Order("methotrexate", "30 mg", "weekly", "oral"),
    Order("Octagam", "1 g/kg", "daily for 2 days every 4 weeks", "IV"),
    Order("rituximab", "1000 mg", "days 1 and 15", "IV"),
    Order("CellCept", "1000 mg", "BID", "oral"),
    Order("prednisone", "5 mg", "daily", "oral"),
    Order("prednisone", "2.5 mg", "daily", "oral"),
    Order("Plaquenil", "200 mg", "BID", "oral"),
    Order("Actemra", "162 mg", "weekly", "subcutaneous"),
]
MEDS = ["folic acid", "Advil", "Prilosec", "Bactrim", "Imuran", "Humira", "MMR vaccine"]
CONDITIONS = ["pregnancy", "gi_symptoms", "renal_impairment", "hepatitis_b_active", "dysphagia_new_onset", "iga_deficiency_with_anti_iga"]


@settings(max_examples=60)
@given(
    st.sampled_from(ORDERS),
    st.lists(st.sampled_from(MEDS), max_size=3, unique=True),
    st.lists(st.sampled_from(CONDITIONS), max_size=2, unique=True),
)
def test_verdict_is_consistent_and_round_trips(order, meds, conditions):
    patient = Patient("68 kg", "165 cm", "54 years", "female", "0.8 mg/dL", conditions)
    verdict = verify(order, patient, meds)
    assert verdict.status is status_of(verdict.findings, verdict.regimen_alerts)
    assert Verdict.from_json(verdict.to_json()) == verdict
    severities = [f.severity.rank for f in verdict.findings]
    assert severities == sorted(severities, reverse=True)
    # A contraindication anywhere always blocks.
    if any(f.severity is Severity.CONTRAINDICATED for f in verdict.findings):
        assert verdict.status is Status.BLOCK


@settings(max_examples=40)
@given(st.sampled_from(ORDERS), st.lists(st.sampled_from(MEDS), max_size=3, unique=True), st.sampled_from(MEDS))
def test_adding_a_medication_never_lowers_the_status(order, meds, extra):
    before = verify(order, PATIENT, meds)
    after = verify(order, PATIENT, [*meds, extra] if extra not in meds else meds)
    order_of = [Status.OK, Status.WARN, Status.BLOCK]
    assert order_of.index(after.status) >= order_of.index(before.status)


# ---------------------------------------------------------------- robustness

DRUG_NAMES = ["methotrexate", "MTX", "Octagam", "IVIG", "rituximab", "CellCept", "Myfortic", "prednisone", "Plaquenil",
              "Enbrel", "Actemra", "azathioprine", "folic acid", "wonderdrug", ""]
DOSES = ["20 mg", "6 tablets", "4 capsules", "0.8 mL", "1 g/kg", "375 mg/m2", "2 g/kg", "1000 mg", "1e9 mg", "0 mg",
         "-5 mg", "nan mg", "inf mg", "20", "20 kg", "20 mL/h", "1,5 mg", "2 percent", "abc", "", "5 ft", "3 vials"]
FREQUENCIES = ["weekly", "daily", "BID", "QOD", "q4w", "weekly x4", "days 1 and 15", "daily for 2 days every 4 weeks",
               "daily for 5 days every 3 weeks", "once", "every 2 weeks", "sometimes", "q0w", ""]
ROUTES = ["oral", "PO", "SC", "IV", "IM", "nasal", ""]


@settings(max_examples=300)
@given(
    st.sampled_from(DRUG_NAMES),
    st.one_of(st.sampled_from(DOSES), st.text(max_size=12)),
    st.one_of(st.sampled_from(FREQUENCIES), st.text(max_size=12)),
    st.sampled_from(ROUTES),
    st.lists(st.sampled_from(CONDITIONS), max_size=2, unique=True),
)
def test_verify_answers_or_refuses_never_crashes(drug, dose, frequency, route, conditions):
    """Whatever is typed into an order, verify gives a verdict or a DoseInputError: nothing else."""
    patient = Patient("68 kg", "165 cm", "54 years", "female", "0.8 mg/dL", conditions)
    try:
        verdict = verify({"drug": drug, "dose": dose, "frequency": frequency, "route": route}, patient)
    except DoseInputError:
        return
    assert verdict.status is status_of(verdict.findings)
    if verdict.recommended_dose is not None:
        assert verdict.recommended_dose.magnitude > 0


def test_short_patient_ivig_is_dosed_on_actual_weight():
    # 4 ft 11 in: issue 7 applies the published exclusion (height under 152 cm -> actual weight) instead of
    # refusing the order (it was a DoseInputError on height before).
    short = Patient("50 kg", "4 ft 11 in", "54 years", "female", "0.8 mg/dL")
    order = {"drug": "IVIG", "dose": "25 g", "frequency": "daily for 2 days every 4 weeks", "route": "IV"}
    for written in (order, {**order, "weight_basis": "actual"}):
        verdict = verify(written, short)
        # 2 g/kg × 50 kg = 100 g over 2 days = 50 g/day; 25 g/day is half of it.
        assert verdict.recommended_dose.to("g").magnitude == 50.0
        assert "ivig.course-below-plan" in rule_ids(verdict)


def test_weight_basis_is_refused_where_no_dose_rule_uses_it():
    order = {"drug": "methotrexate", "dose": "20 mg", "frequency": "weekly", "route": "SC", "weight_basis": "ideal"}
    with pytest.raises(DoseInputError) as info:
        verify(order, PATIENT)
    assert info.value.parameter == "weight_basis"
    with pytest.raises(DoseInputError):
        Order("IVIG", "50 g", "daily for 2 days every 4 weeks", "IV", weight_basis="lean")


def test_order_with_weight_basis_round_trips():
    order = Order("IVIG", "50 g", "daily for 2 days every 4 weeks", "IV", weight_basis="adjusted")
    assert Order.from_dict(order.to_dict()) == order


def test_findings_are_merged_worst_first_once_each():
    from dosing.api import _merge
    from dosing.findings import Finding, Severity

    info, caution, major = (Finding(rule, severity, "m", "ref") for rule, severity in
                            (("a.info", Severity.INFO), ("b.caution", Severity.CAUTION), ("c.major", Severity.MAJOR)))
    assert _merge([info, caution], (major, info), ()) == (major, caution, info)
    assert _merge((), [caution], [caution]) == (caution,)
    assert _merge() == ()
