"""String synthesis on BUSTLE's benchmarks, beside the published figures.

Runs nesy's bottom-up search with BUSTLE's 22 operations on the 89 SyGuS-derived tasks and
BUSTLE's 38 new tasks (../shared/data/strings), once at a time budget per task and once at a
candidate budget per task, and prints the solved counts next to the published ones: plain
bottom-up enumeration in Python with 30 s per task (54 / 20), BUSTLE (44 / 15) and CrossBeam
(66.6 / 28.8) at 50,000 candidates. For the 38 tasks it also reports how many solutions
generalise to the held-out test examples.

    nice -n 10 python benchmarks/synth_strings.py --timeout 30 --jobs 1
    python benchmarks/synth_strings.py --timeout 2 --suite bustle_new_38   # a quick look

`--clock cpu` measures the time budget in processor seconds, which is fairer than elapsed
seconds on a machine shared with other work. Not run in CI.

The published figures were measured by their authors on other hardware, with other budgets
for the bottom-up baseline; only the 50k-candidate rows compare like with like (candidates
evaluated, not seconds). No peer runs here, so there are no per-task answers to compare: the
check is that every program nesy reports as a solution, read back from its text, is right on
the task's training examples when run by the domain's plain one-value-at-a-time Python
functions (the search evaluates whole columns, with numpy); the script exits 1 listing any
that is not.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
from pathlib import Path

from nesy.files import atomic_write_text
from nesy.synth import batch
from nesy.synth.domains import strings
from nesy.synth.search import Budget
from nesy.synth.tasks import load_tasks, solve

DATA = Path(os.environ.get("NESY_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
SUITES = ("sygus_89", "bustle_new_38")
# Published solved counts: plain bottom-up in Python at 30 s; BUSTLE and CrossBeam at 50,000
# candidates (CrossBeam's figure is a mean over runs).
PUBLISHED = {
    "sygus_89": {"bottom-up 30 s": 54, "BUSTLE 50k": 44, "CrossBeam 50k": 66.6},
    "bustle_new_38": {"bottom-up 30 s": 20, "BUSTLE 50k": 15, "CrossBeam 50k": 28.8},
}


#: The BUSTLE operations by the names programs print, as plain Python functions.
FUNCTIONS = {name: getattr(strings, {"len": "len_", "if": "if_"}.get(name, name))
             for name, _ in strings.OPERATIONS}


def right_on_examples(program: str, examples) -> bool:
    """Whether the program text, evaluated by `FUNCTIONS`, gives every example's output."""
    code = compile(re.sub(r"\bif\(", "if_(", program), "<program>", "eval")
    for example in examples:
        names = dict(zip(strings.input_names(len(example.inputs)), example.inputs))
        try:
            value = eval(code, {"__builtins__": {}}, {**FUNCTIONS, **names})  # noqa: S307
        except Exception:  # an operation given an undefined (None) argument
            return False
        if value != example.output:
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per task")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    parser.add_argument("--candidates", type=int, default=50_000,
                        help="the candidate budget of the second run (0 to skip it)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--suite", choices=SUITES, action="append")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--output", type=Path, help="write every result as JSON here")
    parser.add_argument("--verbose", action="store_true", help="print a row per task")
    args = parser.parse_args(argv)
    if not (args.data / "strings").is_dir():
        print(f"no benchmark data in {args.data}/strings (use --data)", file=sys.stderr)
        return 1

    budgets = {f"{args.timeout:g} {'CPU ' if args.clock == 'cpu' else ''}s":
               Budget(timeout=args.timeout, clock=args.clock)}
    if args.candidates:
        budgets[f"{args.candidates // 1000}k candidates"] = Budget(max_candidates=args.candidates)
    report, rows, wrong = {}, [], []
    for suite in args.suite or SUITES:
        tasks = load_tasks(args.data / "strings" / f"{suite}.json")
        for label, budget in budgets.items():
            results = batch.run_all(functools.partial(solve, budget=budget), tasks, args.jobs,
                                    label=f"{suite} @ {label}")
            if args.verbose:
                print(f"\n{suite} @ {label}\n{batch.table(results)}")
            report[f"{suite} @ {label}"] = [r.__dict__ for r in results if r is not None]
            rows.append((suite, label, len(tasks), results))
            wrong += [f"{suite} @ {label}: {task.name}: {result.program}" for task, result in zip(tasks, results)
                      if result is not None and result.solved and not right_on_examples(result.program, task.train)]

    print(f"\n{'suite':<14} {'budget':<16} {'solved':>7} {'mean s':>7} {'generalise':>10}   "
          f"published: bottom-up 30 s / BUSTLE 50k / CrossBeam 50k")
    for suite, label, count, results in rows:
        s = batch.summary(results)
        solved = [r for r in results if r is not None and r.solved]
        mean = sum(r.seconds for r in solved) / max(1, len(solved))
        general = f"{s['generalizes']}/{s['with_test_examples']}" if suite == "bustle_new_38" else "-"
        published = " / ".join(f"{v:g}" for v in PUBLISHED[suite].values())
        print(f"{suite:<14} {label:<16} {s['solved']:>3}/{count:<3} {mean:>7.2f} {general:>10}   "
              f"{published}")
    if args.output:
        atomic_write_text(args.output, json.dumps(report, indent=1))
    for line in wrong:
        print(f"WRONG: {line} fails a training example", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
