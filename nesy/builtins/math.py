"""Scallop's mathematical built-ins: $ceil, $floor, $sign, $pow, $powf, $exp, $exp2, $log,
$log2, $sin, $cos, $tan, $acos, $asin, $atan, $atan2 (core/src/common/foreign_functions in Scallop).

Types follow Scallop's declarations: $ceil, $floor and $sign keep their argument's numeric
type (on integers $ceil and $floor are the identity); $pow raises an integer to a u32 power;
the others take and return floats. Where Scallop has no value (the log of a non-positive
number, acos/asin outside [-1, 1]) the row has none here either; a result the type cannot
hold (an overflowing $pow) is dropped by the caller's range check, as all arithmetic is.
"""
from __future__ import annotations

import math

from nesy.builtins import NoValue, register


@register("ceil", ["T:numeric"], "T")
def _ceil(x):
    """Smallest integral value not below x (integers unchanged)."""
    return x if isinstance(x, int) else float(math.ceil(x))


@register("floor", ["T:numeric"], "T")
def _floor(x):
    """Largest integral value not above x (integers unchanged)."""
    return x if isinstance(x, int) else float(math.floor(x))


@register("sign", ["T:numeric"], "T")
def _sign(x):
    """-1, 0 or 1 as x is negative, zero or positive, in x's type."""
    s = (x > 0) - (x < 0)
    return s if isinstance(x, int) else float(s)


@register("pow", ["T:integer", "u32"], "T")
def _pow(x, y):
    """x to the (non-negative integer) power y, exactly."""
    return x ** y


@register("powf", ["T:float", "T:float"], "T")
def _powf(x, y):
    """x to the power y; no value where the result is not a real number."""
    result = x ** y
    if isinstance(result, complex):
        raise NoValue
    return float(result)


def _unary_float(name: str, fn, defined=lambda x: True, doc: str = ""):
    """Register `$name(x: T float) -> T`: fn(x) where `defined(x)`, else no value."""

    def impl(x):
        if not defined(x):
            raise NoValue
        return fn(x)

    impl.__doc__ = doc
    register(name, ["T:float"], "T")(impl)


_unary_float("exp", math.exp, doc="e to the power x.")
_unary_float("exp2", lambda x: 2.0 ** x, doc="2 to the power x.")
_unary_float("log", math.log, lambda x: x > 0, "Natural logarithm; no value for x <= 0.")
_unary_float("log2", math.log2, lambda x: x > 0, "Base-2 logarithm; no value for x <= 0.")
_unary_float("acos", math.acos, lambda x: -1 <= x <= 1, "Arc cosine; no value outside [-1, 1].")
_unary_float("asin", math.asin, lambda x: -1 <= x <= 1, "Arc sine; no value outside [-1, 1].")
_unary_float("atan", math.atan, doc="Arc tangent.")
_unary_float("sin", math.sin, doc="Sine (radians).")
_unary_float("cos", math.cos, doc="Cosine (radians).")
_unary_float("tan", math.tan, doc="Tangent (radians).")


@register("atan2", ["T:float", "T:float"], "T")
def _atan2(y, x):
    """The angle of the point (x, y), as Scallop's $atan2(y, x)."""
    return math.atan2(y, x)
