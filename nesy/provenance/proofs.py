"""Proof-set provenances: `proofs`, `topkproofs` (k) and `difftopkproofs` (k).

A tag is a DNF over fact literals (see `_proofs`): all proofs for `proofs`, the k most
probable for the top-k variants. Joins multiply proof sets, projections unite them, negation
multiplies out the CNF of the negated proofs (pruned to k at every step). The top-k output
is the exact weighted model count of the kept proofs - swept state by state (`_union`) when
they are positive and no gradient is asked, else counted on a BDD built from them - with
every fact an independent variable, as in Scallop; members of one annotated disjunction
never meet in a proof, but are not counted as exclusive (`FactTable`). So with k at least
the number of proofs it equals ProbLog's answer on programs without annotated disjunctions
(and, without negation, a lower bound on it at every k); with them it is Scallop's number.
"""
from __future__ import annotations

import math
import random

import numpy as np

from ._bdd import is_tensor
from ._kbest import best_paths
from ._manager import make_manager
from ._facts import CompiledQuery, FactTable, OutcomePaths, fact_of
from ._proofs import ONE, ZERO, ProofAlgebra, objects
from ._reach import _order
from ._union import fewest_states, union_probability
from ..errors import UsageError
from .base import Provenance


#: facts in a tag beyond which `TopKProofs._paths` leaves it to a diagram: one Python frame
#: per variable tested, well inside the recursion limit
EXPAND_AT_MOST = 300


