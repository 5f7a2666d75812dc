"""The language's built-in functions are one namespace, discovered from nesy/builtins/, and
what a program may call never depends on what was imported or compiled before."""
from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import nesy
from nesy import builtins
from nesy.cli import main

USES_LEN = 'rel word = {("ab")}\nrel size(n) = word(w), n == $len(w)\n'
GRAMMAR = "grammar g(x: String) -> S {\n  S: String ::= $upper(S) | x\n}\n"


def rejections(tmp_path, capsys) -> list[str]:
    """How nesy.compile, nesy.load and `nesy run` reject a rule calling the strings domain's
    `$len`: each must be the same unknown-function error."""
    path = tmp_path / "len.nesy"
    path.write_text(USES_LEN)
    messages = []
    for compile_it in (lambda: nesy.compile(USES_LEN, str(path)), lambda: nesy.load(path)):
        with pytest.raises(nesy.CompileError) as caught:
            compile_it()
        messages.append(caught.value.diagnostics[0].message)
    assert main(["run", str(path)]) == 1
    err = capsys.readouterr().err
    messages.append(next(line.split("error: ", 1)[1] for line in err.splitlines() if "error: " in line))
    return messages


def test_a_domain_operation_is_not_a_built_in_whatever_was_used_before(tmp_path, capsys):
    expected = ["unknown function '$len'"] * 3
    assert rejections(tmp_path, capsys) == expected
    nesy.compile(GRAMMAR).synthesize("g", [(("a",), "A")])  # loads the synthesis domains
    importlib.import_module("nesy.synth")
    assert rejections(tmp_path, capsys) == expected


def test_the_command_line_rejects_it_in_a_fresh_process(tmp_path):
    path = tmp_path / "len.nesy"
    path.write_text(USES_LEN)
    run = subprocess.run([sys.executable, "-m", "nesy", "run", str(path)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1 and "unknown function '$len'" in run.stderr


def test_built_ins_are_discovered_from_their_files():
    assert {"abs", "min", "max", "string_concat", "string_length", "substring", "format",
            "string_char_at", "string_upper", "string_lower", "string_index_of",
            "string_trim", "ceil", "floor", "sign", "pow", "powf", "exp", "exp2", "log", "log2",
            "acos", "asin", "atan", "atan2", "hash", "sin", "cos", "tan", "string_replace",
            "datetime_year", "datetime_month", "datetime_month0", "datetime_day"} == \
        set(builtins.BUILTINS)


@pytest.fixture
def toy_built_in():
    @builtins.register("toy", ["i32", "i32"], "i32")
    def toy(a, b):
        """a * 10 + b; no value for negative a."""
        if a < 0:
            raise builtins.NoValue
        return a * 10 + b

    yield toy
    builtins.unregister("toy")


def test_a_built_in_registered_from_outside_is_callable_from_programs(toy_built_in):
    program = nesy.compile("rel pair = {(1, 2), (-1, 5), (4, 0)}\n"
                           "rel joined(n) = pair(a, b), n == $toy(a, b)\n")
    assert sorted(program.run()["joined"].tuples) == [(12,), (40,)]
    with pytest.raises(nesy.CompileError, match=r"argument 1 of \$toy"):
        nesy.compile('rel bad(n) = n == $toy("x", 1)')


def test_a_removed_built_in_is_unknown_again(toy_built_in):
    builtins.unregister("toy")
    with pytest.raises(nesy.CompileError, match=r"unknown function '\$toy'"):
        nesy.compile("rel r(n) = n == $toy(1, 2)")
