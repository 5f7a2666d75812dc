"""Set semantics, written once for the aggregators that share an algorithm.

Each function works on all groups at once (numpy, no loop over rows or groups); see
`base.py` for the row/group conventions.
"""
from __future__ import annotations

import numpy as np

_INT64_SAFE = 2.0**62  # a fold whose magnitude stays below this is exact in int64


def every_group(per_group: np.ndarray):
    """One computed outcome per group: (out_group, out_row, out_value)."""
    n_groups = len(per_group)
    return np.arange(n_groups, dtype=np.int64), np.full(n_groups, -1, dtype=np.int64), per_group


def exact_integers(group: np.ndarray, n_groups: int, values: np.ndarray, combine: np.ufunc):
    """The values, as Python ints when `combine`-folding some of a group's integers could
    leave int64. The bound folds max(|v|, 1) per group in floats, which exceeds the magnitude
    of every partial fold for the ufuncs folds use (add, multiply, maximum, minimum)."""
    if values.dtype.kind not in "iu":
        return values
    bound = np.ones(n_groups)
    with np.errstate(over="ignore"):
        combine.at(bound, group, np.maximum(np.abs(values.astype(np.float64)), 1.0))
    return values if (bound < _INT64_SAFE).all() else values.astype(object)


def fold(group: np.ndarray, n_groups: int, values: np.ndarray, combine: np.ufunc, identity):
    """Per-group `combine`-fold of the values, exact (Python ints where int64 could overflow)."""
    values = exact_integers(group, n_groups, values, combine)
    out = np.full(n_groups, identity, dtype=np.result_type(values.dtype, type(identity)))
    combine.at(out, group, values)
    return out


def any_row(group: np.ndarray, n_groups: int, if_some, if_none):
    """One outcome per group: `if_some` when the group has a row, else `if_none`."""
    present = np.bincount(group, minlength=n_groups) > 0
    return every_group(np.where(present, if_some, if_none))


def extremes(group: np.ndarray, n_groups: int, values: np.ndarray, larger_wins: bool):
    """Every row attaining the extreme value of its group (all ties)."""
    all_groups = np.arange(n_groups, dtype=np.int64)
    order = np.lexsort((values, group))
    sorted_group, sorted_values = group[order], values[order]
    starts = np.searchsorted(sorted_group, all_groups, side="left")
    ends = np.searchsorted(sorted_group, all_groups, side="right")
    nonempty = ends > starts
    pick = ends - 1 if larger_wins else starts
    extreme = np.empty(n_groups, dtype=values.dtype)
    extreme[nonempty] = sorted_values[pick[nonempty]]
    keep = np.flatnonzero(values == extreme[group])
    return group[keep], keep.astype(np.int64), values[keep]
