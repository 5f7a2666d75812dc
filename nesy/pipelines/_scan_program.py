"""A learned grammar (`_scan_grammar.Grammar`) written as a nesy program, and that program run
by nesy's engine on many commands at once.

The program reads a command as facts `word(c, i, w)` (word w at position i of command c) and
`length(c, n)`; it derives `phrase(c, start, end, level, meaning)` for the spans of the
command that mean something, and outputs `actions(c, a)`. Meanings are strings of actions,
each followed by one space, so meanings concatenate with `$string_concat` alone (an empty
meaning is ""); `actions` trims the last space. Every command carries its id c, so one run
of the engine translates a whole test file.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from nesy.pipelines._scan_grammar import Grammar, Rule, describe
from nesy.types import literal

#: Commands per engine run when translating a file (bounds the memory of one run).
CHUNK = 2000
#: The id of the example command the program file carries; translations use ids from 1.
EXAMPLE_ID = 0

HEADER = """\
// An interpreter of commands, learned by `nesy train scan` from {pairs} training pairs.
// Input: word(c, i, w): word w at position i (from 0) of command c; length(c, n): command c
// has n words. Output: actions(c, a): the actions of command c, separated by spaces.
// phrase(c, start, end, level, meaning): words start..end-1 of command c form a phrase of
// this precedence level (an operator's arguments have lower levels than the operator) with
// this meaning (actions, each followed by a space).
// Run it: nesy run interpreter.nesy (translates the example command at the end), or
// nesy translate scan --model DIR "a command".

type word(command: usize, position: usize, word: String)
type length(command: usize, words: usize)
type phrase(command: usize, start: usize, end: usize, level: usize, meaning: String)
"""


def meaning(actions: Sequence[str]) -> str:
    return "".join(a + " " for a in actions)


def _concat(rule: Rule, x: str = "x", y: str = "y") -> str:
    parts = [x if s == "X" else y if s == "Y" else literal(meaning(rule.const)) for s in rule.template]
    return f"$string_concat({', '.join(parts)})"


def _operator_rule(word: str, rule: Rule) -> str:
    w, level = literal(word), rule.level
    if rule.role == "postfix":
        return (f"rel phrase(c, s, e + 1, {level}, {_concat(rule)}) = "
                f"phrase(c, s, e, l, x) and l < {level} and word(c, e, {w})")
    if rule.role == "prefix":
        return (f"rel phrase(c, s, e, {level}, {_concat(rule)}) = "
                f"word(c, s, {w}) and phrase(c, s + 1, e, l, x) and l < {level}")
    if rule.role == "infix":
        return (f"rel phrase(c, s, e, {level}, {_concat(rule)}) = "
                f"phrase(c, s, k, l1, x) and l1 < {level} and word(c, k, {w}) and "
                f"phrase(c, k + 1, e, l2, y) and l2 < {level}")
    return (f"rel phrase(c, s, e + 2, {level}, {_concat(rule)}) = "
            f"phrase(c, s, e, l, x) and l < {level} and word(c, e, {w}) and "
            f"word(c, e + 1, v) and filler({w}, v, y)")


def program_text(grammar: Grammar, pairs: int, example: Sequence[str] | None = None) -> str:
    """The nesy program of `grammar`, with `example` (a command) as its input facts."""
    lines = [HEADER.format(pairs=pairs)]
    atoms = sorted((w, r) for w, r in grammar.rules.items() if r.role == "atom")
    if atoms:
        lines.append("// Words that are phrases by themselves, and what they mean.")
        lines.append("rel atom = {\n" + ",\n".join(
            f"  ({literal(w)}, {literal(meaning(r.const))})" for w, r in atoms) + "\n}")
        lines.append("rel phrase(c, i, i + 1, 0, m) = word(c, i, w) and atom(w, m)\n")
    fillers = [(op, v, grammar.rules[v]) for op, vs in sorted(grammar.fillers.items()) for v in vs]
    if fillers:
        lines.append("// The words that may follow an operator of the form `X op v`, and what they stand for.")
        lines.append("rel filler = {\n" + ",\n".join(
            f"  ({literal(op)}, {literal(v)}, {literal(meaning(r.const))})" for op, v, r in fillers) + "\n}")
        lines.append("")
    operators = sorted(((w, r) for w, r in grammar.rules.items() if r.role not in ("atom", "filler")),
                       key=lambda wr: (wr[1].level, wr[0]))
    if operators:
        lines.append("// Operators, from the tightest binding (lowest level) to the loosest.")
    for w, r in operators:
        lines.append(f"// {describe(w, r)}")
        lines.append(_operator_rule(w, r))
    lines.append("\n// A command means what the phrase spanning all of its words means.")
    lines.append("rel actions(c, $string_trim(m)) = length(c, n) and phrase(c, 0, n, _, m)")
    lines.append("query actions\n")
    if example:
        lines.append(f"// Input: command {EXAMPLE_ID}, \"{' '.join(example)}\" (replace these facts to translate another).")
        lines.append(f"rel word = {{{', '.join(f'({EXAMPLE_ID}, {i}, {literal(w)})' for i, w in enumerate(example))}}}")
        lines.append(f"rel length = {{({EXAMPLE_ID}, {len(example)})}}")
    return "\n".join(lines) + "\n"


@dataclass
class Translation:
    """What the program made of one command: its actions, or why there are none."""

    actions: tuple[str, ...] | None
    problem: str | None = None


def translate_all(program, grammar: Grammar, commands: Sequence[Sequence[str]]) -> list[Translation]:
    """Translate `commands` with the compiled `program`, CHUNK commands per engine run.
    A command with words the grammar never learned is not run: its problem says which."""
    results: list[Translation | None] = [None] * len(commands)
    runnable = []
    for index, command in enumerate(commands):
        unknown = grammar.unknown_words(command)
        if unknown:
            results[index] = Translation(None, "unknown word" + ("s" if len(set(unknown)) > 1 else "")
                                         + ": " + ", ".join(dict.fromkeys(unknown)))
        else:
            runnable.append(index)
    for start in range(0, len(runnable), CHUNK):
        chunk = runnable[start:start + CHUNK]
        words = [(n, i, w) for n, index in enumerate(chunk, 1) for i, w in enumerate(commands[index])]
        lengths = [(n, len(commands[index])) for n, index in enumerate(chunk, 1)]
        outputs: dict[int, list[str]] = {}
        for c, text in program.run(facts={"word": words, "length": lengths})["actions"]:
            outputs.setdefault(c, []).append(text)
        for n, index in enumerate(chunk, 1):
            found = outputs.get(n, [])
            if len(found) == 1:
                results[index] = Translation(tuple(found[0].split()))
            elif not found:
                results[index] = Translation(None, "the learned grammar does not parse this command")
            else:
                results[index] = Translation(None, f"ambiguous: {len(found)} readings")
    return results  # type: ignore[return-value]
