"""`m := max(v: body)`: the largest value. With arguments, `(k, m) := max[k](v: ...)`
returns the arguments and value of every row attaining it (all ties)."""
from __future__ import annotations

from .base import Extreme


class Max(Extreme):
    name = "max"
    example = "(k, m) := max[k](v: score(k, v))"
    larger_wins = True

    def result_columns(self, n_args, n_values):
        return list(range(n_args + n_values))  # the winning row: its args, then its value


AGGREGATOR = Max()
