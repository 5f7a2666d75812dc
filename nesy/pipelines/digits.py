"""Digit arithmetic: a CNN reads each image, a nesy program does the arithmetic.

The CNN's softmax gives, per image, a distribution over the digits 0..9. Those distributions
are the probabilities of the input facts `digit(...)` of the task's program (shipped in
`programs/` beside this module), evaluated by `program.module` on a differentiable
provenance; the program's output relation, read back as a `[batch, n_classes]` tensor of
probabilities, is trained with the negative log-likelihood of the true label. Only the label
(the sum) supervises the CNN, never the digits.

`digit-labels` is the same pipeline with the logic replaced by the identity on one image, i.e.
the CNN trained directly on digit labels: the baseline for measuring symbolic overhead.

The tasks are entries of `TASKS` (what a sample is, its program, and its size option), and
the two `nesy train` sub-commands are the entries of `PIPELINES`. torch is imported inside
functions only (see `nesy.pipelines.base`).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from nesy.argtypes import int_between
from nesy.datasets.digits import DigitImages, DigitTask, digit_labels, multi_addition, sum2, sum_k
from nesy.datasets.limits import MAX_NUMBER_DIGITS, MAX_SUM_TERMS
from nesy.errors import NesyError, UsageError
from nesy.pipelines.base import BatchResult, Pipeline, PipelineSpec, TrainingRun, trainable_provenance

PROGRAMS_DIR = Path(__file__).with_name("programs")

#: Every task's program derives each output tuple once per assignment of (mutually exclusive)
#: digit values, through polynomially many intermediate tuples; `diffexact` computes the exact
#: probabilities (checked against enumeration for sum2, sumK up to 15 and multi up to N = 4).
DEFAULT_PROVENANCE = "diffexact"
EVAL_BATCH_SIZE = 256


@dataclass(frozen=True)
class LogicSpec:
    """How a task's tensors map to its program's relations.

    The input tensor has shape [batch, *map(len, input_domain)]: entry [b, i, .., v] is the
    probability of input fact `input_relation(i, .., v)` in sample b, and the facts that differ
    only in the last column (the digit value) are mutually exclusive. Output column j is the
    probability of `output_relation(*output_tuples[j])`, so column j is class j.

    `columns`, when given, lists the tensor dimensions in the order of the relation's columns
    (the input fact is then `input_relation(*(index[c] for c in columns))`): a program may
    declare its columns in another order than the tensor, because the order of the input
    facts is the order of the BDD variables, which sets the size of the compiled formulas."""

    program: str
    input_relation: str
    input_domain: tuple[range, ...]
    output_relation: str
    output_tuples: tuple[tuple[int, ...], ...]
    columns: tuple[int, ...] | None = None


@dataclass(frozen=True)
class TaskEntry:
    """A digits task: how to make it (from its size, if it has one) and its logic.

    `size` names the task's size argument (`n_digits`, `k`), with its default and maximum."""

    name: str
    help: str
    make: Callable[..., DigitTask]
    logic: Callable[[DigitTask], LogicSpec]
    size: str | None = None
    default_size: int | None = None
    max_size: int | None = None


def _sum2_logic(task: DigitTask) -> LogicSpec:
    return LogicSpec("sum2.nesy", "digit", (range(2), range(10)), "sum",
                     tuple((s,) for s in range(task.n_classes)))


def _multi_logic(task: DigitTask) -> LogicSpec:
    n = task.size  # tensor [number, position, value]; total(i, v): value of the first i columns
    return LogicSpec("multi_addition.nesy", "digit", (range(2), range(n), range(10)), "total",
                     tuple((n, s) for s in range(task.n_classes)),
                     columns=(1, 0, 2))  # digit(position, number, value): see the program


def _sum_k_logic(task: DigitTask) -> LogicSpec:
    k = task.size  # partial(i, s): sum of the first i digits
    return LogicSpec("sum_k.nesy", "digit", (range(k), range(10)), "partial",
                     tuple((k, s) for s in range(task.n_classes)))


TASKS = {entry.name: entry for entry in [
    TaskEntry("sum2", "a + b of two images", sum2, _sum2_logic),
    TaskEntry("multi", "two N-digit numbers added", multi_addition, _multi_logic,
              size="n_digits", default_size=2, max_size=MAX_NUMBER_DIGITS),
    TaskEntry("sumk", "the sum of K digits", sum_k, _sum_k_logic,
              size="k", default_size=MAX_SUM_TERMS, max_size=MAX_SUM_TERMS),
]}


