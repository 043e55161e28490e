import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing.monitoring import CANONICAL_DRUGS, MonitoringItem, monitoring_plan
from dosing.patient import Patient
from dosing.serialize import jsonable
from dosing.units import DoseInputError, Quantity

DISEASE_LABS = ["CK", "aldolase", "AST", "ALT", "LDH", "ESR", "CRP"]


def patient(*conditions):
    return Patient("70 kg", "162 cm", "50 years", "female", conditions=set(conditions))


def names_for(plan, name):
    return [item.test for item in plan.for_drug(name)]


def test_disease_activity_labs_monthly_for_everyone():
    plan = monitoring_plan([], patient())
    assert [i.test for i in plan.items] == DISEASE_LABS
    assert all(i.frequency == "monthly" and i.applies_to == "all" for i in plan.items)
    assert all("treatment-plan" in i.reference for i in plan.items)


def test_methotrexate_cbc_liver_creatinine_acr_schedule():
    plan = monitoring_plan(["methotrexate"], patient())
    items = plan.for_drug("methotrexate")[:3]
    assert [i.test for i in items] == ["CBC with differential", "liver tests (AST, ALT, albumin)", "serum creatinine"]
    assert all("every 2–4 weeks for the first 3 months" in i.frequency and "8–12 weeks" in i.frequency for i in items)
    assert all("American College of Rheumatology" in i.reference for i in items)


@pytest.mark.parametrize("drug", ["mycophenolate mofetil", "mycophenolate sodium"])
def test_mycophenolate_cbc_per_cellcept_label(drug):
    plan = monitoring_plan([drug], patient())
    cbc = plan.for_drug(drug)[0]
    assert cbc.test == "CBC with differential"
    assert cbc.frequency.startswith("weekly in month 1, twice monthly in months 2–3, then monthly")
    assert "CellCept" in cbc.reference
    assert "liver tests (AST, ALT, albumin)" in names_for(plan, drug)


def test_ivig_igg_and_renal_function():
    tests = names_for(monitoring_plan(["ivig"], patient()), "ivig")
    assert "serum IgG level" in tests
    assert "serum creatinine / BUN (renal function)" in tests
    renal = [i for i in monitoring_plan(["ivig"], patient()).items if "renal" in i.test][0]
    assert "before each IVIG course" in renal.frequency and "after" in renal.frequency
    assert "Boxed Warning" in renal.reference


def test_rituximab_hbv_igg_cbc():
    tests = names_for(monitoring_plan(["rituximab"], patient()), "rituximab")
    assert tests == ["hepatitis B screening (HBsAg and anti-HBc)", "serum IgG level", "CBC with differential"]


def test_hydroxychloroquine_baseline_retinal_exam():
    item = monitoring_plan(["hydroxychloroquine"], patient()).for_drug("hydroxychloroquine")[0]
    assert "retinal" in item.test
    assert "first year" in item.frequency and "after 5 years" in item.frequency
    assert "Ophthalmology 2016" in item.reference


def test_cardiac_symptoms_add_troponin_ecg_echo():
    plan = monitoring_plan([], patient("cardiac_symptoms"))
    assert names_for(plan, "cardiac_symptoms") == ["troponin", "ECG", "echocardiogram (consider)"]
    assert names_for(monitoring_plan([], patient()), "cardiac_symptoms") == []


def test_new_dysphagia_adds_urgent_swallow_study_and_slp():
    plan = monitoring_plan([], patient("dysphagia_new_onset"))
    items = plan.for_drug("dysphagia_new_onset")
    assert items[0].test == "modified barium swallow study" and items[0].frequency == "urgent"
    assert items[1].test.startswith("speech-language pathology referral") and items[1].frequency == "urgent"


def test_full_seed_plan_patient():
    plan = monitoring_plan(
        ["ivig", "methotrexate", "prednisone", "hydroxychloroquine"], patient("cardiac_symptoms", "dysphagia_new_onset")
    )
    tests = plan.tests()
    for expected in DISEASE_LABS + ["serum IgG level", "CBC with differential", "troponin", "ECG", "modified barium swallow study"]:
        assert expected in tests
    assert len(tests) == len(set(tests))
    data = jsonable(plan)
    assert data["drugs"] == ["ivig", "methotrexate", "prednisone", "hydroxychloroquine"]
    assert data["items"][0] == {
        "test": "CK",
        "frequency": "monthly",
        "reason": "disease activity markers that guide treatment intensity and response",
        "reference": data["items"][0]["reference"],
        "applies_to": "all",
    }


