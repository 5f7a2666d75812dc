"""`a := weighted_avg[i](v: body)`: the mean of the float values weighted by their rows' tag
weights (probabilities; 1.0 without probabilities), as Scallop. Over possible worlds, one
outcome per distinct result of the rows that hold, from the sum dynamic program on
(weighted sum, total weight) pairs; a world where no row holds has no result (Scallop's
0/0). `weighted_avg!` computes the mean over all rows with the tag one."""
from __future__ import annotations

import numpy as np

from . import _worlds
from .base import Aggregator


class WeightedAvg(Aggregator):
    name = "weighted_avg"
    example = "a := weighted_avg[i](s: scores(i, s))"
    n_values = 1
    value_class = "float"
    value_reason = "averages floats"

    def result_types(self, args, values):
        return list(values)

    def finish(self, weighted_sum: np.ndarray, total_weight: np.ndarray):
        """The results from the pairs, and which pairs have one."""
        has = total_weight > 0
        return np.where(has, weighted_sum / np.where(has, total_weight, 1.0), 0.0), has

    def evaluate(self, prov, rows):
        weights = rows.weights()
        values = np.asarray(rows.values, dtype=np.float64)
        if prov.tagless or self.discrete:
            sums = np.bincount(rows.group, weights * values, minlength=rows.n_groups)
            totals = np.bincount(rows.group, weights, minlength=rows.n_groups)
            result, has = self.finish(sums, totals)
            groups = np.flatnonzero(has)
            return (groups, np.full(len(groups), -1, dtype=np.int64), result[groups],
                    None if prov.tagless else prov.ones(len(groups)))
        pairs = weights * values + weights * 1j
        s_group, _, s_value, s_tags = _worlds.fold(prov, rows.group, rows.n_groups, pairs,
                                                   rows.tags, np.add, 0j)
        result, has = self.finish(s_value.real, s_value.imag)
        keep = np.flatnonzero(has)
        out_group, out_value, out_tags = _worlds._merge(prov, s_group[keep], result[keep],
                                                        prov.take(s_tags, keep))
        return out_group, np.full(len(out_group), -1, dtype=np.int64), out_value, out_tags


AGGREGATOR = WeightedAvg()
