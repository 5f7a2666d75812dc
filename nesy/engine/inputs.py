"""The start of every run: an executor loaded with the program's facts and the caller's
input facts, each checked against its relation's declared types.

`Program.run` and `program.module` both begin here, so input facts mean the same thing
whether they come from Python lists or from tensors: a tuple (certain), a (probability,
tuple) pair, or a `Disjunction` of such pairs (at most one of them holds).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import ir
from ..errors import CompileError, DataError, DiagnosticKind, UsageError, closest
from ..expr import in_range
from ..provenance import Provenance
from ..types import ValueType
from .executor import Executor, paused_collector
from .limits import check_max_iterations, check_memory_limit


@dataclass(frozen=True)
class Disjunction:
    """Input facts of which at most one is true: a list of (probability, tuple) pairs."""

    facts: list


@dataclass(frozen=True)
class FactColumns:
    """Input facts of one relation given column by column, for callers that hold their facts
    as arrays (a learner's batch: thousands of facts per run): `columns[c]` is column c of
    every row (a list or a numpy array), `probs` each row's probability (numbers; None: every
    row certain) and `groups` each row's annotated disjunction (rows with the same number
    >= 0 are one `Disjunction`, at most one of them holds; -1: none; None: no disjunctions).

    The rows mean exactly what the same rows given one by one mean (tuples, (probability,
    tuple) pairs, Disjunctions, in this order), and are checked as strictly, but each
    column's distinct values are checked once and the probabilities as one array: given row
    by row, checking a CLEVR training batch's 3,000 facts was a tenth of its logic's CPU."""

    columns: list
    probs: object = None
    groups: object = None

    @classmethod
    def of_rows(cls, rows: list[tuple]) -> "FactColumns":
        """Certain rows (tuples of one length, at least one) as columns."""
        return cls([list(column) for column in zip(*rows)])

    def __len__(self) -> int:
        """The number of rows."""
        return len(self.columns[0]) if self.columns else 0 if self.probs is None else len(self.probs)


def relation(program: ir.Program, name: str) -> ir.Relation:
    """The visible relation `name`, or a UsageError suggesting the closest name."""
    if not isinstance(name, str):
        raise UsageError(f"a relation name is a string, got {name!r}")
    rel = program.relations.get(name)
    if rel is None or rel.hidden:
        visible = sorted(n for n, r in program.relations.items() if not r.hidden)
        close = closest(name, visible)
        hint = f"; did you mean '{close}'?" if close else ""
        raise UsageError(f"the program has no relation '{name}'{hint}")
    return rel


def loaded_executor(program: ir.Program, provenance: Provenance, facts: dict | None = None,
                    max_iterations: int | None = None,
                    memory_limit: float | None = None) -> Executor:
    """An executor holding the program's own facts, then `facts` (relation -> rows), in
    that order: the order in which the provenance sees them. `max_iterations` bounds the
    rounds of each recursive stratum (None: 100,000); `memory_limit` (MB) what the run may
    add to the process's resident memory (None: 80% of the memory available)."""
    check_disjunctions(program, provenance)
    executor = Executor(program, provenance, check_max_iterations(max_iterations),
                        check_memory_limit(memory_limit))
    with paused_collector():
        executor.load_program_facts()
        add_inputs(executor, facts)
    return executor


#: The problems only the provenance decides, found when a program runs (the front end's
#: kinds are in nesy.dsl.diagnostics; these are raised the same way, as a CompileError).
DISJUNCTION_ABOVE_ONE = DiagnosticKind(
    "disjunction-above-one",
    "the probabilities of this annotated disjunction add up to {total:g}, more than 1",
    "under {provenance} at most one item of a ';' group is true, so their probabilities must "
    "sum to at most 1 ({accepting} accept any sum, as Scallop does)")
DISJUNCTIVE_HEAD = DiagnosticKind(
    "disjunctive-head",
    "under {provenance} a disjunctive head has no meaning: its alternatives carry no "
    "probabilities",
    "Scallop weighs each alternative 1 per grounding, as `{{1.0::a; 1.0::b}}`, which is no "
    "distribution over possible worlds; run it under {accepting}, or write the choice with "
    "probabilities as an annotated disjunction")


