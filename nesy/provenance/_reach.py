"""The formula of `path(s, t)` compiled edge by edge over the graph's frontier, not by fixpoint.

Under `path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))`, `path(s, t)` holds in a world
exactly when t is reachable from s over that world's edges (with s = t: over at least one
edge). Its formula is built the way network-reliability diagrams are (frontier-based
search): decide the arcs one at a time in a fixed order, and after each decision keep only
what the remaining arcs can still use, the reachability relation among the *frontier*
vertices (those with arcs both decided and undecided), transitively closed. Equal summaries
are merged, so the diagram has one node per distinct (arc, summary), however many paths or
cycles the graph has; its size grows with the frontier's width, not with the number of
paths or walks. The semiring fixpoint instead builds the formula of every demanded tuple
round after round, one round per path length (a 100-edge cyclic graph: 20 s, against 2 s
for ProbLog's SDD, which grounds the query alone with cycles broken).

Each decided arc becomes `ite(tag, present, absent)` over its tag, so the tags may be any
formulas (derived edges, annotated-disjunction literals): the composition is exact whatever
they are. The arc order comes from a greedy vertex order from s (`_order`). Where the frontier
is still too wide (MAX_SUMMARIES), a fixpoint over the query's relevant arcs alone answers.

Measured (pure Python summaries, probabilities only, against ProbLog's values to 1e-15): the
benchmark's 100-edge dense DAG 2,651 nodes in 0.26 s, the 200-edge layered DAG 2,863 nodes
in 0.5 s, the 50-edge cyclic graph 803 nodes in 0.09 s; the 100-edge cyclic graph's frontier
reaches 10 vertices and its summaries pass 50,000 at its 36th of 69 relevant arcs.
"""
from __future__ import annotations

MAX_SUMMARIES = 10_000  # past this many (arc, summary) nodes: the fixpoint instead


class _TooWide(Exception):
    """The frontier's summaries passed MAX_SUMMARIES."""


def reach_formula(arcs, s, t, manager, check=lambda: None):
    """The formula (in `manager`: `true`, `false`, `conj`, `disj`, `ite`, `arrange`,
    `maybe_reorder`) of "t is reachable
    from s over at least one arc" when each arc (a, b, tag) of `arcs` is present under its
    tag; `check()` is called now and then (it may raise to stop). When the frontier grows
    too wide (its summaries are relations, so they multiply quickly past about 8 vertices:
    the benchmark's 100-edge cyclic graph passes 50,000 at its 36th of 69 arcs), the
    formula comes from a fixpoint over the same relevant arcs instead."""
    ids: dict = {}
    for a, b, _ in arcs:
        ids.setdefault(a, len(ids))
        ids.setdefault(b, len(ids))
    if s not in ids:
        return manager.false
    sink = len(ids)  # t as the arcs into it see it, so that s = t needs an arc
    arcs = _relevant([(ids[a], sink if b == t else ids[b], tag) for a, b, tag in arcs
                      if tag != manager.false], ids[s], sink)
    if not arcs:
        return manager.false
    try:
        return _compile(arcs, ids[s], sink, manager, check)
    except _TooWide:
        return _fixpoint(arcs, ids[s], sink, manager, check)


def _compile(arcs, s, sink, manager, check):
    order = _order(arcs, s)
    layers = _layers([arcs[i][:2] for i in order], s, sink, check)
    manager.arrange([arcs[i][2] for i in order])
    # bottom-up: a summary's formula is ite(arc's tag, formula if present, formula if absent)
    below: dict = {}
    for depth in range(len(order) - 1, -1, -1):
        if depth & 63 == 0:
            check()
        tag = arcs[order[depth]][2]
        here = {}
        for summary, (lo, hi) in layers[depth].items():
            lo = _node(lo, below, manager)
            hi = _node(hi, below, manager)
            here[summary] = lo if lo == hi else manager.ite(tag, hi, lo)
        below = here
    return below[()]


def _fixpoint(arcs, s, sink, manager, check):
    """reach(v) = the disjunction over arcs (v, w) of tag and reach(w), reach(sink) = true,
    updated in place until no formula changes (canonical formulas: identity is equality)."""
    out: dict = {}
    for a, b, tag in arcs:
        out.setdefault(a, []).append((b, tag))
    reach = {sink: manager.true}
    changed = True
    while changed:
        check()
        changed = False
        for v, step in out.items():
            new = manager.false
            for w, tag in step:
                if w in reach:
                    new = manager.disj(new, manager.conj(tag, reach[w]))
            if new != reach.get(v, manager.false):
                reach[v] = new
                changed = True
            manager.maybe_reorder()  # it looks at the size now and then, and sifts early
    return reach.get(s, manager.false)


def _node(successor, below, manager):
    if successor is True:
        return manager.true
    if successor is False:
        return manager.false
    return below[successor]


def _relevant(arcs, s, sink):
    """The arcs on some walk from s to sink, less those into s (on no simple path)."""
    succ: dict = {}
    pred: dict = {}
    for a, b, _ in arcs:
        succ.setdefault(a, []).append(b)
        pred.setdefault(b, []).append(a)
    forward = _closure(succ, s)
    backward = _closure(pred, sink)
    return [(a, b, tag) for a, b, tag in arcs
            if a in forward and b in backward and b != s and a != sink]


