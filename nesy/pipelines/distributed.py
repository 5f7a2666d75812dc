"""Data-parallel training on `torch.distributed`: launching, sharding, reducing.

nesy has no cluster layer of its own. A run with several processes is a `torch.distributed`
process group, started either by `nesy train ... --nproc N` (N workers on this machine through
torchrun's elastic launcher, `torch.distributed.launcher`) or by `torchrun` itself (many
machines: each worker finds its rank in the environment torchrun sets). The trainer
(`nesy.pipelines.trainer`) wraps the model in `DistributedDataParallel`; this module holds
the pieces it needs:

- `shard`: the deterministic sampler. Every rank builds the same global batches (a function
  of (seed, epoch), as the `Pipeline` contract already demands) and trains on its own
  consecutive slice of each, cut into `accumulate` micro-batches: so the slice a rank sees is
  a function of (seed, epoch, rank), and the global batch, the gradient and the metrics do
  not depend on the number of processes.
- `Group`: the rank, the world size and the two collectives the trainer uses (a sum of a few
  numbers, a broadcast of rank 0's objects).
- `launch`: runs a function on N local workers and turns a worker that fails or dies into a
  `NesyError` naming the rank, instead of a hang or a wall of launcher logs.

torch is imported inside functions: `nesy --help` must not load it.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import tempfile
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from nesy.errors import NesyError, UsageError

#: The backend per training device; `NESY_DIST_BACKEND` overrides it (docs/distributed.md).
BACKENDS = {"cpu": "gloo", "cuda": "nccl"}
#: How long a collective waits for a rank that neither answers nor dies (a dead rank is caught
#: at once: by the launcher's monitor, or by gloo's closed connection).
TIMEOUT = timedelta(minutes=int(os.environ.get("NESY_DIST_TIMEOUT_MINUTES", "30")))
_TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
_LAUNCHER_LOGGERS = ("torch.distributed.elastic", "torch.multiprocessing", "torchelastic-events-null")


@dataclass(frozen=True)
class Group:
    """This process's place in the process group."""

    rank: int
    world: int

    @property
    def main(self) -> bool:
        """Rank 0: the one that writes files and logs."""
        return self.rank == 0

    def sum(self, values: list[float]) -> list[float]:
        """Each of `values` summed over the ranks (float64: counts stay exact)."""
        import torch
        import torch.distributed as dist

        tensor = torch.tensor(values, dtype=torch.float64)
        dist.all_reduce(tensor)
        return tensor.tolist()

    def barrier(self) -> None:
        import torch.distributed as dist

        dist.barrier()

    def broadcast(self, value: Any) -> Any:
        """Rank 0's `value` on every rank (it must pickle)."""
        import torch.distributed as dist

        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]


def under_torchrun() -> bool:
    """True in a worker started by torchrun (or any launcher setting its environment) with
    more than one process."""
    return all(name in os.environ for name in _TORCHRUN_VARIABLES) and int(os.environ["WORLD_SIZE"]) > 1


@contextmanager
def process_group(device: str = "cpu"):
    """Join the process group the environment describes (torchrun's variables) for the
    duration, with the backend for `device` ("cpu" or "cuda"); yields the `Group`."""
    import torch.distributed as dist

    backend = os.environ.get("NESY_DIST_BACKEND", BACKENDS[device])
    if backend not in dist.Backend.backend_list:
        raise UsageError(f"NESY_DIST_BACKEND={backend!r} is not a torch.distributed backend; "
                         f"choose one of {', '.join(dist.Backend.backend_list)}")
    dist.init_process_group(backend, timeout=TIMEOUT)
    try:
        yield Group(dist.get_rank(), dist.get_world_size())
    finally:
        dist.destroy_process_group()


# -- the sampler -------------------------------------------------------------------------------
def batch_length(batch) -> int:
    """The number of samples in a batch: the length of its first field."""
    while isinstance(batch, (tuple, dict)):
        batch = next(iter(batch.values())) if isinstance(batch, dict) else batch[0]
    return len(batch)


