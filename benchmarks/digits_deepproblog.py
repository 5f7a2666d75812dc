"""nesy vs DeepProbLog 2.1.0 on the digit tasks, side by side in one run.

Same task, same split, same training samples and jittered images per epoch, same CNN with
the same initial weights, same batch size and learning rate, same test samples. DeepProbLog
(exact inference, ExactEngine with caching) runs in its own virtual environment, which this
script creates on first use:

    python -m venv --system-site-packages VENV
    VENV/bin/pip install deepproblog==2.1.0 torch==2.13.0

`--system-site-packages` reuses this machine's CPU torch 2.13.0 (PyPI's default Linux torch
would pull gigabytes of CUDA libraries) and lets the DeepProbLog worker import nesy's data and
CNN, so both systems see identical inputs. Nothing of DeepProbLog is copied into nesy: the
worker only calls its public API (Model, Network, ExactEngine, Query, DataLoader).

    python benchmarks/digits_deepproblog.py                        # sum2, issue 3's setting
    python benchmarks/digits_deepproblog.py --task multi --digits 3 --budget 600
    python benchmarks/digits_deepproblog.py --task sumk --k 15 --budget 600

Issue 3's setting: sum2, batch size 2, lr 1e-3, 700 training pairs per epoch, 5 epochs.
A system that has not finished its epochs within --budget seconds is reported as such, with how
far it got.
"""
from __future__ import annotations

import argparse
import json
import statistics
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path.home() / ".cache" / "nesy" / "venv-deepproblog"  # outside the repository
DEEPPROBLOG = ["deepproblog==2.1.0", "torch==2.13.0"]

# The tasks in DeepProbLog's language; digit/2 is the neural predicate, as in its MNIST examples.
DPL_PROGRAMS = {
    "sum2": """
nn(digit_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).
task(X, Y, Z) :- digit(X, A), digit(Y, B), Z is A + B.
""",
    "multi": """
nn(digit_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).
number([], V, V).
number([H|T], Acc, V) :- digit(H, D), Acc2 is 10 * Acc + D, number(T, Acc2, V).
task(X, Y, Z) :- number(X, 0, A), number(Y, 0, B), Z is A + B.
""",
    "sumk": """
nn(digit_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).
sum_digits([], S, S).
sum_digits([H|T], Acc, S) :- digit(H, D), Acc2 is Acc + D, sum_digits(T, Acc2, S).
task(L, S) :- sum_digits(L, 0, S).
""",
}


# -- the DeepProbLog side (runs inside the venv) ------------------------------------------------
def deepproblog_worker(args) -> None:
    """Train with DeepProbLog, printing one JSON object per line as results come in."""
    import warnings

    warnings.filterwarnings("ignore")  # DeepProbLog's own (PySwip missing, tensor-to-float)
    import torch
    from deepproblog.dataset import DataLoader, Dataset
    from deepproblog.engines import ExactEngine
    from deepproblog.evaluate import get_confusion_matrix
    from deepproblog.model import Model
    from deepproblog.network import Network
    from deepproblog.query import Query
    from deepproblog.train import TrainObject
    from problog.logic import Constant, Term, list2term

    from nesy.datasets.digits import DigitImages
    from nesy.neural.cnn import DigitCNN, convolution_kernels
    from nesy.pipelines.digits import epoch_batches

    torch.set_num_threads(args.threads)
    task = _task(args)
    data = DigitImages()

    class Images:
        """A DeepProbLog tensor source: tensor(name(i, j)) is image j of sample i."""

        def __init__(self, images):
            self.images = images  # [n, arity, 1, 8, 8]

        def __getitem__(self, key):
            return self.images[int(key[0]), int(key[1])]

    class Samples(Dataset):
        def __init__(self, source: str, labels):
            self.source, self.labels = source, [int(label) for label in labels]

        def __len__(self):
            return len(self.labels)

        def to_query(self, i: int) -> Query:
            slots = [Term(f"p{j}") for j in range(task.arity)]
            substitution = {slot: Term("tensor", Term(self.source, Constant(i), Constant(j)))
                            for j, slot in enumerate(slots)}
            if task.kind == "sum2":
                arguments = slots
            elif task.kind == "multi":
                arguments = [list2term(slots[: task.size]), list2term(slots[task.size :])]
            else:
                arguments = [list2term(slots)]
            return Query(Term("task", *arguments, Constant(self.labels[i])), substitution)

    def emit(**record):
        print(json.dumps(record), flush=True)

    torch.manual_seed(args.seed)  # as nesy's trainer does before building the CNN: same weights
    cnn = torch.nn.Sequential(DigitCNN(), torch.nn.Softmax(dim=-1))
    network = Network(cnn, "digit_net", optimizer=torch.optim.Adam(cnn.parameters(), lr=args.lr, fused=True),
                      batching=True)
    with tempfile.NamedTemporaryFile("w", suffix=".pl", delete=False) as file:
        file.write(DPL_PROGRAMS[task.kind])
    model = Model(file.name, [network])
    model.set_engine(ExactEngine(model), cache=True)
    test = data.test_samples(task)
    model.add_tensor_source("test", Images(data.images[test.index]))
    loss = model.solver.semiring.cross_entropy
    trainer = TrainObject(model)
    for epoch in range(1, args.epochs + 1):
        batches = epoch_batches(data, task, args.seed, epoch, args.samples, args.batch_size)
        model.add_tensor_source("train", Images(torch.cat([images for images, _ in batches])))
        loader = DataLoader(Samples("train", torch.cat([labels for _, labels in batches])),
                            args.batch_size, shuffle=False)
        start = time.perf_counter()
        model.optimizer.step_epoch()
        with convolution_kernels(args.batch_size * task.arity):  # the CNN's kernels as in nesy
            for done, batch in enumerate(loader, 1):
                model.train()
                model.optimizer.zero_grad()
                trainer.get_loss(batch, loss)
                model.optimizer.step()
                if done == 1 or done % 50 == 0:
                    emit(epoch=epoch, batches=done, of=len(loader), seconds=time.perf_counter() - start)
        emit(epoch=epoch, seconds=time.perf_counter() - start)
    # Testing 1,000 queries costs DeepProbLog minutes, so it is done once, after training.
    emit(test_accuracy=get_confusion_matrix(model, Samples("test", test.label)).accuracy())


