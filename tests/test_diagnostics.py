"""The front end's diagnostics as a specification: a program, and the kind of error it must
produce (its code) with the kind's structured fields.

Kinds are listed in one catalogue, nesy/dsl/diagnostics.py; every kind in it has a program
here, so a kind nobody can trigger, or a program that stops producing its kind, fails.
"""
from __future__ import annotations

import re

import pytest

import nesy
from nesy.dsl import diagnostics as catalogue
from nesy.errors import DiagnosticKind

# (program, code of its first diagnostic, fields that diagnostic must have)
SPEC = [
    ("rel e = {(0, 1)}\nrel p(a) = e(a, b) and and e(b, a)\n", "syntax-error", {"token": "and"}),
    ('rel s("open)\n', "unexpected-character", {"character": '"'}),
    ("rel e = {(0, 1)\n", "unexpected-end", {"where": "file", "expected": ["','", "';'", "'}'"]}),
    ("rel e = {(0, 1)\nrel q(1)\n", "unexpected-end", {"where": "statement"}),
    ("/* never closed\nrel r(1)\n", "unclosed-comment", {}),
    ('rel s("a\\q")\n', "bad-escape", {"text": '"a\\q"'}),
    ("rel c('\\q')\n", "bad-character-literal", {"text": "'\\q'"}),
    ("rel n(1)\nrel p(x) = n(x) and x == n(1)\n", "value-expected", {"relation": "n"}),
    ("rel r(1)\nrel p(n) = (n, 1) := count(x: r(x))\n", "aggregation-target", {}),
    ("rel r(1)\nrel p() = exists(1: r(1))\n", "aggregation-binding", {}),
    ('rel r = {t"ABCDEF"}\n', "bad-time-literal", {"type": "DateTime", "text": "ABCDEF"}),
    ('import "/nonexistent/x.scl"\n', "import-failed", {"path": "/nonexistent/x.scl"}),
    ("rel r(1)\nrel p(n) = n := count<2>(x: r(x))\n", "aggregator-params",
     {"aggregator": "count", "problem": "expected at most 0 parameters, found 1"}),
    ("rle path(a, b) = edge(a, b)\n", "syntax-error", {"token": "path", "suggestion": "rel"}),
    ("rel e = {(1, 2)}\n?- e(1, X).\n", "unexpected-character",
     {"character": "?", "query": "query e(1, X)"}),
    ("rel x(" + "9" * 4301 + ")\n", "integer-too-large", {"digits": 4301, "most": 39}),
    ("rel e(1, 2)\nrel p(a, c) = e(a, b) && e(b, c)\n", "operator-between-atoms",
     {"operator": "&&", "keyword": "and"}),
    ("rel n(1)\nrel t(s) = s == sum(n(x))\n", "aggregation-form", {"aggregator": "sum"}),
    ("rel e(1)\nrel p(x) = e(x) and " + "not (e(x) and " * 101 + "e(x)" + ")" * 101 + "\n",
     "nesting-too-deep", {"most": 100}),
    ("# A README\n\n" + "Some *text*, with `code`.\n" * 12, "not-a-program",
     {"file": "spec.nesy", "errors": 10}),
    ("type T = A | B\ntype T = C | D\n", "duplicate-type", {"type": "T"}),
    ("type e(x: int32)\n", "unknown-type", {"type": "int32", "suggestion": "i32"}),
    ("type T = A | A\n", "duplicate-enum-constant", {"constant": "A"}),
    ("type e(i32)\ntype e(i32)\n", "duplicate-relation", {"relation": "e"}),
    ("rel e(0, 1)\nrel e(2)\n", "arity-mismatch", {"relation": "e", "arity": 1, "expected": 2}),
    ("rel edge(0, 1)\nrel p(a) = edgee(a, _)\n", "unknown-relation",
     {"relation": "edgee", "suggestion": "edge"}),
    ("rel r(y) = ranges(0, 5, y)\n", "undefined-relation", {"relation": "ranges"}),
    ("rel r(y) = range(0, y)\n", "foreign-predicate-arity",
     {"predicate": "range", "expected": 3, "arity": 2}),
    ("@gpt(\"capital of {{x}}\")\ntype capital(bound x: String, y: String)\n",
     "unknown-attribute", {"attribute": "gpt"}),
    ("@demand(3)\nrel r(1)\n", "attribute-rejected", {"attribute": "demand"}),
    ("type L = Nil() | Cons(i32, L)\nconst X = Con(1, Nil())\n", "unknown-variant",
     {"variant": "Con", "suggestion": "Cons"}),
    ("type L = Nil() | Cons(i32, L)\nconst X = Cons(1)\n", "variant-arity",
     {"variant": "Cons", "expected": 2, "arity": 1}),
    ("type L = Nil() | Cons(i32, L)\nrel r(x) = case x is 3\n", "case-pattern", {}),
    ('type L = Nil() | Cons(i32, L)\nrel r($parse_entity("Cons(1,"))\n', "entity-text",
     {"text": "Cons(1,"}),
    ("type L = Nil() | Cons(i32, L)\nrel n = {1}\nrel r(x) = n(x), x == new Nil()\n",
     "misplaced-new", {}),
    ("rel e(1)\nquery nosuch\n", "query-unknown-relation", {"relation": "nosuch"}),
    ("rel e(1, 2)\nquery e(a, b * 2)\n", "query-expression", {"variable": "b"}),
    ("rel e(1)\nquery e(1, 2)\n", "query-arity-mismatch",
     {"relation": "e", "arity": 2, "expected": 1}),
    ("rel p(1)\nrel m(n) = n := count(y: p(y) => p(y))\n", "misplaced-implies",
     {"aggregator": "count", "allowed_in": ["forall"]}),
    ("rel r(1)\nrel n(c) = c := cuont(x: r(x))\n", "unknown-aggregator", {"name": "cuont"}),
    ("type C = RED | BLUE\nrel r(1)\nrel n(c) = c := count(RED: r(RED))\n",
     "enum-constant-as-variable", {"constant": "RED"}),
    ("const LEFT = 0\nconst UP = LEFF\n", "unknown-constant",
     {"constant": "LEFF", "suggestion": "LEFT"}),
    ("rel r(1)\nrel n(b) = b := forall(x: r(x))\n", "aggregator-needs-implies",
     {"aggregator": "forall"}),
    ("rel n(1)\nrel p($nope(x)) = n(x)\n", "unknown-function", {"function": "nope"}),
    ('rel n("a")\nrel p($string_length(x, x)) = n(x)\n', "function-arity",
     {"function": "string_length", "arity": 2}),
    ('type a(i32)\nrel a("x")\n', "type-conflict",
     {"context": "argument of 'a'", "left_types": ["i32"], "right_types": ["String"]}),
    ("type small(i8)\nrel small(300)\n", "literal-out-of-range",
     {"value": 300, "type": "i8", "low": -128, "high": 127}),
    ("rel c = {0.5::(0, 1); (0, 2)}\n", "disjunction-without-probability", {}),
    ("rel 1.5::r(1)\n", "probability-out-of-range", {"probability": 1.5}),
    ("rel c = {(x, 1)}\n", "variable-in-fact", {"variable": "x"}),
    ("rel e(1)\nquery e(1 / 0)\n", "constant-without-value", {}),
    ("rel e(1)\nrel p(x, _) = e(x)\n", "wildcard-in-head", {}),
    ("rel e(1)\nrel p(x) = e(x) and _ == 1\n", "wildcard-as-value", {}),
    ("rel e(0, 1)\nrel p(a, c) = e(a, b)\n", "unsafe-variable", {"variable": "c", "place": "head"}),
    ("rel n(1)\nrel e(1, 2)\nrel p(x, y) = n(x) and not e(x, y)\n", "unsafe-variable",
     {"variable": "y", "place": "not"}),
    ("rel n(1)\nrel p(x) = n(x) and y > 3\n", "unsafe-variable",
     {"variable": "y", "place": "condition"}),
    ("rel n(1)\nrel e(1, 2)\nrel p(x) = n(x) and e(x, y * 2)\n", "unsafe-variable",
     {"variable": "y", "place": "computed-argument"}),
    ("rel n(1)\nrel p(x) = n(x) and not q(x)\nrel q(x) = n(x) and not p(x)\n", "unstratifiable",
     {"cycle": ["p", "q", "p"]}),
    ("rel r(1)\nrel n(c) = c := count(y: r(x))\n", "variable-not-in-aggregation",
     {"variable": "y", "aggregator": "count"}),
    ("rel r(1, 2)\nrel g(1)\nrel n(k, c) = c := count(x: r(x, k) where k: g(j))\n",
     "key-not-in-where", {"variable": "k"}),
    ("rel r(1)\nrel g(1)\nrel n(k, c) = c := count(x: r(x) where k: g(k))\n",
     "key-not-in-aggregation", {"variable": "k", "aggregator": "count"}),
    ("rel r(1)\nrel n(c) = c := sum(x, y: r(x) and r(y))\n", "aggregator-values",
     {"aggregator": "sum", "expected": 1, "got": 2}),
    ("rel r(1)\nrel n(c) = c := argmax(x: r(x))\n", "aggregator-needs-args",
     {"aggregator": "argmax"}),
    ("rel r(1)\nrel n(c, d) = (c, d) := count(x: r(x))\n", "aggregator-results",
     {"aggregator": "count", "expected": 1, "got": 2}),
    ("grammar g(x: String) -> S {\n  S: String ::= x\n}\n"
     "grammar g(x: String) -> S {\n  S: String ::= x\n}\n", "duplicate-grammar",
     {"grammar": "g"}),
    ("grammar g(x: String) -> S {\n  S: String ::= x\n  S: String ::= x\n}\n",
     "duplicate-nonterminal", {"grammar": "g", "nonterminal": "S"}),
    ("grammar g(x: String) -> x {\n  x: String ::= \"a\"\n}\n", "input-is-nonterminal",
     {"grammar": "g", "name": "x"}),
    ("grammar g(x: String) -> T {\n  S: String ::= x\n}\n", "unknown-start-symbol",
     {"grammar": "g", "start": "T"}),
    ("grammar g(x: String) -> S {\n  S: String ::= x | y\n}\n", "unknown-grammar-name",
     {"grammar": "g", "name": "y"}),
]


