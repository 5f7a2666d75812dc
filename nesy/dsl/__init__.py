"""The front end: text -> AST -> checked AST -> IR. All diagnostics are produced here, each
of a kind listed in `diagnostics.py` (a stable code and structured fields)."""
from __future__ import annotations

from .. import ir
from ..errors import CompileError, Diagnostic, Source
from .lower import Lowering
from .parser import parse
from .resolve import Resolver
from .typecheck import TypeChecker, check_literal_ranges


def diagnose(source: Source) -> tuple[ir.Program | None, list[Diagnostic]]:
    """Compile one source; return the IR (None on errors) and every diagnostic found."""
    program, diagnostics = parse(source)
    if program is None or diagnostics:
        return None, diagnostics
    resolver = Resolver(program)
    scope = resolver.run()
    diagnostics += resolver.diagnostics
    checker = TypeChecker(program, scope)
    checker.run()
    diagnostics += checker.diagnostics
    diagnostics += check_literal_ranges(program, checker)
    lowering = Lowering(program, scope, checker)
    if not diagnostics:
        compiled = lowering.run()
        return compiled, lowering.diagnostics
    # Earlier errors: still look for safety, probability and stratification errors, but a
    # crash caused by the earlier errors must not hide them.
    try:
        lowering.run()
    except Exception:  # noqa: BLE001 - cascades of reported errors only
        pass
    return None, diagnostics + _new(lowering.diagnostics, diagnostics)


def _new(found: list[Diagnostic], known: list[Diagnostic]) -> list[Diagnostic]:
    seen = {(d.span.line, d.span.column) for d in known if d.span is not None}
    return [d for d in found if d.span is None or (d.span.line, d.span.column) not in seen]


def compile_source(source: Source) -> ir.Program:
    compiled, diagnostics = diagnose(source)
    if diagnostics:
        raise CompileError(diagnostics)
    return compiled
