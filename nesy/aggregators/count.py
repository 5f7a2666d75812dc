"""`n := count(x, ..: body)`: how many distinct bindings the body has (usize)."""
from __future__ import annotations

import numpy as np

from . import _sets, _worlds
from .base import Aggregator


class Count(Aggregator):
    name = "count"
    example = "n := count(y: edge(x, y))"
    reads_values = False
    empty = 0

    def result_types(self, args, values):
        return [frozenset(["usize"])]

    def sets(self, group, n_groups, values):
        return _sets.every_group(np.bincount(group, minlength=n_groups))

    def worlds(self, prov, group, n_groups, values, tags):
        ones = np.ones(len(group), dtype=np.int64)
        return _worlds.fold(prov, group, n_groups, ones, tags, np.add, self.empty)


AGGREGATOR = Count()
