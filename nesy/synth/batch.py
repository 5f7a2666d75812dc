"""Solving many synthesis tasks: in parallel processes, with a progress bar, and reporting.

Results come back in task order whatever order the processes finish in, so a run's report is
the same with any `--jobs`.
"""
from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import asdict, dataclass
from multiprocessing.connection import wait
from typing import Callable, Sequence

from tqdm import tqdm

from nesy.errors import NesyError


@dataclass(frozen=True)
class TaskResult:
    name: str
    solved: bool
    program: str | None
    size: int | None
    candidates: int
    seconds: float
    stop: str  # why the search ended: solved, timeout, candidates, memory, ...
    message: str
    generalizes: bool | None = None  # right on every held-out example; None without them

    @staticmethod
    def failure(name: str, reason: str) -> "TaskResult":
        """The row of a task that could not be solved at all (its error, a dead process)."""
        return TaskResult(name, False, None, None, 0, 0.0, "error", reason)


def run_all(solve: Callable, items: Sequence, jobs: int = 1, label: str = "tasks",
            failed: Callable[[int, str], object] | None = None,
            on_result: Callable[[list], None] | None = None) -> list:
    """`[solve(item) for item in items]`, over `jobs` processes, showing progress on stderr
    (when it is a terminal). On Ctrl-C the results finished so far are returned, in order,
    with `None` for the others.

    One task never loses the batch: with `failed(index, reason)`, a task whose solve raises,
    or whose process dies (killed, out of memory, crashed), gets the row `failed` makes, and
    the others go on (without it, the error propagates). Each task runs in its own forked
    process, so a dying one takes no other task with it, and workers never outlive this
    process. `on_result(results)` is called after each task finishes (to save them)."""
    results: list = [None] * len(items)
    bar = tqdm(total=len(items), desc=label, unit="task", disable=None, leave=False)

    def record(index: int, result) -> None:
        results[index] = result
        _advance(bar, result)
        if on_result is not None:
            on_result(results)

    try:
        if jobs <= 1 or len(items) <= 1:
            for index, item in enumerate(items):
                record(index, _solve_here(solve, item, index, failed))
        else:
            _in_processes(solve, items, min(jobs, len(items)), failed, record)
    except KeyboardInterrupt:
        pass
    finally:
        bar.close()
    return results


def _solve_here(solve: Callable, item, index: int, failed):
    if failed is None:
        return solve(item)
    try:
        return solve(item)
    except NesyError as error:
        return failed(index, str(error))
    except (Exception, RecursionError) as error:  # noqa: BLE001 - a bug, reported as its row
        return failed(index, f"internal error: {type(error).__name__}: {error}")


def _in_processes(solve: Callable, items: Sequence, jobs: int, failed, record) -> None:
    """At most `jobs` forked processes at a time, one per task, each sending back its result
    (or its error) through a pipe."""
    context = multiprocessing.get_context("fork")
    running: dict = {}  # connection -> (index, process)
    waiting = iter(range(len(items)))
    try:
        while True:
            while len(running) < jobs:
                index = next(waiting, None)
                if index is None:
                    break
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_worker, args=(solve, items[index], index,
                                                                 failed, send), daemon=True)
                process.start()
                send.close()
                running[receive] = (index, process)
            if not running:
                return
            for receive in wait(list(running)):
                index, process = running.pop(receive)
                try:
                    kind, value = receive.recv()
                except (EOFError, OSError):
                    process.join()
                    kind, value = "died", _death(process.exitcode)
                receive.close()
                process.join()
                if kind == "raised":
                    raise value
                if kind == "died":
                    if failed is None:
                        raise NesyError(f"task {index + 1}: {value}")
                    value = failed(index, value)
                record(index, value)
    finally:
        for _, process in running.values():
            process.kill()
            process.join()


def _worker(solve: Callable, item, index: int, failed, send) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        message = ("done", _solve_here(solve, item, index, failed))
    except BaseException as error:  # noqa: BLE001 - sent to the parent, which re-raises it
        message = ("raised", error)
    try:
        send.send(message)
    except Exception as error:  # noqa: BLE001 - e.g. a result that does not pickle
        send.send(("died", f"its result could not be sent back: {error}"))
    send.close()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else exitcode
        return (f"the process solving it was killed ({name}; out of memory, or stopped "
                f"from outside)")
    return f"the process solving it ended unexpectedly (exit code {exitcode})"


def _die_with_parent() -> None:
    """A worker dies with its parent (Linux: PR_SET_PDEATHSIG), so a killed `nesy` leaves no
    orphaned searches running; elsewhere a thread watches for the parent to go."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL) == 0:  # PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before the call
                os._exit(1)
            return
    except (OSError, AttributeError):
        pass

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _advance(bar: tqdm, result) -> None:
    bar.update(1)
    if isinstance(result, TaskResult):
        bar.set_postfix_str(f"{result.name}: {'solved' if result.solved else result.stop}")


def summary(results: Sequence[TaskResult | None]) -> dict:
    done = [r for r in results if r is not None]
    solved = [r for r in done if r.solved]
    checked = [r for r in solved if r.generalizes is not None]
    return {
        "tasks": len(results), "finished": len(done), "solved": len(solved),
        "seconds": round(sum(r.seconds for r in done), 3),
        "candidates": sum(r.candidates for r in done),
        "generalizes": sum(1 for r in checked if r.generalizes), "with_test_examples": len(checked),
    }


def summary_line(results: Sequence[TaskResult | None]) -> str:
    s = summary(results)
    line = (f"solved {s['solved']}/{s['tasks']} ({100 * s['solved'] / max(1, s['tasks']):.1f}%) "
            f"in {s['seconds']:.1f} s, {s['candidates']:,} candidates")
    if s["finished"] < s["tasks"]:
        line += f"; interrupted after {s['finished']} tasks"
    if s["with_test_examples"]:
        line += (f"; {s['generalizes']}/{s['with_test_examples']} solved tasks generalise "
                 f"to their test examples")
    return line


def table(results: Sequence[TaskResult | None]) -> str:
    """One row per finished task: solved, size, candidates, seconds, generalisation, program."""
    done = [r for r in results if r is not None]
    width = max([len(r.name) for r in done] + [4])
    rows = [f"{'task':<{width}}  solved  size  candidates  seconds  test  program"]
    for r in done:
        test = "-" if r.generalizes is None else ("yes" if r.generalizes else "no")
        program = r.program if r.solved else f"({r.message})"
        rows.append(f"{r.name:<{width}}  {'yes' if r.solved else 'no':<6}  "
                    f"{r.size if r.size is not None else '-':>4}  {r.candidates:>10,}  "
                    f"{r.seconds:>7.2f}  {test:<4}  {program}")
    return "\n".join(rows)


def as_json(results: Sequence[TaskResult | None]) -> str:
    return json.dumps({"results": [asdict(r) for r in results if r is not None],
                       "summary": summary(results)}, indent=2)
