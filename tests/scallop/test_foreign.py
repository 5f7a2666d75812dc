"""Foreign predicates, foreign functions and attributes (Scallop's plugin interface).

The shipped predicates' programs and expected relations are Scallop's own
(core/tests/integrate/fp.rs); the Python plugins are checked against plain Python computing
the same thing."""
from __future__ import annotations

import math

import pytest

import nesy
from nesy import builtins, foreign

from .conftest import codes, run


def probabilities(text: str, relation: str, provenance: str = "exact") -> dict:
    result = nesy.compile(text, name="<scallop>").run(provenance=provenance)
    return {tuple(t): result[relation].prob(t) for t in result[relation]}


# ---- Scallop's shipped foreign predicates (fp.rs) --------------------------------------------
def test_range_free_and_joined():
    assert run("rel result(y) = range<usize>(0, 5, y)", "result") == {(i,) for i in range(5)}
    base = "rel base = {3}\n"
    assert run(base + "rel result(y) = base(x) and range<usize>(0, x, y)", "result") == \
        {(0,), (1,), (2,)}
    assert run(base + "rel result() = base(x) and range<usize>(0, x, 2)", "result") == {()}
    assert run(base + "rel result() = base(x) and range<usize>(0, x, 100)", "result") == set()
    assert run("rel base = {3, 10}\nrel result(x) = base(x) and range<usize>(0, x, 5)",
               "result") == {(10,)}


def test_range_with_bound_adornments_and_an_empty_input():
    program = '''
        type f(bound i: usize, bound j: usize)
        rel f(i, j) = range<usize>(i + 1, j, k) and c(i, k) and f(k + 1, j)
        type c(bound i: usize, bound j: usize)
    '''
    assert run(program, "f") == set()


def test_range_type_comes_from_its_argument_or_from_inference():
    assert run("rel r(y) = range<u8>(250, 255, y)", "r") == {(i,) for i in range(250, 255)}
    assert run("rel r(y) = range(0, 3, y)", "r") == {(0,), (1,), (2,)}


def test_string_chars_split_and_find():
    assert run('rel string = {"hello"}\nrel result(i, c) = string(s), string_chars(s, i, c)',
               "result") == {(0, "h"), (1, "e"), (2, "l"), (3, "l"), (4, "o")}
    text = 'rel string = {"abcde ab cde abcde"}\nrel pattern = {" ", "ab", "abcde", "cde"}\n'
    split = run(text + "rel r(p, o) = string(s), pattern(p), string_split(s, p, o)", "r")
    assert {o for p, o in split if p == " "} == {"abcde", "ab", "cde"}
    assert {o for p, o in split if p == "ab"} == {"", "cde ", " cde ", "cde"}
    assert {o for p, o in split if p == "abcde"} == {"", " ab cde "}
    find = run(text + "rel r(p, i, j) = string(s), pattern(p), string_find(s, p, i, j)", "r")
    assert {(i, j) for p, i, j in find if p == " "} == {(5, 6), (8, 9), (12, 13)}
    assert {(i, j) for p, i, j in find if p == "ab"} == {(0, 2), (6, 8), (13, 15)}
    assert {(i, j) for p, i, j in find if p == "cde"} == {(2, 5), (9, 12), (15, 18)}


def test_float_eq_and_soft_eq():
    program = "rel result_1() = float_eq<f32>(3.000001, 1.000001 + 2.000001)\n" \
              "rel result_2() = 3.000001 == 1.000001 + 2.000001"
    assert run(program, "result_1") == {()}
    assert run(program, "result_2") == set()
    program = 'rel base = {("A", "B", 3.0)}\n' \
              "rel result(a, b) = base(a, b, x) and soft_eq<f32>(x, 3.0)"
    assert run(program, "result") == {("A", "B")}
    # soft_eq holds with probability sech((a - b) / 2), one fact per pair of values
    program = "rel x = {1.0, 2.0}\nrel r(a) = x(a), soft_eq<f64>(a, 1.5)\n" \
              "rel both() = r(1.0), r(2.0)\nrel again(a) = r(a), soft_eq<f64>(a, 1.5)"
    p = 1 / math.cosh(0.25)
    assert probabilities(program, "r") == pytest.approx({(1.0,): p, (2.0,): p})
    assert probabilities(program, "both") == pytest.approx({(): p * p})  # independent facts
    assert probabilities(program, "again") == pytest.approx({(1.0,): p, (2.0,): p})  # same fact


def test_a_foreign_predicate_under_not():
    assert run("rel x = {1, 5}\nrel r(a) = x(a), not range<i32>(0, 3, a)", "r") == {(5,)}


def test_foreign_predicate_errors_are_located():
    assert codes("rel r(y) = range<usize>(0, y)") == ["foreign-predicate-arity"]
    assert codes("rel r(y) = range<usize>(0, n, y)") == ["unsafe-variable"]
    assert codes('rel r(y) = string_chars(5, y, _)') == ["type-conflict"]


def test_a_program_relation_wins_over_a_foreign_predicate():
    program = "rel range = {(1, 4, 7)}\nrel r(x) = range(1, 4, x)"
    assert run(program, "r") == {(7,)}


