"""The Patient value: conversion at the door, the condition vocabulary, round trips."""

from __future__ import annotations

import json
import math

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing.body import BSAFormula, Sex, WeightBasis
from dosing.patient import KNOWN_CONDITIONS, Patient
from dosing.serialize import jsonable
from dosing.units import DoseInputError, Quantity

LB_PER_KG = 1 / 0.45359237


def woman(**changes):
    base = dict(weight="70 kg", height="170 cm", age="54 years", sex="female", serum_creatinine="1.0 mg/dL")
    base.update(changes)
    return Patient(**base)


def test_inputs_are_stored_in_kg_cm_years_mg_dl():
    # 154 lb × 0.45359237 = 69.853 kg; 5 ft 6 in = 66 in × 2.54 = 167.64 cm; 97 µmol/L ÷ 88.40 = 1.0973 mg/dL
    p = Patient("154 lb", "5 ft 6 in", "54 years", "F", serum_creatinine="97 umol/L")
    assert str(p.weight.units) == "kilogram" and p.weight.magnitude == pytest.approx(69.85322498)
    assert str(p.height.units) == "centimeter" and p.height.magnitude == pytest.approx(167.64)
    assert str(p.age.units) == "year" and p.age.magnitude == 54.0
    assert str(p.serum_creatinine.units) == "milligram / deciliter"
    assert p.serum_creatinine.magnitude == pytest.approx(1.097264)
    assert p.sex is Sex.FEMALE
    assert p.conditions == frozenset()
    assert p.disease_active is True


def test_patient_is_frozen():
    p = woman()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        p.weight = Quantity(80, "kg")


def test_serum_creatinine_is_optional():
    p = woman(serum_creatinine=None)
    assert p.serum_creatinine is None
    # calculations that need it say so, naming the missing value, rather than guess
    with pytest.raises(DoseInputError) as err:
        p.creatinine_clearance()
    assert err.value.parameter == "serum_creatinine"
    with pytest.raises(DoseInputError) as err:
        p.egfr()
    assert err.value.parameter == "serum_creatinine"
    # body-size calculations do not need it
    assert p.bsa().to("m**2").magnitude == pytest.approx(math.sqrt(70 * 170 / 3600))


def test_patient_calculations_match_hand_worked():
    p = Patient("80 kg", "5 ft 10 in", "60 years", "male", serum_creatinine="1.0 mg/dL")
    # Mosteller sqrt(177.8 × 80 / 3600) = sqrt(3.95111) = 1.9877 m²
    assert p.bsa().to("m**2").magnitude == pytest.approx(1.98774, abs=1e-5)
    # Du Bois 0.007184 × 80^0.425 × 177.8^0.725
    assert p.bsa(BSAFormula.DUBOIS).to("m**2").magnitude == pytest.approx(0.007184 * 80**0.425 * 177.8**0.725)
    assert p.bsa("boyd") != p.bsa("haycock")
    # Devine 50 + 2.3 × 10 = 73 kg; adjusted 73 + 0.4 × (80 − 73) = 75.8 kg
    assert p.ideal_body_weight().to("kg").magnitude == pytest.approx(73.0)
    assert p.adjusted_body_weight().to("kg").magnitude == pytest.approx(75.8)
    # CG (140 − 60) × 80 / 72 = 88.89; on IBW 80 × 73 / 72 = 81.11; on AdjBW 80 × 75.8 / 72 = 84.22 mL/min
    assert p.creatinine_clearance().value.to("mL/min").magnitude == pytest.approx(88.8889, abs=1e-4)
    ideal = p.creatinine_clearance("ideal")
    assert ideal.value.to("mL/min").magnitude == pytest.approx(81.1111, abs=1e-4)
    assert ideal.weight_used.to("kg").magnitude == pytest.approx(73.0)
    assert p.creatinine_clearance(WeightBasis.ADJUSTED).value.to("mL/min").magnitude == pytest.approx(84.2222, abs=1e-4)
    # CKD-EPI 2021 male 60 y 1.0 mg/dL = 86.16 mL/min/1.73 m²
    assert p.egfr().to("mL/min/std_bsa").magnitude == pytest.approx(86.1626, abs=1e-3)


def test_conditions_vocabulary():
    p = woman(conditions=["pregnancy", "Hepatitis-B-Past", "alcohol use"])
    assert p.conditions == frozenset({"pregnancy", "hepatitis_b_past", "alcohol_use"})
    assert p.has("pregnancy") and not p.has("breastfeeding")
    assert woman(conditions="pregnancy").conditions == frozenset({"pregnancy"})
    assert woman(conditions=()).conditions == frozenset()
    with pytest.raises(KeyError):
        p.has("pregancy")


@pytest.mark.parametrize("bad", [["pregancy"], ["pregnancy", "lupus"], "hep b", [""], ["active infection?"]])
def test_unknown_condition_refused(bad):
    # a misspelt condition must not silently disable a contraindication
    with pytest.raises(DoseInputError) as err:
        woman(conditions=bad)
    assert err.value.parameter == "conditions"


@pytest.mark.parametrize("bad", [None, 1, True])
def test_conditions_must_be_a_collection(bad):
    with pytest.raises(DoseInputError) as err:
        woman(conditions=bad)
    assert err.value.parameter == "conditions"


@settings(max_examples=150)
@given(st.text(min_size=1, max_size=20))
def test_arbitrary_condition_text_refused_unless_known(text):
    normalised = text.strip().lower().replace("-", "_").replace(" ", "_")
    if normalised in KNOWN_CONDITIONS:
        assert woman(conditions=[text]).conditions == {normalised}
    else:
        with pytest.raises(DoseInputError) as err:
            woman(conditions=[text])
        assert err.value.parameter == "conditions"


