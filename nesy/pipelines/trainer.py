"""The training loop every pipeline uses.

A pipeline says *what* to train (`Pipeline`: a model, the batches of an epoch, a batch's loss,
the test metrics); `train` does the rest the same way for all of them: thread settings,
seeding, Adam, a tqdm progress bar, `metrics.jsonl`, an atomic checksummed checkpoint after
every epoch, exact `--resume`, a lock on the run directory, a stop on a non-finite loss, a PNG
plot, and a one-line summary.

Resuming is exact because everything an epoch depends on is either in the checkpoint (model,
optimizer, torch's RNG, the history) or a pure function of (seed, epoch) (the pipeline's
samples): a run resumed after epoch e computes the same epochs e+1.. as an uninterrupted run.

Data-parallel training (`RunOptions.nproc`, or a worker started by torchrun) is the same loop
on every rank: each trains on its shard of every global batch (`distributed.shard`) through
`DistributedDataParallel`, whose all-reduce makes every rank's gradient that of the whole
batch; the training metrics are summed over the ranks; rank 0 alone evaluates, logs, and
writes the files. The global batch is `batch_size` whatever the number of processes, so N
processes compute what one does, up to the order of floating-point sums (docs/distributed.md).
"""
from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from tqdm import tqdm

from nesy.argtypes import MAX_SEED, max_threads
from nesy.errors import NesyError, UsageError
from nesy.pipelines import devices, distributed
from nesy.pipelines.base import BatchResult, Pipeline
from nesy.pipelines.checkpoints import CHECKPOINT_NAME, FORMAT, load_checkpoint, save_checkpoint
from nesy.pipelines.metrics import METRICS_NAME, PLOT_NAME, format_epoch, plot_metrics, write_metrics

# torch is imported by the functions that train: importing this module stays cheap, so the
# `nesy` command line can list the pipelines without loading torch.
__all__ = ["BatchResult", "Pipeline", "RunOptions", "RunResult", "summarize", "train"]

LOCK_NAME = ".lock"


@dataclass
class RunOptions:
    out: Path
    epochs: int = 5
    batch_size: int = 16
    lr: float = 1e-3
    seed: int = 0
    resume: bool = False
    overwrite: bool = False
    plot: bool = True
    #: torch CPU threads while training (restored afterwards). The models trained here are
    #: small: one thread is as fast as several on a quiet machine and far faster on a busy one
    #: (torch's default, one per core, contends: 6-11x slower measured on a shared 2-core
    #: machine, benchmarks/training_threads.py). None leaves torch's setting alone.
    threads: int | None = 1
    #: None: a progress bar only on a terminal (tqdm's rule); True/False force it.
    progress: bool | None = None
    #: Where per-epoch lines go; None for silence.
    log: Callable[[str], None] | None = field(default=lambda line: tqdm.write(line, file=sys.stderr))
    #: Worker processes on this machine (data-parallel; 1: train in this process). Under
    #: torchrun the processes are torchrun's and this stays 1.
    nproc: int = 1
    #: Micro-batches each process splits its share of a batch into, their gradients
    #: accumulated before the step: less memory, the same global batch (`batch_size`).
    accumulate: int = 1
    #: "cpu" or "cuda": where the model and batches live (in a data-parallel run, the GPU of
    #: each process's local rank); the symbolic executor runs on the CPU either way.
    device: str = "cpu"

    def hyperparameters(self) -> dict[str, Any]:
        return {"batch_size": self.batch_size, "lr": self.lr, "seed": self.seed}


@dataclass
class RunResult:
    history: list[dict]
    summary: str
    out: Path


def train(build: Callable[[], Pipeline], options: RunOptions) -> RunResult:
    """Train the pipeline `build()` returns, as `options` say; see the module docstring.

    Under torchrun, every worker calls this and gets its rank's result: rank 0's RunResult,
    None on the others."""
    _check_options(options)
    if distributed.under_torchrun():
        if options.nproc > 1:
            raise UsageError("nproc applies to one machine only; under torchrun, its "
                             "--nproc-per-node sets the processes")
        return _train_under_torchrun(build, options)
    with _locked(_make_out(options.out)) as out:
        _prepare_out(out, options)
        if options.nproc > 1:
            return distributed.launch(options.nproc, lambda group: _train_in_group(build, options, out, group),
                                      lambda: _resumable(out), options.device)
        with _threads(options.threads):
            return _train(build, options, out)


