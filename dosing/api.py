"""The one entry point: ``verify(order, patient, current_medications)`` → :class:`Verdict`.

It resolves the drug name, runs the drug's dose check (if dmdose has a
calculator for it) and the interaction/contraindication rules, and folds the
findings into ok / warn / block. Bad input raises :class:`DoseInputError`.
What blocks, warns and informs, and why: docs/severity-policy.md.
"""

from __future__ import annotations

import functools
import importlib.metadata
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from dosing.drugs import order_checker
from dosing.findings import Finding, Severity
from dosing.order import Order
from dosing.patient import Patient
from dosing.references import SEED_PLAN
from dosing.units import DoseInputError, fmt, memo
from dosing.verdict import DoseCheck, Verdict, status_of

# Drugs whose dose check uses Order.weight_basis; elsewhere it would be ignored, so it is refused.
WEIGHT_BASIS_DRUGS = frozenset({"ivig"})
NO_FOLATE_RULE = "verify.no-folic-acid"


_Read = TypeVar("_Read", Order, Patient)


def _as(cls: type[_Read], value: object, name: str) -> _Read:
    """An Order/Patient as given, or built from its mapping (JSON) form."""
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        return cls.from_dict(dict(value))
    raise DoseInputError(name, f"expected {cls.__name__} or a mapping, got {type(value).__name__}")


@memo(maxsize=256)
def _no_calculator(drug: str) -> DoseCheck:
    # Never let an order through as "ok" when its dose was not looked at. (A frozen answer: once per drug.)
    finding = Finding.of(
        "verify.no-dose-calculator",
        Severity.CAUTION,
        f"dmdose has no dose calculator for {drug}: the ordered dose was NOT checked; interactions were.",
        SEED_PLAN,
        (drug,),
    )
    return DoseCheck(None, "no recommendation: no calculator for this drug", (finding,))


@functools.cache
def dmdose_version() -> str:
    """The installed dmdose version, or pyproject's when run from a source tree that is not installed."""
    try:
        return importlib.metadata.version("dmdose")
    except importlib.metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            version: str = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
            return version + "+source"
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def _folate_check(drug: str, medications: tuple[str, ...], complete: bool, unresolved: tuple[str, ...]) -> tuple[Finding | None, Finding | None]:
    """(order finding, regimen alert) when methotrexate is given without folic acid on a complete medication list.

    The one check that a drug ADDED to the list can remove (folic acid itself): it reads an absence, so it runs
    only when the caller declares the list complete.
    """
    import interactions

    if not complete:
        return None, None
    given = [drug, *medications]
    # Folinic acid (leucovorin) supplements folate as well (ACR 2021 names folic or folinic acid).
    if "methotrexate" not in given or any(m == "leucovorin" or "folate" in interactions.classes_of(m) for m in given):
        return None, None
    from dosing.drugs.methotrexate import ACR_RA_2021  # here: only a methotrexate regimen needs the module

    unread = f" ({', '.join(repr(u) for u in unresolved)} could not be read: if one is a folate, enter its generic name)" if unresolved else ""
    finding = Finding(
        NO_FOLATE_RULE,
        Severity.CAUTION,
        "No folic acid on a complete medication list while on methotrexate: the plan continues folic acid 1 mg daily, "
        f"and folic acid supplementation is recommended for every patient on methotrexate{unread}. Add it, or confirm why not.",
        f"{SEED_PLAN.citation}; {ACR_RA_2021.citation}",
        ("methotrexate",),
    )
    return (finding, None) if drug == "methotrexate" else (None, finding)


def verify(
    order: Order | Mapping[str, Any],
    patient: Patient | Mapping[str, Any],
    current_medications: Iterable[str] = (),
    *,
    medications_complete: bool = False,
) -> Verdict:
    """Verify one order for one patient against dose rules and interaction rules.

    ``medications_complete``: the caller declares that ``current_medications``
    is the patient's whole list, so an absence means something (methotrexate
    without folic acid is then a caution).
    """
    import interactions

    if not isinstance(medications_complete, bool):
        raise DoseInputError("medications_complete", f"expected true or false, got {medications_complete!r}")
    order = _as(Order, order, "order")
    patient = _as(Patient, patient, "patient")
    drug = interactions.resolve(order.drug)
    if order.weight_basis is not None and drug not in WEIGHT_BASIS_DRUGS:
        raise DoseInputError("weight_basis", f"only IVIG orders take a dosing weight basis; {drug} is not dosed that way")
    # The rules engine validates current_medications (names, not a bare string).
    rules = interactions.check(drug, patient, current_medications, intent=getattr(order, "intent", None))
    checker = order_checker(drug)
    dose = checker(order, patient) if checker else _no_calculator(drug)
    folate_finding, folate_alert = _folate_check(drug, rules.medications, medications_complete, rules.unknown)
    findings = _merge(
        dose.findings,
        rules.findings,
        getattr(order, "reading_findings", ()),
        getattr(patient, "condition_findings", ()),
        [folate_finding] if folate_finding else (),
    )
    regimen_alerts = _merge(rules.regimen_alerts, [folate_alert] if folate_alert else ())
    ordered = f"{order.drug} {fmt(order.dose)} {order.frequency.text} {order.route.value}"
    return Verdict(
        status=status_of(findings, regimen_alerts),
        drug=drug,
        ordered=ordered,
        recommended_dose=dose.recommended_dose,
        recommended=dose.recommended,
        findings=findings,
        details=dose.details,
        regimen_alerts=regimen_alerts,
        medications=rules.entries,
        unused_conditions=tuple(getattr(patient, "unused_conditions", ())),
        dmdose_version=dmdose_version(),
        knowledge_hash=interactions.knowledge_hash(),
    )


def _merge(*groups: Iterable[Finding]) -> tuple[Finding, ...]:
    """Worst first, then by rule id; a finding said twice is kept once."""
    unique = {finding: None for group in groups for finding in group}
    if len(unique) < 2:
        return tuple(unique)
    return tuple(sorted(unique, key=_worst_first))


def _worst_first(finding: Finding) -> tuple[int, str, str]:
    return -finding.severity.rank, finding.rule_id, finding.message
