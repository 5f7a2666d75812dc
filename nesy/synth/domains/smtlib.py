"""SMT-LIB's theories of strings and integers, as used by SyGuS `.sl` files.

Functions are registered under their SMT-LIB names (`str.++`, `str.indexof`, ...), with the
SyGuS-IF v1 and SMT-LIB 2.6 spellings of the conversions both accepted. Semantics are SMT-LIB
2.6's: string operations are total (an out-of-range position gives "" or -1, never an error);
only integer division and remainder by zero have no value.

The domain's subcommand is `nesy synth sygus FILE.sl...` (SyGuS-IF files, see
`nesy.synth.sygus`).
"""
from __future__ import annotations

import numpy as np

from nesy.errors import CompileError, FileError
from nesy.synth.domains import Domain

DOMAIN = Domain("smtlib", "SMT-LIB's theories of strings and integers (SyGuS problems)")

S, I, B = "String", "i64", "bool"
DIGITS = frozenset("0123456789")
MAX_CODE_POINT = 196607  # SMT-LIB's largest character code


@DOMAIN.operation("str.++", [S, S], S, variadic=True)
def concat(*parts: str) -> str:
    """Concatenation of two or more strings (SMT-LIB's `str.++` is left-associative)."""
    return "".join(parts)


@DOMAIN.operation("str.len", [S], I)
def length(s: str) -> int:
    return len(s)


@DOMAIN.operation("str.at", [S, I], S)
def at(s: str, i: int) -> str:
    """The character at 0-based position i, or "" when i is out of range."""
    return s[i] if 0 <= i < len(s) else ""


@DOMAIN.operation("str.substr", [S, I, I], S)
def substr(s: str, i: int, n: int) -> str:
    """At most n characters from 0-based position i; "" when i is out of range or n <= 0."""
    return s[i:i + n] if 0 <= i < len(s) and n > 0 else ""


@DOMAIN.operation("str.indexof", [S, S, I], I)
def indexof(s: str, t: str, i: int) -> int:
    """First position of t in s at or after i; -1 when there is none or i is outside 0..|s|."""
    return s.find(t, i) if 0 <= i <= len(s) else -1


@DOMAIN.operation("str.replace", [S, S, S], S)
def replace(s: str, t: str, u: str) -> str:
    """Replace the first occurrence of t by u; an empty t is found at the start of s."""
    return u + s if t == "" else s.replace(t, u, 1)


@DOMAIN.operation("str.replace_all", [S, S, S], S)
def replace_all(s: str, t: str, u: str) -> str:
    """Replace every occurrence of t by u; an empty t changes nothing."""
    return s if t == "" else s.replace(t, u)


@DOMAIN.operation("str.prefixof", [S, S], B)
def prefixof(prefix: str, s: str) -> bool:
    return s.startswith(prefix)


@DOMAIN.operation("str.suffixof", [S, S], B)
def suffixof(suffix: str, s: str) -> bool:
    return s.endswith(suffix)


@DOMAIN.operation("str.contains", [S, S], B)
def contains(s: str, t: str) -> bool:
    return t in s


@DOMAIN.operation("str.<", [S, S], B)
def less(s: str, t: str) -> bool:
    """Lexicographic order by character code."""
    return s < t


@DOMAIN.operation("str.<=", [S, S], B)
def less_equal(s: str, t: str) -> bool:
    return s <= t


@DOMAIN.operation("str.is_digit", [S], B)
def is_digit(s: str) -> bool:
    return len(s) == 1 and s in DIGITS


def to_int(s: str) -> int:
    """The number written by the decimal digits s; -1 when s is empty or not all digits."""
    return int(s) if s and DIGITS.issuperset(s) else -1


def from_int(n: int) -> str:
    """The decimal digits of n; "" when n is negative."""
    return str(n) if n >= 0 else ""


def to_code(s: str) -> int:
    return ord(s) if len(s) == 1 else -1


def from_code(n: int) -> str:
    return chr(n) if 0 <= n <= MAX_CODE_POINT else ""


for _names, _core, _params, _returns in (
    (("str.to_int", "str.to.int"), to_int, [S], I),
    (("str.from_int", "int.to.str"), from_int, [I], S),
    (("str.to_code",), to_code, [S], I),
    (("str.from_code",), from_code, [I], S),
):
    for _name in _names:
        DOMAIN.operation(_name, _params, _returns)(_core)


@DOMAIN.operation("+", [I], I, variadic=True)
def plus(*xs: int) -> int:
    return sum(xs)


