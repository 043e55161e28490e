"""What verification returns: a frozen verdict with a status, the recommended dose and findings."""

from __future__ import annotations

import enum
import json
import math

import attrs
import pint

from dosing.findings import Finding, Severity
from dosing.units import DoseInputError, parse_text


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
    if data is None:
        return None
    value = data["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DoseInputError("recommended_dose", f"expected a finite number, got {value!r}")
    # Through the same reader as every input, so "MG" is refused rather than read as megagauss.
    return value * parse_text(f"1 {data['unit']}", "recommended_dose")


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

    def __attrs_post_init__(self) -> None:
        # A verdict whose status disagrees with its findings would let a block pass as ok.
        expected = status_of(self.findings)
        if self.status is not expected:
            raise DoseInputError("status", f"{self.status.value!r} does not follow from the findings, which give {expected.value!r}")

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
        try:
            return cls._from_dict(data)
        except DoseInputError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DoseInputError("verdict", f"not a dmdose verdict: {type(exc).__name__}: {exc}") from None

    @classmethod
    def _from_dict(cls, data: dict) -> "Verdict":
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
