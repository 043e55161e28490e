"""The patient as a frozen value: size, kidney function, and conditions that change what is safe."""

from __future__ import annotations

import datetime as dt

import attrs
import pint

from dosing import body
from dosing.findings import Finding
from dosing.input.conditions import as_entry_list, known_conditions, read_conditions
from dosing.input.fields import optional_iso_date, record
from dosing.units import DoseInputError, fmt_floor

# The vocabulary of patient conditions the rules understand: key → description, read
# from interactions/conditions.toml (with synonyms and ICD-10-CM / SNOMED CT codes). Rule
# files are validated against it, so a misspelt key in a rule cannot silently never fire.
KNOWN_CONDITIONS: dict[str, str] = known_conditions()


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
    if not patient.sex.is_binary:
        return None, f"unknown (CKD-EPI 2021 needs sex, {_sex_not_recorded(patient.sex)})"
    value = patient.egfr()
    return value, f"{fmt_floor(value)} (CKD-EPI 2021)"


def _sex_not_recorded(sex: body.Sex) -> str:
    return "which is not recorded" if sex is body.Sex.UNKNOWN else "which is recorded as other"


def known_crcl(patient: "Patient") -> tuple[body.CreatinineClearance | None, str]:
    """The dosing Cockcroft–Gault (:func:`dosing_creatinine_clearance`) and how it was found; None with why.

    None when there is no serum creatinine, the patient is a child (an adult
    equation) or sex is unknown/other (the equation has a female factor and Devine
    IBW is sex-specific). Unknown is an answer: drug modules turn it into a caution.
    """
    if patient.serum_creatinine is None:
        return None, "unknown (no serum creatinine)"
    if patient.age.magnitude < body.ADULT_YEARS:
        return None, "unknown (Cockcroft–Gault is for adults; assess a child's kidney function by a paediatric method)"
    if not patient.sex.is_binary:
        return None, f"unknown (Cockcroft–Gault needs sex, {_sex_not_recorded(patient.sex)})"
    cg = dosing_creatinine_clearance(patient)
    return cg, f"{fmt_floor(cg.value)} (Cockcroft–Gault, {cg.reason} {cg.weight_used.magnitude:.1f} kg)"


# Above 120 % of ideal body weight, Cockcroft–Gault on actual weight overestimates
# clearance; adjusted weight is the least biased (Winter 2012). The same 120 %
# threshold decides IVIG's dosing weight.
OBESITY_THRESHOLD = 1.2


def dosing_creatinine_clearance(patient: "Patient") -> body.CreatinineClearance:
    """Cockcroft–Gault for drug dosing: adjusted weight above 120 % of IBW, else actual.

    Below 5 ft Devine's IBW is undefined, so obesity cannot be judged: actual
    weight is used and the reason says so. Unknown/other sex raises SexNeededError
    (see :func:`known_crcl` for the answer-or-why form).
    """
    body.Sex.parse(patient.sex, "Cockcroft–Gault")
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


def _age(age, birth_date: dt.date | None, as_of: dt.date | None) -> tuple[pint.Quantity, dt.date | None]:
    """The age, from ``age`` or from ``birth_date`` on ``as_of`` (exactly one; both only if they agree)."""
    if birth_date is None:
        if as_of is not None:
            raise DoseInputError("as_of", "only meaningful with birth_date")
        if age is None:
            raise DoseInputError("age", "give the age (e.g. '54 years') or the birth_date")
        return age, None
    on = as_of or dt.date.today()
    from_birth = body.age_from_birth_date(birth_date, on)
    if age is not None and age.magnitude != from_birth.magnitude:
        raise DoseInputError("age", f"give age or birth_date, not both: {age.magnitude:g} years disagrees with {from_birth.magnitude:g} from {birth_date.isoformat()} on {on.isoformat()}")
    return from_birth, on


def _entries(values, parameter: str) -> list:
    # A set of keys (as stored, or as built by a caller) is read in a stable order.
    if isinstance(values, (set, frozenset)):
        return sorted(values, key=str)
    return as_entry_list(values, parameter)


def _set(instance, name: str, value) -> None:
    # Values derived at construction on a frozen class.
    object.__setattr__(instance, name, value)


