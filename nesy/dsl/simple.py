"""Simple rules and queries, read without the LALR parser.

A rule list such as a Bayesian network written one probabilistic rule per CPT row
(`rel 0.3::x4() = not x1() and x2()`, benchmarks/problog_reachability.py) spends most of its
compile time in lark's pure-Python lexer and LALR loop: about 2,400 reductions for the 1,100
tokens of a 71-row network. Statements of the plainest shapes are read here instead,
matched by one regular expression per kind of statement and then taken apart, into the very
AST nodes that the parser's `AstBuilder` makes of them (spans included):

- `rel [P::]head(args) [= | :- body]`, the body atoms under `and` (or `,`), `or`, `not` and
  parentheses (`rel path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))`);
- `query name` and `query name(args)`;

where every argument is a variable or a number and P a number. The tokens are the grammar's
own (`NAME`, `INT`, `FLOAT`, `WS` of grammar.lark, taken from the built parser), so a keyword
is never read as a name. A statement must end where the next statement keyword or the end of
the file follows; anything else about it (a comment, a string, an expression, `~` or `\\/`,
unbalanced parentheses, an attribute before it, a longer integer than any type holds) leaves
it to the parser, which also reports every error. tests/dsl/test_simple_statements.py checks
that the nodes equal the parser's on random and on the benchmark's programs.
"""
from __future__ import annotations

import re

from ..errors import Source, Span
from . import ast
from .facts import STATEMENT_END

_LINE_END = re.compile(r"[\r\n]")  # where `Source` ends lines
MAX_DEPTH = 32  # parentheses and `not` in a body read here (below parser.MAX_NESTED_SCOPES)


class SimpleStatements:
    """The readers of one grammar's simple statements (see the module docstring)."""

    def __init__(self, terminals: dict[str, str], max_integer_digits: int):
        """`terminals`: the regular expressions of the grammar's NAME, INT, FLOAT and WS;
        longer integer literals than `max_integer_digits` are the parser's to report."""
        self.max_integer_digits = max_integer_digits
        name, ws = terminals["NAME"], terminals["WS"]
        number = f"(?:{terminals['FLOAT']}|{terminals['INT']})(?![0-9A-Za-z_.])"
        s = f"(?:{ws})?"
        args = rf"(?:(?:{name}|{number})(?:{s},{s}(?:{name}|{number}))*)?"
        atom = rf"{name}{s}\({s}{args}{s}\)"
        piece = rf"(?:{atom}|(?:and|or|not)\b|[,()])"  # a body's tokens (its shape: `_Body`)
        self._rule = re.compile(
            rf"rel{ws}(?:(?P<p>{number}){s}::{s})?(?P<head>{atom})(?:{s}(?:=|:-){s}"
            rf"(?P<body>{piece}(?:{s}{piece})*))?{STATEMENT_END}")
        self._query = re.compile(rf"query{ws}(?P<head>{name}(?:{s}\({s}{args}{s}\))?)"
                                 rf"{STATEMENT_END}")
        # the parts of a statement matched above (so plain names will do)
        self.pieces = re.compile(rf"{s}(?:(?P<word>and|or|not)\b|(?P<punct>[,()])"
                                rf"|(?P<atom>[A-Za-z_][A-Za-z0-9_]*{s}\([^)]*\)))")
        self._atom = re.compile(rf"(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                                rf"{s}(?:\({s}(?P<args>[^)]*?){s}\))?")
        self._argument = re.compile(rf"(?P<float>{terminals['FLOAT']})|(?P<int>{terminals['INT']})"
                                    rf"|(?P<var>[A-Za-z_][A-Za-z0-9_]*)")

    def read(self, source: Source, pos: int) -> tuple[ast.Node | None, int]:
        """The rule or query statement at `pos` (where `rel` or `query` starts) and where it
        ends, or (None, pos) when it is not simple."""
        text = source.text
        is_rule = text.startswith("rel", pos)
        m = (self._rule if is_rule else self._query).match(text, pos)
        if m is None:
            return None, pos
        if _LINE_END.search(text, pos, m.end()):
            def span(start, end):
                return Span(source, *source.position(start), *source.position(end))
        else:  # one line: columns by subtraction
            line, column = source.position(pos)
            shift = column - pos

            def span(start, end):
                return Span(source, line, start + shift, line, end + shift)
        try:
            if not is_rule:  # a query's span includes the keyword (a rule's does not)
                head, _, parenthesised = self.atom(text, m.start("head"), span)
                return ast.Query(span(pos, m.end()), head.relation, head.name_span,
                                 head.args if parenthesised else None), m.end()
            return self._rule_node(text, m, span), m.end()
        except _NotSimple:
            return None, pos

    def _rule_node(self, text: str, m: re.Match, span) -> ast.Rule:
        head = self.atom(text, m.start("head"), span)[0]
        body = None
        if m.start("body") >= 0:
            body = _Body(self, text, m.start("body"), m.end("body"), span).formula()
        probability = None
        if m.start("p") >= 0:
            probability = self.number("float" if _FLOAT.search(m.group("p")) else "int",
                                      m.group("p"), m.start("p"), m.end("p"), span)
        start = m.start("p") if probability is not None else m.start("head")
        rule_span = span(start, m.end())
        if probability is None:
            return ast.Rule(rule_span, head, body)
        return ast.Rule(rule_span, head, body, float(probability.value), probability.span)

    def atom(self, text: str, pos: int, span):
        """The atom at `pos` (`name(args)`, or a query's bare name): its node, where it ends,
        and whether it has parentheses."""
        m = self._atom.match(text, pos)
        args = []
        if m.start("args") >= 0:
            base = m.start("args")
            for a in self._argument.finditer(m.group("args")):
                kind = a.lastgroup
                start, end = base + a.start(), base + a.end()
                if kind == "var":
                    args.append(ast.Var(span(start, end), a.group()))
                else:
                    args.append(self.number(kind, a.group(), start, end, span))
        node = ast.Atom(span(pos, m.end()), m.group("name"), args, span(pos, m.end("name")))
        return node, m.end(), m.start("args") >= 0

    def number(self, kind: str, digits: str, start: int, end: int, span) -> ast.Literal:
        if kind == "float":
            return ast.Literal(span(start, end), float(digits), "float")
        if len(digits.lstrip("0")) > self.max_integer_digits:
            raise _NotSimple
        return ast.Literal(span(start, end), int(digits), "int")


