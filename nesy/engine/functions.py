"""The one registry of functions the executor knows.

Rule bodies call them as `$name(...)`; synthesis domains enumerate over them. Both go through
`apply`, so there is exactly one evaluator. A function maps Python values to a Python value,
or raises `NoValue` (division by zero, index out of range, ...): that row yields no fact.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np


class NoValue(Exception):
    """Raised by a function to say "no value for these arguments"."""


@dataclass(frozen=True)
class Signature:
    """Parameter specs are a type name ("String", "usize"), a type variable with a class
    ("T:any", "T:numeric", "T:integer", "T:float"; one variable links all its uses), or "?"
    (any type, independently per argument). The return spec is a type name or a variable.
    `variadic` repeats the last parameter spec; `optional` trailing params may be omitted."""

    params: tuple[str, ...]
    returns: str
    variadic: bool = False
    optional: int = 0  # how many trailing params may be omitted

    def accepts_arity(self, n: int) -> bool:
        if self.variadic:
            return n >= len(self.params) - self.optional
        return len(self.params) - self.optional <= n <= len(self.params)

    def param_for(self, index: int) -> str:
        return self.params[min(index, len(self.params) - 1)]


@dataclass(frozen=True)
class Function:
    name: str
    signature: Signature
    scalar: Callable
    vectorized: Callable | None = None  # (arrays) -> (values, valid) on decoded numpy arrays
    doc: str = ""


REGISTRY: dict[str, Function] = {}


def register(name: str, params: Sequence[str], returns: str, *, variadic: bool = False,
             optional: int = 0, vectorized: Callable | None = None, replace: bool = False):
    """Decorator: register a scalar Python function under `name`."""

    def decorate(fn: Callable) -> Callable:
        if name in REGISTRY and not replace:
            raise ValueError(f"function ${name} is already registered")
        sig = Signature(tuple(params), returns, variadic, optional)
        REGISTRY[name] = Function(name, sig, fn, vectorized, (fn.__doc__ or "").strip())
        return fn

    return decorate


def lookup(name: str) -> Function | None:
    return REGISTRY.get(name)


def apply(name: str, columns: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Apply a function row-wise to decoded argument columns.

    Returns (values as an object array or the vectorized result, valid mask)."""
    fn = REGISTRY[name]
    if fn.vectorized is not None:
        return fn.vectorized(*columns)
    n = len(columns[0]) if columns else 1
    out = np.empty(n, dtype=object)
    valid = np.ones(n, dtype=bool)
    rows = zip(*(c.tolist() for c in columns)) if columns else [()] * n
    for i, args in enumerate(rows):
        try:
            out[i] = fn.scalar(*args)
        except (NoValue, ArithmeticError, ValueError, IndexError, OverflowError):
            valid[i] = False
    return out, valid


# ---------------------------------------------------------------------------------------------
# Built-ins with Scallop's names and meaning. Positions are 0-based character indices.

def _vec_abs(x):
    return np.abs(x), np.ones(len(x), dtype=bool)


@register("abs", ["T:numeric"], "T", vectorized=_vec_abs)
def _abs(x):
    """Absolute value."""
    return abs(x)


def _vec_reduce(op):
    def run(*cols):
        return op.reduce(np.stack(cols), axis=0), np.ones(len(cols[0]), dtype=bool)

    return run


@register("min", ["T:numeric"], "T", variadic=True, vectorized=_vec_reduce(np.minimum))
def _min(*xs):
    """Smallest argument."""
    return min(xs)


@register("max", ["T:numeric"], "T", variadic=True, vectorized=_vec_reduce(np.maximum))
def _max(*xs):
    """Largest argument."""
    return max(xs)


@register("string_concat", ["String"], "String", variadic=True)
def _string_concat(*parts):
    """Concatenation of all arguments."""
    return "".join(parts)


@register("string_length", ["String"], "usize")
def _string_length(s):
    """Number of characters."""
    return len(s)


@register("substring", ["String", "usize", "usize"], "String", optional=1)
def _substring(s, begin, end=None):
    """Characters [begin, end) of s; fails when the range is outside s."""
    end = len(s) if end is None else end
    if not 0 <= begin <= end <= len(s):
        raise NoValue
    return s[begin:end]


@register("string_char_at", ["String", "usize"], "char")
def _string_char_at(s, i):
    """The character at index i; fails when i is out of range."""
    if not 0 <= i < len(s):
        raise NoValue
    return s[i]


@register("string_upper", ["String"], "String")
def _string_upper(s):
    return s.upper()


@register("string_lower", ["String"], "String")
def _string_lower(s):
    return s.lower()


@register("string_index_of", ["String", "String"], "usize")
def _string_index_of(s, pattern):
    """Index of the first occurrence of pattern; fails when absent."""
    i = s.find(pattern)
    if i < 0:
        raise NoValue
    return i


@register("string_trim", ["String"], "String")
def _string_trim(s):
    return s.strip()


def format_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@register("format", ["String", "?"], "String", variadic=True, optional=1)
def _format(fmt, *args):
    """Replace each `{}` in fmt by the next argument; fails on a count mismatch."""
    pieces = fmt.split("{}")
    if len(pieces) - 1 != len(args):
        raise NoValue
    out = [pieces[0]]
    for arg, piece in zip(args, pieces[1:]):
        out.append(format_value(arg))
        out.append(piece)
    return "".join(out)
