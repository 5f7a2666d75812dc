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
    (`rerank.languages`) and cached by text, since a beam repeats most of its candidates from
    one epoch to the next. A decision that takes more than `limit` processor seconds counts
    as 0.0: the subset construction can blow up on a candidate the beam makes up (counted
    repetitions of intersections), and one such candidate would stall the training."""

    def __init__(self, limit: float = 1.0):
        self.limit = limit
        self.cache: dict[tuple[str, str], bool] = {}

    def __call__(self, pair: Pair, candidates: Sequence[Sequence[str]]) -> list[float]:
        from nesy.synth.domains.regex import RegexSyntaxError, parse
        from nesy.synth.nlregex.rerank import languages

        gold = pair.regex
        texts = [detokenize(tokens, pair.literals) for tokens in candidates]
        for text in dict.fromkeys(texts):
            if text == gold or (gold, text) in self.cache:
                continue
            try:
                tree = parse(text, "brics")
            except RegexSyntaxError:
                self.cache[gold, text] = False
                continue
            keys = _limited(self.limit, languages, (parse(gold, "brics"), tree))
            self.cache[gold, text] = keys is not None and keys[0] == keys[1]
        return [1.0 if t == gold or self.cache[gold, t] else 0.0 for t in texts]


class _OutOfTime(Exception):
    pass


class _ProcessorTimer:
    """One call under a limit of `seconds` of processor time: a timer signal raises
    `_OutOfTime` inside the call, and the call then answers None.

    Python drops an exception raised while a garbage-collector callback (or a weak
    reference's) runs, so the timer keeps firing every few milliseconds after it expires,
    and it remembers that it did (`expired`). It raises only in frames below `call`'s own
    (in the guarded function): a repeat that comes due while the first exception unwinds
    into `call`, in `call`'s clean-up, or once the function has returned only records, so no
    late signal escapes the call."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self.caller = None  # `call`'s frame while the function runs

    def _expire(self, signum, frame):
        self.expired = True
        if self._inside(frame):
            raise _OutOfTime

    def _inside(self, frame) -> bool:
        """Whether `frame` runs below `call`'s own frame."""
        if frame is None or frame is self.caller:
            return False
        while frame is not None:
            frame = frame.f_back
            if frame is self.caller:
                return True
        return False

    def call(self, function, *args):
        import signal
        import sys

        self.caller = sys._getframe()
        previous = signal.signal(signal.SIGVTALRM, self._expire)
        signal.setitimer(signal.ITIMER_VIRTUAL, self.seconds, 0.005)
        try:
            result = function(*args)
        except _OutOfTime:
            result = None
        finally:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
            signal.signal(signal.SIGVTALRM, previous)
            self.caller = None
        return None if self.expired else result


def _limited(seconds: float, function, *args):
    """`function(*args)`, or None once it has used `seconds` of processor time (a timer
    signal, so only on the main thread; elsewhere without a limit)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return function(*args)
    return _ProcessorTimer(seconds).call(function, *args)


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
