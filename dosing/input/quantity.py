"""One strict grammar for a written quantity, applied before pint ever sees the text.

    QUANTITY  := NUMBER [space] UNIT_EXPR  |  HEIGHT
    NUMBER    := ["-"] (DIGITS ["." DIGITS] | "." DIGITS) [("e"|"E") ["+"|"-"] 1-3 DIGITS]
    UNIT_EXPR := UNIT ("/" UNIT)*            (at most 4 units; "/1.73 m²" is one unit, std_bsa)
    UNIT      := a name from the allow-list below, "m" (and only "m") optionally squared
    HEIGHT    := FEET ("ft" | "'") INCHES ("in" | '"')    with whole feet and inches < 12

Why a grammar and not pint: pint *evaluates* its input. It multiplies juxtaposed
numbers, so an invisible character pasted from a PDF or an EHR changes a number
with no error ("1<soft hyphen>50 lb" → 50 lb, "1<ZWSP>.8 mg/dL" → 0.8), a leading
zero splits one ("054 years" → 0 years), two amounts are summed ("15 mg 10 mg"),
a unit alone is one of it ("mg"), constants are numbers ("5 pi mg"), and an
exponent tower ("10**10**10 mg") never finishes (issue 6). Here a text is one
number and one unit expression, or it is refused with a DoseInputError that names
the parameter and says what is wrong — never a guessed number.

The grammar only produces the parts (a float and a canonical pint unit string);
:func:`dosing.units.parse_text` builds the pint Quantity from them, with the unit
looked up in a cache so that no hot path re-parses "mg".

Decisions, each for a stated reason:
- ".5" is read as 0.5: the value is certain (ISMP's "naked decimal" rule is about a
  human misreading handwriting; dmdose shows the dose back as "0.5 mg"). "5." is
  refused: no convention writes a trailing point, so a digit may be missing.
- A leading zero ("054 years", "05 mg") is refused: pint read "054" as 0 × 54, and
  whether the writer meant 54, 0.54 or lost a digit cannot be known. The one place
  a leading zero is how people write is the inches of a chart height ("5 ft 06 in"),
  read as 6 inches.
- An exponent ("1e-3 g", what computers print) is accepted with at most 3 digits:
  bounded work, and a result that overflows to infinity or underflows to zero is
  refused rather than silently changed.
- At most 17 significant digits: the most a double carries, so that any float
  printed by repr() reads back exactly; more digits are no measurement and cost
  unbounded work in float() (a 40,000-digit number took 19 s).
- Upper-case pharmacy and HL7 v2 forms ("MG", "ML", "MG/DL", "TABS") are the obvious
  unit. Mixed-case two-letter forms stay refused ("Mg" is a megagram, "Ml" unclear).
  Upper-case "M" alone stays refused (metre, or molar on a lab report), but "M2" after
  a dose is square metres.
- Invisible format characters (soft hyphen, zero-width space/joiners, word joiner,
  BOM, bidi controls: Unicode category Cf) are refused anywhere: inside a number they
  split it, and at the edges a bidi control can make the text shown in a message look
  unlike what was read. Only Unicode whitespace is stripped at the edges (str.strip),
  and a space, tab, no-break space, narrow no-break space or thin space between
  tokens is read as one space: whitespace never joins or splits a number, because
  two numbers side by side are refused.
- Unicode minus (U+2212) is read as "-" so the sign is kept and the range checks
  refuse the negative value; other dashes are refused (an en dash is a range, "20–25").
- "units"/"U"/"IU" are refused: none of these drugs is dosed in units.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata

import attrs

from dosing.units import MAX_MAGNITUDE, MIN_NONZERO_MAGNITUDE, DoseInputError

MAX_TEXT = 200  # characters of a whole quantity text; the longest real one ("60 mL/min/1.73 m²") is 17
MAX_NUMBER_CHARS = 40
MAX_SIGNIFICANT_DIGITS = 17
MAX_EXPONENT_DIGITS = 3
MAX_UNITS = 4  # "mL/min/1.73 m²", "mg/kg/day": three; four leaves room, five is no dose unit
MAX_UNIT_TEXT = 60


@attrs.frozen
class ParsedQuantity:
    """The parts of a quantity text: the number as a float and a canonical pint unit expression."""

    number: float
    unit: str


class _Problem(Exception):
    """What is wrong with a unit text, before the parameter is known (so the result can be cached)."""


# ---------------------------------------------------------------- the allow-list of units

def _names(canonical: str, *written: str) -> dict[str, str]:
    return {name: canonical for name in written}


# Each written form → pint's canonical name. pint's own long names are included because
# quantities are written back as str(q.units) ("375.0 milligram / meter ** 2") and read again.
UNITS: dict[str, str] = {
    **_names("milligram", "mg", "milligram", "milligrams"),
    **_names("gram", "g", "gm", "gram", "grams"),
    **_names("kilogram", "kg", "Kg", "kilogram", "kilograms"),
    **_names("microgram", "mcg", "ug", "microgram", "micrograms"),
    **_names("pound", "lb", "lbs", "pound", "pounds"),
    **_names("milliliter", "mL", "ml", "milliliter", "milliliters", "millilitre", "millilitres"),
    **_names("liter", "L", "l", "liter", "liters", "litre", "litres"),
    **_names("deciliter", "dL", "dl", "deciliter", "deciliters", "decilitre", "decilitres"),
    **_names("centimeter", "cm", "centimeter", "centimeters", "centimetre", "centimetres"),
    **_names("meter", "m", "meter", "meters", "metre", "metres"),
    **_names("inch", "in", "inch", "inches", '"', "''"),
    **_names("foot", "ft", "foot", "feet", "'"),
    **_names("day", "d", "day", "days"),
    **_names("week", "wk", "wks", "week", "weeks"),
    **_names("hour", "h", "hr", "hrs", "hour", "hours"),
    **_names("minute", "min", "mins", "minute", "minutes"),
    **_names("month", "mo", "mos", "month", "months"),
    **_names("year", "y", "yr", "yrs", "year", "years"),
    **_names("mole", "mol", "mole", "moles"),
    **_names("millimole", "mmol", "millimole", "millimoles"),
    **_names("micromole", "umol", "micromole", "micromoles"),
    **_names("percent", "%", "percent"),
    **_names("tablet", "tablet", "tablets", "tab", "tabs"),
    **_names("capsule", "capsule", "capsules", "cap", "caps"),
    **_names("vial", "vial", "vials"),
    **_names("std_bsa", "std_bsa"),
}

# A whole unit text read as one unit (compared lower case, spaces collapsed): how ages are written.
WHOLE_UNITS: dict[str, str] = {
    **_names("year", "years old", "year old", "yrs old", "yr old", "yo", "y.o.", "y/o", "years of age"),
    **_names("month", "months old", "month old", "mo old"),
}

# Upper case "M" alone: metre, or molar (mol/L) on a lab report. Only "M2" is read (square metres).
_UPPER_UNSAFE = frozenset({"m"})

_UNITS_NOT_A_DOSE = frozenset({"u", "unit", "units", "iu", "ius", "international"})

# ISMP List of Error-Prone Abbreviations: never dose in apothecary or household measures;
# "cc" is misread as "u" or "00"; "gr" is grain (64.8 mg), not gram.
_ERROR_PRONE: dict[str, str] = {
    **_names("grains (64.8 mg), not grams; write mg or g", "gr", "grain", "grains"),
    **_names("an apothecary unit; write mg, g or mL", "dr", "dram", "drams", "scruple", "scruples", "minim", "minims",
             "pennyweight", "dwt"),
    **_names("a household measure; write mL", "tsp", "teaspoon", "teaspoons", "tbsp", "tablespoon", "tablespoons",
             "cup", "cups", "floz"),
    **_names("a tonne, never a dose or a body weight", "t", "ton", "tons", "tonne", "tonnes"),
    **_names("misread as 'u' or '00' (ISMP); write mL", "cc", "cm3"),
    **_names("not a unit dmdose reads (ounce, mass or fluid?); write lb or kg for a weight, mL for a volume",
             "oz", "ounce", "ounces"),
}

_CANONICAL_METER = "meter"


def _lookup(name: str) -> str | None:
    """The canonical unit for one written name, with the case rules of the module docstring."""
    if name in UNITS:
        return UNITS[name]
    lower = name.lower()
    if lower not in UNITS:
        return None
    if name.isupper() and lower not in _UPPER_UNSAFE:
        return UNITS[lower]  # "MG", "KG", "MG", "TABS", "Y": pharmacy and HL7 v2 capitals
    if len(name) >= 3 and name[0].isupper() and name[1:].islower():
        return UNITS[lower]  # "Tablets", "Years", "Lbs": a capitalised word, never a prefix
    return None


def _unknown(name: str) -> _Problem:
    lower = name.lower()
    if lower in _UNITS_NOT_A_DOSE:
        return _Problem(f"'{name}': units are not a dose of these drugs; write mg")
    if lower in _ERROR_PRONE:
        return _Problem(f"'{name}' is {_ERROR_PRONE[lower]}")
    if name == "M":
        return _Problem("'M' may be metres or molar (mol/L); write 'm' or 'mmol/L'")
    if lower in UNITS:
        if name[0] == "M" and lower.startswith("m"):
            return _Problem(f"'{name}' reads as a mega- unit; write units in lower case or all capitals, e.g. 'mg' or 'MG'")
        return _Problem(f"'{name}': write the unit in lower case, e.g. '{UNITS_SHOWN.get(lower, lower)}'")
    return _Problem(f"'{name}' is not a unit dmdose reads; use mg, g, kg, mcg, lb, mL, L, dL, cm, m, in, ft, "
                    "mg/kg, mg/m², mmol, umol/L, mg/dL, %, tablets, capsules, vials, days, weeks, hours, years")


UNITS_SHOWN = {"ml": "mL", "dl": "dL", "l": "L"}

_ATOM = re.compile(r"([A-Za-z_%'\"]+?|'')\s*(\*\*\s*2|\^\s*2|2|²)?", re.ASCII)
_STD_BSA = re.compile(r"/\s*\(?\s*1\.73\s*[mM]\s*(?:\*\*\s*2|\^\s*2|2|²)\s*\)?")
_SPACES = re.compile(r"\s+")


def _atom(segment: str) -> str:
    match = _ATOM.fullmatch(segment)
    if not match:
        raise _diagnose(segment)
    name, power = match.groups()
    canonical = _lookup(name)
    if canonical is None and power and name == "M":
        canonical = _CANONICAL_METER  # "MG/M2": square metres, the only reading of M squared
    if canonical is None:
        raise _unknown(name)
    if power:
        if canonical != _CANONICAL_METER:
            raise _Problem(f"'{segment}': only metres may be squared (m², for body surface area)")
        return f"{_CANONICAL_METER} ** 2"
    return canonical


def _diagnose(segment: str) -> _Problem:
    """Why a unit segment is not one unit: another number, arithmetic, a symbol, two units."""
    if re.search(r"[()\[\]{}]", segment):
        return _Problem("write one number and its unit, without brackets")
    if re.search(r"[0-9]", segment):
        return _Problem("more than one number; write one number and its unit, e.g. '1500 mg' or '1.5 tablets'")
    if re.search(r"[+*^=]", segment):
        return _Problem("write one number and its unit, without arithmetic")
    symbol = re.search(r"[^A-Za-z_%'\"\s²]", segment)
    if symbol:
        return _Problem(f"unexpected symbol {symbol.group()!r}; write one number and its unit")
    words = segment.split()
    unknown = [w for w in words if _lookup(w) is None]
    if unknown:
        return _unknown(unknown[0])
    return _Problem(f"two units side by side ({segment!r}); join units with '/', e.g. 'mg/kg'")


@functools.lru_cache(maxsize=1024)
def unit_expression(text: str) -> str:
    """A written unit expression → canonical pint unit string ('mg/kg' → 'milligram / kilogram').

    Cached: the same few unit texts arrive again and again. Raises _Problem.
    """
    if len(text) > MAX_UNIT_TEXT:
        raise _Problem(f"a unit of more than {MAX_UNIT_TEXT} characters")
    whole = _SPACES.sub(" ", text.strip().lower())
    if whole in WHOLE_UNITS:
        return WHOLE_UNITS[whole]
    # eGFR is written "mL/min/1.73 m²": the normalising area is the std_bsa unit.
    text = _STD_BSA.sub("/std_bsa", text)
    segments = [s.strip() for s in text.split("/")]
    if len(segments) > MAX_UNITS:
        raise _Problem(f"more than {MAX_UNITS} units in one expression")
    if any(not s for s in segments):
        if re.search(r"[0-9]", text):
            raise _Problem("write one number and its unit, without arithmetic")
        raise _Problem("a '/' with no unit on one side")
    return " / ".join(_atom(s) for s in segments)


# ---------------------------------------------------------------- characters


# Read as one space between tokens: they never join two numbers (two numbers are refused).
_SPACE_LIKE = frozenset(" \t\u00a0\u202f\u2009\u2007")
_TRANSLATE = str.maketrans({
    "\u2212": "-",  # MINUS SIGN: the sign is kept, and the range checks refuse the value
    "\u00b5": "u", "\u03bc": "u",  # MICRO SIGN, GREEK SMALL LETTER MU
    "\u2032": "'", "\u2019": "'",  # PRIME, RIGHT SINGLE QUOTATION MARK (word processors' feet)
    "\u2033": '"', "\u201d": '"',  # DOUBLE PRIME, RIGHT DOUBLE QUOTATION MARK (inches)
    **{ch: " " for ch in _SPACE_LIKE},
})
_ALLOWED_NON_ASCII = frozenset("\u2212\u00b5\u03bc\u2032\u2019\u2033\u201d\u00b2") | _SPACE_LIKE


def _screen(text: str, parameter: str) -> str:
    """The text with edge whitespace stripped and the few safe non-ASCII forms made ASCII."""
    if len(text) > MAX_TEXT:
        raise DoseInputError(parameter, f"a quantity of {len(text)} characters (at most {MAX_TEXT}); write one number and its unit")
    stripped = text.strip()
    if not stripped:
        raise DoseInputError(parameter, "empty string; give a value with its unit")
    for ch in stripped:
        if (" " <= ch <= "~") or ch in _ALLOWED_NON_ASCII:
            continue
        raise DoseInputError(parameter, f"cannot read {_shown(text)}: {_describe(ch)}")
    if "," in stripped:
        raise DoseInputError(
            parameter, f"cannot read {_shown(text)}: a comma may be a decimal point or a thousands separator; "
            "write e.g. '1.5 mg' or '1500 mg'"
        )
    return stripped.translate(_TRANSLATE)


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "unnamed")
    code = f"U+{ord(ch):04X} ({name})"
    category = unicodedata.category(ch)
    if category == "Cf":
        return f"an invisible character {code}, which can split a number; retype the value"
    if category in ("Cc", "Zl", "Zp") or ch.isspace():
        return f"a control character or line break {code} inside the value"
    if unicodedata.numeric(ch, None) is not None:
        if "FRACTION" in name:
            return f"a fraction character {code}; write a decimal, e.g. '6.5 tablets'"
        return f"a non-ASCII digit {code}; write the number in digits 0-9"
    if category == "Pd":
        return f"a dash {code}: a range or a sign? write one number (a negative value is never a dose)"
    return f"unexpected character {code}; write one number and its unit"


def _shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


# ---------------------------------------------------------------- numbers

_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", re.ASCII)


def number(text: str, parameter: str, *, leading_zero: bool = False) -> float:
    """One NUMBER of the grammar (ASCII) as a float, within the bounds, or DoseInputError."""
    if len(text) > MAX_NUMBER_CHARS:
        raise DoseInputError(parameter, f"a number of more than {MAX_NUMBER_CHARS} characters")
    if not _NUMBER.fullmatch(text):
        raise DoseInputError(parameter, f"{_shown(text)} is not a number")
    mantissa, _, exponent = text.lower().partition("e")
    unsigned = mantissa.lstrip("-")
    whole, point, fraction = unsigned.partition(".")
    if point and not fraction:
        raise DoseInputError(parameter, f"{_shown(text)} ends in a decimal point, so a digit may be missing; write e.g. '5' or '5.5'")
    if len(whole) > 1 and whole[0] == "0" and not leading_zero:
        raise DoseInputError(parameter, f"{_shown(text)} has a leading zero; write {whole.lstrip('0') or '0'}{point}{fraction} "
                             "if that is what was meant (a leading zero can hide a lost digit or decimal point)")
    digits = (whole + fraction).lstrip("0")
    if len(digits) > MAX_SIGNIFICANT_DIGITS:
        raise DoseInputError(parameter, f"{_shown(text)} has more than {MAX_SIGNIFICANT_DIGITS} digits; no measurement has that many")
    if len(exponent.lstrip("+-")) > MAX_EXPONENT_DIGITS:
        raise DoseInputError(parameter, f"{_shown(text)}: an exponent of more than {MAX_EXPONENT_DIGITS} digits")
    value = float(text)
    if not math.isfinite(value):
        raise DoseInputError(parameter, f"{_shown(text)} is too large to be a number dmdose can compute with")
    if value == 0 and digits.rstrip("0"):
        raise DoseInputError(parameter, f"{_shown(text)} is too small to be a number dmdose can compute with")
    if abs(value) > MAX_MAGNITUDE or 0 < abs(value) < MIN_NONZERO_MAGNITUDE:
        raise DoseInputError(parameter, f"{_shown(text)} is outside any plausible value (10^-12 to 10^12 of its unit)")
    return value


# ---------------------------------------------------------------- the whole text

# Two numbers, each with a unit: a chart height ("5 ft 6 in", "5'6\"") or two amounts.
_TWO_PARTS = re.compile(r"([-+.0-9eE]+)\s*('|[A-Za-z]+)\s*([-+.0-9]+)\s*(\"|''|[A-Za-z]+)", re.ASCII)
_INCHES = re.compile(r"[0-9]{1,2}(?:\.[0-9]{1,15})?", re.ASCII)
_ARITHMETIC_NEXT = re.compile(r"\s*(?:[-+*/^x×]|\*\*)\s*[.0-9]")


def read(text: str, parameter: str) -> ParsedQuantity:
    """A quantity text → its parts, or a DoseInputError naming ``parameter``."""
    if not isinstance(text, str):
        raise DoseInputError(parameter, f"expected a text, got {type(text).__name__}")
    cleaned = _screen(text, parameter)
    height = _height(cleaned, text, parameter)
    if height is not None:
        return height
    match = _NUMBER.match(cleaned)
    if match is None:
        raise DoseInputError(parameter, f"cannot read {_shown(text)}: {_no_number(cleaned)}")
    value = number(match.group(), parameter)
    rest = cleaned[match.end():]
    if not rest.strip():
        # The example carries the writer's own number and the unit this field is usually written in.
        example_unit = {"weight": "kg", "height": "cm", "age": "years", "serum_creatinine": "mg/dL", "dose_per_kg": "g/kg",
                        "dose_per_m2": "mg/m2", "egfr": "mL/min/1.73 m2", "creatinine_clearance": "mL/min"}.get(parameter, "mg")
        raise DoseInputError(parameter, f"{text.strip()[:60]} has no unit: write e.g. '{text.strip()[:60]} {example_unit}'")
    if rest[0] == ".":
        raise DoseInputError(parameter, f"cannot read {_shown(text)}: a number with two decimal points")
    if rest[0] in "-–" and re.match(r"-\s*[.0-9]", rest):
        raise DoseInputError(parameter, f"cannot read {_shown(text)}: a range or a subtraction; write one number and its unit")
    if _ARITHMETIC_NEXT.match(rest):
        raise DoseInputError(parameter, f"cannot read {_shown(text)}: write one number and its unit, without arithmetic")
    try:
        unit = unit_expression(rest.strip())
    except _Problem as problem:
        raise DoseInputError(parameter, f"cannot read {_shown(text)}: {problem}") from None
    return ParsedQuantity(value, unit)


def _no_number(cleaned: str) -> str:
    if cleaned[0] == "+":
        return "write the number without a '+' sign"
    if cleaned[0] == "-":
        return "a sign apart from its number"
    if cleaned[0].isalpha() or cleaned[0] == "%":
        return "no number before the unit (a unit alone is not a quantity); write e.g. '20 mg'"
    return "expected a number, then its unit, e.g. '20 mg'"


def _height(cleaned: str, text: str, parameter: str) -> ParsedQuantity | None:
    """'5 ft 6 in' / "5'6\"" as inches; None when the text is not feet then a second number."""
    match = _TWO_PARTS.fullmatch(cleaned)
    if match is None:
        return None
    feet_text, feet_unit, inch_text, inch_unit = match.groups()
    if _lookup(feet_unit) != "foot":
        return None  # "15 mg 10 mg": refused by the general path as two numbers
    if _lookup(inch_unit) != "inch":
        raise DoseInputError(parameter, f"cannot read {_shown(text)}: after feet, give inches, e.g. '5 ft 6 in'")
    if not feet_text.isdigit() or (len(feet_text) > 1 and feet_text[0] == "0") or len(feet_text) > 2:
        raise DoseInputError(parameter, f"cannot read {_shown(text)}: feet must be a whole number without a sign, e.g. '5 ft 6 in'")
    if not _INCHES.fullmatch(inch_text):
        raise DoseInputError(parameter, f"cannot read {_shown(text)}: inches must be a number from 0 to 11.9 without a sign")
    # A leading zero in the inches ("5 ft 06 in") is how heights are written: 6 inches.
    inches = number(inch_text, parameter, leading_zero=True)
    if inches >= 12:
        raise DoseInputError(parameter, f"cannot read {_shown(text)}: {inch_text} inches is a foot or more; write e.g. '6 ft 1 in'")
    return ParsedQuantity(int(feet_text) * 12 + inches, "inch")


# ---------------------------------------------------------------- UCUM codes (FHIR Quantity.code)

# UCUM codes as FHIR sends them (system http://unitsofmeasure.org), case-sensitive as UCUM is.
# A small allow-list, not the ucumvert library: ucumvert 0.3.2 was evaluated and (1) drops
# annotations silently, so "mL/min/{1.73_m2}" (eGFR, per 1.73 m²) became plain mL/min — a
# creatinine clearance, a different quantity with different thresholds; (2) fails on "{tbl}"
# with an AttributeError; (3) reads "MG" as megagauss, correct UCUM but never what is meant;
# (4) builds its own pint registry in about 4.5 s (plus 1.4 s import), too slow for a CLI.
# Every code a dmdose input needs is below; anything else is refused, naming the code.
UCUM_CODES: dict[str, str] = {
    "mg": "milligram", "g": "gram", "kg": "kilogram", "ug": "microgram",
    "[lb_av]": "pound",
    "mL": "milliliter", "L": "liter", "dL": "deciliter",
    "cm": "centimeter", "m": "meter", "[in_i]": "inch", "[ft_i]": "foot",
    "m2": "meter ** 2",
    "a": "year", "mo": "month", "wk": "week", "d": "day", "h": "hour", "min": "minute",
    "mol": "mole", "mmol": "millimole", "umol": "micromole",
    "%": "percent",
    "{tbl}": "tablet", "{tablet}": "tablet", "{tablets}": "tablet", "{cap}": "capsule", "{capsule}": "capsule",
    "{capsules}": "capsule", "{vial}": "vial", "{vials}": "vial",
    "umol/L": "micromole / liter", "mmol/L": "millimole / liter", "mg/dL": "milligram / deciliter",
    "mg/L": "milligram / liter", "mg/mL": "milligram / milliliter", "g/L": "gram / liter",
    "g/kg": "gram / kilogram", "mg/kg": "milligram / kilogram", "mg/m2": "milligram / meter ** 2",
    "g/m2": "gram / meter ** 2", "kg/m2": "kilogram / meter ** 2",
    "mg/d": "milligram / day", "g/d": "gram / day", "mg/wk": "milligram / week",
    "mg/kg/d": "milligram / kilogram / day", "g/kg/d": "gram / kilogram / day",
    "mL/h": "milliliter / hour", "mL/kg/h": "milliliter / kilogram / hour", "mL/kg/min": "milliliter / kilogram / minute",
    "mg/kg/min": "milligram / kilogram / minute",
    "mL/min": "milliliter / minute",
    # eGFR, LOINC 62238-1 / 98979-8 and the usual FHIR forms of "per 1.73 m²".
    "mL/min/{1.73_m2}": "milliliter / minute / std_bsa", "mL/min/1.73.m2": "milliliter / minute / std_bsa",
}
_UCUM_LOWER = {code.lower(): code for code in UCUM_CODES}


def ucum_unit(code: object, parameter: str) -> str:
    """A UCUM code → canonical pint unit string, or DoseInputError naming ``parameter``."""
    if not isinstance(code, str):
        raise DoseInputError(parameter, f"expected a UCUM code, got {type(code).__name__}")
    if code in UCUM_CODES:
        return UCUM_CODES[code]
    shown = _shown(code)
    if code.strip("{}[] ").lower() in _UNITS_NOT_A_DOSE or code in ("[iU]", "[IU]", "U"):
        raise DoseInputError(parameter, f"UCUM {shown}: units are not a dose of these drugs; write mg")
    if code.lower() in _UCUM_LOWER:
        raise DoseInputError(parameter, f"UCUM codes are case-sensitive: {shown} is not {_UCUM_LOWER[code.lower()]!r} "
                             f"('MG' is megagauss in UCUM); send {_UCUM_LOWER[code.lower()]!r}")
    raise DoseInputError(parameter, f"UCUM code {shown} is not one dmdose reads (e.g. 'mg', 'kg', '[lb_av]', 'cm', "
                         "'[in_i]', 'mg/dL', 'umol/L', '{tbl}', 'a')")


def ucum_number(value: object, parameter: str) -> float:
    """A FHIR Quantity.value (a JSON number, or a decimal string) within the text bounds."""
    if isinstance(value, bool):
        raise DoseInputError(parameter, f"expected a number, got {value!r}")
    if isinstance(value, int):
        # bit_length first: str() of an int over 4,300 digits raises ValueError.
        if abs(value) >= 10**MAX_SIGNIFICANT_DIGITS:
            raise DoseInputError(parameter, f"an integer of more than {MAX_SIGNIFICANT_DIGITS} digits")
        return float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DoseInputError(parameter, f"{value} is not a finite number")
        return value
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-")  # the sign kept, as in text
        if len(text) > MAX_NUMBER_CHARS or not text.isascii():
            raise DoseInputError(parameter, f"{_shown(value)} is not a decimal number (ASCII digits, at most {MAX_NUMBER_CHARS} characters)")
        return number(text, parameter)
    try:  # decimal.Decimal, numpy scalars: through their text, with the same bounds
        text = str(value)
    except (ValueError, OverflowError):
        raise DoseInputError(parameter, f"expected a number, got {type(value).__name__}") from None
    if len(text) > MAX_NUMBER_CHARS or not text.isascii():
        raise DoseInputError(parameter, f"expected a number, got {type(value).__name__}")
    return number(text, parameter)
