"""`m := min(v: body)`: the smallest value. With arguments, `(k, m) := min[k](v: ...)`
returns the arguments and value of every row attaining it (all ties)."""
from __future__ import annotations

from .base import Extreme


class Min(Extreme):
    name = "min"
    example = "(k, m) := min[k](v: score(k, v))"

    def result_columns(self, n_args, n_values):
        return list(range(n_args + n_values))  # the winning row: its args, then its value


AGGREGATOR = Min()
