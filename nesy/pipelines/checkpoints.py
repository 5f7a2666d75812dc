"""Training checkpoints.

Every file a run writes goes through `nesy.files.atomic_write`: the bytes land in a temporary
file in the same directory, are flushed to disk, and replace the target with `os.replace`. An
interrupted run (Ctrl-C, a killed job, a full disk) therefore leaves either the previous
complete file or the new complete file, never a torn one, and `--resume` can trust what it
finds.
"""
from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

from nesy.errors import NesyError
from nesy.files import atomic_write

CHECKPOINT_NAME = "checkpoint.pt"
FORMAT = 1
_REQUIRED = ("format", "config", "epoch", "model", "optimizer", "torch_rng", "history")


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    import torch

    missing = [key for key in _REQUIRED if key not in state]
    if missing:
        raise ValueError(f"checkpoint state lacks {missing}")
    try:
        atomic_write(path, lambda file: torch.save(state, file))
    except OSError as e:
        raise NesyError(f"cannot write checkpoint {path}: {e.strerror or e}") from e


def load_checkpoint(path: Path) -> dict[str, Any]:
    """The state saved by `save_checkpoint`, or a NesyError saying why it cannot be used."""
    import torch

    hint = "delete it to start over, or choose another output directory"
    try:
        # weights_only: a checkpoint is data; never execute pickled code from a file.
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise NesyError(f"nothing to resume: {path} does not exist") from None
    except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as e:
        raise NesyError(f"checkpoint {path} is unreadable or corrupted ({_first_line(e)}); {hint}") from None
    if not isinstance(state, dict) or any(key not in state for key in _REQUIRED):
        raise NesyError(f"{path} is not a nesy training checkpoint; {hint}")
    if state["format"] != FORMAT:
        raise NesyError(f"checkpoint {path} has format {state['format']}, expected {FORMAT}; {hint}")
    return state


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
