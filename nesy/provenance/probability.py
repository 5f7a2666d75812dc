"""Probability-valued semirings: `minmaxprob`, `addmultprob` and their `diff*` variants.

A tag batch is one torch tensor of shape [*batch, n]: rows on the last axis, optional batch
dimensions in front (Dolphin-style batching: a [B]-shaped probability per input fact gives
[B, n] tags, and every operation below is one vectorised torch op over the whole batch).
Tags of certain rows are [n]-shaped ones and broadcast against batched ones. The `diff*`
variants keep the autograd graph and output tensors; the plain ones output floats.
"""
from __future__ import annotations

import numpy as np
import torch

from ._facts import as_tensor
from .base import Provenance


class _ProbabilitySemiring(Provenance):
    probabilistic = True
    differentiable = False
    disjunctions = "ignored"  # each fact weighs its own probability, as in Scallop
    #: Scatter-reduce used for disjunction (`amax` or `sum`).
    _reduce = "sum"
    #: Rows whose probability moves by at most this much count as unchanged. Recursion over
    #: a cycle converges geometrically for addmultprob; the tolerance makes it stop.
    tolerance = 1e-12

    def __init__(self, k=None):
        super().__init__(k)
        self.dtype = torch.float64

    # -- creating tags -------------------------------------------------------------------------
    def input_tags(self, facts):
        """Probabilities as given: a list (floats, tensors, None = certain) or one
        [*batch, n] tensor. Tags adopt the dtype of the first floating tensor."""
        probs = facts.probs
        if isinstance(probs, torch.Tensor):
            return self._own(probs)
        values = [1.0 if p is None else p for p in probs]
        tensors = [p for p in values if isinstance(p, torch.Tensor)]
        if not tensors:
            return torch.tensor(values, dtype=self.dtype).reshape(len(values))
        self._adopt_dtype(tensors[0])
        batch = torch.broadcast_shapes(*(t.shape for t in tensors))
        return self._own(torch.stack(
            [as_tensor(p, self.dtype).expand(batch) for p in values], dim=-1))

    def _adopt_dtype(self, tensor: torch.Tensor):
        if tensor.is_floating_point():
            self.dtype = tensor.dtype

    def _own(self, tags: torch.Tensor) -> torch.Tensor:
        self._adopt_dtype(tags)
        tags = tags.to(self.dtype)
        return tags if self.differentiable else tags.detach()

    def ones(self, n):
        return torch.ones(n, dtype=self.dtype)

    # -- batch plumbing ------------------------------------------------------------------------
    def take(self, tags, index):
        return tags[..., torch.as_tensor(np.asarray(index, dtype=np.int64))]

    def concat(self, batches):
        if not batches:
            return self.ones(0)
        batch = torch.broadcast_shapes(*(b.shape[:-1] for b in batches))
        return torch.cat([b.expand(*batch, b.shape[-1]) for b in batches], dim=-1)

    # -- the semiring --------------------------------------------------------------------------
    def conjoin(self, a, b):
        raise NotImplementedError

    def disjoin_groups(self, tags, group, n_groups):
        index = torch.as_tensor(np.asarray(group, dtype=np.int64)).expand(tags.shape)
        out = tags.new_zeros((*tags.shape[:-1], n_groups))
        out = out.scatter_reduce(-1, index, tags, self._reduce, include_self=False)
        return self._saturate(out)

    def _saturate(self, tags):
        return tags

    def negate(self, tags):
        return 1.0 - tags

    def nonzero(self, tags):
        return _rows_where(tags != 0)

    def changed(self, old, new):
        return _rows_where((new - old).abs() > self.tolerance)

    def output(self, tags):
        if self.differentiable:
            return list(tags.unbind(-1))
        values = tags.detach().numpy()
        return values.tolist() if values.ndim == 1 else list(np.moveaxis(values, -1, 0))


class MinMaxProb(_ProbabilitySemiring):
    """or = max, and = min, not = 1 - p: the probability of the single most likely proof's
    weakest link, a cheap stand-in for the exact probability."""

    name = "minmaxprob"
    approximation = ("minmaxprob approximates probabilities: or = max, and = min, not = 1 - p "
                     "(use exact for ProbLog semantics)")
    _reduce = "amax"

    def conjoin(self, a, b):
        return torch.minimum(a, b)


class AddMultProb(_ProbabilitySemiring):
    """or = min(a + b, 1), and = a * b, not = 1 - p: exact when the proofs being combined are
    disjoint and independent, an over-estimate otherwise (mutual exclusion is ignored)."""

    name = "addmultprob"
    idempotent = False  # a or a = min(2a, 1): its values depend on how derivations arrive
    approximation = ("addmultprob approximates probabilities: or = min(a + b, 1), and = a * b, "
                     "not = 1 - p, facts treated as independent (use exact for ProbLog "
                     "semantics)")

    def conjoin(self, a, b):
        return a * b

    def _saturate(self, tags):
        return tags.clamp(max=1.0)


class DiffMinMaxProb(MinMaxProb):
    name = "diffminmaxprob"
    differentiable = True
    approximation = "diff" + MinMaxProb.approximation


class DiffAddMultProb(AddMultProb):
    name = "diffaddmultprob"
    differentiable = True
    approximation = "diff" + AddMultProb.approximation


def _rows_where(mask: torch.Tensor) -> np.ndarray:
    """Reduce an elementwise mask over the batch dimensions to one bool per row."""
    if mask.ndim > 1:
        mask = mask.reshape(-1, mask.shape[-1]).any(0)
    return mask.numpy()


PROVENANCES = [MinMaxProb, AddMultProb, DiffMinMaxProb, DiffAddMultProb]
