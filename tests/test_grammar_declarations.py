"""`grammar` declarations: synthesis search spaces written in the nesy language."""
from __future__ import annotations

import pytest

import nesy
from nesy.cli import main
from nesy.synth.program import consistent

from synth.brute_force import smallest_size

INITIALS = """
// first initial, a space, then the last name
grammar names(first: String, last: String) -> S {
    S: String ::= $concatenate(S, S) | $left(S, N) | first | last | " "
    N: i64 ::= 0 | 1 | 2 | 3
}
"""
EXAMPLES = [(("Ada", "Lovelace"), "A Lovelace"), (("Alan", "Turing"), "A Turing"),
            ({"first": "Grace", "last": "Hopper"}, "G Hopper")]


def test_a_declaration_becomes_a_typed_grammar():
    grammar = nesy.compile(INITIALS).grammars["names"]
    assert grammar.start == "S"
    assert grammar.inputs == {"first": "String", "last": "String"}
    assert grammar.nonterminals == {"S": "String", "N": "i64"}
    assert [str(p) for p in grammar.productions_of("N")] == [
        "N ::= 0", "N ::= 1", "N ::= 2", "N ::= 3"]
    assert "S ::= left(S, N)" in [str(p) for p in grammar.productions]


def test_synthesis_finds_the_smallest_consistent_program():
    program = nesy.compile(INITIALS)
    result = program.synthesize("names", EXAMPLES, timeout=30)
    assert result.solved
    inputs = {"first": ["Ada", "Alan", "Grace"], "last": ["Lovelace", "Turing", "Hopper"]}
    outputs = ["A Lovelace", "A Turing", "G Hopper"]
    assert consistent(result.program, inputs, outputs)
    # several programs of this size exist (concatenation associates); which one is returned
    # is not specified, only that none is smaller
    assert result.size == smallest_size(program.grammars["names"], inputs, outputs) == 7


def test_relations_and_grammars_live_in_one_program():
    program = nesy.compile(INITIALS + "\nrel person = {(\"Ada\", \"Lovelace\")}")
    assert program.run()["person"].tuples == [("Ada", "Lovelace")]
    assert list(program.grammars) == ["names"]


@pytest.mark.parametrize("text, line, column, needle", [
    ("grammar g(x: String) -> S {\n  S: String ::= $concatenate(S, Q)\n}", 2, 17,
     "`Q` is not a non-terminal"),
    ("grammar g(x: String) -> S {\n  S: String ::= x | y\n}", 2, 21,
     "'y' is neither an input nor a non-terminal"),
    ("grammar g(x: String) -> S {\n  S: String ::= x | 3\n}", 2, 21,
     "constant does not have type String"),
    ("grammar g(x: String) -> S {\n  S: String ::= $nosuch(S) | x\n}", 2, 17,
     "no function `nosuch`"),
    ("grammar g(x: String) -> T {\n  S: String ::= x\n}", 1, 25, "start symbol 'T'"),
    ("grammar g(x: String) -> S {\n  S: String ::= x\n}\ngrammar g(x: i64) -> S {\n"
     "  S: i64 ::= x\n}", 4, 1, "defined twice"),
    ("grammar g(x: String) -> S {\n  S: String ::= x\n  S: String ::= \"a\"\n}", 3, 3,
     "defined twice"),
    ("grammar g(x: Strng) -> S {\n  S: Strng ::= x\n}", None, None, "unknown type"),
])
def test_grammar_errors_are_located(text, line, column, needle):
    with pytest.raises(nesy.CompileError) as caught:
        nesy.compile(text)
    hits = [d for d in caught.value.diagnostics if needle in d.message]
    assert hits, str(caught.value)
    if line is not None:
        assert (hits[0].span.line, hits[0].span.column) == (line, column)


def test_synthesize_rejects_unknown_grammars_and_malformed_examples():
    program = nesy.compile(INITIALS)
    with pytest.raises(nesy.UsageError, match="no grammar 'nmes'"):
        program.synthesize("nmes", EXAMPLES)
    with pytest.raises(nesy.DataError, match="expected inputs first, last"):
        program.synthesize("names", [({"first": "Ada"}, "A")])
    with pytest.raises(nesy.DataError, match="at least one example"):
        program.synthesize("names", [])


@pytest.mark.parametrize("examples, message", [
    ([(("Ada", object()), "A")], "the input `last` <object object at .*> is not a value of type String"),
    ([(("Ada", "Lovelace"), 3)], "the output 3 is not a value of type String"),
    ([(("Ada", 7), "A 7")], "example 1: the input `last` 7 is not a value of type String"),
    ([("Ada", "Lovelace", "A Lovelace")], r"example 1: expected an \(inputs, output\) pair"),
    ([42], r"example 1: expected an \(inputs, output\) pair"),
    (42, r"examples must be a list of \(inputs, output\) pairs, got int"),
])
def test_synthesize_rejects_examples_of_the_wrong_shape_or_type(examples, message):
    with pytest.raises(nesy.DataError, match=message) as caught:
        nesy.compile(INITIALS).synthesize("names", examples)
    assert "--" not in str(caught.value)  # names API arguments, not command-line flags


@pytest.mark.parametrize("text, line, column, needle", [
    ("grammar g(x: String) -> S using smtlib {\n  S: String ::= $concatenate(S, S) | x\n}", 2, 17,
     "no function `concatenate` is registered in synthesis domain `smtlib`"),
    ("grammar g(x: String) -> S using nosuch {\n  S: String ::= x\n}", 1, 33,
     "unknown synthesis domain `nosuch`"),
    ("grammar g(x: Canvas) -> S {\n  S: Canvas ::= x\n}", 1, 1, "`x` has unknown type `Canvas`"),
])
def test_the_domain_of_a_grammar_is_checked_at_compile_time(text, line, column, needle, tmp_path,
                                                           capsys):
    path = tmp_path / "g.nesy"
    path.write_text(text)
    for compile_it in (lambda: nesy.compile(text), lambda: nesy.load(path)):
        with pytest.raises(nesy.CompileError) as caught:
            compile_it()
        hits = [d for d in caught.value.diagnostics if needle in d.message]
        assert hits, str(caught.value)
        assert (hits[0].span.line, hits[0].span.column) == (line, column)
        assert hits[0].code in ("invalid-grammar", "invalid-grammar-production",
                                "unknown-synthesis-domain")
    assert main(["check", str(path)]) == 1
    assert f"{path}:{line}:{column}: error: in grammar 'g': " in capsys.readouterr().err


def test_a_grammar_may_name_its_domain():
    program = nesy.compile(INITIALS.replace("-> S {", "-> S using strings {"))
    assert program.grammars["names"].domain == "strings"
    result = program.synthesize("names", EXAMPLES, timeout=30)
    assert result.solved


def test_grammar_errors_come_with_the_other_errors_of_the_file():
    text = ('grammar g(x: String) -> S using nosuch {\n'
            '    S: String ::= $concatenate(S, S) | x\n'
            '}\n'
            'rel q(1)\n'
            'rel p(n) = n := coutn(y: q(y))\n')
    with pytest.raises(nesy.CompileError) as info:
        nesy.compile(text)
    codes = [d.code for d in info.value.diagnostics]
    assert codes == ["unknown-synthesis-domain", "unknown-aggregator"]
