"""Where `exact` builds its formulas: CUDD through `dd.cudd`, or nesy's own BDD without it.

Exact inference conjoins and disjoins one formula per derived tuple, over and over until the
recursion's formulas stop changing, so the speed of those operations and the size of the
diagrams decide the whole run. Measured on probabilistic reachability (a 100-edge DAG, all
pairs), the pure-Python BDD of `_bdd` spent over 95% of the run creating 2.4 million nodes in
fixed fact order; CUDD does the same operations in C (about 0.5 us each).

Both managers share one small interface: `true`, `false`, `literal(facts, fact)` (a fact's
formula, annotated disjunctions chain-encoded as in `_facts`), `conj`, `disj`, `neg`, `top`
(the fact id of a formula's top variable, for fold orders) and `export(roots)`, which copies
the diagrams below some roots into a `_bdd.BDD` whose variables are fact ids: the form the
layered circuit (`_bdd.Circuit`) and the outcome paths (`_facts.OutcomePaths`) count, so
probabilities and gradients come from the same compiled diagram whichever manager built it.
Formulas are canonical in either manager, so `changed` stays an identity comparison.
"""
from __future__ import annotations

from ._bdd import BDD, FALSE, TRUE

try:  # the dd wheels for common platforms ship CUDD compiled in
    from dd import cudd as _cudd
except ImportError:  # pragma: no cover - platforms without a dd.cudd wheel
    _cudd = None


def make_manager():
    """CUDD when `dd.cudd` is importable, else nesy's pure-Python BDD."""
    return CuddManager() if _cudd is not None else PythonManager()


class PythonManager:
    """nesy's own BDD (`_bdd.BDD`): nodes are ints and variables are fact ids."""

    def __init__(self):
        self.bdd = BDD()
        self.true, self.false = TRUE, FALSE
        self.conj, self.disj, self.neg = self.bdd.conj, self.bdd.disj, self.bdd.neg

    def literal(self, facts, fact: int) -> int:
        return facts.literal_bdd(self.bdd, fact)

    def top(self, node: int) -> int:
        return self.bdd.var[node]

    def export(self, roots):
        return self.bdd, [int(r) for r in roots]


class CuddManager:
    """CUDD in nesy's variable order; formulas are `dd.cudd.Function`s (complement edges).

    The order is `_bdd`'s: facts in arrival order, the newest on top, so a fold over facts
    (count, sum of digits) conjoins each new fact above the state and stays linear. CUDD's
    dynamic reordering (sifting) is off: measured on the digit programs it turned the sum of
    4 digits' 10k-node circuit into a much larger one (first call 8 s -> 140 s, each training
    step 2.5x slower), while on reachability it only halved the build time."""

    def __init__(self):
        self.cudd = _cudd.BDD()
        self.cudd.configure(reordering=False)
        self.true, self.false = self.cudd.true, self.cudd.false
        self._vars: dict[int, object] = {}  # fact id -> its variable
        self._fact: dict[str, int] = {}     # variable name -> fact id

    def variable(self, fact: int):
        v = self._vars.get(fact)
        if v is None:
            name = f"x{fact}"
            self.cudd.insert_var(name, 0)  # the newest fact on top, as in `_bdd`
            v = self._vars[fact] = self.cudd.var(name)
            self._fact[name] = fact
        return v

    def literal(self, facts, fact: int):
        """The fact's chain variable, and no later member of its annotated disjunction."""
        node = self.variable(fact)
        g = facts.group[fact]
        if g >= 0:
            for later in facts.members[g]:
                if later > fact:
                    node = node & ~self.variable(later)
        return node

    @staticmethod
    def conj(a, b):
        return a & b

    @staticmethod
    def disj(a, b):
        return a | b

    @staticmethod
    def neg(a):
        return ~a

    def top(self, node) -> int:
        return -1 if node.var is None else self._fact[node.var]

    def export(self, roots):
        """The diagrams below `roots` as a `_bdd.BDD` over fact ids (complement edges pushed
        down to the terminals), and the roots there. Iterative: deep diagrams are fine."""
        bdd = BDD()
        true_id = int(self.true)
        done = {true_id: TRUE, true_id ^ 1: FALSE}  # int(u): CUDD's pointer, low bit = negated
        fact = self._fact
        for root in roots:
            stack = [root]
            while stack:
                u = stack[-1]
                key = int(u)
                if key in done:
                    stack.pop()
                    continue
                lo, hi = u.low, u.high
                if u.negated:
                    lo, hi = ~lo, ~hi
                missing = [c for c in (lo, hi) if int(c) not in done]
                if missing:
                    stack.extend(missing)
                    continue
                done[key] = bdd.node(fact[u.var], done[int(lo)], done[int(hi)])
                stack.pop()
        return bdd, [done[int(r)] for r in roots]
