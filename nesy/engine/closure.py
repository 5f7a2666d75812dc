"""Transitive closures answered by the provenance, for only the queried tuples.

Two shapes of recursive stratum are reachability, and need the tags of just the queried
tuples when the relation is read by no later rule and every query binds all its columns:

- the closure of a graph, `path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))` (or its
  right-recursive twin, `path(a, c) and edge(c, b)`), queried as `query path(0, 9)`:
  `path(s, t)` is "t reachable from s over at least one edge";
- reachability from seeds, `smokes(x) = stress(x) or (influences(y, x) and smokes(y))` (or
  with `influences(x, y)`: the arcs then run from the second column to the first), queried
  as `query smokes(0)` (ProbLog's smokers): `smokes(t)` holds exactly when t is reachable from
  a virtual source v over the arcs v -> y tagged `stress(y)` and the influence arcs, so it is
  asked as `path(v, t)` of that graph.

A provenance that can find such tags directly from the arcs (`best_first_closure`:
`exact` compiles the query's formula by vertex elimination, `topkproofs` searches for
the most probable paths) is asked for them, and the fixpoint over every tuple is skipped.
Otherwise, or when the provenance declines, the stratum runs as usual.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import ir
from .table import Table


class _Shape(NamedTuple):
    path: str                  # the recursive relation
    edge: str                  # the binary relation of the arcs
    seed: str | None = None    # the unary relation of the seeds (reachability from seeds)
    flip: bool = False         # arcs run from the edge's second column to its first


def run(executor, stratum: ir.Stratum) -> bool:
    """Answer `stratum` through the provenance when it is such a closure; False otherwise."""
    prov = executor.prov
    if not prov.best_first_closure or not stratum.recursive or stratum.aggregates:
        return False
    shape = _closure(stratum)
    if shape is None:
        return False
    if _queried(executor.program, shape.path) is None or \
            _read_later(executor.program, stratum, shape.path):
        return False
    store = executor.stores[shape.path]
    if store.n:  # facts of `path` itself
        return False
    codes, arcs, pairs = _graph(executor, executor.program, shape)
    tags = prov.closure_tags(arcs, pairs)
    if tags is None:
        return False
    keep = np.flatnonzero(prov.nonzero(tags))
    store.merge(Table([c[keep] for c in codes], prov.take(tags, keep), len(keep)))
    return True


def answered(program: ir.Program) -> list[str]:
    """The relations `run` may answer through a `best_first_closure` provenance: such
    closures, queried with every column bound and read by nothing else (whether `run` does
    also depends on the facts, known only at run time)."""
    found = []
    for stratum in program.strata:
        shape = _closure(stratum) if stratum.recursive and not stratum.aggregates else None
        if shape is not None and _queried(program, shape.path) is not None and \
                not _read_later(program, stratum, shape.path):
            found.append(shape.path)
    return found


def _graph(executor, program: ir.Program, shape: _Shape):
    """(the queried tuples as code columns, the arcs as (sources, targets, tags), the (s, t)
    code pair asked of the provenance for each queried tuple)."""
    rel = program.relations[shape.path]
    tuples = _queried(program, shape.path)
    codes = [executor.values.encode(t, [row[i] for row in tuples]) for i, t in enumerate(rel.types)]
    edges = executor.stores[shape.edge].table()
    sources, targets = edges.columns[1::-1] if shape.flip else edges.columns[:2]
    if shape.seed is None:
        return codes, (sources, targets, edges.tags), list(zip(*(c.tolist() for c in codes)))
    seeds = executor.stores[shape.seed].table()
    taken = [c for c in (sources, targets, seeds.columns[0], codes[0]) if len(c)]
    virtual = min(int(c.min()) for c in taken) - 1 if taken else -1  # no vertex's code
    arcs = (np.concatenate([np.full(seeds.n, virtual, dtype=np.int64), sources]),
            np.concatenate([seeds.columns[0], targets]),
            executor.prov.concat([seeds.tags, edges.tags]))
    return codes, arcs, [(virtual, t) for t in codes[0].tolist()]


def _closure(stratum: ir.Stratum) -> _Shape | None:
    """The stratum's shape when it is one of the two reachability shapes, else None."""
    if len(stratum.relations) != 1 or len(stratum.rules) != 2:
        return None
    path = stratum.relations[0]
    base = [r for r in stratum.rules if len(r.body) == 1]
    step = [r for r in stratum.rules if len(r.body) == 2]
    if len(base) != 1 or len(step) != 1:
        return None
    (base,), (step,) = base, step
    if any(r.head != path or r.probability is not None or r.choice is not None
           or r.disjunctive is not None for r in (base, step)):
        return None
    head, atom = _vars(base.head_exprs), base.body[0]
    if head is None or len(set(head)) != len(head) or not _plain(atom) or \
            _vars(atom.terms) != head or atom.relation == path:
        return None
    if not all(_plain(a) for a in step.body) or _vars(step.head_exprs) is None:
        return None
    by_relation = {a.relation: _vars(a.terms) for a in step.body}
    if path not in by_relation or len(by_relation) != 2:
        return None
    (edge,) = set(by_relation) - {path}
    if len(head) == 1:
        return _from_seeds(path, edge, atom.relation, step, by_relation)
    if len(head) == 2 and atom.relation == edge:
        return _pairs(path, edge, step, by_relation)
    return None


