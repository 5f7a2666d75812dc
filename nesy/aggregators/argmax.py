"""`k := argmax[k](v: body)`: the arguments of every row whose value is the largest (all
ties)."""
from __future__ import annotations

from .base import Extreme


class ArgMax(Extreme):
    name = "argmax"
    example = "k := argmax[k](v: score(k, v))"
    needs_args = True
    larger_wins = True

    def result_columns(self, n_args, n_values):
        return list(range(n_args))  # the winning row's args


AGGREGATOR = ArgMax()