#: Kinds found when the program runs, where the provenance is known (nesy.engine.inputs):
#: (program, provenance, code, fields).
RUN_SPEC = [
    ("rel c = {0.7::(0, 1); 0.5::(0, 2)}\n", "exact", "disjunction-above-one",
     {"total": 1.2, "provenance": "exact"}),
    ("rel v(1)\nrel {a(x); b(x)} = v(x)\n", "diffexact", "disjunctive-head",
     {"provenance": "diffexact"}),
]


@pytest.mark.parametrize("text,provenance,code,fields", RUN_SPEC)
def test_running_program_produces_its_kind_of_error(text, provenance, code, fields):
    with pytest.raises(nesy.CompileError) as info:
        nesy.compile(text, name="spec.nesy").run(provenance=provenance)
    d = info.value.diagnostics[0]
    assert d.code == code and d.span is not None, d.render()
    assert {name: d.fields.get(name) for name in fields} == fields, d.fields


def first_diagnostic(text: str):
    with pytest.raises(nesy.CompileError) as info:
        nesy.compile(text, name="spec.nesy")
    return info.value.diagnostics[0]


@pytest.mark.parametrize("text,code,fields", SPEC, ids=[f"{c}-{i}" for i, (_, c, _) in
                                                         enumerate(SPEC)])
