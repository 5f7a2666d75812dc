"""A brute-force enumerator of tiny grammars: every program, size by size, no pruning.

It shares nothing with the bottom-up search but `Program` (the tree and its evaluation), so it
is an independent oracle for "the answer has minimal size", and it doubles as a toy search
strategy for the strategy registry's tests.
"""
from __future__ import annotations

import itertools
from typing import Iterator

from nesy.synth.grammar import CHAIN, CONSTANT, INPUT, Grammar
from nesy.synth.program import Program, consistent
from nesy.synth.search import SearchResult
from nesy.synth.strategies import Strategy


def programs(grammar: Grammar, domain, nonterminal: str, size: int) -> Iterator[Program]:
    """Every program derived from `nonterminal` whose size is exactly `size` (grammars with
    cycles of chains are not tiny: don't)."""
    for p in grammar.productions_of(nonterminal):
        if p.kind in (CONSTANT, INPUT):
            if p.weight == size:
                yield Program(p, (), domain)
        elif p.kind == CHAIN:
            for child in programs(grammar, domain, p.symbol, size):
                yield Program(p, (child,), domain)
        else:
            for sizes in _splits(size - p.weight, len(p.args)):
                options = [list(programs(grammar, domain, a, s)) for a, s in zip(p.args, sizes)]
                for children in itertools.product(*options):
                    yield Program(p, children, domain)


def _splits(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    if parts == 0:
        if total == 0:
            yield ()
        return
    for first in range(1, total - parts + 2):
        for rest in _splits(total - first, parts - 1):
            yield (first, *rest)


def smallest_size(grammar: Grammar, inputs, outputs, max_size: int = 8) -> int | None:
    """The size of the smallest program consistent with the examples, or None up to max_size."""
    domain = grammar.resolve()
    for size in range(1, max_size + 1):
        if any(consistent(p, inputs, outputs) for p in programs(grammar, domain, grammar.start, size)):
            return size
    return None


class BruteForce(Strategy):
    """Tries every program in order of size."""

    name = "brute-force"

    def search(self, problem, budget):
        started, tried = budget.now(), 0
        for size in range(1, (budget.max_size or 8) + 1):
            for program in programs(problem.grammar, problem.domain, problem.grammar.start, size):
                tried += 1
                if consistent(program, problem.inputs, problem.outputs):
                    return SearchResult(program, tried, 0, budget.now() - started, size - 1,
                                        "solved", "solved")
        return SearchResult(None, tried, 0, budget.now() - started, size, "max-size",
                            f"no program of size <= {size}")
