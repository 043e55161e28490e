"""The numpy batch path: BSA and IVIG / methotrexate doses for many patients at once.

Inputs are pint Quantity arrays (``Quantity(np.array([...]), "kg")``) or lists
of quantities/strings. Validation is the scalar path's, element by element:
the first bad value raises the same :class:`DoseInputError` the scalar
calculator would, with its index in the parameter name (``weights[3]``).
The arithmetic calls the same numeric helpers as the scalar calculators, so a
batch result equals the scalar result patient by patient.
"""

from __future__ import annotations

import attrs
import numpy as np
import pint

from dosing import body
from dosing.drugs import ivig, methotrexate
from dosing.units import DoseInputError, Quantity, check_magnitude, convert, quantity


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _result(values, unit: str) -> pint.Quantity:
    """A result array that cannot be changed in place: the result classes are frozen, so are their numbers."""
    return Quantity(_readonly(np.array(values, dtype=float)), unit)


def _magnitudes(values, parameter: str, dimension: str, unit: str, limits: tuple[float, float]) -> np.ndarray:
    lo, hi = limits
    if isinstance(values, pint.Quantity):
        mags = np.asarray(convert(values, parameter, dimension, unit=unit).magnitude, dtype=float)
    elif isinstance(values, (list, tuple)):
        mags = np.array(
            [quantity(v, f"{parameter}[{i}]", dimension, unit=unit, minimum=lo, maximum=hi).magnitude for i, v in enumerate(values)],
            dtype=float,
        )
    else:
        raise DoseInputError(parameter, f"expected a Quantity array or a list of {dimension} values, got {type(values).__name__}")
    if mags.ndim != 1 or mags.size == 0:
        raise DoseInputError(parameter, "expected a non-empty one-dimensional array")
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(mags) | (mags <= 0) | (mags < lo) | (mags > hi)
    if bad.any():
        index = int(np.argmax(bad))
        check_magnitude(float(mags[index]), f"{parameter}[{index}]", unit, minimum=lo, maximum=hi)
    return mags


def weights_kg(weights) -> np.ndarray:
    return _magnitudes(weights, "weights", "mass", "kg", body.WEIGHT_KG)


def heights_cm(heights) -> np.ndarray:
    return _magnitudes(heights, "heights", "length", "cm", body.HEIGHT_CM)


def _same_length(**arrays: np.ndarray) -> int:
    sizes = {name: len(a) for name, a in arrays.items()}
    if len(set(sizes.values())) != 1:
        raise DoseInputError("batch", f"arrays differ in length: {sizes}")
    return next(iter(sizes.values()))


def batch_bsa(weights, heights, formula: "body.BSAFormula | str" = body.BSAFormula.MOSTELLER) -> pint.Quantity:
    """BSA in m² for each (weight, height) pair."""
    w, h = weights_kg(weights), heights_cm(heights)
    _same_length(weights=w, heights=h)
    return _result(body._bsa_m2(w, h, body.parse_bsa_formula(formula)), "m**2")


def _sexes(sexes, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(male, known) flags: a sex other than female/male (unknown, other) has no Devine IBW."""
    if not isinstance(sexes, (list, tuple, np.ndarray)) or len(sexes) != n:
        raise DoseInputError("sexes", f"expected a list of {n} sexes ('female'/'male')")
    male, known = [], []
    for i, s in enumerate(sexes):
        try:
            sex = body.Sex.parse(s)
        except DoseInputError as exc:
            raise DoseInputError(f"sexes[{i}]", exc.problem) from None
        male.append(sex is body.Sex.MALE)
        known.append(sex in (body.Sex.MALE, body.Sex.FEMALE))
    return np.array(male, dtype=bool), np.array(known, dtype=bool)


def _sexes_male(sexes, n: int) -> np.ndarray:
    return _sexes(sexes, n)[0]


@attrs.frozen
class BatchIvig:
    """Per-patient IVIG course doses (same rules as :func:`dosing.drugs.ivig.calculate_ivig`).

    ``ideal_body_weight`` is NaN where it was not computed (label policy, under 152.4 cm, sex unknown).
    """

    ideal_body_weight: pint.Quantity
    dosing_weight: pint.Quantity
    used_adjusted_weight: np.ndarray = attrs.field(eq=attrs.cmp_using(eq=np.array_equal))
    target_daily_dose: pint.Quantity
    daily_dose: pint.Quantity
    course_dose: pint.Quantity


def batch_ivig(
    weights, heights, sexes, *, dose_per_kg=ivig.DEFAULT_DOSE_PER_KG, days: int = ivig.DEFAULT_DAYS,
    product=ivig.DEFAULT_PRODUCT, policy="label",
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

    bsa: pint.Quantity
    target_dose: pint.Quantity
    weekly_dose: pint.Quantity
    renal_adjusted: bool = False


def batch_methotrexate(weights, heights, *, dose_per_m2="15 mg/m**2", bsa_formula="mosteller") -> BatchMethotrexate:
    bsa = batch_bsa(weights, heights, bsa_formula).magnitude
    per_m2 = methotrexate.dose_per_m2_value(dose_per_m2).magnitude
    target = bsa * per_m2
    weekly = methotrexate.weekly_dose_mg_from_bsa(bsa, per_m2)
    return BatchMethotrexate(_result(bsa, "m**2"), _result(target, "mg"), _result(weekly, "mg"))
