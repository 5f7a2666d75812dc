"""Regular expressions from positive and negative strings: search, task files, `nesy synth regex`.

`synthesize(positives, negatives)` enumerates regexes bottom-up by size (number of nodes) over
the atoms (each symbol of the alphabet, `.` any symbol, `()`) and the constructors union,
concatenation, star, plus and optional. A regex's value is its membership vector over every
infix of the examples (`nesy.synth.domains.regex.Infixes`); a regex whose vector was already
seen is dropped (observational equivalence), and the first regex matching every positive and
no negative is returned, so it is a smallest one of that search space. Concatenations and
unions are computed a whole size class at a time with numpy.

Task files are AlphaRegex's: a description line (or several), `++`, the positive strings, `--`,
the negative strings; `X` in an example stands for every symbol of the alphabet (the file is
expanded into every string it abbreviates). A JSON task is `{"positive": [...], "negative":
[...], "alphabet": "01"}`.
"""
from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from nesy.errors import CompileError, Diagnostic, InternalError, Source, Span, UsageError
from nesy.files import read_text
from nesy.synth import diagnostics as kinds
from nesy.synth.domains.regex import (Any, Concat, Epsilon, Infixes, Opt, Plus, Regex, Star,
                                      Union, equivalent, matches, symbol, to_text)

__all__ = ["equivalent", "synthesize", "RegexTask", "load_task", "parse_task", "solve",
           "SearchOutcome"]

WILDCARD = "X"


@dataclass(frozen=True)
class SearchOutcome:
    regex: Regex | None
    seconds: float
    size_reached: int
    stop: str  # solved | timeout | max-size


def synthesize(positives: Sequence[str], negatives: Sequence[str], alphabet: str | None = None,
               timeout: float | None = None, max_size: int = 30) -> SearchOutcome:
    """A smallest regex matching every positive string and no negative one.

    Counterexample-guided: the search runs on a few examples and, while its answer is wrong on
    another one, again with that one added. Fewer examples mean fewer infixes (cheaper vectors)
    and more regexes merged, and a smallest answer stays a smallest one: a regex right on all
    examples is right on any subset."""
    started = time.perf_counter()
    overlap = set(positives) & set(negatives)
    if overlap:
        raise UsageError(f"the string {sorted(overlap)[0]!r} is both positive and negative")
    alphabet = "".join(sorted(set(alphabet or "".join(positives) + "".join(negatives)))) or "0"
    strings = list(positives) + list(negatives)
    wanted = [True] * len(positives) + [False] * len(negatives)
    chosen = sorted({0, len(positives)} & set(range(len(strings))))
    while True:
        left = None if timeout is None else max(0.0, timeout - (time.perf_counter() - started))
        outcome = _search([strings[i] for i in chosen], [wanted[i] for i in chosen], alphabet,
                          left, max_size)
        if outcome.regex is None:
            return replace(outcome, seconds=time.perf_counter() - started)
        right = matches(outcome.regex, strings) == np.array(wanted, dtype=bool)
        if right.all():
            return replace(outcome, seconds=time.perf_counter() - started)
        chosen.append(int(np.flatnonzero(~right)[0]))


