"""CLEVR data: generation throughput, and executor throughput of nesy's engine (batched)
against a plain-Python executor, on the same generated questions.

  generation  `nesy data clevr`'s writer: scenes placed, drawn and written as PNG, questions
              generated, scenes.json and questions.json written; --jobs worker processes
  nesy        every question's program compiled to facts and run by nesy's engine on the
              ground-truth scene graphs, --batch-sizes questions per engine run (the executor
              program is compiled once, beforehand, and its compile time printed apart)
  python      the generator's own plain-Python executor (`programs.execute`), one question
              at a time

All answers are checked against the answers stored in questions.json; the script exits 1 on
any disagreement. Times are wall-clock seconds (best of --repeat for the executors) and CPU
seconds (of this process and, for generation, its worker processes): on a shared machine the
CPU figures are the steadier ones.

    python benchmarks/clevr_data.py                                  # 200 scenes, 2 jobs
    python benchmarks/clevr_data.py --scenes 1000 --jobs 2 --batch-sizes 500 2000 10000
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=200)
    parser.add_argument("--questions-per-scene", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, help="keep the generated data here (default: a temporary folder)")
    args = parser.parse_args(argv)

    from nesy.datasets.clevr.generate import Request, write
    from nesy.datasets.clevr.loader import load_questions, load_scenes
    from nesy.datasets.clevr.programs import answer_text, execute
    from nesy.pipelines.clevr import answers, executor

    with tempfile.TemporaryDirectory() as temp:
        out = args.out or Path(temp)
        start, cpu = time.perf_counter(), _cpu()
        n_scenes, n_questions = write(out, Request(args.scenes, args.questions_per_scene, args.seed),
                                      jobs=args.jobs, progress=False)
        generation, generation_cpu = time.perf_counter() - start, _cpu() - cpu
        scenes, questions = load_scenes(out / "scenes.json"), load_questions(out / "questions.json")

    print(f"generation: {n_scenes} scenes, {n_questions} questions, {args.jobs} jobs: {generation:.2f} s wall "
          f"= {n_scenes / generation:.1f} scenes/s, {n_questions / generation:.1f} questions/s; "
          f"{generation_cpu:.2f} CPU s = {n_scenes / generation_cpu:.1f} scenes and "
          f"{n_questions / generation_cpu:.1f} questions per CPU second")
    stored = [q.answer for q in questions]

    start = time.perf_counter()
    executor()
    print(f"nesy executor program compiled in {time.perf_counter() - start:.3f} s (once)")

    rows, failed = [], False
    by_image = {s["image_index"]: s for s in scenes}
    best = min((_timed(lambda: [answer_text(execute(q.program, by_image[q.image_index])[-1]) for q in questions])
                for _ in range(args.repeat)), key=lambda r: r[0])
    rows.append(("python, one at a time", *best))
    for size in args.batch_sizes:
        best = min((_timed(lambda: answers(scenes, questions, size)) for _ in range(args.repeat)),
                   key=lambda r: r[0])
        rows.append((f"nesy, batches of {size}", *best))
    print(f"\n{'executor':<26}{'wall s':>9}{'questions/s':>13}{'CPU s':>9}{'questions/CPU s':>17}{'agree':>7}")
    for name, (seconds, cpu), predicted in rows:
        agree = predicted == stored
        failed |= not agree
        print(f"{name:<26}{seconds:>9.3f}{len(questions) / seconds:>13.1f}{cpu:>9.3f}"
              f"{len(questions) / cpu:>17.1f}{'yes' if agree else 'NO':>7}")
    if failed:
        print("error: the executors disagree with the stored answers", file=sys.stderr)
        return 1
    return 0


def _cpu() -> float:
    """CPU seconds of this process and of its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(work):
    start, cpu = time.perf_counter(), time.process_time()
    result = work()
    return (time.perf_counter() - start, time.process_time() - cpu), result


if __name__ == "__main__":
    sys.exit(main())
