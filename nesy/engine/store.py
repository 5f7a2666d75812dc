"""A relation being computed: append-only rows, tags, and a sorted key index for dedup."""
from __future__ import annotations

import numpy as np

from ..provenance import Provenance
from .table import KEY_BITS, Table, group_rows, joint_keys


class KeyCodec:
    """Mixed-radix row keys with fixed per-column offsets, widened (with headroom) on demand."""

    def __init__(self, arity: int):
        self.arity = arity
        self.lows = [0] * arity
        self.bits = [0] * arity
        self.dense = False  # values too spread out for 62-bit keys: fall back to renumbering

    def covers(self, columns) -> bool:
        if self.dense:
            return False
        for col, low, bits in zip(columns, self.lows, self.bits):
            if len(col) and (int(col.min()) < low or int(col.max()) >= low + (1 << bits)):
                return False
        return True

    def refit(self, columns) -> None:
        headroom = any(self.bits)  # a refit after the first: leave room so they stay rare
        lows, bits = [], []
        for col in columns:
            low = int(col.min()) if len(col) else 0
            span = (int(col.max()) - low + 1) if len(col) else 1
            width = max(1, ((2 if headroom else 1) * span).bit_length())
            lows.append(low - span // 2 if headroom and low < 0 else low)
            bits.append(width)
        self.lows, self.bits = lows, bits
        self.dense = sum(bits) > KEY_BITS

    def encode(self, columns) -> np.ndarray:
        n = len(columns[0]) if columns else 0
        key = np.zeros(n, dtype=np.int64)
        for col, low, bits in zip(columns, self.lows, self.bits):
            key = (key << bits) | (col - low)
        return key


DIRECT_BITS = 24  # key spaces up to 2**24 use a direct-address table (64 MB of int32 at most)


class SortedIndex:
    """Row ids by key: a sorted key array with the row id of each key."""

    def __init__(self, keys: np.ndarray, rows: np.ndarray):
        order = np.argsort(keys, kind="stable")
        self.keys, self.rows = keys[order], rows[order].astype(np.int64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(self.keys, keys)
        pos_ok = np.minimum(pos, max(len(self.keys) - 1, 0))
        hit = (pos < len(self.keys)) & (self.keys[pos_ok] == keys) if len(self.keys) else \
            np.zeros(len(keys), dtype=bool)
        return np.where(hit, self.rows[pos_ok] if len(self.keys) else -1, -1)

    def new_unique(self, keys: np.ndarray) -> np.ndarray:
        """Positions of the first occurrence of each key not yet indexed."""
        _, first = np.unique(keys, return_index=True)
        return first[self.lookup(keys[first]) < 0]

    def insert(self, keys: np.ndarray, rows: np.ndarray):
        order = np.argsort(keys, kind="stable")
        keys, rows = keys[order], rows[order]
        at = np.searchsorted(self.keys, keys)
        self.keys = np.insert(self.keys, at, keys)
        self.rows = np.insert(self.rows, at, rows)


class DirectIndex:
    """Row ids by key in a table addressed by the key itself: O(1) per lookup, no sorting.

    A slot holds its row id plus one, so that an absent key is 0 and the table starts as
    `np.zeros`: calloc'd pages are zeroed lazily by the OS, where `np.full(-1)` writes every
    slot (64 MB for a 24-bit key space) even when a few hundred rows are indexed; that fill
    was a tenth of a CLEVR training step's executor time (profiled)."""

    def __init__(self, bits: int, keys: np.ndarray, rows: np.ndarray):
        self.slots = np.zeros(1 << bits, dtype=np.int32 if len(rows) < 2**31 - 1 else np.int64)
        self.slots[keys] = rows + 1

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        return self.slots[keys].astype(np.int64) - 1

    def new_unique(self, keys: np.ndarray) -> np.ndarray:
        fresh = np.flatnonzero(self.slots[keys] == 0)
        if len(fresh) == 0:
            return fresh
        marks = -1 - np.arange(len(fresh))  # tentative, negative: never a stored row
        self.slots[keys[fresh]] = marks
        winners = fresh[self.slots[keys[fresh]] == marks]
        self.slots[keys[fresh]] = 0
        return np.sort(winners)

    def insert(self, keys: np.ndarray, rows: np.ndarray):
        self.slots[keys] = rows + 1


class Columns:
    """Append-only int64 columns with amortised growth; snapshots are views."""

    def __init__(self, arity: int):
        self.buffers = [np.empty(16, dtype=np.int64) for _ in range(arity)]
        self.n = 0

    def view(self, n: int | None = None) -> list[np.ndarray]:
        n = self.n if n is None else n
        return [b[:n] for b in self.buffers]

    def append(self, columns: list[np.ndarray]):
        m = len(columns[0]) if columns else 0
        if self.n + m > (len(self.buffers[0]) if self.buffers else 0) and self.buffers:
            capacity = max(2 * len(self.buffers[0]), self.n + m)
            grown = []
            for b in self.buffers:
                g = np.empty(capacity, dtype=np.int64)
                g[: self.n] = b[: self.n]
                grown.append(g)
            self.buffers = grown
        for b, c in zip(self.buffers, columns):
            b[self.n: self.n + m] = c
        self.n += m


class StoredRelation:
    def __init__(self, arity: int, provenance: Provenance):
        self.arity = arity
        self.prov = provenance
        self.store = Columns(arity)
        self.tags = provenance.concat([]) if not provenance.tagless else None
        self.n = 0
        self.codec = KeyCodec(arity)
        self.index: SortedIndex | DirectIndex = SortedIndex(np.empty(0, np.int64),
                                                            np.empty(0, np.int64))
        self._table: Table | None = None
        #: Every row came from certain rows (`Table.certain`): each tag is one.
        self.certain = True

    @property
    def columns(self) -> list[np.ndarray]:
        return self.store.view()

    def table(self) -> Table:
        """A snapshot of all rows (cached until the next change, so join indexes persist)."""
        if self._table is None:
            self._table = Table(self.store.view(), self.tags, self.n, self.certain)
        return self._table

    def prefix(self, n: int) -> Table:
        if n == self.n:
            return self.table()
        return Table(self.store.view(n), self._take(np.arange(n)), n, self.certain)

    def _take(self, index):
        return None if self.prov.tagless else self.prov.take(self.tags, index)

    # -- keys -----------------------------------------------------------------------------------
    def _keys(self, columns) -> np.ndarray:
        """Keys of candidate rows, in the encoding of the index (refitted when needed)."""
        if self.arity == 0:
            return np.zeros(len(columns[0]) if columns else 0, np.int64)
        if self.codec.covers(columns):
            return self.codec.encode(columns)
        stored = self.columns
        both = [np.concatenate([s, c]) for s, c in zip(stored, columns)]
        self.codec.refit(both)
        if self.codec.dense:  # renumber stored and candidate rows together, every time
            stored_keys, cand = joint_keys([stored, columns], [self.n, len(columns[0])])
            self.index = SortedIndex(stored_keys, np.arange(self.n))
            return cand
        self._reindex()
        return self.codec.encode(columns)

    def _reindex(self):
        keys = self.codec.encode(self.columns)
        rows = np.arange(self.n, dtype=np.int64)
        bits = sum(self.codec.bits)
        self.index = DirectIndex(bits, keys, rows) if bits <= DIRECT_BITS else \
            SortedIndex(keys, rows)

    # -- merging derived rows ----------------------------------------------------------------------
    def merge(self, cand: Table) -> Table:
        """Add candidate rows; return the delta: rows that are new or whose tag changed."""
        if cand.n == 0:
            return self._empty()
        columns, tags, count = cand.columns, cand.tags, cand.n
        if not self.prov.tagless and not cand.certain:  # one is never zero
            keep = self.prov.nonzero(tags)
            if not keep.all():
                idx = np.flatnonzero(keep)
                columns, tags, count = [c[idx] for c in columns], self.prov.take(tags, idx), len(idx)
        if self.arity == 0:
            self.certain = False  # not worth tracking for one row
            return self._merge_nullary(count, tags)
        keys = self._keys(columns)
        if self.prov.tagless:
            new = self.index.new_unique(keys)
            delta = [c[new] for c in columns]
            self._append(keys[new], delta, None)
            return Table(delta, None, len(new))
        first, inverse = group_rows(keys)
        keys, columns = keys[first], [c[first] for c in columns]
        # A tuple derived once keeps its tag (the disjunction of one tag): no provenance call
        # per row where no candidate repeats another, as most merges of a run.
        unique = len(first) == count
        tags = self.prov.take(tags, first) if unique else \
            self.prov.disjoin_groups(tags, inverse, len(first))
        certain = cand.certain and (unique or self.prov.idempotent)  # one or one is one
        rows = self.index.lookup(keys)
        new, hit = np.flatnonzero(rows < 0), np.flatnonzero(rows >= 0)
        delta_cols = [c[new] for c in columns]
        delta_tags = self.prov.take(tags, new)
        if self.certain and certain and self.prov.idempotent:  # no stored tag changes
            hit = hit[:0]
        changed_rows, changed_tags = self._update_tags(rows[hit], self.prov.take(tags, hit))
        self.certain = self.certain and certain and not len(changed_rows)
        if len(changed_rows):
            stored = self.columns
            delta_cols = [np.concatenate([d, s[changed_rows]]) for d, s in zip(delta_cols, stored)]
            delta_tags = self.prov.concat([delta_tags, changed_tags])
        self._append(keys[new], [c[new] for c in columns], self.prov.take(tags, new))
        return Table(delta_cols, delta_tags, len(delta_cols[0]), certain and not len(changed_rows))

    def _empty(self) -> Table:
        return Table.empty(self.arity, None if self.prov.tagless else self.prov.concat([]))

    def _merge_nullary(self, n: int, tags) -> Table:
        if n == 0:
            return self._empty()
        if self.prov.tagless:
            if self.n:
                return self._empty()
            self.n, self._table = 1, None
            return Table([], None, 1)
        tag = self.prov.disjoin_groups(tags, np.zeros(n, dtype=np.int64), 1)
        if self.n == 0:
            self.tags, self.n, self._table = tag, 1, None
            return Table([], tag, 1)
        rows, new_tag = self._update_tags(np.zeros(1, dtype=np.int64), tag)
        return Table([], new_tag, len(rows))

    def _update_tags(self, rows: np.ndarray, tags):
        """Disjoin tags into existing rows; return the rows whose tag changed and their tags."""
        if len(rows) == 0:
            return rows, self.prov.take(tags, rows)
        old = self.prov.take(self.tags, rows)
        pair = np.concatenate([np.arange(len(rows)), np.arange(len(rows))])
        combined = self.prov.disjoin_groups(self.prov.concat([old, tags]), pair, len(rows))
        changed = np.flatnonzero(self.prov.changed(old, combined))
        if len(changed) == 0:
            return rows[:0], self.prov.take(combined, changed)
        target = rows[changed]
        new_tags = self.prov.take(combined, changed)
        order = np.arange(self.n)
        order[target] = self.n + np.arange(len(target))
        self.tags = self.prov.take(self.prov.concat([self.tags, new_tags]), order)
        self._table = None
        return target, new_tags

    def _append(self, keys, columns, tags):
        m = len(keys)
        if m == 0:
            return
        self.index.insert(keys, np.arange(self.n, self.n + m, dtype=np.int64))
        self.store.append(columns)
        if not self.prov.tagless:
            self.tags = self.prov.concat([self.tags, tags])
        self.n += m
        self._table = None
