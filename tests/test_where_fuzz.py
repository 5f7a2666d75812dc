"""Differential fuzzing of aggregation with `where` clauses across every provenance.

Programs aggregate probabilistic `item` facts per key of a `where` relation that is often
empty or disjoint from the items (the case that once crashed every tagged provenance).
The oracle is independent of nesy: every possible world of the probabilistic facts is
enumerated and aggregated in plain Python; `exact` must give each output tuple the summed
probability of the worlds producing it, `unit` the tuples of the world where every fact
holds, and every other provenance must answer (no exception) with tuples the worlds allow.
"""
from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nesy
from nesy.provenance import names as provenance_names

# aggregator -> (nesy rule body template, Python aggregation of one group's (k, v) set)
AGGREGATORS = {
    "count": ("n := count(k: item(g, k, _) where g: grp(g))",
              lambda kv: [len({k for k, _ in kv})]),
    "sum": ("n := sum[k](v: item(g, k, v) where g: grp(g))",
            lambda kv: [sum(v for _, v in kv)]),
    "max": ("n := max(v: item(g, _, v) where g: grp(g))",
            lambda kv: [max(v for _, v in kv)] if kv else []),
    "min": ("n := min(v: item(g, _, v) where g: grp(g))",
            lambda kv: [min(v for _, v in kv)] if kv else []),
    "exists": ("n := exists(k: item(g, k, v) and v >= 2 where g: grp(g))",
               lambda kv: [any(v >= 2 for _, v in kv)]),
    "forall": ("n := forall(k, v: item(g, k, v) implies v < 2 where g: grp(g))",
               lambda kv: [all(v < 2 for _, v in kv)]),
    "argmax": ("n := argmax[k](v: item(g, k, v) where g: grp(g))",
               lambda kv: sorted({k for k, v in kv if v == max(x for _, x in kv)})),
}


def program_text(aggregator: str) -> str:
    body = AGGREGATORS[aggregator][0]
    return (f"type item(g: i32, k: i32, v: i32)\ntype grp(g: i32)\n"
            f"rel out(g, n) = {body}\n")


def world_outcomes(aggregator, items, grp) -> dict[tuple, float]:
    """Probability of every output tuple, summed over the possible worlds of `items`."""
    combine = AGGREGATORS[aggregator][1]
    out: dict[tuple, float] = {}
    for world in itertools.product([False, True], repeat=len(items)):
        weight = math.prod(p if holds else 1 - p for (p, _), holds in zip(items, world))
        facts = {row for (_, row), holds in zip(items, world) if holds}
        for g in grp:
            kv = {(k, v) for gg, k, v in facts if gg == g}
            for n in combine(kv):
                out[(g, n)] = out.get((g, n), 0.0) + weight
    return out


ITEMS = st.lists(st.tuples(st.sampled_from([0.2, 0.5, 0.9, 1.0]),
                           st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 3))),
                 max_size=5, unique_by=lambda item: item[1])


CASES = (st.sampled_from(sorted(AGGREGATORS)), ITEMS, st.sets(st.integers(0, 3), max_size=3))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(*CASES)
def test_where_aggregation_agrees_with_possible_worlds(aggregator, items, grp):
    check_where_aggregation(aggregator, items, grp)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(*CASES)
def test_where_aggregation_agrees_with_possible_worlds_long(aggregator, items, grp):
    check_where_aggregation(aggregator, items, grp)


def check_where_aggregation(aggregator, items, grp):
    program = nesy.compile(program_text(aggregator))
    facts = {"item": items, "grp": [(g,) for g in sorted(grp)]}
    expected = world_outcomes(aggregator, items, grp)
    # approximate provenances may keep tuples of weight 0, never tuples of no world
    possible = set(world_outcomes(aggregator, [(0.5, row) for _, row in items], grp))
    for name in provenance_names():
        result = program.run(provenance=name, facts=facts)["out"]
        assert set(result.tuples) <= possible, name
        if name == "exact":
            got = dict(zip(result.tuples, result.probs))
            for row in possible:
                assert got.get(row, 0.0) == pytest.approx(expected.get(row, 0.0), abs=1e-9), row
        if name == "unit":
            certain = world_outcomes(aggregator, [(1.0, row) for _, row in items], grp)
            assert set(result.tuples) == {t for t, p in certain.items() if p > 0}


@pytest.mark.parametrize("name", provenance_names())
def test_where_over_an_empty_key_relation(name):
    """Issue 16 item 6: the key relation is declared but has no facts."""
    program = nesy.compile("rel shape = {(3, 4)}\ntype k(i32)\n"
                           "rel b(s, x) = x := exists(o: shape(o, s) where s: k(s))\n")
    assert program.run(provenance=name)["b"].tuples == []
