"""One error hierarchy for everything a user can get wrong, and the one bug path.

    NesyError            a user's mistake; the `nesy` command exits 1
    ├── UsageError       a bad flag, option or API argument (exit 2)
    ├── DataError        data that does not fit: facts, examples, a malformed data file
    ├── FileError        a file that cannot be read or written: `path: reason`
    ├── CompileError     every `Diagnostic` found in one or more sources
    └── Interrupted      work stopped by the user; says what was kept (exit 130)
    InternalError        a bug in nesy, never the user's fault (exit 3)

Front-end problems are `Diagnostic`s: a span in a `Source`, a message, and a hint, made from a
`DiagnosticKind` (a stable code and message templates) and the kind's structured fields. They
are collected (never raised one by one) and raised together as a `CompileError`, whose text is
`file:line:col: error: message`, the source line, and a caret under the span.
"""
from __future__ import annotations

import bisect
import difflib
import re
import string
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable


class NesyError(Exception):
    """Base of every error meant for a user rather than a developer."""

    exit_code = 1

    def render(self) -> str:
        return f"error: {self}"


class UsageError(NesyError):
    """A bad flag, option or API argument."""

    exit_code = 2


class DataError(NesyError):
    """Bad input data: facts that do not fit a relation, a malformed data file, ..."""


class FileError(NesyError):
    """A file that cannot be read or written. Its text is always `path: reason`, so every
    command names the file the same way."""

    def __init__(self, path, reason: str):
        self.path, self.reason = str(path), reason
        super().__init__(f"{path}: {reason}")

    def diagnostic(self) -> "Diagnostic":
        """This error as one diagnostic among others (`nesy check` of several files, say)."""
        return UNREADABLE_FILE(None, path=self.path, reason=self.reason)


class Interrupted(NesyError):
    """The user stopped long work (Ctrl-C); the message says what was kept, e.g. "runs/x
    holds the last finished epoch; rerun with --resume to continue" (said by a CLI module)."""

    exit_code = 130

    def render(self) -> str:
        return f"interrupted: {self}"


@dataclass(frozen=True)
class Source:
    """A named text, and where its lines are. A line ends at LF, CRLF or a lone CR, as in an
    editor; `\\f`, `\\v`, `\\x85` and `\\u2028` are characters of their line (Python's
    `splitlines` would end lines there), and a byte-order mark at the start takes no column.
    The front end makes every span from character offsets with `position`, so its lines are
    these, whatever its lexer counts."""

    name: str
    text: str = field(repr=False)

    @cached_property
    def _line_starts(self) -> list[int]:
        return [0, *(m.end() for m in _LINE_END.finditer(self.text))]

    def line(self, number: int) -> str:
        """The text of line `number` (1-based), without its line end; "" past the end."""
        starts = self._line_starts
        if not 0 < number <= len(starts):
            return ""
        end = starts[number] if number < len(starts) else len(self.text)
        text = self.text[starts[number - 1]:end].rstrip("\r\n")
        return text.removeprefix("\ufeff") if number == 1 else text

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of a character offset."""
        line = bisect.bisect_right(self._line_starts, offset)
        column = offset - self._line_starts[line - 1] + 1
        if line == 1 and self.text.startswith("\ufeff"):
            column = max(1, column - 1)
        return line, column


_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, repr=False)
class Span:
    """A region of a source, 1-based lines and columns; `end_column` is exclusive."""

    source: Source
    line: int
    column: int
    end_line: int
    end_column: int

    def __repr__(self) -> str:
        return f"Span({self.location})"

    @property
    def location(self) -> str:
        return f"{self.source.name}:{self.line}:{self.column}"

    def join(self, other: "Span") -> "Span":
        return Span(self.source, self.line, self.column, other.end_line, other.end_column)


class _Formatter(string.Formatter):
    """`str.format` plus two specs for messages: `{n:plural}` is "" when n == 1 and "s"
    otherwise; `{context:label}` is "context: " when context is non-empty and "" otherwise."""

    def format_field(self, value, spec):
        if spec == "plural":
            return "" if value == 1 else "s"
        if spec == "label":
            return f"{value}: " if value else ""
        return super().format_field(value, spec)


_FORMATTER = _Formatter()


@dataclass(frozen=True)
class DiagnosticKind:
    """One kind of problem: a stable kebab-case `code`, a message and an optional hint.

    `message` and `hint` are format templates over the kind's fields (see `_Formatter` for
    `plural` and `label`), or functions of the fields. A hint may also be a tuple of
    templates: the first one whose fields are all given (not None) is used, so a hint such as
    "did you mean '{suggestion}'?" disappears when there is no suggestion."""

    code: str
    message: "str | Callable[[dict], str]"
    hint: "str | tuple[str, ...] | Callable[[dict], str | None] | None" = None

    def __call__(self, span: "Span | None", notes=(), **fields) -> "Diagnostic":
        return Diagnostic(span, _fill(self.message, fields), _fill(self.hint, fields),
                          list(notes), code=self.code, fields=fields)


UNREADABLE_FILE = DiagnosticKind("unreadable-file", "{path}: {reason}")


def _fill(template, fields: dict) -> str | None:
    if template is None:
        return None
    if callable(template):
        return template(fields)
    if isinstance(template, tuple):
        usable = (t for t in template if all(fields.get(name) is not None
                                             for name in _names(t)))
        template = next(usable, None)
        if template is None:
            return None
    return _FORMATTER.format(template, **fields)


def _names(template: str) -> list[str]:
    return [name for _, name, _, _ in _FORMATTER.parse(template) if name]


@dataclass
class Diagnostic:
    """One problem found in a source. `code` names its kind (a stable, kebab-case string such
    as "unknown-relation") and `fields` carries the kind's structured data (the names, types
    and counts the message was made from), so tools and tests match kinds, not message text."""

    span: Span | None
    message: str
    hint: str | None = None
    notes: list[tuple[Span, str]] = field(default_factory=list)
    severity: str = "error"
    code: str = "error"
    fields: dict = field(default_factory=dict)

    def render(self) -> str:
        if self.span is None:
            out = [f"{self.severity}: {self.message}"]
        else:
            out = [f"{self.span.location}: {self.severity}: {self.message}", *_excerpt(self.span)]
        for span, note in self.notes:
            out.append(f"{span.location}: note: {note}")
            out.extend(_excerpt(span))
        if self.hint:
            out.append(f"  = hint: {self.hint}")
        return "\n".join(out)

    def as_dict(self) -> dict:
        """The diagnostic as JSON-ready data (what `nesy check --format json` prints)."""
        return {"severity": self.severity, "code": self.code, **_location(self.span),
                "message": self.message, "hint": self.hint, "fields": _plain(self.fields),
                "notes": [{**_location(span), "message": note} for span, note in self.notes]}


def _location(span: "Span | None") -> dict:
    if span is None:
        return {"file": None, "line": None, "column": None, "end_line": None, "end_column": None}
    return {"file": span.source.name, "line": span.line, "column": span.column,
            "end_line": span.end_line, "end_column": span.end_column}


def _plain(value):
    """Fields as JSON data: tuples and sets become lists, anything unusual its text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [_plain(v) for v in items]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


