"""Simple rules and queries read without the LALR parser (nesy/dsl/simple.py) against the
parser as the oracle: every program, random or the benchmark's, gives the same AST (every
node, field and span) and the same diagnostics with the reader as without it, and near
misses (comments, strings, expressions, keywords as names, unbalanced parentheses, errors)
fall back to the parser."""
from __future__ import annotations

import dataclasses
import random
import sys
from pathlib import Path

import pytest

from nesy.dsl import ast, parser, simple
from nesy.errors import Source, Span

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import problog_reachability as bench  # noqa: E402


def parsed(text: str, simple: bool):
    """(items, diagnostics as (code, span, fields), how many items the simple reader made)."""
    source = Source("t.nesy", text)
    read = parser._simple_statements().read if simple else None
    reader = parser.read_bulk
    try:
        parser.read_bulk = lambda source, unescape, _=None: reader(source, unescape, read)
        program, diagnostics = parser.parse(source)
    finally:
        parser.read_bulk = reader
    found = [(d.code, d.span, d.fields) for d in diagnostics]
    simple_nodes = reader(source, parser._unescape, read)[0]
    return (None if program is None else program.items, found,
            sum(isinstance(n, (ast.Rule, ast.Query)) for n in simple_nodes))


def assert_same(a, b, path="items"):
    """Structural equality of AST nodes (they compare by identity), spans included."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif dataclasses.is_dataclass(a) and not isinstance(a, Span):
        for f in dataclasses.fields(a):
            if f.name != "source":
                assert_same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def check(text: str) -> int:
    """Assert the reader changes nothing; the number of statements it read. On syntax errors,
    the parser's statement-by-statement recovery may see statements read here (always valid
    ones) split at a `:-` (`rel 1::h() :- b()` recovered as `rel` and `1::h() :- b()`), and
    reports a spurious error there: with the reader, every error is the parser's, at the
    same place (unless the parser alone gave up early), and there is one at least."""
    items, diagnostics, n_simple = parsed(text, simple=True)
    expected_items, expected_diagnostics, _ = parsed(text, simple=False)
    if expected_items is None:
        assert items is None and diagnostics
        if "not-a-program" not in (code for code, _, _ in expected_diagnostics):  # else the
            # parser alone stopped early (at 10 errors, those spurious ones included)
            assert all(d in expected_diagnostics for d in diagnostics)
        return n_simple
    assert diagnostics == expected_diagnostics
    assert_same(items, expected_items)
    return n_simple


# ---- random programs ------------------------------------------------------------------------
NAMES = ["a", "b", "x0", "r_1", "notx", "andy", "_"]
NEAR_NAMES = ["not", "and", "rel", "query", "case", "in", "$f", "range<usize>"]
ARGS = ["x", "y", "_", "X1", "0", "12", "3.5", "1e3", "2.5E-2", "007"]
NEAR_ARGS = ["-1", '"s"', "1" * 45, "x + 1", "1.", "t\"x\"", "true", "(x)", "1e"]
SPACES = [" ", "", "  ", "\t", "\n", "\r\n", "\r", "\f"]


def pick(rng, common, rare, p=0.03):
    return rng.choice(rare) if rng.random() < p else rng.choice(common)


def atom(rng) -> str:
    args = [pick(rng, ARGS, NEAR_ARGS) for _ in range(rng.randrange(4))]
    sep = rng.choice([", ", ",", " , ", ",\n"])
    return f"{pick(rng, NAMES, NEAR_NAMES, 0.04)}{rng.choice(['', ' '])}({sep.join(args)})"


def formula(rng, depth=0) -> str:
    """Atoms under `and`, `,`, `or`, `not` and parentheses, with a few near misses."""
    if depth > 2 or rng.random() < 0.5:
        negation = pick(rng, ["", "", "not ", "not  ", "not not "], ["~", "not\n", "not"], 0.06)
        return negation + atom(rng)
    if rng.random() < 0.3:
        opening = pick(rng, ["(", "( ", "not (", "not(", "(\n"], ["((", ")"], 0.04)
        return opening + formula(rng, depth + 1) + pick(rng, [")", " )"], ["", "))"], 0.04)
    parts = [formula(rng, depth + 1) for _ in range(rng.randrange(2, 4))]
    joints = [pick(rng, [" and ", ", ", " or ", " and\n", ",", " or\n"], [" && ", " || ", " \\/ "])
              for _ in parts[:-1]]
    return "".join(p + j for p, j in zip(parts, joints)) + parts[-1]


def statement(rng) -> str:
    if rng.random() < 0.15:
        args = rng.choice(["", "()", "(1, x)", "( 0 )", "(1,)"])
        space = pick(rng, [" "], ["  ", "\n", ""])
        return f"query{space}{pick(rng, NAMES, NEAR_NAMES, 0.04)}{args}"
    probability = pick(rng, ["", "", "0.3::", "1::", "0.5 :: ", "2.5e-1::"],
                       ["-0.5::", "x::", "(0.5)::"])
    text = f"rel {probability}{atom(rng)}"
    if rng.random() < 0.85:
        text += rng.choice([" = ", " :- ", "=", " =\n "])
        text += formula(rng)
    return text + pick(rng, [""], [" // c", " /* c */", " .", " )"])


def program(rng) -> str:
    out = []
    for _ in range(rng.randrange(1, 8)):
        out.append(statement(rng))
        out.append(pick(rng, ["\n", "\n\n", " ", "\r\n"], ["\r", "\n// note\n", "\v"], 0.05))
    prefix = pick(rng, [""], ["\ufeff", "@demand(\"bf\") ", "  "], 0.05)
    return prefix + "".join(out)


def test_random_programs_give_the_parsers_ast_and_diagnostics():
    rng = random.Random(19)
    read = statements = 0
    for _ in range(250):
        text = program(rng)
        try:
            read += check(text)
        except AssertionError as err:
            raise AssertionError(f"{text!r}: {err}") from None
        statements += text.count("rel") + text.count("query")
    assert read > statements / 4  # most of them plain enough to be read


@pytest.mark.parametrize("text", [
    bench.bayesnet(12)[1], bench.smokers(6)[1],
    bench.reachability("dag", 20, "path")[1], bench.reachability("cyclic", 20, "reach")[1],
])
def test_the_benchmark_programs_give_the_parsers_ast(text):
    assert check(text) > 0


def test_a_rule_list_is_read_without_the_parser(monkeypatch):
    text = bench.bayesnet(8)[1]
    monkeypatch.setattr(parser, "_parser", lambda: pytest.fail("the LALR parser was used"))
    program, diagnostics = parser.parse(Source("bn.nesy", text))
    assert not diagnostics
    assert len(program.items) == text.count("\n") + 1


@pytest.mark.parametrize("text", [
    "rel a(x) = b(x) and\nrel c(1)\n",            # a dangling `and`
    "rel a(x) = b(x) and c(x) or\nquery a\n",      # the next statement never starts
    "rel a(x) = b(x)\nrel a(x) = not c(1, 2\n",   # an unclosed atom after a simple rule
    "rel not(x) = b(x)\n",                          # a keyword as a name
    "rel a(x) = b(x) query(x)\n",                   # and as an atom
    "rel a(" + "1" * 45 + ") = b(x)\n",            # an integer longer than any type holds
    "rel 0.5::a(x) = b(x) // fine\nquery a(1\n",   # an unclosed query
])
def test_errors_are_located_as_by_the_parser(text):
    items, diagnostics, _ = parsed(text, simple=True)
    assert items is None or diagnostics
    check(text)


def test_deep_nesting_is_left_to_the_parser():
    """The reader recurses; past simple.MAX_DEPTH the parser (iterative, with its limit on
    nested scopes) builds the body."""
    assert simple.MAX_DEPTH < parser.MAX_NESTED_SCOPES
    for levels, read in ((simple.MAX_DEPTH // 2, 1), (simple.MAX_DEPTH // 2 + 1, 0)):
        text = "rel e(1)\nrel p(x) = e(x) and " + "not (e(x) and " * levels + "e(x)" + \
            ")" * levels + "\n"  # a `not` and a parenthesis per level
        assert check(text) == read
