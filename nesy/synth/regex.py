"""Regular expressions from positive and negative strings: the problem, task files, `nesy synth regex`.

`synthesize(positives, negatives)` states the task as a generic synthesis problem (a grammar
of the regex domain whose programs are `matches(R, s)`, examples mapping each string to
whether it must match) and solves it with `nesy.synth.search.synthesize` and the
"regex-bottom-up" strategy (`nesy.synth.strategies.regex`): a smallest regex, by number of
nodes, over the atoms (each symbol, `.`, `()`) and union, concatenation, star, plus, optional.

Task files are AlphaRegex's: a description line (or several), `++`, the positive strings, `--`,
the negative strings; `X` in an example stands for every symbol of the alphabet (the file is
expanded into every string it abbreviates). A JSON task is `{"positive": [...], "negative":
[...], "alphabet": "01"}`.
"""
from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from nesy.errors import (CompileError, Diagnostic, InternalError, NesyError, Source, Span,
                         UsageError)
from nesy.files import read_text
from nesy.synth import diagnostics as kinds
from nesy.synth import search
from nesy.synth.domains.regex import Any, Epsilon, Regex, equivalent, symbol, to_text
from nesy.synth.grammar import Grammar
from nesy.synth.program import Program
from nesy.synth.search import Budget

__all__ = ["equivalent", "synthesize", "RegexTask", "load_task", "parse_task", "solve",
           "SearchOutcome"]

WILDCARD = "X"


@dataclass(frozen=True)
class SearchOutcome:
    regex: Regex | None
    seconds: float
    size_reached: int
    stop: str  # solved | timeout | candidates | memory | max-size


STRATEGY = "regex-bottom-up"


def grammar(alphabet: str) -> Grammar:
    """The regex search space as a grammar of the regex domain: `matches(R, s)` is the
    membership of the example string `s`, and R's atoms are the symbols of the alphabet, `.`
    (any symbol, when there are several) and `()` (the empty string)."""
    g = Grammar({"B": "bool", "R": "Regex", "S": "String"}, "B", {"s": "String"}, domain="regex")
    g.function("B", "matches", "R", "S").input("S", "s")
    for atom in [symbol(c) for c in alphabet] + ([Any()] if len(alphabet) > 1 else []):
        g.constant("R", atom)
    g.constant("R", Epsilon())
    for name in ("union", "concat"):
        g.function("R", name, "R", "R")
    for name in ("star", "plus", "opt"):
        g.function("R", name, "R")
    return g


def synthesize(positives: Sequence[str], negatives: Sequence[str], alphabet: str | None = None,
               timeout: float | None = None, max_size: int = 30,
               max_memory_mb: float | None = 4096) -> SearchOutcome:
    """A smallest regex matching every positive string and no negative one, found by the
    "regex-bottom-up" strategy through `nesy.synth.search.synthesize` (which runs the
    counterexample-guided rounds, starting from the first positive and the first negative,
    and re-checks the answer by executing `matches` on every example)."""
    overlap = set(positives) & set(negatives)
    if overlap:
        raise UsageError(f"the string {sorted(overlap)[0]!r} is both positive and negative")
    alphabet = "".join(sorted(set(alphabet or "".join(positives) + "".join(negatives)))) or "0"
    strings = list(positives) + list(negatives)
    wanted = [True] * len(positives) + [False] * len(negatives)
    first = sorted({0, len(positives)} & set(range(len(strings))))
    budget = Budget(timeout=timeout, max_size=max_size, max_memory_mb=max_memory_mb)
    result = search.synthesize(grammar(alphabet), {"s": strings}, wanted, budget,
                               strategy=STRATEGY, first=first)
    regex = None if result.program is None else regex_of(result.program)
    return SearchOutcome(regex, result.seconds, result.size_reached, result.stop)


def regex_of(program: Program) -> Regex:
    """The regex of a `matches(R, s)` program, by executing its regex part."""
    return program.children[0].run({})[0]


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

    from nesy.synth.nlregex import command as nl

    parser = commands.add_parser(
        "regex", help="regular expressions from positive and negative strings, or English",
        description="Find a smallest regex matching each task's positive strings and none of "
                    "its negatives (AlphaRegex task files, or JSON tasks); or, with --nl, "
                    "translate an English description into a regex.")
    parser.add_argument("tasks", nargs="*", metavar="TASK", help="task files")
    parser.add_argument("--alphabet", metavar="A", help="the symbols (default: the examples')")
    parser.add_argument("--timeout", type=positive_float, default=60.0, metavar="S",
                        help="seconds per task (default: 60)")
    parser.add_argument("--format", choices=["table", "json"], default="table")
    parser.add_argument("--jobs", "-j", type=int_between(1, None), default=1, metavar="J",
                        help="tasks solved in parallel processes (default: 1)")
    nl.add_arguments(parser)
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
    from nesy.synth.nlregex import command as nl

    if nl.check_arguments(args):
        return nl.run(args)
    if args.alphabet is not None and not args.alphabet:
        raise UsageError("--alphabet must not be empty")
    tasks = [load_task(path, args.alphabet) for path in args.tasks]
    results = batch.run_all(functools.partial(solve, timeout=args.timeout), tasks, args.jobs,
                            failed=lambda i, reason: RegexResult(tasks[i].name, None, None, None,
                                                                 0.0, f"error: {reason}"))
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
    failures = [r.task for r in done if r.stop.startswith("error: ")]
    if failures:
        raise NesyError(f"{len(failures)} of {len(results)} tasks failed "
                        f"({', '.join(failures[:5])}); the other results are reported")
    return 0


def run_equivalence(args) -> int:
    from nesy.synth.domains.regex import difference

    witness = difference(args.first, args.second, args.dialect)
    print("equivalent" if witness is None else
          f"different: {witness!r} is in exactly one of them")
    return 0
