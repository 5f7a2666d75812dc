"""The graph algorithms that stratification, the demand pass and exact reachability need, on
plain dicts: a program's dependency graph has a node per relation and is small, and
importing a graph library for it cost more start-up time (networkx: ~0.3 s) than compiling
most programs.

A graph is `{node: {successor: None, ...}}` (dicts as ordered sets, so results are
deterministic); every successor is also a key.
"""
from __future__ import annotations

from collections import deque

Graph = dict  # node -> {successor: None}


def components(graph: Graph) -> list[list]:
    """The strongly connected components, dependencies first: for an edge a -> b between two
    components, a's comes before b's. Tarjan's algorithm with an explicit stack (no recursion
    limit on the length of a chain of relations)."""
    index: dict = {}
    low: dict = {}
    on_stack: set = set()
    stack: list = []
    found: list[list] = []
    for root in graph:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(graph[root]))]
        while work:
            node, successors = work[-1]
            for child in successors:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    found.append(component)
    found.reverse()  # Tarjan finds a component after every component it reaches
    return found


def shortest_path(graph: Graph, source, target, within: set) -> list | None:
    """A shortest path from source to target through nodes of `within` (breadth first), or
    None when there is none."""
    parent = {source: None}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        if node == target:
            path = []
            while node is not None:
                path.append(node)
                node = parent[node]
            return path[::-1]
        for child in graph[node]:
            if child in within and child not in parent:
                parent[child] = node
                queue.append(child)
    return None


def reachable(graph: Graph, start) -> set:
    """The nodes reachable from `start`, itself included. A node may be missing from `graph`
    (no successors)."""
    seen, stack = {start}, [start]
    while stack:
        for child in graph.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen
