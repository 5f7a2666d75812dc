"""The strings domain: BUSTLE's 22 spreadsheet operations and its constant extraction.

Semantics follow BUSTLE (Odena et al., ICLR 2021) as re-implemented by CrossBeam, whose plain
bottom-up baseline produced the published figures nesy is compared with: positions are
1-based, an error is "no value" (`NoValue`), REPT refuses results longer than 100 characters,
TRIM also collapses runs of inner spaces. FIND and SUBSTITUTE take an optional last argument,
so each is one registered function used at two arities.

The domain's subcommand is `nesy synth strings TASKS.json` (BUSTLE/CrossBeam task files, see
`nesy.synth.tasks`).
"""
from __future__ import annotations

import difflib
import itertools
import re
from typing import Sequence

import numpy as np

from nesy.synth.domains import Domain, objects
from nesy.synth.grammar import Grammar, type_of

DOMAIN = Domain("strings", "string transformations (BUSTLE's spreadsheet operations)")

REPT_LIMIT = 100
LCS_LIMIT = 2_000
SUBSTITUTE_LIMIT = 1_000_000
ALWAYS_CONSTANTS = ("", 0, 1, 2, 3, 99)
_SPACES = re.compile(" +")
PUNCTUATION = (" ", ",", ".", "!", "?", "(", ")", "[", "]", "<", ">", "{", "}", "-", "+", "_",
               "/", "$", "#", ":", ";", "@", "%", "0")


@DOMAIN.operation("add", ["i64", "i64"], "i64")
def add(a: int, b: int) -> int:
    """ADD(a, b)."""
    return a + b


@DOMAIN.operation("minus", ["i64", "i64"], "i64")
def minus(a: int, b: int) -> int:
    """MINUS(a, b) = a - b."""
    return a - b


def _concatenate_bulk(a: np.ndarray, b: np.ndarray):
    return np.add(a.astype(object), b.astype(object)), np.ones(len(a), dtype=bool)


def _find_bulk(needles: np.ndarray, haystacks: np.ndarray, starts: np.ndarray | None = None):
    pairs = zip(needles.tolist(), haystacks.tolist())
    if starts is None:
        found = [h.find(n) for n, h in pairs]
    else:
        found = [h.find(n, s - 1) if 1 <= s <= len(h) else -1
                 for (n, h), s in zip(pairs, starts.tolist())]
    positions = np.array(found, dtype=np.int64) + 1
    return objects(positions), positions > 0


def _exact_bulk(a: np.ndarray, b: np.ndarray):
    return np.equal(a, b).astype(object), np.ones(len(a), dtype=bool)


@DOMAIN.operation("concatenate", ["String", "String"], "String", bulk=_concatenate_bulk)
def concatenate(a: str, b: str) -> str:
    """CONCATENATE(a, b)."""
    return a + b


@DOMAIN.operation("find", ["String", "String", "i64"], "i64", optional=1, bulk=_find_bulk)
def find(needle: str, haystack: str, start: int | None = None) -> int | None:
    """FIND(needle, haystack[, start]): 1-based position of needle at or after start; an
    error when absent, or when a given start is outside 1..LEN(haystack)."""
    if start is None:
        start = 1
    elif not 1 <= start <= len(haystack):
        return None
    index = haystack.find(needle, start - 1)
    return index + 1 if index >= 0 else None


@DOMAIN.operation("left", ["String", "i64"], "String")
def left(text: str, n: int) -> str | None:
    """LEFT(text, n): the first n characters; an error when n < 0."""
    return text[:n] if n >= 0 else None


@DOMAIN.operation("right", ["String", "i64"], "String")
def right(text: str, n: int) -> str | None:
    """RIGHT(text, n): the last n characters; an error when n < 0."""
    return text[max(0, len(text) - n):] if n >= 0 else None


@DOMAIN.operation("mid", ["String", "i64", "i64"], "String")
def mid(text: str, start: int, n: int) -> str | None:
    """MID(text, start, n): n characters from 1-based position start; an error when start < 1
    or n < 0."""
    return text[start - 1:start - 1 + n] if start >= 1 and n >= 0 else None


