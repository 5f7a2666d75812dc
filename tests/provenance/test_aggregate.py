"""Aggregation over possible worlds against ProbLog: each group's outcome distribution is
encoded in ProbLog directly (a fold over the group's items, or `best unless a better item
holds`), with rows that are random formulas over facts with disjunctions and negation."""
from __future__ import annotations

import numpy as np
import pytest

from nesy import aggregators
from nesy.provenance import InputFacts, make

from .programs import Program, problog, random_program, run, to_problog

EXACT = [("exact", None), ("diffexact", None), ("topkproofs", 10_000), ("difftopkproofs", 10_000)]
AGGREGATORS = ["avg", "count", "sum", "prod", "min", "max", "argmin", "argmax", "exists", "forall"]
N_GROUPS = 3  # the last group never has rows


def random_aggregation(rng, program: Program):
    rows = rng.choice(program.size, size=min(program.size, int(rng.integers(1, 7))), replace=False)
    group = rng.integers(0, N_GROUPS - 1, len(rows))
    values = rng.integers(-2, 4, len(rows))
    return rows, group, values


def outcomes(prov, aggregator, rows, group, values, tags) -> dict[str, float]:
    """The provenance's answer as ProbLog-style keys `out(group, outcome)`."""
    g, row, value, out_tags = prov.aggregate(aggregator, group, N_GROUPS, values,
                                             prov.take(tags, rows))
    probs = [float(p) for p in prov.output(out_tags)]
    if None not in aggregators.get(aggregator).result_columns(1, 1):  # outcomes are rows
        assert (value == values[row]).all()
        keys = row.tolist()
    else:
        assert (row == -1).all()
        keys = [str(v).lower() for v in value.tolist()]
    return {f"out({a},{b})": p for a, b, p in zip(g.tolist(), keys, probs)}


def problog_outcomes(program, aggregator, rows, group, values) -> dict[str, float]:
    text = [to_problog(program), *(f"grp({g})." for g in range(N_GROUPS))]
    position = np.zeros(len(rows), dtype=np.int64)
    for g in range(N_GROUPS):
        members = np.flatnonzero(group == g)
        position[members] = np.arange(1, len(members) + 1)
        text.append(f"size({g}, {len(members)}).")
    text += [f"item({g}, {i}, {r}, {v}, {j})."
             for j, (g, i, r, v) in enumerate(zip(group, position, rows, values))]
    text.append(_ENCODINGS[aggregator])
    return problog("\n".join(text), ["out(G, X)"])


_FOLD = """
acc(G, 0, {identity}) :- grp(G).
acc(G, I, N) :- I > 0, J is I - 1, item(G, I, R, V, _), n(R), acc(G, J, M), N is {combine}.
acc(G, I, N) :- I > 0, J is I - 1, item(G, I, R, _, _), \\+n(R), acc(G, J, N).
out(G, N) :- size(G, M), acc(G, M, N).
"""
_BEST = """
out(G, J) :- item(G, _, R, V, J), n(R), \\+better(G, V).
better(G, V) :- item(G, _, R, W, _), W {cmp} V, n(R).
"""
_SOME = "some(G) :- item(G, _, R, _, _), n(R).\n"
_MEAN = """
acc(G, 0, 0, 0) :- grp(G).
acc(G, I, S, C) :- I > 0, J is I - 1, item(G, I, R, V, _), n(R), acc(G, J, S0, C0),
                   S is S0 + V, C is C0 + 1.
acc(G, I, S, C) :- I > 0, J is I - 1, item(G, I, R, _, _), \\+n(R), acc(G, J, S, C).
out(G, A) :- size(G, M), acc(G, M, S, C), C > 0, A is sign(S) * (abs(S) // C).
"""
_ENCODINGS = {
    "avg": _MEAN,  # integer means truncate toward zero
    "count": _FOLD.format(identity=0, combine="M + 1"),
    "sum": _FOLD.format(identity=0, combine="M + V"),
    "prod": _FOLD.format(identity=1, combine="M * V"),
    "min": _BEST.format(cmp="<"), "argmin": _BEST.format(cmp="<"),
    "max": _BEST.format(cmp=">"), "argmax": _BEST.format(cmp=">"),
    "exists": _SOME + "out(G, true) :- some(G).\nout(G, false) :- grp(G), \\+some(G).",
    "forall": _SOME + "out(G, true) :- grp(G), \\+some(G).\nout(G, false) :- some(G).",
}