class _ProofSets(Provenance):
    #: As Scallop's proofs: members of one disjunction never meet in a proof, and are
    #: otherwise independent facts (`FactTable`).
    disjunctions = "exclusive"

    def __init__(self, k=None):
        super().__init__(k)
        self.facts = FactTable(independent_groups=True)
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
        #: tag -> its facts in the layout of its paths' arcs (`closure_tags`), the variable
        #: order in which counting its disjunction stays small
        self._layouts: dict[frozenset, list[int]] = {}
        self.approximation = (f"{self.name} keeps the {self.k} most probable proofs per tuple and "
                              "counts the members of a `;` set as independent facts, as Scallop "
                              "does; probabilities are exact only when no proof is dropped and "
                              "no `;` set is involved")

    def _limit(self, k):
        if k is None:
            return self.default_k
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise UsageError(f"{self.name} needs k >= 1 (the number of proofs kept), got {k!r}")
        return int(k)

    best_first_closure = True
    LAYOUTS = 6  # vertex numberings tried for the counting order of a closure's paths
    #: proofs in a tag from which its count is swept (`output`). Measured on all pairs of a
    #: 50-node, 150-edge random graph (2,209 tags; scratch `/work/runs/i19b/many3.py`, busy
    #: 2-core machine), the shared BDD against a sweep each: k = 4 0.45 s / 2.2 s, k = 8
    #: 1.9 s / 4.2 s, k = 10 3.3 s / 4.8 s, k = 16 8.0 s / 7.8 s; k = 30 over 3 minutes /
    #: 12.5 s.
    SWEEP_FROM = 16

    def closure_tags(self, edges, pairs):
        """The k most probable proofs of each queried path, by a best-first search for the
        most probable simple paths (nesy.provenance._kbest) rather than by running the
        closure's fixpoint on truncated proof sets; the same selection (`algebra.best`) as
        the semiring's. Only when every edge's proofs are independent positive facts, no
        fact shared between edges, so that a path's probability is the product of its
        edges'."""
        arcs_from, arcs_into = self._arcs(*edges)
        if arcs_from is None:
            return None
        tags = []
        for s, t in pairs:
            tag = self._best_proofs(arcs_from, arcs_into, s, t)
            self._layouts.setdefault(tag, self._layout(arcs_from, s, tag))
            tags.append(tag)
        return objects(tags)

    def _arcs(self, sources, targets, tags):
        arcs_from: dict = {}
        arcs_into: dict = {}
        seen: set = set()
        for a, b, dnf in zip(sources.tolist(), targets.tolist(), tags):
            for proof in dnf:
                if any(lit < 0 or lit in seen or lit in self.facts.apart
                       for lit in proof):
                    return None, None
                seen.update(proof)
                prob = -self.algebra.rank(proof)[0][0]
                if prob <= 0.0:
                    continue
                weight = -math.log(prob)
                arcs_from.setdefault(a, []).append((b, weight, proof))
                arcs_into.setdefault(b, []).append((a, weight, proof))
        return arcs_from, arcs_into

    def _best_proofs(self, arcs_from, arcs_into, source, target) -> frozenset:
        """Take paths in order until k survive `best` and the next one is strictly less
        probable than the k-th (so ties at the k-th place are all seen)."""
        found: list = []
        need = self.k
        for weight, proof in best_paths(arcs_from, arcs_into, source, target):
            if len(found) >= need and weight > found[need - 1][0] + 1e-9:
                kept = self.algebra.best(p for _, p in found)
                if len(kept) >= self.k:
                    return kept
                need += self.k - len(kept)
            found.append((weight, proof))
        return self.algebra.best(p for _, p in found)

    def _layout(self, arcs_from, source, tag) -> list[int]:
        """The facts of the arcs on the kept paths, arc by arc along a layout of those arcs
        from the source (`_reach._order`, which `exact`'s elimination uses: a narrow
        frontier). The paths' disjunction is far smaller in such an order than by first
        appearance in the proofs: on the benchmark's dense 1,000-edge DAG, 36,164 BDD nodes
        against 393,318 for 50 paths, and 329,163 for 100 where the other order did not
        finish in 60 s (`_union` counts the same nodes). How the layout breaks ties
        matters as much, so it is drawn for LAYOUTS numberings of the vertices and the one
        whose sweep of the best paths is smallest is kept (`_union.fewest_states`)."""
        facts = frozenset().union(*tag)
        kept = [(a, b, proof) for a, arcs in arcs_from.items() for b, _, proof in arcs
                if proof and proof <= facts]
        if not kept:
            return []
        vertices = list(dict.fromkeys(v for a, b, _ in kept for v in (a, b)))
        shuffle = random.Random(0).shuffle
        layouts = []
        for _ in range(self.LAYOUTS):
            ids = {v: i for i, v in enumerate(vertices)}
            numbered = [(ids[a], ids[b], proof) for a, b, proof in kept]
            layouts.append(tuple(lit for i in _order(numbered, ids[source])
                                 for lit in sorted(numbered[i][2])))
            shuffle(vertices)
        ranked = sorted(tag, key=lambda proof: self.algebra.rank(proof)[0])
        return list(fewest_states(ranked, list(dict.fromkeys(layouts))))

    def _variable_order(self, tags) -> list[int]:
        """Facts in counting order: each tag's remembered layout (`_layout`), else first
        appearance in its proofs taken most probable first (each proof's facts adjacent, the
        best proof's on top)."""
        order: dict = {}
        for dnf in tags:
            layout = self._layouts.get(dnf)
            if layout is None:
                ranked = sorted(dnf, key=lambda proof: self.algebra.rank(proof)[0])
                layout = [fact_of(lit) for proof in ranked for lit in sorted(proof, key=fact_of)]
            order.update(dict.fromkeys(layout))
        return list(order)

    def compile(self, tags) -> CompiledQuery:
        """The weighted model counts of these proof sets as a reusable torch function.

        Each tag's disjunction is expanded into disjoint outcome paths (`_paths`) in the
        variable order of `_variable_order`: the paths of its BDD in that order, found
        without building and exporting one (a few proofs per tag, as top-k keeps, need no
        shared nodes). They are the paths CUDD's diagram had (unless it was sifted); nesy's
        own BDD, used without CUDD, orders by fact id, so there the sums may differ from it
        in the last bits. Where a tag is not expanded (too many paths in all, or facts), the
        tags are counted as before, on a BDD (`_diagram`): its paths, or past
        OutcomePaths.LIMIT its layered circuit."""
        order = self._variable_order(tags)
        position = {fact: i for i, fact in enumerate(order)}
        paths: list[tuple] = []
        owners: list[int] = []
        for i, dnf in enumerate(tags):
            found = self._paths(dnf, position, OutcomePaths.LIMIT - len(paths))
            if found is None:
                return CompiledQuery(self.facts, *self._diagram(tags, order))
            paths += found
            owners += [i] * len(found)
        return CompiledQuery.from_paths(self.facts, paths, owners, len(tags))

    @staticmethod
    def _paths(dnf, position: dict, limit: int) -> list[tuple] | None:
        """The paths to TRUE of the proofs' disjunction on its reduced BDD in `position`'s
        order, as `OutcomePaths.enumerate` walks them (true branch first), found by Shannon
        expansion without building the diagram (every fact an independent variable here:
        `FactTable(independent_groups=True)`). A single proof is one path, its literals in
        order (the product of their probabilities). None past `limit` paths, or past
        EXPAND_AT_MOST facts.

        Each proof is a tuple of its literals in that order, so the first variable is some
        proof's first literal and a cofactor drops first literals only. A variable is
        skipped when its two cofactors have the same paths: by induction these are the
        reduced diagram's, which is canonical, so same paths means same function (as in
        the diagram, where such a test is never made)."""
        def expand(proofs: list) -> list[tuple] | None:
            if not proofs:
                return []
            if () in proofs:  # the empty proof: TRUE
                return [()]
            if len(proofs) == 1:
                return [tuple(("pos", lit) if lit >= 0 else ("neg", ~lit) for lit in proofs[0])]
            v = min((fact_of(proof[0]) for proof in proofs), key=position.__getitem__)
            high = expand([proof[1:] if proof[0] == v else proof
                           for proof in proofs if proof[0] != ~v])
            low = expand([proof[1:] if proof[0] == ~v else proof
                          for proof in proofs if proof[0] != v])
            if high is None or low is None or high == low:
                return high if high == low else None
            paths = [(("pos", v),) + p for p in high] + [(("neg", v),) + p for p in low]
            return paths if len(paths) <= limit else None

        if len({fact_of(lit) for proof in dnf for lit in proof}) > EXPAND_AT_MOST:
            return None  # (a recursion that deep is the diagram's job)
        in_order = lambda lit: position[fact_of(lit)]  # noqa: E731
        return expand([tuple(sorted(proof, key=in_order)) for proof in dnf])

    def _diagram(self, tags, order):
        """The proofs' disjunction per tag on one BDD (CUDD where installed), variables in
        `order` (`_variable_order`), sifted once the diagrams grow large. Ordered by hop
        distance from the source, 30 paths of a dense 1,000-edge DAG took 887,000 nodes; by
        first appearance in the proofs, 7,800. The diagram of k overlapping paths still
        grows exponentially in k."""
        m = make_manager()
        for fact in reversed(order):  # each new variable goes on top
            m.literal(self.facts, fact)
        roots = []
        for dnf in tags:
            node = m.false
            for proof in sorted(dnf, key=lambda proof: self.algebra.rank(proof)[0]):
                node = m.disj(node, self._proof_formula(m, proof))
                m.maybe_reorder()
            roots.append(node)
        return m.export(roots)

    def _proof_formula(self, m, proof):
        node = m.true
        for lit in sorted(proof, key=fact_of):
            atom = m.literal(self.facts, fact_of(lit))
            node = m.conj(node, atom if lit >= 0 else m.neg(atom))
        return node

    def output(self, tags):
        """Each tag's probability: tags of at least SWEEP_FROM positive proofs swept over
        their residual formulas (`_union`, no diagram built) when the probabilities are
        plain floats; the others counted together on `compile`'s BDD (negated facts,
        batched or differentiable probabilities, and small tags, for which one shared
        diagram is cheaper than a sweep each)."""
        batched = any(is_tensor(p) and p.ndim > 0 for p in self.facts.probs)
        swept = [] if self.differentiable or batched else \
            [i for i, dnf in enumerate(tags) if len(dnf) >= self.SWEEP_FROM
             and all(lit >= 0 for proof in dnf for lit in proof)]
        out = [None] * len(tags)
        probs = self.facts.fact_probs(False) if swept else None
        for i in swept:
            out[i] = union_probability(tags[i], self._variable_order([tags[i]]), probs)
        rest = sorted(set(range(len(tags))) - set(swept))
        if rest:
            counted = self.compile([tags[i] for i in rest]).probabilities(self.differentiable)
            for i, p in zip(rest, counted):
                out[i] = p
        return out


class DiffTopKProofs(TopKProofs):
    """Proofs are ranked by detached probabilities (batch means for batched inputs, so one
    proof structure serves the whole batch); the output count is differentiable."""

    name = "difftopkproofs"
    differentiable = True


PROVENANCES = [Proofs, TopKProofs, DiffTopKProofs]
