"""Search strategies, discovered by a registry.

A strategy is one module of this package defining `STRATEGY`, an instance of a `Strategy`
subclass with a `name` and a `search(problem, budget)` method returning a `SearchResult`.
Modules are imported on first use; `register` adds a strategy from outside the package.
`nesy.synth.synthesize(..., strategy=name)` runs one and re-executes its answer on the
examples before reporting it, so a strategy need not check its own answers.
"""
from __future__ import annotations

from nesy.registry import Registry


class Strategy:
    """The interface: `search(problem, budget)` looks for a program of `problem.grammar`
    (evaluated with `problem.domain`'s functions) mapping `problem.inputs` to
    `problem.outputs`, and returns a `nesy.synth.SearchResult` (program None when it gives
    up, with `stop` and `message` saying why). It should respect the budget's limits."""

    name: str = ""

    def search(self, problem, budget):
        raise NotImplementedError


_REGISTRY: Registry[Strategy] = Registry("search strategy", __name__, "STRATEGY", kind=Strategy,
                                         listing="known")
register = _REGISTRY.register
unregister = _REGISTRY.unregister
get = _REGISTRY.require
names = _REGISTRY.names
