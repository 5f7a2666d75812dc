"""Synthesis domains. Importing a domain module registers its functions with the executor."""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from nesy.engine.functions import NoValue, register


def operation(name: str, params: list[str], returns: str, *, variadic: bool = False,
              optional: int = 0, bulk: Callable | None = None):
    """Register `core`, which returns None for "no value", with the executor: as a scalar
    function raising `NoValue`, and as its row-wise vectorised form (a plain `map`, several
    times cheaper per row than catching exceptions), so both share one definition. The
    hottest operations pass a hand-vectorised `bulk` form instead, tested against `core`."""

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

        register(name, params, returns, variadic=variadic, optional=optional,
                 vectorized=bulk or vectorized)(scalar)
        return core

    return decorate


def objects(values) -> np.ndarray:
    """A one-dimensional object array holding `values` (Python objects, not numpy scalars)."""
    values = values.tolist() if isinstance(values, np.ndarray) else list(values)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out
