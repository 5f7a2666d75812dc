"""`x := categorical<k>(x: body)`: k rows of each group drawn with replacement in proportion
to their tag weights (probabilities), duplicates kept once; all rows when the group has at
most k. Seeded as `uniform`."""
from __future__ import annotations

from .uniform import Uniform


class Categorical(Uniform):
    name = "categorical"
    example = "x := categorical<1>(x: digit(x))"

    def probabilities(self, rows, members):
        weights = rows.weights()[members]
        total = weights.sum()
        return weights / total if total > 0 else None


AGGREGATOR = Categorical()
