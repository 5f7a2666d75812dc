"""The Python API: compile once, run many times on any provenance."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from pathlib import Path

import numpy as np

from . import ir
from .engine import inputs as input_facts
from .errors import CompileError, DataError, Source, UsageError
from .files import read_text
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
        """The program's `grammar` declarations as searchable `nesy.synth.Grammar`s."""
        from .synth.declared import build_all

        return build_all(self.ir.grammars)[0]

    def synthesize(self, grammar: str, examples, timeout: float | None = None,
                   max_candidates: int | None = None, strategy: str = "bottom-up"):
        """Search a declared grammar for a program consistent with `examples`: a list of
        (inputs, output) pairs, inputs a dict by input name or a tuple in declared order."""
        from .synth import Budget, synthesize

        g = self.grammars.get(grammar)
        if g is None:
            raise UsageError(f"the program declares no grammar '{grammar}'; declared: "
                             f"{', '.join(self.ir.grammars) or '(none)'}")
        names = list(g.inputs)
        columns = {n: [] for n in names}
        outputs = []
        if isinstance(examples, (str, bytes, dict)) or not hasattr(examples, "__iter__"):
            raise DataError(f"examples must be a list of (inputs, output) pairs, got "
                            f"{type(examples).__name__}")
        for i, example in enumerate(examples):
            if not isinstance(example, (tuple, list)) or len(example) != 2:
                raise DataError(f"example {i + 1}: expected an (inputs, output) pair, got "
                                f"{example!r}")
            given, output = example
            given = given if isinstance(given, dict) else dict(zip(names, _as_tuple(given)))
            if set(given) != set(names):
                raise DataError(f"example {i + 1}: expected inputs {', '.join(names)}, got "
                                f"{', '.join(map(str, given)) or 'none'}")
            for n in names:
                columns[n].append(given[n])
            outputs.append(output)
        if not outputs:
            raise DataError("synthesis needs at least one example")
        return synthesize(g, columns, outputs, Budget(timeout, max_candidates),
                          strategy=strategy)

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
        keep = _query_mask(self.ir.queries, name, rel, table, executor)
        order = _sorted_rows(rel, table, executor.values, keep)
        columns = list(zip(rel.types, table.columns))
        probs = proofs = None
        if not prov.tagless:  # even when empty, so every relation of a result looks alike
            picked = prov.output(prov.take(table.tags, order))  # only the rows output
            probs, proofs = (picked, None) if prov.probabilistic else (None, picked)
        return RelationResult(name, rel, _LazyTuples(columns, order, executor.values), probs,
                              proofs)


def _query_mask(queries, name, rel, table, executor) -> np.ndarray:
    """Rows matching any query pattern of the relation (all rows without patterns), matched
    by the executor's own atom filter: a query `path(0, x)` selects what the body atom
    `path(0, x)` would."""
    patterns = [q.pattern for q in queries if q.relation == name]
    if not patterns or None in patterns:
        return np.ones(table.n, dtype=bool)
    keep = np.zeros(table.n, dtype=bool)
    for pattern in patterns:
        terms = tuple(ir.VarRef(t, vtype) if isinstance(t, str) else t
                      for t, vtype in zip(pattern, rel.types))
        rows, _ = executor.matching_rows(ir.AtomLit(name, terms), table)
        keep[slice(None) if rows is None else rows] = True
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
        """The result as JSON data, in the form `nesy run --format json` prints (nesy.render)."""
        from .render import json_object

        return json_object(self)

    def to_json(self, indent: int | None = None) -> str:
        from .render import json_text

        return json_text(self, indent)


def diagnose(source: Source) -> tuple[ir.Program | None, list]:
    """Compile one source: the IR (None on errors) and every diagnostic found, including
    those of its `grammar` declarations against their synthesis domains."""
    from .dsl import diagnose as front_end
    from .synth.declared import build_all

    compiled, diagnostics, grammars = front_end(source)
    diagnostics = diagnostics + build_all(grammars)[1]
    return (None if diagnostics else compiled), diagnostics


def _compile_source(source: Source) -> ir.Program:
    compiled, diagnostics = diagnose(source)
    if diagnostics:
        raise CompileError(diagnostics)
    return compiled


def compile(text: str, name: str = "<string>") -> Program:  # noqa: A001 - the public API name
    """Compile program text; raises CompileError with every diagnostic."""
    if not isinstance(text, str):
        raise UsageError(f"nesy.compile expects program text (str), got {type(text).__name__}")
    source = Source(name, text)
    return Program(_compile_source(source), source)


EXAMPLES_DIR = Path(__file__).with_name("examples")


def examples() -> dict[str, Path]:
    """The example programs shipped with nesy (package data), by name."""
    return {path.stem: path for path in sorted(EXAMPLES_DIR.glob("*.nesy"))}


def example(name: str) -> Path:
    """The path of the shipped example `name` (e.g. "reachability"), from any directory."""
    found = examples()
    if name not in found:
        close = difflib.get_close_matches(name, list(found), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UsageError(f"no example called '{name}'; {hint}the examples are: "
                         f"{', '.join(found)}")
    return found[name]


def read_source(path) -> Source:
    """Read a program file; a missing, directory, binary or non-UTF-8 file is a FileError."""
    return Source(str(path), read_text(path, "a .nesy file"))


def load(path) -> Program:
    """Compile a .nesy (or .scl) file."""
    source = read_source(path)
    return Program(_compile_source(source), source)
