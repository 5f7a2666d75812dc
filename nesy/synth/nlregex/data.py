"""NL-RX-Synth, NL-RX-Turk and KB13: English descriptions paired with regexes (dk.brics
dialect), read into one tokenised form shared by the translator and the evaluator.

The form is the one of the Turk train/val/test split shipped with the data (`turk_split/`,
the split the later NL-RX literature uses): a description is lower-cased, its punctuation cut
off into tokens, and each quoted string replaced by a placeholder `<M0>`, `<M1>`, ... (in order
of first appearance); a regex is cut into single-character tokens, except that a placeholder's
literal is one token and the named character ranges inside `[...]` are one token each
(`[A-Za-z]` is `[ <LET> ]`). The raw files (NL-RX-Synth, NL-RX-Turk, KB13) are tokenised here;
the split's files come tokenised, and their placeholders stand for the literals the raw data
uses (`dog`, `truck`, `ring`, `lake`, in that order), which is how their regexes are read back
for DFA equivalence.

Splits: NL-RX-Turk uses the shipped split; NL-RX-Synth and KB13 have none in the data folder,
so they are cut 65/10/25 (train/val/test) after a fixed-seed shuffle (`SPLIT_SEED`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nesy.errors import DataError, UsageError
from nesy.files import read_text

DATASETS = ("turk", "synth", "kb13")
PARTS = ("train", "val", "test")
RAW_FOLDER = {"turk": "NL-RX-Turk", "synth": "NL-RX-Synth", "kb13": "KB13"}
SPLIT_FOLDER = "turk_split"
SPLIT_SEED = 0
SPLIT = (0.65, 0.10)  # train, val; the rest is test

#: The named character ranges of the NL-RX regexes, as single tokens inside `[...]`.
RANGES = {"<LET>": "A-Za-z", "<CAP>": "A-Z", "<LOW>": "a-z", "<VOW>": "AEIOUaeiou",
          "<NUM>": "0-9"}
#: What the split's placeholders stand for when no description gives their literal.
STAND_INS = ("dog", "truck", "ring", "lake")
_PLACEHOLDER = re.compile(r"<M(\d+)>")


@dataclass(frozen=True)
class Pair:
    """One description and its regex, tokenised; `literals[i]` is what `<Mi>` stands for."""
    words: tuple[str, ...]
    regex_tokens: tuple[str, ...]
    literals: tuple[str, ...]

    @property
    def regex(self) -> str:
        """The regex in the brics dialect, literals written out."""
        return detokenize(self.regex_tokens, self.literals)


# -- descriptions -------------------------------------------------------------------------------

def describe(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A description's tokens and the literals its placeholders stand for: quoted strings
    ('dog' or "dog") become `<M0>`, `<M1>`, ... (a repeated string keeps its placeholder)."""
    literals: list[str] = []

    def placeholder(match: re.Match) -> str:
        literal = match.group(2)
        if literal not in literals:
            literals.append(literal)
        return f" \0{literals.index(literal)}\0 "

    text = re.sub(r"(?<![A-Za-z0-9])(['\"])([^'\"\s]+)\1(?![A-Za-z0-9])", placeholder, text).lower()
    text = re.sub(r"([,.!?;:()\"]|'(?![a-z])|(?<![a-z])')", r" \1 ", text)  # keeps don't
    words = [re.sub(r"\0(\d+)\0", r"<M\1>", w) for w in text.split()]
    return tuple(words), tuple(literals)


# -- regexes ------------------------------------------------------------------------------------

def tokenize(regex: str, literals: tuple[str, ...] = ()) -> tuple[str, ...]:
    """A brics regex as tokens (see the module docstring); each occurrence of a literal as a
    run of plain characters outside `[...]` and `{...}` becomes its placeholder, longest
    literal first."""
    tokens: list[str] = []
    plain: list[bool] = []  # whether the token is a plain character a literal may cover
    i = 0
    while i < len(regex):
        char = regex[i]
        if char == "[":
            end = regex.find("]", i + 1)
            end = len(regex) if end < 0 else end
            tokens.append("[")
            inside = regex[i + 1:end]
            while inside:
                name = next((n for n, r in RANGES.items() if inside.startswith(r)), None)
                tokens.append(name or inside[0])
                inside = inside[len(RANGES[name]) if name else 1:]
            tokens.extend(["]"] if end < len(regex) else [])
            plain.extend([False] * (len(tokens) - len(plain)))
            i = end + 1
        elif char == "{":
            end = regex.find("}", i)
            end = len(regex) - 1 if end < 0 else end
            tokens.extend(regex[i:end + 1])
            plain.extend([False] * (end + 1 - i))
            i = end + 1
        elif char == "\\" and i + 1 < len(regex):
            tokens.extend(regex[i:i + 2])  # two tokens, as in the Turk split (`\ b`)
            plain.extend([False, False])
            i += 2
        else:
            tokens.append(char)
            plain.append(char.isalnum() or char == " ")
            i += 1
    for index in sorted(range(len(literals)), key=lambda k: -len(literals[k])):
        tokens, plain = _cover(tokens, plain, literals[index], f"<M{index}>")
    return tuple(tokens)