def ensure_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    # the worker also imports nesy (images, CNN, batches): the venv gets nesy's dependencies
    # from this checkout's metadata, and the worker imports this checkout (PYTHONPATH)
    if subprocess.run([str(python), "-c", "import deepproblog, sklearn, lark"],
                      capture_output=True).returncode:
        print(f"installing {' '.join(DEEPPROBLOG)} and nesy's dependencies into {venv} ...",
              file=sys.stderr)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *DEEPPROBLOG, "-e", str(ROOT)],
                       check=True)
    return python


def run_deepproblog(args) -> list[dict]:
    """The worker's records, up to the budget (a worker still running then is stopped)."""
    python = ensure_venv(args.venv)
    command = [str(python), __file__, "--worker", *sys.argv[1:]]
    # the worker's venv does not have nesy installed: it imports this checkout's
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        output, _ = worker.communicate(timeout=args.budget)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate()
    else:
        if worker.returncode != 0:  # a crash is not "too slow": the comparison failed
            raise SystemExit(f"the DeepProbLog worker failed (exit {worker.returncode}); "
                             f"see its error above")
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


# -- the nesy side ---------------------------------------------------------------------------
def run_nesy(args) -> list[dict] | str:
    import torch

    from nesy.errors import NesyError
    from nesy.pipelines.digits import digits_pipeline
    from nesy.pipelines.trainer import RunOptions, train

    torch.set_num_threads(args.threads)
    task = _task(args)
    try:
        with tempfile.TemporaryDirectory() as out:
            return train(lambda: digits_pipeline(task, args.provenance, samples=args.samples),
                         RunOptions(out=Path(out), epochs=args.epochs, batch_size=args.batch_size,
                                    lr=args.lr, seed=args.seed, progress=False, log=None)).history
    except NesyError as e:
        return f"failed: {e}"


def report(name: str, records, epochs: int, budget: float) -> tuple[str, float | None]:
    """One line: median epoch seconds and final test accuracy, or how far the system got."""
    if isinstance(records, str):
        return f"{name:12} {records}", None
    finished = [r for r in records if "seconds" in r and "batches" not in r]
    tested = [r["test_accuracy"] for r in records if "test_accuracy" in r]
    if len(finished) < epochs or not tested:
        partial = records[-1] if records else None
        where = (f"epoch {partial['epoch']}, batch {partial.get('batches', '-')}/{partial.get('of', '-')}"
                 if partial and "epoch" in partial else "testing" if partial else "not even one batch")
        return f"{name:12} did not finish {epochs} epochs within {budget:.0f} s (reached {where})", None
    seconds = statistics.median(r["seconds"] for r in finished)
    return (f"{name:12} {seconds:9.3f} s/epoch   test accuracy {tested[-1]:.1%}"
            f" after {epochs} epochs"), seconds


def _task(args):
    """The digits task of the command line: --digits sizes multi, --k sizes sumk."""
    from nesy.pipelines.digits import make_task

    return make_task(args.task, {"multi": args.digits, "sumk": args.k}.get(args.task))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=("sum2", "multi", "sumk"), default="sum2")
    parser.add_argument("--digits", type=int)
    parser.add_argument("--k", type=int)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--samples", type=int, default=700, help="training samples per epoch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--provenance", default="diffexact", help="nesy's provenance")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--budget", type=float, default=600, help="seconds allowed to each system")
    parser.add_argument("--venv", type=Path, default=VENV)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        deepproblog_worker(args)
        return 0
    print(f"task {args.task}, {args.samples} samples/epoch, batch size {args.batch_size}, "
          f"lr {args.lr}, {args.epochs} epochs, {args.threads} thread(s)")
    nesy_line, nesy_seconds = report("nesy", run_nesy(args), args.epochs, args.budget)
    dpl_line, dpl_seconds = report("DeepProbLog", run_deepproblog(args), args.epochs, args.budget)
    print(nesy_line)
    print(dpl_line)
    if nesy_seconds and dpl_seconds:
        print(f"speed-up     {dpl_seconds / nesy_seconds:.1f}x per epoch (target >= 20x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
