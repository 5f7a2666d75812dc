"""`nesy train regex`: the NL-RX translator (`nesy.synth.nlregex.model`), a seq2seq network
with attention trained with teacher forcing on description/regex pairs.

`--data` names the training pairs: `turk` (the Turk split's train part), `synth`, `kb13`
(their fixed-seed 65% train part), or several joined by `+`. Metrics after each epoch on the
first `--val-pairs` pairs of the validation part of the first data set named: DFA-equivalence
and exact-string accuracy of the beam's best (`val_dfa_accuracy`, the plain seq2seq), and
after the last epoch that of nesy's re-ranked answer (`val_nesy_dfa_accuracy`: parse filter
and merging, `nesy.synth.nlregex.translate.SYSTEMS`; its automata cost far more than the
beam). The test parts are the benchmark's (benchmarks/regex_nl.py). `--augment P` trains on
semantically equal variants of the regexes (`nesy.synth.nlregex.augment`). `--init MODEL`
fine-tunes a saved translator (its shape; vocabularies extended by the new pairs').
`--risk K` adds minimum-risk training with DFA equivalence as the reward
(`nesy.synth.nlregex.risk`): each batch's beam of width K plus the gold regex, the loss the
expected risk over them plus `--risk-ce` times the cross-entropy (for fine-tuning a trained
translator: a random one's beam holds nothing to learn from). `--train-pairs N` trains each
epoch on N training pairs drawn afresh (a fraction of an epoch, for the risk's costlier steps).
"""
from __future__ import annotations

import argparse

from nesy.argtypes import int_between
from nesy.errors import UsageError
from nesy.pipelines.base import BatchResult, Pipeline, PipelineSpec, TrainingRun


