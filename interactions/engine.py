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

Order alerts and regimen alerts (docs/severity-policy.md): a rule's finding is
attached to the ORDER only when the ordered drug is one of the drugs the rule
matched (a subject, or the partner of a subject), or when the rule is a
patient-only ``always`` rule. What a rule finds among the current medications
alone is a REGIMEN alert: at most ``major`` (it never blocks the order, which
may well be the remedy: leucovorin or folic acid for methotrexate with
trimethoprim-sulfamethoxazole), naming the drugs to review or stop.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import string
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from dosing import references as refs
from dosing.findings import Finding, Severity
from dosing.patient import KNOWN_CONDITIONS, Patient
from dosing.references import Reference
from dosing.units import DoseInputError, memo_enabled
from dosing.verdict import MedicationEntry
from interactions.drugs import (
    DrugTable,
    InteractionDataError,
    UnknownDrugError,
    load_drug_table,
    read_package_toml,
    read_toml,
)

RULES_FILE = "rules.toml"
UNKNOWN_DRUG_RULE = "interactions.unknown-drug"
# Built in, like the unknown-drug finding: it compares the order with the regimen, not a condition.
DUPLICATE_RULE = "interactions.duplicate-therapy"
# A renewal of a drug already taken is a continuation, and a declared change replaces the current order.
CONTINUATION_RULE = "interactions.continuation"
CHANGE_RULE = "interactions.therapy-change"
BUILTIN_RULES = frozenset({UNKNOWN_DRUG_RULE, DUPLICATE_RULE, CONTINUATION_RULE, CHANGE_RULE})
# A problem among the current medications alone never blocks the order (docs/severity-policy.md).
REGIMEN_CEILING = Severity.MAJOR
INTENTS = ("new", "renewal", "change")
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

    @property
    def has_partner(self) -> bool:
        return bool(self.with_drug or self.with_class)

    def applies_to(self, patient: Patient) -> bool:
        """The rule's patient conditions hold."""
        if self.patient_any and not (self.patient_any & patient.conditions):
            return False
        return not (self.patient_none & patient.conditions)

    def matches(self, regimen: Iterable[str], table: DrugTable) -> list[tuple[str, list[str]]]:
        """Each subject drug of ``regimen`` the rule matches, with its partner drugs (patient conditions aside)."""
        regimen = list(dict.fromkeys(regimen))
        out: list[tuple[str, list[str]]] = []
        for name in regimen:
            if not self._subject(name, table):
                continue
            mates = [other for other in regimen if other != name and self._partner(other, table)]
            if self.has_partner and not mates:
                continue
            out.append((name, mates))
        return out

    def finding(self, pairs: list[tuple[str, list[str]]], severity: Severity | None = None) -> Finding:
        """The finding for matched (subject, partners) pairs; its subjects are every drug involved."""
        subjects = list(dict.fromkeys(s for s, _ in pairs))
        partners = list(dict.fromkeys(m for _, mates in pairs for m in mates))
        message = self.message.format(drug=", ".join(subjects), with_drug=", ".join(partners))
        involved = tuple(dict.fromkeys([*subjects, *partners]))
        return Finding(self.id, severity or self.severity, message, self.reference, involved)

    def evaluate(self, regimen: Iterable[str], patient: Patient, table: DrugTable) -> Finding | None:
        """The finding this rule raises for the whole ``regimen`` (canonical names) and ``patient``, if any.

        This does not tell the order from the current medications; :func:`check` does (order vs regimen alerts).
        """
        if not self.applies_to(patient):
            return None
        if self.always:
            return Finding(self.id, self.severity, self.message, self.reference)
        pairs = self.matches(regimen, table)
        return self.finding(pairs) if pairs else None

    def split(self, order_drug: str, medications: Iterable[str], patient: Patient, table: DrugTable) -> tuple[Finding | None, Finding | None]:
        """(order finding, regimen alert) of this rule for an order of ``order_drug`` on top of ``medications``."""
        if not self.applies_to(patient):
            return None, None
        if self.always:
            # A finding about the patient: every order must surface it.
            return Finding(self.id, self.severity, self.message, self.reference), None
        return self._split_matches(order_drug, self.matches([order_drug, *medications], table))

    def _split_matches(self, order_drug: str, matched: list[tuple[str, list[str]]]) -> tuple[Finding | None, Finding | None]:
        """(order finding, regimen alert) from what :meth:`matches` found in the order drug and the medications."""
        order_pairs: list[tuple[str, list[str]]] = []
        regimen_pairs: list[tuple[str, list[str]]] = []
        for subject, mates in matched:
            if subject == order_drug:
                order_pairs.append((subject, mates))
                continue
            if order_drug in mates:
                order_pairs.append((subject, [order_drug]))
            others = [m for m in mates if m != order_drug]
            if others or not self.has_partner:
                regimen_pairs.append((subject, others))
        order = self.finding(order_pairs) if order_pairs else None
        return order, self._regimen_alert(regimen_pairs, order_drug) if regimen_pairs else None

    def _regimen_alert(self, pairs: list[tuple[str, list[str]]], order_drug: str) -> Finding:
        found = self.finding(pairs, min(self.severity, REGIMEN_CEILING))
        names = " and ".join(found.subjects)
        if self.severity is Severity.CONTRAINDICATED:
            advice = f"The source says not to give this: review {names} and stop what the message names."
        else:
            advice = f"Review {names}."
        message = (
            f"Regimen alert, current medications only (not the ordered {order_drug}): {found.message} {advice} "
            f"This does not block the {order_drug} order."
        )
        return attrs.evolve(found, message=message)


