"""`import "other.scl"` (Scallop): the imported file's statements join the program, as if
written where the import is. A relative path is taken from the importing file's folder (the
working directory for a program given as text); a file imported twice is read once, and an
import cycle is harmless. Errors in an imported file are reported in that file."""
from __future__ import annotations

from pathlib import Path

from ..errors import Diagnostic, NesyError, Source
from . import ast
from . import diagnostics as kinds


def expand(program: ast.Program, parse) -> list[Diagnostic]:
    """Replace the imports of `program` (parsed by `parse(source)`) in place."""
    if not any(isinstance(i, ast.Import) for i in program.items):
        return []
    seen: set[Path] = set()
    first = next((i for i in program.items if not isinstance(i, ast.Import)), None)
    if first is not None:
        seen.add(_path_of(first.span.source))
    diagnostics: list[Diagnostic] = []
    program.items = _expand(program, program.items, parse, seen, diagnostics)
    return diagnostics


def _path_of(source: Source) -> Path:
    return Path(source.name).resolve()


def _expand(program, items, parse, seen: set, diagnostics: list) -> list:
    out = []
    for item in items:
        if not isinstance(item, ast.Import):
            out.append(item)
            continue
        path = Path(item.path)
        here = Path(item.span.source.name)
        if not path.is_absolute() and here.is_file():
            path = here.parent / path
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        from ..files import read_text

        try:
            text = read_text(path, "a Scallop or nesy program")
        except NesyError as e:
            diagnostics.append(kinds.IMPORT_FAILED(item.span, path=item.path, problem=str(e)))
            continue
        imported, found = parse(Source(str(path), text))
        diagnostics += found
        if imported is None:
            continue
        program.attributes += imported.attributes
        out += _expand(program, imported.items, parse, seen, diagnostics)
    return out
