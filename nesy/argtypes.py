"""Argument types shared by every `nesy` subcommand: one message style for bad numbers."""
from __future__ import annotations

import argparse
import math
import os
from typing import Callable

#: The largest seed every random generator of a training run accepts (numpy's take 32 bits).
MAX_SEED = 2**32 - 1


def max_threads() -> int:
    """The most CPU threads a run may ask for: this machine's CPUs (more only contend; asking
    torch for 100,000 exhausted the machine's threads)."""
    return os.cpu_count() or 1


def int_between(low: int, high: int | None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value

    return parse


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:  # also rejects nan, which compares false to everything
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    if value == math.inf:
        raise argparse.ArgumentTypeError(f"must be finite, got {text}")
    return value
