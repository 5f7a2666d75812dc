"""`query R(c, _)` as Scallop documents it (doc/src/language/query.md): only the tuples that
match the constants are output; `_` matches anything."""
from __future__ import annotations

import nesy

PROGRAM = '''
rel S = {(0, 1), (0, 2), (1, 3), (2, 0)}
query S(0, _)
'''


def test_query_with_constant_and_wildcard_keeps_only_matching_tuples():
    result = nesy.compile(PROGRAM, name="<q>").run()
    assert {tuple(t) for t in result["S"]} == {(0, 1), (0, 2)}


def test_query_with_constant_in_second_column():
    result = nesy.compile(PROGRAM.replace("S(0, _)", "S(_, 0)"), name="<q>").run()
    assert {tuple(t) for t in result["S"]} == {(2, 0)}


def test_query_on_a_derived_relation():
    program = '''
        rel edge = {(0, 1), (1, 2)}
        rel path(a, b) = edge(a, b) or (path(a, c) and edge(c, b))
        query path(0, _)
    '''
    result = nesy.compile(program, name="<q>").run()
    assert {tuple(t) for t in result["path"]} == {(0, 1), (0, 2)}


def test_query_with_an_expression_keeps_the_rows_where_it_holds():
    """Scallop's basic.rs `atomic_query_2`: `query S(a, a * 2)` gives (1, 2) and (2, 4)."""
    program = '''
        rel S = {(1, 2), (2, 4), (1, 1), (2, 2)}
        rel T = {("a", "ab"), ("b", "c")}
        query S(a, a * 2)
        query T(x, x + "b")
    '''
    result = nesy.compile(program, name="<q>").run()
    assert {tuple(t) for t in result["S"]} == {(1, 2), (2, 4)}
    assert {tuple(t) for t in result["T"]} == {("a", "ab")}


def test_a_query_expression_without_a_value_matches_nothing():
    """Integer overflow gives no value, as the same expression in a rule derives nothing."""
    program = "type S(a: i8, b: i8)\nrel S = {(100, -56), (1, 2)}\nquery S(a, a * 2)"
    result = nesy.compile(program, name="<q>").run()
    assert {tuple(t) for t in result["S"]} == {(1, 2)}
