"""A generic learner of command languages: from (command words, action words) pairs alone it
learns what every word means and how meanings compose, as a small grammar that
`_scan_program` writes out as a nesy program.

Nothing here knows SCAN: no word, action, category or rule of it. The hypothesis space is:

- every word has one *role* and a *constant* (a sequence of actions, possibly empty);
- an `atom` is a phrase by itself, meaning its constant;
- an operator combines the phrases next to it: `postfix` (X w), `prefix` (w X), `infix`
  (X w Y), or `infix_word` (X w v, where v is a single word standing for its constant);
- an operator's meaning is a *template*: a concatenation of the arguments' meanings and its
  own constant, e.g. `X X` (repeat), `Y X` (swap), `C X` (prefix the constant),
  `Y X Y X` (interleave);
- a `filler` word is only ever used as the v of an `infix_word` operator (its constant);
- operators have precedence levels: an argument phrase binds tighter than the operator
  (its level is lower); atoms have level 0.

Learning is a curriculum over the training pairs, shortest first: a word is learned from the
pairs in which it is the only word not yet learned. Candidate roles and templates are
proposed from its shortest such pair by segmenting the output into copies of the arguments'
meanings and one repeated constant, and the simplest candidate (fewest constants, then
simplest role, then shortest template) consistent with all of the word's pairs is kept.
When no word is the only unknown one in any pair (no primitive is ever used alone, as in a
small sample), two words are learned jointly, the one an atom guessed from the output; a
grammar that then misses training pairs is learned again without that guess.
Precedence is learned last: parsing each training pair without levels, the operator nestings
of the parses that give the right output say which operator must bind looser than which;
levels are the longest chains of these constraints. A word seen only as a filler takes the
role its fellow fillers share (words used in the same places behave alike), with its own
constant: this is how a direction seen only inside longer phrases is understood alone.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from typing import Iterable, Sequence

Actions = tuple[str, ...]

ROLES = ("filler", "atom", "postfix", "prefix", "infix", "infix_word")
OPERATORS = ("postfix", "prefix", "infix", "infix_word")
#: Longest template proposed (in arguments and constants).
MAX_TEMPLATE = 12
#: Pairs a candidate is checked against when a word is learned (its shortest ones).
CHECK_PAIRS = 40
#: Parses kept per span when parsing without levels (bounds the work on long commands).
MAX_CELL = 256
#: Training pairs parsed to learn precedence (all of them when fewer).
PRECEDENCE_PAIRS = 4000


@dataclass(frozen=True)
class Rule:
    """What one word means: its role, its template (symbols X, Y, C) and its constant."""

    role: str
    template: tuple[str, ...] = ()
    const: Actions = ()
    level: int = 0

    def apply(self, x: Actions = (), y: Actions = ()) -> Actions:
        out: list[str] = []
        for symbol in self.template:
            out.extend(x if symbol == "X" else y if symbol == "Y" else self.const)
        return tuple(out)

    def cost(self) -> tuple:
        constants = self.template.count("C") if self.role in OPERATORS else int(bool(self.const))
        return (constants, ROLES.index(self.role), len(self.template), len(self.const))


@dataclass
class Grammar:
    """The learned lexicon: a rule per word, and the words that may fill each `infix_word`
    operator's word slot."""

    rules: dict[str, Rule]
    fillers: dict[str, tuple[str, ...]]

    def to_json(self) -> dict:
        return {"rules": {w: asdict(r) for w, r in sorted(self.rules.items())},
                "fillers": {w: list(f) for w, f in sorted(self.fillers.items())}}

    @classmethod
    def from_json(cls, data: dict) -> "Grammar":
        rules = {w: Rule(r["role"], tuple(r["template"]), tuple(r["const"]), r["level"])
                 for w, r in data["rules"].items()}
        return cls(rules, {w: tuple(f) for w, f in data["fillers"].items()})

    def unknown_words(self, command: Sequence[str]) -> list[str]:
        return [w for w in command if w not in self.rules]

    def translate(self, command: Sequence[str]) -> list[Actions]:
        """Every meaning of `command` under the learned levels (one when it parses
        unambiguously; none when it does not parse). A Python reference of the nesy program."""
        return sorted({v for _, v, _ in chart(command, self.rules, self.fillers, levels=True)[0, len(command)]})


