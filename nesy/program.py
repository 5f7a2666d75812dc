"""The Python API: compile once, run many times on any provenance."""
from __future__ import annotations

import difflib
import math
import os
import time
from dataclasses import dataclass

from pathlib import Path

import numpy as np

from . import ir
from .engine import closure
from .engine import inputs as input_facts
from .engine.table import Table
from .errors import CompileError, DataError, FileError, Source, UsageError
from .expr import evaluate
from .files import read_text
from .passes.demand import Demanded, demand_transform, query_demands
from .provenance import make as make_provenance
from .provenance.base import OutOfBudget
from .types import ValueType


class Program:
    """A compiled nesy program."""

    def __init__(self, compiled: ir.Program, source: Source | None = None):
        self.ir = compiled
        self.source = source
        self._demanded: dict[tuple, Demanded] = {}

    @property
    def relations(self) -> list[str]:
        return sorted(n for n, r in self.ir.relations.items() if not r.hidden)

    def __repr__(self) -> str:
        rules = sum(len(stratum.rules) for stratum in self.ir.strata)
        name = f"{self.source.name}: " if self.source is not None else ""
        return (f"<nesy.Program {name}{len(self.relations)} relations, {len(self.ir.facts)} facts, "
                f"{rules} rules; outputs {', '.join(self.ir.outputs) or '(none)'}>")

    def relation_types(self, name: str) -> tuple[ValueType, ...]:
        return self._relation(name).types

    def _relation(self, name: str) -> ir.Relation:
        return input_facts.relation(self.ir, name)

    def run(self, provenance: str = "unit", k: int | None = None, facts: dict | None = None,
            query=None, max_iterations: int | None = None,
            memory_limit: float | None = None, budget: float | None = None) -> "Result":
        """Evaluate the program. `facts` maps a relation to extra input rows: tuples, or
        (probability, tuple) pairs, or `Disjunction`s of such pairs. A recursive stratum
        may take at most `max_iterations` rounds (a positive int; None: 100,000) and the run
        may add at most `memory_limit` MB to the process's memory (None: 80% of what is
        available); past either it stops with a `FixpointError` / `ResourceLimitError` naming
        the rule.

        `budget` (seconds; `exact`, `diffexact`): an any-time answer. The exact run gets half
        of it; when it does not finish, each output tuple gets bounds instead of its
        probability: `probs` are lower bounds (what was derived so far, and for a bound
        transitive-closure query the paths a best-first search found in the other half),
        `RelationResult.bounds` holds (lower, upper) per tuple (upper: 1, or that search's
        complete and partial paths), and `Result.approximation` says so. Tuples not derived
        yet are missing (lower bound 0)."""
        prov = make_provenance(_name("provenance", provenance), k=k)
        budget = _budget(budget, prov)
        names = self._outputs(query)
        plan = self._plan(prov, names)
        executor = input_facts.loaded_executor(plan.program, prov, _facts(facts),
                                               max_iterations, memory_limit)
        start = time.monotonic()
        if budget is not None:
            executor.deadline = prov.deadline = start + budget / 2
        try:
            tables, stopped = executor.run(), False
        except OutOfBudget:
            tables, stopped = {n: s.table() for n, s in executor.stores.items()}, True
        if budget is not None:  # counting what was found is not interrupted
            prov.deadline = math.inf
        out, bounded = {}, False
        if stopped:  # the bounded search gets most of the rest (an eighth of it at least),
            # building its formulas another quarter
            searched = max(start + 3 * budget / 4, time.monotonic() + budget / 8)
            built = searched + budget / 4
        for name in names:
            table, upper = tables[plan.answers.get(name, name)], None
            if stopped:
                table, upper = self._bounds(name, table, executor, prov,
                                            lambda: time.monotonic() > searched,
                                            lambda: time.monotonic() > built)
            bounded |= upper is not None
            out[name] = self._result(name, table, executor, prov, upper)
        approximation = _bounds_note(out, budget) if bounded else prov.approximation
        return Result(provenance, out, prov.probabilistic, approximation,
                      _fact_legend(plan, prov, executor))

    def _bounds(self, name, table, executor, prov, out_of_time, building_over):
        """A stopped run's rows of `name` with lower-bound tags, and their upper-bound tags
        (None when they are exact: input facts, or a search that found every path): a bound
        closure query's pairs from the provenance's bounded search (its lower bound joined
        with what the run derived), other rows as derived, bounded above by one."""
        if not any(name in s.relations and (s.rules or s.aggregates) for s in self.ir.strata):
            return table, None  # facts only: loaded in full before the run started
        found = closure.bounds(executor, self.ir, name, out_of_time, building_over)
        if found is None:
            return table, prov.ones(table.n)
        codes, lower, upper = found
        if not prov.changed(lower, upper).any():  # exact: what the run derived adds nothing
            return Table(codes, lower, len(lower)), None
        index = {row: j for j, row in enumerate(zip(*(c.tolist() for c in codes)))}
        derived = [(i, index[row]) for i, row in
                   enumerate(zip(*(c.tolist() for c in table.columns))) if row in index]
        rows = np.array([i for i, _ in derived], dtype=np.int64)
        group = np.array(list(range(len(index))) + [j for _, j in derived], dtype=np.int64)
        lower = prov.disjoin_groups(prov.concat([lower, prov.take(table.tags, rows)]), group,
                                    len(index))
        return Table(codes, lower, len(index)), upper

    def _plan(self, prov, names) -> Demanded:
        """The program to run for `names`: with the demand transformation when a query binds
        a constant (`query path(0, 9)`: only the tuples it needs are derived) and the
        provenance's disjunction is idempotent; as compiled otherwise. A closure the
        provenance answers by search (nesy.engine.closure) is left to it."""
        demands = query_demands(self.ir, names) if prov.idempotent else {}
        if not demands:
            return Demanded(self.ir, {})
        key = (tuple(names), prov.best_first_closure)
        if key not in self._demanded:
            full = [n for n in names if n not in demands]
            if prov.best_first_closure:
                full += closure.answered(self.ir)
            self._demanded[key] = demand_transform(self.ir, demands, full)
        return self._demanded[key]

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

        g = self.grammars.get(_name("grammar", grammar))
        _name("strategy", strategy)
        if timeout is not None and (isinstance(timeout, bool) or
                                    not isinstance(timeout, (int, float)) or
                                    not 0 < timeout < math.inf):
            raise UsageError(f"timeout must be a positive number of seconds, got {timeout!r}")
        if max_candidates is not None and (isinstance(max_candidates, bool) or
                                           not isinstance(max_candidates, int) or
                                           max_candidates < 1):
            raise UsageError(f"max_candidates must be a positive integer, got "
                             f"{max_candidates!r}")
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
            if not isinstance(given, dict):
                values = _as_tuple(given)
                if len(values) != len(names):
                    raise DataError(f"example {i + 1}: expected {len(names)} input value"
                                    f"{'s' if len(names) != 1 else ''} ({', '.join(names)}), "
                                    f"got {len(values)}: {given!r}")
                given = dict(zip(names, values))
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
        if not isinstance(query, str) and not (
                isinstance(query, (list, tuple)) and all(isinstance(q, str) for q in query)):
            raise UsageError(f"query must be a relation name or a list of names, got "
                             f"{query!r}")
        names = [query] if isinstance(query, str) else list(query)
        for n in names:
            self._relation(n)
        return names

    # -- results ---------------------------------------------------------------------------------
    def _result(self, name, table, executor, prov, upper=None) -> "RelationResult":
        """The output rows of `name`; with `upper` (the upper-bound tags of a stopped
        budgeted run), bounds per row."""
        rel = self.ir.relations[name]
        keep = _query_mask(self.ir.queries, name, rel, table, executor)
        order = _sorted_rows(rel, table, executor.values, keep)
        columns = list(zip(rel.types, table.columns))
        probs = proofs = highs = None
        if upper is not None:  # both bounds from one compiled circuit
            both = prov.output(prov.concat([prov.take(table.tags, order),
                                            prov.take(upper, order)]))
            probs, highs = both[:len(order)], both[len(order):]
        elif not prov.tagless:  # even when empty, so every relation of a result looks alike
            picked = prov.output(prov.take(table.tags, order))  # only the rows output
            probs, proofs = (picked, None) if prov.probabilistic else (None, picked)
        result = RelationResult(name, rel, _LazyTuples(columns, order, executor.values), probs,
                                proofs)
        if highs is not None:
            result.bounds = list(zip(probs, highs))
        return result


