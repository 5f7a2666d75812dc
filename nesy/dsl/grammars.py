"""Lowering of `grammar` declarations to plain IR grammar data (`nesy.ir.Grammar`).

A declaration names the program's typed inputs, its start non-terminal, optionally its
synthesis domain (`using DOMAIN`), and each non-terminal's type and alternatives. An
alternative is a `$function(non-terminals...)` call, an input or non-terminal name, or a
constant. The front end checks what needs no synthesis domain (names, duplicates, the start
symbol); `nesy.synth.declared` checks types and functions against the domain.
"""
from __future__ import annotations

from .. import ir
from ..errors import Diagnostic
from . import ast
from . import diagnostics as kinds


def lower_grammars(program: ast.Program) -> tuple[dict[str, ir.Grammar], list[Diagnostic]]:
    """The program's grammars and the problems found in them. A declaration with a problem is
    left out of the grammars, so that the synthesis layer, which checks the others against
    their domains even when the rest of the program has errors, adds no cascade of its own."""
    grammars: dict[str, ir.Grammar] = {}
    diagnostics: list[Diagnostic] = []
    seen: set[str] = set()
    for decl in program.items:
        if not isinstance(decl, ast.GrammarDecl):
            continue
        if decl.name in seen:
            diagnostics.append(kinds.DUPLICATE_GRAMMAR(decl.span, grammar=decl.name))
            continue
        seen.add(decl.name)
        found = len(diagnostics)
        grammar = _lower(decl, diagnostics)
        if len(diagnostics) == found:
            grammars[decl.name] = grammar
    return grammars, diagnostics


def _lower(decl: ast.GrammarDecl, diagnostics: list[Diagnostic]) -> ir.Grammar:
    nonterminals: dict[str, ast.NonTerminal] = {}
    for nt in decl.nonterminals:
        if nt.name in nonterminals:
            diagnostics.append(kinds.DUPLICATE_NONTERMINAL(nt.span, grammar=decl.name,
                                                           nonterminal=nt.name))
        nonterminals.setdefault(nt.name, nt)
    inputs = {name: type_name for name, type_name, _ in decl.inputs}
    for name in sorted(set(inputs) & set(nonterminals)):
        diagnostics.append(kinds.INPUT_IS_NONTERMINAL(decl.span, grammar=decl.name, name=name))
    if decl.start not in nonterminals:
        diagnostics.append(kinds.UNKNOWN_START_SYMBOL(decl.start_span, grammar=decl.name,
                                                      start=decl.start))
    lowered = []
    for nt in nonterminals.values():
        alternatives = (_alternative(a, inputs, nonterminals, decl.name, diagnostics)
                        for a in nt.alternatives)
        lowered.append(ir.NonTerminal(nt.name, nt.type_name,
                                      tuple(a for a in alternatives if a is not None), nt.span,
                                      nt.type_span))
    return ir.Grammar(decl.name, tuple(inputs.items()), decl.start, tuple(lowered), decl.domain,
                      decl.span, decl.domain_span)


def _alternative(alt: ast.Alternative, inputs, nonterminals, grammar: str,
                 diagnostics) -> ir.Alternative | None:
    if alt.kind == "call":
        return ir.Alternative("call", alt.value, tuple(alt.args), alt.span)
    if alt.kind == "constant":
        return ir.Alternative("constant", alt.value, (), alt.span)
    if alt.value in inputs:
        return ir.Alternative("input", alt.value, (), alt.span)
    if alt.value in nonterminals:
        return ir.Alternative("nonterminal", alt.value, (), alt.span)
    diagnostics.append(kinds.UNKNOWN_GRAMMAR_NAME(alt.span, grammar=grammar, name=alt.value))
    return None

