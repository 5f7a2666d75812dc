"""Scallop's `tropical` provenance: a tag is a cost, and the semiring is min-plus.

A fact's tag is its cost (`1::edge(a, b)`; a fact without a tag costs 0), a conjunction's cost
is the sum of its parts' and a disjunction keeps the cheapest, so a derived tuple's tag is the
cost of its cheapest derivation: with unit edge costs, `path(a, b)` gets the length of the
shortest path. The zero of the semiring is an infinite cost (no derivation: the row is
dropped). As in Scallop (runtime/provenance/discrete/tropical.rs), `not` of a derived tuple
has no cost to give, so a negated atom that matches drops the row.

Costs are not probabilities (`tag_kind = "cost"`): facts given at run time may cost more
than 1. They are output where probabilities are (`RelationResult.probs`, `prob(t)`).
"""
from __future__ import annotations

import numpy as np

from .base import Provenance


class Tropical(Provenance):
    name = "tropical"
    tag_kind = "cost"
    #: Output values are numbers per tuple (costs), read like probabilities.
    probabilistic = True
    idempotent = True  # min(a, a) = a
    disjunctions = "ignored"  # each fact costs its own, as in Scallop

    def input_tags(self, facts):
        return np.array([0.0 if p is None else float(p) for p in facts.probs],
                        dtype=np.float64)

    def ones(self, n):
        return np.zeros(n, dtype=np.float64)

    def take(self, tags, index):
        return tags[np.asarray(index, dtype=np.int64)]

    def concat(self, batches):
        return np.concatenate(batches) if batches else self.ones(0)

    def conjoin(self, a, b):
        return a + b

    def disjoin_groups(self, tags, group, n_groups):
        out = np.full(n_groups, np.inf)
        np.minimum.at(out, np.asarray(group, dtype=np.int64), tags)
        return out

    def negate(self, tags):
        return np.full(len(tags), np.inf)

    def nonzero(self, tags):
        return np.isfinite(tags)

    def changed(self, old, new):
        return old != new

    def output(self, tags):
        return tags.tolist()


PROVENANCES = [Tropical]