# ---- parsing -------------------------------------------------------------------------------
def chart(words: Sequence[str], rules: dict[str, Rule], fillers: dict[str, tuple[str, ...]] | None,
          levels: bool) -> dict[tuple[int, int], set]:
    """Every phrase of `words`: (i, j) -> {(key, meaning, nestings)}.

    With `levels`, key is the phrase's level and arguments must have lower levels; nestings
    is empty. Without, key is the word of the phrase's top operator (None for an atom) and
    nestings the (outer, inner) operator pairs of its parse. `fillers` None lets any learned
    word fill an `infix_word` slot (while learning)."""
    n = len(words)
    cells: dict[tuple[int, int], set] = defaultdict(set)

    def fits(arg_key, rule: Rule) -> bool:
        return arg_key < rule.level if levels else True

    def make(rule: Rule, word: str, value: Actions, args) -> tuple:
        if levels:
            return (rule.level, value, ())
        nest = set()
        for key, _, inner in args:
            nest |= set(inner)
            if key is not None:
                nest.add((word, key))
        return (word, value, tuple(sorted(nest)))

    def filler(op: str, word: str) -> Actions | None:
        rule = rules.get(word)
        if rule is None or (fillers is not None and word not in fillers.get(op, ())):
            return None
        return rule.const

    for length in range(1, n + 1):
        for i in range(n - length + 1):
            j = i + length
            cell = cells[i, j]
            if length == 1:
                rule = rules.get(words[i])
                if rule is not None and rule.role == "atom":
                    cell.add((0, rule.const, ()) if levels else (None, rule.const, ()))
                continue
            last = rules.get(words[j - 1])
            if last is not None and last.role == "postfix":
                for arg in list(cells[i, j - 1]):
                    if fits(arg[0], last):
                        cell.add(make(last, words[j - 1], last.apply(arg[1]), [arg]))
            first = rules.get(words[i])
            if first is not None and first.role == "prefix":
                for arg in list(cells[i + 1, j]):
                    if fits(arg[0], first):
                        cell.add(make(first, words[i], first.apply(arg[1]), [arg]))
            if length >= 3:
                op = rules.get(words[j - 2])
                if op is not None and op.role == "infix_word":
                    y = filler(words[j - 2], words[j - 1])
                    if y is not None:
                        for arg in list(cells[i, j - 2]):
                            if fits(arg[0], op):
                                cell.add(make(op, words[j - 2], op.apply(arg[1], y), [arg]))
                for k in range(i + 1, j - 1):
                    op = rules.get(words[k])
                    if op is None or op.role != "infix":
                        continue
                    for left in list(cells[i, k]):
                        if not fits(left[0], op):
                            continue
                        for right in list(cells[k + 1, j]):
                            if fits(right[0], op):
                                cell.add(make(op, words[k], op.apply(left[1], right[1]), [left, right]))
            if len(cell) > MAX_CELL:
                cells[i, j] = set(sorted(cell, key=repr)[:MAX_CELL])
    return cells


def _explains(words, actions, rules, fillers=None) -> bool:
    return any(v == actions for _, v, _ in chart(words, rules, fillers, levels=False)[0, len(words)])


# ---- proposing templates -------------------------------------------------------------------
def _segmentations(out: Actions, parts: dict[str, Actions], const: Actions | None) -> list[tuple[str, ...]]:
    """Templates over `parts` (X, Y) and C = `const` whose concatenation is `out`, using
    every argument at least once."""
    pieces = {s: v for s, v in parts.items() if v}
    if const:
        pieces["C"] = const
    found: list[tuple[str, ...]] = []

    def walk(at: int, template: list[str]) -> None:
        if len(found) > 200 or len(template) > MAX_TEMPLATE:
            return
        if at == len(out):
            if all(s in template for s in parts) and (const is None or "C" in template):
                found.append(tuple(template))
            return
        for symbol, value in pieces.items():
            if out[at:at + len(value)] == value:
                template.append(symbol)
                walk(at + len(value), template)
                template.pop()

    walk(0, [])
    return found


def _constants(out: Actions) -> list[Actions]:
    """Every contiguous piece of `out`, shortest first (the empty one first)."""
    pieces = {out[i:j] for i in range(len(out) + 1) for j in range(i, len(out) + 1)}
    return sorted(pieces, key=lambda p: (len(p), p))


def _operator_candidates(word: str, pairs, rules) -> set[Rule]:
    """Operator rules for `word` read off its shortest pairs in which it is the top operator
    and its arguments (parsed with the rules learned so far) mean something non-empty."""
    found: set[Rule] = set()
    for command, out in pairs[:CHECK_PAIRS]:
        n = len(command)
        cells = chart(command, rules, None, levels=False)
        for p in (i for i, w in enumerate(command) if w == word):
            for role, xs, ys in _shapes(command, cells, rules, n, p):
                for _, x, _ in xs:
                    for y in ys:
                        if not x or (role in ("infix", "infix_word") and not y):
                            continue
                        parts = {"X": x, **({"Y": y} if role in ("infix", "infix_word") else {})}
                        for const in [None] + [c for c in _constants(out) if c]:
                            for template in _segmentations(out, parts, const):
                                found.add(Rule(role, template, const or ()))
        if found:
            return found
    return found


