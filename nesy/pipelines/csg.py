"""`nesy train csg`: the proposal model of CSG synthesis (`nesy.synth.csg.model`), trained on
random programs from nesy's generator (`nesy.synth.csg.generate`), lengths 3..13.

An epoch is `--steps` batches of freshly generated programs, a pure function of (seed, epoch),
so `--resume` is exact. Test metrics on a fixed validation set (20 programs per length by default, a seed
the benchmark does not use): teacher-forced token and whole-program accuracy, and the mean IoU
of greedily decoded programs. torch is imported inside functions only.
"""
from __future__ import annotations

import argparse

from nesy.argtypes import int_between
from nesy.pipelines.base import BatchResult, Pipeline, PipelineSpec, TrainingRun

VALIDATION_SEED = 999
VALIDATION_PER_LENGTH = 20


class _Batches:
    def __init__(self, steps: int, batch_size: int, seed: int, epoch: int, lengths):
        self.steps, self.batch_size, self.seed, self.epoch, self.lengths = (
            steps, batch_size, seed, epoch, lengths)

    def __len__(self) -> int:
        return self.steps

    def __iter__(self):
        import numpy as np

        from nesy.synth.csg.generate import random_program
        from nesy.synth.csg.language import picture

        for step in range(self.steps):
            rng = np.random.default_rng([self.seed, self.epoch, step])
            programs = [random_program(rng, int(rng.choice(self.lengths)))
                        for _ in range(self.batch_size)]
            yield programs, [picture(p) for p in programs]


class CsgProposal(Pipeline):
    name = "csg/proposal"
    headline = "test_iou"

    def __init__(self, steps: int, hidden: int, lengths, validation: int = VALIDATION_PER_LENGTH):
        import numpy as np

        from nesy.synth.csg.generate import test_set
        from nesy.synth.csg.language import picture
        from nesy.synth.csg.model import Proposal

        self.steps, self.lengths = steps, tuple(lengths)
        self.model = Proposal(hidden=hidden)
        self.validation = [p for length in self.lengths
                           for p in test_set(length, validation, VALIDATION_SEED)]
        self.pictures = np.stack([picture(p) for p in self.validation])

    def config(self) -> dict:
        return {**self.model.config(), "steps": self.steps, "lengths": list(self.lengths)}

    def train_batches(self, epoch: int, batch_size: int, seed: int):
        return _Batches(self.steps, batch_size, seed, epoch, self.lengths)

    def batch_result(self, batch) -> BatchResult:
        import torch

        from nesy.synth.csg.model import TOKENS, batch_tensors

        programs, pictures = batch
        images, inputs, targets = batch_tensors(programs, pictures)
        logits = self.model(images, inputs)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, TOKENS), targets.reshape(-1),
                                                 ignore_index=-100)
        right = ((logits.argmax(-1) == targets) | (targets == -100)).all(dim=1)
        return BatchResult(loss, int(right.sum()), len(programs))

    def evaluate(self) -> dict:
        import numpy as np

        from nesy.synth.csg.language import render
        from nesy.synth.csg.metrics import iou
        from nesy.synth.csg.model import batch_tensors, beam_search
        from nesy.synth.csg.raster import pack

        images, inputs, targets = batch_tensors(self.validation, self.pictures)
        predicted = self.model(images, inputs).argmax(-1)
        real = targets != -100
        ious = []
        for program_picture in self.pictures:
            decoded, _ = beam_search(self.model, program_picture, beam=1)
            ious.append(iou(render(decoded[0][0]), pack(program_picture)) if decoded else 0.0)
        return {"test_accuracy": float(((predicted == targets) | ~real).all(dim=1).float().mean()),
                "test_token_accuracy": float((predicted == targets)[real].float().mean()),
                "test_iou": float(np.mean(ious))}


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", type=int_between(1, None), default=200, metavar="N",
                        help="batches of fresh programs per epoch (default 200)")
    parser.add_argument("--hidden", type=int_between(8, None), default=256, metavar="H",
                        help="width of the encoder output and the GRU (default 256)")
    parser.add_argument("--validation", type=int_between(1, None), default=VALIDATION_PER_LENGTH,
                        metavar="N", help=f"validation programs per length (default "
                                          f"{VALIDATION_PER_LENGTH})")
    parser.add_argument("--lengths", default="3,5,7,9,11,13", metavar="L,L,...",
                        help="program lengths trained on (default 3,5,7,9,11,13)")


def _run(args: argparse.Namespace) -> TrainingRun:
    from nesy.datasets.csg import parse_lengths

    lengths = parse_lengths(args.lengths)
    return TrainingRun(lambda: CsgProposal(args.steps, args.hidden, lengths, args.validation), "csg",
                       "the CSG proposal model (CNN encoder, GRU decoder)")


PIPELINES = [
    PipelineSpec(
        "csg",
        help="the proposal model of CSG synthesis, on random programs from nesy's generator",
        description="Train the CNN+GRU model that proposes CSG programs for a picture "
                    "(`nesy synth csg --model CKPT` uses a checkpoint of this run).",
        add_arguments=_arguments,
        run=_run,
    ),
]
