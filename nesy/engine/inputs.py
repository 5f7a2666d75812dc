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
from ..errors import DataError, UsageError, closest
from ..expr import in_range
from ..provenance import Provenance
from ..types import ValueType
from .executor import Executor
from .limits import check_max_iterations, check_memory_limit


@dataclass(frozen=True)
class Disjunction:
    """Input facts of which at most one is true: a list of (probability, tuple) pairs."""

    facts: list


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
    executor = Executor(program, provenance, check_max_iterations(max_iterations),
                        check_memory_limit(memory_limit))
    executor.load_program_facts()
    add_inputs(executor, facts)
    return executor


def add_inputs(executor: Executor, facts: dict | None, checked: bool = False) -> None:
    """Add input rows (relation -> rows) after the facts the executor already holds.
    `checked`: the probabilities were validated by the caller (program.module checks its
    tensors once, at its boundary), so they are not inspected here again."""
    group_base = 1 + max((f.group for f in executor.program.facts), default=-1)
    for name, rows in (facts or {}).items():
        group_base = _add_input(executor, name, rows, group_base, checked)


def _add_input(executor: Executor, name: str, rows, group_base: int, checked: bool) -> int:
    """Add the input rows of relation `name`; each Disjunction gets its own group id from
    `group_base` on. Returns the next free group id."""
    rel = relation(executor.program, name)
    if isinstance(rows, (str, bytes, dict)) or not hasattr(rows, "__iter__"):
        raise DataError(f"facts for '{name}' must be a list of tuples, got {type(rows).__name__}")
    values, probs, groups = [], [], []
    for i, row in enumerate(rows):
        items = row.facts if isinstance(row, Disjunction) else [row]
        gid = -1
        if isinstance(row, Disjunction):
            gid, group_base = group_base, group_base + 1
            if not isinstance(items, (list, tuple)):
                raise DataError(f"fact {i + 1} of '{name}': a Disjunction holds a list of "
                                f"(probability, tuple) pairs, got {type(items).__name__}")
        total = np.zeros(1)
        for item in items:
            prob, tup = split_probability(item, isinstance(row, Disjunction))
            if prob is not None and not checked:
                total = total + check_probability(prob, f"fact {i + 1} of '{name}'")
            values.append(check_row(rel, tup, lambda: f"fact {i + 1} of '{name}'"))
            probs.append(prob)
            groups.append(gid)
        if gid >= 0 and total.max() > 1 + 1e-6:
            raise DataError(f"fact {i + 1} of '{name}': the probabilities of a Disjunction "
                            f"(at most one of its facts holds) sum to {total.max():g}, more "
                            f"than 1")
    if values:
        executor.add_facts(name, values, probs, np.array(groups, dtype=np.int64))
    return group_base


def split_probability(item, in_disjunction: bool):
    """(probability or None, tuple) of one input item."""
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], tuple) and \
            _is_probability(item[0]):
        return item[0], item[1]
    if in_disjunction:
        raise DataError("items of a Disjunction are (probability, tuple) pairs")
    return None, item


def check_probability(p, where: str) -> np.ndarray:
    """The values of `p` (a number or a tensor of them, flattened), or a DataError unless
    every one lies in [0, 1]: the bounds the language checks on `p::fact`."""
    if hasattr(p, "detach"):  # a tensor, given through Program.run (tested here, not torch)
        values = np.asarray(p.detach().cpu().double().numpy(), dtype=np.float64).reshape(-1)
    else:
        values = np.array([float(p)])
    bad = values[~((values >= 0) & (values <= 1))]
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
