"""`nesy synth ...`: the synthesis commands, one per synthesis domain that offers one.

`add_subcommands(subparsers)` adds `synth` to the `nesy` command's argparse sub-parsers and,
under it, the subcommand of every registered domain (`Domain.command`). The helpers here
(budget options, reports, the results file) are shared by those subcommands. Handlers return
0 and raise `UsageError` or another `NesyError` for user errors (see `nesy.cli.main`).
"""
from __future__ import annotations

import argparse
from typing import Sequence

from nesy.argtypes import int_between, positive_float
from nesy.files import atomic_write_text
from nesy.synth import batch, domains
from nesy.synth.search import Budget


def add_subcommands(subparsers) -> None:
    synth = subparsers.add_parser(
        "synth", help="synthesise programs from examples",
        description="Search a typed grammar for a program that maps every example's inputs "
                    "to its output; each synthesis domain adds its command.")
    commands = synth.add_subparsers(dest="synth_command", required=True, metavar="COMMAND")
    for domain in domains.all_domains():
        if domain.command is not None:
            domain.command(commands)


def add_budget_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=positive_float, default=30.0, metavar="S",
                        help="seconds per task (default: 30)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="measure --timeout in elapsed (wall) or processor (cpu) seconds; "
                             "cpu is fairer on a busy machine (default: wall)")
    parser.add_argument("--max-candidates", type=int_between(1, None), default=None, metavar="N",
                        help="programs to evaluate per task (default: no limit)")
    parser.add_argument("--max-memory", type=positive_float, default=4096, metavar="MB",
                        help="memory the search of one task may grow by (default: 4096)")
    parser.add_argument("--jobs", "-j", type=int_between(1, None), default=1, metavar="J",
                        help="tasks solved in parallel processes (default: 1)")
    parser.add_argument("--output", metavar="FILE",
                        help="also write the results as JSON to FILE")


def budget(args: argparse.Namespace) -> Budget:
    """The search budget the options ask for (their values are checked by argparse)."""
    return Budget(timeout=args.timeout, max_candidates=args.max_candidates,
                  max_memory_mb=args.max_memory, clock=args.clock)


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
    """The end of a batch command: after a Ctrl-C, the partial report is out; say so."""
    if None in results:
        raise KeyboardInterrupt
    return 0
