"""Regex search as a strategy: bottom-up by size with membership bit vectors.

The strategy searches grammars of the regex domain's shape (`nesy.synth.regex.grammar`):

    B ::= matches(R, S)      (B: bool, the start; S: String, the example string `s`)
    S ::= s
    R ::= atom | union(R, R) | concat(R, R) | star(R) | plus(R) | opt(R)

where the atoms are the grammar's `Regex` constants (each symbol of the alphabet, `.`; `()`,
the empty string, is tried only as a whole answer: inside a larger regex it is never needed,
as `r?` is smaller than `r|()` and `()r` is `r`). A regex's value is its membership vector
over every infix of the examples (`nesy.synth.domains.regex.Infixes`); a regex whose vector
was already seen is dropped (observational equivalence), and the first regex matching every
positive and no negative is returned, so it is a smallest one of that search space.
Concatenations and unions are computed a whole size class at a time with numpy. Candidates are
built as numbers (constructor, operand ids) with their vectors; only the kept ones become
nodes, and only the answer becomes a `Program`.

The examples' outputs are the membership wanted (True: positive). The budget's timeout,
max_candidates, max_memory_mb and max_size (regex nodes) are respected.
"""
from __future__ import annotations

import numpy as np

from nesy.errors import UsageError
from nesy.synth.domains.regex import (Concat, Epsilon, Infixes, Opt, Plus, Regex, Star, Union)
from nesy.synth.grammar import CONSTANT, FUNCTION, INPUT, Production
from nesy.synth.program import Program
from nesy.synth.search import Budget, Problem, SearchResult, resident_mb
from nesy.synth.strategies import Strategy

_CONSTRUCTORS = {"union": Union, "concat": Concat, "star": Star, "plus": Plus, "opt": Opt}
_SHAPE = ("the regex strategy searches grammars `B ::= matches(R, S)`, `S ::= <input>`, "
          "`R ::= <Regex constants> | union(R, R) | concat(R, R) | star(R) | plus(R) | opt(R)`")


_MEMORY_EVERY = 0.02  # seconds


class _Stop(Exception):
    def __init__(self, reason: str, message: str):
        self.reason, self.message = reason, message


class _Shape:
    """The parts of a regex grammar the search needs: the productions by role."""

    def __init__(self, problem: Problem):
        grammar = problem.grammar
        top = grammar.productions_of(grammar.start)
        if len(top) != 1 or top[0].kind != FUNCTION or top[0].symbol != "matches":
            raise UsageError(_SHAPE)
        self.matches = top[0]
        regex_nt, string_nt = self.matches.args
        strings = grammar.productions_of(string_nt)
        if len(strings) != 1 or strings[0].kind != INPUT:
            raise UsageError(_SHAPE)
        self.string = strings[0]
        self.atoms: list[Production] = []
        self.epsilon: Production | None = None
        self.constructors: dict[type, Production] = {}
        for p in grammar.productions_of(regex_nt):
            if p.kind == CONSTANT and isinstance(p.symbol, Epsilon):
                self.epsilon = p
            elif p.kind == CONSTANT and isinstance(p.symbol, Regex):
                self.atoms.append(p)
            elif p.kind == FUNCTION and p.symbol in _CONSTRUCTORS and set(p.args) == {regex_nt}:
                self.constructors[_CONSTRUCTORS[p.symbol]] = p
            else:
                raise UsageError(f"{_SHAPE}; `{p}` is not of that form")


