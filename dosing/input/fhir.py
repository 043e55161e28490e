"""FHIR R4 → dmdose: a draft MedicationRequest and the patient's record as Order, Patient, medications.

Usable without the server (``dmdose serve`` uses it). Every resource is first
validated with ``fhir.resources`` (its ``R4B`` package: FHIR 4.3, whose
MedicationRequest, Patient, Observation, Condition and MedicationStatement read
R4 instances unchanged), then read field by field. Anything that cannot be read
raises :class:`DoseInputError` whose parameter is the FHIR path
(``MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity.code``).

Decisions (docs/service.md):
- the drug: the RxNorm coding first (``interactions.drugs.resolve_code``), then the
  other codings' display, then ``text``; a contained Medication is read the same way;
- a ``doseRange`` is checked at its high end (the most that may be given);
- ``timing.repeat.count`` is the number of administrations of the order; dmdose's
  ``Frequency.count`` counts administration DAYS, so it is count / times per day.
  An IVIG course is one request "1 per 1 d, count 2", not an endless daily order;
- ``priorPrescription`` (R4: "an earlier order ... that this one replaces") makes the
  order a renewal (``OrderIntent.RENEWAL``): the interaction engine then reports the
  same drug among the current medications as a continuation, whose message says to
  stop the current order if the dose or product differs;
- AllergyIntolerance is not read: no dmdose rule reads allergies today.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, cast, overload

import attrs
import pydantic

from dosing.input.frequency import Frequency
from dosing.order import Order, OrderIntent
from dosing.patient import Patient
from dosing.units import DoseInputError, ucum_quantity

if TYPE_CHECKING:
    # The fhir.resources R4B models (typed; the optional "service" extra) that the readers below take.
    from fhir.resources.R4B.codeableconcept import CodeableConcept
    from fhir.resources.R4B.condition import Condition
    from fhir.resources.R4B.domainresource import DomainResource
    from fhir.resources.R4B.dosage import Dosage
    from fhir.resources.R4B.medication import Medication
    from fhir.resources.R4B.medicationrequest import MedicationRequest
    from fhir.resources.R4B.medicationstatement import MedicationStatement
    from fhir.resources.R4B.observation import Observation
    from fhir.resources.R4B.patient import Patient as FhirPatient
    from fhir.resources.R4B.quantity import Quantity as FhirQuantity
    from fhir.resources.R4B.timing import Timing, TimingRepeat

    from dosing.units import Qty

    # An observation read: when it was made, its FHIR path, the resource.
    _Observed = tuple[dt.datetime, str, Observation]

__all__ = [
    "LOINC",
    "ROUTE_SNOMED",
    "FhirOrder",
    "read_conditions",
    "read_current_medications",
    "read_dose",
    "read_medication_request",
    "read_order",
    "read_patient",
    "read_timing",
    "resources_of",
    "validate",
]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"

# LOINC codes (loinc.org): 29463-7 Body weight; 8302-2 Body height; 2160-0 Creatinine
# [Mass/volume] in Serum or Plasma (UCUM mg/dL; µmol/L results are converted);
# eGFR: 62238-1 (CKD-EPI 2009, "per 1.73 sq M") and 98979-8 (CKD-EPI 2021, creatinine-based).
# Checked 2026-12-02 against public FHIR/EHR code tables (LOINC displays quoted there); the
# reported eGFR is read but not yet used: Patient has no eGFR field (kidney function is recomputed).
WEIGHT_CODES = ("29463-7",)
HEIGHT_CODES = ("8302-2",)
CREATININE_CODES = ("2160-0",)
EGFR_CODES = ("98979-8", "62238-1")

# SNOMED CT route concepts (FHIR R4 valueset route-codes): 26643006 Oral route,
# 34206005 Subcutaneous route, 47625008 Intravenous route, 78421000 Intramuscular route.
ROUTE_SNOMED = {"26643006": "oral", "34206005": "subcutaneous", "47625008": "intravenous", "78421000": "intramuscular"}

# FHIR TimingAbbreviation (R4 valueset timing-abbreviation), read as structured codes:
# they were picked from a list, not hand-written, so ISMP's note on "QD" does not apply.
# (interval days, administrations a day, hours apart)
TIMING_CODES = {
    "QD": (1, 1, None), "BID": (1, 2, None), "TID": (1, 3, None), "QID": (1, 4, None),
    "AM": (1, 1, None), "PM": (1, 1, None), "QOD": (2, 1, None), "WK": (7, 1, None),
    "Q1H": (1, 24, 1), "Q2H": (1, 12, 2), "Q3H": (1, 8, 3), "Q4H": (1, 6, 4), "Q6H": (1, 4, 6), "Q8H": (1, 3, 8),
}
WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
# UCUM units of a period or a duration in whole days. Keyed by str | None so that a missing unit is simply not found.
_DAYS_PER_UNIT: dict[str | None, int] = {"d": 1, "wk": 7}
# Observation statuses that are results (R4 observation-status): the rest are not read.
RESULT_STATUSES = {"final", "amended", "corrected", "preliminary"}
ACTIVE_CLINICAL = {"active", "recurrence", "relapse"}
NOT_TRUE = {"refuted", "entered-in-error"}


def _models() -> dict[str, type[DomainResource]]:
    # Imported here: fhir.resources is the optional "service" extra, and the models take ~0.3 s to import.
    from fhir.resources.R4B import condition, medication, medicationrequest, medicationstatement, observation, patient

    return {
        "MedicationRequest": medicationrequest.MedicationRequest,
        "Medication": medication.Medication,
        "MedicationStatement": medicationstatement.MedicationStatement,
        "Observation": observation.Observation,
        "Condition": condition.Condition,
        "Patient": patient.Patient,
    }


@overload
def validate(data: object, resource_type: Literal["MedicationRequest"], path: str | None = None) -> MedicationRequest: ...
@overload
def validate(data: object, resource_type: Literal["Medication"], path: str | None = None) -> Medication: ...
@overload
def validate(data: object, resource_type: Literal["MedicationStatement"], path: str | None = None) -> MedicationStatement: ...
@overload
def validate(data: object, resource_type: Literal["Observation"], path: str | None = None) -> Observation: ...
@overload
def validate(data: object, resource_type: Literal["Condition"], path: str | None = None) -> Condition: ...
@overload
def validate(data: object, resource_type: Literal["Patient"], path: str | None = None) -> FhirPatient: ...


def validate(data: object, resource_type: str, path: str | None = None) -> DomainResource:
    """``data`` validated as a FHIR R4 ``resource_type``; DoseInputError naming the FHIR path of the first problem."""
    path = path or resource_type
    if not isinstance(data, Mapping):
        raise DoseInputError(path, f"expected a FHIR {resource_type} (a JSON object), got {type(data).__name__}")
    if data.get("resourceType") != resource_type:
        raise DoseInputError(f"{path}.resourceType", f"expected {resource_type!r}, got {data.get('resourceType')!r}")
    try:
        return _models()[resource_type].model_validate(dict(data))
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"] if p != "__root__")
        raise DoseInputError(f"{path}{where}", f"not valid FHIR R4: {error['msg']}") from None
    except (ValueError, TypeError) as exc:  # fhir.resources raises these for some structural problems
        raise DoseInputError(path, f"not valid FHIR R4: {exc}") from None


# --- the drug ---------------------------------------------------------------------------


def _drug_name(concept: CodeableConcept | None, path: str) -> str:
    """A canonical name from an RxNorm coding, else a display or the text as written (verify resolves it)."""
    from interactions.drugs import UnknownDrugError, resolve_code

    if concept is None:
        raise DoseInputError(path, "no medication: give medicationCodeableConcept (RxNorm) or a contained Medication")
    codings = concept.coding or []
    problem = None
    for index, coding in enumerate(codings):
        if coding.system == RXNORM and coding.code:
            try:
                return resolve_code(RXNORM, coding.code)
            except UnknownDrugError as exc:
                problem = DoseInputError(f"{path}.coding[{index}].code", exc.problem)
    for text in [concept.text, *(c.display for c in codings)]:
        if text and text.strip():
            return text.strip()
    if problem is not None:
        raise problem
    raise DoseInputError(path, "the medication has neither a known RxNorm code nor a name (text or display)")


def _medication_concept(request: MedicationRequest | MedicationStatement, path: str) -> tuple[CodeableConcept | None, str]:
    if request.medicationCodeableConcept is not None:
        return request.medicationCodeableConcept, f"{path}.medicationCodeableConcept"
    ref = request.medicationReference.reference if request.medicationReference else None
    if ref and ref.startswith("#"):
        for index, contained in enumerate(request.contained or []):
            if contained.get_resource_type() == "Medication" and contained.id == ref[1:]:
                return cast("Medication", contained).code, f"{path}.contained[{index}].code"
        raise DoseInputError(f"{path}.medicationReference", f"{ref!r} names no contained Medication")
    raise DoseInputError(f"{path}.medicationReference", "only a contained Medication ('#id') or medicationCodeableConcept is read")


# --- the dose ---------------------------------------------------------------------------


def _quantity_value(q: FhirQuantity | None, path: str, parameter_name: str) -> Qty:
    if q is None:
        raise DoseInputError(path, f"no {parameter_name}")
    if q.value is None:
        raise DoseInputError(f"{path}.value", "no value")
    code = q.code or None
    if code is None:
        raise DoseInputError(f"{path}.code", f"the {parameter_name} {q.value} has no UCUM unit code"
                             + (f" (unit text {q.unit!r} alone is not read)" if q.unit else ""))
    if q.system not in (None, UCUM):
        raise DoseInputError(f"{path}.system", f"unit system {q.system!r}; dmdose reads UCUM ({UCUM})")
    return ucum_quantity(q.value, code, f"{path}.code")


def read_dose(dosage: Dosage, path: str) -> Qty:
    """The dose of one administration: doseQuantity, or the high end of doseRange."""
    rates = dosage.doseAndRate or []
    if not rates:
        raise DoseInputError(f"{path}.doseAndRate", "no dose: give doseAndRate[0].doseQuantity")
    entry, where = rates[0], f"{path}.doseAndRate[0]"
    if entry.doseQuantity is not None:
        return _quantity_value(entry.doseQuantity, f"{where}.doseQuantity", "dose")
    if entry.doseRange is not None:
        # The most that may be given is what must be safe.
        return _quantity_value(entry.doseRange.high, f"{where}.doseRange.high", "dose range's high end")
    raise DoseInputError(where, "no doseQuantity or doseRange")


# --- the timing -------------------------------------------------------------------------


def _whole(value: object, path: str) -> int:
    number = float(value) if isinstance(value, (Decimal, int, float)) else math.nan
    if not math.isfinite(number) or number <= 0 or number != int(number):
        raise DoseInputError(path, f"expected a positive whole number, got {value!r}")
    return int(number)


def _per_period(repeat: TimingRepeat, path: str) -> tuple[int, int, int | None]:
    """(interval days, administrations a day, hours apart) from frequency / period / periodUnit."""
    when = len(repeat.when or []) or len(repeat.timeOfDay or [])
    frequency = _whole(repeat.frequency, f"{path}.frequency") if repeat.frequency is not None else max(when, 1)
    if repeat.frequencyMax is not None and _whole(repeat.frequencyMax, f"{path}.frequencyMax") > frequency:
        frequency = _whole(repeat.frequencyMax, f"{path}.frequencyMax")  # the most often it may be given
    if repeat.period is None:
        if repeat.periodUnit is None and frequency == 1 and not repeat.dayOfWeek:
            raise DoseInputError(f"{path}.period", "no period: say how often (e.g. period 1, periodUnit 'wk')")
        raise DoseInputError(f"{path}.period", "no period")
    if repeat.periodMax is not None:
        raise DoseInputError(f"{path}.periodMax", "a period range is not read; give one period")
    period, unit = float(repeat.period), repeat.periodUnit
    if unit == "h":
        hours = _whole(period, f"{path}.period")
        if frequency != 1 or 24 % hours:
            raise DoseInputError(path, f"{frequency} per {period:g} h is not a whole number of doses a day")
        return 1, 24 // hours, hours if hours < 24 else None
    days = _DAYS_PER_UNIT.get(unit)
    if days is None:
        raise DoseInputError(f"{path}.periodUnit", f"{unit!r}: write the period in h, d or wk (a month is not a whole number of days)")
    length = _whole(period * days, f"{path}.period")
    if length == 1 or frequency == 1:
        return length, frequency if length == 1 else 1, None
    if repeat.dayOfWeek:
        return length, 1, None  # the weekdays say which days (read below)
    # n times in a period of several days, days not named: the smallest whole gap, so never read as weekly.
    return max(length // frequency, 1), 1, None


def _course_days(repeat: TimingRepeat, path: str, interval: int, per_day: int) -> int | None:
    """Administration days of a bounded order: count, boundsDuration or boundsPeriod."""
    if repeat.count is not None:
        count = _whole(repeat.count, f"{path}.count")
        if count % per_day:
            raise DoseInputError(f"{path}.count", f"{count} administrations is not a whole number of days of {per_day} doses")
        return count // per_day
    bounds_days = None
    if repeat.boundsDuration is not None:
        d = repeat.boundsDuration
        factor = _DAYS_PER_UNIT.get(d.code or d.unit)
        if factor is None or d.value is None:
            raise DoseInputError(f"{path}.boundsDuration", "a duration in d or wk, with a value")
        bounds_days = _whole(Decimal(d.value) * factor, f"{path}.boundsDuration.value")
    elif repeat.boundsPeriod is not None and repeat.boundsPeriod.start and repeat.boundsPeriod.end:
        start, end = (_date(v) for v in (repeat.boundsPeriod.start, repeat.boundsPeriod.end))
        if end < start:
            raise DoseInputError(f"{path}.boundsPeriod", "ends before it starts")
        bounds_days = (end - start).days + 1
    if bounds_days is None:
        return None
    return max(math.ceil(bounds_days / interval), 1)


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _weekdays(codes: Sequence[str | None] | None, where: str) -> tuple[int, ...]:
    """ISO weekday numbers of repeat.dayOfWeek. fhir.resources accepts any string (and a null entry that
    carries only an extension), so a code outside the R4 days-of-week value set is refused by name here."""
    days = set()
    for index, code in enumerate(codes or []):
        day = WEEKDAYS.get(code) if isinstance(code, str) else None
        if day is None:
            raise DoseInputError(f"{where}.dayOfWeek[{index}]", f"{code!r} is not a FHIR day of week (mon, tue, wed, thu, fri, sat, sun)")
        days.add(day)
    return tuple(sorted(days))


def read_timing(timing: Timing | None, path: str) -> Frequency:
    """A FHIR Timing (repeat and/or code) as a :class:`Frequency` built from its fields."""
    if timing is None:
        raise DoseInputError(path, "no timing: say how often the dose is given")
    repeat = timing.repeat
    code = None
    if timing.code is not None:
        code = next((c.code for c in timing.code.coding or [] if c.code in TIMING_CODES), None)
    where = f"{path}.repeat"
    if repeat is not None and (repeat.frequency is not None or repeat.period is not None):
        interval, per_day, hours = _per_period(repeat, where)
    elif code is not None:
        interval, per_day, hours = TIMING_CODES[code]
    elif repeat is not None and repeat.count == 1:
        interval, per_day, hours = None, 1, None
    else:
        raise DoseInputError(path, "no repeat.frequency/period and no timing code this reader knows (BID, TID, QID, QD, WK, Q8H...)")
    weekdays = _weekdays(repeat.dayOfWeek if repeat is not None else None, where)
    count = None
    if repeat is not None and interval is not None:
        if len(weekdays) > 1:
            from dosing.input.frequency import smallest_weekday_gap

            interval = smallest_weekday_gap(weekdays)
        count = _course_days(repeat, where, interval, per_day)
        if count is not None and len(weekdays) > 1:
            raise DoseInputError(where, "a bounded course on several weekdays is not read; give count in days without dayOfWeek")
    elif repeat is not None and repeat.count == 1:
        count = 1
    if interval is None:
        count = 1
    shape = Frequency(text="fhir", interval_days=interval, times_per_day=per_day, count=count, weekdays=weekdays, hours_apart=hours)
    # Shown in plain words the frequency grammar reads back (docs: Order.to_dict).
    return attrs.evolve(shape, text=shape.canonical_text())


# --- the order --------------------------------------------------------------------------


def _route(dosage: Dosage, path: str) -> str:
    concept = dosage.route
    if concept is None:
        raise DoseInputError(f"{path}.route", "no route (SNOMED CT, e.g. 26643006 oral)")
    for coding in concept.coding or []:
        if coding.system == SNOMED and coding.code in ROUTE_SNOMED:
            return ROUTE_SNOMED[coding.code]
    for text in [concept.text, *(c.display for c in concept.coding or [])]:
        if text and text.strip():
            return text.strip()
    raise DoseInputError(f"{path}.route", "route code not read: use SNOMED CT 26643006, 34206005, 47625008 or 78421000")


@attrs.frozen
class FhirOrder:
    """A draft MedicationRequest read: the Order, the validated resource, its id and authoredOn date."""

    order: Order
    resource: MedicationRequest
    authored: dt.date | None


def read_medication_request(data: Mapping[str, object], path: str = "MedicationRequest") -> FhirOrder:
    request = validate(data, "MedicationRequest", path)
    concept, concept_path = _medication_concept(request, path)
    drug = _drug_name(concept, concept_path)
    dosages = request.dosageInstruction or []
    if not dosages:
        raise DoseInputError(f"{path}.dosageInstruction", "no dosage instruction: nothing to verify")
    if len(dosages) > 1:
        # A tapering or split instruction is several orders; checking the first alone could pass the wrong one.
        raise DoseInputError(f"{path}.dosageInstruction", "several dosage instructions: send one MedicationRequest per dose")
    dosage, where = dosages[0], f"{path}.dosageInstruction[0]"
    dose = read_dose(dosage, where)
    frequency = read_timing(dosage.timing, f"{where}.timing")
    route = _route(dosage, where)
    authored = _date(request.authoredOn) if request.authoredOn else None
    intent = OrderIntent.RENEWAL if request.priorPrescription is not None else OrderIntent.NEW
    start = None
    if dosage.timing and dosage.timing.repeat and dosage.timing.repeat.boundsPeriod and dosage.timing.repeat.boundsPeriod.start:
        start = _date(dosage.timing.repeat.boundsPeriod.start).isoformat()
    try:
        order = Order(drug=drug, dose=dose, frequency=frequency, route=route, start_date=start, intent=intent)
    except DoseInputError as exc:
        paths = {"dose": f"{where}.doseAndRate[0]", "frequency": f"{where}.timing", "route": f"{where}.route", "drug": concept_path}
        raise DoseInputError(paths.get(exc.parameter, f"{path} ({exc.parameter})"), exc.problem) from None
    return FhirOrder(order, request, authored)


def read_order(data: Mapping[str, object], path: str = "MedicationRequest") -> Order:
    return read_medication_request(data, path).order


# --- the patient ------------------------------------------------------------------------


def resources_of(bundle: object, resource_type: str, path: str) -> list[tuple[str, Mapping[str, object]]]:
    """The ``resource_type`` entries of a Bundle (a searchset), or a lone resource; others ignored (OperationOutcome)."""
    if bundle is None:
        return []
    if not isinstance(bundle, Mapping):
        raise DoseInputError(path, f"expected a FHIR Bundle, got {type(bundle).__name__}")
    if bundle.get("resourceType") == resource_type:
        return [(path, bundle)]
    if bundle.get("resourceType") != "Bundle":
        raise DoseInputError(f"{path}.resourceType", f"expected 'Bundle', got {bundle.get('resourceType')!r}")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise DoseInputError(f"{path}.entry", "expected a list")
    found: list[tuple[str, Mapping[str, object]]] = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(resource, Mapping):
            raise DoseInputError(f"{path}.entry[{index}]", "an entry without a resource")
        if resource.get("resourceType") == resource_type:
            found.append((f"{path}.entry[{index}].resource", resource))
    return found


def _effective(obs: Observation) -> dt.datetime:
    """When an observation was made: effective[x], else issued; the oldest possible when unknown."""
    value = obs.effectiveDateTime or obs.effectiveInstant or (obs.effectivePeriod.end or obs.effectivePeriod.start if obs.effectivePeriod else None) or obs.issued
    if value is None:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(_date(value), dt.time.min, tzinfo=dt.UTC)


def _latest(observations: list[_Observed], codes: tuple[str, ...]) -> _Observed | None:
    matching = [
        (when, path, obs) for when, path, obs in observations
        if any(c.system == LOINC and c.code in codes for c in obs.code.coding or [])
    ]
    if not matching:
        return None
    return max(matching, key=lambda item: item[0])


def _observations(bundle: object, path: str) -> list[_Observed]:
    read: list[_Observed] = []
    for where, data in resources_of(bundle, "Observation", path):
        obs = validate(data, "Observation", where)
        if obs.status in RESULT_STATUSES:
            read.append((_effective(obs), where, obs))
    return read


def _observed(observations: list[_Observed], codes: tuple[str, ...], parameter: str) -> Qty | None:
    latest = _latest(observations, codes)
    if latest is None:
        return None
    _, where, obs = latest
    return _quantity_value(obs.valueQuantity, f"{where}.valueQuantity", parameter)


def read_conditions(bundle: object, path: str = "conditions") -> list[str]:
    """The active conditions as problem-list entries: 'ICD-10-CM:code', 'SNOMED:code' and the text."""
    entries: list[str] = []
    for where, data in resources_of(bundle, "Condition", path):
        condition = validate(data, "Condition", where)
        if not _is_active(condition):
            continue
        concept = condition.code
        if concept is None:
            continue
        for coding in concept.coding or []:
            if coding.system == ICD10CM and coding.code:
                entries.append(f"ICD-10-CM:{coding.code}")
            elif coding.system == SNOMED and coding.code:
                entries.append(f"SNOMED:{coding.code}")
            elif coding.display:
                entries.append(coding.display)
        if concept.text and concept.text.strip():
            entries.append(concept.text.strip())
    return entries


def _code_of(concept: CodeableConcept | None) -> str | None:
    return next((c.code for c in (concept.coding or []) if c.code), None) if concept is not None else None


def _is_active(condition: Condition) -> bool:
    # No clinicalStatus (allowed when verificationStatus is entered-in-error) is not read as active.
    if _code_of(condition.verificationStatus) in NOT_TRUE:
        return False
    return _code_of(condition.clinicalStatus) in ACTIVE_CLINICAL


def read_current_medications(bundle: object, path: str = "medications", *, exclude_ids: Iterable[str] = ()) -> list[str]:
    """Names of active MedicationRequest / MedicationStatement entries (canonical when RxNorm-coded)."""
    excluded = set(exclude_ids)
    names: list[str] = []
    kinds: tuple[tuple[Literal["MedicationRequest", "MedicationStatement"], set[str]], ...] = (
        ("MedicationRequest", {"active", "on-hold"}), ("MedicationStatement", {"active", "intended"}),
    )
    for resource_type, active in kinds:
        for where, data in resources_of(bundle, resource_type, path):
            resource = validate(data, resource_type, where)
            if resource.status not in active or (resource.id and resource.id in excluded):
                continue
            concept, concept_path = _medication_concept(resource, where)
            names.append(_drug_name(concept, concept_path))
    return names


def read_patient(patient_data: Mapping[str, object], observations: object = None, conditions: object = None, *, as_of: dt.date | None = None,
                 path: str = "patient") -> Patient:
    """A Patient from the Patient resource, the Observation bundle (latest of each) and the Condition bundle."""
    resource = validate(patient_data, "Patient", path)
    if resource.birthDate is None:
        raise DoseInputError(f"{path}.birthDate", "no birth date: age is needed")
    if resource.gender is None:
        raise DoseInputError(f"{path}.gender", "no gender: record 'unknown' if it is not known")
    obs = _observations(observations, "observations")
    weight = _observed(obs, WEIGHT_CODES, "body weight")
    height = _observed(obs, HEIGHT_CODES, "body height")
    if weight is None:
        raise DoseInputError("weight", "no body weight Observation (LOINC 29463-7): weight-based checks cannot be done")
    if height is None:
        raise DoseInputError("height", "no body height Observation (LOINC 8302-2): BSA and ideal weight cannot be computed")
    return Patient(
        weight=weight,
        height=height,
        sex=resource.gender,
        birth_date=_date(resource.birthDate).isoformat(),
        as_of=(as_of or dt.date.today()).isoformat(),
        serum_creatinine=_observed(obs, CREATININE_CODES, "serum creatinine"),
        conditions=read_conditions(conditions),
    )


def read_egfr(observations: object) -> Qty | None:
    """The latest reported eGFR (LOINC 98979-8 / 62238-1), or None. Patient has no field for it yet (see report)."""
    return _observed(_observations(observations, "observations"), EGFR_CODES, "eGFR")
