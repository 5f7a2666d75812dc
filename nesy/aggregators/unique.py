"""`x := unique(x: body)`: Scallop's name for `top<1>`: the most likely row of each group."""
from __future__ import annotations

from .top import Top


class Unique(Top):
    name = "unique"
    example = "s := unique(s: symbol(s))"
    positional_params = ()


AGGREGATOR = Unique()
