"""Proof-set provenances: `proofs`, `topkproofs` (k) and `difftopkproofs` (k).

A tag is a DNF over fact literals (see `_proofs`): all proofs for `proofs`, the k most
probable for the top-k variants. Joins multiply proof sets, projections unite them, negation
multiplies out the CNF of the negated proofs (pruned to k at every step). The top-k output
is the exact weighted model count of the kept proofs under mutual exclusion - computed on a
BDD built from them - so with k at least the number of proofs it equals ProbLog's answer.
"""
from __future__ import annotations

import numpy as np

from ._bdd import BDD, FALSE
from ._facts import CompiledQuery, FactTable, fact_of
from ._proofs import ONE, ZERO, ProofAlgebra, objects
from ..errors import UsageError
from .base import Provenance


class _ProofSets(Provenance):
    def __init__(self, k=None):
        super().__init__(k)
        self.facts = FactTable()
        self.algebra = ProofAlgebra(self.facts, self._limit(k))

    def _limit(self, k):
        return None

    def input_tags(self, facts):
        ids = self.facts.add(facts.probs, facts.groups)
        return objects([ONE if f < 0 else self.algebra.literal(f) for f in ids.tolist()])

    def ones(self, n):
        return objects([ONE] * n)

    def take(self, tags, index):
        return tags[np.asarray(index, dtype=np.int64)]

    def concat(self, batches):
        return np.concatenate(batches) if batches else self.ones(0)

    def conjoin(self, a, b):
        conj = self.algebra.conj
        return objects([conj(x, y) for x, y in zip(a, b)])

    def disjoin_groups(self, tags, group, n_groups):
        buckets = [[] for _ in range(n_groups)]
        for t, g in zip(tags, np.asarray(group).tolist()):
            buckets[g].append(t)
        return objects([self.algebra.disj(b) if b else ZERO for b in buckets])

    def negate(self, tags):
        return objects([self.algebra.neg(t) for t in tags])

    def nonzero(self, tags):
        return np.fromiter((len(t) > 0 for t in tags), dtype=bool, count=len(tags))

    def changed(self, old, new):
        return np.asarray(old != new, dtype=bool)


class Proofs(_ProofSets):
    """Every (minimal, consistent) proof of every tuple; output lists them by fact id, with a
    negated fact `f` written `~f` (that is, -f - 1). No probabilities are computed."""

    name = "proofs"

    def output(self, tags):
        return [sorted(tuple(sorted(p, key=fact_of)) for p in t) for t in tags]


class TopKProofs(_ProofSets):
    name = "topkproofs"
    probabilistic = True
    differentiable = False
    supports_compile = True  # but not compile_once: which proofs are kept depends on probabilities
    uses_k = True
    default_k = 3

    def __init__(self, k=None):
        super().__init__(k)
        self.k = self.algebra.k
        self.approximation = (f"{self.name} keeps the {self.k} most probable proofs per tuple; "
                              "probabilities are exact only when no proof is dropped")

    def _limit(self, k):
        if k is None:
            return self.default_k
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise UsageError(f"{self.name} needs k >= 1 (the number of proofs kept), got {k!r}")
        return int(k)

    def compile(self, tags) -> CompiledQuery:
        """The weighted model counts of these proof sets as a reusable torch function."""
        bdd = BDD()
        roots = []
        for dnf in tags:
            node = FALSE
            for proof in dnf:
                node = bdd.disj(node, self.facts.proof_bdd(bdd, proof))
            roots.append(node)
        return CompiledQuery(self.facts, bdd, roots)

    def output(self, tags):
        return self.compile(tags).probabilities(self.differentiable)


class DiffTopKProofs(TopKProofs):
    """Proofs are ranked by detached probabilities (batch means for batched inputs, so one
    proof structure serves the whole batch); the output count is differentiable."""

    name = "difftopkproofs"
    differentiable = True


PROVENANCES = [Proofs, TopKProofs, DiffTopKProofs]
