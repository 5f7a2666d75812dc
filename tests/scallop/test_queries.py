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
