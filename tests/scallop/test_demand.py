"""Scallop's demand transformation (`@demand("bf")`, `bound` fields in a `type`) and
variables bound by arithmetic inside atoms (`fib(x - 1, a)`), as in Scallop's tests
core/tests/integrate/dt.rs and basic.rs. Expected relations: Scallop's own, or computed here
from the definition (Fibonacci numbers, reachability in every possible world)."""
from __future__ import annotations

import itertools

import networkx as nx
import pytest

from .conftest import codes, run


def fibonacci(n: int) -> int:
    a, b = 1, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def test_arithmetic_in_an_atom_binds_its_variable():
    # basic.rs fib_test_0: bottom-up, x is the previous x plus one; x <= 7 stops it
    program = '''
        rel fib :- {(0, 1), (1, 1)}
        rel fib(x, a + b) :- fib(x - 1, a), fib(x - 2, b), x <= 7
    '''
    assert run(program, "fib") == {(i, fibonacci(i)) for i in range(8)}


def test_mutual_recursion_through_arithmetic_arguments():
    # basic.rs odd_even_3
    program = '''
        rel even(0)
        rel odd(x) = even(x - 1), x < 10
        rel even(x) = odd(x - 1), x < 10
    '''
    assert run(program, "odd") == {(i,) for i in range(1, 10, 2)}
    assert run(program, "even") == {(i,) for i in range(0, 10, 2)}


def test_each_solvable_form_of_an_argument():
    # x + c, c + x, x - c and c - x each bind x; the check keeps only exact solutions
    program = '''
        rel n = {3, 10}
        rel a(x) = n(x + 1)
        rel b(x) = n(1 + x)
        rel c(x) = n(x - 1)
        rel d(x) = n(12 - x)
    '''
    assert run(program, "a") == {(2,), (9,)}
    assert run(program, "b") == {(2,), (9,)}
    assert run(program, "c") == {(4,), (11,)}
    assert run(program, "d") == {(9,), (2,)}


def test_an_argument_that_cannot_be_solved_is_still_an_unsafe_variable():
    assert codes("rel n = {4}\nrel h(x) = n(x * 2)") == ["unsafe-variable"]


def test_demanded_fibonacci_terminates_with_scallops_answer():
    # dt.rs fib_dt_test_1: without demand `x > 1` never stops the recursion
    program = '''
        rel fib = {(0, 1), (1, 1)}
        @demand("bf")
        rel fib(x, a + b) = fib(x - 1, a), fib(x - 2, b), x > 1
        query fib(10, y)
    '''
    assert run(program, "fib") == {(10, 89)}


def test_bound_fields_ask_for_demand_as_the_attribute_does():
    # dt.rs fib_dt_test_2
    program = '''
        type fib(bound i32, i32)
        rel fib = {(0, 1), (1, 1)}
        rel fib(x, a + b) = fib(x - 1, a), fib(x - 2, b), x > 1
        query fib(10, y)
    '''
    assert run(program, "fib") == {(10, 89)}


@pytest.mark.parametrize("declaration", ['@demand("bbf")\n',
                                         "type range(bound a: i32, bound b: i32, free i: i32)\n"])
def test_demand_binds_head_variables_a_rule_body_never_binds(declaration):
    # dt.rs range_dt_test_1 and _2: `a == i` alone binds nothing
    program = declaration + '''
        rel range(a, b, i) = a == i
        rel range(a, b, i) = range(a, b, i - 1), i < b
        query range(1, 4, x)
    '''
    assert run(program, "range") == {(1, 4, 1), (1, 4, 2), (1, 4, 3)}


def test_demand_comes_from_the_rules_that_read_the_relation():
    program = '''
        rel fib = {(0, 1), (1, 1)}
        @demand("bf")
        rel fib(x, a + b) = fib(x - 1, a), fib(x - 2, b), x > 1
        rel answer(y) = fib(30, y)
    '''
    assert run(program, "answer") == {(fibonacci(30),)}


def test_a_demanded_relation_read_with_its_bound_argument_free_is_an_error():
    program = '''
        @demand("bf")
        rel f(x, y) = g(x, y)
        rel g = {(1, 2)}
        rel h(y) = f(_, y)
    '''
    assert codes(program) == ["unsafe-variable"]


