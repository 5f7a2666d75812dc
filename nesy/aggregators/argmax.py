"""`k := argmax[k](v: body)`: the arguments of every row whose value is the largest (all
ties)."""
from __future__ import annotations

from . import _sets, _worlds
from .base import Aggregator


class ArgMax(Aggregator):
    name = "argmax"
    example = "k := argmax[k](v: score(k, v))"
    n_values = 1
    needs_args = True

    def result_columns(self, n_args, n_values):
        return list(range(n_args))  # the winning row's args

    def sets(self, group, n_groups, values):
        return _sets.extremes(group, n_groups, values, larger_wins=True)

    def worlds(self, prov, group, n_groups, values, tags):
        return _worlds.extremes(prov, group, values, tags, larger_wins=True)


AGGREGATOR = ArgMax()
