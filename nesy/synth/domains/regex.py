"""The regex domain: regular expressions, their dialects, bulk membership and automata.

A regex is a small immutable tree (`Empty`, `Epsilon`, `Chars`, `Any`, `Concat`, `Union`,
`Inter`, `Not`, `Star`, `Plus`, `Opt`); its size is its number of nodes. Three dialects:

- "nesy": `|` union, `&` intersection, `~` complement, juxtaposition, postfix `* + ?`, `.` any
  character, `[01]` classes, `()` the empty string, `#` the empty language, `\\` escapes.
  Precedence, loosest first: `|`, `&`, concatenation, postfix, `~` (so `~a*` is `(~a)*`).
- "brics": dk.brics.automaton's syntax, which the nesy form follows; it adds `@` (any string)
  and `"..."` (a literal string), and reads NL-RX's `\\b` as the empty string. NL-RX writes
  `\\b` as a word boundary around whole regexes (`\\b([a-z])(.*)\\b`, "lines with words
  starting with a lower-case letter") that are matched against whole lines, where a boundary
  at either end constrains nothing; read as dk.brics's escaped letter `b`, most of them would
  denote the empty language (`\\b([A-Z])&([AEIOUaeiou])\\b` intersects `b[A-Z]` with
  `[AEIOUaeiou]b`). Printing never writes `\\b` (the empty string is `()`).
- "python": `re` syntax, for the regexes it can express (no `&`, `~`); `(?:)` is the empty
  string and `(?!)` the empty language.

Membership is evaluated in bulk (`Infixes`): a regex's value is its membership bit vector over
every infix of the example strings, so concatenation and star are bit operations over the
infixes' splits, and two regexes with the same vector are interchangeable in any larger regex
on these examples (the synthesiser's observational equivalence). Language equivalence,
emptiness and example strings go through automata-lib's finite automata (`to_dfa`) over the
characters the regexes name plus one standing for all others, which keeps `~` exact. The
domain's operations (the constructors and `matches(regex, string)`) make the grammar that the
`regex-bottom-up` strategy searches; its subcommand is `nesy synth regex` (see
`nesy.synth.regex`).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from nesy.errors import UsageError
from nesy.synth.domains import Domain, ValueType, objects


# -- the tree -----------------------------------------------------------------------------------

class Regex:
    """A regular expression; subclasses are its constructors."""

    __slots__ = ()

    @property
    def size(self) -> int:
        return 1 + sum(child.size for child in self.children())

    def children(self) -> tuple["Regex", ...]:
        return ()

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Empty(Regex):
    """The empty language."""


@dataclass(frozen=True, slots=True)
class Epsilon(Regex):
    """The language of the empty string."""


@dataclass(frozen=True, slots=True)
class Chars(Regex):
    """One character from a set (a single symbol when the set has one element)."""
    chars: frozenset


@dataclass(frozen=True, slots=True)
class Any(Regex):
    """Any one character."""


@dataclass(frozen=True, slots=True)
class Concat(Regex):
    left: Regex
    right: Regex

    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Union(Regex):
    left: Regex
    right: Regex

    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Inter(Regex):
    left: Regex
    right: Regex

    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Not(Regex):
    """Complement with respect to all strings (of any characters), as in dk.brics."""
    inner: Regex

    def children(self):
        return (self.inner,)


@dataclass(frozen=True, slots=True)
class Star(Regex):
    inner: Regex

    def children(self):
        return (self.inner,)


@dataclass(frozen=True, slots=True)
class Plus(Regex):
    inner: Regex

    def children(self):
        return (self.inner,)


@dataclass(frozen=True, slots=True)
class Opt(Regex):
    inner: Regex

    def children(self):
        return (self.inner,)


def symbol(char: str) -> Chars:
    return Chars(frozenset(char))


# -- parsing ------------------------------------------------------------------------------------

DIALECTS = ("nesy", "brics", "python")
_SPECIAL = set("|&~*+?()[].#@\"\\<>{}")


class RegexSyntaxError(UsageError):
    """A regex that does not parse, with the column of the problem."""

    def __init__(self, text: str, column: int, problem: str):
        super().__init__(f"regex {text!r}, column {column + 1}: {problem}")
        self.column = column


def parse(text: str, dialect: str = "nesy") -> Regex:
    """The regex written `text` in a dialect ("nesy", "brics" or "python")."""
    if dialect not in DIALECTS:
        raise UsageError(f"unknown regex dialect {dialect!r} (choose one of {', '.join(DIALECTS)})")
    if dialect == "python":
        return _parse_python(text)
    return _Parser(text, dialect).parse()


class _Parser:
    """Recursive descent over the nesy/brics grammar (see the module docstring)."""

    def __init__(self, text: str, dialect: str = "nesy"):
        self.text, self.pos, self.dialect = text, 0, dialect

    def parse(self) -> Regex:
        regex = self.union()
        if self.pos < len(self.text):
            self.fail("unexpected `)`" if self.peek() == ")" else f"unexpected `{self.peek()}`")
        return regex

    def fail(self, problem: str):
        raise RegexSyntaxError(self.text, self.pos, problem)

    def peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def take(self) -> str:
        char = self.peek()
        if char is None:
            self.fail("unexpected end of the regex")
        self.pos += 1
        return char

    def union(self) -> Regex:
        regex = self.inter()
        while self.peek() == "|":
            self.pos += 1
            regex = Union(regex, self.inter())
        return regex

    def inter(self) -> Regex:
        regex = self.concat()
        while self.peek() == "&":
            self.pos += 1
            regex = Inter(regex, self.concat())
        return regex

    def concat(self) -> Regex:
        parts = []
        while self.peek() is not None and self.peek() not in "|&)":
            parts.append(self.repeat())
        if not parts:
            self.fail("expected a regex")
        regex = parts[0]
        for part in parts[1:]:
            regex = Concat(regex, part)
        return regex

    def repeat(self) -> Regex:
        regex = self.complement()
        while self.peek() in ("*", "+", "?", "{"):
            if self.peek() == "{":
                regex = self.counted(regex)
            else:
                regex = {"*": Star, "+": Plus, "?": Opt}[self.take()](regex)
        return regex

    def counted(self, regex: Regex) -> Regex:
        """`r{n}`, `r{n,}`, `r{n,m}`, written out: n copies, then a star or m-n optionals."""
        match = re.compile(r"\{(\d+)(,(\d*))?\}").match(self.text, self.pos)
        if match is None:
            self.fail("expected a count `{n}`, `{n,}` or `{n,m}`")
        low = int(match.group(1))
        high = low if match.group(2) is None else \
            (int(match.group(3)) if match.group(3) else None)
        if high is not None and high < low:
            self.fail(f"the count {match.group()} has its maximum below its minimum")
        self.pos = match.end()
        parts = [regex] * low + ([Star(regex)] if high is None else [Opt(regex)] * (high - low))
        return concat_all(parts)

    def complement(self) -> Regex:
        if self.peek() == "~":
            self.pos += 1
            return Not(self.complement())
        return self.atom()

    def atom(self) -> Regex:
        start, char = self.pos, self.take()
        if char == "(":
            if self.peek() == ")":
                self.pos += 1
                return Epsilon()
            regex = self.union()
            if self.peek() != ")":
                self.pos = start
                self.fail("this `(` is never closed")
            self.pos += 1
            return regex
        if char == "[":
            return self.char_class(start)
        if char == ".":
            return Any()
        if char == "#":
            return Empty()
        if char == "@":
            return Star(Any())
        if char == '"':
            return self.literal(start)
        if char == "\\":
            escaped = self.take()
            if escaped == "b" and self.dialect == "brics":
                return Epsilon()  # NL-RX's word boundary: see the module docstring
            return symbol(escaped)
        if char in _SPECIAL:
            self.pos = start
            self.fail(f"unexpected `{char}`")
        return symbol(char)

    def char_class(self, start: int) -> Regex:
        negated = self.peek() == "^" and self.text[self.pos + 1:self.pos + 2] != "]"
        self.pos += negated
        chars: set[str] = set()
        while self.peek() != "]":
            if self.peek() is None:
                self.pos = start
                self.fail("this `[` is never closed")
            low = self.take_class_char()
            if self.peek() == "-" and self.text[self.pos + 1:self.pos + 2] not in ("", "]"):
                self.pos += 1
                high = self.take_class_char()
                chars.update(chr(c) for c in range(ord(low), ord(high) + 1))
            else:
                chars.add(low)
        self.pos += 1
        if negated:  # `[^...]` (dk.brics, Python; KB13 uses it): one character not listed
            return Inter(Any(), Not(Chars(frozenset(chars))))
        return Chars(frozenset(chars)) if chars else Empty()

    def take_class_char(self) -> str:
        char = self.take()
        return self.take() if char == "\\" else char

    def literal(self, start: int) -> Regex:
        end = self.text.find('"', self.pos)
        if end < 0:
            self.pos = start
            self.fail('this `"` is never closed')
        word, self.pos = self.text[self.pos:end], end + 1
        return concat_all([symbol(c) for c in word])


def concat_all(parts: Sequence[Regex]) -> Regex:
    if not parts:
        return Epsilon()
    regex = parts[0]
    for part in parts[1:]:
        regex = Concat(regex, part)
    return regex


def _parse_python(text: str) -> Regex:
    """Python `re` syntax, for the subset nesy prints: the forms Python adds (`(?:`, `(?!)`,
    `(?:)`) are rewritten to nesy's and the characters special only to nesy escaped."""
    try:
        re.compile(text)
    except re.error as error:
        raise RegexSyntaxError(text, error.pos or 0, error.msg) from None
    unsupported = re.search(r"\\[dDwWsSbBAZ]|[\^$]|\(\?[^:!]|\(\?![^)]", text)
    if unsupported:
        raise RegexSyntaxError(text, unsupported.start(),
                               f"`{unsupported.group()}` is not supported by nesy's regexes")
    nesy = re.sub(r"(?<!\\)([&~#@\"<>])", r"\\\1", text)
    nesy = nesy.replace("(?!)", "#").replace("(?:)", "()").replace("(?:", "(")
    return _Parser(nesy).parse()


