"""nesy's test-time step: the translator proposes a beam of regexes, automata decide.

`choose(hypotheses, literals, examples)` takes the beam (token sequences with their log
probabilities, from the translator) and uses, step by step, only this information:

1. *parse filter* -- each candidate's own text: candidates the brics parser rejects are dropped.
2. *trivial languages* (`drop_trivial`, on for `nesy synth regex --nl`) -- each candidate's
   own automaton: candidates denoting the empty language or the universal one (every string)
   are dropped, unless nothing else is left. A user never wants either, but NL-RX's gold
   regexes often denote one (an intersection of a string with a single character is empty:
   14% of the Turk and Synth test regexes are empty, 5% universal), so the benchmark reports
   the step separately.
3. *merging* -- the candidates' automata together: candidates with the same language (equal
   minimal DFAs over the alphabet of the whole beam) form one class, whose score is the sum
   of its members' probabilities and whose representative is its most probable member.
4. *examples* (only when the user gives them, Regel-style) -- the user's strings: classes
   whose regex accepts a negative or rejects a positive are dropped; if none is left, the
   regex-from-examples synthesiser (`nesy.synth.regex.synthesize`) repairs the answer.
5. *pick* -- the class with the largest summed probability.

The gold regex, and anything derived from it, is never an input. The runner-up class and a
shortest string on which it and the answer disagree (generated from their automata) come with
the choice, to show the user where the beam was uncertain.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Sequence

from nesy.synth.nlregex.data import detokenize


@dataclass
class Candidate:
    tokens: tuple[str, ...]
    text: str  # brics
    logp: float
    regex: object  # the parsed tree


@dataclass
class Class:
    """Beam candidates with one language: `members` most probable first."""
    members: list[Candidate]
    score: float  # log of the summed probabilities

    @property
    def best(self) -> Candidate:
        return self.members[0]


@dataclass
class Choice:
    regex: object | None  # the tree, None when nothing survived
    text: str | None  # brics
    tokens: tuple[str, ...] | None
    classes: list[Class] = field(default_factory=list)  # ranked, the answer's first
    dropped: dict = field(default_factory=dict)  # step -> how many candidates it removed
    repaired: bool = False  # the answer came from the examples synthesiser
    runner_up: str | None = None
    disagreement: str | None = None  # a shortest string in exactly one of answer, runner-up


def canonical(dfa) -> tuple:
    """A DFA's minimal partial automaton (no trap state; automata-lib keeps a lone one for the
    empty language) as a hashable value: states numbered in breadth-first order from the
    initial state, symbols in sorted order (equal values <=> equal languages, for DFAs over
    one alphabet)."""
    dfa = dfa.to_partial(retain_names=False, minify=True)
    symbols = sorted(dfa.input_symbols)
    number = {dfa.initial_state: 0}
    order = [dfa.initial_state]
    rows = []
    for state in order:
        row = []
        for symbol in symbols:
            target = dfa.transitions.get(state, {}).get(symbol)
            if target is not None and target not in number:
                number[target] = len(order)
                order.append(target)
            row.append(None if target is None else number[target])
        rows.append((state in dfa.final_states, tuple(row)))
    return tuple(symbols), tuple(rows)


def candidates(hypotheses: Sequence[tuple[Sequence[str], float]],
               literals: tuple[str, ...] = ()) -> tuple[list[Candidate], int]:
    """Step 1: the hypotheses that parse, and how many did not."""
    from nesy.synth.domains.regex import RegexSyntaxError, parse

    out, bad = [], 0
    for tokens, logp in hypotheses:
        text = detokenize(tokens, literals)
        try:
            out.append(Candidate(tuple(tokens), text, logp, parse(text, "brics")))
        except RegexSyntaxError:
            bad += 1
    return out, bad


def compress(regexes: Sequence) -> tuple[list, frozenset]:
    """The regexes over one representative character per block of characters that every
    regex treats alike (those in exactly the same character sets); a character none of them
    names is its own block. Languages compare as they do over all characters -- a string maps
    to its representatives' string, in or out of each language as it was -- on an alphabet
    of a dozen symbols instead of NL-RX's sixty-odd, which makes the automata several times
    cheaper."""
    from nesy.synth.domains.regex import Chars, alphabet_of, symbols

    sets = sorted({frozenset(n.chars) for r in regexes for n in _nodes(r) if isinstance(n, Chars)},
                  key=sorted)
    blocks: dict[tuple, str] = {}
    representative = {}
    for char in sorted(set().union(*(symbols(r) for r in regexes))):
        signature = tuple(char in s for s in sets)
        representative[char] = blocks.setdefault(signature, char)
    # the character standing for all unnamed ones must be unnamed in the originals too, so
    # that strings over this alphabet mean the same to the original regexes
    other = min(alphabet_of(*regexes) - set(representative))
    alphabet = frozenset(representative.values()) | {other}
    return [_map_chars(r, representative) for r in regexes], alphabet


def _nodes(regex):
    yield regex
    for child in regex.children():
        yield from _nodes(child)


def _map_chars(regex, representative: dict):
    import dataclasses

    from nesy.synth.domains.regex import Chars

    if isinstance(regex, Chars):
        return Chars(frozenset(representative[c] for c in regex.chars))
    children = regex.children()
    if not children:
        return regex
    fields = [f.name for f in dataclasses.fields(regex)]
    return type(regex)(*(_map_chars(getattr(regex, name), representative) for name in fields))


@functools.lru_cache(maxsize=8)  # the same beam is often ranked twice (with and without step 2)
def languages(regexes: tuple) -> list[tuple]:
    """The canonical minimal DFA (`canonical`) of each regex, comparable with each other."""
    from nesy.synth.domains.regex import to_dfa

    small, alphabet = compress(regexes)
    return [canonical(to_dfa(r, alphabet)) for r in small]


def _small_dfas(a, b):
    from nesy.synth.domains.regex import to_dfa

    small, alphabet = compress((a, b))
    return to_dfa(small[0], alphabet), to_dfa(small[1], alphabet)


def witness(a, b) -> str | None:
    """A shortest string in exactly one of the two languages (None when they are equal), over
    the compressed alphabet."""
    from nesy.synth.domains.regex import shortest_word

    first, second = _small_dfas(a, b)
    return shortest_word(first ^ second)


def sample_strings(regex, rng, walks: int = 30, length: int = 12) -> list[str]:
    """Strings along random walks of the regex's automaton (over the compressed alphabet),
    each prefix that reaches an accepting state, and the walk's end whatever it reached."""
    [dfa, _] = _small_dfas(regex, regex)
    symbols = sorted(dfa.input_symbols)
    out = []
    for _ in range(walks):
        state, word = dfa.initial_state, ""
        for _ in range(rng.randrange(length + 1)):
            state = dfa.transitions.get(state, {}).get(symbol := rng.choice(symbols))
            word += symbol
            if state is None:
                break
            if state in dfa.final_states:
                out.append(word)
        out.append(word)
    return out


