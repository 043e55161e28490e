"""dmdose: unit-aware dose calculation and verification for refractory dermatomyositis."""

from dosing.api import verify
from dosing.body import BSAFormula, Sex, WeightBasis
from dosing.findings import Finding, Severity
from dosing.input.frequency import Frequency, parse_frequency
from dosing.order import Order, Route
from dosing.patient import KNOWN_CONDITIONS, Patient
from dosing.units import DoseInputError, Quantity, ureg
from dosing.verdict import DoseCheck, Status, Verdict

__all__ = [
    "BSAFormula",
    "DoseCheck",
    "DoseInputError",
    "Finding",
    "Frequency",
    "KNOWN_CONDITIONS",
    "Order",
    "Patient",
    "Quantity",
    "Route",
    "Severity",
    "Sex",
    "Status",
    "Verdict",
    "WeightBasis",
    "parse_frequency",
    "ureg",
    "verify",
]
