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

import functools
import math
import time

import numpy as np

from ._bdd import is_tensor
from ._facts import CompiledQuery, FactTable
from ._manager import make_manager
from ._kbest import bounded_paths, cuts
from ._proofs import objects
from ._reach import reach_formula
from .base import OutOfBudget, Provenance


class Exact(Provenance):
    name = "exact"
    probabilistic = True
    differentiable = False
    supports_compile = True
    compile_once = True  # a fact's BDD variable is the same whatever its probability
    bounded = True
    best_first_closure = True  # closure_tags: one query's formula, by vertex elimination

    def __init__(self, k=None):
        super().__init__(k)
        self.facts = FactTable()
        self.manager = make_manager()

    def input_tags(self, facts):
        ids = self.facts.add(facts.probs, facts.groups)
        m = self.manager
        if facts.choices:
            m.below(ids[ids >= 0].tolist())
        elif facts.groups is None or (np.asarray(facts.groups) < 0).all():
            m.above(ids[ids >= 0].tolist())
        return objects([m.true if f < 0 else m.literal(self.facts, f) for f in ids.tolist()])

    def ones(self, n):
        return objects([self.manager.true] * n)

    def take(self, tags, index):
        return tags[np.asarray(index, dtype=np.int64)]

    def concat(self, batches):
        return np.concatenate(batches) if batches else self.ones(0)

    def conjoin(self, a, b):
        return objects(self._each(self.manager.conj, a, b))

    def disjoin_groups(self, tags, group, n_groups):
        out = [self.manager.false] * n_groups
        disj = self.manager.disj
        for i, (t, g) in enumerate(zip(tags, np.asarray(group).tolist())):
            if self.deadline is not None and not i & 63:
                self._check_deadline()
            out[g] = disj(out[g], t)
        self._check_deadline()
        if self.deadline is None:  # a sift can take seconds, and cannot be interrupted
            self.manager.maybe_reorder()
        return objects(out)

    def negate(self, tags):
        return objects(self._each(self.manager.neg, tags))

    def _each(self, op, *batches) -> list:
        """`op` over the rows; with a deadline, checked every 64 rows (one operation on
        large diagrams can take a while, a whole batch much longer)."""
        if self.deadline is None:
            return list(map(op, *batches))
        out = []
        for i, args in enumerate(zip(*batches)):
            if not i & 63:
                self._check_deadline()
            out.append(op(*args))
        return out

    def _check_deadline(self):
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfBudget

    def nonzero(self, tags):
        false = self.manager.false
        return np.fromiter((t != false for t in tags), dtype=bool, count=len(tags))

    def changed(self, old, new):
        return np.fromiter((x != y for x, y in zip(old, new)), dtype=bool, count=len(new))

    def fold_order(self, tags):
        """Rows by the level of their top variable, deepest first, so each fold step conjoins
        a fact above the state."""
        return -np.fromiter(map(self.manager.level, tags), dtype=np.int64, count=len(tags))

    def closure_tags(self, edges, pairs):
        """The formula of each queried `path(s, t)` of a transitive closure, compiled by
        vertex elimination over the query's relevant arcs (`_reach`) rather than by the
        fixpoint, which builds every demanded tuple's formula round after round.
        Reachability from seeds (ProbLog's smokers) comes here too, as `path(v, t)` from a
        virtual source v whose arcs carry the seeds' formulas (nesy.engine.closure)."""
        sources, targets, tags = edges
        arcs = list(zip(sources.tolist(), targets.tolist(), tags))
        return objects([reach_formula(arcs, s, t, self.manager, self._check_deadline)
                        for s, t in pairs])

    def closure_bounds(self, edges, pairs, out_of_time, building_over=lambda: False):
        """Lower and upper bound formulas of `path(s, t)` for each (s, t) of `pairs` under
        `path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))`, from a best-first search
        over the simple paths (`_kbest.bounded_paths`) that stops when `out_of_time()`: the
        disjunction of the complete paths found, and that of those and the partial paths
        left. Disjoining many paths can take long, so it stops when `building_over()` too:
        the lower bound then leaves out the least probable complete paths, and the upper
        bound is that of arc-disjoint s-t cuts (`_kbest.cuts`: every path crosses each),
        which also tighten the search's. Any edge formulas will do (the bounds hold whatever
        they are); each edge's probability only orders the search and chooses the cut."""
        sources, targets, tags = edges
        probs = self.compile(tags).probabilities(False) if len(tags) else []
        arcs_from: dict = {}
        arcs_into: dict = {}
        for a, b, tag, p in zip(sources.tolist(), targets.tolist(), tags, probs):
            if float(p) <= 0.0:
                continue
            weight = -math.log(float(p))
            arcs_from.setdefault(a, []).append((b, weight, tag))
            arcs_into.setdefault(b, []).append((a, weight, tag))
        m = self.manager
        lower, upper = [], []
        for s, t in pairs:
            complete, frontier = bounded_paths(arcs_from, arcs_into, s, t, m.conj, m.true,
                                               out_of_time)
            ceiling = m.true
            for boundary in cuts(arcs_from, s, t) or []:
                ceiling = m.conj(ceiling, functools.reduce(m.disj, boundary, m.false))
            low = high = m.false
            for formula in complete:  # most probable first
                if building_over():
                    high = m.true  # the paths left out may hold
                    break
                low = m.disj(low, formula)
            high = m.disj(high, low)
            for formula in frontier:
                if building_over():
                    high = m.true
                    break
                high = m.disj(high, formula)
            lower.append(low)
            upper.append(m.conj(ceiling, high))
        return objects(lower), objects(upper)

    def compile(self, tags) -> CompiledQuery:
        """The probabilities of these tags as a reusable torch function of fact probabilities."""
        return CompiledQuery(self.facts, *self.manager.export(tags))

    def output(self, tags):
        """Probabilities of the tags: counted once on the manager's diagrams for plain float
        probabilities (nothing to reuse), through the compiled query otherwise (tensors,
        gradients)."""
        facts = self.facts
        if self.differentiable or any(is_tensor(p) for p in facts.probs):
            return self.compile(tags).probabilities(self.differentiable)
        return self.manager.count(tags, facts.var_probs(facts.fact_probs(False)))


class DiffExact(Exact):
    name = "diffexact"
    differentiable = True


PROVENANCES = [Exact, DiffExact]
