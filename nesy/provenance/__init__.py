"""Provenance semirings, selected by name (Scallop's names).

A provenance is added by adding one module to this package that lists its classes in a
module-level `PROVENANCES` (modules starting with `_` are helpers and are not scanned), or,
from outside the package, by `register(cls)`. Each class has a `name`, optional `aliases`,
and declares its capabilities on the class (see `base.Provenance`).
"""
from __future__ import annotations

import importlib
import pkgutil

from .base import InputFacts, Provenance

__all__ = ["InputFacts", "Provenance", "make", "names", "register", "registry", "unregister"]


def _modules() -> list[str]:
    found = [i.name for i in pkgutil.iter_modules(__path__)
             if i.name != "base" and not i.name.startswith("_")]
    return sorted(found, key=lambda m: (m != "unit", m))  # the cheap, common one first


_REGISTRY: dict[str, type[Provenance]] = {}
_IMPORTED: set[str] = set()


def _import(module_name: str) -> None:
    module = importlib.import_module(f"{__name__}.{module_name}")
    _IMPORTED.add(module_name)
    for cls in getattr(module, "PROVENANCES", []):
        register(cls)


def register(cls: type[Provenance]) -> type[Provenance]:
    """Make `cls` selectable by its `name` and `aliases`; returns it, so it can decorate the
    class. A name already taken by another class is refused."""
    if not (isinstance(cls, type) and issubclass(cls, Provenance)):
        raise TypeError(f"a provenance is a subclass of nesy.provenance.Provenance, got {cls!r}")
    taken = [n for n in (cls.name, *cls.aliases) if _REGISTRY.get(n, cls) is not cls]
    if taken:
        raise ValueError(f"provenance name {taken[0]!r} is already taken by "
                         f"{_REGISTRY[taken[0]].__qualname__}")
    for name in (cls.name, *cls.aliases):
        _REGISTRY[name] = cls
    return cls


def unregister(cls: type[Provenance]) -> None:
    """Remove `cls` (all its names) from the registry."""
    for name in [n for n, c in _REGISTRY.items() if c is cls]:
        del _REGISTRY[name]


def registry(until: str | None = None) -> dict[str, type[Provenance]]:
    """Provenance classes by name. Modules are imported lazily, stopping once `until` is
    found, so plain Datalog never pays for importing torch."""
    for module_name in _modules():
        if until is not None and until in _REGISTRY:
            break
        if module_name not in _IMPORTED:
            _import(module_name)
    return _REGISTRY


def names(**capabilities: bool) -> list[str]:
    """Sorted names of the provenances whose class attributes equal `capabilities`, e.g.
    `names(differentiable=True)`; all names without arguments."""
    return sorted(name for name, cls in registry().items()
                  if all(getattr(cls, attr) == want for attr, want in capabilities.items()))


def make(name: str, k: int | None = None) -> Provenance:
    """A fresh provenance instance for one run (instances may hold per-run fact tables)."""
    from ..errors import UsageError

    cls = registry(until=name).get(name)
    if cls is None:
        raise UsageError(f"unknown provenance '{name}'; choose one of: {', '.join(names())}")
    return cls(k=k)
