"""`s := string_join<sep>[i](x: body)`: the strings of a group joined with `sep` (default
none), in ascending order of the rows (arguments first, so `[i]` orders them), as Scallop.
Over possible worlds: one outcome per subset of rows that can hold (computed by a fold in
that order, merging equal strings); `string_join!` joins all rows with the tag one.
`string_join<all>[i]`: one outcome per choice of one row for each distinct argument, its tag
the conjunction of the chosen rows' tags (Scallop's "all")."""
from __future__ import annotations

import itertools

import numpy as np

from . import _worlds
from .base import Aggregator, position_in_group

_STARTED = "\x01"  # marks a fold state that holds at least one string


class StringJoin(Aggregator):
    name = "string_join"
    example = 'j := string_join<" ">[i](s: word(i, s))'
    n_values = 1
    value_class = "string"
    value_reason = "joins strings"
    empty = ""
    positional_params = (("separator", "String", ""),)
    named_params = {"all": ("bool", False)}
    separator = ""
    all = False

    def result_types(self, args, values):
        return [frozenset(["String"])]

    def evaluate(self, prov, rows):
        if self.all:
            return self._all(prov, rows)
        order = rows.order()
        if prov.tagless or self.discrete:
            out_value = np.full(rows.n_groups, "", dtype=object)
            by_group: dict[int, list] = {}
            for i in order.tolist():
                by_group.setdefault(int(rows.group[i]), []).append(rows.values[i])
            for g, strings in by_group.items():
                out_value[g] = self.separator.join(strings)
            groups = np.arange(rows.n_groups, dtype=np.int64)
            return (groups, np.full(rows.n_groups, -1, dtype=np.int64), out_value,
                    None if prov.tagless else prov.ones(rows.n_groups))
        key = position_in_group(rows.group, order)
        states = np.asarray(rows.values, dtype=object)
        out_group, out_row, out_value, tags = _worlds.fold(
            prov, rows.group, rows.n_groups, states, rows.tags, self._append, "", key=key)
        return out_group, out_row, np.array([v[1:] for v in out_value], dtype=object), tags

    def _append(self, joined: np.ndarray, strings: np.ndarray) -> np.ndarray:
        return np.array([_STARTED + s if not j else j + self.separator + s
                         for j, s in zip(joined, strings)], dtype=object)

    def _all(self, prov, rows):
        """One row per distinct argument tuple, every combination, joined in argument order."""
        columns = rows.columns()
        order = rows.order()
        out_group, out_value, out_tags = [], [], []
        for g in np.unique(rows.group).tolist():
            members = [i for i in order.tolist() if rows.group[i] == g]
            by_args: dict[tuple, list[int]] = {}
            for i in members:
                by_args.setdefault(tuple(c[i] for c in columns[:rows.n_args]), []).append(i)
            for choice in itertools.product(*by_args.values()):
                out_group.append(g)
                out_value.append(self.separator.join(rows.values[i] for i in choice))
                if not prov.tagless:
                    tag = prov.ones(1)
                    for i in choice:
                        tag = prov.conjoin(tag, prov.take(rows.tags, np.array([i])))
                    out_tags.append(tag)
        n = len(out_group)
        tags = None if prov.tagless else prov.concat(out_tags)
        return (np.array(out_group, dtype=np.int64), np.full(n, -1, dtype=np.int64),
                np.array(out_value, dtype=object), tags)


AGGREGATOR = StringJoin()
