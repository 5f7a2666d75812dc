"""`exact` answers a bound transitive-closure query by compiling its formula by vertex
elimination over the query's relevant arcs (nesy.provenance._reach). It must give the
probability that possible worlds give (brute force over every subset of edges), on DAGs, on
graphs with cycles and for s = t, in min-fill order and in the reverse of it (any
elimination order gives the same formula), and diffexact's gradients must be the worlds'
derivatives (a fact's derivative is the difference of the probabilities with it present and
absent, the probability being multilinear)."""
from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import torch

import nesy
from nesy.provenance import InputFacts, _reach, make
from nesy.provenance.exact import Exact

from .programs import random_graph

RULE = "rel path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))"


def reaches(edges, s, t) -> bool:
    """t reachable from s over at least one edge (networkx as the oracle; s = t needs a cycle)."""
    graph = nx.DiGraph(edges)
    graph.add_node(s)
    starts = {s} | nx.descendants(graph, s)
    return any(a in starts and b == t for a, b in edges)


def world_probability(edges, probs, s, t) -> float:
    total = 0.0
    for present in itertools.product([False, True], repeat=len(edges)):
        weight = np.prod([p if x else 1 - p for p, x in zip(probs, present)])
        if reaches([e for e, x in zip(edges, present) if x], s, t):
            total += weight
    return total


def run_exact(edges, probs, queries):
    lines = [f"rel {p!r}::edge({a}, {b})" for p, (a, b) in zip(probs, edges)]
    text = "\n".join(lines + [RULE] + [f"query path({s}, {t})" for s, t in queries])
    result = nesy.compile(text).run(provenance="exact")
    rel = result.relations_by_name["path"]
    return {tuple(row): float(p) for row, p in zip(rel.tuples, rel.probs)}


QUERIES = [(0, 5), (1, 4), (2, 2), (0, 3)]


@pytest.fixture(params=["min-fill", "reversed"])
def elimination(request, monkeypatch):
    """Eliminate the vertices in min-fill order, or in its reverse (the largest steps first)."""
    if request.param == "reversed":
        original = _reach._min_fill
        monkeypatch.setattr(_reach, "_min_fill", lambda *args: original(*args)[::-1])
    return request.param


@pytest.mark.parametrize("cyclic", [False, True], ids=["dag", "cyclic"])
@pytest.mark.parametrize("seed", range(3))
def test_closure_matches_possible_worlds(seed, cyclic, elimination):
    edges, probs = random_graph(seed, cyclic, n_edges=9)
    got = run_exact(edges, probs, QUERIES)
    for s, t in QUERIES:
        assert got.get((s, t), 0.0) == pytest.approx(world_probability(edges, probs, s, t),
                                                     abs=1e-12)


def test_the_closure_is_compiled_not_iterated(monkeypatch):
    seen = []
    original = Exact.closure_tags
    monkeypatch.setattr(Exact, "closure_tags",
                        lambda self, *a: seen.append(a) or original(self, *a))
    edges, probs = random_graph(0, True, n_edges=9)
    run_exact(edges, probs, [(0, 5)])
    assert len(seen) == 1


def test_diffexact_gradients_are_the_worlds_derivatives(elimination):
    edges, probs = random_graph(4, True, n_edges=8)
    p = torch.tensor(probs, dtype=torch.float64, requires_grad=True)
    prov = make("diffexact")
    tags = prov.input_tags(InputFacts(list(p.unbind()), np.full(len(edges), -1)))
    sources, targets = (np.array(c, dtype=np.int64) for c in zip(*edges))
    (answer,) = prov.output(prov.closure_tags((sources, targets, tags), [(0, 5)]))
    answer.backward()
    for i in range(len(edges)):
        with_edge = world_probability(edges, probs[:i] + [1.0] + probs[i + 1:], 0, 5)
        without = world_probability(edges, probs[:i] + [0.0] + probs[i + 1:], 0, 5)
        assert float(p.grad[i]) == pytest.approx(with_edge - without, abs=1e-10)
    assert answer.item() == pytest.approx(world_probability(edges, probs, 0, 5), abs=1e-12)


def test_annotated_disjunction_edges(elimination):
    """Edge tags that are chain literals (not plain variables, so the variables are not
    rearranged): (0, 1) or (0, 2) or neither; by hand 0.5 * (1 - 0.6 * 0.58) + 0.3 * 0.7."""
    text = "\n".join(["rel edge = {0.5::(0, 1); 0.3::(0, 2)}", "rel 0.6::edge(1, 2)",
                      "rel 0.7::edge(2, 3)", "rel 0.4::edge(1, 3)", RULE, "query path(0, 3)"])
    (p,) = nesy.compile(text).run(provenance="exact").relations_by_name["path"].probs
    assert float(p) == pytest.approx(0.5 * (1 - 0.6 * 0.58) + 0.3 * 0.7, abs=1e-12)


def test_without_cudd(elimination, monkeypatch):
    """nesy's own BDD (where dd.cudd is missing) builds the same formula."""
    from nesy.provenance import _manager, exact

    monkeypatch.setattr(exact, "make_manager", _manager.PythonManager)
    edges, probs = random_graph(5, True, n_edges=9)
    got = run_exact(edges, probs, [(0, 5), (3, 3)])
    for s, t in [(0, 5), (3, 3)]:
        assert got.get((s, t), 0.0) == pytest.approx(world_probability(edges, probs, s, t),
                                                     abs=1e-12)


@pytest.mark.parametrize("family,make", [("cyclic", lambda b: b.reachability("cyclic", 50, "path")),
                                         ("smokers", lambda b: b.smokers(10))])
def test_the_benchmarks_wider_graphs_agree_with_problog(family, make):
    """The benchmark's 50-edge cyclic graph and 10-person smokers network, where elimination
    meets vertices of several arcs in and out, against ProbLog's SDD."""
    from .programs import _problog
    from .test_families import bench

    _, text, problog_text = make(bench)
    result = nesy.compile(text).run(provenance="exact")
    (got,) = [float(p) for rel in result.relations_by_name.values() for p in rel.probs]
    (want,) = _problog(problog_text).values()
    assert got == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("arrange_above", [0, 100], ids=["arranged", "order-kept"])
def test_the_arcs_variable_order_does_not_change_the_answer(arrange_above, monkeypatch):
    """Arranged into the layout from s, or left where they are (small closures)."""
    monkeypatch.setattr(_reach, "ARRANGE_ABOVE", arrange_above)
    edges, probs = random_graph(1, True, n_edges=9)
    got = run_exact(edges, probs, QUERIES)
    for s, t in QUERIES:
        assert got.get((s, t), 0.0) == pytest.approx(world_probability(edges, probs, s, t),
                                                     abs=1e-12)
