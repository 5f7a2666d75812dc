"""The Python API: compile once, run many times on any provenance."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import ir
from .engine import inputs as input_facts
from .engine.inputs import Disjunction
from .errors import DataError, NesyError, Source, UsageError
from .provenance import make as make_provenance
from .types import ValueType


class Program:
    """A compiled nesy program."""

    def __init__(self, compiled: ir.Program, source: Source | None = None):
        self.ir = compiled
        self.source = source

    @property
    def relations(self) -> list[str]:
        return sorted(n for n, r in self.ir.relations.items() if not r.hidden)

    def relation_types(self, name: str) -> tuple[ValueType, ...]:
        return self._relation(name).types

    def _relation(self, name: str) -> ir.Relation:
        return input_facts.relation(self.ir, name)

    def run(self, provenance: str = "unit", k: int | None = None, facts: dict | None = None,
            query=None, max_iterations: int | None = None) -> "Result":
        """Evaluate the program. `facts` maps a relation to extra input rows: tuples, or
        (probability, tuple) pairs, or `Disjunction`s of such pairs."""
        prov = make_provenance(provenance, k=k)
        executor = input_facts.loaded_executor(self.ir, prov, facts, max_iterations)
        tables = executor.run()
        names = self._outputs(query)
        out = {}
        for name in names:
            out[name] = self._result(name, tables[name], executor, prov)
        return Result(provenance, out,
                      prov.probabilistic, prov.approximation)

    def module(self, provenance: str = "diffexact", k: int | None = None, inputs=None,
               outputs=None):
        """A torch.nn.Module mapping [batch, ...] probability tensors of the input relations
        to [batch, ...] probabilities of the output relations (see nesy.Mapping)."""
        from .neural.module import ProgramModule

        return ProgramModule(self.ir, provenance, k, inputs, outputs)

    @property
    def grammars(self) -> dict:
        """The program's `grammar` declarations as `nesy.synth.Grammar`s."""
        return dict(self.ir.grammars)

    def synthesize(self, grammar: str, examples, timeout: float | None = None,
                   max_candidates: int | None = None):
        """Search a declared grammar for a program consistent with `examples`: a list of
        (inputs, output) pairs, inputs a dict by input name or a tuple in declared order."""
        from .synth import Budget, synthesize

        g = self.ir.grammars.get(grammar)
        if g is None:
            raise UsageError(f"the program declares no grammar '{grammar}'; declared: "
                             f"{', '.join(self.ir.grammars) or '(none)'}")
        names = list(g.inputs)
        columns = {n: [] for n in names}
        outputs = []
        for i, (given, output) in enumerate(examples):
            given = given if isinstance(given, dict) else dict(zip(names, _as_tuple(given)))
            if set(given) != set(names):
                raise DataError(f"example {i + 1}: expected inputs {', '.join(names)}, got "
                                f"{', '.join(given) or 'none'}")
            for n in names:
                columns[n].append(given[n])
            outputs.append(output)
        if not outputs:
            raise DataError("synthesis needs at least one example")
        return synthesize(g, columns, outputs, Budget(timeout, max_candidates))

    def _outputs(self, query) -> list[str]:
        if query is None:
            return list(self.ir.outputs)
        names = [query] if isinstance(query, str) else list(query)
        for n in names:
            self._relation(n)
        return names

    # -- results ---------------------------------------------------------------------------------
    def _result(self, name, table, executor, prov) -> "RelationResult":
        rel = self.ir.relations[name]
        keep = _query_mask(self.ir.queries, name, rel, table, executor.values)
        order = _sorted_rows(rel, table, executor.values, keep)
        columns = list(zip(rel.types, table.columns))
        probs = proofs = None
        if not prov.tagless and table.n:
            out = prov.output(table.tags)
            picked = None if out is None else [out[i] for i in order.tolist()]
            probs, proofs = (picked, None) if prov.probabilistic else (None, picked)
        return RelationResult(name, rel, _LazyTuples(columns, order, executor.values), probs,
                              proofs)


def _query_mask(queries, name, rel, table, values) -> np.ndarray:
    """Rows matching any query pattern of the relation (all rows without patterns)."""
    patterns = [q.pattern for q in queries if q.relation == name]
    if not patterns or None in patterns:
        return np.ones(table.n, dtype=bool)
    keep = np.zeros(table.n, dtype=bool)
    for pattern in patterns:
        mask = np.ones(table.n, dtype=bool)
        first: dict[str, int] = {}
        for pos, term in enumerate(pattern):
            col = table.columns[pos]
            if isinstance(term, ir.Const):
                mask &= col == values.encode(term.type, [term.value])[0]
            elif term is not None:
                if term in first:
                    mask &= col == table.columns[first[term]]
                first.setdefault(term, pos)
        keep |= mask
    return keep


