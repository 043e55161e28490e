"""A medication order as written: drug, dose, frequency, route, indication."""

from __future__ import annotations

import datetime as dt
import enum

import attrs
import pint

from dosing.body import WeightBasis, optional_weight_basis
from dosing.input.fields import choice, optional_iso_date, record
from dosing.input.frequency import Frequency, parse_frequency
from dosing.units import DoseInputError, fmt, is_mass_ratio, parse_text, ureg

# What a dose may be written as. Anything else (a volume of an unknown product,
# a rate) is refused at the door rather than misread by a calculator.
DOSE_UNITS = {
    "mg": "mass",
    "mg/kg": "dose per mass",
    "mg/m**2": "dose per area",
    "tablet": "tablet count",
    "capsule": "capsule count",
    "mL": "volume",
}


class Route(enum.Enum):
    ORAL = "oral"
    SUBCUTANEOUS = "subcutaneous"
    INTRAVENOUS = "intravenous"
    INTRAMUSCULAR = "intramuscular"

    @classmethod
    def parse(cls, value: "Route | str") -> "Route":
        aliases = {
            "po": cls.ORAL, "by mouth": cls.ORAL,
            "sc": cls.SUBCUTANEOUS, "subcut": cls.SUBCUTANEOUS, "sq": cls.SUBCUTANEOUS, "sc injection": cls.SUBCUTANEOUS,
            "iv": cls.INTRAVENOUS, "iv infusion": cls.INTRAVENOUS,
            "im": cls.INTRAMUSCULAR,
        }
        return choice(cls, value, "route", aliases)


def _dose(value) -> pint.Quantity:
    from dosing.units import quantity

    if isinstance(value, str):
        value = parse_text(value, "dose")
    if not isinstance(value, pint.Quantity):
        raise DoseInputError("dose", f"expected a dose with its unit (e.g. '20 mg', '6 tablets', '2 g/kg'), got {value!r}")
    for unit, dimension in DOSE_UNITS.items():
        if value.is_compatible_with(unit) and (not value.dimensionless or is_mass_ratio(value)):
            return quantity(value, "dose", dimension, unit=str(value.units), maximum=None)
    if any(ureg.Quantity(1, name).check("[time]") and power < 0 for name, power in value.units._units.items()):
        # "1 g/kg/day", "400 mg/day": the rate belongs in the frequency.
        raise DoseInputError(
            "dose", f"{fmt(value)} is a rate: write the amount per administration (e.g. '1 g/kg', '200 mg') and let the "
            "frequency carry the days ('daily for 2 days every 4 weeks', 'BID')"
        )
    raise DoseInputError("dose", f"{fmt(value)} is not a dose: expected mg, mg/kg, mg/m², tablets, capsules or mL")


def _text(parameter: str):
    def convert(value) -> str:
        if not isinstance(value, str) or not value.strip():
            raise DoseInputError(parameter, f"expected a non-empty text, got {value!r}")
        return value.strip()

    return convert


@attrs.frozen
class Order:
    """One order to verify. ``drug`` is as written (brand or generic); verify resolves it."""

    drug: str = attrs.field(converter=_text("drug"))
    dose: pint.Quantity = attrs.field(converter=_dose)
    frequency: Frequency = attrs.field(converter=parse_frequency)
    route: Route = attrs.field(converter=Route.parse)
    indication: str = attrs.field(default="dermatomyositis", converter=_text("indication"))
    start_date: dt.date | None = attrs.field(default=None, converter=optional_iso_date)
    # A dose above a hard cap may be given only with a written clinical reason.
    override_reason: str | None = attrs.field(default=None, converter=lambda v: None if v is None else _text("override_reason")(v))
    # The prescriber's choice of IVIG dosing weight (actual / ideal / adjusted),
    # e.g. for a patient under 5 ft, where Devine's IBW is not defined.
    weight_basis: WeightBasis | None = attrs.field(default=None, converter=optional_weight_basis)

    def to_dict(self) -> dict:
        return {
            "drug": self.drug,
            "dose": f"{self.dose.magnitude!r} {self.dose.units}",
            "frequency": self.frequency.text,
            "route": self.route.value,
            "indication": self.indication,
            "start_date": None if self.start_date is None else self.start_date.isoformat(),
            "override_reason": self.override_reason,
            "weight_basis": None if self.weight_basis is None else self.weight_basis.value,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Order":
        allowed = [f.name for f in attrs.fields(cls)]
        return cls(**record(data, "order", allowed, required=["drug", "dose", "frequency", "route"]))
