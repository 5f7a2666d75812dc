"""`exact` and `diffexact`: ProbLog's distribution semantics, computed exactly.

A tag is a BDD (in an object array) representing the formula over input facts under which
the tuple holds, built by CUDD where `dd.cudd` is installed (see `_manager`). Because BDDs
are canonical, `changed` is an identity comparison and recursion stops when no formula grows. Negation and aggregation are exact too: not is
BDD negation, and aggregation outcomes are formulas like any other. Probabilities come from
one weighted model count at output time (annotated disjunctions via the fact table's chain
encoding); `diffexact` runs that count in torch so gradients reach the input probabilities,
and `compile(tags)` returns it as a reusable function of a [batch, n_facts] tensor.
"""
from __future__ import annotations

import numpy as np

from ._facts import CompiledQuery, FactTable
from ._manager import make_manager
from ._proofs import objects
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
        self.manager = make_manager()

    def input_tags(self, facts):
        ids = self.facts.add(facts.probs, facts.groups)
        m = self.manager
        return objects([m.true if f < 0 else m.literal(self.facts, f) for f in ids.tolist()])

    def ones(self, n):
        return objects([self.manager.true] * n)

    def take(self, tags, index):
        return tags[np.asarray(index, dtype=np.int64)]

    def concat(self, batches):
        return np.concatenate(batches) if batches else self.ones(0)

    def conjoin(self, a, b):
        return objects(list(map(self.manager.conj, a, b)))

    def disjoin_groups(self, tags, group, n_groups):
        out = [self.manager.false] * n_groups
        disj = self.manager.disj
        for t, g in zip(tags, np.asarray(group).tolist()):
            out[g] = disj(out[g], t)
        self.manager.maybe_reorder()
        return objects(out)

    def negate(self, tags):
        return objects(list(map(self.manager.neg, tags)))

    def nonzero(self, tags):
        false = self.manager.false
        return np.fromiter((t != false for t in tags), dtype=bool, count=len(tags))

    def changed(self, old, new):
        return np.fromiter((x != y for x, y in zip(old, new)), dtype=bool, count=len(new))

    def fold_order(self, tags):
        """Rows by top variable, so each fold step conjoins a newer fact above the state."""
        return np.fromiter(map(self.manager.top, tags), dtype=np.int64, count=len(tags))

    def compile(self, tags) -> CompiledQuery:
        """The probabilities of these tags as a reusable torch function of fact probabilities."""
        return CompiledQuery(self.facts, *self.manager.export(tags))

    def output(self, tags):
        return self.compile(tags).probabilities(self.differentiable)


class DiffExact(Exact):
    name = "diffexact"
    differentiable = True


PROVENANCES = [Exact, DiffExact]
