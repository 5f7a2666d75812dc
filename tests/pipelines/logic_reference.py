"""Pure-torch references for the digit tasks' logic: the oracle `program.module` is checked
against.

They compute the tensors the task programs should (see nesy/pipelines/digits.py `logic_spec`)
by plain probability algebra, independently of nesy's engine: the distribution of a sum of
independent digits is the convolution of their distributions.
"""
from __future__ import annotations

import torch
from torch import nn


def convolve(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """[b, m], [b, n] -> [b, m + n - 1]: the distribution of the sum of two independent values.

    A full 1-d convolution per sample (conv1d, one group per sample, the kernel flipped because
    conv1d correlates): memory linear in m + n, where the outer product of two 4-digit numbers'
    distributions would take 10^8 entries per sample."""
    b, n = y.shape
    out = torch.nn.functional.conv1d(x[None], y.flip(-1)[:, None], padding=n - 1, groups=b)
    return out[0]


class TorchSumReference(nn.Module):
    """sum2 / sumK: digit probabilities [b, K, 10] -> sum probabilities [b, 9K + 1]."""

    def forward(self, digits: torch.Tensor) -> torch.Tensor:
        total = digits[:, 0]
        for i in range(1, digits.shape[1]):
            total = convolve(total, digits[:, i])
        return total


class TorchMultiAdditionReference(nn.Module):
    """multi N: digit probabilities [b, 2, N, 10] (most significant first) -> [b, 2 * 10^N - 1]."""

    def forward(self, digits: torch.Tensor) -> torch.Tensor:
        return convolve(self.number(digits[:, 0]), self.number(digits[:, 1]))

    @staticmethod
    def number(digits: torch.Tensor) -> torch.Tensor:
        """[b, N, 10] -> [b, 10^N]: column v is P(the N digits spell v)."""
        value = digits[:, 0]
        for i in range(1, digits.shape[1]):
            value = (value[:, :, None] * digits[:, i, None, :]).flatten(1)
        return value


def reference_logic(task) -> nn.Module:
    return TorchMultiAdditionReference() if task.kind == "multi" else TorchSumReference()
