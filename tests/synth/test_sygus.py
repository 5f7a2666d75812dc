"""SyGuS-IF problems: reading v1 and v2, SMT-LIB semantics, answers, located errors."""
import pytest

from nesy.builtins import NoValue
from nesy.synth.domains.smtlib import DOMAIN as SMTLIB
from nesy.errors import CompileError
from nesy.synth.search import Budget
from nesy.synth.sygus import V2_NAMES, define_fun, parse_sygus, smt_literal, solve_sygus, write_v2

V1 = """\
(set-logic SLIA)
; a comment with "a quote" and a ( paren
(synth-fun f ((name String)) String
    ((Start String (ntString))
     (ntString String (name " " (str.++ ntString ntString)
                       (str.substr ntString ntInt ntInt)))
     (ntInt Int (0 1 -1 (+ ntInt ntInt) (str.len ntString)
                 (str.indexof ntString ntString ntInt)))))
(declare-var name String)
(constraint (= (f "Ducati100") "Ducati"))
(constraint (= (f "Honda125") "Honda"))
(check-synth)
"""

V2 = """\
(set-logic SLIA)
(synth-fun f ((x String) (n Int)) String
  ((Start String) (I Int))
  ((Start String (x (str.++ Start "!") (str.at Start I)))
   (I Int (n 0 (- 1) (+ I I)))))
(constraint (= (f "abc" 1) "b!"))
(constraint (= "c!" (f "abc" 2)))
(check-synth)
"""


def test_a_version_1_problem_is_read():
    problem = parse_sygus(V1)
    assert problem.function == "f" and problem.params == [("name", "String")]
    assert problem.examples == [(("Ducati100",), "Ducati"), (("Honda125",), "Honda")]
    assert problem.grammar.start == "Start"
    assert "ntInt ::= -1" in [str(p) for p in problem.grammar.productions]


def test_a_version_2_problem_with_nested_rule_terms_is_read():
    problem = parse_sygus(V2)
    rules = [str(p) for p in problem.grammar.productions]
    assert "Start ::= str.++(Start, _term1)" in rules and '_term1 ::= "!"' in rules
    assert "I ::= -1" in rules  # the constant term (- 1) is folded
    assert problem.examples[1] == (("abc", 2), "c!")  # the call may be on either side


def test_the_answer_is_a_define_fun_in_the_grammar():
    problem = parse_sygus(V1)
    result = solve_sygus(problem, Budget(timeout=60))
    assert define_fun(problem, result.program) == \
        "(define-fun f ((name String)) String " \
        "(str.substr name 0 (+ (- 1) (+ (- 1) (+ (- 1) (str.len name))))))"


def test_nested_rule_terms_are_printed_back_as_one_term():
    problem = parse_sygus(V2)
    result = solve_sygus(problem, Budget(timeout=60))
    assert define_fun(problem, result.program) == \
        '(define-fun f ((x String) (n Int)) String (str.++ (str.at x n) "!"))'


def normalised(problem):
    """Examples and productions, with SMT-LIB 2.6 names (version 2 groups rules by lhs)."""
    rules = sorted(str((p.lhs, p.kind, V2_NAMES.get(p.symbol, p.symbol), p.args))
                   for p in problem.grammar.productions)
    return problem.examples, problem.grammar.nonterminals, rules


@pytest.mark.parametrize("text", [V1, V2])
def test_writing_version_2_and_reading_back_gives_the_same_problem(text):
    problem = parse_sygus(text)
    assert normalised(parse_sygus(write_v2(problem))) == normalised(problem)


def test_literals_use_smtlib_quoting():
    assert smt_literal('say "hi"') == '"say ""hi"""'
    assert smt_literal(-3) == "(- 3)" and smt_literal(True) == "true"
    assert smt_literal("é") == '"\\u{e9}"'
    problem = parse_sygus(V1.replace('"Ducati"', '"Du""c\\u{e9}"'))
    assert problem.examples[0][1] == 'Du"cé'


def test_contradictory_examples_are_answered_as_infeasible():
    text = V1.replace('(f "Honda125") "Honda"', '(f "Ducati100") "Honda"')
    result = solve_sygus(parse_sygus(text), Budget(timeout=5))
    assert result.stop == "infeasible" and '"Ducati" and "Honda"' in result.message


def test_a_file_without_grammar_gets_the_default_string_grammar():
    text = ('(set-logic SLIA)\n(synth-fun f ((s String)) Int)\n'
            '(constraint (= (f "ab") 2))\n(constraint (= (f "abc") 3))\n(check-synth)\n')
    problem = parse_sygus(text)
    result = solve_sygus(problem, Budget(timeout=30))
    assert define_fun(problem, result.program) == "(define-fun f ((s String)) Int (str.len s))"


