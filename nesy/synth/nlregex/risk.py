"""Minimum-risk training with DFA equivalence as the reward (`nesy train regex --risk K`).

Cross-entropy rewards the gold regex's exact tokens, while the official measure (and nesy's
re-ranker, which sums the probabilities of equivalent candidates) rewards its language. Here,
in the spirit of minimum-risk training (Shen et al. 2016) and SemRegex/SoftRegex's semantic
rewards, each training description's candidates are its translator's beam plus the gold
regex; their sequence probabilities, renormalised over the candidates, give an expected
reward, and the loss is the expected risk (the probability of the candidates whose language
is not the gold one's). Only training pairs see the gold regex; test-time decoding is
unchanged.
"""
from __future__ import annotations

from typing import Sequence

from nesy.synth.nlregex.data import Pair, detokenize


class Rewards:
    """1.0 for a candidate (regex tokens) with the gold regex's language, 0.0 otherwise (or
    when it does not parse); decided by the re-ranker's canonical minimal automata
    (`rerank.languages`, one compressed alphabet per description) and cached by text, since
    a beam repeats most of its candidates from one epoch to the next."""

    def __init__(self):
        self.cache: dict[tuple[str, str], bool] = {}

    def __call__(self, pair: Pair, candidates: Sequence[Sequence[str]]) -> list[float]:
        from nesy.synth.domains.regex import RegexSyntaxError, parse
        from nesy.synth.nlregex.rerank import languages

        gold = pair.regex
        texts = [detokenize(tokens, pair.literals) for tokens in candidates]
        todo = [t for t in dict.fromkeys(texts) if t != gold and (gold, t) not in self.cache]
        trees = {}
        for text in todo:
            try:
                trees[text] = parse(text, "brics")
            except RegexSyntaxError:
                self.cache[gold, text] = False
        if trees:
            keys = languages((parse(gold, "brics"), *trees.values()))
            for text, key in zip(trees, keys[1:]):
                self.cache[gold, text] = key == keys[0]
        return [1.0 if t == gold or self.cache[gold, t] else 0.0 for t in texts]


def expected_risk(logp, rewards: Sequence[float], sizes: Sequence[int]):
    """The mean over descriptions of sum_y Q(y) (1 - reward(y)), where Q renormalises the
    sequence log probabilities `logp` (a tensor, candidates of one description consecutive,
    `sizes` of them each) over each description's candidates."""
    import torch

    rows = torch.full((len(sizes), max(sizes)), float("-inf"))
    risk = torch.zeros_like(rows)
    index = torch.tensor([[d, k] for d, size in enumerate(sizes) for k in range(size)])
    rows = rows.index_put((index[:, 0], index[:, 1]), logp)
    risk = risk.index_put((index[:, 0], index[:, 1]), 1.0 - torch.tensor(rewards, dtype=logp.dtype))
    return (rows.softmax(1) * risk).sum(1).mean()
