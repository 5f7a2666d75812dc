"""Aggregators, selected by name.

An aggregator is added by adding one module to this package with a module-level
`AGGREGATOR`, an instance of `base.Aggregator` declaring everything about it (see
docs/extending.md). Modules are found with pkgutil and imported on first use;
`register` adds one from outside the package. This package imports nothing from the rest of
nesy but leaves, so the front end reads shapes and types here without loading the engine or
torch.
"""
from __future__ import annotations

from ..registry import Registry
from .base import Aggregator, Rows, position_in_group

__all__ = ["Aggregator", "Rows", "position_in_group", "get", "names", "register", "unregister"]


def _check(aggregator: Aggregator) -> None:
    name = aggregator.name
    if not (isinstance(name, str) and name.isidentifier() and name.isascii()):
        raise ValueError(f"aggregator name {name!r} is not a name a program can write")


_REGISTRY: Registry[Aggregator] = Registry("aggregator", __name__, "AGGREGATOR",
                                           kind=Aggregator, check=_check)
get = _REGISTRY.get
names = _REGISTRY.names
unregister = _REGISTRY.unregister


def register(aggregator: Aggregator | type[Aggregator], *, replace: bool = False) -> Aggregator:
    """Make an aggregator available to every program compiled from now on; a class is
    instantiated (so `register` also works as a class decorator). Returns the instance."""
    return _REGISTRY.register(aggregator() if isinstance(aggregator, type) else aggregator,
                              replace=replace)
