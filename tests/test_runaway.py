"""Issue 16 item 8: runaway programs stop with a clear message naming the rule.

`--iter-limit N` / `max_iterations` bound the rounds of a recursive stratum; `--memory-limit
MB` / `memory_limit` what the run may add to the process's resident memory. Limits are
small, so every test is quick and allocates little.
"""
from __future__ import annotations

import pytest

import nesy
from nesy.engine.limits import MB, ResourceLimitError
from nesy.memory import resident_memory
from nesy.engine.executor import FixpointError
from nesy.errors import UsageError

from conftest import run_cli_in_process

COUNTER = "type c(i64)\nrel c(0)\nrel c(x + 1) = c(x)\n"
# `big` would need 10^12 rows: a cross product of two million-row relations
CROSS = """type n(i32)
rel n = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
rel d(a) = n(a)
rel d(a * 10 + b) = d(a) and n(b) and a < 100000
rel big(a, b) = d(a) and d(b)
"""
DOUBLING = 'rel s("ab")\nrel s($string_concat(x, x)) = s(x)\n'


@pytest.mark.parametrize("rounds", [1, 7, 40])
def test_max_iterations_bounds_the_rounds(rounds):
    program = nesy.compile(COUNTER)
    with pytest.raises(FixpointError, match=f"after {rounds} rounds"):
        program.run(max_iterations=rounds)
    # a bounded counter reaching exactly `rounds` values needs that many rounds and one more
    bounded = nesy.compile(f"type c(i64)\nrel c(0)\nrel c(x + 1) = c(x) and x < {rounds - 1}\n")
    assert len(bounded.run(max_iterations=rounds + 1)["c"]) == rounds


@pytest.mark.parametrize("bad", [0, -1, 2.5, "10", True])
def test_max_iterations_must_be_a_positive_int(bad):
    with pytest.raises(UsageError, match="max_iterations must be a positive integer"):
        nesy.compile(COUNTER).run(max_iterations=bad)


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf"), "1GB"])
def test_memory_limit_must_be_a_positive_number(bad):
    with pytest.raises(UsageError, match="memory_limit must be a positive number"):
        nesy.compile(COUNTER).run(memory_limit=bad)


def test_a_huge_cross_product_is_refused_before_it_is_built():
    program = nesy.compile(CROSS)
    with pytest.raises(ResourceLimitError) as caught:
        program.run(memory_limit=300)
    message = str(caught.value)
    assert "<string>:5:" in message and "'big'" in message
    assert "1,000,000,000,000 rows" in message


def test_the_limit_counts_what_the_run_adds_not_what_the_process_holds():
    ballast = bytearray(200 * MB)  # the caller's own data: a training set, say
    ballast[::4096] = b"x" * len(ballast[::4096])  # touched, so resident
    assert len(nesy.compile(COUNTER.replace("= c(x)", "= c(x) and x < 99")).run(
        memory_limit=50)["c"]) == 100
    del ballast


def test_string_doubling_stops_at_the_memory_limit():
    before = resident_memory()
    with pytest.raises(ResourceLimitError, match=r"<string>:2:.*'s'.*memory use passed"):
        nesy.compile(DOUBLING).run(memory_limit=64)
    assert resident_memory() - before < 1024 * MB


def test_cli_iter_limit_and_memory_limit(tmp_path):
    path = tmp_path / "counter.nesy"
    path.write_text(COUNTER)
    done = run_cli_in_process("run", str(path), "--iter-limit", "5")
    assert done.returncode == 1 and "after 5 rounds" in done.stderr
    cross = tmp_path / "cross.nesy"
    cross.write_text(CROSS)
    done = run_cli_in_process("run", str(cross), "--memory-limit", "300")
    assert done.returncode == 1 and "cross.nesy:5:" in done.stderr
    assert "--memory-limit" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("flag,value", [("--iter-limit", "0"), ("--iter-limit", "-3"),
                                        ("--memory-limit", "nan"), ("--memory-limit", "0"),
                                        ("--memory-limit", "inf")])
def test_cli_rejects_bad_limits(tmp_path, flag, value):
    path = tmp_path / "counter.nesy"
    path.write_text(COUNTER)
    done = run_cli_in_process("run", str(path), flag, value)
    assert done.returncode == 2 and flag in done.stderr