#: Aggregators checked against their own oracle elsewhere: Scallop's weight-based and
#: per-row ones (ProbLog has no encoding of a tag's weight, or of keeping a row's own tag).
CHECKED_ELSEWHERE = {
    "string_join": "tests/scallop/test_parameterised_aggregators.py (world enumeration)",
    "weighted_avg": "tests/scallop/test_parameterised_aggregators.py (world enumeration)",
    "weighted_sum": "tests/scallop/test_parameterised_aggregators.py (world enumeration)",
    **{name: "tests/scallop/test_parameterised_aggregators.py (Scallop's per-row outputs)"
       for name in ["enumerate", "rank", "sort", "argsort", "top", "unique", "uniform",
                    "categorical", "normalize", "softmax"]},
}


def test_every_aggregator_is_checked_against_problog():
    """Adding an aggregator file means adding its ProbLog encoding above (or its oracle
    elsewhere, named in CHECKED_ELSEWHERE)."""
    assert sorted(_ENCODINGS) == sorted(AGGREGATORS) == sorted(
        set(aggregators.names()) - set(CHECKED_ELSEWHERE))


def assert_same_distribution(actual: dict, expected: dict):
    keys = sorted(set(actual) | set(expected))
    assert [actual.get(k, 0.0) for k in keys] == pytest.approx(
        [expected.get(k, 0.0) for k in keys], abs=1e-9), keys


@pytest.mark.parametrize("name,k", EXACT)
@pytest.mark.parametrize("aggregator", AGGREGATORS)
@pytest.mark.parametrize("seed", range(6))
def test_aggregation_distributions_equal_problog(name, k, aggregator, seed):
    """The top-k provenances without annotated disjunctions (they count their members as
    independent facts, as Scallop does)."""
    prov = make(name, k)
    rng = np.random.default_rng(seed)
    program = random_program(rng, n_facts=5, n_layers=4,
                             disjunctions=prov.disjunctions == "distribution")
    rows, group, values = random_aggregation(rng, program)
    actual = outcomes(prov, aggregator, rows, group, values, run(prov, program))
    assert_same_distribution(actual, problog_outcomes(program, aggregator, rows, group, values))


@pytest.mark.parametrize("name", ["addmultprob", "diffaddmultprob"])
@pytest.mark.parametrize("aggregator", ["count", "sum", "prod"])
@pytest.mark.parametrize("seed", range(6))
def test_addmultprob_folds_over_independent_facts_are_exact(name, aggregator, seed):
    rng = np.random.default_rng(seed)
    probs = rng.uniform(0.05, 0.95, 5).tolist()
    program = Program(probs, np.full(5, -1))
    rows, group, values = random_aggregation(rng, program)
    prov = make(name)
    actual = outcomes(prov, aggregator, rows, group, values, run(prov, program))
    assert_same_distribution(actual, problog_outcomes(program, aggregator, rows, group, values))


@pytest.mark.parametrize("name,k", EXACT)
def test_sum_of_digits_is_the_convolution_of_their_distributions(name, k):
    """sum(v: digit(i, v)) over K independent digits, each a `;` set over 0..9: the
    convolution of their distributions under ProbLog's semantics."""
    rng = np.random.default_rng(0)
    digits = rng.dirichlet(np.ones(10), size=3)
    prov = make(name, k)
    tags = prov.input_tags(InputFacts(digits.ravel().tolist(), np.repeat(np.arange(3), 10)))
    values = np.tile(np.arange(10), 3)
    g, _, value, out = prov.aggregate("sum", np.zeros(30, dtype=np.int64), 1, values, tags)
    if prov.disjunctions == "distribution":
        outcome = digits
    else:
        # Scallop's count: a digit's members are independent, an outcome's proof holds its
        # value's member and the negation of the others (two members true: no proof), and
        # no member true adds 0
        outcome = np.array([[d[v] * np.prod(np.delete(1 - d, v)) for v in range(10)]
                            for d in digits])
        outcome[:, 0] += np.prod(1 - digits, axis=1)
    expected = np.convolve(np.convolve(outcome[0], outcome[1]), outcome[2])
    assert (value == np.arange(28)).all()
    assert [float(p) for p in prov.output(out)] == pytest.approx(expected.tolist(), abs=1e-12)
