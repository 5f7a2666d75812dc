"""Tables of code columns with a tag batch, row keys, and the vectorised join."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EMPTY = np.empty(0, dtype=np.int64)
KEY_BITS = 62


@dataclass
class Table:
    """Rows as int64 code columns plus one tag batch aligned with them (None when tagless)."""

    columns: list[np.ndarray]
    tags: object
    n: int
    #: Every tag is the provenance's one (rows from certain facts only): a join with these
    #: rows keeps the other side's tags instead of conjoining each with one.
    certain: bool = False

    @staticmethod
    def empty(arity: int, tags=None) -> "Table":
        return Table([EMPTY] * arity, tags, 0)


def joint_keys(sides: list[list[np.ndarray]], n_rows: list[int]) -> list[np.ndarray]:
    """Keys for rows of several tables over the same columns, comparable across tables."""
    width = len(sides[0])
    if width == 0:
        return [np.zeros(n, dtype=np.int64) for n in n_rows]
    if width == 1:
        return [s[0] for s in sides]
    lows, spans = [], []
    for c in range(width):
        parts = [s[c] for s in sides if len(s[c])]
        low = min((int(p.min()) for p in parts), default=0)
        high = max((int(p.max()) for p in parts), default=0)
        lows.append(low)
        spans.append(high - low + 1)
    if sum(max(1, int(s - 1).bit_length()) for s in spans) <= KEY_BITS:
        return [_mixed_radix(s, lows, spans) for s in sides]
    return _dense_keys(sides, n_rows)


def _mixed_radix(columns, lows, spans) -> np.ndarray:
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for col, low, span in zip(columns, lows, spans):
        key = key * span + (col - low)
    return key


def _dense_keys(sides, n_rows) -> list[np.ndarray]:
    """Combine columns pairwise, renumbering to dense codes so that keys never overflow."""
    cuts = np.cumsum([0, *n_rows])
    combined = None
    for c in range(len(sides[0])):
        col = np.concatenate([s[c] for s in sides])
        _, codes = np.unique(col, return_inverse=True)
        codes = codes.astype(np.int64)
        if combined is None:
            combined = codes
        else:
            _, combined = np.unique(combined * (int(codes.max(initial=0)) + 1) + codes,
                                    return_inverse=True)
            combined = combined.astype(np.int64)
    return [combined[cuts[i]:cuts[i + 1]] for i in range(len(sides))]


class TooManyRows(Exception):
    """A join would produce `rows` rows, more than its caller allowed (raised before any row
    is built)."""

    def __init__(self, rows: int):
        super().__init__(rows)
        self.rows = rows


def match(left_keys: np.ndarray, right_sorted: np.ndarray, right_order: np.ndarray,
          max_rows: int | None = None):
    """All pairs (i, j) with left_keys[i] == right key j; right given sorted with its order."""
    lo = np.searchsorted(right_sorted, left_keys, side="left")
    hi = np.searchsorted(right_sorted, left_keys, side="right")
    return _expand(lo, hi, right_order, max_rows)


def sort_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    return keys[order], order


def group_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of the first row of each distinct key, group id of every row)."""
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


class ColumnIndex:
    """Rows of a column grouped by value, for joins that probe it many times.

    Compact value ranges get direct addressing (bucket offsets by value, like CSR); others a
    sorted copy probed by binary search."""

    def __init__(self, column: np.ndarray):
        self.order = np.argsort(column, kind="stable")
        self.sorted = column[self.order]
        self.low = int(self.sorted[0]) if len(column) else 0
        span = int(self.sorted[-1]) - self.low + 1 if len(column) else 0
        self.offsets = None
        if 0 < span <= max(1 << 16, 4 * len(column)):
            counts = np.bincount(column - self.low, minlength=span)
            self.offsets = np.concatenate([[0], np.cumsum(counts)])

    def match(self, keys: np.ndarray, max_rows: int | None = None):
        if self.offsets is None:
            return match(keys, self.sorted, self.order, max_rows)
        span = len(self.offsets) - 1
        shifted = keys - self.low
        inside = (shifted >= 0) & (shifted < span)
        shifted = np.where(inside, shifted, 0)
        lo = np.where(inside, self.offsets[shifted], 0)
        hi = np.where(inside, self.offsets[shifted + 1], 0)
        return _expand(lo, hi, self.order, max_rows)


class RowsIndex:
    """Rows of a table grouped by several columns at once, for joins that probe it many times
    (a relation joined on the same columns in every round of a recursion): keys in a mixed
    radix over the table's own value ranges, sorted once. A probe outside those ranges
    matches nothing, so the probing side needs no ranges of its own. `usable` is False where
    the ranges need more than KEY_BITS bits (then the caller builds joint keys)."""

    def __init__(self, columns: list[np.ndarray]):
        n = len(columns[0])
        self.lows = [int(c.min()) if n else 0 for c in columns]
        self.spans = [int(c.max()) - low + 1 if n else 1 for c, low in zip(columns, self.lows)]
        self.usable = sum(max(1, (span - 1).bit_length()) for span in self.spans) <= KEY_BITS
        if self.usable:
            self.sorted, self.order = sort_keys(_mixed_radix(columns, self.lows, self.spans))

    def match(self, columns: list[np.ndarray], max_rows: int | None = None):
        """All pairs (i, j): probe row i equals indexed row j on every column."""
        inside = np.ones(len(columns[0]), dtype=bool)
        for column, low, span in zip(columns, self.lows, self.spans):
            inside &= (column >= low) & (column < low + span)
        if not inside.all():
            columns = [np.where(inside, column, low) for column, low in zip(columns, self.lows)]
        lo, hi = (np.searchsorted(self.sorted, _mixed_radix(columns, self.lows, self.spans), side=side)
                  for side in ("left", "right"))
        return _expand(lo, np.where(inside, hi, lo), self.order, max_rows)


def _expand(lo: np.ndarray, hi: np.ndarray, order: np.ndarray, max_rows: int | None = None):
    counts = hi - lo
    total = int(counts.sum())
    if max_rows is not None and total > max_rows:
        raise TooManyRows(total)
    left_index = np.repeat(np.arange(len(lo), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    within = np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
    return left_index, order[np.repeat(lo, counts) + within]
