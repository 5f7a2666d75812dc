"""Scallop's DateTime and Duration (doc/src/language/value_type.md; the programs and expected
relations of core/tests/integrate/time.rs, fp.rs)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from nesy.timevalues import Duration

from .conftest import codes, run


def utc(*fields) -> datetime:
    return datetime(*fields, tzinfo=timezone.utc)


def test_literals():
    assert run('type r(DateTime)\nrel r = {t"2019-01-01T00:00:00Z"}', "r") == {(utc(2019, 1, 1),)}
    assert run('rel r = {(0, t"2019-01-01T00:00:00Z")}', "r") == {(0, utc(2019, 1, 1))}
    assert run('type r(Duration)\nrel r = {d"1y5d"}', "r") == {(Duration(12, timedelta(days=5)),)}
    assert run('rel p = {(d"-3d", d"-5mo")}', "p") == {
        (Duration(0, timedelta(days=-3)), Duration(-5, timedelta(0)))}


def test_bad_literals_are_located_errors():
    assert codes('rel r = {t"ABCDEF"}') == ["bad-time-literal"]
    assert codes('rel r = {d"ABCDEF"}') == ["bad-time-literal"]


def test_arithmetic():
    program = '''
        rel p = {t"2019-01-04T00:00:00Z"}
        rel q = {d"3d"}
        rel plus(date + duration) = p(date) and q(duration)
        rel minus(date - duration) = p(date) and q(duration)
        rel both = {(d"3d", d"2d")}
        rel sum(d1 + d2) = both(d1, d2)
        rel month = {(d"3mo", t"2019-02-01")}
        rel relative(d + t) = month(d, t)
        rel between(a - b) = p(a), month(_, b)
        rel before(a) = p(a), a < t"2020-01-01"
    '''
    assert run(program, "plus") == {(utc(2019, 1, 7),)}
    assert run(program, "minus") == {(utc(2019, 1, 1),)}
    assert run(program, "sum") == {(Duration(0, timedelta(days=5)),)}
    assert run(program, "relative") == {(utc(2019, 5, 1),)}  # months, not days
    assert run(program, "between") == {(Duration(0, timedelta(days=-28)),)}
    assert run(program, "before") == {(utc(2019, 1, 4),)}


def test_functions_and_datetime_ymd():
    program = '''
        rel p = {t"2019-01-04T00:00:00Z"}
        rel r($datetime_year(d), $datetime_month(d), $datetime_month0(d), $datetime_day(d)) = p(d)
        rel ymd(y, m, d) = p(t), datetime_ymd(t, y, m, d)
    '''
    assert run(program, "r") == {(2019, 1, 0, 4)}
    assert run(program, "ymd") == {(2019, 1, 4)}
