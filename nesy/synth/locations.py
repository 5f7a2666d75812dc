"""Spans from character offsets, for the located errors of task and SyGuS files."""
from __future__ import annotations

from nesy.errors import Source, Span


def span(source: Source, start: int, end: int) -> Span:
    """The span of text[start:end], cut at the end of its first line."""
    line, column = _line_column(source.text, start)
    end_line, end_column = _line_column(source.text, max(end, start + 1))
    return Span(source, line, column, line, end_column if end_line == line else column + 1)


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