def classes(found: Sequence[Candidate], drop_trivial: bool = True) -> tuple[list[Class], int]:
    """Steps 2 and 3: drop trivial languages (unless all are), merge equal languages; the
    classes ranked by summed probability, and how many candidates step 2 dropped."""
    if not found:
        return [], 0
    keyed = [(key, _trivial(key), candidate)
             for key, candidate in zip(languages(tuple(c.regex for c in found)), found)]
    kept = [(k, c) for k, trivial, c in keyed if not (drop_trivial and trivial)] or \
        [(k, c) for k, _, c in keyed]
    groups: dict[tuple, list[Candidate]] = {}
    for key, candidate in kept:
        groups.setdefault(key, []).append(candidate)
    ranked = [Class(sorted(m, key=lambda c: -c.logp), _logsumexp([c.logp for c in m]))
              for m in groups.values()]
    ranked.sort(key=lambda k: -k.score)
    return ranked, len(found) - len(kept)


def _trivial(key: tuple) -> bool:
    """Whether a canonical minimal DFA accepts nothing or everything: one state, either
    rejecting, or accepting and looping on every symbol (a lone accepting state with missing
    transitions, in a partial DFA, accepts just the empty string)."""
    _, rows = key
    [(final, targets), *rest] = rows
    return not rest and (not final or all(t == 0 for t in targets))


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def consistent(regex, positives: Sequence[str], negatives: Sequence[str]) -> bool:
    from nesy.synth.domains.regex import matches

    strings = list(positives) + list(negatives)
    if not strings:
        return True
    got = matches(regex, strings)
    return bool(got[:len(positives)].all() and not got[len(positives):].any())


def choose(hypotheses: Sequence[tuple[Sequence[str], float]], literals: tuple[str, ...] = (),
           positives: Sequence[str] = (), negatives: Sequence[str] = (),
           repair_timeout: float | None = 10.0, explain: bool = False,
           drop_trivial: bool = True) -> Choice:
    """The answer for one description's beam (see the module docstring); `explain` adds the
    runner-up and a string the two disagree on."""
    found, unparsed = candidates(hypotheses, literals)
    ranked, trivial = classes(found, drop_trivial)
    dropped = {"unparsed": unparsed, "trivial": trivial}
    repaired = False
    if positives or negatives:
        fitting = [k for k in ranked if consistent(k.best.regex, positives, negatives)]
        dropped["inconsistent"] = sum(len(k.members) for k in ranked) - sum(len(k.members) for k in fitting)
        ranked = fitting
        if not ranked:
            return _repair(positives, negatives, repair_timeout, dropped)
    if not ranked:
        return Choice(None, None, None, [], dropped)
    best = ranked[0].best
    choice = Choice(best.regex, best.text, best.tokens, ranked, dropped, repaired)
    if explain and len(ranked) > 1:
        choice.runner_up = ranked[1].best.text
        choice.disagreement = witness(best.regex, ranked[1].best.regex)
    return choice


def _repair(positives, negatives, timeout, dropped) -> Choice:
    from nesy.synth.domains.regex import to_text
    from nesy.synth.regex import synthesize

    outcome = synthesize(positives, negatives, timeout=timeout)
    if outcome.regex is None:
        return Choice(None, None, None, [], dropped, repaired=True)
    return Choice(outcome.regex, to_text(outcome.regex), None, [], dropped, repaired=True)