def _shapes(command, cells, rules, n: int, p: int) -> list:
    """How the word at p could be the top operator of the whole command: (role, parses of
    X, meanings of Y)."""
    shapes = []
    if p == n - 1 and n > 1:
        shapes.append(("postfix", cells[0, p], [()]))
    if p == 0 and n > 1:
        shapes.append(("prefix", cells[1, n], [()]))
    if 0 < p < n - 1:
        shapes.append(("infix", cells[0, p], [v for _, v, _ in cells[p + 1, n]]))
    if p == n - 2 and p > 0 and command[n - 1] in rules:
        shapes.append(("infix_word", cells[0, p], [rules[command[n - 1]].const]))
    return shapes


def _learn_word(word: str, pairs, rules) -> Rule | None:
    """The simplest rule for `word` under which every pair is explained, or None."""
    shortest = pairs[0][1]
    candidates = {Rule(role, (), c) for role in ("filler", "atom") for c in _constants(shortest)}
    candidates |= _operator_candidates(word, pairs, rules)
    for rule in sorted(candidates, key=lambda r: (r.cost(), repr(r))):
        trial = {**rules, word: rule}
        if all(_explains(c, o, trial) for c, o in pairs):
            return rule
    return None


# ---- learning ------------------------------------------------------------------------------
#: Times learning restarts with a different joint guess when the grammar misses training pairs.
RETRIES = 6
#: Training pairs the grammar is checked on to decide whether to retry.
RETRY_CHECK = 2000


def learn(pairs: Iterable[tuple[Sequence[str], Sequence[str]]], seed: int = 0,
          log=None) -> Grammar:
    """The grammar learned from (command, actions) pairs; see the module docstring.

    Words learned jointly (`_learn_two`) are guesses: when the finished grammar gets some
    training pairs wrong, learning starts again with the first such guess banned, up to
    RETRIES times, and the grammar that explains the most training pairs is kept."""
    data = sorted({(tuple(c), tuple(a)) for c, a in pairs}, key=lambda p: (len(p[0]), len(p[1]), p))
    check = data if len(data) <= RETRY_CHECK else random.Random(seed).sample(data, RETRY_CHECK)
    banned: set = set()
    best = None
    for _ in range(RETRIES + 1):
        grammar, guesses = _curriculum(data, seed, banned, log)
        score = sum(grammar.translate(c) == [a] for c, a in check)
        if best is None or score > best[0]:
            best = (score, grammar)
        if score == len(check) or not guesses:
            break
        banned.add(guesses[0])
        if log:
            log(f"{len(check) - score} training pairs missed: learning again without guess {sorted(guesses[0])}")
    return best[1]


def _curriculum(data, seed: int, banned: set, log) -> tuple[Grammar, list]:
    """One pass of learning; also the joint guesses it made, in order."""
    by_word: dict[str, list] = defaultdict(list)
    for pair in data:
        for w in set(pair[0]):
            by_word[w].append(pair)
    rules: dict[str, Rule] = {}
    guesses: list = []
    failed: dict[str, int] = {}  # word -> number of rules known when it last failed
    while True:
        ready = []
        for w, ws in by_word.items():
            if w in rules or failed.get(w) == len(rules):
                continue
            usable = [p for p in ws if all(v in rules or v == w for v in p[0])]
            if usable:
                ready.append((len(usable[0][0]), w, usable))
        if not ready:
            pair_rules = _learn_two(data, rules, banned)
            if pair_rules is None:
                break
            rules.update(pair_rules)
            guesses.append(frozenset(pair_rules.items()))
            for w, r in pair_rules.items():
                if log:
                    log(f"learned {w!r} (jointly): {describe(w, r)}")
            continue
        _, word, usable = min(ready)
        rule = _learn_word(word, usable[:CHECK_PAIRS], rules)
        if rule is None:
            failed[word] = len(rules)
            continue
        rules[word] = rule
        if log:
            log(f"learned {word!r}: {describe(word, rule)}")
    fillers = _fillers(data, rules)
    rules = _generalise_fillers(rules, fillers)
    rules = _learn_levels(data, rules, seed)
    return Grammar(rules, fillers), guesses


