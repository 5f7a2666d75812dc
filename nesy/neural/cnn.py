"""The small CNN every digit pipeline shares (and the DeepProbLog benchmark reuses).

Sized for 8x8 inputs and CPU training: two 3x3 convolutions at the full 8x8 resolution
(pooling earlier makes sum-supervised training markedly slower to take off), one 2x2 pooling,
then a small classifier; about 72k parameters. Training steps in the digit tasks can be tiny
(batch 2 of sum2 is 4 images), so training picks the CPU convolution kernels by batch size
(`convolution_kernels`).
"""
from __future__ import annotations

from contextlib import contextmanager

import torch
from torch import nn

#: Up to this many images per step, PyTorch's direct convolution kernels beat oneDNN, whose
#: fixed cost per call dominates tiny batches (a sum2 training step at batch 2, 4 images:
#: 0.72 vs 0.82 ms); above it oneDNN wins (by up to 2x from 32 images on).
DIRECT_CONVOLUTION_MAX_IMAGES = 8


class DigitCNN(nn.Module):
    """1x8x8 image -> 10 logits (unnormalised; apply softmax for digit probabilities)."""

    def __init__(self, channels: int = 16, hidden: int = 128):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(channels, 2 * channels, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(2 * channels * 4 * 4, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 10),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(images))


@contextmanager
def convolution_kernels(images: int):
    """The CPU convolution kernels for training steps of `images` images, forward and backward.

    A context rather than a module option because ATen picks the backward kernel when the
    backward runs, which is outside the module's forward. Results are the same either way."""
    enabled = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = enabled and images > DIRECT_CONVOLUTION_MAX_IMAGES
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = enabled