def _pairs(path, edge, step, by_relation) -> _Shape | None:
    """path(x, y) = edge(x, z) and path(z, y), or path(x, z) and edge(z, y)."""
    (x, y), (e1, e2), (p1, p2) = _vars(step.head_exprs), by_relation[edge], by_relation[path]
    z = e2 if e1 == x else e1
    left = e1 == x and p1 == e2 and p2 == y      # edge(x, z), path(z, y)
    right = p1 == x and e1 == p2 and e2 == y     # path(x, z), edge(z, y)
    if x == y or not (left or right) or z in (x, y):
        return None
    return _Shape(path, edge)


def _from_seeds(path, edge, seed, step, by_relation) -> _Shape | None:
    """path(x) = edge(y, x) and path(y) (arcs y -> x), or edge(x, y) and path(y) (flipped)."""
    (x,), (y,), ends = _vars(step.head_exprs), by_relation[path], by_relation[edge]
    if len(ends) != 2 or x == y or seed == edge or set(ends) != {x, y}:
        return None
    return _Shape(path, edge, seed, flip=ends == (x, y))


def _plain(atom) -> bool:
    return isinstance(atom, ir.AtomLit) and not atom.negated and _vars(atom.terms) is not None


def _vars(terms):
    """The variable names of `terms` when each is a plain variable, else None."""
    if not terms or not all(isinstance(t, ir.VarRef) for t in terms):
        return None
    return tuple(t.name for t in terms)


def _queried(program: ir.Program, path: str):
    """The values of every query of `path` (one tuple each), or None when one leaves a
    column open or the relation is an output without a query."""
    queries = [q for q in program.queries if q.relation == path]
    if not queries:
        return None
    tuples = []
    for q in queries:
        if q.pattern is None or not all(isinstance(c, ir.Const) for c in q.pattern):
            return None
        tuples.append(tuple(c.value for c in q.pattern))
    return list(dict.fromkeys(tuples))


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
    """For a run whose budget ran out: the queried tuples of the closure `path` (code
    columns), with lower- and upper-bound tags from the provenance's bounded search
    (`closure_bounds`) over the arcs; None when `path` is no such closure, its edges or
    seeds are derived (they may be incomplete), or the provenance has no bounded search.
    The search stops when `out_of_time()`, building the bounds' formulas when
    `building_over()`."""
    if path not in answered(program):
        return None
    shape = _closure(next(s for s in program.strata if path in s.relations))
    inputs = {shape.edge, shape.seed} - {None}
    if any(set(s.relations) & inputs and (s.rules or s.aggregates) for s in program.strata):
        return None
    codes, arcs, pairs = _graph(executor, program, shape)
    found = executor.prov.closure_bounds(arcs, pairs, out_of_time, building_over)
    return None if found is None else (codes, *found)
