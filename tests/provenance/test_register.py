"""The provenance registry is open: a provenance written outside the package, in a few numpy
lines, is registered, runs a recursive program through the real engine, and is removed.

The toy is the max-times (Viterbi) semiring: a tuple's tag is the probability of its single
most probable derivation. The oracle is an independent computation on the same graph: the
best product of edge probabilities over all simple paths (with probabilities <= 1 a cycle
never improves a path), enumerated by networkx.
"""
from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

import nesy
from nesy.provenance import Provenance, make, names, register, unregister


class Viterbi(Provenance):
    name = "test-viterbi"
    probabilistic = True

    def input_tags(self, facts):
        return np.array([1.0 if p is None else float(p) for p in facts.probs])

    def ones(self, n):
        return np.ones(n)

    def take(self, tags, index):
        return tags[np.asarray(index, dtype=np.int64)]

    def concat(self, batches):
        return np.concatenate(batches) if batches else np.ones(0)

    def conjoin(self, a, b):
        return a * b

    def disjoin_groups(self, tags, group, n_groups):
        out = np.zeros(n_groups)
        np.maximum.at(out, group, tags)
        return out

    def nonzero(self, tags):
        return tags > 0

    def changed(self, old, new):
        return new > old

    def output(self, tags):
        return tags.tolist()


@pytest.fixture
def viterbi():
    register(Viterbi)
    yield Viterbi.name
    unregister(Viterbi)


EDGES = {(0, 1): 0.9, (1, 2): 0.5, (0, 2): 0.4, (2, 0): 0.8, (2, 3): 0.7, (1, 3): 0.2,
         (3, 1): 0.6, (3, 4): 0.95}
REACHABILITY = """
type edge(a: i32, b: i32)
rel path(a, b) = edge(a, b)
rel path(a, c) = path(a, b) and edge(b, c)
query path
"""


def best_paths(edges: dict) -> dict:
    """(a, b) -> the largest product of edge probabilities over the simple paths from a to b
    (a simple cycle when a == b)."""
    graph = nx.DiGraph(list(edges))
    routes = [r for a, b in itertools.permutations(graph, 2) for r in nx.all_simple_paths(graph, a, b)]
    routes += [c[i:] + c[:i + 1] for c in nx.simple_cycles(graph) for i in range(len(c))]
    best = {}
    for route in routes:
        p = math.prod(edges[e] for e in zip(route, route[1:]))
        best[(route[0], route[-1])] = max(best.get((route[0], route[-1]), 0.0), p)
    return best


def test_a_registered_provenance_runs_recursion_and_matches_the_best_path(viterbi):
    assert viterbi in names(probabilistic=True)
    facts = {"edge": [(p, e) for e, p in EDGES.items()]}
    result = nesy.compile(REACHABILITY).run(provenance=viterbi, facts=facts)
    got = dict(zip(result["path"].tuples, result["path"].probs))
    expected = best_paths(EDGES)
    assert got.keys() == expected.keys()
    for pair, p in expected.items():
        assert got[pair] == pytest.approx(p, abs=1e-12), pair


def test_an_unregistered_provenance_is_unknown_again(viterbi):
    unregister(Viterbi)
    with pytest.raises(nesy.UsageError, match="unknown provenance 'test-viterbi'"):
        make(viterbi)
    register(Viterbi)  # the fixture removes it


def test_a_taken_name_and_a_non_provenance_are_refused():
    class Impostor(Viterbi):
        name = "exact"

    with pytest.raises(ValueError, match="'exact' is already taken"):
        register(Impostor)
    with pytest.raises(TypeError):
        register(object)
    assert type(make("exact")).__name__ == "Exact"