def _search(strings: list[str], wanted: list[bool], alphabet: str, timeout: float | None,
            max_size: int) -> SearchOutcome:
    """The bottom-up search proper, on the given examples. Candidates are built as numbers
    (constructor, operand ids) with their vectors; only the kept ones become nodes, and only
    the answer becomes a `Regex`."""
    started = time.perf_counter()
    infixes = Infixes(strings)
    checked = infixes.strings
    target = np.array(wanted, dtype=bool)
    nodes = _Nodes()
    seen: set[bytes] = set()
    levels: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    pending: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])

    def keep(kind, first, second, vectors: np.ndarray) -> int | None:
        """Keep the candidates with new vectors; return the id of one solving the task."""
        keys = np.packbits(vectors, axis=1)
        keys = keys.view(np.dtype((np.void, keys.shape[1]))).ravel().tolist()
        fresh = [i for i, key in enumerate(keys) if not (key in seen or seen.add(key))]
        ids = nodes.add(kind, [first[i] for i in fresh],
                        None if second is None else [second[i] for i in fresh])
        new_vectors = vectors[fresh]
        pending[0].append(ids)
        pending[1].append(new_vectors)
        hits = np.flatnonzero((new_vectors[:, checked] == target).all(axis=1))
        return int(ids[hits[0]]) if len(hits) else None

    def close_level(size: int) -> None:
        levels[size] = (np.concatenate(pending[0]), np.concatenate(pending[1]))
        pending[0].clear()
        pending[1].clear()

    def outcome(node, size, stop):
        regex = None if node is None else nodes.regex(node)
        return SearchOutcome(regex, time.perf_counter() - started, size, stop)

    atoms: list[Regex] = [symbol(c) for c in alphabet] + ([Any()] if len(alphabet) > 1 else [])
    found = keep(None, atoms, None, np.stack([infixes.evaluate(a) for a in atoms]))
    # the empty string alone: inside a larger regex it is never needed (r? is smaller than
    # r|(), and ()r is r)
    epsilon = infixes.epsilon
    if found is None and (epsilon[checked] == target).all():
        return outcome(nodes.add(None, [Epsilon()], None)[0], 1, "solved")
    if found is not None:
        return outcome(found, 1, "solved")
    close_level(1)
    for size in range(2, max_size + 1):
        for kind, first, second, vectors in _candidates(levels, size, infixes, nodes):
            found = keep(kind, first, second, vectors)
            if found is not None:
                return outcome(found, size, "solved")
            if timeout is not None and time.perf_counter() - started > timeout:
                return outcome(None, size - 1, "timeout")
        close_level(size)
    return outcome(None, max_size, "max-size")


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

    def regex(self, node: int) -> Regex:
        kind, operands = self.kinds[node], self.operands[node]
        if kind is None:
            return operands
        if kind in (Concat, Union):
            return kind(self.regex(operands[0]), self.regex(operands[1]))
        return kind(self.regex(operands))


_CHUNK = 1 << 22  # booleans per batch (candidates x infixes)


def _candidates(levels, size: int, infixes: Infixes, nodes: _Nodes):
    """Batches (constructor, first operands, second operands, vectors) of the candidates of
    one size, from the smaller levels: unary constructors of size-1 regexes, then binary ones
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
            star = infixes.star(v)
            yield Star, inner, None, star
            yield Plus, inner, None, _pairwise_concat(infixes, v, star)
            yield Opt, inner, None, v | infixes.epsilon
    for left_size in range(1, size - 1):
        right_size = size - 1 - left_size
        if left_size not in levels or right_size not in levels:
            continue
        left, left_vectors = levels[left_size]
        right, right_vectors = levels[right_size]
        if left_size <= right_size:
            step = max(1, _CHUNK // (len(infixes) * len(right)))
            for first in range(0, len(left), step):
                i, j = np.divmod(np.arange(first * len(right),
                                           min(len(left), first + step) * len(right)), len(right))
                if left_size == right_size:
                    i, j = i[j > i], j[j > i]
                yield Union, left[i].tolist(), right[j].tolist(), left_vectors[i] | right_vectors[j]
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


def to_python(regex: Regex) -> str:
    return to_text(regex, "python")


def check_with_re(regex: Regex, positives: Sequence[str], negatives: Sequence[str]) -> str | None:
    """The first example Python's `re` disagrees on with the answer, or None."""
    compiled = re.compile(to_python(regex))
    for string in positives:
        if not compiled.fullmatch(string):
            return string
    for string in negatives:
        if compiled.fullmatch(string):
            return string
    return None


