"""The `nesy` command.

Subcommand handlers (here and in the CLI modules of pipelines and synthesis) take the parsed
arguments and return 0, or raise: `UsageError` for a bad argument or flag combination,
another `NesyError` for a bad file or bad data. `main` is the only place that turns an
exception into a message and an exit status:

    0    success
    1    user error: a program with errors, a missing or unreadable file, bad data
    2    usage error: unknown command or flag, bad option value, flags that do not fit
    3    internal error: a bug in nesy (rerun with NESY_DEBUG=1 for the traceback, report it)
    130  interrupted (Ctrl-C)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

from . import __version__
from .argtypes import int_between, positive_float
from .commands import COMMAND_HELP
from .errors import (UNREADABLE_FILE, CompileError, Diagnostic, FileError, Interrupted, NesyError,
                     UsageError, closest)

EXIT_STATUS = """exit status:
  0    success
  1    user error: a program with errors, a missing or unreadable file, bad data
  2    usage error: unknown command or flag, bad option value, flags that do not fit
  3    internal error: a bug in nesy (rerun with NESY_DEBUG=1 and report it)
  130  interrupted"""


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors on one line plus usage, with exit status 2, and
    remembers which (sub)command parsed the arguments, so that `main` reports a handler's
    `UsageError` in the same words: "nesy run: error: ...". A misspelled flag is named as the
    cause, with the flag it most likely meant: "unknown flag --provenence; did you mean
    --provenance?" (also when argparse stumbled first over what followed it)."""

    #: The command line being parsed, for the misspelled-flag hint.
    argv: list[str] = []

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {self._typo() or message}\n")

    def _typo(self) -> str | None:
        flags = [o for action in self._actions for o in action.option_strings]
        for arg in Parser.argv:
            name = arg.split("=")[0]
            if not name.startswith("--") or name == "--" or \
                    any(flag.startswith(name) for flag in flags):  # argparse takes prefixes
                continue
            guess = closest(name, flags)
            if guess:
                return f"unknown flag {name}; did you mean {guess}?"
        return None

    def parse_known_args(self, args=None, namespace=None):
        namespace, rest = super().parse_known_args(args, namespace)
        if getattr(namespace, "command_parser", None) is None:  # the innermost parser is first
            namespace.command_parser = self
        return namespace, rest

    def parse_args(self, args=None, namespace=None):
        """argparse's, with leftover arguments reported by the sub-command they were given to."""
        Parser.argv = list(sys.argv[1:] if args is None else args)
        namespace, rest = self.parse_known_args(args, namespace)
        if rest:
            (getattr(namespace, "command_parser", None) or self).error(
                f"unrecognized arguments: {' '.join(rest)}")
        return namespace


class LazyHelp(str):
    """A help text computed only when help is shown: the list of provenances needs their
    modules, which `nesy run` of a plain program never imports (argparse formats help with
    `help % params`)."""

    def __new__(cls, make):
        text = super().__new__(cls, "(computed when shown)")
        text.make = make
        return text

    def __mod__(self, params):
        return self.make() % params


def _provenance_help() -> str:
    from .provenance import names

    return ("the provenance (semiring) to run under, one of: " + ", ".join(names()) +
            " (default unit; see docs/provenances.md)")


#: The commands built into this module. When one of them is on the command line (or only
#: --version is), the commands added by pipelines, datasets and synthesis domains are not
#: built at all: their modules import numpy (or more), and they cannot be reached from that
#: command line anyway. Everything else (--help, an unknown command) builds every command.
CORE_COMMANDS = ("check", "run", "examples", "repl")