def _sorted_rows(rel, table, values, keep) -> np.ndarray:
    """Row order of the output: sorted by value (interned columns ranked by their values)."""
    rows = np.flatnonzero(keep)
    keys = []
    for vtype, col in zip(rel.types, table.columns):
        col = col[rows]
        if vtype.is_interned:
            decoded = values.decode(vtype, col)
            _, col = np.unique(decoded, return_inverse=True)
        keys.append(col.reshape(-1))
    if not keys:
        return rows
    return rows[np.lexsort(keys[::-1])]


class _LazyTuples:
    """Output tuples, converted to Python values only when first asked for."""

    def __init__(self, columns, order, values):
        self.columns, self.order, self.values = columns, order, values
        self._tuples = None

    def get(self) -> list[tuple]:
        if self._tuples is None:
            cols = [self.values.to_python(t, c[self.order]) for t, c in self.columns]
            self._tuples = list(zip(*cols)) if cols else [()] * len(self.order)
        return self._tuples

    def __len__(self):
        return len(self.order)


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


class RelationResult:
    """One output relation: sorted tuples, and probabilities (or proofs) per tuple."""

    def __init__(self, name, relation, tuples, probs=None, proofs=None):
        self.name = name
        self.relation = relation
        self._tuples = tuples
        self.probs = probs
        self.proofs = proofs

    @property
    def tuples(self) -> list[tuple]:
        if isinstance(self._tuples, _LazyTuples):
            self._tuples = self._tuples.get()
        return self._tuples

    def __iter__(self):
        return iter(self.tuples)

    def __len__(self):
        return len(self._tuples)

    def __contains__(self, row):
        return (row if isinstance(row, tuple) else (row,)) in set(self.tuples)

    def prob(self, row) -> float:
        """Probability of a tuple (0 when absent)."""
        row = row if isinstance(row, tuple) else (row,)
        if self.probs is None:
            return 1.0 if row in self else 0.0
        for t, p in zip(self.tuples, self.probs):
            if t == row:
                return p
        return 0.0

    def to_dict(self) -> dict:
        if self.probs is None:
            return {t: 1.0 for t in self.tuples}
        return dict(zip(self.tuples, self.probs))

    def __repr__(self):
        return f"RelationResult({self.name}, {len(self.tuples)} tuples)"


@dataclass
class Result:
    provenance: str
    relations_by_name: dict[str, RelationResult]
    probabilistic: bool = False
    approximation: str | None = None

    def __getitem__(self, name: str) -> RelationResult:
        if name not in self.relations_by_name:
            raise UsageError(f"no output relation '{name}'; outputs are: "
                             f"{', '.join(self.relations_by_name) or '(none)'}")
        return self.relations_by_name[name]

    def __contains__(self, name):
        return name in self.relations_by_name

    @property
    def relations(self) -> list[str]:
        return list(self.relations_by_name)

    def to_json_object(self) -> dict:
        rels = {}
        for name, r in self.relations_by_name.items():
            rows = []
            for i, t in enumerate(r.tuples):
                entry = {"tuple": [_json_value(v) for v in t]}
                if self.probabilistic and r.probs is not None:
                    entry["prob"] = _json_prob(r.probs[i])
                rows.append(entry)
            rels[name] = rows
        return {"provenance": self.provenance, "relations": rels}

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_json_object(), indent=indent, allow_nan=False)


def _json_value(v):
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def _json_prob(p) -> float:
    return float(p.detach()) if hasattr(p, "detach") else float(p)


def compile(text: str, name: str = "<string>") -> Program:  # noqa: A001 - the public API name
    """Compile program text; raises CompileError with every diagnostic."""
    from .dsl import compile_source

    if not isinstance(text, str):
        raise UsageError(f"nesy.compile expects program text (str), got {type(text).__name__}")
    source = Source(name, text)
    return Program(compile_source(source), source)


def read_source(path) -> Source:
    """Read a program file with user-facing errors for missing, directory and binary files."""
    p = Path(path)
    if not p.exists():
        raise NesyError(f"{path}: no such file")
    if p.is_dir():
        raise NesyError(f"{path}: is a directory, expected a .nesy file")
    try:
        data = p.read_bytes()
    except OSError as err:
        raise NesyError(f"{path}: cannot read: {err.strerror}") from None
    if b"\0" in data:
        raise NesyError(f"{path}: is a binary file, expected nesy program text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise NesyError(f"{path}: is not UTF-8 text (byte {err.start})") from None
    return Source(str(path), text)


def load(path) -> Program:
    """Compile a .nesy (or .scl) file."""
    from .dsl import compile_source

    source = read_source(path)
    return Program(compile_source(source), source)
