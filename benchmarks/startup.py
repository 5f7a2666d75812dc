"""Start-up time of the `nesy` command (issue 18 item 8): what a user waits for before any work.

Each command runs as a fresh `python -m nesy ...` process, --repeat times; the best (least
disturbed) wall-clock time is reported, with bare `python -c pass` measured the same way, so
that the interpreter's own start-up can be told apart from nesy's. The commands' outputs are
checked (the version string, the help listing every command, the tiny program's one fact), and
the script exits 1 when one is wrong. With --check it also exits 1 when a command misses its
target (on a quiet machine: --version and --help under 0.1 s, `nesy run` of a one-fact program
under 0.3 s); on a loaded machine compare the `nesy - python` column instead.

    python benchmarks/startup.py                 # 10 runs each
    python benchmarks/startup.py --repeat 20 --check
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"--version": 0.1, "--help": 0.1, "run": 0.3}


def best_time(argv: list[str], repeat: int) -> tuple[float, str]:
    best, out = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
        best, out = min(best, elapsed), done.stdout
    return best, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        program = Path(tmp, "tiny.nesy")
        program.write_text("rel edge(0, 1)\n")
        nesy = [sys.executable, "-m", "nesy"]
        commands = {"--version": [*nesy, "--version"], "--help": [*nesy, "--help"],
                    "run": [*nesy, "run", str(program)]}
        python, _ = best_time([sys.executable, "-c", "pass"], args.repeat)
        wrong, missed = [], []
        print(f"# {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}; best of {args.repeat} runs")
        print(f"{'command':<12} {'seconds':>8} {'nesy - python':>14} {'target':>7}")
        print(f"{'python':<12} {python:8.3f}")
        for name, argv in commands.items():
            seconds, out = best_time(argv, args.repeat)
            expected = {"--version": "nesy ", "--help": "synth", "run": "  (0, 1)"}[name]
            if expected not in out:
                wrong.append(f"{name}: output lacks {expected!r}")
            if seconds > TARGETS[name]:
                missed.append(name)
            print(f"{name:<12} {seconds:8.3f} {seconds - python:14.3f} {TARGETS[name]:7.2f}")
    for line in wrong:
        print(f"WRONG: {line}", file=sys.stderr)
    if args.check and missed:
        print(f"over target: {', '.join(missed)}", file=sys.stderr)
    return 1 if wrong or (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
