"""Reading and writing the files a user hands nesy or asks it to produce.

One reader and one writer serve every command: programs, task files, SyGuS files, metrics,
checkpoints and reports. The reader turns every way a path can be wrong (missing, a
directory, unreadable, binary, not UTF-8) into a `FileError` (a `NesyError`) whose text is
`path: reason`; the writer is atomic (temporary file in the same directory, flushed and
fsynced, then `os.replace`d over the target; the temporary file is removed on any failure),
so an interrupted run leaves either the old complete file or the new complete file, never a
torn one. The file gets the permissions a plain `open(path, "w")` would give it (0666 less
the umask), not the 0600 of a temporary file.
"""
from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Callable

from .errors import FileError


def read_text(path, expected: str = "a text file") -> str:
    """The UTF-8 text of `path`; `expected` names what the file should be, for messages
    such as "is a directory, expected a .nesy file". Failures raise `FileError`."""
    p = Path(path)
    if not p.exists():
        raise FileError(path, "no such file")
    if p.is_dir():
        raise FileError(path, f"is a directory, expected {expected}")
    try:
        data = p.read_bytes()
    except OSError as err:
        raise FileError(path, f"cannot read: {err.strerror or err}") from None
    if b"\0" in data:
        raise FileError(path, f"is a binary file, expected {expected}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FileError(path, f"is not UTF-8 text (byte {err.start})") from None


def atomic_write(path, write: Callable[[io.BufferedWriter], None]) -> None:
    """Call `write(file)` on a temporary file beside `path`, then rename it over `path`."""
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fchmod(file.fileno(), 0o666 & ~_umask())
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path, text: str) -> None:
    atomic_write(path, lambda file: file.write(text.encode("utf-8")))


def make_directory(path) -> Path:
    """Create the directory `path` (and its parents) for output, or a `FileError` naming it:
    a file in the way, a missing permission, a read-only disk. The one place output folders
    are made, so every command reports these the same way."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise FileError(path, "is a file, expected a directory") from None
    except OSError as err:
        raise FileError(path, f"cannot create the directory: {err.strerror or err}") from None
    return path


# -- model files: a small trained network's weights and config, shipped or exported ---------------
def write_model(path, config: dict, state: dict) -> None:
    """`state` (a torch state dict) and its model's `config`, atomically and small enough to
    ship: each weight matrix as 8-bit integers with one scale per row (a quarter of float32),
    vectors in half precision. `read_model` reads it back."""
    import torch

    packed = {name: _pack(tensor) for name, tensor in state.items()}
    atomic_write(path, lambda file: torch.save({"config": config, "state": packed}, file))


def read_model(path, what: str) -> dict:
    """The contents of a model file (`write_model`'s, or a training checkpoint), read as data
    only (never running pickled code from it); a NesyError naming `what` for a missing or
    unreadable file."""
    import torch

    from .errors import NesyError

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise NesyError(f"no {what} at {path}") from None
    except IsADirectoryError:
        raise NesyError(f"{path} is a directory, not a {what}") from None
    except Exception:  # torch raises many kinds (and advice that does not apply) for non-models
        raise NesyError(f"{path} is not a {what} (torch cannot read it as a model file of "
                        f"weights)") from None


def unpack_state(state: dict) -> dict:
    """A state dict as `write_model` stored it (or as a checkpoint or an older half-precision
    file holds it) in float32, ready for `load_state_dict`."""
    return {name: _unpack(entry) for name, entry in state.items()}


def _pack(tensor):
    import torch

    if not tensor.is_floating_point():
        return tensor
    if tensor.dim() < 2:
        return tensor.half()
    scale = tensor.abs().amax(dim=tuple(range(1, tensor.dim())), keepdim=True).clamp_min(1e-12) / 127
    return {"int8": (tensor / scale).round().to(torch.int8), "scale": scale.float()}


def _unpack(entry):
    if isinstance(entry, dict):
        return entry["int8"].float() * entry["scale"]
    return entry.float() if entry.is_floating_point() else entry