# -- task files ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegexTask:
    name: str
    description: str
    positives: tuple[str, ...]
    negatives: tuple[str, ...]
    alphabet: str


def load_task(path: str | Path, alphabet: str | None = None) -> RegexTask:
    """Read an AlphaRegex task file (or a JSON task, named `*.json`); `CompileError` with
    every problem located."""
    return parse_task(read_text(path, "a regex task file"), str(path), alphabet)


def parse_task(text: str, name: str = "<task>", alphabet: str | None = None) -> RegexTask:
    """A task from its text; `name` is the file's, and says JSON when it ends in `.json`."""
    path = Path(name)
    source = Source(name, text)
    if path.suffix == ".json":
        return _json_task(path, source, alphabet)
    problems: list[Diagnostic] = []
    lines = text.splitlines()
    marks = {line.strip(): n for n, line in reversed(list(enumerate(lines)))
             if line.strip() in ("++", "--")}  # the first `++` and the first `--`
    for mark in ("++", "--"):
        if mark not in marks:
            problems.append(kinds.REGEX_TASK_MISSING_MARK(_span(source, 1, 1), mark=mark))
    if problems:
        raise CompileError(problems)
    plus, minus = marks["++"], marks["--"]
    if minus < plus:
        raise CompileError([kinds.REGEX_TASK_MARK_ORDER(_span(source, minus + 1, 1))])
    description = " ".join(line.strip() for line in lines[:plus]).strip()
    positive_lines = _numbered(lines, plus + 1, minus)
    negative_lines = _numbered(lines, minus + 1, len(lines))
    alphabet = alphabet or "".join(sorted({c for _, s in positive_lines + negative_lines
                                           for c in s} - {WILDCARD})) or "01"
    for n, string in positive_lines + negative_lines:
        bad = [c for c in string if c not in alphabet and c != WILDCARD]
        if bad:
            where = _span(source, n + 1, lines[n].index(bad[0]) + 1)
            problems.append(kinds.REGEX_TASK_SYMBOL(where, symbol=bad[0], alphabet=alphabet))
    positives = {s: n for n, line in positive_lines for s in _expand(line, alphabet)}
    for n, line in negative_lines:
        for string in _expand(line, alphabet):
            if string in positives:
                problems.append(kinds.REGEX_TASK_CONTRADICTION(
                    _span(source, n + 1, 1), string=string, positive_line=positives[string] + 1))
                break
    if problems:
        raise CompileError(problems)
    negatives = {s: None for _, line in negative_lines for s in _expand(line, alphabet)}
    return RegexTask(path.name, description, tuple(positives), tuple(negatives), alphabet)


def _numbered(lines: list[str], start: int, end: int) -> list[tuple[int, str]]:
    """The non-blank lines in [start, end), stripped, with their (0-based) numbers."""
    return [(n, lines[n].strip()) for n in range(start, end) if lines[n].strip()]


def _span(source: Source, line: int, column: int) -> Span:
    return Span(source, line, column, line, column + 1)


def _expand(line: str, alphabet: str) -> list[str]:
    """Every string a line with wildcards `X` abbreviates."""
    options = [alphabet if c == WILDCARD else c for c in line]
    return ["".join(p) for p in itertools.product(*options)]


def _json_task(path: Path, source: Source, alphabet: str | None) -> RegexTask:
    try:
        data = json.loads(source.text)
    except json.JSONDecodeError as error:
        raise CompileError([kinds.INVALID_JSON(_span(source, error.lineno, error.colno),
                                                 reason=error.msg)]) from None
    if not (isinstance(data, dict) and all(
            isinstance(data.get(k), list) and all(isinstance(s, str) for s in data[k])
            for k in ("positive", "negative"))):
        raise CompileError([kinds.REGEX_TASK_JSON_SHAPE(_span(source, 1, 1))])
    both = sorted(set(data["positive"]) & set(data["negative"]))
    if both:
        raise CompileError([kinds.REGEX_TASK_CONTRADICTION(_span(source, 1, 1), string=both[0],
                                                             positive_line=None)])
    alphabet = alphabet or data.get("alphabet") or "".join(
        sorted(set("".join(data["positive"] + data["negative"])))) or "01"
    return RegexTask(path.stem, str(data.get("description", "")), tuple(data["positive"]),
                     tuple(data["negative"]), alphabet)


