"""Problem lists as really written: synonyms, codes, unused entries, misspelling cautions (issue 5)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing.input.conditions import (
    ICD10CM_SYSTEM,
    SNOMED_SYSTEM,
    load_vocabulary,
    normalise,
    read_conditions,
    resolve_condition_code,
    vocabulary,
)
from dosing.patient import KNOWN_CONDITIONS
from dosing.units import DoseInputError

UNUSED = "unused"
MISSPELT = "misspelt"

# (entry as written, expected key / UNUSED / (MISSPELT, key whose rules were NOT applied))
CORPUS = [
    ("pregnancy", "pregnancy"),
    ("Pregnant", "pregnancy"),
    ("Currently pregnant", "pregnancy"),
    ("IUP", "pregnancy"),
    ("planning pregnancy", "pregnancy"),
    ("ICD-10-CM:Z33.1", "pregnancy"),
    ("ICD-10-CM:O09.513", "pregnancy"),
    ("ICD-10-CM:Z34.00", "pregnancy"),
    ("SNOMED:77386006", "pregnancy"),
    ("Breastfeeding", "breastfeeding"),
    ("lactating", "breastfeeding"),
    ("Lactation", "breastfeeding"),
    ("ICD-10-CM:Z39.1", "breastfeeding"),
    ("chronic hepatitis B", "hepatitis_b_active"),
    ("HBsAg positive", "hepatitis_b_active"),
    ("HBsAg+", "hepatitis_b_active"),
    ("ICD-10-CM:B18.1", "hepatitis_b_active"),
    ("ICD10CM:B16.9", "hepatitis_b_active"),
    ("resolved hepatitis B", "hepatitis_b_past"),
    ("anti-HBc positive", "hepatitis_b_past"),
    ("HBsAg negative, anti-HBc positive", "hepatitis_b_past"),
    ("Hepatitis-B-Past", "hepatitis_b_past"),
    ("hepatitis B status unknown", "hepatitis_b_unscreened"),
    ("HBV serology pending", "hepatitis_b_unscreened"),
    ("selective IgA deficiency", "iga_deficiency"),
    ("ICD-10-CM:D80.2", "iga_deficiency"),
    ("anti-IgA antibodies", "iga_deficiency_with_anti_iga"),
    ("diverticulitis", "diverticulitis"),
    ("h/o diverticulitis", "diverticulitis"),
    ("ICD-10-CM:K57.32", "diverticulitis"),
    ("ICD-10-CM:K57.92", "diverticulitis"),
    ("ICD-10-CM:K57.30", UNUSED),  # diverticulosis, not diverticulitis
    ("diverticulosis", UNUSED),
    ("bowel perforation", "gi_perforation_history"),
    ("History of GI perforation", "gi_perforation_history"),
    ("CHF", "heart_failure"),
    ("Congestive heart failure", "heart_failure"),
    ("HFrEF", "heart_failure"),
    ("HFpEF", "heart_failure"),
    ("ICD-10-CM:I50.9", "heart_failure"),
    ("ICD-10-CM:I50.22", "heart_failure"),
    ("icd-10-cm: i509", "heart_failure"),
    ("SNOMED:84114007", "heart_failure"),
    ("SNOMED CT:42343007", "heart_failure"),
    ("CKD stage 3b", "renal_impairment"),
    ("CKD 4", "renal_impairment"),
    ("ESRD on dialysis".replace(" on dialysis", ""), "renal_impairment"),
    ("ICD-10-CM:N18.4", "renal_impairment"),
    ("ICD-10-CM:N17.9", "renal_impairment"),
    ("cirrhosis", "liver_disease"),
    ("NAFLD", "liver_disease"),
    ("alcohol use disorder", "alcohol_use"),
    ("EtOH abuse", "alcohol_use"),
    ("active infection", "active_infection"),
    ("pneumonia", "active_infection"),
    ("history of DVT", "thrombosis_risk"),
    ("PE", "thrombosis_risk"),
    ("ICD-10-CM:Z86.718", "thrombosis_risk"),
    ("ICD-10-CM:I26.99", "thrombosis_risk"),
    ("type 2 diabetes", "diabetes_mellitus"),
    ("T2DM", "diabetes_mellitus"),
    ("Diabetes mellitus type 1", "diabetes_mellitus"),
    ("ICD-10-CM:E11.9", "diabetes_mellitus"),
    ("ICD-10-CM:E10.65", "diabetes_mellitus"),
    ("SNOMED:44054006", "diabetes_mellitus"),
    ("SNOMED:46635009", "diabetes_mellitus"),
    ("SNOMED:73211009", "diabetes_mellitus"),
    ("ICD-10-CM:E23.2", UNUSED),  # diabetes insipidus
    ("diabetes insipidus", UNUSED),
    ("prediabetes", UNUSED),
    ("sepsis", "sepsis"),
    ("Septic shock", "sepsis"),
    ("urosepsis", "sepsis"),
    ("ICD-10-CM:A41.9", "sepsis"),
    ("SNOMED:91302008", "sepsis"),
    ("dehydration", "volume_depletion"),
    ("hypovolaemia", "volume_depletion"),
    ("Hypovolemia", "volume_depletion"),
    ("ICD-10-CM:E86.0", "volume_depletion"),
    ("ICD-10-CM:E86.9", "volume_depletion"),
    ("MGUS", "paraproteinemia"),
    ("monoclonal gammopathy", "paraproteinemia"),
    ("multiple myeloma", "paraproteinemia"),
    ("paraproteinaemia", "paraproteinemia"),
    ("Waldenström macroglobulinemia", "paraproteinemia"),
    ("ICD-10-CM:D47.2", "paraproteinemia"),
    ("new-onset dysphagia", "dysphagia_new_onset"),
    ("chest pain", "cardiac_symptoms"),
    ("live vaccine planned", "live_vaccine_planned"),
    ("hypertension", UNUSED),
    ("HTN", UNUSED),
    ("osteoarthritis", UNUSED),
    ("GERD", UNUSED),
    ("hyperlipidemia", UNUSED),
    ("hepatitis A", UNUSED),
    ("sarcoidosis", UNUSED),
    ("ICD-10-CM:I10", UNUSED),
    ("SNOMED:38341003", UNUSED),
    ("not pregnant", UNUSED),
    ("no history of DVT", UNUSED),
    ("hepatitis B negative", UNUSED),
    ("pregancy", (MISSPELT, "pregnancy")),
    ("pregnacy", (MISSPELT, "pregnancy")),
    ("diverticulits", (MISSPELT, "diverticulitis")),
    ("hepatits b", (MISSPELT, "hepatitis_b_active")),
    ("breastfeding", (MISSPELT, "breastfeeding")),
    ("diabetis mellitus", (MISSPELT, "diabetes_mellitus")),
    ("hypovolemea", (MISSPELT, "volume_depletion")),
    ("parapoteinemia", (MISSPELT, "paraproteinemia")),
    ("congestive heart falure", (MISSPELT, "heart_failure")),
    ("sepssis", (MISSPELT, "sepsis")),
]


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 60


@pytest.mark.parametrize("entry, expected", CORPUS)
def test_condition_corpus(entry, expected):
    reading = read_conditions([entry])
    if expected == UNUSED:
        assert reading.conditions == frozenset()
        assert reading.unused == (entry.strip(),)
        assert reading.findings == ()
    elif isinstance(expected, tuple):
        _, meant = expected
        assert reading.conditions == frozenset()  # never guessed
        assert reading.unused == (entry,)
        (finding,) = reading.findings
        assert finding.severity.value == "caution" and finding.rule_id == "conditions.unrecognised"
        assert f"'{entry}' was not recognised; did you mean" in finding.message
        assert f"Rules for {meant.replace('_', ' ')} were NOT applied" in finding.message
    else:
        assert expected in reading.conditions
        assert reading.unused == ()


@pytest.mark.parametrize(
    "entry, key, rule_id",
    [
        ("hepatitis B", "hepatitis_b_active", "conditions.ambiguous"),
        ("Hep B", "hepatitis_b_active", "conditions.ambiguous"),
        ("HBV", "hepatitis_b_active", "conditions.ambiguous"),
        ("? sepsis", "sepsis", "conditions.uncertain"),
        ("pregnancy?", "pregnancy", "conditions.uncertain"),
        ("suspected diverticulitis", "diverticulitis", "conditions.uncertain"),
    ],
)
def test_ambiguous_and_uncertain_entries_read_strictly_with_a_caution(entry, key, rule_id):
    reading = read_conditions([entry])
    assert key in reading.conditions
    (finding,) = reading.findings
    assert finding.rule_id == rule_id and finding.severity.value == "caution"


def test_dm_is_unclear_in_a_dermatomyositis_clinic():
    reading = read_conditions(["DM"])
    assert reading.conditions == frozenset() and reading.unused == ("DM",)
    (finding,) = reading.findings
    assert finding.rule_id == "conditions.unclear" and "diabetes mellitus" in finding.message


def test_entries_that_mean_two_conditions_give_both():
    assert read_conditions(["perforated diverticulitis"]).conditions == {"diverticulitis", "gi_perforation_history"}
    assert read_conditions(["cryoglobulinemia"]).conditions == {"paraproteinemia", "thrombosis_risk"}
    assert read_conditions(["diabetic nephropathy"]).conditions == {"diabetes_mellitus", "renal_impairment"}


@pytest.mark.parametrize(
    "system, code, keys",
    [
        (ICD10CM_SYSTEM, "I50.9", {"heart_failure"}),
        (ICD10CM_SYSTEM, "I50", {"heart_failure"}),
        (ICD10CM_SYSTEM, "i50.9", {"heart_failure"}),
        (ICD10CM_SYSTEM, "I10", set()),
        (ICD10CM_SYSTEM, "E86.1", {"volume_depletion"}),
        (ICD10CM_SYSTEM, "Z86.711", {"thrombosis_risk"}),
        (SNOMED_SYSTEM, "91302008", {"sepsis"}),
        (SNOMED_SYSTEM, "703272007", {"heart_failure"}),
        (SNOMED_SYSTEM, "38341003", set()),
    ],
)
def test_resolve_condition_code(system, code, keys):
    assert resolve_condition_code(system, code) == frozenset(keys)


@pytest.mark.parametrize(
    "system, code",
    [(ICD10CM_SYSTEM, "banana"), (ICD10CM_SYSTEM, ""), (ICD10CM_SYSTEM, "I5"), (SNOMED_SYSTEM, "I50.9"), (SNOMED_SYSTEM, "12"), ("http://loinc.org", "1234-5")],
)
def test_malformed_codes_refused(system, code):
    with pytest.raises(DoseInputError) as err:
        resolve_condition_code(system, code)
    assert err.value.parameter == "conditions"


@pytest.mark.parametrize("entry", ["ICD-10-CM:banana", "SNOMED:I50.9", "snomed: 12"])
def test_malformed_code_entries_refused(entry):
    with pytest.raises(DoseInputError):
        read_conditions([entry])


def test_vocabulary_keys_are_the_known_conditions():
    vocab = vocabulary()
    assert list(KNOWN_CONDITIONS) == list(vocab.conditions)
    for key in ("diabetes_mellitus", "sepsis", "volume_depletion", "paraproteinemia"):
        assert key in KNOWN_CONDITIONS
    # every key is readable as written, with '_' or spaces
    for key in KNOWN_CONDITIONS:
        assert key in read_conditions([key]).conditions
        assert key in read_conditions([key.replace("_", " ").upper()]).conditions


def test_no_synonym_is_also_an_other_term_and_no_other_term_looks_misspelt():
    vocab = vocabulary()
    for term in vocab.other:
        assert read_conditions([term]).findings == ()


def test_vocabulary_file_errors_name_the_entry(tmp_path):
    bad = tmp_path / "conditions.toml"
    bad.write_text('[condition.Bad-Key]\ndescription = "x"\n')
    with pytest.raises(ValueError, match="snake_case"):
        load_vocabulary(bad)
    bad.write_text('[condition.x]\ndescription = "x"\nicd10cm = ["not a code"]\n')
    with pytest.raises(ValueError, match="malformed"):
        load_vocabulary(bad)
    bad.write_text('[condition.x]\ndescription = "x"\nsynonyms = ["hypertension"]\n[other]\nterms = ["hypertension"]\n')
    with pytest.raises(ValueError, match="other"):
        load_vocabulary(bad)


# ---------------------------------------------------------------- properties

KNOWN_ENTRIES = [entry for entry, expected in CORPUS if isinstance(expected, str) and expected != UNUSED]
# Random unknown entries: letters that no synonym is close to (a 'zq' prefix keeps them far from the vocabulary).
UNKNOWN_ENTRIES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=3, max_size=15).map(lambda t: f"zq{t}".strip())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(KNOWN_ENTRIES), UNKNOWN_ENTRIES), max_size=12))
def test_every_entry_is_read_or_kept_exactly_once(entries):
    reading = read_conditions(entries)
    unused_norm = [normalise(u) for u in reading.unused]
    assert len(unused_norm) == len(set(unused_norm))  # no repeats
    for entry in entries:
        own = read_conditions([entry])
        in_conditions = bool(own.conditions) and own.conditions <= reading.conditions
        in_unused = normalise(entry) in unused_norm
        assert in_conditions != in_unused  # exactly one of the two: nothing lost, nothing doubled
    # unused entries keep the order of first appearance, as written
    firsts = []
    for entry in entries:
        if not read_conditions([entry]).conditions and normalise(entry) not in [normalise(f) for f in firsts]:
            firsts.append(entry.strip())
    assert list(reading.unused) == firsts


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(KNOWN_ENTRIES), max_size=6), st.lists(UNKNOWN_ENTRIES, max_size=6), st.randoms())
def test_adding_unknown_entries_never_removes_a_known_condition(known, unknown, rnd):
    mixed = known + unknown
    rnd.shuffle(mixed)
    assert read_conditions(known).conditions <= read_conditions(mixed).conditions


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(KNOWN_ENTRIES), st.sampled_from(["upper", "lower", "title", "pad"]))
def test_case_and_spacing_do_not_change_the_reading(entry, style):
    variant = {"upper": entry.upper(), "lower": entry.lower(), "title": entry.title(), "pad": f"  {entry}  "}[style]
    assert read_conditions([variant]).conditions == read_conditions([entry]).conditions
