"""Foreign functions, foreign predicates and attribute handlers: Scallop's plugin interface.

- `foreign_function`: a Python function callable as `$name(...)` in rules (a built-in function
  of `nesy.builtins`, with its signature read from the annotations or given).
- `foreign_predicate`: a Python generator used as a relation in rule bodies, `range(0, n, i)`:
  its first `bound` arguments are inputs (bound before the atom runs), the others are what it
  yields, one tuple per fact (optionally with a probability). Scallop's shipped predicates
  (`range`, `string_chars`, `string_find`, `string_split`, `soft_eq`, `float_eq`,
  `datetime_ymd`) are
  registered below.
- `attribute`: a handler for `@name(...)` on a declaration (`@gpt(...) type r(...)`); it may
  turn the declared relation into a foreign predicate. A program using an attribute nobody
  handles is rejected with `unknown-attribute`, located at the attribute.

The front end reads signatures here and the executor calls the implementations from here, so
this module sits below both (it imports only leaves and the built-ins). See docs/extending.md.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Callable, Iterable

from . import builtins
from .registry import Registry

__all__ = ["Attribute", "Declaration", "ForeignPredicate", "attribute", "attribute_handler",
           "foreign_function", "foreign_predicate", "predicate", "unregister_attribute",
           "unregister_predicate"]

#: Python annotations -> nesy type names (Scallop's Python API maps int to i32 too).
_PYTHON_TYPES = {int: "i32", float: "f64", str: "String", bool: "bool"}


# ---- foreign predicates -------------------------------------------------------------------------
@dataclass(frozen=True)
class ForeignPredicate:
    """`name(args...)` computed by `fn`: called with the values of the first `bound`
    arguments, it returns an iterable of tuples of the other arguments' values or, when
    `probabilistic`, of (probability, tuple) pairs. `types` are one spec per argument, as
    built-in signatures write them: a type name ("usize"), or a type variable with a class
    ("T:integer") that links every argument naming it (`range<usize>(...)` fixes T)."""

    name: str
    types: tuple[str, ...]
    bound: int
    fn: Callable
    probabilistic: bool = False
    doc: str = ""

    @property
    def arity(self) -> int:
        return len(self.types)

    def facts(self, inputs: tuple) -> list[tuple]:
        """(probability or None, free values) for one tuple of input values. A generator that
        raises (a value it cannot handle) yields nothing for that input, as in Scallop."""
        try:
            produced = list(self.fn(*inputs))
        except (ArithmeticError, ValueError, TypeError, IndexError, OverflowError):
            return []
        out = []
        for item in produced:
            probability, values = item if self.probabilistic else (None, item)
            if not isinstance(values, tuple):
                values = (values,)
            out.append((probability, values))
        return out


_PREDICATES: Registry[ForeignPredicate] = Registry("foreign predicate", kind=ForeignPredicate)


def predicate(name: str) -> ForeignPredicate | None:
    """The foreign predicate called `name`, or None."""
    return _PREDICATES.get(name)


def unregister_predicate(name: str) -> None:
    _PREDICATES.unregister(name)


def foreign_predicate(fn: Callable | None = None, *, name: str | None = None,
                      types: Iterable[str] | None = None, bound: int | None = None,
                      probabilistic: bool = False, replace: bool = False):
    """Decorator registering a generator as a foreign predicate, usable in every program
    compiled from now on. Without `types`, the parameters' annotations give the bound
    arguments' types and the return annotation `tuple[...]` (or one type) the yielded ones:

        @nesy.foreign_predicate
        def divisors(n: int) -> tuple[int]:
            yield from ((d,) for d in range(1, n + 1) if n % d == 0)

    makes `divisors(12, d)` hold for d in 1, 2, 3, 4, 6, 12. `probabilistic=True`: the
    generator yields (probability, tuple) pairs, each a probabilistic fact."""

    def decorate(f: Callable) -> Callable:
        specs = tuple(types) if types is not None else _annotated_types(f)
        n_bound = bound if bound is not None else _n_parameters(f)
        _PREDICATES.register(ForeignPredicate(name or f.__name__, specs, n_bound, f,
                                              probabilistic, (f.__doc__ or "").strip()),
                             replace=replace)
        return f

    return decorate(fn) if fn is not None else decorate


def _n_parameters(f: Callable) -> int:
    return len(inspect.signature(f, eval_str=True).parameters)


def _type_name(annotation, where: str) -> str:
    if isinstance(annotation, str):
        return annotation
    if annotation in _PYTHON_TYPES:
        return _PYTHON_TYPES[annotation]
    raise TypeError(f"{where}: annotate with int, float, str, bool or a nesy type name "
                    f"(\"usize\"), or pass types=...")


def _annotated_types(f: Callable) -> tuple[str, ...]:
    signature = inspect.signature(f, eval_str=True)
    params = [_type_name(p.annotation, f"parameter {p.name} of {f.__name__}")
              for p in signature.parameters.values()]
    ret = signature.return_annotation
    args = getattr(ret, "__args__", None)
    if getattr(ret, "__origin__", None) is tuple and args:
        outputs = [_type_name(a, f"the return annotation of {f.__name__}") for a in args]
    else:
        outputs = [_type_name(ret, f"the return annotation of {f.__name__}")]
    return (*params, *outputs)


# ---- foreign functions --------------------------------------------------------------------------
def foreign_function(fn: Callable | None = None, *, name: str | None = None,
                     params: Iterable[str] | None = None, returns: str | None = None,
                     replace: bool = False):
    """Decorator registering a Python function as `$name(...)` for every program compiled from
    now on (a built-in function, `nesy.builtins`). Types come from the annotations unless
    given; raising `nesy.builtins.NoValue` (or ValueError, ArithmeticError) means no value:

        @nesy.foreign_function
        def double(x: int) -> int:
            return 2 * x
    """

    def decorate(f: Callable) -> Callable:
        signature = inspect.signature(f, eval_str=True)
        specs = tuple(params) if params is not None else tuple(
            _type_name(p.annotation, f"parameter {p.name} of {f.__name__}")
            for p in signature.parameters.values())
        ret = returns if returns is not None else _type_name(
            signature.return_annotation, f"the return annotation of {f.__name__}")
        builtins.register(name or f.__name__, specs, ret, replace=replace)(f)
        return f

    return decorate(fn) if fn is not None else decorate


# ---- attributes ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attribute:
    """`@name(args..., key=value...)` as written: values are Python values (strings, numbers,
    booleans, lists and tuples of them)."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Declaration:
    """What an attribute is attached to: `kind` is "relation" for `type r(...)`, "rule" for a
    rule or fact set, "other" otherwise; `fields` are (name or None, type name, adornment
    "bound"/"free"/None) of a relation type declaration."""

    kind: str
    name: str | None
    fields: tuple = ()


