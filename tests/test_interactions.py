"""Tests for the interactions package: drug-name resolution and the rule engine."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing import references as refs
from dosing.findings import Severity
from dosing.patient import KNOWN_CONDITIONS, Patient
from dosing.units import DoseInputError
from interactions import (
    CheckResult,
    InteractionDataError,
    UnknownDrugError,
    canonical_drugs,
    check,
    classes_of,
    load_drug_table,
    load_rules,
    resolve,
)

CONTRA, MAJOR, CAUTION, INFO = Severity.CONTRAINDICATED, Severity.MAJOR, Severity.CAUTION, Severity.INFO

GI_RISKS = ["gi_perforation_history", "diverticulitis", "gi_symptoms"]
TNF = ["infliximab", "adalimumab", "certolizumab pegol", "golimumab", "etanercept"]
IL6 = ["tocilizumab", "sarilumab", "siltuximab"]
NSAIDS = ["ibuprofen", "naproxen", "diclofenac", "celecoxib", "indomethacin", "ketorolac", "meloxicam", "aspirin"]
PPIS = ["omeprazole", "esomeprazole", "pantoprazole", "lansoprazole", "rabeprazole"]
LIVE_VACCINES = ["MMR", "ProQuad", "Varivax", "Zostavax", "yellow fever vaccine", "BCG", "Vivotif", "FluMist"]
OTHER_IMMUNOSUPPRESSANTS = ["azathioprine", "Neoral", "Prograf", "cyclophosphamide", "Humira", "Enbrel", "Actemra", "Kevzara"]
MYCOPHENOLATES = ["mycophenolate mofetil", "mycophenolate sodium"]
# The seed plan's regimen (methotrexate, folic acid, prednisone, hydroxychloroquine, IVIG).
SEED_REGIMEN = ["methotrexate", "folic acid", "prednisone", "hydroxychloroquine"]


def pt(*conditions: str) -> Patient:
    return Patient("70 kg", "165 cm", "54 years", "female", conditions=frozenset(conditions))


def severity_of(result: CheckResult, rule_id: str) -> Severity | None:
    matches = [f.severity for f in result.findings if f.rule_id == rule_id]
    assert len(matches) <= 1, f"{rule_id} fired more than once"
    return matches[0] if matches else None


# --- the shipped data ---------------------------------------------------------------------------


def test_shipped_files_load_and_are_cached():
    rules = load_rules()
    assert rules is load_rules()  # parsed once
    assert len(rules) >= 30
    assert len({r.id for r in rules}) == len(rules)
    for rule in rules:
        assert rule.id.startswith("interactions.")
        assert rule.reference.strip() and rule.message.strip()
        assert rule.severity in set(Severity)


def test_canonical_names_the_dosing_modules_use_exist():
    names = set(canonical_drugs())
    assert {
        "ivig", "methotrexate", "rituximab", "mycophenolate mofetil", "mycophenolate sodium", "prednisone",
        "hydroxychloroquine", "folic acid", "azathioprine", "cyclosporine", "tacrolimus", "methylprednisolone",
        "paracetamol", "diphenhydramine", "cetirizine", "etanercept", "tocilizumab", "trimethoprim-sulfamethoxazole",
    } <= names


def test_classes_of():
    assert "tnf_antagonist" in classes_of("Humira")
    assert "il6_inhibitor" in classes_of("Kevzara")
    assert "live_vaccine" in classes_of("Zostavax")
    assert "live_vaccine" not in classes_of("Shingrix")
    with pytest.raises(UnknownDrugError):
        classes_of("notadrug")


def test_seed_regimen_for_a_plain_patient_has_no_findings():
    # The plan itself (IVIG added to MTX, folate, prednisone, HCQ) must not trip any rule.
    result = check("Privigen", pt(), SEED_REGIMEN)
    assert result.drug == "ivig"
    assert result.medications == tuple(SEED_REGIMEN)
    assert result.findings == () and result.unknown == ()
    assert result.worst is None and not result.blocked


def test_prednisone_alone_has_no_findings():
    assert check("prednisone", pt()).findings == ()


# --- every rule: a positive case and a near-miss negative ---------------------------------------

# (rule id, order drug, current medications, patient conditions, expected severity)
POSITIVE = [
    ("interactions.etanercept-dermatomyositis", "Enbrel", [], [], CONTRA),
    *[("interactions.tnf-antagonist", d, [], [], MAJOR) for d in TNF],
    *[("interactions.il6-gi-risk", d, [], [gi], CONTRA) for d in IL6 for gi in GI_RISKS],
    *[("interactions.il6-gi-monitor", d, [], [], CAUTION) for d in IL6],
    ("interactions.mtx-antifolate-antibiotic", "methotrexate", ["Bactrim"], [], CONTRA),
    ("interactions.mtx-antifolate-antibiotic", "TMP-SMX", ["MTX"], [], CONTRA),  # either direction
    ("interactions.mtx-antifolate-antibiotic", "methotrexate", ["trimethoprim"], [], CONTRA),
    *[("interactions.mtx-nsaid", "methotrexate", [d], [], CAUTION) for d in NSAIDS],
    *[("interactions.mtx-ppi", "Otrexup", [d], [], CAUTION) for d in PPIS],
    ("interactions.mtx-pregnancy", "methotrexate", [], ["pregnancy"], CONTRA),
    ("interactions.mtx-breastfeeding", "methotrexate", [], ["breastfeeding"], CONTRA),
    ("interactions.mtx-cyclosporine", "methotrexate", ["Neoral"], [], CAUTION),
    ("interactions.biologic-active-infection", "rituximab", [], ["active_infection"], CONTRA),
    ("interactions.tnf-hbv-active", "infliximab", [], ["hepatitis_b_active"], MAJOR),
    ("interactions.tnf-hbv-past", "Humira", [], ["hepatitis_b_past"], CAUTION),
    ("interactions.mtx-hbv-active", "methotrexate", [], ["hepatitis_b_active"], MAJOR),
    ("interactions.immunosuppressant-hbv-active", "prednisone", [], ["hepatitis_b_active"], CAUTION),
    ("interactions.tnf-heart-failure", "Remicade", [], ["heart_failure"], MAJOR),
    ("interactions.corticosteroid-nsaid", "prednisone", ["Advil"], [], CAUTION),
    ("interactions.immunosuppressant-active-infection", "CellCept", [], ["active_infection"], MAJOR),
    ("interactions.corticosteroid-active-infection", "prednisone", [], ["active_infection"], CAUTION),
    ("interactions.rituximab-pregnancy", "rituximab", [], ["pregnancy"], MAJOR),
    ("interactions.ivig-heart-failure", "IVIG", [], ["heart_failure"], CAUTION),
    ("interactions.ivig-live-vaccine-planned", "IVIG", [], ["live_vaccine_planned"], CAUTION),
    ("interactions.mycophenolate-duplicate", "CellCept", ["Myfortic"], [], CONTRA),
    ("interactions.two-biologics", "rituximab", ["Humira"], [], MAJOR),
    *[("interactions.mtx-liver", "methotrexate", [], [c], CONTRA) for c in ["liver_disease", "hepatic_impairment"]],
    ("interactions.mtx-alcohol", "methotrexate", [], ["alcohol_use"], MAJOR),
    ("interactions.mycophenolate-breastfeeding", "CellCept", [], ["breastfeeding"], MAJOR),
    ("interactions.cyclophosphamide-pregnancy", "cyclophosphamide", [], ["pregnancy"], CONTRA),
    ("interactions.cyclophosphamide-breastfeeding", "Cytoxan", [], ["breastfeeding"], CONTRA),
    ("interactions.leflunomide-pregnancy", "leflunomide", [], ["pregnancy"], CONTRA),
    ("interactions.leflunomide-breastfeeding", "leflunomide", [], ["breastfeeding"], CONTRA),
    ("interactions.rituximab-breastfeeding", "rituximab", [], ["breastfeeding"], INFO),
    *[("interactions.compatible-immunosuppressant-pregnancy", d, [], ["pregnancy"], INFO) for d in ["azathioprine", "Neoral", "Prograf", "Plaquenil", "Privigen"]],
    *[("interactions.compatible-immunosuppressant-breastfeeding", d, [], ["breastfeeding"], INFO) for d in ["azathioprine", "cyclosporine", "tacrolimus", "hydroxychloroquine", "ivig"]],
    *[("interactions.corticosteroid-pregnancy", "prednisone", [], [c], INFO) for c in ["pregnancy", "breastfeeding"]],
    ("interactions.tnf-pregnancy", "Cimzia", [], ["pregnancy"], INFO),
    ("interactions.il6-pregnancy", "Actemra", [], ["pregnancy"], CAUTION),
    ("interactions.live-vaccine-pregnancy", "MMR", [], ["pregnancy"], CONTRA),
    ("interactions.nsaid-pregnancy", "ibuprofen", [], ["pregnancy"], CAUTION),
    ("interactions.two-corticosteroids", "Solu-Medrol", ["prednisone"], [], CAUTION),
    ("interactions.two-calcineurin-inhibitors", "tacrolimus", ["Neoral"], [], MAJOR),
    *[("interactions.ivig-renal-risk", "ivig", [], [c], CAUTION) for c in ["diabetes_mellitus", "sepsis", "volume_depletion", "paraproteinemia"]],
    ("interactions.ivig-hyperviscosity", "Privigen", [], ["paraproteinemia"], CAUTION),
    *[("interactions.ivig-nephrotoxic-drugs", "ivig", [d], [], CAUTION) for d in ["cyclosporine", "Prograf", "Advil"]],
    *[("interactions.mtx-live-vaccine", "methotrexate", [v], [], CONTRA) for v in LIVE_VACCINES],
    ("interactions.mtx-live-vaccine-planned", "methotrexate", [], ["live_vaccine_planned"], CONTRA),
    *[("interactions.mycophenolate-pregnancy", d, [], ["pregnancy"], CONTRA) for d in ["CellCept", "Myfortic"]],
    *[("interactions.mycophenolate-azathioprine", d, ["Imuran"], [], CONTRA) for d in MYCOPHENOLATES],
    ("interactions.mycophenolate-azathioprine", "azathioprine", ["CellCept"], [], CONTRA),
    *[("interactions.mycophenolate-live-vaccine", d, ["MMR"], [], CONTRA) for d in MYCOPHENOLATES],
    ("interactions.mycophenolate-live-vaccine-planned", "MMF", [], ["live_vaccine_planned"], CONTRA),
    ("interactions.rituximab-hbv-active", "Rituxan", [], ["hepatitis_b_active"], CONTRA),
    ("interactions.rituximab-hbv-unscreened", "rituximab", [], ["hepatitis_b_unscreened"], MAJOR),
    ("interactions.rituximab-hbv-past", "Truxima", [], ["hepatitis_b_past"], MAJOR),
    *[("interactions.rituximab-live-vaccine", "rituximab", [v], [], CONTRA) for v in LIVE_VACCINES],
    ("interactions.rituximab-live-vaccine-planned", "rituximab", [], ["live_vaccine_planned"], CONTRA),
    ("interactions.rituximab-nonlive-vaccine", "rituximab", ["Shingrix"], [], INFO),
    ("interactions.corticosteroid-live-vaccine", "prednisone", ["Varivax"], [], CAUTION),
    ("interactions.corticosteroid-live-vaccine-planned", "Solu-Medrol", [], ["live_vaccine_planned"], CAUTION),
    *[("interactions.immunosuppressant-live-vaccine", d, ["FluMist"], [], CONTRA) for d in OTHER_IMMUNOSUPPRESSANTS],
    ("interactions.immunosuppressant-live-vaccine", "Zostavax", ["Imuran"], [], CONTRA),  # either direction
    *[("interactions.immunosuppressant-live-vaccine-planned", d, [], ["live_vaccine_planned"], CONTRA) for d in OTHER_IMMUNOSUPPRESSANTS],
    *[("interactions.ivig-mmr-varicella-vaccine", "Privigen", [v], [], CAUTION) for v in ["MMR", "ProQuad", "Varivax"]],
    ("interactions.diclofenac-misoprostol-pregnancy", "Arthrotec", [], ["pregnancy"], CONTRA),
    ("interactions.mtx-nsaid", "methotrexate", ["Arthrotec"], [], CAUTION),  # still an NSAID
    ("interactions.azathioprine-allopurinol", "azathioprine", ["Zyloprim"], [], MAJOR),
    ("interactions.azathioprine-febuxostat", "Uloric", ["azathioprine"], [], CONTRA),
    ("interactions.ivig-anti-iga", "IVIg", [], ["iga_deficiency_with_anti_iga"], CONTRA),
    ("interactions.ivig-iga-deficiency", "IVIg", [], ["iga_deficiency"], CAUTION),
    ("interactions.ivig-thrombosis", "Octagam", [], ["thrombosis_risk"], CAUTION),
    ("interactions.ivig-renal", "Gamunex-C", [], ["renal_impairment"], CAUTION),
    ("interactions.hcq-renal", "Plaquenil", [], ["renal_impairment"], CAUTION),
    *[("interactions.dysphagia-urgent", d, [], ["dysphagia_new_onset"], MAJOR) for d in ["prednisone", "paracetamol", "ivig"]],
    *[("interactions.cardiac-evaluation", d, [], ["cardiac_symptoms"], MAJOR) for d in ["methotrexate", "cetirizine"]],
]

# (rule id that must NOT fire, order drug, current medications, patient conditions): the near misses.
NEGATIVE = [
    ("interactions.etanercept-dermatomyositis", "Remicade", [], []),
    ("interactions.tnf-antagonist", "rituximab", [], []),
    ("interactions.tnf-antagonist", "tocilizumab", [], []),
    *[("interactions.il6-gi-risk", d, [], []) for d in IL6],  # no GI risk: caution only
    *[("interactions.il6-gi-risk", d, [], ["renal_impairment"]) for d in IL6],
    ("interactions.il6-gi-risk", "infliximab", [], ["gi_symptoms"]),
    *[("interactions.il6-gi-monitor", d, [], [gi]) for d in IL6 for gi in GI_RISKS],
    ("interactions.mtx-antifolate-antibiotic", "methotrexate", ["paracetamol"], []),
    ("interactions.mtx-antifolate-antibiotic", "Bactrim", ["prednisone"], []),
    ("interactions.mtx-antifolate-antibiotic", "Bactrim", ["leucovorin"], []),
    ("interactions.mtx-nsaid", "methotrexate", ["acetaminophen"], []),
    ("interactions.mtx-nsaid", "hydroxychloroquine", ["ibuprofen"], []),
    ("interactions.mtx-ppi", "methotrexate", ["folic acid"], []),
    ("interactions.mtx-ppi", "prednisone", ["omeprazole"], []),
    ("interactions.mtx-pregnancy", "methotrexate", [], ["breastfeeding"]),
    ("interactions.mtx-pregnancy", "hydroxychloroquine", [], ["pregnancy"]),
    ("interactions.mtx-breastfeeding", "methotrexate", [], ["pregnancy"]),
    ("interactions.mtx-cyclosporine", "methotrexate", ["tacrolimus"], []),
    ("interactions.biologic-active-infection", "hydroxychloroquine", [], ["active_infection"]),
    ("interactions.tnf-hbv-active", "rituximab", [], ["hepatitis_b_past"]),
    ("interactions.tnf-hbv-past", "Humira", [], ["hepatitis_b_unscreened"]),
    ("interactions.mtx-hbv-active", "methotrexate", [], ["hepatitis_b_past"]),
    ("interactions.immunosuppressant-hbv-active", "hydroxychloroquine", [], ["hepatitis_b_active"]),
    ("interactions.tnf-heart-failure", "Remicade", [], ["cardiac_symptoms"]),
    ("interactions.corticosteroid-nsaid", "prednisone", ["Prilosec"], []),
    ("interactions.immunosuppressant-active-infection", "IVIG", [], ["active_infection"]),
    ("interactions.corticosteroid-active-infection", "prednisone", [], ["hepatitis_b_past"]),
    ("interactions.rituximab-pregnancy", "IVIG", [], ["pregnancy"]),
    ("interactions.ivig-heart-failure", "IVIG", [], ["cardiac_symptoms"]),
    ("interactions.ivig-live-vaccine-planned", "methotrexate", [], ["heart_failure"]),
    ("interactions.mycophenolate-duplicate", "CellCept", ["azathioprine"], []),
    ("interactions.two-biologics", "rituximab", ["methotrexate"], []),
    ("interactions.mtx-breastfeeding", "hydroxychloroquine", [], ["breastfeeding"]),
    ("interactions.mtx-liver", "methotrexate", [], ["renal_impairment"]),
    ("interactions.mtx-liver", "hydroxychloroquine", [], ["liver_disease"]),
    ("interactions.mtx-liver", "methotrexate", [], ["alcohol_use"]),
    ("interactions.mtx-alcohol", "methotrexate", [], ["liver_disease"]),
    ("interactions.mycophenolate-breastfeeding", "CellCept", [], ["pregnancy"]),
    ("interactions.cyclophosphamide-pregnancy", "cyclophosphamide", [], ["breastfeeding"]),
    ("interactions.cyclophosphamide-breastfeeding", "cyclophosphamide", [], ["pregnancy"]),
    ("interactions.leflunomide-pregnancy", "leflunomide", [], []),
    ("interactions.leflunomide-breastfeeding", "methotrexate", [], ["pregnancy"]),
    ("interactions.rituximab-breastfeeding", "rituximab", [], ["pregnancy"]),
    ("interactions.compatible-immunosuppressant-pregnancy", "methotrexate", [], ["pregnancy"]),
    ("interactions.compatible-immunosuppressant-breastfeeding", "CellCept", [], ["breastfeeding"]),
    ("interactions.corticosteroid-pregnancy", "prednisone", [], []),
    ("interactions.tnf-pregnancy", "Cimzia", [], []),
    ("interactions.il6-pregnancy", "Actemra", [], ["breastfeeding"]),
    ("interactions.live-vaccine-pregnancy", "Shingrix", [], ["pregnancy"]),
    ("interactions.nsaid-pregnancy", "paracetamol", [], ["pregnancy"]),
    ("interactions.two-corticosteroids", "prednisone", ["prednisone"], []),
    ("interactions.two-calcineurin-inhibitors", "tacrolimus", ["CellCept"], []),
    ("interactions.ivig-renal-risk", "ivig", [], ["heart_failure"]),
    ("interactions.ivig-hyperviscosity", "ivig", [], ["sepsis"]),
    ("interactions.ivig-nephrotoxic-drugs", "ivig", ["paracetamol", "CellCept"], []),
    ("interactions.mtx-live-vaccine", "methotrexate", ["Shingrix"], []),
    ("interactions.mtx-live-vaccine", "methotrexate", ["flu shot"], []),
    ("interactions.mtx-live-vaccine-planned", "methotrexate", [], []),
    ("interactions.mycophenolate-pregnancy", "CellCept", [], []),
    ("interactions.mycophenolate-azathioprine", "CellCept", ["tacrolimus"], []),
    ("interactions.mycophenolate-azathioprine", "azathioprine", ["methotrexate"], []),
    ("interactions.mycophenolate-live-vaccine", "CellCept", ["Pneumovax 23"], []),
    ("interactions.mycophenolate-live-vaccine-planned", "CellCept", [], ["pregnancy"]),
    ("interactions.rituximab-hbv-active", "rituximab", [], ["hepatitis_b_past"]),
    ("interactions.rituximab-hbv-active", "prednisone", [], ["hepatitis_b_active"]),
    ("interactions.rituximab-hbv-unscreened", "rituximab", [], []),
    ("interactions.rituximab-hbv-past", "rituximab", [], []),
    ("interactions.rituximab-live-vaccine", "rituximab", ["Shingrix"], []),
    ("interactions.rituximab-live-vaccine-planned", "rituximab", [], []),
    ("interactions.rituximab-nonlive-vaccine", "rituximab", ["MMR"], []),
    ("interactions.corticosteroid-live-vaccine", "prednisone", ["Shingrix"], []),
    ("interactions.corticosteroid-live-vaccine-planned", "prednisone", [], []),
    ("interactions.immunosuppressant-live-vaccine", "azathioprine", ["Shingrix"], []),
    ("interactions.immunosuppressant-live-vaccine", "hydroxychloroquine", ["MMR"], []),
    ("interactions.immunosuppressant-live-vaccine-planned", "azathioprine", [], []),
    ("interactions.immunosuppressant-live-vaccine-planned", "hydroxychloroquine", [], ["live_vaccine_planned"]),
    *[("interactions.ivig-mmr-varicella-vaccine", "ivig", [v], []) for v in ["FluMist", "yellow fever vaccine", "Shingrix", "Zostavax"]],
    ("interactions.ivig-mmr-varicella-vaccine", "prednisone", ["MMR"], []),
    ("interactions.diclofenac-misoprostol-pregnancy", "Arthrotec", [], []),
    ("interactions.diclofenac-misoprostol-pregnancy", "diclofenac", [], ["pregnancy"]),  # misoprostol is the abortifacient
    ("interactions.azathioprine-allopurinol", "azathioprine", ["febuxostat"], []),
    ("interactions.azathioprine-allopurinol", "methotrexate", ["allopurinol"], []),
    ("interactions.azathioprine-febuxostat", "azathioprine", ["allopurinol"], []),
    ("interactions.ivig-anti-iga", "ivig", [], ["iga_deficiency"]),
    ("interactions.ivig-anti-iga", "rituximab", [], ["iga_deficiency_with_anti_iga"]),
    ("interactions.ivig-iga-deficiency", "ivig", [], ["iga_deficiency", "iga_deficiency_with_anti_iga"]),
    ("interactions.ivig-iga-deficiency", "ivig", [], []),
    ("interactions.ivig-thrombosis", "ivig", [], []),
    ("interactions.ivig-renal", "ivig", [], ["hepatic_impairment"]),
    ("interactions.ivig-renal", "methotrexate", [], ["renal_impairment"]),
    ("interactions.hcq-renal", "hydroxychloroquine", [], []),
    ("interactions.dysphagia-urgent", "prednisone", [], ["cardiac_symptoms"]),
    ("interactions.cardiac-evaluation", "prednisone", [], ["dysphagia_new_onset"]),
]


@pytest.mark.parametrize("rule_id, drug, meds, conditions, severity", POSITIVE)
def test_rule_fires(rule_id, drug, meds, conditions, severity):
    result = check(drug, pt(*conditions), meds)
    assert severity_of(result, rule_id) is severity


@pytest.mark.parametrize("rule_id, drug, meds, conditions", NEGATIVE)
def test_rule_does_not_fire_on_near_miss(rule_id, drug, meds, conditions):
    assert severity_of(check(drug, pt(*conditions), meds), rule_id) is None


def test_every_shipped_rule_has_a_positive_and_a_negative_case():
    shipped = {r.id for r in load_rules()}
    assert {case[0] for case in POSITIVE} == shipped
    assert {case[0] for case in NEGATIVE} == shipped


def test_il6_without_gi_risk_is_caution_not_contraindicated():
    result = check("Actemra", pt())
    assert [f.rule_id for f in result.findings] == ["interactions.il6-gi-monitor"]
    assert result.worst is CAUTION and not result.blocked


def test_etanercept_is_blocked_and_cites_the_seed_plan():
    result = check("ENBREL", pt())
    assert result.blocked
    assert result.rule_ids == ("interactions.etanercept-dermatomyositis", "interactions.tnf-antagonist")
    first = result.findings[0]
    assert refs.SEED_PLAN.citation in first.reference and "Klein R" in first.reference
    assert "exacerbate" in first.message


def test_messages_name_the_drugs_involved():
    result = check("methotrexate", pt(), ["Advil", "Aleve", "Bactrim"])
    nsaid = next(f for f in result.findings if f.rule_id == "interactions.mtx-nsaid")
    assert "ibuprofen" in nsaid.message and "naproxen" in nsaid.message  # one finding naming both
    assert "{" not in nsaid.message


def test_each_rule_fires_at_most_once_and_findings_are_sorted():
    result = check(
        "methotrexate",
        pt("pregnancy", "alcohol_use", "liver_disease", "dysphagia_new_onset", "live_vaccine_planned"),
        ["ibuprofen", "naproxen", "aspirin", "omeprazole", "pantoprazole", "Bactrim", "trimethoprim", "MMR", "Varivax", "xyz"],
    )
    ids = result.rule_ids
    assert len(ids) == len(set(ids))
    keys = [(-f.severity.rank, f.rule_id) for f in result.findings]
    assert keys == sorted(keys)
    assert result.findings[0].severity is CONTRA and result.findings[-1].severity is CAUTION


def test_findings_carry_full_citations():
    result = check("rituximab", pt("hepatitis_b_unscreened"))
    (finding,) = result.findings
    assert "Rituxan (rituximab) US prescribing information" in finding.reference
    assert "HBsAg" in finding.message and "anti-HBc" in finding.message


# --- name resolution ----------------------------------------------------------------------------

BRANDS = {
    "Enbrel": "etanercept", "Actemra": "tocilizumab", "RoActemra": "tocilizumab", "Kevzara": "sarilumab",
    "Sylvant": "siltuximab", "Remicade": "infliximab", "Humira": "adalimumab", "Cimzia": "certolizumab pegol",
    "Simponi": "golimumab", "CellCept": "mycophenolate mofetil", "Myfortic": "mycophenolate sodium",
    "mycophenolic acid": "mycophenolate sodium", "Bactrim": "trimethoprim-sulfamethoxazole",
    "Septra": "trimethoprim-sulfamethoxazole", "co-trimoxazole": "trimethoprim-sulfamethoxazole",
    "TMP-SMX": "trimethoprim-sulfamethoxazole", "Trexall": "methotrexate", "Otrexup": "methotrexate",
    "Rasuvo": "methotrexate", "MTX": "methotrexate", "Rituxan": "rituximab", "MabThera": "rituximab",
    "Truxima": "rituximab", "Ruxience": "rituximab", "Plaquenil": "hydroxychloroquine", "HCQ": "hydroxychloroquine",
    "Deltasone": "prednisone", "Imuran": "azathioprine", "Privigen": "ivig", "Gamunex-C": "ivig", "Octagam": "ivig",
    "IVIg": "ivig", "immune globulin": "ivig", "intravenous immunoglobulin": "ivig", "folate": "folic acid",
    "Advil": "ibuprofen", "Motrin": "ibuprofen", "Aleve": "naproxen", "Prilosec": "omeprazole",
    "acetaminophen": "paracetamol", "Tylenol": "paracetamol", "Benadryl": "diphenhydramine", "Zyrtec": "cetirizine",
    "Neoral": "cyclosporine", "Prograf": "tacrolimus", "Solu-Medrol": "methylprednisolone",
}


@pytest.mark.parametrize("name, canonical", sorted(BRANDS.items()))
def test_brand_and_generic_names_resolve(name, canonical):
    assert resolve(name) == canonical
    assert resolve(canonical) == canonical


@pytest.mark.parametrize(
    "name, canonical",
    [
        ("ENBREL", "etanercept"), ("  enbrel\t", "etanercept"), ("gamunex c", "ivig"), ("GamunexC", "ivig"),
        ("tmp smx", "trimethoprim-sulfamethoxazole"), ("TMP/SMX", "trimethoprim-sulfamethoxazole"),
        ("cotrimoxazole", "trimethoprim-sulfamethoxazole"), ("Mycophenolate-Mofetil", "mycophenolate mofetil"),
        ("FOLIC ACID", "folic acid"), ("Enbrel®", "etanercept"), ("ivig", "ivig"),
    ],
)
def test_case_whitespace_and_separator_variants_resolve(name, canonical):
    assert resolve(name) == canonical


@pytest.mark.parametrize("name", ["xyz", "etanercep", "", "   "])
def test_unknown_names_raise(name):
    with pytest.raises(UnknownDrugError) as info:
        resolve(name)
    assert isinstance(info.value, DoseInputError) and info.value.parameter == "drug"


@pytest.mark.parametrize("name", [None, 42, b"Enbrel"])
def test_non_string_names_raise(name):
    with pytest.raises(UnknownDrugError):
        resolve(name)


@pytest.mark.parametrize(
    "name, candidate",
    [("mycophenolate", "mycophenolate sodium"), ("zoster vaccine", "recombinant zoster vaccine"), ("Flu vaccine", "inactivated influenza vaccine")],
)
def test_ambiguous_names_are_refused_with_candidates(name, candidate):
    with pytest.raises(UnknownDrugError, match="ambiguous") as info:
        resolve(name)
    assert candidate in info.value.candidates


def test_folinic_acid_is_not_folic_acid():
    assert resolve("folinic acid") == "leucovorin" != resolve("folate")


def test_unknown_order_drug_raises():
    with pytest.raises(UnknownDrugError, match="xyz"):
        check("xyz", pt(), ["methotrexate"])


def test_unknown_medication_is_reported_not_ignored():
    result = check("methotrexate", pt(), ["xyz", "Advil", "mycophenolate", "xyz"])
    assert result.unknown == ("xyz", "mycophenolate")
    assert result.medications == ("ibuprofen",)
    unknown = [f for f in result.findings if f.rule_id == "interactions.unknown-drug"]
    # MAJOR, not caution: 'xyz' could be trimethoprim-sulfamethoxazole (issue 5).
    assert len(unknown) == 1 and unknown[0].severity is MAJOR
    assert "cannot check interactions for 'xyz'" in unknown[0].message
    assert "mycophenolate mofetil or mycophenolate sodium" in unknown[0].message
    assert severity_of(result, "interactions.mtx-nsaid") is CAUTION  # the known ones are still checked


def test_medications_are_resolved_and_deduplicated():
    result = check("ivig", pt(), ["MTX", "Trexall", "methotrexate", "Deltasone"])
    assert result.medications == ("methotrexate", "prednisone")


@pytest.mark.parametrize("meds", ["ibuprofen", 5, [None], [""], ["  "]])
def test_malformed_medication_lists_raise(meds):
    with pytest.raises(DoseInputError) as info:
        check("methotrexate", pt(), meds)
    assert info.value.parameter == "current_medications"


def test_patient_must_be_a_patient():
    with pytest.raises(DoseInputError) as info:
        check("methotrexate", {"conditions": ["pregnancy"]})
    assert info.value.parameter == "patient"


# --- malformed data files fail loudly at load -----------------------------------------------------

VALID_RULE = """
[references]
label = "Some drug US prescribing information, Example Pharma"

