"""Where training runs: `nesy train --device cpu|cuda`.

The neural modules and the training batches live on the chosen device; the symbolic executor
always runs on the CPU (the program module moves its inputs there and its outputs back, and
autograd carries the gradients across). In a data-parallel run each process takes the GPU of
its local rank (`LOCAL_RANK`, set by torchrun and by `--nproc`), and the process group uses
NCCL instead of gloo (docs/distributed.md).

Whether a GPU exists is asked through NVML, which does not initialise CUDA: `--nproc` forks
its workers after this check, and a process that has initialised CUDA cannot fork workers
that use it.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

from nesy.errors import UsageError

#: What `--device` accepts.
CHOICES = ("cpu", "cuda")


def check_choice(choice: str) -> None:
    """A UsageError for a device this machine does not have (asked before any process starts,
    so that `--nproc` fails once, not once per worker)."""
    if choice not in CHOICES:
        raise UsageError(f"device must be one of {', '.join(CHOICES)}, got {choice!r}")
    if choice == "cuda" and not gpu_available():
        raise UsageError("--device cuda, but torch sees no GPU here (torch.cuda.is_available() "
                         "is False: no GPU, no driver, or a CPU-only torch build); use --device cpu")


def check_supported(choice: str, pipeline) -> None:
    """A UsageError when the pipeline cannot train on `choice` (its `devices`)."""
    if choice not in pipeline.devices:
        raise UsageError(f"the {pipeline.name} pipeline trains on {' or '.join(pipeline.devices)} "
                         f"only, not {choice}; drop --device {choice}")


def gpu_available() -> bool:
    import torch

    with _nvml_check():
        return torch.cuda.is_available()


def training_device(choice: str):
    """The torch device of this process: the CPU, or the GPU of its local rank (made the
    current one, so that NCCL and new tensors use it)."""
    import torch

    if choice == "cpu":
        return torch.device("cpu")
    index = local_rank()
    if index >= torch.cuda.device_count():
        raise UsageError(f"local rank {index} has no GPU: this machine shows "
                         f"{torch.cuda.device_count()}; start at most that many processes per machine")
    torch.cuda.set_device(index)
    return torch.device("cuda", index)


def local_rank() -> int:
    """This process's rank on its machine (0 when it trains alone)."""
    return int(os.environ.get("LOCAL_RANK", "0"))


@contextmanager
def _nvml_check():
    """torch's documented switch for a fork-safe availability check (NVML, not the CUDA
    runtime), for the duration."""
    name = "PYTORCH_NVML_BASED_CUDA_CHECK"
    before = os.environ.get(name)
    os.environ[name] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before