def test_demanded_probabilities_are_those_of_every_possible_world():
    # reachability from 0 over uncertain edges, by enumerating the 2^4 worlds
    edges = {(0, 1): 0.5, (1, 2): 0.6, (0, 2): 0.2, (2, 3): 0.9}
    program = "rel edge = {" + ", ".join(f"{p}::({a}, {b})" for (a, b), p in edges.items()) + \
        "}\n@demand(\"bf\")\nrel path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))\n" \
        "rel from_zero(b) = path(0, b)\n"
    import nesy

    result = nesy.compile(program, name="<dt>").run(provenance="exact")["from_zero"]
    expected = {}
    for world in itertools.product([False, True], repeat=len(edges)):
        weight, present = 1.0, []
        for (edge, p), there in zip(edges.items(), world):
            weight *= p if there else 1 - p
            if there:
                present.append(edge)
        graph = nx.DiGraph(present)
        graph.add_node(0)
        starts = {0} | nx.descendants(graph, 0)
        for b in {b for a, b in present if a in starts}:  # reached over at least one edge
            expected[b] = expected.get(b, 0.0) + weight
    assert {t[0]: result.prob(t) for t in result} == pytest.approx(expected)


TYPE_CHECKER = '''
    type Op = EQ | ADD
    type Expr = Number(i32) | Boolean(bool) | Variable(String) | Binary(Op, Expr, Expr)
              | Let(String, Expr, Expr)
    type Type = BOOL | INT
    type Env = Empty() | Cons(String, Type, Env)
    const EMPTY_ENV = Empty()
    type input_program(expr: Expr)

    type find_type(bound env: Env, bound var: String, free ty: Type)
    rel find_type(env, var, ty) = case env is Cons(var, ty, _)
    rel find_type(env, var, ty) = case env is Cons(vp, _, tl) and vp != var and find_type(tl, var, ty)

    type type_of(bound env: Env, bound expr: Expr, ty: Type)
    rel type_of(env, e, BOOL) = case e is Boolean(_)
    rel type_of(env, e, INT) = case e is Number(_)
    rel type_of(env, e, ty) = case e is Variable(x) and find_type(env, x, ty)
    rel type_of(env, e, BOOL) = case e is Binary(EQ, op1, op2) and type_of(env, op1, ty) and type_of(env, op2, ty)
    rel type_of(env, e, INT) = case e is Binary(ADD, op1, op2) and type_of(env, op1, INT) and type_of(env, op2, INT)
    rel type_of(env, e, ty_i) = to_infer_let_cons(env, e, sub_env, i) and type_of(sub_env, i, ty_i)

    type to_infer_let_cons(bound env: Env, bound expr: Expr, out_env: Env, cont: Expr)
    rel to_infer_let_cons(env, e, new Cons(x, ty_b, env), i) = case e is Let(x, b, i) and type_of(env, b, ty_b)

    rel result(ty) = input_program(p) and type_of(EMPTY_ENV, p, ty)
    const PROGRAM = TEXT
    rel input_program(PROGRAM)
'''


@pytest.mark.parametrize("text,expected", [
    ('Let("x", Number(3), Binary(EQ, Variable("x"), Number(4)))', {("BOOL",)}),
    ('Let("x", Number(3), Binary(ADD, Variable("x"), Boolean(false)))', set()),
    ('Let("x", Boolean(true), Let("y", Number(1), Binary(EQ, Variable("x"), Variable("x"))))',
     {("BOOL",)}),
])
def test_a_demand_driven_type_checker_with_entities_made_by_new(text, expected):
    # adt.rs type_inference tests: the environment is an entity made by `new` in a
    # demanded relation's head, so the entity's rule is restricted by the same demand
    assert run(TYPE_CHECKER.replace("TEXT", text), "result") == expected


def test_demand_errors_as_scallops():
    # demand_attr.rs: conflicting patterns, a demanded disjunctive head, a pattern's length
    conflicting = '@demand("bf")\nrel f(x, y) = g(x, y)\n@demand("fb")\nrel f(x, y) = g(y, x)\n' \
                  'rel g = {(1, 2)}'
    assert codes(conflicting) == ["attribute-rejected"]
    disjunctive = 'rel g = {1}\n@demand("b")\nrel {f(x); h(x)} = g(x)\nrel r() = f(1)'
    assert codes(disjunctive) == ["attribute-rejected"] * 2  # f and h: the rule's heads
    assert codes('@demand("bbf")\nrel f(x, y) = g(x, y)\nrel g = {(1, 2)}') == \
        ["attribute-rejected"]
