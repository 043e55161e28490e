"""Findings, status mapping, DoseCheck and Verdict round trips, JSON-able results."""

from __future__ import annotations

import datetime as dt
import json

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing import references as refs
from dosing.body import BSAFormula, CreatinineClearance, WeightBasis
from dosing.findings import Finding, Severity
from dosing.input.frequency import parse_frequency
from dosing.serialize import jsonable
from dosing.units import DoseInputError, Quantity
from dosing.verdict import DoseCheck, Status, Verdict, status_of


def finding(severity, rule_id="mtx.test"):
    return Finding.of(rule_id, severity, f"{severity.value} finding", refs.SEED_PLAN)


# ---------------------------------------------------------------- severity and findings


def test_severity_order():
    assert Severity.INFO < Severity.CAUTION < Severity.MAJOR < Severity.CONTRAINDICATED
    assert [s.rank for s in Severity] == [0, 1, 2, 3]
    assert max(Severity) is Severity.CONTRAINDICATED
    assert sorted([Severity.MAJOR, Severity.INFO, Severity.CONTRAINDICATED, Severity.CAUTION]) == list(Severity)
    # every comparison reads as written
    assert Severity.MAJOR >= Severity.MAJOR and Severity.CONTRAINDICATED >= Severity.MAJOR
    assert Severity.CAUTION <= Severity.MAJOR and not Severity.MAJOR <= Severity.CAUTION
    assert Severity.MAJOR > Severity.CAUTION and not Severity.INFO > Severity.INFO
    with pytest.raises(TypeError):
        Severity.MAJOR < 2


def test_finding_of_uses_citation():
    f = Finding.of("mtx.not-weekly", Severity.CONTRAINDICATED, "methotrexate daily", refs.SEED_PLAN)
    assert f.reference == refs.SEED_PLAN.citation
    assert Finding("mtx.x", "major", "m", "r").severity is Severity.MAJOR
    with pytest.raises(ValueError):
        Finding("mtx.x", "serious", "m", "r")
    assert Finding.from_dict(f.to_dict()) == f
    assert f.to_dict() == {
        "rule_id": "mtx.not-weekly",
        "severity": "contraindicated",
        "message": "methotrexate daily",
        "reference": refs.SEED_PLAN.citation,
    }


# ---------------------------------------------------------------- status_of


@pytest.mark.parametrize(
    "severities, status",
    [
        ((), Status.OK),
        ((Severity.INFO,), Status.OK),
        ((Severity.INFO, Severity.INFO), Status.OK),
        ((Severity.CAUTION,), Status.WARN),
        ((Severity.MAJOR,), Status.WARN),
        ((Severity.INFO, Severity.CAUTION), Status.WARN),
        ((Severity.CONTRAINDICATED,), Status.BLOCK),
        ((Severity.INFO, Severity.MAJOR, Severity.CONTRAINDICATED), Status.BLOCK),
        ((Severity.CONTRAINDICATED, Severity.CAUTION), Status.BLOCK),
    ],
)
def test_status_of(severities, status):
    assert status_of([finding(s) for s in severities]) is status
    assert status_of(finding(s) for s in severities) is status  # any iterable


@given(st.lists(st.sampled_from(list(Severity)), max_size=6))
def test_status_of_is_the_worst_finding(severities):
    expected = {
        Severity.CONTRAINDICATED: Status.BLOCK,
        Severity.MAJOR: Status.WARN,
        Severity.CAUTION: Status.WARN,
        Severity.INFO: Status.OK,
    }[max(severities, default=Severity.INFO)]
    assert status_of([finding(s) for s in severities]) is expected


def test_exit_codes():
    assert [Status.OK.exit_code, Status.WARN.exit_code, Status.BLOCK.exit_code] == [0, 1, 2]


# ---------------------------------------------------------------- DoseCheck


def test_dose_check_defaults_and_details():
    check = DoseCheck(Quantity(1400, "mg"), "1400 mg IV over 2 days")
    assert check.findings == () and check.details == ()
    check = DoseCheck(
        None,
        "withhold",
        findings=[finding(Severity.MAJOR)],
        details={"BSA": "1.80 m² (Mosteller)", "dosing weight": "70 kg"},
    )
    assert isinstance(check.findings, tuple)
    assert dict(check.details) == {"BSA": "1.80 m² (Mosteller)", "dosing weight": "70 kg"}
    hash(check)  # frozen values are hashable
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        check.recommended = "x"


