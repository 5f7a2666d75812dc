"""Training pipelines, by name: the sub-commands of `nesy train`.

A pipeline is added by adding one module to this package that lists its `PipelineSpec`s in a
module-level `PIPELINES` (see `base`), or, from outside the package, by `register(spec)`.
Modules starting with `_` are not scanned. Every scanned module is imported when the command
line is built, so pipeline modules import torch only inside functions.
"""
from __future__ import annotations

import importlib
import pkgutil

from .base import Pipeline, PipelineSpec, TrainingRun

__all__ = ["Pipeline", "PipelineSpec", "TrainingRun", "register", "registry", "unregister"]

_REGISTRY: dict[str, PipelineSpec] = {}
_scanned = False


def registry() -> dict[str, PipelineSpec]:
    """Pipeline specs by name: this package's (imported on first use), then registered ones."""
    global _scanned
    if not _scanned:
        _scanned = True
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
            if not info.name.startswith("_"):
                module = importlib.import_module(f"{__name__}.{info.name}")
                for spec in getattr(module, "PIPELINES", []):
                    register(spec)
    return _REGISTRY


def register(spec: PipelineSpec) -> PipelineSpec:
    """Make `spec` a `nesy train` sub-command; a name already taken is refused."""
    if not isinstance(spec, PipelineSpec):
        raise TypeError(f"a pipeline is registered as a nesy.pipelines.PipelineSpec, got {spec!r}")
    if spec.name in _REGISTRY and _REGISTRY[spec.name] is not spec:
        raise ValueError(f"pipeline name {spec.name!r} is already taken")
    _REGISTRY[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)