@DOMAIN.operation("-", [I, I], I, optional=1)
def minus(a: int, b: int | None = None) -> int:
    """Subtraction, or negation with one argument."""
    return -a if b is None else a - b


@DOMAIN.operation("*", [I], I, variadic=True)
def times(*xs: int) -> int:
    product = 1
    for x in xs:
        product *= x
    return product


@DOMAIN.operation("div", [I, I], I)
def div(a: int, b: int) -> int | None:
    """Euclidean division (the remainder is never negative); no value when b = 0."""
    if b == 0:
        return None
    return (a - a % abs(b)) // b


@DOMAIN.operation("mod", [I, I], I)
def mod(a: int, b: int) -> int | None:
    """Euclidean remainder, in 0..|b|-1; no value when b = 0."""
    return a % abs(b) if b != 0 else None


@DOMAIN.operation("<", [I, I], B)
def lt(a: int, b: int) -> bool:
    return a < b


@DOMAIN.operation("<=", [I, I], B)
def le(a: int, b: int) -> bool:
    return a <= b


@DOMAIN.operation(">", [I, I], B)
def gt(a: int, b: int) -> bool:
    return a > b


@DOMAIN.operation(">=", [I, I], B)
def ge(a: int, b: int) -> bool:
    return a >= b


@DOMAIN.operation("=", ["T:any", "T:any"], B)
def equal(a, b) -> bool:
    return a == b


@DOMAIN.operation("ite", [B, "T:any", "T:any"], "T")
def ite(condition: bool, then, otherwise):
    return then if condition else otherwise


@DOMAIN.operation("and", [B], B, variadic=True)
def and_(*xs: bool) -> bool:
    return all(xs)


@DOMAIN.operation("or", [B], B, variadic=True)
def or_(*xs: bool) -> bool:
    return any(xs)


@DOMAIN.operation("not", [B], B)
def not_(x: bool) -> bool:
    return not x


@DOMAIN.operation("=>", [B, B], B)
def implies(a: bool, b: bool) -> bool:
    return not a or b


@DOMAIN.identity("ite", 1)
def _ite_picks_a_branch(condition: np.ndarray) -> np.ndarray:
    return np.where(condition.astype(bool), 1, 2)


@DOMAIN.identity("str.replace", 2)
def _replace_finds_nothing(s: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.array([0 if u != "" and u not in v else -1 for v, u in zip(s.tolist(), t.tolist())],
                    dtype=np.int64)


@DOMAIN.identity("str.replace_all", 2)
def _replace_all_finds_nothing(s: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.array([0 if u == "" or u not in v else -1 for v, u in zip(s.tolist(), t.tolist())],
                    dtype=np.int64)


# -- `nesy synth sygus` --------------------------------------------------------------------------

def add_command(commands) -> None:
    from nesy.synth import cli

    parser = commands.add_parser(
        "sygus", help="SyGuS-IF programming-by-example problems (.sl files)",
        description="Solve SyGuS-IF (version 1 or 2) files whose constraints are input-output "
                    "examples, within the grammar each file gives, answering as a SyGuS "
                    "solver does with (define-fun ...).")
    parser.add_argument("files", nargs="+", metavar="FILE.sl", help="SyGuS problem files")
    cli.add_budget_options(parser)
    parser.add_argument("--format", choices=["sygus", "table", "json"], default="sygus",
                        help="how to print results (default: sygus, a define-fun per file)")
    parser.set_defaults(handler=run_command)


def run_command(args) -> int:
    """Solve every file that reads; the files that do not are reported together at the end."""
    import functools

    from nesy.synth import batch, cli
    from nesy.synth.sygus import load_sygus, solve_file

    budget = cli.budget(args)
    problems, errors = [], []
    for path in args.files:
        try:
            problems.append((load_sygus(path), path))
        except (CompileError, FileError) as error:
            errors.append(error)
    results = cli.run_tasks(functools.partial(solve_file, budget=budget), problems,
                            [name for _, name in problems], args, label="files")
    if args.format == "sygus":
        _print_answers(results)
        if len(results) > 1:
            print("; " + batch.summary_line(results))
        cli.save(results, args)
    else:
        cli.report(results, args, args.format)
    cli.finish(results)
    if errors:
        raise errors[0] if len(errors) == 1 else CompileError(
            [d for e in errors for d in (e.diagnostics if isinstance(e, CompileError) else
                                         [e.diagnostic()])])
    return 0


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


DOMAIN.command = add_command