# ---------------------------------------------------------------- Verdict


def verdict(**changes):
    base = dict(
        status="block",
        drug="methotrexate",
        ordered="methotrexate 20 mg daily oral",
        recommended_dose=Quantity(20, "mg"),
        recommended="20 mg once weekly",
        findings=[
            finding(Severity.CONTRAINDICATED, "mtx.not-weekly"),
            Finding("mtx.folate", Severity.INFO, "folic acid 1 mg daily — “continue”", refs.SEED_PLAN.citation),
        ],
        details={"BSA": "1.80 m² (Mosteller)", "weekly dose": "20 mg"},
    )
    base.update(changes)
    return Verdict(**base)


def test_verdict_to_dict():
    v = verdict()
    assert v.status is Status.BLOCK and v.exit_code == 2
    assert v.to_dict() == {
        "status": "block",
        "drug": "methotrexate",
        "ordered": "methotrexate 20 mg daily oral",
        "recommended_dose": {"value": 20.0, "unit": "milligram"},
        "recommended": "20 mg once weekly",
        "findings": [f.to_dict() for f in v.findings],
        "details": {"BSA": "1.80 m² (Mosteller)", "weekly dose": "20 mg"},
        "regimen_alerts": [],
        "medications": [],
        "unused_conditions": [],
        "dmdose_version": "",
        "knowledge_hash": "",
    }


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"recommended_dose": None},
        {"findings": [], "status": "ok", "details": {}},
        {"recommended_dose": Quantity(375, "mg/m**2")},
        {"recommended_dose": Quantity(2, "g/kg")},
        {"recommended_dose": Quantity(6, "tablet")},
        {"recommended_dose": Quantity(0.8, "mL")},
        {"recommended_dose": Quantity(1437.5, "mg")},
        {"recommended_dose": Quantity(60, "mL/min/std_bsa")},
    ],
)
def test_verdict_round_trips(changes):
    v = verdict(**changes)
    assert Verdict.from_dict(v.to_dict()) == v
    assert Verdict.from_json(v.to_json()) == v
    assert Verdict.from_dict(json.loads(json.dumps(v.to_dict()))) == v
    assert Verdict.from_json(v.to_json()).to_json() == v.to_json()


def test_verdict_json_keeps_unicode_readable():
    text = verdict().to_json()
    assert "m²" in text and "“continue”" in text
    assert json.loads(text)["status"] == "block"


def test_verdict_from_dict_without_details():
    d = verdict().to_dict()
    del d["details"]
    assert Verdict.from_dict(d).details == ()


def test_verdict_refuses_unknown_status():
    with pytest.raises(ValueError):
        verdict(status="maybe")


SEVERITY_FINDINGS = st.builds(
    Finding,
    rule_id=st.from_regex(r"[a-z]{2,8}\.[a-z-]{1,20}", fullmatch=True),
    severity=st.sampled_from(list(Severity)),
    message=st.text(max_size=60),
    reference=st.sampled_from([refs.SEED_PLAN.citation, refs.MOSTELLER.citation, "Rituxan US prescribing information"]),
)
DOSES = st.one_of(
    st.none(),
    st.builds(
        Quantity,
        st.floats(0.001, 1e6),
        st.sampled_from(["mg", "g", "mg/kg", "g/kg", "mg/m**2", "tablet", "capsule", "mL", "vial"]),
    ),
)


@settings(max_examples=100)
@given(
    st.lists(SEVERITY_FINDINGS, max_size=5),
    DOSES,
    st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=30), max_size=4),
    st.text(max_size=40),
)
def test_verdict_round_trip_property(findings, dose, details, recommended):
    v = Verdict(
        status=status_of(findings),
        drug="rituximab",
        ordered="rituximab 1000 mg days 1 and 15 IV",
        recommended_dose=dose,
        recommended=recommended,
        findings=findings,
        details=details,
    )
    assert v.exit_code == status_of(findings).exit_code
    again = Verdict.from_json(v.to_json())
    assert again == v
    if dose is not None:
        assert again.recommended_dose.magnitude == dose.magnitude
        assert again.recommended_dose.units == dose.units


