"""The NL-RX measures: DFA-equivalence accuracy (the official one: a prediction is right when
its language is the gold regex's, decided on minimal automata by `nesy.synth.domains.regex`)
and exact-string accuracy (the same token sequence as the gold regex)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from nesy.synth.nlregex.data import Pair, detokenize


def parse_tokens(tokens: Sequence[str], literals: tuple[str, ...] = ()):
    """The regex tree of predicted tokens, or None when they do not parse."""
    from nesy.synth.domains.regex import RegexSyntaxError, parse

    try:
        return parse(detokenize(tokens, literals), "brics")
    except RegexSyntaxError:
        return None


def equivalent_texts(a: str, b: str) -> bool:
    """Whether two brics regexes denote the same language (both must parse)."""
    from nesy.synth.domains.regex import equivalent

    return a == b or equivalent(a, b, "brics")


@dataclass(frozen=True)
class Scores:
    count: int
    dfa: int  # predictions equivalent to the gold regex
    exact: int  # predictions with the gold regex's tokens
    parsed: int  # predictions that parse

    @property
    def dfa_accuracy(self) -> float:
        return self.dfa / self.count if self.count else 0.0

    @property
    def exact_accuracy(self) -> float:
        return self.exact / self.count if self.count else 0.0

    def as_dict(self) -> dict:
        return {"count": self.count, "dfa_accuracy": self.dfa_accuracy,
                "exact_accuracy": self.exact_accuracy, "parsed": self.parsed}


def verdicts(predictions: Sequence[Sequence[str] | None], pairs: Sequence[Pair]) -> list[bool]:
    """For each prediction (regex tokens, or None for no answer), whether it is
    DFA-equivalent to its pair's gold regex."""
    if len(predictions) != len(pairs):
        raise ValueError(f"{len(predictions)} predictions for {len(pairs)} pairs")
    out = []
    for tokens, pair in zip(predictions, pairs):
        if tokens is None or parse_tokens(tokens, pair.literals) is None:
            out.append(False)
        else:
            out.append(equivalent_texts(detokenize(tokens, pair.literals), pair.regex))
    return out


def score(predictions: Sequence[Sequence[str] | None], pairs: Sequence[Pair]) -> Scores:
    """DFA-equivalence and exact-string accuracy of predictions against their pairs."""
    right = verdicts(predictions, pairs)
    exact = sum(p is not None and tuple(p) == pair.regex_tokens
                for p, pair in zip(predictions, pairs))
    parsed = sum(p is not None and parse_tokens(p, pair.literals) is not None
                 for p, pair in zip(predictions, pairs))
    return Scores(len(pairs), sum(right), exact, parsed)
