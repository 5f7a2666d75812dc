"""One error hierarchy for everything a user can get wrong.

Front-end problems are `Diagnostic`s: a span in a `Source`, a message, and a hint. They are
collected (never raised one by one) and raised together as a `CompileError`, whose text is
`file:line:col: error: message`, the source line, and a caret under the span.
"""
from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass(frozen=True)
class Source:
    name: str
    text: str = field(repr=False)

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


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


def _excerpt(span: Span) -> list[str]:
    text = span.source.line(span.line).expandtabs(1)
    if not text.strip():
        return []
    number = str(span.line)
    pad = " " * len(number)
    end = span.end_column if span.end_line == span.line else len(text) + 1
    width = max(1, end - span.column)
    return [f" {number} | {text}", f" {pad} | {' ' * (span.column - 1)}{'^' * width}"]


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


class InternalError(Exception):
    """A bug in nesy (for example, IR that fails verification). Not a user error."""
