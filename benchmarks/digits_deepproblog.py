"""nesy vs DeepProbLog 2.1.0 on the digit tasks, side by side in one run.

Same task, same split, same training samples and jittered images per epoch, same CNN with
the same initial weights, same batch size and learning rate, same test samples. DeepProbLog
(exact inference, ExactEngine with caching) runs in its own virtual environment, which this
script creates on first use:

    python -m venv VENV
    echo <this interpreter's site-packages> > VENV/.../site-packages/nesy-host.pth
    VENV/bin/pip install deepproblog==2.1.0

The `.pth` file puts the packages of the interpreter running this script (a virtual
environment's, when run from one) after the worker's own: it reuses this machine's CPU torch
(PyPI's default Linux torch would pull gigabytes of CUDA libraries) and lets the worker import
nesy's data and CNN (from this checkout, through PYTHONPATH), so both systems see identical
inputs. Nothing of DeepProbLog is copied into nesy: the worker only calls its public API
(Model, Network, ExactEngine, Query, DataLoader).

Before timing anything, the script checks that the comparison is fair and exits 1 otherwise:
both sides report a SHA-256 of the CNN's initial weights and of the first epoch's training
images and labels, which must be equal, and the probability each system gives the true answer
of the first test samples under those initial weights, which must agree to 1e-6 (both compute
exact probabilities; only floating-point rounding may differ). A worker that crashes is
reported as crashed, with its error, and the script exits 1; one still running at --budget is
reported with how far it got.

`--encoding` (multi only): `numbers`, DeepProbLog's published example, builds each number from
its digits and adds the numbers; `columns` gives DeepProbLog the encoding nesy's program uses
(the digits of a column added, the total read column by column), so that engine speed and
encoding can be told apart.

    python benchmarks/digits_deepproblog.py                        # sum2, issue 3's setting
    python benchmarks/digits_deepproblog.py --task multi --digits 3 --budget 600
    python benchmarks/digits_deepproblog.py --task multi --digits 3 --encoding columns --budget 600
    python benchmarks/digits_deepproblog.py --task sumk --k 15 --budget 600

Issue 3's setting: sum2, batch size 2, lr 1e-3, 700 training pairs per epoch, 5 epochs.
A system that has not finished its epochs within --budget seconds is reported as such, with how
far it got.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import site
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path.home() / ".cache" / "nesy" / "venv-deepproblog"  # outside the repository
DEEPPROBLOG = ["deepproblog==2.1.0"]
CHECKED_TEST_SAMPLES = 20  # whose initial probabilities both systems must agree on
TOLERANCE = 1e-6

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
    # nesy's encoding (nesy/pipelines/programs/multi_addition.nesy): digits added column by
    # column, the total read most significant column first
    "multi-columns": """
