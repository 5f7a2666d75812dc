"""Any-time answers of `exact`: with a time budget, bounds that bracket ProbLog's exact
probability and tighten as the search goes on; exact answers when there is time."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import nesy
from nesy.errors import UsageError
from nesy.provenance import InputFacts, make

from .programs import problog


def random_graph(seed, n_nodes=6, n_edges=11):
    rng = np.random.default_rng(seed)
    pairs = [(a, b) for a in range(n_nodes) for b in range(n_nodes) if a != b]
    edges = [pairs[i] for i in rng.choice(len(pairs), size=n_edges, replace=False)]
    probs = [round(float(p), 3) for p in rng.uniform(0.2, 0.9, n_edges)]
    return edges, probs


def _problog_path(edges, probs, s, t) -> float:
    text = "\n".join(f"{p}::edge({a},{b})." for (a, b), p in zip(edges, probs))
    text += "\npath(X,Y) :- edge(X,Y).\npath(X,Y) :- edge(X,Z), path(Z,Y)."
    return problog(text, [f"path({s},{t})"]).get(f"path({s},{t})", 0.0)


class Steps:
    """`out_of_time` that says yes after `n` questions: a search of a fixed length."""

    def __init__(self, n):
        self.left = n

    def __call__(self):
        self.left -= 1
        return self.left < 0


@pytest.mark.parametrize("seed", [0, 1, *(pytest.param(s, marks=pytest.mark.slow)
                                          for s in range(2, 20))])
def test_search_bounds_bracket_problog_and_tighten(seed):
    """Graphs with cycles: after every number of search steps, lower <= ProbLog <= upper;
    the lower bound only rises, the upper only falls, and they meet at the end."""
    edges, probs = random_graph(seed)
    s, t = 0, 5
    expected = _problog_path(edges, probs, s, t)
    previous = (0.0, 1.0)
    for steps in itertools.chain(range(0, 12, 2), [10_000]):
        prov = make("exact")
        tags = prov.input_tags(InputFacts(probs, -np.ones(len(probs), dtype=np.int64)))
        sources, targets = (np.array(c, dtype=np.int64) for c in zip(*edges))
        lower, upper = prov.closure_bounds((sources, targets, tags), [(s, t)], Steps(steps))
        lo, hi = (float(p) for p in prov.output(np.concatenate([lower, upper])))
        assert lo - 1e-12 <= expected <= hi + 1e-12
        assert lo >= previous[0] - 1e-12 and hi <= previous[1] + 1e-12
        previous = (lo, hi)
    assert previous[0] == pytest.approx(expected, abs=1e-12)
    assert previous[1] == pytest.approx(expected, abs=1e-12)


def _program(edges, probs, s, t) -> str:
    lines = [f"rel {p}::edge({a}, {b})" for (a, b), p in zip(edges, probs)]
    return "\n".join(lines + ["rel path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))",
                              f"query path({s}, {t})"])


def test_a_run_out_of_budget_reports_bracketing_bounds():
    """A budget too small for anything: the run stops at once, says so, and its bounds
    (possibly trivial) still bracket ProbLog's value."""
    edges, probs = random_graph(7, n_nodes=8, n_edges=18)
    expected = _problog_path(edges, probs, 0, 7)
    result = nesy.compile(_program(edges, probs, 0, 7)).run(provenance="exact", budget=1e-9)
    rel = result["path"]
    assert rel.tuples == [(0, 7)] and "budget" in result.approximation
    (lo, hi), = rel.bounds
    assert rel.probs[0] == lo and lo - 1e-12 <= expected <= hi + 1e-12


def test_a_run_within_its_budget_is_exact():
    edges, probs = random_graph(3)
    result = nesy.compile(_program(edges, probs, 0, 5)).run(provenance="exact", budget=60)
    assert result["path"].bounds is None and result.approximation is None
    assert result["path"].prob((0, 5)) == pytest.approx(_problog_path(edges, probs, 0, 5),
                                                         abs=1e-12)


def test_other_programs_get_their_derived_rows_as_lower_bounds():
    """Outside a bound closure the upper bound is 1 and the lower bound what was derived."""
    result = nesy.compile("rel 0.5::a(1)\nrel b(x) = a(x)").run(provenance="exact",
                                                                 budget=1e-9)
    assert all(lo <= 0.5 and hi == 1.0 for lo, hi in result["b"].bounds)


@pytest.mark.parametrize("provenance,budget", [("topkproofs", 1.0), ("exact", -1.0),
                                               ("exact", True)])
def test_a_budget_needs_a_bounded_provenance_and_positive_seconds(provenance, budget):
    with pytest.raises(UsageError):
        nesy.compile("rel a(1)").run(provenance=provenance, budget=budget)


def test_nesy_run_takes_a_budget(tmp_path):
    from tests.conftest import run_cli_in_process

    edges, probs = random_graph(5, n_nodes=8, n_edges=18)
    path = tmp_path / "reach.nesy"
    path.write_text(_program(edges, probs, 0, 7))
    done = run_cli_in_process("run", str(path), "--provenance", "exact", "--budget", "30")
    assert done.returncode == 0 and "path (1 tuple)" in done.stdout
    done = run_cli_in_process("run", str(path), "--budget", "1")  # under unit
    assert done.returncode == 2 and "budget" in done.stderr
