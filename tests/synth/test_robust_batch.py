"""Issue 16 item 17: one failing task never loses the batch.

A task that raises, or whose process is killed, is reported as its own row; results are
saved as they complete; an unusable --output fails before the work; workers never outlive
the parent; --jobs above the number of tasks starts no more processes than there are tasks.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from nesy.synth import batch, tasks as task_module
from nesy.synth.batch import TaskResult
from nesy_testing import run_cli_in_process

GOOD = {"name": "good", "trainExamples": [{"inputs": ["abc"], "output": "ABC"},
                                          {"inputs": ["xy"], "output": "XY"}]}


def failed(index, reason):
    return TaskResult.failure(f"t{index}", reason)


def solve_or_fail(item):
    if item == "raise":
        raise ValueError("boom")
    if item == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    return TaskResult(f"t-{item}", True, item, 1, 1, 0.0, "solved", "solved")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_raising_task_is_its_own_row(jobs):
    results = batch.run_all(solve_or_fail, ["a", "raise", "b"], jobs, failed=failed)
    assert [r.stop for r in results] == ["solved", "error", "solved"]
    assert "ValueError: boom" in results[1].message


def test_a_killed_worker_is_reported_for_its_task_only():
    results = batch.run_all(solve_or_fail, ["a", "kill", "b", "c"], 2, failed=failed)
    assert [r.stop for r in results] == ["solved", "error", "solved", "solved"]
    assert "killed (SIGKILL" in results[1].message


def test_results_are_handed_over_as_they_complete():
    seen = []
    batch.run_all(solve_or_fail, ["a", "b", "c"], 2, failed=failed,
                  on_result=lambda results: seen.append(sum(r is not None for r in results)))
    assert sorted(seen) == [1, 2, 3]


def pid_of(item):
    return os.getpid()


def test_jobs_above_the_task_count_start_one_process_per_task():
    pids = batch.run_all(pid_of, [1, 2], jobs=64)
    assert len(set(pids)) == 2 and os.getpid() not in pids


def test_cli_reports_a_crashing_task_as_a_row_and_keeps_the_others(tmp_path, monkeypatch):
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([GOOD, {**GOOD, "name": "bad"}, {**GOOD, "name": "good2"}]))
    real = task_module.solve

    def crashing(task, budget):
        if task.name == "bad":
            raise IndexError("a bug in one task")
        return real(task, budget)

    monkeypatch.setattr(task_module, "solve", crashing)
    out = tmp_path / "out.json"
    done = run_cli_in_process("synth", "strings", str(path), "--output", str(out))
    assert done.returncode == 1
    assert "1 of 3 tasks failed (bad)" in done.stderr
    rows = {r["name"]: r for r in json.loads(out.read_text())["results"]}
    assert rows["good"]["solved"] and rows["good2"]["solved"]
    assert rows["bad"]["stop"] == "error" and "IndexError" in rows["bad"]["message"]
    assert "bad" in done.stdout and "upper(var_0)" in done.stdout


def test_results_are_saved_while_later_tasks_run(tmp_path, monkeypatch):
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([GOOD, {**GOOD, "name": "second"}]))
    out = tmp_path / "out.json"
    real = task_module.solve
    seen = []

    def solve(task, budget):
        if task.name == "second":  # the first task's row is already on disk
            seen.extend(r["name"] for r in json.loads(out.read_text())["results"])
        return real(task, budget)

    monkeypatch.setattr(task_module, "solve", solve)
    done = run_cli_in_process("synth", "strings", str(path), "--output", str(out))
    assert done.returncode == 0 and seen == ["good"]
    assert [r["name"] for r in json.loads(out.read_text())["results"]] == ["good", "second"]


@pytest.mark.parametrize("where", ["dir", "missing"])
def test_an_unusable_output_fails_before_the_work(tmp_path, where, monkeypatch):
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([GOOD]))
    monkeypatch.setattr(task_module, "solve", lambda *a: pytest.fail("solved before the check"))
    output = tmp_path if where == "dir" else tmp_path / "no" / "out.json"
    done = run_cli_in_process("synth", "strings", str(path), "--output", str(output))
    assert done.returncode == 2 and "--output" in done.stderr


PARENT = textwrap.dedent("""
    import os, sys, time
    from nesy.synth import batch

    def sleeper(item):
        with open(os.path.join(sys.argv[1], str(os.getpid())), "w"):
            pass
        time.sleep(120)

    batch.run_all(sleeper, [1, 2], jobs=2)
""")


def test_workers_do_not_outlive_a_killed_parent(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path)],
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
    deadline = time.monotonic() + 60
    while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = [int(p.name) for p in tmp_path.iterdir()]
    assert len(workers) == 2
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_synth_regex_reports_a_crashing_task_as_a_row(tmp_path, monkeypatch):
    from nesy.synth import regex

    paths = []
    for name in ("one", "two"):
        path = tmp_path / f"{name}.txt"
        path.write_text("ends with 1\n++\n1\n01\n--\n0\n10\n")
        paths.append(path)
    real = regex.solve

    def crashing(task, timeout=None):
        if task.name.startswith("two"):
            raise KeyError("a bug in one task")
        return real(task, timeout)

    monkeypatch.setattr(regex, "solve", crashing)
    done = run_cli_in_process("synth", "regex", *paths, "--alphabet", "01")
    assert done.returncode == 1 and "1 of 2 tasks failed" in done.stderr
    assert "error: internal error: KeyError" in done.stdout