_ATTRIBUTES: Registry = Registry("attribute", names=lambda entry: (entry[0],))


def attribute(name: str, *, replace: bool = False):
    """Decorator registering `handler(declaration, *args, **kwargs)` for `@name(...)`. It runs
    at compile time; it returns None (the declaration stays as written) or a
    `ForeignPredicate` computing the declared relation (e.g. a model-backed `@gpt`). Raising
    ValueError rejects the use, with the message as the diagnostic."""

    def decorate(handler: Callable) -> Callable:
        _ATTRIBUTES.register((name, handler), replace=replace)
        return handler

    return decorate


def attribute_handler(name: str) -> Callable | None:
    entry = _ATTRIBUTES.get(name)
    return None if entry is None else entry[1]


def unregister_attribute(name: str) -> None:
    _ATTRIBUTES.unregister(name)


# ---- Scallop's shipped foreign predicates -------------------------------------------------------
@foreign_predicate(name="range", types=("T:integer", "T:integer", "T:integer"), bound=2)
def _range(begin, end):
    """range(begin, end, i): i from begin (inclusive) to end (exclusive)."""
    return ((i,) for i in range(begin, end))


@foreign_predicate(types=("DateTime", "i32", "u32", "u32"), bound=1)
def datetime_ymd(moment):
    """datetime_ymd(t, y, m, d): the year, month (from 1) and day (from 1) of t, in UTC."""
    return [(moment.year, moment.month, moment.day)]


@foreign_predicate(types=("String", "usize", "char"), bound=1)
def string_chars(s):
    """string_chars(s, i, c): the i-th character of s is c (0-based)."""
    return ((i, c) for i, c in enumerate(s))


@foreign_predicate(types=("String", "String", "usize", "usize"), bound=2)
def string_find(s, pattern):
    """string_find(s, pattern, begin, end): pattern occurs in s at [begin, end), for every
    non-overlapping occurrence from the left (Scallop's `match_indices`)."""
    if not pattern:
        return []
    out, start = [], s.find(pattern)
    while start >= 0:
        out.append((start, start + len(pattern)))
        start = s.find(pattern, start + len(pattern))
    return out


@foreign_predicate(types=("String", "String", "String"), bound=2)
def string_split(s, pattern):
    """string_split(s, pattern, part): each part of s split at pattern (empty parts kept)."""
    return [(part,) for part in s.split(pattern)] if pattern else [(s,)]


@foreign_predicate(types=("T:numeric", "T:numeric"), bound=2, probabilistic=True)
def soft_eq(lhs, rhs):
    """soft_eq(a, b): holds with probability sech((a - b) / 2), 1 when a == b (Scallop's
    logistic soft equality, the normalised derivative of the logistic function)."""
    return [(1.0 / math.cosh(0.5 * (lhs - rhs)), ())]


@foreign_predicate(types=("T:float", "T:float"), bound=2)
def float_eq(lhs, rhs):
    """float_eq(a, b): |a - b| < 0.001 (Scallop's threshold)."""
    return [()] if abs(lhs - rhs) < 0.001 else []
