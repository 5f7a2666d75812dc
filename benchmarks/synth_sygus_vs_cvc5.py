"""SyGuS programming-by-example files: nesy beside cvc5, same files, same limit, one run.

For every `.sl` file under ../shared/data/sygus (the 210 files of the 2019 PBE_SLIA track),
nesy's bottom-up search and cvc5's SyGuS mode (the `cvc5` pip package) each get the same time
limit. cvc5 reads the problem as nesy writes it in SyGuS-IF version 2 (cvc5 no longer reads
version 1), with the same grammar and examples; each of its answers is re-run on the examples
with nesy's SMT-LIB functions, which checks both cvc5 and nesy's semantics.

    pip install cvc5
    nice -n 10 python benchmarks/synth_sygus_vs_cvc5.py --timeout 30 --clock cpu --jobs 1

With `--clock cpu` both limits are processor seconds (cvc5's through RLIMIT_CPU), fairer
than elapsed seconds on a machine shared with other work. Not run in CI.

Where both solvers answer, their answers must agree, and the script exits 1 listing every file
where they do not: one proves a file infeasible while the other finds a program, or cvc5's
program is wrong on an example by nesy's semantics (one of the two misreads SMT-LIB).
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nesy.errors import NesyError
from nesy.files import atomic_write_text
from nesy.synth import batch
from nesy.synth.program import consistent
from nesy.synth.search import Budget
from nesy.synth.sygus import load_sygus, parse_answer, solve_sygus, write_v2

DATA = Path(os.environ.get("NESY_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))

# Runs in a fresh interpreter: reads a SyGuS v2 file with cvc5 and prints its answer, then
# the processor seconds spent solving (parsing and interpreter start-up excluded).
CVC5 = """
import sys, time, cvc5
tm = cvc5.TermManager(); solver = cvc5.Solver(tm); solver.setOption("sygus", "true")
symbols = cvc5.SymbolManager(tm); parser = cvc5.InputParser(solver, symbols)
parser.setFileInput(cvc5.InputLanguage.SYGUS_2_1, sys.argv[1])
start, out = time.process_time(), []
while not (command := parser.nextCommand()).isNull():
    out.append(command.invoke(solver, symbols))
