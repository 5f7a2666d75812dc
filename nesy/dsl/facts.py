"""Bulk facts, read without the general parser.

A file of 32,000 facts costs the LALR parser a Python object per token and the passes after
it one per value; most of such a file is `rel edge = {(0, 1), (1, 2), ...}` or lines of
`rel edge(0, 1)`. Those statements, when they hold only plain literals (numbers, strings,
`true`/`false`), are read here with a few regular expressions into `ast.FactTable`s (rows of
Python values, kinds per column, spans made only when a diagnostic needs one) and blanked out
of the text the parser sees, keeping every line and column where it was. Anything else (an
enum constant, an expression, a comment inside a set, a `;` disjunction, a mixed arity, an
integer too long for any type) is left to the parser, which reports what is wrong with it.
"""
from __future__ import annotations

import re

from ..errors import Source, Span
from . import ast

_KEYWORDS = r"(?:rel|type|const|query|grammar|and|or|not|implies|if|then|else|as|where|true|false)\b"
_NAME = rf"(?!{_KEYWORDS})[A-Za-z_][A-Za-z0-9_]*"
_WS = r"[ \t\f\r\n]"  # the parser's whitespace (not \v, \x85, \u2028: errors there)
_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_STRING = r'"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"'
_VALUE = rf"(?:{_NUMBER}|{_STRING}|(?:true|false)\b)"
_S = rf"{_WS}*"
_VALUES = rf"{_VALUE}(?:{_S},{_S}{_VALUE})*"
_PROBABILITY = r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_ITEM = rf"(?:{_PROBABILITY}{_S}::{_S})?(?:\({_S}{_VALUES}{_S}\)|{_VALUE})"
# The end of a one-line statement read in bulk (here or in `simple.py`): the next statement (a
# keyword) or the end of the file. After anything else (`= body`, `:- body`, a comment) the
# statement is the parser's.
STATEMENT_END = rf"(?={_S}(?:\Z|(?:rel|type|const|query|grammar)\b))"

_FACT_SET = re.compile(
    rf"rel{_WS}+({_NAME}){_S}={_S}\{{{_S}({_ITEM}(?:{_S},{_S}{_ITEM})*){_S},?{_S}\}}")
_FACT_LINE = re.compile(
    rf"rel{_WS}+(?:({_PROBABILITY}){_S}::{_S})?({_NAME}){_S}\({_S}({_VALUES}){_S}\)"
    + STATEMENT_END)
_SET_ITEM = re.compile(rf"(?:({_PROBABILITY}){_S}::{_S})?(?:\({_S}({_VALUES}){_S}\)|({_VALUE}))")
_ONE_VALUE = re.compile(rf"({_NUMBER})|({_STRING})|(true|false)")
# Skips comments, strings and characters (a `rel` inside them is not a statement) in chunks.
_SCAN = re.compile(r"""//[^\r\n]*|/\*[\s\S]*?\*/|"{3}(?:\\[\s\S]|[^\\])*?"{3}|"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"?"""
                   r"""|'(?:\\.|[^'\\\r\n])*'?|\b(?:rel|query)\b|[^/"'qr]+|.""", re.DOTALL)
_MAX_DIGITS = 39  # longer integers are the parser's to report (integer-too-large)
_WHITESPACE = re.compile(_S)
_INTEGERS = re.compile(rf"-?[0-9]{{1,18}}(?:{_S},{_S}-?[0-9]{{1,18}})*")


_ATTRIBUTE_BEFORE = re.compile(r"@[A-Za-z_]\w*(\([^\r\n]*\))?\s*$")


def _attributed(text: str, pos: int) -> bool:
    """Whether the statement at `pos` has an attribute (`@file(...) rel ...`): the parser
    reads those, with their attribute. (Most statements have no `@` before them at all.)"""
    start = max(0, pos - 400)
    return text.rfind("@", start, pos) >= 0 and \
        _ATTRIBUTE_BEFORE.search(text, start, pos) is not None


def read_bulk(source: Source, unescape, read_statement=None) \
        -> tuple[list[ast.Node], str, list[int]]:
    """The statements read here (fact tables, and the nodes `read_statement(source, pos)`
    makes of other `rel` and `query` statements: (node, end), or (None, pos) to leave one to
    the parser), the text left for the parser (those statements blanked out, newlines kept)
    and where each statement read here began. `unescape` turns a string literal's body into
    its value (None for an unknown escape, left to the parser)."""
    text = source.text
    items: list[ast.Node] = []
    pieces: list[str] = []
    starts: list[int] = []
    done = 0
    pos = 0
    line_run: ast.FactTable | None = None  # consecutive `rel r(...)` lines of one relation
    while pos < len(text):
        m = _SCAN.match(text, pos)
        if m.group() not in ("rel", "query"):
            if m.group().strip() and not m.group().startswith(("//", "/*")):
                line_run = None  # another statement between: a new table keeps file order
            pos = m.end()
            continue
        node, end = _statement(source, pos, m.group(), unescape, line_run, read_statement)
        if node is None:
            pos, line_run = m.end(), None
            continue
        if node is not line_run:
            items.append(node)
        line_run = node if isinstance(node, ast.FactTable) and node.one_line else None
        starts.append(pos)
        if line_run is not None:
            end = _more_lines(source, end, line_run, unescape, starts)
        pieces += [text[done:pos], _blank(text[pos:end])]
        done = pos = end
    if not items:
        return [], text, []
    pieces.append(text[done:])
    return items, "".join(pieces), starts


