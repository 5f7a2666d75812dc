"""What an aggregator is: everything nesy needs to know about one aggregator, in one object.

The front end reads the declarations (how many variables it takes, its result types, whether
its body is `A implies B`); the engine calls `sets` under set semantics (tagless provenances)
and `worlds` over possible worlds (tagged provenances). A provenance reaches `worlds` as an
argument, never as an import, so this package sits below both the front end and the engine.

Both implementations receive the rows of one aggregation as parallel arrays: `group[i]` in
[0, n_groups) is row i's group (rows are distinct tuples, and groups without rows exist too:
from `where` clauses or the single global group), `values[i]` the decoded aggregated value
(zeros when the aggregator does not read values). They return one entry per (group, outcome):
`out_group`, `out_row` (the source row an outcome copies, or -1 for a computed value) and
`out_value`; `worlds` also returns `out_tags`, each outcome's tag.
"""
from __future__ import annotations

import numpy as np


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
    def row_columns(self, n_args: int, n_values: int) -> list[int] | None:
        """The columns an outcome copies from its source row, as indices into the row's
        arguments followed by its values (min, max, argmin and argmax return rows), or None
        when the outcome is a computed value: then `out_value` is the single result."""
        return None

    def n_results(self, n_args: int, n_values: int) -> int:
        """How many variables go on the left of ':='."""
        copied = self.row_columns(n_args, n_values)
        return 1 if copied is None else len(copied)

    def result_types(self, args: list, values: list) -> list:
        """The type of each result, given opaque type handles of the argument and value
        variables: either one of those handles (the result has that variable's type) or a
        frozenset of type names. Aggregators that return rows get their columns' types."""
        copied = self.row_columns(len(args), len(values))
        if copied is None:
            raise NotImplementedError(f"aggregator {self.name} must declare its result types")
        columns = [*args, *values]
        return [columns[i] for i in copied]

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