def _budget(budget, prov):
    """`budget` of `Program.run`: None, or positive seconds under a `bounded` provenance."""
    if budget is None:
        return None
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or \
            not 0 < budget < math.inf:
        raise UsageError(f"budget must be a positive number of seconds, got {budget!r}")
    if not prov.bounded:
        from .provenance import names

        raise UsageError(f"a budget gives bounds under {', '.join(names(bounded=True))}; "
                         f"provenance {prov.name} has none")
    return float(budget)


def _bounds_note(out, budget, shown=4) -> str:
    """What a stopped budgeted run's numbers are, with the first few tuples' bounds."""
    items = [f"{name}({', '.join(map(str, t))}) in [{lo:.6g}, {hi:.6g}]"
             for name, rel in out.items() if rel.bounds is not None
             for t, (lo, hi) in zip(rel.tuples, rel.bounds)]
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return (f"the budget of {budget:g} s ran out before the exact answer: probabilities are "
            f"lower bounds and tuples not derived yet may hold; (lower, upper): "
            f"{'; '.join(items[:shown]) or 'no tuple derived yet'}{more}")


def _fact_legend(plan: Demanded, prov, executor) -> list[str] | None:
    """Under a provenance whose output is proofs: each fact id as the fact it stands for
    (a rule's choice as the rule the user wrote, not its demand-restricted copy)."""
    if prov.tagless or prov.probabilistic:
        return None
    from .render import fact_texts

    sources = [(what if isinstance(what, str) else plan.original(what), row)
               for what, row in executor.fact_sources]
    return fact_texts(plan.program, sources, executor.values)


