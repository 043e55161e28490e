"""The severity model (issue 7, docs/severity-policy.md): the right severity, on the right order.

Order alerts vs regimen alerts, remedies never blocked, renewals, unresolved medication-list
entries, the folic acid check on a complete list, and the audit fields of every verdict.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import interactions
from dosing import Order, Patient, Severity, Status, Verdict, verify
from dosing.findings import Finding
from dosing.patient import KNOWN_CONDITIONS
from dosing.references import SEED_PLAN
from dosing.units import DoseInputError
from interactions import InteractionDataError, canonical_drugs, check, load_rules

CONTRA, MAJOR, CAUTION, INFO = Severity.CONTRAINDICATED, Severity.MAJOR, Severity.CAUTION, Severity.INFO
PATIENT = Patient("68 kg", "165 cm", "54 years", "female", "0.8 mg/dL")


def pt(*conditions: str) -> Patient:
    return Patient("70 kg", "165 cm", "54 years", "female", conditions=frozenset(conditions))


def by_id(findings, rule_id):
    matches = [f for f in findings if f.rule_id == rule_id]
    assert len(matches) <= 1, f"{rule_id} found more than once"
    return matches[0] if matches else None


# ---------------------------------------------------------------- order alerts vs regimen alerts


@pytest.mark.parametrize("remedy", ["leucovorin", "folinic acid", "folic acid"])
def test_a_remedy_is_never_blocked_by_the_problem_it_treats(remedy):
    # Before: leucovorin (the methotrexate antidote) was blocked for a patient on methotrexate + TMP-SMX.
    result = check(remedy, pt(), ["methotrexate", "Bactrim"])
    assert not result.blocked
    assert by_id(result.findings, "interactions.mtx-antifolate-antibiotic") is None
    alert = by_id(result.regimen_alerts, "interactions.mtx-antifolate-antibiotic")
    assert alert.severity is MAJOR
    assert set(alert.subjects) == {"methotrexate", "trimethoprim-sulfamethoxazole"}
    assert "methotrexate" in alert.message and "does not block" in alert.message


def test_ivig_is_not_blocked_by_etanercept_on_the_list():
    verdict = verify(Order("Octagam 10%", "1 g/kg", "daily for 2 days every 4 weeks", "IV"), PATIENT, ["Enbrel"])
    assert verdict.status is Status.WARN  # the regimen alert is major: it warns
    assert all(f.severity is not CONTRA for f in verdict.findings)
    alert = by_id(verdict.regimen_alerts, "interactions.etanercept-dermatomyositis")
    assert alert.severity is MAJOR and alert.subjects == ("etanercept",)
    assert "etanercept" in alert.message


@pytest.mark.parametrize("antiviral", ["entecavir", "tenofovir"])
def test_hbv_prophylaxis_is_not_blocked_by_the_hbv_rules(antiviral):
    try:
        interactions.resolve(antiviral)
    except interactions.UnknownDrugError:
        pytest.skip(f"{antiviral} not yet in drugs.toml (helper N adds it)")
    result = check(antiviral, pt("hepatitis_b_active"), ["rituximab"])
    assert not result.blocked
    alert = by_id(result.regimen_alerts, "interactions.rituximab-hbv-active")
    assert alert.severity is MAJOR and alert.subjects == ("rituximab",)


def test_the_problem_drug_itself_is_still_blocked_either_way():
    for drug, meds in [("methotrexate", ["Bactrim"]), ("Bactrim", ["methotrexate"])]:
        finding = by_id(check(drug, pt(), meds).findings, "interactions.mtx-antifolate-antibiotic")
        assert finding.severity is CONTRA
        assert {"methotrexate", "trimethoprim-sulfamethoxazole"} == set(finding.subjects)


def test_a_pair_on_the_list_beside_the_order_pair_is_a_regimen_alert():
    # Ordering rituximab with Humira and Actemra on the list: rituximab's pairs block or warn on the order,
    # the adalimumab + tocilizumab pair is the regimen's.
    result = check("rituximab", pt(), ["Humira", "Actemra"])
    order = by_id(result.findings, "interactions.two-biologics")
    assert "rituximab" in order.subjects
    alert = by_id(result.regimen_alerts, "interactions.two-biologics")
    assert set(alert.subjects) == {"adalimumab", "tocilizumab"}


def test_a_patient_condition_rule_on_a_listed_drug_is_a_regimen_alert():
    result = check("ivig", pt("pregnancy"), ["methotrexate"])
    assert by_id(result.findings, "interactions.mtx-pregnancy") is None
    assert by_id(result.regimen_alerts, "interactions.mtx-pregnancy").severity is MAJOR


def test_regimen_alerts_are_shown_and_serialised():
    verdict = verify(Order("prednisone", "5 mg", "daily", "oral"), PATIENT, ["MTX", "Bactrim"])
    data = verdict.to_dict()
    assert [a["rule_id"] for a in data["regimen_alerts"]] == ["interactions.mtx-antifolate-antibiotic"]
    assert data["regimen_alerts"][0]["subjects"] == ["methotrexate", "trimethoprim-sulfamethoxazole"]
    assert Verdict.from_json(verdict.to_json()) == verdict
    assert verdict.status is Status.WARN


# ---------------------------------------------------------------- properties over the whole drug table

DRUGS = list(canonical_drugs())
CONDITIONS = sorted(KNOWN_CONDITIONS)
cases = st.tuples(
    st.sampled_from(DRUGS),
    st.lists(st.sampled_from(DRUGS), max_size=4),
    st.frozensets(st.sampled_from(CONDITIONS), max_size=3),
)


def worst_by_rule(findings) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in findings:
        out[f.rule_id] = max(out.get(f.rule_id, -1), f.severity.rank)
    return out


@settings(max_examples=120, deadline=None)
@given(cases)
def test_a_block_always_names_the_ordered_drug(case):
    drug, meds, conditions = case
    result = check(drug, pt(*conditions), meds)
    for finding in result.findings:
        if finding.severity is CONTRA:
            assert drug in finding.subjects, finding
    assert all(a.severity <= MAJOR for a in result.regimen_alerts)
    for alert in result.regimen_alerts:
        assert alert.subjects and drug not in alert.subjects


@settings(max_examples=120, deadline=None)
@given(cases, st.sampled_from(DRUGS + ["unlisted-drug-name", "wonder pill 5 mg"]))
def test_adding_a_medication_never_removes_or_lowers_a_finding(case, extra):
    drug, meds, conditions = case
    patient = pt(*conditions)
    before, after = check(drug, patient, meds), check(drug, patient, [*meds, extra])
    for old, new in [(before.findings, after.findings), (before.regimen_alerts, after.regimen_alerts)]:
        old_worst, new_worst = worst_by_rule(old), worst_by_rule(new)
        for rule_id, rank in old_worst.items():
            assert new_worst.get(rule_id, -1) >= rank, rule_id


@settings(max_examples=150, deadline=None)
@given(cases, st.sampled_from(["xyz", "mycophenolate", "Zyx 40 mg tablet", "steroid"]))
def test_an_unresolvable_co_medication_never_lowers_any_severity(case, unreadable):
    drug, meds, conditions = case
    patient = pt(*conditions)
    before, after = check(drug, patient, meds), check(drug, patient, [*meds, unreadable])
    old_worst, new_worst = worst_by_rule(before.findings), worst_by_rule(after.findings)
    assert all(new_worst.get(rule_id, -1) >= rank for rule_id, rank in old_worst.items())
    assert unreadable in after.unknown
    assert max(new_worst.values()) >= max(old_worst.values(), default=-1)


# ---------------------------------------------------------------- renewals and duplicates


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(DRUGS), st.lists(st.sampled_from(DRUGS), max_size=3))
def test_renewing_an_unchanged_order_never_warns_for_duplication(drug, meds):
    result = check(drug, pt(), [drug, *meds], intent="renewal")
    assert by_id(result.findings, interactions.DUPLICATE_RULE) is None
    assert by_id(result.findings, interactions.CONTINUATION_RULE).severity is INFO


def test_renewal_through_verify_reads_the_order_intent():
    order = Order("methotrexate", "20 mg", "weekly", "subcutaneous", intent="renewal")
    verdict = verify(order, PATIENT, ["methotrexate", "folic acid"])
    assert verdict.status is Status.OK
    assert "continuation of current therapy" in by_id(verdict.findings, interactions.CONTINUATION_RULE).message.lower()


@pytest.mark.parametrize(
    "intent, rule_id, severity",
    [(None, "interactions.duplicate-therapy", MAJOR), ("new", "interactions.duplicate-therapy", MAJOR),
     ("change", "interactions.therapy-change", CAUTION), ("renewal", "interactions.continuation", INFO)],
)
def test_same_drug_graded_by_intent(intent, rule_id, severity):
    assert by_id(check("methotrexate", pt(), ["Trexall"], intent=intent).findings, rule_id).severity is severity


def test_a_second_product_of_the_same_class_stays_a_duplicate_even_when_renewed():
    result = check("Humira", pt(), ["Remicade"], intent="renewal")
    assert by_id(result.findings, "interactions.two-biologics").severity is MAJOR
    assert by_id(check("CellCept", pt(), ["Myfortic"], intent="renewal").findings, "interactions.mycophenolate-duplicate").severity is CONTRA


def test_unknown_intent_is_refused():
    with pytest.raises(DoseInputError) as info:
        check("methotrexate", pt(), intent="maybe")
    assert info.value.parameter == "intent"


# ---------------------------------------------------------------- unresolved medication-list entries


@pytest.mark.parametrize(
    "drug, named",
    [("methotrexate", "interactions.mtx-antifolate-antibiotic"), ("CellCept", "interactions.mycophenolate-azathioprine"),
     ("rituximab", "interactions.two-biologics"), ("Bactrim", "interactions.mtx-antifolate-antibiotic")],
)
def test_an_unresolved_entry_that_could_hide_a_serious_interaction_is_major(drug, named):
    finding = by_id(check(drug, pt(), ["xyz"]).findings, interactions.UNKNOWN_DRUG_RULE)
    assert finding.severity is MAJOR
    assert named in finding.message and "could not be ruled out" in finding.message and "'xyz'" in finding.message


@pytest.mark.parametrize("drug", ["hydroxychloroquine", "paracetamol", "folic acid"])
def test_an_unresolved_entry_is_a_caution_when_it_could_hide_nothing_serious(drug):
    assert by_id(check(drug, pt(), ["xyz"]).findings, interactions.UNKNOWN_DRUG_RULE).severity is CAUTION


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["MTX", "Bactrim", "xyz", "mycophenolate", "folic acid", "Advil PM", "Humira"]), max_size=6))
def test_every_medication_entry_appears_in_the_verdict(meds):
    verdict = verify(Order("prednisone", "5 mg", "daily", "oral"), PATIENT, meds)
    assert [m.written for m in verdict.medications] == meds
    for entry in verdict.medications:
        assert entry.resolved == (entry.written not in ("xyz", "mycophenolate", "Advil PM"))
        assert entry.resolved or entry.problem
    assert set(verdict.unresolved_medications) == {m for m in meds if m in ("xyz", "mycophenolate", "Advil PM")}


# ---------------------------------------------------------------- folic acid on a complete list


def test_methotrexate_without_folate_on_a_complete_list_is_a_caution():
    order = Order("methotrexate", "20 mg", "weekly", "oral")
    finding = by_id(verify(order, PATIENT, ["prednisone"], medications_complete=True).findings, "verify.no-folic-acid")
    assert finding.severity is CAUTION and "Fraenkel" in finding.reference and SEED_PLAN.citation in finding.reference
    assert by_id(verify(order, PATIENT, ["prednisone"]).findings, "verify.no-folic-acid") is None  # list not declared complete
    for folate in ("folic acid", "leucovorin"):
        assert by_id(verify(order, PATIENT, [folate], medications_complete=True).findings, "verify.no-folic-acid") is None


def test_methotrexate_on_the_list_without_folate_is_a_regimen_caution():
    verdict = verify(Order("hydroxychloroquine", "200 mg", "BID", "oral"), PATIENT, ["methotrexate"], medications_complete=True)
    assert by_id(verdict.regimen_alerts, "verify.no-folic-acid").severity is CAUTION
    assert by_id(verify(Order("folic acid", "1 mg", "daily", "oral"), PATIENT, ["methotrexate"], medications_complete=True).regimen_alerts,
                 "verify.no-folic-acid") is None


def test_medications_complete_must_be_a_boolean():
    with pytest.raises(DoseInputError) as info:
        verify(Order("prednisone", "5 mg", "daily", "oral"), PATIENT, [], medications_complete="yes")
    assert info.value.parameter == "medications_complete"


# ---------------------------------------------------------------- the verdict's other new fields


def test_every_verdict_carries_version_and_knowledge_hash():
    verdict = verify(Order("prednisone", "5 mg", "daily", "oral"), PATIENT)
    assert verdict.dmdose_version and verdict.dmdose_version != "unknown"
    files = sorted((f for f in importlib.resources.files("interactions").iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    assert {"drugs.toml", "rules.toml"} <= {f.name for f in files}
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    assert verdict.knowledge_hash == "sha256:" + digest.hexdigest() == interactions.knowledge_hash()
    again = Verdict.from_json(verdict.to_json())
    assert (again.dmdose_version, again.knowledge_hash) == (verdict.dmdose_version, verdict.knowledge_hash)


def test_reading_and_condition_findings_reach_the_verdict():
    patient = Patient("68 kg", "165 cm", "54 years", "female", "0.8 mg/dL", ["pregancy", "hypertension"])
    if not getattr(patient, "condition_findings", ()):
        pytest.skip("Patient.condition_findings not available yet")
    verdict = verify(Order("prednisone", "5 mg", "QD", "PO"), patient)
    ids = {f.rule_id for f in verdict.findings}
    assert {f.rule_id for f in patient.condition_findings} <= ids
    assert {f.rule_id for f in Order("prednisone", "5 mg", "QD", "PO").reading_findings} <= ids
    assert "hypertension" in verdict.unused_conditions


def test_a_verdict_refuses_a_blocking_regimen_alert():
    alert = Finding.of("x.y", CONTRA, "m", SEED_PLAN, ("etanercept",))
    with pytest.raises(DoseInputError) as info:
        Verdict("block", "ivig", "ivig", None, "", [], regimen_alerts=[alert])
    assert info.value.parameter == "regimen_alerts"
    with pytest.raises(DoseInputError):
        Verdict("ok", "ivig", "ivig", None, "", [], regimen_alerts=[Finding.of("x.y", MAJOR, "m", SEED_PLAN)])


def test_finding_subjects_round_trip_and_old_forms_still_work():
    f = Finding.of("x.y", MAJOR, "m", SEED_PLAN, ("methotrexate", "trimethoprim-sulfamethoxazole"))
    assert Finding.from_dict(f.to_dict()) == f
    assert Finding("x.y", "major", "m", "r").subjects == ()
    assert Finding("x.y", "major", "m", "r", "methotrexate").subjects == ("methotrexate",)
    assert "subjects" not in Finding("x.y", "major", "m", "r").to_dict()
    with pytest.raises(DoseInputError):
        Verdict.from_dict({**Verdict("warn", "d", "o", None, "", [f]).to_dict(), "findings": [{**f.to_dict(), "subjects": "mtx"}]})


# ---------------------------------------------------------------- rule messages: named placeholders only

RULE = """
[references]
label = "Some drug US prescribing information, Example Pharma"

