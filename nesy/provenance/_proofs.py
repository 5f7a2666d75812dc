"""Proof sets: DNF formulas over fact literals, for `proofs`, `topkproofs` and `difftopkproofs`.

A literal is a fact id `f` (the fact holds) or `~f` (it does not). A proof is a frozenset of
literals and a tag is a frozenset of proofs: canonical (set equality is formula identity up
to absorption, so `changed` is a plain comparison) and a scalar to numpy, so tag batches are
ordinary object arrays.

Every operation drops inconsistent proofs (`f` with `~f`, or two members of one annotated
disjunction: `FactTable.apart`), absorbs proofs that contain another proof, and - with a
limit k - keeps the k most probable. Ties are broken by size, then by literals, so results are
deterministic and a recursion's tags only ever improve: the fixpoint is reached.
"""
from __future__ import annotations

import numpy as np

from ._facts import FactTable

ONE = frozenset([frozenset()])
ZERO: frozenset = frozenset()


def objects(items) -> np.ndarray:
    """A 1-d object array of tags (frozensets are scalars to numpy)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


class ProofAlgebra:
    def __init__(self, facts: FactTable, k: int | None):
        self.facts = facts
        self.k = k
        self._rank: dict[frozenset, tuple | None] = {}

    def literal(self, fact: int) -> frozenset:
        return frozenset([frozenset([fact])])

    def conj(self, a: frozenset, b: frozenset) -> frozenset:
        if not a or not b:
            return ZERO
        if a == ONE:
            return b
        if b == ONE:
            return a
        return self.best(x | y for x in a for y in b)

    def disj(self, tags) -> frozenset:
        tags = [t for t in tags if t]
        if len(tags) <= 1:
            return tags[0] if tags else ZERO
        return self.best(frozenset().union(*tags))

    def neg(self, a: frozenset) -> frozenset:
        """not (P1 or ... or Pm) = and_i (or_{l in Pi} not l), multiplied out clause by clause."""
        out = ONE
        for proof in a:
            out = self.conj(out, self.best(frozenset([~lit]) for lit in proof))
            if not out:
                break
        return out

    def best(self, candidates) -> frozenset:
        """The consistent, simplified, non-absorbed candidates; the k most probable."""
        ranked = {}
        for candidate in set(candidates):
            found = self.rank(candidate)
            if found is not None:
                ranked[found[1]] = found[0]
        kept: list[frozenset] = []
        for proof in sorted(ranked, key=ranked.__getitem__):
            if any(other <= proof for other in kept):
                continue
            kept.append(proof)
            if self.k is not None and len(kept) >= self.k:
                break
        return frozenset(kept)

    def rank(self, proof: frozenset):
        """(sort key, simplified proof), most probable first; None when inconsistent."""
        if proof not in self._rank:
            found = self.simplify(proof)
            if found is not None:
                prob, proof_ = found
                found = ((-prob, len(proof_), tuple(sorted(proof_))), proof_)
            self._rank[proof] = found
        return self._rank[proof]

    def simplify(self, proof: frozenset):
        """(P(all literals hold), the proof), or None when the literals contradict: `f` with
        `~f`, or two members of one disjunction (`FactTable.apart`). Facts are independent
        (Scallop's `clause_probability`), so a proof's probability is its literals' product."""
        facts = self.facts
        prob = 1.0
        chosen = set()  # the disjunctions that a positive literal of the proof chose
        for lit in proof:
            if lit >= 0:
                if ~lit in proof:
                    return None
                group = facts.apart.get(lit)
                if group is not None:
                    if group in chosen:
                        return None
                    chosen.add(group)
                prob *= facts.value(lit)
            else:
                prob *= 1.0 - facts.value(~lit)
        return prob, proof
