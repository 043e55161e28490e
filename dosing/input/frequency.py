"""Dosing frequencies as values: 'weekly', 'BID', 'q4w', 'days 1 and 15', 'daily for 2 days every 4 weeks'.

A frequency that cannot be read is refused; guessing 'weekly' from 'qd' is how
methotrexate overdoses happen.
"""

from __future__ import annotations

import re

import attrs

from dosing.units import DoseInputError

_TIMES_PER_DAY = {
    "once daily": 1, "daily": 1, "qd": 1, "od": 1, "every day": 1, "once a day": 1, "nightly": 1, "qhs": 1, "qam": 1,
    "bid": 2, "twice daily": 2, "twice a day": 2, "q12h": 2, "bd": 2,
    "tid": 3, "three times daily": 3, "q8h": 3,
    "qid": 4, "four times daily": 4, "q6h": 4,
}
_EVERY_OTHER_DAY = {"every other day", "qod", "alternate days", "q48h", "every 2 days"}
_WEEKLY = {"weekly", "once weekly", "once a week", "every week", "qweek", "qwk", "q1w", "1x/week", "per week", "/week"}
_ONCE = {"once", "single dose", "stat", "x1", "one dose"}
_WORD_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


@attrs.frozen
class Frequency:
    """When doses are given.

    ``interval_days``: days between administration days (None for a single dose).
    ``times_per_day``: administrations on each administration day.
    ``count``: administration days in a course/cycle, if bounded ("weekly × 4" → 4).
    ``cycle_days``: length of a repeating cycle ("daily × 2 days every 4 weeks" → 28).
    """

    text: str = attrs.field(validator=attrs.validators.instance_of(str))
    interval_days: int | None = attrs.field(validator=lambda i, a, v: _whole(a.name, v, optional=True))
    times_per_day: int = attrs.field(default=1, validator=lambda i, a, v: _whole(a.name, v))
    count: int | None = attrs.field(default=None, validator=lambda i, a, v: _whole(a.name, v, optional=True))
    cycle_days: int | None = attrs.field(default=None, validator=lambda i, a, v: _whole(a.name, v, optional=True))

    def __attrs_post_init__(self) -> None:
        # A schedule that cannot happen is refused here, so no calculator divides by it.
        if self.interval_days is None and self.count != 1:
            raise DoseInputError("frequency", f"{self.text!r}: a schedule without an interval must be a single dose")
        if self.cycle_days is not None:
            if self.count is None or self.interval_days is None or self.count * self.interval_days > self.cycle_days:
                raise DoseInputError("frequency", f"{self.text!r}: the doses of a cycle must fit in its {self.cycle_days} days")

    @property
    def is_weekly(self) -> bool:
        return self.interval_days == 7 and self.times_per_day == 1 and self.cycle_days is None

    @property
    def is_daily_or_more(self) -> bool:
        return self.interval_days is not None and self.interval_days < 7

    def daily_administrations(self) -> int:
        if self.interval_days != 1:
            raise DoseInputError("frequency", f"{self.text!r} is not a daily schedule")
        return self.times_per_day

    def to_dict(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def _whole(name: str, value, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DoseInputError("frequency", f"{name} must be a whole number of at least 1, got {value!r}")


def _num(token: str) -> int:
    n = _WORD_NUM[token] if token in _WORD_NUM else int(token)
    if n < 1:
        # "q0w" or "weekly x0" is a typing error, not a schedule.
        raise DoseInputError("frequency", f"{token!r} must be at least 1")
    return n


_N = r"(\d+|one|two|three|four|five|six)"


def parse_frequency(value: "Frequency | str") -> Frequency:
    if isinstance(value, Frequency):
        return value
    if not isinstance(value, str) or not value.strip():
        raise DoseInputError("frequency", f"expected text such as 'weekly' or 'BID', got {value!r}")
    text = value.strip()
    # Drop the dots of "b.i.d." but keep decimal points: "every 1.5 weeks" must
    # be refused, never read as "every 15 weeks".
    t = re.sub(r"(?<!\d)\.|\.(?!\d)", "", text.lower().replace("×", "x"))
    t = re.sub(r"\s+", " ", t).strip()

    # "days 1 and 15", "day 1 and day 15": rituximab's fixed regimen.
    m = re.fullmatch(r"(?:on )?days? (\d+) and (?:day )?(\d+)", t)
    if m:
        first, second = int(m.group(1)), int(m.group(2))
        if first != 1 or second <= first:
            raise DoseInputError("frequency", f"{text!r}: expected 'days 1 and N' with N > 1")
        return Frequency(text, interval_days=second - first, count=2)

    # "daily for 2 days every 4 weeks", "daily x2 days q4w": IVIG courses.
    m = re.fullmatch(rf"(?:once )?daily (?:for |x ?){_N} (?:consecutive )?days?,? (?:every |q ?){_N} ?(?:weeks?|w|wk)", t)
    if m:
        days, weeks = _num(m.group(1)), _num(m.group(2))
        if days > 7 * weeks:
            raise DoseInputError("frequency", f"{text!r}: {days} days of dosing do not fit in a {7 * weeks}-day cycle")
        return Frequency(text, interval_days=1, count=days, cycle_days=7 * weeks)

    # "weekly x4", "weekly for 4 weeks", "weekly x 4 doses".
    m = re.fullmatch(rf"(?:once )?weekly (?:for |x ?){_N}(?: (?:weeks?|doses?))?", t)
    if m:
        return Frequency(text, interval_days=7, count=_num(m.group(1)))

    # "q4w", "every 4 weeks", "q3-4w" is a range and must be ordered as one value.
    m = re.fullmatch(rf"(?:every |q ?){_N} ?(?:weeks?|w|wk|wks)", t)
    if m:
        weeks = _num(m.group(1))
        return Frequency(text, interval_days=7 * weeks)

    m = re.fullmatch(rf"(?:every |q ?){_N} ?(?:days?|d)", t)
    if m:
        return Frequency(text, interval_days=_num(m.group(1)))

    if t in _WEEKLY:
        return Frequency(text, interval_days=7)
    if t in _EVERY_OTHER_DAY:
        return Frequency(text, interval_days=2)
    if t in _TIMES_PER_DAY:
        return Frequency(text, interval_days=1, times_per_day=_TIMES_PER_DAY[t])
    if t in _ONCE:
        return Frequency(text, interval_days=None, count=1)
    raise DoseInputError(
        "frequency",
        f"cannot read {text!r}; use e.g. 'weekly', 'BID', 'daily', 'q4w', 'weekly x4', 'days 1 and 15', 'daily for 2 days every 4 weeks'",
    )
