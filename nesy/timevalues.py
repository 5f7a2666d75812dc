"""Scallop's `DateTime` and `Duration` values: `t"2019-01-01T00:00:00Z"`, `d"3d"`, `d"1y5d"`.

A DateTime is a timezone-aware `datetime` in UTC (a date alone is midnight). A Duration is
Scallop's relative duration: whole months (years are 12 of them) plus an exact `timedelta`,
so `t"2019-02-01" + d"3mo"` is 2019-05-01 and `d"1mo"` is not a fixed number of days.
Arithmetic: DateTime ± Duration -> DateTime, Duration ± Duration -> Duration, DateTime -
DateTime -> Duration (exact, no months). This module is a leaf.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

__all__ = ["Duration", "parse_datetime", "parse_duration", "time_op"]


@dataclass(frozen=True, order=True)
class Duration:
    months: int = 0
    delta: timedelta = timedelta(0)

    def __add__(self, other):
        if isinstance(other, Duration):
            return Duration(self.months + other.months, self.delta + other.delta)
        return NotImplemented

    def __sub__(self, other):
        if isinstance(other, Duration):
            return Duration(self.months - other.months, self.delta - other.delta)
        return NotImplemented

    def __neg__(self):
        return Duration(-self.months, -self.delta)

    def __str__(self) -> str:
        delta = _text(self.delta)
        return delta if self.months == 0 else f"R{self.months}MO {delta}"


def _text(delta: timedelta) -> str:
    """chrono's ISO 8601 form: PT3S, P5D (a day is 86,400 seconds)."""
    seconds = delta.days * 86400 + delta.seconds
    micros = delta.microseconds
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    out = f"{sign}P" + (f"{days}D" if days else "")
    if rest or micros or not days:
        fraction = f".{micros:06d}".rstrip("0") if micros else ""
        out += f"T{rest}{fraction}S"
    return out


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, clamped to the month's last day (as chronoutil)."""
    total = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def time_op(op: str, a, b):
    """`a op b` for op in + and -, on DateTime and Duration values (None: no value)."""
    if isinstance(a, datetime) and isinstance(b, Duration):
        sign = 1 if op == "+" else -1
        return add_months(a, sign * b.months) + sign * b.delta
    if isinstance(a, Duration) and isinstance(b, datetime) and op == "+":
        return time_op("+", b, a)
    if isinstance(a, Duration) and isinstance(b, Duration):
        return a + b if op == "+" else a - b
    if isinstance(a, datetime) and isinstance(b, datetime) and op == "-":
        return Duration(0, a - b)
    return None


#: Date-time forms accepted besides ISO 8601 (a subset of Scallop's "any reasonable format").
_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%B %d, %Y %I:%M%p",
            "%B %d, %Y", "%Y年%m月%d日")


def parse_datetime(text: str) -> datetime | None:
    """A DateTime literal's value in UTC, or None when it is not a date-time."""
    text = text.strip()
    candidates = [text[:-1] + "+00:00" if text.endswith("Z") else text]
    if re.fullmatch(r".*[+-]\d\d", text):  # `2019-11-29 08:08:05-08`
        candidates.append(text + ":00")
    for candidate in candidates:
        try:
            moment = datetime.fromisoformat(candidate)
            break
        except ValueError:
            moment = None
    if moment is None:
        for form in _FORMATS:
            try:
                moment = datetime.strptime(text, form)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


_UNITS = [  # (pattern, months, seconds): longest names first
    ("years|year|yrs|yr|y", 12, 0), ("months|month|mos|mo|M", 1, 0),
    ("weeks|week|wks|wk|w", 0, 7 * 86400), ("days|day|d", 0, 86400),
    ("hours|hour|hrs|hr|h", 0, 3600), ("minutes|minute|mins|min|m", 0, 60),
    ("milliseconds|millisecond|msecs|msec|ms", 0, 1e-3),
    ("microseconds|microsecond|usecs|usec|us", 0, 1e-6),
    ("nanoseconds|nanosecond|nsecs|nsec|ns|n", 0, 1e-9),
    ("seconds|second|secs|sec|s", 0, 1),
]
_PART = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*(" + "|".join(p for p, _, _ in _UNITS) + r")(?![A-Za-z])")


def parse_duration(text: str) -> Duration | None:
    """A Duration literal's value (`3d`, `1y5d`, `-5mo`, `15 days 20 seconds`), or None."""
    text = text.strip()
    if not text:
        return None
    months, seconds, pos = 0, 0.0, 0
    while pos < len(text):
        m = _PART.match(text, pos)
        if m is None:
            return None
        number, unit = float(m.group(1)), m.group(2)
        for pattern, unit_months, unit_seconds in _UNITS:
            if re.fullmatch(pattern, unit):
                months += int(number * unit_months)
                seconds += number * unit_seconds
                break
        pos = m.end()
    return Duration(months, timedelta(seconds=seconds))
