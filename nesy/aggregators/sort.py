"""`(i, k, v) := sort<asc>[k](v: body)`: every row with its position when sorted by its
values (descending unless `<asc>`, as Scallop), ties in ascending order of the whole row;
the results are the position, the arguments and the values. Each row keeps its own tag."""
from __future__ import annotations

from .rank import Rank


class Sort(Rank):
    name = "sort"
    example = "(i, s) := sort<asc>(s: score(_, s))"
    n_values = None

    def result_columns(self, n_args, n_values):
        return [None, *range(n_args + n_values)]

    def order(self, rows):
        return rows.order(rows.n_args, None, descending=not self.ascending())


AGGREGATOR = Sort()