@DOMAIN.operation("len", ["String"], "i64")
def len_(text: str) -> int:
    """LEN(text)."""
    return len(text)


@DOMAIN.operation("replace", ["String", "i64", "i64", "String"], "String")
def replace(text: str, start: int, n: int, new: str) -> str | None:
    """REPLACE(text, start, n, new): the n characters from position start become new; an
    error when start < 1 or n < 0."""
    if start < 1 or n < 0:
        return None
    return text[:start - 1] + new + text[start - 1 + n:]


@DOMAIN.operation("trim", ["String"], "String")
def trim(text: str) -> str:
    """TRIM(text): no leading or trailing spaces, inner runs of spaces become one."""
    return _SPACES.sub(" ", text.strip(" "))


@DOMAIN.operation("lower", ["String"], "String")
def lower(text: str) -> str:
    """LOWER(text)."""
    return text.lower()


@DOMAIN.operation("upper", ["String"], "String")
def upper(text: str) -> str:
    """UPPER(text)."""
    return text.upper()


@DOMAIN.operation("proper", ["String"], "String")
def proper(text: str) -> str:
    """PROPER(text): each letter after a non-letter upper case, every other letter lower."""
    return text.title()


@DOMAIN.operation("rept", ["String", "i64"], "String")
def rept(text: str, times: int) -> str | None:
    """REPT(text, times); an error when times < 0 or the result would exceed 100 characters."""
    return text * times if 0 <= times and len(text) * times <= REPT_LIMIT else None


@DOMAIN.operation("substitute", ["String", "String", "String", "i64"], "String", optional=1)
def substitute(text: str, search: str, new: str, occurrence: int = 0) -> str | None:
    """SUBSTITUTE(text, search, new[, occurrence]): replace every occurrence of search, or
    only the occurrence-th one (occurrences may overlap; 0 means all). An empty search, or
    an occurrence past the last, leaves text unchanged; occurrence < 0 is an error, and so
    is a result longer than SUBSTITUTE_LIMIT (replacing each character of a 100,000-character
    text by the text itself would take 10 GB in one step)."""
    if occurrence < 0:
        return None
    if search == "":
        return text
    if occurrence == 0:
        grown = text.count(search) * (len(new) - len(search))
        return text.replace(search, new) if len(text) + grown <= SUBSTITUTE_LIMIT else None
    index = -1
    for _ in range(occurrence):
        index = text.find(search, index + 1)
        if index < 0:
            return text
    return text[:index] + new + text[index + len(search):]


@DOMAIN.operation("to_text", ["i64"], "String")
def to_text(n: int) -> str:
    """TO_TEXT(n): the decimal digits of n."""
    return str(n)


@DOMAIN.operation("if", ["bool", "String", "String"], "String")
def if_(condition: bool, then: str, otherwise: str) -> str:
    """IF(condition, then, otherwise)."""
    return then if condition else otherwise


@DOMAIN.operation("exact", ["String", "String"], "bool", bulk=_exact_bulk)
def exact(a: str, b: str) -> bool:
    """EXACT(a, b): case-sensitive equality."""
    return a == b


@DOMAIN.operation("gt", ["i64", "i64"], "bool")
def gt(a: int, b: int) -> bool:
    """GT(a, b) = a > b."""
    return a > b


@DOMAIN.operation("gte", ["i64", "i64"], "bool")
def gte(a: int, b: int) -> bool:
    """GTE(a, b) = a >= b."""
    return a >= b


@DOMAIN.identity("if", 1)
def _if_picks_a_branch(condition: np.ndarray) -> np.ndarray:
    return np.where(condition.astype(bool), 1, 2)


@DOMAIN.identity("substitute", 2)
def _substitute_finds_nothing(text: np.ndarray, search: np.ndarray) -> np.ndarray:
    return np.array([0 if s == "" or s not in t else -1
                     for t, s in zip(text.tolist(), search.tolist())], dtype=np.int64)