# ---------------------------------------------------------------- jsonable


def test_jsonable_results():
    crcl = CreatinineClearance(Quantity(88.8888889, "mL/min"), Quantity(80.0, "kg"), WeightBasis.ACTUAL, "actual body weight")
    data = jsonable(
        {
            "crcl": crcl,
            "age": Quantity(54, "year"),
            "egfr": Quantity(86.16, "mL/min/std_bsa"),
            "when": dt.date(2024, 3, 1),
            "formula": BSAFormula.MOSTELLER,
            "frequency": parse_frequency("weekly x4"),
            "set": frozenset({"b", "a"}),
            "pairs": (("BSA", "1.8 m²"),),
            "none": None,
        }
    )
    assert json.loads(json.dumps(data)) == data
    assert data["crcl"] == {"value": "88.8889 mL/min", "weight_used": "80 kg", "basis": "actual", "reason": "actual body weight"}
    assert data["age"] == "54 year"
    assert data["egfr"] == "86.16 mL/min/1.73 m²"
    assert data["when"] == "2024-03-01"
    assert data["formula"] == "mosteller"
    # Frequency grew fields (weekdays, hours_apart, error_prone: contracts.md); these keep their values.
    expected = {"text": "weekly x4", "interval_days": 7, "times_per_day": 1, "count": 4, "cycle_days": None}
    assert {k: data["frequency"][k] for k in expected} == expected
    assert data["set"] == ["a", "b"]
    assert data["pairs"] == [["BSA", "1.8 m²"]]
    assert data["none"] is None


def test_jsonable_dose_check():
    check = DoseCheck(Quantity(200000, "mg"), "2 g/kg over 2 days", findings=[finding(Severity.CAUTION)], details={"weight": "100 kg"})
    data = jsonable(check)
    json.dumps(data)
    assert data["recommended_dose"] == "200000 mg"  # written out, never '2e+05 mg'
    assert data["findings"][0]["severity"] == "caution"
    assert data["details"] == [["weight", "100 kg"]]


def test_jsonable_set_of_results_is_sorted():
    findings = frozenset({finding(Severity.MAJOR, "b.rule"), finding(Severity.INFO, "a.rule")})
    data = jsonable(findings)
    assert [f["rule_id"] for f in data] == ["a.rule", "b.rule"]


def test_a_verdict_whose_status_contradicts_its_findings_is_refused():
    with pytest.raises(DoseInputError) as info:
        verdict(status="ok")  # the findings hold a contraindication
    assert info.value.parameter == "status"


@pytest.mark.parametrize(
    "change",
    [
        {"recommended_dose": {"value": 20.0, "unit": "gauss"}},       # never a magnetic unit ("MG" now reads as mg)
        {"recommended_dose": {"value": float("nan"), "unit": "mg"}},
        {"status": "maybe"},
        {"findings": [{"rule_id": "x", "severity": "severe", "message": "m", "reference": "r"}]},
        {"drug": None, "findings": "not a list"},
    ],
)
def test_from_dict_refuses_what_is_not_a_verdict(change):
    # (issue 5: upper-case "MG" from pharmacy systems is read as milligram, never megagauss: no longer refused.)
    data = {**verdict().to_dict(), **change}
    with pytest.raises(DoseInputError):
        Verdict.from_dict(data)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list(Severity)), max_size=4), st.lists(st.sampled_from([Severity.INFO, Severity.CAUTION, Severity.MAJOR]), max_size=3))
def test_status_is_decided_by_the_worst_severity(order_severities, alert_severities):
    from dosing.verdict import Status, status_of

    def findings(severities):
        return [Finding(f"r{i}", s, "m", "ref") for i, s in enumerate(severities)]

    worst = max([*order_severities, *alert_severities], default=Severity.INFO)
    expected = {Severity.CONTRAINDICATED: Status.BLOCK, Severity.MAJOR: Status.WARN, Severity.CAUTION: Status.WARN, Severity.INFO: Status.OK}[worst]
    assert status_of(findings(order_severities), findings(alert_severities)) is expected
    assert status_of(iter(findings(order_severities)), iter(findings(alert_severities))) is expected
    assert [s.rank for s in Severity] == [0, 1, 2, 3]