def _cover(tokens: list[str], plain: list[bool], literal: str, name: str):
    out, out_plain, i, n = [], [], 0, len(literal)
    while i < len(tokens):
        if all(plain[i:i + n]) and "".join(tokens[i:i + n]) == literal and i + n <= len(tokens):
            out.append(name)
            out_plain.append(False)
            i += n
        else:
            out.append(tokens[i])
            out_plain.append(plain[i])
            i += 1
    return out, out_plain


def detokenize(tokens, literals: tuple[str, ...] = ()) -> str:
    """The brics text of regex tokens; a placeholder with no literal reads as its stand-in."""
    out = []
    for token in tokens:
        match = _PLACEHOLDER.fullmatch(token)
        if match:
            index = int(match.group(1))
            out.append(literals[index] if index < len(literals) else
                       STAND_INS[index] if index < len(STAND_INS) else f"lit{index}")
        else:
            out.append(RANGES.get(token, token))
    return "".join(out)


# -- files --------------------------------------------------------------------------------------

def default_root() -> Path:
    """The shared data folder: $NESY_SHARED_DATA/regex/nl-rx, else ../shared/data/regex/nl-rx
    from the working directory."""
    import os

    shared = os.environ.get("NESY_SHARED_DATA")
    base = Path(shared) if shared else Path("..") / "shared" / "data"
    return base / "regex" / "nl-rx"


def load(dataset: str, part: str, root: str | Path | None = None) -> list[Pair]:
    """One part ("train", "val", "test" or "all") of a data set ("turk", "synth", "kb13")."""
    if dataset not in DATASETS:
        raise UsageError(f"unknown NL-RX data set {dataset!r} (choose one of {', '.join(DATASETS)})")
    if part not in PARTS + ("all",):
        raise UsageError(f"unknown part {part!r} (choose one of {', '.join(PARTS + ('all',))})")
    root = Path(root) if root is not None else default_root()
    if not root.is_dir():
        raise DataError(f"no NL-RX data folder at {root} (set NESY_SHARED_DATA, or pass the "
                        f"folder holding NL-RX-Turk/, NL-RX-Synth/, KB13/, turk_split/)")
    if dataset == "turk" and part != "all":
        return read_split(root / SPLIT_FOLDER, part)
    pairs = read_raw(root / RAW_FOLDER[dataset])
    if part == "all":
        return pairs
    order = np.random.default_rng(SPLIT_SEED).permutation(len(pairs))
    train, val = (round(f * len(pairs)) for f in SPLIT)
    chosen = {"train": order[:train], "val": order[train:train + val],
              "test": order[train + val:]}[part]
    return [pairs[i] for i in sorted(chosen)]


def read_raw(folder: Path) -> list[Pair]:
    """A raw data set's `src.txt` (descriptions) and `targ.txt` (brics regexes)."""
    sources, targets = _lines(folder / "src.txt"), _lines(folder / "targ.txt")
    _same_length(folder, sources, targets)
    pairs = []
    for n, (source, target) in enumerate(zip(sources, targets), 1):
        _check_regex(folder / "targ.txt", n, target)
        words, literals = describe(source)
        pairs.append(Pair(words, tokenize(target, literals), literals))
    return pairs


def read_split(folder: Path, part: str) -> list[Pair]:
    """A part of the tokenised Turk split: `src-PART.txt` and `targ-PART.txt`."""
    sources = _lines(folder / f"src-{part}.txt")
    targets = _lines(folder / f"targ-{part}.txt")
    _same_length(folder, sources, targets)
    pairs = []
    for n, (source, target) in enumerate(zip(sources, targets), 1):
        tokens = tuple(target.split())
        _check_regex(folder / f"targ-{part}.txt", n, detokenize(tokens))
        pairs.append(Pair(tuple(source.split()), tokens, ()))
    return pairs


def _lines(path: Path) -> list[str]:
    text = read_text(path, "a file of NL-RX lines")
    return text.splitlines()


def _same_length(folder: Path, sources: list, targets: list) -> None:
    if len(sources) != len(targets):
        raise DataError(f"{folder}: {len(sources)} descriptions but {len(targets)} regexes; "
                        f"the two files must pair line by line")


def _check_regex(path: Path, line: int, text: str) -> None:
    from nesy.synth.domains.regex import RegexSyntaxError, parse

    try:
        parse(text, "brics")
    except RegexSyntaxError as error:
        raise DataError(f"{path}:{line}: {error}") from None
