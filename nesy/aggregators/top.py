"""`x := top<k>(x: body)`: the k rows of each group with the largest tag weights (their
probabilities; without probabilities every row weighs 1.0), ties broken by the rows' order
(ascending), as Scallop's top-k sampler; each keeps its own tag. k defaults to 1."""
from __future__ import annotations

import numpy as np

from .base import Selection, position_in_group


class Top(Selection):
    name = "top"
    example = "s := top<3>(s: symbol(s))"
    positional_params = (("k", "usize", 1),)
    k = 1

    def keep(self, rows):
        order = rows.order(0, 0, key=-rows.weights())
        return np.flatnonzero(position_in_group(rows.group, order) < self.k)


AGGREGATOR = Top()
