"""Limits that stop a runaway program with a message naming the rule, never a MemoryError
or a machine brought to its knees: a number of fixpoint rounds and a memory budget.

The memory budget is what the run may add to the process's resident memory (the caller's
own data, a training set say, does not count against it). It is checked before each join is
materialised (its exact row count is known from the key counts before any row is built, so
a cross product that would need 60 GB is refused up front) and after each rule evaluation
(which catches values that grow by themselves, such as a string doubled every round).
Reading the resident memory costs about 28 us (opening /proc/self/statm), so it is read at
most every LOOK_EVERY seconds and reused in between: a Bayesian network of 71 rules read it
146 times, a tenth of its run. Memory cannot grow by much in 5 ms (copying runs at a few GB/s),
and a join's own rows are still counted in full before it is built.
"""
from __future__ import annotations

import time

from ..errors import NesyError, UsageError
from ..memory import available_memory, physical_memory, resident_memory

DEFAULT_MAX_ITERATIONS = 100_000
MB = 1 << 20


class ResourceLimitError(NesyError):
    """A run stopped by --iter-limit / --memory-limit (or the default memory budget)."""


def default_memory_limit() -> int | None:
    """Most of the memory available when the run starts (half the machine's where the OS
    does not say): room is left for what a single step allocates past its check."""
    available = available_memory()
    if available is not None:
        return int(available * 0.8)
    total = physical_memory()
    return None if total is None else total // 2


def check_max_iterations(value) -> int:
    """`max_iterations` of the API: None means the default; otherwise a positive int."""
    if value is None:
        return DEFAULT_MAX_ITERATIONS
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"max_iterations must be a positive integer (None for the default "
                         f"{DEFAULT_MAX_ITERATIONS}), got {value!r}")
    return value


def check_memory_limit(value) -> int | None:
    """`memory_limit` (MB) of the API -> bytes; None means most of the available memory."""
    if value is None:
        return default_memory_limit()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 \
            or value == float("inf"):
        raise UsageError(f"memory_limit must be a positive number of MB, got {value!r}")
    return int(value * MB)


class MemoryBudget:
    """Resident memory one run may add to the process; a `None` limit means unlimited."""

    LOOK_EVERY = 0.005  # seconds

    def __init__(self, limit: int | None):
        self.limit = limit
        self.base = resident_memory() if limit is not None else 0
        self._used = 0
        self._next_look = time.monotonic() + self.LOOK_EVERY

    def used(self) -> int:
        """Bytes the run has added, as read at most LOOK_EVERY seconds ago."""
        now = time.monotonic()
        if now >= self._next_look:
            self._used = resident_memory() - self.base
            self._next_look = now + self.LOOK_EVERY
        return self._used

    def rows_left(self, bytes_per_row: int) -> int | None:
        """How many more rows of `bytes_per_row` fit (None: no limit)."""
        if self.limit is None:
            return None
        return max(0, self.limit - self.used()) // max(1, bytes_per_row)

    def exceeded(self) -> bool:
        return self.limit is not None and self.used() > self.limit

    def describe(self) -> str:
        return f"{self.limit / MB:,.0f} MB"
