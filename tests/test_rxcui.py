"""RxNorm RxCUIs of the shipped drug table (issue 5, "Optional codes").

Every code in interactions/drugs.toml must lead back to the drug that lists it, by both
entry points (``resolve("rxcui:<code>")`` and ``resolve_code(RXNORM_SYSTEM, code)``), and
the drugs still without a code are pinned to an explicit list: a code that disappears, or
a drug added without one, shows up here instead of silently weakening coded input.
Where each code comes from is written next to it in drugs.toml.
"""

from __future__ import annotations

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
    "ivig",
    "mycophenolate sodium",
    "leflunomide",
    "prednisolone",
    "hydrocortisone",
    "dexamethasone",
    "certolizumab pegol",
    "golimumab",
    "tocilizumab",
    "sarilumab",
    "siltuximab",
    "trimethoprim",
    "naproxen",
    "diclofenac-misoprostol",
    "indomethacin",
    "ketorolac",
    "meloxicam",
    "febuxostat",
    "paracetamol",
    "diphenhydramine",
    "cetirizine",
    "entecavir",
    "measles mumps rubella vaccine",
    "measles mumps rubella varicella vaccine",
    "varicella vaccine",
    "zoster vaccine live",
    "yellow fever vaccine",
    "bcg vaccine",
    "typhoid vaccine live oral",
    "live attenuated influenza vaccine",
    "recombinant zoster vaccine",
    "inactivated influenza vaccine",
    "typhoid vi polysaccharide vaccine",
    "pneumococcal vaccine",
    "hepatitis b vaccine",
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


def test_mycophenolic_acid_ingredient_stays_ambiguous():
    # 7145 is the ingredient of CellCept AND Myfortic, whose doses differ: the mofetil
    # codes above must not make it resolve to one of them.
    with pytest.raises(UnknownDrugError) as error:
        resolve("rxcui:7145")
    assert set(error.value.candidates) == {"mycophenolate mofetil", "mycophenolate sodium"}


@pytest.mark.parametrize("drug", ["trimethoprim", "leflunomide", "tocilizumab", "ivig"])
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
