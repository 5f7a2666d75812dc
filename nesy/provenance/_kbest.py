"""The k most probable proofs of reachability, found best-first instead of by truncation.

The proofs of `path(s, t)` under `path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))`
are the simple paths from s to t (a walk's edge set contains a simple path's, so it is
absorbed; a simple path's edges contain no other s-t path). When each edge's proofs are
independent positive facts, a path's probability is the product of its edges', so the k
most probable proofs are the k shortest simple paths under the weight -log p.

They are enumerated by A* over partial simple paths, with the exact distance to t (one
Dijkstra over the reversed graph) as the heuristic. The heuristic ignores simplicity, so it
never overestimates, and complete paths leave the queue in order of probability; each
partial path is extended only while it can still beat the k-th proof, so the work is about
k times the length of a path times the fan-out, whatever the size of the graph.
"""
from __future__ import annotations

import heapq
import math

INF = math.inf
UNCUT = 1e300  # the capacity of an arc no cut may take (`cuts`)


def reverse_distances(arcs_into: dict, target) -> dict:
    """Dijkstra from `target` over reversed arcs: node -> least -log P of a path to target."""
    dist = {target: 0.0}
    queue = [(0.0, 0, target)]
    tie = 1
    while queue:
        d, _, v = heapq.heappop(queue)
        if d > dist.get(v, INF):
            continue
        for u, w, _ in arcs_into.get(v, ()):
            nd = d + w
            if nd < dist.get(u, INF):
                dist[u] = nd
                heapq.heappush(queue, (nd, tie, u))
                tie += 1
    return dist


def best_paths(arcs_from: dict, arcs_into: dict, source, target):
    """Yield the simple paths from `source` to `target` (a cycle when they are equal) in
    order of decreasing probability, as (-log P, the frozenset union of the arcs' literals).
    An arc is (next node, -log p, literals); the caller stops when it has enough."""
    h = reverse_distances(arcs_into, target)
    if source not in h and source != target:
        return
    # a partial path: (g + h, tie, g, arcs taken, node, nodes visited, literals so far);
    # the target is never marked visited, since reaching it ends the path
    queue = [(h.get(source, 0.0), 0, 0.0, 0, source, frozenset(), frozenset())]
    tie = 1
    while queue:
        _, _, g, steps, v, visited, lits = heapq.heappop(queue)
        if v == target and steps:
            yield g, lits
            continue
        if v != target:
            visited = visited | {v}
        for w, weight, arc_lits in arcs_from.get(v, ()):
            if w in visited or w not in h:
                continue
            ng = g + weight
            heapq.heappush(queue, (ng + h[w], tie, ng, steps + 1, w, visited, lits | arc_lits))
            tie += 1


def bounded_paths(arcs_from: dict, arcs_into: dict, source, target, conj, true, out_of_time):
    """ProbLog's anytime bounds for reachability, best-first: the most probable partial
    simple paths from `source` are extended (A*, as in `best_paths`) until none is left or
    `out_of_time()` says so. Returns (complete, frontier): the formulas of the complete paths
    to `target` found, and of the partial paths still waiting. Every simple path to target
    extends a complete or a waiting one, so the disjunction of `complete` is a lower bound
    of the reachability formula and that of both lists an upper bound (equal when `frontier`
    is empty). An arc is (next node, -log p, formula); `conj` joins formulas, `true` is the
    empty path's."""
    h = reverse_distances(arcs_into, target)
    complete: list = []
    if source not in h and source != target:
        return complete, []
    queue = [(h.get(source, 0.0), 0, 0.0, 0, source, frozenset(), true)]
    tie = 1
    while queue and not out_of_time():
        _, _, g, steps, v, visited, formula = heapq.heappop(queue)
        if v == target and steps:
            complete.append(formula)
            continue
        if v != target:
            visited = visited | {v}
        for w, weight, arc in arcs_from.get(v, ()):
            if w in visited or w not in h:
                continue
            ng = g + weight
            heapq.heappush(queue, (ng + h[w], tie, ng, steps + 1, w, visited, conj(formula, arc)))
            tie += 1
    return complete, [entry[-1] for entry in queue]


def cuts(arcs_from: dict, source, target, most: int = 16):
    """Up to `most` arc-disjoint source-target cuts, each the formulas of its arcs; None
    when source is target. Every path to target crosses every cut, so the conjunction of the
    cuts' disjunctions is an upper bound of reachability whatever the formulas are; for
    independent arcs its probability is the product of the cuts' 1 - prod(1 - p). Each cut
    is a minimum one, an arc of probability p weighing -log(1 - p) (the tightest single-cut
    bound for independent arcs), among the arcs no earlier cut took. It needs no search: with
    little time left, it is the upper bound where disjoining the search's partial paths would
    not finish. An arc is (next node, -log p, formula), as in `bounded_paths`; one empty cut
    when target is unreachable."""
    import networkx as nx

    if source == target:
        return None
    graph = nx.DiGraph()
    graph.add_nodes_from([source, target])
    formulas: dict = {}
    for a, arcs in arcs_from.items():
        for b, weight, formula in arcs:
            absent = -math.expm1(-weight)  # 1 - p
            capacity = -math.log(absent) if absent > 0.0 else UNCUT
            if graph.has_edge(a, b):
                graph[a][b]["capacity"] += capacity
            else:
                graph.add_edge(a, b, capacity=capacity)
            formulas.setdefault((a, b), []).append(formula)
    found = []
    while len(found) < most:
        value, (near, _) = nx.minimum_cut(graph, source, target)
        if value >= UNCUT:  # every cut left holds an arc taken already
            break
        across = [(a, b) for a, b in formulas if a in near and b not in near]
        found.append([f for arc in across for f in formulas[arc]])
        for a, b in across:
            graph[a][b]["capacity"] = UNCUT
        if not across:
            break
    return found