@attrs.frozen
class CheckResult:
    """What :func:`check` found.

    ``drug`` is the canonical order drug; ``medications`` the canonical names of
    the current medications that were recognised (input order, no repeats);
    ``unknown`` the names that were not (and therefore were not checked);
    ``findings`` worst first, then by rule id: what concerns the order drug;
    ``regimen_alerts`` likewise: what concerns the current medications alone
    (at most major, they never block the order); ``entries`` every medication
    entry as written, resolved to its canonical name or not.
    """

    drug: str
    medications: tuple[str, ...]
    findings: tuple[Finding, ...]
    unknown: tuple[str, ...] = ()
    regimen_alerts: tuple[Finding, ...] = ()
    entries: tuple[MedicationEntry, ...] = ()

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
        parts = list(string.Formatter().parse(message))
    except ValueError as exc:
        raise InteractionDataError(source, f"{where}: malformed message template ({exc}); write braces as {{{{ }}}}") from None
    fields = set()
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        # Named placeholders only: a format spec ("{drug:>999999999}") could size a message to any width, and
        # attribute or index access ("{drug.__class__}", "{drug[0]}") reaches past the text.
        if not name.isidentifier() or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise InteractionDataError(
                source, f"{where}: placeholder {shown} is not allowed; write a bare named placeholder such as {{drug}}, without format spec, conversion, attribute or index"
            )
        fields.add(name)
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
        if rule.id in seen or rule.id in BUILTIN_RULES:
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
    if isinstance(current_medications, Mapping):
        # {"Bactrim": false} would be read by its keys, listing the drug the caller meant to exclude.
        raise DoseInputError("current_medications", "expected a list of drug names, not a mapping")
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


def _intent(intent: Any) -> str:
    """The order's intent as text: new (default), renewal or change."""
    if intent is None:
        return "new"
    value = getattr(intent, "value", intent)  # dosing.order.OrderIntent, or its text
    if not isinstance(value, str) or value.strip().lower() not in INTENTS:
        raise DoseInputError("intent", f"expected one of {', '.join(INTENTS)}, got {intent!r}")
    return value.strip().lower()


