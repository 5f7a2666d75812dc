"""Program synthesis: typed grammars searched by pluggable strategies over pluggable domains.

See docs/synthesis.md. `Grammar` describes a search space over a synthesis domain's
operations (`nesy.synth.domains`), `synthesize` searches it with a strategy
(`nesy.synth.strategies`, "bottom-up" by default) for a program consistent with input-output
examples within a `Budget`. Domains and strategies are discovered when first needed; importing
this package registers nothing with the language's built-in functions.
"""
from nesy.synth.grammar import Grammar, GrammarError, Production
from nesy.synth.program import Program
from nesy.synth.search import Budget, Problem, SearchResult, synthesize

__all__ = ["Budget", "Grammar", "GrammarError", "Problem", "Production", "Program",
           "SearchResult", "synthesize"]