nn(digit_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).
column(X, Y, C) :- digit(X, A), digit(Y, B), C is A + B.
total([], [], V, V).
total([X|Xs], [Y|Ys], Acc, V) :- column(X, Y, C), Acc2 is 10 * Acc + C, total(Xs, Ys, Acc2, V).
task(X, Y, Z) :- total(X, Y, 0, Z).
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
        file.write(DPL_PROGRAMS[_program_name(args)])
    model = Model(file.name, [network])
    model.set_engine(ExactEngine(model), cache=True)
    test = data.test_samples(task)
    model.add_tensor_source("test", Images(data.images[test.index]))
    first = epoch_batches(data, task, args.seed, 1, args.samples, args.batch_size)
    model.eval()
    checked = Samples("test", test.label[:CHECKED_TEST_SAMPLES])
    emit(check={"weights": fingerprint(cnn[0].state_dict().values()), "inputs": batches_fingerprint(first),
                "probs": [float(next(iter(model.solve([checked.to_query(i)])[0].result.values())))
                          for i in range(len(checked))]})
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
    """The worker's interpreter: a venv with DeepProbLog that also sees this interpreter's
    packages (see the module docstring), whether this one is a venv or not."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    worker_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip()
    host = dict.fromkeys([*site.getsitepackages(), sysconfig.get_paths()["purelib"],
                          sysconfig.get_paths()["platlib"]])
    Path(worker_site, "nesy-host.pth").write_text("".join(f"{path}\n" for path in host))
    if subprocess.run([str(python), "-c", "import deepproblog"], capture_output=True).returncode:
        print(f"installing {' '.join(DEEPPROBLOG)} into {venv} ...", file=sys.stderr)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *DEEPPROBLOG], check=True)
    return python


def run_deepproblog(args) -> list[dict] | str:
    """The worker's records, up to the budget (a worker still running then is stopped), or
    "crashed ...: ERROR" when it failed."""
    python = ensure_venv(args.venv)
    command = [str(python), __file__, "--worker", *sys.argv[1:]]
    # the worker imports this checkout's nesy
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryFile("w+") as errors:
        worker = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
        try:
            output, _ = worker.communicate(timeout=args.budget)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        else:
            if worker.returncode != 0:  # a crash is not "too slow": the comparison failed
                errors.seek(0)
                lines = [line for line in errors.read().splitlines() if line.strip()]
                return f"crashed (exit {worker.returncode}): {lines[-1] if lines else 'no message'}"
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


# -- the fairness checks ---------------------------------------------------------------------
def fingerprint(tensors) -> str:
    digest = hashlib.sha256()
    for tensor in tensors:
        digest.update(tensor.detach().contiguous().cpu().numpy().tobytes())
    return digest.hexdigest()[:16]


def batches_fingerprint(batches) -> str:
    return fingerprint([t for batch in batches for t in batch])


def nesy_check(args) -> dict:
    """What the worker's `check` record must equal: nesy's initial weights, first epoch's
    inputs, and probabilities of the true answers of the first test samples."""
    import torch

    from nesy.pipelines.digits import digits_pipeline

    torch.manual_seed(args.seed)  # as the trainer does before building the pipeline
    pipeline = digits_pipeline(_task(args), args.provenance, samples=args.samples)
    pipeline.model.eval()
    test = pipeline.data.test_samples(pipeline.task)
    images = pipeline.data.images[torch.from_numpy(test.index[:CHECKED_TEST_SAMPLES])]
    labels = torch.from_numpy(test.label[:CHECKED_TEST_SAMPLES])
    with torch.no_grad():
        probs = pipeline.model(images)[1].gather(1, labels[:, None])[:, 0]
    return {"weights": fingerprint(pipeline.model.net.state_dict().values()),
            "inputs": batches_fingerprint(pipeline.train_batches(1, args.batch_size, args.seed)),
            "probs": probs.double().tolist()}


def disagreements(nesy: dict, records) -> list[str]:
    """Why the two systems were not given the same problem, or did not solve it alike."""
    checks = [r["check"] for r in records if "check" in r] if isinstance(records, list) else []
    if not checks:
        return []  # the worker crashed or ran out of time before checking: reported as such
    theirs, problems = checks[0], []
    for key, what in (("weights", "initial CNN weights"), ("inputs", "first epoch's images and labels")):
        if theirs[key] != nesy[key]:
            problems.append(f"different {what} (nesy {nesy[key]}, DeepProbLog {theirs[key]})")
    worst = max((abs(a - b) for a, b in zip(nesy["probs"], theirs["probs"])), default=math.inf)
    if len(theirs["probs"]) != len(nesy["probs"]) or worst > TOLERANCE:
        problems.append(f"the initial probabilities of the true answers differ by up to {worst:.3g} "
                        f"(tolerance {TOLERANCE})")
    return problems


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
                                    lr=args.lr, seed=args.seed, progress=False, log=None, plot=False,
                                    threads=args.threads)).history
    except NesyError as e:
        return f"failed: {e}"


def report(name: str, records, epochs: int, budget: float) -> tuple[str, float | None]:
    """One line: median epoch seconds and final test accuracy, or how far the system got."""
    if isinstance(records, str):
        return f"{name:12} {records}", None
    records = [r for r in records if "check" not in r]
    finished = [r for r in records if "seconds" in r and "batches" not in r]
    tested = [r["test_accuracy"] for r in records if "test_accuracy" in r]
    if len(finished) < epochs:
        partial = records[-1] if records else None
        where = (f"epoch {partial['epoch']}, batch {partial.get('batches', '-')}/{partial.get('of', '-')}"
                 if partial else "not even one batch")
        return f"{name:12} did not finish {epochs} epochs within {budget:.0f} s (reached {where})", None
    seconds = statistics.median(r["seconds"] for r in finished)
    accuracy = (f"test accuracy {tested[-1]:.1%} after {epochs} epochs" if tested else
                f"trained {epochs} epochs, but testing did not finish within {budget:.0f} s")
    return f"{name:12} {seconds:9.3f} s/epoch   {accuracy}", seconds


def _program_name(args) -> str:
    return "multi-columns" if args.task == "multi" and args.encoding == "columns" else args.task


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
    parser.add_argument("--encoding", choices=("numbers", "columns"), default="numbers",
                        help="DeepProbLog's multi-digit program: whole numbers (its published "
                             "example) or column by column (nesy's encoding)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--budget", type=float, default=600, help="seconds allowed to each system")
    parser.add_argument("--venv", type=Path, default=VENV)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        deepproblog_worker(args)
        return 0
    encoding = f", DeepProbLog encoding {args.encoding}" if args.task == "multi" else ""
    print(f"task {args.task}, {args.samples} samples/epoch, batch size {args.batch_size}, "
          f"lr {args.lr}, {args.epochs} epochs, {args.threads} thread(s){encoding}")
    expected = nesy_check(args)
    nesy_line, nesy_seconds = report("nesy", run_nesy(args), args.epochs, args.budget)
    records = run_deepproblog(args)
    dpl_line, dpl_seconds = report("DeepProbLog", records, args.epochs, args.budget)
    print(nesy_line)
    print(dpl_line)
    problems = disagreements(expected, records)
    for problem in problems:
        print(f"DISAGREEMENT: {problem}", file=sys.stderr)
    if not problems and isinstance(records, list) and any("check" in r for r in records):
        print(f"checked: same initial weights and inputs; initial probabilities of the first "
              f"{CHECKED_TEST_SAMPLES} test answers agree to {TOLERANCE}")
    if nesy_seconds and dpl_seconds and not problems:
        print(f"speed-up     {dpl_seconds / nesy_seconds:.1f}x per epoch (target >= 20x)")
    crashed = isinstance(records, str) or nesy_seconds is None and "failed" in nesy_line
    return 1 if problems or crashed else 0


if __name__ == "__main__":
    sys.exit(main())
