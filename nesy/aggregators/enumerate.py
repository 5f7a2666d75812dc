"""`(i, x) := enumerate(x: body)`: every row with its 0-based position in its group, rows in
ascending order of their values (Scallop's batches are sorted); each keeps its own tag."""
from __future__ import annotations

from .base import Ranking


class Enumerate(Ranking):
    name = "enumerate"
    example = "(i, name) := enumerate(name: student(name))"

    def order(self, rows):
        return rows.order()


AGGREGATOR = Enumerate()
