"""Searchable grammars from the `grammar` declarations of a nesy program (IR grammar data).

The front end lowers a declaration to plain data (`nesy.ir.Grammar`); here it becomes a
`nesy.synth.Grammar` over its synthesis domain, and every problem the domain finds (an unknown
type or function, an ill-typed call, a constant of the wrong type) becomes a located
`Diagnostic`, so `nesy.compile`, `nesy.load` and `nesy check` report them alike.
"""
from __future__ import annotations

from nesy import ir
from nesy.errors import Diagnostic
from nesy.synth import diagnostics as kinds
from nesy.synth import domains
from nesy.synth.grammar import Grammar


def build(decl: ir.Grammar) -> tuple[Grammar, list[Diagnostic]]:
    """The grammar a declaration describes, and its problems located in the source."""
    grammar = Grammar({nt.name: nt.type_name for nt in decl.nonterminals}, decl.start,
                      dict(decl.inputs), domain=decl.domain)
    spans = []
    for nt in decl.nonterminals:
        for alt in nt.alternatives:
            if alt.kind == "call":
                grammar.function(nt.name, alt.value, *alt.args)
            elif alt.kind == "constant":
                grammar.constant(nt.name, alt.value)
            elif alt.kind == "input":
                grammar.input(nt.name, alt.value)
            else:
                grammar.chain(nt.name, alt.value)
            spans.append((grammar.productions[-1], alt.span))
    if decl.domain is not None and decl.domain not in domains.names():
        return grammar, [kinds.UNKNOWN_SYNTHESIS_DOMAIN(decl.domain_span or decl.span,
                                                        grammar=decl.name, domain=decl.domain,
                                                        known=domains.names())]
    diagnostics = []
    for production, problem in grammar.problems():
        if production is None:
            diagnostics.append(kinds.INVALID_GRAMMAR(decl.span, grammar=decl.name,
                                                     problem=problem))
            continue
        span = next((s for p, s in spans if p is production), decl.span)
        diagnostics.append(kinds.INVALID_GRAMMAR_PRODUCTION(span, grammar=decl.name,
                                                            production=str(production),
                                                            problem=problem))
    return grammar, diagnostics


def build_all(grammars: dict[str, ir.Grammar]) -> tuple[dict[str, Grammar], list[Diagnostic]]:
    built, diagnostics = {}, []
    for name, decl in grammars.items():
        built[name], found = build(decl)
        diagnostics += found
    return built, diagnostics
