"""Where `exact` builds its formulas: CUDD through `dd.cudd`, or nesy's own BDD without it.

Exact inference conjoins and disjoins one formula per derived tuple, over and over until the
recursion's formulas stop changing, so the speed of those operations and the size of the
diagrams decide the whole run. Measured on probabilistic reachability (a 100-edge DAG, all
pairs), the pure-Python BDD of `_bdd` spent over 95% of the run creating 2.4 million nodes in
fixed fact order; CUDD does the same operations in C (about 0.5 us each).

Both managers share one small interface: `true`, `false`, `literal(facts, fact)` (a fact's
formula, annotated disjunctions chain-encoded as in `_facts`), `conj`, `disj`, `neg`,
`arrange(formulas)` (put plain facts' variables in a given order: `_reach` lays a graph's arcs
out along its vertices from the source before eliminating them), `level`
(the level of a formula's top variable, for fold orders), `below(facts)` (these facts' variables
go below all others: the choices of probabilistic rules), `maybe_reorder()` (called after
each projection), `count(roots, var_probs)` (each root's weighted model count, for a run that
counts once) and `export(roots)`, which copies the diagrams below some roots into a
`_bdd.BDD` whose variables are fact ids: the form the layered circuit (`_bdd.Circuit`) and
the outcome paths (`_facts.OutcomePaths`) count, so probabilities and gradients come from
the same compiled diagram whichever manager built it.
Formulas are canonical in either manager, so `changed` stays an identity comparison.
"""
from __future__ import annotations

import time

from ._bdd import BDD, FALSE, TRUE, Circuit

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

    def level(self, node: int) -> int:
        return -self.bdd.var[node]  # larger fact ids nearer the root; terminals (-1) deepest

    def below(self, facts) -> None:
        """The order is fixed (fact ids, the newest on top)."""

    def above(self, facts) -> None:
        """The order is fixed (fact ids, the newest on top)."""

    def maybe_reorder(self) -> None:
        """The order is fixed (fact ids, the newest on top)."""

    def arrange(self, formulas) -> None:
        """The order is fixed (fact ids, the newest on top)."""

    def count(self, roots, var_probs) -> list[float]:
        return Circuit(self.bdd, roots).evaluate(var_probs).tolist()

    def export(self, roots):
        return self.bdd, [int(r) for r in roots]