[[rule]]
id = "test.rule"
severity = "major"
drug = "methotrexate"
message = "MESSAGE"
reference = "label"
"""


@pytest.mark.parametrize("message", ["{drug:>1000000000}", "{drug!r}", "{drug.__class__}", "{drug[0]}", "{0}", "{}", "{drug:{drug}}"])
def test_rule_messages_take_bare_named_placeholders_only(tmp_path, message):
    path = tmp_path / "rules.toml"
    path.write_text(textwrap.dedent(RULE).replace("MESSAGE", message), encoding="utf-8")
    with pytest.raises(InteractionDataError, match="placeholder|malformed"):
        load_rules(path)


def test_shipped_rules_name_every_drug_they_are_about():
    # A message with {drug} names what matched; every rule's finding carries its subjects.
    result = check("methotrexate", pt("pregnancy"), ["Advil"])
    assert all(f.subjects for f in result.findings)


def test_a_topical_product_on_the_list_is_a_caution_not_a_major_unknown():
    # Voltaren Gel and cyclosporine eye drops are identified as topical: not the systemic drug a
    # methotrexate interaction needs, so no "could hide an interaction" major (an unknown name still is).
    patient = Patient("70 kg", "170 cm", "50 years", "female", "0.8 mg/dL")
    order = Order("methotrexate", "20 mg", "weekly on Monday", "oral")
    topical = verify(order, patient, ["Voltaren Gel", "cyclosporine ophthalmic", "folic acid"])
    found = {f.rule_id: f for f in topical.findings}
    assert found["interactions.unknown-drug"].severity is Severity.CAUTION
    assert "topical, eye or ear product" in found["interactions.unknown-drug"].message
    mixed = verify(order, patient, ["Voltaren Gel", "Zzyzxal", "folic acid"])
    assert {f.rule_id: f for f in mixed.findings}["interactions.unknown-drug"].severity is Severity.MAJOR
