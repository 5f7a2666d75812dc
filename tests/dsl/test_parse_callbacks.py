"""The parser with its single-child reductions made plain (`nesy.dsl.parser._parser`) against
lark's own build of the same grammar (`_lark`) as the oracle: every program gives the same
parse tree, with the same positions on every node."""
from __future__ import annotations

import sys
from pathlib import Path

import lark
import pytest

from nesy.dsl import parser

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import problog_reachability as bench  # noqa: E402

HAND_WRITTEN = [
    "rel r(x) = ((a(x) or (b(x))) and not (c(x, 1)))\nquery r",
    "@demand(\"bf\") rel p(a, b) = e(a, b) or (e(a, c) and p(c, b))\nquery p(0, 3)",
    "rel 0.3::h() = (a() and (b() or c())) implies d()\nrel {x(1); y(2)} = z()",
    "rel n = count(x: p(x) where y: q(x, y))\nrel s(x + (y * 2)) = t(x, y), (x > (y))",
    "rel m(x) = x := max(y: w(y)), if (x > 1) then (u(x)) else v(x)\nquery m(-(1))",
]


def corpus():
    for path in sorted((ROOT / "programs").glob("*.nesy")):
        yield path.name, path.read_text()
    yield "bayesnet", bench.bayesnet(6)[1]
    yield "smokers", bench.smokers(4)[1]
    yield "layered", bench.reachability("layered", 12, "path")[1]
    for i, text in enumerate(HAND_WRITTEN):
        yield f"hand-written {i}", text


def positions(tree: lark.Tree) -> list:
    return [(t.data, t.meta.empty) + (() if t.meta.empty else (t.meta.start_pos, t.meta.end_pos))
            for t in tree.iter_subtrees_topdown()]


@pytest.fixture(scope="module")
def stock():
    return parser._lark()


@pytest.mark.parametrize("name,text", list(corpus()), ids=lambda x: x if len(x) < 40 else "")
def test_same_trees_and_positions_as_lark(stock, name, text):
    try:
        expected = stock.parse(text)
    except lark.exceptions.UnexpectedInput:
        with pytest.raises(lark.exceptions.UnexpectedInput):
            parser._parser().parse(text)
        return
    got = parser._parser().parse(text)
    assert got == expected
    assert positions(got) == positions(expected)
