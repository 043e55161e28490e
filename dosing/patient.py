"""The patient as a frozen value: size, kidney function, and conditions that change what is safe."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import pint

from dosing import body
from dosing.input.fields import record
from dosing.units import DoseInputError, fmt_floor

# The vocabulary of patient conditions the rules understand. A condition outside
# it is refused: a misspelt "pregancy" must not silently disable a contraindication.
KNOWN_CONDITIONS: dict[str, str] = {
    "pregnancy": "pregnant or planning pregnancy",
    "breastfeeding": "breastfeeding",
    "hepatitis_b_active": "active or chronic hepatitis B (HBsAg positive)",
    "hepatitis_b_past": "resolved hepatitis B (anti-HBc positive, HBsAg negative)",
    "hepatitis_b_unscreened": "hepatitis B status not yet screened",
    "iga_deficiency": "IgA deficiency",
    "iga_deficiency_with_anti_iga": "IgA deficiency with anti-IgA antibodies",
    "renal_impairment": "renal impairment",
    "hepatic_impairment": "hepatic impairment",
    "liver_disease": "chronic liver disease",
    "alcohol_use": "regular alcohol use",
    "gi_perforation_history": "history of gastrointestinal perforation",
    "diverticulitis": "diverticulitis (current or history)",
    "gi_symptoms": "current gastrointestinal symptoms",
    "thrombosis_risk": "thrombosis risk (prior VTE/arterial thrombosis, immobility, hyperviscosity, estrogens)",
    "dysphagia_new_onset": "new-onset dysphagia",
    "cardiac_symptoms": "cardiac symptoms (chest or jaw pain, dyspnoea, palpitations)",
    "heart_failure": "heart failure",
    "active_infection": "active serious infection",
    "live_vaccine_planned": "live vaccine recently given or planned",
}


def _conditions(values) -> frozenset[str]:
    if isinstance(values, str):
        values = [values]
    if isinstance(values, Mapping):
        # {"pregnancy": false} would be read by its keys: say the conditions present, as a list.
        raise DoseInputError("conditions", "expected a list of the conditions present, not a mapping")
    if values is None or not hasattr(values, "__iter__"):
        raise DoseInputError("conditions", f"expected a list of condition names (empty if none), got {values!r}")
    out = set()
    for raw in values:
        name = str(raw).strip().lower().replace("-", "_").replace(" ", "_")
        if name not in KNOWN_CONDITIONS:
            raise DoseInputError("conditions", f"unknown condition {raw!r}; known: {', '.join(sorted(KNOWN_CONDITIONS))}")
        out.add(name)
    return frozenset(out)


def known_egfr(patient: "Patient", given=None) -> tuple[pint.Quantity | None, str]:
    """eGFR (given, or CKD-EPI 2021 from the patient) and where it came from; None when it cannot be known.

    Unknown is an answer, not an error: each drug rule turns it into a caution
    rather than assume normal kidneys.
    """
    if given is not None:
        value = body.egfr_value(given)
        return value, f"{fmt_floor(value)} (given)"
    if patient.serum_creatinine is None:
        return None, "unknown (no serum creatinine)"
    if patient.age.magnitude < body.ADULT_YEARS:
        # CKD-EPI 2021 is an adult equation: a child's eGFR must be given, not guessed.
        return None, "unknown (CKD-EPI 2021 is for adults; assess a child's kidney function by a paediatric method)"
    value = patient.egfr()
    return value, f"{fmt_floor(value)} (CKD-EPI 2021)"


# Above 120 % of ideal body weight, Cockcroft–Gault on actual weight overestimates
# clearance; adjusted weight is the least biased (Winter 2012). The same 120 %
# threshold decides IVIG's dosing weight.
OBESITY_THRESHOLD = 1.2


def dosing_creatinine_clearance(patient: "Patient") -> body.CreatinineClearance:
    """Cockcroft–Gault for drug dosing: adjusted weight above 120 % of IBW, else actual.

    Below 5 ft Devine's IBW is undefined, so obesity cannot be judged: actual
    weight is used and the reason says so.
    """
    try:
        ibw = patient.ideal_body_weight()
    except DoseInputError:
        cg = patient.creatinine_clearance(body.WeightBasis.ACTUAL)
        return attrs.evolve(cg, reason="actual body weight (IBW undefined below 5 ft, so adjusted weight cannot be judged)")
    if body.above_fraction_of_ibw(patient.weight.magnitude, ibw.magnitude, OBESITY_THRESHOLD):
        cg = patient.creatinine_clearance(body.WeightBasis.ADJUSTED)
        return attrs.evolve(cg, reason=f"adjusted body weight, because actual weight is above 120 % of IBW ({ibw.magnitude:.1f} kg)")
    return patient.creatinine_clearance(body.WeightBasis.ACTUAL)


def _flag(value, parameter: str) -> bool:
    # "no" and 0 are not False here: a yes/no that is not a JSON boolean is refused.
    if not isinstance(value, bool):
        raise DoseInputError(parameter, f"expected true or false, got {value!r}")
    return value


def _optional(converter):
    return lambda value: None if value is None else converter(value)


@attrs.frozen
class Patient:
    """A patient with refractory dermatomyositis.

    weight/height/age/serum_creatinine accept quantities or strings
    ("154 lb", "5 ft 6 in", "54 years", "1.1 mg/dL" or "97 umol/L") and are
    stored in kg, cm, years and mg/dL. ``disease_active`` defaults to True: the
    plan treats refractory, active disease.
    """

    weight: pint.Quantity = attrs.field(converter=body.weight_kg)
    height: pint.Quantity = attrs.field(converter=body.height_cm)
    age: pint.Quantity = attrs.field(converter=body.age_years)
    sex: body.Sex = attrs.field(converter=body.Sex.parse)
    serum_creatinine: pint.Quantity | None = attrs.field(default=None, converter=_optional(body.creatinine_mg_dl))
    conditions: frozenset[str] = attrs.field(default=frozenset(), converter=_conditions)
    disease_active: bool = attrs.field(default=True, converter=lambda v: _flag(v, "disease_active"))

    def has(self, condition: str) -> bool:
        if condition not in KNOWN_CONDITIONS:
            raise KeyError(condition)
        return condition in self.conditions

    def bsa(self, formula: "body.BSAFormula | str" = body.BSAFormula.MOSTELLER) -> pint.Quantity:
        return body.body_surface_area(self.weight, self.height, formula)

    def ideal_body_weight(self) -> pint.Quantity:
        return body.ideal_body_weight(self.height, self.sex)

    def adjusted_body_weight(self) -> pint.Quantity:
        return body.adjusted_body_weight(self.weight, self.ideal_body_weight())

    def _creatinine(self) -> pint.Quantity:
        if self.serum_creatinine is None:
            raise DoseInputError("serum_creatinine", "not given; kidney function is needed for this calculation")
        return self.serum_creatinine

    def creatinine_clearance(self, basis: "body.WeightBasis | str" = body.WeightBasis.ACTUAL) -> body.CreatinineClearance:
        return body.creatinine_clearance(self.age, self.weight, self._creatinine(), self.sex, basis=basis, height=self.height)

    def egfr(self) -> pint.Quantity:
        return body.egfr_ckd_epi_2021(self._creatinine(), self.age, self.sex)

    def to_dict(self) -> dict:
        return {
            "weight": f"{self.weight.magnitude!r} kg",
            "height": f"{self.height.magnitude!r} cm",
            "age": f"{self.age.magnitude!r} year",
            "sex": self.sex.value,
            "serum_creatinine": None if self.serum_creatinine is None else f"{self.serum_creatinine.magnitude!r} mg/dL",
            "conditions": sorted(self.conditions),
            "disease_active": self.disease_active,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Patient":
        allowed = [f.name for f in attrs.fields(cls)]
        return cls(**record(data, "patient", allowed, required=["weight", "height", "age", "sex"]))
