"""`m := min(v: body)`: the smallest value. With arguments, `(k, m) := min[k](v: ...)`
returns the arguments and value of every row attaining it (all ties)."""
from __future__ import annotations

from . import _sets, _worlds
from .base import Aggregator


class Min(Aggregator):
    name = "min"
    example = "(k, m) := min[k](v: score(k, v))"
    n_values = 1

    def result_columns(self, n_args, n_values):
        return list(range(n_args + n_values))  # the winning row: its args, then its value

    def sets(self, group, n_groups, values):
        return _sets.extremes(group, n_groups, values, larger_wins=False)

    def worlds(self, prov, group, n_groups, values, tags):
        return _worlds.extremes(prov, group, values, tags, larger_wins=False)


AGGREGATOR = Min()
