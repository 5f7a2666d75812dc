"""Synthesis domains, discovered by a registry.

A domain is one module of this package defining `DOMAIN`, a `Domain`: its name, the namespace
of its operations (separate from the language's built-ins and from every other domain), the
value types it adds beyond the primitives (each with how to recognise a constant of the type
and the equivalence key the search compares values by), and optionally a `nesy synth`
subcommand. Modules are imported on first use; `register` adds a domain from outside.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Hashable

import numpy as np

from nesy.builtins import Namespace, NoValue
from nesy.registry import Registry
from nesy.types import PRIMITIVES


@dataclass(frozen=True)
class ValueType:
    """A type a domain adds (a canvas, an automaton, a sequence, ...). `check` says whether
    a Python value is a constant of the type; `key` maps a value to a hashable equivalence
    key (values with equal keys are interchangeable), or is None when the values themselves
    are hashable and compare by equality."""

    name: str
    check: Callable[[object], bool]
    key: Callable[[object], Hashable] | None = None


@dataclass(eq=False)
class Domain:
    """A synthesis domain. `command(subparsers)`, when given, adds the domain's `nesy synth`
    subcommand (its task-file format and how to solve it)."""

    name: str
    description: str = ""
    functions: Namespace = None  # type: ignore[assignment]  # set in __post_init__
    types: dict[str, ValueType] = field(default_factory=dict)
    command: Callable | None = None
    # function name -> (number of leading arguments, rule); see `identity`.
    identities: dict[str, tuple[int, Callable]] = field(default_factory=dict)

    def __post_init__(self):
        if self.functions is None:
            self.functions = Namespace(f"function of domain {self.name}")

    def type_names(self) -> set[str]:
        return set(PRIMITIVES) | set(self.types)

    def key(self, type_name: str) -> Callable | None:
        """The equivalence key of values of a type; None for plain hashable values."""
        vtype = self.types.get(type_name)
        return vtype.key if vtype else None

    def fits(self, value, type_name: str) -> bool:
        """Whether a Python value is a constant of the type."""
        if type_name in self.types:
            return self.types[type_name].check(value)
        return fits_primitive(value, type_name)

    def operation(self, name: str, params: list[str], returns: str, *, variadic: bool = False,
                  optional: int = 0, bulk: Callable | None = None):
        """Register `core`, which returns None for "no value", as an operation of this domain:
        as a scalar function raising `NoValue`, and as its row-wise vectorised form (a plain
        `map`, several times cheaper per row than catching exceptions), so both share one
        definition. The hottest operations pass a hand-vectorised `bulk` form instead."""

        def decorate(core: Callable) -> Callable:
            @functools.wraps(core)
            def scalar(*args):
                value = core(*args)
                if value is None:
                    raise NoValue
                return value

            def vectorized(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                values = objects(map(core, *(column.tolist() for column in columns)))
                return values, np.not_equal(values, None)

            self.functions.register(name, params, returns, variadic=variadic,
                                    optional=optional, vectorized=bulk or vectorized)(scalar)
            return core

        return decorate

    def identity(self, name: str, leading: int):
        """Declare when operation `name` gives back one of its arguments unchanged: `rule`
        takes columns of the first `leading` arguments and returns, per row, the index of the
        argument the result then equals, or -1. The bottom-up search skips every combination
        for which that index is the same on all examples (and the argument comes from the
        production's own non-terminal): its value is already known, from a smaller program."""

        def decorate(rule: Callable) -> Callable:
            self.identities[name] = (leading, rule)
            return rule

        return decorate


    def same(self, value, want) -> bool:
        """Whether two values are equal: by key for the domain's keyed types, else by value
        (keeping booleans apart from the integers 0 and 1)."""
        for vtype in self.types.values():
            if vtype.key is not None and vtype.check(want) and vtype.check(value):
                return vtype.key(value) == vtype.key(want)
        return same(value, want)


PLAIN = Domain("plain", "primitive values and no operations")


def same(value, want) -> bool:
    """Equality that keeps booleans apart from the integers 0 and 1."""
    return value == want and isinstance(value, bool) == isinstance(want, bool)


def fits_primitive(value, type_name: str) -> bool:
    vtype = PRIMITIVES.get(type_name)
    if vtype is None:
        return False
    if isinstance(value, bool):
        return type_name == "bool"
    if isinstance(value, int):
        if vtype.is_integer:
            low, high = vtype.range()
            return low <= value <= high
        return False
    if isinstance(value, float):
        return vtype.is_float
    if isinstance(value, str):
        return type_name == "String" or (type_name == "char" and len(value) == 1)
    return False


def objects(values) -> np.ndarray:
    """A one-dimensional object array holding `values` (Python objects, not numpy scalars),
    even when the values are themselves sequences or arrays."""
    values = values.tolist() if isinstance(values, np.ndarray) else list(values)
    out = np.empty(len(values), dtype=object)
    try:
        out[:] = values
    except ValueError:  # values numpy would broadcast (lists, arrays): one by one
        for i, value in enumerate(values):
            out[i] = value
    return out


# -- the registry -------------------------------------------------------------------------------

_REGISTRY: Registry[Domain] = Registry("synthesis domain", __name__, "DOMAIN", kind=Domain,
                                       listing="known")
register = _REGISTRY.register
unregister = _REGISTRY.unregister
get = _REGISTRY.require
names = _REGISTRY.names


def all_domains() -> list[Domain]:
    """Every domain, sorted by name."""
    domains = _REGISTRY.entries()
    return [domains[name] for name in sorted(domains)]
