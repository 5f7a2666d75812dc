"""Programs found by synthesis: trees of grammar productions.

A program is evaluated column-wise through its domain's function namespace, the functions the
search itself applied, so a reported program means exactly what the search computed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np

from nesy.synth.domains import PLAIN, Domain, objects
from nesy.synth.grammar import CHAIN, CONSTANT, FUNCTION, INPUT, Production
from nesy.types import literal


@dataclass(frozen=True)
class Program:
    production: Production
    children: tuple["Program", ...] = ()
    domain: Domain = field(default=PLAIN, compare=False, repr=False)

    @property
    def size(self) -> int:
        """Sum of production weights: the measure the search enumerates by."""
        return self.production.weight + sum(c.size for c in self.children)

    def __str__(self) -> str:
        return self.text(lambda name, args: f"{name}({', '.join(args)})", literal)

    def text(self, call: Callable[[str, list[str]], str], constant: Callable[[object], str]) -> str:
        """The program in a concrete syntax: `call(name, argument texts)` writes a function
        application, `constant(value)` a constant (nesy's syntax by `str`, SMT-LIB's by
        `nesy.synth.sygus.term`); chains are transparent, inputs are their names."""
        p = self.production
        if p.kind == FUNCTION:
            return call(p.symbol, [c.text(call, constant) for c in self.children])
        if p.kind == CHAIN:
            return self.children[0].text(call, constant)
        if p.kind == CONSTANT:
            return constant(p.symbol)
        return str(p.symbol)

    def evaluate(self, inputs: Mapping[str, Sequence]) -> tuple[np.ndarray, np.ndarray]:
        """Values on every example (one input column per input name) and which are defined."""
        columns = {name: objects(values) for name, values in inputs.items()}
        rows = len(next(iter(columns.values()))) if columns else 1
        return self._evaluate(columns, rows)

    def run(self, inputs: Mapping[str, Sequence]) -> list:
        """Python values per example; `None` where the program has no value."""
        values, valid = self.evaluate(inputs)
        return [v if ok else None for v, ok in zip(values.tolist(), valid.tolist())]

    def _evaluate(self, columns: dict[str, np.ndarray], rows: int):
        p = self.production
        if p.kind == CONSTANT:
            return objects([p.symbol] * rows), np.ones(rows, dtype=bool)
        if p.kind == INPUT:
            return columns[p.symbol], np.ones(rows, dtype=bool)
        if p.kind == CHAIN:
            return self.children[0]._evaluate(columns, rows)
        results = [c._evaluate(columns, rows) for c in self.children]
        defined = np.logical_and.reduce([ok for _, ok in results]) if results else np.ones(rows, bool)
        out = np.empty(rows, dtype=object)
        # Arguments are only defined where every child is; call the function on those rows only.
        values, valid = self.domain.functions.apply(p.symbol, [v[defined] for v, _ in results])
        out[defined] = objects(values)
        ok = np.zeros(rows, dtype=bool)
        ok[defined] = valid
        return out, ok


def consistent(program: Program, inputs: Mapping[str, Sequence], outputs: Sequence) -> bool:
    """Whether the program is defined and right on every example."""
    return first_wrong(program, inputs, outputs) is None


def first_wrong(program: Program, inputs: Mapping[str, Sequence], outputs: Sequence) -> int | None:
    """The first example the program gets wrong (no value, or another value), or None."""
    return next(iter(wrong(program, inputs, outputs)), None)


def wrong(program: Program, inputs: Mapping[str, Sequence], outputs: Sequence) -> list[int]:
    """Every example the program gets wrong (no value, or another value), in order."""
    values, valid = program.evaluate(inputs)
    return [index for index, (value, ok, want)
            in enumerate(zip(values.tolist(), valid.tolist(), outputs))
            if not (ok and program.domain.same(value, want))]
