"""The numpy batch path equals the scalar path, and refuses what the scalar path refuses."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing import DoseInputError, Patient
from dosing.batch import batch_bsa, batch_ivig, batch_methotrexate, batch_mycophenolate, batch_rituximab
from dosing.body import BSAFormula, body_surface_area
from dosing.drugs import mycophenolate
from dosing.drugs.ivig import calculate_ivig
from dosing.drugs.methotrexate import calculate_methotrexate
from dosing.drugs.rituximab import calculate_rituximab
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


# ---------------------------------------------------------------- rituximab

# Children and adults at the body.py limits' edges: BSA about 0.2 to 4.4 m².
any_weights = st.floats(3.0, 300.0, allow_nan=False)
any_heights = st.floats(50.0, 230.0, allow_nan=False)
body_cohorts = st.lists(st.tuples(any_weights, any_heights), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(body_cohorts, st.sampled_from(["bsa-weekly-x4", "fixed-days-1-15"]), st.sampled_from(list(BSAFormula)))
def test_batch_rituximab_equals_scalar(cohort, regimen, formula):
    w = Quantity(np.array([c[0] for c in cohort]), "kg")
    h = Quantity(np.array([c[1] for c in cohort]), "cm")
    batch = batch_rituximab(w, h, regimen=regimen, bsa_formula=formula)
    for i, (kg, cm) in enumerate(cohort):
        patient = Patient(Quantity(kg, "kg"), Quantity(cm, "cm"), "40 years", "female")
        plan = calculate_rituximab(patient, regimen=regimen, start_date="2026-01-05", bsa_formula=formula)
        assert batch.dose_per_administration.magnitude[i] == plan.dose_per_administration.to("mg").magnitude
        assert batch.volume_per_administration.magnitude[i] == plan.volume_per_administration.to("mL").magnitude
        assert batch.total_course_dose.magnitude[i] == plan.total_course_dose.to("mg").magnitude
        assert batch.administrations == len(plan.schedule)
        vials = {v.strength.magnitude: v.count for v in plan.vials_per_administration}
        assert (batch.vials_500mg[i], batch.vials_100mg[i]) == (vials.get(500.0, 0), vials.get(100.0, 0))
        noted = any(f.rule_id == "rituximab.bsa-dose-above-1000-uncapped" for f in plan.findings)
        assert bool(batch.above_1000_uncapped[i]) is noted
        if plan.bsa is None:
            assert np.isnan(batch.bsa.magnitude[i])
        else:
            assert batch.bsa.magnitude[i] == plan.bsa.to("m**2").magnitude


def test_batch_rituximab_hand_worked():
    # Mosteller: 70 kg, 170 cm → 1.8181 m² × 375 = 681.8 mg → 680 mg (1 × 500 + 2 × 100 mg vials), 68 mL.
    # 150 kg, 190 cm → 2.8137 m² × 375 = 1055.1 mg → 1060 mg: above 1000 mg, not capped (the label sets no cap).
    result = batch_rituximab(["70 kg", "150 kg"], ["170 cm", "190 cm"])
    assert result.dose_per_administration.magnitude.tolist() == [680.0, 1060.0]
    assert result.volume_per_administration.magnitude.tolist() == [68.0, 106.0]
    assert result.total_course_dose.magnitude.tolist() == [2720.0, 4240.0]
    assert result.vials_500mg.tolist() == [1, 2] and result.vials_100mg.tolist() == [2, 1]
    assert result.above_1000_uncapped.tolist() == [False, True]
    fixed = batch_rituximab(["70 kg", "150 kg"], ["170 cm", "190 cm"], regimen="fixed-days-1-15")
    assert fixed.dose_per_administration.magnitude.tolist() == [1000.0, 1000.0]
    assert fixed.total_course_dose.magnitude.tolist() == [2000.0, 2000.0] and fixed.administrations == 2
    assert np.isnan(fixed.bsa.magnitude).all()


def test_batch_rituximab_refuses_what_scalar_refuses():
    with pytest.raises(DoseInputError) as info:
        batch_rituximab(["70 kg", "70 lb", "0 kg"], ["170 cm"] * 3)
    assert info.value.parameter == "weights[2]"
    with pytest.raises(DoseInputError) as info:
        batch_rituximab(["70 kg"], ["170 cm"], regimen="weekly-x8")
    assert info.value.parameter == "regimen"
    with pytest.raises(DoseInputError) as info:
        batch_rituximab(["70 kg"], ["170 cm"], bsa_formula="guess")
    assert info.value.parameter == "formula"
    with pytest.raises(ValueError):
        batch_rituximab(["70 kg"], ["170 cm"]).vials_500mg[0] = 9


# ---------------------------------------------------------------- mycophenolate

# 0 or at least 10^-12 of the unit: nonzero values below that are refused as implausible (issue 6).
ages = st.one_of(st.just(0.0), st.floats(1e-12, 100.0, allow_nan=False))
egfr_values = st.one_of(st.none(), st.just(0.0), st.floats(1e-12, 150.0, allow_nan=False))
# Whole 250 mg units up to 1500 mg, written as mg, capsules or tablets.
mmf_doses = st.one_of(
    st.integers(1, 6).map(lambda n: f"{n * 250} mg"),
    st.integers(1, 6).map(lambda n: f"{n} capsules"),
    st.integers(1, 3).map(lambda n: f"{n} tablets"),
    st.integers(1, 6).map(lambda n: f"{n * 0.25:g} g"),
)
mmf_cohorts = st.lists(st.tuples(any_weights, any_heights, ages, egfr_values, mmf_doses), min_size=1, max_size=8)
EGFR = "mL/min/1.73m**2"  # as text
EGFR_UNIT = "mL/min/std_bsa"  # as a Quantity's unit


@settings(max_examples=80, deadline=None)
@given(mmf_cohorts)
def test_batch_mycophenolate_equals_scalar(cohort):
    w = Quantity(np.array([c[0] for c in cohort]), "kg")
    h = Quantity(np.array([c[1] for c in cohort]), "cm")
    a = Quantity(np.array([c[2] for c in cohort]), "year")
    egfrs = [None if c[3] is None else Quantity(c[3], EGFR_UNIT) for c in cohort]
    batch = batch_mycophenolate(w, h, a, dose_per_administration=[c[4] for c in cohort], egfrs=egfrs)
    for i, (kg, cm, age, egfr, dose) in enumerate(cohort):
        # No creatinine: the eGFR is the given one or unknown, as in the batch.
        patient = Patient(Quantity(kg, "kg"), Quantity(cm, "cm"), Quantity(age, "year"), "female")
        plan = mycophenolate.calculate_mycophenolate(patient, dose_per_administration=dose, egfr=egfrs[i])
        rules = {f.rule_id for f in plan.findings}
        assert batch.requested_dose.magnitude[i] == plan.requested_dose.to("mg").magnitude
        assert batch.dose_per_administration.magnitude[i] == plan.dose_per_administration.to("mg").magnitude
        assert batch.daily_dose.magnitude[i] == plan.daily_dose.to("mg").magnitude
        assert batch.max_daily_dose.magnitude[i] == plan.max_daily_dose.to("mg").magnitude
        assert batch.mps_equivalent.magnitude[i] == plan.mps_equivalent_per_administration.to("mg").magnitude
        assert bool(batch.renal_cap_applied[i]) is plan.renal_cap_applied
        assert bool(batch.renal_known[i]) is (plan.egfr is not None)
        assert bool(batch.renal_known[i]) is ("mycophenolate.renal-unknown" not in rules)
        assert bool(batch.above_pediatric_ceiling[i]) is ("mycophenolate.pediatric-dose" in rules)
        assert bool(batch.below_range[i]) is ("mycophenolate.below-range" in rules)
        child = mycophenolate._pediatric(mycophenolate.MMF, patient)
        if child is None:
            assert np.isnan(batch.pediatric_ceiling.magnitude[i])
        else:
            assert batch.pediatric_ceiling.magnitude[i] == child.max_dose


@settings(max_examples=40, deadline=None)
@given(mmf_cohorts, mmf_doses)
def test_batch_mycophenolate_caps_never_exceeded(cohort, dose):
    w = Quantity(np.array([c[0] for c in cohort]), "kg")
    h = Quantity(np.array([c[1] for c in cohort]), "cm")
    a = Quantity(np.array([c[2] for c in cohort]), "year")
    egfrs = [None if c[3] is None else f"{c[3]!r} {EGFR}" for c in cohort]
    batch = batch_mycophenolate(w, h, a, dose_per_administration=dose, egfrs=egfrs)
    per_dose = batch.dose_per_administration.magnitude
    assert (batch.daily_dose.magnitude <= batch.max_daily_dose.magnitude).all()
    assert (per_dose <= 1500.0).all()
    severe = np.array([e is not None and e < 25.0 for e in (c[3] for c in cohort)])
    assert (per_dose[severe] <= 1000.0).all()
    # The paediatric ceiling never exceeds 1 g per dose nor 600 mg/m² × BSA.
    ceiling = batch.pediatric_ceiling.magnitude
    child = ~np.isnan(ceiling)
    assert (ceiling[child] <= 1000.0).all()
    assert (ceiling[child] <= 600.0 * batch.bsa.magnitude[child] + 1e-6).all()


def test_batch_mycophenolate_hand_worked():
    # 1: adult, eGFR 20 < 25 → 1500 mg capped at 1000 mg BID, 2000 mg/day maximum (CellCept US PI).
    # 2: 6 years, 20 kg, 110 cm: Mosteller 0.7817 m² × 600 = 469.0 mg → ceiling 469 mg; 1000 mg is above it.
    # 3: adult, eGFR unknown, 2 × 500 mg tablets = 1000 mg; MPS equivalent 720 mg.
    result = batch_mycophenolate(
        ["70 kg", "20 kg", "80 kg"], ["170 cm", "110 cm", "180 cm"], ["50 years", "6 years", "60 years"],
        dose_per_administration=["1500 mg", "1000 mg", "2 tablets"], egfrs=[f"20 {EGFR}", f"90 {EGFR}", None],
    )
    assert result.dose_per_administration.magnitude.tolist() == [1000.0, 1000.0, 1000.0]
    assert result.renal_cap_applied.tolist() == [True, False, False]
    assert result.max_daily_dose.magnitude.tolist() == [2000.0, 3000.0, 3000.0]
    assert result.renal_known.tolist() == [True, True, False]
    assert result.pediatric_ceiling.magnitude[1] == 469.0
    assert result.above_pediatric_ceiling.tolist() == [False, True, False]
    assert result.mps_equivalent.magnitude.tolist() == [720.0, 720.0, 720.0]


@pytest.mark.parametrize(
    "kwargs, parameter",
    [
        ({"dose_per_administration": ["1000 mg", "1750 mg"]}, "dose_per_administration[1]"),
        ({"dose_per_administration": ["1100 mg", "1000 mg"]}, "dose_per_administration[0]"),
        ({"dose_per_administration": ["1000 mg", "2.5 tablets"]}, "dose_per_administration[1]"),
        ({"dose_per_administration": ["1000 mg"]}, "dose_per_administration"),
        ({"dose_per_administration": "2000 mg"}, "dose_per_administration"),
        ({"egfrs": [None, "-3 mL/min/1.73m**2"]}, "egfrs[1]"),
        ({"egfrs": [None, "300 mL/min/1.73m**2"]}, "egfrs[1]"),
        ({"egfrs": [None, "30 mg"]}, "egfrs[1]"),
        ({"egfrs": [None]}, "egfrs"),
        ({"egfrs": Quantity(np.array([30.0, np.nan]), EGFR_UNIT)}, "egfrs[1]"),
        ({"ages": ["50 years", "-1 years"]}, "ages[1]"),
        ({"ages": ["50 years", "130 years"]}, "ages[1]"),
        ({"ages": ["50 years"]}, "batch"),
    ],
)
def test_batch_mycophenolate_refuses_what_scalar_refuses(kwargs, parameter):
    arguments = {"ages": ["50 years", "8 years"], **kwargs}
    with pytest.raises(DoseInputError) as info:
        batch_mycophenolate(["70 kg", "25 kg"], ["170 cm", "125 cm"], **arguments)
    assert info.value.parameter == parameter


def test_batch_mycophenolate_dose_messages_match_scalar():
    patient = Patient("70 kg", "170 cm", "50 years", "female")
    for dose in ("1750 mg", "1100 mg", "2.5 tablets"):
        with pytest.raises(DoseInputError) as scalar:
            mycophenolate.calculate_mycophenolate(patient, dose_per_administration=dose)
        with pytest.raises(DoseInputError) as batch:
            batch_mycophenolate(["70 kg"], ["170 cm"], ["50 years"], dose_per_administration=[dose])
        assert batch.value.problem == scalar.value.problem


def test_batch_mycophenolate_results_are_read_only():
    result = batch_mycophenolate(["70 kg"], ["170 cm"], ["50 years"])
    for array in (result.dose_per_administration.magnitude, result.renal_cap_applied, result.pediatric_ceiling.magnitude):
        with pytest.raises(ValueError):
            array[0] = 0
