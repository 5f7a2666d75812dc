"""`(i, k) := argsort<asc>[k](v: body)`: `sort`, returning the position and the arguments
only."""
from __future__ import annotations

from .sort import Sort


class ArgSort(Sort):
    name = "argsort"
    example = "(i, k) := argsort<desc>[k](v: score(k, v))"
    needs_args = True

    def result_columns(self, n_args, n_values):
        return [None, *range(n_args)]


AGGREGATOR = ArgSort()
