"""Translating descriptions: the plain seq2seq answer (the beam's most probable regex) and
nesy's (the beam re-ranked by `rerank.choose`), for one description or a scored data set."""
from __future__ import annotations

from typing import Sequence

from nesy.synth.nlregex import rerank
from nesy.synth.nlregex.data import Pair, describe
from nesy.synth.nlregex.evaluate import Scores, score


def evaluate_pairs(model, pairs: Sequence[Pair], beam: int = 10):
    """Scores of the plain seq2seq and of nesy's re-ranking on `pairs`, and the two lists of
    predictions (tokens, None for no answer). The re-ranker sees each beam and its
    description's literals only."""
    beams = model.beam([p.words for p in pairs], beam)
    plain = [hyps[0][0] if hyps else None for hyps in beams]
    nesy = [rerank.choose(hyps, pair.literals).tokens for hyps, pair in zip(beams, pairs)]
    return score(plain, pairs), score(nesy, pairs), (plain, nesy)


def translate(model, text: str, beam: int = 10, positives: Sequence[str] = (),
              negatives: Sequence[str] = (), timeout: float | None = 10.0) -> rerank.Choice:
    """nesy's regex for one English description (its quoted strings are the literals),
    constrained by examples when there are some."""
    words, literals = describe(text)
    [hypotheses] = model.beam([words], beam)
    return rerank.choose(hypotheses, literals, positives, negatives, timeout, explain=True)


__all__ = ["Scores", "evaluate_pairs", "translate"]
