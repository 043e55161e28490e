"""The one entry point: ``verify(order, patient, current_medications)`` → :class:`Verdict`.

It resolves the drug name, runs the drug's dose check (if dmdose has a
calculator for it) and the interaction/contraindication rules, and folds the
findings into ok / warn / block. Bad input raises :class:`DoseInputError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dosing.drugs import order_checkers
from dosing.findings import Finding, Severity
from dosing.order import Order
from dosing.patient import Patient
from dosing.references import SEED_PLAN
from dosing.units import DoseInputError, fmt
from dosing.verdict import DoseCheck, Verdict, status_of

# Drugs whose dose check uses Order.weight_basis; elsewhere it would be ignored, so it is refused.
WEIGHT_BASIS_DRUGS = frozenset({"ivig"})


def _as(cls, value, name: str):
    """An Order/Patient as given, or built from its mapping (JSON) form."""
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        return cls.from_dict(dict(value))
    raise DoseInputError(name, f"expected {cls.__name__} or a mapping, got {type(value).__name__}")


def _no_calculator(drug: str) -> DoseCheck:
    # Never let an order through as "ok" when its dose was not looked at.
    finding = Finding.of(
        "verify.no-dose-calculator",
        Severity.CAUTION,
        f"dmdose has no dose calculator for {drug}: the ordered dose was NOT checked; interactions were.",
        SEED_PLAN,
    )
    return DoseCheck(None, "no recommendation: no calculator for this drug", (finding,))


def verify(order: Order | Mapping, patient: Patient | Mapping, current_medications: Iterable[str] = ()) -> Verdict:
    """Verify one order for one patient against dose rules and interaction rules."""
    import interactions

    order = _as(Order, order, "order")
    patient = _as(Patient, patient, "patient")
    drug = interactions.resolve(order.drug)
    if order.weight_basis is not None and drug not in WEIGHT_BASIS_DRUGS:
        raise DoseInputError("weight_basis", f"only IVIG orders take a dosing weight basis; {drug} is not dosed that way")
    # The rules engine validates current_medications (names, not a bare string).
    rules = interactions.check(drug, patient, current_medications)
    checker = order_checkers().get(drug)
    dose = checker(order, patient) if checker else _no_calculator(drug)
    findings = _merge(dose.findings, rules.findings)
    ordered = f"{order.drug} {fmt(order.dose)} {order.frequency.text} {order.route.value}"
    return Verdict(
        status=status_of(findings),
        drug=drug,
        ordered=ordered,
        recommended_dose=dose.recommended_dose,
        recommended=dose.recommended,
        findings=findings,
        details=dose.details,
    )


def _merge(*groups: Iterable[Finding]) -> tuple[Finding, ...]:
    """Worst first, then by rule id; a finding said twice is kept once."""
    unique = {finding: None for group in groups for finding in group}
    return tuple(sorted(unique, key=lambda f: (-f.severity.rank, f.rule_id, f.message)))
