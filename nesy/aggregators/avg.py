"""`a := avg(v: body)`: the mean of the distinct values (of distinct `[args], v` rows), in the
values' type, as Scallop's avg: integer means truncate toward zero (Rust's `sum / n`); a
group without rows has no result.

Over possible worlds the outcome distribution comes from the same dynamic program as sum,
run on (sum, count) pairs held as complex numbers (sum + count*1j: adding two pairs is adding
the numbers, and they sort by sum, then count), so the work stays polynomial where Scallop
enumerates every subset. The sums are float64 there: exact for integers below 2**53."""
from __future__ import annotations

import numpy as np

from . import _sets, _worlds
from .base import Aggregator


def _mean(sums, counts, integer: bool) -> np.ndarray:
    if not integer:
        return np.asarray(sums, dtype=np.float64) / counts
    out = [(abs(int(s)) // int(c)) * (1 if s >= 0 else -1) for s, c in zip(sums, counts)]
    return np.array(out, dtype=object if any(abs(v) >= 2**62 for v in out) else np.int64)


class Avg(Aggregator):
    name = "avg"
    example = "a := avg(v: score(_, v))"
    n_values = 1
    value_class = "numeric"
    value_reason = "averages numbers"

    def result_types(self, args, values):
        return list(values)

    def sets(self, group, n_groups, values):
        sums = _sets.fold(group, n_groups, values, np.add, 0)
        counts = np.bincount(group, minlength=n_groups)
        present = np.flatnonzero(counts > 0)
        integer = values.dtype.kind in "iuO"
        return (present.astype(np.int64), np.full(len(present), -1, dtype=np.int64),
                _mean(sums[present], counts[present], integer))

    def worlds(self, prov, group, n_groups, values, tags):
        values = np.asarray(values)
        pairs = values.astype(np.float64) + 1j
        s_group, _, s_value, s_tags = _worlds.fold(prov, group, n_groups, pairs, tags,
                                                   np.add, 0j)
        present = np.flatnonzero(s_value.imag > 0)  # a world where no row holds: no result
        counts = np.rint(s_value.imag[present]).astype(np.int64)
        integer = values.dtype.kind in "iuO"
        sums = np.rint(s_value.real[present]) if integer else s_value.real[present]
        means = _mean(sums, counts, integer)
        out_group, out_value, out_tags = _worlds._merge(
            prov, s_group[present], means, prov.take(s_tags, present))
        return out_group, np.full(len(out_group), -1, dtype=np.int64), out_value, out_tags


AGGREGATOR = Avg()
