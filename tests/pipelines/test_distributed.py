"""Data-parallel training: N processes (gloo, on this CPU) compute what one process computes.

The oracle is the single-process trainer, whose runs the other tests pin down: with the same
seed and global batch, 2 workers must give the same metrics and weights up to the order of
floating-point sums, and so must splitting a batch into accumulated micro-batches. The
workers are forked by torchrun's elastic launcher (`nesy.pipelines.distributed.launch`), a
few steps each."""
from __future__ import annotations

import math
import os
import signal

import pytest
import torch

from nesy.datasets.digits import sum2
from nesy.errors import NesyError
from nesy.pipelines.distributed import shard, split_batch
from nesy.pipelines.digits import digits_pipeline
from nesy.pipelines.checkpoints import load_checkpoint
from nesy.pipelines.trainer import RunOptions, train

from .logic_reference import reference_logic
from .test_registry import ToyPipeline, toy  # noqa: F401 (toy: the fixture registering its data)

def options(out, **overrides) -> RunOptions:
    settings = dict(out=out, epochs=2, batch_size=16, progress=False, log=None, plot=False)
    return RunOptions(**{**settings, **overrides})


def assert_same_run(single: list[dict], parallel: list[dict], out_single, out_parallel, tolerance=1e-5) -> None:
    """The same epoch records and weights, up to floating-point reduction order."""
    assert len(single) == len(parallel)
    for one, two in zip(single, parallel):
        assert one.keys() == two.keys()
        for key in one:
            if key.endswith("seconds"):
                continue
            assert math.isclose(one[key], two[key], rel_tol=tolerance, abs_tol=tolerance), (key, one, two)
    weights_one = load_checkpoint(out_single / "checkpoint.pt")["model"]
    weights_two = load_checkpoint(out_parallel / "checkpoint.pt")["model"]
    for name in weights_one:
        torch.testing.assert_close(weights_one[name], weights_two[name], rtol=tolerance, atol=tolerance)


@pytest.fixture
def sum2_build(digit_images):
    return lambda: digits_pipeline(sum2(), samples=32, logic=reference_logic(sum2()), data=digit_images)


def test_split_batch_cuts_every_field_the_same_way_and_loses_nothing():
    batch = (torch.arange(10), {"label": list("abcdefghij")})
    pieces = split_batch(batch, 4)
    assert [len(piece[0]) for piece in pieces] == [2, 3, 2, 3]
    assert torch.cat([piece[0] for piece in pieces]).tolist() == list(range(10))
    assert sum((piece[1]["label"] for piece in pieces), []) == list("abcdefghij")
    assert [p[0].tolist() for p in pieces] == [[ord(c) - ord("a") for c in p[1]["label"]] for p in pieces]


@pytest.mark.parametrize("size", [16, 5, 1])
def test_the_shards_of_a_batch_partition_it_with_weights_summing_to_one(size):
    pipeline = ToyPipeline.__new__(ToyPipeline)  # split_batch only needs the base class
    batch = (torch.arange(size), torch.arange(size) * 2)
    world, accumulate = 2, 3
    shards = [shard(pipeline, batch, rank, world, accumulate) for rank in range(world)]
    real = [piece for pieces in shards for piece, weight in pieces if weight]
    assert torch.cat([piece[0] for piece in real]).tolist() == list(range(size))
    assert math.isclose(sum(weight for pieces in shards for _, weight in pieces), 1.0)
    assert all(pieces for pieces in shards), "every rank has a micro-batch, if only a weightless one"


def test_the_global_batch_is_independent_of_processes_and_accumulation(toy, tmp_path, capsys):
    """One process, against 2 processes each accumulating 2 micro-batches, started from the
    command line (`--nproc`, `--accumulate`)."""
    from nesy.cli import main

    single = train(lambda: ToyPipeline(8), options(tmp_path / "one", epochs=1, batch_size=32, lr=0.05))
    code = main(["train", "toy", "--hidden", "8", "--epochs", "1", "--batch-size", "32", "--lr", "0.05",
                 "--nproc", "2", "--accumulate", "2", "--no-plot", "--out", str(tmp_path / "two")])
    assert code == 0
    assert capsys.readouterr().out.startswith("toy: test_accuracy ")
    parallel = load_checkpoint(tmp_path / "two" / "checkpoint.pt")
    assert_same_run(single.history, parallel["history"], tmp_path / "one", tmp_path / "two")


class DyingRank:
    """A pipeline whose rank-1 worker is killed (SIGKILL: no clean-up, no message) in epoch 2."""

    def __init__(self, build):
        self.build = build

    def __call__(self):
        pipeline = self.build()
        batches, step = pipeline.train_batches, pipeline.batch_result

        def train_batches(epoch, batch_size, seed):
            pipeline.epoch = epoch
            return batches(epoch, batch_size, seed)

        def batch_result(batch):
            if pipeline.epoch == 2 and os.environ.get("RANK") == "1":
                os.kill(os.getpid(), signal.SIGKILL)
            return step(batch)

        pipeline.train_batches, pipeline.batch_result = train_batches, batch_result
        return pipeline


def test_two_workers_train_sum2_as_one_process_does_and_a_dying_rank_leaves_a_resumable_run(
        sum2_build, tmp_path):
    """Epoch 1 on 2 workers, whose rank 1 dies in epoch 2: a clear message and epoch 1's
    checkpoint. Resumed for epoch 2 on 2 workers (every rank restored from rank 0's
    checkpoint), the run is the 2-epoch run of one process."""
    with pytest.raises(NesyError) as error:
        train(DyingRank(sum2_build), options(tmp_path / "two", nproc=2, epochs=2))
    message = str(error.value)
    assert "training worker rank 1 of 2 died (" in message  # how, if the launcher saw it first
    assert "keeps the last finished epoch (1); rerun with --resume" in message
    assert load_checkpoint(tmp_path / "two" / "checkpoint.pt")["epoch"] == 1
    resumed = train(sum2_build, options(tmp_path / "two", nproc=2, resume=True))
    single = train(sum2_build, options(tmp_path / "one"))
    assert_same_run(single.history, resumed.history, tmp_path / "one", tmp_path / "two")
    assert resumed.summary.startswith("digits/sum2: test_accuracy")
    assert not (tmp_path / "two" / ".lock").read_text(), "the lock is released"


# In the slow run: inside the whole default suite, about one run in ten hung here with both
# forked workers stuck in multiprocessing's start-up (faulthandler dumps; never in 21 runs of
# this file alone; stopping tqdm's monitor thread before the fork did not prevent it). Open
# defect: a fork taken while another thread of the test process holds a lock is the likely
# cause.
@pytest.mark.slow
def test_a_loss_diverging_on_one_rank_stops_every_rank_with_the_trainers_message(sum2_build, tmp_path):
    """The loss is reduced over the ranks before it is checked, so all stop at the same step
    (none is left waiting for the others) and the run ends with the trainer's own error."""
    def diverging():
        pipeline = sum2_build()
        step = pipeline.batch_result

        def batch_result(batch):
            result = step(batch)
            if os.environ.get("RANK") == "1":
                result.loss = result.loss * float("nan")
            return result

        pipeline.batch_result = batch_result
        return pipeline

    with pytest.raises(NesyError, match="training diverged: the loss of epoch 1, batch 1 is nan"):
        train(diverging, options(tmp_path, nproc=2))
