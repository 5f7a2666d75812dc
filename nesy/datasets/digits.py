"""Digit-arithmetic tasks built from scikit-learn's bundled 8x8 handwritten digits.

`load_digits` ships 1,797 real images with the package, so nothing is downloaded. The images
are split once, by image, into a training pool and a test pool (stratified by digit, fixed
seed), and every task sample is a tuple of indices drawn from one pool only: no test image
ever appears in a training sample. Samples are cheap index arrays, reproducible from a seed;
image tensors are gathered only when a batch is produced.

Tasks (a sample is `arity` images, its label one integer):
- `sum2`: two images, label a + b (0..18);
- `multi N`: two N-digit numbers written most significant digit first, images 0..N-1 are the
  first number and N..2N-1 the second; label their sum (DeepProbLog's multi-digit addition);
- `sumK`: K images, label their sum (0..9K).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

from nesy.datasets.base import DatasetSpec
from nesy.datasets.limits import MAX_NUMBER_DIGITS, MAX_SUM_TERMS
from nesy.errors import UsageError

if TYPE_CHECKING:  # annotations only: the module imports without torch
    import torch

# torch is imported where tensors are made: tasks and their labels are plain numpy, and the
# `nesy` command line builds its flags from this module without loading torch.

#: The split is a property of the data set, not of a run: every run, whatever its --seed,
#: is tested on the same 360 images, so accuracies are comparable across runs and systems.
SPLIT_SEED = 0
TEST_FRACTION = 0.2
#: Test samples are fixed per task (independent of a run's seed) for the same reason.
TEST_SAMPLES_SEED = 1
TEST_SAMPLES = 1000
#: An epoch is one pass over the training images, but at least this many samples: one pass
#: holds only 95 samples of sum15, too few gradient steps for an epoch to mean anything.
MIN_EPOCH_SAMPLES = 1000


@dataclass(frozen=True)
class DigitTask:
    """What a sample is: how many images, and how its label follows from their digits."""

    kind: str  # "digit", "sum2", "multi" or "sumk"
    size: int | None  # N for multi, K for sumk
    arity: int
    n_classes: int
    label_of: Callable[[np.ndarray], np.ndarray]  # digits [n, arity] -> labels [n]

    @property
    def name(self) -> str:
        return self.kind if self.size is None else f"{self.kind}-{self.size}"

    def labels(self, digits: np.ndarray) -> np.ndarray:
        return self.label_of(np.asarray(digits)).astype(np.int64)


def digit_labels() -> DigitTask:
    """One image, labelled with its own digit: the supervised baseline."""
    return DigitTask("digit", None, 1, 10, lambda d: d[:, 0])


def sum2() -> DigitTask:
    return DigitTask("sum2", None, 2, 19, lambda d: d.sum(axis=1))


def multi_addition(n_digits: int) -> DigitTask:
    if not 1 <= n_digits <= MAX_NUMBER_DIGITS:
        raise UsageError(f"n_digits (digits per number) must be between 1 and {MAX_NUMBER_DIGITS}, "
                         f"got {n_digits}")
    place = 10 ** np.arange(n_digits - 1, -1, -1)  # most significant first

    def label_of(d: np.ndarray) -> np.ndarray:
        return d[:, :n_digits] @ place + d[:, n_digits:] @ place

    return DigitTask("multi", n_digits, 2 * n_digits, 2 * (10**n_digits - 1) + 1, label_of)


def sum_k(k: int) -> DigitTask:
    if not 1 <= k <= MAX_SUM_TERMS:
        raise UsageError(f"k (digits summed) must be between 1 and {MAX_SUM_TERMS}, got {k}")
    return DigitTask("sumk", k, k, 9 * k + 1, lambda d: d.sum(axis=1))


@dataclass(frozen=True)
class Samples:
    """`index[i]` are the images of sample i (indices into `DigitImages`), `label[i]` its label."""

    index: np.ndarray  # [n, arity] int64
    label: np.ndarray  # [n] int64

    def __len__(self) -> int:
        return len(self.label)


class DigitImages:
    """All 1,797 images as one tensor, with the fixed train/test split by image."""

    def __init__(self, split_seed: int = SPLIT_SEED, test_fraction: float = TEST_FRACTION):
        import torch
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        data = load_digits()
        # Pixels are 0..16 intensities; scale to [0, 1] for the network.
        self.images = torch.tensor(data.images / 16.0, dtype=torch.float32).unsqueeze(1)
        self.digits = data.target.astype(np.int64)
        train, test = train_test_split(
            np.arange(len(self.digits)),
            test_size=test_fraction,
            stratify=self.digits,
            random_state=split_seed,
        )
        self.train_pool = np.sort(train)
        self.test_pool = np.sort(test)

    def pool(self, split: str) -> np.ndarray:
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', not {split!r}")
        return self.train_pool if split == "train" else self.test_pool

    def samples(self, task: DigitTask, split: str, n: int, rng: np.random.Generator) -> Samples:
        """n samples of `task` from one split's images.

        Images are dealt from successive random permutations of the pool, so each image is
        used about equally often (n * arity / pool size times)."""
        pool = self.pool(split)
        needed = n * task.arity
        rounds = -(-needed // len(pool))
        dealt = np.concatenate([rng.permutation(pool) for _ in range(rounds)])[:needed]
        index = dealt.reshape(n, task.arity)
        return Samples(index, task.labels(self.digits[index]))

    def train_samples(self, task: DigitTask, seed: int, epoch: int, n: int | None = None) -> Samples:
        """One epoch of training samples, by default `default_epoch_samples(task)`.

        Drawn from (seed, epoch) alone, so a resumed run sees exactly the samples an
        uninterrupted run would."""
        rng = np.random.default_rng([seed, epoch])
        return self.samples(task, "train", n or self.default_epoch_samples(task), rng)

    def default_epoch_samples(self, task: DigitTask) -> int:
        return max(len(self.train_pool) // task.arity, MIN_EPOCH_SAMPLES)

    def test_samples(self, task: DigitTask, n: int = TEST_SAMPLES) -> Samples:
        rng = np.random.default_rng([TEST_SAMPLES_SEED, task.arity, task.n_classes])
        return self.samples(task, "test", n, rng)

    def batches(self, samples: Samples, batch_size: int, jitter_seed: int | None = None
                ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """(images [b, arity, 1, 8, 8], labels [b]) in sample order; with a `jitter_seed`,
        every image is shifted by up to one pixel (see `jitter`)."""
        import torch

        generator = None if jitter_seed is None else torch.Generator().manual_seed(jitter_seed)
        for start in range(0, len(samples), batch_size):
            images = self.images[torch.from_numpy(samples.index[start : start + batch_size])]
            if generator is not None:
                images = jitter(images, generator)
            yield images, torch.from_numpy(samples.label[start : start + batch_size])


def jitter(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Shift each 8x8 image by -1, 0 or +1 pixel in each direction (zeros fill the border).

    1,437 training images are few enough for a CNN to memorise; these shifts are the cheapest
    augmentation that keeps a digit's identity, and lift test accuracy by about a point."""
    import torch

    flat = images.reshape(-1, 8, 8)
    padded = torch.nn.functional.pad(flat, (1, 1, 1, 1))
    offset = torch.randint(0, 3, (len(flat), 2), generator=generator)
    rows = offset[:, 0, None] + torch.arange(8)  # [n, 8] rows of `padded` to keep
    cols = offset[:, 1, None] + torch.arange(8)
    n = torch.arange(len(flat))[:, None, None]
    return padded[n, rows[:, :, None], cols[:, None, :]].reshape(images.shape)


DATASETS = [DatasetSpec("digits", "scikit-learn's 1,797 real 8x8 handwritten digits (bundled, "
                        "nothing downloaded), split once by image into 1,437 train and 360 test",
                        DigitImages)]
