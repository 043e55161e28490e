"""The numpy batch path: BSA and IVIG / methotrexate doses for many patients at once.

Inputs are pint Quantity arrays (``Quantity(np.array([...]), "kg")``) or lists
of quantities/strings. Validation is the scalar path's, element by element:
the first bad value raises the same :class:`DoseInputError` the scalar
calculator would, with its index in the parameter name (``weights[3]``).
The arithmetic calls the same numeric helpers as the scalar calculators, so a
batch result equals the scalar result patient by patient.
"""

from __future__ import annotations

import numpy as np
import pint

from dosing import body
from dosing.units import DoseInputError, Quantity, check_magnitude, convert, quantity


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
    return Quantity(body._bsa_m2(w, h, body.parse_bsa_formula(formula)), "m**2")
