"""Programs found by synthesis: trees of grammar productions.

A program is evaluated column-wise through `nesy.engine.functions.apply`, the executor's own
function registry, so a reported program means exactly what the executor would compute.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from nesy.engine import functions
from nesy.synth.grammar import CHAIN, CONSTANT, FUNCTION, INPUT, Production, literal


@dataclass(frozen=True)
class Program:
    production: Production
    children: tuple["Program", ...] = ()

    @property
    def size(self) -> int:
        """Sum of production weights: the measure the search enumerates by."""
        return self.production.weight + sum(c.size for c in self.children)

    def __str__(self) -> str:
        p = self.production
        if p.kind == FUNCTION:
            return f"{p.symbol}({', '.join(map(str, self.children))})"
        if p.kind == CHAIN:
            return str(self.children[0])
        if p.kind == CONSTANT:
            return literal(p.symbol)
        return str(p.symbol)

    def evaluate(self, inputs: Mapping[str, Sequence]) -> tuple[np.ndarray, np.ndarray]:
        """Values on every example (one input column per input name) and which are defined."""
        columns = {name: _column(values) for name, values in inputs.items()}
        rows = len(next(iter(columns.values()))) if columns else 1
        return self._evaluate(columns, rows)

    def run(self, inputs: Mapping[str, Sequence]) -> list:
        """Python values per example; `None` where the program has no value."""
        values, valid = self.evaluate(inputs)
        return [v if ok else None for v, ok in zip(values.tolist(), valid.tolist())]

    def _evaluate(self, columns: dict[str, np.ndarray], rows: int):
        p = self.production
        if p.kind == CONSTANT:
            return _column([p.symbol] * rows), np.ones(rows, dtype=bool)
        if p.kind == INPUT:
            return columns[p.symbol], np.ones(rows, dtype=bool)
        if p.kind == CHAIN:
            return self.children[0]._evaluate(columns, rows)
        results = [c._evaluate(columns, rows) for c in self.children]
        defined = np.logical_and.reduce([ok for _, ok in results]) if results else np.ones(rows, bool)
        out = np.empty(rows, dtype=object)
        # Arguments are only defined where every child is; call the function on those rows only.
        values, valid = functions.apply(p.symbol, [v[defined] for v, _ in results])
        out[defined] = np.asarray(values, dtype=object)
        ok = np.zeros(rows, dtype=bool)
        ok[defined] = valid
        return out, ok


def _column(values: Sequence) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def consistent(program: Program, inputs: Mapping[str, Sequence], outputs: Sequence) -> bool:
    """Whether the program is defined and right on every example."""
    return all(ok and same(v, want) for v, ok, want in zip(*program.evaluate(inputs), outputs))


def same(value, want) -> bool:
    """Equality that keeps booleans apart from the integers 0 and 1."""
    return value == want and isinstance(value, bool) == isinstance(want, bool)
