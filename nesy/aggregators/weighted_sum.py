"""`s := weighted_sum[i](v: body)`: the sum of the float values, each times its row's tag
weight (probability; 1.0 without probabilities), as Scallop; 0 for no rows."""
from __future__ import annotations

import numpy as np

from .weighted_avg import WeightedAvg


class WeightedSum(WeightedAvg):
    name = "weighted_sum"
    example = "s := weighted_sum[i](s: scores(i, s))"
    value_reason = "adds up floats"
    empty = 0.0

    def finish(self, weighted_sum, total_weight):
        return weighted_sum, np.ones(len(weighted_sum), dtype=bool)


AGGREGATOR = WeightedSum()