# (name, argument non-terminals) in BUSTLE's order; S String, I integer, B boolean.
OPERATIONS = (
    ("add", "II"), ("concatenate", "SS"), ("find", "SS"), ("find", "SSI"), ("left", "SI"),
    ("len", "S"), ("mid", "SII"), ("minus", "II"), ("replace", "SIIS"), ("right", "SI"),
    ("trim", "S"), ("lower", "S"), ("upper", "S"), ("proper", "S"), ("rept", "SI"),
    ("substitute", "SSS"), ("substitute", "SSSI"), ("to_text", "I"), ("if", "BSS"),
    ("exact", "SS"), ("gt", "II"), ("gte", "II"),
)
_NONTERMINAL = {"String": "S", "i64": "I", "bool": "B"}


def longest_common_substring(a: str, b: str) -> str:
    """The longest common substring, the one ending earliest in `a` on ties."""
    match = difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return a[match.a:match.a + match.size]


def extract_constants(inputs: Sequence[Sequence], outputs: Sequence) -> list:
    """BUSTLE's constants for a task: always "" 0 1 2 3 99; each listed punctuation string
    that occurs in an example string; and the longest common substring (of length >= 2) of
    every pair of strings in the same input column or among the outputs. Pairs with a string
    longer than `LCS_LIMIT` are skipped: their substring costs quadratic time (three
    100,000-character inputs would take hours), and spreadsheet cells are short."""
    columns = [list(column) for column in zip(*inputs)] if inputs else []
    if all(isinstance(o, str) for o in outputs):
        columns.append(list(outputs))
    columns = [[s for s in column if isinstance(s, str)] for column in columns]
    found = set()
    for column in columns:
        for a, b in itertools.combinations(column, 2):
            if len(a) > LCS_LIMIT or len(b) > LCS_LIMIT:
                continue
            common = longest_common_substring(a, b)
            if len(common) >= 2:
                found.add(common)
    strings = [s for column in columns for s in column]
    found.update(p for p in PUNCTUATION if any(p in s for s in strings))
    return list(ALWAYS_CONSTANTS) + sorted(found, key=lambda s: (len(s), s))


def input_names(count: int) -> list[str]:
    """BUSTLE's names for a task's input columns."""
    return [f"var_{i}" for i in range(count)]


def bustle_grammar(inputs: Sequence[Sequence], outputs: Sequence) -> Grammar:
    """The BUSTLE grammar for one task: its inputs, its extracted constants, the 22 operations.
    `inputs` holds one row of input values per example."""
    types = [type_of(v) for v in inputs[0]] if inputs else []
    grammar = Grammar(nonterminals={"S": "String", "I": "i64", "B": "bool"},
                      start=_NONTERMINAL[type_of(outputs[0])],
                      inputs=dict(zip(input_names(len(types)), types)), domain=DOMAIN.name)
    for value in extract_constants(inputs, outputs):
        grammar.constant(_NONTERMINAL[type_of(value)], value)
    for name, type_name in grammar.inputs.items():
        grammar.input(_NONTERMINAL[type_name], name)
    for name, args in OPERATIONS:
        grammar.function(_NONTERMINAL[DOMAIN.functions.lookup(name).signature.returns], name,
                         *args)
    return grammar.check()


# -- `nesy synth strings` ------------------------------------------------------------------------

def add_command(commands) -> None:
    from nesy.synth import cli

    parser = commands.add_parser(
        "strings", help=DOMAIN.description,
        description="Solve each task of a BUSTLE/CrossBeam JSON task file with BUSTLE's 22 "
                    "spreadsheet operations and its extracted constants.")
    parser.add_argument("tasks", metavar="TASKS.json", help="a JSON list of tasks")
    cli.add_budget_options(parser)
    parser.add_argument("--format", choices=["table", "json"], default="table",
                        help="how to print results (default: table)")
    parser.set_defaults(handler=run_command)


def run_command(args) -> int:
    import functools

    from nesy.synth import cli
    from nesy.synth.tasks import load_tasks, solve

    budget = cli.budget(args)
    tasks = load_tasks(args.tasks)
    results = cli.run_tasks(functools.partial(solve, budget=budget), tasks,
                            [t.name for t in tasks], args)
    cli.report(results, args, args.format)
    return cli.finish(results)


DOMAIN.command = add_command