[[rule]]
id = "test.rule"
severity = "major"
drug = "methotrexate"
message = "{drug} is dangerous here"
reference = "label"
"""


def write(tmp_path, text, name="rules.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_valid_temp_rule_file_loads(tmp_path):
    (rule,) = load_rules(write(tmp_path, VALID_RULE))
    assert rule.id == "test.rule" and rule.severity is MAJOR
    assert rule.reference == "Some drug US prescribing information, Example Pharma"
    result = check("MTX", pt(), rules=(rule,))
    assert result.findings[0].message == "methotrexate is dangerous here"


@pytest.mark.parametrize(
    "old, new, error",
    [
        ('drug = "methotrexate"', 'drugs = "methotrexate"', "unknown key"),
        ('severity = "major"', 'severity = "severe"', "unknown severity"),
        ('severity = "major"', 'severity = "MAJOR"', "unknown severity"),
        ('drug = "methotrexate"', 'drug = "metotrexate"', "unknown drug"),
        ('drug = "methotrexate"', 'drug = "Trexall"', "unknown drug"),  # rules use canonical names
        ('drug = "methotrexate"', 'drug_class = "tnf_blocker"', "undeclared class"),
        ('drug = "methotrexate"', 'drug = "methotrexate"\npatient_any = ["pregancy"]', "unknown condition"),
        ('drug = "methotrexate"', 'drug = "methotrexate"\npatient_none = ["pregnant"]', "unknown condition"),
        ('drug = "methotrexate"', 'drug = "methotrexate"\nwith_drug = "advil"', "unknown drug"),
        ('drug = "methotrexate"', 'patient_any = ["pregnancy"]', "needs drug or drug_class"),
        ('drug = "methotrexate"', 'with_drug = "ibuprofen"', "needs drug or drug_class"),
        ('drug = "methotrexate"', 'always = true\ndrug = "methotrexate"', "cannot be combined"),
        ('drug = "methotrexate"', "always = true", "needs patient_any"),
        ('drug = "methotrexate"', 'always = "yes"', "always must be true or false"),
        ('reference = "label"', 'reference = "lable"', "unknown reference key"),
        ('reference = "label"', "", "missing reference"),
        ('{drug} is dangerous here', '{drugs} is dangerous', "placeholder"),
        ('{drug} is dangerous here', '{with_drug} is dangerous', "placeholder"),
        ('{drug} is dangerous here', 'unbalanced { brace', "malformed message"),
        ('{drug} is dangerous here', '', "message"),
        ('drug = "methotrexate"', 'drug = []', "non-empty"),
        ('drug = "methotrexate"', 'drug = "methotrexate"\npatient_any = ["pregnancy"]\npatient_none = ["pregnancy"]', "never fire"),
        ('id = "test.rule"', 'id = "test.rule"\nid2 = "x"', "unknown key"),
        ('[[rule]]', '[[rules]]', "unknown top-level key"),
        ('label = "Some drug US prescribing information, Example Pharma"', 'label = "label"', "full citation"),
        ('label = "Some drug', 'seed-plan = "Some drug', "built in"),
        ('severity = "major"', 'severity = major', "not valid TOML"),
    ],
)
def test_malformed_rule_files_fail_to_load(tmp_path, old, new, error):
    assert old in VALID_RULE
    with pytest.raises(InteractionDataError, match=error) as info:
        load_rules(write(tmp_path, VALID_RULE.replace(old, new)))
    assert "rules.toml" in str(info.value)


def test_duplicate_rule_ids_fail_to_load(tmp_path):
    text = VALID_RULE + VALID_RULE.split("[[rule]]")[1].join(["[[rule]]", ""])
    with pytest.raises(InteractionDataError, match="duplicate rule id 'test.rule'"):
        load_rules(write(tmp_path, text))


DRUGS = """
[classes]
x = "class x"

