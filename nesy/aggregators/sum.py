"""`s := sum(v: body)`: the sum of the distinct values (of distinct `[args], v` rows)."""
from __future__ import annotations

import numpy as np

from . import _sets, _worlds
from .base import Aggregator


class Sum(Aggregator):
    name = "sum"
    example = "s := sum[p](v: sale(p, v))"
    n_values = 1
    value_class = "numeric"
    value_reason = "adds up numbers"
    empty = 0

    def result_types(self, args, values):
        return list(values)

    def sets(self, group, n_groups, values):
        return _sets.every_group(_sets.fold(group, n_groups, values, np.add, self.empty))

    def worlds(self, prov, group, n_groups, values, tags):
        return _worlds.fold(prov, group, n_groups, values, tags, np.add, self.empty)


AGGREGATOR = Sum()
