"""RxNorm RxCUIs of the shipped drug table (issue 5, "Optional codes").

Every code in interactions/drugs.toml must lead back to the drug that lists it, by both
entry points (``resolve("rxcui:<code>")`` and ``resolve_code(RXNORM_SYSTEM, code)``), and
the drugs still without a code are pinned to an explicit list: a code that disappears, or
a drug added without one, shows up here instead of silently weakening coded input.
The codes added in the second pass (ingredients) and the third (clinical drugs from VSAC
value sets, ingredients from a stored RxNav audit, vaccine ingredients) are also read
through the adapters the way charts send them: a FHIR RxNorm coding with no text to fall
back on, and dmdose JSON ``"rxcui:<code>"`` current medications. Where each code comes from
is written next to it in drugs.toml.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interactions import UnknownDrugError, load_drug_table, resolve
from interactions.drugs import RXNORM_SYSTEM, resolve_code

TABLE = load_drug_table()
CODED = sorted((code, drug.name) for drug in TABLE.drugs.values() for code in drug.rxcui)

# Drugs with no RxCUI confirmed in a public source yet (see the drugs.toml header for
# what was searched). Shrink this list when a code is added; never grow it silently.
EXPECTED_WITHOUT_CODE = sorted([
    "ivig",  # on purpose: RxNorm's ingredient "immunoglobulin G" also names SC and IM products
    "diclofenac-misoprostol",
    "meloxicam",
    "febuxostat",
    # one source, and it may be the ingredient of live zoster vaccine too (a rule tells them apart)
    "varicella vaccine",
    "zoster vaccine live",
    "bcg vaccine",
    "live attenuated influenza vaccine",  # RxNorm names each season's strains
    "recombinant zoster vaccine",
    "inactivated influenza vaccine",
])


@pytest.mark.parametrize(("code", "drug"), CODED)
def test_every_listed_code_resolves_to_its_drug(code, drug):
    assert resolve(f"rxcui:{code}") == drug
    assert resolve_code(RXNORM_SYSTEM, code) == drug


def test_drugs_without_a_code_are_exactly_the_expected_list():
    without = sorted(name for name, drug in TABLE.drugs.items() if not drug.rxcui)
    assert without == EXPECTED_WITHOUT_CODE


def test_expected_list_names_only_drugs_of_the_table():
    assert set(EXPECTED_WITHOUT_CODE) <= set(TABLE.drugs)


def test_no_code_is_listed_for_two_drugs_or_also_ambiguous():
    codes = [code for code, _ in CODED]
    assert len(codes) == len(set(codes))
    assert not set(codes) & set(TABLE.ambiguous_codes)


# Hand-checked codes added for issue 5, with the name their source pairs them with.
@pytest.mark.parametrize(("code", "drug"), [
    ("68149", "mycophenolate mofetil"),  # IN "mycophenolate mofetil" [OMOP-PEDSnet]
    ("200060", "mycophenolate mofetil"),  # SCD mycophenolate mofetil 500 MG Oral Tablet
    ("199058", "mycophenolate mofetil"),  # SCD mycophenolate mofetil 250 MG Oral Capsule
    ("311880", "mycophenolate mofetil"),  # SCD mycophenolate mofetil 200 MG/ML Oral Suspension
    ("311881", "mycophenolate mofetil"),  # SCD mycophenolate mofetil 500 MG Injection
    ("616435", "mycophenolate mofetil"),  # SBD ... 500 MG Oral Tablet [Cellcept]
    ("616447", "mycophenolate mofetil"),  # SBD ... 250 MG Oral Capsule [Cellcept]
    ("616444", "mycophenolate mofetil"),  # SBD ... 200 MG/ML Oral Suspension [Cellcept]
    ("213394", "mycophenolate mofetil"),  # SBD ... 500 MG Injection [Cellcept]
    ("191831", "infliximab"),  # IN [OMOP-Atlas]
    ("5640", "ibuprofen"),  # IN [OMOP-Atlas], [OMOP-test]
])
def test_new_codes_resolve(code, drug):
    assert resolve(f"rxcui:{code}") == drug


# Ingredient codes added for issue 5 (second pass), each with the name its source pairs it
# with; drugs.toml names the sources ("one source" where only one was found).
INGREDIENT_CODES = [
    ("612865", "tocilizumab"),  # [OMOP-C19], [CIBMTR], [TermHub]: tocilizumab
    ("1923319", "sarilumab"),  # [OMOP-C19]: sarilumab (one source)
    ("1535218", "siltuximab"),  # [OMOP-C19]: siltuximab (one source)
    ("709271", "certolizumab pegol"),  # [OMOP-Atlas]: certolizumab pegol (one source)
    ("3264", "dexamethasone"),  # [TermHub] TTY IN, [RxClass]: dexamethasone
    ("5492", "hydrocortisone"),  # [OMOP-Eunomia], [RxClass]: hydrocortisone
    ("8638", "prednisolone"),  # [RxClass], [RxNav-audit]: prednisolone
    ("7258", "naproxen"),  # [OMOP-Eunomia], [UMLS-test]: naproxen
    ("161", "paracetamol"),  # [OMOP-Eunomia], [RxNav-audit]: acetaminophen
    ("3498", "diphenhydramine"),  # [OMOP-Eunomia]: diphenhydramine (one source)
    ("20610", "cetirizine"),  # [OMOP-Eunomia], [RxNav-audit]: cetirizine
]


# Codes added for issue 5 (third pass): clinical drugs (SCD) read from NLM VSAC value-set
# expansions, ingredients from a stored RxNav audit, vaccine ingredients from an EHR mapping.
# Each pair is the RxNorm name its source gives beside the code; drugs.toml names the sources.
THIRD_PASS_CODES = [
    ("205284", "leflunomide"),  # SCD leflunomide 10 MG Oral Tablet
    ("205285", "leflunomide"),  # SCD leflunomide 20 MG Oral Tablet
    ("205286", "leflunomide"),  # SCD leflunomide 100 MG Oral Tablet
    ("848160", "golimumab"),  # SCD 0.5 ML golimumab 100 MG/ML Prefilled Syringe
    ("1482813", "golimumab"),  # SCD 1 ML golimumab 100 MG/ML Prefilled Syringe
    ("1653142", "golimumab"),  # SCD 0.5 ML golimumab 100 MG/ML Auto-Injector
    ("1653165", "golimumab"),  # SCD 1 ML golimumab 100 MG/ML Auto-Injector
    ("1431642", "golimumab"),  # SCD 4 ML golimumab 12.5 MG/ML Injection (intravenous)
    ("485020", "mycophenolate sodium"),  # SCD mycophenolic acid 180 MG Delayed Release Oral Tablet
    ("485023", "mycophenolate sodium"),  # SCD mycophenolic acid 360 MG Delayed Release Oral Tablet
    ("10829", "trimethoprim"),  # IN trimethoprim
    ("198332", "trimethoprim"),  # SCD trimethoprim 100 MG Oral Tablet
    ("562707", "trimethoprim"),  # SCD trimethoprim 10 MG/ML Oral Solution
    ("197817", "indomethacin"),  # SCD indomethacin 25 MG Oral Capsule
    ("197818", "indomethacin"),  # SCD indomethacin 50 MG Oral Capsule
    ("1490727", "indomethacin"),  # SCD indomethacin 20 MG Oral Capsule
    ("1491529", "indomethacin"),  # SCD indomethacin 40 MG Oral Capsule
    ("310991", "indomethacin"),  # SCD indomethacin 5 MG/ML Oral Suspension
    ("310992", "indomethacin"),  # SCD indomethacin 75 MG Extended Release Oral Capsule
    ("834022", "ketorolac"),  # SCD ketorolac tromethamine 10 MG Oral Tablet
    ("860096", "ketorolac"),  # SCD ketorolac tromethamine 30 MG/ML Injectable Solution
    ("860092", "ketorolac"),  # SCD 1 ML ketorolac tromethamine 15 MG/ML Injection
    ("1665461", "ketorolac"),  # SCD 1 ML ketorolac tromethamine 30 MG/ML Injection
    ("1665459", "ketorolac"),  # SCD 2 ML ketorolac tromethamine 30 MG/ML Injection
    ("860113", "ketorolac"),  # SCD 1 ML ketorolac tromethamine 15 MG/ML Prefilled Syringe
    ("860114", "ketorolac"),  # SCD 1 ML ketorolac tromethamine 30 MG/ML Prefilled Syringe
    ("860115", "ketorolac"),  # SCD 2 ML ketorolac tromethamine 30 MG/ML Prefilled Syringe
    ("1797855", "ketorolac"),  # SCD ketorolac tromethamine 15.8 MG/ACTUAT Metered Dose Nasal Spray
    ("1665675", "ketorolac"),  # SCD 1 ML ketorolac tromethamine 15 MG/ML Cartridge
    ("1665679", "ketorolac"),  # SCD 1 ML ketorolac tromethamine 30 MG/ML Cartridge
    ("1665682", "ketorolac"),  # SCD 2 ML ketorolac tromethamine 30 MG/ML Cartridge
    ("306266", "entecavir"),  # IN entecavir
    ("797752", "hepatitis b vaccine"),  # IN hepatitis B surface antigen vaccine
    ("804187", "yellow fever vaccine"),  # IN yellow fever virus strain 17D-204 live antigen
    ("762595", "typhoid vaccine live oral"),  # IN Salmonella typhi Ty21a live antigen
    ("807219", "typhoid vi polysaccharide vaccine"),  # IN Typhoid Vi Polysaccharide Vaccine, S typhi Ty2 strain
    ("1007534", "measles mumps rubella vaccine"),  # MIN measles / mumps / rubella live vaccines
    ("1292439", "measles mumps rubella varicella vaccine"),  # MIN the same / varicella-zoster live vaccine
    ("1008803", "pneumococcal vaccine"),  # MIN 13 pneumococcal CRM197 conjugate antigens
]


def test_every_third_pass_code_is_listed_in_the_table():
    for code, drug in THIRD_PASS_CODES:
        assert code in TABLE.drugs[drug].rxcui


def test_third_pass_table_covers_every_code_of_its_drugs():
    # A code added to drugs.toml for these drugs without a test row (or the reverse) fails here.
    drugs = {drug for _, drug in THIRD_PASS_CODES}
    listed = sorted((code, name) for name in drugs for code in TABLE.drugs[name].rxcui)
    assert listed == sorted(THIRD_PASS_CODES)


@pytest.mark.parametrize(("code", "drug"), THIRD_PASS_CODES)
def test_third_pass_code_resolves_by_name_and_system(code, drug):
    assert resolve(f"rxcui:{code}") == drug
    assert resolve_code(RXNORM_SYSTEM, code) == drug


def test_mycophenolic_acid_clinical_drugs_are_the_sodium_salt_only():
    # RxNorm names the Myfortic tablets "mycophenolic acid ... Delayed Release Oral Tablet":
    # their clinical-drug codes are sodium, while the shared ingredient 7145 stays refused.
    assert resolve("rxcui:485020") == resolve("rxcui:485023") == "mycophenolate sodium"
    assert "7145" not in TABLE.drugs["mycophenolate sodium"].rxcui
    assert "7145" in TABLE.ambiguous_codes


def test_coded_live_and_nonlive_vaccines_keep_their_class():
    # A coded vaccine must land on the entry whose live/non-live class the rules read.
    live = {"804187", "762595", "1007534", "1292439"}
    nonlive = {"797752", "807219", "1008803"}
    for code in live:
        assert "live_vaccine" in TABLE.classes_of(f"rxcui:{code}")
    for code in nonlive:
        classes = TABLE.classes_of(f"rxcui:{code}")
        assert "nonlive_vaccine" in classes and "live_vaccine" not in classes


def test_every_ingredient_code_is_listed_in_the_table():
    # The table above and drugs.toml must not drift apart: a code dropped from drugs.toml
    # (or moved to another drug) fails here, not only in the adapters below.
    for code, drug in INGREDIENT_CODES:
        assert code in TABLE.drugs[drug].rxcui


@pytest.mark.parametrize(("code", "drug"), INGREDIENT_CODES)
def test_ingredient_code_resolves_by_name_and_system(code, drug):
    assert resolve(f"rxcui:{code}") == drug
    assert resolve_code(RXNORM_SYSTEM, code) == drug


# --- through the adapters: a FHIR coding and dmdose JSON "rxcui:<code>" -----------------------------

FHIR_FIXTURES = Path(__file__).parent / "fixtures" / "fhir"


def _coded_only(code: str) -> dict:
    # No text, no display: only the code can name the drug, so an unknown code is refused
    # (DoseInputError) instead of being rescued by a readable name.
    return {"coding": [{"system": RXNORM_SYSTEM, "code": code}]}


@pytest.mark.parametrize(("code", "drug"), INGREDIENT_CODES + THIRD_PASS_CODES)
def test_fhir_medication_request_coding_reads_the_drug(code, drug):
    pytest.importorskip("fhir.resources")
    from dosing.input import fhir

    data = json.loads((FHIR_FIXTURES / "draft_methotrexate_weekly.json").read_text(encoding="utf-8"))
    data["medicationCodeableConcept"] = _coded_only(code)
    assert fhir.read_order(data).drug == drug


@pytest.mark.parametrize("codes", [INGREDIENT_CODES, THIRD_PASS_CODES], ids=["second-pass", "third-pass"])
def test_fhir_current_medications_read_by_code(codes):
    pytest.importorskip("fhir.resources")
    from dosing.input import fhir

    entries = [
        {"resource": {
            "resourceType": "MedicationStatement", "id": f"m{index}", "status": "active",
            "medicationCodeableConcept": _coded_only(code), "subject": {"reference": "Patient/pt1"},
        }}
        for index, (code, _) in enumerate(codes)
    ]
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
    assert fhir.read_current_medications(bundle) == [drug for _, drug in codes]


@pytest.mark.parametrize("codes", [INGREDIENT_CODES, THIRD_PASS_CODES], ids=["second-pass", "third-pass"])
def test_dmdose_json_current_medications_read_by_code(codes):
    from dosing import verify
    from dosing.input.request import parse_request

    example = Path(__file__).parent.parent / "examples" / "order.json"
    data = copy.deepcopy(json.loads(example.read_text(encoding="utf-8")))
    data["current_medications"] = [f"rxcui:{code}" for code, _ in codes]
    request = parse_request(json.dumps(data))
    verdict = verify(request.order, request.patient, request.current_medications,
                     medications_complete=request.medications_complete)
    read = {entry.written: entry.canonical for entry in verdict.medications}
    assert read == {f"rxcui:{code}": drug for code, drug in codes}


def test_immunoglobulin_g_ingredient_is_not_read_as_ivig():
    # RxNorm's ingredient "immunoglobulin G" (5666) is shared by IV, subcutaneous-only and
    # intramuscular products; reading it as IVIG would dose-check a Hizentra entry as IVIG.
    with pytest.raises(UnknownDrugError):
        resolve("rxcui:5666")


def test_mycophenolic_acid_ingredient_stays_ambiguous():
    # 7145 is the ingredient of CellCept AND Myfortic, whose doses differ: the mofetil
    # codes above must not make it resolve to one of them.
    with pytest.raises(UnknownDrugError) as error:
        resolve("rxcui:7145")
    assert set(error.value.candidates) == {"mycophenolate mofetil", "mycophenolate sodium"}


@pytest.mark.parametrize("drug", ["meloxicam", "febuxostat", "diclofenac-misoprostol", "varicella vaccine", "ivig"])
def test_a_drug_without_a_code_is_still_found_by_name(drug):
    # No code is not no drug: the name keeps resolving (and so keeps its interactions).
    assert resolve(drug) == drug


@settings(max_examples=100, deadline=None)
@given(
    pair=st.sampled_from(CODED),
    prefix=st.sampled_from(["rxcui:", "RXCUI:", "RxCUI: ", " rxcui : "]),
    trailing=st.sampled_from(["", " ", "  "]),
)
def test_prefix_case_and_spacing_do_not_change_the_drug(pair, prefix, trailing):
    code, drug = pair
    assert resolve(f"{prefix}{code}{trailing}") == drug


@settings(max_examples=100, deadline=None)
@given(code=st.from_regex(r"[0-9]{1,9}", fullmatch=True))
def test_an_unlisted_code_is_refused_never_guessed(code):
    known = dict(CODED)
    if code in known:
        assert resolve(f"rxcui:{code}") == known[code]
    else:
        with pytest.raises(UnknownDrugError):
            resolve(f"rxcui:{code}")