def check_disjunctions(program: ir.Program, provenance: Provenance) -> None:
    """A located CompileError for each annotated disjunction of the program adding up to
    more than 1, and each disjunctive head, when the provenance reads disjunctions as
    distributions (`Provenance.disjunctions`, `exact`): checked here, where the provenance is
    known, because Scallop's provenances accept both (`{1.0::a; 1.0::b}` under proofs)."""
    if provenance.disjunctions != "distribution":
        return
    if "_disjunctions" not in program.__dict__:  # once per program, not per run
        program.__dict__["_disjunctions"] = _disjunctions(program)
    above, heads = program.__dict__["_disjunctions"]
    if not above and not heads:
        return
    from ..provenance import names  # loads every provenance (torch): only for the message

    said = {"provenance": provenance.name,
            "accepting": ", ".join(names(disjunctions="exclusive"))}
    raise CompileError([DISJUNCTION_ABOVE_ONE(span, total=total, **said)
                        for span, total in above] +
                       [DISJUNCTIVE_HEAD(span, **said) for span in heads])


def _disjunctions(program: ir.Program) -> tuple[list, list]:
    """The program's annotated disjunctions adding up to more than 1, as (span, total), and
    the spans of its disjunctive heads."""
    totals: dict[int, float] = {}
    spans: dict[int, list] = {}
    for fact in program.facts:
        if fact.group >= 0 and fact.probability is not None:
            totals[fact.group] = totals.get(fact.group, 0.0) + fact.probability
            spans.setdefault(fact.group, []).append(fact.span)
    above = [(_joined(spans[g]), total) for g, total in totals.items()
             if total > 1 + SUM_TOLERANCE]
    heads = {rule.disjunctive.head: rule.disjunctive.span for stratum in program.strata
             for rule in stratum.rules if rule.disjunctive is not None}
    return above, list(heads.values())


#: How far above 1 the probabilities of a disjunction written in a program may add up (decimal
#: rounding: 0.1 + 0.2 + 0.7); numbers given at run time get `SUM_SLACK` (float32 tensors).
SUM_TOLERANCE = 1e-9
#: How far above 1 the numeric probabilities of a disjunction given at run time may add up
#: before they count as more than 1: float32 tensors that sum to 1 can exceed it by about 1e-7.
SUM_SLACK = 1e-6


def _joined(spans: list):
    """The span from the first of `spans` to the last, or None when the compiler made them."""
    return spans[0].join(spans[-1]) if spans[0] is not None and spans[-1] is not None else None


def add_inputs(executor: Executor, facts: dict | None, checked: bool = False) -> None:
    """Add input rows (relation -> rows) after the facts the executor already holds.
    `checked`: the probabilities were validated by the caller (program.module checks its
    tensors once, at its boundary), so they are not inspected here again."""
    group_base = 1 + max((f.group for f in executor.program.facts), default=-1)
    for name, rows in (facts or {}).items():
        group_base = _add_input(executor, name, rows, group_base, checked)


def _add_input(executor: Executor, name: str, rows, group_base: int, checked: bool) -> int:
    """Add the input rows of relation `name`; each Disjunction gets its own group id from
    `group_base` on. Returns the next free group id.

    The probabilities are checked all at once after the rows are read (`_Probabilities`), and
    each column's values once per distinct value: checked item by item, these two were a
    quarter of a CLEVR training step (about 5,000 tensor-valued facts per run, profiled). The
    errors are the same, and the first in row order is the one raised."""
    rel = relation(executor.program, name)
    if isinstance(rows, FactColumns):
        return _add_columns(executor, rel, name, rows, group_base, checked)
    if isinstance(rows, (str, bytes, dict)) or not hasattr(rows, "__iter__"):
        raise DataError(f"facts for '{name}' must be a list of tuples, got {type(rows).__name__}")
    values, probs, groups = [], [], []
    pending = _Probabilities(name, executor.prov.tag_kind == "cost",
                             executor.prov.disjunctions == "distribution")
    convert = _row_checker(rel)
    for i, row in enumerate(rows):
        try:
            items = row.facts if isinstance(row, Disjunction) else [row]
            gid = -1
            if isinstance(row, Disjunction):
                gid, group_base = group_base, group_base + 1
                if not isinstance(items, (list, tuple)):
                    raise DataError(f"fact {i + 1} of '{name}': a Disjunction holds a list of "
                                    f"(probability, tuple) pairs, got {type(items).__name__}")
            for item in items:
                prob, tup = split_probability(item, isinstance(row, Disjunction))
                if prob is not None and not checked:
                    pending.add(i, prob, gid >= 0)
                values.append(convert(tup, i, name))
                probs.append(prob)
                groups.append(gid)
        except DataError:
            pending.check(partial_row=i)  # an earlier row's probability error comes first
            raise
    pending.check()
    if values:
        executor.add_facts(name, values, probs, np.array(groups, dtype=np.int64))
    return group_base


