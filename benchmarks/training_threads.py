"""Python training speed with torch's default threads against `RunOptions(threads=1)`.

Issue 18 item 1: training from Python ran with torch's default thread count (one per core)
and was many times slower than `nesy train`, which sets one thread; `RunOptions.threads` now
makes the library choose (default 1). This trains the same pipeline (sum of 5 digits, one
epoch) alternately with `threads=None` (torch's default left alone) and `threads=1`, and
checks that both runs computed the same losses (to 1e-6: the thread count changes only the
order of floating-point sums); it exits 1 otherwise.

    nice -n 10 python benchmarks/training_threads.py [--samples 300] [--rounds 2]
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time

import torch

from nesy.datasets.digits import sum_k
from nesy.pipelines.digits import digits_pipeline
from nesy.pipelines.trainer import RunOptions, train


def once(threads: int | None, samples: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        history = train(lambda: digits_pipeline(sum_k(5), samples=samples),
                        RunOptions(out=out, epochs=1, log=None, plot=False, progress=False,
                                   threads=threads)).history
        return time.perf_counter() - start, history[-1]["loss"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"torch's default threads here: {torch.get_num_threads()}")
    losses = []
    for _ in range(args.rounds):
        for threads in (None, 1):
            seconds, loss = once(threads, args.samples)
            losses.append(loss)
            print(f"threads={threads!s:<5} {seconds:7.1f} s  loss {loss:.6f}", flush=True)
    if not all(math.isclose(loss, losses[0], rel_tol=1e-6) for loss in losses):
        print(f"DISAGREEMENT: the runs' losses differ: {losses}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
