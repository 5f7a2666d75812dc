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

Aggregators that need more than the last value column (an order over all columns, the tags'
weights: `sort`, `rank`, `top<k>`, `string_join[i]`) override `evaluate`, which receives all
of it as a `Rows`. Scallop's parameters (`top<3>`, `rank<desc>`, `string_join<" ">`) and
its discrete form (`count!`) are declared by `positional_params`, `named_params` and
`allows_discrete`; `configure` checks and applies them to a copy.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import _sets, _worlds


@dataclass
class Rows:
    """The rows of one aggregation, as `evaluate` receives them. `values` is the last
    aggregated column decoded (what `sets`/`worlds` get); `columns()` decodes every argument
    and value column (arguments first), `weights()` gives each row's tag weight (its
    probability under a probabilistic provenance, 1.0 otherwise), both computed on demand."""

    group: np.ndarray
    n_groups: int
    values: np.ndarray
    tags: object
    n_args: int
    n_values: int
    columns: Callable[[], list]
    weights: Callable[[], np.ndarray]
    #: `fresh_tags(probs, groups)`: tags of new probabilistic facts, rows of one group id
    #: forming one annotated disjunction (normalize, softmax).
    fresh_tags: Callable | None = None

    def order(self, first: int = 0, last: int | None = None, descending: bool = False,
              key: np.ndarray | None = None) -> np.ndarray:
        """The rows sorted by group, then by `key` (if given), then by the decoded columns
        `first:last` (ascending, or all descending), then by all columns ascending: Scallop's
        stable sort over batches kept in tuple order."""
        columns = self.columns()
        codes = [_codes(c) for c in columns]
        chosen = [(-c if descending else c) for c in reversed(codes[first:last])]
        keys = list(reversed(codes)) + chosen + ([] if key is None else [key]) + [self.group]
        return np.lexsort(keys)  # the last key sorts first


def _codes(column: np.ndarray) -> np.ndarray:
    """Integer codes with the order of the values (works for strings and objects too)."""
    return np.unique(column, return_inverse=True)[1].reshape(-1).astype(np.int64)


def position_in_group(group: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Each row's 0-based position within its group, for rows sorted by `order` (which sorts
    by group first)."""
    sorted_group = group[order]
    n = len(order)
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]]) if n else \
        np.zeros(0, dtype=np.int64)
    run_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n) - run_start
    return position


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
    #: Scallop's parameters in `<...>`: positional ones as (name, type, default) with
    #: `type` in ("usize", "String", "bool", "number") (default None: required), named
    #: ones as {name: (type, default)}; `configure` sets them as attributes of a copy.
    positional_params: tuple = ()
    named_params: dict = {}
    #: Whether `name!(...)` (Scallop's discrete form) is allowed: one result from all rows,
    #: computed as under set semantics, with the tag one.
    allows_discrete = True
    discrete = False

    # -- parameters --------------------------------------------------------------------------------
    def configure(self, positional: list, named: dict, discrete: bool = False) -> "Aggregator":
        """This aggregator with the parameters of one use applied: `self` when there are
        none, else a configured copy. Raises ValueError with the problem (the front end
        reports it where the parameters are written)."""
        required = any(default is None for _, _, default in self.positional_params)
        if not positional and not named and not discrete and not required:
            return self
        if discrete and not self.allows_discrete:
            raise ValueError(f"{self.name} has no discrete form ('{self.name}!')")
        if len(positional) > len(self.positional_params):
            most = len(self.positional_params)
            raise ValueError(f"expected at most {most} parameter{'s' if most != 1 else ''}, "
                             f"found {len(positional)}")
        out = copy.copy(self)
        out.discrete = discrete
        for i, (name, kind, default) in enumerate(self.positional_params):
            value = positional[i] if i < len(positional) else default
            if value is None:
                raise ValueError(f"expected the parameter {name} ({kind}), as in "
                                 f"`{self.name}<...>`")
            setattr(out, name, _checked(name, kind, value))
        for name, value in named.items():
            if name not in self.named_params:
                raise ValueError(f"Unknown named parameter `{name}`")
            setattr(out, name, _checked(name, self.named_params[name][0], value))
        return out

    def evaluate(self, prov, rows: Rows):
        """All outcomes of one aggregation: (out_group, out_row, out_value, out_tags), tags
        None under a tagless provenance. By default `sets` there, and `worlds` (through
        the provenance's `aggregate`) over possible worlds; the discrete form (`count!`)
        computes `sets` and gives every outcome the tag one."""
        if prov.tagless or self.discrete:
            out_group, out_row, out_value = self.sets(rows.group, rows.n_groups, rows.values)
            return out_group, out_row, out_value, None if prov.tagless else \
                prov.ones(len(out_group))
        return prov.aggregate(self.name, rows.group, rows.n_groups, rows.values, rows.tags)

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


def _checked(name: str, kind: str, value):
    """A parameter's value if it has the declared kind, else ValueError."""
    ok = {"usize": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
          "String": lambda v: isinstance(v, str),
          "bool": lambda v: isinstance(v, bool),
          "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)}[kind]
    if not ok(value):
        raise ValueError(f"the parameter {name} must be a {kind}, got {value!r}")
    return value


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


class PerRow(Aggregator):
    """An aggregator whose outcomes are the rows themselves, each keeping its own tag (no
    possible-worlds enumeration, as in Scallop): `enumerate`, `rank`, `sort`, `top<k>`, the
    samplers. `pick(rows)` returns the chosen rows (indices) and the computed value of each
    (its position, for the ranking ones; None when there is no computed result)."""

    n_values = None
    allows_discrete = False
    #: Whether the computed position comes first among the results (`(i, d) := rank(...)`).
    numbered = True

    def result_columns(self, n_args, n_values):
        values = list(range(n_args, n_args + n_values))
        return [None, *values] if self.numbered else values

    def result_types(self, args, values):
        copied = self.result_columns(len(args), len(values))[1 if self.numbered else 0:]
        columns = [*args, *values]
        return ([frozenset(["usize"])] if self.numbered else []) + [columns[i] for i in copied]

    def pick(self, rows: Rows):
        raise NotImplementedError

    def evaluate(self, prov, rows: Rows):
        chosen, computed = self.pick(rows)
        chosen = np.asarray(chosen, dtype=np.int64)
        tags = None if prov.tagless else prov.take(rows.tags, chosen)
        value = np.zeros(len(chosen), dtype=np.int64) if computed is None else computed
        return rows.group[chosen], chosen, value, tags


class Ranking(PerRow):
    """Every row with its 0-based position in its group under `order(rows)`."""

    def order(self, rows: Rows) -> np.ndarray:
        raise NotImplementedError

    def pick(self, rows):
        position = position_in_group(rows.group, self.order(rows))
        return np.arange(len(rows.group)), position


class Selection(PerRow):
    """The rows `keep(rows)` selects, with nothing computed (`top<k>`, samplers)."""

    numbered = False

    def keep(self, rows: Rows) -> np.ndarray:
        raise NotImplementedError

    def pick(self, rows):
        return self.keep(rows), None
