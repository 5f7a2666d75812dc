"""The pipeline registry: `nesy train` sub-commands come from it, a pipeline registered from
outside the package trains through the real command line, and building the command line
does not load torch."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

import nesy.pipelines as pipelines
from nesy.cli import main
from nesy.datasets import DatasetSpec
from nesy.pipelines import Pipeline, PipelineSpec, TrainingRun
from nesy.pipelines.base import BatchResult


def xor_points(n: int = 256, seed: int = 0):
    """Points of the unit square labelled by the quadrant's XOR: not linearly separable."""
    x = np.random.default_rng(seed).uniform(-1, 1, (n, 2)).astype(np.float32)
    return x, ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)


class ToyPipeline(Pipeline):
    """A two-layer network learning XOR of the signs: the smallest thing worth training."""

    name = "toy"

    def __init__(self, hidden: int):
        from nesy.datasets import load

        self.hidden = hidden
        self.model = torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.Tanh(),
                                         torch.nn.Linear(hidden, 2))
        x, y = load("test-xor")
        self.x, self.y = torch.from_numpy(x), torch.from_numpy(y)

    def config(self):
        return {"hidden": self.hidden}

    def train_batches(self, epoch, batch_size, seed):
        order = torch.randperm(len(self.y), generator=torch.Generator().manual_seed(seed * 1000 + epoch))
        return [(self.x[i], self.y[i]) for i in order.split(batch_size)]

    def batch_result(self, batch):
        x, y = batch
        logits = self.model(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        return BatchResult(loss, int((logits.argmax(-1) == y).sum()), len(y))

    def evaluate(self):
        return {"test_accuracy": float((self.model(self.x).argmax(-1) == self.y).float().mean())}


def toy_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hidden", type=int, default=16)


TOY = PipelineSpec("toy", help="XOR of two signs", add_arguments=toy_arguments,
                   run=lambda args: TrainingRun(lambda: ToyPipeline(args.hidden), "toy"))


@pytest.fixture
def toy():
    from nesy import datasets

    datasets.register(DatasetSpec("test-xor", "XOR of signs", xor_points))
    pipelines.register(TOY)
    yield TOY
    pipelines.unregister("toy")
    datasets.unregister("test-xor")


def test_the_package_pipelines_are_registered():
    assert {"digits", "digit-labels"} <= set(pipelines.registry())


def test_a_registered_pipeline_trains_through_the_command_line(toy, tmp_path, capsys):
    code = main(["train", "toy", "--hidden", "8", "--epochs", "2", "--batch-size", "32", "--lr", "0.05",
                 "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.startswith("toy: test_accuracy ")
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [line["epoch"] for line in lines] == [1, 2]
    assert lines[-1]["loss"] < lines[0]["loss"]
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert state["epoch"] == 2 and state["config"]["hidden"] == 8


def test_an_unregistered_pipeline_is_no_longer_a_command(toy, capsys):
    pipelines.unregister("toy")
    with pytest.raises(SystemExit) as exit_:
        main(["train", "toy", "--epochs", "1"])
    assert exit_.value.code == 2
    assert "invalid choice: 'toy'" in capsys.readouterr().err
    pipelines.register(TOY)  # the fixture removes it


def test_a_taken_pipeline_name_is_refused():
    with pytest.raises(ValueError, match="'digits' is already taken"):
        pipelines.register(PipelineSpec("digits", help="", run=lambda args: None))


def test_building_the_command_line_does_not_import_torch():
    """Every pipeline module is imported to build `nesy`'s flags; none may load torch."""
    code = "import sys; from nesy.cli import build_parser; build_parser(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def _xor_command(parser: argparse.ArgumentParser) -> None:
    """`nesy data test-xor --count N --out FILE`: a dataset that writes itself as CSV."""
    parser.add_argument("--count", type=int, default=4)
    parser.add_argument("--out", required=True)

    def write(args) -> int:
        x, y = xor_points(args.count)
        with open(args.out, "w") as out:
            out.writelines(f"{a:.3f},{b:.3f},{label}\n" for (a, b), label in zip(x, y))
        return 0

    parser.set_defaults(handler=write)


def _toy_eval_command(parser: argparse.ArgumentParser) -> None:
    """`nesy eval toy --points N`: prints how many of N points are labelled 1."""
    parser.add_argument("--points", type=int, default=8)
    parser.set_defaults(handler=lambda args: print(int(xor_points(args.points)[1].sum())) or 0)


def test_a_dataset_with_a_command_becomes_nesy_data_NAME(tmp_path, capsys):
    from nesy import datasets

    datasets.register(DatasetSpec("test-xor", "XOR of signs", xor_points, add_command=_xor_command))
    try:
        assert main(["data", "test-xor", "--count", "5", "--out", str(tmp_path / "xor.csv")]) == 0
    finally:
        datasets.unregister("test-xor")
    rows = (tmp_path / "xor.csv").read_text().splitlines()
    assert len(rows) == 5
    assert all(int(row.split(",")[2]) == ((float(row.split(",")[0]) > 0) ^ (float(row.split(",")[1]) > 0))
               for row in rows)


def test_a_pipeline_with_an_eval_command_becomes_nesy_eval_NAME(capsys):
    spec = PipelineSpec("toy-eval", help="XOR of two signs", run=TOY.run,
                        commands={"eval": _toy_eval_command})
    pipelines.register(spec)
    try:
        assert main(["eval", "toy-eval", "--points", "100"]) == 0
    finally:
        pipelines.unregister("toy-eval")
    assert int(capsys.readouterr().out) == int(xor_points(100)[1].sum())
    with pytest.raises(SystemExit) as exit_:  # no pipeline offers `eval` any more
        main(["eval", "toy-eval"])
    assert exit_.value.code == 2


def test_one_pipelines_defaults_do_not_change_another_pipelines_run_flags():
    """A pipeline may give the common run flags its own defaults (SCAN does, per model);
    argparse shares a parent parser's actions, so this must not leak into other pipelines."""
    from nesy.cli import build_parser

    def own_defaults(parser):
        parser.set_defaults(epochs=None, batch_size=None)

    pipelines.register(PipelineSpec("toy-defaults", help="", run=TOY.run, add_arguments=own_defaults))
    try:
        args = build_parser().parse_args(["train", "digit-labels"])
    finally:
        pipelines.unregister("toy-defaults")
    assert args.epochs is not None and args.batch_size is not None
