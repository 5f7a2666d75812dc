"""Set semantics, written once for the aggregators that share an algorithm.

Each function works on all groups at once (numpy, no loop over rows or groups); see
`base.py` for the row/group conventions.
"""
from __future__ import annotations

import numpy as np

_INT64_SAFE = 2.0**62  # a result below this in magnitude is exact in int64


def every_group(per_group: np.ndarray):
    """One computed outcome per group: (out_group, out_row, out_value)."""
    n_groups = len(per_group)
    return np.arange(n_groups, dtype=np.int64), np.full(n_groups, -1, dtype=np.int64), per_group


def fold(group: np.ndarray, n_groups: int, values: np.ndarray, combine: np.ufunc, identity):
    """Per-group `combine`-fold of the values, exact: integers are folded in int64 when the
    result fits (the float fold bounds it; wrap-around in between cancels out, as int64 is
    arithmetic modulo 2**64), otherwise in Python ints."""
    if values.dtype.kind == "f":
        out = np.full(n_groups, identity, dtype=np.float64)
        combine.at(out, group, values)
        return out
    if values.dtype.kind in "iub":
        out = np.full(n_groups, identity, dtype=np.int64)
        combine.at(out, group, values.astype(np.int64))
        bound = np.full(n_groups, identity, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            combine.at(bound, group, values.astype(np.float64))
        if (np.abs(bound) < _INT64_SAFE).all():
            return out
    out = np.full(n_groups, identity, dtype=object)
    combine.at(out, group, values.astype(object))
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
