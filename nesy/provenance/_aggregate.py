"""Aggregation over possible worlds for every tagged provenance.

The algorithms live with the aggregators (`nesy.aggregators`, each aggregator's `worlds`),
written once in terms of the batch operations every provenance implements; this mixin only
hands the provenance to the aggregator named by the engine.
"""
from __future__ import annotations

import numpy as np

from .. import aggregators


class Aggregation:
    """Mixin giving a tagged provenance `aggregate` from its semiring operations."""

    def aggregate(self, aggregator, group, n_groups, values, tags):
        found = aggregators.get(aggregator)
        if found is None:
            raise ValueError(f"unknown aggregator {aggregator!r}")
        return found.worlds(self, np.asarray(group, dtype=np.int64), n_groups, values, tags)

    def fold_order(self, tags):
        """Optional per-row sort key: the order in which a fold visits a group's rows."""
        return None
