"""Translating descriptions: the plain seq2seq answer (the beam's most probable regex) and
nesy's (the beam re-ranked by `rerank.choose`), for one description or a scored data set."""
from __future__ import annotations

from typing import Sequence

from nesy.synth.nlregex import rerank
from nesy.synth.nlregex.data import Pair, describe
from nesy.synth.nlregex.evaluate import Scores, score

#: The systems `evaluate_pairs` compares: the plain seq2seq; nesy's parse filter and merging
#: of equivalent candidates; the same, dropping empty and universal languages first.
SYSTEMS = ("seq2seq", "nesy", "nesy-nontrivial")


def answers(beams, pairs: Sequence[Pair]) -> dict[str, list]:
    """Each system's predictions (regex tokens, None for no answer) from the beams. The
    re-ranker sees each beam and its description's literals, nothing else."""
    out: dict[str, list] = {name: [] for name in SYSTEMS}
    for hyps, pair in zip(beams, pairs):  # beam by beam: the second choice reuses the automata
        out["seq2seq"].append(hyps[0][0] if hyps else None)
        out["nesy"].append(rerank.choose(hyps, pair.literals, drop_trivial=False).tokens)
        out["nesy-nontrivial"].append(rerank.choose(hyps, pair.literals).tokens)
    return out


def evaluate_pairs(model, pairs: Sequence[Pair], beam: int = 10, rerank_too: bool = True,
                   max_len: int = 80) -> dict[str, Scores]:
    """The scores of every system of `SYSTEMS` on `pairs` (only the seq2seq's when not
    `rerank_too`: the automata cost far more than the beam search), from one beam search."""
    beams = model.beam([p.words for p in pairs], beam, max_len)
    if not rerank_too:
        return {"seq2seq": score([hyps[0][0] if hyps else None for hyps in beams], pairs)}
    return {name: score(predicted, pairs) for name, predicted in answers(beams, pairs).items()}


def translate(model, text: str, beam: int = 10, positives: Sequence[str] = (),
              negatives: Sequence[str] = (), timeout: float | None = 10.0) -> rerank.Choice:
    """nesy's regex for one English description (its quoted strings are the literals),
    constrained by examples when there are some; empty and universal languages are dropped."""
    words, literals = describe(text)
    [hypotheses] = model.beam([words], beam)
    return rerank.choose(hypotheses, literals, positives, negatives, timeout, explain=True)


__all__ = ["SYSTEMS", "Scores", "answers", "evaluate_pairs", "translate"]