def make_task(name: str, size: int | None = None) -> DigitTask:
    """The task `name` of `TASKS`, of the given size (its default when None)."""
    entry = TASKS.get(name)
    if entry is None:
        raise UsageError(f"unknown digits task '{name}'; choose one of: {', '.join(TASKS)}")
    if entry.size is None:
        if size is not None:
            raise UsageError(f"the digits task '{name}' has no size")
        return entry.make()
    return entry.make(entry.default_size if size is None else size)


def logic_spec(task: DigitTask) -> LogicSpec:
    return TASKS[task.kind].logic(task)


def logic_module(spec: LogicSpec, provenance: str, k: int | None = None):
    """The task's program as a torch module: input tensor -> [batch, n_classes] probabilities."""
    import nesy
    from nesy.neural.perception import Permuted

    path = PROGRAMS_DIR / spec.program
    if not path.is_file():
        raise NesyError(f"the digits pipeline needs {path}, which is missing from this installation")
    program = nesy.load(path)
    columns = spec.columns or tuple(range(len(spec.input_domain)))
    module = program.module(
        provenance=provenance,
        k=k,
        # the values of one image (the last dimension) are mutually exclusive
        inputs={spec.input_relation: nesy.Mapping(*(spec.input_domain[c] for c in columns), exclusive=-1)},
        outputs={spec.output_relation: list(spec.output_tuples)},
    )
    return module if spec.columns is None else Permuted(module, spec.columns)


class DigitsPipeline(Pipeline):
    """Trains a fresh `DigitCNN` through `logic` on samples of `task`."""

    devices = ("cpu", "cuda")

    def __init__(self, task: DigitTask, logic, config: dict[str, Any],
                 input_shape: tuple[int, ...], samples: int | None = None,
                 data: DigitImages | None = None):
        from nesy.datasets import load
        from nesy.neural.cnn import DigitCNN
        from nesy.neural.perception import Perception

        self.task = task
        self.name = f"digits/{task.name}" if task.kind != "digit" else "digit-labels"
        self.headline = "test_digit_accuracy" if task.kind == "digit" else "test_accuracy"
        self.data = data if data is not None else load("digits")
        self.model = Perception(DigitCNN(), logic, input_shape)
        self.samples = samples or self.data.default_epoch_samples(task)
        self._config = {"pipeline": self.name, "samples": self.samples, **config}
        self._test = self.data.test_samples(task)

    def config(self) -> dict[str, Any]:
        return self._config

    def train_batches(self, epoch: int, batch_size: int, seed: int) -> list:
        return epoch_batches(self.data, self.task, seed, epoch, self.samples, batch_size)

    def batch_result(self, batch) -> BatchResult:
        images, labels = batch
        _, probs = self.model(images)
        return BatchResult(nll(probs, labels), _correct(probs, labels), len(labels))

    def training_context(self, batch_size: int):
        from nesy.neural.cnn import convolution_kernels

        return convolution_kernels(batch_size * self.task.arity)

    def evaluate(self) -> dict[str, float]:
        correct = sum(_correct(self.model(self.place(images))[1], self.place(labels))
                      for images, labels in self.data.batches(self._test, EVAL_BATCH_SIZE))
        return {"test_accuracy": correct / len(self._test), "test_digit_accuracy": self.digit_accuracy()}

    def digit_accuracy(self) -> float:
        """The CNN alone on every test image, against the true digits."""
        import torch

        pool = torch.from_numpy(self.data.test_pool)
        predicted = self.model.net(self.place(self.data.images[pool])).argmax(-1).cpu()
        return (predicted == torch.from_numpy(self.data.digits[self.data.test_pool])).float().mean().item()


def epoch_batches(data: DigitImages, task: DigitTask, seed: int, epoch: int, samples: int | None,
                  batch_size: int) -> list:
    """The jittered training batches (images, labels) of one epoch, a function of (seed,
    epoch) only; the DeepProbLog benchmark feeds the very same images to DeepProbLog."""
    chosen = data.train_samples(task, seed, epoch, samples)
    return list(data.batches(chosen, batch_size, jitter_seed=seed * 1_000_003 + epoch))


