"""SCAN (Lake & Baroni 2018): every command and its action sequence, generated from the
paper's phrase-structure grammar and interpretation function, the rule-defined splits, and a
reader for the published `IN: <command> OUT: <actions>` files.

The grammar (C is a command; `turn` acts only through its direction):

    C -> S and S | S after S | S         V -> U | U T | U opposite T | U around T
    S -> V twice | V thrice | V               | turn T | turn opposite T | turn around T
    U -> walk | look | run | jump        T -> left | right

with [[x T]] = [[T]] [[x]], [[x opposite T]] = [[T]] [[T]] [[x]], [[x around T]] =
([[T]] [[x]]) four times, [[turn]] = nothing, [[x twice]] = [[x]] [[x]], [[x1 and x2]] =
[[x1]] [[x2]], [[x1 after x2]] = [[x2]] [[x1]]. This
gives 34 V phrases, 102 S phrases and 102 + 2 * 102**2 = 20,910 commands: exactly the lines
of the official `tasks.txt`. That file lists them in a shuffled order whose random seed was
never published, so nesy writes them in grammar order; the lines themselves are identical
byte for byte (checked against the official file by the tests).

Splits (each a rule over commands, except `simple`):
- `simple`: a seeded random 80/20 split (the official files are one such draw).
- `length`: train on commands whose action sequence has at most 22 actions, test on longer.
- `addprim_jump` / `addprim_turn_left`: test on every command that contains the primitive
  (`jump`, `turn left`) with something else; train on all others, with the primitive alone
  repeated to make up 10% of the training lines (as the official files do).
- `template_X`: test on commands containing the template X with a verb (`jump around right`:
  that phrase; `around right`, `opposite right`, `right`: any of walk/look/run/jump before
  it); commands containing `turn` + the template are left out of both sides, as in the
  official files (they would leak the template's meaning without the verb).

The learner (`nesy train scan`) never imports this module's grammar: it reads pairs only.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from nesy.datasets.base import DatasetSpec
from nesy.errors import CompileError, DataError, DiagnosticKind, Source, Span, UsageError
from nesy.files import atomic_write_text, make_directory, read_text

VERBS = ("walk", "look", "run", "jump")
DIRECTIONS = ("left", "right")
ACTION = {"walk": "I_WALK", "look": "I_LOOK", "run": "I_RUN", "jump": "I_JUMP",
          "left": "I_TURN_LEFT", "right": "I_TURN_RIGHT"}
REPEAT = {"twice": 2, "thrice": 3}

#: The official file names of each split, relative to the SCAN folder: (train, test).
SPLIT_FILES = {
    "simple": ("simple_split/tasks_train_simple.txt", "simple_split/tasks_test_simple.txt"),
    "length": ("length_split/tasks_train_length.txt", "length_split/tasks_test_length.txt"),
    **{f"addprim_{p}": (f"add_prim_split/tasks_train_addprim_{p}.txt",
                        f"add_prim_split/tasks_test_addprim_{p}.txt")
       for p in ("jump", "turn_left")},
    **{f"template_{t}": (f"template_split/tasks_train_template_{t}.txt",
                         f"template_split/tasks_test_template_{t}.txt")
       for t in ("around_right", "jump_around_right", "opposite_right", "right")},
}
SPLITS = tuple(SPLIT_FILES)
#: The longest action sequence of the length split's training side.
LENGTH_LIMIT = 22
SIMPLE_TEST_FRACTION = 0.2
#: The primitive alone makes up this fraction of an add-primitive training file.
ADDPRIM_FRACTION = 0.1


@dataclass(frozen=True)
class Pair:
    """One command and its actions, both as tuples of words."""

    command: tuple[str, ...]
    actions: tuple[str, ...]

    def line(self) -> str:
        return f"IN: {' '.join(self.command)} OUT: {' '.join(self.actions)}"


# ---- the grammar and its interpretation ----------------------------------------------------
def _v_phrases() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The 34 V phrases with their meanings, `turn` meaning no action of its own."""
    out = []
    for verb in VERBS + ("turn",):
        base = () if verb == "turn" else (ACTION[verb],)
        if verb != "turn":
            out.append(((verb,), base))
        for d in DIRECTIONS:
            turn = (ACTION[d],)
            out.append(((verb, d), turn + base))
            out.append(((verb, "opposite", d), turn + turn + base))
            out.append(((verb, "around", d), (turn + base) * 4))
    return out


def _s_phrases() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    out = []
    for words, meaning in _v_phrases():
        out.append((words, meaning))
        for modifier, n in REPEAT.items():
            out.append((words + (modifier,), meaning * n))
    return out


def generate() -> list[Pair]:
    """All 20,910 SCAN pairs, in grammar order."""
    s = _s_phrases()
    pairs = [Pair(w, m) for w, m in s]
    for (w1, m1) in s:
        for (w2, m2) in s:
            pairs.append(Pair(w1 + ("and",) + w2, m1 + m2))
            pairs.append(Pair(w1 + ("after",) + w2, m2 + m1))
    return pairs


