"""`grammar` declarations: synthesis search spaces written in the nesy language."""
from __future__ import annotations

import pytest

import nesy
from nesy.synth.program import consistent

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
    assert str(result.program) == 'concatenate(left(first, 1), concatenate(" ", last))'
    inputs = {"first": ["Ada", "Alan", "Grace"], "last": ["Lovelace", "Turing", "Hopper"]}
    assert consistent(result.program, inputs, ["A Lovelace", "A Turing", "G Hopper"])


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