def split_batch(batch, parts: int) -> list:
    """`batch` cut into `parts` consecutive pieces, as even as possible (trailing ones empty
    when the batch has fewer samples). A tuple or dict is a record of fields, each cut the
    same way; anything else (a tensor, an array, a list of samples) is a sequence, sliced."""
    n = batch_length(batch)
    bounds = [n * i // parts for i in range(parts + 1)]
    return [_slice(batch, bounds[i], bounds[i + 1]) for i in range(parts)]


def _slice(batch, start: int, stop: int):
    if isinstance(batch, tuple):
        return tuple(_slice(field, start, stop) for field in batch)
    if isinstance(batch, dict):
        return {key: _slice(field, start, stop) for key, field in batch.items()}
    return batch[start:stop]


def shard(pipeline, batch, rank: int, world: int, accumulate: int) -> list[tuple[Any, float]]:
    """This rank's micro-batches of a global batch, each with its weight: its share of the
    global batch's samples, the factor that turns its mean loss into its part of the global
    mean loss. Rank r trains on pieces r*A .. r*A+A-1 of the batch cut into world*A pieces
    (A = accumulate); empty pieces are dropped. A rank left with no sample (a final batch
    smaller than the world) gets the batch's first sample with weight 0, so that it still
    takes part in the gradient's all-reduce."""
    total = batch_length(batch)
    pieces = pipeline.split_batch(batch, world * accumulate)[rank * accumulate:(rank + 1) * accumulate]
    mine = [(piece, batch_length(piece) / total) for piece in pieces if batch_length(piece)]
    return mine or [(_slice(batch, 0, 1), 0.0)]


# -- the launcher ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch(nproc: int, work: Callable[["Group"], Any], describe_state: Callable[[], str],
           device: str = "cpu") -> Any:
    """Run `work(group)` in `nproc` worker processes on this machine, through torchrun's
    elastic launcher (one node, rendezvous on 127.0.0.1, no restarts), in a process group for
    `device` ("cpu" or "cuda"), and return rank 0's result.

    Workers are forked, so `work` may be any closure (a pipeline's `build` lambda included).
    A worker that raises a `NesyError` ends the run with that message; one that dies (killed,
    out of memory, a crash in native code) makes the launcher stop the others at once, and the
    run ends with a `NesyError` naming the rank and how it died, followed by
    `describe_state()` (what the user can resume)."""
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    config = LaunchConfig(min_nodes=1, max_nodes=1, nproc_per_node=nproc, run_id=f"nesy-{os.getpid()}",
                          rdzv_backend="c10d", rdzv_endpoint=f"127.0.0.1:{free_port()}",
                          max_restarts=0, monitor_interval=0.1, start_method="fork")
    with tempfile.TemporaryDirectory(prefix="nesy-dist-") as reports, _quiet_launcher():
        try:
            return elastic_launch(config, _worker)(work, reports, device)[0]
        except ChildFailedError as failure:
            raise _failure(failure, Path(reports), nproc, describe_state) from None
        except SignalException as stop:  # the launcher stopped the workers, then tells us why
            if stop.sigval == signal.SIGINT:
                raise KeyboardInterrupt from None
            raise NesyError(f"training stopped by {signal.Signals(stop.sigval).name}. {describe_state()}") from None


def _worker(work: Callable[["Group"], Any], reports: str, device: str) -> Any:
    """A forked worker: join the group, work, and leave a report of a failure for `launch`."""
    # The launcher's own SIGTERM handler came with the fork; a worker it stops just ends.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with process_group(device) as group:
            return work(group)
    except NesyError as e:
        _report(reports, "error", str(e))
        raise SystemExit(1) from None
    except BaseException as e:
        _report(reports, "lost" if _lost_peer(e) else "crash", traceback.format_exc())
        raise


def _lost_peer(error: BaseException) -> bool:
    """Whether a worker failed because another one went away (gloo's closed connection, in a
    collective or in DDP's gradient all-reduce): a consequence of a failure, not its cause."""
    import torch.distributed as dist

    text = str(error)
    return isinstance(error, dist.DistError) or (isinstance(error, RuntimeError) and any(
        sign in text for sign in ("Connection reset by peer", "Connection closed by peer", "Broken pipe")))


def _report(reports: str, kind: str, text: str) -> None:
    Path(reports, f"{os.environ.get('RANK', '0')}.{kind}").write_text(text)


def _failure(failure, reports: Path, nproc: int, describe_state: Callable[[], str]) -> Exception:
    """The error a failed launch ends with: a rank's own NesyError if one raised one (they are
    raised on every rank at the same step); else, if a rank died without a report (killed, out
    of memory, a crash in native code), which rank and how (the others then lose their
    connection to it: consequences, not causes); else a crashed rank's traceback."""
    found = {kind: sorted(reports.glob(f"*.{kind}"), key=lambda path: int(path.stem))
             for kind in ("error", "crash", "lost")}
    if found["error"]:
        return NesyError(found["error"][0].read_text())
    if found["crash"] and not found["lost"]:
        crash = found["crash"][0]
        return RuntimeError(f"training worker rank {crash.stem} of {nproc} failed:\n{crash.read_text()}")
    reported = {int(path.stem) for paths in found.values() for path in paths}
    # The launcher records the first failure it sees, which may be a consequence (a rank that
    # lost its connection to the dead one) rather than the dead rank itself.
    recorded = {rank: died.exitcode for rank, died in failure.failures.items() if rank not in reported}
    silent = sorted(recorded) or sorted(set(range(nproc)) - reported)
    if len(silent) == 1:
        how = _how(recorded[silent[0]]) if silent[0] in recorded else "it left no error: killed, " \
            "out of memory, or a crash in native code"
        who = f"rank {silent[0]} of {nproc} died ({how})"
    else:
        who = f"one of the ranks {', '.join(map(str, silent))} of {nproc} died (it left no error: " \
              f"killed, out of memory, or a crash in native code)"
    return NesyError(f"training worker {who}; the other workers were stopped. {describe_state()}")


def _how(exitcode: int) -> str:
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


@contextmanager
def _quiet_launcher():
    """The launcher logs every start and, on a failure, tracebacks of its own monitor; the
    user gets one clear message from `launch` instead."""
    # each of the launcher's modules sets its own logger's level: quiet them one by one
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
               if name.startswith(_LAUNCHER_LOGGERS)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
