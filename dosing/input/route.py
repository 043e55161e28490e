"""Routes of administration as written in orders, pharmacy systems and FHIR.

Reads the words ("orally", "by mouth", "subcutaneously", "IV push", "IV piggyback"),
the abbreviations (PO, SubQ, IV, IVP, IVPB, IM) and the SNOMED CT route codes FHIR
sends (Dosage.route). SC, SQ, "sub q" and "per os" are read, with the ISMP note
naming the safer wording. Anything else (intrathecal, topical, rectal...) is
refused: none of the drugs dmdose checks is given that way.
"""

from __future__ import annotations

import enum
import re

import attrs

from dosing.input.fields import choice
from dosing.input.frequency import ismp_note
from dosing.units import DoseInputError


class Route(enum.Enum):
    ORAL = "oral"
    SUBCUTANEOUS = "subcutaneous"
    INTRAVENOUS = "intravenous"
    INTRAMUSCULAR = "intramuscular"

    @classmethod
    def parse(cls, value: "Route | str") -> "Route":
        return read_route(value).route

    @property
    def snomed(self) -> str:
        return SNOMED_CODES[self]


# SNOMED CT route of administration codes, as in FHIR's SNOMED CT Route Codes value
# set (hl7.org/fhir/ValueSet/route-codes, STU3/R4 expansion): 26643006 "Oral route",
# 34206005 "Subcutaneous route", 47625008 "Intravenous route", 78421000 "Intramuscular route".
SNOMED_CODES = {
    Route.ORAL: "26643006",
    Route.SUBCUTANEOUS: "34206005",
    Route.INTRAVENOUS: "47625008",
    Route.INTRAMUSCULAR: "78421000",
}

_ALIASES = {
    Route.ORAL: (
        "po", "by mouth", "orally", "oral", "oral route", "oral tablet", "oral tablets", "oral capsule", "oral capsules",
        "tablet by mouth", "swallow oral", "mouth",
    ),
    Route.SUBCUTANEOUS: (
        "subcutaneous", "subcutaneously", "subcut", "subcut injection", "subcutaneous injection", "subcutaneous route",
        "subq", "subq injection", "sub cut", "subcutaneous use",
    ),
    Route.INTRAVENOUS: (
        "iv", "intravenous", "intravenously", "intravenous route", "iv push", "ivp", "iv bolus", "ivpb", "iv piggyback",
        "iv infusion", "intravenous infusion", "iv drip", "ivinj", "intravenous use", "iv injection",
    ),
    Route.INTRAMUSCULAR: ("im", "intramuscular", "intramuscularly", "intramuscular route", "im injection", "intramuscular injection"),
}

# ISMP List of Error-Prone Abbreviations: SC mistaken as SL (sublingual), SQ as
# "5 every", the q of "sub q" as "every"; "os" of "per os" as left eye. (Checked
# against the list reproduced in BMJ Open and Nephrol Nurs J 2005; the 2021 list
# may name "SUBQ" as the safer form — not confirmed here, so the note asks for
# the wording every version accepts.)
_ERROR_PRONE = {
    "sc": (Route.SUBCUTANEOUS, ismp_note("SC", "mistaken for SL, sublingual", "subcutaneously")),
    "sq": (Route.SUBCUTANEOUS, ismp_note("SQ", "mistaken for '5 every'", "subcutaneously")),
    "sub q": (Route.SUBCUTANEOUS, ismp_note("sub q", "the 'q' mistaken for 'every'", "subcutaneously")),
    "sc injection": (Route.SUBCUTANEOUS, ismp_note("SC", "mistaken for SL, sublingual", "subcutaneously")),
    "sq injection": (Route.SUBCUTANEOUS, ismp_note("SQ", "mistaken for '5 every'", "subcutaneously")),
    "per os": (Route.ORAL, ismp_note("per os", "'os' mistaken for left eye", "by mouth")),
}


@attrs.frozen
class RouteReading:
    route: Route
    error_prone: str | None = None


def _key(text: str) -> str:
    if not text.isascii():
        raise DoseInputError("route", f"{text!r} contains a non-ASCII character; write the route in plain ASCII")
    t = text.strip().lower().replace(".", "").replace("_", " ")
    t = re.sub(r"(?<=\w)-(?=\w)", "", t)  # "sub-Q" = "subQ", "IV-push" = "IVpush"
    return re.sub(r"\s+", " ", t).strip()


_NAMES = {alias: route for route, aliases in _ALIASES.items() for alias in aliases}
_NAMES.update({alias.replace(" ", ""): route for alias, route in list(_NAMES.items())})  # "ivpush", "bymouth"
_NAMES.update({code: route for route, code in SNOMED_CODES.items()})
_NAMES.update({f"http://snomedinfo/sct|{code}": route for route, code in SNOMED_CODES.items()})


def read_route(value: "Route | RouteReading | str") -> RouteReading:
    """The route, and the ISMP note if it was written with an error-prone abbreviation."""
    if isinstance(value, RouteReading):
        return value
    if isinstance(value, Route):
        return RouteReading(value)
    if isinstance(value, str) and value.strip():
        key = _key(value)
        if key in _ERROR_PRONE:
            route, note = _ERROR_PRONE[key]
            return RouteReading(route, note)
        if key in _NAMES:
            return RouteReading(_NAMES[key])
    return RouteReading(choice(Route, value, "route"))  # the standard refusal, naming the choices
