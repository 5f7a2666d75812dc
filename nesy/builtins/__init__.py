"""Function namespaces, and the language's built-in functions (`$name(...)` in rules).

A `Namespace` maps names to `Function`s: a `Signature` the front end checks calls against and
a scalar Python implementation the executor applies row-wise (optionally a vectorised one).
The language's built-ins are the namespace `BUILTINS`; each synthesis domain has its own
namespace for its operations, so what a program may call never depends on what was imported.

This package is a leaf (it imports nothing from nesy but other leaves), so the front end reads
signatures and the executor evaluates calls from the same place. The built-ins are the other
modules of this package, each registering its functions with `register`; they are discovered
with `pkgutil` on first use, so adding a built-in is adding one file here. Code outside the
package adds one with `nesy.builtins.register(...)` (and removes it with `unregister`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterator, Sequence

import numpy as np

from nesy.registry import Registry


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
    """A function maps Python values to a Python value, or raises `NoValue` (division by
    zero, index out of range, ...): that row then has no value."""

    name: str
    signature: Signature
    scalar: Callable
    vectorized: Callable | None = None  # (arrays) -> (values, valid) on decoded numpy arrays
    doc: str = ""
    #: Whether `scalar` also receives the arguments' type names, as its first argument (a
    #: tuple): for functions whose result depends on the static types (Scallop's `$hash`).
    typed: bool = False


class Namespace:
    """Named functions; `what` names one of them in messages ("built-in function").
    `package`, when given, names a package whose modules register this namespace's functions
    when imported: they are imported on the first lookup."""

    def __init__(self, what: str, package: str | None = None):
        self.what = what
        self._functions: Registry[Function] = Registry(what, package)

    def register(self, name: str, params: Sequence[str], returns: str, *,
                 variadic: bool = False, optional: int = 0,
                 vectorized: Callable | None = None, typed: bool = False,
                 replace: bool = False):
        """Decorator: register a scalar Python function under `name`."""

        def decorate(fn: Callable) -> Callable:
            self.add(Function(name, Signature(tuple(params), returns, variadic, optional), fn,
                              vectorized, (fn.__doc__ or "").strip(), typed), replace=replace)
            return fn

        return decorate

    def add(self, function: Function, *, replace: bool = False) -> None:
        self._functions.register(function, replace=replace)

    def unregister(self, name: str) -> None:
        self._functions.unregister(name)

    def lookup(self, name: str) -> Function | None:
        return self._functions.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self._functions

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def apply(self, name: str, columns: Sequence[np.ndarray],
              types: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray]:
        """Apply a function row-wise to decoded argument columns (of the given type names).

        Returns (values as an object array or the vectorized result, valid mask)."""
        fn = self._functions.get(name)
        if fn is None:
            raise KeyError(f"no {self.what} ${name}")
        return apply(fn, columns, types)


def apply(fn: Function, columns: Sequence[np.ndarray],
          types: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Apply `fn` row-wise; rows where it raises `NoValue` (or an arithmetic, value or index
    error) are marked invalid."""
    if fn.vectorized is not None:
        return fn.vectorized(*columns)
    if fn.typed:
        fn = Function(fn.name, fn.signature, partial(fn.scalar, tuple(types)))
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


BUILTINS = Namespace("built-in function", package=__name__)
register = BUILTINS.register
unregister = BUILTINS.unregister
lookup = BUILTINS.lookup
