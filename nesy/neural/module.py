"""A nesy program as a torch.nn.Module: tensors of probabilities in, tensors out.

An input mapping binds a relation to a `[batch, *shape]` tensor over a declared tuple domain
(the cartesian product of its dimensions); an output mapping reads a relation back as
`[batch, *shape]` probabilities. A whole batch is one evaluation: probabilities travel as
`[batch]`-shaped tensors through the provenance.

What the module does is decided by the provenance's capabilities, never by its name: it needs
a `probabilistic` one; its outputs carry gradients only when it is `differentiable`; and when
its symbolic structure does not depend on the probabilities (`compile_once`, e.g. `exact`),
the program runs once, on the first batch, and every later batch is a compiled weighted model
count: a few torch ops, no symbolic work.
"""
from __future__ import annotations

import itertools
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch

from .. import ir
from ..engine import inputs as input_facts
from ..engine.inputs import Disjunction
from ..errors import DataError, UsageError
from ..provenance import make as make_provenance
from ..provenance import names as provenance_names


@dataclass(frozen=True)
class Mapping:
    """A tuple domain: the cartesian product of `dims`, in row-major order.

    `exclusive=d` makes the facts along dimension d mutually exclusive (one annotated
    disjunction per index of the other dimensions), as for the rows of a softmax."""

    dims: tuple
    exclusive: int | None = None

    def __init__(self, *dims, exclusive: int | None = None):
        if not dims:
            raise UsageError("a Mapping needs at least one dimension, e.g. Mapping(range(10))")
        for i, d in enumerate(dims):
            if not _is_sequence(d) or not len(d):
                raise UsageError(f"dimension {i + 1} of a Mapping must be a non-empty list, "
                                 f"tuple or range of values, got {d!r}")
        object.__setattr__(self, "dims", tuple(tuple(d) for d in dims))
        if exclusive is not None and (isinstance(exclusive, bool) or
                                      not isinstance(exclusive, int)):
            raise UsageError(f"exclusive must be the index of a dimension, got {exclusive!r}")
        if exclusive is not None and not -len(dims) <= exclusive < len(dims):
            raise UsageError(f"exclusive={exclusive} is not a dimension of a {len(dims)}-d mapping")
        object.__setattr__(self, "exclusive", None if exclusive is None else exclusive % len(dims))

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(d) for d in self.dims)

    def tuples(self) -> list[tuple]:
        return list(itertools.product(*self.dims))

    def disjunctions(self) -> np.ndarray:
        """[n_groups, group size] positions (in `tuples()`) of the members of each annotated
        disjunction: the tuples that differ only along the exclusive dimension."""
        index = np.arange(int(np.prod(self.shape)), dtype=np.int64).reshape(self.shape)
        return np.moveaxis(index, self.exclusive, -1).reshape(-1, self.shape[self.exclusive])

    def fact_order(self) -> np.ndarray | None:
        """Positions of the tuples in the order `fact_rows` lists them (None: tuples() order)."""
        if self.exclusive is None or self.exclusive == len(self.dims) - 1:
            return None
        return self.disjunctions().reshape(-1)

    def fact_rows(self, probs) -> list:
        """Input rows of `probs[i]` (a probability or a [batch] tensor) for tuple i: (p, tuple)
        pairs, or one `Disjunction` per group when a dimension is exclusive."""
        tuples = self.tuples()
        if self.exclusive is None:
            return [(probs[i], t) for i, t in enumerate(tuples)]
        return [Disjunction([(probs[i], tuples[i]) for i in members])
                for members in self.disjunctions().tolist()]


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
        if not items:
            raise UsageError("a mapping needs at least one tuple")
        object.__setattr__(self, "dims", (tuple(items),))
        object.__setattr__(self, "exclusive", None)

    def tuples(self) -> list[tuple]:
        return list(self.dims[0])


def _is_sequence(x) -> bool:
    return isinstance(x, (list, tuple, range))


def _check_mapping(program: ir.Program, name: str, mapping: Mapping) -> None:
    """Every tuple of the mapping fits the relation (arity and types), checked once when
    the module is built rather than failing in the middle of training."""
    rel = input_facts.relation(program, name)
    for t in mapping.tuples():
        input_facts.check_row(rel, t, f"mapping of '{name}'")


