"""Aggregators, selected by name.

An aggregator is added by adding one module to this package with a module-level
`AGGREGATOR`, an instance of `base.Aggregator` declaring everything about it (see
docs/extending.md). Modules are found with pkgutil and imported on first use;
`register` adds one from outside the package. This package imports nothing from the rest of
nesy, so the front end reads shapes and types here without loading the engine or torch.
"""
from __future__ import annotations

import importlib
import pkgutil

from .base import Aggregator

__all__ = ["Aggregator", "get", "names", "register", "unregister"]

_REGISTRY: dict[str, Aggregator] = {}
_discovered = False


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for info in pkgutil.iter_modules(__path__):
        if info.name != "base" and not info.name.startswith("_"):
            _add(importlib.import_module(f"{__name__}.{info.name}").AGGREGATOR)


def _add(aggregator: Aggregator) -> Aggregator:
    if not isinstance(aggregator, Aggregator):
        raise TypeError(f"an aggregator must be an instance of nesy.aggregators.Aggregator, "
                        f"got {aggregator!r}")
    name = aggregator.name
    if not (isinstance(name, str) and name.isidentifier() and name.isascii()):
        raise ValueError(f"aggregator name {name!r} is not a name a program can write")
    if name in _REGISTRY:
        raise ValueError(f"aggregator '{name}' is already registered")
    _REGISTRY[name] = aggregator
    return aggregator


def register(aggregator: Aggregator | type[Aggregator]) -> Aggregator:
    """Make an aggregator available to every program compiled from now on; a class is
    instantiated (so `register` also works as a class decorator). Returns the instance."""
    _discover()
    return _add(aggregator() if isinstance(aggregator, type) else aggregator)


def unregister(name: str) -> Aggregator:
    """Remove the aggregator called `name` (KeyError if there is none); returns it."""
    _discover()
    return _REGISTRY.pop(name)


def get(name: str) -> Aggregator | None:
    """The aggregator called `name`, or None."""
    _discover()
    return _REGISTRY.get(name)


def names() -> list[str]:
    """The names of every available aggregator, sorted."""
    _discover()
    return sorted(_REGISTRY)
