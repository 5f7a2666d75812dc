"""Digit arithmetic: a CNN reads each image, a nesy program does the arithmetic.

The CNN's softmax gives, per image, a distribution over the digits 0..9. Those distributions
are the probabilities of the input facts `digit(...)` of the task's program, evaluated by
`program.module` on a differentiable provenance; the program's output relation, read back as
a `[batch, n_classes]` tensor of probabilities, is trained with the negative log-likelihood of
the true label. Only the label (the sum) supervises the CNN, never the digits.

`digit-labels` is the same pipeline with the logic replaced by the identity on one image, i.e.
the CNN trained directly on digit labels: the baseline for measuring symbolic overhead.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

import nesy
from nesy.datasets.digits import DigitImages, DigitTask, digit_labels
from nesy.errors import NesyError
from nesy.neural.cnn import DigitCNN, convolution_kernels
from nesy.pipelines.trainer import BatchResult, Pipeline

PROGRAMS_DIR = Path(__file__).resolve().parents[2] / "programs"

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


def logic_spec(task: DigitTask) -> LogicSpec:
    if task.kind == "sum2":
        return LogicSpec("sum2.nesy", "digit", (range(2), range(10)), "sum",
                         tuple((s,) for s in range(task.n_classes)))
    if task.kind == "multi":
        n = task.size  # tensor [number, position, value]; total(i, v): value of the first i columns
        return LogicSpec("multi_addition.nesy", "digit", (range(2), range(n), range(10)), "total",
                         tuple((n, s) for s in range(task.n_classes)),
                         columns=(1, 0, 2))  # digit(position, number, value): see the program
    if task.kind == "sumk":
        k = task.size  # partial(i, s): sum of the first i digits
        return LogicSpec("sum_k.nesy", "digit", (range(k), range(10)), "partial",
                         tuple((k, s) for s in range(task.n_classes)))
    raise ValueError(f"no logic for task kind {task.kind!r}")


def logic_module(spec: LogicSpec, provenance: str, k: int | None = None) -> nn.Module:
    """The task's program as a torch module: input tensor -> [batch, n_classes] probabilities."""
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
    return module if spec.columns is None else _ColumnOrder(module, spec.columns)


class _ColumnOrder(nn.Module):
    """Feeds a [batch, *dims] tensor to a module that expects its dims in `columns` order."""

    def __init__(self, module: nn.Module, columns: tuple[int, ...]):
        super().__init__()
        self.module = module
        self.dims = (0, *(1 + c for c in columns))

    def forward(self, probs: torch.Tensor) -> torch.Tensor:
        return self.module(probs.permute(self.dims))


class DigitsModel(nn.Module):
    """images [b, arity, 1, 8, 8] -> (digit probabilities [b, arity, 10], class probabilities)."""

    def __init__(self, cnn: nn.Module, logic: nn.Module, input_shape: tuple[int, ...]):
        super().__init__()
        self.cnn = cnn
        self.logic = logic
        self.input_shape = input_shape  # the logic's input shape without the batch dimension

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch, arity = images.shape[:2]
        digits = self.cnn(images.flatten(0, 1)).softmax(-1).view(batch, arity, 10)
        return digits, self.logic(digits.reshape(batch, *self.input_shape))


class DigitsPipeline(Pipeline):
    """Trains a fresh `DigitCNN` through `logic` on samples of `task`."""

    def __init__(self, task: DigitTask, logic: nn.Module, config: dict[str, Any],
                 input_shape: tuple[int, ...], samples: int | None = None,
                 data: DigitImages | None = None):
        self.task = task
        self.name = f"digits/{task.name}" if task.kind != "digit" else "digit-labels"
        self.headline = "test_digit_accuracy" if task.kind == "digit" else "test_accuracy"
        self.data = data if data is not None else DigitImages()
        self.model = DigitsModel(DigitCNN(), logic, input_shape)
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
        return convolution_kernels(batch_size * self.task.arity)

    def evaluate(self) -> dict[str, float]:
        correct = sum(_correct(self.model(images)[1], labels)
                      for images, labels in self.data.batches(self._test, EVAL_BATCH_SIZE))
        return {"test_accuracy": correct / len(self._test), "test_digit_accuracy": self.digit_accuracy()}

    def digit_accuracy(self) -> float:
        """The CNN alone on every test image, against the true digits."""
        pool = torch.from_numpy(self.data.test_pool)
        predicted = self.model.cnn(self.data.images[pool]).argmax(-1)
        return (predicted == torch.from_numpy(self.data.digits[self.data.test_pool])).float().mean().item()


def epoch_batches(data: DigitImages, task: DigitTask, seed: int, epoch: int, samples: int | None,
                  batch_size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The jittered training batches of one epoch, a function of (seed, epoch) only; the
    DeepProbLog benchmark feeds the very same images to DeepProbLog."""
    chosen = data.train_samples(task, seed, epoch, samples)
    return list(data.batches(chosen, batch_size, jitter_seed=seed * 1_000_003 + epoch))


def nll(probs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean negative log-probability of the true class (clamped so a zero gives a finite loss)."""
    return -probs.gather(1, labels[:, None]).clamp_min(1e-12).log().mean()


def _correct(probs: torch.Tensor, labels: torch.Tensor) -> int:
    return int((probs.argmax(-1) == labels).sum())


def digits_pipeline(task: DigitTask, provenance: str | None = None, k: int | None = None,
                    samples: int | None = None, logic: nn.Module | None = None,
                    data: DigitImages | None = None) -> DigitsPipeline:
    """The digits pipeline for `task`, its logic evaluated by `program.module`.

    `logic` substitutes any module with the same tensor contract (tests use a pure-torch
    reference while comparing against the program)."""
    spec = logic_spec(task)
    provenance = provenance or DEFAULT_PROVENANCE
    if logic is None:
        logic = logic_module(spec, provenance, k)
    config = {"task": task.name, "provenance": provenance, "k": k}
    return DigitsPipeline(task, logic, config, tuple(map(len, spec.input_domain)), samples, data)


def digit_labels_pipeline(samples: int | None = None, data: DigitImages | None = None) -> DigitsPipeline:
    """The CNN trained on digit labels: one image per sample, identity logic, so the loss is
    the ordinary cross-entropy of the CNN."""
    return DigitsPipeline(digit_labels(), nn.Flatten(1), {}, (1, 10), samples, data)
