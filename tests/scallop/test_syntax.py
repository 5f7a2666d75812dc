"""Scallop syntax nesy accepts unchanged: 1-tuples `(x,)`, triple-quoted strings, `const`
declarations and enum variants with explicit values (doc/src/language/constants.md)."""
from __future__ import annotations

from .conftest import codes, run


def test_one_tuples_with_trailing_comma():
    assert run("rel r = {(1,), (2,), (3,)}", "r") == {(1,), (2,), (3,)}


def test_triple_quoted_string_spans_lines_and_holds_quotes():
    program = 'rel doc = {"""say "hi"\nrel not a statement"""}\nrel n(c) = c := count(s: doc(s))'
    assert run(program, "doc") == {('say "hi"\nrel not a statement',)}
    assert run(program, "n") == {(1,)}


def test_triple_quoted_string_in_a_plain_fact_line():
    assert run('rel t("""a""")\nrel u("b")', "t") == {("a",)}


def test_const_declarations_several_at_once_are_their_values():
    program = '''
        const LEFT = 0, UP = 1, RIGHT = 2, DOWN = 3
        rel action = {(LEFT, "left"), (DOWN, "down")}
        rel vertical(a) = action(a, _), a == UP or a == DOWN
    '''
    assert run(program, "action") == {(0, "left"), (3, "down")}
    assert run(program, "vertical") == {(3,)}


def test_typed_and_negative_constants():
    program = '''
        const PI: f64 = 3.5, NEG = -4, BACK = NEG
        rel radius = {2.0}
        rel area(r, PI * r) = radius(r)
        rel n(NEG)
        rel m(BACK)
    '''
    assert run(program, "area") == {(2.0, 7.0)}
    assert run(program, "n") == {(-4,)} == run(program, "m")


def test_enum_variants_with_explicit_values_are_usize_constants():
    # constants.md: `type Color = RED | GREEN = 10 | BLUE` gives RED = 0, GREEN = 10, BLUE = 11
    program = '''
        type Color = RED | GREEN = 10 | BLUE
        rel color = {RED, GREEN, BLUE}
        rel above(c) = color(c), c > GREEN - 1
    '''
    assert run(program, "color") == {(0,), (10,), (11,)}
    assert run(program, "above") == {(10,), (11,)}


def test_all_explicit_enum_values():
    program = "type Color = RED = 3 | GREEN = 5 | BLUE = 7\nrel c = {RED, BLUE}"
    assert run(program, "c") == {(3,), (7,)}


def test_constant_naming_nothing_is_an_error():
    assert codes("const A = B\nrel r(A)")[0] == "unknown-constant"


def test_constant_defined_twice_is_an_error():
    assert "duplicate-enum-constant" in codes("const A = 1, A = 2\nrel r(A)")


def test_constant_as_an_aggregation_variable_is_an_error():
    program = "const N = 1\nrel p = {1}\nrel q(N) = N := count(x: p(x))"
    assert "enum-constant-as-variable" in codes(program)
