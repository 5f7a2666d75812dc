"""CLEVR: nesy's learner (concepts learned through nesy's executor) against the neural
baseline (CNN + GRU, FiLM; no executor), side by side on the same generated data.

Both are trained by the same command, `nesy train clevr` (`--model nesy` / `--model neural`),
on the same training and validation folders; the table gives the validation accuracy overall
and per question family, the training time, and for nesy the executor's share of the
training CPU time (`logic_share`) and its concept probes. A PNG shows the accuracy per family.

Checked first: on the validation questions' gold programs, nesy's executor (engine, batched,
on the ground-truth scene graphs) gives the same answer as the independent reference
executor of `tests/datasets/test_clevr.py` and as the answer stored with the question; the
script exits 1 on any disagreement (a `DISAGREEMENT:` line on stderr) before training.

Runs go to --runs DIR (DIR/nesy, DIR/neural); a run already there is resumed, so a second
invocation only reads what was trained.

    python benchmarks/clevr.py --scenes 200 --val-scenes 40 --epochs 12 --runs runs/clevr-bench
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=200, help="generated training scenes (default 200)")
    parser.add_argument("--val-scenes", type=int, default=40, help="generated validation scenes (default 40)")
    parser.add_argument("--epochs", type=int, default=12, help="epochs of the nesy learner (default 12)")
    parser.add_argument("--neural-epochs", type=int, help="epochs of the neural baseline (default --epochs)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3, help="nesy's learning rate (default 3e-3)")
    parser.add_argument("--neural-lr", type=float, default=1e-3, help="the baseline's (default 1e-3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=Path, default=Path("runs/clevr-bench"))
    parser.add_argument("--png", type=Path, help="the per-family plot (default RUNS/clevr_families.png)")
    args = parser.parse_args(argv)

    from nesy.pipelines._clevr_learn import DataOptions, prepare

    train, val = prepare(DataOptions(scenes=args.scenes, val_scenes=args.val_scenes),
                         log=lambda line: print(line, file=sys.stderr))
    if not agree_with_reference(*val[1:]):
        return 1
    results = {}
    for model, epochs, lr in (("nesy", args.epochs, args.lr),
                              ("neural", args.neural_epochs or args.epochs, args.neural_lr)):
        results[model] = trained(model, train[0], val[0], epochs, lr, args)
    print(table(results))
    png = args.png or args.runs / "clevr_families.png"
    plot(results, png)
    print(f"plot: {png}")
    return 0


def agree_with_reference(scenes: list[dict], questions: list) -> bool:
    """nesy's executor, the reference executor and the stored answers agree on every gold
    program (a `DISAGREEMENT:` line per question where not)."""
    sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "datasets")]
    import conftest  # noqa: F401 - registers the test helpers (`nesy_testing`) test_clevr imports
    from test_clevr import reference

    from nesy.pipelines.clevr import answers

    by_image = {scene["image_index"]: scene for scene in scenes}
    ours = answers(scenes, questions)
    bad = 0
    for question, answer in zip(questions, ours):
        theirs = reference(question.program, by_image[question.image_index])
        if not answer == theirs == question.answer:
            bad += 1
            print(f"DISAGREEMENT: question {question.question_index}: nesy {answer!r}, reference "
                  f"{theirs!r}, stored {question.answer!r}", file=sys.stderr)
    print(f"gold programs: nesy's executor and the reference executor agree on "
          f"{len(questions) - bad} / {len(questions)} validation questions")
    return bad == 0


def trained(model: str, train: Path, val: Path, epochs: int, lr: float, args) -> list[dict]:
    """The metrics history of `nesy train clevr --model MODEL` (trained or resumed here)."""
    from nesy.cli import main as nesy

    out = args.runs / model
    command = ["train", "clevr", "--model", model, "--data", str(train), "--val", str(val), "--epochs", str(epochs),
               "--batch-size", str(args.batch_size), "--lr", str(lr), "--seed", str(args.seed), "--out", str(out)]
    if (out / "checkpoint.pt").exists():
        command.append("--resume")
    if nesy(command) != 0:
        raise SystemExit(f"error: nesy {' '.join(command)} failed")
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def table(results: dict[str, list[dict]]) -> str:
    families = sorted({k[7:] for history in results.values() for k in history[-1] if k.startswith("family/")})
    rows = [("validation accuracy", lambda h: f"{100 * h[-1]['test_accuracy']:.1f}%"),
            *((f"  {f}", lambda h, f=f: f"{100 * h[-1].get('family/' + f, float('nan')):.1f}%") for f in families),
            ("epochs", lambda h: str(h[-1]["epoch"])),
            ("training seconds (wall)", lambda h: f"{sum(r['seconds'] for r in h):.0f}"),
            ("executor share of training CPU", lambda h: f"{h[-1]['logic_share']:.2f}" if "logic_share" in h[-1]
             else "-"),
            ("concept probes (min)", lambda h: f"{100 * h[-1]['probe_accuracy']:.1f}%" if "probe_accuracy" in h[-1]
             else "-")]
    names = list(results)
    width = max(len(label) for label, _ in rows)
    lines = [f"{'':{width}}  " + "  ".join(f"{n:>8}" for n in names)]
    lines += [f"{label:{width}}  " + "  ".join(f"{cell(results[n]):>8}" for n in names) for label, cell in rows]
    return "\n".join(lines)


def plot(results: dict[str, list[dict]], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from nesy.files import atomic_write

    families = sorted({k[7:] for history in results.values() for k in history[-1] if k.startswith("family/")})
    labels = ["all", *families]
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(10, 4))
    for i, (name, history) in enumerate(results.items()):
        last = history[-1]
        values = [last["test_accuracy"], *(last.get(f"family/{f}", 0) for f in families)]
        ax.bar(x + (i - 0.5) * 0.4, [100 * v for v in values], 0.4, label=f"{name} ({last['epoch']} epochs)")
    ax.set_xticks(x, labels, rotation=30, ha="right")
    ax.set_ylabel("validation accuracy (%)")
    ax.set_ylim(0, 118)
    ax.set_yticks(range(0, 101, 20))
    ax.set_title("CLEVR-2D: nesy (concepts through nesy's executor) vs neural baseline (FiLM)")
    ax.legend(loc="upper center", ncol=len(results), frameon=False)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(png, lambda f: fig.savefig(f, format="png", dpi=100))
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
