"""SCAN: splits x systems x seeds, every run through `nesy train scan`, side by side.

Systems: `nesy` (the learned grammar, written as interpreter.nesy and run by nesy's engine),
`seq2seq` (GRU encoder-decoder with attention) and `transformer`. Each run is a subprocess
`python -m nesy train scan --split S --model M --seed K --out OUT/S/M/seedK`; its last
metrics line gives the exact-match test accuracy over the whole test file, and the sum of
its epochs' `seconds` the training time (wall-clock seconds on whatever machine runs it).

Checks (exit status 1 when one fails):
- for every nesy run, the program run by the engine (during training) and the grammar's
  Python reference translator (`Grammar.translate`) fail on the same test commands;
- nesy reaches 100% on every split it ran (the target; NSR, LANE and NeSS report 100%).

    python benchmarks/scan.py                                   # nesy, all splits, seeds 0 1 2
    python benchmarks/scan.py --systems seq2seq transformer --splits simple addprim_jump length \\
        --seeds 0 --neural-epochs 3 --neural-samples 4000        # the baselines, a CPU budget
    python benchmarks/scan.py --fractions 0.005 0.01 0.02 0.05    # nesy on a fraction of simple

Runs already finished in OUT are read back, not rerun, so the table can be built up over
several invocations. Writes OUT/results.jsonl, OUT/table.md and OUT/scan.png.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nesy.datasets.scan import SPLITS  # noqa: E402

SYSTEMS = ("nesy", "seq2seq", "transformer")
#: Published figures, for context only (Lake & Baroni 2018; NSR, LANE, NeSS papers).
PUBLISHED = {
    "seq2seq": {"simple": "99.8", "addprim_jump": "1.2", "length": "13.8",
                "template_around_right": "2.5 (Loula et al.)"},
    "nesy": {s: "100 (NSR, LANE, NeSS)" for s in SPLITS},
}


def run_one(out: Path, split: str, system: str, seed: int, args, fraction: float = 1.0) -> dict:
    metrics = out / "metrics.jsonl"
    command = [sys.executable, "-m", "nesy", "train", "scan", "--split", split, "--model", system,
               "--seed", str(seed), "--out", str(out)]
    if fraction < 1:
        command += ["--fraction", str(fraction)]
    if system != "nesy":
        command += ["--epochs", str(args.neural_epochs), "--samples", str(args.neural_samples)]
    finished = metrics.exists() and "test_accuracy" in metrics.read_text().splitlines()[-1]
    if not finished:
        if (out / "checkpoint.pt").exists():  # an interrupted run
            command.append("--resume")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(["nice", "-n", "10", *command], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            return {"split": split, "system": system, "seed": seed, "fraction": fraction,
                    "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    history = [json.loads(line) for line in metrics.read_text().splitlines()]
    return {"split": split, "system": system, "seed": seed, "fraction": fraction,
            "test_accuracy": history[-1]["test_accuracy"], "epochs": history[-1]["epoch"],
            "train_seconds": round(sum(r["seconds"] for r in history), 1),
            "eval_seconds": round(history[-1]["eval_seconds"], 1)}


def engine_agrees_with_reference(out: Path, split: str) -> bool:
    """The written program, run by the engine during training, failed on exactly the test
    commands that the grammar's Python translator (`Grammar.translate`) gets wrong."""
    from nesy.datasets.scan import split as scan_split
    from nesy.pipelines._scan_grammar import Grammar

    grammar = Grammar.from_json(json.loads((out / "grammar.json").read_text()))
    engine = {line.split("\t")[0] for line in (out / "test_failures.txt").read_text().splitlines()}
    reference = {" ".join(p.command) for p in scan_split(split)[1]
                 if grammar.translate(p.command) != [p.actions]}
    if engine != reference:
        print(f"DISAGREE {split}: engine misses {sorted(engine - reference)[:3]}, "
              f"reference misses {sorted(reference - engine)[:3]}", file=sys.stderr)
    return engine == reference


