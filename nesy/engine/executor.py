"""Stratum-by-stratum, semi-naive evaluation of an IR program on any provenance.

Each rule body runs left to right over a table of bindings (one int64 column per variable and
one tag batch): positive atoms join, negated atoms anti-join, filters and assignments are
vectorised expressions. In a recursive stratum, every rule is re-run once per recursive atom
with that atom reading only the previous round's delta (rows new or with a changed tag) and
the atoms before it reading the relation as it was before that round.
"""
from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .. import ir
from ..errors import NesyError, UsageError
from ..provenance import InputFacts, Provenance
from ..provenance.base import OutOfBudget
from . import aggregate, alternatives, closure
from ..expr import evaluate
from .store import StoredRelation
from .limits import DEFAULT_MAX_ITERATIONS, MB, MemoryBudget, ResourceLimitError
from .table import ColumnIndex, RowsIndex, Table, TooManyRows, joint_keys, match, sort_keys
from .values import ValueTable


class FixpointError(NesyError):
    pass


@contextmanager
def paused_collector():
    """Python's cyclic garbage collector off for the duration (if it was on).

    A run allocates a container per tag, row and binding (10^5 of them for a batch of 32
    CLEVR questions), none of them in a reference cycle, so reference counting frees them all;
    but every 700 allocations wake the collector, and every few hundred wakings it scans every
    object of the process. In a training process that is the whole data set and torch: a
    third of the CPU of a CLEVR training step's logic (measured), for nothing to collect."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass
class Bindings:
    columns: dict[str, np.ndarray]
    tags: object
    n: int
    #: The one empty binding a rule body starts from (tag one): joining it is a scan.
    unit: bool = False
    #: Every tag is one (`Table.certain`).
    certain: bool = False


class Executor:
    def __init__(self, program: ir.Program, provenance: Provenance,
                 max_iterations: int = DEFAULT_MAX_ITERATIONS, memory_limit: int | None = None):
        self.program = program
        self.prov = provenance
        self.values = ValueTable()
        self.max_iterations = max_iterations
        self.memory = MemoryBudget(memory_limit)
        self.current = None  # the rule or aggregate being evaluated, named by limit errors
        self.deadline: float | None = None  # time.monotonic() past which OutOfBudget
        self.stores = {name: StoredRelation(rel.arity, provenance)
                       for name, rel in program.relations.items()}
        # per probabilistic rule: grounding -> position in its batch of choice tags
        self.choices: dict[object, tuple[dict, object]] = {}
        #: What each probabilistic input fact is, in arrival order, which is the order of the
        #: fact ids of the formula-valued provenances (nesy.provenance._facts): a
        #: (relation, row) for an input fact, (rule, {variable: value}) for a rule's choice.
        #: Shows proofs in terms of the facts (nesy.render).
        self.fact_sources: list[tuple] = []

    # -- input facts -----------------------------------------------------------------------------
    def add_facts(self, relation: str, rows: list[tuple], probs: list, groups: np.ndarray):
        """Add input facts (Python values) with probabilities (None = certain) and AD groups."""
        arity = self.program.relations[relation].arity
        columns = [[row[i] for row in rows] for i in range(arity)]
        self.add_columns(relation, columns, len(rows), probs, groups)

    def add_columns(self, relation: str, columns: list, n: int, probs: list, groups: np.ndarray):
        """`add_facts` for n rows given column by column (lists or numpy arrays of Python
        values), so that a caller holding columns never builds a tuple per row."""
        rel = self.program.relations[relation]
        codes = [self.values.encode(t, column) for t, column in zip(rel.types, columns)]
        if not self.prov.tagless:
            rows = zip(*((c.tolist() if isinstance(c, np.ndarray) else c) for c in columns)) \
                if columns else [()] * n
            self.fact_sources += [(relation, row) for row, p in zip(rows, probs) if p is not None]
        tags = None if self.prov.tagless else self.prov.input_tags(InputFacts(probs, groups))
        self.stores[relation].merge(Table(codes, tags, n, all(p is None for p in probs)))

    def load_program_facts(self, extra_group_offset: int = 0):
        by_relation: dict[str, list[ir.Fact]] = {}
        for fact in self.program.facts:
            by_relation.setdefault(fact.relation, []).append(fact)
        for relation, facts in by_relation.items():
            groups = np.array([f.group for f in facts], dtype=np.int64)
            self.add_facts(relation, [f.values for f in facts], [f.probability for f in facts],
                           groups)

    # -- running -----------------------------------------------------------------------------------
    def run(self) -> dict[str, Table]:
        try:
            with paused_collector():
                for stratum in self.program.strata:
                    self.check_deadline()
                    self.run_stratum(stratum)
        except MemoryError:
            raise ResourceLimitError(f"{self._where()}: the machine ran out of memory; "
                                     f"bound the rule, or set a lower --memory-limit to stop "
                                     f"such runs early") from None
        return {name: store.table() for name, store in self.stores.items()}

    def run_stratum(self, stratum: ir.Stratum):
        for agg in stratum.aggregates:
            self.current = agg
            rows = aggregate.run(agg, self.program.relations, self.stores, self.values, self.prov,
                                 lambda probs, groups, described, agg=agg:
                                 self.aggregated_facts(agg, probs, groups, described))
            self.stores[agg.target].merge(rows)
            self.check_memory()
        if not stratum.rules or closure.run(self, stratum):
            return
        members = set(stratum.relations)
        if not stratum.recursive:
            # No rule here reads a head of this stratum: each head's rows are merged once
            # (a Bayesian network's node has a rule per CPT row; a merge per rule was a fifth
            # of its run), in rule order, so each tuple's tag is disjoined in the same order.
            derived: dict[str, list[Table]] = {}
            for rule in stratum.rules:
                derived.setdefault(rule.head, []).append(self.eval_rule(rule, {}, {}))
            for head, tables in derived.items():
                parts = [t for t in tables if t.n]
                if parts:
                    arity = self.program.relations[head].arity
                    self.stores[head].merge(_concat(parts, arity, self.prov))
            return
        # Exit rules (no recursive atom) run once; their results and the facts already in
        # the stratum form the first delta, so every derivation is made exactly once.
        for rule in stratum.rules:
            if not _recursive_positions(rule, members):
                self.stores[rule.head].merge(self.eval_rule(rule, {}, {}))
        delta = {name: self.stores[name].table() for name in members}
        old_sizes = {name: 0 for name in members}
        for _ in range(self.max_iterations):
            if all(d.n == 0 for d in delta.values()):
                return
            delta, old_sizes = self.round(stratum, members, delta, old_sizes)
        raise FixpointError(
            f"recursion over {', '.join(r for r in stratum.relations if '#' not in r)} did not "
            f"reach a fixpoint after {self.max_iterations} rounds (--iter-limit, "
            f"max_iterations); a recursive rule probably computes ever new values (for "
            f"example n + 1); bound it with a condition")

    # -- limits ------------------------------------------------------------------------------------
    def _where(self) -> str:
        """The rule being evaluated, for limit errors: `file:line:col: rule for 'head'`."""
        item = self.current
        if item is None:
            return "loading facts"
        head = item.head if isinstance(item, ir.Rule) else item.target
        span = getattr(item, "span", None)
        return (f"{span.location}: " if span is not None else "") + f"the rule for '{head}'"

    def check_deadline(self):
        """Before each stratum and after each rule: a run past its budget stops there (the
        provenance checks it within long batches too). Checked before a stratum as well, so
        a budget already spent stops the run whatever work its strata would do, rather than
        depend on which operations happen to check."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfBudget

    def check_memory(self):
        """After each rule: values that grow by themselves (a string doubled every round) stop
        at the budget."""
        if self.memory.exceeded():
            raise ResourceLimitError(
                f"{self._where()}: memory use passed the limit of {self.memory.describe()} "
                f"(--memory-limit, memory_limit=); the rule probably derives ever larger values "
                f"or too many rows")

    def _too_many_rows(self, rows: int, bytes_per_row: int) -> ResourceLimitError:
        return ResourceLimitError(
            f"{self._where()}: one join would produce {rows:,} rows (about "
            f"{rows * bytes_per_row / (1024 * MB):,.1f} GB), over the memory limit of "
            f"{self.memory.describe()} (--memory-limit, memory_limit=); join the atoms on a "
            f"shared variable or filter them first")

    def round(self, stratum, members, delta, old_sizes):
        """One semi-naive round: returns the new delta and the sizes before it was merged."""
        derived: dict[str, list[Table]] = {name: [] for name in members}
        for rule in stratum.rules:
            positions = _recursive_positions(rule, members)
            for k, position in enumerate(positions):
                if delta[rule.body[position].relation].n == 0:
                    continue
                sources = {position: delta[rule.body[position].relation]}
                old = {p: old_sizes[rule.body[p].relation] for p in positions[:k]}
                derived[rule.head].append(self.eval_rule(rule, sources, old))
        sizes = {name: self.stores[name].n for name in members}
        new_delta = {}
        for name in members:
            parts = [t for t in derived[name] if t.n]
            arity = self.program.relations[name].arity
            new_delta[name] = self.stores[name].merge(_concat(parts, arity, self.prov)) \
                if parts else Table.empty(arity, None if self.prov.tagless else
                                          self.prov.concat([]))
        return new_delta, sizes

    # -- one rule ----------------------------------------------------------------------------------
    def eval_rule(self, rule: ir.Rule, sources: dict[int, Table], old: dict[int, int]) -> Table:
        self.current = rule
        table = self._eval_rule(rule, sources, old)
        if self.program.relations[rule.head].untagged and not self.prov.tagless:
            table = Table(table.columns, self.prov.ones(table.n), table.n, certain=True)
        self.check_memory()
        self.check_deadline()
        return table

    def _eval_rule(self, rule: ir.Rule, sources: dict[int, Table], old: dict[int, int]) -> Table:
        b = Bindings({}, self.prov.ones(1), 1, unit=True, certain=True)
        for i, lit in enumerate(rule.body):
            if b.n == 0:
                break
            if isinstance(lit, ir.AtomLit) and not lit.negated:
                table = sources.get(i)
                if table is None:
                    store = self.stores[lit.relation]
                    table = store.prefix(old[i]) if i in old else store.table()
                b = self.join(b, lit, table)
            elif isinstance(lit, ir.AtomLit):
                b = self.antijoin(b, lit, self.stores[lit.relation].table())
            elif isinstance(lit, ir.ForeignLit):
                b = self.foreign(b, lit)
            elif isinstance(lit, ir.Filter):
                values, valid = evaluate(lit.expr, b.columns, b.n, self.values)
                b = self.select(b, np.flatnonzero(valid & values.astype(bool)))
            else:
                values, valid = evaluate(lit.expr, b.columns, b.n, self.values)
                b = self.select(b, np.flatnonzero(valid), extra=(lit.var, lit.expr.type, values))
        arity = len(rule.head_exprs)
        if b.n == 0:
            return Table.empty(arity, None if self.prov.tagless else self.prov.concat([]))
        if rule.probability is not None and not self.prov.tagless:
            b = Bindings(b.columns, self.prov.conjoin(b.tags, self.choice_tags(rule, b)), b.n)
        if rule.disjunctive is not None and self.prov.disjunctions == "exclusive":
            chosen = alternatives.tags(self, rule.disjunctive, b.columns, b.n)
            b = Bindings(b.columns, self.prov.conjoin(b.tags, chosen), b.n)
        return self.project(b, rule.head_exprs)

    def choice_tags(self, rule: ir.Rule, b: Bindings):
        """One independent probabilistic choice per grounding of a probabilistic rule,
        created the first time the grounding is derived and reused on re-derivation."""
        key, names = rule.choice if rule.choice is not None else (id(rule), sorted(b.columns))
        groundings = list(zip(*(b.columns[v].tolist() for v in names))) if names else [()] * b.n
        probability = self._rule_probabilities(rule, b, groundings)
        return self.fact_tags(key, groundings, probability,
                              lambda g: (rule, dict(zip(names, g))))

    def _rule_probabilities(self, rule: ir.Rule, b: Bindings, groundings: list):
        """grounding -> probability: the rule's constant, or its tag expression's value."""
        if not isinstance(rule.probability, ir.Expr.__args__):
            return lambda g: rule.probability
        values, valid = evaluate(rule.probability, b.columns, b.n, self.values)
        probs = np.where(valid, np.asarray(values, dtype=np.float64), 0.0)
        if ((probs < 0) | (probs > 1)).any():
            raise UsageError(f"{self._where()}: its tag evaluated to "
                             f"{probs[(probs < 0) | (probs > 1)][0]:g}, not a probability "
                             f"in [0, 1]")
        return dict(zip(groundings, probs.tolist())).get

    def fact_tags(self, key, groundings: list, probability, source):
        """Tags of independent probabilistic facts, one per distinct grounding under `key`,
        made the first time it is seen (`probability(g)`, `source(g)` for fact_sources) and
        reused after."""
        positions, batch = self.choices.get(key, ({}, self.prov.concat([])))
        fresh = [g for g in dict.fromkeys(groundings) if g not in positions]
        if fresh:
            start = len(positions)
            positions.update((g, start + i) for i, g in enumerate(fresh))
            self.fact_sources += [source(g) for g in fresh]
            new = self.prov.input_tags(InputFacts([probability(g) for g in fresh],
                                                  -np.ones(len(fresh), dtype=np.int64),
                                                  choices=True))
            batch = self.prov.concat([batch, new])
        self.choices[key] = (positions, batch)
        return self.prov.take(batch, np.array([positions[g] for g in groundings], np.int64))

    def aggregated_facts(self, agg: ir.Aggregate, probs, groups, described):
        """Tags of the probabilistic facts an aggregator makes (normalize, softmax: one
        annotated disjunction per group), recorded as input facts named after it."""
        self.fact_sources += [(agg.aggregator, row) for row in described]
        return self.prov.input_tags(InputFacts(list(probs), groups))

    # -- foreign predicates ------------------------------------------------------------------------
    def foreign(self, b: Bindings, lit: ir.ForeignLit) -> Bindings:
        """Call the predicate once per binding row on its inputs; each fact it yields that
        matches the outputs extends the row (negated: rows with no such fact stay). A
        probabilistic fact is an input fact of its own, the same one whenever re-derived."""
        predicate = lit.predicate
        evaluated = [evaluate(e, b.columns, b.n, self.values) for e in lit.inputs]
        valid = np.ones(b.n, dtype=bool)
        for _, ok in evaluated:
            valid &= ok
        inputs = [values.tolist() for values, _ in evaluated]
        rows, outputs, facts = [], [[] for _ in lit.outputs], []
        for i in np.flatnonzero(valid).tolist():
            args = tuple(column[i] for column in inputs)
            for probability, values in predicate.facts(args):
                if len(values) != len(lit.outputs):
                    raise UsageError(f"foreign predicate {predicate.name} yielded {values!r}, "
                                     f"not {len(lit.outputs)} value(s)")
                rows.append(i)
                facts.append((probability, args + values))
                for column, v in zip(outputs, values):
                    column.append(v)
        rows = np.array(rows, dtype=np.int64)
        keep = np.ones(len(rows), dtype=bool)
        new: dict[str, np.ndarray] = {}
        for term, column in zip(lit.outputs, outputs):
            if term is None:
                continue
            codes = self.values.encode(term.type, column)
            if isinstance(term, ir.Const):
                keep &= codes == self.values.encode(term.type, [term.value])[0]
            elif term.name in b.columns:
                keep &= codes == b.columns[term.name][rows]
            elif term.name in new:
                keep &= codes == new[term.name]
            else:
                new[term.name] = codes
        hit = np.flatnonzero(keep)
        rows = rows[hit]
        tags = None
        if not self.prov.tagless:
            tags = self.prov.take(b.tags, rows)
            if predicate.probabilistic:
                chosen = [facts[i] for i in hit.tolist()]
                fact_tags = self.fact_tags(("foreign", predicate.name),
                                           [g for _, g in chosen], {g: p for p, g in chosen}.get,
                                           lambda g: (predicate.name, g))
                tags = self.prov.conjoin(tags, fact_tags)
        if lit.negated:
            return self._without(b, rows, tags)
        columns = {k: v[rows] for k, v in b.columns.items()}
        columns.update((k, v[hit]) for k, v in new.items())
        return Bindings(columns, tags, len(rows))

    def _without(self, b: Bindings, rows: np.ndarray, tags) -> Bindings:
        """The rows of b, each times `not` (the disjunction of its matches' tags)."""
        if self.prov.tagless:
            return self.select(b, np.flatnonzero(~np.isin(np.arange(b.n), rows)))
        matched, inverse = np.unique(rows, return_inverse=True)
        some = self.prov.disjoin_groups(tags, inverse.reshape(-1), len(matched))
        missed = np.flatnonzero(~np.isin(np.arange(b.n), matched))
        hit_tags = self.prov.conjoin(self.prov.take(b.tags, matched), self.prov.negate(some))
        order = np.concatenate([matched, missed])
        columns = {k: v[order] for k, v in b.columns.items()}
        tags = self.prov.concat([hit_tags, self.prov.take(b.tags, missed)])
        return Bindings(columns, tags, len(order))

    def project(self, b: Bindings, exprs) -> Table:
        valid = np.ones(b.n, dtype=bool)
        columns = []
        for e in exprs:
            if isinstance(e, ir.VarRef):
                columns.append(b.columns[e.name])
                continue
            values, ok = evaluate(e, b.columns, b.n, self.values)
            valid &= ok
            columns.append(values)
        keep = np.flatnonzero(valid) if not valid.all() else None
        out = []
        for e, col in zip(exprs, columns):
            if keep is not None:
                col = col[keep]
            out.append(col if isinstance(e, ir.VarRef) else self.values.encode(e.type, col))
        tags = b.tags if keep is None else self.take(b.tags, keep)
        n = b.n if keep is None else len(keep)
        if not exprs:
            return Table([], tags, n, b.certain)
        return Table(out, tags, n, b.certain)

    def take(self, tags, index):
        return None if self.prov.tagless else self.prov.take(tags, index)

    def select(self, b: Bindings, index: np.ndarray, extra=None) -> Bindings:
        columns = {k: v[index] for k, v in b.columns.items()}
        if extra is not None:
            name, vtype, values = extra
            columns[name] = self.values.encode(vtype, values[index])
        return Bindings(columns, self.take(b.tags, index), len(index), certain=b.certain)

    # -- atoms -------------------------------------------------------------------------------------
    def matching_rows(self, lit: ir.AtomLit, table: Table) -> tuple[np.ndarray | None, dict]:
        """Rows of `table` matching the atom's constants and repeated variables; and the
        first column of each variable."""
        mask = None
        first: dict[str, int] = {}
        for pos, term in enumerate(lit.terms):
            col = table.columns[pos]
            if isinstance(term, ir.Const):
                code = self.values.encode(term.type, [term.value])[0]
                cond = col == code
            elif isinstance(term, ir.VarRef) and term.name in first:
                cond = col == table.columns[first[term.name]]
            else:
                if isinstance(term, ir.VarRef):
                    first[term.name] = pos
                continue
            mask = cond if mask is None else mask & cond
        return (None if mask is None else np.flatnonzero(mask)), first

    def join(self, b: Bindings, lit: ir.AtomLit, table: Table) -> Bindings:
        rows, first = self.matching_rows(lit, table)
        if b.unit:
            return self.scan(table, rows, first)
        shared = [v for v in first if v in b.columns]
        fresh = [v for v in first if v not in b.columns]
        right_n = table.n if rows is None else len(rows)

        def right_col(pos):
            col = table.columns[pos]
            return col if rows is None else col[rows]

        # bytes of one output row: its columns, two indices and a tag
        bytes_per_row = 8 * (len(b.columns) + len(fresh) + 3)
        max_rows = self.memory.rows_left(bytes_per_row)
        try:
            if not shared:
                if max_rows is not None and b.n * right_n > max_rows:
                    raise TooManyRows(b.n * right_n)
                left_index = np.repeat(np.arange(b.n, dtype=np.int64), right_n)
                right_index = np.tile(np.arange(right_n, dtype=np.int64), b.n)
            else:
                left_cols = [b.columns[v] for v in shared]
                right_cols = [right_col(first[v]) for v in shared]
                index = None if rows is not None else \
                    self._index(table, tuple(first[v] for v in shared))
                if index is not None and (len(shared) == 1 or index.usable):
                    left_index, right_index = index.match(left_cols[0] if len(shared) == 1
                                                          else left_cols, max_rows)
                else:
                    kl, kr = joint_keys([left_cols, right_cols], [b.n, right_n])
                    sorted_keys, order = sort_keys(kr)
                    left_index, right_index = match(kl, sorted_keys, order, max_rows)
        except TooManyRows as e:
            raise self._too_many_rows(e.rows, bytes_per_row) from None
        columns = {k: v[left_index] for k, v in b.columns.items()}
        table_index = right_index if rows is None else rows[right_index]
        for v in fresh:
            columns[v] = table.columns[first[v]][table_index]
        if self.prov.tagless:
            tags = None
        elif table.certain:  # b's tags times one
            tags = self.prov.take(b.tags, left_index)
        elif b.certain:
            tags = self.prov.take(table.tags, table_index)
        else:
            tags = self.prov.conjoin(self.prov.take(b.tags, left_index),
                                     self.prov.take(table.tags, table_index))
        return Bindings(columns, tags, len(left_index), certain=b.certain and table.certain)

    def scan(self, table: Table, rows: np.ndarray | None, first: dict[str, int]) -> Bindings:
        """A body's first atom: its matching rows are the bindings, tags as stored. Joining
        them with the unit binding conjoined every tag with one, which changes nothing and
        on `exact` costs a provenance call per row (with the negated opening atom below, a
        tenth of a Bayesian network's run: one such rule per CPT row)."""
        index = np.arange(table.n, dtype=np.int64) if rows is None else rows
        columns = {v: table.columns[pos][index] for v, pos in first.items()}
        return Bindings(columns, self.take(table.tags, index), len(index), certain=table.certain)

    @staticmethod
    def _index(table: Table, positions: tuple[int, ...]) -> "ColumnIndex | RowsIndex":
        """An index on these columns, cached on the (immutable) table snapshot: a relation
        that no longer changes (the facts, an earlier stratum's results) is sorted once for
        all the rounds that probe it."""
        cache = table.__dict__.setdefault("_index_cache", {})
        if positions not in cache:
            cache[positions] = ColumnIndex(table.columns[positions[0]]) if len(positions) == 1 \
                else RowsIndex([table.columns[p] for p in positions])
        return cache[positions]

    def antijoin(self, b: Bindings, lit: ir.AtomLit, table: Table) -> Bindings:
        rows, first = self.matching_rows(lit, table)
        bound = list(first)
        right_n = table.n if rows is None else len(rows)
        # Tagged: a matching row multiplies its tag by not(disjunction of the matches).
        right_tags = None if self.prov.tagless else \
            table.tags if rows is None else self.prov.take(table.tags, rows)
        if not bound and right_tags is not None:  # `not x()`: every row meets one formula
            if right_n == 0:
                return b
            merged = right_tags if right_n == 1 else \
                self.prov.disjoin_groups(right_tags, np.zeros(right_n, np.int64), 1)
            negated = self.prov.negate(merged)
            if b.unit:  # one row of tag one: the negation is its tag
                return Bindings(b.columns, negated, 1)
            negated = self.prov.take(negated, np.zeros(b.n, np.int64))
            return Bindings(b.columns, self.prov.conjoin(b.tags, negated), b.n)
        left_cols = [b.columns[v] for v in bound]
        right_cols = [table.columns[first[v]] if rows is None else table.columns[first[v]][rows]
                      for v in bound]
        kl, kr = joint_keys([left_cols, right_cols], [b.n, right_n])
        if self.prov.tagless:
            keep = ~np.isin(kl, kr)
            return self.select(b, np.flatnonzero(keep))
        uniq, inverse = np.unique(kr, return_inverse=True)
        merged = self.prov.disjoin_groups(right_tags, inverse.reshape(-1), len(uniq))
        pos = np.searchsorted(uniq, kl)
        hit = pos < len(uniq)
        hit[hit] = uniq[pos[hit]] == kl[hit]
        idx_hit, idx_miss = np.flatnonzero(hit), np.flatnonzero(~hit)
        negated = self.prov.negate(self.prov.take(merged, pos[idx_hit]))
        hit_tags = self.prov.conjoin(self.prov.take(b.tags, idx_hit), negated)
        order = np.concatenate([idx_hit, idx_miss])
        columns = {k: v[order] for k, v in b.columns.items()}
        tags = self.prov.concat([hit_tags, self.prov.take(b.tags, idx_miss)])
        return Bindings(columns, tags, len(order))


def _recursive_positions(rule: ir.Rule, members) -> list[int]:
    return [i for i, lit in enumerate(rule.body)
            if isinstance(lit, ir.AtomLit) and not lit.negated and lit.relation in members]


def _concat(parts: list[Table], arity: int, prov: Provenance) -> Table:
    if len(parts) == 1:
        return parts[0]
    columns = [np.concatenate([p.columns[i] for p in parts]) for i in range(arity)]
    tags = None if prov.tagless else prov.concat([p.tags for p in parts])
    return Table(columns, tags, sum(p.n for p in parts), all(p.certain for p in parts))


__all__ = ["Executor", "FixpointError", "ResourceLimitError"]
