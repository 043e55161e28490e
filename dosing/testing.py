"""Hypothesis strategies for property-based tests of code built on dmdose.

Import it in your own test suite::

    from hypothesis import given
    from dosing import verify
    from dosing.testing import orders, patients

    @given(patients(), orders(drug="methotrexate"))
    def test_my_app_never_shows_a_daily_methotrexate(patient, order):
        verdict = verify(order, patient)
        ...

What the strategies promise (and dmdose's own tests check, tests/test_testing_module.py):

- :func:`patient_fields` / :func:`patients` — adults as a chart writes them: weight in kg
  or lb, height in cm, m, "5 ft 5 in" or 5'5", age as text ("54 years", "54 yr"), sex in
  its usual spellings, serum creatinine in mg/dL or µmol/L (or unknown), conditions from
  dmdose's vocabulary. Each one is accepted by :class:`dosing.Patient`.
- :func:`order_fields` / :func:`orders` — orders a prescriber writes for a drug of the plan,
  in the forms found on real orders ("20 mg", "8 tablets", "weekly on Fridays", "BID",
  "daily for 2 days every 4 weeks", "PO", "subcut", "IV"). Each one is accepted by
  :class:`dosing.Order`; its verdict may be ok, warn or block (a valid order can be a
  wrong dose for the patient: that is what dmdose is for).
- :func:`order_strings` — one-line order texts ("methotrexate 20 mg PO weekly on Fridays").
- :func:`known_cases` — orders whose verdict status is known (:data:`KNOWN_CASES`), each
  with the reason, for regression tests of anything that wraps :func:`dosing.verify`.

hypothesis is an optional dependency: ``pip install dmdose[test]``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import attrs

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised by a subprocess test
    raise ImportError(
        "dosing.testing provides hypothesis strategies and needs hypothesis: pip install dmdose[test] (or pip install hypothesis)"
    ) from exc

from dosing.input.conditions import known_conditions
from dosing.order import Order
from dosing.patient import Patient

__all__ = [
    "DRUGS",
    "KNOWN_CASES",
    "KnownCase",
    "known_cases",
    "order_fields",
    "order_strings",
    "orders",
    "patient_fields",
    "patients",
]

LB_PER_KG = 2.20462  # 1 lb = 0.45359237 kg (international avoirdupois pound)
CM_PER_IN = 2.54


# --- patients -----------------------------------------------------------------------------


def _weight_text(kg: float, draw_form: str) -> str:
    if draw_form == "kg":
        return f"{kg:.1f} kg"
    if draw_form == "kg-tight":
        return f"{kg:.0f}kg"
    if draw_form == "lb":
        return f"{kg * LB_PER_KG:.0f} lb"
    return f"{kg * LB_PER_KG:.1f} lbs"


@st.composite
def _weight(draw: st.DrawFn, min_kg: float, max_kg: float) -> str:
    # Whole tenths of a kg: a chart never has more, and the text then reads back exactly.
    kg = draw(st.integers(int(min_kg * 10), int(max_kg * 10))) / 10
    return _weight_text(kg, draw(st.sampled_from(["kg", "kg-tight", "lb", "lbs"])))


@st.composite
def _height(draw: st.DrawFn, min_cm: int, max_cm: int) -> str:
    form = draw(st.sampled_from(["cm", "m", "ft-in", "prime", "in"]))
    if form in ("cm", "m"):
        cm = draw(st.integers(min_cm, max_cm))
        return f"{cm} cm" if form == "cm" else f"{cm / 100:.2f} m"
    inches = draw(st.integers(math.ceil(min_cm / CM_PER_IN), math.floor(max_cm / CM_PER_IN)))
    feet, rest = divmod(inches, 12)
    if form == "ft-in":
        return f"{feet} ft {rest} in"
    if form == "prime":
        return f"{feet}'{rest}\""
    return f"{inches} in"


@st.composite
def _age(draw: st.DrawFn, min_years: int, max_years: int) -> str:
    years = draw(st.integers(min_years, max_years))
    return draw(st.sampled_from([f"{years} years", f"{years} yr", f"{years} y", f"{years} years old"]))


_SEXES = {"female": ("female", "Female", "F", "f", "woman"), "male": ("male", "Male", "M", "m", "man")}


@st.composite
def _creatinine(draw: st.DrawFn) -> str | None:
    form = draw(st.sampled_from(["mg/dL", "umol/L", "µmol/L", "unknown"]))
    if form == "unknown":
        return None
    if form == "mg/dL":
        # 0.4-2.5 mg/dL: normal to moderately impaired kidneys, where every calculator still doses.
        return f"{draw(st.integers(4, 25)) / 10:.1f} mg/dL"
    # 35-220 µmol/L is the same range (1 mg/dL = 88.42 µmol/L).
    return f"{draw(st.integers(35, 220))} {form}"


def patient_fields(
    *,
    min_weight_kg: float = 40.0,
    max_weight_kg: float = 160.0,
    min_height_cm: int = 145,
    max_height_cm: int = 200,
    min_age: int = 18,
    max_age: int = 90,
    sexes: tuple[str, ...] = ("female", "male"),
    conditions: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """A patient as JSON/chart fields (texts with their units), as ``dmdose verify`` reads them.

    A weight written in whole pounds may pass ``min_weight_kg``/``max_weight_kg`` by half a
    pound (0.23 kg). Adults by default: the kidney equations dmdose uses are adult equations and refuse
    patients under 18 (widen ``min_age`` to test that refusal). ``conditions=False`` keeps
    the condition list empty.
    """
    condition_list = st.lists(st.sampled_from(sorted(known_conditions())), max_size=3, unique=True) if conditions else st.just([])
    fields = st.fixed_dictionaries(
        {
            "weight": _weight(min_weight_kg, max_weight_kg),
            "height": _height(min_height_cm, max_height_cm),
            "age": _age(min_age, max_age),
            "sex": st.sampled_from(sexes).flatmap(lambda sex: st.sampled_from(_SEXES.get(sex, (sex,)))),
            "serum_creatinine": _creatinine(),
            "conditions": condition_list,
        }
    )
    return fields.map(lambda d: {k: v for k, v in d.items() if v is not None})


def patients(**options: Any) -> st.SearchStrategy[Patient]:
    """:class:`dosing.Patient` objects built from :func:`patient_fields` (same options)."""
    return patient_fields(**options).map(lambda fields: Patient(**fields))


# --- orders -------------------------------------------------------------------------------

# The plan's drugs, and the two it says to avoid, each with the names orders use for it.
DRUGS: dict[str, tuple[str, ...]] = {
    "methotrexate": ("methotrexate", "Methotrexate", "MTX"),
    "ivig": ("Octagam 10%",),
    "prednisone": ("prednisone", "Prednisone"),
    "hydroxychloroquine": ("hydroxychloroquine", "Plaquenil", "HCQ"),
    "mycophenolate": ("mycophenolate mofetil", "CellCept", "MMF"),
    "rituximab": ("rituximab", "Rituxan"),
    "cyclosporine": ("cyclosporine", "Neoral"),
    "etanercept": ("etanercept", "Enbrel"),
    "tocilizumab": ("tocilizumab", "Actemra"),
}

_WEEKLY = ("weekly", "once weekly", "once a week", "weekly on Fridays", "weekly on Monday", "every Friday", "q week")
_DAILY = ("daily", "once daily", "every morning", "q24h")
_BID = ("BID", "twice daily", "b.i.d.", "q12h")
_ORAL = ("oral", "PO", "by mouth", "orally")
_SUBCUT = ("subcutaneous", "subcut", "subq", "subcutaneously")
_IV = ("IV", "intravenous", "IV infusion")


def _mg(values: range, scale: float = 1.0) -> st.SearchStrategy[str]:
    return st.sampled_from(values).map(lambda n: f"{n * scale:g} mg")


@st.composite
def _methotrexate(draw: st.DrawFn) -> dict[str, Any]:
    # 7.5-25 mg weekly in 2.5 mg (one tablet) steps: the plan's 15-25 mg and the lower doses of a
    # renal reduction or a start. Tablets are written for oral orders only.
    route = draw(st.sampled_from(_ORAL + _SUBCUT))
    steps = draw(st.integers(3, 10))
    dose = f"{steps} tablets" if route in _ORAL and draw(st.booleans()) else f"{steps * 2.5:g} mg"
    return {"dose": dose, "frequency": draw(st.sampled_from(_WEEKLY)), "route": route}


@st.composite
def _ivig(draw: st.DrawFn) -> dict[str, Any]:
    # 2 g/kg per course divided over 2, 4 or 5 days (Octagam 10% label: 2-5 consecutive days), every 3-4 weeks.
    days, per_day = draw(st.sampled_from([(2, "1 g/kg"), (4, "0.5 g/kg"), (5, "0.4 g/kg")]))
    every = draw(st.sampled_from(["every 4 weeks", "every 3 weeks", "q4w"]))
    fields = {"dose": per_day, "frequency": f"daily for {days} days {every}", "route": draw(st.sampled_from(_IV))}
    if draw(st.booleans()):
        fields["start_date"] = draw(st.dates(min_value=_date("2026-01-01"), max_value=_date("2028-12-31"))).isoformat()
    return fields


@st.composite
def _rituximab(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.dates(min_value=_date("2026-01-01"), max_value=_date("2028-12-31"))).isoformat()
    dose, frequency = draw(st.sampled_from([("1000 mg", "days 1 and 15"), ("375 mg/m2", "weekly for 4 weeks"), ("375 mg/m2", "weekly x 4")]))
    return {"dose": dose, "frequency": frequency, "route": draw(st.sampled_from(_IV)), "start_date": start}


_ORDERS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "methotrexate": _methotrexate(),
    "ivig": _ivig(),
    # The plan holds prednisone at 5 mg; 2.5-20 mg covers a taper written by any prescriber.
    "prednisone": st.fixed_dictionaries({"dose": _mg(range(1, 9), 2.5), "frequency": st.sampled_from(_DAILY), "route": st.sampled_from(_ORAL)}),
    "hydroxychloroquine": st.one_of(
        st.fixed_dictionaries({"dose": st.just("200 mg"), "frequency": st.sampled_from(_DAILY + _BID), "route": st.sampled_from(_ORAL)}),
        st.fixed_dictionaries({"dose": st.just("400 mg"), "frequency": st.sampled_from(_DAILY), "route": st.sampled_from(_ORAL)}),
    ),
    # 500-1500 mg twice daily in 250 mg (capsule) steps: up to the 3 g/day label maximum.
    "mycophenolate": st.fixed_dictionaries({"dose": _mg(range(2, 7), 250), "frequency": st.sampled_from(_BID), "route": st.sampled_from(_ORAL)}),
    "rituximab": _rituximab(),
    # 50-150 mg twice daily in 25 mg capsule steps (Neoral 25 and 100 mg capsules).
    "cyclosporine": st.fixed_dictionaries({"dose": _mg(range(2, 7), 25), "frequency": st.sampled_from(_BID), "route": st.sampled_from(_ORAL)}),
    "etanercept": st.fixed_dictionaries({"dose": st.just("50 mg"), "frequency": st.sampled_from(_WEEKLY[:3]), "route": st.sampled_from(_SUBCUT)}),
    "tocilizumab": st.fixed_dictionaries({"dose": st.just("162 mg"), "frequency": st.sampled_from(_WEEKLY[:3]), "route": st.sampled_from(_SUBCUT)}),
}


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def order_fields(drug: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """An order as JSON fields (drug, dose, frequency, route[, start_date]) for ``drug`` (a key of :data:`DRUGS`), or any drug."""
    keys = sorted(_ORDERS) if drug is None else [_drug_key(drug)]
    return st.sampled_from(keys).flatmap(
        lambda key: st.tuples(st.sampled_from(DRUGS[key]), _ORDERS[key]).map(lambda pair: {"drug": pair[0], **pair[1]})
    )


def _drug_key(drug: str) -> str:
    if drug in _ORDERS:
        return drug
    for key, names in DRUGS.items():
        if drug.lower() in (name.lower() for name in names):
            return key
    raise ValueError(f"dosing.testing has no order strategy for {drug!r}; choose one of {', '.join(sorted(_ORDERS))}")


def orders(drug: str | None = None) -> st.SearchStrategy[Order]:
    """:class:`dosing.Order` objects built from :func:`order_fields`."""
    return order_fields(drug).map(lambda fields: Order(**fields))


def order_text(fields: Mapping[str, Any]) -> str:
    """One order as a prescriber writes it on one line: drug, dose, route, frequency[, start date]."""
    text = f"{fields['drug']} {fields['dose']} {fields['route']} {fields['frequency']}"
    return text + (f" starting {fields['start_date']}" if fields.get("start_date") else "")


def order_strings(drug: str | None = None) -> st.SearchStrategy[str]:
    """One-line order texts ("methotrexate 20 mg PO weekly on Fridays"), built from :func:`order_fields`."""
    return order_fields(drug).map(order_text)


# --- known answers ------------------------------------------------------------------------

# The seed plan's patient: 150 lb, 5 ft 5 in, 54-year-old woman, creatinine 0.8 mg/dL.
SEED_PATIENT: dict[str, Any] = {"weight": "150 lb", "height": "5 ft 5 in", "age": "54 years", "sex": "female", "serum_creatinine": "0.8 mg/dL"}


@attrs.frozen
class KnownCase:
    """An order, its patient and medications, and the verdict status dmdose must give, with why."""

    name: str
    order: dict[str, Any]
    patient: dict[str, Any]
    current_medications: tuple[str, ...]
    status: str
    why: str

    def request(self) -> dict[str, Any]:
        """The case as a ``dmdose verify`` request (JSON-able)."""
        return {"order": dict(self.order), "patient": dict(self.patient), "current_medications": list(self.current_medications)}


def _case(name: str, order: dict[str, Any], status: str, why: str, meds: tuple[str, ...] = (), **patient: Any) -> KnownCase:
    return KnownCase(name, order, {**SEED_PATIENT, **patient}, meds, status, why)


def _o(drug: str, dose: str, frequency: str, route: str, **extra: Any) -> dict[str, Any]:
    return {"drug": drug, "dose": dose, "frequency": frequency, "route": route, **extra}


KNOWN_CASES: tuple[KnownCase, ...] = (
    _case("mtx-20-weekly-sc", _o("methotrexate", "20 mg", "weekly", "subcutaneous"), "ok",
          "the plan's 15-25 mg once weekly", ("folic acid",)),
    _case("mtx-20-weekly-fridays", _o("methotrexate", "20 mg", "weekly on Fridays", "oral"), "ok",
          "once weekly on a named day", ("folic acid",)),
    _case("mtx-daily", _o("methotrexate", "2.5 mg", "daily", "oral"), "block",
          "methotrexate label boxed warning: daily instead of weekly dosing has been fatal"),
    _case("mtx-6-tablets-daily", _o("methotrexate", "6 tablets", "daily", "oral"), "block",
          "daily methotrexate, and 105 mg/week above any cap"),
    _case("mtx-bactrim-ds", _o("methotrexate", "20 mg", "weekly", "oral"), "block",
          "trimethoprim-sulfamethoxazole with methotrexate: additive antifolate marrow toxicity", ("Bactrim DS",)),
    _case("mtx-pregnancy", _o("methotrexate", "20 mg", "weekly", "oral"), "block",
          "methotrexate label: contraindicated in pregnancy for non-neoplastic disease", ("folic acid",), conditions=["pregnancy"]),
    _case("etanercept", _o("Enbrel", "50 mg", "weekly", "subcutaneous"), "block",
          "the plan: avoid etanercept in dermatomyositis", ("methotrexate",)),
    _case("tocilizumab-gi", _o("Actemra", "162 mg", "weekly", "subcutaneous"), "block",
          "the plan: no IL-6 inhibitors with GI symptoms (perforation risk)", conditions=["gi_symptoms"]),
    _case("ivig-1g-kg-x2-q4w", _o("Octagam 10%", "1 g/kg", "daily for 2 days every 4 weeks", "IV", start_date="2026-12-01"), "ok",
          "2 g/kg over 2 days every 4 weeks for 150 lb (Octagam 10% label)"),
    _case("ivig-anti-iga", _o("Octagam 10%", "1 g/kg", "daily for 2 days every 4 weeks", "IV"), "block",
          "IVIG label: contraindicated in IgA deficiency with antibodies to IgA", conditions=["iga_deficiency_with_anti_iga"]),
    _case("ivig-new-dysphagia", _o("Octagam 10%", "1 g/kg", "daily for 2 days every 4 weeks", "IV"), "warn",
          "new-onset dysphagia needs urgent evaluation (the plan)", ("methotrexate", "folic acid", "prednisone", "hydroxychloroquine"),
          conditions=["dysphagia_new_onset"]),
    _case("prednisone-5-daily", _o("prednisone", "5 mg", "daily", "oral"), "ok", "the plan holds prednisone at 5 mg/day"),
    _case("prednisone-60-daily", _o("prednisone", "60 mg", "daily", "oral"), "warn", "high-dose glucocorticoid: a prescriber confirms"),
    _case("hcq-200-bid", _o("Plaquenil", "200 mg", "BID", "oral"), "warn",
          "400 mg/day is above 5 mg/kg/day of 68 kg (AAO 2016: retinal toxicity)"),
    _case("hcq-200-daily", _o("hydroxychloroquine", "200 mg", "daily", "oral"), "ok", "below 5 mg/kg/day"),
    _case("mmf-1000-bid", _o("CellCept", "1000 mg", "BID", "oral"), "ok", "2 g/day, within the 3 g/day label maximum"),
    _case("rituximab-1000-days-1-15", _o("rituximab", "1000 mg", "days 1 and 15", "IV", start_date="2027-02-01"), "ok",
          "1000 mg on days 1 and 15 (Rituxan label, RA regimen used in myositis)"),
)


def known_cases() -> st.SearchStrategy[KnownCase]:
    """One of :data:`KNOWN_CASES`: ``verify(**case.request())`` must give ``case.status``."""
    return st.sampled_from(KNOWN_CASES)