def _statement(source: Source, pos: int, keyword: str, unescape, line_run, read_statement):
    """The node of the statement at `pos` and its end, or (None, pos) for the parser."""
    if _attributed(source.text, pos):
        return None, pos
    node, end = (None, pos)
    if keyword == "rel":
        node, end = _fact_set(source, pos, unescape)
        if node is None:
            node, end = _fact_line(source, pos, unescape, line_run)
    if node is None and read_statement is not None:
        node, end = read_statement(source, pos)
    return node, end


def _blank(region: str) -> str:
    if "\n" not in region:
        return " " * len(region)
    return re.sub(r"[^\n]", " ", region)


def _fact_set(source: Source, pos: int, unescape):
    m = _FACT_SET.match(source.text, pos)
    if m is None:
        return None, pos
    table = ast.FactTable(None, m.group(1), _span(source, m.start(1), m.end(1)), source)
    base = m.start(2)
    for item in _SET_ITEM.finditer(m.group(2)):
        values = item.group(2) or item.group(3)
        if not _add_row(table, base + item.start(), item.group(1), values, unescape):
            return None, pos
    if not table.rows:
        return None, pos
    table.span = _span(source, m.start(1), m.end())  # as the parser's: from the name
    return table, m.end()


def _fact_line(source: Source, pos: int, unescape, run: ast.FactTable | None):
    m = _FACT_LINE.match(source.text, pos)
    if m is None:
        return None, pos
    name = m.group(2)
    table = run if run is not None and run.relation == name else \
        ast.FactTable(None, name, _span(source, m.start(2), m.end(2)), source, one_line=True)
    first = m.start(1) if m.group(1) is not None else m.start(2)
    table.span = table.span or _span(source, first, m.end())  # the first fact's head
    if not _add_row(table, first, m.group(1), m.group(3), unescape):
        return None, pos
    return table, m.end()


def _more_lines(source: Source, pos: int, table: ast.FactTable, unescape, starts) -> int:
    """The one-line facts of `table`'s relation that follow `pos` with only whitespace
    between (so no attribute either), read into it, each start added to `starts`; where the
    last ends. (The general loop's scanning and attempts took half of a fact line's cost.)"""
    text = source.text
    while True:
        start = _WHITESPACE.match(text, pos).end()
        m = _FACT_LINE.match(text, start)
        if m is None or m.group(2) != table.relation:
            return pos
        first = m.start(1) if m.group(1) is not None else m.start(2)
        if not _add_row(table, first, m.group(1), m.group(3), unescape):
            return pos
        starts.append(start)
        pos = m.end()


def _add_row(table: ast.FactTable, offset: int, probability: str | None, values: str,
             unescape) -> bool:
    """Append one fact; False when it is not plain enough for this reader."""
    if _INTEGERS.fullmatch(values):  # the common case, at a third of the cost
        row = tuple(map(int, values.split(",")))
        kinds = ("int",) * len(row)
    else:
        row, kinds = _values(values, unescape)
        if row is None:
            return False
    if table.rows and len(row) != len(table.rows[0]):
        return False  # mixed arities: the parser's and the resolver's to report
    table.add(row, kinds, None if probability is None else float(probability), offset)
    return True


def _values(values: str, unescape) -> tuple[tuple | None, tuple]:
    """The values of a fact and their kinds; (None, ()) when one is not plain enough."""
    row, kinds = [], []
    for v in _ONE_VALUE.finditer(values):
        number, string, boolean = v.groups()
        if number is not None:
            if "." in number or "e" in number or "E" in number:
                row.append(float(number))
                kinds.append("float")
            elif len(number.lstrip("-0")) > _MAX_DIGITS:
                return None, ()
            else:
                row.append(int(number))
                kinds.append("int")
        elif string is not None:
            value = unescape(string[1:-1])
            if value is None:
                return None, ()
            row.append(value)
            kinds.append("string")
        else:
            row.append(boolean == "true")
            kinds.append("bool")
    return tuple(row), tuple(kinds)


def _span(source: Source, start: int, end: int) -> Span:
    line, column = source.position(start)
    end_line, end_column = source.position(end)
    return Span(source, line, column, end_line, end_column)


def row_span(table: ast.FactTable, row: int) -> Span:
    """The span of one fact of a table (from its probability, if any, to its last value)."""
    text = table.source.text
    m = _SET_ITEM.match(text, table.offsets[row]) if not table.one_line else \
        _FACT_LINE.match(text, _statement_start(text, table.offsets[row]))
    return _span(table.source, table.offsets[row], m.end())


def value_span(table: ast.FactTable, row: int, column: int) -> Span:
    """The span of one value of one fact of a table."""
    text = table.source.text
    if table.one_line:
        m = _FACT_LINE.match(text, _statement_start(text, table.offsets[row]))
        start, end = m.start(3), m.end(3)
    else:
        m = _SET_ITEM.match(text, table.offsets[row])
        group = 2 if m.group(2) is not None else 3
        start, end = m.start(group), m.end(group)
    value = list(_ONE_VALUE.finditer(text, start, end))[column]
    return _span(table.source, value.start(), value.end())


def _statement_start(text: str, offset: int) -> int:
    """The `rel` that a one-line fact's row (its probability or name) follows."""
    return text.rindex("rel", 0, offset)
