"""A small reduced ordered BDD and its vectorised, differentiable weighted model count.

Formula-valued provenances (`exact`, and the output of `topkproofs`) need canonical boolean
formulas over input facts: canonical so that `changed` is an integer comparison and recursion
reaches a fixpoint, and exactly countable so that probabilities follow ProbLog's semantics.
Nodes are plain ints (0 = false, 1 = true). Larger variables sit nearer the root: facts get
increasing ids, so conjoining a formula with a newer fact only builds nodes above it - which
keeps folds over facts in arrival order (count, sum of digits) linear rather than quadratic.
Operations are iterative, so deep formulas never hit Python's recursion limit.

Counting is separated from building: `Circuit` lays the sub-BDD below a set of roots out in
layers by height once (KLay-style), then evaluates it for any variable probabilities - floats,
or torch tensors with batch dimensions - with one gather-multiply-add per layer, and a
hand-written backward pass of the same shape.
"""
from __future__ import annotations

import functools
import sys

import numpy as np

FALSE, TRUE = 0, 1
_TERMINAL_VAR = -1  # terminals sit below every variable


class BDD:
    def __init__(self):
        self.var = [_TERMINAL_VAR, _TERMINAL_VAR]
        self.lo = [FALSE, TRUE]
        self.hi = [FALSE, TRUE]
        self._unique: dict[tuple[int, int, int], int] = {}
        self._caches = {"and": {}, "or": {}}
        self._not: dict[int, int] = {FALSE: TRUE, TRUE: FALSE}

    def __len__(self):
        return len(self.var)

    def node(self, v: int, lo: int, hi: int) -> int:
        if lo == hi:
            return lo
        key = (v, lo, hi)
        n = self._unique.get(key)
        if n is None:
            n = len(self.var)
            self.var.append(v)
            self.lo.append(lo)
            self.hi.append(hi)
            self._unique[key] = n
        return n

    def variable(self, v: int) -> int:
        return self.node(v, FALSE, TRUE)

    def conj(self, a: int, b: int) -> int:
        return self._apply("and", a, b)

    def disj(self, a: int, b: int) -> int:
        return self._apply("or", a, b)

    def neg(self, a: int) -> int:
        cache, var, lo, hi = self._not, self.var, self.lo, self.hi
        if a in cache:
            return cache[a]
        stack = [a]
        while stack:
            n = stack[-1]
            if n in cache:
                stack.pop()
                continue
            l, h = lo[n], hi[n]
            nl, nh = cache.get(l), cache.get(h)
            if nl is None or nh is None:
                stack.extend(c for c, r in ((l, nl), (h, nh)) if r is None)
                continue
            cache[n] = self.node(var[n], nl, nh)
            stack.pop()
        return cache[a]

    def _apply(self, op: str, a: int, b: int) -> int:
        cache, var, lo, hi = self._caches[op], self.var, self.lo, self.hi
        shortcut = _and_shortcut if op == "and" else _or_shortcut

        def known(x, y):
            r = shortcut(x, y)
            if r is None:
                r = cache.get((x, y) if x < y else (y, x))
            return r

        result = known(a, b)
        if result is not None:
            return result
        stack = [(a, b)]
        while stack:
            x, y = stack[-1]
            key = (x, y) if x < y else (y, x)
            if key in cache:
                stack.pop()
                continue
            v = max(var[x], var[y])
            x0, x1 = (lo[x], hi[x]) if var[x] == v else (x, x)
            y0, y1 = (lo[y], hi[y]) if var[y] == v else (y, y)
            r0, r1 = known(x0, y0), known(x1, y1)
            if r0 is None or r1 is None:
                if r0 is None:
                    stack.append((x0, y0))
                if r1 is None:
                    stack.append((x1, y1))
                continue
            cache[key] = self.node(v, r0, r1)
            stack.pop()
        return cache[(a, b) if a < b else (b, a)]


def _and_shortcut(x: int, y: int):
    if x == FALSE or y == FALSE:
        return FALSE
    if x == TRUE or x == y:
        return y
    if y == TRUE:
        return x
    return None


def _or_shortcut(x: int, y: int):
    if x == TRUE or y == TRUE:
        return TRUE
    if x == FALSE or x == y:
        return y
    if y == FALSE:
        return x
    return None


