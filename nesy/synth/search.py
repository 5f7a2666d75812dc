"""Bottom-up enumerative search with observational equivalence.

Programs are built in order of size (the sum of production weights). Every program is kept
only as its *value*: its outputs on all examples at once. A new program whose value vector
equals one already kept for the same non-terminal is dropped (observational equivalence), so
the search never re-evaluates a subprogram and never grows two programs that behave alike.

Speed comes from evaluating in bulk: for a production and a split of the remaining size over
its arguments, the Cartesian product of the argument values is cut into chunks, and each chunk
is one `functions.apply` call over (candidate x example) rows, the executor's own evaluator.
Combinations that provably repeat an argument's value (`identity`) are skipped, and
`synthesize` adds examples only as counterexamples require them. Only value vectors, their
hashes and back-pointers (production, argument ids) are stored; programs are rebuilt from
back-pointers when a solution is found, then re-executed on the examples before they are
reported.
"""
from __future__ import annotations

import bisect
import math
import os
import resource
import time
from dataclasses import dataclass, replace
from typing import Callable, Iterator, Mapping, Sequence

import numpy as np

from nesy.engine import functions
from nesy.errors import InternalError, UsageError
from nesy.synth.grammar import CHAIN, CONSTANT, FUNCTION, INPUT, Grammar, Production
from nesy.synth.program import Program, consistent, same

CHUNK_CELLS = 1 << 15  # (candidate x example) rows per functions.apply call


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


class _Stop(Exception):
    def __init__(self, reason: str, message: str):
        self.reason, self.message = reason, message


class _Bank:
    """The distinct values of one non-terminal, grouped by program size."""

    def __init__(self, examples: int):
        self.examples = examples
        self.seen: dict[tuple, int] = {}  # value vector -> value id
        self.levels: dict[int, tuple[int, np.ndarray]] = {}  # size -> (first id, values)
        self.pending: list[np.ndarray] = []
        self.origin_firsts: list[int] = []
        self.origins: list[tuple[int, np.ndarray | None]] = []  # (production, argument ids)

    def add(self, rows: np.ndarray, production: int, args: np.ndarray | None) -> tuple[np.ndarray, int]:
        """Keep the rows whose values are new; returns their positions and the first new id."""
        first = len(self.seen)
        kept: list[int] = []
        keep, assign, next_id = kept.append, self.seen.setdefault, first  # the hot loop
        for row, key in enumerate(zip(*(rows[:, j].tolist() for j in range(self.examples)))):
            if assign(key, next_id) == next_id:
                keep(row)
                next_id += 1
        kept = np.asarray(kept, dtype=np.int64)
        if kept.size:
            self.pending.append(rows[kept])
            self.origin_firsts.append(first)
            self.origins.append((production, None if args is None else args[kept]))
        return kept, first

    def close(self, size: int) -> None:
        """Make the values found at `size` available as arguments of larger programs."""
        if self.pending:
            values = np.concatenate(self.pending) if len(self.pending) > 1 else self.pending[0]
            self.levels[size] = (len(self.seen) - len(values), values)
        self.pending = []

    def origin(self, value_id: int) -> tuple[int, np.ndarray | None]:
        block = bisect.bisect_right(self.origin_firsts, value_id) - 1
        production, args = self.origins[block]
        return production, None if args is None else args[value_id - self.origin_firsts[block]]


