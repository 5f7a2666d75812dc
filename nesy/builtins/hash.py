"""`$hash(x, ...)`: a u64 hash of any values, as Scallop's $hash.

The value is stable across runs and machines (BLAKE2b of the values' kinds and text), but it
is not the number Scallop prints: Scallop hashes with Rust's DefaultHasher, whose output is
not specified. Programs that only compare, join or group on hashes behave the same."""
from __future__ import annotations

import hashlib

from nesy.builtins import register


@register("hash", ["?"], "u64", variadic=True)
def _hash(*values):
    """A stable u64 hash of all arguments."""
    text = "\x1f".join(f"{type(v).__name__}:{v!r}" for v in values)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
