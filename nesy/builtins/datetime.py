"""Scallop's date-time functions: `$datetime_year(t)`, `$datetime_month(t)` (1-12),
`$datetime_month0(t)` (0-11), `$datetime_day(t)` (1-31), on DateTime values in UTC."""
from __future__ import annotations

from nesy.builtins import register


@register("datetime_year", ["DateTime"], "i32")
def _year(moment):
    """The year."""
    return moment.year


@register("datetime_month", ["DateTime"], "u32")
def _month(moment):
    """The month, from 1."""
    return moment.month


@register("datetime_month0", ["DateTime"], "u32")
def _month0(moment):
    """The month, from 0."""
    return moment.month - 1


@register("datetime_day", ["DateTime"], "u32")
def _day(moment):
    """The day of the month, from 1."""
    return moment.day