class RegexSearch:
    """One search over the examples of a problem, within a budget."""

    def __init__(self, problem: Problem, budget: Budget):
        self.shape = _Shape(problem)
        self.domain = problem.domain
        self.budget = budget
        strings = next(iter(problem.inputs.values()))
        self.infixes = Infixes(strings)
        self.checked = self.infixes.strings
        self.target = np.array(problem.outputs, dtype=bool)
        self.nodes = _Nodes()
        self.seen: set[bytes] = set()
        self.levels: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.pending: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
        self.candidates = 0
        self.started = budget.now()
        self.memory_base = resident_mb()
        self.next_memory_check = self.started

    def run(self) -> SearchResult:
        size = 1
        try:
            found = self._first_level()
            while found is None:
                size += 1
                if self.budget.max_size is not None and size > self.budget.max_size:
                    raise _Stop("max-size", f"no regex of size <= {self.budget.max_size}")
                if size > 2 * max(self.levels, default=0) + 1:
                    raise _Stop("exhausted", "the grammar has no more regexes")
                found = self._level(size)
        except _Stop as stop:
            return self._result(None, size - 1, stop.reason, stop.message)
        return self._result(found, size, "solved", "solved")

    def _first_level(self):
        atoms = [p.symbol for p in self.shape.atoms]
        found = self._keep(None, self.shape.atoms, None,
                           np.stack([self.infixes.evaluate(a) for a in atoms]))
        if found is None and self.shape.epsilon is not None and \
                (self.infixes.epsilon[self.checked] == self.target).all():
            return self.nodes.add(None, [self.shape.epsilon], None)[0]
        self._close_level(1)
        return found

    def _level(self, size: int):
        for kind, first, second, vectors in _candidates(self.levels, size, self.infixes,
                                                        self.nodes, self.shape.constructors):
            found = self._keep(kind, first, second, vectors)
            if found is not None:
                return found
            self._check_budget()
        self._close_level(size)
        return None

    def _keep(self, kind, first, second, vectors: np.ndarray) -> int | None:
        """Keep the candidates with new vectors; return the id of one solving the task."""
        self.candidates += len(vectors)
        keys = np.packbits(vectors, axis=1)
        keys = keys.view(np.dtype((np.void, keys.shape[1]))).ravel().tolist()
        seen = self.seen
        fresh = [i for i, key in enumerate(keys) if not (key in seen or seen.add(key))]
        ids = self.nodes.add(kind, [first[i] for i in fresh],
                             None if second is None else [second[i] for i in fresh])
        new_vectors = vectors[fresh]
        self.pending[0].append(ids)
        self.pending[1].append(new_vectors)
        hits = np.flatnonzero((new_vectors[:, self.checked] == self.target).all(axis=1))
        return int(ids[hits[0]]) if len(hits) else None

    def _close_level(self, size: int) -> None:
        """Make the regexes kept at `size` operands of larger ones (no level when none)."""
        if self.pending[0]:
            self.levels[size] = (np.concatenate(self.pending[0]),
                                 np.concatenate(self.pending[1]))
        self.pending[0].clear()
        self.pending[1].clear()

    def _check_budget(self) -> None:
        b = self.budget
        if b.timeout is not None and b.now() - self.started > b.timeout:
            raise _Stop("timeout", f"time budget of {b.timeout:g} s reached")
        if b.max_candidates is not None and self.candidates > b.max_candidates:
            raise _Stop("candidates", f"candidate budget of {b.max_candidates:,} reached")
        if b.max_memory_mb is not None and b.now() >= self.next_memory_check:
            self._check_memory()

    def _check_memory(self) -> None:
        """Memory is read at most every `_MEMORY_EVERY` seconds: reading it costs more than
        a small batch of candidates."""
        b = self.budget
        self.next_memory_check = b.now() + _MEMORY_EVERY
        if resident_mb() - self.memory_base > b.max_memory_mb:
            raise _Stop("memory", f"memory budget of {b.max_memory_mb:g} MB reached after "
                                  f"{len(self.seen):,} distinct regexes")

    def _result(self, node, size: int, stop: str, message: str) -> SearchResult:
        program = None
        if node is not None:
            regex = self.nodes.program(node, self.shape.constructors, self.domain)
            string = Program(self.shape.string, (), self.domain)
            program = Program(self.shape.matches, (regex, string), self.domain)
        return SearchResult(program, self.candidates, len(self.seen),
                            self.budget.now() - self.started, size, stop, message)


