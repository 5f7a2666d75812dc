"""`x := normalize(x: body)`: every row of a group, its probability divided by the group's
total, the rows of a group becoming one annotated disjunction of new facts (Scallop's
exclusive input tags; the executor records them, so proofs name them). Without
probabilities the rows pass unchanged."""
from __future__ import annotations

import numpy as np

from .base import PerRow


class Normalize(PerRow):
    name = "normalize"
    example = "s := normalize(s: symbol(i, s))"
    numbered = False

    def scale(self, weights: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
        totals = np.bincount(group, weights, minlength=n_groups)
        return weights / np.where(totals > 0, totals, 1.0)[group]

    def pick(self, rows):
        return np.arange(len(rows.group)), None

    def evaluate(self, prov, rows):
        out_group, out_row, out_value, tags = super().evaluate(prov, rows)
        if prov.tagless or not prov.probabilistic or len(out_group) == 0:
            return out_group, out_row, out_value, tags
        probs = self.scale(rows.weights(), rows.group, rows.n_groups)
        return out_group, out_row, out_value, rows.fresh_tags(probs.tolist(), rows.group)


AGGREGATOR = Normalize()
