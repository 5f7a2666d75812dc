"""CSG programs: trees of primitives and the operations `+` (union), `*` (intersection) and
`-` (difference), read and written in CSGNet's postfix form and in infix form.

- postfix (CSGNet's): the tokens in post-order, e.g. `c(32,32,24)s(32,32,12)-`, optionally
  ending with CSGNet's stop token `$`; whitespace between tokens is allowed.
- infix: `c(32,32,24) - s(32,32,12)`; `*` binds tighter than `+` and `-`, all three group to the
  left, and parentheses group. The printer writes only the parentheses the tree needs, so
  printing and reading back gives the same tree.

A program's length is its number of tokens (CSGNet's measure: k primitives make 2k - 1
tokens); its size, for search, is its number of primitives.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from nesy.errors import DataError
from nesy.synth.csg import raster
from nesy.synth.csg.raster import Primitive

OPERATIONS = "+*-"
NAMES = {"+": "union", "*": "intersection", "-": "difference"}
STOP = "$"
_TOKEN = re.compile(r"\s*(?:([cst])\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)|([-+*()$]))")


@dataclass(frozen=True)
class Leaf:
    primitive: Primitive

    @property
    def size(self) -> int:
        return 1

    def leaves(self) -> list["Leaf"]:
        return [self]


@dataclass(frozen=True)
class Node:
    op: str
    left: "Program"
    right: "Program"

    @property
    def size(self) -> int:
        return self.left.size + self.right.size

    def leaves(self) -> list[Leaf]:
        return self.left.leaves() + self.right.leaves()


Program = Leaf | Node


def length(program: Program) -> int:
    """Tokens in CSGNet's form (without the stop token)."""
    return 2 * program.size - 1


class CsgSyntaxError(DataError):
    def __init__(self, text: str, column: int, problem: str):
        self.text, self.column = text, column
        super().__init__(f"{problem} at column {column} of `{text}`")


def _tokens(text: str) -> list[tuple[object, int]]:
    """(token, 1-based column) pairs: a `Primitive` or one of `+ * - ( ) $`."""
    out, at = [], 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if not match:
            column = at + len(text[at:]) - len(text[at:].lstrip()) + 1
            raise CsgSyntaxError(text, column, "expected a primitive c(x,y,r), s(x,y,l), "
                                 "t(x,y,l) or one of + * - ( )")
        column = match.start(1 if match.group(1) else 5) + 1
        if match.group(1):
            primitive = Primitive(match.group(1), *(int(match.group(k)) for k in (2, 3, 4)))
            if primitive not in _known():
                raise CsgSyntaxError(text, column, f"{primitive} is not in CSGNet's vocabulary "
                                     "(centres 8..56 in steps of 8, sizes 8..32 in steps of 4, "
                                     "on the canvas)")
            out.append((primitive, column))
        else:
            out.append((match.group(5), column))
        at = match.end()
    return out


def _known() -> frozenset:
    return frozenset(raster.vocabulary())


def parse(text: str) -> Program:
    """A program in either form: postfix when its last token is an operation or `$` (or it
    is one primitive), infix otherwise."""
    tokens = _tokens(text)
    if not tokens:
        raise CsgSyntaxError(text, 1, "empty program")
    if tokens[-1][0] in (STOP, *OPERATIONS) and not any(t in "()" for t, _ in tokens
                                                        if isinstance(t, str)):
        return _postfix(text, tokens)
    return _Infix(text, tokens).parse()


def parse_postfix(text: str) -> Program:
    return _postfix(text, _tokens(text))


def _postfix(text: str, tokens) -> Program:
    if tokens and tokens[-1][0] == STOP:
        tokens = tokens[:-1]
    stack: list[Program] = []
    for token, column in tokens:
        if isinstance(token, Primitive):
            stack.append(Leaf(token))
        elif token in OPERATIONS:
            if len(stack) < 2:
                raise CsgSyntaxError(text, column, f"`{token}` needs two operands before it")
            right = stack.pop()
            stack.append(Node(token, stack.pop(), right))
        else:
            raise CsgSyntaxError(text, column, f"`{token}` in a postfix program")
    if len(stack) != 1:
        raise CsgSyntaxError(text, len(text), f"{len(stack)} programs left; "
                             "an operation is missing" if stack else "empty program")
    return stack[0]


class _Infix:
    def __init__(self, text: str, tokens):
        self.text, self.tokens, self.at = text, tokens, 0

    def parse(self) -> Program:
        program = self.expression()
        if self.at < len(self.tokens):
            token, column = self.tokens[self.at]
            raise CsgSyntaxError(self.text, column, f"unexpected `{token}`")
        return program

    def peek(self):
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def expression(self) -> Program:
        program = self.term()
        while self.peek() in ("+", "-"):
            op = self.tokens[self.at][0]
            self.at += 1
            program = Node(op, program, self.term())
        return program

    def term(self) -> Program:
        program = self.atom()
        while self.peek() == "*":
            self.at += 1
            program = Node("*", program, self.atom())
        return program

    def atom(self) -> Program:
        if self.at >= len(self.tokens):
            raise CsgSyntaxError(self.text, len(self.text) + 1, "unexpected end of program")
        token, column = self.tokens[self.at]
        self.at += 1
        if isinstance(token, Primitive):
            return Leaf(token)
        if token == "(":
            program = self.expression()
            if self.peek() != ")":
                raise CsgSyntaxError(self.text, column, "`(` is not closed")
            self.at += 1
            return program
        raise CsgSyntaxError(self.text, column, f"unexpected `{token}`")


def to_postfix(program: Program) -> str:
    """CSGNet's form, without the stop token."""
    if isinstance(program, Leaf):
        return str(program.primitive)
    return to_postfix(program.left) + to_postfix(program.right) + program.op


def to_infix(program: Program) -> str:
    if isinstance(program, Leaf):
        return str(program.primitive)
    left, right = to_infix(program.left), to_infix(program.right)
    loose = ("+", "-")
    if program.op == "*" and isinstance(program.left, Node) and program.left.op in loose:
        left = f"({left})"
    if isinstance(program.right, Node) and (program.op == "*" or program.right.op in loose):
        right = f"({right})"
    return f"{left} {program.op} {right}"


def apply(op: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """An operation on packed masks (broadcasting)."""
    if op == "+":
        return left | right
    if op == "*":
        return left & right
    return left & ~right


def render(program: Program) -> np.ndarray:
    """The program's packed mask (64 words)."""
    if isinstance(program, Leaf):
        return primitive_mask(program.primitive)
    return apply(program.op, render(program.left), render(program.right))


def picture(program: Program) -> np.ndarray:
    """The program as a 64x64 bool picture."""
    return raster.unpack(render(program))


def primitive_mask(primitive: Primitive) -> np.ndarray:
    return raster.primitive_masks()[index(primitive)]


def index(primitive: Primitive) -> int:
    return _indices()[primitive]


def _indices() -> dict:
    if not _INDEX:
        _INDEX.update({p: i for i, p in enumerate(raster.vocabulary())})
    return _INDEX


_INDEX: dict = {}