def _add_columns(executor: Executor, rel: ir.Relation, name: str, facts: FactColumns,
                 group_base: int, checked: bool) -> int:
    """`_add_input` for a `FactColumns`: the same checks and errors (the first bad row's),
    made per distinct value and on whole arrays."""
    columns = list(facts.columns)
    if len(columns) != rel.arity:
        raise DataError(f"facts for '{name}': {len(columns)} column(s) for a relation of "
                        f"arity {rel.arity}")
    sizes = {len(column) for column in columns}
    probs = None if facts.probs is None else np.asarray(facts.probs, dtype=np.float64).reshape(-1)
    groups = None if facts.groups is None else np.asarray(facts.groups, dtype=np.int64).reshape(-1)
    sizes |= {len(a) for a in (probs, groups) if a is not None}
    if len(sizes) > 1:
        raise DataError(f"facts for '{name}': columns, probabilities and groups of different "
                        f"lengths ({', '.join(map(str, sorted(sizes)))})")
    n = sizes.pop() if sizes else 0
    if n == 0:
        return group_base
    if groups is not None and probs is None and (groups >= 0).any():
        raise DataError(f"facts for '{name}': a Disjunction's facts need probabilities")
    columns = [_checked_column(vtype, column, c, name)
               for c, (vtype, column) in enumerate(zip(rel.types, columns))]
    gids = np.full(n, -1, dtype=np.int64)
    member = np.flatnonzero(groups >= 0) if groups is not None else np.empty(0, np.int64)
    if len(member):
        _, first, inverse = np.unique(groups[member], return_index=True, return_inverse=True)
        rank = np.empty(len(first), dtype=np.int64)
        rank[np.argsort(first, kind="stable")] = np.arange(len(first))  # in order of first row
        inverse = rank[inverse.reshape(-1)]
        first = member[np.sort(first)]  # each group's first row, the groups in that order
        gids[member] = group_base + inverse
        group_base += len(first)
    if probs is not None and not checked:
        cost = executor.prov.tag_kind == "cost"
        bad = np.flatnonzero(~((probs >= 0) & (probs <= (np.inf if cost else 1.0))))
        if len(bad):
            check_probability(float(probs[bad[0]]), f"fact {bad[0] + 1} of '{name}'",
                              np.inf if cost else 1.0)
        if len(member) and executor.prov.disjunctions == "distribution" and not cost:
            totals = np.bincount(inverse, weights=probs[member], minlength=len(first))
            over = np.flatnonzero(totals > 1.0 + SUM_SLACK)
            if len(over):
                raise _sum_error(name, int(first[over[0]]), float(totals[over[0]]))
    executor.add_columns(rel.name, columns, n, [None] * n if probs is None else probs.tolist(), gids)
    return group_base


def _checked_column(vtype: ValueType, column, c: int, name: str):
    """Column c of a `FactColumns` as stored values, each distinct value checked once; a
    DataError names the first row holding a value that does not fit."""
    if isinstance(column, np.ndarray) and column.dtype.kind in "iu" and vtype.is_integer:
        if len(column):
            for value in (int(column.min()), int(column.max())):  # the range is an interval
                try:
                    check_value(vtype, value)
                except _Misfit as misfit:
                    row = int(np.flatnonzero(column == value)[0])
                    raise DataError(f"fact {row + 1} of '{name}', column {c + 1}: {misfit}") from None
        return column
    values = column.tolist() if isinstance(column, np.ndarray) else list(column)
    stored = {}
    for row, value in enumerate(values):
        key = (value.__class__, value)  # True and 1 are different values
        if key in stored:
            continue
        try:
            stored[key] = check_value(vtype, value)
        except _Misfit as misfit:
            raise DataError(f"fact {row + 1} of '{name}', column {c + 1}: {misfit}") from None
        except TypeError:  # unhashable: no value of any column type
            raise DataError(f"fact {row + 1} of '{name}', column {c + 1}: expected a value of "
                            f"type {vtype.name}, got {value!r}") from None
    if all(stored[key] is key[1] for key in stored):
        return values
    return [stored[(value.__class__, value)] for value in values]