def build_parser(core_only: bool = False, listing_only: bool = False) -> argparse.ArgumentParser:
    """The `nesy` command line; `core_only`: only `CORE_COMMANDS` (see there);
    `listing_only`: the other commands too, but only their names and help (`nesy --help`
    lists them without importing the modules that build them)."""
    parser = Parser(prog="nesy", description="Neuro-symbolic programming: run, check, train "
                                             "and synthesise nesy programs.",
                    epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"nesy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    check = sub.add_parser("check", help="report every error in the given programs")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="text (default: file:line:col, the line, a caret, a hint) or json "
                            "(each diagnostic with its code, fields and location)")
    check.set_defaults(handler=cmd_check)

    run = sub.add_parser("run", help="run a program and print its output relations",
                         description="Run a program and print its output relations. csv "
                                     "prints one relation (choose it with --query when the "
                                     "program has several); --output-dir writes one CSV file "
                                     "per relation instead.")
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument("file", metavar="FILE", nargs="?",
                        help="the program; - reads it from standard input")
    source.add_argument("--example", metavar="NAME",
                        help="run a shipped example instead of a file (list them: nesy examples)")
    run.add_argument("--provenance", default="unit", metavar="NAME", help=LazyHelp(_provenance_help))
    run.add_argument("--k", type=int_between(1, None), default=None, metavar="K",
                     help="proofs kept by a top-k provenance (topkproofs, difftopkproofs); "
                          "an error with any other")
    run.add_argument("--query", action="append", metavar="REL",
                     help="only output this relation (repeatable)")
    run.add_argument("--format", choices=("table", "json", "csv"), default=None,
                     help="table (default), json, or csv (one relation)")
    written = run.add_mutually_exclusive_group()
    written.add_argument("-o", "--output", type=Path, metavar="FILE",
                         help="write the output to FILE instead of standard output (atomically: "
                              "FILE is whole or untouched, even if the run is interrupted)")
    written.add_argument("--output-dir", type=Path, metavar="DIR",
                         help="write DIR/REL.csv for each output relation (CSV with a header)")
    run.add_argument("--iter-limit", type=int_between(1, None), default=None, metavar="N",
                     help="stop a recursive stratum after N rounds (default 100000)")
    run.add_argument("--budget", type=positive_float, default=None, metavar="SECONDS",
                     help="exact/diffexact: stop after about this long and print lower and "
                          "upper bounds instead of probabilities where the exact answer is "
                          "not done (docs/provenances.md)")
    run.add_argument("--memory-limit", type=positive_float, default=None, metavar="MB",
                     help="stop the run, naming the rule, when it needs more than MB megabytes "
                          "(default: 80%% of the memory available)")
    run.set_defaults(handler=cmd_run)

    repl = sub.add_parser("repl", help="an interactive session: add facts and rules, query them",
                          description="An interactive session: statements are added to a program "
                                      "that must keep compiling, `query REL` runs it, :help lists "
                                      "the session commands (:provenance NAME switches provenance).")
    repl.add_argument("file", metavar="FILE", nargs="?", help="start from this program")
    repl.add_argument("--provenance", default="unit", metavar="NAME", help=LazyHelp(_provenance_help))
    repl.add_argument("--k", type=int_between(1, None), default=None, metavar="K",
                      help="proofs kept by a top-k provenance")
    repl.set_defaults(handler=cmd_repl)

    listing = sub.add_parser("examples", help="list the example programs shipped with nesy",
                             description="List the example programs shipped with nesy: run one "
                                         "with `nesy run --example NAME`, read it at its path.")
    listing.set_defaults(handler=cmd_examples)

    if core_only:
        return parser
    if listing_only:
        for name, help in COMMAND_HELP.items():
            sub.add_parser(name, help=help)
        return parser
    from .pipelines import cli as train_cli
    from .synth import cli as synth_cli

    train_cli.add_subcommands(sub)
    synth_cli.add_subcommands(sub)
    _add_data_commands(sub)
    return parser