# -- printing -----------------------------------------------------------------------------------

_LEVEL = {Union: 0, Inter: 1, Concat: 2, Star: 3, Plus: 3, Opt: 3, Not: 4}
_ATOM = 5
_POSTFIX = {Star: "*", Plus: "+", Opt: "?"}


def to_text(regex: Regex, dialect: str = "nesy") -> str:
    """The regex written in a dialect; `UsageError` when Python cannot express it."""
    if dialect not in DIALECTS:
        raise UsageError(f"unknown regex dialect {dialect!r} (choose one of {', '.join(DIALECTS)})")
    return _Printer(dialect == "python").text(regex)


class _Printer:
    def __init__(self, python: bool):
        self.python = python

    def text(self, regex: Regex) -> str:
        kind = type(regex)
        if kind is Empty:
            return "(?!)" if self.python else "#"
        if kind is Epsilon:
            return "(?:)" if self.python else "()"
        if kind is Any:
            return "."
        if kind is Chars:
            return self.chars(regex.chars)
        if kind in (Union, Inter, Concat):
            if self.python and kind is Inter:
                raise UsageError(f"Python's re cannot express the intersection in {regex}")
            level = _LEVEL[kind]
            operator = {Union: "|", Inter: "&", Concat: ""}[kind]
            return self.child(regex.left, level) + operator + self.child(regex.right, level)
        if kind is Not:
            if self.python:
                raise UsageError(f"Python's re cannot express the complement in {regex}")
            return "~" + self.child(regex.inner, _LEVEL[Not])
        # postfix: Python reads `a*?` as a lazy star, so it needs a group there
        inner_level = _ATOM if self.python else _LEVEL[kind]
        return self.child(regex.inner, inner_level) + _POSTFIX[kind]

    def child(self, regex: Regex, level: int) -> str:
        text = self.text(regex)
        if _LEVEL.get(type(regex), _ATOM) < level:
            return ("(?:" if self.python else "(") + text + ")"
        return text

    def chars(self, chars: frozenset) -> str:
        if not chars:
            return self.text(Empty())
        if len(chars) == 1:
            [char] = chars
            if self.python:
                return re.escape(char)
            return "\\" + char if char in _SPECIAL else char
        inside = "".join("\\" + c if c in "]\\^-[" else c for c in sorted(chars))
        return f"[{inside}]"


