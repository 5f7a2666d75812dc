"""Solving many synthesis tasks: in parallel processes, with a progress bar, and reporting.

Results come back in task order whatever order the processes finish in, so a run's report is
the same with any `--jobs`.
"""
from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

from tqdm import tqdm


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


def run_all(solve: Callable, items: Sequence, jobs: int = 1, label: str = "tasks") -> list:
    """`[solve(item) for item in items]`, over `jobs` processes, showing progress on stderr
    (when it is a terminal). On Ctrl-C the results finished so far are returned, in order,
    with `None` for the others."""
    results: list = [None] * len(items)
    bar = tqdm(total=len(items), desc=label, unit="task", disable=None, leave=False)
    try:
        if jobs <= 1:
            for index, item in enumerate(items):
                results[index] = solve(item)
                _advance(bar, results[index])
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(solve, item): i for i, item in enumerate(items)}
                try:
                    for future in as_completed(futures):
                        results[futures[future]] = future.result()
                        _advance(bar, results[futures[future]])
                except KeyboardInterrupt:
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
    except KeyboardInterrupt:
        pass
    finally:
        bar.close()
    return results


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
