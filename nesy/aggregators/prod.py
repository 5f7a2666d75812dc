"""`p := prod(v: body)`: the product of the distinct values (of distinct `[args], v` rows)."""
from __future__ import annotations

import numpy as np

from .base import Fold


class Prod(Fold):
    name = "prod"
    example = "p := prod[f](v: factor(f, v))"
    value_reason = "multiplies numbers"
    empty = 1
    combine = np.multiply


AGGREGATOR = Prod()