class Circuit:
    """The sub-BDD below `roots`, compiled into layers for repeated weighted model counting.

    Nodes are numbered by height (longest path to a terminal): 0 and 1 are the terminals, then
    every node of height 1, of height 2, and so on. Layer h computes its nodes' values
    p * hi + (1 - p) * lo into one contiguous slice of a value buffer, reading any lower slice,
    so one gather-multiply-add per layer and no copies of nodes needed higher up. The backward
    pass (`_LayeredCount`) walks the layers top-down with the same gathers, scatter-adding
    adjoints: linear in the circuit however deep the formula."""

    def __init__(self, bdd: BDD, roots):
        roots = [int(r) for r in roots]
        height = _heights(bdd, roots)
        nodes = [n for n in height if n > TRUE]
        order = [FALSE, TRUE] + sorted(nodes, key=height.__getitem__)
        position = {n: i for i, n in enumerate(order)}
        self.layers = []  # (start, var, hi, lo): the layer fills positions start..start+len(var)
        start = 2
        while start < len(order):
            end = start
            while end < len(order) and height[order[end]] == height[order[start]]:
                end += 1
            layer = order[start:end]
            self.layers.append((start, *(np.array(a, dtype=np.int64) for a in (
                [bdd.var[n] for n in layer], [position[bdd.hi[n]] for n in layer],
                [position[bdd.lo[n]] for n in layer]))))
            start = end
        self.n_nodes = len(order)
        self.roots = np.array([position[r] for r in roots], dtype=np.int64)
        self.size = len(nodes)
        self._torch_layers = None

    def evaluate(self, var_probs):
        """Probability of every root. `var_probs` is a float numpy array [n_vars] or a torch
        tensor [n_vars, *batch]; the result has the roots first, then the batch dims."""
        if is_tensor(var_probs):
            import torch

            if self._torch_layers is None:
                self._torch_layers = [(start, *(torch.from_numpy(a) for a in arrays))
                                      for start, *arrays in self.layers]
            return _layered_count().apply(var_probs, self)
        values = np.empty(self.n_nodes)
        values[:2] = (0.0, 1.0)
        for start, var, hi, lo in self.layers:
            p, low = var_probs[var], values[lo]
            values[start:start + len(var)] = low + p * (values[hi] - low)
        return values[self.roots]


def is_tensor(value) -> bool:
    """Whether `value` is a torch tensor, without importing torch: when nothing has imported
    it, nothing can be one. A run on floats alone (`nesy run` with `exact`, say) never loads
    torch, which takes two seconds to import."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


@functools.cache
def _layered_count():
    """The circuit's count as a torch autograd function (made on first use: see `is_tensor`)."""
    import torch
    from torch.autograd.function import once_differentiable

    class LayeredCount(torch.autograd.Function):
        """The circuit's count in torch: in-place layer slices forward, adjoints backward.

        Hand-written because autograd would record every layer's gathers and keep a graph as deep
        as the formula; here forward and backward are a few ops per layer over one buffer."""

        @staticmethod
        def forward(ctx, var_probs, circuit):
            values = var_probs.new_empty((circuit.n_nodes, *var_probs.shape[1:]))
            values[0], values[1] = 0.0, 1.0
            for start, var, hi, lo in circuit._torch_layers:
                low = values[lo]
                torch.addcmul(low, var_probs[var], values[hi] - low, out=values[start:start + len(var)])
            ctx.save_for_backward(var_probs, values)
            ctx.circuit = circuit
            return values[torch.from_numpy(circuit.roots)]

        @staticmethod
        @once_differentiable
        def backward(ctx, grad):
            var_probs, values = ctx.saved_tensors
            circuit = ctx.circuit
            adjoint = torch.zeros_like(values).index_add_(0, torch.from_numpy(circuit.roots), grad)
            grad_probs = torch.zeros_like(var_probs)
            for start, var, hi, lo in reversed(circuit._torch_layers):
                g = adjoint[start:start + len(var)]
                p = var_probs[var]
                grad_probs.index_add_(0, var, g * (values[hi] - values[lo]))
                adjoint.index_add_(0, hi, g * p)
                adjoint.index_add_(0, lo, g - g * p)
            return grad_probs, None

    return LayeredCount


def _heights(bdd: BDD, roots) -> dict[int, int]:
    """Height (longest path to a terminal) of every node below `roots`, by an iterative
    post-order walk: it needs no particular variable order (exported diagrams have CUDD's)."""
    height = {FALSE: 0, TRUE: 0}
    lo, hi = bdd.lo, bdd.hi
    for root in roots:
        stack = [root]
        while stack:
            n = stack[-1]
            if n in height:
                stack.pop()
                continue
            missing = [c for c in (lo[n], hi[n]) if c not in height]
            if missing:
                stack.extend(missing)
                continue
            height[n] = 1 + max(height[lo[n]], height[hi[n]])
            stack.pop()
    return height
