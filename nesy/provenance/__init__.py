"""Provenance semirings, selected by name (Scallop's names).

A provenance is added by adding one module to this package that lists its classes in a
module-level `PROVENANCES` (modules starting with `_` are helpers and are not scanned), or,
from outside the package, by `register(cls)`. Each class has a `name`, optional `aliases`,
and declares its capabilities on the class (see `base.Provenance`).
"""
from __future__ import annotations

from ..registry import Registry
from .base import InputFacts, Provenance

__all__ = ["InputFacts", "Provenance", "make", "names", "register", "registry", "unregister"]


def _check(cls) -> None:
    if not (isinstance(cls, type) and issubclass(cls, Provenance)):
        raise TypeError(f"a provenance is a subclass of nesy.provenance.Provenance, got {cls!r}")


#: Modules are imported in order, "unit" (the cheap, common one) first and "probability"
#: (whose tags are torch tensors) last, and only until the wanted name is found, so neither
#: plain Datalog nor a formula provenance (exact, proofs, topkproofs on floats) pays the two
#: seconds of importing torch.
_TORCH_MODULES = ("probability",)
_REGISTRY: Registry[type[Provenance]] = Registry(
    "provenance", __name__, "PROVENANCES", names=lambda cls: (cls.name, *cls.aliases),
    check=_check, order=lambda module: (module != "unit", module in _TORCH_MODULES, module))


def register(cls: type[Provenance], *, replace: bool = False) -> type[Provenance]:
    """Make `cls` selectable by its `name` and `aliases`; returns it, so it can decorate the
    class. A name already taken by another class is refused (unless `replace`)."""
    return _REGISTRY.register(cls, replace=replace)


def unregister(cls: type[Provenance]) -> None:
    """Remove `cls` (all its names) from the registry."""
    if _REGISTRY.get(cls.name) is cls:
        _REGISTRY.unregister(cls.name)


def registry() -> dict[str, type[Provenance]]:
    """Provenance classes by name (aliases included)."""
    return _REGISTRY.entries()


def names(**capabilities: bool) -> list[str]:
    """Sorted names of the provenances whose class attributes equal `capabilities`, e.g.
    `names(differentiable=True)`; all names without arguments."""
    return sorted(name for name, cls in registry().items()
                  if all(getattr(cls, attr) == want for attr, want in capabilities.items()))


def make(name: str, k: int | None = None) -> Provenance:
    """A fresh provenance instance for one run (instances may hold per-run fact tables)."""
    return _REGISTRY.require(name)(k=k)