[drugs.alpha]
classes = ["x"]
synonyms = ["Alphabrand"]

[drugs.beta]
classes = []
synonyms = ["Betabrand"]
"""


def test_a_valid_temp_drug_table_loads(tmp_path):
    table = load_drug_table(write(tmp_path, DRUGS, "drugs.toml"))
    assert table.resolve("ALPHA-BRAND") == "alpha"
    rules = load_rules(
        write(tmp_path, VALID_RULE.replace('"methotrexate"', '"alpha"')), drugs=table
    )
    assert check("Alphabrand", pt(), rules=rules, drugs=table).rule_ids == ("test.rule",)


@pytest.mark.parametrize(
    "old, new, error",
    [
        ('synonyms = ["Betabrand"]', 'synonyms = ["Alpha Brand"]', "exactly one drug"),
        ('synonyms = ["Betabrand"]', 'synonyms = ["ALPHA"]', "exactly one drug"),
        ('classes = ["x"]', 'classes = ["y"]', "undeclared class"),
        ('synonyms = ["Betabrand"]', 'synonyms = ["  "]', "non-empty"),
        ('synonyms = ["Betabrand"]', 'synonym = ["Betabrand"]', "unknown key"),
        ("[drugs.beta]", "[drugs.Beta]", "lower case"),
        ("[classes]", '[ambiguous]\n"alphabrand" = ["alpha", "beta"]\n[classes]', "cannot be both"),
        ("[classes]", '[ambiguous]\n"ab" = ["alpha", "gamma"]\n[classes]', "two or more canonical"),
    ],
)
def test_malformed_drug_tables_fail_to_load(tmp_path, old, new, error):
    assert old in DRUGS
    with pytest.raises(InteractionDataError, match=error):
        load_drug_table(write(tmp_path, DRUGS.replace(old, new), "drugs.toml"))


# --- properties ----------------------------------------------------------------------------------

ALL_NAMES = sorted(load_drug_table().all_names().items())
DRUG_NAMES = list(canonical_drugs())
CONDITIONS = sorted(KNOWN_CONDITIONS)
# Patients are built once per condition set: pint makes construction the slow part.
_PATIENTS: dict[frozenset[str], Patient] = {}


def patient_with(conditions: frozenset[str]) -> Patient:
    if conditions not in _PATIENTS:
        _PATIENTS[conditions] = pt(*conditions)
    return _PATIENTS[conditions]


@given(st.sampled_from(ALL_NAMES), st.data())
def test_resolution_ignores_case_whitespace_and_separators(entry, data):
    name, canonical = entry
    flips = data.draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    varied = "".join(c.upper() if up else c.lower() for c, up in zip(name, flips))
    if data.draw(st.booleans()):
        varied = varied.replace("-", " ")
    elif data.draw(st.booleans()):
        varied = varied.replace(" ", "-")
    pad = st.text(alphabet=" \t\n", max_size=3)
    assert resolve(data.draw(pad) + varied + data.draw(pad)) == canonical


regimens = st.tuples(
    st.sampled_from(DRUG_NAMES),
    st.lists(st.sampled_from(DRUG_NAMES), max_size=4),
    st.frozensets(st.sampled_from(CONDITIONS), max_size=4),
)


@settings(max_examples=150)
@given(regimens)
def test_findings_are_well_formed(case):
    drug, meds, conditions = case
    result = check(drug, patient_with(conditions), meds)
    ids = result.rule_ids
    assert len(ids) == len(set(ids))
    for finding in result.findings:
        assert finding.severity in {CONTRA, MAJOR, CAUTION, INFO}
        assert finding.message and finding.reference and "{" not in finding.message
    keys = [(-f.severity.rank, f.rule_id) for f in result.findings]
    assert keys == sorted(keys)


@settings(max_examples=150)
@given(regimens, st.sampled_from(DRUG_NAMES + ["unlisted-drug-name"]))
def test_adding_a_drug_never_removes_a_finding(case, extra):
    drug, meds, conditions = case
    patient = patient_with(conditions)
    before = {(f.rule_id, f.severity) for f in check(drug, patient, meds).findings}
    after = {(f.rule_id, f.severity) for f in check(drug, patient, [*meds, extra]).findings}
    assert before <= after


# --- review regressions ----------------------------------------------------------------------------


def test_combination_products_are_not_read_as_one_component():
    # Arthrotec was a synonym of diclofenac: its misoprostol (contraindicated in pregnancy) was silently dropped.
    assert resolve("Arthrotec") == "diclofenac-misoprostol" != resolve("diclofenac")
    assert "nsaid" in classes_of("Arthrotec")
    assert check("Arthrotec", pt("pregnancy")).blocked
    # ProQuad/MMRV contain live varicella as well as MMR: not a synonym of MMR.
    assert resolve("ProQuad") == resolve("MMRV") == "measles mumps rubella varicella vaccine" != resolve("MMR")
    assert "live_vaccine" in classes_of("Priorix-Tetra")


@pytest.mark.parametrize("name", ["methotrexate sodium", "Hydroxychloroquine Sulfate", "naproxen sodium"])
def test_salt_names_resolve_to_the_active_drug(name):
    assert resolve(name) in {"methotrexate", "hydroxychloroquine", "naproxen"}


@pytest.mark.parametrize("name", ["Advil PM", "Tylenol PM"])
def test_unlisted_combinations_are_refused(name):
    # An unlisted combination is not read as one of its parts. (Product strings with a strength or a form,
    # "Bactrim DS 800/160", now resolve: issue 5, interactions/products.py.)
    with pytest.raises(UnknownDrugError):
        resolve(name)


@pytest.mark.parametrize("invisible", ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_invisible_characters_from_pasted_text_are_ignored(invisible):
    assert resolve(f"En{invisible}brel{invisible}") == "etanercept"


def test_unknown_medications_are_reported_once_whatever_their_case():
    result = check("methotrexate", pt(), ["xyz", "XYZ", " xyz "])
    assert result.unknown == ("xyz",)
    (finding,) = result.findings
    assert finding.message.count("'xyz'") == 1


def test_shipped_rules_are_not_evaluated_against_a_foreign_drug_table(tmp_path):
    # The shipped rules matched nothing in a custom table (no 'antifolate_antibiotic' class): no findings, silently.
    text = '[classes]\nx = "x"\n[drugs.methotrexate]\nclasses = []\n[drugs.bactrim]\nclasses = []\n'
    table = load_drug_table(write(tmp_path, text, "drugs.toml"))
    with pytest.raises(InteractionDataError):
        check("methotrexate", pt(), ["bactrim"], drugs=table)
    with pytest.raises(InteractionDataError, match="drug table in use"):
        check("methotrexate", pt(), ["bactrim"], rules=load_rules(), drugs=table)


@pytest.mark.parametrize("kwargs, parameter", [({"drugs": "drugs.toml"}, "drugs"), ({"rules": [1]}, "rules"), ({"rules": "rules.toml"}, "rules")])
def test_malformed_rules_or_table_arguments_raise_dose_input_error(kwargs, parameter):
    with pytest.raises(DoseInputError) as info:
        check("methotrexate", pt(), **kwargs)
    assert info.value.parameter == parameter


def test_every_required_rule_has_its_severity():
    # The list, rule by rule: a severity change here is a clinical decision, not a refactor.
    required = {
        "interactions.etanercept-dermatomyositis": CONTRA,
        "interactions.tnf-antagonist": MAJOR,
        "interactions.il6-gi-risk": CONTRA,
        "interactions.il6-gi-monitor": CAUTION,
        "interactions.mtx-antifolate-antibiotic": CONTRA,
        "interactions.mtx-nsaid": CAUTION,
        "interactions.mtx-ppi": CAUTION,
        "interactions.mtx-pregnancy": CONTRA,
        "interactions.mtx-liver": CONTRA,  # issue 7: graded as the methotrexate tablet label grades it
        "interactions.mtx-alcohol": MAJOR,
        "interactions.mycophenolate-pregnancy": CONTRA,
        "interactions.mycophenolate-azathioprine": CONTRA,
        "interactions.rituximab-hbv-active": CONTRA,
        "interactions.rituximab-live-vaccine": CONTRA,
        "interactions.ivig-anti-iga": CONTRA,
        "interactions.ivig-thrombosis": CAUTION,
        "interactions.ivig-renal": CAUTION,
        "interactions.dysphagia-urgent": MAJOR,
    }
    shipped = {rule.id: rule.severity for rule in load_rules()}
    assert {rule_id: shipped.get(rule_id) for rule_id in required} == required


def test_every_patient_condition_is_used_by_some_rule_or_dose_module():
    # A condition the tool accepts but never reads would give a false "ok" (e.g. active_infection).
    from pathlib import Path

    from dosing.patient import KNOWN_CONDITIONS

    root = Path(__file__).resolve().parent.parent
    used = set()
    for rule in load_rules():
        used |= set(rule.patient_any) | set(rule.patient_none)
    source = "".join(p.read_text() for p in (root / "dosing").glob("*.py") if p.name != "patient.py")
    used |= {c for c in KNOWN_CONDITIONS if f'"{c}"' in source}
    assert set(KNOWN_CONDITIONS) <= used, sorted(set(KNOWN_CONDITIONS) - used)


@pytest.mark.parametrize("drug, meds", [("methotrexate", ["Trexall"]), ("Otrexup", ["methotrexate"]), ("CellCept", ["mycophenolate mofetil"])])
def test_ordering_a_drug_already_taken_is_flagged_as_duplicate(drug, meds):
    result = check(drug, pt(), meds)
    assert severity_of(result, "interactions.duplicate-therapy") is MAJOR


def test_no_duplicate_finding_for_a_different_drug():
    assert severity_of(check("methotrexate", pt(), ["folic acid", "prednisone"]), "interactions.duplicate-therapy") is None


# --- the indexed check (issue 8) ---------------------------------------------------------------
#
# check() tries only the rules a regimen and a patient could trigger (interactions.engine._Compiled);
# inside dosing.units.memo_off() it tries every rule in full. Both must give the same result.

_NAMES = [*canonical_drugs(), "Bactrim DS 800-160 mg tablet", "not a drug", "mycophenolate", "rxcui:6851", "hydrocortisone cream 1%"]


def _check_both_ways(drug, conditions, meds, **kwargs):
    from dosing.units import memo_off

    patient = Patient(weight="70 kg", height="170 cm", age="50 years", sex="female", conditions=conditions)
    fast = check(drug, patient, meds, **kwargs)
    with memo_off():
        reference = check(drug, patient, meds, **kwargs)
    return fast, reference


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(canonical_drugs()),
    st.lists(st.sampled_from(sorted(KNOWN_CONDITIONS)), max_size=3, unique=True),
    st.lists(st.sampled_from(_NAMES), max_size=8),
    st.sampled_from([None, "new", "renewal", "change"]),
)
def test_indexed_check_equals_trying_every_rule(drug, conditions, meds, intent):
    fast, reference = _check_both_ways(drug, conditions, meds, intent=intent)
    assert fast == reference
    assert [f.message for f in fast.findings] == [f.message for f in reference.findings]
    assert [f.message for f in fast.regimen_alerts] == [f.message for f in reference.regimen_alerts]


def test_indexed_check_handles_rules_the_file_format_would_refuse():
    # Rule objects built in code skip the file's validation: an always rule without patient_any
    # fires for every patient, and a class rule can name the same drug on both sides.
    from interactions.engine import Rule

    table = load_drug_table()
    rules = (
        Rule("test.always", CAUTION, "always", (refs.SEED_PLAN,), always=True),
        Rule("test.two-tnf", MAJOR, "{drug} with {with_drug}", (refs.SEED_PLAN,), drug_class=frozenset({"tnf_antagonist"}),
             with_class=frozenset({"tnf_antagonist"})),
        Rule("test.mtx-unless-pregnant", INFO, "{drug}", (refs.SEED_PLAN,), drug=frozenset({"methotrexate"}),
             patient_none=frozenset({"pregnancy"})),
    )
    for drug, meds, conditions in [("etanercept", ["Humira"], []), ("etanercept", [], []), ("methotrexate", ["etanercept", "infliximab"], []),
                                   ("methotrexate", [], ["pregnancy"])]:
        fast, reference = _check_both_ways(drug, conditions, meds, rules=rules, drugs=table)
        assert fast == reference
        assert "test.always" in fast.rule_ids
    fast, _ = _check_both_ways("etanercept", [], ["Humira"], rules=rules, drugs=table)
    assert "test.two-tnf" in fast.rule_ids
    fast, _ = _check_both_ways("etanercept", [], [], rules=rules, drugs=table)
    assert "test.two-tnf" not in fast.rule_ids


def test_a_name_is_read_once_but_every_refusal_is_new_and_names_its_parameter():
    table = load_drug_table()
    first, key = table.outcome("Not A Drug", "current_medications")
    second, _ = table.outcome("Not A Drug", "drug")
    assert isinstance(first, UnknownDrugError) and isinstance(second, UnknownDrugError)
    assert first is not second and key == "notadrug"
    assert first.parameter == "current_medications" and second.parameter == "drug"
    assert first.problem == second.problem
    assert table.outcome("Bactrim DS", "drug") == ("trimethoprim-sulfamethoxazole", "bactrimds")
    with pytest.raises(UnknownDrugError, match="ambiguous") as raised:
        table.resolve("mycophenolate", parameter="current_medications")
    assert raised.value.parameter == "current_medications"
