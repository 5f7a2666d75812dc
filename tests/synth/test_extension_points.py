"""Synthesis extension points, each proved by a toy entry added from this file: a domain with
its own (unhashable) value type and equivalence key, and a search strategy."""
from __future__ import annotations

import pytest

import nesy
from nesy.cli import main
from nesy.errors import InternalError
from nesy.synth import Grammar, SearchResult, synthesize
from nesy.synth import domains, strategies
from nesy.synth.domains import Domain, ValueType
from nesy.synth.program import Program, consistent
from nesy.synth.strategies import Strategy

from .brute_force import BruteForce, smallest_size


def _int_list(value) -> bool:
    return isinstance(value, list) and all(type(v) is int for v in value)


def _lists_domain() -> Domain:
    """Integer lists, held as Python lists (unhashable), compared by `tuple`."""
    lists = Domain("toylists", "lists of integers",
                   types={"IntList": ValueType("IntList", _int_list, key=tuple)})
    lists.operation("reverse", ["IntList"], "IntList")(lambda xs: xs[::-1])
    lists.operation("sort", ["IntList"], "IntList")(sorted)
    lists.operation("append", ["IntList", "i64"], "IntList")(lambda xs, x: xs + [x])
    lists.operation("concatenate", ["IntList", "IntList"], "IntList")(lambda a, b: a + b)
    lists.operation("size", ["IntList"], "i64")(len)

    def add_command(commands):
        parser = commands.add_parser("toylists", help="a toy domain's command")
        parser.set_defaults(handler=lambda args: print("toy lists: ok") or 0)

    lists.command = add_command
    return lists


@pytest.fixture
def toy_lists():
    domain = domains.register(_lists_domain())
    yield domain
    domains.unregister(domain.name)


def list_grammar(domain: str | None = None) -> Grammar:
    g = Grammar({"L": "IntList", "N": "i64"}, "L", {"xs": "IntList"}, domain=domain)
    g.input("L", "xs").constant("L", [0]).constant("N", 0).constant("N", 9)
    for name, args in (("reverse", "L"), ("sort", "L"), ("append", "LN"), ("size", "L"),
                       ("concatenate", "LL")):
        g.function("N" if name == "size" else "L", name, *args)
    return g


def test_a_domain_with_unhashable_values_is_searched_through_its_key(toy_lists):
    inputs = {"xs": [[3, 1, 2], [5, 4]]}
    outputs = [[9, 3, 2, 1], [9, 5, 4]]
    result = synthesize(list_grammar(), inputs, outputs)
    assert result.solved and consistent(result.program, inputs, outputs)
    assert result.size == smallest_size(list_grammar(), inputs, outputs) == 5


def test_a_domain_type_is_checked_in_constants_and_examples(toy_lists):
    g = list_grammar().constant("L", [1, "two"])
    assert any("constant does not have type IntList" in m for _, m in g.problems())
    with pytest.raises(nesy.DataError, match="is not a value of type IntList"):
        synthesize(list_grammar(), {"xs": [(1, 2)]}, [[1, 2]])


def test_a_grammar_declaration_uses_a_registered_domain(toy_lists):
    program = nesy.compile("grammar rev(xs: IntList) -> L using toylists {\n"
                           "  L: IntList ::= $reverse(L) | $sort(L) | xs\n}")
    result = program.synthesize("rev", [({"xs": [1, 3, 2]}, [3, 2, 1])])
    assert str(result.program) == "reverse(sort(xs))"


def test_a_domain_adds_its_synth_subcommand(toy_lists, capsys):
    assert main(["synth", "toylists"]) == 0
    assert capsys.readouterr().out == "toy lists: ok\n"


def test_functions_of_several_domains_need_a_named_domain(toy_lists):
    # `concatenate` is both a strings operation and a toylists operation
    text = 'grammar g(x: String) -> S {\n  S: String ::= $concatenate(S, S) | x | "!"\n}'
    with pytest.raises(nesy.CompileError) as caught:
        nesy.compile(text)
    assert "fits several synthesis domains (strings, toylists)" in str(caught.value)
    named = nesy.compile(text.replace("-> S {", "-> S using strings {"))
    assert str(named.synthesize("g", [(("a",), "a!")]).program) == 'concatenate(x, "!")'


@pytest.fixture
def brute_force():
    strategy = strategies.register(BruteForce())
    yield strategy
    strategies.unregister(strategy.name)


def test_a_registered_strategy_is_chosen_by_name(brute_force):
    inputs, outputs = {"x": ["ab", "cd"]}, ["AB!", "CD!"]
    g = Grammar({"S": "String"}, "S", {"x": "String"}).input("S", "x").constant("S", "!")
    g.function("S", "upper", "S").function("S", "concatenate", "S", "S")
    found = synthesize(g, inputs, outputs, strategy="brute-force")
    assert found.solved and consistent(found.program, inputs, outputs)
    assert found.size == synthesize(g, inputs, outputs, strategy="bottom-up").size == 4


def test_a_wrong_answer_of_any_strategy_is_caught_before_it_is_reported():
    class Liar(Strategy):
        name = "liar"

        def search(self, problem, budget):
            x = next(p for p in problem.grammar.productions if p.symbol == "x")
            return SearchResult(Program(x, (), problem.domain), 1, 1, 0.0, 1, "solved", "solved")

    strategies.register(Liar())
    try:
        g = Grammar({"S": "String"}, "S", {"x": "String"}).input("S", "x")
        with pytest.raises(InternalError, match="strategy 'liar' produced x, which fails"):
            synthesize(g, {"x": ["a"]}, ["b"], strategy="liar")
    finally:
        strategies.unregister("liar")


def test_unknown_strategies_and_domains_are_usage_errors():
    g = Grammar({"S": "String"}, "S", {"x": "String"}).input("S", "x")
    with pytest.raises(nesy.UsageError, match="unknown search strategy 'sideways'; known: "
                                              "bottom-up"):
        synthesize(g, {"x": ["a"]}, ["a"], strategy="sideways")
    g.domain = "nosuch"
    with pytest.raises(nesy.UsageError, match="unknown synthesis domain `nosuch`"):
        synthesize(g, {"x": ["a"]}, ["a"])
