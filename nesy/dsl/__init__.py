"""The front end: text -> AST -> checked AST -> IR. All diagnostics are produced here, each
of a kind listed in `diagnostics.py` (a stable code and structured fields)."""
from __future__ import annotations

from typing import NamedTuple

from .. import ir
from ..errors import Diagnostic, Source
from . import adt, attributes, imports
from .grammars import lower_grammars
from .lower import Lowering
from .parser import parse
from .resolve import Resolver
from .typecheck import TypeChecker, check_literal_ranges


class FrontEnd(NamedTuple):
    """What the front end made of one source: the IR (None on errors), every diagnostic found,
    and the grammar declarations that are sound as far as the front end can tell (given even
    when the rest of the program has errors, so their own checks are reported too)."""

    program: ir.Program | None
    diagnostics: list[Diagnostic]
    grammars: dict[str, ir.Grammar]


def diagnose(source: Source) -> FrontEnd:
    """Compile one source: the IR (None on errors) and every diagnostic found."""
    program, diagnostics = parse(source)
    if program is not None and not diagnostics:
        diagnostics = imports.expand(program, parse)
    if program is None or diagnostics:
        return FrontEnd(None, diagnostics, {})
    adt_diagnostics, adt_relations = adt.rewrite(program)
    if adt_diagnostics:  # constructors that are not values: as a syntax error, stop here
        return FrontEnd(None, adt_diagnostics, {})
    applied = attributes.apply(program)
    applied.hidden |= adt_relations
    grammars, diagnostics = lower_grammars(program)  # no types needed: names and shapes
    diagnostics += applied.diagnostics
    resolver = Resolver(program, applied.foreign)
    scope = resolver.run()
    diagnostics += resolver.diagnostics
    checker = TypeChecker(program, scope)
    checker.run()
    diagnostics += checker.diagnostics
    diagnostics += check_literal_ranges(program, checker)
    lowering = Lowering(program, scope, checker, grammars, applied)
    if not diagnostics:
        compiled = lowering.run()
        return FrontEnd(compiled, lowering.diagnostics, grammars)
    # Earlier errors: still look for safety, probability and stratification errors, but a
    # crash caused by the earlier errors must not hide them.
    try:
        lowering.run()
    except Exception:  # noqa: BLE001 - cascades of reported errors only
        pass
    return FrontEnd(None, diagnostics + _new(lowering.diagnostics, diagnostics), grammars)


def _new(found: list[Diagnostic], known: list[Diagnostic]) -> list[Diagnostic]:
    seen = {(d.span.line, d.span.column) for d in known if d.span is not None}
    return [d for d in found if d.span is None or (d.span.line, d.span.column) not in seen]
