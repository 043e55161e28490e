"""What verification returns: a frozen verdict with a status, the recommended dose and findings."""

from __future__ import annotations

import enum
import json
import math
from typing import TYPE_CHECKING, Any

import attrs

from dosing.findings import Finding, Severity
from dosing.units import DoseInputError, parse_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from dosing.units import Qty


class Status(enum.Enum):
    OK = "ok"
    WARN = "warn"
    BLOCK = "block"

    @property
    def exit_code(self) -> int:
        return {Status.OK: 0, Status.WARN: 1, Status.BLOCK: 2}[self]


def status_of(findings: Iterable[Finding], regimen_alerts: Iterable[Finding] = ()) -> Status:
    """contraindicated blocks; major or caution warns; info alone is ok. Regimen alerts count like findings."""
    worst = 0  # the rank of info: no finding at all is ok
    for group in (findings, regimen_alerts):
        for finding in group:
            rank = finding.severity.rank
            if rank > worst:
                worst = rank
    return _STATUS_OF_RANK[worst]


# What the worst severity decides (the severity ranks of dosing.findings, listed by severity).
_STATUS_OF_RANK = {
    Severity.INFO.rank: Status.OK,
    Severity.CAUTION.rank: Status.WARN,
    Severity.MAJOR.rank: Status.WARN,
    Severity.CONTRAINDICATED.rank: Status.BLOCK,
}


def _quantity_dict(q: Qty | None) -> dict[str, Any] | None:
    return None if q is None else {"value": float(q.magnitude), "unit": str(q.units)}


def _quantity_from(data: Mapping[str, Any] | None) -> Qty | None:
    if data is None:
        return None
    value = data["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DoseInputError("recommended_dose", f"expected a finite number, got {value!r}")
    # Through the same reader as every input, so "MG" is refused rather than read as megagauss.
    dose: Qty = value * parse_text(f"1 {data['unit']}", "recommended_dose")
    return dose


@attrs.frozen
class MedicationEntry:
    """One current-medication entry as written, and what it was read as.

    ``canonical`` is None when the name could not be resolved; ``problem`` then
    says why (unknown, or ambiguous between named drugs). Unresolved entries are
    kept and shown, never dropped.
    """

    written: str
    canonical: str | None = None
    problem: str = ""

    @property
    def resolved(self) -> bool:
        return self.canonical is not None

    def to_dict(self) -> dict[str, Any]:
        return {"written": self.written, "canonical": self.canonical, "problem": self.problem}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MedicationEntry:
        written, canonical, problem = data["written"], data.get("canonical"), data.get("problem", "")
        if not isinstance(written, str) or not (canonical is None or isinstance(canonical, str)) or not isinstance(problem, str):
            raise TypeError(f"not a medication entry: {data!r}")
        return cls(written, canonical, problem)


def _strings(value: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _findings(value: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(value)


def _medications(value: Iterable[MedicationEntry]) -> tuple[MedicationEntry, ...]:
    return tuple(value)


def _details(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    # A mapping or (label, text) pairs, kept as pairs in order; a label said twice keeps its last text.
    return tuple(dict(value).items())


def _status(value: object) -> Status:
    return value if type(value) is Status else Status(value)


@attrs.frozen
class DoseCheck:
    """A drug module's answer about one order.

    ``recommended_dose`` is per administration, in the unit the order should be
    compared in; ``recommended`` says the regimen in words; ``details`` carries
    the arithmetic a pharmacist re-checks (BSA, dosing weight, vials...).
    """

    recommended_dose: Qty | None
    recommended: str
    findings: tuple[Finding, ...] = attrs.field(default=(), converter=_findings)
    details: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_details)


@attrs.frozen
class Verdict:
    """What verify answers.

    ``findings`` concern the order; ``regimen_alerts`` concern the current
    medications alone (at most major: they warn, never block the order);
    ``medications`` lists every medication entry, resolved or not;
    ``unused_conditions`` the problem-list entries no rule reads;
    ``dmdose_version`` and ``knowledge_hash`` say which code and which rule and
    drug data gave this verdict, so an audited decision can be replayed.
    """

    status: Status = attrs.field(converter=_status)
    drug: str
    ordered: str
    recommended_dose: Qty | None
    recommended: str
    findings: tuple[Finding, ...] = attrs.field(converter=_findings)
    details: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_details)
    regimen_alerts: tuple[Finding, ...] = attrs.field(default=(), converter=_findings)
    medications: tuple[MedicationEntry, ...] = attrs.field(default=(), converter=_medications)
    unused_conditions: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    dmdose_version: str = ""
    knowledge_hash: str = ""

    def __attrs_post_init__(self) -> None:
        # A regimen alert is about drugs already given: it may not block the order (docs/severity-policy.md).
        blocking = [f.rule_id for f in self.regimen_alerts if f.severity is Severity.CONTRAINDICATED]
        if blocking:
            raise DoseInputError("regimen_alerts", f"a regimen alert is at most major, got contraindicated {blocking}")
        # A verdict whose status disagrees with its findings would let a block pass as ok.
        expected = status_of(self.findings, self.regimen_alerts)
        if self.status is not expected:
            raise DoseInputError("status", f"{self.status.value!r} does not follow from the findings, which give {expected.value!r}")

    @property
    def exit_code(self) -> int:
        return self.status.exit_code

    @property
    def unresolved_medications(self) -> tuple[str, ...]:
        return tuple(m.written for m in self.medications if not m.resolved)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "drug": self.drug,
            "ordered": self.ordered,
            "recommended_dose": _quantity_dict(self.recommended_dose),
            "recommended": self.recommended,
            "findings": [f.to_dict() for f in self.findings],
            "details": dict(self.details),
            "regimen_alerts": [f.to_dict() for f in self.regimen_alerts],
            "medications": [m.to_dict() for m in self.medications],
            "unused_conditions": list(self.unused_conditions),
            "dmdose_version": self.dmdose_version,
            "knowledge_hash": self.knowledge_hash,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        try:
            return cls._from_dict(data)
        except DoseInputError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DoseInputError("verdict", f"not a dmdose verdict: {type(exc).__name__}: {exc}") from None

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        # The newer keys are optional: a verdict stored before they existed still reads (version and hash then "").
        for key in ("dmdose_version", "knowledge_hash"):
            if not isinstance(data.get(key, ""), str):
                raise TypeError(f"{key} must be text")
        return cls(
            status=Status(data["status"]),
            drug=data["drug"],
            ordered=data["ordered"],
            recommended_dose=_quantity_from(data["recommended_dose"]),
            recommended=data["recommended"],
            findings=[Finding.from_dict(f) for f in data["findings"]],
            details=data.get("details", {}),
            regimen_alerts=[Finding.from_dict(f) for f in data.get("regimen_alerts", [])],
            medications=[MedicationEntry.from_dict(m) for m in data.get("medications", [])],
            unused_conditions=list(data.get("unused_conditions", [])),
            dmdose_version=data.get("dmdose_version", ""),
            knowledge_hash=data.get("knowledge_hash", ""),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Verdict:
        return cls.from_dict(json.loads(text))