@pytest.mark.parametrize(
    "field, value",
    [
        ("weight", 70),
        ("weight", "70"),
        ("weight", "170 cm"),
        ("weight", "-70 kg"),
        ("weight", "1 kg"),
        ("weight", "400 kg"),
        ("weight", Quantity(math.nan, "kg")),
        ("height", 170.0),
        ("height", "30 cm"),
        ("height", "9 ft"),
        ("height", np.float64(170)),
        ("age", 54),
        ("age", "121 years"),
        ("age", "-1 years"),
        ("age", "54 kg"),
        ("sex", "unknown"),
        ("sex", None),
        ("serum_creatinine", 1.0),
        ("serum_creatinine", "1.0 mg"),
        ("serum_creatinine", "30 mg/dL"),
        ("serum_creatinine", "0 umol/L"),
    ],
)
def test_patient_refuses_bad_fields(field, value):
    with pytest.raises(DoseInputError) as err:
        woman(**{field: value})
    assert err.value.parameter == field


def test_disease_active_must_be_a_bool():
    assert woman(disease_active=False).disease_active is False
    with pytest.raises(DoseInputError):  # a DoseInputError, so the CLI reports bad input (exit 3)
        woman(disease_active="yes")


def test_children_allowed_but_adult_equations_refuse():
    child = Patient("20 kg", "110 cm", "6 years", "male", serum_creatinine="0.4 mg/dL")
    assert child.bsa("haycock").to("m**2").magnitude == pytest.approx(0.7832, abs=5e-5)
    for calc in (child.creatinine_clearance, child.egfr):
        with pytest.raises(DoseInputError) as err:
            calc()
        assert err.value.parameter == "age"


# ---------------------------------------------------------------- to_dict / from_dict


def test_to_dict_is_plain_text():
    d = woman(conditions=["pregnancy", "alcohol_use"]).to_dict()
    assert d == {
        "weight": "70.0 kg",
        "height": "170.0 cm",
        "age": "54.0 year",
        "sex": "female",
        "serum_creatinine": "1.0 mg/dL",
        "conditions": ["alcohol_use", "pregnancy"],
        "disease_active": True,
    }
    assert json.loads(json.dumps(d)) == d


def test_from_dict_refuses_unknown_and_missing_fields():
    d = woman().to_dict()
    with pytest.raises(DoseInputError) as err:
        Patient.from_dict({**d, "wieght": "70 kg"})
    assert err.value.parameter == "patient"
    del d["height"]
    with pytest.raises(DoseInputError) as err:
        Patient.from_dict(d)
    assert err.value.parameter == "patient"


def test_from_dict_accepts_chart_units():
    p = Patient.from_dict({"weight": "154 lb", "height": "5'6\"", "age": "54 years", "sex": "f"})
    assert p == Patient("154 lb", "5 ft 6 in", "54 years", "female")


patients = st.builds(
    Patient,
    weight=st.one_of(st.floats(2, 350).map(lambda w: Quantity(w, "kg")), st.floats(5, 770).map(lambda w: Quantity(w, "lb"))),
    height=st.one_of(st.floats(40, 250).map(lambda h: Quantity(h, "cm")), st.floats(16, 98).map(lambda h: Quantity(h, "in"))),
    age=st.floats(0, 120).map(lambda a: Quantity(a, "year")),
    sex=st.sampled_from(["female", "male"]),
    serum_creatinine=st.one_of(
        st.none(),
        st.floats(0.1, 25).map(lambda s: Quantity(s, "mg/dL")),
        st.floats(9, 2200).map(lambda s: Quantity(s, "umol/L")),
    ),
    conditions=st.frozensets(st.sampled_from(sorted(KNOWN_CONDITIONS)), max_size=5),
    disease_active=st.booleans(),
)


@settings(max_examples=100)
@given(patients)
def test_to_dict_from_dict_round_trip(p):
    d = p.to_dict()
    again = Patient.from_dict(json.loads(json.dumps(d)))
    assert again == p
    assert again.to_dict() == d


@settings(max_examples=120)
@given(patients)
def test_jsonable_patient(p):
    data = jsonable(p)
    json.dumps(data)
    assert data["sex"] == p.sex.value
    assert data["conditions"] == sorted(p.conditions)
    assert data["age"].endswith(" year")
    assert data["weight"].endswith(" kg")


@settings(max_examples=150)
@given(st.floats(2.5, 340), st.floats(41, 249), st.sampled_from(["female", "male"]))
def test_patient_same_in_kg_lb(w, h, sex):
    metric = Patient(Quantity(w, "kg"), Quantity(h, "cm"), "50 years", sex)
    imperial = Patient(Quantity(w * LB_PER_KG, "lb"), Quantity(h / 2.54, "in"), "600 months", sex)
    assert imperial.weight.magnitude == pytest.approx(w, rel=1e-12)
    assert imperial.bsa().magnitude == pytest.approx(metric.bsa().magnitude, rel=1e-9)
    assert imperial.age.magnitude == pytest.approx(50.0)


@pytest.mark.parametrize("value", ["no", 0, None, "false", 1])
def test_disease_active_must_be_a_boolean(value):
    with pytest.raises(DoseInputError) as info:
        Patient("70 kg", "170 cm", "50 years", "female", disease_active=value)
    assert info.value.parameter == "disease_active"