class _Nodes:
    """The kept regexes as a table: constructor (None for an atom) and operands, by id."""

    def __init__(self):
        self.kinds: list = []
        self.operands: list = []
        self.kind_codes = np.zeros(0, dtype=np.int8)

    CODES = {None: 0, Star: 1, Plus: 1, Opt: 1, Concat: 2, Union: 3}

    def add(self, kind, first: list, second: list | None) -> np.ndarray:
        start = len(self.kinds)
        self.kinds.extend([kind] * len(first))
        self.operands.extend(first if second is None else zip(first, second))
        self.kind_codes = np.concatenate(
            [self.kind_codes, np.full(len(first), self.CODES[kind], dtype=np.int8)])
        return np.arange(start, len(self.kinds))

    def program(self, node: int, constructors: dict, domain) -> Program:
        """The kept regex `node` as a program of the grammar's productions."""
        kind, operands = self.kinds[node], self.operands[node]
        if kind is None:
            return Program(operands, (), domain)
        children = operands if kind in (Concat, Union) else (operands,)
        return Program(constructors[kind],
                       tuple(self.program(c, constructors, domain) for c in children), domain)


_CHUNK = 1 << 22  # booleans per batch (candidates x infixes)


def _candidates(levels, size: int, infixes: Infixes, nodes: _Nodes, constructors: dict):
    """Batches (constructor, first operands, second operands, vectors) of the candidates of
    one size, from the smaller levels, for the grammar's `constructors`: unary constructors of size-1 regexes, then binary ones
    of every split of size-1. Skipped, as they add nothing: a star, plus or optional of a
    regex that already is one; a union's pair in the other order; a concatenation whose left
    operand is a concatenation (by associativity, `a(bc)` has the same size and value)."""
    rows_per_batch = max(1, _CHUNK // len(infixes.left))
    if size - 1 in levels:
        ids, vectors = levels[size - 1]
        plain = np.flatnonzero(nodes.kind_codes[ids] != nodes.CODES[Star])
        for first in range(0, len(plain), rows_per_batch):
            block = plain[first:first + rows_per_batch]
            inner, v = ids[block].tolist(), vectors[block]
            star = infixes.star(v) if constructors.keys() & {Star, Plus} else None
            if Star in constructors:
                yield Star, inner, None, star
            if Plus in constructors:
                yield Plus, inner, None, _pairwise_concat(infixes, v, star)
            if Opt in constructors:
                yield Opt, inner, None, v | infixes.epsilon
    for left_size in range(1, size - 1):
        right_size = size - 1 - left_size
        if left_size not in levels or right_size not in levels:
            continue
        left, left_vectors = levels[left_size]
        right, right_vectors = levels[right_size]
        if Union in constructors and left_size <= right_size:
            step = max(1, _CHUNK // (len(infixes) * len(right)))
            for first in range(0, len(left), step):
                i, j = np.divmod(np.arange(first * len(right),
                                           min(len(left), first + step) * len(right)), len(right))
                if left_size == right_size:
                    i, j = i[j > i], j[j > i]
                yield Union, left[i].tolist(), right[j].tolist(), left_vectors[i] | right_vectors[j]
        if Concat not in constructors:
            continue
        not_concat = np.flatnonzero(nodes.kind_codes[left] != nodes.CODES[Concat])
        step = max(1, _CHUNK // max(1, len(right) * len(infixes)))
        for first in range(0, len(not_concat), step):
            block = not_concat[first:first + step]
            vectors = infixes.concat(left_vectors[block], right_vectors)
            yield (Concat, np.repeat(left[block], len(right)).tolist(),
                   np.tile(right, len(block)).tolist(), vectors)


def _pairwise_concat(infixes: Infixes, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Row i of `left` concatenated with row i of `right`."""
    pairs = left[:, infixes.left] & right[:, infixes.right]
    return np.logical_or.reduceat(pairs, infixes.groups, axis=1)


class RegexStrategy(Strategy):
    """Smallest regexes first, one per distinct membership vector."""

    name = "regex-bottom-up"

    def search(self, problem: Problem, budget: Budget) -> SearchResult:
        return RegexSearch(problem, budget).run()


STRATEGY = RegexStrategy()