# Characters shown as a space in an excerpt so that the caret stays under its column: tabs,
# other control characters and the separators that a terminal would break the line at.
_BLANK = {c: " " for c in [*range(0x20), 0x7F, 0x85, 0x2028, 0x2029]}
_EXCERPT_WIDTH = 200  # longer lines are cut around the span


def _excerpt(span: Span) -> list[str]:
    text = span.source.line(span.line).translate(_BLANK)
    if not text.strip():
        return []
    number = str(span.line)
    pad = " " * len(number)
    end = span.end_column if span.end_line == span.line else len(text) + 1
    column, shown = span.column - 1, text
    if len(text) > _EXCERPT_WIDTH:  # a window around the span, marked "..." where cut
        start = max(0, min(column - _EXCERPT_WIDTH // 4, len(text) - _EXCERPT_WIDTH))
        shown = text[start:start + _EXCERPT_WIDTH]
        lead = "..." if start else ""
        shown = lead + shown + ("..." if start + _EXCERPT_WIDTH < len(text) else "")
        column, end = column - start + len(lead), min(end - start, _EXCERPT_WIDTH) + len(lead)
    width = max(1, end - 1 - column)
    return [f" {number} | {shown}", f" {pad} | {' ' * column}{'^' * width}"]


class CompileError(NesyError):
    """Every diagnostic found in one or more source files."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=_order)
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.diagnostics)
        summary = f"{n} error{'s' if n != 1 else ''} found"
        return "\n\n".join([*(d.render() for d in self.diagnostics), summary])


def _order(d: Diagnostic):
    if d.span is None:
        return ("", 0, 0)
    return (d.span.source.name, d.span.line, d.span.column)


def closest(name: str, candidates) -> str | None:
    """The candidate most like `name` (a likely typo), or None: what "did you mean" offers."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


class InternalError(Exception):
    """A bug in nesy (for example, IR that fails verification), never a user error: the
    `nesy` command reports it, like any other unexpected exception, as "internal error ...
    this is a bug in nesy" and exits 3. Not a `NesyError`, so no handler of user errors
    catches it by accident."""
