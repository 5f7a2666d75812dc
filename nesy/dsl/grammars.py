"""Lowering of `grammar` declarations to synthesis grammars (`nesy.synth.Grammar`).

A declaration names the program's typed inputs, its start non-terminal, and each
non-terminal's type and alternatives. An alternative is a `$function(non-terminals...)` call,
an input or non-terminal name (a chain), or a constant. Every problem is reported at the
alternative or declaration it concerns.
"""
from __future__ import annotations

from ..errors import Diagnostic
from . import ast


def lower_grammars(program: ast.Program) -> tuple[dict, list[Diagnostic]]:
    declarations = [i for i in program.items if isinstance(i, ast.GrammarDecl)]
    if not declarations:
        return {}, []
    import nesy.synth  # noqa: F401 - registers the synthesis domains' functions
    from nesy.synth.grammar import Grammar

    grammars, diagnostics = {}, []
    for decl in declarations:
        if decl.name in grammars:
            diagnostics.append(Diagnostic(decl.span, f"grammar '{decl.name}' is defined twice"))
            continue
        grammar, spans = _build(decl, Grammar, diagnostics)
        for production, message in grammar.problems():
            span = next((s for p, s in spans if p is production), decl.span)
            diagnostics.append(Diagnostic(span, f"in grammar '{decl.name}': {message}"))
        grammars[decl.name] = grammar
    return grammars, diagnostics


def _build(decl: ast.GrammarDecl, Grammar, diagnostics):
    nonterminals = {}
    for nt in decl.nonterminals:
        if nt.name in nonterminals:
            diagnostics.append(Diagnostic(nt.span, f"non-terminal '{nt.name}' is defined twice",
                                          "list all its alternatives in one line with '|'"))
        nonterminals[nt.name] = nt.type_name
    inputs = {name: type_name for name, type_name, _ in decl.inputs}
    for name in set(inputs) & set(nonterminals):
        diagnostics.append(Diagnostic(decl.span, f"'{name}' is both an input and a non-terminal"))
    grammar = Grammar(nonterminals, decl.start, inputs)
    if decl.start not in nonterminals:
        diagnostics.append(Diagnostic(decl.start_span, f"the start symbol '{decl.start}' is not "
                                                       f"a non-terminal of grammar '{decl.name}'"))
    spans = []
    for nt in decl.nonterminals:
        for alt in nt.alternatives:
            if alt.kind == "call":
                grammar.function(nt.name, alt.value, *alt.args)
            elif alt.kind == "constant":
                grammar.constant(nt.name, alt.value)
            elif alt.value in inputs:
                grammar.input(nt.name, alt.value)
            elif alt.value in nonterminals:
                grammar.chain(nt.name, alt.value)
            else:
                diagnostics.append(Diagnostic(alt.span, f"'{alt.value}' is neither an input nor "
                                                        f"a non-terminal of grammar '{decl.name}'"))
                continue
            spans.append((grammar.productions[-1], alt.span))
    return grammar, spans
