"""A nesy program as a torch.nn.Module: tensors of probabilities in, tensors out.

An input mapping binds a relation to a `[batch, *shape]` tensor over a declared tuple domain
(the cartesian product of its dimensions); an output mapping reads a relation back as
`[batch, *shape]` probabilities. A whole batch is one evaluation: probabilities travel as
`[batch]`-shaped tensors through the provenance. Under `exact`/`diffexact` the program's
symbolic structure does not depend on the probabilities, so it is built on the first batch and
every later batch is a compiled weighted model count: a few torch ops, no symbolic work.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import DataError, UsageError
from ..provenance import make as make_provenance

COMPILE_ONCE = ("exact", "diffexact")


@dataclass(frozen=True)
class Mapping:
    """A tuple domain: the cartesian product of `dims`, in row-major order.

    `exclusive=d` makes the facts along dimension d mutually exclusive (one annotated
    disjunction per index of the other dimensions), as for the rows of a softmax."""

    dims: tuple
    exclusive: int | None = None

    def __init__(self, *dims, exclusive: int | None = None):
        object.__setattr__(self, "dims", tuple(tuple(d) for d in dims))
        if exclusive is not None and not -len(dims) <= exclusive < len(dims):
            raise UsageError(f"exclusive={exclusive} is not a dimension of a {len(dims)}-d mapping")
        object.__setattr__(self, "exclusive", None if exclusive is None else exclusive % len(dims))

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(d) for d in self.dims)

    def tuples(self) -> list[tuple]:
        return list(itertools.product(*self.dims))

    def groups(self) -> np.ndarray:
        """Disjunction id of every tuple (-1 when independent): the tuples that differ only
        along the exclusive dimension share one id."""
        n = int(np.prod(self.shape))
        if self.exclusive is None:
            return -np.ones(n, dtype=np.int64)
        others = [s for d, s in enumerate(self.shape) if d != self.exclusive]
        ids = np.arange(int(np.prod(others)), dtype=np.int64).reshape(others)
        return np.broadcast_to(np.expand_dims(ids, self.exclusive), self.shape).reshape(-1)


def as_mapping(spec) -> Mapping:
    if isinstance(spec, Mapping):
        return spec
    if isinstance(spec, tuple) and spec and all(_is_sequence(d) for d in spec):
        return Mapping(*spec)
    if _is_sequence(spec):
        items = list(spec)
        if items and all(isinstance(t, tuple) for t in items):
            return _TupleList(items)
        return Mapping(items)
    raise UsageError(f"a mapping is a nesy.Mapping, a tuple of dimensions, or a list of tuples; "
                     f"got {type(spec).__name__}")


class _TupleList(Mapping):
    """An explicit list of tuples: a one-dimensional domain."""

    def __init__(self, items):
        super().__init__(items)

    def tuples(self) -> list[tuple]:
        return list(self.dims[0])


def _is_sequence(x) -> bool:
    return isinstance(x, (list, tuple, range))


class ProgramModule(torch.nn.Module):
    def __init__(self, program, provenance: str = "diffexact", k: int | None = None,
                 inputs: dict | None = None, outputs: dict | None = None):
        super().__init__()
        if not inputs or not outputs:
            raise UsageError("program.module needs at least one input and one output mapping")
        self.program = program
        self.provenance, self.k = provenance, k
        make_provenance(provenance, k)  # fail early on unknown names
        self.inputs = {name: as_mapping(m) for name, m in inputs.items()}
        self.outputs = {name: as_mapping(m) for name, m in outputs.items()}
        for name in [*self.inputs, *self.outputs]:
            program._relation(name)
        self._compiled = None

    def forward(self, *args, **tensors):
        if args:
            if len(args) != len(self.inputs) or tensors:
                raise UsageError(f"pass the inputs by name: {', '.join(self.inputs)}")
            tensors = dict(zip(self.inputs, args))
        flat, batch = self._flatten(tensors)
        if self.provenance in COMPILE_ONCE:
            out = self._forward_compiled(flat)
        else:
            out = self._forward_run(flat, batch)
        shaped = {name: out[name].reshape(batch, *m.shape) for name, m in self.outputs.items()}
        return next(iter(shaped.values())) if len(shaped) == 1 else shaped

    def _flatten(self, tensors):
        missing = [n for n in self.inputs if n not in tensors]
        extra = [n for n in tensors if n not in self.inputs]
        if missing or extra:
            raise UsageError(f"module inputs are {', '.join(self.inputs)}; "
                             f"missing: {missing or '-'}, unexpected: {extra or '-'}")
        flat, batch = {}, None
        for name, mapping in self.inputs.items():
            t = tensors[name]
            if not isinstance(t, torch.Tensor):
                raise DataError(f"input '{name}' must be a torch tensor")
            if tuple(t.shape[-len(mapping.shape):]) != mapping.shape:
                raise DataError(f"input '{name}' has shape {tuple(t.shape)}; expected "
                                f"[batch, {', '.join(map(str, mapping.shape))}]")
            t = t.reshape(-1, int(np.prod(mapping.shape)))
            if batch is not None and t.shape[0] != batch:
                raise DataError(f"inputs disagree on the batch size ({batch} vs {t.shape[0]})")
            batch = t.shape[0]
            flat[name] = t
        return flat, batch

    # -- every batch through the engine (provenances whose structure depends on values) ---------
    def _forward_run(self, flat, batch):
        facts = {name: _fact_rows(m, flat[name].T) for name, m in self.inputs.items()}
        result = self.program.run(provenance=self.provenance, k=self.k, facts=facts)
        return {name: self._read(result[name], m, batch, next(iter(flat.values())))
                for name, m in self.outputs.items()}

    @staticmethod
    def _read(rel, mapping, batch, like):
        rows = {t: i for i, t in enumerate(rel.tuples)}
        zero = like.new_zeros(batch)
        cols = []
        for t in mapping.tuples():
            i = rows.get(t)
            if i is None or rel.probs is None:
                cols.append(zero)
            else:
                p = rel.probs[i]
                p = p if isinstance(p, torch.Tensor) else torch.as_tensor(p, dtype=like.dtype)
                cols.append(p.to(like.dtype).expand(batch))
        return torch.stack(cols, dim=-1)

    # -- compile once, then a weighted model count per batch --------------------------------------
    def _forward_compiled(self, flat):
        if self._compiled is None:
            self._compiled = self._compile()
        constants, order, query, rows = self._compiled
        like = next(iter(flat.values()))
        parts = [flat[name] for name in self.inputs]
        if constants.numel():
            parts.append(constants.to(like.dtype).expand(like.shape[0], -1))
        probs = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]
        values = query(probs if order is None else probs[:, order])
        if rows is None:  # one output, every tuple derived, in the query's order
            return {name: values for name in self.outputs}
        padded = torch.cat([values, values.new_zeros(like.shape[0], 1)], dim=-1)
        return {name: padded[:, index] for name, index in rows.items()}

    def _compile(self):
        """Run the program once on placeholder probabilities and compile its output formulas.

        Returns the constant facts' probabilities, the permutation from [inputs..., constants]
        to fact ids (None if there is nothing to permute), the compiled query, and each
        output's columns of it (None when one output reads the query as it is)."""
        from ..engine.executor import Executor

        prov = make_provenance(self.provenance, self.k)
        executor = Executor(self.program.ir, prov)
        executor.load_program_facts()
        input_ids = []
        for name, mapping in self.inputs.items():
            before = len(prov.facts)
            rows = mapping.tuples()
            probs = [0.5] * len(rows)  # placeholders: the structure does not depend on them
            executor.add_facts(name, [self.program._check_input_row(name, r) for r in rows],
                               probs, mapping.groups())
            input_ids.extend(range(before, len(prov.facts)))
        tables = executor.run()
        tags, rows = [], {}
        offset = 0
        for name, mapping in self.outputs.items():
            rel = self.program.ir.relations[name]
            table = tables[name]
            decoded = list(zip(*(executor.values.to_python(t, c)
                                 for t, c in zip(rel.types, table.columns)))) if rel.arity else \
                [()] * table.n
            where = {t: i for i, t in enumerate(decoded)}
            present = [where.get(t, -1) for t in mapping.tuples()]
            found = [i for i in present if i >= 0]
            tags.append(prov.take(table.tags, np.array(found, dtype=np.int64)))
            position = iter(range(offset, offset + len(found)))
            rows[name] = [next(position) if i >= 0 else -1 for i in present]
            offset += len(found)
        query = prov.compile(prov.concat(tags))
        index = {name: torch.tensor([i if i >= 0 else offset for i in r], dtype=torch.long)
                 for name, r in rows.items()}
        if len(index) == 1 and torch.equal(next(iter(index.values())), torch.arange(offset)):
            index = None
        inputs = set(input_ids)
        constant_ids = [f for f in range(len(prov.facts)) if f not in inputs]
        constants = torch.tensor([float(prov.facts.probs[f]) for f in constant_ids], dtype=torch.float64)
        order = np.argsort(np.array(input_ids + constant_ids, dtype=np.int64))
        order = None if np.array_equal(order, np.arange(len(order))) else torch.from_numpy(order)
        return constants, order, query, index


def _fact_rows(mapping: Mapping, probs: torch.Tensor) -> list:
    """Input facts for program.run: (probability tensor [batch], tuple), grouped when exclusive."""
    from ..program import Disjunction

    tuples = mapping.tuples()
    if mapping.exclusive is None:
        return [(probs[i], t) for i, t in enumerate(tuples)]
    groups = mapping.groups()
    out = []
    for g in np.unique(groups).tolist():
        members = np.flatnonzero(groups == g).tolist()
        out.append(Disjunction([(probs[i], tuples[i]) for i in members]))
    return out
