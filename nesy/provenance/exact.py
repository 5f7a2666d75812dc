"""`exact` and `diffexact`: ProbLog's distribution semantics, computed exactly.

A tag is a BDD node (an int64 in a numpy array) representing the formula over input facts
under which the tuple holds. Because BDDs are canonical, `changed` is an integer comparison
and recursion stops when no formula grows. Negation and aggregation are exact too: not is
BDD negation, and aggregation outcomes are formulas like any other. Probabilities come from
one weighted model count at output time (annotated disjunctions via the fact table's chain
encoding); `diffexact` runs that count in torch so gradients reach the input probabilities,
and `compile(tags)` returns it as a reusable function of a [batch, n_facts] tensor.
"""
from __future__ import annotations

import numpy as np

from ._bdd import BDD, FALSE, TRUE
from ._facts import CompiledQuery, FactTable
from .base import Provenance


class Exact(Provenance):
    name = "exact"
    probabilistic = True
    differentiable = False
    supports_compile = True
    compile_once = True  # a fact's BDD variable is the same whatever its probability

    def __init__(self, k=None):
        super().__init__(k)
        self.facts = FactTable()
        self.bdd = BDD()

    def input_tags(self, facts):
        ids = self.facts.add(facts.probs, facts.groups)
        return np.array([TRUE if f < 0 else self.facts.literal_bdd(self.bdd, f)
                         for f in ids.tolist()], dtype=np.int64)

    def ones(self, n):
        return np.full(n, TRUE, dtype=np.int64)

    def take(self, tags, index):
        return tags[np.asarray(index, dtype=np.int64)]

    def concat(self, batches):
        return np.concatenate(batches) if batches else self.ones(0)

    def conjoin(self, a, b):
        conj = self.bdd.conj
        return np.fromiter(map(conj, a.tolist(), b.tolist()), dtype=np.int64, count=len(a))

    def disjoin_groups(self, tags, group, n_groups):
        out = [FALSE] * n_groups
        disj = self.bdd.disj
        for t, g in zip(tags.tolist(), np.asarray(group).tolist()):
            out[g] = disj(out[g], t)
        return np.array(out, dtype=np.int64)

    def negate(self, tags):
        return np.fromiter(map(self.bdd.neg, tags.tolist()), dtype=np.int64, count=len(tags))

    def nonzero(self, tags):
        return tags != FALSE

    def changed(self, old, new):
        return old != new

    def fold_order(self, tags):
        """Rows by top variable, so each fold step conjoins a newer fact above the state."""
        var = self.bdd.var
        return np.array([var[t] for t in tags.tolist()], dtype=np.int64)

    def compile(self, tags) -> CompiledQuery:
        """The probabilities of these tags as a reusable torch function of fact probabilities."""
        return CompiledQuery(self.facts, self.bdd, tags)

    def output(self, tags):
        return self.compile(tags).probabilities(self.differentiable)


class DiffExact(Exact):
    name = "diffexact"
    differentiable = True


PROVENANCES = [Exact, DiffExact]