def _query_mask(queries, name, rel, table, executor) -> np.ndarray:
    """Rows matching any query pattern of the relation (all rows without patterns), matched
    by the executor's own atom filter: a query `path(0, x)` selects what the body atom
    `path(0, x)` would."""
    patterns = [q.pattern for q in queries if q.relation == name]
    if not patterns or None in patterns:
        return np.ones(table.n, dtype=bool)
    keep = np.zeros(table.n, dtype=bool)
    for pattern in patterns:
        terms = tuple(ir.VarRef(t, vtype) if isinstance(t, str) else
                      t if t is None or isinstance(t, ir.Const) else None
                      for t, vtype in zip(pattern, rel.types))
        rows, first = executor.matching_rows(ir.AtomLit(name, terms), table)
        rows = np.arange(table.n) if rows is None else rows
        for pos, (term, vtype) in enumerate(zip(pattern, rel.types)):
            if term is not None and not isinstance(term, (str, ir.Const)):  # `S(a, a * 2)`
                columns = {v: table.columns[c][rows] for v, c in first.items()}
                want, valid = evaluate(term, columns, len(rows), executor.values)
                have = executor.values.decode(vtype, table.columns[pos][rows])
                rows = rows[valid & np.asarray(have == want, dtype=bool)]
        keep[rows] = True
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


def _name(what: str, value) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a string, got {value!r}")
    return value


def _facts(facts):
    """`facts` of `Program.run`: None or a dict from relation names to rows."""
    if facts is not None and not isinstance(facts, dict):
        raise UsageError(f"facts must be a dict mapping relation names to lists of rows, got "
                         f"{type(facts).__name__}")
    return facts


def _count(n: int) -> str:
    return f"{n} tuple{'s' if n != 1 else ''}"


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


