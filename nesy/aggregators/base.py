"""What an aggregator is: everything nesy needs to know about one aggregator, in one object.

The front end reads the declarations (how many variables it takes, its result types, whether
its body is `A implies B`); the engine calls `sets` under set semantics (tagless provenances)
and `worlds` over possible worlds (tagged provenances). A provenance reaches `worlds` as an
argument, never as an import, so this package sits below both the front end and the engine.

Both implementations receive the rows of one aggregation as parallel arrays: `group[i]` in
[0, n_groups) is row i's group (rows are distinct tuples, and groups without rows exist too:
from `where` clauses or the single global group), `values[i]` the decoded aggregated value
(zeros when the aggregator does not read values). They return one entry per (group, outcome):
`out_group`, `out_row` (the source row the outcome is, or -1) and `out_value` (its computed
value, if any); `worlds` also returns `out_tags`, each outcome's tag. `result_columns`
says which of these make the result.
"""
from __future__ import annotations

import numpy as np

from . import _sets, _worlds


class Aggregator:
    #: The name written in programs, as in `n := count(...)`.
    name: str = ""
    #: One complete use, shown in hints (and a good first line of the docs).
    example: str = ""
    #: How many variables it aggregates (before ':'); None: any number, as `count(x, y: ...)`.
    n_values: int | None = None
    #: Whether argument variables in brackets are required, as `argmax[k](...)`.
    needs_args: bool = False
    #: Whether the body must be `A implies B`. The rows aggregated are then the
    #: counterexamples `A and not B`, and with group-by keys the groups are the rows of `A`.
    needs_implies: bool = False
    #: The type class the aggregated variables must belong to ("any", "numeric", "integer",
    #: "float"), and what to say when one does not ("adds up numbers").
    value_class: str = "any"
    value_reason: str = ""
    #: Whether `sets` and `worlds` read `values` (count and exists need only the rows).
    reads_values: bool = True
    #: The result of a group without rows, or None when such a group has no result.
    empty = None

    # -- the front end -----------------------------------------------------------------------------
    def result_columns(self, n_args: int, n_values: int) -> list[int | None]:
        """Where each result comes from: None is the outcome's computed value (`out_value`),
        an int i copies column i of the outcome's source row (`out_row`), counting its
        arguments and then its values. `count` returns [None]; `min` and `max` return their
        winning row, [0, .., n_args + n_values - 1]; a `rank` would return [None, 0]."""
        return [None]

    def n_results(self, n_args: int, n_values: int) -> int:
        """How many variables go on the left of ':='."""
        return len(self.result_columns(n_args, n_values))

    def result_types(self, args: list, values: list) -> list:
        """The type of each result, given opaque type handles of the argument and value
        variables: either one of those handles (the result has that variable's type) or a
        frozenset of type names. Results copied from the row get their column's type; an
        aggregator with a computed result declares its type."""
        layout = self.result_columns(len(args), len(values))
        if None in layout:
            raise NotImplementedError(f"aggregator {self.name} must declare its result types")
        columns = [*args, *values]
        return [columns[i] for i in layout]

    # -- evaluation --------------------------------------------------------------------------------
    def sets(self, group: np.ndarray, n_groups: int, values: np.ndarray):
        """Set semantics with numpy: (out_group, out_row, out_value)."""
        raise NotImplementedError

    def worlds(self, prov, group: np.ndarray, n_groups: int, values: np.ndarray, tags):
        """Over possible worlds, with the provenance's batch operations only (`ones`, `take`,
        `concat`, `conjoin`, `disjoin_groups`, `negate`, `nonzero`, `fold_order`):
        (out_group, out_row, out_value, out_tags). Outcomes whose tag is the semiring zero
        are dropped; groups without rows get the `empty` result."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<aggregator {self.name}>"


class Fold(Aggregator):
    """An aggregator that combines a group's values with `combine` (a numpy ufunc) from
    `empty`, as sum and prod do: one exact fold for both semantics."""

    n_values = 1
    value_class = "numeric"
    combine: np.ufunc

    def result_types(self, args, values):
        return list(values)

    def sets(self, group, n_groups, values):
        return _sets.every_group(_sets.fold(group, n_groups, values, self.combine, self.empty))

    def worlds(self, prov, group, n_groups, values, tags):
        return _worlds.fold(prov, group, n_groups, values, tags, self.combine, self.empty)


class Extreme(Aggregator):
    """An aggregator whose outcome is every row attaining its group's smallest value (or
    largest, with `larger_wins`), ties included: min, max, argmin, argmax."""

    n_values = 1
    larger_wins = False

    def sets(self, group, n_groups, values):
        return _sets.extremes(group, n_groups, values, larger_wins=self.larger_wins)

    def worlds(self, prov, group, n_groups, values, tags):
        return _worlds.extremes(prov, group, values, tags, larger_wins=self.larger_wins)
