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


# ---- rule tags, range sugar, fact-set forms, several declarations (tag.rs, fp.rs, basic.rs,
# edb.rs) ------------------------------------------------------------------------------------
def _probabilities(text: str, relation: str, provenance: str) -> dict:
    import nesy

    result = nesy.compile(text, name="<scallop>").run(provenance=provenance)
    return {tuple(t): result[relation].prob(t) for t in result[relation]}


def test_rule_tag_expressions():
    import pytest

    assert _probabilities("rel my_prob(0.5)\nrel p::fall_off() = my_prob(p)", "fall_off",
                          "addmultprob") == pytest.approx({(): 0.5})
    assert _probabilities("rel my_num(5.0)\nrel 1.0/n::fall_off() = my_num(n)", "fall_off",
                          "addmultprob") == pytest.approx({(): 0.2})
    program = '''
        rel edge = {(0, 1), (1, 2)}
        rel path(x, y, 1.0) = edge(x, y)
        rel path(x, z, l + 1.0) = path(x, y, l) and edge(y, z)
        rel (1.0 / l)::path_prob(x, y) = path(x, y, l)
    '''
    assert _probabilities(program, "path_prob", "minmaxprob") == pytest.approx(
        {(0, 1): 1.0, (1, 2): 1.0, (0, 2): 0.5})
    assert _probabilities("rel my_num(5)\nrel 1::fall_off(n) = my_num(n)", "fall_off",
                          "addmultprob") == pytest.approx({(5,): 1.0})


def test_rule_tag_errors():
    assert codes("type my_num(i32)\nrel my_num(5)\nrel (1.0 / n)::fall_off() = my_num(n)") \
        == ["type-conflict"]
    assert codes("rel my_num()\nrel (1.0 / n)::fall_off() = my_num()") == ["unsafe-variable"]


def test_range_sugar():
    assert run("rel result_1(x) = x in 0..5", "result_1") == {(i,) for i in range(5)}
    assert run("rel result_2(x) = x in 3..=6", "result_2") == {(i,) for i in range(3, 7)}
    assert run("rel grid(x, y) = x in 2..5 and y in 5..=7", "grid") == {
        (x, y) for x in range(2, 5) for y in range(5, 8)}


def test_fact_set_with_horn_arrow_and_several_declarations_in_one_type():
    assert run("rel fib :- {(0, 1), (1, 1)}", "fib") == {(0, 1), (1, 1)}
    program = "type edge_1(usize, usize), edge_2(bound usize, free b: usize)\n" \
              "rel e(a, b) = edge_1(a, b) or edge_2(a, b)"
    assert run(program, "e") == set()


def test_integer_literals_in_float_columns_and_escaped_quotes_in_triple_quoted_strings():
    # basic.rs bmi_test_2 (an f32 column given integers) and escape tests
    program = '''
        type student(usize, f32, f32, String)
        rel student = {
            (1, 185, 80, "Mary"),
            (2, 175, 70, "John"),
        }
        rel height(id, h) = student(id, h, _, _)
    '''
    assert run(program, "height") == {(1, 185.0), (2, 175.0)}
    assert run('rel str = {"""Here is a quote:\n\\"Hi\\""""}', "str") == \
        {('Here is a quote:\n"Hi"',)}


def test_sub_type_declarations_name_a_type():
    program = 'type Name <: String\ntype p(n: Name)\nrel p = {"a"}\nrel q(x) = p(x)'
    assert run(program, "q") == {("a",)}
    assert codes('type Name <: String\ntype p(n: Name)\nrel p = {1}') == ["type-conflict"]


def test_conjunctive_and_disjunctive_heads():
    # under set semantics every alternative of a disjunctive head holds (its tagged
    # semantics: tests/scallop/test_disjunctions.py)
    program = '''
        rel var = {1, 2}
        rel {assign(x, true); assign(x, false)} = var(x)
        rel {a(x), b(x + 1)} = var(x)
    '''
    assert run(program, "assign") == {(1, True), (1, False), (2, True), (2, False)}
    assert run(program, "a") == {(1,), (2,)} and run(program, "b") == {(2,), (3,)}


def test_a_variable_only_in_a_negated_atom_is_local_to_it():
    # basic.rs simple_test_8: `~R(b, c)` is `not exists c: R(b, c)`
    program = "rel S = {(0, 1), (1, 2), (2, 3)}\nrel R = {(1, 2), (2, 3)}\n" \
              "rel O(a, b) = S(a, b), ~R(b, c)"
    assert run(program, "O") == {(2, 3)}
    assert codes("rel n(1)\nrel e(1, 2)\nrel p(x, y) = n(x) and not e(x, y)") == \
        ["unsafe-variable"]


def test_an_integer_in_an_enum_column_is_the_variant_of_that_index():
    # a Scallop enum is a usize (doc/src/language/constants.md); adt.rs gives an enum
    # column 0 and 1: nesy reads them as the variants they number (and prints names)
    program = '''
        type Color = RED | GREEN | BLUE
        type paint(i32, Color)
        rel paint = {(0, RED), (1, 2)}
        rel blue(x) = paint(x, BLUE)
    '''
    assert run(program, "blue") == {(1,)}
    assert run("type Color = RED | GREEN\nrel c = {(0, RED), (1, 0)}\n"
               "rel red(x) = c(x, RED)", "red") == {(0,), (1,)}
    assert codes("type Color = RED | GREEN\ntype c(Color)\nrel c = {2}") == \
        ["literal-out-of-range"]


def test_a_fact_whose_computed_value_does_not_exist_is_no_fact():
    # basic.rs char_at_test_3: `rel output($string_char_at("", 0))` derives nothing, as the
    # same expression in a rule body yields no row
    assert run('rel output($string_char_at("", 0))\nrel output(\'x\')', "output") == {("x",)}
    assert run("rel r = {(1 / 0,), (2,)}", "r") == {(2,)}
    assert codes("type r(f32)\nrel r(1e300)") == ["constant-without-value"]  # a literal
