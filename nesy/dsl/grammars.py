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


def lower_grammars(program: ast.Program) -> tuple[dict[str, ir.Grammar], list[Diagnostic]]:
    grammars: dict[str, ir.Grammar] = {}
    diagnostics: list[Diagnostic] = []
    for decl in program.items:
        if not isinstance(decl, ast.GrammarDecl):
            continue
        if decl.name in grammars:
            diagnostics.append(Diagnostic(decl.span, f"grammar '{decl.name}' is defined twice",
                                          code="duplicate-grammar", fields={"grammar": decl.name}))
            continue
        grammars[decl.name] = _lower(decl, diagnostics)
    return grammars, diagnostics


def _lower(decl: ast.GrammarDecl, diagnostics: list[Diagnostic]) -> ir.Grammar:
    where = {"grammar": decl.name}
    nonterminals: dict[str, ast.NonTerminal] = {}
    for nt in decl.nonterminals:
        if nt.name in nonterminals:
            diagnostics.append(Diagnostic(nt.span, f"non-terminal '{nt.name}' is defined twice",
                                          "list all its alternatives in one line with '|'",
                                          code="duplicate-nonterminal",
                                          fields={**where, "nonterminal": nt.name}))
        nonterminals.setdefault(nt.name, nt)
    inputs = {name: type_name for name, type_name, _ in decl.inputs}
    for name in sorted(set(inputs) & set(nonterminals)):
        diagnostics.append(Diagnostic(decl.span, f"'{name}' is both an input and a non-terminal",
                                      code="input-is-nonterminal", fields={**where, "name": name}))
    if decl.start not in nonterminals:
        diagnostics.append(Diagnostic(decl.start_span, f"the start symbol '{decl.start}' is not "
                                                       f"a non-terminal of grammar '{decl.name}'",
                                      code="unknown-start-symbol",
                                      fields={**where, "start": decl.start}))
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
    diagnostics.append(Diagnostic(alt.span, f"'{alt.value}' is neither an input nor a "
                                            f"non-terminal of grammar '{grammar}'",
                                  code="unknown-grammar-name",
                                  fields={"grammar": grammar, "name": alt.value}))
    return None