def _same_drug_finding(drug: str, intent: str) -> Finding:
    """An order for a drug already among the current medications, graded by what the order says it is."""
    if intent == "renewal":
        # Continuing the current therapy is the common case; calling it "duplicate" trains people to override.
        return Finding.of(
            CONTINUATION_RULE,
            Severity.INFO,
            f"Continuation of current therapy: {drug} is already among the current medications and this order renews it, "
            "so it is not duplicate therapy. If the product, dose or route differs from the current one, it is a change: "
            "make sure the current order is stopped.",
            refs.SEED_PLAN,
            (drug,),
        )
    if intent == "change":
        return Finding.of(
            CHANGE_RULE,
            Severity.CAUTION,
            f"Change of current therapy: {drug} is already among the current medications and this order changes it. "
            "Make sure the current order is stopped so that the old and the new dose are not both given.",
            refs.SEED_PLAN,
            (drug,),
        )
    return Finding.of(
        DUPLICATE_RULE,
        Severity.MAJOR,
        f"{drug} is already among the current medications: confirm this order replaces the current one, so that both "
        "are not given (the plan escalates oral methotrexate, where an oral and a subcutaneous dose could overlap). "
        "If it continues the current therapy, say so (intent: renewal).",
        refs.SEED_PLAN,
        (drug,),
    )


def _side(names: frozenset[str], classes: frozenset[str], table: DrugTable) -> str:
    """A rule's drug side in words: its drugs and its classes' descriptions."""
    return " or ".join([*sorted(names), *(table.classes[c] for c in sorted(classes))])


def hideable_interactions(order_drug: str, rules: Iterable[Rule], table: DrugTable) -> list[tuple[Rule, str]]:
    """The drug-drug rules of ``major`` or worse that involve ``order_drug``, each with the other side in words.

    An unresolved co-medication could be the other side of any of these, so it cannot be ruled out.
    """
    out = []
    for rule in rules:
        if not rule.has_partner or rule.severity < Severity.MAJOR:
            continue
        if rule._subject(order_drug, table):
            out.append((rule, _side(rule.with_drug, rule.with_class, table)))
        elif rule._partner(order_drug, table):
            out.append((rule, _side(rule.drug, rule.drug_class, table)))
    return out


def _unknown_finding(unknown: list[tuple[str, UnknownDrugError]], order_drug: str, hidden: Sequence[tuple[Rule, str]]) -> Finding:
    parts = []
    for name, error in unknown:
        if error.candidates:
            reason = f"ambiguous: {' or '.join(error.candidates)}"
        elif error.topical:
            reason = "a topical, eye or ear product: dmdose checks systemic drugs only"
        else:
            reason = "not in the dmdose drug table"
        parts.append(f"{name!r} ({reason})")
    message = f"cannot check interactions for {', '.join(parts)}. Check these by hand, or enter the exact generic name."
    # A product read as topical is identified, not unknown: it cannot be the systemic drug an
    # interaction needs, so it alone does not raise the finding to major (it stays a caution).
    if all(error.topical for _, error in unknown):
        hidden = ()
    if not hidden:
        return Finding.of(UNKNOWN_DRUG_RULE, Severity.CAUTION, message, UNKNOWN_DRUG_REF)
    # The unread entry could be the very drug this order must not meet (issue 5): a prescriber must confirm.
    worst = max(rule.severity for rule, _ in hidden)
    could_hide = "; ".join(f"{order_drug} with {other} ({rule.severity.value}, {rule.id})" for rule, other in hidden)
    message += f" These interactions of {order_drug} could not be ruled out: {could_hide}. Identify the medication before giving {order_drug}."
    reference = "; ".join(dict.fromkeys([UNKNOWN_DRUG_REF.citation, *(rule.reference for rule, _ in hidden if rule.severity is worst)]))
    return Finding(UNKNOWN_DRUG_RULE, Severity.MAJOR, message, reference, (order_drug,))


def _sorted(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (-f.severity.rank, f.rule_id)))


