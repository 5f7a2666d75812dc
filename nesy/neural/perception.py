"""Neural predicates feeding a program: a network classifies each of a sample's inputs, and
the program (as a module) computes the sample's answer from those class distributions."""
from __future__ import annotations

import torch
from torch import nn


class Perception(nn.Module):
    """inputs [b, arity, *item] -> (class probabilities [b, arity, classes], logic output).

    `net` maps [n, *item] to [n, classes] logits; their softmax, reshaped to
    [b, *input_shape], is the input of `logic` (e.g. a `program.module`)."""

    def __init__(self, net: nn.Module, logic: nn.Module, input_shape: tuple[int, ...]):
        super().__init__()
        self.net = net
        self.logic = logic
        self.input_shape = input_shape  # the logic's input shape without the batch dimension

    def forward(self, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch, arity = items.shape[:2]
        probs = self.net(items.flatten(0, 1)).softmax(-1).view(batch, arity, -1)
        return probs, self.logic(probs.reshape(batch, *self.input_shape))


class Permuted(nn.Module):
    """Feeds a [batch, *dims] tensor to a module that expects its dims in `columns` order."""

    def __init__(self, module: nn.Module, columns: tuple[int, ...]):
        super().__init__()
        self.module = module
        self.dims = (0, *(1 + c for c in columns))

    def forward(self, probs: torch.Tensor) -> torch.Tensor:
        return self.module(probs.permute(self.dims))
