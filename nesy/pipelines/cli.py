"""`nesy train ...`: the training pipelines on the command line.

`add_subcommands(subparsers)` adds `train` with one sub-command per pipeline; each sets
`func`, a handler that takes the parsed arguments and returns the exit status (0 success,
1 user error such as an unusable --out or a corrupted checkpoint, 2 usage error). Errors are
printed as one readable message, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from nesy.argtypes import int_between, positive_float
from nesy.datasets.limits import MAX_NUMBER_DIGITS, MAX_SUM_TERMS
from nesy.errors import NesyError, UsageError

# torch and the trainer are imported by the handlers only: `nesy --help` stays fast.

DEFAULT_EPOCHS = 30
DEFAULT_BATCH_SIZE = 16
DEFAULT_LR = 1e-3
RUNS_DIR = Path("runs")


def add_subcommands(subparsers) -> None:
    train_parser = subparsers.add_parser(
        "train",
        help="train a neuro-symbolic pipeline",
        description="Train a pipeline, writing metrics.jsonl and a checkpoint after every epoch to --out.",
    )
    pipelines = train_parser.add_subparsers(dest="pipeline", metavar="PIPELINE", required=True)
    run_flags = _run_flags()

    digits = pipelines.add_parser(
        "digits",
        parents=[run_flags],
        help="digit arithmetic on scikit-learn's 8x8 digits, supervised by the result only",
        description="A CNN reads the digit images; a nesy program computes the result; only the "
        "result is supervised. Tasks: sum2 (a + b), multi (two N-digit numbers added), "
        "sumk (sum of K digits).",
    )
    digits.add_argument("--task", choices=("sum2", "multi", "sumk"), default="sum2")
    digits.add_argument("--digits", type=int_between(1, MAX_NUMBER_DIGITS), metavar="N",
                        help=f"digits per number for --task multi (1..{MAX_NUMBER_DIGITS}, default 2)")
    digits.add_argument("--k", type=int_between(1, MAX_SUM_TERMS), metavar="K",
                        help=f"number of digits summed for --task sumk (1..{MAX_SUM_TERMS}, default {MAX_SUM_TERMS})")
    digits.add_argument("--provenance", metavar="NAME",
                        help="provenance of the logic (default diffexact)")
    digits.add_argument("--top-k", type=int_between(1, None), metavar="K",
                        help="k of a top-k provenance (topkproofs, difftopkproofs)")
    digits.set_defaults(handler=run_digits)

    labels = pipelines.add_parser(
        "digit-labels",
        parents=[run_flags],
        help="the same CNN trained directly on digit labels (the baseline for symbolic overhead)",
    )
    labels.set_defaults(handler=run_digit_labels)


def _run_flags() -> argparse.ArgumentParser:
    flags = argparse.ArgumentParser(add_help=False)
    group = flags.add_argument_group("training run")
    group.add_argument("--epochs", type=int_between(1, None), default=DEFAULT_EPOCHS, metavar="E",
                       help=f"train up to this epoch (default {DEFAULT_EPOCHS}); with --resume, the total")
    group.add_argument("--batch-size", type=int_between(1, None), default=DEFAULT_BATCH_SIZE, metavar="B",
                       help=f"samples per optimizer step (default {DEFAULT_BATCH_SIZE})")
    group.add_argument("--lr", type=positive_float, default=DEFAULT_LR, help=f"Adam learning rate (default {DEFAULT_LR})")
    group.add_argument("--seed", type=int, default=0, metavar="S", help="seed of initialisation and samples (default 0)")
    group.add_argument("--samples", type=int_between(1, None), metavar="N",
                       help="training samples per epoch (default: one pass over the images, at least 1000)")
    group.add_argument("--out", type=Path, metavar="DIR", help="output directory (default runs/<pipeline>)")
    group.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    group.add_argument("--overwrite", action="store_true", help="discard the run in --out and start over")
    group.add_argument("--plot", action="store_true", help="also write metrics.png")
    group.add_argument("--threads", type=int_between(1, None), default=1, metavar="T",
                       help="torch CPU threads (default 1: these small models gain little from more, "
                       "and extra threads slow down badly on a busy machine)")
    return flags


def run_digits(args: argparse.Namespace) -> int:
    if args.digits is not None and args.task != "multi":
        return _usage_error("--digits applies only to --task multi")
    if args.k is not None and args.task != "sumk":
        return _usage_error("--k applies only to --task sumk")
    from nesy.pipelines.digits import DEFAULT_PROVENANCE, digits_pipeline
    from nesy.provenance import make as make_provenance

    provenance = args.provenance or DEFAULT_PROVENANCE
    try:
        from nesy.datasets.digits import task_from_args

        task = task_from_args(args.task, args.digits, args.k)
        approximation = make_provenance(provenance, k=args.top_k).approximation
    except UsageError as e:
        return _usage_error(str(e))
    out = args.out or RUNS_DIR / f"digits-{task.name}"
    print(f"training digits/{task.name} with provenance {provenance} -> {out}", file=sys.stderr)
    if approximation:
        print(f"note: {approximation}", file=sys.stderr)
    return _train(lambda: digits_pipeline(task, provenance, args.top_k, args.samples), args, out)


def run_digit_labels(args: argparse.Namespace) -> int:
    from nesy.pipelines.digits import digit_labels_pipeline

    return _train(lambda: digit_labels_pipeline(args.samples), args, args.out or RUNS_DIR / "digit-labels")


def _train(build: Callable, args: argparse.Namespace, out: Path) -> int:
    import torch

    from nesy.pipelines.trainer import RunOptions, train

    torch.set_num_threads(args.threads)
    options = RunOptions(out=out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                         seed=args.seed, resume=args.resume, overwrite=args.overwrite, plot=args.plot)
    try:
        result = train(build, options)
    except NesyError as e:
        print(e.render(), file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print(f"\ninterrupted: {out} holds the last finished epoch; rerun with --resume to continue",
              file=sys.stderr)
        return 130
    print(result.summary)
    return 0


def _usage_error(message: str) -> int:
    print(f"nesy train: error: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m nesy.pipelines.cli train ...`: the same commands without the rest of nesy's CLI."""
    parser = argparse.ArgumentParser(prog="nesy")
    add_subcommands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