def test_names_are_normalised_and_deduplicated():
    plan = monitoring_plan(["  IVIG ", "ivig", "Mycophenolate  Mofetil"], patient())
    assert plan.drugs == ("ivig", "mycophenolate mofetil")


def test_results_are_frozen():
    plan = monitoring_plan(["ivig"], patient())
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        plan.items = ()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        plan.items[0].test = "x"
    assert isinstance(plan.items, tuple) and isinstance(plan.items[0], MonitoringItem)


@pytest.mark.parametrize(
    # A scalar Quantity says it is iterable and then raises TypeError when iterated.
    "drugs", [["etanercept"], ["mycophenolate"], ["mps"], ["not a drug"], "ivig", [None], [3], 5, None, ["ivig", "cyclosporine"], Quantity(0, "mg")]
)
def test_unknown_or_malformed_drugs_raise(drugs):
    with pytest.raises(DoseInputError) as err:
        monitoring_plan(drugs, patient())
    assert err.value.parameter == "drugs"


def test_patient_must_be_a_patient():
    with pytest.raises(DoseInputError):
        monitoring_plan(["ivig"], {"weight": "70 kg"})


@settings(max_examples=60)
@given(
    st.lists(st.sampled_from(CANONICAL_DRUGS), max_size=7),
    st.sets(st.sampled_from(["cardiac_symptoms", "dysphagia_new_onset", "pregnancy", "renal_impairment"])),
)
def test_every_item_has_reference_and_plan_grows_with_drugs(drugs, conditions):
    pt = patient(*conditions)
    plan = monitoring_plan(drugs, pt)
    assert all(i.test and i.frequency and i.reason and i.reference for i in plan.items)
    # A pregnant patient's contraindicated teratogens come first, then the disease labs.
    stops = [i for i in plan.items if i.test.startswith("STOP:")]
    assert plan.items[: len(stops)] == tuple(stops)
    assert bool(stops) == ("pregnancy" in conditions and bool(set(drugs) & {"methotrexate", "mycophenolate mofetil", "mycophenolate sodium"}))
    assert plan.tests()[len(stops) : len(stops) + 7] == tuple(DISEASE_LABS)
    smaller = monitoring_plan(drugs[:-1], pt)
    assert set(smaller.items) <= set(plan.items)
    for drug in set(drugs):
        assert plan.for_drug(drug)


def test_glucocorticoid_bone_assessment_as_soon_as_possible():
    # ACR 2022: initial fracture-risk assessment "as soon as possible" after starting, not "within 6 months".
    item = monitoring_plan(["prednisone"], patient()).for_drug("prednisone")[0]
    assert item.frequency.startswith("as soon as possible")
    assert "2022" in item.reference


# ================================================================ QA regressions


@pytest.mark.parametrize(
    "given,canonical",
    [
        ("Plaquenil", "hydroxychloroquine"),
        ("MTX", "methotrexate"),
        ("CellCept", "mycophenolate mofetil"),
        ("mmf", "mycophenolate mofetil"),
        ("Myfortic", "mycophenolate sodium"),
        ("Rituxan", "rituximab"),
        ("IVIG", "ivig"),
    ],
)
def test_brand_names_and_synonyms_verify_accepts_work(given, canonical):
    # Was "unknown drug 'Plaquenil'": names are resolved through interactions.resolve like verify does.
    plan = monitoring_plan([given], patient())
    assert plan.drugs == (canonical,)
    assert plan.for_drug(canonical)


def test_synonyms_of_one_drug_are_deduplicated():
    assert monitoring_plan(["MTX", "methotrexate", "Trexall"], patient()).drugs == ("methotrexate",)


def test_known_drug_without_monitoring_entry_is_refused_clearly():
    with pytest.raises(DoseInputError) as err:
        monitoring_plan(["Enbrel"], patient())
    assert err.value.parameter == "drugs"
    assert "etanercept" in err.value.problem and "no monitoring entry" in err.value.problem
    with pytest.raises(DoseInputError) as err:
        monitoring_plan(["mycophenolate"], patient())
    assert "ambiguous" in err.value.problem and "mycophenolate sodium" in err.value.problem


def male():
    return Patient("80 kg", "180 cm", "50 years", "male")