@dataclass(frozen=True)
class RegexResult:
    task: str
    regex: str | None
    python_regex: str | None
    size: int | None
    seconds: float
    stop: str


def solve(task: RegexTask, timeout: float | None = None) -> RegexResult:
    """Synthesise the task's regex and re-check it with Python's `re` on the examples."""
    outcome = synthesize(task.positives, task.negatives, task.alphabet, timeout=timeout)
    if outcome.regex is None:
        return RegexResult(task.name, None, None, None, outcome.seconds, outcome.stop)
    wrong = check_with_re(outcome.regex, task.positives, task.negatives)
    if wrong is not None:
        raise InternalError(f"regex {to_text(outcome.regex)} for {task.name} is wrong on {wrong!r}")
    return RegexResult(task.name, to_text(outcome.regex), to_python(outcome.regex),
                       outcome.regex.size, outcome.seconds, "solved")


# -- `nesy synth regex` and `nesy synth regex-equiv` ------------------------------------------

def add_commands(commands) -> None:
    from nesy.argtypes import int_between, positive_float

    parser = commands.add_parser(
        "regex", help="regular expressions from positive and negative strings",
        description="Find a smallest regex matching each task's positive strings and none of "
                    "its negatives (AlphaRegex task files, or JSON tasks).")
    parser.add_argument("tasks", nargs="+", metavar="TASK", help="task files")
    parser.add_argument("--alphabet", metavar="A", help="the symbols (default: the examples')")
    parser.add_argument("--timeout", type=positive_float, default=60.0, metavar="S",
                        help="seconds per task (default: 60)")
    parser.add_argument("--format", choices=["table", "json"], default="table")
    parser.add_argument("--jobs", "-j", type=int_between(1, None), default=1, metavar="J",
                        help="tasks solved in parallel processes (default: 1)")
    parser.set_defaults(handler=run_command)

    compare = commands.add_parser(
        "regex-equiv", help="whether two regexes denote the same language",
        description="Compare two regexes' languages with finite automata; prints `equivalent` "
                    "or a shortest string in one language and not the other.")
    compare.add_argument("first")
    compare.add_argument("second")
    compare.add_argument("--dialect", choices=["nesy", "brics", "python"], default="nesy")
    compare.set_defaults(handler=run_equivalence)


def run_command(args) -> int:
    import functools

    from nesy.synth import batch

    if args.alphabet is not None and not args.alphabet:
        raise UsageError("--alphabet must not be empty")
    tasks = [load_task(path, args.alphabet) for path in args.tasks]
    results = batch.run_all(functools.partial(solve, timeout=args.timeout), tasks, args.jobs)
    done = [r for r in results if r is not None]
    if args.format == "json":
        print(json.dumps([r.__dict__ for r in done], indent=2))
    else:
        width = max(len(r.task) for r in done) if done else 4
        for r in done:
            print(f"{r.task:<{width}}  {r.seconds:7.3f}s  "
                  f"{r.regex if r.regex is not None else '(' + r.stop + ')'}")
        solved = [r for r in done if r.regex is not None]
        if done:
            mean = np.mean([r.seconds for r in done])
            print(f"solved {len(solved)}/{len(done)}, mean {mean:.3f}s")
    if None in results:
        raise KeyboardInterrupt
    return 0


def run_equivalence(args) -> int:
    from nesy.synth.domains.regex import difference

    witness = difference(args.first, args.second, args.dialect)
    print("equivalent" if witness is None else
          f"different: {witness!r} is in exactly one of them")
    return 0
