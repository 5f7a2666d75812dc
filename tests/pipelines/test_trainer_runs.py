"""The training loop: metrics, checkpoints, exact resume, and refusals with readable reasons."""
from __future__ import annotations

import json

import pytest
import torch

from nesy.datasets.digits import sum2
from nesy.errors import NesyError
from nesy.pipelines.digits import digits_pipeline
from nesy.pipelines.checkpoints import load_checkpoint
from nesy.pipelines.trainer import RunOptions, train

from .logic_reference import reference_logic


def options(out, **overrides) -> RunOptions:
    settings = dict(out=out, epochs=2, batch_size=16, progress=False, log=None, plot=False)
    return RunOptions(**{**settings, **overrides})


def without_timing(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in record.items() if not k.endswith("seconds")} for record in history]


def saved_model(out) -> dict:
    return load_checkpoint(out / "checkpoint.pt")["model"]


def assert_same_weights(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, digit_images):
    """Three epochs in one go: what every interrupted-and-resumed run must reproduce."""
    out = tmp_path_factory.mktemp("full")
    build = lambda: digits_pipeline(sum2(), samples=48, logic=reference_logic(sum2()), data=digit_images)
    return train(build, options(out, epochs=3)), out


def test_each_epoch_appends_one_metrics_line_with_the_documented_fields(uninterrupted):
    result, out = uninterrupted
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert lines == result.history
    assert [line["epoch"] for line in lines] == [1, 2, 3]
    for line in lines:
        assert {"epoch", "loss", "train_accuracy", "test_accuracy", "test_digit_accuracy", "seconds"} <= line.keys()
        assert 0 <= line["test_accuracy"] <= 1 and line["seconds"] > 0


def test_the_checkpoint_records_the_last_epoch_and_its_history(uninterrupted):
    result, out = uninterrupted
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    assert state["epoch"] == 3 and state["history"] == result.history
    assert state["optimizer"]["state"], "Adam's moments are saved"
    assert state["config"]["task"] == "sum2" and state["config"]["lr"] == 1e-3


def test_resuming_after_epoch_1_reproduces_the_uninterrupted_run(uninterrupted, tiny_sum2, tmp_path):
    full, full_out = uninterrupted
    train(tiny_sum2, options(tmp_path, epochs=1))
    resumed = train(tiny_sum2, options(tmp_path, epochs=3, resume=True))
    assert without_timing(resumed.history) == without_timing(full.history)
    assert_same_weights(saved_model(tmp_path), saved_model(full_out))


def test_an_interrupted_epoch_leaves_the_last_whole_epoch_and_resumes_exactly(uninterrupted, tiny_sum2, tmp_path):
    full, _ = uninterrupted

    def interrupted_in_epoch_2():
        pipeline = tiny_sum2()
        step = pipeline.batch_result
        calls = iter(range(1000))

        def batch_result(batch):
            if next(calls) == 4:  # epoch 1 has 3 batches of 16
                raise KeyboardInterrupt
            return step(batch)

        pipeline.batch_result = batch_result
        return pipeline

    with pytest.raises(KeyboardInterrupt):
        train(interrupted_in_epoch_2, options(tmp_path, epochs=3))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "checkpoint.pt", "metrics.jsonl"]
    assert len((tmp_path / "metrics.jsonl").read_text().splitlines()) == 1
    resumed = train(tiny_sum2, options(tmp_path, epochs=3, resume=True))
    assert without_timing(resumed.history) == without_timing(full.history)


def test_resume_rewrites_metrics_that_fell_behind_the_checkpoint(uninterrupted, tiny_sum2, tmp_path):
    full, _ = uninterrupted
    train(tiny_sum2, options(tmp_path, epochs=2))
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    (tmp_path / "metrics.jsonl").write_text(lines[0] + "\n")  # as if killed between the two writes
    train(tiny_sum2, options(tmp_path, epochs=3, resume=True))
    written = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert without_timing(written) == without_timing(full.history)


def test_resuming_a_finished_run_trains_nothing_more_and_says_how_to_go_on(tiny_sum2, tmp_path):
    first = train(tiny_sum2, options(tmp_path, epochs=1))
    lines = []
    again = train(tiny_sum2, options(tmp_path, epochs=1, resume=True, log=lines.append))
    assert again.history == first.history
    assert lines == [f"{tmp_path} is already trained to epoch 1, nothing to do; to train further, "
                     f"resume with a larger --epochs (the total), e.g. --resume --epochs 11"]


def test_an_existing_run_is_kept_unless_resumed_or_overwritten(tiny_sum2, tmp_path):
    train(tiny_sum2, options(tmp_path, epochs=1))
    with pytest.raises(NesyError, match="already holds a training run; resume it, overwrite it"):
        train(tiny_sum2, options(tmp_path, epochs=1))
    fresh = train(tiny_sum2, options(tmp_path, epochs=1, overwrite=True))
    assert [r["epoch"] for r in fresh.history] == [1]


def test_resume_needs_a_checkpoint(tiny_sum2, tmp_path):
    with pytest.raises(NesyError, match="nothing to resume"):
        train(tiny_sum2, options(tmp_path, resume=True))


def test_resume_with_other_settings_names_each_difference(tiny_sum2, tmp_path):
    train(tiny_sum2, options(tmp_path, epochs=1))
    with pytest.raises(NesyError, match=r"different settings:\n  batch_size: .*\n  lr: checkpoint has 0.001, this run 0.01"):
        train(tiny_sum2, options(tmp_path, resume=True, lr=0.01, batch_size=8))


def test_resuming_from_a_corrupted_checkpoint_is_a_readable_error(tiny_sum2, tmp_path):
    train(tiny_sum2, options(tmp_path, epochs=1))
    (tmp_path / "checkpoint.pt").write_bytes(b"\x00" * 100)
    with pytest.raises(NesyError, match="corrupted"):
        train(tiny_sum2, options(tmp_path, resume=True))


def test_an_out_path_that_is_a_file_or_below_one_is_refused(tiny_sum2, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NesyError, match="is a file, not a directory"):
        train(tiny_sum2, options(tmp_path / "file"))
    with pytest.raises(NesyError, match="cannot write to the output directory"):
        train(tiny_sum2, options(tmp_path / "file" / "run"))


@pytest.mark.parametrize("bad, message", [
    ({"epochs": 0}, "epochs must be at least 1"),
    ({"batch_size": 0}, "batch_size must be at least 1"),
    ({"lr": 0.0}, "lr must be a positive finite number"),
    ({"lr": float("inf")}, "lr must be a positive finite number"),
    ({"seed": -1}, "seed must be between 0 and 4294967295"),
    ({"seed": 10**20}, "seed must be between 0 and 4294967295"),
    ({"threads": 100_000}, "threads must be between 1 and"),
    ({"threads": 0}, "threads must be between 1 and"),
    ({"resume": True, "overwrite": True}, "contradict"),
])
def test_impossible_options_are_refused_before_any_work(tiny_sum2, tmp_path, bad, message):
    with pytest.raises(NesyError, match=message):
        train(tiny_sum2, options(tmp_path / "run", **bad))
    assert not (tmp_path / "run").exists()


def test_plot_writes_a_png_and_the_summary_is_one_line(tiny_sum2, tmp_path):
    result = train(tiny_sum2, options(tmp_path, epochs=1, plot=True))
    assert (tmp_path / "metrics.png").read_bytes().startswith(b"\x89PNG")
    assert "\n" not in result.summary
    assert result.summary.startswith("digits/sum2: test_accuracy ") and str(tmp_path) in result.summary
