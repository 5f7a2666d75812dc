"""The `nesy` command. Exit status: 0 success, 1 user error, 2 usage error."""
from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import traceback

from . import __version__
from .argtypes import int_between
from .errors import CompileError, NesyError


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors on one line plus usage, with exit status 2."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="nesy", description="Neuro-symbolic programming: run, check, train "
                                             "and synthesise nesy programs.")
    parser.add_argument("--version", action="version", version=f"nesy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    check = sub.add_parser("check", help="report every error in the given programs")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(handler=cmd_check)

    run = sub.add_parser("run", help="run a program and print its output relations")
    run.add_argument("file", metavar="FILE")
    run.add_argument("--provenance", default="unit", metavar="NAME",
                     help="unit (default), boolean, and the probabilistic provenances")
    run.add_argument("--k", type=int_between(1, None), default=None, metavar="K",
                     help="proofs kept by top-k provenances")
    run.add_argument("--query", action="append", metavar="REL",
                     help="only output this relation (repeatable)")
    run.add_argument("--format", choices=("table", "json", "csv"), default="table")
    run.set_defaults(handler=cmd_run)

    from .pipelines import cli as train_cli
    from .synth import cli as synth_cli

    train_cli.add_subcommands(sub)
    synth_cli.add_subcommands(sub)
    return parser


# ---- commands ------------------------------------------------------------------------------
def cmd_check(args) -> int:
    from .program import diagnose, read_source

    failures = 0
    for path in args.files:
        try:
            source = read_source(path)
        except NesyError as err:
            print(f"error: {err}", file=sys.stderr)
            failures += 1
            continue
        _, diagnostics = diagnose(source)
        if diagnostics:
            print(CompileError(diagnostics).render(), file=sys.stderr)
            failures += 1
    n = len(args.files)
    if failures:
        if n > 1:
            print(f"{failures} of {n} files have errors", file=sys.stderr)
        return 1
    print(f"ok: {n} file{'s' if n != 1 else ''} checked")
    return 0


def cmd_run(args) -> int:
    from .program import load

    program = load(args.file)
    result = program.run(provenance=args.provenance, k=args.k, query=args.query)
    header = _header(result, args)
    if args.format == "json":
        if result.approximation:
            print(f"note: {header}", file=sys.stderr)
        print(result.to_json(indent=None))
    elif args.format == "csv":
        print(f"# {header}")
        sys.stdout.write(_csv(result))
    else:
        print(f"# {header}")
        sys.stdout.write(_table(result))
    return 0


def _header(result, args) -> str:
    text = f"provenance {result.provenance}"
    if args.k is not None:
        text += f" (k={args.k})"
    if result.approximation:
        text += f"; approximate: {result.approximation}"
    return text


def _format_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return repr(v) if any(c in v for c in " ,()\"'") or v == "" else v
    return str(v)


def _table(result) -> str:
    out = io.StringIO()
    for name in result.relations:
        rel = result[name]
        out.write(f"{name} ({len(rel)} tuple{'s' if len(rel) != 1 else ''})\n")
        for i, t in enumerate(rel.tuples):
            row = "(" + ", ".join(_format_value(v) for v in t) + ")"
            if rel.probs is not None:
                row = f"{float(rel.probs[i]):.6g}::{row}"
            elif rel.proofs is not None:
                row = f"{row}  proofs: {rel.proofs[i]}"
            out.write(f"  {row}\n")
    return out.getvalue()


def _csv(result) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["relation", "prob", "values..."] if result.probabilistic
                    else ["relation", "values..."])
    for name in result.relations:
        rel = result[name]
        for i, t in enumerate(rel.tuples):
            values = ["true" if v is True else "false" if v is False else v for v in t]
            if rel.probs is not None:
                writer.writerow([name, float(rel.probs[i]), *values])
            else:
                writer.writerow([name, *values])
    return out.getvalue()


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.handler(args)
    except NesyError as err:
        print(err.render(), file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # a bug: say so briefly; the traceback only on request
        if os.environ.get("NESY_DEBUG"):
            traceback.print_exc()
        print(f"internal error: {type(err).__name__}: {err}\n"
              f"this is a bug in nesy; rerun with NESY_DEBUG=1 for details and report it",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
