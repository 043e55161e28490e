"""Routes as written (words, abbreviations, SNOMED CT codes), and the Order: intent, reading findings,
per-day doses with a once-daily frequency, to_dict/from_dict round trips."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing.findings import Severity
from dosing.input.frequency import ISMP_ERROR_PRONE
from dosing.input.route import SNOMED_CODES, read_route
from dosing.order import Order, OrderIntent, Route
from dosing.units import DoseInputError, Quantity

O, S, V, M = Route.ORAL, Route.SUBCUTANEOUS, Route.INTRAVENOUS, Route.INTRAMUSCULAR
# text: (route, ISMP error-prone?)
ROUTES = {
    "orally": (O, False), "by mouth": (O, False), "PO": (O, False), "p.o.": (O, False), "P.O.": (O, False), "po": (O, False),
    "oral": (O, False), "Oral": (O, False), "oral tablet": (O, False), "oral route": (O, False), "per os": (O, True),
    "26643006": (O, False),
    "subcutaneously": (S, False), "subcutaneous": (S, False), "SubQ": (S, False), "subq": (S, False), "sub-Q": (S, False),
    "subcut": (S, False), "sub cut": (S, False), "subcutaneous injection": (S, False), "34206005": (S, False),
    "SC": (S, True), "sc": (S, True), "s.c.": (S, True), "SQ": (S, True), "sq": (S, True), "sub q": (S, True),
    "sc injection": (S, True),
    "intravenously": (V, False), "intravenous": (V, False), "IV": (V, False), "i.v.": (V, False), "IV push": (V, False),
    "IVP": (V, False), "i.v.p.": (V, False), "IVPB": (V, False), "IV piggyback": (V, False), "IV infusion": (V, False),
    "iv infusion": (V, False), "intravenous infusion": (V, False), "IV-push": (V, False), "47625008": (V, False),
    "IM": (M, False), "i.m.": (M, False), "intramuscularly": (M, False), "intramuscular": (M, False), "78421000": (M, False),
}


@pytest.mark.parametrize("text, expected", sorted(ROUTES.items()))
def test_route_corpus(text, expected):
    route, error_prone = expected
    reading = read_route(text)
    assert reading.route is route and Route.parse(text) is route
    assert (reading.error_prone is not None) is error_prone


@pytest.mark.parametrize("text", ["intrathecal", "IT", "topical", "rectal", "SL", "sublingual", "IN", "IJ", "", "  ", None, 1,
                                  "37161004", "s\u0441", "ivv", "by eye", "OD"])
def test_route_refused(text):
    with pytest.raises(DoseInputError) as err:
        Route.parse(text)
    assert err.value.parameter == "route"


def test_snomed_codes():
    # FHIR SNOMED CT Route Codes value set (hl7.org/fhir/ValueSet/route-codes)
    assert {r: r.snomed for r in Route} == SNOMED_CODES == {O: "26643006", S: "34206005", V: "47625008", M: "78421000"}


def test_sc_note_names_the_safer_wording():
    assert "write 'subcutaneously'" in read_route("SC").error_prone
    assert read_route("subcutaneously").error_prone is None


# ---------------------------------------------------------------- order


def test_order_reading_findings_for_error_prone_frequency_and_route():
    o = Order("methotrexate", "20 mg", "QD", "SQ")
    findings = o.reading_findings
    assert [f.rule_id for f in findings] == ["order.error-prone-frequency", "order.error-prone-route"]
    assert all(f.severity is Severity.INFO and f.reference == ISMP_ERROR_PRONE.citation for f in findings)
    assert "QD" in findings[0].message and "write 'daily'" in findings[0].message
    assert "SQ" in findings[1].message
    assert Order("methotrexate", "20 mg", "weekly on Friday", "subcutaneously").reading_findings == ()


def test_route_note_is_not_part_of_the_order_identity():
    assert Order("mtx", "20 mg", "weekly", "SC") == Order("mtx", "20 mg", "weekly", "subcutaneously")


@pytest.mark.parametrize(
    "dose, frequency, per_admin",
    [("0.4 g/kg/day", "daily x 5 days", Quantity(0.4, "g/kg")), ("400 mg/day", "daily", Quantity(400, "mg")),
     ("1 g/kg/day", "daily for 2 days every 4 weeks", Quantity(1, "g/kg")), ("1 g/kg/d", "q24h", Quantity(1, "g/kg")),
     ("0.4 g/kg/day", "once daily x 5 days", Quantity(0.4, "g/kg")), (Quantity(400, "mg/day"), "daily", Quantity(400, "mg"))],
)
def test_per_day_dose_with_once_daily_frequency_is_one_administration(dose, frequency, per_admin):
    o = Order("ivig", dose, frequency, "IV")
    assert o.dose.to(per_admin.units).magnitude == pytest.approx(per_admin.magnitude)
    (finding,) = o.reading_findings
    assert finding.rule_id == "order.daily-dose-read" and finding.severity is Severity.INFO
    # the canonical order reads back equal, now written per administration
    assert Order.from_dict(json.loads(json.dumps(o.to_dict()))) == o


@pytest.mark.parametrize("frequency", ["BID", "weekly", "every other day", "once", "q12h", "Mon and Thu", "days 1 and 15"])
def test_per_day_dose_with_any_other_frequency_is_refused(frequency):
    with pytest.raises(DoseInputError) as err:
        Order("ivig", "0.4 g/kg/day", frequency, "IV")
    assert err.value.parameter == "dose"


@pytest.mark.parametrize("dose", ["20 mg/h", "20 mL/h", "400 mg/week", "2 g/kg/month", "-0.4 g/kg/day", "0 mg/day"])
def test_other_rates_refused_even_daily(dose):
    with pytest.raises(DoseInputError) as err:
        Order("ivig", dose, "daily", "IV")
    assert err.value.parameter == "dose"


@pytest.mark.parametrize(
    "text, intent",
    [(None, OrderIntent.NEW), ("new", OrderIntent.NEW), ("renewal", OrderIntent.RENEWAL), ("continue", OrderIntent.RENEWAL),
     ("Continuation", OrderIntent.RENEWAL), ("refill", OrderIntent.RENEWAL), ("change", OrderIntent.CHANGE),
     ("modify", OrderIntent.CHANGE), ("dose change", OrderIntent.CHANGE), (OrderIntent.CHANGE, OrderIntent.CHANGE)],
)
def test_intent(text, intent):
    o = Order("mtx", "20 mg", "weekly", "po") if text is None else Order("mtx", "20 mg", "weekly", "po", intent=text)
    assert o.intent is intent
    assert o.to_dict()["intent"] == intent.value


@pytest.mark.parametrize("text", ["stop", "", 1, None])
def test_intent_refused(text):
    with pytest.raises(DoseInputError) as err:
        Order("mtx", "20 mg", "weekly", "po", intent=text)
    assert err.value.parameter == "intent"


def test_hand_built_frequency_is_written_out_in_words_that_read_back():
    from dosing.input.frequency import Frequency

    fhir = Frequency("FHIR timing 1 per 1 wk on fri", interval_days=7, weekdays=(5,))
    o = Order("mtx", "20 mg", fhir, "po")
    d = o.to_dict()
    assert d["frequency"] == "weekly on Friday"
    again = Order.from_dict(d)
    assert again.frequency.same_schedule(fhir)


FREQUENCY_TEXTS = st.sampled_from(
    ["weekly", "QW", "every Monday", "weekly on Fridays", "BID", "QD", "q12h", "daily x 5 days", "q2w x 2", "d1 and d15",
     "daily x2 days q4w", "2 doses 12 hours apart once weekly", "twice weekly", "Mon and Thu", "QOD", "once", "q.4.w"]
)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["20 mg", "0.4 g/kg", "375 mg/m2", "6 tablets", "2 capsules", "0.8 mL", "1 g"]),
    FREQUENCY_TEXTS,
    st.sampled_from(sorted(ROUTES)),
    st.sampled_from(list(OrderIntent)),
    st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31))),
)
def test_order_round_trip(dose, frequency, route, intent, start):
    o = Order("methotrexate", dose, frequency, route, intent=intent, start_date=start)
    d = o.to_dict()
    again = Order.from_dict(json.loads(json.dumps(d)))
    assert again == o and again.to_dict() == d
    assert again.intent is intent and again.frequency.error_prone == o.frequency.error_prone
