"""`x := uniform<k>(x: body)`: k rows of each group drawn uniformly with replacement
(duplicates kept once), all rows when the group has at most k; each keeps its own tag.
Draws come from a generator seeded with `SEED`, so a run is reproducible (Scallop seeds its
own generator; the rows drawn differ from Scallop's)."""
from __future__ import annotations

import numpy as np

from .base import Selection

SEED = 0


class Uniform(Selection):
    name = "uniform"
    example = "x := uniform<1>(x: numbers(x))"
    positional_params = (("k", "usize", None),)

    def probabilities(self, rows, members: np.ndarray) -> np.ndarray | None:
        return None  # uniform

    def keep(self, rows):
        order = rows.order()
        sizes = np.bincount(rows.group, minlength=rows.n_groups)
        rng = np.random.default_rng(SEED)
        chosen = []
        for g in np.flatnonzero(sizes).tolist():
            members = order[rows.group[order] == g]
            if len(members) <= self.k:
                chosen.append(members)
            else:
                draws = rng.choice(len(members), size=self.k, p=self.probabilities(rows, members))
                chosen.append(members[np.unique(draws)])
        return np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)


AGGREGATOR = Uniform()
