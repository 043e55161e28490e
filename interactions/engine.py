"""The rule engine: declarative rules from ``rules.toml`` checked against a regimen and a patient.

A rule's condition is a conjunction of a few fields (see docs/interactions.md):

* ``drug`` / ``drug_class`` — some drug of the regimen (the order drug plus the
  current medications) is one of these drugs or belongs to one of these classes;
* ``with_drug`` / ``with_class`` — and ANOTHER drug of the regimen is one of
  these drugs or in one of these classes;
* ``patient_any`` — the patient has at least one of these conditions;
* ``patient_none`` — the patient has none of these conditions;
* ``always = true`` — the rule needs no drug at all (a finding about the patient
  that every order should surface, e.g. new-onset dysphagia).

There are deliberately no negative conditions on drugs: adding a drug to a
regimen can then only add findings, never hide one.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from dosing import references as refs
from dosing.findings import Finding, Severity
from dosing.patient import KNOWN_CONDITIONS, Patient
from dosing.references import Reference
from dosing.units import DoseInputError
from interactions.drugs import (
    DrugTable,
    InteractionDataError,
    UnknownDrugError,
    load_drug_table,
    normalize,
    read_package_toml,
    read_toml,
)

RULES_FILE = "rules.toml"
UNKNOWN_DRUG_RULE = "interactions.unknown-drug"
# Built in, like the unknown-drug finding: it compares the order with the regimen, not a condition.
DUPLICATE_RULE = "interactions.duplicate-therapy"
UNKNOWN_DRUG_REF = Reference(
    "dmdose-drug-table",
    "dmdose drug table (interactions/drugs.toml): interactions are checked only between drugs it lists",
)
# References every rule file may cite without declaring them.
BUILTIN_REFERENCES: dict[str, Reference] = {refs.SEED_PLAN.key: refs.SEED_PLAN}

_SEVERITIES = {s.value: s for s in Severity}
_DRUG_KEYS = ("drug", "drug_class", "with_drug", "with_class")
_CONDITION_KEYS = (*_DRUG_KEYS, "patient_any", "patient_none", "always")
_RULE_KEYS = frozenset({"id", "severity", "message", "reference", *_CONDITION_KEYS})
_PLACEHOLDERS = frozenset({"drug", "with_drug"})


@attrs.frozen
class Rule:
    """One validated rule. Drug fields hold canonical names / declared classes."""

    id: str
    severity: Severity
    message: str
    references: tuple[Reference, ...]
    drug: frozenset[str] = frozenset()
    drug_class: frozenset[str] = frozenset()
    with_drug: frozenset[str] = frozenset()
    with_class: frozenset[str] = frozenset()
    patient_any: frozenset[str] = frozenset()
    patient_none: frozenset[str] = frozenset()
    always: bool = False

    @property
    def reference(self) -> str:
        """The full citation text of every source, as findings carry it."""
        return "; ".join(r.citation for r in self.references)

    def _subject(self, name: str, table: DrugTable) -> bool:
        return name in self.drug or bool(self.drug_class & table.drugs[name].classes)

    def _partner(self, name: str, table: DrugTable) -> bool:
        return name in self.with_drug or bool(self.with_class & table.drugs[name].classes)

    def evaluate(self, regimen: Iterable[str], patient: Patient, table: DrugTable) -> Finding | None:
        """The finding this rule raises for ``regimen`` (canonical names) and ``patient``, if any."""
        if self.patient_any and not (self.patient_any & patient.conditions):
            return None
        if self.patient_none & patient.conditions:
            return None
        regimen = list(dict.fromkeys(regimen))
        subjects: list[str] = []
        partners: list[str] = []
        if not self.always:
            needs_partner = bool(self.with_drug or self.with_class)
            for name in regimen:
                if not self._subject(name, table):
                    continue
                mates = [other for other in regimen if other != name and self._partner(other, table)]
                if needs_partner and not mates:
                    continue
                subjects.append(name)
                partners.extend(m for m in mates if m not in partners)
            if not subjects:
                return None
        message = self.message.format(drug=", ".join(subjects), with_drug=", ".join(partners))
        return Finding(self.id, self.severity, message, self.reference)


@attrs.frozen
class CheckResult:
    """What :func:`check` found.

    ``drug`` is the canonical order drug; ``medications`` the canonical names of
    the current medications that were recognised (input order, no repeats);
    ``unknown`` the names that were not (and therefore were not checked);
    ``findings`` worst first, then by rule id.
    """

    drug: str
    medications: tuple[str, ...]
    findings: tuple[Finding, ...]
    unknown: tuple[str, ...] = ()

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None, key=lambda s: s.rank)

    @property
    def blocked(self) -> bool:
        """True when any finding is contraindicated."""
        return any(f.severity is Severity.CONTRAINDICATED for f in self.findings)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(f.rule_id for f in self.findings)


# --- loading and validation -----------------------------------------------------------------


def _names(value: Any, key: str, where: str, source: str) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise InteractionDataError(source, f"{where}: {key} must be a non-empty string or list of strings, got {value!r}")
    return frozenset(value)


def _parse_references(data: Any, source: str) -> dict[str, Reference]:
    if not isinstance(data, dict):
        raise InteractionDataError(source, "[references] must map keys to citation text")
    out = dict(BUILTIN_REFERENCES)
    for key, citation in data.items():
        if key in BUILTIN_REFERENCES:
            raise InteractionDataError(source, f"[references] {key!r} is built in (dosing.references); do not redefine it")
        if not isinstance(citation, str) or len(citation.strip()) < 20:
            raise InteractionDataError(source, f"[references] {key!r} must be the full citation text")
        out[key] = Reference(key, citation.strip())
    return out


def _check_message(message: Any, allowed: frozenset[str], where: str, source: str) -> str:
    if not isinstance(message, str) or not message.strip():
        raise InteractionDataError(source, f"{where}: message must be non-empty text saying why")
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(message) if name is not None}
    except ValueError as exc:
        raise InteractionDataError(source, f"{where}: malformed message template ({exc}); write braces as {{{{ }}}}") from None
    bad = fields - allowed
    if bad:
        raise InteractionDataError(source, f"{where}: placeholder(s) {sorted(bad)} not available in this rule's message; allowed: {sorted(allowed) or 'none'}")
    return message.strip()


def _parse_rule(raw: Any, position: int, references: dict[str, Reference], table: DrugTable, source: str) -> Rule:
    where = f"rule #{position}"
    if not isinstance(raw, dict):
        raise InteractionDataError(source, f"{where} must be a table")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise InteractionDataError(source, f"{where}: missing id")
    where = f"rule {rule_id!r}"
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise InteractionDataError(source, f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}")
    for required in ("severity", "message", "reference"):
        if required not in raw:
            raise InteractionDataError(source, f"{where}: missing {required}")
    severity = _SEVERITIES.get(raw["severity"]) if isinstance(raw["severity"], str) else None
    if severity is None:
        raise InteractionDataError(source, f"{where}: unknown severity {raw['severity']!r}; allowed: {sorted(_SEVERITIES)}")

    fields: dict[str, frozenset[str]] = {}
    for key in (*_DRUG_KEYS, "patient_any", "patient_none"):
        if key in raw:
            fields[key] = _names(raw[key], key, where, source)
    for key in ("drug", "with_drug"):
        missing = sorted(n for n in fields.get(key, ()) if n not in table.drugs)
        if missing:
            raise InteractionDataError(source, f"{where}: {key} names unknown drug(s) {missing}; use canonical names from drugs.toml")
    for key in ("drug_class", "with_class"):
        missing = sorted(n for n in fields.get(key, ()) if n not in table.classes)
        if missing:
            raise InteractionDataError(source, f"{where}: {key} names undeclared class(es) {missing}")
    for key in ("patient_any", "patient_none"):
        missing = sorted(n for n in fields.get(key, ()) if n not in KNOWN_CONDITIONS)
        if missing:
            raise InteractionDataError(source, f"{where}: {key} names unknown condition(s) {missing}; known: dosing.patient.KNOWN_CONDITIONS")
    overlap = fields.get("patient_any", frozenset()) & fields.get("patient_none", frozenset())
    if overlap:
        raise InteractionDataError(source, f"{where}: {sorted(overlap)} in both patient_any and patient_none; the rule could never fire")

    always = raw.get("always", False)
    if not isinstance(always, bool):
        raise InteractionDataError(source, f"{where}: always must be true or false")
    has_subject = "drug" in fields or "drug_class" in fields
    has_partner = "with_drug" in fields or "with_class" in fields
    if always and (has_subject or has_partner):
        raise InteractionDataError(source, f"{where}: always = true cannot be combined with drug conditions")
    if not always and not has_subject:
        # A rule with no drug would fire for every order: that must be said explicitly.
        raise InteractionDataError(source, f"{where}: needs drug or drug_class (or always = true for a patient-only finding)")
    if always and not fields.get("patient_any"):
        raise InteractionDataError(source, f"{where}: always = true needs patient_any, or it would fire for every patient")
    if has_partner and not has_subject:
        raise InteractionDataError(source, f"{where}: with_drug/with_class need drug or drug_class")

    keys = raw["reference"]
    keys = [keys] if isinstance(keys, str) else keys
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise InteractionDataError(source, f"{where}: reference must be a key or list of keys into [references]")
    missing_refs = [k for k in keys if k not in references]
    if missing_refs:
        raise InteractionDataError(source, f"{where}: unknown reference key(s) {missing_refs}; declare them in [references]")

    # {drug} needs a drug condition and {with_drug} a partner condition to name anything.
    placeholders = frozenset() if always else _PLACEHOLDERS if has_partner else _PLACEHOLDERS - {"with_drug"}
    message = _check_message(raw["message"], placeholders, where, source)
    return Rule(
        id=rule_id,
        severity=severity,
        message=message,
        references=tuple(references[k] for k in keys),
        always=always,
        **fields,
    )


def parse_rules(data: dict[str, Any], table: DrugTable, source: str) -> tuple[Rule, ...]:
    """Validate parsed rule TOML against the drug table and the condition vocabulary."""
    unknown = set(data) - {"references", "rule"}
    if unknown:
        raise InteractionDataError(source, f"unknown top-level key(s) {sorted(unknown)}; allowed: references, rule")
    references = _parse_references(data.get("references", {}), source)
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise InteractionDataError(source, "no [[rule]] entries")
    rules = [_parse_rule(raw, i + 1, references, table, source) for i, raw in enumerate(raw_rules)]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen or rule.id in (UNKNOWN_DRUG_RULE, DUPLICATE_RULE):
            raise InteractionDataError(source, f"duplicate rule id {rule.id!r}")
        seen.add(rule.id)
    return tuple(rules)


def load_rules(path: str | Path | None = None, drugs: str | Path | DrugTable | None = None) -> tuple[Rule, ...]:
    """The shipped rules (parsed once, cached), or those in ``path``; raises InteractionDataError if malformed.

    ``drugs`` is the drug table to validate against (a path or a table); the shipped one by default.
    """
    if path is None and drugs is None:
        return _shipped_rules()
    table = drugs if isinstance(drugs, DrugTable) else load_drug_table(drugs)
    if path is None:
        return parse_rules(read_package_toml(RULES_FILE), table, f"interactions/{RULES_FILE}")
    path = Path(path)
    return parse_rules(read_toml(path.read_bytes(), str(path)), table, str(path))


@functools.cache
def _shipped_rules() -> tuple[Rule, ...]:
    return parse_rules(read_package_toml(RULES_FILE), load_drug_table(), f"interactions/{RULES_FILE}")


# --- checking -------------------------------------------------------------------------------------


def _medication_names(current_medications: Any) -> tuple[str, ...]:
    if isinstance(current_medications, str):
        # A bare string would be checked letter by letter; make the caller say what they mean.
        raise DoseInputError("current_medications", f"expected a list of drug names, got the single string {current_medications!r}")
    try:
        names = tuple(current_medications)
    except TypeError:
        raise DoseInputError("current_medications", f"expected a list of drug names, got {type(current_medications).__name__}") from None
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise DoseInputError("current_medications", f"each medication must be a non-empty name, got {name!r}")
    return names


def _duplicate_finding(drug: str) -> Finding:
    return Finding.of(
        DUPLICATE_RULE,
        Severity.MAJOR,
        f"{drug} is already among the current medications: confirm this order replaces the current one, so that both "
        "are not given (the plan escalates oral methotrexate, where an oral and a subcutaneous dose could overlap).",
        refs.SEED_PLAN,
    )


def _unknown_finding(unknown: list[tuple[str, UnknownDrugError]]) -> Finding:
    parts = []
    for name, error in unknown:
        reason = f"ambiguous: {' or '.join(error.candidates)}" if error.candidates else "not in the dmdose drug table"
        parts.append(f"{name!r} ({reason})")
    message = f"cannot check interactions for {', '.join(parts)}. Check these by hand, or enter the exact generic name."
    return Finding.of(UNKNOWN_DRUG_RULE, Severity.CAUTION, message, UNKNOWN_DRUG_REF)


def check(
    drug: str,
    patient: Patient,
    current_medications: Iterable[str] = (),
    *,
    rules: tuple[Rule, ...] | None = None,
    drugs: DrugTable | None = None,
) -> CheckResult:
    """Check an order for ``drug`` against the patient and their current medications.

    The order drug must be known (else UnknownDrugError); an unknown current
    medication yields an ``interactions.unknown-drug`` CAUTION and is listed in
    ``unknown``. ``rules``/``drugs`` default to the shipped files.
    """
    if not isinstance(patient, Patient):
        raise DoseInputError("patient", f"expected a Patient, got {type(patient).__name__}")
    table, rules = _rules_and_table(rules, drugs)
    order_drug = table.resolve(drug)

    medications: list[str] = []
    unknown: dict[str, tuple[str, UnknownDrugError]] = {}  # normalized name -> first spelling, error
    for name in _medication_names(current_medications):
        try:
            canonical = table.resolve(name, parameter="current_medications")
        except UnknownDrugError as error:
            unknown.setdefault(normalize(name), (name, error))
            continue
        if canonical not in medications:
            medications.append(canonical)

    regimen = [order_drug, *medications]
    findings = [f for rule in rules if (f := rule.evaluate(regimen, patient, table)) is not None]
    if order_drug in medications:
        findings.append(_duplicate_finding(order_drug))
    if unknown:
        findings.append(_unknown_finding(list(unknown.values())))
    findings.sort(key=lambda f: (-f.severity.rank, f.rule_id))
    return CheckResult(order_drug, tuple(medications), tuple(findings), tuple(name for name, _ in unknown.values()))


def _rules_and_table(rules: Any, drugs: Any) -> tuple[DrugTable, tuple[Rule, ...]]:
    """The drug table and the rules to check with, the rules proven to speak of that table.

    Rules validated against one table and evaluated with another would silently
    match nothing (a class or drug the table does not have): refuse instead.
    """
    if drugs is not None and not isinstance(drugs, DrugTable):
        raise DoseInputError("drugs", f"expected a DrugTable (interactions.load_drug_table), got {type(drugs).__name__}")
    if rules is None:
        # The shipped rules, validated against the table actually used.
        return (load_drug_table(), load_rules()) if drugs is None else (drugs, load_rules(drugs=drugs))
    table = drugs if drugs is not None else load_drug_table()
    if isinstance(rules, (str, bytes)) or not isinstance(rules, Iterable):
        raise DoseInputError("rules", f"expected a sequence of Rule (interactions.load_rules), got {type(rules).__name__}")
    rules = tuple(rules)
    for rule in rules:
        if not isinstance(rule, Rule):
            raise DoseInputError("rules", f"expected Rule objects (interactions.load_rules), got {type(rule).__name__}")
        missing = sorted((rule.drug | rule.with_drug) - set(table.drugs)) + sorted((rule.drug_class | rule.with_class) - set(table.classes))
        if missing:
            raise InteractionDataError(
                "rules", f"rule {rule.id!r} names {missing}, which the drug table in use does not have; load the rules against that table"
            )
    return table, rules
