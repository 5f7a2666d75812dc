"""Program synthesis: typed grammars searched bottom-up, on the executor's own functions.

See docs/synthesis.md. `Grammar` describes a search space, `synthesize` searches it for a
program consistent with input-output examples within a `Budget`. Importing this package
registers the domains' functions (BUSTLE's string operations, SMT-LIB's) with the executor.
"""
from nesy.synth.grammar import Grammar, GrammarError, Production
from nesy.synth.program import Program
from nesy.synth.search import Budget, SearchResult, synthesize
from nesy.synth.domains import smtlib, strings  # noqa: F401,E402  (register their functions)

__all__ = ["Budget", "Grammar", "GrammarError", "Production", "Program", "SearchResult",
           "synthesize"]
