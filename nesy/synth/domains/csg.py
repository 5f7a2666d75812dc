"""The CSG domain: CSGNet's 2D shape programs (Sharma et al., CVPR 2018).

A value is a `Shape`: a 64x64 picture as a packed bit mask, with the program text that drew
it; two shapes with the same picture are the same value (the search's observational
equivalence). The domain's operations are `union`, `intersection` and `difference` of two
shapes; `grammar()` makes the grammar `S ::= <396 primitives> | union(S, S) |
intersection(S, S) | difference(S, S)`, whose single example's output is the target shape.
The strategies `csg-search`, `csg-beam` and `csg-guided` search it (see
`nesy.synth.csg.solve`); the subcommand is `nesy synth csg` (see `nesy.synth.csg.command`).
"""
from __future__ import annotations

import numpy as np

from nesy.synth.domains import Domain, ValueType, objects
from nesy.synth.grammar import CONSTANT, FUNCTION, Grammar


class Shape:
    """A picture (packed mask, 64 uint64 words) and the program text that drew it."""

    __slots__ = ("mask", "text")

    def __init__(self, mask: np.ndarray, text: str):
        self.mask, self.text = mask, text

    def __eq__(self, other) -> bool:
        return isinstance(other, Shape) and np.array_equal(self.mask, other.mask)

    def __hash__(self) -> int:
        return hash(self.mask.tobytes())

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


DOMAIN = Domain("csg", "CSGNet's 2D shape programs (circles, squares, triangles; + * -)",
                types={"Shape": ValueType("Shape", lambda v: isinstance(v, Shape),
                                          key=lambda v: v.mask.tobytes())})
FUNCTIONS = {"+": "union", "*": "intersection", "-": "difference"}


def _bulk(op: str):
    def combine(left: np.ndarray, right: np.ndarray):
        from nesy.synth.csg.language import apply

        if not len(left):
            return objects([]), np.ones(0, dtype=bool)
        masks = apply(op, np.stack([s.mask for s in left]), np.stack([s.mask for s in right]))
        shapes = [Shape(m, f"({a.text} {op} {b.text})") for m, a, b in zip(masks, left, right)]
        return objects(shapes), np.ones(len(shapes), dtype=bool)
    return combine


for _op, _name in FUNCTIONS.items():
    def _core(a: Shape, b: Shape, _op=_op) -> Shape:
        from nesy.synth.csg.language import apply

        return Shape(apply(_op, a.mask, b.mask), f"({a.text} {_op} {b.text})")
    DOMAIN.operation(_name, ["Shape", "Shape"], "Shape", bulk=_bulk(_op))(_core)


def primitive_shape(primitive) -> Shape:
    from nesy.synth.csg.language import primitive_mask

    return Shape(primitive_mask(primitive), str(primitive))


def shape(program) -> Shape:
    """The `Shape` a CSG program (`nesy.synth.csg.language`) draws."""
    from nesy.synth.csg.language import render, to_infix

    return Shape(render(program), to_infix(program))


def grammar() -> Grammar:
    from nesy.synth.csg import raster

    g = Grammar({"S": "Shape"}, "S", domain="csg")
    for primitive in raster.vocabulary():
        g.constant("S", primitive_shape(primitive))
    for name in FUNCTIONS.values():
        g.function("S", name, "S", "S")
    return g


def to_program(tree, grammar_: Grammar):
    """A CSG program as a `nesy.synth.program.Program` of the grammar (its constants are found
    by the primitive's text)."""
    from nesy.synth.csg.language import Leaf
    from nesy.synth.program import Program

    constants = {str(p.symbol): p for p in grammar_.productions if p.kind == CONSTANT}
    functions = {p.symbol: p for p in grammar_.productions if p.kind == FUNCTION}

    def build(node):
        if isinstance(node, Leaf):
            return Program(constants[str(node.primitive)], (), DOMAIN)
        return Program(functions[FUNCTIONS[node.op]], (build(node.left), build(node.right)), DOMAIN)
    return build(tree)


def add_command(commands) -> None:
    from nesy.synth.csg import command

    command.add_command(commands)


DOMAIN.command = add_command
