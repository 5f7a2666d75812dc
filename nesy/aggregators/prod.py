"""`p := prod(v: body)`: the product of the distinct values (of distinct `[args], v` rows)."""
from __future__ import annotations

import numpy as np

from . import _sets, _worlds
from .base import Aggregator


class Prod(Aggregator):
    name = "prod"
    example = "p := prod[f](v: factor(f, v))"
    n_values = 1
    value_class = "numeric"
    value_reason = "multiplies numbers"
    empty = 1

    def result_types(self, args, values):
        return list(values)

    def sets(self, group, n_groups, values):
        return _sets.every_group(_sets.fold(group, n_groups, values, np.multiply, self.empty))

    def worlds(self, prov, group, n_groups, values, tags):
        return _worlds.fold(prov, group, n_groups, values, tags, np.multiply, self.empty)


AGGREGATOR = Prod()