def _learn_two(data, rules, banned: set = frozenset()) -> dict[str, Rule] | None:
    """When every pair has two or more unknown words (no word is used alone, say), learn two
    at once. For the pairs of unknown words {a, b} that occur together without other
    unknown words, most often first: take a as an atom or filler (its constant a piece of
    the shortest such pair's output), learn b given a, and keep the pair of rules that
    explains every pair whose unknown words are among a and b (the best supported, then
    the simplest)."""
    support: dict[tuple[str, str], list] = defaultdict(list)
    for pair in data:
        unknown = tuple(sorted({w for w in pair[0] if w not in rules}))
        if len(unknown) == 2:
            support[unknown].append(pair)
    ranked = sorted(support.items(), key=lambda item: (-len(item[1]), item[0]))[:10]
    options = []
    for unknown, together in ranked:
        together = together[:CHECK_PAIRS]
        out = together[0][1]
        for a, b in (unknown, unknown[::-1]):
            for const in _constants(out):
                for role in ("filler", "atom"):
                    guess = {**rules, a: Rule(role, (), const)}
                    rule = _learn_word(b, together, guess)
                    if rule is not None and frozenset({a: guess[a], b: rule}.items()) not in banned:
                        options.append(((-len(together), guess[a].cost(), rule.cost()), {a: guess[a], b: rule}))
                        break
    return min(options, key=lambda o: o[0])[1] if options else None


def _fillers(data, rules) -> dict[str, tuple[str, ...]]:
    """The words that may fill each `infix_word` operator's slot: those seen right after it,
    and every word of their class. Words seen in the slot of one same operator form a class
    (transitively): a word that fills one operator's slot fills the slots of the others that
    take its classmates."""
    seen: dict[str, set] = defaultdict(set)
    for command, _ in data:
        for a, b in zip(command, command[1:]):
            if a in rules and rules[a].role == "infix_word" and b in rules:
                seen[a].add(b)
    classes: list[set] = []
    for words in seen.values():
        merged = set(words)
        for c in [c for c in classes if c & merged]:
            merged |= c
            classes.remove(c)
        classes.append(merged)
    return {op: tuple(sorted(set().union(*(c for c in classes if c & ws))))
            for op, ws in seen.items()}


def _generalise_fillers(rules, fillers) -> dict[str, Rule]:
    """A word learned only as a filler takes the role and template that the other fillers of
    its slots share, keeping its own constant."""
    out = dict(rules)
    for word, rule in rules.items():
        if rule.role != "filler":
            continue
        mates = {rules[m] for op, ws in fillers.items() if word in ws for m in ws
                 if m != word and rules[m].role != "filler"}
        shapes = {(m.role, m.template) for m in mates}
        if len(shapes) == 1:
            role, template = shapes.pop()
            out[word] = Rule(role, template, rule.const)
    return out


def _learn_levels(data, rules, seed: int) -> dict[str, Rule]:
    """Precedence levels from the operator nestings of correct parses (module docstring)."""
    sample = list(data)
    if len(sample) > PRECEDENCE_PAIRS:
        sample = random.Random(seed).sample(sample, PRECEDENCE_PAIRS)
    above: set[tuple[str, str]] = set()
    for command, out in sample:
        parses = [nest for _, v, nest in chart(command, rules, None, levels=False)[0, len(command)]
                  if v == out]
        if parses:
            above |= set.intersection(*(set(p) for p in parses))
    operators = [w for w, r in rules.items() if r.role in OPERATORS]
    level: dict[str, int] = {}

    def depth(w: str, path: tuple) -> int:
        if w in level:
            return level[w]
        inner = [b for a, b in above if a == w and b not in path]
        level[w] = 1 + max((depth(b, path + (w,)) for b in inner), default=0)
        return level[w]

    for w in operators:
        depth(w, ())
    return {w: replace(r, level=level.get(w, 0)) for w, r in rules.items()}


def describe(word: str, rule: Rule) -> str:
    """A rule in words, for logs and the program's comments."""
    const = " ".join(rule.const) or "(nothing)"
    if rule.role == "atom":
        return f"a phrase meaning {const}"
    if rule.role == "filler":
        return f"a word standing for {const}"
    shape = {"postfix": f"X {word}", "prefix": f"{word} X", "infix": f"X {word} Y",
             "infix_word": f"X {word} v"}[rule.role]
    meaning = " ".join("[[" + s + "]]" if s in "XY" else f"[{const}]" if s == "C" else s
                       for s in rule.template).replace("[[Y]]", "[[v]]" if rule.role == "infix_word" else "[[Y]]")
    return f"{shape} means {meaning}" + (f" (level {rule.level})" if rule.level else "")
