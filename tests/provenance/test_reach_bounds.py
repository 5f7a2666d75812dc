"""The upper bound of a bound closure query out of time: arc-disjoint s-t cuts
(`_kbest.cuts`), joined with the best-first search's bounds in `Exact.closure_bounds`. The
first cut's bound must be the least single-cut bound (brute force over every vertex set
holding s and not t), the cuts must share no arc, and the bounds must bracket ProbLog's
value however early building them stops, including when the search itself finished (the
complete paths left out may hold)."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from nesy.provenance import InputFacts, _kbest, make

from .test_bounds import Steps, _problog_path, random_graph


def _tags(edges, probs):
    prov = make("exact")
    tags = prov.input_tags(InputFacts(probs, -np.ones(len(probs), dtype=np.int64)))
    return prov, tags, tuple(np.array(c, dtype=np.int64) for c in zip(*edges))


@pytest.mark.parametrize("seed", range(4))
def test_the_cut_is_the_least_single_cut_bound(seed):
    edges, probs = random_graph(seed)
    prov, tags, _ = _tags(edges, probs)
    arcs_from: dict = {}
    for (a, b), p, tag in zip(edges, probs, tags):
        arcs_from.setdefault(a, []).append((b, -math.log(p), tag))
    m = prov.manager
    found = _kbest.cuts(arcs_from, 0, 5)
    assert len({id(f) for c in found for f in c}) == sum(map(len, found))  # arc-disjoint
    formula = m.false
    for f in found[0]:
        formula = m.disj(formula, f)
    (got,) = prov.output(np.array([formula], dtype=object))
    others = [v for v in range(6) if v not in (0, 5)]
    least = min(1 - math.prod(1 - p for (a, b), p in zip(edges, probs)
                              if a in side and b not in side)
                for r in range(len(others) + 1) for chosen in itertools.combinations(others, r)
                for side in [{0, *chosen}])
    assert float(got) == pytest.approx(least, abs=1e-12)
    assert _kbest.cuts(arcs_from, 3, 3) is None


@pytest.mark.parametrize("built", [0, 1, 3, 100])
@pytest.mark.parametrize("steps", [0, 4, 10_000])
def test_bounds_bracket_problog_however_early_building_stops(steps, built):
    edges, probs = random_graph(2)
    expected = _problog_path(edges, probs, 0, 5)
    prov, tags, (sources, targets) = _tags(edges, probs)
    lower, upper = prov.closure_bounds((sources, targets, tags), [(0, 5)], Steps(steps),
                                       Steps(built))
    lo, hi = (float(p) for p in prov.output(np.concatenate([lower, upper])))
    assert lo - 1e-12 <= expected <= hi + 1e-12
    assert hi < 1.0  # the cut's bound at least
    if steps == 10_000 and built == 100:
        assert lo == pytest.approx(expected, abs=1e-12) and hi == pytest.approx(lo, abs=1e-12)
