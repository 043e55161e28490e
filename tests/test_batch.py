"""The numpy batch path equals the scalar path, and refuses what the scalar path refuses."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing import DoseInputError, Patient
from dosing.batch import batch_bsa, batch_ivig, batch_methotrexate
from dosing.body import BSAFormula, body_surface_area
from dosing.drugs.ivig import calculate_ivig
from dosing.drugs.methotrexate import calculate_methotrexate
from dosing.units import Quantity

weights = st.floats(40.0, 200.0, allow_nan=False)
heights = st.floats(140.0, 210.0, allow_nan=False)  # below 5 ft: actual weight (issue 7)
sexes = st.sampled_from(["female", "male"])
cohorts = st.lists(st.tuples(weights, heights, sexes), min_size=1, max_size=8)


def arrays(cohort):
    w = Quantity(np.array([c[0] for c in cohort]), "kg")
    h = Quantity(np.array([c[1] for c in cohort]), "cm")
    return w, h, [c[2] for c in cohort]


@given(cohorts, st.sampled_from(list(BSAFormula)))
def test_batch_bsa_equals_scalar(cohort, formula):
    w, h, _ = arrays(cohort)
    batch = batch_bsa(w, h, formula).to("m**2").magnitude
    scalar = [body_surface_area(Quantity(c[0], "kg"), Quantity(c[1], "cm"), formula).magnitude for c in cohort]
    assert batch.tolist() == scalar


@settings(max_examples=40, deadline=None)
@given(cohorts, st.sampled_from(["label", "adjusted"]))
def test_batch_ivig_equals_scalar(cohort, policy):
    # Issue 7: the same recommendation as the scalar path under both weight policies.
    w, h, s = arrays(cohort)
    batch = batch_ivig(w, h, s, policy=policy)
    for i, (kg, cm, sex) in enumerate(cohort):
        plan = calculate_ivig(Patient(Quantity(kg, "kg"), Quantity(cm, "cm"), "50 years", sex, "0.8 mg/dL"), policy=policy)
        assert batch.dosing_weight.magnitude[i] == plan.dosing_weight.to("kg").magnitude
        assert batch.daily_dose.magnitude[i] == plan.daily_dose.to("g").magnitude
        assert batch.course_dose.magnitude[i] == plan.course_dose.to("g").magnitude


@settings(max_examples=40)
@given(cohorts, st.sampled_from(["15 mg/m**2", "17.5 mg/m**2", "20 mg/m**2"]))
def test_batch_methotrexate_equals_scalar(cohort, per_m2):
    w, h, s = arrays(cohort)
    batch = batch_methotrexate(w, h, dose_per_m2=per_m2)
    assert batch.renal_adjusted is False
    for i, (kg, cm, sex) in enumerate(cohort):
        # Normal kidney function (CrCl > 60) so the scalar path applies no reduction either.
        plan = calculate_methotrexate(Patient(Quantity(kg, "kg"), Quantity(cm, "cm"), "40 years", sex, "0.7 mg/dL"),
                                      mode="bsa", dose_per_m2=per_m2)
        assert batch.weekly_dose.magnitude[i] == plan.weekly_dose.to("mg").magnitude
        assert batch.weekly_dose.magnitude[i] <= 25.0


def test_batch_accepts_lists_of_strings_in_mixed_units():
    # 154.324 lb = 70 kg; 66.929 in = 170 cm
    bsa = batch_bsa(["70 kg", "154.3236 lb"], ["170 cm", "66.92913 in"])
    assert bsa.magnitude[0] == pytest.approx(bsa.magnitude[1], rel=1e-6)


@pytest.mark.parametrize(
    "weights, parameter",
    [
        (Quantity(np.array([70.0, -1.0]), "kg"), "weights[1]"),
        (Quantity(np.array([70.0, np.nan]), "kg"), "weights[1]"),
        (Quantity(np.array([400.0, 70.0]), "kg"), "weights[0]"),
        (Quantity(np.array([70.0, 70.0]), "cm"), "weights"),
        (np.array([70.0, 70.0]), "weights"),
        (["70 kg", 70], "weights[1]"),
    ],
)
def test_batch_rejects_what_scalar_rejects(weights, parameter):
    with pytest.raises(DoseInputError) as info:
        batch_bsa(weights, Quantity(np.array([170.0, 170.0]), "cm"))
    assert info.value.parameter == parameter


def test_batch_error_message_matches_scalar_message():
    with pytest.raises(DoseInputError) as batch_error:
        batch_bsa(Quantity(np.array([70.0, 400.0]), "kg"), Quantity(np.array([170.0, 170.0]), "cm"))
    with pytest.raises(DoseInputError) as scalar_error:
        body_surface_area("400 kg", "170 cm")
    assert batch_error.value.problem == scalar_error.value.problem


def test_batch_lengths_must_match():
    with pytest.raises(DoseInputError, match="differ in length"):
        batch_bsa(Quantity(np.array([70.0, 80.0]), "kg"), Quantity(np.array([170.0]), "cm"))


def test_batch_ivig_short_patient_uses_actual_weight_and_rejects_bad_sex():
    # Issue 7 (was: ..._rejects_short_patient...): under 152.4 cm the actual weight, no DoseInputError.
    w = Quantity(np.array([70.0, 70.0]), "kg")
    for policy in ("label", "adjusted"):
        result = batch_ivig(w, Quantity(np.array([165.0, 150.0]), "cm"), ["f", "f"], policy=policy)
        assert result.dosing_weight.magnitude[1] == 70.0 and not result.used_adjusted_weight[1]
    adjusted = batch_ivig(w, Quantity(np.array([165.0, 150.0]), "cm"), ["f", "f"], policy="adjusted")
    assert adjusted.dosing_weight.magnitude[0] == pytest.approx(62.14567, abs=1e-4)
    with pytest.raises(DoseInputError) as info:
        batch_ivig(w, Quantity(np.array([170.0, 170.0]), "cm"), ["f", "f"], policy="stingy")
    assert info.value.parameter == "weight_policy"
    w = Quantity(np.array([60.0, 60.0]), "kg")
    with pytest.raises(DoseInputError) as info:
        batch_ivig(w, Quantity(np.array([170.0, 170.0]), "cm"), ["f", "x"])
    assert info.value.parameter == "sexes[1]"


@pytest.mark.parametrize("sexes", [None, "ff", (s for s in ["f", "f"]), ["f"]])
def test_batch_ivig_sexes_must_be_a_list_of_the_right_length(sexes):
    w = Quantity(np.array([60.0, 60.0]), "kg")
    with pytest.raises(DoseInputError) as info:
        batch_ivig(w, Quantity(np.array([170.0, 170.0]), "cm"), sexes)
    assert info.value.parameter == "sexes"


def test_batch_results_cannot_be_changed_in_place():
    w, h = Quantity(np.array([70.0, 80.0]), "kg"), Quantity(np.array([170.0, 180.0]), "cm")
    result = batch_ivig(w, h, ["f", "m"])
    with pytest.raises(ValueError):
        result.daily_dose.magnitude[0] = 9999.0
    with pytest.raises(ValueError):
        batch_bsa(w, h).magnitude[0] = 0.0
