"""Reachability from seeds, ProbLog's smokers (`smokes(x) = stress(x) or (influences(y, x)
and smokes(y))`), is recognised by nesy.engine.closure as `path(v, t)` from a virtual source v
with arcs v -> y tagged `stress(y)`, and answered by the provenance's closure search
(`exact`: `_reach`'s vertex elimination). The answers must be the possible worlds' (brute
force over every subset of facts: t smokes when some stressed person reaches t over the
influences), in either elimination order, with the influences read either way round, and
ProbLog's."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import nesy
from nesy.engine import closure
from nesy.provenance.exact import Exact

from .test_reach import elimination  # noqa: F401 - a fixture

RULES = {"forward": "rel smokes(x) = stress(x) or (influences(y, x) and smokes(y))",
         "flipped": "rel smokes(x) = stress(x) or (influences(x, y) and smokes(y))"}


def random_network(seed, n_people=5, n_arcs=7):
    """(stress probabilities, influence arcs a -> b, their probabilities), with cycles."""
    rng = np.random.default_rng(seed)
    pairs = [(a, b) for a in range(n_people) for b in range(n_people) if a != b]
    chosen = rng.choice(len(pairs), size=n_arcs, replace=False)
    arcs = [pairs[i] for i in sorted(chosen.tolist())]
    return (rng.uniform(0.05, 0.5, n_people).tolist(), arcs,
            rng.uniform(0.1, 0.9, n_arcs).tolist())


def program(stress, arcs, infl, queries, rule="forward"):
    """The network as nesy text; under the flipped rule, arc a -> b is `influences(b, a)`."""
    lines = [f"rel {p!r}::stress({i})" for i, p in enumerate(stress)]
    lines += [f"rel {p!r}::influences({b}, {a})" if rule == "flipped" else
              f"rel {p!r}::influences({a}, {b})" for p, (a, b) in zip(infl, arcs)]
    return "\n".join(lines + [RULES[rule]] + [f"query smokes({t})" for t in queries])


def world_probability(stress, arcs, infl, t) -> float:
    facts = [*stress, *infl]
    total = 0.0
    for present in itertools.product([False, True], repeat=len(facts)):
        weight = np.prod([p if x else 1 - p for p, x in zip(facts, present)])
        seen = {i for i, x in enumerate(present[:len(stress)]) if x}
        stack = list(seen)
        while stack:
            v = stack.pop()
            for (a, b), x in zip(arcs, present[len(stress):]):
                if x and a == v and b not in seen:
                    seen.add(b)
                    stack.append(b)
        total += weight * (t in seen)
    return total


def smokes(text, provenance="exact"):
    rel = nesy.compile(text).run(provenance=provenance).relations_by_name["smokes"]
    return {row[0]: float(p) for row, p in zip(rel.tuples, rel.probs)}


@pytest.mark.parametrize("rule", ["forward", "flipped"])
@pytest.mark.parametrize("seed", range(2))
def test_smokers_match_possible_worlds(seed, rule, elimination):
    stress, arcs, infl = random_network(seed)
    got = smokes(program(stress, arcs, infl, [0, 3], rule))
    for t in (0, 3):
        assert got[t] == pytest.approx(world_probability(stress, arcs, infl, t), abs=1e-12)


def test_smokers_are_compiled_not_iterated(monkeypatch):
    seen = []
    original = Exact.closure_tags
    monkeypatch.setattr(Exact, "closure_tags",
                        lambda self, *a: seen.append(a) or original(self, *a))
    stress, arcs, infl = random_network(2)
    got = smokes(program(stress, arcs, infl, [1]))
    assert len(seen) == 1
    assert got[1] == pytest.approx(world_probability(stress, arcs, infl, 1), abs=1e-12)


def test_only_reachability_is_recognised():
    """A step that does not move along the arc, or a seed with its own probability, is no
    reachability: the stratum is left to the fixpoint."""
    facts = "rel 0.3::stress(0)\nrel 0.5::influences(1, 0)\n"
    for rule in ["rel smokes(x) = stress(x) or (influences(y, x) and smokes(x))",
                 "rel smokes(x) = stress(x) or (influences(x, x) and smokes(x))",
                 "rel 0.5::smokes(x) = stress(x) or (influences(y, x) and smokes(y))"]:
        assert closure.answered(nesy.compile(facts + rule + "\nquery smokes(0)").ir) == []
    assert closure.answered(nesy.compile(facts + RULES["forward"] +
                                         "\nquery smokes(0)").ir) == ["smokes"]


def test_topkproofs_stays_below_and_reaches_exact():
    """topkproofs asks the same virtual-source graph: k = 1 is a lower bound, and a k
    covering every proof gives the exact probability."""
    stress, arcs, infl = random_network(3, n_people=4, n_arcs=5)
    text = program(stress, arcs, infl, [2])
    exact = world_probability(stress, arcs, infl, 2)
    one = nesy.compile(text).run(provenance="topkproofs", k=1).relations_by_name["smokes"]
    every = nesy.compile(text).run(provenance="topkproofs", k=100).relations_by_name["smokes"]
    assert float(one.probs[0]) <= exact + 1e-12
    assert float(every.probs[0]) == pytest.approx(exact, abs=1e-12)


def test_smokers_agree_with_problog():
    problog = pytest.importorskip("problog")
    from problog.program import PrologString

    stress, arcs, infl = random_network(4, n_people=6, n_arcs=9)
    text = [f"{p!r}::stress({i})." for i, p in enumerate(stress)]
    text += [f"{p!r}::influences({a},{b})." for p, (a, b) in zip(infl, arcs)]
    text += ["smokes(X) :- stress(X).", "smokes(X) :- influences(Y,X), smokes(Y).",
             "query(smokes(5))."]
    (want,) = problog.get_evaluatable("sdd").create_from(PrologString("\n".join(text))) \
        .evaluate().values()
    assert smokes(program(stress, arcs, infl, [5]))[5] == pytest.approx(want, abs=1e-12)


def test_a_run_out_of_budget_brackets_the_smokers_answer():
    """The bounded search (`closure_bounds`) walks the same virtual-source graph: with no
    time at all, its bounds still bracket the possible worlds' value."""
    stress, arcs, infl = random_network(5)
    result = nesy.compile(program(stress, arcs, infl, [4])).run(provenance="exact",
                                                                 budget=1e-9)
    (lo, hi), = result["smokes"].bounds
    assert "budget" in result.approximation and result["smokes"].tuples == [(4,)]
    assert lo - 1e-12 <= world_probability(stress, arcs, infl, 4) <= hi + 1e-12