# ---- the Python plugin interface -------------------------------------------------------------
@pytest.fixture
def divisors():
    @nesy.foreign_predicate
    def divisors(n: int) -> tuple[int]:
        for d in range(1, n + 1):
            if n % d == 0:
                yield (d,)

    yield divisors
    foreign.unregister_predicate("divisors")


def test_a_registered_foreign_predicate_is_a_relation(divisors):
    program = "rel n = {12, 7}\nrel d(x, y) = n(x), divisors(x, y)"
    expected = {(x, y) for x in (12, 7) for y in range(1, x + 1) if x % y == 0}
    assert run(program, "d") == expected


def test_a_probabilistic_foreign_predicate_makes_probabilistic_facts():
    @nesy.foreign_predicate(types=("i32", "i32"), bound=1, probabilistic=True)
    def noisy(x):
        yield (0.9, (x,))
        yield (0.1, (x + 1,))

    try:
        got = probabilities("rel n = {1}\nrel r(y) = n(x), noisy(x, y)", "r")
    finally:
        foreign.unregister_predicate("noisy")
    assert got == pytest.approx({(1,): 0.9, (2,): 0.1})


def test_a_foreign_function_from_annotations():
    @nesy.foreign_function
    def triple(x: int) -> int:
        return 3 * x

    try:
        assert run("rel n = {1, 2}\nrel r(y) = n(x), y == $triple(x)", "r") == {(3,), (6,)}
    finally:
        builtins.unregister("triple")


def test_an_attribute_without_a_handler_is_a_located_error():
    program = '@gpt("The capital of {{x}} is {{y}}", examples=[("France", "Paris")])\n' \
              "type capital(bound x: String, y: String)\n" \
              'rel q(y) = capital("Italy", y)'
    with pytest.raises(nesy.CompileError) as info:
        nesy.compile(program, name="<gpt>")
    (d,) = info.value.diagnostics
    assert d.code == "unknown-attribute"
    assert "no handler registered for @gpt; see docs/scallop.md" in str(info.value)
    assert (d.span.line, d.span.column) == (1, 2)


def test_an_attribute_handler_turns_a_declaration_into_a_foreign_predicate():
    seen = []

    @nesy.attribute("lookup")
    def lookup(declaration, pairs, default=None):
        seen.append((declaration, pairs, default))
        table = dict(pairs)

        def fn(key):
            if key in table:
                yield (table[key],)
        types = tuple(t for _, t, _ in declaration.fields)
        return foreign.ForeignPredicate(declaration.name, types, 1, fn)

    try:
        program = '@lookup([("France", "Paris"), ("Italy", "Rome")], default="?")\n' \
                  "type capital(bound x: String, y: String)\n" \
                  'rel country = {"Italy", "Spain"}\n' \
                  "rel q(c, y) = country(c), capital(c, y)"
        assert run(program, "q") == {("Italy", "Rome")}
    finally:
        foreign.unregister_attribute("lookup")
    (declaration, pairs, default), *_ = seen
    assert declaration.kind == "relation" and declaration.name == "capital"
    assert declaration.fields == (("x", "String", "bound"), ("y", "String", None))
    assert pairs == [("France", "Paris"), ("Italy", "Rome")] and default == "?"


def test_an_attribute_handler_can_reject_a_use():
    @nesy.attribute("needs_two")
    def needs_two(declaration, *args):
        if len(args) != 2:
            raise ValueError("needs_two attribute requires 2 arguments")

    try:
        assert codes("@needs_two(1)\ntype r(i32)") == ["attribute-rejected"]
        assert run("@needs_two(1, 2)\ntype r(i32)\nrel s(x) = r(x)", "s") == set()
    finally:
        foreign.unregister_attribute("needs_two")


def test_known_attributes():
    program = '''
        rel edge = {(0, 1), (1, 2), (2, 3)}
        @demand("bf")
        rel path(a, b) = edge(a, b) or (path(a, c) and edge(c, b))
        @goal
        rel goal() = path(0, 2)
        @hidden
        rel helper(a) = edge(a, _)
    '''
    compiled = nesy.compile(program)
    assert compiled.ir.demand == {"path": "bf"}
    assert "helper" not in compiled.relations
    assert run(program, "goal") == {()}


def test_goal_is_one_nullary_relation():
    # goal.rs: Scallop rejects two @goal relations and a @goal relation with arguments
    edges = "rel edge = {(0, 1), (1, 2)}\nrel path(a, b) = edge(a, b)\n"
    assert codes(edges + "@goal rel g1() = path(0, 1)\n@goal rel g2() = path(0, 2)") == \
        ["attribute-rejected"]
    assert codes(edges + "@goal rel g(x) = path(0, x)") == ["attribute-rejected"]


def test_proofs_name_the_facts_a_foreign_predicate_makes():
    program = "rel x = {1.0, 2.0}\nrel r(a) = x(a), soft_eq<f64>(a, 1.5)"
    result = nesy.compile(program).run(provenance="proofs")
    relation = result["r"]
    shown = {row: [[relation.facts[f] for f in proof] for proof in proofs]
             for row, proofs in zip(relation.tuples, relation.proofs)}
    assert shown == {(1.0,): [["soft_eq(1.0, 1.5)"]], (2.0,): [["soft_eq(2.0, 1.5)"]]}