@pytest.mark.parametrize("drug", ["methotrexate", "mycophenolate mofetil", "mycophenolate sodium"])
def test_teratogens_get_pregnancy_test_and_contraception_counselling(drug):
    items = {i.test: i for i in monitoring_plan([drug], patient()).for_drug(drug)}
    test = items["pregnancy test (females of reproductive potential)"]
    assert test.frequency.startswith(("before starting", "immediately before starting"))
    counselling = items["contraception counselling"]
    assert "boxed warning" in counselling.reason
    # A man gets the counselling (labels give a duration for males) but no pregnancy test.
    male_tests = [i.test for i in monitoring_plan([drug], male()).for_drug(drug)]
    assert "contraception counselling" in male_tests
    assert "pregnancy test (females of reproductive potential)" not in male_tests


def test_mycophenolate_pregnancy_test_follows_rems_schedule():
    # Mycophenolate REMS / CellCept PI 8.3: immediately before starting and 8–10 days later; 6 weeks after stopping.
    items = {i.test: i for i in monitoring_plan(["CellCept"], patient()).for_drug("mycophenolate mofetil")}
    assert "8–10 days later" in items["pregnancy test (females of reproductive potential)"].frequency
    assert "6 weeks after stopping" in items["contraception counselling"].reason
    assert "REMS" in items["contraception counselling"].reference


def test_methotrexate_contraception_and_hepatitis_serology():
    items = {i.test: i for i in monitoring_plan(["MTX"], patient()).for_drug("methotrexate")}
    assert "6 months after the final dose" in items["contraception counselling"].reason
    serology = items["hepatitis B and C serology (HBsAg, anti-HBc, anti-HCV)"]
    assert serology.frequency == "before starting"
    assert "2008" in serology.reference


# ================================================================ QA pass 2 regressions


def test_rituximab_with_resolved_hepatitis_b_adds_hbv_dna_and_liver_tests():
    # Rituxan boxed warning / AGA 2015: anti-HBc positive → monitor HBV DNA and liver tests during and for months after.
    plan = monitoring_plan(["rituximab"], patient("hepatitis_b_past"))
    items = {i.test: i for i in plan.for_drug("rituximab")}
    hbv = items["HBV DNA and liver tests (ALT, AST)"]
    assert "during treatment and for several months after the last dose" in hbv.frequency
    assert "Boxed Warning" in hbv.reference and "hepatitis B" in hbv.reference
    referral = items["hepatology referral (antiviral prophylaxis)"]
    assert referral.frequency == "before the first dose" and "Gastroenterology 2015" in referral.reference
    # Not without the condition, nor for another drug
    assert "HBV DNA and liver tests (ALT, AST)" not in monitoring_plan(["rituximab"], patient()).tests()
    assert "HBV DNA and liver tests (ALT, AST)" not in monitoring_plan(["methotrexate"], patient("hepatitis_b_past")).tests()


@pytest.mark.parametrize(
    "drug,rule",
    [("methotrexate", "interactions.mtx-pregnancy"), ("mycophenolate mofetil", "interactions.mycophenolate-pregnancy"),
     ("mycophenolate sodium", "interactions.mycophenolate-pregnancy")],
)
def test_pregnancy_with_a_teratogen_comes_first_as_a_contraindication(drug, rule):
    import interactions

    plan = monitoring_plan(["ivig", drug], patient("pregnancy"))
    first = plan.items[0]
    assert first.test.startswith(f"STOP: {drug} is contraindicated in pregnancy")
    assert first.applies_to == drug and plan.for_drug(drug)[0] == first
    assert rule in first.reason
    assert rule in {r.id for r in interactions.load_rules() if r.severity.value == "contraindicated"}
    assert "Boxed Warning" in first.reference
    # the pregnancy test / contraception items still follow for the drug
    assert "contraception counselling" in [i.test for i in plan.for_drug(drug)]
    # Without pregnancy, only the pregnancy test/contraception items; rituximab/IVIG alone get no STOP item
    assert not [i for i in monitoring_plan([drug], patient()).items if i.test.startswith("STOP:")]
    assert not [i for i in monitoring_plan(["rituximab", "ivig"], patient("pregnancy")).items if i.test.startswith("STOP:")]


@pytest.mark.parametrize("drug,passage", [("rituximab", "cytopenias"), ("mycophenolate mofetil", "Blood Dyscrasias: Neutropenia")])
def test_cbc_items_cite_the_blood_count_passage(drug, passage):
    # Were the premedication/vials and dosing/How Supplied label strings.
    cbc = next(i for i in monitoring_plan([drug], patient()).for_drug(drug) if i.test == "CBC with differential")
    assert passage in cbc.reference and "complete blood counts" in cbc.reference
    assert "vials" not in cbc.reference and "premedication" not in cbc.reference and "How Supplied" not in cbc.reference