def test_program_produces_its_kind_of_error(text, code, fields):
    d = first_diagnostic(text)
    assert d.code == code, d.render()
    assert {name: d.fields.get(name) for name in fields} == fields, d.fields


def catalogue_kinds() -> list[DiagnosticKind]:
    return [k for k in vars(catalogue).values() if isinstance(k, DiagnosticKind)]


def test_every_kind_has_a_unique_kebab_case_code():
    codes = [k.code for k in catalogue_kinds()]
    assert len(codes) == len(set(codes)), sorted(codes)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", c) for c in codes), codes


def test_every_kind_of_the_catalogue_is_specified_here():
    assert {k.code for k in catalogue_kinds()} == {code for _, code, _ in SPEC}


def test_the_message_is_made_from_the_fields():
    d = first_diagnostic("rel e(0, 1)\nrel e(2)\n")
    assert d.message == "relation 'e' is used with 1 argument here but has 2"
    d = first_diagnostic("rel e(0)\nrel e(1, 2)\n")
    assert d.message == "relation 'e' is used with 2 arguments here but has 1"


def test_template_specs_and_hint_alternatives():
    kind = DiagnosticKind("toy-kind", "{context:label}{n} thing{n:plural}",
                          ("did you mean '{suggestion}'?", "things are {known}"))
    d = kind(None, context="", n=1, suggestion=None, known="a, b")
    assert (d.code, d.message, d.hint) == ("toy-kind", "1 thing", "things are a, b")
    d = kind(None, context="in r", n=2, suggestion="x", known="a, b")
    assert (d.message, d.hint) == ("in r: 2 things", "did you mean 'x'?")
    assert kind(None, context="", n=0, suggestion=None, known=None).hint is None


def test_as_dict_carries_location_code_and_fields():
    d = first_diagnostic("rel e(0, 1)\nrel e(2)\n")
    data = d.as_dict()
    assert (data["file"], data["line"], data["column"]) == ("spec.nesy", 2, 5)
    assert data["code"] == "arity-mismatch" and data["fields"]["expected"] == 2
    assert data["notes"] == [{"file": "spec.nesy", "line": 1, "column": 5, "end_line": 1,
                              "end_column": 12, "message": "'e' has 2 here"}]
