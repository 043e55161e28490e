"""The patient as a frozen value: size, kidney function, and conditions that change what is safe."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from dosing import body
from dosing.findings import Finding
from dosing.input.conditions import ConditionReading, as_entry_list, known_conditions, read_conditions
from dosing.input.fields import optional_iso_date, record
from dosing.units import DoseInputError, Quantity, check_magnitude, fmt_floor, memo, memo_enabled, quantity_of

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterable, Mapping

    from dosing.units import Qty

T = TypeVar("T")

# The vocabulary of patient conditions the rules understand: key → description, read
# from interactions/conditions.toml (with synonyms and ICD-10-CM / SNOMED CT codes). Rule
# files are validated against it, so a misspelt key in a rule cannot silently never fire.
KNOWN_CONDITIONS: dict[str, str] = known_conditions()


def known_egfr(patient: Patient, given: object = None) -> tuple[Qty | None, str]:
    """eGFR (given, or CKD-EPI 2021 from the patient) and where it came from; None when it cannot be known.

    Unknown is an answer, not an error: each drug rule turns it into a caution
    rather than assume normal kidneys.
    """
    if given is not None:
        value = body.egfr_value(given)
        return value, f"{fmt_floor(value)} (given)"
    if patient.serum_creatinine is None:
        return None, "unknown (no serum creatinine)"
    if patient.age_years < body.ADULT_YEARS:
        # CKD-EPI 2021 is an adult equation: a child's eGFR must be given, not guessed.
        return None, "unknown (CKD-EPI 2021 is for adults; assess a child's kidney function by a paediatric method)"
    if not patient.sex.is_binary:
        return None, f"unknown (CKD-EPI 2021 needs sex, {_sex_not_recorded(patient.sex)})"
    value = patient.egfr()
    return value, f"{fmt_floor(value)} (CKD-EPI 2021)"


def _sex_not_recorded(sex: body.Sex) -> str:
    return "which is not recorded" if sex is body.Sex.UNKNOWN else "which is recorded as other"


def known_crcl(patient: Patient) -> tuple[body.CreatinineClearance | None, str]:
    """The dosing Cockcroft–Gault (:func:`dosing_creatinine_clearance`) and how it was found; None with why.

    None when there is no serum creatinine, the patient is a child (an adult
    equation) or sex is unknown/other (the equation has a female factor and Devine
    IBW is sex-specific). Unknown is an answer: drug modules turn it into a caution.
    """
    if patient.serum_creatinine is None:
        return None, "unknown (no serum creatinine)"
    if patient.age_years < body.ADULT_YEARS:
        return None, "unknown (Cockcroft–Gault is for adults; assess a child's kidney function by a paediatric method)"
    if not patient.sex.is_binary:
        return None, f"unknown (Cockcroft–Gault needs sex, {_sex_not_recorded(patient.sex)})"
    cg = dosing_creatinine_clearance(patient)
    return cg, f"{fmt_floor(cg.value)} (Cockcroft–Gault, {cg.reason} {cg.weight_used.magnitude:.1f} kg)"


# Above 120 % of ideal body weight, Cockcroft–Gault on actual weight overestimates
# clearance; adjusted weight is the least biased (Winter 2012). The same 120 %
# threshold decides IVIG's dosing weight.
OBESITY_THRESHOLD = 1.2

_IBW_UNDEFINED = "actual body weight (IBW undefined below 5 ft, so adjusted weight cannot be judged)"


def _above_ibw(ibw_kg: float) -> str:
    return f"adjusted body weight, because actual weight is above 120 % of IBW ({ibw_kg:.1f} kg)"


def dosing_creatinine_clearance(patient: Patient) -> body.CreatinineClearance:
    """Cockcroft–Gault for drug dosing: adjusted weight above 120 % of IBW, else actual.

    Below 5 ft Devine's IBW is undefined, so obesity cannot be judged: actual
    weight is used and the reason says so. Unknown/other sex raises SexNeededError
    (see :func:`known_crcl` for the answer-or-why form).
    """
    if not memo_enabled():
        body.Sex.parse(patient.sex, "Cockcroft–Gault")
        try:
            ibw = patient.ideal_body_weight()
        except DoseInputError:
            return attrs.evolve(patient.creatinine_clearance(body.WeightBasis.ACTUAL), reason=_IBW_UNDEFINED)
        if body.above_fraction_of_ibw(patient.weight.magnitude, ibw.magnitude, OBESITY_THRESHOLD):
            return attrs.evolve(patient.creatinine_clearance(body.WeightBasis.ADJUSTED), reason=_above_ibw(ibw.magnitude))
        return patient.creatinine_clearance(body.WeightBasis.ACTUAL)
    return _copy(patient._once("dosing_crcl", lambda: _dosing_cockcroft_gault(patient)))


def _dosing_cockcroft_gault(patient: Patient) -> body.CreatinineClearance:
    # dosing_creatinine_clearance on the stored floats: the same checks and reasons, in the same order.
    body.Sex.parse(patient.sex, "Cockcroft–Gault")
    try:
        ibw = patient.ideal_body_weight_kg()
    except DoseInputError:
        return _with_reason(patient._crcl(body.WeightBasis.ACTUAL), _IBW_UNDEFINED)
    if body.above_fraction_of_ibw(patient.weight_kg, ibw, OBESITY_THRESHOLD):
        return _with_reason(patient._crcl(body.WeightBasis.ADJUSTED), _above_ibw(ibw))
    return patient._crcl(body.WeightBasis.ACTUAL)


def _with_reason(cg: body.CreatinineClearance, reason: str) -> body.CreatinineClearance:
    return body.CreatinineClearance(cg.value, cg.weight_used, cg.basis, reason)


def _copy(cg: body.CreatinineClearance) -> body.CreatinineClearance:
    # A kept answer is handed out with Quantities of its own: a caller may convert the one it is
    # given in place (``ito``), never the one the patient keeps.
    value, used = cg.value, cg.weight_used
    return body.CreatinineClearance(quantity_of(value._magnitude, value._units), quantity_of(used._magnitude, used._units), cg.basis, cg.reason)


def _flag(value: object, parameter: str) -> bool:
    # "no" and 0 are not False here: a yes/no that is not a JSON boolean is refused.
    if not isinstance(value, bool):
        raise DoseInputError(parameter, f"expected true or false, got {value!r}")
    return value


# The field readers (named functions: the attrs plugin of mypy types __init__ from them).
def _sex(value: object) -> body.Sex:
    return body.Sex.read(value)


def _disease_active(value: object) -> bool:
    return _flag(value, "disease_active")


def _birth_date(value: object) -> dt.date | None:
    return optional_iso_date(value, "birth_date")


def _as_of(value: object) -> dt.date | None:
    return optional_iso_date(value, "as_of")


def _as_written(entries: str | Iterable[str]) -> Any:
    # A problem list as given (a list, one text, a set of keys) stays as written, in its order, until
    # __attrs_post_init__ reads it and stores the reading (a frozenset of keys; a tuple of unused entries).
    # Any: the given and the stored forms both pass here.
    return entries


def _optional_age(value: object) -> Qty | None:
    return None if value is None else body.age_years(value)


def _optional_creatinine(value: object) -> Qty | None:
    return None if value is None else body.creatinine_mg_dl(value)


def _age(age: Qty | None, birth_date: dt.date | None, as_of: dt.date | None) -> tuple[Qty, dt.date | None]:
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


def _entries(values: object, parameter: str) -> list[object]:
    # A set of keys (as stored, or as built by a caller) is read in a stable order.
    if isinstance(values, (set, frozenset)):
        return sorted(values, key=str)
    if type(values) is list or type(values) is tuple:
        return list(values)  # what as_entry_list makes of a list (the JSON form), without its refusals' checks
    return as_entry_list(values, parameter)


def _conditions(entries: list[object]) -> ConditionReading:
    if memo_enabled() and all(type(entry) is str for entry in entries):
        return _read_conditions(tuple(cast("list[str]", entries)))
    return read_conditions(entries)


@memo(maxsize=1024)
def _read_conditions(entries: tuple[str, ...]) -> ConditionReading:
    # A problem list is read the same each time (a frozen reading): once per list of entries (issue 8).
    return read_conditions(list(entries))


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

    What is derived from the fields (BSA, IBW, kidney function) is worked out once per
    patient, on the stored floats: a Patient never changes, so none of it goes stale.
    The float views (``weight_kg``, ``bsa_m2()``...) are for arithmetic on plain numbers.
    """

    weight: Qty = attrs.field(converter=body.weight_kg)
    height: Qty = attrs.field(converter=body.height_cm)
    # age has a default only so that birth_date can stand in for it; one of them is required.
    age: Qty = attrs.field(default=None, converter=_optional_age)
    # sex's default None is refused by the reader: sex is required.
    sex: body.Sex = attrs.field(default=None, converter=_sex)
    serum_creatinine: Qty | None = attrs.field(default=None, converter=_optional_creatinine)
    conditions: frozenset[str] = attrs.field(default=frozenset(), converter=_as_written)
    disease_active: bool = attrs.field(default=True, converter=_disease_active)
    birth_date: dt.date | None = attrs.field(default=None, converter=_birth_date)
    as_of: dt.date | None = attrs.field(default=None, converter=_as_of)
    unused_conditions: tuple[str, ...] = attrs.field(default=(), converter=_as_written)
    # Derived from the entries as written; not part of equality, since the round trip writes the
    # reading (keys), not the wording that caused an "ambiguous" or "uncertain" caution.
    condition_findings: tuple[Finding, ...] = attrs.field(init=False, default=(), eq=False)

    def __attrs_post_init__(self) -> None:
        # Values derived at construction on a frozen class.
        age, as_of = _age(self.age, self.birth_date, self.as_of)
        reading = _conditions([*_entries(self.conditions, "conditions"), *_entries(self.unused_conditions, "unused_conditions")])
        setattr_ = object.__setattr__
        setattr_(self, "age", age)
        setattr_(self, "as_of", as_of)
        setattr_(self, "conditions", reading.conditions)
        setattr_(self, "unused_conditions", reading.unused)
        setattr_(self, "condition_findings", reading.findings)

    @functools.cached_property
    def _derived(self) -> dict[Hashable, object]:
        # The values worked out from the fields, by what was asked (a slot of this instance: not a
        # field, so not compared, copied, pickled or written out).
        return {}

    def _once(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, worked out on the first call for ``key`` only; a refusal (an exception) is not kept."""
        derived = self._derived
        try:
            return cast(T, derived[key])
        except KeyError:
            value = derived[key] = compute()
            return value

    # ---- float views of the stored quantities (kg, cm, years, mg/dL)

    @property
    def weight_kg(self) -> float:
        return float(self.weight.magnitude)

    @property
    def height_cm(self) -> float:
        return float(self.height.magnitude)

    @property
    def age_years(self) -> float:
        return float(self.age.magnitude)

    @property
    def serum_creatinine_mg_dl(self) -> float | None:
        return None if self.serum_creatinine is None else float(self.serum_creatinine.magnitude)

    def has(self, condition: str) -> bool:
        if condition not in KNOWN_CONDITIONS:
            raise KeyError(condition)
        return condition in self.conditions

    def bsa(self, formula: body.BSAFormula | str = body.BSAFormula.MOSTELLER) -> Qty:
        if not memo_enabled():
            return body.body_surface_area(self.weight, self.height, formula)
        return Quantity(self.bsa_m2(formula), "m**2")

    def bsa_m2(self, formula: body.BSAFormula | str = body.BSAFormula.MOSTELLER) -> float:
        """Body surface area in m² (Mosteller unless another formula is named), as a float."""
        if not memo_enabled():
            return float(body.body_surface_area(self.weight, self.height, formula).magnitude)
        parsed = body.parse_bsa_formula(formula)
        return self._once(("bsa", parsed), lambda: body.bsa_m2(self.weight_kg, self.height_cm, parsed))

    def ideal_body_weight(self) -> Qty:
        if not memo_enabled():
            return body.ideal_body_weight(self.height, self.sex)
        return Quantity(self.ideal_body_weight_kg(), "kg")

    def ideal_body_weight_kg(self) -> float:
        """Devine IBW in kg, as a float; raises as :func:`dosing.body.ideal_body_weight` does (sex, below 5 ft)."""
        if not memo_enabled():
            return float(body.ideal_body_weight(self.height, self.sex).magnitude)
        return self._once("ibw", self._devine_kg)

    def _devine_kg(self) -> float:
        male = body.Sex.parse(self.sex, "Devine ideal body weight") is body.Sex.MALE
        return body.ideal_body_weight_kg(self.height_cm, male)

    def adjusted_body_weight(self) -> Qty:
        if not memo_enabled():
            return body.adjusted_body_weight(self.weight, self.ideal_body_weight())
        return Quantity(self.adjusted_body_weight_kg(), "kg")

    def adjusted_body_weight_kg(self) -> float:
        """IBW + 0.4 × (actual − IBW) in kg, as a float; raises where the IBW does."""
        if not memo_enabled():
            return float(self.adjusted_body_weight().magnitude)
        return self._once("adjusted", lambda: body.checked_adjusted_body_weight_kg(self.weight_kg, self.ideal_body_weight_kg()))

    def _creatinine(self) -> Qty:
        if self.serum_creatinine is None:
            raise DoseInputError("serum_creatinine", "not given; kidney function is needed for this calculation")
        return self.serum_creatinine

    def creatinine_clearance(self, basis: body.WeightBasis | str = body.WeightBasis.ACTUAL) -> body.CreatinineClearance:
        if not memo_enabled():
            return body.creatinine_clearance(self.age, self.weight, self._creatinine(), self.sex, basis=basis, height=self.height)
        if not isinstance(basis, (body.WeightBasis, str)):
            return self._crcl(basis)  # refused by the reader, as given
        return _copy(self._once(("crcl", basis), lambda: self._crcl(basis)))

    def _crcl(self, basis: object) -> body.CreatinineClearance:
        # body.creatinine_clearance on the stored (checked) values: the same checks, in the same order.
        scr = float(self._creatinine().magnitude)
        age = self.age_years
        body.require_adult_years(age, "Cockcroft–Gault")
        return body.cockcroft_gault(age, self.weight_kg, scr, self.sex, basis, lambda _sex, _basis: self.ideal_body_weight_kg())

    def egfr(self) -> Qty:
        if not memo_enabled():
            return body.egfr_ckd_epi_2021(self._creatinine(), self.age, self.sex)
        scr = float(self._creatinine().magnitude)
        return Quantity(self._once("egfr", lambda: self._ckd_epi(scr)), "mL/min/std_bsa")

    def _ckd_epi(self, scr: float) -> float:
        # body.egfr_ckd_epi_2021 on the stored (checked) values: the same checks, in the same order.
        age = self.age_years
        body.require_adult_years(age, "CKD-EPI 2021")
        female = body.Sex.parse(self.sex, "CKD-EPI 2021") is body.Sex.FEMALE
        return body.ckd_epi_2021(scr, age, female)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able text; read back by :meth:`from_dict` to an equal Patient.

        A patient given by birth date keeps its birth_date and resolved as_of (not
        the age); unused conditions are written only when there are some, so a
        patient without them has the same dictionary as before they existed.
        """
        data: dict[str, Any] = {
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
            # as_of is resolved whenever the age comes from birth_date.
            data["as_of"] = cast(dt.date, self.as_of).isoformat()
        if self.unused_conditions:
            data["unused_conditions"] = list(self.unused_conditions)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Patient:
        return cls(**record(data, "patient", _INIT_FIELDS, required=["weight", "height", "sex"]))


# The fields a patient record may name (every init field), listed once rather than on each read.
_INIT_FIELDS = tuple(f.name for f in attrs.fields(Patient) if f.init)
