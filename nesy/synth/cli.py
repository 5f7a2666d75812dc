"""`nesy synth ...`: the synthesis commands, one per synthesis domain that offers one.

`add_subcommands(subparsers)` adds `synth` to the `nesy` command's argparse sub-parsers and,
under it, the subcommand of every registered domain (`Domain.command`). The helpers here
(budget options, reports, the results file) are shared by those subcommands. Handlers return
0 and raise `UsageError` or another `NesyError` for user errors (see `nesy.cli.main`).
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Sequence

from nesy.argtypes import int_between, positive_float
from nesy.commands import COMMAND_HELP
from nesy.errors import NesyError, UsageError
from nesy.files import atomic_write_text
from nesy.synth import batch, domains
from nesy.synth.search import Budget


def add_subcommands(subparsers) -> None:
    synth = subparsers.add_parser(
        "synth", help=COMMAND_HELP["synth"],
        description="Search a typed grammar for a program that maps every example's inputs "
                    "to its output; each synthesis domain adds its command.")
    commands = synth.add_subparsers(dest="synth_command", required=True, metavar="COMMAND")
    for domain in domains.all_domains():
        if domain.command is not None:
            domain.command(commands)


def add_time_options(parser: argparse.ArgumentParser, timeout: float = 30.0,
                     task: str = "task") -> None:
    """--timeout, --clock and --jobs: how long each task may search, and how many at once."""
    parser.add_argument("--timeout", type=positive_float, default=timeout, metavar="S",
                        help=f"seconds per {task} (default: {timeout:g})")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="measure --timeout in elapsed (wall) or processor (cpu) seconds; "
                             "cpu is fairer on a busy machine (default: wall)")
    parser.add_argument("--jobs", "-j", type=int_between(1, None), default=1, metavar="J",
                        help=f"{task}s solved in parallel processes (default: 1)")


def add_budget_options(parser: argparse.ArgumentParser) -> None:
    add_time_options(parser)
    parser.add_argument("--max-candidates", type=int_between(1, None), default=None, metavar="N",
                        help="programs to evaluate per task (default: no limit)")
    parser.add_argument("--max-memory", type=positive_float, default=4096, metavar="MB",
                        help="memory the search of one task may grow by (default: 4096)")
    parser.add_argument("--output", metavar="FILE",
                        help="also write the results as JSON to FILE")


def budget(args: argparse.Namespace) -> Budget:
    """The search budget the options ask for (their values are checked by argparse)."""
    return Budget(timeout=args.timeout, max_candidates=args.max_candidates,
                  max_memory_mb=args.max_memory, clock=args.clock)


def check_output(args: argparse.Namespace) -> None:
    """An --output that cannot be written fails before the work, not after it."""
    if not args.output:
        return
    path = Path(args.output)
    if path.is_dir():
        raise UsageError(f"--output {args.output}: is a directory, expected a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"--output {args.output}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"--output {args.output}: not writable")


def run_tasks(solve, items: Sequence, names: Sequence[str], args: argparse.Namespace,
              label: str = "tasks") -> list:
    """Solve every item with `batch.run_all` (a task's failure is its row), saving the
    results to --output as they complete (at most once a second, and at the end)."""
    check_output(args)
    last = [0.0]

    def save_progress(results):
        if args.output and time.monotonic() - last[0] >= 1.0:
            save(results, args)
            last[0] = time.monotonic()

    def failed(index: int, reason: str):
        return batch.TaskResult.failure(names[index], reason)

    results = batch.run_all(solve, items, args.jobs, label, failed=failed,
                            on_result=save_progress)
    save(results, args)
    return results


def report(results: Sequence, args: argparse.Namespace, form: str) -> None:
    """Print the results as a table and summary line, or as JSON; save them with --output."""
    if form == "json":
        print(batch.as_json(results))
    else:
        print(batch.table(results))
        print(batch.summary_line(results))
    save(results, args)


def save(results: Sequence, args: argparse.Namespace) -> None:
    if args.output:
        atomic_write_text(args.output, batch.as_json(results) + "\n")


def finish(results: Sequence) -> int:
    """The end of a batch command: after a Ctrl-C, the partial report is out; say so. Tasks
    that failed (their rows say why) make the command fail once every result is out."""
    if None in results:
        raise KeyboardInterrupt
    failures = [r.name for r in results if isinstance(r, batch.TaskResult) and r.stop == "error"]
    if failures:
        shown = ", ".join(failures[:5]) + (", ..." if len(failures) > 5 else "")
        raise NesyError(f"{len(failures)} of {len(results)} tasks failed ({shown}); the other "
                        f"results are reported")
    return 0
