"""Scallop's `tropical` provenance (runtime/provenance/discrete/tropical.rs): tags are costs,
`and` adds them and `or` keeps the least, so a path's tag is the length of the shortest
path. Checked against Scallop's own test (tag.rs test_tropical_min_path_length) and
networkx's weighted shortest paths."""
from __future__ import annotations

import random

import networkx as nx
import pytest

import nesy

PATH = "rel path(x, y) = edge(x, y) or path(x, z) and edge(z, y)\n"


def costs(result, relation: str) -> dict:
    rel = result[relation]
    return dict(zip(rel.tuples, rel.probs))


def test_scallops_minimum_path_length():
    program = '''
        type Node = A | B | C | D
        rel edge = {1::(A, B), 1::(B, C), 1::(C, D), 1::(A, D)}
    ''' + PATH
    got = costs(nesy.compile(program).run(provenance="tropical"), "path")
    assert got == {("A", "B"): 1, ("B", "C"): 1, ("C", "D"): 1, ("A", "C"): 2,
                   ("B", "D"): 2, ("A", "D"): 1}


def test_weighted_shortest_paths_are_networkxs():
    rng = random.Random(7)
    graph = nx.gnm_random_graph(30, 80, seed=7, directed=True)
    edges = [(float(rng.randint(1, 9)), (a, b)) for a, b in graph.edges]
    for cost, (a, b) in edges:
        graph[a][b]["weight"] = cost
    program = nesy.compile("type edge(i32, i32)\n" + PATH)
    got = costs(program.run(provenance="tropical", facts={"edge": edges}), "path")
    lengths = dict(nx.all_pairs_dijkstra_path_length(graph))
    # a path of at least one edge: from a node to itself only through a cycle
    want = {(a, b): d for a in graph for b, d in lengths[a].items() if a != b}
    for a in graph:
        cycles = [graph[a][b]["weight"] + lengths[b][a] for b in graph.successors(a)
                  if a in lengths[b]]
        if cycles:
            want[(a, a)] = min(cycles)
    assert got == pytest.approx(want)


def test_untagged_facts_cost_nothing_and_negation_keeps_no_cost():
    program = '''
        rel edge = {(0, 1), 0.5::(1, 2)}
        rel blocked = {2}
        rel open(x, y) = path(x, y), not blocked(y)
    ''' + PATH
    result = nesy.compile(program).run(provenance="tropical")
    assert costs(result, "path") == {(0, 1): 0, (1, 2): 0.5, (0, 2): 0.5}
    assert costs(result, "open") == {(0, 1): 0}


def test_costs_are_numbers_from_zero_up():
    program = nesy.compile("type edge(i32, i32)\n" + PATH)
    with pytest.raises(nesy.DataError, match="cost -1 is not a number from 0 up"):
        program.run(provenance="tropical", facts={"edge": [(-1.0, (0, 1))]})
    with pytest.raises(nesy.DataError, match="probability 2 is not between 0 and 1"):
        program.run(provenance="exact", facts={"edge": [(2.0, (0, 1))]})