def _closure(step: dict, start) -> set:
    seen, stack = {start}, [start]
    while stack:
        for b in step.get(stack.pop(), ()):
            if b not in seen:
                seen.add(b)
                stack.append(b)
    return seen


def _order(arcs, s) -> list[int]:
    """Arc indices: vertices placed greedily from s, each time the neighbour of the placed
    ones that leaves the fewest placed vertices with neighbours still unplaced (ties: the
    most placed neighbours, then the first met in `arcs`); each arc decided once both its
    ends are placed. On the benchmark's cyclic graphs this keeps the frontier at 10 vertices
    for 100 edges and 15 for 200, where breadth-first orders from s or t and a greedy order
    of arcs reach 12-13 and 19-23."""
    adj: dict = {}
    for a, b, _ in arcs:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)
    placed, sequence = {s}, [s]
    unplaced_next = {v: len(adj[v] - {s}) for v in adj}  # neighbours not placed yet
    open_ = {s} if unplaced_next[s] else set()
    candidates = set(adj[s])
    while len(placed) < len(adj):
        best, best_key = None, None
        for v in candidates or set(adj) - placed:
            closes = sum(1 for u in adj[v] if u in open_ and unplaced_next[u] == 1)
            key = (int(unplaced_next[v] > 0) - closes, -len(adj[v] & placed), v)
            if best_key is None or key < best_key:
                best, best_key = v, key
        v = best
        placed.add(v)
        sequence.append(v)
        candidates.discard(v)
        for u in adj[v]:
            unplaced_next[u] -= 1
            if unplaced_next[u] == 0:
                open_.discard(u)
            if u not in placed:
                candidates.add(u)
        if unplaced_next[v]:
            open_.add(v)
    position = {v: i for i, v in enumerate(sequence)}
    return sorted(range(len(arcs)), key=lambda i: (max(position[arcs[i][0]], position[arcs[i][1]]),
                                                    min(position[arcs[i][0]], position[arcs[i][1]])))


def _layers(arcs, s, sink, check):
    """For each depth, {summary: (successor if absent, successor if present)}, where a
    summary is a sorted tuple of (u, mask) rows, bit v of u's mask set when u reaches v over
    the decided arcs (closed, u and v on the frontier, s and sink always), and a successor
    is a summary, True (s reaches sink) or False (it no longer can). Raises _TooWide past
    MAX_SUMMARIES summaries."""
    out_left: dict = {}  # vertex -> undecided arcs leaving it, after each depth
    in_left: dict = {}
    for a, b in arcs:
        out_left[a] = out_left.get(a, 0) + 1
        in_left[b] = in_left.get(b, 0) + 1
    layers = []
    current = {()}
    total = 0
    for depth, (a, b) in enumerate(arcs):
        total += len(current)
        if total > MAX_SUMMARIES:
            raise _TooWide
        check()
        out_left[a] -= 1
        in_left[b] -= 1
        entered = sum(1 << v for v, k in in_left.items() if k)
        exited = sum(1 << v for v, k in out_left.items() if k)
        table = {}
        for summary in current:
            table[summary] = (_project(dict(summary), s, sink, entered, exited),
                              _project(_add(summary, a, b), s, sink, entered, exited))
        layers.append(table)
        current = {x for pair in table.values() for x in pair if x is not True and x is not False}
    return layers


def _add(summary, a, b) -> dict:
    """The rows with the arc a -> b present: whatever reaches a (and a) reaches b and what b
    reaches."""
    rows = dict(summary)
    after = rows.get(b, 0) | 1 << b
    for u, mask in summary:
        if mask >> a & 1:
            rows[u] = (mask | after) & ~(1 << u)
    rows[a] = (rows.get(a, 0) | after) & ~(1 << a)
    return rows


def _project(rows, s, sink, entered, exited):
    """The summary reduced to what undecided arcs can still use; True or False when decided.
    `entered` and `exited`: masks of the vertices with arcs still to come in, to go out.

    What s reaches (S) needs no row of its own (s's row has it all), nor a column in any
    row but s's (reaching it helps only once reached from s, and then s reaches it
    already); likewise what reaches sink (K) keeps only its pair with sink. Of S only the
    vertices with arcs still to go out matter, of K those with arcs still to come in. Of the
    other pairs (x, y), x must still be enterable (it has arcs to come in, or is reached
    from such a vertex) and y still able to leave (arcs to go out, or reaching such a
    vertex); vertices without arcs left drop out, the pairs through them being there
    already as the relation is transitively closed."""
    reached = rows.get(s, 0)
    if reached >> sink & 1:
        return True
    reaching = [u for u, mask in rows.items() if mask >> sink & 1]
    reaching_mask = sum(1 << u for u in reaching)
    if not (reached | 1 << s) & exited or not (reaching_mask | 1 << sink) & entered:
        return False
    ends = reached | reaching_mask | 1 << s | 1 << sink
    middle = [(u, mask & ~ends) for u, mask in rows.items() if not ends >> u & 1]
    enterable, leavable = entered, exited
    for u, mask in middle:
        if entered >> u & 1:
            enterable |= mask
        if mask & exited:
            leavable |= 1 << u
    out = [(u, 1 << sink) for u in reaching if entered >> u & 1]
    if reached & exited:
        out.append((s, reached & exited))
    out += [(u, mask & leavable) for u, mask in middle
            if enterable >> u & 1 and mask & leavable]
    return tuple(sorted(out))