def check(
    drug: str,
    patient: Patient,
    current_medications: Iterable[str] = (),
    *,
    rules: tuple[Rule, ...] | None = None,
    drugs: DrugTable | None = None,
    intent: Any = None,
) -> CheckResult:
    """Check an order for ``drug`` against the patient and their current medications.

    The order drug must be known (else UnknownDrugError). An unknown current
    medication is listed in ``unknown`` and yields an ``interactions.unknown-drug``
    finding: CAUTION, or MAJOR when it could hide a major or contraindicated
    interaction of the order drug. ``intent`` (new | renewal | change, or an
    OrderIntent) grades an order for a drug already taken. ``rules``/``drugs``
    default to the shipped files.
    """
    if not isinstance(patient, Patient):
        raise DoseInputError("patient", f"expected a Patient, got {type(patient).__name__}")
    intent_text = _intent(intent)
    table, rule_set = _rules_and_table(rules, drugs)
    order_drug = table.resolve(drug)

    medications: list[str] = []
    entries: list[MedicationEntry] = []
    unknown: dict[str, tuple[str, UnknownDrugError]] = {}  # normalized name -> first spelling, error
    for name in _medication_names(current_medications):
        # One reading per name: the matching key comes with it.
        canonical, key = table.outcome(name, parameter="current_medications")
        if isinstance(canonical, UnknownDrugError):
            unknown.setdefault(key, (name, canonical))
            entries.append(MedicationEntry(name, None, canonical.problem))
            continue
        entries.append(MedicationEntry(name, canonical))
        if canonical not in medications:
            medications.append(canonical)

    findings: list[Finding] = []
    regimen_alerts: list[Finding] = []
    others = [m for m in medications if m != order_drug]
    if memo_enabled():
        compiled = _compiled(rule_set, table)
        pairs = compiled.split(order_drug, others, patient)
        hidden: Sequence[tuple[Rule, str]] = compiled.hideable(order_drug) if unknown else ()
    else:
        # The reference path (dosing.units.memo_off): every rule tried in full, nothing precomputed.
        pairs = [rule.split(order_drug, others, patient, table) for rule in rule_set]
        hidden = hideable_interactions(order_drug, rule_set, table) if unknown else []
    for order_finding, regimen_alert in pairs:
        if order_finding is not None:
            findings.append(order_finding)
        if regimen_alert is not None:
            regimen_alerts.append(regimen_alert)
    if order_drug in medications:
        findings.append(_same_drug_finding(order_drug, intent_text))
    if unknown:
        findings.append(_unknown_finding(list(unknown.values()), order_drug, hidden))
    return CheckResult(
        order_drug,
        tuple(medications),
        _sorted(findings),
        tuple(name for name, _ in unknown.values()),
        _sorted(regimen_alerts),
        tuple(entries),
    )


