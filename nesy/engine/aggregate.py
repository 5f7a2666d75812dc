"""Aggregation: target(keys.., results..) from source(keys.., args.., values..).

Groups are the distinct keys of the source, the rows of the `where` relation when there is
one, or a single global group when there are no keys (so `count` of nothing is 0). Set
semantics: the source is a set of (keys, args, values) rows, so `sum[p](v: ...)` adds v once
per distinct (p, v). Tagless provenances are aggregated here with numpy; provenances with
tags aggregate over possible worlds through `Provenance.aggregate`.
"""
from __future__ import annotations

import numpy as np

from .. import ir
from ..provenance import Provenance
from ..expr import in_range
from .table import Table, group_rows, joint_keys
from .values import ValueTable

EMPTY_RESULT = {"count": 0, "sum": 0, "prod": 1, "exists": False, "forall": True}


def run(agg: ir.Aggregate, relations, stores, values: ValueTable, prov: Provenance) -> Table:
    source = stores[agg.source].table()
    src_types = relations[agg.source].types
    target_types = relations[agg.target].types
    k = agg.n_keys
    group_keys, group, n_groups = _groups(agg, source, stores)
    value_type = src_types[-1] if agg.n_values else None
    decoded = values.decode(value_type, source.columns[-1]) if value_type is not None and \
        agg.aggregator not in ("count", "exists", "forall") else np.zeros(source.n)
    if prov.tagless:
        out_group, out_row, out_value = _tagless(agg.aggregator, group, n_groups, decoded)
        tags = None
    else:
        out_group, out_row, out_value, tags = prov.aggregate(
            agg.aggregator, group, n_groups, decoded, source.tags)
        out_group, out_row = np.asarray(out_group, np.int64), np.asarray(out_row, np.int64)
    columns = [g[out_group] for g in group_keys]
    if agg.aggregator in ("min", "max", "argmin", "argmax"):
        for i in range(agg.n_args):
            columns.append(source.columns[k + i][out_row])
        if agg.aggregator in ("min", "max"):
            columns.append(source.columns[-1][out_row])
    else:
        result_type = target_types[k]
        result = _typed(result_type, out_value)
        if result_type.is_integer:  # a sum or product outside its type has no value
            fits = in_range(result_type, result)
            if not fits.all():
                keep = np.flatnonzero(fits)
                columns = [c[keep] for c in columns]
                result = result[keep]
                tags = None if tags is None else prov.take(tags, keep)
        columns.append(values.encode(result_type, result))
    return Table(columns, tags, len(columns[0]) if columns else len(out_group))


def _typed(vtype, out_value) -> np.ndarray:
    if vtype.name == "bool":
        return np.asarray(out_value, dtype=bool).astype(np.int64)
    if vtype.is_float:
        return np.asarray(out_value, dtype=np.float64)
    return np.asarray(out_value, dtype=object if np.asarray(out_value).dtype == object else None)


def _groups(agg: ir.Aggregate, source: Table, stores):
    """(key columns per group, group id per source row, number of groups); rows outside
    every group get id -1."""
    k = agg.n_keys
    if k == 0:
        return [], np.zeros(source.n, dtype=np.int64), 1
    src_keys = source.columns[:k]
    if agg.where is None:
        keys = joint_keys([src_keys], [source.n])[0]
        first, inverse = group_rows(keys)
        return [c[first] for c in src_keys], inverse.astype(np.int64), len(first)
    where = stores[agg.where].table()
    kw, ks = joint_keys([where.columns, src_keys], [where.n, source.n])
    first, _ = group_rows(kw)
    uniq = kw[first]
    pos = np.searchsorted(uniq, ks)
    hit = pos < len(uniq)
    hit[hit] = uniq[pos[hit]] == ks[hit]
    group = np.where(hit, pos, -1).astype(np.int64)
    return [c[first] for c in where.columns], group, len(first)


def _tagless(kind: str, group: np.ndarray, n_groups: int, values: np.ndarray):
    """Set-semantics aggregation: (group per output row, source row or -1, value)."""
    inside = group >= 0
    rows = np.flatnonzero(inside)
    g = group[rows]
    counts = np.bincount(g, minlength=n_groups)
    all_groups = np.arange(n_groups, dtype=np.int64)
    none = -np.ones(n_groups, dtype=np.int64)
    if kind == "count":
        return all_groups, none, counts
    if kind in ("exists", "forall"):
        present = counts > 0
        return all_groups, none, present if kind == "exists" else ~present
    if kind in ("sum", "prod"):
        return all_groups, none, _fold(kind, g, n_groups, values[rows])
    # min, max, argmin, argmax: every row attaining the extreme of its (non-empty) group
    v = values[rows]
    order = np.lexsort((v, g))
    sorted_g, sorted_v = g[order], v[order]
    starts = np.searchsorted(sorted_g, all_groups, side="left")
    ends = np.searchsorted(sorted_g, all_groups, side="right")
    nonempty = ends > starts
    pick = starts if kind in ("min", "argmin") else ends - 1
    extreme = np.empty(n_groups, dtype=v.dtype)
    extreme[nonempty] = sorted_v[pick[nonempty]]
    keep = np.flatnonzero(nonempty[g] & (v == extreme[np.where(nonempty[g], g, 0)]))
    return g[keep], rows[keep], v[keep]


def _fold(kind: str, g: np.ndarray, n_groups: int, v: np.ndarray) -> np.ndarray:
    """Exact per-group sums/products (Python ints where int64 could overflow)."""
    if v.dtype.kind == "f":
        if kind == "sum":
            return np.bincount(g, weights=v, minlength=n_groups)
        out = np.ones(n_groups)
        np.multiply.at(out, g, v)
        return out
    bound = int(np.abs(v).max(initial=0))
    if kind == "sum" and bound * max(len(v), 1) < 2**62:  # no int64 overflow is possible
        out = np.zeros(n_groups, dtype=np.int64)
        np.add.at(out, g, v)
        return out
    out = np.array([EMPTY_RESULT[kind]] * n_groups, dtype=object)
    for gi, x in zip(g.tolist(), v.tolist()):
        out[gi] = out[gi] + x if kind == "sum" else out[gi] * x
    return out
