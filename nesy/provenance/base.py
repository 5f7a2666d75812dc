"""The interface every provenance implements.

The engine never looks inside a tag. It holds, per relation, one *tag batch* aligned with the
relation's rows (a numpy array, a torch tensor, an object array of proof sets, or None for a
provenance without tags) and combines batches only through the methods below, all of which
work on whole batches at once: a join multiplies two gathered batches, a projection
disjoins the tags of rows that collapse onto the same tuple.

What a provenance can do beyond the semiring is declared by class attributes (capabilities),
which the rest of nesy reads instead of provenance names: `tagless` (the engine's set-only
fast paths), `probabilistic` (outputs probabilities), `differentiable` (outputs torch
tensors with gradients), `supports_compile` (`compile` turns tags into a reusable function of
the fact probabilities), `compile_once` (the tags' structure does not depend on the
probabilities, so one compiled run serves every later batch), `uses_k` (reads `k`) and
`approximation`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import aggregators
from ..errors import UsageError


class OutOfBudget(Exception):
    """A run's time budget ran out (`Program.run(budget=...)`): raised by the engine between
    rules and by a `bounded` provenance between operations, caught by the run, which then
    reports bounds from what was derived so far."""


@dataclass
class InputFacts:
    """Tagging information for a batch of input facts, in row order.

    `probs[i]` is the probability of fact i or None (certain); `groups[i]` is the id of its
    annotated disjunction (facts of one `;` group are mutually exclusive) or -1. `choices`
    says the facts are the choices of probabilistic rules, made as their groundings are
    derived (formula-valued provenances place their variables below those of the bodies)."""

    probs: list
    groups: np.ndarray
    choices: bool = False


class Provenance:
    #: The name users select it by (`program.run(provenance=...)`, `--provenance`).
    name = "abstract"
    #: Other names for the same class.
    aliases: tuple[str, ...] = ()
    #: True when tags are None everywhere (set semantics): the engine takes its fast paths.
    tagless = False
    #: True when `output` returns probabilities (floats, or tensors when differentiable).
    probabilistic = False
    #: True when `output` returns torch tensors whose gradients reach the input probabilities
    #: (training through a program needs this).
    differentiable = False
    #: True when `compile` is implemented.
    supports_compile = False
    #: True when the tags' symbolic structure is the same whatever the input probabilities
    #: (only which facts exist matters), so `compile` of one run on placeholder probabilities
    #: computes every later run; such a provenance keeps `facts`, the table of its
    #: probabilistic input facts in arrival order (`len(facts)`, `facts.probs`).
    compile_once = False
    #: True when `k` changes the result (the number of proofs kept by a top-k provenance).
    uses_k = False
    #: True when `closure_tags` is implemented: the engine then answers a transitive closure
    #: whose queried tuples are bound (`path(0, 9)`) by asking the provenance for just those
    #: tuples' tags instead of running the closure's fixpoint (nesy.engine.closure).
    best_first_closure = False
    #: True when disjunction is idempotent and absorbs what a tag already covers (a or a = a):
    #: a tuple's tag is then the same however often and in whatever rounds its derivations
    #: arrive, so a bound query may be answered through the demand transformation
    #: (`nesy.passes.demand`), which derives only the tuples the query needs.
    idempotent = True
    #: True when a run may be given a time budget (`Program.run(budget=...)`): past it, the
    #: answers are lower and upper bounds (partial derivations, `closure_bounds`).
    bounded = False
    #: time.monotonic() past which a `bounded` provenance raises OutOfBudget (set per
    #: budgeted run; inf once it stopped: still bounded in time, never interrupted).
    deadline: float | None = None
    #: What input tags are: "probability" (checked in [0, 1]) or "cost" (any number from 0
    #: up: `tropical`), for the checks on facts given at run time.
    tag_kind = "probability"
    #: Set to a one-line explanation when the provenance approximates the exact answer.
    approximation: str | None = None
    #: What the members of an annotated disjunction (`{0.3::a; 0.5::b}`, and the alternatives
    #: of a disjunctive head `rel {a(x); b(x)} = ...`) are to this provenance:
    #: "distribution" - at most one holds, none with the rest of the probability (possible
    #: worlds, ProbLog), so their probabilities must add up to at most 1 and a disjunctive
    #: head, whose alternatives carry no probabilities, has no meaning; "exclusive" - no proof
    #: uses two of them, each weighs its own probability, any sum (Scallop's proofs and
    #: top-k proofs; a disjunctive head's alternatives weigh 1 each); "ignored" - independent
    #: facts (Scallop's minmaxprob, addmultprob, tropical; set semantics). Read by the engine
    #: (`nesy.engine.inputs`) before a run, so the strict default rejects what a provenance
    #: has not said it accepts.
    disjunctions = "distribution"

    def __init__(self, k: int | None = None):
        #: The k given to `nesy.provenance.make` (None: the provenance's default, if it has one).
        self.k = k

    def closure_tags(self, edges, pairs):
        """The tags of `path(s, t)` for each (s, t) of `pairs` under `path(a, b) = edge(a, b)
        or (edge(a, c) and path(c, b))`, given `edges`, the edge relation's (sources,
        targets, tags); reachability from seeds (`smokes(x) = stress(x) or (influences(y, x)
        and smokes(y))`) arrives in the same form, as `path(v, t)` from a virtual source v
        whose arcs carry the seeds' tags (nesy.engine.closure); None when this provenance
        cannot answer from these edges' tags (the engine then runs the fixpoint)."""
        return None

    def closure_bounds(self, edges, pairs, out_of_time, building_over=lambda: False):
        """Lower- and upper-bound tags of `path(s, t)` for each (s, t) of `pairs` (as in
        `closure_tags`), searched for until `out_of_time()` and built until
        `building_over()`; None when this provenance has none."""
        return None

    # -- creating tags -------------------------------------------------------------------------
    def input_tags(self, facts: InputFacts):
        raise NotImplementedError

    def ones(self, n: int):
        """Tags of n certain tuples."""
        raise NotImplementedError

    # -- batch plumbing ------------------------------------------------------------------------
    def take(self, tags, index: np.ndarray):
        raise NotImplementedError

    def concat(self, batches: list):
        raise NotImplementedError

    # -- the semiring, elementwise over batches ------------------------------------------------
    def conjoin(self, a, b):
        raise NotImplementedError

    def disjoin_groups(self, tags, group: np.ndarray, n_groups: int):
        """Disjoin the tags of rows that share a group id; returns n_groups tags."""
        raise NotImplementedError

    def negate(self, tags):
        """Tags of `not t` for each t (used when a negated atom matches)."""
        raise NotImplementedError

    def nonzero(self, tags) -> np.ndarray:
        """Mask of tags that are not the semiring zero (rows worth keeping)."""
        raise NotImplementedError

    def changed(self, old, new) -> np.ndarray:
        """Mask of rows whose tag moved from `old` to `new` (recursion runs until none do)."""
        raise NotImplementedError

    # -- aggregation ---------------------------------------------------------------------------
    def aggregate(self, aggregator: str, group: np.ndarray, n_groups: int, values: np.ndarray,
                  tags):
        """Aggregate tagged rows per group over possible worlds.

        Rows are distinct tuples (tags of duplicates already disjoined); `group[i]` in
        [0, n_groups) is row i's group; groups without rows exist too (from `where` clauses
        or the global group) and must get their empty-set result. `values` holds the
        aggregated value per row as a decoded numpy array (numbers for sum/prod/min/max/
        argmin/argmax; ignored by count/exists/forall). For `forall` the engine passes the
        counterexample rows (A and not B), so forall is true exactly when no row holds.

        Returns (out_group, out_row, out_value, out_tags), one entry per (group, possible
        outcome): out_row is the index of the source row the outcome is (min, max, argmin,
        argmax: the engine recovers that row's other columns) or -1; out_value is the
        outcome's value (count: int, sum/prod: number, exists/forall: bool, min/max/argmin/
        argmax: the row's value). The aggregator (`nesy.aggregators`, its `worlds`) computes
        the outcomes from this provenance's batch operations, so a new provenance aggregates
        without code of its own; the engine handles the tagless case itself."""
        found = aggregators.get(aggregator)
        if found is None:
            raise UsageError(f"unknown aggregator {aggregator!r}")
        return found.worlds(self, np.asarray(group, dtype=np.int64), n_groups, values, tags)

    def fold_order(self, tags) -> np.ndarray | None:
        """Per-row sort key of the order in which a fold (count, sum, prod) visits a group's
        rows, or None for row order. Formula tags use it to keep folds linear."""
        return None

    # -- results ---------------------------------------------------------------------------------
    def output(self, tags) -> list | None:
        """Per-row output values (probabilities, proofs) or None when the provenance has none."""
        return None

    def compile(self, tags) -> Callable:
        """The probabilities of these tags as a reusable torch function: a `[*batch, n_facts]`
        tensor of input-fact probabilities (facts in the order they reached `input_tags`) ->
        `[*batch, n_rows]` probabilities. Only where `supports_compile` is True."""
        raise NotImplementedError(f"provenance {self.name} does not compile its tags")
