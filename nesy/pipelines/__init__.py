"""Training pipelines, by name: the sub-commands of `nesy train`.

A pipeline is added by adding one module to this package that lists its `PipelineSpec`s in a
module-level `PIPELINES` (see `base`), or, from outside the package, by `register(spec)`.
`base` and modules starting with `_` are not scanned. Every scanned module is imported when
the command line is built, so pipeline modules import torch only inside functions.
"""
from __future__ import annotations

from ..registry import Registry
from .base import Pipeline, PipelineSpec, TrainingRun

__all__ = ["Pipeline", "PipelineSpec", "TrainingRun", "register", "registry", "unregister"]

_REGISTRY: Registry[PipelineSpec] = Registry("pipeline", __name__, "PIPELINES", kind=PipelineSpec)
register = _REGISTRY.register
unregister = _REGISTRY.unregister
registry = _REGISTRY.entries
