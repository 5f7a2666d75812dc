"""Simple rules and queries, read without the LALR parser.

A rule list such as a Bayesian network written one probabilistic rule per CPT row
(`rel 0.3::x4() = not x1() and x2()`, benchmarks/problog_reachability.py) spends most of its
compile time in lark's pure-Python lexer and LALR loop: about 2,400 reductions for the 1,100
tokens of a 71-row network. Statements of the plainest shapes are read here instead,
matched by one regular expression per kind of statement and then taken apart, into the very
AST nodes that the parser's `AstBuilder` makes of them (spans included):

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
from .facts import STATEMENT_END

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
        self._rule = re.compile(
            rf"rel{ws}(?:(?P<p>{number}){s}::{s})?(?P<head>{atom})(?:{s}(?:=|:-){s}"
            rf"(?P<body>{literal}(?:{s}(?:,|and\b){s}{literal})*))?{STATEMENT_END}")
        self._query = re.compile(rf"query{ws}(?P<head>{name}(?:{s}\({s}{args}{s}\))?)"
                                 rf"{STATEMENT_END}")
        # the parts of a statement matched above (so plain names will do)
        self._literal_re = re.compile(rf"(?P<not>not{ws})?(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                                      rf"{s}(?:\({s}(?P<args>[^)]*?){s}\))?")
        self._separator = re.compile(rf"{s}(?:,|and){s}")
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
                head, _, parenthesised = self._literal(text, m.start("head"), span)
                return ast.Query(span(pos, m.end()), head.relation, head.name_span,
                                 head.args if parenthesised else None), m.end()
            return self._rule_node(text, m, span), m.end()
        except _NotSimple:
            return None, pos

    def _rule_node(self, text: str, m: re.Match, span) -> ast.Rule:
        head = self._literal(text, m.start("head"), span)[0]
        body = None
        if m.start("body") >= 0:
            end, pos = m.end("body"), m.start("body")
            parts = []
            while True:
                part, pos, _ = self._literal(text, pos, span)
                parts.append(part)
                if pos >= end:
                    break
                pos = self._separator.match(text, pos).end()
            # several parts: one And of them all, as `AstBuilder._flat` makes it
            body = parts[0] if len(parts) == 1 else \
                ast.And(span(m.start("body"), end), parts)
        probability = None
        if m.start("p") >= 0:
            probability = self._number("float" if _FLOAT.search(m.group("p")) else "int",
                                       m.group("p"), m.start("p"), m.end("p"), span)
        start = m.start("p") if probability is not None else m.start("head")
        rule_span = span(start, m.end())
        if probability is None:
            return ast.Rule(rule_span, head, body)
        return ast.Rule(rule_span, head, body, float(probability.value), probability.span)

    def _literal(self, text: str, pos: int, span):
        """The literal at `pos` (`[not] name(args)`, or a query's bare name): its node, where
        it ends, and whether it has parentheses."""
        m = self._literal_re.match(text, pos)
        args = []
        if m.start("args") >= 0:
            base = m.start("args")
            for a in self._argument.finditer(m.group("args")):
                kind = a.lastgroup
                start, end = base + a.start(), base + a.end()
                if kind == "var":
                    args.append(ast.Var(span(start, end), a.group()))
                else:
                    args.append(self._number(kind, a.group(), start, end, span))
        name_start = m.start("name")
        node = ast.Atom(span(name_start, m.end()), m.group("name"), args,
                        span(name_start, m.end("name")))
        if m.start("not") >= 0:
            node = ast.Not(span(pos, m.end()), node)
        return node, m.end(), m.start("args") >= 0

    def _number(self, kind: str, digits: str, start: int, end: int, span) -> ast.Literal:
        if kind == "float":
            return ast.Literal(span(start, end), float(digits), "float")
        if len(digits.lstrip("0")) > self.max_integer_digits:
            raise _NotSimple
        return ast.Literal(span(start, end), int(digits), "int")


_FLOAT = re.compile(r"[.eE]")


class _NotSimple(Exception):
    """An integer literal longer than any type holds: the parser reports it."""

