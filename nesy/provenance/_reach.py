"""The formula of `path(s, t)` compiled by vertex elimination over the query's relevant arcs.

Under `path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))`, `path(s, t)` holds in a world
exactly when t is reachable from s over that world's edges (with s = t: over at least one
edge). Its formula is the disjunction of the walks from s to t, and Kleene's elimination
(the algebraic-path form of Gauss-Jordan) builds it without listing walks or paths: keep
r(u, w), the formula of the walks from u to w through eliminated vertices only, and
eliminate the other vertices one by one, each adding r(u, v) and r(v, w) to r(u, w) for the
u entering v and the w leaving it. A cycle through v adds nothing (a walk around it
contains the walk without it), so each step is |in| x |out| conjunctions and disjunctions,
and a min-fill order keeps those sets small: the number of operations follows the graph's
treewidth. The size of the formulas depends on the diagram's variable order instead; the
arcs' variables are put in the order of a narrow vertex layout from s (`_order`), where the
answer's diagram stays small.

Any formulas will do as the arcs' tags (derived edges, annotated-disjunction literals): the
elimination only conjoins and disjoins them. Measured (CUDD, against ProbLog's values to
1e-15; 2 December 2026, shared 2-core machine): the benchmark's 100-edge cyclic graph (69
relevant arcs, min-fill width 8) 2,417 nodes in 0.12 s, the 40-person smokers network (109
relevant arcs) 28,960 nodes in 0.9 s. This replaces two earlier routes: a frontier-based
diagram (one node per distinct reachability relation among the frontier vertices, which
passed 50,000 relations on that cyclic graph though its diagram has 2,417 nodes) and, past
that, a fixpoint over walks (13.9 s on that cyclic graph, 17.7 s to over 60 s on the smokers
network). The 200-edge cyclic graph (132 relevant arcs, min-fill width 13) is still out of
reach: with 7 of its 63 vertices left, the formulas hold over a million nodes.
"""
from __future__ import annotations

from ..graphs import reachable


#: At most this many relevant arcs keep the variable order they have: a diagram over k
#: variables has fewer than 2^k nodes in any order, while moving k variables into place
#: swaps them through every level between (CUDD's shuffle): on the benchmark's 200-edge DAG,
#: whose query has 3 relevant arcs among 200 facts, 0.25-0.6 ms of a 2.6 ms run.
ARRANGE_ABOVE = 8


def reach_formula(arcs, s, t, manager, check=lambda: None):
    """The formula (in `manager`: `true`, `false`, `conj`, `disj`, `arrange`) of "t is
    reachable from s over at least one arc" when each arc (a, b, tag) of `arcs` is present
    under its tag; `check()` is called before each operation (it may raise to stop)."""
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
    return _eliminate(arcs, ids[s], sink, manager, check)


def _eliminate(arcs, s, sink, manager, check):
    """The formula by vertex elimination (Kleene's, as in Gauss-Jordan): r(u, w) is the
    disjunction of the walks from u to w through eliminated vertices only, one arc at the
    start; eliminating v adds r(u, v) and r(v, w) to r(u, w) for each u into v and w out of
    it (a cycle through v adds nothing: its walks contain the walk without it). Once every
    vertex but s and sink is eliminated, r(s, sink) is the answer. The vertices go in
    min-fill order (`_min_fill`), so each step joins few formulas, and the variables in the
    frontier order of `_order` (`manager.arrange`; past ARRANGE_ABOVE arcs), in which the
    answer's diagram is small: measured on the benchmark's 100-edge cyclic graph (69
    relevant arcs), 2,417 nodes and 0.12 s, against 11,471 nodes with the arcs ordered by
    elimination, and 13.9 s for the fixpoint over walks this replaces."""
    if len(arcs) > ARRANGE_ABOVE:
        manager.arrange([arcs[i][2] for i in _order(arcs, s)])
    r: dict = {}
    out: dict = {}
    into: dict = {}
    for a, b, tag in arcs:
        r[a, b] = manager.disj(r.get((a, b), manager.false), tag)
        out.setdefault(a, set()).add(b)
        into.setdefault(b, set()).add(a)
    for v in _min_fill(arcs, (s, sink), check):
        ahead = out.pop(v, set()) - {v}
        for u in into.pop(v, set()) - {v}:
            first = r.pop((u, v))
            out[u].discard(v)
            for w in ahead - {u}:
                check()  # one vertex's step can take seconds on wide graphs
                r[u, w] = manager.disj(r.get((u, w), manager.false), manager.conj(first, r[v, w]))
                out[u].add(w)
                into[w].add(u)
        for w in ahead:
            del r[v, w]
            into[w].discard(v)
        r.pop((v, v), None)
    return r.get((s, sink), manager.false)


def _min_fill(arcs, keep, check) -> list:
    """The vertices other than `keep`, each next the one whose elimination joins the fewest
    pairs of its neighbours not yet adjacent (ties: fewest neighbours, then first met), over
    the undirected graph of `arcs` with the fill-in edges added as it goes. Only the
    eliminated vertex's neighbours have their scores counted again (vertices two steps away
    can change too; counting theirs gave orders as wide, give or take one vertex, on the
    benchmark's graphs, in 20-35% more time on the 1,000-edge ones)."""
    adj: dict = {}
    for a, b, _ in arcs:
        if a != b:
            adj.setdefault(a, set()).add(b)
            adj.setdefault(b, set()).add(a)
    rank = {v: i for i, v in enumerate(adj)}

    def fill(v):
        near = adj[v]
        return (len(near) * (len(near) - 1) - sum(len(adj[x] & near) for x in near)) // 2

    score = {v: fill(v) for v in adj if v not in keep}
    order = []
    while score:
        check()
        v = min(score, key=lambda u: (score[u], len(adj[u]), rank[u]))
        near = adj.pop(v)
        del score[v]
        for x in near:
            adj[x].discard(v)
            adj[x] |= near - {x}
        for x in near:
            if x in score:
                score[x] = fill(x)
        order.append(v)
    return order


def _relevant(arcs, s, sink):
    """The arcs on some walk from s to sink, less those into s (on no simple path)."""
    succ: dict = {}
    pred: dict = {}
    for a, b, _ in arcs:
        succ.setdefault(a, []).append(b)
        pred.setdefault(b, []).append(a)
    forward = reachable(succ, s)
    backward = reachable(pred, sink)
    return [(a, b, tag) for a, b, tag in arcs
            if a in forward and b in backward and b != s and a != sink]


def _order(arcs, s) -> list[int]:
    """Arc indices in the diagram's variable order: vertices placed greedily from s, each
    time the neighbour of the placed ones that leaves the fewest placed vertices with
    neighbours still unplaced (ties: the most placed neighbours, then the first met in
    `arcs`); each arc placed once both its ends are. A diagram deciding the arcs in this
    order only needs to tell apart what the placed arcs make reachable among the frontier
    (placed vertices with neighbours unplaced), so a narrow frontier keeps it small. On the
    benchmark's cyclic graphs the frontier peaks at 9 vertices for 100 edges and 16 for 200,
    against 15 and 27 for reverse Cuthill-McKee, 12 and 24 for the Fiedler vector's order
    and 18 and 31 for the reversed min-fill order."""
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
    ends = [sorted((position[a], position[b]), reverse=True) for a, b, _ in arcs]
    return sorted(range(len(arcs)), key=ends.__getitem__)