# -- bulk membership over the infixes of the examples ------------------------------------------

class Infixes:
    """Every infix of some strings, so a regex's value is a boolean vector over them.

    Concatenation: `rs` matches infix w iff some split w = uv has r matching u and s matching
    v; u and v are infixes too, so it is an AND over the precomputed (u, v) index pairs and an
    OR over each w's group of splits. Star is the closure of that from the empty string."""

    def __init__(self, strings: Iterable[str]):
        strings = list(strings)
        found = {""}
        for s in strings:
            found.update(s[i:j] for i in range(len(s)) for j in range(i + 1, len(s) + 1))
        self.infixes = sorted(found, key=lambda w: (len(w), w))
        self.index = {w: i for i, w in enumerate(self.infixes)}
        self.strings = np.array([self.index[s] for s in strings], dtype=np.int64)
        left, right = [], []
        for w in self.infixes:
            for k in range(len(w) + 1):
                left.append(self.index[w[:k]])
                right.append(self.index[w[k:]])
        self.left = np.array(left, dtype=np.int64)
        self.right = np.array(right, dtype=np.int64)
        self.groups = np.cumsum([0] + [len(w) + 1 for w in self.infixes[:-1]])
        self.lengths = np.array([len(w) for w in self.infixes])
        self.epsilon = self.lengths == 0
        self.singles = {w: self.index[w] for w in self.infixes if len(w) == 1}

    def __len__(self) -> int:
        return len(self.infixes)

    def chars(self, chars: frozenset | None) -> np.ndarray:
        """The vector of one character from `chars` (None: any character)."""
        out = np.zeros(len(self), dtype=bool)
        for char, i in self.singles.items():
            out[i] = chars is None or char in chars
        return out

    def concat(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Concatenation of every row of `left` with every row of `right` (rows: regexes),
        or of two single vectors; rows come out left-major.

        The right operands are packed 64 to a word, so one word operation serves 64 of them:
        for each left row and infix w, the OR over w's splits (u, v) with u in the left row
        of the packed column of v."""
        if left.ndim == 1:
            return self.concat(left[None], right[None])[0]
        rows = len(right)
        packed = np.packbits(right.T, axis=1)
        words = -(-packed.shape[1] // 8)
        padded = np.zeros((len(self), words * 8), dtype=np.uint8)
        padded[:, :packed.shape[1]] = packed
        columns = padded.view(np.uint64)[self.right]  # (splits, words)
        out = np.empty((len(left), rows, len(self)), dtype=bool)
        step = max(1, (1 << 22) // (len(self.left) * words))
        for first in range(0, len(left), step):
            block = left[first:first + step, self.left, None]
            reduced = np.bitwise_or.reduceat(columns * block, self.groups, axis=1)
            bits = np.unpackbits(reduced.view(np.uint8), axis=2, count=rows)
            out[first:first + step] = bits.transpose(0, 2, 1)
        return out.reshape(-1, len(self))

    def star(self, vectors: np.ndarray) -> np.ndarray:
        """Kleene star of every row (or of one vector)."""
        closure = vectors | self.epsilon
        while True:
            grown = np.logical_or.reduceat(closure[..., self.left] & closure[..., self.right],
                                           self.groups, axis=-1)
            if np.array_equal(grown, closure):
                return closure
            closure = grown

    def evaluate(self, regex: Regex) -> np.ndarray:
        """The regex's membership vector over the infixes."""
        kind = type(regex)
        if kind is Empty:
            return np.zeros(len(self), dtype=bool)
        if kind is Epsilon:
            return self.epsilon.copy()
        if kind is Chars:
            return self.chars(regex.chars)
        if kind is Any:
            return self.chars(None)
        if kind is Concat:
            return self.concat(self.evaluate(regex.left), self.evaluate(regex.right))
        if kind is Union:
            return self.evaluate(regex.left) | self.evaluate(regex.right)
        if kind is Inter:
            return self.evaluate(regex.left) & self.evaluate(regex.right)
        if kind is Not:
            return ~self.evaluate(regex.inner)
        inner = self.evaluate(regex.inner)
        if kind is Opt:
            return inner | self.epsilon
        star = self.star(inner)
        return star if kind is Star else self.concat(inner, star)


def matches(regex: Regex, strings: Sequence[str]) -> np.ndarray:
    """Whether the regex matches each whole string, all at once."""
    infixes = Infixes(strings)
    return infixes.evaluate(regex)[infixes.strings]


# -- automata -----------------------------------------------------------------------------------

def symbols(regex: Regex) -> set[str]:
    """The characters a regex names."""
    out = set(regex.chars) if isinstance(regex, Chars) else set()
    for child in regex.children():
        out |= symbols(child)
    return out


def alphabet_of(*regexes: Regex) -> frozenset:
    """A finite alphabet on which the regexes' languages compare as they do over all
    characters: the characters they name and one more, standing for every other character
    (regexes cannot tell unnamed characters apart)."""
    named = set().union(*(symbols(r) for r in regexes))
    other = next(c for c in map(chr, itertools.count(ord("a"))) if c not in named)
    return frozenset(named | {other})


def to_dfa(regex: Regex, alphabet: frozenset | None = None):
    """An automata-lib DFA of the regex's language over `alphabet` (default `alphabet_of`)."""
    from automata.fa.dfa import DFA

    return DFA.from_nfa(_nfa(regex, alphabet or alphabet_of(regex)))


def _nfa(regex: Regex, alphabet: frozenset):
    from automata.fa.dfa import DFA
    from automata.fa.nfa import NFA

    def reading(chars) -> NFA:
        return NFA(states={0, 1}, input_symbols=alphabet, transitions={0: {c: {1} for c in chars},
                                                                        1: {}},
                   initial_state=0, final_states={1})

    kind = type(regex)
    if kind in (Empty, Epsilon):
        return NFA(states={0}, input_symbols=alphabet, transitions={0: {}}, initial_state=0,
                   final_states={0} if kind is Epsilon else set())
    if kind is Chars:
        return reading(regex.chars)
    if kind is Any:
        return reading(alphabet)
    if kind is Concat:
        return _nfa(regex.left, alphabet).concatenate(_nfa(regex.right, alphabet))
    if kind is Union:
        return _nfa(regex.left, alphabet).union(_nfa(regex.right, alphabet))
    if kind is Inter:
        return _nfa(regex.left, alphabet).intersection(_nfa(regex.right, alphabet))
    if kind is Not:
        return NFA.from_dfa(~DFA.from_nfa(_nfa(regex.inner, alphabet)))
    inner = _nfa(regex.inner, alphabet)
    if kind is Star:
        return inner.kleene_star()
    if kind is Plus:
        return inner.concatenate(inner.kleene_star())
    return inner.option()


def _tree(regex: Regex | str, dialect: str) -> Regex:
    return parse(regex, dialect) if isinstance(regex, str) else regex


def equivalent(a: Regex | str, b: Regex | str, dialect: str = "nesy") -> bool:
    """Whether two regexes (trees, or texts in `dialect`) denote the same language."""
    a, b = _tree(a, dialect), _tree(b, dialect)
    alphabet = alphabet_of(a, b)
    return to_dfa(a, alphabet) == to_dfa(b, alphabet)


def difference(a: Regex | str, b: Regex | str, dialect: str = "nesy") -> str | None:
    """A shortest string in exactly one of the two languages, or None when they are equal."""
    a, b = _tree(a, dialect), _tree(b, dialect)
    alphabet = alphabet_of(a, b)
    return shortest_word(to_dfa(a, alphabet) ^ to_dfa(b, alphabet))


def is_empty(regex: Regex) -> bool:
    dfa = to_dfa(regex)  # held: automata-lib caches methods by weak reference to the DFA
    return dfa.isempty()


def examples_of(regex: Regex, count: int) -> list[str]:
    """Up to `count` strings of the regex's language, shortest first (in each length, in the
    alphabet's order); an unnamed character stands for itself as the letter `alphabet_of`
    chose."""
    dfa = to_dfa(regex)
    return [] if dfa.isempty() else _shortest(dfa, count)


def shortest_word(dfa) -> str | None:
    """The first of the shortest words of the DFA's language in the alphabet's order, or None
    when the language is empty. Breadth-first over states, each reached once (by the first
    word in that order: any later word reaching it would only lead to later answers), so it
    costs states x symbols however many words there are; listing the words of a length, as
    `_shortest` does, ran out of memory on NL-RX's 63-letter alphabets."""
    symbols = sorted(dfa.input_symbols)
    seen, frontier = {dfa.initial_state}, [(dfa.initial_state, "")]
    while frontier:
        following = []
        for state, word in frontier:
            if state in dfa.final_states:
                return word
            for symbol in symbols:
                target = dfa.transitions.get(state, {}).get(symbol)
                if target is not None and target not in seen:
                    seen.add(target)
                    following.append((target, word + symbol))
        frontier = following
    return None


def _shortest(dfa, count: int) -> list[str]:
    out: list[str] = []
    length = dfa.minimum_word_length()
    limit = length + len(dfa.states)  # past this, a nonempty language has had a word
    while len(out) < count and length <= limit:
        out.extend(sorted(dfa.words_of_length(length))[:count - len(out)])
        length += 1
    return out


# -- the domain ---------------------------------------------------------------------------------

DOMAIN = Domain("regex", "regular expressions from positive and negative strings",
                types={"Regex": ValueType("Regex", lambda v: isinstance(v, Regex))})


def add_command(commands) -> None:
    from nesy.synth import regex

    regex.add_commands(commands)


DOMAIN.command = add_command


# The operations a regex grammar calls: the constructors, and `matches(regex, string)`, the
# membership test a synthesised regex is executed (and re-checked) by.
for _name, _kind in (("union", Union), ("concat", Concat)):
    DOMAIN.operation(_name, ["Regex", "Regex"], "Regex")(_kind)
for _name, _kind in (("star", Star), ("plus", Plus), ("opt", Opt)):
    DOMAIN.operation(_name, ["Regex"], "Regex")(_kind)


def _matches_bulk(regexes: np.ndarray, strings: np.ndarray):
    """Membership row by row, each distinct regex evaluated once over all its strings."""
    out = np.zeros(len(strings), dtype=bool)
    rows: dict[Regex, list[int]] = {}
    for i, regex in enumerate(regexes.tolist()):
        rows.setdefault(regex, []).append(i)
    for regex, chosen in rows.items():
        out[chosen] = matches(regex, strings[chosen].tolist())
    return objects(out), np.ones(len(strings), dtype=bool)


@DOMAIN.operation("matches", ["Regex", "String"], "bool", bulk=_matches_bulk)
def _matches(regex: Regex, string: str) -> bool:
    return bool(matches(regex, [string])[0])