class _Probabilities:
    """The probabilities of one relation's input rows, checked together: in [0, 1], and the
    members of each Disjunction summing to at most 1 (per batch element, for tensors) where
    the provenance reads a disjunction as a distribution (`sums`)."""

    def __init__(self, name: str, costs: bool = False, sums: bool = True):
        self.name = name
        #: Tags are costs (`Provenance.tag_kind`): any number from 0 up, no Disjunction sums.
        self.upper = np.inf if costs else 1.0
        #: The most a Disjunction's members may add up to.
        self.most = self.upper if sums else np.inf
        self.rows: list[int] = []     # per item: its row
        self.grouped: list[bool] = []  # per item: a member of a Disjunction
        self.probs: list = []

    def add(self, row: int, prob, grouped: bool) -> None:
        self.rows.append(row)
        self.grouped.append(grouped)
        self.probs.append(prob)

    def check(self, partial_row: int | None = None) -> None:
        """A DataError for the first bad row (its probabilities before its Disjunction's sum;
        `partial_row` is being read, so its sum is not checked yet).

        All at once where the probabilities stack into one [items, batch] table; the item by
        item check runs only to find the error, or when they do not stack (mixed shapes,
        devices, or floats with tensors)."""
        if not self.probs:
            return
        table = _stacked(self.probs)
        if table is not None:
            rows, grouped = np.asarray(self.rows), np.asarray(self.grouped)
            totals = np.zeros((rows[-1] + 1, table.shape[1]))
            np.add.at(totals, rows[grouped], table[grouped])
            if partial_row is not None:
                totals[partial_row:] = 0
            if ((table >= 0) & (table <= self.upper)).all() and \
                    not (totals > self.most + SUM_SLACK).any():
                return
        self._check_each(partial_row)

    def _check_each(self, partial_row: int | None) -> None:
        by_row: dict[int, list] = {}
        for row, prob, grouped in zip(self.rows, self.probs, self.grouped):
            by_row.setdefault(row, []).append((prob, grouped))
        for row, items in by_row.items():
            total = np.zeros(1)
            for prob, grouped in items:
                values = check_probability(prob, f"fact {row + 1} of '{self.name}'",
                                           self.upper)
                if grouped:
                    total = total + values
            if row != partial_row and total.max() > self.most + SUM_SLACK:
                raise _sum_error(self.name, row, total.max())


def _sum_error(name: str, row: int, total: float) -> DataError:
    return DataError(f"fact {row + 1} of '{name}': the probabilities of a Disjunction (at most "
                     f"one of its facts holds) sum to {total:g}, more than 1")


def _stacked(probs: list):
    """The probabilities as one [items, batch] float64 array, or None where they do not
    stack: all numbers, or all tensors of one shape (stacked by torch, without autograd)."""
    if not any(hasattr(p, "detach") for p in probs):
        return np.array([float(p) for p in probs], dtype=np.float64).reshape(-1, 1)
    if not all(hasattr(p, "detach") for p in probs):
        return None
    import torch  # tensors were given, so torch is loaded already

    try:
        with torch.no_grad():
            stacked = torch.stack(probs)
    except (RuntimeError, TypeError):
        return None
    return stacked.reshape(len(probs), -1).cpu().double().numpy()


def split_probability(item, in_disjunction: bool):
    """(probability or None, tuple) of one input item."""
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], tuple) and \
            _is_probability(item[0]):
        return item[0], item[1]
    if in_disjunction:
        raise DataError("items of a Disjunction are (probability, tuple) pairs")
    return None, item


