"""Aggregation over possible worlds, written once in terms of a provenance's batch operations.

Each outcome's tag is a formula over the rows' tags, so one algorithm serves every semiring:
it is exact for formula tags (`exact`: correlated rows and annotated disjunctions included),
exact for independent rows under `addmultprob`, and the usual approximation elsewhere.

- `fold` (count, sum, prod): a dynamic program over each group's rows, keeping one tag per
  (group, partial result): adding row t maps state s to `s and not t` (result unchanged) and
  `s and t` (result combined with the row's value). Work is polynomial - states times rows -
  never a powerset; all groups advance together, one vectorised step per row rank.
- `extremes` (min, max, argmin, argmax): row i is the outcome when it holds and no strictly
  better row of its group does (ties all hold, so every tied row is an outcome).
- `any_row` (exists, forall): E = or of the group's rows; the outcome is one value under E
  and another under not E.

Outcomes whose tag is the semiring zero are dropped; empty groups get the empty-set result.
"""
from __future__ import annotations

import numpy as np

from ._sets import exact_integers


def fold(prov, group, n_groups, values, tags, combine, identity, key=None):
    """Distribution of the per-group `combine`-fold of the values of the rows that hold
    (exact: in Python ints where int64 could overflow). Rows are folded in the order of
    `key` when given (a fold that is not commutative, as string_join's), else in the
    provenance's `fold_order`."""
    values = exact_integers(group, n_groups, np.asarray(values), combine)
    neg = prov.negate(tags)
    s_group = np.arange(n_groups, dtype=np.int64)
    s_value = np.full(n_groups, identity, dtype=np.result_type(values.dtype, type(identity)))
    s_tags = prov.ones(n_groups)
    rank = _rank_in_group(group, prov.fold_order(tags) if key is None else key)
    for r in range(int(rank.max()) + 1 if len(rank) else 0):
        rows = np.flatnonzero(rank == r)
        row_of = np.full(n_groups, -1, dtype=np.int64)
        row_of[group[rows]] = rows
        src = row_of[s_group]
        hit, miss = np.flatnonzero(src >= 0), np.flatnonzero(src < 0)
        src = src[hit]
        kept = prov.take(s_tags, hit)
        s_group, s_value, s_tags = _merge(
            prov,
            np.concatenate([s_group[miss], s_group[hit], s_group[hit]]),
            np.concatenate([s_value[miss], s_value[hit], combine(s_value[hit], values[src])]),
            prov.concat([prov.take(s_tags, miss), prov.conjoin(kept, prov.take(neg, src)),
                         prov.conjoin(kept, prov.take(tags, src))]),
        )
    return s_group, np.full(len(s_group), -1, dtype=np.int64), s_value, s_tags


def extremes(prov, group, values, tags, larger_wins):
    """Row i is an outcome with tag `t_i and not (or of strictly better rows of its group)`."""
    values = np.asarray(values)
    n = len(group)
    if n == 0:
        none = np.zeros(0, dtype=np.int64)
        return none, none, none, prov.ones(0)
    order, starts, level_of_row = _unique_pairs(group, values, descending=larger_wins)
    n_levels = len(starts)
    level_tags = prov.disjoin_groups(tags, level_of_row, n_levels)
    level_group = group[order[starts]]
    level_rank = _rank_in_group(level_group)  # levels come sorted best-first within a group
    # better[l] = or of the levels ranked above l in its group, built rank by rank
    by_rank, index_in_rank = [], np.zeros(n_levels, dtype=np.int64)
    for r in range(int(level_rank.max()) + 1):
        levels = np.flatnonzero(level_rank == r)
        index_in_rank[levels] = np.arange(len(levels))
        if r == 0:
            by_rank.append(prov.negate(prov.ones(len(levels))))
            continue
        above = index_in_rank[levels - 1]
        m = len(levels)
        by_rank.append(prov.disjoin_groups(
            prov.concat([prov.take(by_rank[r - 1], above), prov.take(level_tags, levels - 1)]),
            np.concatenate([np.arange(m), np.arange(m)]), m))
    position = np.concatenate([np.flatnonzero(level_rank == r) for r in range(len(by_rank))])
    better = prov.take(prov.concat(by_rank), np.argsort(position, kind="stable"))
    out_tags = prov.conjoin(tags, prov.negate(prov.take(better, level_of_row)))
    keep = np.flatnonzero(prov.nonzero(out_tags))
    return group[keep], keep.astype(np.int64), values[keep], prov.take(out_tags, keep)


def any_row(prov, group, n_groups, tags, if_some, if_none):
    """Per group: `if_some` under `E = or of its rows`, `if_none` under `not E`."""
    some = prov.disjoin_groups(tags, group, n_groups)
    groups = np.arange(n_groups, dtype=np.int64)
    out_tags = prov.concat([some, prov.negate(some)])
    out_value = np.repeat(np.array([if_some, if_none]), n_groups)
    keep = np.flatnonzero(prov.nonzero(out_tags))
    return (np.concatenate([groups, groups])[keep], np.full(len(keep), -1, dtype=np.int64),
            out_value[keep], prov.take(out_tags, keep))


def _merge(prov, group, value, tags):
    """Disjoin the tags of equal (group, value) states and drop states that became zero."""
    order, starts, inverse = _unique_pairs(group, value)
    first = order[starts]
    merged = prov.disjoin_groups(tags, inverse, len(starts))
    keep = np.flatnonzero(prov.nonzero(merged))
    return group[first][keep], value[first][keep], prov.take(merged, keep)


def _rank_in_group(group: np.ndarray, key=None) -> np.ndarray:
    """Position of each row among the rows of its group (by `key`, then row order)."""
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(group, kind="stable") if key is None else np.lexsort((key, group))
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    rank = np.empty(len(group), dtype=np.int64)
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(group)]))
    rank[order] = np.arange(len(group)) - run_start
    return rank


def _unique_pairs(group, value, descending=False):
    """Sort rows by (group, value) and number the distinct pairs.

    Returns (order, starts, inverse): `order` sorts the rows, `starts` are the positions in
    that order where a new pair begins, `inverse[i]` is row i's pair number."""
    n = len(group)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    code = np.unique(value, return_inverse=True)[1].reshape(-1)  # any sortable dtype
    order = np.lexsort((-code if descending else code, group))
    g, c = group[order], code[order]
    new = np.r_[True, (g[1:] != g[:-1]) | (c[1:] != c[:-1])]
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return order, np.flatnonzero(new), inverse
