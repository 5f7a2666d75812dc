"""What a training pipeline is, and how it is declared for `nesy train`.

A pipeline module in this package lists `PIPELINES`, one `PipelineSpec` per `nesy train NAME`
sub-command: its name, help, its own flags, and how to turn parsed arguments into a
`TrainingRun`. Every module of this package is imported to build the `nesy` command line, so
a pipeline module must import without torch (import it inside functions): `nesy --help` and
`nesy run` stay fast.
"""
from __future__ import annotations

import argparse
from abc import ABC, abstractmethod
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable


@dataclass
class BatchResult:
    loss: Any  # torch.Tensor: the mean loss over the batch, differentiable
    correct: int
    count: int


class Pipeline(ABC):
    """One trainable task. Built after `train` has seeded torch, so its initialisation is
    reproducible."""

    #: Shown in progress, summaries and plots, e.g. "digits/sum2".
    name: str
    #: The test metric the one-line summary leads with.
    headline: str = "test_accuracy"
    model: Any  # torch.nn.Module
    #: The kinds of torch device this pipeline trains on (`nesy train --device`). A pipeline
    #: that lists "cuda" moves what it makes itself in `evaluate` with `place`; the trainer
    #: moves the model and the training batches.
    devices: tuple[str, ...] = ("cpu",)
    #: Where the model lives while training; set by the trainer before the first step.
    device: Any = "cpu"

    @abstractmethod
    def config(self) -> dict[str, Any]:
        """Everything that must match for a checkpoint to be resumed by this pipeline."""

    @abstractmethod
    def train_batches(self, epoch: int, batch_size: int, seed: int) -> Iterable:
        """The batches of one epoch (give it a len() for a progress total). Must depend on
        (seed, epoch) only, not on global RNG state, for resume to be exact."""

    @abstractmethod
    def batch_result(self, batch) -> BatchResult:
        """Forward pass and loss of one training batch."""

    @abstractmethod
    def evaluate(self) -> dict[str, float]:
        """Test metrics; called under `torch.no_grad()` with the model in eval mode."""

    def training_context(self, batch_size: int):
        """Entered around an epoch's training steps (forward, backward and update), for
        settings that depend on the batch size, such as CPU kernel choices. In data-parallel
        training or with gradient accumulation, `batch_size` is that of a micro-batch."""
        return nullcontext()

    def place(self, value):
        """`value` with every tensor in it (nested in tuples, lists and dicts) moved to the
        training device; the trainer places each training batch with it, a pipeline its own
        evaluation tensors. Anything else is returned as it is."""
        import torch

        if isinstance(value, tuple):
            return tuple(self.place(item) for item in value)
        if isinstance(value, list):
            return [self.place(item) for item in value]
        if isinstance(value, dict):
            return {key: self.place(item) for key, item in value.items()}
        return value.to(self.device) if isinstance(value, torch.Tensor) else value

    def split_batch(self, batch, parts: int) -> list:
        """A batch of `train_batches` cut into `parts` consecutive batches (trailing ones may be
        empty), for data-parallel training and gradient accumulation. The default cuts a tuple
        or dict of fields field by field, and slices anything else (a tensor, an array, a list
        of samples); override it for batches of another shape."""
        from nesy.pipelines.distributed import split_batch

        return split_batch(batch, parts)


@dataclass(frozen=True)
class TrainingRun:
    """What `nesy train` trains: `build()` makes the pipeline (called once torch is seeded);
    `name` names the default output directory (runs/<name>); `title`, when given, says what is
    trained and `notes` what the user should know, on standard error before training starts."""

    build: Callable[[], Pipeline]
    name: str
    title: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PipelineSpec:
    """A `nesy train NAME` sub-command. `add_arguments(parser)` adds the pipeline's own flags
    (the run flags --epochs, --out, ... are common to all); `run(args)` reads the parsed
    arguments and returns the `TrainingRun`, raising `UsageError` for bad combinations.

    `commands` adds the pipeline's other sub-commands, by verb: `{"eval": add, "translate":
    add}` makes `nesy eval NAME` and `nesy translate NAME`, where `add(parser)` adds that
    command's flags and sets its `handler` (see `nesy.pipelines.cli.VERBS` for the verbs)."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], TrainingRun]
    add_arguments: Callable[[argparse.ArgumentParser], None] = field(default=lambda parser: None)
    description: str | None = None
    commands: dict[str, Callable[[argparse.ArgumentParser], None]] = field(default_factory=dict)


def trainable_provenance(provenance: str) -> str:
    """`provenance` if gradients flow through it (its class is `differentiable`), else a
    UsageError listing the provenances that can train."""
    from ..errors import UsageError
    from ..provenance import names

    trainable = names(differentiable=True)
    if provenance not in names():
        raise UsageError(f"unknown provenance '{provenance}'; training needs a differentiable "
                         f"one: {', '.join(trainable)}")
    if provenance not in trainable:
        raise UsageError(f"provenance '{provenance}' cannot train: its answers carry no "
                         f"gradients; choose a differentiable one: {', '.join(trainable)}")
    return provenance
