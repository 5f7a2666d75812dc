"""Search strategies, discovered by a registry.

A strategy is one module of this package defining `STRATEGY`, an instance of a `Strategy`
subclass with a `name` and a `search(problem, budget)` method returning a `SearchResult`.
Modules are imported on first use; `register` adds a strategy from outside the package.
`nesy.synth.synthesize(..., strategy=name)` runs one and re-executes its answer on the
examples before reporting it, so a strategy need not check its own answers.
"""
from __future__ import annotations

import importlib
import pkgutil

from nesy.errors import UsageError


class Strategy:
    """The interface: `search(problem, budget)` looks for a program of `problem.grammar`
    (evaluated with `problem.domain`'s functions) mapping `problem.inputs` to
    `problem.outputs`, and returns a `nesy.synth.SearchResult` (program None when it gives
    up, with `stop` and `message` saying why). It should respect the budget's limits."""

    name: str = ""

    def search(self, problem, budget):
        raise NotImplementedError


_STRATEGIES: dict[str, Strategy] = {}
_discovered = False


def register(strategy: Strategy, *, replace: bool = False) -> Strategy:
    _discover()
    if strategy.name in _STRATEGIES and not replace:
        raise ValueError(f"search strategy '{strategy.name}' is already registered")
    _STRATEGIES[strategy.name] = strategy
    return strategy


def unregister(name: str) -> None:
    _STRATEGIES.pop(name, None)


def get(name: str) -> Strategy:
    _discover()
    if name not in _STRATEGIES:
        raise UsageError(f"unknown search strategy '{name}'; known: {', '.join(names())}")
    return _STRATEGIES[name]


def names() -> list[str]:
    _discover()
    return sorted(_STRATEGIES)


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            strategy = getattr(importlib.import_module(f"{__name__}.{module.name}"), "STRATEGY",
                               None)
            if strategy is not None and strategy.name not in _STRATEGIES:
                _STRATEGIES[strategy.name] = strategy
