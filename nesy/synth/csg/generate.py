"""Random CSG programs of given lengths, for training and for fixed test sets.

A program of length L (CSGNet's count of tokens, odd, 3..13) has (L + 1) / 2 primitives; its
tree shape, operations and primitives are drawn at random. Programs are rejected when their
picture is empty or full, or redundant: some primitive can be removed (its parent replaced by
the other operand) without changing the picture, so a smaller program draws it. Operands of
`*` and `-` are drawn near the other operand (centres within 16 pixels), since far-apart
shapes almost always make them redundant. Test sets also drop repeated pictures; the same seed
gives the same set.
"""
from __future__ import annotations

import functools

import numpy as np

from nesy.errors import UsageError
from nesy.synth.csg import raster
from nesy.synth.csg.language import Leaf, Node, OPERATIONS, Program, length, render

LENGTHS = tuple(range(3, 14, 2))
_NEAR = 16


def check_length(value: int) -> int:
    if value < 1 or value % 2 == 0:
        raise UsageError(f"a CSG program's length is an odd number of tokens (got {value})")
    return value


def random_program(rng: np.random.Generator, length_: int) -> Program:
    """One non-degenerate, non-redundant program of exactly `length_` tokens."""
    check_length(length_)
    while True:
        program = _tree(rng, (length_ + 1) // 2, None)
        if acceptable(program):
            return program


def _tree(rng: np.random.Generator, primitives: int, near) -> Program:
    vocabulary = raster.vocabulary()
    if primitives == 1:
        choices = _near(near) if near is not None else None
        pick = vocabulary[rng.integers(len(vocabulary))] if not choices else \
            choices[rng.integers(len(choices))]
        return Leaf(pick)
    left_size = int(rng.integers(1, primitives))
    op = OPERATIONS[rng.integers(3)]
    left = _tree(rng, left_size, near)
    anchor = left.leaves()[rng.integers(left.size)].primitive if op != "+" else near
    return Node(op, left, _tree(rng, primitives - left_size, anchor))


@functools.cache
def _near(anchor) -> tuple:
    return tuple(p for p in raster.vocabulary()
            if abs(p.x - anchor.x) <= _NEAR and abs(p.y - anchor.y) <= _NEAR)


def acceptable(program: Program) -> bool:
    mask = render(program)
    pixels = int(raster.count(mask))
    if pixels == 0 or pixels == raster.SIZE * raster.SIZE:
        return False
    return not any(np.array_equal(render(smaller), mask) for smaller in removals(program))


def removals(program: Program) -> list[Program]:
    """The program with each one of its primitives removed (its parent replaced by the other
    operand); empty for a single primitive."""
    if isinstance(program, Leaf):
        return []
    out = [program.right, program.left]
    out += [Node(program.op, smaller, program.right) for smaller in removals(program.left)]
    out += [Node(program.op, program.left, smaller) for smaller in removals(program.right)]
    return out


def test_set(length_: int, count: int, seed: int = 0) -> list[Program]:
    """`count` programs of one length with distinct pictures; fixed by the seed."""
    rng = np.random.default_rng([seed, length_])
    seen, out = set(), []
    while len(out) < count:
        program = random_program(rng, length_)
        key = render(program).tobytes()
        if key not in seen:
            seen.add(key)
            out.append(program)
    return out


def lengths_of(programs) -> list[int]:
    return [length(p) for p in programs]
