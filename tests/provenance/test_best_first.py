"""`topkproofs` on a bound reachability query finds its proofs best-first
(nesy.engine.closure, nesy.provenance._kbest): the kept proofs must be exactly the k most
probable minimal proofs, found by brute force over every subset of edges, on DAGs and on
graphs with cycles; the answer is a lower bound of `exact`, equal to it once k covers every
proof, and on DAGs the same as the semiring's fixpoint."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import nesy
from nesy.provenance.proofs import TopKProofs

from .programs import random_graph

RULE = "rel path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))"


def program(edges, probs, queries, rule=RULE):
    lines = [f"rel {p}::edge({a}, {b})" for p, (a, b) in zip(probs, edges)]
    return nesy.compile("\n".join(lines + [rule] + [f"query path({s}, {t})" for s, t in queries]))


def minimal_proofs(edges, probs, s, t):
    """Every minimal edge set under which t is reachable from s (a cycle when s == t), most
    probable first: brute force over all subsets."""
    def reaches(subset):
        seen, stack = set(), [s]
        while stack:
            v = stack.pop()
            for i in subset:
                a, b = edges[i]
                if a == v and b not in seen:
                    if b == t:
                        return True
                    seen.add(b)
                    stack.append(b)
        return False

    proofs = [frozenset(c) for n in range(1, len(edges) + 1)
              for c in itertools.combinations(range(len(edges)), n) if reaches(c)]
    minimal = [p for p in proofs if not any(q < p for q in proofs)]
    return sorted(minimal, key=lambda p: -np.prod([probs[i] for i in p]))


@pytest.fixture
def kept(monkeypatch):
    """The proof sets the best-first search returns (fact i is edge i: all edges are
    probabilistic and listed first)."""
    found = []
    original = TopKProofs.closure_tags

    def spy(self, edges, pairs):
        tags = original(self, edges, pairs)
        found.append(tags)
        return tags

    monkeypatch.setattr(TopKProofs, "closure_tags", spy)
    return found


def queried(edges):
    nodes = sorted({v for e in edges for v in e})
    return [(s, t) for s in nodes[:2] for t in nodes]


@pytest.mark.parametrize("counting", ["sweep", "bdd"])
@pytest.mark.parametrize("cyclic", [False, True], ids=["dag", "cyclic"])
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [1, 3, 8])
def test_kept_proofs_are_the_k_most_probable(kept, monkeypatch, cyclic, seed, k, counting):
    """Both ways of counting (`TopKProofs.output`): every tag swept, or none."""
    monkeypatch.setattr(TopKProofs, "SWEEP_FROM", 1 if counting == "sweep" else 10 ** 9)
    edges, probs = random_graph(seed, cyclic)
    queries = queried(edges)
    result = program(edges, probs, queries).run(provenance="topkproofs", k=k)
    (tags,) = kept
    for (s, t), tag in zip(queries, tags):
        oracle = minimal_proofs(edges, probs, s, t)
        assert set(tag) == set(oracle[:k]), (s, t)
    exact = program(edges, probs, queries).run(provenance="exact")["path"]
    approx = result["path"]
    assert approx.tuples == exact.tuples
    for row in exact.tuples:
        n_proofs = len(minimal_proofs(edges, probs, *row))
        assert approx.prob(row) <= exact.prob(row) + 1e-12
        if n_proofs <= k:
            assert approx.prob(row) == pytest.approx(exact.prob(row), abs=1e-9)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [1, 3])
def test_same_answers_as_the_semiring_on_dags(kept, monkeypatch, seed, k):
    edges, probs = random_graph(seed, cyclic=False, n_nodes=8, n_edges=16)
    queries = queried(edges)
    fast = program(edges, probs, queries).run(provenance="topkproofs", k=k)["path"]
    assert kept, "the best-first search was not used"
    monkeypatch.setattr(TopKProofs, "best_first_closure", False)
    slow = program(edges, probs, queries).run(provenance="topkproofs", k=k)["path"]
    assert fast.tuples == slow.tuples
    assert fast.probs == pytest.approx(slow.probs, abs=1e-12)


def test_right_recursive_closure_is_recognised(kept):
    edges, probs = random_graph(1, cyclic=True)
    rule = "rel path(a, b) = edge(a, b) or (path(a, c) and edge(c, b))"
    right = program(edges, probs, queried(edges), rule).run(provenance="topkproofs", k=3)
    assert kept
    left = program(edges, probs, queried(edges)).run(provenance="topkproofs", k=3)
    assert right["path"].probs == pytest.approx(left["path"].probs, abs=1e-12)


@pytest.mark.parametrize("text,scallop", [
    # the `;` members are independent in Scallop's count: 1 - (1 - 0.3)(1 - 0.5 * 0.6),
    # where ProbLog's is 0.3 + 0.5 * 0.6
    ("rel edge = {0.5::(0, 1); 0.3::(0, 2)}\nrel 0.6::edge(1, 2)\n" + RULE + "\nquery path(0, 2)",
     {(0, 2): 1 - 0.7 * 0.7}),
    ("rel 0.5::edge(0, 1)\nrel 0.6::edge(1, 2)\n" + RULE + "\nquery path(0, b)", {}),
    ("rel 0.5::edge(0, 1)\nrel 0.6::edge(1, 2)\n" + RULE + "\nrel q(b) = path(0, b)\nquery path(0, 2)",
     {}),
], ids=["annotated-disjunction", "open-query", "read-later"])
def test_other_programs_run_the_fixpoint(kept, text, scallop):
    """Where the search does not apply (correlated edges, a column left open, another rule
    reading the closure), the answer is the semiring's, which is exact here for k = 5 (with
    ProbLog's answer where no `;` set is involved)."""
    p = nesy.compile(text)
    approx, exact = p.run(provenance="topkproofs", k=5), p.run(provenance="exact")
    assert all(tags is None for tags in kept)
    assert approx["path"].tuples == exact["path"].tuples
    assert approx["path"].to_dict() == pytest.approx({**exact["path"].to_dict(), **scallop},
                                                     abs=1e-9)
