"""Scallop's ways of binding an aggregation's result (doc/src/language/aggregation.md):
`n := count(..)`, `n = count(..)` (both `ReduceAssignmentSymbol`s of Scallop's grammar), and
the reduce-rule sugar `rel r = count(..)`, whose head gets the aggregator's results."""
from __future__ import annotations

from .conftest import codes, run

PEOPLE = 'rel person = {"alice", "bob", "christine"}\n'


def test_colon_equals_and_equals_bind_the_same_result():
    for symbol in (":=", "="):
        program = PEOPLE + f"rel num_people(n) = n {symbol} count(p: person(p))"
        assert run(program, "num_people") == {(3,)}


def test_equals_form_in_a_horn_rule_with_implicit_group_by():
    # core/tests/integrate/basic.rs count_test_2: o is grouped because the head uses it
    program = '''
        rel R = {(0, "a"), (1, "b"), (1, "a"), (0, "c"), (0, "d")}
        rel O(o, i) :- i = count(s: R(o, s))
    '''
    assert run(program, "O") == {(0, 3), (1, 2)}


def test_equals_form_with_where_clause():
    program = '''
        rel classes = {0, 1, 2}
        rel student = {(0, "tom"), (0, "jenny"), (1, "alice")}
        rel size(c, n) = n = count(s: student(c, s) where c: classes(c))
    '''
    assert run(program, "size") == {(0, 2), (1, 1), (2, 0)}


def test_reduce_rule_sugar_count_and_sum():
    program = '''
        rel edge = {(0, 1), (1, 2), (2, 3)}
        rel num_edges = count(a, b: edge(a, b))
        rel total :- sum(b: edge(_, b))
    '''
    assert run(program, "num_edges") == {(3,)}
    assert run(program, "total") == {(6,)}


def test_reduce_rule_sugar_takes_the_aggregators_result_arity():
    # argmax[a](v: ..) has one result per argument variable: the head is unary
    program = '''
        rel exam = {("tom", 80), ("jenny", 99), ("alice", 99)}
        rel best = argmax[p](s: exam(p, s))
        rel top = max(s: exam(_, s))
    '''
    assert run(program, "best") == {("jenny",), ("alice",)}
    assert run(program, "top") == {(99,)}


def test_a_lone_equals_that_binds_no_aggregation_is_the_comparison_typo():
    from nesy.errors import CompileError
    import nesy
    import pytest

    with pytest.raises(CompileError) as info:
        nesy.compile("rel p = {1}\nrel q(x) = p(x), x = 5", name="<t>")
    (d,) = info.value.diagnostics
    assert d.code == "syntax-error" and d.fields["token"] == "="
    assert "'=='" in d.fields["expected"]


def test_reduce_rule_with_unknown_aggregator_is_reported_as_unknown():
    assert "unknown-aggregator" in codes("rel p = {1}\nrel n = cnt(x: p(x))")


def test_forall_with_scallops_implication_arrow():
    # doc/src/language/aggregation.md, "Universal Quantifier": not every object is a sphere
    program = '''
        type Shape = CUBE | SPHERE
        rel object = {0, 1, 2}
        rel obj_shape = {(0, CUBE), (1, SPHERE), (2, SPHERE)}
        rel target(b) = b := forall(o: object(o) => obj_shape(o, SPHERE))
        rel spheres_are_objects(b) = b := forall(o: obj_shape(o, SPHERE) => object(o))
    '''
    assert run(program, "target") == {(False,)}
    assert run(program, "spheres_are_objects") == {(True,)}


def test_equals_between_variables_is_the_comparison_typo_too():
    import nesy
    import pytest
    from nesy.errors import CompileError

    for text, column in [("rel p = {1}\nrel q(x) = p(x), x = y", 20),
                         ("rel p = {1}\nrel q(x) = p(x), x = y, p(y)", 20)]:
        with pytest.raises(CompileError) as info:
            nesy.compile(text, name="<t>")
        (d,) = info.value.diagnostics
        assert (d.code, d.fields["token"], d.span.column) == ("syntax-error", "=", column)


def test_an_unfinished_reduce_rule_is_not_called_a_comparison():
    import nesy
    import pytest
    from nesy.errors import CompileError

    with pytest.raises(CompileError) as info:
        nesy.compile("rel r = count", name="<t>")
    (d,) = info.value.diagnostics
    assert d.code == "unexpected-end"


def test_an_aggregation_without_variables():
    # basic.rs: `b := exists(path(0, 2))`
    program = '''
        rel edge = {(0, 1), (1, 2)}
        rel path(a, b) = edge(a, b) or (path(a, c) and edge(c, b))
        rel result1(b) = b := exists(path(0, 2))
        rel result2(b) = b := exists(path(0, 3))
    '''
    assert run(program, "result1") == {(True,)}
    assert run(program, "result2") == {(False,)}
    assert codes("rel r(1)\nrel n(c) = c := count(1: r(x))") == ["aggregation-binding"]
