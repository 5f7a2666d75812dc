"""Bottom-up enumerative search with observational equivalence: the "bottom-up" strategy.

Programs are built in order of size (the sum of production weights). Every program is kept
only as its *value*: its outputs on all examples at once. A new program whose value vector
equals one already kept for the same non-terminal is dropped (observational equivalence), so
the search never re-evaluates a subprogram and never grows two programs that behave alike.
Values are compared through their type's equivalence key (see `nesy.synth.domains.ValueType`);
values of types without one are hashable and compared as they are, the fast path.

Speed comes from evaluating in bulk: for a production and a split of the remaining size over
its arguments, the Cartesian product of the argument values is cut into chunks, and each chunk
is one function application over (candidate x example) rows. Combinations that provably repeat
an argument's value (the domain's `identity` rules) are skipped, and `synthesize` adds
examples only as counterexamples require them. Only value vectors, their keys and
back-pointers (production, argument ids) are stored; programs are rebuilt from back-pointers
when a solution is found.
"""
from __future__ import annotations

import bisect
import math
from typing import Callable, Iterator

import numpy as np

from nesy.builtins import apply
from nesy.synth.grammar import CHAIN, CONSTANT, FUNCTION, INPUT, Grammar, Production
from nesy.synth.program import Program
from nesy.synth.search import Budget, Problem, SearchResult, resident_mb
from nesy.synth.strategies import Strategy

CHUNK_CELLS = 1 << 15  # (candidate x example) rows per function application
CELL_CHARS = 64  # a value up to this long counts as one cell of a chunk


class _Stop(Exception):
    def __init__(self, reason: str, message: str):
        self.reason, self.message = reason, message


class _Bank:
    """The distinct values of one non-terminal, grouped by program size."""

    def __init__(self, examples: int, key: Callable | None = None):
        self.examples, self.key = examples, key
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
        for row, key in enumerate(self.keys(rows)):
            if assign(key, next_id) == next_id:
                keep(row)
                next_id += 1
        kept = np.asarray(kept, dtype=np.int64)
        if kept.size:
            self.pending.append(rows[kept])
            self.origin_firsts.append(first)
            self.origins.append((production, None if args is None else args[kept]))
        return kept, first

    def keys(self, rows: np.ndarray) -> Iterator[tuple]:
        """The equivalence key of each row of values: the values themselves (the fast path)
        or their type's keys."""
        columns = [rows[:, j].tolist() for j in range(self.examples)]
        if self.key is not None:
            columns = [list(map(self.key, column)) for column in columns]
        return zip(*columns)

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


def _cell_weight(problem: Problem) -> int:
    """How many ordinary cells one value of this problem counts as: chunks of candidates
    shrink with the longest example value, so a chunk of functions of 100,000-character
    strings stays within the memory and time budgets checked between chunks."""
    values = [v for column in problem.inputs.values() for v in column] + list(problem.outputs)
    longest = max((len(v) for v in values if isinstance(v, (str, bytes, tuple, list))),
                  default=0)
    return max(1, longest // CELL_CHARS)


class BottomUp:
    """One search: a problem and a budget. `run()` returns a `SearchResult`."""

    def __init__(self, problem: Problem, budget: Budget = Budget()):
        self.grammar, self.domain, self.budget = problem.grammar, problem.domain, budget
        self.inputs, self.outputs = problem.inputs, problem.outputs
        self.examples = problem.examples
        grammar = self.grammar
        self.productions = grammar.productions
        self.calls = [self.domain.functions.lookup(p.symbol) if p.kind == FUNCTION else None
                      for p in self.productions]
        aliases = _aliases(grammar)
        own = {name: _Bank(self.examples, self.domain.key(type_name))
               for name, type_name in grammar.nonterminals.items() if name not in aliases}
        self.banks = {name: own[aliases.get(name, name)] for name in grammar.nonterminals}
        self.chains = {name: [i for i, p in enumerate(self.productions) if p.kind == CHAIN
                              and p.symbol == name and p.lhs not in aliases] for name in self.banks}
        self.target = next(self.banks[grammar.start].keys(_matrix([self.outputs])))
        self.rows = max(1, CHUNK_CELLS // (self.examples * _cell_weight(problem)))
        self.candidates = 0
        self.found: tuple[str, int] | None = None

    def run(self) -> SearchResult:
        self.started = self.budget.now()
        self.memory_base = resident_mb()
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
            raw, valid = apply(self.calls[index], columns)
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
        lead, rule = self.domain.identities.get(p.symbol, (0, None))
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
            hit = np.flatnonzero([k == self.target for k in self.banks[lhs].keys(rows)])[0]
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
        if b.max_memory_mb is not None and resident_mb() - self.memory_base > b.max_memory_mb:
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
        return SearchResult(program, self.candidates, self._value_count(),
                            self.budget.now() - self.started, size_reached, reason, message)

    def _program(self, nonterminal: str, value_id: int) -> Program:
        production, args = self.banks[nonterminal].origin(value_id)
        p = self.productions[production]
        if p.kind == CHAIN:
            return Program(p, (self._program(p.symbol, int(args[0])),), self.domain)
        children = zip(p.args, () if args is None else args)
        return Program(p, tuple(self._program(a, int(i)) for a, i in children), self.domain)


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
    """An object matrix of values, filled one by one: values may be sequences themselves."""
    out = np.empty((len(rows), len(rows[0])), dtype=object)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            out[i, j] = value
    return out


class BottomUpStrategy(Strategy):
    """Smallest programs first, one value per observationally distinct program."""

    name = "bottom-up"

    def search(self, problem: Problem, budget: Budget) -> SearchResult:
        return BottomUp(problem, budget).run()


STRATEGY = BottomUpStrategy()
