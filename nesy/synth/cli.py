"""`nesy synth ...`: the synthesis commands.

`add_subcommands(subparsers)` adds `synth strings` and `synth sygus` to the `nesy` command's
argparse sub-parsers; each sets `handler`, a function of the parsed arguments returning the
exit status (0 done, 1 bad input file, 2 bad usage, 130 interrupted).
"""
from __future__ import annotations

import argparse
import functools
import sys

from nesy.errors import NesyError, UsageError
from nesy.synth import batch
from nesy.synth.search import Budget
from nesy.synth.sygus import load_sygus, solve_file
from nesy.synth.tasks import load_tasks, solve

INTERRUPTED = 130


def add_subcommands(subparsers) -> None:
    synth = subparsers.add_parser(
        "synth", help="synthesise programs from examples",
        description="Search a typed grammar, bottom-up by program size, for a program that "
                    "maps every example's inputs to its output.")
    domains = synth.add_subparsers(dest="synth_domain", required=True, metavar="DOMAIN")

    strings = domains.add_parser(
        "strings", help="string transformations (BUSTLE's spreadsheet operations)",
        description="Solve each task of a BUSTLE/CrossBeam JSON task file with BUSTLE's 22 "
                    "spreadsheet operations and its extracted constants.")
    strings.add_argument("tasks", metavar="TASKS.json", help="a JSON list of tasks")
    _add_budget_options(strings)
    strings.add_argument("--format", choices=["table", "json"], default="table",
                         help="how to print results (default: table)")
    strings.set_defaults(handler=run_strings)

    sygus = domains.add_parser(
        "sygus", help="SyGuS-IF programming-by-example problems (.sl files)",
        description="Solve SyGuS-IF (version 1 or 2) files whose constraints are input-output "
                    "examples, within the grammar each file gives, answering as a SyGuS "
                    "solver does with (define-fun ...).")
    sygus.add_argument("files", nargs="+", metavar="FILE.sl", help="SyGuS problem files")
    _add_budget_options(sygus)
    sygus.add_argument("--format", choices=["sygus", "table", "json"], default="sygus",
                       help="how to print results (default: sygus, a define-fun per file)")
    sygus.set_defaults(handler=run_sygus)


def _add_budget_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=30.0, metavar="S",
                        help="seconds per task (default: 30)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="measure --timeout in elapsed (wall) or processor (cpu) seconds; "
                             "cpu is fairer on a busy machine (default: wall)")
    parser.add_argument("--max-candidates", type=int, default=None, metavar="N",
                        help="programs to evaluate per task (default: no limit)")
    parser.add_argument("--max-memory", type=float, default=4096, metavar="MB",
                        help="memory the search of one task may grow by (default: 4096)")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="J",
                        help="tasks solved in parallel processes (default: 1)")
    parser.add_argument("--output", metavar="FILE",
                        help="also write the results as JSON to FILE")


def run_strings(args: argparse.Namespace) -> int:
    return _guarded(_run_strings, args)


def run_sygus(args: argparse.Namespace) -> int:
    return _guarded(_run_sygus, args)


def _guarded(command, args: argparse.Namespace) -> int:
    """Run a command, turning user errors into a message and an exit status."""
    try:
        return command(args)
    except NesyError as error:
        print(error.render(), file=sys.stderr)
        return error.exit_code


def _run_strings(args: argparse.Namespace) -> int:
    budget = _budget(args)
    tasks = load_tasks(args.tasks)
    results = batch.run_all(functools.partial(solve, budget=budget), tasks, args.jobs)
    _report(results, args, args.format)
    return INTERRUPTED if None in results else 0


def _run_sygus(args: argparse.Namespace) -> int:
    budget = _budget(args)
    problems, failed = [], False
    for path in args.files:
        try:
            problems.append((load_sygus(path), path))
        except NesyError as error:
            print(error.render(), file=sys.stderr)
            failed = True
    results = batch.run_all(functools.partial(solve_file, budget=budget), problems, args.jobs,
                            label="files")
    if args.format == "sygus":
        _print_answers(results)
        if len(results) > 1:
            print("; " + batch.summary_line(results))
        _save(results, args)
    else:
        _report(results, args, args.format)
    if None in results:
        return INTERRUPTED
    return 1 if failed else 0


def _budget(args: argparse.Namespace) -> Budget:
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    if args.max_candidates is not None and args.max_candidates < 1:
        raise UsageError("--max-candidates must be at least 1")
    if args.max_memory <= 0:
        raise UsageError("--max-memory must be positive")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    return Budget(timeout=args.timeout, max_candidates=args.max_candidates,
                  max_memory_mb=args.max_memory, clock=args.clock)


def _report(results, args: argparse.Namespace, form: str) -> None:
    if form == "json":
        print(batch.as_json(results))
    else:
        print(batch.table(results))
        print(batch.summary_line(results))
    _save(results, args)


def _print_answers(results) -> None:
    for r in results:
        if r is None:
            continue
        if r.solved:
            print(f"; {r.name}: solved in {r.seconds:.2f} s, {r.candidates:,} candidates, "
                  f"size {r.size}")
        else:
            print(f"; {r.name}: {r.message} ({r.seconds:.2f} s, {r.candidates:,} candidates)")
        print(r.program or "fail")


def _save(results, args: argparse.Namespace) -> None:
    if args.output:
        batch.write_atomically(args.output, batch.as_json(results) + "\n")
