"""Findings: what a calculator or a rule has to tell the pharmacist."""

from __future__ import annotations

import enum

import attrs

from dosing.references import Reference


class Severity(enum.Enum):
    """Ordered from harmless to hard stop. ``contraindicated`` blocks an order."""

    INFO = "info"
    CAUTION = "caution"
    MAJOR = "major"
    CONTRAINDICATED = "contraindicated"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    # All four comparisons, so `severity >= Severity.MAJOR` works as it reads.
    def __lt__(self, other: "Severity") -> bool:
        return self.rank < other.rank if isinstance(other, Severity) else NotImplemented

    def __le__(self, other: "Severity") -> bool:
        return self.rank <= other.rank if isinstance(other, Severity) else NotImplemented

    def __gt__(self, other: "Severity") -> bool:
        return self.rank > other.rank if isinstance(other, Severity) else NotImplemented

    def __ge__(self, other: "Severity") -> bool:
        return self.rank >= other.rank if isinstance(other, Severity) else NotImplemented


@attrs.frozen
class Finding:
    """One thing to act on: a stable rule id, a severity, a plain reason, a source."""

    rule_id: str
    severity: Severity = attrs.field(converter=Severity)
    message: str
    reference: str

    @classmethod
    def of(cls, rule_id: str, severity: Severity, message: str, reference: Reference) -> "Finding":
        return cls(rule_id, severity, message, reference.citation)

    def to_dict(self) -> dict[str, str]:
        return {"rule_id": self.rule_id, "severity": self.severity.value, "message": self.message, "reference": self.reference}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> "Finding":
        return cls(data["rule_id"], Severity(data["severity"]), data["message"], data["reference"])
