"""The digits data: a fixed split by image, task samples and their labels, batches."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from nesy.datasets.digits import (
    DigitImages,
    digit_labels,
    jitter,
    multi_addition,
    sum2,
    sum_k,
)
from nesy.errors import UsageError

ALL_TASKS = [digit_labels(), sum2(), *(multi_addition(n) for n in range(1, 5)), sum_k(1), sum_k(2), sum_k(15)]


@pytest.fixture(scope="module")
def data() -> DigitImages:
    return DigitImages()


def test_split_partitions_all_1797_images_into_1437_train_and_360_test(data):
    assert len(data.images) == 1797
    assert len(np.intersect1d(data.train_pool, data.test_pool)) == 0
    assert sorted(np.concatenate([data.train_pool, data.test_pool])) == list(range(1797))
    assert (len(data.train_pool), len(data.test_pool)) == (1437, 360)


def test_split_is_stratified_by_digit(data):
    for digit in range(10):
        total = np.sum(data.digits == digit)
        in_test = np.sum(data.digits[data.test_pool] == digit)
        assert abs(in_test - 0.2 * total) <= 1


def test_split_is_fixed_across_loads(data):
    again = DigitImages()
    assert np.array_equal(again.test_pool, data.test_pool)


def test_pixels_are_scaled_to_unit_interval(data):
    assert data.images.shape == (1797, 1, 8, 8)
    assert data.images.min() == 0.0 and data.images.max() == 1.0


@pytest.mark.parametrize("task", ALL_TASKS, ids=lambda t: t.name)
def test_training_samples_never_contain_a_test_image(data, task):
    for epoch in (1, 2):
        samples = data.train_samples(task, seed=0, epoch=epoch)
        assert not np.isin(samples.index, data.test_pool).any()
    assert np.isin(data.test_samples(task).index, data.test_pool).all()


def _spelled(digits) -> int:
    return int("".join(str(d) for d in digits))


@pytest.mark.parametrize("task", ALL_TASKS, ids=lambda t: t.name)
def test_labels_are_the_arithmetic_of_the_true_digits(data, task):
    samples = data.train_samples(task, seed=3, epoch=1, n=200)
    assert samples.index.shape == (200, task.arity)
    for index, label in zip(samples.index, samples.label):
        digits = [int(data.digits[i]) for i in index]
        if task.kind == "multi":
            expected = _spelled(digits[: task.size]) + _spelled(digits[task.size :])
        else:
            expected = sum(digits)
        assert label == expected
        assert 0 <= label < task.n_classes


def test_label_range_of_each_task():
    assert (sum2().n_classes, multi_addition(4).n_classes, sum_k(15).n_classes) == (19, 19999, 136)


def test_samples_are_reproducible_from_seed_and_epoch(data):
    first = data.train_samples(sum2(), seed=7, epoch=3)
    again = data.train_samples(sum2(), seed=7, epoch=3)
    other_epoch = data.train_samples(sum2(), seed=7, epoch=4)
    other_seed = data.train_samples(sum2(), seed=8, epoch=3)
    assert np.array_equal(first.index, again.index)
    assert not np.array_equal(first.index, other_epoch.index)
    assert not np.array_equal(first.index, other_seed.index)


def test_an_epoch_uses_every_training_image_about_equally(data):
    samples = data.train_samples(sum_k(15), seed=0, epoch=1)
    assert len(samples) == 1000  # one pass would be only 95 samples
    uses = np.bincount(samples.index.ravel(), minlength=1797)[data.train_pool]
    assert uses.max() - uses.min() <= 1


def test_batches_gather_the_sampled_images_and_labels(data):
    samples = data.train_samples(multi_addition(2), seed=0, epoch=1, n=10)
    batches = list(data.batches(samples, batch_size=4))
    assert [len(labels) for _, labels in batches] == [4, 4, 2]
    images = torch.cat([images for images, _ in batches])
    assert images.shape == (10, 4, 1, 8, 8)
    assert torch.equal(images[3, 2], data.images[samples.index[3, 2]])
    assert torch.cat([labels for _, labels in batches]).tolist() == samples.label.tolist()


def _shifted(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """The image moved down dy and right dx pixels, zeros shifted in."""
    out = np.zeros_like(image)
    src = image[max(0, -dy) : 8 - max(0, dy), max(0, -dx) : 8 - max(0, dx)]
    out[max(0, dy) : max(0, dy) + src.shape[0], max(0, dx) : max(0, dx) + src.shape[1]] = src
    return out


def test_jitter_shifts_each_image_by_at_most_one_pixel(data):
    images = data.images[:40].view(20, 2, 1, 8, 8)
    moved = jitter(images, torch.Generator().manual_seed(0))
    assert moved.shape == images.shape
    shifts = set()
    for original, result in zip(images.reshape(-1, 8, 8).numpy(), moved.reshape(-1, 8, 8).numpy()):
        matches = [(dy, dx) for dy, dx in itertools.product((-1, 0, 1), repeat=2)
                   if np.array_equal(_shifted(original, dy, dx), result)]
        assert matches, "every jittered image is a shift of its original"
        shifts.update(matches)
    assert len(shifts) > 3


def test_jitter_is_reproducible_from_its_seed(data):
    samples = data.train_samples(sum2(), seed=0, epoch=1, n=8)
    first = torch.cat([x for x, _ in data.batches(samples, 4, jitter_seed=5)])
    again = torch.cat([x for x, _ in data.batches(samples, 4, jitter_seed=5)])
    assert torch.equal(first, again)


@pytest.mark.parametrize("make, size", [(multi_addition, 0), (multi_addition, 5), (sum_k, 0), (sum_k, 16)])
def test_task_sizes_out_of_range_are_usage_errors(make, size):
    with pytest.raises(UsageError):
        make(size)


def test_size_errors_name_the_api_arguments_not_command_line_flags():
    with pytest.raises(UsageError, match=r"^n_digits .*between 1 and 4, got 5$"):
        multi_addition(5)
    with pytest.raises(UsageError, match=r"^k .*between 1 and 15, got 16$"):
        sum_k(16)
