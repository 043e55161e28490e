"""Findings: what a calculator or a rule has to tell the pharmacist."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

import attrs

from dosing.references import Reference

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


class Severity(enum.Enum):
    """Ordered from harmless to hard stop. ``contraindicated`` blocks an order."""

    INFO = "info"
    CAUTION = "caution"
    MAJOR = "major"
    CONTRAINDICATED = "contraindicated"

    _rank: int  # set below, once: not a member

    @property
    def rank(self) -> int:
        return self._rank

    # All four comparisons, so `severity >= Severity.MAJOR` works as it reads.
    def __lt__(self, other: "Severity") -> bool:
        return self.rank < other.rank if isinstance(other, Severity) else NotImplemented

    def __le__(self, other: "Severity") -> bool:
        return self.rank <= other.rank if isinstance(other, Severity) else NotImplemented

    def __gt__(self, other: "Severity") -> bool:
        return self.rank > other.rank if isinstance(other, Severity) else NotImplemented

    def __ge__(self, other: "Severity") -> bool:
        return self.rank >= other.rank if isinstance(other, Severity) else NotImplemented


# The declaration order, kept on each member rather than recounted or looked up by the enum's
# hash: every sort of findings and every verdict's status asks for it (issue 8).
_RANKS = {severity: position for position, severity in enumerate(Severity)}
for _member, _position in _RANKS.items():
    _member._rank = _position
del _member, _position


def _severity(value: object) -> Severity:
    # Findings are made by the dozen per order, nearly always with a Severity already (issue 8).
    return value if type(value) is Severity else Severity(value)


def _subjects(value: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        # A bare string would become a tuple of letters.
        return (value,)
    return tuple(value)


@attrs.frozen
class Finding:
    """One thing to act on: a stable rule id, a severity, a plain reason, a source.

    ``subjects`` names the canonical drugs the finding is about (empty for a
    finding about the patient or the order's arithmetic). A finding that blocks
    an order names the ordered drug among them (docs/severity-policy.md).
    """

    rule_id: str
    severity: Severity = attrs.field(converter=_severity)
    message: str
    reference: str
    subjects: tuple[str, ...] = attrs.field(default=(), converter=_subjects)

    @classmethod
    def of(cls, rule_id: str, severity: Severity, message: str, reference: Reference, subjects: str | Iterable[str] = ()) -> Finding:
        return cls(rule_id, severity, message, reference.citation, subjects)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"rule_id": self.rule_id, "severity": self.severity.value, "message": self.message, "reference": self.reference}
        if self.subjects:
            # Omitted when empty, so findings about no drug serialise as they always have.
            data["subjects"] = list(self.subjects)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        subjects = data.get("subjects", ())
        if isinstance(subjects, str) or not all(isinstance(s, str) for s in subjects):
            raise TypeError(f"subjects must be a list of drug names, got {subjects!r}")
        return cls(data["rule_id"], Severity(data["severity"]), data["message"], data["reference"], tuple(subjects))
