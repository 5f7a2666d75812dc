"""Facts read in bulk (nesy/dsl/facts.py) against the general parser as the oracle: the same
facts written so that the bulk reader leaves them alone (a comment inside the set) must give
the same IR facts, relation types and diagnostics."""
from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nesy
from nesy.dsl import ast, parser
from nesy.errors import Source

values = st.one_of(
    st.integers(-2**40, 2**40), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(st.characters(blacklist_characters='\n\r', blacklist_categories=["Cs"]), max_size=5),
    st.booleans())


def literal(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(v)


def compiled(text: str):
    try:
        program = nesy.compile(text, "facts.nesy")
    except nesy.CompileError as err:
        # The kinds of error, and where the first is: a conflicting column is reported once
        # per kind of literal in bulk, at each conflicting literal by the parser.
        found = sorted((d.code, d.span.line, d.span.column) for d in err.diagnostics)
        return None, (found[0], {code for code, _, _ in found})
    ir = program.ir
    return ([(f.relation, f.values, f.probability) for f in ir.facts],
            {n: [t.name for t in r.types] for n, r in ir.relations.items()}), None


def both_ways(rows, probabilities, declared: str):
    items = ", ".join((f"{p}::" if p is not None else "") + "(" + ", ".join(map(literal, r)) + ")"
                      for r, p in zip(rows, probabilities))
    bulk = f"{declared}rel r = {{{items}}}\nquery r\n"
    plain = f"{declared}rel r = {{{items} /* for the parser */}}\nquery r\n"
    assert any(isinstance(i, ast.FactTable) for i in parser.parse(Source("b", bulk))[0].items)
    return compiled(bulk), compiled(plain)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3).flatmap(lambda n: st.lists(st.tuples(*[values] * n), min_size=1,
                                                    max_size=6)),
       st.data())
def test_fuzz_fact_sets_match_the_parser(rows, data):
    probabilities = data.draw(st.lists(st.one_of(st.none(), st.sampled_from([0.0, 0.25, 1, 1.5])),
                                       min_size=len(rows), max_size=len(rows)))
    bulk, plain = both_ways(rows, probabilities, "")
    assert bulk == plain


@pytest.mark.parametrize("declared,row", [
    ("type r(i8, f32)\n", (300, 1)),
    ("type r(u8, String)\n", (-1, '"a"')),
    ("type r(i128, f64)\n", (2**100, 2.5)),
    ("type r(u128, bool)\n", (2**128, "true")),
])
def test_declared_types_and_ranges_match_the_parser(declared, row):
    text = ", ".join(str(v) for v in row)
    bulk = compiled(f"{declared}rel r = {{({text})}}\n")
    plain = compiled(f"{declared}rel r = {{({text}) /* */}}\n")
    assert bulk == plain


def test_one_line_facts_match_the_parser():
    lines = "".join(f"rel {'0.5::' if i % 3 == 0 else ''}e({i}, {-i}, \"s{i}\")\n"
                    for i in range(50))
    bulk = compiled(lines + "query e\n")
    plain = compiled(lines.replace("\n", " // the parser's\n") + "query e\n")
    assert bulk == plain and len(bulk[0][0]) == 50


@pytest.mark.parametrize("text", [
    "rel e = {(1, 2)}\nrel e = {(1)}\n",            # arity differs between statements
    "rel e = {(1, 2), (1)}\n",                       # and within one
    "rel e = {(1), (\"a\")}\n",                      # a type conflict inside one column
    "type e(u8)\nrel e = {(1), (2), (256)}\n",      # out of range: located at the value
    "rel e = {1.5::(1)}\n",                          # probability outside [0, 1]
    "rel e(1)\nrel e(1, 2)\n",
    "rel e(1) rel e(\"x\")\n",
])
def test_errors_in_bulk_facts_are_located_as_by_the_parser(text):
    plain = text.replace("}", "/**/}").replace("\n", " //\n")  # columns unchanged
    assert compiled(text) == compiled(plain)
    assert compiled(text)[1]


def test_a_string_literal_costs_memory_proportional_to_its_length():
    size = 4 * 1024 * 1024
    text = 'rel s("' + "a" * size + '")\n'
    tracemalloc.start()
    try:
        program = nesy.compile(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(program.run()["s"].tuples[0][0]) == size
    assert peak < 12 * size, peak  # a few copies of the text, not hundreds of bytes a byte