print("".join(out).strip()); print("CPU", time.process_time() - start)
"""


def run_cvc5(problem, timeout: float, clock: str) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".sl", delete=False) as file:
        file.write(write_v2(problem))
    limit = None
    if clock == "cpu":
        seconds = int(timeout) + 2  # start-up and parsing; the answer's own time is checked
        limit = functools.partial(resource.setrlimit, resource.RLIMIT_CPU, (seconds, seconds))
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", CVC5, file.name], capture_output=True,
                              text=True, preexec_fn=limit,
                              timeout=timeout + 5 if clock == "wall" else 20 * timeout + 60)
    except subprocess.TimeoutExpired:
        return {"answer": None, "seconds": timeout, "stop": "timeout"}
    finally:
        os.unlink(file.name)
    wall = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not lines[-1].startswith("CPU"):
        return {"answer": None, "seconds": timeout, "stop": "timeout" if done.returncode < 0
                else f"error: {done.stderr.strip()[-200:]}"}
    seconds = float(lines[-1].split()[1]) if clock == "cpu" else wall
    answer = "\n".join(lines[:-1]).strip()
    if seconds > timeout:
        return {"answer": None, "seconds": timeout, "stop": "timeout"}
    return {"answer": answer, "seconds": seconds, "stop": "answered"}


def compare(path: Path, timeout: float, clock: str) -> dict:
    """Both solvers on one file."""
    row = {"file": f"{path.parent.name}/{path.name}"}
    try:
        problem = load_sygus(path)
    except NesyError as error:
        row["nesy"] = row["cvc5"] = {"answer": None, "seconds": 0.0,
                                     "stop": "unsupported: " + error.render().splitlines()[0]}
        return row
    result = solve_sygus(problem, Budget(timeout=timeout, clock=clock))
    answer = None if not result.solved else "program"
    row["nesy"] = {"answer": "infeasible" if result.stop == "infeasible" else answer,
                   "seconds": result.seconds, "stop": result.stop, "size": result.size}
    row["cvc5"] = run_cvc5(problem, timeout, clock)
    row["cvc5"]["checked"] = check(problem, row["cvc5"]["answer"])
    return row


def check(problem, answer: str | None) -> bool | None:
    """Whether cvc5's program is right on every example, by nesy's SMT-LIB semantics."""
    if not answer or "define-fun" not in answer:
        return None
    try:
        return consistent(parse_answer(problem, answer), problem.columns(), problem.outputs)
    except NesyError:
        return False


def answered(side: dict) -> bool:
    return side["answer"] is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per file and solver")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, help="only the first N files")
    parser.add_argument("--output", type=Path, help="write every row as JSON here")
    parser.add_argument("--verbose", action="store_true", help="print a row per file")
    args = parser.parse_args(argv)
    files = sorted((args.data / "sygus").glob("*/*.sl"))[:args.limit]
    if not files:
        print(f"no .sl files under {args.data}/sygus (use --data)", file=sys.stderr)
        return 1
    rows = batch.run_all(functools.partial(compare, timeout=args.timeout, clock=args.clock),
                         files, args.jobs, label="files")
    rows = [r for r in rows if r is not None]
    if args.verbose:
        for r in rows:
            print(f"{r['file']:<40} nesy {_cell(r['nesy'])}   cvc5 {_cell(r['cvc5'])}")
    print(summary(rows, args.timeout, args.clock))
    if args.output:
        atomic_write_text(args.output, json.dumps(rows, indent=1))
    problems = disagreements(rows)
    for problem in problems:
        print(f"DISAGREEMENT: {problem}", file=sys.stderr)
    return 1 if problems else 0


def disagreements(rows: list[dict]) -> list[str]:
    """The files on which the two solvers' answers contradict each other."""
    found = []
    for r in rows:
        nesy, cvc5 = r["nesy"]["answer"], r["cvc5"]["answer"]
        if r["cvc5"].get("checked") is False:
            found.append(f"{r['file']}: cvc5's program is wrong by nesy's semantics")
        if (nesy == "infeasible") != (cvc5 == "infeasible") and nesy and cvc5 and \
                (nesy == "infeasible" and r["cvc5"].get("checked") or cvc5 == "infeasible"):
            found.append(f"{r['file']}: nesy answers {nesy!r}, cvc5 {cvc5!r}")
    return found


def _cell(side: dict) -> str:
    return f"{side['stop'][:28]:<28} {side['seconds']:6.2f}s"


def summary(rows: list[dict], timeout: float, clock: str) -> str:
    unit = "CPU s" if clock == "cpu" else "s"
    lines = [f"\n{len(rows)} SyGuS files, {timeout:g} {unit} per file and solver",
             f"{'':<34}{'nesy':>8}{'cvc5':>8}"]

    def line(label, nesy, cvc5):
        lines.append(f"{label:<34}{nesy:>8}{cvc5:>8}")

    for label, test in [("answered (program or infeasible)", answered),
                        ("  program found", lambda s: answered(s) and s["answer"] != "infeasible"),
                        ("  proved infeasible", lambda s: s["answer"] == "infeasible"),
                        ("unsupported (not examples)", lambda s: s["stop"].startswith("unsupported"))]:
        line(label, sum(test(r["nesy"]) for r in rows), sum(test(r["cvc5"]) for r in rows))
    line("answered by this solver only",
         sum(answered(r["nesy"]) and not answered(r["cvc5"]) for r in rows),
         sum(answered(r["cvc5"]) and not answered(r["nesy"]) for r in rows))
    for side in ("nesy", "cvc5"):
        times = sorted(r[side]["seconds"] for r in rows if answered(r[side]))
        lines.append(f"{side}: mean {sum(times) / max(1, len(times)):.2f} {unit}, median "
                     f"{times[len(times) // 2] if times else 0:.2f} {unit} over answered files")
    checked = [r["cvc5"].get("checked") for r in rows if r["cvc5"].get("checked") is not None]
    lines.append(f"cvc5 programs right on every example by nesy's semantics: "
                 f"{sum(checked)}/{len(checked)}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
