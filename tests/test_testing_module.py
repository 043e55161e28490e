"""dosing.testing: the public hypothesis strategies, used here as a downstream suite would use them."""

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing import Order, Patient, Verdict, verify
from dosing.testing import DRUGS, KNOWN_CASES, known_cases, order_fields, order_strings, orders, patient_fields, patients
from dosing.units import DoseInputError

FAST = settings(max_examples=150, deadline=None)


@FAST
@given(patients(), orders())
def test_every_generated_patient_and_order_verifies_to_a_verdict(patient, order):
    # Valid input: a verdict always (any status), never a refusal or a crash.
    verdict = verify(order, patient)
    assert isinstance(verdict, Verdict)
    assert verdict.status.value in {"ok", "warn", "block"}


@FAST
@given(patient_fields(), order_fields())
def test_fields_verify_as_json_requests_too(patient, order):
    # The fields are what `dmdose verify` reads from JSON: same verdict as the objects.
    assert verify(order, patient).status == verify(Order(**order), Patient(**patient)).status


@FAST
@given(patient_fields(min_age=0, max_age=17, conditions=False), orders("methotrexate"))
def test_children_are_verified_or_refused_by_name_never_guessed(patient, order):
    # The adult kidney equations refuse children: the refusal must name what is missing.
    try:
        verify(order, Patient(**patient))
    except DoseInputError as exc:
        assert exc.parameter


@FAST
@given(patients(conditions=False), orders("methotrexate"))
def test_weekly_methotrexate_is_never_called_not_weekly(patient, order):
    rules = {f.rule_id for f in verify(order, patient, ["folic acid"]).findings}
    assert "mtx.not-weekly" not in rules


@FAST
@given(patients(), order_fields("methotrexate"), st.sampled_from(["daily", "once daily", "BID", "every morning"]))
def test_the_same_methotrexate_written_daily_always_blocks(patient, order, daily):
    verdict = verify({**order, "frequency": daily}, patient)
    assert verdict.status.value == "block"
    assert "mtx.not-weekly" in {f.rule_id for f in verdict.findings}


@FAST
@given(patients(), orders("etanercept"))
def test_etanercept_always_blocks(patient, order):
    # The plan: avoid etanercept in dermatomyositis.
    assert verify(order, patient).status.value == "block"


@FAST
@given(patients(), orders("tocilizumab"))
def test_an_il6_inhibitor_blocks_exactly_when_there_are_gi_symptoms(patient, order):
    blocked = verify(order, patient).status.value == "block"
    if "gi_symptoms" in patient.conditions or "diverticulitis" in patient.conditions or "gi_perforation_history" in patient.conditions:
        assert blocked
    else:
        assert "interactions.il6-gi-risk" not in {f.rule_id for f in verify(order, patient).findings}


@FAST
@given(patient_fields())
def test_patient_units_read_to_plausible_adult_values(fields):
    patient = Patient(**fields)
    # A weight written in whole pounds may pass a bound by half a pound (0.23 kg).
    assert 40 - 0.25 <= patient.weight.to("kg").magnitude <= 160 + 0.25
    assert 145 - 2.6 <= patient.height.to("cm").magnitude <= 200 + 0.1
    assert 18 <= patient.age.to("year").magnitude <= 90


@FAST
@given(order_fields())
def test_order_strings_say_what_the_order_says(fields):
    from dosing.testing import order_text

    text = order_text(fields)
    for key in ("drug", "dose", "route", "frequency"):
        assert fields[key] in text


@FAST
@given(order_strings("ivig"))
def test_ivig_order_strings_are_one_line(text):
    assert "\n" not in text and text.startswith("Octagam 10%")


@pytest.mark.parametrize("case", KNOWN_CASES, ids=lambda c: c.name)
def test_known_cases_give_their_status(case):
    assert verify(**case.request()).status.value == case.status, case.why


@settings(max_examples=20, deadline=None)
@given(known_cases())
def test_known_cases_strategy(case):
    assert verify(**case.request()).status.value == case.status


def test_known_cases_cover_every_status_and_the_brief():
    names = {c.name: c.status for c in KNOWN_CASES}
    assert {"ok", "warn", "block"} <= set(names.values())
    assert names["mtx-20-weekly-sc"] == "ok" and names["mtx-daily"] == "block"
    assert names["etanercept"] == "block" and names["mtx-bactrim-ds"] == "block"
    assert names["ivig-1g-kg-x2-q4w"] == "ok"


def test_every_drug_has_an_order_strategy_by_key_and_by_name():
    for key, spellings in DRUGS.items():
        assert orders(key) is not None and orders(spellings[-1]) is not None
    with pytest.raises(ValueError, match="no order strategy"):
        orders("aspirin")


def test_importing_without_hypothesis_names_the_extra():
    code = "import sys; sys.modules['hypothesis'] = None\ntry:\n import dosing.testing\nexcept ImportError as e:\n print(e)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert "pip install dmdose[test]" in result.stdout, result.stderr
