"""`k := argmin[k](v: body)`: the arguments of every row whose value is the smallest (all
ties)."""
from __future__ import annotations

from .base import Extreme


class ArgMin(Extreme):
    name = "argmin"
    example = "k := argmin[k](v: score(k, v))"
    needs_args = True

    def result_columns(self, n_args, n_values):
        return list(range(n_args))  # the winning row's args


AGGREGATOR = ArgMin()
