"""`s := sum(v: body)`: the sum of the distinct values (of distinct `[args], v` rows)."""
from __future__ import annotations

import numpy as np

from .base import Fold


class Sum(Fold):
    name = "sum"
    example = "s := sum[p](v: sale(p, v))"
    value_reason = "adds up numbers"
    empty = 0
    combine = np.add


AGGREGATOR = Sum()
