"""`x := softmax(x: body)`: `normalize` with the softmax of the rows' probabilities
(exp(p) / sum of exp(p) over the group), as Scallop."""
from __future__ import annotations

import numpy as np

from .normalize import Normalize


class Softmax(Normalize):
    name = "softmax"
    example = "s := softmax(s: symbol(i, s))"

    def scale(self, weights, group, n_groups):
        return super().scale(np.exp(weights), group, n_groups)


AGGREGATOR = Softmax()
