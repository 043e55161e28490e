"""The fast path of verify() (issue 8) says exactly what the straightforward path says.

The fast path memoises pure readings of immutable text (unit expressions, quantity
texts, schedules, dose texts, unit formatting, conversion factors) and builds
Quantities without pint's dispatch. ``memo_off()`` runs the same code with every
memo cleared and off (pint parses every unit, every text is read again): the
reference path. On random orders both must give the same verdict, and the same
refusal, to the last character.
"""

from __future__ import annotations

import pint
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dosing import DoseInputError, verify
from dosing.units import clear_memos, memo_off, parse_text, quantity, ureg

DRUGS = ["Octagam 10%", "methotrexate", "Plaquenil", "prednisone", "rituximab", "CellCept", "mycophenolate sodium", "cyclosporine", "etanercept", "tocilizumab"]
DOSES = ["1 g/kg", "0.4 g/kg/day", "2 g/kg", "20 mg", "6 tablets", "8 tablets", "25 mg", "200 mg", "400 mg", "5 mg", "40 mg",
         "375 mg/m2", "1000 mg", "1 g", "1.5 g", "720 mg", "100 mg", "2.5 mg/kg", "15 mg/m2", "1 mL", "0.8 mL", "20 kg", "20"]
FREQUENCIES = ["weekly", "daily", "BID", "daily for 2 days every 4 weeks", "once", "every 2 weeks x 2", "q12h", "TID", "qd", "fortnightly"]
ROUTES = ["IV", "oral", "PO", "subcutaneous", "SC", "intravenous"]
WEIGHTS = ["150 lb", "68 kg", "45 kg", "120 kg", "70.5 kg", "300 lb", "8 kg"]
HEIGHTS = ["5 ft 5 in", "165 cm", "150 cm", "190 cm", "4 ft 10 in", "70 in"]
AGES = ["54 years", "17 years", "30 years", "80 years", "8 years"]
CREATININES = [None, "0.8 mg/dL", "1.9 mg/dL", "97 umol/L", "3.5 mg/dL"]
CONDITIONS = ["dysphagia_new_onset", "pregnancy", "heart failure", "hepatitis B", "IgA deficiency", "ICD-10-CM:I50.9", "ILD", "no such thing"]
MEDICATIONS = ["methotrexate", "folic acid", "prednisone", "hydroxychloroquine", "Bactrim", "leucovorin", "ibuprofen", "etanercept",
               "warfarin", "not a drug"]


@st.composite
def requests(draw):
    order = {"drug": draw(st.sampled_from(DRUGS)), "dose": draw(st.sampled_from(DOSES)),
             "frequency": draw(st.sampled_from(FREQUENCIES)), "route": draw(st.sampled_from(ROUTES))}
    if draw(st.booleans()):
        order["start_date"] = "2026-12-01"
    patient = {"weight": draw(st.sampled_from(WEIGHTS)), "height": draw(st.sampled_from(HEIGHTS)), "age": draw(st.sampled_from(AGES)),
               "sex": draw(st.sampled_from(["female", "male", "unknown"])), "serum_creatinine": draw(st.sampled_from(CREATININES)),
               "conditions": draw(st.lists(st.sampled_from(CONDITIONS), max_size=3))}
    medications = draw(st.lists(st.sampled_from(MEDICATIONS), max_size=4))
    return order, patient, medications, draw(st.booleans())


def _outcome(order, patient, medications, complete):
    try:
        return verify(order, patient, medications, medications_complete=complete).to_dict()
    except DoseInputError as error:  # UnknownDrugError included
        return (type(error).__name__, str(error))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_fast_path_matches_reference_path(request):
    fast_first = _outcome(*request)
    fast_again = _outcome(*request)  # now from warm memos
    with memo_off():
        reference = _outcome(*request)
    assert fast_first == reference
    assert fast_again == reference


def test_seed_plan_verdicts_match_reference_path():
    import json
    from pathlib import Path

    lines = (Path(__file__).resolve().parent.parent / "examples" / "seed-plan.jsonl").read_text(encoding="utf-8").splitlines()
    for line in filter(str.strip, lines):
        r = json.loads(line)
        args = (r["order"], r["patient"], r.get("current_medications", []), False)
        fast = [_outcome(*args), _outcome(*args)]
        with memo_off():
            reference = _outcome(*args)
        assert fast == [reference, reference]


@pytest.mark.parametrize("text, unit", [("150 lb", "kg"), ("5 ft 5 in", "cm"), ("0.8 mg/dL", "mg/dL"), ("60 mL/min/1.73 m2", "mL/min/std_bsa"),
                                        ("2 g/kg", "mg/kg"), ("54 years", "year")])
def test_quantity_fast_path_is_pints_conversion(text, unit):
    # The factor path gives pint's own float, and a Quantity equal in every part to pint's.
    expected = ureg.Quantity(parse_text(text, "x").to(unit).magnitude, unit)
    got = quantity(text, "x", "thing", unit=unit)
    assert type(got) is type(expected)
    assert got.magnitude == expected.magnitude and type(got.magnitude) is float
    assert got.units == expected.units and got._units == expected._units
    assert f"{got:~P}" == f"{expected:~P}"


def test_memoised_readings_are_not_shared():
    # A caller that mutates the Quantity it was given cannot change the next reading.
    first = parse_text("20 mg", "dose")
    first *= 3
    assert parse_text("20 mg", "dose").magnitude == 20.0
    dose = quantity("20 mg", "dose", "mass", unit="mg")
    dose.ito("g")
    assert quantity("20 mg", "dose", "mass", unit="mg").magnitude == 20.0


def test_refusals_are_not_memoised():
    for _ in range(2):
        with pytest.raises(DoseInputError, match="dose"):
            parse_text("20 furlongs", "dose")
    with pytest.raises(DoseInputError, match="expected a mass"):
        quantity("20 mL", "weight", "mass", unit="kg")


def test_memo_off_restores_memos():
    clear_memos()
    with memo_off():
        quantity("20 mg", "dose", "mass", unit="mg")
    assert quantity("20 mg", "dose", "mass", unit="mg").magnitude == 20.0
    assert isinstance(ureg.Quantity(1, "mg"), pint.Quantity)