SMTLIB_CASES = [
    ("str.at", ("abc", 1), "b"), ("str.at", ("abc", 3), ""), ("str.at", ("abc", -1), ""),
    ("str.substr", ("abcdef", 1, 3), "bcd"), ("str.substr", ("abc", 1, 9), "bc"),
    ("str.substr", ("abc", 3, 1), ""), ("str.substr", ("abc", 0, 0), ""),
    ("str.substr", ("abc", -1, 2), ""),
    ("str.indexof", ("abcb", "b", 0), 1), ("str.indexof", ("abcb", "b", 2), 3),
    ("str.indexof", ("abc", "", 3), 3), ("str.indexof", ("abc", "", 4), -1),
    ("str.indexof", ("abc", "z", 0), -1), ("str.indexof", ("abc", "a", -1), -1),
    ("str.replace", ("a-b-c", "-", "+"), "a+b-c"), ("str.replace", ("abc", "", "+"), "+abc"),
    ("str.replace", ("abc", "z", "+"), "abc"),
    ("str.replace_all", ("a-b-c", "-", "+"), "a+b+c"),
    ("str.prefixof", ("ab", "abc"), True), ("str.suffixof", ("bc", "abc"), True),
    ("str.contains", ("abc", "bc"), True), ("str.contains", ("abc", "ca"), False),
    ("str.to.int", ("042",), 42), ("str.to.int", ("",), -1), ("str.to.int", ("4a",), -1),
    ("str.to_int", ("-4",), -1), ("int.to.str", (42,), "42"), ("int.to.str", (-1,), ""),
    ("str.from_int", (7,), "7"), ("str.len", ("abc",), 3), ("str.++", ("a", "b", "c"), "abc"),
    ("+", (1, 2, 3), 6), ("-", (1, 3), -2), ("-", (4,), -4),
    ("div", (-7, 2), -4), ("mod", (-7, 2), 1), ("div", (7, -2), -3), ("mod", (7, -2), 1),
    ("=", ("a", "a"), True), ("ite", (False, 1, 2), 2), ("and", (True, False), False),
]


@pytest.mark.parametrize("name, args, expected", SMTLIB_CASES,
                         ids=[f"{c[0]}{c[1]}" for c in SMTLIB_CASES])
def test_smtlib_operations_follow_smtlib_2_6(name, args, expected):
    assert SMTLIB.functions.lookup(name).scalar(*args) == expected


def test_division_by_zero_has_no_value():
    with pytest.raises(NoValue):
        SMTLIB.functions.lookup("div").scalar(1, 0)


def errors(text: str) -> list[str]:
    with pytest.raises(CompileError) as caught:
        parse_sygus(text, "p.sl")
    return [f"{d.span.line}:{d.span.column} {d.message}" if d.span else d.message
            for d in caught.value.diagnostics]


def test_an_unclosed_form_is_located():
    assert errors("(set-logic SLIA)\n(synth-fun f ((x String)) String\n") == \
        ["2:1 this `(` is never closed"]


def test_unsupported_constraints_are_located_with_a_hint():
    text = V1.replace('(constraint (= (f "Honda125") "Honda"))', "(constraint (>= (f name) 0))")
    [message] = errors(text)
    assert message == "11:1 only input-output examples are supported here"


def test_unknown_functions_in_the_grammar_are_located():
    [message] = errors(V1.replace("str.len", "str.length"))
    assert message.startswith("7:42 `ntInt ::= str.length(ntString)`: no function `str.length`")


def test_examples_of_the_wrong_sort_are_reported():
    [message] = errors(V1.replace('(f "Honda125")', "(f 125)"))
    assert "the example's inputs have sorts (Int), the function takes (String)" in message


def test_unsupported_sorts_and_commands_are_reported():
    text = V1.replace("(synth-fun f ((name String))", "(synth-fun f ((name Real))")
    assert errors(text) == ["3:21 unsupported sort `Real` (supported: String, Int, Bool)"]
    assert errors(V1 + "(synth-inv g ((x Int)))\n") == \
        ["13:1 `synth-inv` is not supported in a programming-by-example problem"]


def test_a_solvers_answer_can_be_read_back_and_checked():
    from nesy.synth.program import consistent
    from nesy.synth.sygus import parse_answer
    problem = parse_sygus(V1)
    right = '(\n(define-fun f ((name String)) String (str.substr name 0 (- (str.len name) 3)))\n)'
    with_let = ("(define-fun f ((name String)) String "
                "(let ((n (str.len name))) (str.substr name 0 (- n 3))))")
    wrong = '(define-fun f ((name String)) String "Ducati")'
    for answer, ok in [(right, True), (with_let, True), (wrong, False)]:
        assert consistent(parse_answer(problem, answer), problem.columns(), problem.outputs) is ok
