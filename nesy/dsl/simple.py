"""Simple rules and queries, read without the LALR parser.

A rule list such as a Bayesian network written one probabilistic rule per CPT row
(`rel 0.3::x4() = not x1() and x2()`, benchmarks/problog_reachability.py) spends most of its
compile time in lark's pure-Python lexer and LALR loop: about 2,400 reductions for the 1,100
tokens of a 71-row network. Statements of the plainest shapes are read here instead, by one
regular expression each, into the very AST nodes (spans included) that the parser's
`AstBuilder` makes of them:

- `rel [P::]head(args) [= | :- body]`, the body one or more atoms joined by `and` or `,`,
  each optionally preceded by `not`;
- `query name` and `query name(args)`;

where every argument is a variable or a number and P a number. The tokens are the grammar's
own (`NAME`, `INT`, `FLOAT`, `WS` of grammar.lark, taken from the built parser), so a keyword
is never read as a name. A statement must end where the next statement keyword or the end of
the file follows; anything else about it (a comment, a string, an expression, `or`, a
parenthesis, an attribute before it, a longer integer than any type holds) leaves it to the
parser, which also reports every error. tests/dsl/test_simple_statements.py checks that the
nodes equal the parser's on random and on the benchmark's programs.
"""
from __future__ import annotations

import re

from ..errors import Source, Span
from . import ast

_LINE_END = re.compile(r"[\r\n]")  # where `Source` ends lines


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
        literal = rf"(?:not{ws})?{atom}"
        next_statement = rf"(?={s}(?:\Z|(?:rel|type|const|query|grammar)\b))"
        self._rule = re.compile(
            rf"rel{ws}((?:{number}{s}::{s})?{atom}(?:{s}(?:=|:-){s}{literal}"
            rf"(?:{s}(?:,|and\b){s}{literal})*)?){next_statement}")
        self._query = re.compile(rf"query{ws}({name}(?:{s}\({s}{args}{s}\))?){next_statement}")
        self._token = re.compile(
            rf"{s}(?:(?P<float>{terminals['FLOAT']})|(?P<int>{terminals['INT']})"
            rf"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>::|:-|[(),=]))")

    def read(self, source: Source, pos: int) -> tuple[ast.Node | None, int]:
        """The rule or query statement at `pos` (where `rel` or `query` starts) and where it
        ends, or (None, pos) when it is not simple."""
        text = source.text
        is_rule = text.startswith("rel", pos)
        m = (self._rule if is_rule else self._query).match(text, pos)
        if m is None:
            return None, pos
        tokens = [(t.lastgroup, t.group(t.lastgroup), t.start(t.lastgroup), t.end())
                  for t in self._token.finditer(text, m.start(1), m.end(1))]
        builder = _Builder(source, tokens, self.max_integer_digits)
        if not _LINE_END.search(text, pos, m.end(1)):  # one line: columns by subtraction
            builder.line, column = source.position(pos)
            builder.shift = column - pos
        try:
            return (builder.rule() if is_rule else builder.query(pos)), m.end()
        except _NotSimple:
            return None, pos


class _NotSimple(Exception):
    """An integer literal longer than any type holds: the parser reports it."""


class _Builder:
    """The AST of one matched statement from its tokens (kind, text, start, end), built as
    `parser.AstBuilder` builds it from lark's tree: a node spans its first token's start to
    its last token's end."""

    def __init__(self, source: Source, tokens: list, max_integer_digits: int):
        self.source = source
        self.max_integer_digits = max_integer_digits
        self.tokens = tokens
        self.i = 0
        self.line: int | None = None  # the statement's line, when it takes one line
        self.shift = 0  # then: column - offset on it

    def span(self, start: int, end: int) -> Span:
        if self.line is not None:
            return Span(self.source, self.line, start + self.shift, self.line, end + self.shift)
        return Span(self.source, *self.source.position(start), *self.source.position(end))

    def take(self):
        token = self.tokens[self.i]
        self.i += 1
        return token

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def last_end(self) -> int:
        return self.tokens[self.i - 1][3]

    def rule(self) -> ast.Rule:
        start = self.tokens[0][2]
        probability = None
        if self.tokens[0][0] != "word":  # `P::`
            probability = self.number(self.take())
            self.take()
        head = self.atom()
        body = None
        if self.peek() in ("=", ":-"):
            self.take()
            body_start = self.tokens[self.i][2]
            body = self.literal()
            while self.i < len(self.tokens):
                self.take()  # `and` or `,`: one And of every part, as `AstBuilder._flat`
                right = self.literal()
                if not isinstance(body, ast.And):
                    body = ast.And(body.span, [body])
                body.parts.append(right)
                body.span = self.span(body_start, self.last_end())
        span = self.span(start, self.last_end())
        if probability is None:
            return ast.Rule(span, head, body)
        return ast.Rule(span, head, body, float(probability.value), probability.span)

    def query(self, start: int) -> ast.Query:
        """From `start`, the keyword: a query's span includes it (a rule's does not)."""
        name = self.take()
        args = self.arguments() if self.i < len(self.tokens) else None
        return ast.Query(self.span(start, self.last_end()), name[1],
                         self.span(name[2], name[3]), args)

    def literal(self) -> ast.Formula:
        if self.peek() == "not":
            start = self.take()[2]
            atom = self.atom()
            return ast.Not(self.span(start, self.last_end()), atom)
        return self.atom()

    def atom(self) -> ast.Atom:
        name = self.take()
        args = self.arguments()
        return ast.Atom(self.span(name[2], self.last_end()), name[1], args,
                        self.span(name[2], name[3]))

    def arguments(self) -> list[ast.Expr]:
        self.take()  # (
        args = []
        while self.peek() != ")":
            token = self.take()
            if token[0] == "word":
                args.append(ast.Var(self.span(token[2], token[3]), token[1]))
            else:
                args.append(self.number(token))
            if self.peek() == ",":
                self.take()
        self.take()  # )
        return args

    def number(self, token) -> ast.Literal:
        kind, digits, start, end = token
        if kind == "float":
            return ast.Literal(self.span(start, end), float(digits), "float")
        if len(digits.lstrip("0")) > self.max_integer_digits:
            raise _NotSimple
        return ast.Literal(self.span(start, end), int(digits), "int")