# ---- splits --------------------------------------------------------------------------------
def _contains(command: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether the words of `phrase` occur consecutively in `command`."""
    return f" {' '.join(phrase)} " in f" {' '.join(command)} "


def _addprim(pairs: list[Pair], primitive: tuple[str, ...]) -> tuple[list[Pair], list[Pair]]:
    alone = [p for p in pairs if p.command == primitive]
    test = [p for p in pairs if _contains(p.command, primitive) and p.command != primitive]
    others = [p for p in pairs if not _contains(p.command, primitive)]
    copies = round(len(others) * ADDPRIM_FRACTION / (1 - ADDPRIM_FRACTION))
    return others + alone * copies, test


def _template(pairs: list[Pair], template: tuple[str, ...], verbs: tuple[str, ...]):
    held = [(v,) + template for v in verbs]
    left_out = ("turn",) + template
    keep = [p for p in pairs if not _contains(p.command, left_out)]
    test = [p for p in keep if any(_contains(p.command, h) for h in held)]
    train = [p for p in keep if not any(_contains(p.command, h) for h in held)]
    return train, test


def split(name: str, pairs: list[Pair] | None = None, seed: int = 0) -> tuple[list[Pair], list[Pair]]:
    """(train, test) of the split `name` (one of `SPLITS`), from `pairs` (default: all).
    `seed` only matters for `simple`."""
    pairs = generate() if pairs is None else pairs
    if name == "simple":
        order = list(range(len(pairs)))
        random.Random(seed).shuffle(order)
        n_test = round(len(pairs) * SIMPLE_TEST_FRACTION)
        test = sorted(order[:n_test])
        train = sorted(order[n_test:])
        return [pairs[i] for i in train], [pairs[i] for i in test]
    if name == "length":
        return ([p for p in pairs if len(p.actions) <= LENGTH_LIMIT],
                [p for p in pairs if len(p.actions) > LENGTH_LIMIT])
    if name == "addprim_jump":
        return _addprim(pairs, ("jump",))
    if name == "addprim_turn_left":
        return _addprim(pairs, ("turn", "left"))
    if name == "template_jump_around_right":
        return _template(pairs, ("around", "right"), ("jump",))
    if name.startswith("template_") and name in SPLIT_FILES:
        return _template(pairs, tuple(name[len("template_"):].split("_")), VERBS)
    raise UsageError(f"unknown SCAN split '{name}'; choose one of {', '.join(SPLITS)}")


# ---- the file format -----------------------------------------------------------------------
MALFORMED = DiagnosticKind(
    "malformed-scan-line", "{problem}",
    "each line must read 'IN: <command words> OUT: <action words>'")


def parse(text: str, name: str = "<text>") -> list[Pair]:
    """The pairs of a file in SCAN's format; blank lines are skipped. Every malformed line is
    reported, located, in one `CompileError`; a file without pairs is a `DataError`."""
    source = Source(name, text)
    pairs, problems = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        pair, problem = _parse_line(line)
        if problem:
            column, end, message = problem
            problems.append(MALFORMED(Span(source, number, column, number, end), problem=message))
        else:
            pairs.append(pair)
    if problems:
        raise CompileError(problems)
    if not pairs:
        raise DataError(f"{name}: no 'IN: ... OUT: ...' lines: the file is empty")
    return pairs


def _parse_line(line: str):
    """(Pair, None), or (None, (column, end column, message)) with 1-based columns."""
    stripped = line.rstrip()
    if not stripped.startswith("IN:"):
        start = len(line) - len(line.lstrip()) + 1
        return None, (start, len(stripped) + 1, "expected 'IN:' at the start of the line")
    at = stripped.find(" OUT:")
    if at < 0:
        return None, (1, len(stripped) + 1, "missing ' OUT:' after the command")
    command = tuple(stripped[3:at].split())
    actions = tuple(stripped[at + 5:].split())
    if not command:
        return None, (1, at + 1, "the command after 'IN:' is empty")
    if "OUT:" in actions or "IN:" in actions:
        return None, (at + 2, len(stripped) + 1, "more than one 'IN:'/'OUT:' on one line")
    return Pair(command, actions), None


def read(path) -> list[Pair]:
    """The pairs of the SCAN-format file at `path` (see `parse`)."""
    return parse(read_text(path, "a SCAN file (lines 'IN: ... OUT: ...')"), str(path))


def format_pairs(pairs) -> str:
    return "".join(p.line() + "\n" for p in pairs)


def write(path, pairs) -> None:
    atomic_write_text(path, format_pairs(pairs))


def load(split_name: str = "simple", seed: int = 0, train: str | None = None,
         test: str | None = None) -> tuple[list[Pair], list[Pair]]:
    """(train, test) pairs: the files `train`/`test` when given, else the generated split."""
    if (train is None) != (test is None):
        raise UsageError("give both a train file and a test file, or neither")
    if train is not None:
        return read(train), read(test)
    return split(split_name, seed=seed)


# ---- nesy data scan ------------------------------------------------------------------------
def _add_command(parser) -> None:
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="write tasks.txt and every split, in the official folder layout")
    parser.add_argument("--seed", type=int, default=0, help="seed of the simple split (default 0)")
    parser.set_defaults(handler=_write_all)


def _write_all(args) -> int:
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a directory")
    pairs = generate()
    make_directory(out)
    write(out / "tasks.txt", pairs)
    for name, (train_file, test_file) in SPLIT_FILES.items():
        train, test = split(name, pairs, seed=args.seed)
        for relative, part in ((train_file, train), (test_file, test)):
            make_directory((out / relative).parent)
            write(out / relative, part)
    print(f"wrote {len(pairs)} SCAN pairs and {len(SPLIT_FILES)} splits to {out}")
    return 0


DATASETS = [DatasetSpec("scan", "SCAN commands and action sequences (Lake & Baroni 2018), "
                        "generated from the grammar, with its splits", load, _add_command)]
