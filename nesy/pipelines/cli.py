"""`nesy train PIPELINE ...`: one sub-command per registered pipeline (`nesy.pipelines`).

Each pipeline adds its own flags; the run flags below are common to all. A handler returns 0
and raises `UsageError`/`NesyError` for the user's mistakes; `nesy.cli.main` reports them.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nesy.argtypes import MAX_SEED, int_between, max_threads, positive_float
from nesy.commands import COMMAND_HELP
from nesy.pipelines import devices, distributed, registry
from nesy.pipelines.base import PipelineSpec

# torch and the trainer are imported by the handler only: `nesy --help` stays fast.

DEFAULT_EPOCHS = 30
DEFAULT_BATCH_SIZE = 16
DEFAULT_LR = 1e-3
RUNS_DIR = Path("runs")


#: The verbs a pipeline may add a sub-command under (`PipelineSpec.commands`), with their help.
VERBS = {verb: COMMAND_HELP[verb] for verb in ("eval", "translate")}


def add_subcommands(subparsers) -> None:
    train_parser = subparsers.add_parser(
        "train",
        help=COMMAND_HELP["train"],
        description="Train a pipeline, writing metrics.jsonl and a checkpoint after every epoch to --out.",
    )
    pipelines = train_parser.add_subparsers(dest="pipeline", metavar="PIPELINE", required=True)
    for spec in registry().values():
        # fresh run flags per pipeline: argparse shares a parent's actions, so one pipeline's
        # set_defaults (SCAN's per-model defaults) would otherwise change every pipeline's
        parser = pipelines.add_parser(spec.name, parents=[_run_flags()], help=spec.help,
                                      description=spec.description or spec.help)
        spec.add_arguments(parser)
        parser.set_defaults(handler=lambda args, spec=spec: run_pipeline(spec, args))
    _add_verbs(subparsers)


def _add_verbs(subparsers) -> None:
    """`nesy eval NAME`, `nesy translate NAME`, ...: one verb command per verb that some
    pipeline offers, with one sub-command per pipeline offering it."""
    for verb, help in VERBS.items():
        offering = [spec for spec in registry().values() if verb in spec.commands]
        if not offering:
            continue
        verb_parser = subparsers.add_parser(verb, help=help, description=help[0].upper() + help[1:] + ".")
        names = verb_parser.add_subparsers(dest=f"{verb}_pipeline", metavar="PIPELINE", required=True)
        for spec in offering:
            spec.commands[verb](names.add_parser(spec.name, help=spec.help))


def _run_flags() -> argparse.ArgumentParser:
    flags = argparse.ArgumentParser(add_help=False)
    group = flags.add_argument_group("training run")
    group.add_argument("--epochs", type=int_between(1, None), default=DEFAULT_EPOCHS, metavar="E",
                       help=f"train up to this epoch (default {DEFAULT_EPOCHS}); with --resume, the total")
    group.add_argument("--batch-size", type=int_between(1, None), default=DEFAULT_BATCH_SIZE, metavar="B",
                       help=f"samples per optimizer step (default {DEFAULT_BATCH_SIZE})")
    group.add_argument("--lr", type=positive_float, default=DEFAULT_LR, help=f"Adam learning rate (default {DEFAULT_LR})")
    group.add_argument("--seed", type=int_between(0, MAX_SEED), default=0, metavar="S", help="seed of initialisation and samples (default 0)")
    group.add_argument("--samples", type=int_between(1, None), metavar="N",
                       help="training samples per epoch (default: the pipeline's)")
    group.add_argument("--out", type=Path, metavar="DIR", help="output directory (default runs/<pipeline>)")
    group.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    group.add_argument("--overwrite", action="store_true", help="discard the run in --out and start over")
    group.add_argument("--plot", action=argparse.BooleanOptionalAction, default=True,
                       help="write metrics.png, loss and accuracy by epoch (default; --no-plot skips it)")
    group.add_argument("--threads", type=int_between(1, max_threads()), default=1, metavar="T",
                       help="torch CPU threads while training, at most this machine's CPUs (default 1: "
                       "these small models gain little from more, and extra threads slow down "
                       "badly on a busy machine)")
    group.add_argument("--nproc", type=int_between(1, None), default=1, metavar="N",
                       help="data-parallel worker processes on this machine (default 1; each uses "
                       "--threads threads; for several machines run `torchrun ... -m nesy train` "
                       "instead, see docs/distributed.md)")
    group.add_argument("--accumulate", type=int_between(1, None), default=1, metavar="A",
                       help="micro-batches per process and step, gradients accumulated: less memory, "
                       "the same --batch-size (default 1)")
    group.add_argument("--device", choices=devices.CHOICES, default="cpu",
                       help="where the networks train: cpu (default) or cuda (with --nproc or torchrun, "
                       "each process on the GPU of its local rank, over NCCL); the symbolic program "
                       "runs on the CPU either way")
    return flags


def run_pipeline(spec: PipelineSpec, args: argparse.Namespace) -> int:
    run = spec.run(args)
    out = args.out or RUNS_DIR / run.name
    lines = ([f"training {run.title} -> {out}"] if run.title else []) + list(run.notes)
    for line in lines if not distributed.under_torchrun() or os.environ["RANK"] == "0" else []:
        print(line, file=sys.stderr)

    from nesy.pipelines.trainer import RunOptions, train

    options = RunOptions(out=out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                         seed=args.seed, resume=args.resume, overwrite=args.overwrite, plot=args.plot,
                         threads=args.threads, nproc=args.nproc, accumulate=args.accumulate,
                         device=args.device)
    try:
        result = train(run.build, options)
    except KeyboardInterrupt:
        print(f"\n{out} holds the last finished epoch; rerun with --resume to continue", file=sys.stderr)
        raise
    if result is not None:  # None: a torchrun worker other than rank 0
        print(result.summary)
    return 0