class BottomUp:
    """One search: a grammar, examples and a budget. `run()` returns a `SearchResult`."""

    def __init__(self, grammar: Grammar, inputs: Mapping[str, Sequence], outputs: Sequence,
                 budget: Budget = Budget()):
        grammar.check()
        self.grammar, self.budget = grammar, budget
        self.inputs = {name: list(values) for name, values in inputs.items()}
        self.outputs = list(outputs)
        self.examples = len(self.outputs)
        if self.examples == 0:
            raise UsageError("synthesis needs at least one example")
        missing = [name for name in grammar.inputs if name not in self.inputs]
        if missing or any(len(v) != self.examples for v in self.inputs.values()):
            raise UsageError(f"every input needs one value per example (missing: {missing})")
        self.productions = grammar.productions
        aliases = _aliases(grammar)
        own = {name: _Bank(self.examples) for name in grammar.nonterminals if name not in aliases}
        self.banks = {name: own[aliases.get(name, name)] for name in grammar.nonterminals}
        self.chains = {name: [i for i, p in enumerate(self.productions) if p.kind == CHAIN
                              and p.symbol == name and p.lhs not in aliases] for name in self.banks}
        self.target = tuple(self.outputs)
        self.rows = max(1, CHUNK_CELLS // self.examples)
        self.candidates = 0
        self.found: tuple[str, int] | None = None

    def run(self) -> SearchResult:
        self.started = self.budget.now()
        self.memory_base = _resident_mb()
        size = 0
        try:
            while True:
                size += 1
                if self.budget.max_size is not None and size > self.budget.max_size:
                    raise _Stop("max-size", f"no program of size <= {self.budget.max_size}")
                if size > self._largest_possible_size():
                    raise _Stop("exhausted", "the grammar has no more programs")
                self._enumerate(size)
                for bank in self._distinct_banks():
                    bank.close(size)
        except _Stop as stop:
            return self._result(stop.reason, stop.message, size - 1)

    def _enumerate(self, size: int) -> None:
        for index, p in enumerate(self.productions):
            if p.kind in (CONSTANT, INPUT) and p.weight == size:
                value = p.symbol if p.kind == CONSTANT else None
                row = [value] * self.examples if p.kind == CONSTANT else self.inputs[p.symbol]
                self._evaluated(p.lhs, _matrix([row]), index, None, 1)
            elif p.kind == FUNCTION:
                for sizes in _compositions(size - p.weight, len(p.args)):
                    self._apply_all(index, sizes)

    def _apply_all(self, index: int, sizes: tuple[int, ...]) -> None:
        """Evaluate a production on every combination of argument values of the given sizes."""
        p = self.productions[index]
        levels = [self.banks[a].levels.get(s) for a, s in zip(p.args, sizes)]
        if any(level is None for level in levels):
            return
        for picks in self._combinations(p, levels):
            count = len(picks[0])
            columns = [values[pick].ravel() for (_, values), pick in zip(levels, picks)]
            raw, valid = functions.apply(p.symbol, columns)
            rows = np.asarray(raw, dtype=object).reshape(count, self.examples)
            defined = np.asarray(valid, dtype=bool).reshape(count, self.examples).all(axis=1)
            args = np.stack([pick + first for (first, _), pick in zip(levels, picks)], axis=1)
            self._evaluated(p.lhs, rows[defined], index, args[defined], count,
                            np.flatnonzero(defined))

    def _combinations(self, p: Production, levels) -> Iterator[tuple[np.ndarray, ...]]:
        """Chunks of argument picks (an index array per argument) in lexicographic order,
        leaving out combinations whose leading arguments make the result provably equal to
        one of its arguments (see `identity`): their value is already known."""
        shape = tuple(len(values) for _, values in levels)
        lead, rule = IDENTITIES.get(p.symbol, (0, None))
        if lead >= len(shape):
            lead, rule = 0, None
        head_shape, tail_shape = shape[:lead], shape[lead:]
        tail_total, head_total = math.prod(tail_shape), math.prod(head_shape)
        for head_lo in range(0, head_total, self.rows):
            head = np.unravel_index(np.arange(head_lo, min(head_total, head_lo + self.rows)),
                                    head_shape) if lead else ()
            if rule is not None:
                head = self._useful(p, rule, levels, head)
            total = (len(head[0]) if lead else 1) * tail_total
            lo = 0
            while lo < total:
                hi = self._chunk_end(lo, total)
                at_head, at_tail = np.divmod(np.arange(lo, hi), tail_total)
                yield tuple(h[at_head] for h in head) + np.unravel_index(at_tail, tail_shape)
                lo = hi

    def _useful(self, p: Production, rule: Callable, levels, head: tuple) -> tuple:
        """The leading-argument picks for which the identity rule does not settle the result."""
        columns = [values[pick].ravel() for (_, values), pick in zip(levels, head)]
        same = np.asarray(rule(*columns)).reshape(len(head[0]), self.examples)
        first = same[:, 0]
        settled = (same == first[:, None]).all(axis=1) & (first >= 0)
        same_bank = np.array([a == p.lhs for a in p.args] + [False])  # index -1: never
        settled &= same_bank[first]
        return tuple(h[~settled] for h in head)

    def _chunk_end(self, lo: int, total: int) -> int:
        hi = min(total, lo + self.rows)
        if self.budget.max_candidates is not None:
            hi = min(hi, lo + self.budget.max_candidates - self.candidates)
        return hi

    def _evaluated(self, lhs: str, rows: np.ndarray, production: int, args, tried: int,
                   positions: np.ndarray | None = None) -> None:
        """Record a chunk of `tried` candidates whose defined values are `rows`."""
        self._keep(lhs, rows, production, args)
        if self.found is not None:
            hit = np.flatnonzero([tuple(r) == self.target for r in rows.tolist()])[0]
            self.candidates += 1 + int(hit if positions is None else positions[hit])
            raise _Stop("solved", "solved")
        self.candidates += tried
        self._check_budget()

    def _keep(self, lhs: str, rows: np.ndarray, production: int, args) -> None:
        bank = self.banks[lhs]
        kept, first = bank.add(rows, production, args)
        if not kept.size:
            return
        if bank is self.banks[self.grammar.start] and self.target in bank.seen and self.found is None:
            self.found = (lhs, bank.seen[self.target])
        ids = np.arange(first, first + kept.size).reshape(-1, 1)
        for chain in self.chains[lhs]:
            self._keep(self.productions[chain].lhs, rows[kept], chain, ids)

    def _check_budget(self) -> None:
        b = self.budget
        if b.max_candidates is not None and self.candidates >= b.max_candidates:
            raise _Stop("candidates", "candidate budget reached")
        if b.timeout is not None and b.now() - self.started > b.timeout:
            raise _Stop("timeout", "time budget reached")
        if b.max_memory_mb is not None and _resident_mb() - self.memory_base > b.max_memory_mb:
            raise _Stop("memory", f"memory budget of {b.max_memory_mb:g} MB reached after "
                        f"{self._value_count():,} distinct values; raise it or lower the "
                        f"time or candidate budget")

    def _largest_possible_size(self) -> int:
        """No program can be larger than this, given the sizes that have values so far."""
        filled = [s for bank in self._distinct_banks() for s in bank.levels]
        top = max(filled, default=0)
        return max(p.weight + len(p.args) * top for p in self.productions)

    def _value_count(self) -> int:
        return sum(len(bank.seen) for bank in self._distinct_banks())

    def _distinct_banks(self) -> list[_Bank]:
        return list({id(bank): bank for bank in self.banks.values()}.values())

    def _result(self, reason: str, message: str, size_reached: int) -> SearchResult:
        program = None
        if self.found is not None:
            program = self._program(*self.found)
            if not consistent(program, self.inputs, self.outputs):
                raise InternalError(f"search produced {program}, which fails its examples")
        return SearchResult(program, self.candidates, self._value_count(),
                            self.budget.now() - self.started, size_reached, reason, message)

    def _program(self, nonterminal: str, value_id: int) -> Program:
        production, args = self.banks[nonterminal].origin(value_id)
        p = self.productions[production]
        if p.kind == CHAIN:
            return Program(p, (self._program(p.symbol, int(args[0])),))
        return Program(p, tuple(self._program(a, int(i)) for a, i in zip(p.args, () if args is None else args)))


def synthesize(grammar: Grammar, inputs: Mapping[str, Sequence], outputs: Sequence,
               budget: Budget = Budget(), *, incremental: bool = True) -> SearchResult:
    """Find the smallest program of `grammar` mapping `inputs` (name -> one value per example)
    to `outputs`. Deterministic: the same problem and budget give the same answer.

    With `incremental`, the search first runs on one example and, each time its answer fails
    another example, runs again with that example added (counterexample-guided). Searching
    few examples is much cheaper per candidate and merges more values, and the answer stays
    a smallest one: any program right on all examples is right on the subset."""
    if not incremental:
        result = BottomUp(grammar, inputs, outputs, budget).run()
        return replace(result, message=_described(result, budget))
    started, candidates, chosen = budget.now(), 0, [0]
    while True:
        spent = budget.now() - started
        result = BottomUp(grammar, {n: [v[i] for i in chosen] for n, v in inputs.items()},
                          [outputs[i] for i in chosen], _remaining(budget, spent, candidates)).run()
        candidates += result.candidates
        wrong = None if result.program is None else _first_wrong(result.program, inputs, outputs)
        if wrong is None:
            return replace(result, candidates=candidates, seconds=budget.now() - started,
                           message=_described(result, budget))
        chosen.append(wrong)


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


def _first_wrong(program: Program, inputs: Mapping[str, Sequence], outputs: Sequence) -> int | None:
    """The first example the program gets wrong, or None."""
    for index, (got, want) in enumerate(zip(program.run(inputs), outputs)):
        if not same(got, want):
            return index
    return None


def _aliases(grammar: Grammar) -> dict[str, str]:
    """Non-terminals whose only production is a chain (`Start ::= ntString`), mapped to the
    non-terminal whose values they share instead of copying them."""
    direct = {}
    for name in grammar.nonterminals:
        productions = grammar.productions_of(name)
        if len(productions) == 1 and productions[0].kind == CHAIN:
            direct[name] = productions[0].symbol
    resolved = {}
    for name in direct:
        target, hops = name, 0
        while target in direct and hops <= len(direct):
            target, hops = direct[target], hops + 1
        if target not in direct:  # a cycle of chains alone has no programs at all
            resolved[name] = target
    return resolved


# name -> (number of leading arguments, rule); see `identity`.
IDENTITIES: dict[str, tuple[int, Callable]] = {}


def identity(name: str, leading: int):
    """Declare when function `name` gives back one of its arguments unchanged: `rule` takes
    columns of the first `leading` arguments and returns, per row, the index of the argument
    the result then equals, or -1. The search skips every combination for which that index
    is the same on all examples (and the argument comes from the production's own
    non-terminal): its value is already in the bank, from a smaller program."""

    def decorate(rule: Callable) -> Callable:
        IDENTITIES[name] = (leading, rule)
        return rule

    return decorate


def _compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way to write `total` as an ordered sum of `parts` positive sizes."""
    if parts == 0:
        if total == 0:
            yield ()
        return
    for first in range(1, total - parts + 2):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def _matrix(rows: list[list]) -> np.ndarray:
    out = np.empty((len(rows), len(rows[0])), dtype=object)
    out[:] = rows
    return out


def _resident_mb() -> float:
    """Resident memory of this process in MB (peak resident memory where /proc is absent)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if os.uname().sysname == "Darwin" else peak / 2**10