class CuddManager:
    """CUDD; formulas are `dd.cudd.Function`s (complement edges).

    Input facts' variables start in `_bdd`'s order: facts in arrival order, the newest on
    top, so a fold over facts (count, sum of digits) conjoins each new fact above the state
    and stays linear; an annotated disjunction's variables are one block (CUDD group) that
    reordering moves as a whole. The choices of probabilistic rules (`below`) go to the
    bottom instead, in arrival order: a choice is made when its rule's body has been derived,
    from older variables, and the formula `choice and body` is small when it reads the body
    first. A Bayesian network's CPT rows are such choices: with each node's choices on top of
    its parents' formulas, each node's diagram branched on every subset of its CPT rows before
    reading the parents, and a 71-parameter network did not finish in 40 s; below, it takes
    0.16 s. CUDD's automatic reordering is off: on the digit programs its sifting
    cost 40 s of a 2 s build and gave no smaller circuit. Instead `maybe_reorder` sifts once
    the live diagrams pass REORDER_AT nodes, and again each time they double. Sifting costs
    about nodes x variables, so sifting early is cheap and sifting late is not: at 50,000
    nodes a 71-parameter Bayesian network took 8 s (one sift of 0.7 s at 50,000 nodes on a
    dense 100-edge DAG), at 10,000 0.75 s; the sum of 4 digits (peak below 18,000 nodes) is
    no slower, and at 4,000 it was 20% slower.

    CUDD's computed table starts at CACHE_SLOTS entries (it grows with use): the default
    size took 15-40 ms to allocate, more than a small program's whole run. 2^14, not 2^16:
    the table is zeroed when made, and the first managers of a process touch fresh pages
    (512 page faults at 2^16, 128 at 2^14), which cost the first run after a warm-up, all a
    `nesy run` does, about 1 ms of CPU more than later runs (0.3 ms); Bayesian networks,
    cyclic graphs, smokers and digit sums built with the smaller table took the same time
    or less. Likewise the
    manager is created with a MEMORY_ESTIMATE of 16 MiB (dd's default, 1 GiB, made creating
    it take 15-80 ms on this machine, 0.5 ms now), and then given back the one setting CUDD
    derives from the estimate that matters here, LOOSE_UP_TO (how far the unique table grows
    before collecting garbage): with the small estimate's own value, 4-digit addition went
    from 5.9 s to 15.7 s; with it restored, 3-digit addition takes the same 10.6-12.6 s."""

    REORDER_AT = 10_000  # live nodes
    CACHE_SLOTS = 2 ** 14
    MEMORY_ESTIMATE = 2 ** 24  # bytes
    LOOSE_UP_TO = 6_710_886  # nodes: what CUDD derives from dd's default estimate of 1 GiB
    LOOK_EVERY = 0.05  # seconds
    SIFT_AT_MOST = 100_000  # live nodes
    NODES_PER_VAR = 200  # below this many live nodes per variable, no sifting

    def __init__(self):
        self.cudd = _cudd.BDD(memory_estimate=self.MEMORY_ESTIMATE,
                              initial_cache_size=self.CACHE_SLOTS)
        self.cudd.configure(reordering=False, loose_up_to=self.LOOSE_UP_TO)
        self._reorder_at = self.REORDER_AT
        self._calls = 0  # maybe_reorder calls, to ask for the size only now and then
        self._next_look = time.perf_counter() + self.LOOK_EVERY
        self.true, self.false = self.cudd.true, self.cudd.false
        self._vars: dict[int, object] = {}  # fact id -> its variable
        self._fact: dict[str, int] = {}     # variable name -> fact id
        self._grouped = False  # an annotated disjunction's block exists (see `arrange`)

    def variable(self, fact: int, bottom: bool = False):
        v = self._vars.get(fact)
        if v is None:
            name = f"x{fact}"
            if bottom:
                self.cudd.add_var(name)
            else:
                self.cudd.insert_var(name, 0)  # the newest fact on top, as in `_bdd`
            v = self._vars[fact] = self.cudd.var(name)
            self._fact[name] = fact
        return v

    def below(self, facts) -> None:
        """Put these (new, independent) facts' variables below all others, in this order."""
        for fact in facts:
            self.variable(fact, bottom=True)

    def above(self, facts) -> None:
        """Make these new independent facts' (ascending) variables where `variable` puts
        them one by one, the newest on top. CUDD inserts a variable on top in time linear in
        the levels below it (about 2.3 us each for 200 facts, 1.4 us appended); in a manager
        with no variable yet, appending them newest first gives the same order."""
        if self._vars:
            for fact in facts:
                self.variable(fact)
        else:
            self.below(reversed(facts))

    def literal(self, facts, fact: int):
        """The fact's chain variable, and no later member of its annotated disjunction."""
        g = facts.group[fact]
        if g < 0:
            return self.variable(fact)
        members = facts.members[g]
        if members[-1] not in self._vars:  # the group's variables, adjacent, moved as a block
            for m in members:
                self.variable(m)
            if len(members) > 1:
                self.cudd.group({f"x{members[-1]}": len(members)})
                self._grouped = True
        node = self.variable(fact)
        for later in members:
            if later > fact:
                node = node & ~self.variable(later)
        return node

    def maybe_reorder(self) -> None:
        """Sift the variable order (annotated disjunctions as blocks) once the diagrams have
        doubled past REORDER_AT live nodes and NODES_PER_VAR per variable, but not past
        SIFT_AT_MOST; small problems keep nesy's order untouched. Measured: the sum of 15
        digits peaks at 18,000 nodes over 150 variables, and sifting it made a 0.3 s build
        take 11-14 s; the diagrams of 4-digit addition pass 300,000 nodes, and sifting at
        each doubling up to there took over 200 s of what is a 5 s build when it stops at
        100,000; the smokers network of 58 facts went from 40,000 to 970,000 nodes in the two
        rounds between looks of every 64th call (over 60 s), and with looks every 50 ms it
        is sifted at 12,000 and takes 2.3 s."""
        # Asking CUDD its size counts the live nodes (about 1 ms on CLEVR's batches, a third
        # of a training step when asked after every proof): look every 64th call, or when
        # LOOK_EVERY seconds have passed since the last look (a recursion's few calls per
        # round can each grow the diagrams tenfold).
        self._calls += 1
        now = time.perf_counter()
        if self._calls & 63 != 1 and now < self._next_look:
            return
        self._next_look = now + self.LOOK_EVERY
        live = len(self.cudd)
        if max(self._reorder_at, self.NODES_PER_VAR * len(self._vars)) < live <= self.SIFT_AT_MOST:
            _cudd.reorder(self.cudd)
            self._reorder_at = max(self.REORDER_AT, 2 * len(self.cudd))

    def arrange(self, formulas) -> None:
        """When each formula is one distinct variable (a plain fact), put those variables in
        this order from the top, on the levels they hold now (the others stay where they
        are): `_reach` puts a graph's arcs in their layout from the source, which keeps the
        diagrams its vertex elimination builds narrow. Not done where annotated disjunctions'
        blocks exist (CUDD cannot shuffle across them)."""
        names = [f.var for f in formulas]
        if self._grouped or len(set(names)) != len(names) or \
                any(f != self.cudd.var(n) for f, n in zip(formulas, names)):
            return
        order = {v: self.cudd.level_of_var(v) for v in self.cudd.vars}
        levels = sorted(order[n] for n in names)
        order.update(zip(names, levels))
        _cudd.reorder(self.cudd, order)

    @staticmethod
    def conj(a, b):
        return a & b

    @staticmethod
    def disj(a, b):
        return a | b

    @staticmethod
    def neg(a):
        return ~a

    @staticmethod
    def level(node) -> int:
        return node.level  # the terminals' is CUDD's largest

    def count(self, roots, var_probs) -> list[float]:
        """The probability of each root for these variable probabilities (numpy, by fact id),
        counted on CUDD's diagrams directly. A plain run counts once, and exporting the
        diagrams to Python and then laying out a circuit or enumerating outcome paths
        (`CompiledQuery`) cost more than the count itself: on the layered 50-edge graph of
        benchmarks/problog_reachability.py about 25 ms of CPU of a 45 ms run. The same walk as
        `export` (`_children_first`), and per node the layered circuit's
        `lo + p * (hi - lo)` in the same float arithmetic, so the numbers are the circuit's."""
        probs = var_probs.tolist()
        fact = self._fact
        true_id = int(self.true)
        value = {true_id: 1.0, true_id ^ 1: 0.0}  # int(u) (low bit: negated) -> probability
        for key, var, lo, hi in self._children_first(roots, value):
            low = value[lo]
            value[key] = low + probs[fact[var]] * (value[hi] - low)
        return [value[int(r)] for r in roots]

    @staticmethod
    def _children_first(roots, done):
        """Each node below `roots` not yet in `done`, after both its children, as (its key,
        its variable, its low child's key, its high child's key). Keys are `int(node)`, whose
        low bit marks a negated edge; a negated node's children are negated in turn, so the
        complement edges are pushed down to the terminals. The caller puts each yielded key
        into `done` before taking the next. Iterative: deep diagrams are fine."""
        for root in roots:
            stack = [root]
            while stack:
                u = stack.pop()
                if type(u) is tuple:  # a node whose children were pushed after it: both done
                    yield u
                    continue
                key = int(u)
                if key in done:
                    continue
                lo, hi = u.low, u.high
                if u.negated:
                    lo, hi = ~lo, ~hi
                node = (key, u.var, int(lo), int(hi))
                if node[2] in done and node[3] in done:
                    yield node
                    continue
                stack += [node, lo, hi]  # the high child first, as before

    def export(self, roots):
        """The diagrams below `roots` as a `_bdd.BDD` over fact ids (complement edges pushed
        down to the terminals), and the roots there."""
        bdd = BDD()
        true_id = int(self.true)
        done = {true_id: TRUE, true_id ^ 1: FALSE}  # int(u): CUDD's pointer, low bit = negated
        fact = self._fact
        for key, var, lo, hi in self._children_first(roots, done):
            done[key] = bdd.node(fact[var], done[lo], done[hi])
        return bdd, [done[int(r)] for r in roots]