@attrs.frozen(eq=False)
class _Compiled:
    """What checking needs of one rule set over one drug table, worked out once (issue 8).

    ``subjects[i]`` / ``partners[i]`` are the canonical drugs that rule ``i`` names on either side, its
    classes spread into their drugs, so that a rule is matched by set membership. The indexes list each
    rule under what it cannot fire without, so that an order tries only the rules its regimen and patient
    could trigger (each still checked in full):

    * a drug-drug rule under every (subject, partner) pair of distinct drugs;
    * a drug rule that needs a condition (``patient_any``) under every (subject, condition);
    * any other drug rule under each subject;
    * an ``always`` rule under each of its ``patient_any`` conditions, or in ``unconditional``.
    """

    rules: tuple[Rule, ...]
    table: DrugTable
    subjects: tuple[frozenset[str], ...]
    partners: tuple[frozenset[str], ...]
    by_pair: dict[tuple[str, str], tuple[int, ...]]
    by_drug_condition: dict[tuple[str, str], tuple[int, ...]]
    by_drug: dict[str, tuple[int, ...]]
    by_condition: dict[str, tuple[int, ...]]
    unconditional: tuple[int, ...]
    _hideable: dict[str, tuple[tuple[Rule, str], ...]] = attrs.field(factory=dict, init=False)

    @classmethod
    def build(cls, rules: tuple[Rule, ...], table: DrugTable) -> _Compiled:
        in_class: dict[str, set[str]] = {}
        for drug in table.drugs.values():
            for drug_class in drug.classes:
                in_class.setdefault(drug_class, set()).add(drug.name)

        def spread(names: frozenset[str], classes: frozenset[str]) -> frozenset[str]:
            # The drugs Rule._subject / Rule._partner accept: named ones, and every member of a named class.
            return frozenset(names & table.drugs.keys()).union(*(in_class.get(c, ()) for c in classes))

        subjects = tuple(spread(rule.drug, rule.drug_class) for rule in rules)
        partners = tuple(spread(rule.with_drug, rule.with_class) for rule in rules)
        by_pair: dict[tuple[str, str], list[int]] = {}
        by_drug_condition: dict[tuple[str, str], list[int]] = {}
        by_drug: dict[str, list[int]] = {}
        by_condition: dict[str, list[int]] = {}
        unconditional: list[int] = []
        for position, rule in enumerate(rules):
            if rule.always:
                for condition in rule.patient_any:
                    by_condition.setdefault(condition, []).append(position)
                if not rule.patient_any:
                    unconditional.append(position)
            elif rule.has_partner:
                for subject in subjects[position]:
                    for partner in partners[position] - {subject}:
                        by_pair.setdefault((subject, partner), []).append(position)
            elif rule.patient_any:
                for subject in subjects[position]:
                    for condition in rule.patient_any:
                        by_drug_condition.setdefault((subject, condition), []).append(position)
            else:
                for subject in subjects[position]:
                    by_drug.setdefault(subject, []).append(position)
        return cls(
            rules,
            table,
            subjects,
            partners,
            {key: tuple(p) for key, p in by_pair.items()},
            {key: tuple(p) for key, p in by_drug_condition.items()},
            {key: tuple(p) for key, p in by_drug.items()},
            {key: tuple(p) for key, p in by_condition.items()},
            tuple(unconditional),
        )

    def candidates(self, regimen: list[str], conditions: frozenset[str]) -> list[int]:
        """The positions, in file order, of every rule that could find anything for ``regimen`` and ``conditions``."""
        positions = set(self.unconditional)
        for condition in conditions:
            positions.update(self.by_condition.get(condition, ()))
        for name in regimen:
            positions.update(self.by_drug.get(name, ()))
            for condition in conditions:
                positions.update(self.by_drug_condition.get((name, condition), ()))
            for other in regimen:
                if other != name:
                    positions.update(self.by_pair.get((name, other), ()))
        return sorted(positions)

    def split(self, order_drug: str, others: list[str], patient: Patient) -> list[tuple[Finding | None, Finding | None]]:
        """Rule.split of every rule that can find anything, in file order; ``others`` are distinct and not the order drug."""
        regimen = [order_drug, *others]
        out: list[tuple[Finding | None, Finding | None]] = []
        for position in self.candidates(regimen, patient.conditions):
            rule = self.rules[position]
            if not rule.applies_to(patient):
                continue
            if rule.always:
                out.append((Finding(rule.id, rule.severity, rule.message, rule.reference), None))
                continue
            # Rule.matches with the precomputed sides; the regimen already has no repeats.
            subjects = self.subjects[position]
            partners = self.partners[position]
            matched: list[tuple[str, list[str]]] = []
            for name in regimen:
                if name in subjects:
                    mates = [other for other in regimen if other != name and other in partners]
                    if mates or not rule.has_partner:
                        matched.append((name, mates))
            out.append(rule._split_matches(order_drug, matched))
        return out

    def hideable(self, order_drug: str) -> tuple[tuple[Rule, str], ...]:
        """hideable_interactions(order_drug), once per drug."""
        found = self._hideable.get(order_drug)
        if found is None:
            found = self._hideable[order_drug] = tuple(hideable_interactions(order_drug, self.rules, self.table))
        return found


_COMPILED: dict[int, _Compiled] = {}


def _compiled(rules: tuple[Rule, ...], table: DrugTable) -> _Compiled:
    """The compiled form of ``rules`` over ``table``, built on first use and kept for the last few rule sets."""
    entry = _COMPILED.get(id(rules))
    if entry is None or entry.rules is not rules or entry.table is not table:
        if len(_COMPILED) >= 16:
            _COMPILED.clear()
        entry = _COMPILED[id(rules)] = _Compiled.build(rules, table)
    return entry


@functools.cache
def knowledge_hash() -> str:
    """sha256 of the shipped rule and drug data (every interactions/*.toml), so an audited verdict can be replayed."""
    digest = hashlib.sha256()
    files = sorted((f for f in importlib.resources.files("interactions").iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    for file in files:
        # The name is hashed too: moving a rule from one file to another is a change of knowledge.
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()


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
