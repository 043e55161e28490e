"""Dosing frequencies as values: 'weekly', 'BID', 'q4w', 'days 1 and 15', 'daily for 2 days every 4 weeks'.

One small grammar reads every schedule: the text is normalised (case, the dots of
"b.i.d.", "×", hyphens between words), cut into tokens (numbers, words, a few
symbols), and read as a sequence of clauses:

    split        "2 doses 12 hours apart", "q12h x 3 doses", "morning and evening"
    per day      "BID", "twice daily", "3 times a day", "q8h", "every morning", "at bedtime"
    per week     "twice weekly", "3 times a week" (and "once a week" = weekly)
    interval     "daily", "weekly", "q2w", "every 3 days", "every other day", "q48h"
    weekdays     "every Monday", "on Fridays", "Mon and Thu"
    course       "x 5 days", "for 4 weeks", "x 4", "x 6 doses"
    cycle        an interval after a course: "... every 4 weeks", "... q4w"
    day list     "days 1 and 15", "d1 and d15", "days 1, 8, 15"

and the clauses are combined into one canonical :class:`Frequency`. Whatever
cannot be read exactly is refused: guessing 'weekly' from 'qd' is how
methotrexate overdoses happen. A Frequency renders back to text with
:meth:`Frequency.canonical_text`, which reads back to the same schedule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Set
from typing import NoReturn, TypeVar

import attrs

from dosing.references import Reference
from dosing.units import DoseInputError, memo

ISMP_ERROR_PRONE = Reference(
    "ismp-error-prone-abbreviations",
    "Institute for Safe Medication Practices. ISMP List of Error-Prone Abbreviations, Symbols, and Dose Designations "
    "(ismp.org/recommendations/error-prone-abbreviations-list)",
)

# Bounds on anything a schedule can say, so no absurd interval reaches a
# calculator ("every 365000 days" in issue 6): a year between doses, a year of
# daily doses in a course, at most 4 administrations a day (QID — none of the
# drugs dmdose checks is given more often; "q4h" is refused, not guessed).
MAX_INTERVAL_DAYS = 365
MAX_COUNT = 366
MAX_TIMES_PER_DAY = 4
MAX_TEXT = 200
_MAX_DIGITS = 4

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# ISMP List of Error-Prone Abbreviations, Symbols, and Dose Designations (ismp.org;
# entries checked against the copies reproduced in Nephrol Nurs J 2005 and BMJ Open):
# QD/q.d. mistaken for q.i.d.; QOD/q.o.d. for q.d. or q.i.d.; OD/o.d. for "right eye";
# q1d for q.i.d.; qhs for "qhr" (every hour); qn for "qh" (every hour).
ERROR_PRONE_FREQUENCIES = {
    "qd": ("QD", "mistaken for QID", "daily"),
    "q1d": ("q1d", "mistaken for QID", "daily"),
    "od": ("OD", "mistaken for 'right eye'", "daily"),
    "qod": ("QOD", "mistaken for QD or QID", "every other day"),
    "qhs": ("qhs", "mistaken for 'qhr', every hour", "at bedtime"),
    "qn": ("qn", "mistaken for 'qh', every hour", "nightly"),
}


def ismp_note(abbreviation: str, misreading: str, safer: str) -> str:
    return (
        f"'{abbreviation}' is on ISMP's List of Error-Prone Abbreviations ({misreading}): write '{safer}'"
    )


def _weekday_tuple(value: tuple[int, ...] | list[int]) -> tuple[int, ...]:
    # A list of weekdays is read as the tuple it lists; anything else is left to _check_weekdays to refuse.
    return value if not isinstance(value, list) else tuple(value)


@attrs.frozen
class Frequency:
    """When doses are given.

    ``interval_days``: days between administration days (None for a single dose).
    ``times_per_day``: administrations on each administration day (BID = 2; split
    weekly methotrexate "2 doses 12 hours apart once weekly" = 2 with interval 7).
    ``count``: administration days in a course/cycle, if bounded ("weekly × 4" → 4).
    ``cycle_days``: length of a repeating cycle ("daily × 2 days every 4 weeks" → 28).
    ``weekdays``: ISO weekdays named (1 = Monday … 7 = Sunday).
    ``hours_apart``: hours between the doses of one day ("q8h" → 8, "12 hours apart").
    ``error_prone``: the ISMP note when the text used an error-prone abbreviation.

    Safety invariant: a schedule with more than one administration day in a week
    never has ``interval_days >= 7`` (several weekdays → the smallest gap), so code
    reading ``interval_days`` alone never mistakes it for weekly.
    """

    text: str = attrs.field(validator=attrs.validators.instance_of(str))
    interval_days: int | None = attrs.field(validator=lambda i, a, v: _whole(a.name, v, optional=True, maximum=MAX_INTERVAL_DAYS))
    times_per_day: int = attrs.field(default=1, validator=lambda i, a, v: _whole(a.name, v, maximum=MAX_TIMES_PER_DAY))
    count: int | None = attrs.field(default=None, validator=lambda i, a, v: _whole(a.name, v, optional=True, maximum=MAX_COUNT))
    cycle_days: int | None = attrs.field(default=None, validator=lambda i, a, v: _whole(a.name, v, optional=True, maximum=MAX_INTERVAL_DAYS))
    weekdays: tuple[int, ...] = attrs.field(default=(), converter=_weekday_tuple)
    hours_apart: int | None = attrs.field(default=None, validator=lambda i, a, v: _whole(a.name, v, optional=True, maximum=24))
    error_prone: str | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        # A schedule that cannot happen is refused here, so no calculator divides by it.
        if self.interval_days is None:
            if self.count != 1 or self.cycle_days is not None or self.times_per_day != 1 or self.weekdays or self.hours_apart:
                raise DoseInputError("frequency", f"{self.text!r}: a schedule without an interval must be a single dose")
        if self.cycle_days is not None:
            if self.count is None or self.interval_days is None or self.count * self.interval_days > self.cycle_days:
                raise DoseInputError("frequency", f"{self.text!r}: the doses of a cycle must fit in its {self.cycle_days} days")
        self._check_weekdays()
        self._check_hours()
        if self.error_prone is not None and not isinstance(self.error_prone, str):
            raise DoseInputError("frequency", f"error_prone must be a note or None, got {self.error_prone!r}")

    def _check_weekdays(self) -> None:
        days = self.weekdays
        if not isinstance(days, tuple) or any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7 for d in days):
            raise DoseInputError("frequency", f"weekdays must be ISO weekday numbers 1 (Monday) to 7 (Sunday), got {days!r}")
        if list(days) != sorted(set(days)):
            raise DoseInputError("frequency", f"weekdays must be listed once each, Monday first, got {days!r}")
        if len(days) == 1 and (self.interval_days is None or self.interval_days % 7):
            raise DoseInputError("frequency", f"{self.text!r}: a named weekday repeats every 7, 14, ... days")
        if len(days) > 1:
            # The invariant: several days a week is never read as weekly.
            if self.interval_days != smallest_weekday_gap(days) or self.count is not None or self.cycle_days is not None:
                raise DoseInputError(
                    "frequency", f"{self.text!r}: several weekdays repeat weekly with interval_days = the smallest gap "
                    f"({smallest_weekday_gap(days)}), without a course or cycle"
                )

    def _check_hours(self) -> None:
        h = self.hours_apart
        if h is None:
            return
        if self.times_per_day < 2 or (self.times_per_day - 1) * h > 24:
            raise DoseInputError("frequency", f"{self.text!r}: {self.times_per_day} doses {h} hours apart do not fit one dosing day")
        if self.interval_days == 1 and not self.weekdays and self.times_per_day * h != 24:
            raise DoseInputError("frequency", f"{self.text!r}: doses every {h} hours are {24 // h} a day, not {self.times_per_day}")

    @property
    def is_weekly(self) -> bool:
        return self.interval_days == 7 and self.times_per_day == 1 and self.cycle_days is None and len(self.weekdays) <= 1

    @property
    def is_split_weekly(self) -> bool:
        """A weekly total given as 2 or 3 doses on the one weekly day (methotrexate)."""
        return self.interval_days == 7 and self.times_per_day in (2, 3) and self.cycle_days is None and len(self.weekdays) <= 1

    @property
    def is_daily_or_more(self) -> bool:
        return self.interval_days is not None and self.interval_days < 7

    def daily_administrations(self) -> int:
        if self.interval_days != 1:
            raise DoseInputError("frequency", f"{self.text!r} is not a daily schedule")
        return self.times_per_day

    def schedule(self) -> tuple[int | None, int, int | None, int | None, tuple[int, ...], int | None]:
        """The fields that say when doses are given (not how it was written)."""
        return (self.interval_days, self.times_per_day, self.count, self.cycle_days, self.weekdays, self.hours_apart)

    def same_schedule(self, other: "Frequency") -> bool:
        return self.schedule() == other.schedule()

    def canonical_text(self) -> str:
        """Plain wording of this schedule; :func:`parse_frequency` reads it back to the same schedule."""
        return render(self)

    def to_dict(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def smallest_weekday_gap(days: tuple[int, ...]) -> int:
    """Smallest number of days between two of the named weekdays, round the week."""
    if len(days) < 2:
        return 7
    ordered = sorted(days)
    gaps = [b - a for a, b in zip(ordered, ordered[1:])] + [ordered[0] + 7 - ordered[-1]]
    return min(gaps)


def _whole(name: str, value: object, *, optional: bool = False, maximum: int) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DoseInputError("frequency", f"{name} must be a whole number of at least 1, got {value!r}")
    if value > maximum:
        raise DoseInputError("frequency", f"{name} {value} is more than {maximum}; no schedule here runs that long")


# ------------------------------------------------------------------ rendering


def _weeks_or_days(days: int) -> str:
    if days == 7:
        return "every week"
    if days % 7 == 0:
        return f"every {days // 7} weeks"
    return f"every {days} days"


def _day_list(days: tuple[int, ...]) -> str:
    names = [WEEKDAY_NAMES[d - 1] for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def render(f: Frequency) -> str:
    if f.interval_days is None:
        return "once"
    if len(f.weekdays) > 1:
        base = f"weekly on {_day_list(f.weekdays)}"
    elif f.interval_days == 1:
        if f.hours_apart:
            base = f"every {f.hours_apart} hours"
        else:
            base = {1: "daily", 2: "twice daily"}.get(f.times_per_day, f"{f.times_per_day} times daily")
    else:
        base = "weekly" if f.interval_days == 7 else _weeks_or_days(f.interval_days)
        if f.weekdays:
            base += f" on {_day_list(f.weekdays)}"
    parts = [base]
    if (f.interval_days != 1 or f.weekdays) and f.times_per_day > 1:
        parts.insert(0, f"{f.times_per_day} doses {f.hours_apart} hours apart" if f.hours_apart else f"{f.times_per_day} doses on the same day")
    if f.count is not None:
        parts.append(f"x {f.count} days" if f.interval_days == 1 else f"x {f.count}")
    if f.cycle_days is not None:
        parts.append(_weeks_or_days(f.cycle_days))
    return " ".join(parts)


# ------------------------------------------------------------------ tokens

# Look-alike characters that are safe to fold: a multiplication sign is an "x",
# typographic dashes are hyphens, a no-break space is a space. Anything else
# outside ASCII (Arabic-Indic "٢", full-width digits, Cyrillic letters, zero-width
# characters) is refused: "days 1 and ٢15" must not become day 215 (issue 6).
_FOLD = {"×": "x", "–": "-", "—": "-", "‐": "-", "‑": "-", "\u00a0": " ", "\u202f": " "}
_TOKEN = re.compile(r"\s+|\d+(?:\.\d+)?|[a-z]+|[/,;&+\-()]")

_WORD_NUM = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fourteen": 14, "twenty": 20,
}
_WEEKDAYS: dict[str, int] = {}
for _i, _names in enumerate(
    [("monday", "mon", "mondays"), ("tuesday", "tue", "tues", "tuesdays"), ("wednesday", "wed", "wednesdays"),
     ("thursday", "thu", "thur", "thurs", "thursdays"), ("friday", "fri", "fridays"), ("saturday", "sat", "saturdays"),
     ("sunday", "sun", "sundays")], start=1,
):
    for _n in _names:
        _WEEKDAYS[_n] = _i

# Joined abbreviations cut into the words the grammar reads ("qweek" = "q week").
_EXPAND = {
    "qweek": ("q", "week"), "qwk": ("q", "week"), "qw": ("q", "week"), "qwkly": ("q", "week"),
    "qday": ("q", "day"), "qam": ("q", "am"), "qpm": ("q", "pm"), "qmorning": ("q", "am"), "qevening": ("q", "pm"),
    "qnight": ("q", "night"), "qhr": ("q", "h"), "hourly": ("hourly",),
}
_DAY = {"day", "days", "d"}
_WEEK = {"week", "weeks", "wk", "wks", "w"}
_HOUR = {"h", "hr", "hrs", "hour", "hours"}
_EVERY = {"every", "q", "each"}
_PER = {"a", "per", "/", "each", "every"}
_X = {"x", "times"}
_SEP = {",", ";", "(", ")"}


def _normalise(text: str) -> str:
    folded = "".join(_FOLD.get(c, c) for c in text)
    for c in folded:
        if not c.isascii() or (not c.isprintable() and not c.isspace()):
            kind = "digit" if unicodedata.category(c) == "Nd" else "character"
            raise DoseInputError(
                "frequency", f"{text!r} contains the non-ASCII {kind} {c!r} (U+{ord(c):04X}); write the schedule in plain ASCII"
            )
    t = folded.lower()
    # Drop the dots of "b.i.d." but keep decimal points: "every 1.5 weeks" must
    # be refused, never read as "every 15 weeks".
    t = re.sub(r"(?<!\d)\.|\.(?!\d)", "", t)
    t = re.sub(r"(?<=[a-z])-(?=[a-z])|(?<=\d)-(?=[a-z])", " ", t)  # "once-weekly", "12-hourly"; "3-4" stays a range
    t = re.sub(r"(?<=\d)x(?=\d)", " x ", t)
    return t


def _tokens(text: str, original: str) -> list[str]:
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() != pos:
            break
        pos = m.end()
        tok = m.group()
        if tok.isspace():
            continue
        if "." in tok:
            raise DoseInputError("frequency", f"{original!r}: {tok} is not a whole number; a schedule counts whole days, doses or hours")
        if tok[0].isdigit() and len(tok.lstrip("0")) > _MAX_DIGITS:
            raise DoseInputError("frequency", f"{original!r}: the number {tok[:12]}... is far too large for a schedule")
        out.extend(_EXPAND.get(tok, (tok,)))
    if pos != len(text):
        raise DoseInputError("frequency", f"{original!r}: cannot read {text[pos:pos + 10]!r}")
    if "-" in out:
        raise DoseInputError("frequency", f"{original!r}: a range or a minus sign is not a schedule; order one value")
    return out


# ------------------------------------------------------------------ clauses


@attrs.frozen
class _Clause:
    """One clause of a schedule; what ``a`` and ``b`` say depends on its kind.

    perday: ``a`` doses a day, ``b`` hours apart (None: not said). perweek: ``a`` doses a week.
    interval (and the cycle it becomes after a course): ``a`` days between. split: ``a`` doses
    (None: not said), ``b`` hours apart (None: not said). course: ``a`` its length, ``unit``
    'days', 'weeks', 'doses' or None. daylist and weekdays: ``days``; weekdays also
    ``every_other``. single and once: nothing.
    """

    kind: str  # single, once, perday, perweek, interval, weekdays, course, split, daylist
    a: int | None = None
    b: int | None = None
    origin: str = ""
    days: tuple[int, ...] = ()
    every_other: bool = False
    unit: str | None = None

    @property
    def number(self) -> int:
        """``a`` of the kinds that always say it: perday, perweek, interval, cycle, course."""
        assert self.a is not None, f"a {self.kind} clause without its number"
        return self.a


_T = TypeVar("_T")


class _Reader:
    """Recursive-descent reading of the token list into clauses."""

    def __init__(self, tokens: list[str], original: str) -> None:
        self.t = tokens
        self.i = 0
        self.original = original
        self.notes: list[str] = []

    # -- primitives
    def peek(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.t[j] if j < len(self.t) else None

    def take(self, *words: str | Set[str]) -> bool:
        """Consume one token per argument; an argument is a word or a set of words."""
        for k, w in enumerate(words):
            tok = self.peek(k)
            if tok is None or not (tok in w if isinstance(w, (set, frozenset)) else tok == w):
                return False
        self.i += len(words)
        return True

    def number(self) -> int | None:
        tok = self.peek()
        if tok is None:
            return None
        if tok.isdigit():
            n = int(tok)
        elif tok in _WORD_NUM:
            n = _WORD_NUM[tok]
        else:
            return None
        self.i += 1
        if n < 1:
            # "q0w" or "weekly x0" is a typing error, not a schedule.
            raise DoseInputError("frequency", f"{self.original!r}: {tok!r} must be at least 1")
        return n

    def attempt(self, rule: Callable[[], _T | None]) -> _T | None:
        start = self.i
        result = rule()
        if result is None:
            self.i = start
        return result

    def note(self, key: str) -> None:
        note = ismp_note(*ERROR_PRONE_FREQUENCIES[key])
        if note not in self.notes:
            self.notes.append(note)

    # -- the clauses, tried in this order at each position
    def clauses(self) -> list[_Clause]:
        rules = (self.single, self.split, self.day_list, self.times, self.hourly, self.per_day_word, self.time_of_day,
                 self.weekday_clause, self.interval, self.course)
        found: list[_Clause] = []
        while self.peek() is not None:
            if self.take(_SEP) or (found and self.take("and")):
                continue
            for rule in rules:
                clause = self.attempt(rule)
                if clause is not None:
                    found.append(clause)
                    break
            else:
                word = next((w for w in self.t[self.i:] if w in _REFUSED_WORDS), None)
                if word is not None:
                    raise DoseInputError("frequency", f"{self.original!r}: {_REFUSED_WORDS[word]}")
                rest = " ".join(self.t[self.i:self.i + 4])
                raise DoseInputError("frequency", f"{self.original!r}: cannot read {rest!r}; {_EXAMPLES}")
        return found

    def single(self) -> _Clause | None:
        if self.i == 0 and len(self.t) <= 2 and (self.take("once") or self.take("stat") or self.take("x", "1")
                                                  or self.take("single", "dose") or self.take({"one", "1"}, {"dose", "time"})):
            self.take("only")
            if self.peek() is None:
                return _Clause("single")
        return None

    def split(self) -> _Clause | None:
        """Several doses on one dosing day: "2 doses 12 hours apart", "q12h x 3 doses", "morning and evening"."""
        if self.take({"morning", "am"}, "and", {"evening", "pm", "night", "bedtime"}):
            return _Clause("split", 2, 12, "tod")
        counted = self.attempt(self._hours_x_doses)
        if counted is not None:
            return counted
        n = self.attempt(self._n_doses)
        if n is not None and self.take("on", {"the", "one"}, {"same", "day"}):
            self.take("day")
            return _Clause("split", n, None)
        hours = self.attempt(self._hours_apart)
        if hours is None and n is not None:
            hours = self.attempt(self._every_hours)  # "2 doses every 12 hours once weekly"
        if hours is None and (n is None or n < 2):
            return None
        return _Clause("split", n, hours)

    def _hours_x_doses(self) -> _Clause | None:
        """"q12h x 3 doses", "every 12 hours for 2 doses"."""
        hours = self._every_hours()
        if hours is not None and self.take({"x", "for"}):
            n = self.number()
            if n is not None and self.take({"doses", "dose"}):
                return _Clause("split", n, hours)
        return None

    def _n_doses(self) -> int | None:
        self.take("given")
        self.take({"split", "divided"})
        self.take({"into", "in", "as"})
        n = self.number()
        self.take("divided")
        return n if n is not None and self.take({"doses", "dose"}) else None

    def _hours_apart(self) -> int | None:
        h = self.number()
        return h if h is not None and self.take(_HOUR, "apart") else None

    def _every_hours(self) -> int | None:
        if not self.take({"q", "every"}):
            return None
        h = self.number()
        return h if h is not None and self.take(_HOUR) else None

    def day_list(self) -> _Clause | None:
        """"days 1 and 15", "d1 and d15", "day 1 and day 15", "days 1, 8, 15"."""
        self.take("on")
        if not self.take(_DAY | {"day"}):
            return None
        first = self.number()
        if first is None:
            return None
        days = [first]
        while self.take({"and", ",", "&", "+"}):
            self.take(_DAY)
            n = self.number()
            if n is None:
                return None
            days.append(n)
        return _Clause("daylist", days=tuple(days)) if len(days) > 1 else None

    def _count_word(self) -> int | None:
        if self.take("once"):
            return 1
        if self.take("twice"):
            return 2
        if self.take("thrice"):
            return 3
        n = self.number()
        if n is not None and self.take({"times", "x", "time"}):
            return n
        return None

    def times(self) -> _Clause | None:
        """"twice daily", "3 times a day", "2x/day", "once a week", "1x weekly", "three times a week"."""
        n = self._count_word()
        if n is None:
            return None
        if self.take("daily") or self.take(_PER, "day") or self.take("every", "day"):
            return _Clause("perday", n, None, "times")
        if self.take("weekly") or self.take(_PER, {"week", "wk"}):
            return _Clause("interval", 7, None, "weekly") if n == 1 else _Clause("perweek", n)
        if n == 1:  # "once every 2 weeks", "once on Friday": the interval that follows says it
            return _Clause("once")
        return None

    def hourly(self) -> _Clause | None:
        """"q8h", "q 12 h", "every 8 hours", "12 hourly", "q48h" (= every 2 days)."""
        if self.take({"q", "every"}):
            h = self.number()
            if h is None or not self.take(_HOUR):
                return None
        else:
            h = self.number()
            if h is None or not self.take("hourly"):
                return None
        if h % 24 == 0:
            return _Clause("interval", h // 24, None, "hours")
        if 24 % h or 24 // h > MAX_TIMES_PER_DAY:
            raise DoseInputError(
                "frequency", f"{self.original!r}: every {h} hours is not a whole number of doses a day of at most "
                f"{MAX_TIMES_PER_DAY} (q6h, q8h, q12h, q24h, q48h)"
            )
        return _Clause("perday", 24 // h, h, "hours")

    def per_day_word(self) -> _Clause | None:
        words = {"bid": 2, "bd": 2, "tid": 3, "tds": 3, "qid": 4, "qds": 4}
        tok = self.peek()
        if tok in words:
            self.i += 1
            return _Clause("perday", words[tok], None, "abbr")
        return None

    def time_of_day(self) -> _Clause | None:
        """"every morning", "q AM", "qpm", "at bedtime", "qhs", "nightly": once a day."""
        if self.take("qhs"):
            self.note("qhs")
            return _Clause("perday", 1, None, "tod")
        if self.take("qn"):
            self.note("qn")
            return _Clause("perday", 1, None, "tod")
        if self.take({"nightly", "mane", "nocte", "bedtime"}) or self.take("at", {"bedtime", "night"}):
            return _Clause("perday", 1, None, "tod")
        if self.take({"every", "q", "each"}, {"morning", "am", "evening", "pm", "night", "bedtime"}):
            return _Clause("perday", 1, None, "tod")
        if self.take("in", "the", {"morning", "evening"}):
            return _Clause("perday", 1, None, "tod")
        return None

    def _weekday_names(self) -> list[int] | None:
        tok = self.peek()
        if tok not in _WEEKDAYS:
            return None
        days = [_WEEKDAYS[tok]]
        self.i += 1
        while self.peek() in {"and", ",", "&", "/", "+"} and self.peek(1) in _WEEKDAYS:
            days.append(_WEEKDAYS[self.t[self.i + 1]])
            self.i += 2
        return days

    def weekday_clause(self) -> _Clause | None:
        """"every Monday", "on Fridays", "Mon and Thu", "every other Monday"."""
        every_other = False
        if self.take({"every", "each"}, {"other", "second"}):
            every_other = True
        else:
            self.take({"every", "each", "on", "q"})
        days = self._weekday_names()
        if days is None:
            return None
        if len(set(days)) != len(days):
            raise DoseInputError("frequency", f"{self.original!r}: a weekday is named twice")
        return _Clause("weekdays", days=tuple(sorted(days)), every_other=every_other)

    def interval(self) -> _Clause | None:
        tok = self.peek()
        if tok in ERROR_PRONE_FREQUENCIES and tok not in ("qhs", "qn"):
            self.i += 1
            self.note(tok)
            return _Clause("interval", 2 if tok == "qod" else 1, None, "daily" if tok != "qod" else "")
        if self.take("daily") or self.take({"every", "each", "q"}, "day") or self.take({"per", "/"}, "day"):
            return _Clause("interval", 1, None, "daily")
        if self.take("weekly") or self.take({"every", "each", "q", "per", "/"}, {"week", "wk"}):
            return _Clause("interval", 7, None, "weekly")
        if self.take("fortnightly") or self.take({"every", "each"}, "fortnight"):
            return _Clause("interval", 14, None, "")
        if self.take({"every", "q"}, {"other", "second"}, {"day"}) or self.take("alternate", {"days", "day"}):
            return _Clause("interval", 2, None, "")
        if self.take({"every", "q"}, {"other", "second"}, {"week", "wk"}) or self.take("alternate", {"weeks", "week"}):
            return _Clause("interval", 14, None, "")
        self.take("repeat") or self.take("repeated")
        if self.take({"every", "q"}):
            q = self.t[self.i - 1] == "q"
            n = self.number()
            if n is None:
                return None
            if self.take(_DAY):
                if q and n == 1 and self.t[self.i - 1] == "d":
                    self.note("q1d")
                return _Clause("interval", n, None, "")
            if self.take(_WEEK):
                return _Clause("interval", 7 * n, None, "weekly" if n == 1 else "")
        return None

    def course(self) -> _Clause | None:
        """"x 5 days", "for 5 days", "x 4", "for 4 weeks", "x 6 doses", "on 2 consecutive days"."""
        if self.take({"x", "for"}) or self.take("on"):
            n = self.number()
            if n is None:
                return None
            self.take("consecutive")
            if self.take({"days", "day"}):
                return _Clause("course", n, unit="days")
            if self.take({"weeks", "week", "wk", "wks"}):
                return _Clause("course", n, unit="weeks")
            if self.take({"doses", "dose", "treatments", "infusions"}):
                return _Clause("course", n, unit="doses")
            return _Clause("course", n, unit=None)
        n = self.number()
        if n is not None and self.take("consecutive", {"days", "day"}):
            return _Clause("course", n, unit="days")
        return None


# Words refused with their reason rather than a bare "cannot read".
_REFUSED_WORDS = {
    "biweekly": "'biweekly' means twice a week to some and every 2 weeks to others; write 'twice weekly' or 'every 2 weeks'",
    "bimonthly": "'bimonthly' is ambiguous (twice a month or every 2 months)",
    "semiweekly": "write 'twice weekly on <days>'",
    "tiw": ("'TIW' is on ISMP's List of Error-Prone Abbreviations (mistaken for three times a day or twice weekly): "
            "write '3 times weekly'"),
    "biw": "write 'twice weekly' (BIW is read as BID)",
    "hs": "'hs' is on ISMP's List of Error-Prone Abbreviations (bedtime or half-strength): write 'at bedtime'",
    "bt": "'BT' is on ISMP's List of Error-Prone Abbreviations (mistaken for BID): write 'at bedtime'",
    "prn": "an as-needed order has no schedule to verify",
    "needed": "an as-needed order has no schedule to verify",
    "directed": "'as directed' has no schedule to verify",
    "or": "two schedules joined by 'or' are two orders; write the one to verify",
    "to": "a range is not a schedule; order one value",
    "monthly": "a month is not a whole number of days; write e.g. 'every 4 weeks'",
    "months": "a month is not a whole number of days; write e.g. 'every 4 weeks'",
    "month": "a month is not a whole number of days; write e.g. 'every 4 weeks'",
    "over": "a dose 'over N days' is a total to divide; write the amount of each day's dose with 'daily x N days'",
    "then": "a taper or a sequence of schedules is several orders; write each one",
}

_EXAMPLES = ("use e.g. 'weekly', 'weekly on Friday', 'BID', 'daily', 'q4w', 'weekly x4', 'days 1 and 15', "
             "'daily for 2 days every 4 weeks', '2 doses 12 hours apart once weekly'")


# ------------------------------------------------------------------ combining


def _refuse(text: str, why: str) -> NoReturn:
    raise DoseInputError("frequency", f"{text!r}: {why}")


def _combine(text: str, clauses: list[_Clause], notes: list[str]) -> Frequency:
    # An interval after a course or a day list is the cycle they repeat in.
    kinds: dict[str, _Clause] = {}
    for c in clauses:
        kind = c.kind
        if kind == "interval" and ("course" in kinds or "daylist" in kinds):
            kind = "cycle"
        if kind in kinds:
            _refuse(text, f"says the {kind.replace('perday', 'doses a day').replace('perweek', 'doses a week')} twice; "
                          "write one schedule")
        kinds[kind] = c
    if len(kinds) > 1:
        kinds.pop("once", None)  # "once weekly", "once every 2 weeks": the interval says it
    note = "; ".join(notes) or None
    if set(kinds) == {"single"}:
        return Frequency(text, interval_days=None, count=1, error_prone=note)
    if "once" in kinds or "single" in kinds:
        _refuse(text, "'once' with another schedule; write 'once' alone or the repeating schedule")

    interval: int | None = None
    tpd = 1
    hours: int | None = None
    weekdays: tuple[int, ...] = ()
    count: int | None = None
    cycle: int | None = None
    base = [k for k in ("perday", "perweek", "interval", "weekdays", "daylist") if k in kinds]
    split = kinds.get("split")

    if daylist := kinds.get("daylist"):
        if len(base) > 1 or kinds.get("course") or split:
            _refuse(text, "a day list ('days 1 and 15') stands alone, with at most the cycle it repeats in")
        days = daylist.days
        gaps = {b - a for a, b in zip(days, days[1:])}
        if days[0] != 1 or len(gaps) != 1 or min(gaps) < 1:
            _refuse(text, "expected equally spaced days from day 1, e.g. 'days 1 and 15' or 'days 1, 8, 15'")
        interval, count = gaps.pop(), len(days)

    if perday := kinds.get("perday"):
        if len(base) > 1:
            _refuse(text, "a number of doses a day with a weekly or other interval is ambiguous; for split weekly "
                          "methotrexate write e.g. '2 doses 12 hours apart once weekly'")
        interval, tpd, hours = 1, perday.number, perday.b
        if tpd > MAX_TIMES_PER_DAY:
            _refuse(text, f"{tpd} doses a day: more than {MAX_TIMES_PER_DAY} a day is not a schedule these drugs use")

    if kinds.get("perweek") or kinds.get("weekdays") or kinds.get("interval"):
        interval, weekdays = _interval_and_weekdays(text, kinds.get("perweek"), kinds.get("weekdays"), kinds.get("interval"))

    if split:
        interval, tpd, hours = _split(text, split, interval, weekdays)

    if course := kinds.get("course"):
        interval, count = _course(text, course, interval, tpd, split is not None, weekdays)

    if cycle_clause := kinds.get("cycle"):
        if count is None:
            _refuse(text, "a repeating cycle needs a bounded course, e.g. 'daily for 2 days every 4 weeks'")
        cycle = cycle_clause.number
    if interval is None:
        _refuse(text, _EXAMPLES)
    return Frequency(text, interval_days=interval, times_per_day=tpd, count=count, cycle_days=cycle,
                     weekdays=weekdays, hours_apart=hours, error_prone=note)


def _interval_and_weekdays(
    text: str, perweek: _Clause | None, days_clause: _Clause | None, interval_clause: _Clause | None
) -> tuple[int, tuple[int, ...]]:
    days = days_clause.days if days_clause else ()
    every_other = bool(days_clause and days_clause.every_other)
    if perweek:
        n = perweek.number
        if interval_clause:
            _refuse(text, "a number of doses a week with another interval; write e.g. 'twice weekly on Monday and Thursday'")
        if n >= 7:
            _refuse(text, f"{n} times a week: write 'daily'")
        if days and (len(days) != n or every_other):
            _refuse(text, f"{n} times a week on {len(days)} named day(s)")
        # Unnamed days: the smallest possible even spacing, so exposure is never under-counted.
        return (smallest_weekday_gap(days), days) if days else (7 // n, ())
    if every_other:
        if len(days) > 1 or interval_clause:
            _refuse(text, "'every other' with several days or another interval")
        return 14, days
    if days:
        interval = interval_clause.number if interval_clause else 7
        if interval % 7:
            _refuse(text, "a named weekday with an interval that is not whole weeks")
        if len(days) > 1:
            if interval != 7:
                _refuse(text, "several weekdays repeat weekly; write e.g. 'weekly on Monday and Thursday'")
            return smallest_weekday_gap(days), days
        return interval, days
    assert interval_clause is not None, "called with a perweek, weekdays or interval clause"
    return interval_clause.number, ()


def _split(text: str, split: _Clause, interval: int | None, weekdays: tuple[int, ...]) -> tuple[int, int, int | None]:
    n, hours = split.a, split.b
    if n is None:
        n = 2  # "12 hours apart once weekly": two doses
    if not 2 <= n <= MAX_TIMES_PER_DAY:
        _refuse(text, f"{n} doses on one day; split weekly methotrexate is 2 or 3 doses")
    if interval is None:
        if split.origin == "tod":  # "morning and evening" alone: twice daily
            return 1, 2, None
        _refuse(text, "split doses need the interval they repeat at, e.g. '2 doses 12 hours apart once weekly'")
    if interval == 1 and not weekdays:
        if hours is None or n * hours != 24:
            _refuse(text, "for doses through each day write 'BID', 'TID' or 'every 8 hours'")
        return 1, n, hours
    if hours is not None and (n - 1) * hours > 24:
        _refuse(text, f"{n} doses {hours} hours apart do not fit one dosing day")
    return interval, n, hours


def _course(
    text: str, course: _Clause, interval: int | None, tpd: int, split: bool, weekdays: tuple[int, ...]
) -> tuple[int, int]:
    n, unit = course.number, course.unit
    if len(weekdays) > 1:
        _refuse(text, "a course length with several weekdays; write the number of weeks as its own order")
    if n > MAX_COUNT:
        _refuse(text, f"a course of {n} is more than {MAX_COUNT}")
    if unit == "days":
        if interval not in (None, 1):
            _refuse(text, "a course in days with a non-daily interval is ambiguous; write the number of doses ('x 4')")
        return 1, n
    if unit == "weeks":
        if interval == 7:
            return 7, n
        if interval == 1:
            return 1, 7 * n
        _refuse(text, "a course in weeks only with a daily or weekly schedule; write the number of doses ('x 2')")
    if interval is None:
        _refuse(text, f"'x {n}' needs the schedule it counts, e.g. 'weekly x {n}'")
    if tpd > 1 and not split:
        _refuse(text, f"'x {n}' with {tpd} doses a day: doses or days? write e.g. 'BID x 5 days'")
    return interval, n


def parse_frequency(value: "Frequency | str") -> Frequency:
    if isinstance(value, Frequency):
        return value
    if not isinstance(value, str) or not value.strip():
        raise DoseInputError("frequency", f"expected text such as 'weekly' or 'BID', got {value!r}")
    return _read_frequency(value)


@memo(maxsize=4096)  # keyed by free text: bounded, so a long batch's memory stays flat
def _read_frequency(value: str) -> Frequency:
    """The reading of one schedule text: a frozen Frequency, read once per text (issue 8); refusals are not kept."""
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise DoseInputError("frequency", f"a schedule of {len(text)} characters is too long (at most {MAX_TEXT})")
    reader = _Reader(_tokens(_normalise(text), text), text)
    clauses = reader.clauses()
    if not clauses:
        raise DoseInputError("frequency", f"cannot read {text!r}; {_EXAMPLES}")
    return _combine(text, clauses, reader.notes)
