"""Recursion: transitive closure iterated to a fixpoint with the engine's stopping rule (no
row `changed`), on random cyclic graphs with independent and mutually exclusive edges."""
from __future__ import annotations

import numpy as np
import pytest

from nesy.provenance import InputFacts, make

from .programs import facts_to_problog, problog, random_facts

N_NODES = 4


def random_graph(rng, n_edges=7, disjunctions=True):
    """Edges as (source, target) rows with probabilities and `;` groups."""
    probs, groups = random_facts(rng, n_edges, disjunctions=disjunctions)
    src = rng.integers(0, N_NODES, n_edges)
    dst = rng.integers(0, N_NODES, n_edges)
    for g in set(groups.tolist()) - {-1}:  # a `;` set shares its source, like next(x, y)
        src[groups == g] = src[groups == g][0]
    keep = _first_occurrences(src * N_NODES + dst)
    return probs, groups, src, dst, keep


def _first_occurrences(keys):
    _, first = np.unique(keys, return_index=True)
    return np.sort(first)


def closure(prov, probs, groups, src, dst, max_rounds=500):
    """path(a, c) = edge(a, c) or (path(a, b) and edge(b, c)), one dense row per (a, c).
    Returns the path tags and the number of rounds until no tag changed."""
    edges = prov.input_tags(InputFacts(list(probs), groups))
    pair = src * N_NODES + dst
    a, e = np.meshgrid(np.arange(N_NODES), np.arange(len(src)), indexing="ij")
    a, e = a.ravel(), e.ravel()
    path = prov.disjoin_groups(edges, pair, N_NODES ** 2)
    for rounds in range(1, max_rounds + 1):
        derived = prov.conjoin(prov.take(path, a * N_NODES + src[e]), prov.take(edges, e))
        new = prov.disjoin_groups(prov.concat([edges, derived]),
                                  np.concatenate([pair, a * N_NODES + dst[e]]), N_NODES ** 2)
        if not prov.changed(path, new).any():
            return new, rounds
        path = new
    raise AssertionError("no fixpoint")


def problog_paths(probs, groups, src, dst):
    text = "\n".join(facts_to_problog(probs, groups, atom="e({})"))
    text += "\n" + "\n".join(f"edge({s}, {d}) :- e({i})." for i, (s, d) in enumerate(zip(src, dst)))
    text += "\npath(A, C) :- edge(A, C).\npath(A, C) :- path(A, B), edge(B, C)."
    answers = problog(text, ["path(A, C)"])
    return [answers.get(f"path({a},{c})", 0.0) for a in range(N_NODES) for c in range(N_NODES)]


def widest_paths(probs, src, dst):
    """The minmax oracle: best over paths of the weakest edge (Floyd-Warshall)."""
    w = np.zeros((N_NODES, N_NODES))
    for p, s, d in zip(probs, src, dst):
        w[s, d] = max(w[s, d], 1.0 if p is None else p)
    for b in range(N_NODES):
        w = np.maximum(w, np.minimum(w[:, [b]], w[[b], :]))
    return w.ravel().tolist()


def graph(seed, disjunctions=True):
    probs, groups, src, dst, keep = random_graph(np.random.default_rng(seed), disjunctions=disjunctions)
    return [probs[i] for i in keep], groups[keep], src[keep], dst[keep]


@pytest.mark.parametrize("name,k", [("exact", None), ("topkproofs", 10_000)])
@pytest.mark.parametrize("seed", range(12))
def test_recursive_closure_equals_problog(name, k, seed):
    """Top-k on graphs without `;` sets (it counts their members as independent, as Scallop)."""
    probs, groups, src, dst = graph(seed, disjunctions=name == "exact")
    prov = make(name, k)
    path, _ = closure(prov, probs, groups, src, dst)
    assert [float(p) for p in prov.output(path)] == pytest.approx(
        problog_paths(probs, groups, src, dst), abs=1e-9)


@pytest.mark.parametrize("seed", range(12))
def test_minmaxprob_closure_is_the_widest_path(seed):
    probs, groups, src, dst = graph(seed)
    prov = make("minmaxprob")
    path, _ = closure(prov, probs, groups, src, dst)
    assert prov.output(path) == pytest.approx(widest_paths(probs, src, dst), abs=1e-12)


@pytest.mark.parametrize("name,k", [("topkproofs", 1), ("topkproofs", 2), ("addmultprob", None),
                                    ("diffaddmultprob", None), ("proofs", None)])
@pytest.mark.parametrize("seed", range(12))
def test_recursion_over_cycles_terminates(name, k, seed):
    """Approximate provenances saturate too: top-k tags only improve, add-mult values
    stop moving (within the provenance's tolerance) or reach 1."""
    probs, groups, src, dst = graph(seed)
    _, rounds = closure(make(name, k), probs, groups, src, dst)
    assert rounds < 500


@pytest.mark.parametrize("seed", range(4))
def test_topkproofs_keeps_exactly_the_k_most_probable_paths(seed):
    """On a random DAG with independent edges the proofs of path(a, c) are the simple paths'
    edge sets: the kept ones must be the k most probable of them (brute force over all simple
    paths by networkx), and the output a lower bound of ProbLog's probability."""
    import networkx as nx

    rng = np.random.default_rng(seed)
    pairs = [(s, d) for s in range(N_NODES) for d in range(s + 1, N_NODES)]
    chosen = sorted(rng.choice(len(pairs), size=5, replace=False).tolist())
    src = np.array([pairs[i][0] for i in chosen])
    dst = np.array([pairs[i][1] for i in chosen])
    probs = rng.uniform(0.1, 0.9, len(src)).round(6).tolist()
    k = 2
    prov = make("topkproofs", k)
    tags, _ = closure(prov, probs, -np.ones(len(src), dtype=np.int64), src, dst)
    g = nx.DiGraph()
    for i, (s, d) in enumerate(zip(src.tolist(), dst.tolist())):
        g.add_edge(s, d, id=i)
    for a in range(N_NODES):
        for c in range(N_NODES):
            proofs = []
            if a != c and a in g and c in g:
                for nodes in nx.all_simple_paths(g, a, c):
                    ids = frozenset(g.edges[u, v]["id"] for u, v in zip(nodes, nodes[1:]))
                    proofs.append((-np.prod([probs[i] for i in ids]), ids))
            best = {ids for _, ids in sorted(proofs, key=lambda x: x[0])[:k]}
            assert set(tags[a * N_NODES + c]) == best, (a, c)
    exact = problog_paths(probs, -np.ones(len(src), dtype=np.int64), src, dst)
    assert all(p <= q + 1e-12 for p, q in zip(prov.output(tags), exact))
