"""Aggregation: target(keys.., results..) from source(keys.., args.., values..).

Groups are the distinct keys of the source, the rows of the `where` relation when there is
one, or a single global group when there are no keys (so `count` of nothing is 0). Set
semantics: the source is a set of (keys, args, values) rows, so `sum[p](v: ...)` adds v once
per distinct (p, v). What to compute is the aggregator's (`nesy.aggregators`): its `sets`
under tagless provenances, its `worlds` (through `Provenance.aggregate`) under tagged ones.
The engine only groups the rows and builds the result columns the aggregator declares.
"""
from __future__ import annotations

import numpy as np

from .. import aggregators, ir
from ..errors import UsageError
from ..provenance import Provenance
from ..expr import in_range
from .table import Table, group_rows, joint_keys
from .values import ValueTable


def run(agg: ir.Aggregate, relations, stores, values: ValueTable, prov: Provenance,
        new_facts) -> Table:
    """`new_facts(probs, groups, rows)`: tags of the probabilistic facts an aggregator makes
    (normalize, softmax), `rows` describing each (the executor records them as input facts,
    so proofs show them and fact-table provenances count them)."""
    aggregator = aggregators.get(agg.aggregator)
    if aggregator is None:
        raise UsageError(f"aggregator '{agg.aggregator}' was unregistered after the program "
                         f"was compiled")
    aggregator = aggregator.configure(list(agg.params), dict(agg.named_params), agg.discrete)
    source = stores[agg.source].table()
    k = agg.n_keys
    group_keys, group, n_groups = _groups(agg, source, stores)
    rows = np.flatnonzero(group >= 0)  # rows outside every `where` group take no part
    group, tags = group[rows], source.tags
    if len(rows) < source.n and tags is not None:
        tags = prov.take(tags, rows)
    source_types = relations[agg.source].types
    if aggregator.reads_values and agg.n_values:
        decoded = values.decode(source_types[-1], source.columns[-1][rows])
    else:
        decoded = np.zeros(len(rows))

    def columns():  # decoded only for the aggregators that read them
        return [values.decode(t, c[rows]) for t, c in zip(source_types[k:], source.columns[k:])]

    batch = aggregators.Rows(group, n_groups, decoded, tags, agg.n_args, agg.n_values, columns,
                             lambda: _weights(prov, tags, len(rows)),
                             lambda probs, groups: _fresh_tags(probs, groups, new_facts, columns))
    out_group, out_row, out_value, tags = aggregator.evaluate(prov, batch)
    out_group, out_row = np.asarray(out_group, np.int64), np.asarray(out_row, np.int64)
    layout = aggregator.result_columns(agg.n_args, agg.n_values)
    if None in layout:  # the outcome's computed value is a result column
        value_type = relations[agg.target].types[k + layout.index(None)]
        computed = _typed(value_type, out_value)
        fits = in_range(value_type, computed)  # a result outside its type has no value
        if not fits.all():
            keep = np.flatnonzero(fits)
            out_group, out_row, computed = out_group[keep], out_row[keep], computed[keep]
            tags = None if tags is None else prov.take(tags, keep)
    columns = [g[out_group] for g in group_keys]
    for column in layout:  # the computed value, or a column copied from the outcome's row
        columns.append(values.encode(value_type, computed) if column is None
                       else source.columns[k + column][rows[out_row]])
    return Table(columns, tags, len(columns[0]) if columns else len(out_group))


def _weights(prov: Provenance, tags, n: int) -> np.ndarray:
    """Each row's tag as one number, as Scallop's `weight`: its probability under a
    probabilistic provenance (the first sample's, for batched tags), 1.0 otherwise."""
    if prov.tagless or not prov.probabilistic:
        return np.ones(n)
    out = prov.output(tags)
    return np.array([float(np.asarray(p.detach() if hasattr(p, "detach") else p).reshape(-1)[0])
                     for p in out], dtype=np.float64).reshape(n)


def _fresh_tags(probs: list, groups: np.ndarray, new_facts, columns):
    """Tags of facts an aggregator makes (normalize, softmax), one per aggregated row,
    described by the row's decoded columns."""
    rows = list(zip(*(c.tolist() for c in columns()))) or [()] * len(probs)
    return new_facts(probs, np.asarray(groups, dtype=np.int64), rows)


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