@attrs.frozen
class Patient:
    """A patient with refractory dermatomyositis.

    weight/height/age/serum_creatinine accept quantities or strings
    ("154 lb", "5 ft 6 in", "54 years", "1.1 mg/dL" or "97 umol/L") and are
    stored in kg, cm, years and mg/dL. ``disease_active`` defaults to True: the
    plan treats refractory, active disease.

    Age is given as ``age`` or as ``birth_date`` (ISO date) with an optional
    ``as_of`` (default today; stored once resolved, so the value is reproducible):
    see :func:`dosing.body.age_from_birth_date`. Sex may be unknown or other; the
    sex-specific equations then raise ``body.SexNeededError`` (``known_egfr`` and
    ``known_crcl`` answer None with why).

    ``conditions`` takes the problem list as written (names, synonyms, codes such as
    "ICD-10-CM:I50.9" or "SNOMED:84114007") and holds the known condition keys the
    rules read; entries no rule reads are kept in ``unused_conditions`` (as written,
    in order, no repeats) and cautions about entries not read as written (a likely
    misspelling, an ambiguous or uncertain entry) in ``condition_findings``. Passing
    ``unused_conditions`` adds those entries to the problem list (the round trip).
    """

    weight: pint.Quantity = attrs.field(converter=body.weight_kg)
    height: pint.Quantity = attrs.field(converter=body.height_cm)
    # age has a default only so that birth_date can stand in for it; one of them is required.
    age: pint.Quantity | None = attrs.field(default=None, converter=_optional(body.age_years))
    # sex's default None is refused by the reader: sex is required.
    sex: body.Sex = attrs.field(default=None, converter=body.Sex.read)
    serum_creatinine: pint.Quantity | None = attrs.field(default=None, converter=_optional(body.creatinine_mg_dl))
    conditions: frozenset[str] = attrs.field(default=frozenset())
    disease_active: bool = attrs.field(default=True, converter=lambda v: _flag(v, "disease_active"))
    birth_date: dt.date | None = attrs.field(default=None, converter=lambda v: optional_iso_date(v, "birth_date"))
    as_of: dt.date | None = attrs.field(default=None, converter=lambda v: optional_iso_date(v, "as_of"))
    unused_conditions: tuple[str, ...] = attrs.field(default=())
    # Derived from the entries as written; not part of equality, since the round trip writes the
    # reading (keys), not the wording that caused an "ambiguous" or "uncertain" caution.
    condition_findings: tuple[Finding, ...] = attrs.field(init=False, default=(), eq=False)

    def __attrs_post_init__(self):
        age, as_of = _age(self.age, self.birth_date, self.as_of)
        _set(self, "age", age)
        _set(self, "as_of", as_of)
        reading = read_conditions([*_entries(self.conditions, "conditions"), *_entries(self.unused_conditions, "unused_conditions")])
        _set(self, "conditions", reading.conditions)
        _set(self, "unused_conditions", reading.unused)
        _set(self, "condition_findings", reading.findings)

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
        """Plain JSON-able text; read back by :meth:`from_dict` to an equal Patient.

        A patient given by birth date keeps its birth_date and resolved as_of (not
        the age); unused conditions are written only when there are some, so a
        patient without them has the same dictionary as before they existed.
        """
        data = {
            "weight": f"{self.weight.magnitude!r} kg",
            "height": f"{self.height.magnitude!r} cm",
            "age": f"{self.age.magnitude!r} year",
            "sex": self.sex.value,
            "serum_creatinine": None if self.serum_creatinine is None else f"{self.serum_creatinine.magnitude!r} mg/dL",
            "conditions": sorted(self.conditions),
            "disease_active": self.disease_active,
        }
        if self.birth_date is not None:
            del data["age"]
            data["birth_date"] = self.birth_date.isoformat()
            data["as_of"] = self.as_of.isoformat()
        if self.unused_conditions:
            data["unused_conditions"] = list(self.unused_conditions)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Patient":
        allowed = [f.name for f in attrs.fields(cls) if f.init]
        return cls(**record(data, "patient", allowed, required=["weight", "height", "sex"]))
