"""Training the digit pipelines end to end, through their real programs (their agreement with
a pure-torch reference is tested in test_digits_logic.py).

Each pipeline has a smoke test here, run by default: a few epochs on a few hundred samples
must learn well above chance. The full-accuracy runs with the default settings are `slow`."""
from __future__ import annotations

import pytest
import torch

from nesy.datasets.digits import multi_addition, sum2, sum_k
from nesy.cli import main
from nesy.pipelines.cli import DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_LR
from nesy.pipelines.digits import digit_labels_pipeline, digits_pipeline
from nesy.pipelines.trainer import RunOptions, train

from .logic_reference import reference_logic


def test_the_model_maps_images_to_digit_and_class_probabilities(digit_images):
    pipeline = digits_pipeline(multi_addition(2), logic=reference_logic(multi_addition(2)), data=digit_images)
    images, labels = next(iter(pipeline.train_batches(epoch=1, batch_size=5, seed=0)))
    digits, classes = pipeline.model(images)
    assert digits.shape == (5, 4, 10) and classes.shape == (5, 199)
    torch.testing.assert_close(classes.sum(-1), torch.ones(5))


def test_the_sum_alone_supervises_the_cnn(digit_images):
    pipeline = digits_pipeline(sum2(), logic=reference_logic(sum2()), data=digit_images)
    batch = next(iter(pipeline.train_batches(epoch=1, batch_size=8, seed=0)))
    pipeline.batch_result(batch).loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in pipeline.model.net.parameters())


def smoke_run(build, out, epochs=3):
    """A short run with a larger learning rate and small batches, so learning shows early;
    without the plot, which test_trainer_runs.py and test_train_command.py check."""
    return train(build, RunOptions(out=out, epochs=epochs, batch_size=8, lr=3e-3, progress=False, log=None,
                                   plot=False))


def test_sum2_smoke_learns_the_sum_from_1000_pairs_per_epoch(digit_images, tmp_path):
    history = smoke_run(lambda: digits_pipeline(sum2(), samples=1000, data=digit_images), tmp_path).history
    assert history[-1]["test_accuracy"] >= 0.5  # the most frequent sum (9) is 10% of pairs
    assert history[-1]["loss"] < history[0]["loss"]


def test_multi_digit_smoke_learns_digits_from_sums_alone(digit_images, tmp_path):
    history = smoke_run(lambda: digits_pipeline(multi_addition(2), samples=500, data=digit_images),
                        tmp_path).history
    assert history[-1]["test_digit_accuracy"] >= 0.25  # chance: 10%
    assert history[-1]["loss"] < history[0]["loss"]


def test_digit_labels_smoke_learns_from_300_images(digit_images, tmp_path):
    history = smoke_run(lambda: digit_labels_pipeline(samples=300, data=digit_images), tmp_path,
                        epochs=2).history
    assert history[-1]["test_digit_accuracy"] >= 0.35  # chance: 10%


@pytest.mark.slow
def test_digit_labels_baseline_learns_within_two_epochs(digit_images, tmp_path):
    result = train(lambda: digit_labels_pipeline(data=digit_images),
                   RunOptions(out=tmp_path, epochs=2, progress=False, log=None))
    assert result.history[-1]["test_digit_accuracy"] > 0.8


def default_run(build, out, epochs=DEFAULT_EPOCHS, **overrides):
    return train(build, RunOptions(out=out, epochs=epochs, batch_size=DEFAULT_BATCH_SIZE, lr=DEFAULT_LR,
                                   progress=False, log=print, **overrides))


@pytest.mark.slow
def test_sum2_with_default_settings_reaches_95_percent(digit_images, tmp_path):
    result = default_run(lambda: digits_pipeline(sum2(), data=digit_images), tmp_path)
    assert result.history[-1]["test_accuracy"] >= 0.95


@pytest.mark.slow
def test_multi_digit_addition_with_two_digit_numbers_trains(digit_images, tmp_path):
    task = multi_addition(2)
    result = default_run(lambda: digits_pipeline(task, data=digit_images), tmp_path, epochs=15)
    assert result.history[-1]["test_accuracy"] >= 0.9


@pytest.mark.slow
def test_sum_of_15_digits_trains(digit_images, tmp_path):
    task = sum_k(15)
    result = default_run(lambda: digits_pipeline(task, data=digit_images), tmp_path, epochs=40)
    assert result.history[-1]["test_accuracy"] >= 0.8


def test_train_digits_runs_the_real_program_from_the_command_line(tmp_path, capsys):
    code = main(["train", "digits", "--epochs", "1", "--samples", "32", "--out", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("digits/sum2: test_accuracy ")
