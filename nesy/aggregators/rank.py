"""`(i, d) := rank<desc>(d: body)`: every row with its position by tag weight (its
probability; 1.0 without probabilities), most likely first unless `<asc>` (Scallop's default
is descending); ties in ascending order of the rows. Each row keeps its own tag."""
from __future__ import annotations

from .base import Ranking


class Rank(Ranking):
    name = "rank"
    example = "(i, d) := rank<desc>(d: digit(d))"
    named_params = {"asc": ("bool", None), "desc": ("bool", None)}
    asc = None
    desc = None

    def ascending(self) -> bool:
        """Scallop's rule: `asc` if given, else `not desc` if given, else descending."""
        if self.asc is not None:
            return self.asc
        return False if self.desc is None else not self.desc

    def order(self, rows):
        weights = rows.weights()
        return rows.order(0, 0, key=weights if self.ascending() else -weights)


AGGREGATOR = Rank()
