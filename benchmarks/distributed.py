"""Data-parallel training throughput at N = 1 and 2 processes, and its projected scaling.

For digits sum2 and multi-digit addition (N = 3 digits per number), this
1. trains two epochs with `--nproc 1` and `--nproc 2` (gloo, this machine), alternately,
   `--repeats` times each, and reports the training throughput of the second epoch (samples/s,
   rank 0's training time: without start-up, compilation and evaluation),
   checking that both runs computed the same loss and test accuracy (to 1e-4: only the order
   of floating-point sums differs); it exits 1 otherwise;
2. measures the split a projection needs: the compute time of one training step (forward
   and backward through CNN and program) on a shard of b samples, t(b) = a + c*b fitted at
   b = B/4, B/2 and B (least squares), and the communication time of one step at 2 processes (the all-reduce of
   the gradient, plus the small all-reduce of the loss statistics), measured in a 2-process
   gloo group;
3. projects the step time at N processes as t(B/N) + comm(N), comm(N) = comm(2) * 2(N-1)/N
   (a ring all-reduce's volume per process; on one machine the latency term dominates and
   this is optimistic), i.e. as if each process had its own core.

On a machine with 2 cores shared with other work, N = 2 cannot show a speed-up reliably: the
second worker competes with the first and with everything else for the same two cores, and
N = 2 also pays the all-reduces. The measured N = 1 / N = 2 ratio is what this machine shows;
the projection is what the measured compute/communication split implies on dedicated cores.

    nice -n 10 python benchmarks/distributed.py [--samples 256] [--repeats 2] [--batch-size 32] [--rounds 9]
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time

import torch

from nesy.datasets.digits import multi_addition, sum2
from nesy.pipelines import distributed
from nesy.pipelines.digits import digits_pipeline
from nesy.pipelines.trainer import RunOptions, train

TASKS = {"sum2": sum2, "multi3": lambda: multi_addition(3)}


def throughput(task, nproc: int, samples: int, batch_size: int) -> tuple[float, dict]:
    """Samples/s of the second of two epochs (the first compiles the program and warms caches)."""
    with tempfile.TemporaryDirectory() as out:
        record = train(lambda: digits_pipeline(task(), samples=samples),
                       RunOptions(out=out, epochs=2, batch_size=batch_size, log=None, plot=False,
                                  progress=False, nproc=nproc)).history[-1]
    return samples / record["seconds"], record


def step_seconds(task, sizes: list[int], rounds: int) -> list[float]:
    """Median time of forward + backward on each of `sizes` samples (one thread), the sizes
    interleaved round by round so that the machine's load drifts alike over all of them."""
    torch.manual_seed(0)
    pipeline = digits_pipeline(task(), samples=max(sizes))
    batches = {size: pipeline.train_batches(1, size, 0)[0] for size in sizes}
    times = {size: [] for size in sizes}
    for round_ in range(rounds + 1):
        for size in sizes:
            with pipeline.training_context(size):
                start = time.perf_counter()
                pipeline.model.zero_grad()
                pipeline.batch_result(batches[size]).loss.backward()
                if round_:  # the first round compiles and warms caches
                    times[size].append(time.perf_counter() - start)
    return [statistics.median(times[size]) for size in sizes]


def fit_line(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares slope and intercept."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return slope, my - slope * mx


def communication_seconds(task, rounds: int) -> float:
    """Median time of one step's all-reduces (the gradient, the 3 loss statistics) between
    2 gloo processes on this machine."""
    parameters = sum(p.numel() for p in digits_pipeline(task(), samples=1).model.parameters())

    def work(group):
        import torch.distributed as dist

        torch.set_num_threads(1)
        gradient, stats = torch.zeros(parameters), torch.zeros(3, dtype=torch.float64)
        times = []
        for _ in range(rounds * 10 + 1):
            group.barrier()
            start = time.perf_counter()
            dist.all_reduce(gradient)
            dist.all_reduce(stats)
            times.append(time.perf_counter() - start)
        return statistics.median(times[1:])

    return distributed.launch(2, work, lambda: "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=256, help="training samples per epoch (2 epochs, the second timed)")
    parser.add_argument("--repeats", type=int, default=2, help="runs at each N, alternating")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=9, help="repetitions of each micro-measurement")
    args = parser.parse_args()
    torch.set_num_threads(1)
    failed = False
    for name, task in TASKS.items():
        print(f"== digits {name}: {args.samples} samples, global batch {args.batch_size}, 1 thread per process")
        rates: dict[int, list[float]] = {1: [], 2: []}
        records = {}
        for _ in range(args.repeats):  # N=1 and N=2 alternately: the load drifts alike for both
            for nproc in (1, 2):
                rate, records[nproc] = throughput(task, nproc, args.samples, args.batch_size)
                rates[nproc].append(rate)
        for nproc in (1, 2):
            print(f"  measured  N={nproc}: {statistics.median(rates[nproc]):8.1f} samples/s (median; runs: "
                  f"{', '.join(f'{rate:.0f}' for rate in rates[nproc])})  loss {records[nproc]['loss']:.6f}, "
                  f"test_accuracy {records[nproc]['test_accuracy']:.4f}", flush=True)
        for key in ("loss", "test_accuracy"):
            if not math.isclose(records[1][key], records[2][key], rel_tol=1e-4, abs_tol=1e-4):
                print(f"DISAGREEMENT: digits {name} {key}: N=1 {records[1][key]} vs N=2 {records[2][key]}",
                      file=sys.stderr)
                failed = True
        ratio = statistics.median(rates[2]) / statistics.median(rates[1])
        print(f"  measured speed-up N=2 / N=1: {ratio:.2f}x (this machine, shared)")
        sizes = [args.batch_size // 4, args.batch_size // 2, args.batch_size]
        times = step_seconds(task, sizes, args.rounds)
        per_sample, fixed = fit_line(sizes, times)
        full = fixed + per_sample * args.batch_size
        comm = communication_seconds(task, args.rounds)
        measured = ", ".join(f"t({size}) = {t * 1e3:.2f} ms" for size, t in zip(sizes, times))
        print(f"  step compute t(b) = {fixed * 1e3:.2f} ms + {per_sample * 1e3:.3f} ms * b ({measured}); "
              f"all-reduces at N=2: {comm * 1e3:.2f} ms per step")
        for n in (1, 2, 4, 8, 16):
            step = fixed + per_sample * args.batch_size / n + (comm * 2 * (n - 1) / n if n > 1 else 0.0)
            print(f"  projected N={n:<2}: {args.batch_size / step:8.1f} samples/s  speed-up {full / step:5.2f}x")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
