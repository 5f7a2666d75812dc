"""Numeric built-ins with Scallop's names and meaning: $abs, $min, $max."""
from __future__ import annotations

import numpy as np

from nesy.builtins import register


def _vec_abs(x):
    """Exact like all integer arithmetic: |i64::MIN| does not fit int64, so such a column is
    computed on Python ints and the caller's range check drops what its type cannot hold."""
    if x.dtype == np.int64 and len(x) and x.min() == np.iinfo(np.int64).min:
        x = x.astype(object)
    return np.abs(x), np.ones(len(x), dtype=bool)


@register("abs", ["T:numeric"], "T", vectorized=_vec_abs)
def _abs(x):
    """Absolute value."""
    return abs(x)


def _vec_reduce(op):
    def run(*cols):
        return op.reduce(np.stack(cols), axis=0), np.ones(len(cols[0]), dtype=bool)

    return run


@register("min", ["T:numeric"], "T", variadic=True, vectorized=_vec_reduce(np.minimum))
def _min(*xs):
    """Smallest argument."""
    return min(xs)


@register("max", ["T:numeric"], "T", variadic=True, vectorized=_vec_reduce(np.maximum))
def _max(*xs):
    """Largest argument."""
    return max(xs)