def _train_under_torchrun(build: Callable[[], Pipeline], options: RunOptions) -> RunResult | None:
    """A worker of a torchrun job: rank 0 locks and checks the run directory (on its machine)
    and tells the others whether to go on, so that a refusal ends every rank with the same
    message."""
    with distributed.process_group(options.device) as group, ExitStack() as stack:
        problem = None
        if group.main:
            try:
                out = stack.enter_context(_locked(_make_out(options.out)))
                _prepare_out(out, options)
            except NesyError as e:
                problem = str(e)
        problem = group.broadcast(problem)
        if problem:
            raise NesyError(problem)
        return _train_in_group(build, options, Path(options.out), group)


def _train_in_group(build, options: RunOptions, out: Path, group) -> RunResult | None:
    with _threads(options.threads):
        return _train(build, options, out, group)


def _resumable(out: Path) -> str:
    """What a run stopped by a failure leaves, for its error message."""
    try:
        epoch = load_checkpoint(out / CHECKPOINT_NAME)["epoch"]
    except NesyError:
        return f"{out} holds no finished epoch to resume; start over with --overwrite"
    return f"{out} keeps the last finished epoch ({epoch}); rerun with --resume to continue"


def _train(build: Callable[[], Pipeline], options: RunOptions, out: Path, group=None) -> RunResult | None:
    """The training loop; `group` is the process group of a data-parallel run (None: alone).
    Only rank 0 (or the lone process) writes files and logs; it alone returns a RunResult."""
    import torch

    main = group is None or group.main
    torch.manual_seed(options.seed)
    pipeline = build()
    devices.check_supported(options.device, pipeline)
    pipeline.device = devices.training_device(options.device)
    pipeline.model.to(pipeline.device)
    # fused: one kernel per step instead of several per parameter (a third of a small CNN's step)
    optimizer = torch.optim.Adam(pipeline.model.parameters(), lr=options.lr, fused=True)
    config = {**pipeline.config(), **options.hyperparameters()}
    history: list[dict] = []
    if options.resume:
        history = _restore(out / CHECKPOINT_NAME, config, pipeline, optimizer, group)
        if main:
            _write(write_metrics, out / METRICS_NAME, history)  # repairs a crash between the two writes
        if len(history) >= options.epochs and options.log and main:
            options.log(f"{out} is already trained to epoch {len(history)}, nothing to do; to "
                        f"train further, resume with a larger --epochs (the total), e.g. "
                        f"--resume --epochs {len(history) + 10}")
    parallel = _parallel(pipeline.model, group, pipeline.device)
    for epoch in range(len(history) + 1, options.epochs + 1):
        history.append(_run_epoch(pipeline, parallel, optimizer, epoch, options, out, group))
        if not main:
            group.barrier()  # no rank starts the next epoch before rank 0 has saved this one
            continue
        save_checkpoint(
            out / CHECKPOINT_NAME,
            {
                "format": FORMAT,
                "config": config,
                "epoch": epoch,
                "model": pipeline.model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "torch_rng": torch.get_rng_state(),
                **({"cuda_rng": torch.cuda.get_rng_state()} if pipeline.device.type == "cuda" else {}),
                "history": history,
            },
        )
        _write(write_metrics, out / METRICS_NAME, history)
        if options.log:
            options.log(format_epoch(history[-1], options.epochs))
        if group is not None:
            group.barrier()
    if not main:
        return None
    if options.plot and history:
        _write(plot_metrics, history, out / PLOT_NAME, pipeline.name)
    return RunResult(history, summarize(pipeline, history, out), out)


def _parallel(model, group, device):
    """The module the training steps run: `model` itself alone, else `model` in
    DistributedDataParallel (which starts by giving every rank rank 0's parameters), bound to
    this process's GPU when it has one."""
    if group is None:
        return model
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(model, device_ids=None if device.type == "cpu" else [device.index])


