"""One module per drug of the plan: its calculator (``calculate_*``) and its order check (``check_*order``).

Drug modules only ever see a canonical :class:`dosing.order.Order` and
:class:`dosing.patient.Patient`, read once by the input layer (``dosing.input``);
they never parse a dose string or a frequency themselves. To add a drug, add a
module here and register its order check in :func:`order_checkers` below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dosing.order import Order
    from dosing.patient import Patient
    from dosing.verdict import DoseCheck

DoseChecker = Callable[["Order", "Patient"], "DoseCheck"]


# Canonical drug name (interactions/drugs.toml) -> (module in dosing.drugs, its order check).
_CHECKERS: dict[str, tuple[str, str]] = {
    "ivig": ("ivig", "check_order"),
    "methotrexate": ("methotrexate", "check_order"),
    "rituximab": ("rituximab", "check_rituximab_order"),
    "mycophenolate mofetil": ("mycophenolate", "check_mmf_order"),
    "mycophenolate sodium": ("mycophenolate", "check_mps_order"),
    "prednisone": ("steroids", "check_prednisone_order"),
    "prednisolone": ("steroids", "check_prednisolone_order"),
    "methylprednisolone": ("steroids", "check_methylprednisolone_order"),
    "dexamethasone": ("steroids", "check_dexamethasone_order"),
    "hydrocortisone": ("steroids", "check_hydrocortisone_order"),
    "hydroxychloroquine": ("hydroxychloroquine", "check_hcq_order"),
    "cyclosporine": ("cyclosporine", "check_cyclosporine_order"),
}


def order_checker(drug: str) -> DoseChecker | None:
    """The order check for one canonical drug name, or None when dmdose has no calculator for it.

    Only that drug's module is imported (on first use), not all of them: a one-order
    ``dmdose verify`` loads one calculator (issue 8, cold start). Each drug module may
    import the core without a cycle, since nothing here is imported at the top.
    """
    entry = _CHECKERS.get(drug)
    if entry is None:
        return None
    return _load(entry)


def _load(entry: tuple[str, str]) -> DoseChecker:
    module, function = entry
    checker: DoseChecker = getattr(importlib.import_module(f"dosing.drugs.{module}"), function)
    return checker


def order_checkers() -> dict[str, DoseChecker]:
    """Canonical drug name (interactions/drugs.toml) -> its order check (imports every drug module)."""
    return {drug: _load(entry) for drug, entry in _CHECKERS.items()}