def check_probability(p, where: str, upper: float = 1.0) -> np.ndarray:
    """The values of `p` (a number or a tensor of them, flattened), or a DataError unless
    every one lies in [0, 1]: the bounds the language checks on `p::fact` (in [0, inf) for
    costs: `upper` inf)."""
    if hasattr(p, "detach"):  # a tensor, given through Program.run (tested here, not torch)
        values = np.asarray(p.detach().cpu().double().numpy(), dtype=np.float64).reshape(-1)
    else:
        values = np.array([float(p)])
    bad = values[~((values >= 0) & (values <= upper))]
    if len(bad) and upper == np.inf:
        raise DataError(f"{where}: cost {bad[0]:g} is not a number from 0 up")
    if len(bad):
        raise DataError(f"{where}: probability {bad[0]:g} is not between 0 and 1")
    return values


def _is_probability(x) -> bool:
    return isinstance(x, (float, int)) and not isinstance(x, bool) or hasattr(x, "requires_grad")


class _Misfit(Exception):
    """A value that does not fit its column; `check_row` adds where it was."""


def check_row(rel: ir.Relation, row, where) -> tuple:
    """`row` as a tuple of the relation's column values (enum variants as their index), or a
    DataError saying what does not fit. `where` names the row in messages: a string, or a
    function making it (called only on an error: input rows are checked by the million)."""
    if not isinstance(row, (tuple, list)):
        row = (row,)
    row = tuple(row)
    if len(row) != rel.arity:
        raise DataError(f"{_where(where)}: expected {rel.arity} value{'s' if rel.arity != 1 else ''}, "
                        f"got {len(row)}: {row!r}")
    try:
        return tuple([check_value(t, v) for t, v in zip(rel.types, row)])
    except _Misfit as misfit:
        column = next(i for i, (t, v) in enumerate(zip(rel.types, row)) if not _fits(t, v))
        raise DataError(f"{_where(where)}, column {column + 1}: {misfit}") from None


def _row_checker(rel: ir.Relation):
    """`check_row` for many rows of one relation, each column's distinct strings and ints
    checked once (other values each time: -0.0 equals 0.0 but is kept as given)."""
    memo = [{} for _ in rel.types]

    def convert(row, i: int, name: str) -> tuple:
        if not isinstance(row, (tuple, list)) or len(row) != rel.arity:
            return check_row(rel, row, lambda: f"fact {i + 1} of '{name}'")
        out = []
        for seen, vtype, value in zip(memo, rel.types, row):
            if value.__class__ not in _REMEMBERED:
                try:
                    out.append(check_value(vtype, value))
                except _Misfit:
                    return check_row(rel, row, lambda: f"fact {i + 1} of '{name}'")
                continue
            key = (value.__class__, value)  # True and 1 are different values
            stored = seen.get(key, seen)
            if stored is seen:
                try:
                    stored = seen[key] = check_value(vtype, value)
                except _Misfit:
                    return check_row(rel, row, lambda: f"fact {i + 1} of '{name}'")
            out.append(stored)
        return tuple(out)

    return convert


_REMEMBERED = (str, int)


def _where(where) -> str:
    return where() if callable(where) else where


def _fits(vtype: ValueType, value) -> bool:
    try:
        check_value(vtype, value)
    except _Misfit:
        return False
    return True


def check_value(vtype: ValueType, value):
    """`value` as stored in a column of type `vtype`, or `_Misfit` saying why it does not fit."""
    def bad():
        return _Misfit(f"expected a value of type {vtype.name}, got {value!r}")

    if vtype.is_enum:
        if isinstance(value, str) and value in vtype.variants:
            return vtype.variants.index(value)
        raise bad()
    if vtype.is_integer:
        if isinstance(value, (bool, float)) or not isinstance(value, (int, np.integer)):
            raise bad()
        low, high = vtype.range()
        if not low <= int(value) <= high:
            raise _Misfit(f"{value} is outside the range of {vtype.name}")
        return int(value)
    if vtype.is_float:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise bad()
        if not np.isfinite(float(value)) or not in_range(vtype, np.array([float(value)]))[0]:
            raise _Misfit(f"{value} is outside the range of {vtype.name} (a value is a finite "
                          f"number)")
        return float(value)
    if vtype.name == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise bad()
        return bool(value)
    if vtype.name == "char":
        if not (isinstance(value, str) and len(value) == 1):
            raise bad()
        return value
    if not isinstance(value, str):
        raise bad()
    return value