def table(results: list[dict]) -> str:
    rows = ["| split | system | seeds | test accuracy (mean ± sd, %) | train s (mean) | published |",
            "|---|---|---|---|---|---|"]
    keys = sorted({(r["split"], r["system"], r["fraction"]) for r in results},
                  key=lambda k: (SPLITS.index(k[0]), SYSTEMS.index(k[1]), k[2]))
    for split, system, fraction in keys:
        runs = [r for r in results if (r["split"], r["system"], r["fraction"]) == (split, system, fraction)
                and "test_accuracy" in r]
        if not runs:
            continue
        acc = [100 * r["test_accuracy"] for r in runs]
        sd = statistics.stdev(acc) if len(acc) > 1 else 0.0
        name = split if fraction == 1 else f"{split} ({fraction:g} of train)"
        rows.append(f"| {name} | {system} | {len(runs)} | {statistics.mean(acc):.1f} ± {sd:.1f} | "
                    f"{statistics.mean(r['train_seconds'] for r in runs):.1f} | "
                    f"{PUBLISHED.get(system, {}).get(split, '') if fraction == 1 else ''} |")
    return "\n".join(rows) + "\n"


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    full = [r for r in results if r["fraction"] == 1 and "test_accuracy" in r]
    splits = [s for s in SPLITS if any(r["split"] == s for r in full)]
    systems = [s for s in SYSTEMS if any(r["system"] == s for r in full)]
    figure, axes = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / max(len(systems), 1)
    for k, system in enumerate(systems):
        means, sds = [], []
        for split in splits:
            acc = [100 * r["test_accuracy"] for r in full if (r["split"], r["system"]) == (split, system)]
            means.append(statistics.mean(acc) if acc else float("nan"))  # not run: no bar
            sds.append(statistics.stdev(acc) if len(acc) > 1 else 0)
        axes.bar(np.arange(len(splits)) + k * width, means, width, yerr=sds, label=system, capsize=3)
    axes.set_xticks(np.arange(len(splits)) + width * (len(systems) - 1) / 2)
    axes.set_xticklabels([s.replace("template_", "tmpl_") for s in splits], rotation=20, ha="right")
    axes.set(ylabel="exact-match test accuracy (%)", ylim=(0, 105),
             title="SCAN, measured by benchmarks/scan.py (baselines: reduced CPU budgets)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", nargs="+", choices=SPLITS, default=list(SPLITS))
    parser.add_argument("--systems", nargs="+", choices=SYSTEMS, default=["nesy"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--fractions", nargs="*", type=float, default=[],
                        help="also train nesy on these fractions of the simple split's training pairs")
    parser.add_argument("--neural-epochs", type=int, default=3)
    parser.add_argument("--neural-samples", type=int, default=4000, help="training pairs per epoch")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "benchmark-scan")
    args = parser.parse_args()

    results, failures = [], []
    jobs = [(s, m, k, 1.0) for s in args.splits for m in args.systems for k in args.seeds]
    jobs += [("simple", "nesy", k, f) for f in args.fractions for k in args.seeds]
    for split, system, seed, fraction in jobs:
        suffix = "" if fraction == 1 else f"-fraction{fraction:g}"
        out = args.out / split / f"{system}{suffix}" / f"seed{seed}"
        result = run_one(out, split, system, seed, args, fraction)
        print(json.dumps(result), flush=True)
        results.append(result)
        if "error" in result:
            failures.append(f"{split}/{system}/seed{seed}: {result['error']}")
        elif system == "nesy" and fraction == 1:
            if result["test_accuracy"] < 1:
                failures.append(f"{split}/nesy/seed{seed}: {result['test_accuracy']:.2%} < 100%")
            if not engine_agrees_with_reference(out, split):
                failures.append(f"{split}/nesy/seed{seed}: engine and reference disagree")
    # gather every run the folder holds (earlier invocations too) for the table
    every = {json.dumps([r["split"], r["system"], r["seed"], r["fraction"]]): r for r in results}
    previous = args.out / "results.jsonl"
    if previous.exists():
        for line in previous.read_text().splitlines():
            r = json.loads(line)
            every.setdefault(json.dumps([r["split"], r["system"], r["seed"], r["fraction"]]), r)
    results = list(every.values())
    args.out.mkdir(parents=True, exist_ok=True)
    previous.write_text("".join(json.dumps(r) + "\n" for r in results))
    (args.out / "table.md").write_text(table(results))
    plot(results, args.out / "scan.png")
    print(table(results))
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