class NlRegexPipeline(Pipeline):
    headline = "val_nesy_dfa_accuracy"

    def __init__(self, datasets: list[str], root, hidden: int, embed: int, beam: int,
                 epochs: int, val_pairs: int, augment: float = 0.0, init=None,
                 risk: int = 0, risk_ce: float = 1.0, train_pairs: int | None = None):
        from nesy.synth.nlregex import data
        from nesy.synth.nlregex.model import Translator, load, warm_start

        self.name = "regex/" + "+".join(datasets)
        self.train = [p for name in datasets for p in data.load(name, "train", root)]
        self.val = data.load(datasets[0], "val", root)
        self.datasets, self.beam_width, self.epochs, self.epoch = datasets, beam, epochs, 0
        self.val_pairs, self.augment, self.init = val_pairs, augment, init
        self.risk, self.risk_ce, self.train_pairs = risk, risk_ce, train_pairs
        if risk:
            from nesy.synth.nlregex.risk import Rewards

            self.rewards = Rewards()
        words = sorted({w for p in self.train for w in p.words})
        tokens = sorted({t for p in self.train for t in p.regex_tokens})
        if init is None:
            self.model = Translator(words, tokens, hidden=hidden, embed=embed)
        else:
            source = load(init)
            if not isinstance(source, Translator):
                raise UsageError(f"--init takes one translator, {init} holds an ensemble")
            self.model = warm_start(source, words, tokens)
        # decoding stops here: twice the longest training regex, and some
        self.max_len = 2 * max(len(p.regex_tokens) for p in self.train) + 10

    def config(self) -> dict:
        return {"datasets": self.datasets, "translator": self.model.config(),
                "beam": self.beam_width, "augment": self.augment,
                "init": None if self.init is None else str(self.init),
                "risk": self.risk, "risk_ce": self.risk_ce, "train_pairs": self.train_pairs}

    def train_batches(self, epoch: int, batch_size: int, seed: int) -> list:
        import dataclasses
        import random

        import numpy as np

        from nesy.synth.nlregex.augment import shuffle_operands

        self.epoch = epoch
        order = np.random.default_rng([seed, epoch]).permutation(len(self.train))
        pairs = [self.train[i] for i in order[:self.train_pairs]]
        if self.augment:
            rng = random.Random(f"{seed}/{epoch}")
            pairs = [dataclasses.replace(p, regex_tokens=shuffle_operands(p.regex_tokens, rng))
                     if rng.random() < self.augment else p for p in pairs]
        return [pairs[start:start + batch_size] for start in range(0, len(pairs), batch_size)]

    def batch_result(self, pairs) -> BatchResult:
        import torch

        from nesy.synth.nlregex.model import PAD, batch_tensors

        src, tgt_in, tgt = batch_tensors(self.model, pairs)
        logits = self.model(src, tgt_in)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                 tgt.reshape(-1), ignore_index=PAD)
        right = ((logits.argmax(-1) == tgt) | (tgt == PAD)).all(1)
        if not self.risk:
            return BatchResult(loss, int(right.sum()), len(pairs))
        return self._risk_result(pairs, loss)

    def _risk_result(self, pairs, cross_entropy) -> BatchResult:
        """Expected risk over each pair's beam and gold regex, plus the weighted
        cross-entropy; correct: pairs whose beam's best has the gold language."""
        from nesy.synth.nlregex.risk import expected_risk

        beams = self.model.beam([p.words for p in pairs], self.risk, self.max_len)
        candidates = [list(dict.fromkeys([tuple(p.regex_tokens)] + [t for t, _ in b]))
                      for p, b in zip(pairs, beams)]
        rewards = [self.rewards(p, c) for p, c in zip(pairs, candidates)]
        logp = self.model.sequence_logp([p.words for p, c in zip(pairs, candidates) for _ in c],
                                        [t for c in candidates for t in c])
        risk = expected_risk(logp, [r for rs in rewards for r in rs], [len(c) for c in candidates])
        right = sum(bool(b) and r[c.index(tuple(b[0][0]))] == 1.0
                    for b, c, r in zip(beams, candidates, rewards))
        return BatchResult(risk + self.risk_ce * cross_entropy, right, len(pairs))

    def split_batch(self, batch, parts: int) -> list:
        size = -(-len(batch) // parts)
        return [batch[i * size:(i + 1) * size] for i in range(parts)]

    def evaluate(self) -> dict:
        from nesy.synth.nlregex.translate import evaluate_pairs

        last = self.epoch >= self.epochs
        scores = evaluate_pairs(self.model, self.val[:self.val_pairs], self.beam_width,
                                rerank_too=last, max_len=self.max_len)
        metrics = {"val_dfa_accuracy": scores["seq2seq"].dfa_accuracy,
                   "val_exact_accuracy": scores["seq2seq"].exact_accuracy}
        if last:
            metrics["val_nesy_dfa_accuracy"] = scores["nesy"].dfa_accuracy
        return metrics


def _datasets(text: str) -> list[str]:
    from nesy.synth.nlregex.data import DATASETS

    names = text.split("+")
    for name in names:
        if name not in DATASETS:
            raise UsageError(f"unknown NL-RX data set {name!r} in --data (choose from "
                             f"{', '.join(DATASETS)}, joined by +)")
    return names


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value <= 1:  # also rejects nan
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default="turk", metavar="SET[+SET]",
                        help="training pairs: turk, synth, kb13, or several joined by + "
                             "(validation: the first one's) (default turk)")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="the NL-RX folder (default: the shared data's regex/nl-rx)")
    parser.add_argument("--hidden", type=int_between(8, None), default=256, metavar="H",
                        help="LSTM width (default 256)")
    parser.add_argument("--embed", type=int_between(4, None), default=128, metavar="E",
                        help="token embedding width (default 128)")
    parser.add_argument("--beam", type=int_between(1, 100), default=10, metavar="K",
                        help="beam width of the validation decoding (default 10)")
    parser.add_argument("--val-pairs", type=int_between(1, None), default=200, metavar="N",
                        help="validation pairs scored after each epoch (default 200; the "
                             "benchmark scores whole test sets)")
    parser.add_argument("--init", metavar="MODEL",
                        help="fine-tune this translator (a saved model, run or checkpoint) "
                             "instead of starting from random weights; its --hidden/--embed")
    parser.add_argument("--augment", type=_probability, default=0.0, metavar="P",
                        help="equivalence-aware augmentation: the probability that a training "
                             "regex is replaced, each epoch, by an equal one with its | and & "
                             "operands reordered (default 0)")
    parser.add_argument("--risk", type=int_between(0, 100), default=0, metavar="K",
                        help="minimum-risk training: the expected risk over a beam of width K "
                             "and the gold regex, with DFA equivalence to the gold regex as the "
                             "reward, added to the loss (default 0: cross-entropy only; for "
                             "fine-tuning a trained translator with --init)")
    parser.add_argument("--risk-ce", type=_probability, default=1.0, metavar="W",
                        help="with --risk, the weight of the cross-entropy kept beside the "
                             "risk, between 0 and 1 (default 1)")
    parser.add_argument("--train-pairs", type=int_between(1, None), metavar="N",
                        help="train each epoch on N training pairs drawn afresh for it "
                             "(default: all of them)")


def _run(args: argparse.Namespace) -> TrainingRun:
    datasets = _datasets(args.data)
    return TrainingRun(
        lambda: NlRegexPipeline(datasets, args.data_dir, args.hidden, args.embed, args.beam,
                                args.epochs, args.val_pairs, args.augment, args.init,
                                args.risk, args.risk_ce, args.train_pairs),
        "regex-" + "-".join(datasets),
        "the NL-RX translator (LSTM encoder-decoder with attention) on " + args.data)


PIPELINES = [
    PipelineSpec(
        "regex",
        help="the translator from English descriptions to regexes (NL-RX, KB13)",
        description="Train the seq2seq translator of `nesy synth regex --nl` on NL-RX-Turk, "
                    "NL-RX-Synth or KB13 (`--model DIR` of that command takes this run's "
                    "directory).",
        add_arguments=_arguments,
        run=_run,
    ),
]
