"""Deep and long input (issue 16, item 1): every pass over expressions and formulas is
iterative, so nesting is limited only where the lowering recurses (aggregations and negated
sub-formulas, MAX_NESTED_SCOPES, a located error), and flat chains compile at any length.
Expected values come from Python's own arithmetic, not from nesy."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nesy
from nesy.dsl.parser import MAX_NESTED_SCOPES
from tests.conftest import assert_span_inside

DEPTH = 600  # beyond the old recursion limit of every construct below


def value_of(text: str, relation: str = "x"):
    (row,) = nesy.compile(text).run()[relation].tuples
    return row


@pytest.mark.parametrize("text,expected", [
    ("rel x(" + "+".join(["1"] * DEPTH) + ")\n", (DEPTH,)),
    ("rel x(" + "$abs(" * DEPTH + "-3" + ")" * DEPTH + ")\n", (3,)),
    ("rel x(" + "if true then " * DEPTH + "1" + " else 2" * DEPTH + ")\n", (1,)),
    ("rel x(" + "-" * DEPTH + "1)\n", (1,)),  # an even number of minus signs
    ("rel x(" + "!" * DEPTH + "true)\n", (True,)),
    ("rel x(1" + " as i64" * DEPTH + ")\n", (1,)),
    ('rel x(' + '$string_concat(' * DEPTH + '""' + ', "b")' * DEPTH + ')\n', ("b" * DEPTH,)),
    ("rel x(" + "(" * DEPTH + "7" + ")" * DEPTH + ")\n", (7,)),
    ("rel x(" + " && ".join(["true"] * DEPTH) + ")\n", (True,)),
], ids=["plus", "abs", "if", "minus", "not", "as", "concat", "parens", "and-and"])
def test_deep_expressions_compile_and_run(text, expected):
    assert value_of(text) == expected


@pytest.mark.parametrize("body", [
    " and ".join(["e(x)"] * DEPTH),
    " or ".join(["e(x)"] * DEPTH),
    "e(x) and " + "not " * DEPTH + "f(x)",  # an even number of nots: f(x)
    "e(x) and " + "not (" * DEPTH + "f(x)" + ")" * DEPTH,
    "(e(x) or (e(x) and " * 40 + "e(x)" + "))" * 40,
], ids=["and", "or", "not", "not-parens", "and-or"])
def test_deep_and_long_bodies_compile_and_run(body):
    text = f"rel e(1)\nrel f(1)\nrel p(x) = {body}\n"
    assert nesy.compile(text).run()["p"].tuples == [(1,)]


def nested_aggregations(depth: int) -> str:
    body = "".join(f"c{i} := count(x{i}: e(x{i}) and " for i in range(depth))
    return "rel e(1)\nrel p(c0) = " + body + "e(1)" + ")" * depth + "\n"


def test_aggregations_nest_up_to_the_limit():
    assert nesy.compile(nested_aggregations(MAX_NESTED_SCOPES)).run()["p"].tuples == [(1,)]


@pytest.mark.parametrize("text", [
    nested_aggregations(250),
    "rel e(1)\nrel p(x) = e(x) and " + "not (e(x) and " * 250 + "e(x)" + ")" * 250 + "\n",
], ids=["count", "not"])
def test_deeper_scopes_are_a_located_error(text):
    with pytest.raises(nesy.CompileError) as info:
        nesy.compile(text, "deep.nesy")
    (d,) = info.value.diagnostics
    assert d.code == "nesting-too-deep" and d.span.line == 2
    prefix = text.split("\n")[1][:d.span.column - 1]  # the error is at the first scope past it
    assert prefix.count("count(") + prefix.count("not (") == MAX_NESTED_SCOPES


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    "rel e(1)\nrel p(x) = " + " and ".join(["e(x)"] * 100_000) + "\n",
    "rel x(" + "+".join(["1"] * 100_000) + ")\n",
], ids=["and", "plus"])
def test_a_flat_chain_of_100000_terms_compiles(text):
    nesy.compile(text)


# ---- fuzzing: nesting of every construct, mixed at random ---------------------------------
WRAPPERS = ["$abs({})", "-{}", "({})", "{} as i64", "if true then {} else 0", "{} + 1",
            "1 * {}", "$max({}, 0)"]
BOOL_WRAPPERS = ["!{}", "({})", "{} && true", "false || {}", "if true then {} else false"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(WRAPPERS), min_size=1, max_size=400),
       st.sampled_from(["1", "x", "y"]))
def test_fuzz_nested_integer_expressions(wrappers, leaf):
    """Never anything but a result or a CompileError; the value is Python's."""
    expr, value = leaf, 1
    for w in wrappers:
        expr = w.format(f"({expr})")
    text = f"rel e(1)\nrel p({expr}) = e(x)\n"
    try:
        result = nesy.compile(text, "fuzz.nesy").run()
    except nesy.CompileError as err:  # `y` is unbound
        assert leaf == "y" and {d.code for d in err.diagnostics} == {"unsafe-variable"}
        return
    for w in wrappers:
        value = {"$abs({})": abs, "-{}": lambda v: -v, "{} + 1": lambda v: v + 1,
                 "$max({}, 0)": lambda v: max(v, 0)}.get(w, lambda v: v)(value)
    assert result["p"].tuples == ([(value,)] if abs(value) < 2**31 else [])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(BOOL_WRAPPERS + ["not {}", "({})", "e(x) and {}",
                                                 "{} or e(x)"]), min_size=1, max_size=300))
def test_fuzz_nested_formulas(wrappers):
    """Formulas and boolean expressions mixed at random: compiled, or a located CompileError."""
    text_body = "e(x)"
    for w in wrappers:
        text_body = w.format(text_body)
    text = f"rel e(1)\nrel p(x) = e(x) and ({text_body})\n"
    try:
        nesy.compile(text, "fuzz.nesy").run()
    except nesy.CompileError as err:
        for d in err.diagnostics:
            assert d.span is not None
            assert_span_inside(text, d.span.line, d.span.column, d.message)