def _check_options(options: RunOptions) -> None:
    for name in ("epochs", "batch_size", "nproc", "accumulate"):
        if getattr(options, name) < 1:
            raise UsageError(f"{name} must be at least 1")
    if not (options.lr > 0 and math.isfinite(options.lr)):
        raise UsageError(f"lr must be a positive finite number, got {options.lr}")
    if not 0 <= options.seed <= MAX_SEED:
        raise UsageError(f"seed must be between 0 and {MAX_SEED}, got {options.seed}")
    if options.threads is not None and not 1 <= options.threads <= max_threads():
        raise UsageError(f"threads must be between 1 and {max_threads()} (this machine's CPUs), "
                         f"got {options.threads}")
    if options.resume and options.overwrite:
        raise UsageError("resume and overwrite contradict each other: pick one")
    devices.check_choice(options.device)


def _make_out(out) -> Path:
    """Create the output directory and make sure a run may write there, before training."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NesyError(f"the output directory {out} is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=out).close()
    except OSError as e:
        raise NesyError(f"cannot write to the output directory {out}: {e.strerror or e}") from None
    return out


def _prepare_out(out: Path, options: RunOptions) -> None:
    """Check that the run directory holds what `options` expect (run under its lock)."""
    checkpoint = out / CHECKPOINT_NAME
    if options.overwrite:
        for name in (CHECKPOINT_NAME, METRICS_NAME, PLOT_NAME):
            (out / name).unlink(missing_ok=True)
    elif options.resume and not checkpoint.exists():
        raise NesyError(f"nothing to resume: {out} has no {CHECKPOINT_NAME}")
    elif not options.resume and checkpoint.exists():
        raise NesyError(
            f"{out} already holds a training run; resume it, overwrite it (start over), or "
            "choose another output directory"
        )


@contextmanager
def _locked(out: Path):
    """Hold an exclusive lock on `out` while training: a second run into the same directory
    fails at once instead of both writing and one silently losing its work. The lock is the
    kernel's (flock), so it goes away with the process, however it ends."""
    import fcntl

    with open(out / LOCK_NAME, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            raise NesyError(f"{out} is in use by another training run (pid {holder}); wait for "
                            f"it to finish, or choose another output directory") from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            yield out
        finally:
            lock.truncate(0)


@contextmanager
def _threads(count: int | None):
    import torch

    before = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _write(write, *args) -> None:
    """Write a result file; a full or read-only disk is the user's to fix, not a bug."""
    try:
        write(*args)
    except OSError as e:
        path = next(a for a in args if isinstance(a, Path))
        raise NesyError(f"cannot write {path}: {e.strerror or e}") from None


def _restore(path: Path, config: dict, pipeline: Pipeline, optimizer, group=None) -> list[dict]:
    """Load the checkpoint into the model, optimizer and RNGs; in a process group, rank 0
    reads it and every rank gets its contents (the other machines need no copy of it). A run
    may resume on another device: the tensors go where the model now lives."""
    import torch

    state = load_checkpoint(path) if group is None or group.main else None
    if group is not None:
        state = group.broadcast(state)
    differences = [
        f"{key}: checkpoint has {state['config'].get(key)!r}, this run {config.get(key)!r}"
        for key in sorted(set(state["config"]) | set(config))
        if state["config"].get(key) != config.get(key)
    ]
    if differences:
        raise NesyError(f"cannot resume {path} with different settings:\n  " + "\n  ".join(differences))
    try:
        pipeline.model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        if "cuda_rng" in state and pipeline.device.type == "cuda":
            torch.cuda.set_rng_state(state["cuda_rng"])
    except (RuntimeError, ValueError, KeyError, TypeError) as e:
        raise NesyError(f"checkpoint {path} does not fit this model: {str(e).splitlines()[0]}") from None
    return list(state["history"])


def _run_epoch(pipeline: Pipeline, parallel, optimizer, epoch: int, options: RunOptions, out: Path,
               group=None) -> dict:
    """One epoch: the training steps, then (on rank 0) the test metrics."""
    import torch

    rank, world = (0, 1) if group is None else (group.rank, group.world)
    batches = pipeline.train_batches(epoch, options.batch_size, options.seed)
    progress = tqdm(
        batches,
        desc=f"{pipeline.name} epoch {epoch}/{options.epochs}",
        unit="batch",
        leave=False,
        file=sys.stderr,
        disable=rank != 0 or (None if options.progress is None else not options.progress),
    )
    start = time.perf_counter()
    pipeline.model.train()
    loss_sum, correct, count = 0.0, 0, 0
    micro_size = -(-options.batch_size // (world * options.accumulate))
    with pipeline.training_context(micro_size), _stepping_through(pipeline, parallel):
        for number, batch in enumerate(progress, 1):
            optimizer.zero_grad()
            step = _step(pipeline, parallel, batch, rank, world, options.accumulate)
            if group is not None:
                step = group.sum(step)
            batch_loss, batch_correct, batch_count = step
            loss = batch_loss / batch_count
            if not math.isfinite(loss):
                raise NesyError(f"training diverged: the loss of epoch {epoch}, batch {number} is "
                                f"{loss}; stopped, and {out} keeps the last good epoch "
                                f"({epoch - 1}); a smaller --lr usually helps")
            optimizer.step()
            loss_sum += batch_loss
            correct += int(batch_correct)
            count += int(batch_count)
            progress.set_postfix(loss=f"{loss_sum / count:.4f}", refresh=False)
    seconds = time.perf_counter() - start
    if rank != 0:
        return {"epoch": epoch}  # rank 0 alone keeps the full record
    start = time.perf_counter()
    pipeline.model.eval()
    with torch.no_grad():
        test = pipeline.evaluate()
    return {
        "epoch": epoch,
        "loss": loss_sum / max(count, 1),
        "train_accuracy": correct / max(count, 1),
        **test,
        "seconds": round(seconds, 4),
        "eval_seconds": round(time.perf_counter() - start, 4),
    }


def _step(pipeline: Pipeline, parallel, batch, rank: int, world: int, accumulate: int) -> list[float]:
    """Forward and backward of this rank's micro-batches of `batch`, the gradients accumulated
    (and, in a group, all-reduced once, after the last); returns [loss * samples, correct,
    samples] of this rank. Each micro-batch's mean loss is weighted by its share of the global
    batch (times the world, which DDP's all-reduce averages over), so the gradient is that of
    the global batch's mean loss however it is split."""
    if world == 1 and accumulate == 1:  # the common case, exactly as before sharding existed
        result = pipeline.batch_result(pipeline.place(batch))
        result.loss.backward()
        return [result.loss.item() * result.count, result.correct, result.count]
    pieces = distributed.shard(pipeline, batch, rank, world, accumulate)
    totals = [0.0, 0, 0]
    for index, (piece, weight) in enumerate(pieces):
        last = index == len(pieces) - 1
        with nullcontext() if last or world == 1 else parallel.no_sync():
            result = pipeline.batch_result(pipeline.place(piece))
            (result.loss * (weight * world)).backward()
        if weight:
            totals = [totals[0] + result.loss.item() * result.count, totals[1] + result.correct,
                      totals[2] + result.count]
    return totals


@contextmanager
def _stepping_through(pipeline: Pipeline, parallel):
    """`pipeline.model` is the parallel wrapper during the training steps, so that a
    pipeline's `batch_result` (which calls `self.model(...)`) runs DDP's forward, which
    prepares the gradients' all-reduce; everything else (evaluation, checkpoints) sees the
    plain module."""
    model = pipeline.model
    pipeline.model = parallel
    try:
        yield
    finally:
        pipeline.model = model


def summarize(pipeline: Pipeline, history: list[dict], out: Path) -> str:
    """The one line a run ends with."""
    if not history:
        return f"{pipeline.name}: no epochs run -> {out}"
    last = history[-1]
    others = [f"{key} {value:.1%}" for key, value in last.items()
              if key.endswith("accuracy") and key != pipeline.headline]
    seconds = sum(record["seconds"] for record in history)
    return (f"{pipeline.name}: {pipeline.headline} {last[pipeline.headline]:.1%} after "
            f"{last['epoch']} epochs ({', '.join(others)}; loss {last['loss']:.4f}; "
            f"{seconds:.1f} s training) -> {out}")
