"""Transitive closures answered by the provenance, for only the queried tuples.

A recursive stratum that is exactly `path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))`
(or its right-recursive twin, `path(a, c) and edge(c, b)`), whose relation no later rule
reads and whose every query binds both columns (`query path(0, 9)`), needs the tags of just
those tuples. A provenance that can find them directly from the edges (`best_first_closure`:
`topkproofs` searches for the most probable paths) is asked for them, and the fixpoint over
every pair is skipped. Otherwise, or when the provenance declines, the stratum runs as usual.
"""
from __future__ import annotations

import numpy as np

from .. import ir
from .table import Table


def run(executor, stratum: ir.Stratum) -> bool:
    """Answer `stratum` through the provenance when it is such a closure; False otherwise."""
    prov = executor.prov
    if not prov.best_first_closure or not stratum.recursive or stratum.aggregates:
        return False
    found = _closure(stratum)
    if found is None:
        return False
    path, edge = found
    pairs = _queried_pairs(executor.program, path)
    if pairs is None or _read_later(executor.program, stratum, path):
        return False
    store = executor.stores[path]
    if store.n:  # facts of `path` itself
        return False
    rel = executor.program.relations[path]
    codes = [executor.values.encode(t, [p[i] for p in pairs]) for i, t in enumerate(rel.types)]
    edges = executor.stores[edge].table()
    tags = prov.closure_tags((edges.columns[0], edges.columns[1], edges.tags),
                             list(zip(codes[0].tolist(), codes[1].tolist())))
    if tags is None:
        return False
    keep = np.flatnonzero(prov.nonzero(tags))
    store.merge(Table([c[keep] for c in codes], prov.take(tags, keep), len(keep)))
    return True


def answered(program: ir.Program) -> list[str]:
    """The relations `run` may answer through a `best_first_closure` provenance: such
    closures, queried with both columns bound and read by nothing else (whether `run` does
    also depends on the facts, known only at run time)."""
    found = []
    for stratum in program.strata:
        shape = _closure(stratum) if stratum.recursive and not stratum.aggregates else None
        if shape is not None and _queried_pairs(program, shape[0]) is not None and \
                not _read_later(program, stratum, shape[0]):
            found.append(shape[0])
    return found


def _closure(stratum: ir.Stratum):
    """(path, edge) when the stratum is the closure of `edge`, else None."""
    if len(stratum.relations) != 1 or len(stratum.rules) != 2:
        return None
    path = stratum.relations[0]
    base = [r for r in stratum.rules if len(r.body) == 1]
    step = [r for r in stratum.rules if len(r.body) == 2]
    if len(base) != 1 or len(step) != 1:
        return None
    (base,), (step,) = base, step
    if any(r.head != path or r.probability is not None or r.choice is not None
           for r in (base, step)):
        return None
    head = _vars(base.head_exprs)
    atom = base.body[0]
    if head is None or len(set(head)) != 2 or not _plain(atom) or _vars(atom.terms) != head:
        return None
    edge = atom.relation
    x, y = _vars(step.head_exprs) or (None, None)
    if x is None or x == y or not all(_plain(a) for a in step.body):
        return None
    by_relation = {a.relation: _vars(a.terms) for a in step.body}
    if set(by_relation) != {path, edge} or edge == path:
        return None
    (e1, e2), (p1, p2) = by_relation[edge], by_relation[path]
    z = e2 if e1 == x else e1
    left = e1 == x and p1 == e2 and p2 == y      # edge(x, z), path(z, y)
    right = p1 == x and e1 == p2 and e2 == y     # path(x, z), edge(z, y)
    if not (left or right) or z in (x, y):
        return None
    return path, edge


def _plain(atom) -> bool:
    return isinstance(atom, ir.AtomLit) and not atom.negated and _vars(atom.terms) is not None


def _vars(terms):
    """The variable names of `terms` when each is a plain variable (arity 2), else None."""
    if len(terms) != 2 or not all(isinstance(t, ir.VarRef) for t in terms):
        return None
    return tuple(t.name for t in terms)


def _queried_pairs(program: ir.Program, path: str):
    """The (a, b) values of every query of `path`, or None when one leaves a column open
    or the relation is an output without a query."""
    queries = [q for q in program.queries if q.relation == path]
    if not queries:
        return None
    pairs = []
    for q in queries:
        if q.pattern is None or not all(isinstance(c, ir.Const) for c in q.pattern):
            return None
        pairs.append(tuple(c.value for c in q.pattern))
    return list(dict.fromkeys(pairs))


def _read_later(program: ir.Program, stratum: ir.Stratum, path: str) -> bool:
    """True when a rule or aggregate outside the stratum reads `path`."""
    for other in program.strata:
        if other is stratum:
            continue
        for rule in other.rules:
            if any(getattr(a, "relation", None) == path for a in rule.body):
                return True
        if any(path in (agg.source, agg.where) for agg in other.aggregates):
            return True
    return False


def bounds(executor, program: ir.Program, path: str, out_of_time, building_over):
    """For a run whose budget ran out: the queried pairs of the closure `path` (code
    columns), with lower- and upper-bound tags from the provenance's bounded search
    (`closure_bounds`) over the edges; None when `path` is no such closure, its edges are
    derived (they may be incomplete), or the provenance has no bounded search. The search
    stops when `out_of_time()`, building the bounds' formulas when `building_over()`."""
    if path not in answered(program):
        return None
    stratum = next(s for s in program.strata if path in s.relations)
    edge = _closure(stratum)[1]
    if any(edge in s.relations and (s.rules or s.aggregates) for s in program.strata):
        return None
    rel = program.relations[path]
    pairs = _queried_pairs(program, path)
    codes = [executor.values.encode(t, [p[i] for p in pairs]) for i, t in enumerate(rel.types)]
    edges = executor.stores[edge].table()
    found = executor.prov.closure_bounds((edges.columns[0], edges.columns[1], edges.tags),
                                         list(zip(codes[0].tolist(), codes[1].tolist())),
                                         out_of_time, building_over)
    return None if found is None else (codes, *found)