class RelationResult:
    """One output relation: sorted tuples, and probabilities (or proofs) per tuple.

    `probs` is a list (empty for an empty relation) under a probabilistic provenance and None
    under one without probabilities; `proofs` likewise under `proofs`."""

    def __init__(self, name, relation, tuples, probs=None, proofs=None):
        self.name = name
        self.relation = relation
        self._tuples = tuples
        self.probs = probs
        #: Per tuple, its proofs: each a tuple of literals, a fact id `f` or `~f` for a negated
        #: fact; `facts[f]` is the fact itself, as nesy source writes it (set by `Result`).
        self.proofs = proofs
        self.facts: list[str] | None = None
        #: Per tuple, (lower, upper) bounds of its probability when a budgeted run stopped
        #: before the exact answer (`Program.run(budget=...)`); None when `probs` are exact.
        self.bounds: list[tuple[float, float]] | None = None

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
        row = row if isinstance(row, tuple) else (row,)
        return any(row == t for t in self.tuples)

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
        tags = ", with probabilities" if self.probs is not None else \
            ", with proofs" if self.proofs is not None else ""
        return f"<nesy.RelationResult {self.name}: {_count(len(self))}{tags}>"

    def _repr_html_(self) -> str:
        """A notebook shows the relation as a table."""
        from .render import html_table

        return html_table(self)


@dataclass(repr=False)
class Result:
    provenance: str
    relations_by_name: dict[str, RelationResult]
    probabilistic: bool = False
    approximation: str | None = None
    #: Under `proofs`: each fact id of the proofs as its fact, `edge(0, 1)` (see RelationResult).
    facts: list[str] | None = None

    def __post_init__(self):
        for rel in self.relations_by_name.values():
            rel.facts = self.facts

    def __getitem__(self, name: str) -> RelationResult:
        if not isinstance(name, str) or name not in self.relations_by_name:
            raise UsageError(f"no output relation '{name}'; outputs are: "
                             f"{', '.join(self.relations_by_name) or '(none)'}")
        return self.relations_by_name[name]

    def __contains__(self, name):
        return isinstance(name, str) and name in self.relations_by_name

    def __repr__(self) -> str:
        from .render import summary

        parts = [f"{name} ({_count(len(rel))})" for name, rel in self.relations_by_name.items()]
        return f"<nesy.Result {summary(self)}: {', '.join(parts) or 'no relations'}>"

    def _repr_html_(self) -> str:
        """A notebook shows the result as one table per relation."""
        from .render import html_tables

        return html_tables(self)

    @property
    def relations(self) -> list[str]:
        return list(self.relations_by_name)

    def to_json_object(self) -> dict:
        """The result as JSON data, in the form `nesy run --format json` prints (nesy.render)."""
        from .render import json_object

        return json_object(self)

    def to_json(self, indent: int | None = None) -> str:
        from .render import json_text

        try:
            return json_text(self, indent)
        except (ValueError, TypeError) as err:  # a non-finite number, a bad indent
            raise DataError(f"the result cannot be written as JSON: {err}") from None


def diagnose(source: Source) -> tuple[ir.Program | None, list]:
    """Compile one source: the IR (None on errors) and every diagnostic found, including
    those of its `grammar` declarations against their synthesis domains."""
    from .dsl import diagnose as front_end

    compiled, diagnostics, grammars = front_end(source)
    if grammars:  # only then is synthesis (and its start-up cost) involved
        from .synth.declared import build_all

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
    _name("name", name)
    source = Source(name, text)
    return Program(_compile_source(source), source)


EXAMPLES_DIR = Path(__file__).with_name("examples")


def examples() -> dict[str, Path]:
    """The example programs shipped with nesy (package data), by name."""
    return {path.stem: path for path in sorted(EXAMPLES_DIR.glob("*.nesy"))}


def example(name: str) -> Path:
    """The path of the shipped example `name` (e.g. "reachability"), from any directory."""
    _name("an example name", name)
    found = examples()
    if name not in found:
        close = difflib.get_close_matches(name, list(found), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UsageError(f"no example called '{name}'; {hint}the examples are: "
                         f"{', '.join(found)}")
    return found[name]


def read_source(path) -> Source:
    """Read a program file; a missing, directory, binary or non-UTF-8 file is a FileError, and
    so is a device or pipe (/dev/zero would never end)."""
    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
        raise UsageError(f"expected the path of a .nesy file (str or Path), got {path!r}")
    p = Path(path)
    if p.exists() and not p.is_dir() and not p.is_file():
        raise FileError(path, "is not a regular file (a device or a pipe), expected a .nesy file")
    return Source(str(path), read_text(path, "a .nesy file"))


def load(path) -> Program:
    """Compile a .nesy (or .scl) file."""
    source = read_source(path)
    return Program(_compile_source(source), source)
