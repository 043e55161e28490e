"""What verification returns: a frozen verdict with a status, the recommended dose and findings."""

from __future__ import annotations

import enum
import json

import attrs
import pint

from dosing.findings import Finding, Severity
from dosing.units import Quantity


class Status(enum.Enum):
    OK = "ok"
    WARN = "warn"
    BLOCK = "block"

    @property
    def exit_code(self) -> int:
        return {Status.OK: 0, Status.WARN: 1, Status.BLOCK: 2}[self]


def status_of(findings) -> Status:
    """contraindicated blocks; major or caution warns; info alone is ok."""
    worst = max((f.severity for f in findings), default=Severity.INFO, key=lambda s: s.rank)
    if worst is Severity.CONTRAINDICATED:
        return Status.BLOCK
    if worst in (Severity.MAJOR, Severity.CAUTION):
        return Status.WARN
    return Status.OK


def _quantity_dict(q: pint.Quantity | None):
    return None if q is None else {"value": float(q.magnitude), "unit": str(q.units)}


def _quantity_from(data) -> pint.Quantity | None:
    return None if data is None else Quantity(data["value"], data["unit"])


@attrs.frozen
class DoseCheck:
    """A drug module's answer about one order.

    ``recommended_dose`` is per administration, in the unit the order should be
    compared in; ``recommended`` says the regimen in words; ``details`` carries
    the arithmetic a pharmacist re-checks (BSA, dosing weight, vials...).
    """

    recommended_dose: pint.Quantity | None
    recommended: str
    findings: tuple[Finding, ...] = attrs.field(default=(), converter=tuple)
    details: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=lambda d: tuple(dict(d).items()))


@attrs.frozen
class Verdict:
    status: Status = attrs.field(converter=Status)
    drug: str
    ordered: str
    recommended_dose: pint.Quantity | None
    recommended: str
    findings: tuple[Finding, ...] = attrs.field(converter=tuple)
    details: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=lambda d: tuple(dict(d).items()))

    @property
    def exit_code(self) -> int:
        return self.status.exit_code

    def to_dict(self) -> dict:
        return {
            "status": self.status.value,
            "drug": self.drug,
            "ordered": self.ordered,
            "recommended_dose": _quantity_dict(self.recommended_dose),
            "recommended": self.recommended,
            "findings": [f.to_dict() for f in self.findings],
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Verdict":
        return cls(
            status=Status(data["status"]),
            drug=data["drug"],
            ordered=data["ordered"],
            recommended_dose=_quantity_from(data["recommended_dose"]),
            recommended=data["recommended"],
            findings=[Finding.from_dict(f) for f in data["findings"]],
            details=data.get("details", {}),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Verdict":
        return cls.from_dict(json.loads(text))
