"""Columnar value encoding: every column is an int64 array of *codes*.

Integers up to 64 bits, bools, chars (code points) and enums (variant index) are their own
codes. Floats, strings and the wide integer types (u64, usize, i128, u128: exact Python ints)
are interned in a per-run table, so equal values get equal codes and joins,
deduplication and hashing never look at the values themselves. Expressions decode columns
into natural numpy arrays (int64, float64, bool, object) and encode their results back.
"""
from __future__ import annotations

import numpy as np

from ..types import ValueType


class ValueTable:
    def __init__(self):
        self._ids: dict[str, dict] = {"float": {}, "String": {}, "wide": {}}
        self._values: dict[str, list] = {"float": [], "String": [], "wide": []}
        self._arrays: dict[str, np.ndarray | None] = {"float": None, "String": None, "wide": None}

    @staticmethod
    def _pool(vtype: ValueType) -> str:
        return "float" if vtype.is_float else "wide" if vtype.is_wide else "String"

    def _intern(self, pool: str, values) -> np.ndarray:
        """Codes of `values`, new values numbered in order of first appearance. Only the
        distinct values are looked at in Python; the codes of all are gathered in C (input
        columns repeat a few values thousands of times: scene and object ids)."""
        ids, table = self._ids[pool], self._values[pool]
        for v in dict.fromkeys(values):
            if v not in ids:
                ids[v] = len(table)
                table.append(v)
                self._arrays[pool] = None
        return np.fromiter(map(ids.__getitem__, values), dtype=np.int64, count=len(values))

    def encode(self, vtype: ValueType, values) -> np.ndarray:
        """Natural values (list or array) -> int64 codes."""
        if vtype.is_interned:
            if vtype.is_float:
                values = [float(v) + 0.0 for v in np.asarray(values, dtype=np.float64).tolist()]
            elif vtype.is_wide and isinstance(values, np.ndarray) and values.dtype.kind in "iu":
                values = values.tolist()  # Python ints already
            elif vtype.is_wide:
                values = [int(v) for v in (values.tolist() if isinstance(values, np.ndarray)
                                           else values)]
            elif not isinstance(values, list):
                values = list(values)
            return self._intern(self._pool(vtype), values)
        if vtype.name == "char":
            return np.fromiter((ord(c) for c in values), dtype=np.int64, count=len(values))
        return np.asarray(values).astype(np.int64, copy=False).reshape(-1)

    def decode(self, vtype: ValueType, codes: np.ndarray) -> np.ndarray:
        """int64 codes -> natural numpy values (float64, object strings, bool, int64)."""
        if vtype.is_interned:
            pool = self._pool(vtype)
            arr = self._arrays[pool]
            if arr is None or len(arr) != len(self._values[pool]):
                dtype = np.float64 if pool == "float" else object
                arr = np.array(self._values[pool], dtype=dtype) if self._values[pool] else \
                    np.empty(0, dtype=dtype)
                self._arrays[pool] = arr
            return arr[codes]
        if vtype.name == "bool":
            return codes.astype(bool)
        if vtype.name == "char":
            return np.array([chr(c) for c in codes.tolist()], dtype=object)
        return codes

    def to_python(self, vtype: ValueType, codes: np.ndarray) -> list:
        """Codes -> Python values for results (enums as their variant names)."""
        if vtype.is_enum:
            return [vtype.variants[c] for c in codes.tolist()]
        return self.decode(vtype, codes).tolist()