def _check_probabilities(name: str, mapping: Mapping, probs: torch.Tensor) -> None:
    """Inputs are probabilities: in [0, 1], and summing to at most 1 along an exclusive
    dimension. Checked on the first batch only (the usual mistake, logits instead of
    probabilities, shows at once), so training pays no per-batch cost."""
    with torch.no_grad():
        inside = (probs >= 0) & (probs <= 1)
        if not bool(inside.all()):
            bad = float(probs[~inside].reshape(-1)[0])
            raise DataError(f"input '{name}' holds {bad:g}, not a probability in [0, 1] (pass "
                            f"probabilities, e.g. logits.softmax(-1) or .sigmoid())")
        if mapping.exclusive is not None:
            groups = torch.from_numpy(mapping.disjunctions())
            sums = probs[:, groups].sum(-1)
            if bool((sums > 1 + 1e-4).any()):
                raise DataError(f"input '{name}': the probabilities along its exclusive "
                                f"dimension sum to {float(sums.max()):g}, more than 1")


class ProgramModule(torch.nn.Module):
    """`program.module(...)`: input relations from [batch, ...] probability tensors, output
    relations read back as [batch, ...] probabilities (see the module docstring)."""

    def __init__(self, program: ir.Program, provenance: str = "diffexact", k: int | None = None,
                 inputs: dict | None = None, outputs: dict | None = None):
        super().__init__()
        for what, given in (("inputs", inputs), ("outputs", outputs)):
            if not isinstance(given, dict) or not given:
                raise UsageError(f"program.module needs {what}: a non-empty dict from relation "
                                 f"names to mappings, e.g. {{'digit': nesy.Mapping(range(10))}}; "
                                 f"got {given!r}")
        if not isinstance(provenance, str):
            raise UsageError(f"provenance must be a string, got {provenance!r}")
        self.program = program
        self.provenance, self.k = provenance, k
        kind = type(make_provenance(provenance, k))  # fails early on unknown names
        if not kind.probabilistic:
            raise UsageError(
                f"program.module needs a provenance that computes probabilities, and "
                f"'{provenance}' does not; choose one of: "
                f"{', '.join(provenance_names(probabilistic=True))} (gradients flow under "
                f"{', '.join(provenance_names(differentiable=True))})")
        self.differentiable, self.compile_once = kind.differentiable, kind.compile_once
        self.inputs = {name: as_mapping(m) for name, m in inputs.items()}
        self.outputs = {name: as_mapping(m) for name, m in outputs.items()}
        for name, mapping in [*self.inputs.items(), *self.outputs.items()]:
            _check_mapping(program, name, mapping)
        self._checked = False  # the first batch's values are checked; later ones by shape only
        self._compiled = None
        # the order in which a compiled count reads each input's probabilities (None: as given)
        self._fact_orders = {name: None if (order := m.fact_order()) is None
                             else torch.from_numpy(order) for name, m in self.inputs.items()}

    def extra_repr(self) -> str:
        """What `repr(module)` shows: the provenance and the relations it maps."""
        k = f", k={self.k}" if self.k is not None else ""
        return (f"provenance={self.provenance}{k}, inputs=[{', '.join(self.inputs)}], "
                f"outputs=[{', '.join(self.outputs)}]")

    def forward(self, *args, **tensors):
        if args:
            if len(args) != len(self.inputs) or tensors:
                raise UsageError(f"pass the inputs by name: {', '.join(self.inputs)}")
            tensors = dict(zip(self.inputs, args))
        flat, batch = self._flatten(tensors)
        device = next(iter(flat.values())).device
        # The symbolic work runs on the CPU: inputs from a GPU come over, the outputs go back,
        # and autograd carries the gradients across both moves.
        flat = {name: t.cpu() for name, t in flat.items()}
        like = next(iter(flat.values()))
        with nullcontext() if self.differentiable else torch.no_grad():
            values, columns = self._run_compiled(flat) if self.compile_once else self._run(flat)
            values = values.to(device=device, dtype=like.dtype)
            values = values.expand(batch, -1)
            if columns is not None:
                values = torch.cat([values, values.new_zeros(batch, 1)], dim=-1)  # absent: 0
        # without columns, there is one output whose tuples are the values' columns
        shaped = {name: (values if columns is None else values[:, columns[name]])
                  .reshape(batch, *m.shape) for name, m in self.outputs.items()}
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
                raise DataError(f"input '{name}' must be a torch tensor, got {type(t).__name__}")
            if not t.is_floating_point():
                raise DataError(f"input '{name}' must be a floating-point tensor of "
                                f"probabilities, got {t.dtype} (convert it with .float())")
            if t.dim() != 1 + len(mapping.shape) or tuple(t.shape[1:]) != mapping.shape:
                raise DataError(f"input '{name}' has shape {list(t.shape)}; expected "
                                f"[batch, {', '.join(map(str, mapping.shape))}]")
            if t.shape[0] == 0:
                raise DataError(f"input '{name}' is an empty batch (shape {list(t.shape)})")
            if batch is not None and t.shape[0] != batch:
                raise DataError(f"inputs disagree on the batch size ({batch} vs {t.shape[0]})")
            if flat and t.device != next(iter(flat.values())).device:
                raise DataError(f"inputs are on different devices ({next(iter(flat.values())).device} "
                                f"vs {t.device} for '{name}'); move them to one")
            batch = t.shape[0]
            flat[name] = t.reshape(batch, -1)
        if not self._checked:
            for name, mapping in self.inputs.items():
                _check_probabilities(name, mapping, flat[name])
            self._checked = True
        return flat, batch

    def _execute(self, prov, facts: dict | None):
        """Run the program with the input rows `facts`; returns the executor, its tables,
        and the number of probabilistic facts before and after the input rows."""
        executor = input_facts.loaded_executor(self.program, prov)
        first = len(prov.facts) if self.compile_once else 0
        input_facts.add_inputs(executor, facts, checked=True)
        last = len(prov.facts) if self.compile_once else 0
        return executor, executor.run(), first, last

    def _output_tags(self, prov, executor, tables):
        """The output rows' tags, concatenated, and per output the column of each mapped
        tuple in them (the column after the last for a tuple that was not derived); None
        instead when there is one output and its tuples are the rows in order."""
        tags, found_per_output, offset = [], {}, 0
        for name, mapping in self.outputs.items():
            rel, table = self.program.relations[name], tables[name]
            decoded = list(zip(*(executor.values.to_python(t, c)
                                 for t, c in zip(rel.types, table.columns)))) if rel.arity else \
                [()] * table.n
            where = {t: i for i, t in enumerate(decoded)}
            present = [where.get(t, -1) for t in mapping.tuples()]
            found = [i for i in present if i >= 0]
            tags.append(prov.take(table.tags, np.array(found, dtype=np.int64)))
            position = iter(range(offset, offset + len(found)))
            found_per_output[name] = [next(position) if i >= 0 else -1 for i in present]
            offset += len(found)
        if len(found_per_output) == 1 and next(iter(found_per_output.values())) == list(range(offset)):
            return prov.concat(tags), None
        columns = {name: torch.tensor([i if i >= 0 else offset for i in found], dtype=torch.long)
                   for name, found in found_per_output.items()}
        return prov.concat(tags), columns

    # -- every batch through the engine (provenances whose structure depends on values) ---------
    def _run(self, flat):
        prov = make_provenance(self.provenance, self.k)
        facts = {name: m.fact_rows(flat[name].T) for name, m in self.inputs.items()}
        executor, tables, _, _ = self._execute(prov, facts)
        tags, columns = self._output_tags(prov, executor, tables)
        like = next(iter(flat.values()))
        values = [torch.as_tensor(p).to(like.dtype).expand(like.shape[0])
                  for p in prov.output(tags)]
        return torch.stack(values, dim=-1) if values else like.new_zeros(like.shape[0], 0), columns

    # -- compile once, then a weighted model count per batch --------------------------------------
    def _run_compiled(self, flat):
        if self._compiled is None:
            self._compiled = self._compile()
        before, after, query, columns = self._compiled
        like = next(iter(flat.values()))
        parts = [before.to(like.dtype).expand(like.shape[0], -1)] if before.numel() else []
        for name, order in self._fact_orders.items():
            parts.append(flat[name] if order is None else flat[name][:, order])
        if after.numel():
            parts.append(after.to(like.dtype).expand(like.shape[0], -1))
        return query(torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]), columns

    def _compile(self):
        """Run the program once on placeholder probabilities and compile its output formulas.

        The compiled query reads the facts in the order they were added: the program's own
        probabilistic facts, the inputs (in `fact_rows` order), then the choices of
        probabilistic rules made while running. Returns the probabilities of the facts before
        and after the inputs, the query, and each output's columns of it."""
        prov = make_provenance(self.provenance, self.k)
        placeholders = {name: m.fact_rows([0.5] * len(m.tuples()))  # the structure ignores them
                        for name, m in self.inputs.items()}
        executor, tables, first, last = self._execute(prov, placeholders)
        tags, columns = self._output_tags(prov, executor, tables)
        probs = [float(p) for p in prov.facts.probs]
        return (torch.tensor(probs[:first], dtype=torch.float64),
                torch.tensor(probs[last:], dtype=torch.float64), prov.compile(tags), columns)