def _needs_core_only(argv: list[str]) -> bool:
    """True when `argv` names a core command, or is only `--version` (`nesy` itself has no
    flag taking a value, so the first argument that is not a flag is the command)."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    return command in CORE_COMMANDS or (command is None and argv == ["--version"])


def _add_data_commands(sub) -> None:
    """`nesy data NAME ...`: one sub-command per registered dataset that can write itself to
    files (`DatasetSpec.add_command`)."""
    from .datasets import registry

    writers = [spec for spec in registry().values() if spec.add_command is not None]
    if not writers:
        return
    data = sub.add_parser("data", help=COMMAND_HELP["data"],
                          description="Generate a dataset (or convert one) and write it to files.")
    names = data.add_subparsers(dest="dataset", metavar="DATASET", required=True)
    for spec in writers:
        spec.add_command(names.add_parser(spec.name, help=spec.description))


# ---- commands ------------------------------------------------------------------------------
def cmd_check(args) -> int:
    from .program import diagnose, read_source

    problems: list[tuple[str, list[Diagnostic]]] = []  # (file, its diagnostics)
    for path in args.files:
        try:
            _, diagnostics = diagnose(read_source(path))
        except FileError as err:
            diagnostics = [err.diagnostic()]
        if diagnostics:
            problems.append((str(path), diagnostics))
    n, failures = len(args.files), len(problems)
    if args.format == "json":
        print(json.dumps({"files": n, "failed": failures, "diagnostics": [
            {**d.as_dict(), "file": path} for path, found in problems for d in found]}))
        return 1 if failures else 0
    for _, found in problems:
        unreadable = found[0].code == UNREADABLE_FILE.code  # one line, no "1 error found"
        print(found[0].render() if unreadable else CompileError(found).render(), file=sys.stderr)
    if failures:
        if n > 1:
            print(f"{failures} of {n} files have errors", file=sys.stderr)
        return 1
    print(f"ok: {n} file{'s' if n != 1 else ''} checked")
    return 0


def cmd_run(args) -> int:
    from . import render
    from .files import make_directory

    form = args.format or ("csv" if args.output_dir else "table")
    if args.output_dir and form != "csv":
        raise UsageError(f"--output-dir writes CSV files; it does not combine with --format {form}")
    _check_k(args.provenance, args.k)
    program = _load_program(args)
    if args.output_dir:
        make_directory(args.output_dir)
    elif form == "csv":
        _require_one_relation(list(dict.fromkeys(args.query or program.ir.outputs)))
    if args.output:
        _check_writable(args.output)
    result = program.run(provenance=args.provenance, k=args.k, query=args.query,
                         max_iterations=args.iter_limit, memory_limit=args.memory_limit,
                         budget=args.budget)
    if form == "table":
        return _emit(render.table(result, args.k), args.output)
    if result.approximation:
        print(f"note: {render.summary(result, args.k)}", file=sys.stderr)
    if form == "json":
        return _emit(render.json_text(result) + "\n", args.output)
    if args.output_dir:
        for name in result.relations:
            _write(args.output_dir / f"{name}.csv", render.csv_text(result[name]))
        print(f"wrote {len(result.relations)} CSV file{'s' if len(result.relations) != 1 else ''}"
              f" to {args.output_dir}", file=sys.stderr)
        return 0
    return _emit(render.csv_text(result[result.relations[0]]), args.output)


def _load_program(args):
    """The program of `nesy run`: a shipped example, standard input (`-`), or a file."""
    from .program import compile, example, load

    if args.example:
        return load(example(args.example))
    if args.file == "-":
        return compile(sys.stdin.read(), "<stdin>")
    return load(args.file)


def _check_k(provenance: str, k: int | None) -> None:
    """--k changes only a top-k provenance; given with another, it would silently do nothing."""
    if k is None:
        return
    from .provenance import make, names

    if not make(provenance).uses_k:
        raise UsageError(f"--k applies only to a top-k provenance ({', '.join(names(uses_k=True))}); "
                         f"--provenance {provenance} has no k")


def _emit(text: str, output: Path | None) -> int:
    if output is None:
        sys.stdout.write(text)
    else:
        _write(output, text)
    return 0


def _write(path: Path, text: str) -> None:
    from .files import atomic_write_text

    try:
        atomic_write_text(path, text)
    except OSError as err:
        raise FileError(path, f"cannot write: {err.strerror or err}") from None


def _check_writable(path: Path) -> None:
    """Refuse an output file that cannot be written before the run, which may be long."""
    if path.is_dir():
        raise FileError(path, "is a directory, expected a file for --output")
    if not path.parent.is_dir():
        raise FileError(path, f"cannot write: the directory {path.parent} does not exist")


def cmd_repl(args) -> int:
    from . import repl

    _check_k(args.provenance, args.k)
    return repl.run(args.file, args.provenance, args.k)


def cmd_examples(args) -> int:
    from .program import examples
    from .files import read_text

    found = examples()
    width = max(map(len, found), default=0)
    for name, path in found.items():
        first = read_text(path).splitlines()[0] if path.stat().st_size else ""
        print(f"{name:<{width}}  {first.removeprefix('//').strip()}")
    print(f"\n{len(found)} examples in {next(iter(found.values())).parent if found else '-'}; "
          f"run one with: nesy run --example NAME")
    return 0


def _require_one_relation(outputs: list[str]) -> None:
    """CSV is one table: checked before the run, which may be long."""
    if len(outputs) != 1:
        raise UsageError(f"--format csv prints one relation, and this run outputs "
                         f"{len(outputs)} ({', '.join(outputs) or 'none'}): choose one with "
                         f"--query REL, or write one file per relation with --output-dir DIR")


def main(argv=None) -> int:
    """Run the `nesy` command; the one place where exceptions become exit statuses."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(core_only=_needs_core_only(argv), listing_only=argv in (["-h"], ["--help"]))
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.handler(args)
    except UsageError as err:
        command = args.command_parser
        command.print_usage(sys.stderr)
        print(f"{command.prog}: error: {err}", file=sys.stderr)
        return err.exit_code
    except NesyError as err:
        print(err.render(), file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return Interrupted.exit_code
    except BrokenPipeError:
        return 0
    except Exception as err:  # a bug (InternalError or anything unexpected): say so briefly
        if os.environ.get("NESY_DEBUG"):
            traceback.print_exc()
        print(f"internal error: {type(err).__name__}: {err}\n"
              f"this is a bug in nesy; rerun with NESY_DEBUG=1 for details and report it",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
