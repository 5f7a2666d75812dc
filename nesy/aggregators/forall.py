"""`b := forall(x, ..: A implies B)`: whether every binding of A satisfies B (bool).

The engine hands over the counterexamples (`A and not B`), so forall is true exactly when
there is none."""
from __future__ import annotations

from . import _sets, _worlds
from .base import Aggregator


class Forall(Aggregator):
    name = "forall"
    example = "b := forall(o: obj(o) implies big(o))"
    needs_implies = True
    reads_values = False
    empty = True

    def result_types(self, args, values):
        return [frozenset(["bool"])]

    def sets(self, group, n_groups, values):
        return _sets.any_row(group, n_groups, False, self.empty)

    def worlds(self, prov, group, n_groups, values, tags):
        return _worlds.any_row(prov, group, n_groups, tags, False, self.empty)


AGGREGATOR = Forall()
