"""Scallop's `avg` aggregator (core/src/common/foreign_aggregates/avg.rs): the mean in the
values' type (integer means truncate toward zero, as Rust's `sum / n`), per group; over
possible worlds, checked against enumerating every world."""
from __future__ import annotations

import itertools

import pytest

import nesy

from .conftest import codes, run


def test_avg_of_integers_truncates_toward_zero():
    program = '''
        rel score = {("a", 1), ("b", 2), ("c", 4)}
        rel neg = {-3, -4}
        rel a = avg(v: score(_, v))
        rel n(m) = m := avg(v: neg(v))
    '''
    assert run(program, "a") == {(2,)}   # 7 / 3
    assert run(program, "n") == {(-3,)}  # -7 / 2 toward zero


def test_avg_of_floats_and_of_distinct_values():
    program = "rel f = {(0, 1.0), (1, 2.0), (2, 4.0), (3, 4.0)}\nrel a = avg(v: f(_, v))"
    ((mean,),) = run(program, "a")
    assert mean == pytest.approx(7.0 / 3)  # the distinct values 1, 2, 4


def test_avg_per_group_and_empty_groups_have_no_result():
    program = '''
        rel classes = {0, 1, 2}
        rel grade = {(0, "tom", 80), (0, "ann", 91), (1, "bob", 70)}
        rel mean(c, m) = m := avg(g: grade(c, _, g) where c: classes(c))
    '''
    assert run(program, "mean") == {(0, 85), (1, 70)}


def test_avg_over_possible_worlds_matches_enumeration():
    facts = [(0.5, 2), (0.3, 4), (0.6, 9)]
    program = "rel p = {" + ", ".join(f"{p}::{v}" for p, v in facts) + "}\n"
    program += "rel a = avg(v: p(v))"
    result = nesy.compile(program, name="<avg>").run(provenance="exact")
    got = {row[0]: result["a"].prob(row) for row in result["a"]}
    expected: dict[int, float] = {}
    for world in itertools.product([False, True], repeat=len(facts)):
        weight, chosen = 1.0, []
        for holds, (p, v) in zip(world, facts):
            weight *= p if holds else 1 - p
            if holds:
                chosen.append(v)
        if chosen:
            mean = sum(chosen) // len(chosen)
            expected[mean] = expected.get(mean, 0.0) + weight
    assert got.keys() == expected.keys()
    for mean, p in expected.items():
        assert float(got[mean]) == pytest.approx(p)


def test_avg_of_strings_is_a_type_error():
    assert "aggregator-values" in codes('rel s = {"a"}\nrel a = avg(v: s(v))') or \
        "type-conflict" in codes('rel s = {"a"}\nrel a = avg(v: s(v))')
