"""Training checkpoints.

Every file a run writes goes through `nesy.files.atomic_write`: the bytes land in a temporary
file in the same directory, are flushed to disk, and replace the target with `os.replace`. An
interrupted run (Ctrl-C, a killed job, a full disk) therefore leaves either the previous
complete file or the new complete file, never a torn one, and `--resume` can trust what it
finds.

The state is serialised in memory first, so the only way writing can fail is the disk (an
`OSError`: full, read-only, gone), reported as a `NesyError` with the previous checkpoint left
in place. A checkpoint carries a SHA-256 `checksum` of its contents (every tensor's bytes and
every other value), checked on loading: torch does not verify its own archives, and a single
flipped byte in a weight would otherwise load silently and change the run.
"""
from __future__ import annotations

import hashlib
import io
import pickle
import zipfile
from pathlib import Path
from typing import Any

from nesy.errors import NesyError
from nesy.files import atomic_write

CHECKPOINT_NAME = "checkpoint.pt"
#: 2: with a `checksum` (format 1 had none).
FORMAT = 2
_REQUIRED = ("format", "config", "epoch", "model", "optimizer", "torch_rng", "history")
_HINT = "delete it to start over, or choose another output directory"


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    import torch

    missing = [key for key in _REQUIRED if key not in state]
    if missing:
        raise ValueError(f"checkpoint state lacks {missing}")
    buffer = io.BytesIO()
    torch.save({**state, "checksum": checksum(state)}, buffer)
    try:
        atomic_write(path, lambda file: file.write(buffer.getbuffer()))
    except OSError as e:
        raise NesyError(f"cannot write checkpoint {path}: {e.strerror or e}; the previous "
                        f"checkpoint, if any, is unchanged") from None


def load_checkpoint(path: Path) -> dict[str, Any]:
    """The state saved by `save_checkpoint`, or a NesyError saying why it cannot be used."""
    import torch

    try:
        # weights_only: a checkpoint is data; never execute pickled code from a file.
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise NesyError(f"nothing to resume: {path} does not exist") from None
    except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as e:
        raise NesyError(f"checkpoint {path} is unreadable or corrupted ({_first_line(e)}); {_HINT}") from None
    if not isinstance(state, dict) or any(key not in state for key in _REQUIRED):
        raise NesyError(f"{path} is not a nesy training checkpoint; {_HINT}")
    if state["format"] != FORMAT:
        raise NesyError(f"checkpoint {path} has format {state['format']!r}, expected {FORMAT}; {_HINT}")
    stored = state.pop("checksum", None)
    if stored != checksum(state):
        raise NesyError(f"checkpoint {path} is corrupted (its checksum does not match its "
                        f"contents); {_HINT}")
    problem = _shape_problem(state)
    if problem:
        raise NesyError(f"checkpoint {path} is malformed: {problem}; {_HINT}")
    return state


def checksum(state: dict[str, Any]) -> str:
    """SHA-256 of a state's contents, independent of how torch lays them out in the file."""
    digest = hashlib.sha256()
    _feed(digest, {key: value for key, value in state.items() if key != "checksum"})
    return digest.hexdigest()


def _feed(digest, value) -> None:
    import torch

    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        digest.update(f"T{tensor.dtype}{tuple(tensor.shape)}:".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(value, dict):
        digest.update(f"D{len(value)}:".encode())
        for key in sorted(value, key=repr):
            _feed(digest, key)
            _feed(digest, value[key])
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__[0]}{len(value)}:".encode())
        for item in value:
            _feed(digest, item)
    else:
        text = repr(value)
        digest.update(f"V{type(value).__name__}{len(text)}:{text}".encode())


def _shape_problem(state: dict[str, Any]) -> str | None:
    """What is wrong with the structure of a state whose checksum matched (a checkpoint
    written by another program, or edited and re-summed), or None."""
    history, epoch = state["history"], state["epoch"]
    if not isinstance(history, list) or not all(isinstance(r, dict) for r in history):
        return f"its history is a {type(history).__name__}, expected a list of epoch records"
    if not isinstance(state["config"], dict):
        return f"its config is a {type(state['config']).__name__}, expected a dict"
    if not isinstance(epoch, int) or epoch != len(history):
        return f"it records epoch {epoch!r} with {len(history)} epochs of history"
    if not all(isinstance(state[key], dict) for key in ("model", "optimizer")):
        return "its model or optimizer state is not a dict"
    return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
