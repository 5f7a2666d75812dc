"""Shared helpers for the nesy test-suite.

The helpers here only *drive* nesy (the public API and the `nesy` command) and compare
what it returns with expectations; they never compute expected answers themselves.
"""
from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

# Test modules import these helpers as `nesy_testing`: the bare name `conftest` is not safe to
# import, because pytest re-binds it to whichever directory's conftest.py it loaded last.
sys.modules.setdefault("nesy_testing", sys.modules[__name__])

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = ROOT / "programs"
EXPECTED = PROGRAMS / "expected"


# ---------------------------------------------------------------------------------------------
# Running nesy


def run_cli(*args, timeout: float = 300, cwd: Path | str | None = None,
            stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run `python -m nesy ARGS...` and capture its text output."""
    env = dict(os.environ)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return subprocess.run(
        [sys.executable, "-m", "nesy", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env,
        input=stdin if stdin is not None else "",
    )


def run_cli_in_process(*args) -> subprocess.CompletedProcess:
    """Run `nesy ARGS...` through `nesy.cli.main` in this process, capturing its text output
    and exit status as `run_cli` does. The command line is the same code; only the start-up
    of a fresh interpreter (about a second of CPU per command) is saved. Tests of the entry
    point itself (`python -m nesy`, encodings, broken pipes) use `run_cli`."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from nesy.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse: --help, --version, usage errors
            status = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
    return subprocess.CompletedProcess(["nesy", *map(str, args)], status, out.getvalue(),
                                       err.getvalue())


def run_cli_all(commands: list[list]) -> list[subprocess.CompletedProcess]:
    """Run several `nesy` commands (each a list of arguments) in process; results in order."""
    return [run_cli_in_process(*args) for args in commands]


def compile_program(text: str, name: str = "<test>"):
    import nesy

    return nesy.compile(text, name=name)


def relation_set(result, name: str) -> set[tuple]:
    """The tuples of one output relation as a set of Python tuples."""
    return {tuple(t) for t in result[name]}


def evaluate(text: str, facts: dict | None = None, provenance: str = "unit",
             relations=None) -> dict[str, set[tuple]]:
    """Compile and run `text`; return {relation: set of tuples} for `relations`
    (default: every relation the result lists)."""
    program = compile_program(text)
    result = program.run(provenance=provenance, facts=facts or {})
    names = list(result.relations) if relations is None else list(relations)
    return {name: relation_set(result, name) for name in names}


def result_json(result) -> dict:
    """`Result.to_json()` parsed into Python data, whether it returns text or data."""
    data = result.to_json()
    if isinstance(data, (str, bytes)):
        data = json.loads(data)
    return data


# ---------------------------------------------------------------------------------------------
# Comparing JSON


def assert_json_equal(got, expected, where: str = "$") -> None:
    """Structural equality of parsed JSON that, unlike `==`, tells `true` from `1` and
    `1.0` from `1`, compares floats to 1e-9 relative, and reports the first difference."""
    if isinstance(expected, dict):
        assert isinstance(got, dict), f"{where}: expected an object, got {got!r}"
        assert set(got) == set(expected), (
            f"{where}: keys differ: missing {sorted(set(expected) - set(got))}, "
            f"unexpected {sorted(set(got) - set(expected))}")
        for key in expected:
            assert_json_equal(got[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(got, list), f"{where}: expected a list, got {got!r}"
        assert len(got) == len(expected), (
            f"{where}: expected {len(expected)} items, got {len(got)}:\n"
            f"  expected {expected!r}\n  got      {got!r}")
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_json_equal(g, e, f"{where}[{i}]")
    elif isinstance(expected, bool) or expected is None or isinstance(expected, str):
        assert type(got) is type(expected) and got == expected, (
            f"{where}: expected {expected!r}, got {got!r}")
    elif isinstance(expected, int):
        assert type(got) is int and got == expected, f"{where}: expected {expected!r}, got {got!r}"
    elif isinstance(expected, float):
        assert type(got) is float, f"{where}: expected float {expected!r}, got {got!r}"
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), (
            f"{where}: expected {expected!r}, got {got!r}")
    else:  # pragma: no cover - expected files only hold JSON values
        raise TypeError(f"{where}: unexpected value {expected!r}")


def relations_from_json(data: dict) -> dict[str, list[list]]:
    return {name: [item["tuple"] for item in items] for name, items in data["relations"].items()}


# ---------------------------------------------------------------------------------------------
# Locations of diagnostics


def assert_span_inside(text: str, line: int, column: int, what: str = "") -> None:
    """A (1-based) line/column lies inside `text`, counting the position just after the last
    character of a line (and the start of the line after a final newline) as inside. Lines
    end at LF, CRLF or CR, as `nesy.errors.Source` counts them."""
    lines = re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff"))
    assert isinstance(line, int) and isinstance(column, int), f"{what}: {line!r}:{column!r}"
    assert 1 <= line <= len(lines), f"{what}: line {line} outside 1..{len(lines)}"
    assert 1 <= column <= len(lines[line - 1]) + 1, (
        f"{what}: column {column} outside 1..{len(lines[line - 1]) + 1} on line {line} "
        f"{lines[line - 1]!r}")


class Timeout(Exception):
    pass


@contextmanager
def time_limit(seconds: int):
    """Raise `Timeout` in the main thread after `seconds` (Unix only; no-op elsewhere)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def handler(signum, frame):
        raise Timeout(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Run torch on one thread, as `nesy train` does by default: the tensors of these tests
    are small and gain nothing from a second thread, whose spinning only costs CPU time
    (without OMP_NUM_THREADS=1, tests/test_module.py and tests/neural took 16.2 s of CPU
    instead of 9.9 s on the 2-core development machine)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def write_file(tmp_path):
    """write_file(name, text_or_bytes) -> Path inside a fresh temporary directory."""

    def write(name: str, content) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write
