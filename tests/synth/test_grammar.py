"""Typed grammars: built from Python, checked against the executor's function registry."""
import pytest

from nesy.synth.domains.smtlib import DOMAIN as SMTLIB
from nesy.synth.grammar import Grammar, GrammarError, call_type


def small_grammar() -> Grammar:
    g = Grammar({"S": "String", "I": "i64"}, "S", {"x": "String"})
    return g.input("S", "x").constant("S", " ").constant("I", 1).function("S", "left", "S", "I")


def test_a_sound_grammar_has_no_problems():
    assert small_grammar().problems() == []
    assert small_grammar().check().start == "S"


def test_productions_read_as_rules():
    rules = [str(p) for p in small_grammar().productions]
    assert rules == ['S ::= x', 'S ::= " "', "I ::= 1", "S ::= left(S, I)"]


@pytest.mark.parametrize("add, problem", [
    (lambda g: g.function("S", "no_such_function", "S"), "no function `no_such_function`"),
    (lambda g: g.function("S", "left", "S"), "does not take 1 argument"),
    (lambda g: g.function("S", "left", "I", "I"), "argument 1 of `left`: expects String, got i64"),
    (lambda g: g.function("I", "left", "S", "I"), "returns String here, not i64"),
    (lambda g: g.function("S", "left", "S", "Q"), "`Q` is not a non-terminal"),
    (lambda g: g.constant("I", "text"), "constant does not have type i64"),
    (lambda g: g.input("S", "y"), "`y` is not an input"),
    (lambda g: g.input("I", "x"), "input has type String, not i64"),
    (lambda g: g.chain("I", "S"), "`S` has type String, not i64"),
    (lambda g: g.function("S", "len"), "needs arguments"),
])
def test_each_unsound_production_is_reported(add, problem):
    g = small_grammar()
    add(g)
    messages = [message for _, message in g.problems()]
    assert len(messages) == 1 and problem in messages[0]
    with pytest.raises(GrammarError, match="invalid grammar"):
        g.check()


def test_every_problem_is_reported_at_once():
    g = Grammar({"S": "String", "E": "Strange"}, "T", {})
    g.constant("S", 3)
    messages = "\n".join(message for _, message in g.problems())
    assert "unknown type `Strange`" in messages
    assert "start symbol `T`" in messages
    assert "constant does not have type String" in messages
    assert "`E` has no productions" in messages


def test_type_variables_link_argument_and_result_types():
    assert call_type(SMTLIB, "ite", ["bool", "i64", "i64"]) == ("i64", None)
    returns, problem = call_type(SMTLIB, "ite", ["bool", "i64", "String"])
    assert returns is None and "expects i64, got String" in problem


def test_a_grammar_takes_the_one_domain_that_has_all_its_functions():
    assert small_grammar().resolve().name == "strings"  # `left` is a strings operation
    g = Grammar({"S": "String", "I": "i64"}, "S", {"x": "String"}).input("S", "x")
    g.function("I", "str.len", "S").function("S", "left", "S", "I")
    messages = [message for _, message in g.problems()]
    assert messages == ["no synthesis domain has every function and type the grammar uses "
                        "(`str.len` is in smtlib; `left` is in strings)"]
    g.domain = "strings"
    assert [m for _, m in g.problems()] == [
        "`I ::= str.len(S)`: no function `str.len` is registered in synthesis domain `strings`"]


def test_a_grammar_without_functions_needs_no_domain():
    g = Grammar({"S": "String"}, "S", {"x": "String"}).input("S", "x").constant("S", "!")
    assert g.problems() == [] and g.resolve().functions.lookup("left") is None