def nll(probs, labels):
    """Mean negative log-probability of the true class (clamped so a zero gives a finite loss)."""
    return -probs.gather(1, labels[:, None]).clamp_min(1e-12).log().mean()


def _correct(probs, labels) -> int:
    return int((probs.argmax(-1) == labels).sum())


def digits_pipeline(task: DigitTask, provenance: str | None = None, k: int | None = None,
                    samples: int | None = None, logic=None,
                    data: DigitImages | None = None) -> DigitsPipeline:
    """The digits pipeline for `task`, its logic evaluated by `program.module` under a
    differentiable `provenance` (default diffexact).

    `logic` substitutes any module with the same tensor contract (tests use a pure-torch
    reference while comparing against the program)."""
    spec = logic_spec(task)
    provenance = trainable_provenance(provenance or DEFAULT_PROVENANCE)
    if logic is None:
        logic = logic_module(spec, provenance, k)
    config = {"task": task.name, "provenance": provenance, "k": k}
    return DigitsPipeline(task, logic, config, tuple(map(len, spec.input_domain)), samples, data)


def digit_labels_pipeline(samples: int | None = None, data: DigitImages | None = None) -> DigitsPipeline:
    """The CNN trained on digit labels: one image per sample, identity logic, so the loss is
    the ordinary cross-entropy of the CNN."""
    from torch import nn

    return DigitsPipeline(digit_labels(), nn.Flatten(1), {}, (1, 10), samples, data)


# -- `nesy train digits` and `nesy train digit-labels` ------------------------------------------
_SIZE_FLAGS = {"n_digits": ("--digits", "N", "digits per number"), "k": ("--k", "K", "number of digits summed")}


def _digits_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", choices=tuple(TASKS), default="sum2",
                        help="; ".join(f"{e.name}: {e.help}" for e in TASKS.values()) + " (default sum2)")
    for entry in TASKS.values():
        if entry.size is not None:
            flag, metavar, what = _SIZE_FLAGS[entry.size]
            parser.add_argument(flag, dest=entry.size, type=int_between(1, entry.max_size), metavar=metavar,
                                help=f"{what} for --task {entry.name} (1..{entry.max_size}, default {entry.default_size})")
    parser.add_argument("--provenance", metavar="NAME", default=DEFAULT_PROVENANCE,
                        help=f"differentiable provenance of the logic (default {DEFAULT_PROVENANCE})")
    parser.add_argument("--top-k", type=int_between(1, None), metavar="K",
                        help="k of a top-k provenance (difftopkproofs)")


def _digits_run(args: argparse.Namespace) -> TrainingRun:
    from nesy.provenance import make as make_provenance
    from nesy.provenance import names as provenance_names

    for entry in TASKS.values():
        if entry.size is not None and getattr(args, entry.size) is not None and args.task != entry.name:
            raise UsageError(f"{_SIZE_FLAGS[entry.size][0]} applies only to --task {entry.name}")
    entry = TASKS[args.task]
    task = make_task(args.task, None if entry.size is None else getattr(args, entry.size))
    provenance = trainable_provenance(args.provenance)
    chosen = make_provenance(provenance, k=args.top_k)
    if args.top_k is not None and not chosen.uses_k:
        raise UsageError(f"--top-k applies only to a top-k provenance (one of "
                         f"{', '.join(provenance_names(uses_k=True, differentiable=True))}), "
                         f"not {provenance}")
    approximation = chosen.approximation
    return TrainingRun(lambda: digits_pipeline(task, provenance, args.top_k, args.samples),
                       f"digits-{task.name}", f"digits/{task.name} with provenance {provenance}",
                       (f"note: {approximation}",) if approximation else ())


def _digit_labels_run(args: argparse.Namespace) -> TrainingRun:
    return TrainingRun(lambda: digit_labels_pipeline(args.samples), "digit-labels")


PIPELINES = [
    PipelineSpec(
        "digits",
        help="digit arithmetic on scikit-learn's 8x8 digits, supervised by the result only",
        description="A CNN reads the digit images; a nesy program computes the result; only the "
        "result is supervised. Tasks: " + "; ".join(f"{e.name} ({e.help})" for e in TASKS.values()) + ".",
        add_arguments=_digits_arguments,
        run=_digits_run,
    ),
    PipelineSpec(
        "digit-labels",
        help="the same CNN trained directly on digit labels (the baseline for symbolic overhead)",
        run=_digit_labels_run,
    ),
]
