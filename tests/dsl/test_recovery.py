"""Syntax-error recovery is linear (issue 16, item 4), and error hints point the right way
(issue 18, item 4). Linearity is checked by counting the characters given to the LALR parser,
not by timing."""
from __future__ import annotations

import pytest

import nesy
from nesy.dsl import parser


def parsed_characters(text: str, monkeypatch) -> int:
    real = parser._parser()
    total = [0]

    class Counting:
        def parse(self, chunk):
            total[0] += len(chunk)
            return real.parse(chunk)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(parser, "_parser", lambda: Counting())
    with pytest.raises(nesy.CompileError):
        nesy.compile(text)
    return total[0]


@pytest.mark.parametrize("statement", ["rel a{i}(x) = b(x, {i})\n", "rel a{i}({i})\n"])
def test_recovery_reads_each_statement_once(statement, monkeypatch):
    text = "".join(statement.format(i=i) for i in range(2000)) + "rel broken(x) = = x\n"
    # the whole file once (where the error is found), then each statement on its own
    assert parsed_characters(text, monkeypatch) <= 2 * len(text)


def test_every_broken_statement_is_reported_at_its_place():
    text = "".join(f"rel a{i}(x) = b(x)\n" if i % 100 else f"rel a{i}(x) = = x\n"
                   for i in range(1000))
    with pytest.raises(nesy.CompileError) as info:
        nesy.compile(text)
    assert [d.span.line for d in info.value.diagnostics] == list(range(1, 1000, 100))


def test_and_and_between_atoms_is_reported_once():
    text = "rel e(1, 2)\nrel p(a, d) = e(a, b) && e(b, c) && e(c, d) || e(a, d)\n"
    with pytest.raises(nesy.CompileError) as info:
        nesy.compile(text)
    assert [d.code for d in info.value.diagnostics] == ["operator-between-atoms"]


def test_and_and_between_values_is_still_boolean_and():
    text = "rel e(1)\nrel p(x) = e(x) and (x > 0 && x < 2)\n"
    assert nesy.compile(text).run()["p"].tuples == [(1,)]


def test_a_relation_named_like_an_aggregator_is_still_a_relation():
    text = "rel count(1)\nrel p(x) = count(x)\n"
    assert nesy.compile(text).run()["p"].tuples == [(1,)]
