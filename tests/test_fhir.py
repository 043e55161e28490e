"""FHIR R4 → Order / Patient / medications (dosing.input.fhir), without the server."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

pytest.importorskip("fhir.resources")

from dosing.input import fhir
from dosing.order import OrderIntent
from dosing.units import DoseInputError

FIXTURES = Path(__file__).parent / "fixtures" / "fhir"
AS_OF = dt.date(2025, 5, 2)


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def draft(timing=None, dose=None, **changes) -> dict:
    data = load("draft_methotrexate_weekly.json")
    dosage = data["dosageInstruction"][0]
    if timing is not None:
        dosage["timing"] = timing
    if dose is not None:
        dosage["doseAndRate"] = [dose]
    data.update(changes)
    return data


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_every_fixture_is_valid_fhir_r4(name):
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.medicationrequest import MedicationRequest
    from fhir.resources.R4B.patient import Patient

    data = load(name)
    model = {"Bundle": Bundle, "MedicationRequest": MedicationRequest, "Patient": Patient}[data["resourceType"]]
    model.model_validate(data)


# --- timing → Frequency ----------------------------------------------------------------

R = lambda **repeat: {"repeat": repeat}
CODE = lambda code: {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "code": code}]}}

TIMINGS = [
    # timing, (interval_days, times_per_day, count, cycle_days, weekdays, hours_apart)
    (R(frequency=1, period=1, periodUnit="wk"), (7, 1, None, None, (), None)),
    (R(frequency=1, period=1, periodUnit="wk", dayOfWeek=["fri"]), (7, 1, None, None, (5,), None)),
    (R(frequency=1, period=1, periodUnit="d"), (1, 1, None, None, (), None)),
    (R(frequency=2, period=1, periodUnit="d"), (1, 2, None, None, (), None)),
    (R(frequency=1, period=8, periodUnit="h"), (1, 3, None, None, (), 8)),
    (R(frequency=1, period=4, periodUnit="wk"), (28, 1, None, None, (), None)),
    (R(frequency=1, period=2, periodUnit="d"), (2, 1, None, None, (), None)),
    # IVIG course: one request, bounded (count = administrations; here one a day).
    (R(frequency=1, period=1, periodUnit="d", count=2), (1, 1, 2, None, (), None)),
    (R(frequency=2, period=1, periodUnit="d", count=10), (1, 2, 5, None, (), None)),
    (R(frequency=1, period=1, periodUnit="d", boundsDuration={"value": 5, "unit": "d", "system": "http://unitsofmeasure.org", "code": "d"}),
     (1, 1, 5, None, (), None)),
    (R(frequency=1, period=1, periodUnit="d", boundsPeriod={"start": "2025-05-05", "end": "2025-05-06"}), (1, 1, 2, None, (), None)),
    # Twice a week is never read as weekly (the contract's safety invariant).
    (R(frequency=2, period=1, periodUnit="wk"), (3, 1, None, None, (), None)),
    (R(frequency=2, period=1, periodUnit="wk", dayOfWeek=["mon", "thu"]), (3, 1, None, None, (1, 4), None)),
    (R(when=["MORN", "EVE"], period=1, periodUnit="d"), (1, 2, None, None, (), None)),
    (R(count=1), (None, 1, 1, None, (), None)),
    (CODE("BID"), (1, 2, None, None, (), None)),
    (CODE("TID"), (1, 3, None, None, (), None)),
    (CODE("QID"), (1, 4, None, None, (), None)),
    (CODE("QD"), (1, 1, None, None, (), None)),
    (CODE("QOD"), (2, 1, None, None, (), None)),
    (CODE("WK"), (7, 1, None, None, (), None)),
    (CODE("Q6H"), (1, 4, None, None, (), 6)),
]


@pytest.mark.parametrize(("timing", "schedule"), TIMINGS)
def test_timing_maps_to_the_frequency_fields(timing, schedule):
    from fhir.resources.R4B.timing import Timing

    frequency = fhir.read_timing(Timing.model_validate(timing), "timing")
    assert frequency.schedule() == schedule
    assert not (frequency.interval_days and frequency.interval_days >= 7 and len(frequency.weekdays) > 1)


@pytest.mark.parametrize("timing", [
    R(frequency=1, period=1, periodUnit="mo"),      # a month is not a whole number of days
    R(frequency=1, period=5, periodUnit="h"),       # not a whole number of doses a day
    R(frequency=3, period=1, periodUnit="d", count=4),  # not whole days
    R(frequency=1, period=1, periodUnit="wk", dayOfWeek=["MON"]),  # codes are lower case in R4
    R(frequency=1, period=1, periodUnit="wk", dayOfWeek=["xyz"]),
    {"repeat": {"frequency": 1, "period": 1, "periodUnit": "wk", "dayOfWeek": [None], "_dayOfWeek": [{"extension": [{"url": "http://example.org/x", "valueString": "y"}]}]}},
    {},
])
def test_unreadable_timing_is_refused_naming_the_path(timing):
    with pytest.raises(DoseInputError) as err:
        fhir.read_order(draft(timing=timing))
    assert err.value.parameter.startswith("MedicationRequest.dosageInstruction[0].timing")


def test_ivig_course_is_one_bounded_order():
    order = fhir.read_order(load("draft_ivig.json"))
    assert order.frequency.count == 2 and order.frequency.interval_days == 1
    assert order.drug == "Privigen" and order.route.value == "intravenous"


# --- dose: UCUM ------------------------------------------------------------------------


def _qty(value, code):
    return {"doseQuantity": {"value": value, "unit": code, "system": "http://unitsofmeasure.org", "code": code}}


@pytest.mark.parametrize(("value", "code", "expected"), [
    (20, "mg", "20 mg"), (0.02, "g", "20 mg"), (15, "mg/m2", "15 mg/m**2"), (8, "{tbl}", "8 tablet"),
])
def test_ucum_dose_units(value, code, expected):
    from dosing.units import parse_text

    order = fhir.read_order(draft(dose=_qty(value, code)))
    assert order.dose.to(parse_text(expected, "x").units).magnitude == pytest.approx(parse_text(expected, "x").magnitude)


@pytest.mark.parametrize(("dose", "path_end"), [
    ({"doseQuantity": {"value": 20}}, "doseQuantity.code"),
    ({"doseQuantity": {"value": 20, "unit": "mg"}}, "doseQuantity.code"),
    (_qty(20, "MG"), "doseQuantity.code"),           # UCUM is case-sensitive: MG is megagauss
    ({"doseQuantity": {"unit": "mg", "code": "mg"}}, "doseQuantity.value"),
    ({"doseQuantity": {"value": 20, "code": "mg", "system": "http://snomed.info/sct"}}, "doseQuantity.system"),
])
def test_dose_without_a_readable_unit_names_the_fhir_path(dose, path_end):
    with pytest.raises(DoseInputError) as err:
        fhir.read_order(draft(dose=dose))
    assert err.value.parameter == f"MedicationRequest.dosageInstruction[0].doseAndRate[0].{path_end}"


def test_dose_range_is_checked_at_its_high_end():
    rng = {"doseRange": {"low": {"value": 15, "code": "mg", "system": "http://unitsofmeasure.org"},
                         "high": {"value": 25, "code": "mg", "system": "http://unitsofmeasure.org"}}}
    assert fhir.read_order(draft(dose=rng)).dose.magnitude == 25


# --- drug, route, intent -------------------------------------------------------------------


def test_rxnorm_code_wins_and_an_unknown_code_falls_back_to_the_text():
    data = draft()
    data["medicationCodeableConcept"] = {"coding": [{"system": fhir.RXNORM, "code": "214555"}], "text": "methotrexate"}
    assert fhir.read_order(data).drug == "etanercept"
    data["medicationCodeableConcept"] = {"coding": [{"system": fhir.RXNORM, "code": "99999999"}], "text": "Otrexup"}
    assert fhir.read_order(data).drug == "Otrexup"
    data["medicationCodeableConcept"] = {"coding": [{"system": fhir.RXNORM, "code": "99999999"}]}
    with pytest.raises(DoseInputError) as err:
        fhir.read_order(data)
    assert err.value.parameter == "MedicationRequest.medicationCodeableConcept.coding[0].code"


def test_contained_medication_is_read():
    data = draft()
    del data["medicationCodeableConcept"]
    data["contained"] = [{"resourceType": "Medication", "id": "m", "code": {"coding": [{"system": fhir.RXNORM, "code": "6851"}]}}]
    data["medicationReference"] = {"reference": "#m"}
    assert fhir.read_order(data).drug == "methotrexate"


@pytest.mark.parametrize(("code", "route"), [("26643006", "oral"), ("34206005", "subcutaneous"), ("47625008", "intravenous"), ("78421000", "intramuscular")])
def test_snomed_routes(code, route):
    data = draft()
    data["dosageInstruction"][0]["route"] = {"coding": [{"system": fhir.SNOMED, "code": code}]}
    assert fhir.read_order(data).route.value == route


def test_prior_prescription_makes_a_renewal():
    assert fhir.read_order(draft()).intent is OrderIntent.NEW
    assert fhir.read_order(draft(priorPrescription={"reference": "MedicationRequest/old"})).intent is OrderIntent.RENEWAL


def test_invalid_fhir_is_refused_naming_the_path():
    data = draft()
    data["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = "twenty"
    with pytest.raises(DoseInputError) as err:
        fhir.read_order(data)
    assert err.value.parameter.startswith("MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity")
    with pytest.raises(DoseInputError):
        fhir.read_order({"resourceType": "Patient"})


# --- patient ---------------------------------------------------------------------------


def patient(observations=None, conditions=None):
    return fhir.read_patient(load("patient.json"), observations or load("observations.json"),
                             conditions or load("conditions.json"), as_of=AS_OF)


def test_most_recent_observation_wins_and_ucum_units_convert():
    p = patient()
    assert p.weight.to("kg").magnitude == pytest.approx(70)            # 2025 kg, not the 2024 160 [lb_av]
    assert p.height.to("cm").magnitude == pytest.approx(65 * 2.54)     # [in_i]
    assert p.serum_creatinine.to("mg/dL").magnitude == pytest.approx(80 / 88.4, rel=0.01)  # umol/L
    assert p.age.magnitude == 54 and p.sex.value == "female"


def test_older_observation_listed_last_does_not_win():
    bundle = load("observations.json")
    bundle["entry"].reverse()
    assert patient(bundle).weight.to("kg").magnitude == pytest.approx(70)


def test_pounds_weight_is_read():
    bundle = load("observations.json")
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["id"] != "w-new"]
    assert patient(bundle).weight.to("lb").magnitude == pytest.approx(160)


def test_cancelled_observation_is_not_read():
    bundle = load("observations.json")
    bundle["entry"][1]["resource"]["status"] = "entered-in-error"
    assert patient(bundle).weight.to("lb").magnitude == pytest.approx(160)


def test_no_weight_is_refused():
    bundle = load("observations.json")
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["code"]["coding"][0]["code"] != "29463-7"]
    with pytest.raises(DoseInputError) as err:
        patient(bundle)
    assert err.value.parameter == "weight"


def test_inactive_conditions_are_ignored_and_active_ones_read_by_code():
    assert "diverticulitis" not in patient().conditions       # resolved
    assert "diverticulitis" in patient(conditions=load("conditions_diverticulitis.json")).conditions
    refuted = load("conditions_diverticulitis.json")
    refuted["entry"][0]["resource"]["verificationStatus"] = {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "refuted"}]}
    assert "diverticulitis" not in patient(conditions=refuted).conditions


def test_current_medications_are_the_active_ones_canonical_when_coded():
    bundle = load("medications.json")
    assert fhir.read_current_medications(bundle) == ["folic acid", "hydroxychloroquine", "prednisone"]
    stopped = copy.deepcopy(bundle)
    stopped["entry"][0]["resource"]["status"] = "stopped"
    assert "folic acid" not in fhir.read_current_medications(stopped)
    statement = {"resourceType": "MedicationStatement", "id": "s", "status": "active", "subject": {"reference": "Patient/pt1"},
                 "medicationCodeableConcept": {"text": "Bactrim DS"}}
    bundle["entry"].append({"resource": statement})
    assert "Bactrim DS" in fhir.read_current_medications(bundle)


def test_egfr_is_read_when_given():
    bundle = load("observations.json")
    bundle["entry"].append({"resource": {
        "resourceType": "Observation", "status": "final", "effectiveDateTime": "2025-05-01",
        "code": {"coding": [{"system": fhir.LOINC, "code": "98979-8"}]},
        "valueQuantity": {"value": 55, "code": "mL/min/{1.73_m2}", "system": "http://unitsofmeasure.org"}}})
    assert fhir.read_egfr(bundle).magnitude == 55
