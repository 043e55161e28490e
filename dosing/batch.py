"""The numpy batch path: BSA and IVIG / methotrexate / rituximab / mycophenolate doses for many patients at once.

Inputs are pint Quantity arrays (``Quantity(np.array([...]), "kg")``) or lists
of quantities/strings. Validation is the scalar path's, element by element:
the first bad value raises the same :class:`DoseInputError` the scalar
calculator would, with its index in the parameter name (``weights[3]``).
The arithmetic calls the same numeric helpers as the scalar calculators, so a
batch result equals the scalar result patient by patient.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import attrs
import numpy as np
import numpy.typing as npt
import pint

from dosing import body
from dosing.drugs import ivig, methotrexate, mycophenolate, rituximab
from dosing.units import DoseInputError, Quantity, check_magnitude, convert, quantity

if TYPE_CHECKING:
    from dosing.units import Qty

# One value per patient: a pint Quantity array, or a list (tuple) of what the scalar
# calculator reads for one patient (a Quantity, or a text such as "70 kg").
Measures: TypeAlias = "Qty | Sequence[Qty | str]"
Floats: TypeAlias = "npt.NDArray[np.float64]"
Flags: TypeAlias = "npt.NDArray[np.bool_]"
_Scalar = TypeVar("_Scalar", bound=np.generic)


def _readonly(array: npt.NDArray[_Scalar]) -> npt.NDArray[_Scalar]:
    array.flags.writeable = False
    return array


def _result(values: npt.ArrayLike, unit: str) -> Qty:
    """A result array that cannot be changed in place: the result classes are frozen, so are their numbers."""
    return Quantity(_readonly(np.array(values, dtype=float)), unit)


def _magnitudes(
    values: object, parameter: str, dimension: str, unit: str, limits: tuple[float, float], *, allow_zero: bool = False
) -> Floats:
    lo, hi = limits
    if isinstance(values, pint.Quantity):
        mags = np.asarray(convert(values, parameter, dimension, unit=unit).magnitude, dtype=float)
    elif isinstance(values, (list, tuple)):
        mags = np.array(
            [
                quantity(v, f"{parameter}[{i}]", dimension, unit=unit, minimum=lo, maximum=hi, allow_zero=allow_zero).magnitude
                for i, v in enumerate(values)
            ],
            dtype=float,
        )
    else:
        raise DoseInputError(parameter, f"expected a Quantity array or a list of {dimension} values, got {type(values).__name__}")
    if mags.ndim != 1 or mags.size == 0:
        raise DoseInputError(parameter, "expected a non-empty one-dimensional array")
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(mags) | ((mags < 0) if allow_zero else (mags <= 0)) | (mags < lo) | (mags > hi)
    if bad.any():
        index = int(np.argmax(bad))
        check_magnitude(float(mags[index]), f"{parameter}[{index}]", unit, minimum=lo, maximum=hi, allow_zero=allow_zero)
    return mags


def weights_kg(weights: Measures) -> Floats:
    return _magnitudes(weights, "weights", "mass", "kg", body.WEIGHT_KG)


def heights_cm(heights: Measures) -> Floats:
    return _magnitudes(heights, "heights", "length", "cm", body.HEIGHT_CM)


def _same_length(**arrays: npt.NDArray[Any]) -> int:
    sizes = {name: len(a) for name, a in arrays.items()}
    if len(set(sizes.values())) != 1:
        raise DoseInputError("batch", f"arrays differ in length: {sizes}")
    return next(iter(sizes.values()))


def batch_bsa(weights: Measures, heights: Measures, formula: body.BSAFormula | str = body.BSAFormula.MOSTELLER) -> Qty:
    """BSA in m² for each (weight, height) pair."""
    w, h = weights_kg(weights), heights_cm(heights)
    _same_length(weights=w, heights=h)
    return _result(body._bsa_m2(w, h, body.parse_bsa_formula(formula)), "m**2")


def _sexes(sexes: Sequence[body.Sex | str] | npt.NDArray[Any], n: int) -> tuple[Flags, Flags]:
    """(male, known) flags: a sex other than female/male (unknown, other) has no Devine IBW."""
    if not isinstance(sexes, (list, tuple, np.ndarray)) or len(sexes) != n:
        raise DoseInputError("sexes", f"expected a list of {n} sexes ('female'/'male')")
    male: list[bool] = []
    known: list[bool] = []
    for i, s in enumerate(sexes):
        try:
            sex = body.Sex.parse(s)
        except DoseInputError as exc:
            raise DoseInputError(f"sexes[{i}]", exc.problem) from None
        male.append(sex is body.Sex.MALE)
        known.append(sex in (body.Sex.MALE, body.Sex.FEMALE))
    return np.array(male, dtype=bool), np.array(known, dtype=bool)


def _sexes_male(sexes: Sequence[body.Sex | str] | npt.NDArray[Any], n: int) -> Flags:
    return _sexes(sexes, n)[0]


@attrs.frozen
class BatchIvig:
    """Per-patient IVIG course doses (same rules as :func:`dosing.drugs.ivig.calculate_ivig`).

    ``ideal_body_weight`` is NaN where it was not computed (label policy, under 152.4 cm, sex unknown).
    """

    ideal_body_weight: Qty
    dosing_weight: Qty
    used_adjusted_weight: Flags = attrs.field(eq=attrs.cmp_using(eq=np.array_equal))
    target_daily_dose: Qty
    daily_dose: Qty
    course_dose: Qty


def batch_ivig(
    weights: Measures, heights: Measures, sexes: Sequence[body.Sex | str] | npt.NDArray[Any], *,
    dose_per_kg: Qty | str = ivig.DEFAULT_DOSE_PER_KG, days: int = ivig.DEFAULT_DAYS,
    product: ivig.IvigProduct = ivig.DEFAULT_PRODUCT, policy: ivig.WeightPolicy | str = "label",
) -> BatchIvig:
    """IVIG for many adult, non-pregnant patients: dosing weight by ``policy``, whole vials per day.

    ``label``: the actual weight. ``adjusted`` (stewardship): min(actual, IBW + 0.4 × (actual − IBW)),
    except under 152.4 cm or with a sex other than female/male (actual weight), as the scalar path.
    Age and pregnancy exclusions need the patient: use :func:`dosing.drugs.ivig.calculate_ivig` for them.
    """
    w, h = weights_kg(weights), heights_cm(heights)
    n = _same_length(weights=w, heights=h)
    male, known = _sexes(sexes, n)
    policy = ivig.WeightPolicy.parse(policy)
    per_kg = ivig._dose_per_kg(dose_per_kg).magnitude
    n_days = ivig._days(days)
    ibw = np.full(n, np.nan)
    dosing, adjusted = w.copy(), np.zeros(n, dtype=bool)
    if policy is ivig.WeightPolicy.ADJUSTED:
        eligible = known & (h >= ivig.STEWARDSHIP_MIN_HEIGHT_CM - 1e-9)
        if eligible.any():
            ibw[eligible] = body.ideal_body_weight_kg(h[eligible], male[eligible], parameter="heights")
            dosing[eligible], adjusted[eligible] = ivig.dosing_weight_kg(w[eligible], ibw[eligible])
    target = ivig.target_daily_dose_g(dosing, per_kg, n_days)
    # Vial rounding is a small search per patient; the scalar functions are the rule, the
    # course total included (a float product daily × days can differ from it in the last bit).
    daily = [ivig._vial_total(ivig.round_to_vials(Quantity(t, "g"), product)) for t in target]
    course = [ivig._course_total(d, n_days).magnitude for d in daily]
    return BatchIvig(
        ideal_body_weight=_result(ibw, "kg"),
        dosing_weight=_result(dosing, "kg"),
        used_adjusted_weight=_readonly(np.array(adjusted, dtype=bool)),
        target_daily_dose=_result(target, "g"),
        daily_dose=_result([d.magnitude for d in daily], "g"),
        course_dose=_result(course, "g"),
    )


@attrs.frozen
class BatchMethotrexate:
    """Weekly BSA-based methotrexate doses, rounded down to 2.5 mg and capped.

    ``renal_adjusted`` is always False: kidney function differs per patient and
    is applied by :func:`dosing.drugs.methotrexate.calculate_methotrexate` / ``verify``.
    """

    bsa: Qty
    target_dose: Qty
    weekly_dose: Qty
    renal_adjusted: bool = False


def batch_methotrexate(
    weights: Measures, heights: Measures, *, dose_per_m2: Qty | str = "15 mg/m**2", bsa_formula: body.BSAFormula | str = "mosteller"
) -> BatchMethotrexate:
    bsa = batch_bsa(weights, heights, bsa_formula).magnitude
    per_m2 = methotrexate.dose_per_m2_value(dose_per_m2).magnitude
    target = bsa * per_m2
    weekly = methotrexate.weekly_dose_mg_from_bsa(bsa, per_m2)
    return BatchMethotrexate(_result(bsa, "m**2"), _result(target, "mg"), _result(weekly, "mg"))


@attrs.frozen
class BatchRituximab:
    """Per-patient rituximab doses (same rules as :func:`dosing.drugs.rituximab.calculate_rituximab`).

    ``bsa`` is NaN on the fixed regimen (the scalar plan's ``bsa`` is None there).
    ``above_1000_uncapped`` marks a 375 mg/m² dose above 1000 mg: the plan's INFO note that the
    label sets no mg cap on this regimen (the RIM trial's 1 g cap was for 750 mg/m²).
    Age-dependent findings (the fixed regimen under 18) need the patient: use the scalar path.
    """

    regimen: rituximab.RituximabRegimen
    bsa: Qty
    dose_per_administration: Qty
    volume_per_administration: Qty
    administrations: int
    total_course_dose: Qty
    vials_500mg: npt.NDArray[np.int_] = attrs.field(eq=attrs.cmp_using(eq=np.array_equal))
    vials_100mg: npt.NDArray[np.int_] = attrs.field(eq=attrs.cmp_using(eq=np.array_equal))
    above_1000_uncapped: Flags = attrs.field(eq=attrs.cmp_using(eq=np.array_equal))


def _vial_counts(dose_mg: Floats) -> tuple[npt.NDArray[np.int_], npt.NDArray[np.int_]]:
    # vials_for is a small search: run it once per distinct dose (a cohort has few), not per patient.
    counts: dict[float, tuple[int, int]] = {}
    for dose in np.unique(dose_mg).tolist():
        by_size = {v.strength.magnitude: v.count for v in rituximab.vials_for(dose)}
        counts[dose] = (by_size.get(500.0, 0), by_size.get(100.0, 0))
    big = np.array([counts[d][0] for d in dose_mg.tolist()], dtype=int)
    small = np.array([counts[d][1] for d in dose_mg.tolist()], dtype=int)
    return big, small


def batch_rituximab(
    weights: Measures, heights: Measures, *, regimen: rituximab.RituximabRegimen | str = "bsa-weekly-x4",
    bsa_formula: body.BSAFormula | str = "mosteller",
) -> BatchRituximab:
    """Rituximab for many patients: 375 mg/m² × BSA to the nearest 10 mg weekly × 4 (no mg cap), or 1000 mg days 1 and 15."""
    regimen = rituximab.RituximabRegimen.parse(regimen)
    w, h = weights_kg(weights), heights_cm(heights)
    n = _same_length(weights=w, heights=h)
    if regimen is rituximab.RituximabRegimen.BSA_WEEKLY_X4:
        bsa = body._bsa_m2(w, h, body.parse_bsa_formula(bsa_formula))
        raw = rituximab.DOSE_PER_M2_MG * bsa
        # As _bsa_dose: a dose that rounds to nothing is kept as computed (unreachable above 0.014 m²).
        rounded = rituximab.rituximab_dose_mg(bsa)
        dose = np.where(rounded > 0, rounded, raw)
        administrations = rituximab.WEEKLY_DOSES
        uncapped = dose > rituximab.FIXED_DOSE_MG
    else:
        bsa = np.full(n, np.nan)
        dose = np.full(n, rituximab.FIXED_DOSE_MG)
        administrations = 2  # days 1 and 15 (Rituxan US PI, RA)
        uncapped = np.zeros(n, dtype=bool)
    big, small = _vial_counts(dose)
    return BatchRituximab(
        regimen=regimen,
        bsa=_result(bsa, "m**2"),
        dose_per_administration=_result(dose, "mg"),
        volume_per_administration=_result(dose / rituximab.CONCENTRATION_MG_PER_ML, "mL"),
        administrations=administrations,
        total_course_dose=_result(dose * administrations, "mg"),
        vials_500mg=_readonly(big),
        vials_100mg=_readonly(small),
        above_1000_uncapped=_readonly(np.asarray(uncapped, dtype=bool)),
    )


@attrs.frozen
class BatchMycophenolate:
    """Per-patient MMF twice-daily doses (same rules as :func:`dosing.drugs.mycophenolate.calculate_mycophenolate`).

    The recommended dose is the requested one (1000–1500 mg BID, whole 250 mg units), at most
    1000 mg BID where eGFR < 25 (CellCept US PI). ``egfr`` is NaN where unknown: no cap, and the
    scalar plan's caution (``renal_known`` False). Under 18 the dose is not changed, it is
    judged: ``pediatric_ceiling`` (600 mg/m² × Mosteller BSA, at most 1 g BID; NaN for adults)
    and ``above_pediatric_ceiling`` (the plan's MAJOR finding). ``below_range`` is the adult
    caution under 1000 mg BID.
    """

    bsa: Qty
    requested_dose: Qty
    dose_per_administration: Qty
    daily_dose: Qty
    max_daily_dose: Qty
    egfr: Qty
    renal_known: Flags = attrs.field(eq=attrs.cmp_using(eq=np.array_equal))
    renal_cap_applied: Flags = attrs.field(eq=attrs.cmp_using(eq=np.array_equal))
    pediatric_ceiling: Qty
    above_pediatric_ceiling: Flags = attrs.field(eq=attrs.cmp_using(eq=np.array_equal))
    below_range: Flags = attrs.field(eq=attrs.cmp_using(eq=np.array_equal))
    mps_equivalent: Qty


def ages_years(ages: Measures) -> Floats:
    return _magnitudes(ages, "ages", "time", "year", body.AGE_YEARS, allow_zero=True)


# body.egfr_value's limits: 0 (allowed) to 250 mL/min/1.73 m².
_EGFR_LIMITS = (0.0, 250.0)
_EGFR_UNIT = "mL/min/std_bsa"


def egfrs_value(egfrs: Qty | Sequence[Qty | str | None] | None, n: int) -> Floats:
    """eGFR per patient in mL/min/1.73 m², NaN where unknown (None, in a list, or ``egfrs=None`` for all)."""
    if egfrs is None:
        return np.full(n, np.nan)
    if isinstance(egfrs, (list, tuple)):
        if len(egfrs) != n:
            raise DoseInputError("egfrs", f"expected {n} values (None where unknown), got {len(egfrs)}")
        lo, hi = _EGFR_LIMITS
        return np.array(
            [
                np.nan if v is None
                else quantity(v, f"egfrs[{i}]", "flow per area", unit=_EGFR_UNIT, minimum=lo, maximum=hi, allow_zero=True).magnitude
                for i, v in enumerate(egfrs)
            ],
            dtype=float,
        )
    # A Quantity array: every value known; a NaN is refused, not read as unknown.
    values = _magnitudes(egfrs, "egfrs", "flow per area", _EGFR_UNIT, _EGFR_LIMITS, allow_zero=True)
    _same_length(patients=np.empty(n), egfrs=values)
    return values


def _requested_doses(doses: Qty | str | Sequence[Qty | str], n: int) -> Floats:
    """One requested MMF dose for all, or one per patient; refused as the scalar refuses, named with the index."""
    if isinstance(doses, (list, tuple)) or (isinstance(doses, pint.Quantity) and np.ndim(doses.magnitude) == 1):
        if len(doses) != n:
            raise DoseInputError("dose_per_administration", f"expected one dose or {n} doses, got {len(doses)}")
        seen: dict[str, float] = {}
        values: list[float] = []
        for i, dose in enumerate(doses):
            # Doses repeat across a cohort (1000, 1500 mg): each distinct text is read once.
            key = dose if isinstance(dose, str) else None
            if key is None or key not in seen:
                value = mycophenolate.requested_mmf_mg(dose, f"dose_per_administration[{i}]")
                if key is not None:
                    seen[key] = value
            values.append(seen[key] if key is not None else value)
        return np.array(values, dtype=float)
    # Anything else is read as one dose, and refused there if it is not one (a set, a 2-D array...).
    return np.full(n, mycophenolate.requested_mmf_mg(doses))  # type: ignore[arg-type]


def batch_mycophenolate(
    weights: Measures, heights: Measures, ages: Measures, *, dose_per_administration: Qty | str | Sequence[Qty | str] = "1000 mg",
    egfrs: Qty | Sequence[Qty | str | None] | None = None,
) -> BatchMycophenolate:
    """MMF twice daily for many patients: the renal cap, the paediatric ceiling and the MPS equivalent.

    ``egfrs`` are given eGFRs (the scalar ``egfr=``); the scalar path's CKD-EPI 2021 from a
    creatinine is not computed here: give the eGFR, or None (unknown) for that patient.
    """
    w, h, a = weights_kg(weights), heights_cm(heights), ages_years(ages)
    n = _same_length(weights=w, heights=h, ages=a)
    egfr = egfrs_value(egfrs, n)
    requested = _requested_doses(dose_per_administration, n)
    dose, capped = mycophenolate.mmf_renal_capped_mg(requested, egfr)
    with np.errstate(invalid="ignore"):
        severe = egfr < mycophenolate.SEVERE_RENAL_EGFR
    per_day = mycophenolate.MMF_DOSES_PER_DAY
    max_daily = np.where(severe, mycophenolate.MMF_RENAL_MAX_DOSE_MG * per_day, mycophenolate.MMF_MAX_DAILY_MG)
    # Pediatric rules use the Mosteller BSA, as Patient.bsa() in the scalar path.
    bsa = body._bsa_m2(w, h, body.BSAFormula.MOSTELLER)
    child = a < body.ADULT_YEARS
    ceiling = np.full(n, np.nan)
    above = np.zeros(n, dtype=bool)
    if child.any():
        ceiling[child] = mycophenolate.pediatric_ceiling_mg(bsa[child])
        # As _pediatric_findings: per dose above the ceiling, or per day above twice it (6 decimals).
        day_ceiling = np.round(ceiling[child] * per_day, 6)
        above[child] = (dose[child] > ceiling[child]) | (dose[child] * per_day > day_ceiling)
    # The MPS equivalent per distinct dose: the scalar rounding (Decimal, 180 mg steps) is the rule.
    mps = {d: mycophenolate._mps_equivalent_mg(d) for d in np.unique(dose).tolist()}
    return BatchMycophenolate(
        bsa=_result(bsa, "m**2"),
        requested_dose=_result(requested, "mg"),
        dose_per_administration=_result(dose, "mg"),
        daily_dose=_result(dose * per_day, "mg"),
        max_daily_dose=_result(max_daily, "mg"),
        egfr=_result(egfr, _EGFR_UNIT),
        renal_known=_readonly(~np.isnan(egfr)),
        renal_cap_applied=_readonly(np.asarray(capped, dtype=bool)),
        pediatric_ceiling=_result(ceiling, "mg"),
        above_pediatric_ceiling=_readonly(above),
        below_range=_readonly((dose < mycophenolate.MMF.low) & ~child),
        mps_equivalent=_result([mps[d] for d in dose.tolist()], "mg"),
    )
