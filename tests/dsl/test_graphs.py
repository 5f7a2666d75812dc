"""nesy's graph algorithms (stratification, demand, exact reachability) against networkx as
the oracle."""
from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from nesy import graphs

edges = st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=40)


def as_graph(nodes: int, pairs) -> graphs.Graph:
    graph: graphs.Graph = {n: {} for n in range(nodes)}
    for a, b in pairs:
        graph[a][b] = None
    return graph


@settings(max_examples=200, deadline=None)
@given(edges)
def test_components_match_networkx_in_a_topological_order(pairs):
    graph = as_graph(13, pairs)
    found = graphs.components(graph)
    oracle = nx.DiGraph()
    oracle.add_nodes_from(range(13))
    oracle.add_edges_from(pairs)
    expected = nx.strongly_connected_components(oracle)
    assert sorted(map(sorted, found)) == sorted(map(sorted, expected))
    position = {n: i for i, members in enumerate(found) for n in members}
    assert all(position[a] <= position[b] for a, b in pairs)  # dependencies first


@settings(max_examples=200, deadline=None)
@given(edges, st.integers(0, 12), st.integers(0, 12))
def test_shortest_path_matches_networkx(pairs, source, target):
    graph = as_graph(13, pairs)
    oracle = nx.DiGraph(pairs)
    oracle.add_nodes_from(range(13))
    path = graphs.shortest_path(graph, source, target, set(range(13)))
    if not nx.has_path(oracle, source, target):
        assert path is None
        return
    assert len(path) == nx.shortest_path_length(oracle, source, target) + 1
    assert path[0] == source and path[-1] == target
    assert all(b in graph[a] for a, b in zip(path, path[1:]))


@settings(max_examples=100, deadline=None)
@given(edges, st.integers(0, 12))
def test_reachable_matches_networkx(pairs, start):
    graph = {a: [b for x, b in pairs if x == a] for a, _ in pairs}  # sinks left out
    oracle = nx.DiGraph(pairs)
    oracle.add_node(start)
    assert graphs.reachable(graph, start) == {start} | nx.descendants(oracle, start)


def test_a_chain_of_100000_relations_needs_no_recursion():
    graph = {i: {i + 1: None} for i in range(100_000)}
    graph[100_000] = {0: None}  # one big cycle
    (component,) = graphs.components(graph)
    assert len(component) == 100_001


def test_the_front_end_does_not_import_networkx():
    import subprocess
    import sys

    code = "import sys, nesy.dsl; print('networkx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
