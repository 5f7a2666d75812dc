"""Synthesis: search strategies behind one interface, and the loop every search runs in.

`synthesize` searches a grammar for a program consistent with input-output examples within a
`Budget`, with a named `Strategy` from the registry in `nesy.synth.strategies` ("bottom-up" by
default). Whatever the strategy, every answer is re-executed on its examples here, before it
is reported: a strategy that returns a wrong program is a bug, not a solution.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from nesy.errors import DataError, InternalError, UsageError
from nesy.memory import resident_memory
from nesy.synth import strategies
from nesy.synth.domains import Domain
from nesy.synth.grammar import Grammar
from nesy.synth.program import Program, wrong


@dataclass(frozen=True)
class Budget:
    """When to give up. `None` means no limit; the memory limit counts growth during search.
    `clock` is "wall" (elapsed seconds) or "cpu" (this process's processor seconds, a fair
    measure on a machine shared with other work)."""

    timeout: float | None = None
    max_candidates: int | None = None
    max_memory_mb: float | None = 4096
    max_size: int | None = None
    clock: str = "wall"

    def now(self) -> float:
        return time.process_time() if self.clock == "cpu" else time.perf_counter()


def resident_mb() -> float:
    """Resident memory of this process in MB (peak resident memory where /proc is absent):
    what strategies compare with `Budget.max_memory_mb`, as growth since they started."""
    return resident_memory() / 2**20


@dataclass(frozen=True)
class SearchResult:
    program: Program | None
    candidates: int  # programs evaluated
    values: int  # distinct values kept over all non-terminals
    seconds: float  # on the budget's clock
    size_reached: int  # every program up to this size was tried
    stop: str  # solved | timeout | candidates | memory | max-size | exhausted
    message: str

    @property
    def solved(self) -> bool:
        return self.program is not None

    @property
    def size(self) -> int | None:
        return self.program.size if self.program else None


@dataclass(frozen=True)
class Problem:
    """What a strategy searches: a checked grammar, its domain, and the examples (input name
    -> one value per example, and one output per example)."""

    grammar: Grammar
    domain: Domain
    inputs: Mapping[str, list]
    outputs: list

    @property
    def examples(self) -> int:
        return len(self.outputs)

    def subset(self, chosen: Sequence[int]) -> "Problem":
        return Problem(self.grammar, self.domain,
                       {n: [v[i] for i in chosen] for n, v in self.inputs.items()},
                       [self.outputs[i] for i in chosen])


def problem(grammar: Grammar, inputs: Mapping[str, Sequence], outputs: Sequence) -> Problem:
    """Check a grammar and its examples; raises `GrammarError` or `UsageError` for a bad
    grammar or example shape, `DataError` for a value that does not have its declared type."""
    grammar.check()
    inputs = {name: list(values) for name, values in inputs.items()}
    outputs = list(outputs)
    if not outputs:
        raise UsageError("synthesis needs at least one example")
    missing = [name for name in grammar.inputs if name not in inputs]
    if missing or any(len(v) != len(outputs) for v in inputs.values()):
        raise UsageError(f"every input needs one value per example (missing: {missing})")
    domain = grammar.resolve()
    typed = [(f"input `{name}`", values, grammar.inputs[name]) for name, values in inputs.items()
             if name in grammar.inputs]
    for what, values, type_name in typed + [("output", outputs, grammar.nonterminals[grammar.start])]:
        for index, value in enumerate(values):
            if not domain.fits(value, type_name):
                raise DataError(f"example {index + 1}: the {what} {value!r} is not a value of "
                                f"type {type_name}")
    return Problem(grammar, domain, inputs, outputs)


def contradiction(problem_: Problem) -> tuple[int, int] | None:
    """Two examples (positions) with the same inputs and different outputs, which no
    program can meet; None when there are none (or values cannot be compared by hash)."""
    seen: dict = {}
    rows = zip(*problem_.inputs.values()) if problem_.inputs else [()] * problem_.examples
    try:
        for index, (row, output) in enumerate(zip(rows, problem_.outputs)):
            first = seen.setdefault(tuple(row), index)
            if problem_.outputs[first] != output:
                return first, index
    except TypeError:  # unhashable values: left to the search
        return None
    return None


def synthesize(grammar: Grammar, inputs: Mapping[str, Sequence], outputs: Sequence,
               budget: Budget = Budget(), *, strategy: str = "bottom-up",
               incremental: bool = True, first: Sequence[int] = (0,)) -> SearchResult:
    """Find a program of `grammar` mapping `inputs` (name -> one value per example) to
    `outputs` with the named strategy; bottom-up finds a smallest one. Deterministic: the same
    problem and budget give the same answer.

    With `incremental`, the search first runs on the examples numbered `first` (by default the
    first one alone; a classifier, such as a regex from positive and negative strings, starts
    better from one example of each class) and, each time its answer fails another example,
    runs again with that example added (counterexample-guided). Searching
    few examples is much cheaper per candidate and merges more values, and a smallest answer
    stays a smallest one: any program right on all examples is right on the subset."""
    search = strategies.get(strategy)
    whole = problem(grammar, inputs, outputs)
    clash = contradiction(whole)
    if clash is not None:
        first_, second = clash
        return SearchResult(None, 0, 0, 0.0, 0, "infeasible",
                            f"infeasible: examples {first_ + 1} and {second + 1} have the same "
                            f"inputs but want {whole.outputs[first_]!r} and "
                            f"{whole.outputs[second]!r}")
    if not incremental:
        result, _ = _search(search, whole, range(whole.examples), budget)
        return replace(result, message=_described(result, budget))
    chosen = sorted(set(first))
    if not chosen or not all(0 <= i < whole.examples for i in chosen):
        raise UsageError(f"the first round's examples {list(first)} are not among the "
                         f"{whole.examples} examples")
    started, candidates = budget.now(), 0
    while True:
        spent = budget.now() - started
        result, failed = _search(search, whole, chosen, _remaining(budget, spent, candidates))
        candidates += result.candidates
        if not failed:
            return replace(result, candidates=candidates, seconds=budget.now() - started,
                           message=_described(result, budget))
        chosen.append(failed[0])


def _search(strategy: "strategies.Strategy", whole: Problem, chosen: Sequence[int],
            budget: Budget) -> tuple[SearchResult, list[int]]:
    """Run a strategy on the chosen examples and re-execute its answer, once, on all of them:
    the examples it gets wrong (none when there is no answer). Wrong on one it was given is
    a bug of the strategy."""
    chosen = list(chosen)
    result = strategy.search(whole if len(chosen) == whole.examples else whole.subset(chosen),
                             budget)
    if result.program is None:
        return result, []
    failed = wrong(result.program, whole.inputs, whole.outputs)
    if set(failed) & set(chosen):
        raise InternalError(f"search strategy '{strategy.name}' produced {result.program}, "
                            f"which fails its examples")
    return result, failed


def _described(result: SearchResult, budget: Budget) -> str:
    """The stop message in terms of the whole budget rather than the last round's share."""
    if result.stop == "timeout":
        return f"time budget of {budget.timeout:g} {'CPU ' if budget.clock == 'cpu' else ''}s reached"
    if result.stop == "candidates":
        return f"candidate budget of {budget.max_candidates:,} reached"
    return result.message


def _remaining(budget: Budget, spent: float, candidates: int) -> Budget:
    return replace(budget,
                   timeout=None if budget.timeout is None else max(0.0, budget.timeout - spent),
                   max_candidates=None if budget.max_candidates is None
                   else max(0, budget.max_candidates - candidates))
