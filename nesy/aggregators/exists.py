"""`b := exists(x, ..: body)`: whether the body has a binding (bool)."""
from __future__ import annotations

from . import _sets, _worlds
from .base import Aggregator


class Exists(Aggregator):
    name = "exists"
    example = "b := exists(o: color(o, RED))"
    reads_values = False
    empty = False

    def result_types(self, args, values):
        return [frozenset(["bool"])]

    def sets(self, group, n_groups, values):
        return _sets.any_row(group, n_groups, True, self.empty)

    def worlds(self, prov, group, n_groups, values, tags):
        return _worlds.any_row(prov, group, n_groups, tags, True, self.empty)


AGGREGATOR = Exists()
