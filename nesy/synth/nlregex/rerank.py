"""nesy's test-time step: the translator proposes a beam of regexes, automata decide.

`choose(hypotheses, literals, examples)` takes the beam (token sequences with their log
probabilities, from the translator) and uses, step by step, only this information:

1. *parse filter* -- each candidate's own text: candidates the brics parser rejects are dropped.
2. *trivial languages* -- each candidate's own automaton: candidates denoting the empty
   language or the universal one (every string) are dropped, unless nothing else is left
   (a description of NL-RX never asks for either).
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


def classes(found: Sequence[Candidate]) -> tuple[list[Class], int]:
    """Steps 2 and 3: drop trivial languages (unless all are), merge equal languages; the
    classes ranked by summed probability, and how many candidates step 2 dropped."""
    from nesy.synth.domains.regex import alphabet_of, to_dfa

    if not found:
        return [], 0
    alphabet = alphabet_of(*(c.regex for c in found))
    keyed = []
    for candidate in found:
        key = canonical(to_dfa(candidate.regex, alphabet))
        keyed.append((key, _trivial(key), candidate))
    kept = [(k, c) for k, trivial, c in keyed if not trivial] or [(k, c) for k, _, c in keyed]
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
           repair_timeout: float | None = 10.0, explain: bool = False) -> Choice:
    """The answer for one description's beam (see the module docstring); `explain` adds the
    runner-up and a string the two disagree on."""
    found, unparsed = candidates(hypotheses, literals)
    ranked, trivial = classes(found)
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
        from nesy.synth.domains.regex import difference

        choice.runner_up = ranked[1].best.text
        choice.disagreement = difference(best.regex, ranked[1].best.regex)
    return choice


def _repair(positives, negatives, timeout, dropped) -> Choice:
    from nesy.synth.domains.regex import to_text
    from nesy.synth.regex import synthesize

    outcome = synthesize(positives, negatives, timeout=timeout)
    if outcome.regex is None:
        return Choice(None, None, None, [], dropped, repaired=True)
    return Choice(outcome.regex, to_text(outcome.regex), None, [], dropped, repaired=True)