class _Body:
    """A rule body of atoms, `and` (or `,`), `or`, `not` and parentheses, as the grammar's
    precedence ladder and `parser.AstBuilder` make it: `or` below `and` below `not`; a chain
    of one connective is one node (`AstBuilder._flat`); a node spans its first operand's
    start to its last operand's end, each operand taken with the parentheses around it (lark's
    containers), while a parenthesised node's own span leaves them out. Tokens in any other
    order (`a() or`, unbalanced parentheses) are not simple, nor are parentheses and `not`
    nested deeper than MAX_DEPTH: this reader recurses, the parser's AST builder does not (and
    the parser's limit on nested scopes is checked on what the parser builds only)."""

    def __init__(self, reader: SimpleStatements, text: str, start: int, end: int, span):
        self.reader, self.text, self.span = reader, text, span
        self.tokens = [("atom" if t.lastgroup == "atom" else t.group(t.lastgroup),
                        t.start(t.lastgroup), t.end())
                       for t in reader.pieces.finditer(text, start, end)]  # (token, start, end)
        self.i = 0
        self.depth = 0

    def formula(self) -> ast.Formula:
        node, _, _ = self.chain(("or",), ast.Or, self.conjunction)
        if self.i != len(self.tokens):
            raise _NotSimple
        return node

    def conjunction(self):
        return self.chain(("and", ","), ast.And, self.negation)

    def chain(self, connectives, kind, operand):
        """(node, start, end) of operands joined by `connectives`: start and end with the
        parentheses around the first and the last operand."""
        node, start, end = operand()
        while self.i < len(self.tokens) and self.tokens[self.i][0] in connectives:
            self.i += 1
            right, _, end = operand()
            span = self.span(start, end)
            parts = right.parts if isinstance(right, kind) else [right]
            if isinstance(node, kind):  # extended in place, as `AstBuilder._flat` does
                node.parts.extend(parts)
                node.span = span
            else:
                node = kind(span, [node, *parts])
        return node, start, end

    def negation(self):
        if self.i == len(self.tokens):
            raise _NotSimple
        token, start, end = self.tokens[self.i]
        self.i += 1
        if token in ("not", "("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _NotSimple
        if token == "not":
            operand, _, end = self.negation()
            self.depth -= 1
            return ast.Not(self.span(start, end), operand), start, end
        if token == "(":
            node, _, _ = self.chain(("or",), ast.Or, self.conjunction)
            if self.i == len(self.tokens) or self.tokens[self.i][0] != ")":
                raise _NotSimple
            self.i += 1
            self.depth -= 1
            return node, start, self.tokens[self.i - 1][2]
        if token == "atom":
            return self.reader.atom(self.text, start, self.span)[0], start, end
        raise _NotSimple


_FLOAT = re.compile(r"[.eE]")


class _NotSimple(Exception):
    """An integer literal longer than any type holds: the parser reports it."""

