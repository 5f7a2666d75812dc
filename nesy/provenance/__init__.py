"""Provenance semirings, selected by name (Scallop's names).

A provenance is added by adding one module to this package that lists its classes in a
module-level `PROVENANCES`; each class has a `name` and optional `aliases`.
"""
from __future__ import annotations

import importlib
import pkgutil

from .base import InputFacts, Provenance

__all__ = ["InputFacts", "Provenance", "make", "names"]


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
        for name in (cls.name, *getattr(cls, "aliases", ())):
            _REGISTRY[name] = cls


def registry(until: str | None = None) -> dict[str, type[Provenance]]:
    """Provenance classes by name. Modules are imported lazily, stopping once `until` is
    found, so plain Datalog never pays for importing torch."""
    for module_name in _modules():
        if until is not None and until in _REGISTRY:
            break
        if module_name not in _IMPORTED:
            _import(module_name)
    return _REGISTRY


def names() -> list[str]:
    return sorted(registry())


def make(name: str, k: int | None = None) -> Provenance:
    """A fresh provenance instance for one run (instances may hold per-run fact tables)."""
    from ..errors import UsageError

    cls = registry(until=name).get(name)
    if cls is None:
        raise UsageError(f"unknown provenance '{name}'; choose one of: {', '.join(names())}")
    return cls(k=k)
