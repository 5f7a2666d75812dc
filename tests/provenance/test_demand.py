"""The demand (magic-set) transformation: bound queries answered from only the tuples they
need, with the same answers as ProbLog and as the untransformed program.

Oracles: ProbLog on the random programs of `test_programs` with random bound queries, the
same program run without queries (every tuple derived, no transformation), and the set of
tuples a query can need, computed here from the graph."""
from __future__ import annotations

import numpy as np
import pytest

import nesy
from nesy.engine.inputs import loaded_executor
from nesy.passes.demand import demand_transform, query_demands
from nesy.provenance import make

from .programs import problog
from .test_programs import NODES, random_program

BINARY = ["path", "blocked", "link", "walk"]
UNARY = ["reach", "either", "alt", "touch", "guard", "lonely"]


def random_queries(rng) -> list[tuple[str, tuple]]:
    """A few queries, each binding at least one column to a node."""
    queries = []
    for name in rng.choice(BINARY, size=2, replace=False).tolist():
        a, b = (int(x) for x in rng.choice(len(NODES), size=2))
        queries.append((name, [(a, b), (a, None), (None, b)][int(rng.integers(3))]))
    for name in rng.choice(UNARY, size=2, replace=False).tolist():
        queries.append((name, (int(rng.integers(len(NODES))),)))
    return queries


def _nesy_query(name, pattern) -> str:
    return f"query {name}({', '.join('_' if c is None else str(c) for c in pattern)})"


def _problog_query(name, pattern) -> str:
    return f"{name}({','.join('_' if c is None else str(c) for c in pattern)})"


def _answers(result, queries) -> dict[str, float]:
    return {f"{name}({','.join(map(str, t))})": float(p)
            for name in dict.fromkeys(q[0] for q in queries)
            for t, p in result[name].to_dict().items()}


def _seeds(default, slow):
    """Seeds of the default suite, then more under `-m slow`."""
    return [*default, *(pytest.param(s, marks=pytest.mark.slow) for s in slow)]


@pytest.mark.parametrize("seed", _seeds(range(3), range(3, 40)))
def test_bound_queries_equal_problog(seed):
    nesy_text, problog_text = random_program(seed)
    queries = random_queries(np.random.default_rng(100 + seed))
    program = nesy.compile(nesy_text + "\n" + "\n".join(_nesy_query(*q) for q in queries))
    expected = problog(problog_text, [_problog_query(*q) for q in queries])
    actual = _answers(program.run(provenance="exact"), queries)
    keys = sorted(set(actual) | set(expected))
    assert [actual.get(k, 0.0) for k in keys] == pytest.approx(
        [expected.get(k, 0.0) for k in keys], abs=1e-9), (queries, nesy_text)


@pytest.mark.parametrize("provenance,k", [("exact", None), ("topkproofs", 2), ("minmaxprob", None),
                                          ("proofs", None), ("unit", None),
                                          ("addmultprob", None)])
@pytest.mark.parametrize("seed", _seeds(range(2), range(2, 30)))
def test_bound_queries_equal_the_untransformed_program(provenance, k, seed):
    """Every provenance: the queried rows, with tags, are those of the run deriving all."""
    nesy_text, _ = random_program(seed)
    queries = random_queries(np.random.default_rng(200 + seed))
    queried = nesy.compile(nesy_text + "\n" + "\n".join(_nesy_query(*q) for q in queries))
    everything = nesy.compile(nesy_text).run(provenance=provenance, k=k)
    result = queried.run(provenance=provenance, k=k)
    for name, pattern in queries:
        wanted = {t: p for t, p in zip(everything[name].tuples, _tags(everything[name]))
                  if all(c is None or c == v for c, v in zip(pattern, t))}
        got = dict(zip(result[name].tuples, _tags(result[name])))
        got = {t: got[t] for t in got if all(c is None or c == v for c, v in zip(pattern, t))}
        if provenance == "proofs":
            assert got == wanted, (name, pattern)
        else:
            assert got == pytest.approx(wanted, abs=1e-12), (name, pattern)


def _tags(rel):
    """Probabilities, or proofs written with their facts (fact ids follow arrival order,
    which differs when fewer tuples are derived)."""
    if rel.proofs is not None:
        text = lambda f: rel.facts[f] if f >= 0 else "not " + rel.facts[~f]  # noqa: E731
        return [sorted(sorted(map(text, p)) for p in proofs) for proofs in rel.proofs]
    return [float(p) for p in rel.probs] if rel.probs is not None else [1.0] * len(rel)


REACH = """rel 0.5::edge(0, 1)
rel 0.6::edge(1, 2)
rel 0.7::edge(2, 0)
rel 0.8::edge(2, 3)
rel 0.9::edge(4, 5)
rel 0.4::edge(5, 3)
rel path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))
"""


def test_only_demanded_tuples_are_derived():
    """`path(0, 3)` needs `path(c, 3)` for the c reachable from 0 (0, 1, 2), not every pair
    and not node 4 or 5's paths."""
    program = nesy.compile(REACH + "query path(0, 3)").ir
    plan = demand_transform(program, query_demands(program, ["path"]))
    executor = loaded_executor(plan.program, make("exact"))
    tables = executor.run()
    table = tables[plan.answers["path"]]
    rows = set(zip(*(executor.values.to_python(t, c) for t, c in
                     zip(program.relations["path"].types, table.columns))))
    assert rows == {(0, 3), (1, 3), (2, 3)}
    assert tables["path"].n == 0  # the original relation is not computed at all


def test_a_probabilistic_rule_called_with_two_bindings_makes_one_choice():
    """`p` is read with its first column bound (p#bf) and with both (p#bb): the grounding
    p(0, 0) is one choice in both copies, as in ProbLog."""
    text = "rel e(0, 0)\nrel e(0, 1)\nrel 0.5::p(a, b) = e(a, b)\n" \
           "rel q(a) = p(a, x) and p(x, a)\nquery q(0)"
    expected = problog("e(0, 0). e(0, 1).\n0.5::p(A, B) :- e(A, B).\nq(A) :- p(A, X), p(X, A).",
                       ["q(0)"])["q(0)"]
    assert nesy.compile(text).run(provenance="exact")["q"].prob((0,)) == pytest.approx(
        expected, abs=1e-12)


def test_negation_and_aggregation_read_relations_computed_in_full():
    """A relation read under `not` (path, by blocked) or aggregated (reach, by cnt) is not
    restricted by demand: the rewrite keeps its original rules."""
    text = REACH + "rel blocked(a, b) = edge(a, _) and edge(_, b) and not path(a, b)\n" \
                   "rel cnt(n) = n := count(b: path(0, b))\nquery blocked(0, 3)\nquery cnt(2)"
    program = nesy.compile(text)
    plan = demand_transform(program.ir, query_demands(program.ir, ["blocked", "cnt"]))
    assert "path#bb" not in plan.program.relations and plan.answers["blocked"] == "blocked#bb"
    full = nesy.compile(text.replace("query blocked(0, 3)\nquery cnt(2)", "")).run(
        provenance="exact")
    result = program.run(provenance="exact")
    assert result["blocked"].to_dict() == pytest.approx(
        {t: p for t, p in full["blocked"].to_dict().items() if t == (0, 3)}, abs=1e-12)
    assert result["cnt"].to_dict() == pytest.approx(
        {t: p for t, p in full["cnt"].to_dict().items() if t == (2,)}, abs=1e-12)
