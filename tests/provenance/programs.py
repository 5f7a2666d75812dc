"""Random small probabilistic programs at the semiring level, and their ProbLog oracles.

A `Program` mirrors what the engine does with tag batches: input facts (independent,
certain, or annotated disjunctions), then layers that each build a batch of new rows from
earlier rows with one batch operation - conjoin (a join), disjoin_groups (a projection) or
negate (a negated atom). Row r is the ProbLog atom `n(r)`, so the same program is evaluated
exactly by ProbLog and through a provenance's batch interface.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from problog import get_evaluatable
from problog.program import PrologString

from nesy.provenance import InputFacts


@dataclass
class Program:
    probs: list                       # per input fact: probability or None (certain)
    groups: np.ndarray                # annotated-disjunction id per input fact, or -1
    layers: list = field(default_factory=list)  # ("and", left, right) | ("or", rows, group,
    #                                               n_groups) | ("not", rows)

    @property
    def n_facts(self) -> int:
        return len(self.probs)

    @property
    def size(self) -> int:
        return self.n_facts + sum(_width(layer) for layer in self.layers)


def _width(layer) -> int:
    return layer[3] if layer[0] == "or" else len(layer[1])


def random_facts(rng: np.random.Generator, n: int, full_groups=0.3, disjunctions=True):
    """Independent, certain and annotated-disjunction facts; a `full_groups` fraction of
    the disjunctions sums exactly to 1. Without `disjunctions`, a disjunction's draw makes
    an independent fact instead (the top-k provenances equal ProbLog only without them)."""
    probs, groups, g = [], [], 0
    while len(probs) < n:
        kind = rng.choice(["independent", "certain", "ad"], p=[0.55, 0.1, 0.35])
        if kind == "ad" and n - len(probs) >= 2 and disjunctions:
            m = int(rng.integers(2, min(4, n - len(probs)) + 1))
            total = 1.0 if rng.random() < full_groups else rng.uniform(0.3, 0.95)
            weights = rng.dirichlet(np.ones(m)) * total
            probs += [float(w) for w in weights]
            groups += [g] * m
            g += 1
        elif kind == "certain":
            probs.append(None)
            groups.append(-1)
        else:
            probs.append(float(rng.uniform(0.05, 0.95)))
            groups.append(-1)
    return probs, np.array(groups, dtype=np.int64)


def random_program(rng, n_facts=5, n_layers=5, negation=True, full_groups=0.3,
                   disjunctions=True) -> Program:
    program = Program(*random_facts(rng, n_facts, full_groups, disjunctions))
    ops = ["and", "or", "not"] if negation else ["and", "or"]
    for _ in range(n_layers):
        size, op, width = program.size, rng.choice(ops), int(rng.integers(1, 5))
        if op == "and":
            left, right = rng.integers(0, size, width), rng.integers(0, size, width)
            program.layers.append(("and", left, right))
        elif op == "not":
            program.layers.append(("not", rng.integers(0, size, width)))
        else:
            n_in = width + int(rng.integers(0, 4))
            group = np.r_[np.arange(width), rng.integers(0, width, n_in - width)]  # none empty
            program.layers.append(("or", rng.integers(0, size, n_in), group, width))
    return program


def run(prov, program: Program):
    """All rows' tags, computed through the provenance's batch interface."""
    rows = prov.input_tags(InputFacts(list(program.probs), program.groups.copy()))
    for layer in program.layers:
        if layer[0] == "and":
            new = prov.conjoin(prov.take(rows, layer[1]), prov.take(rows, layer[2]))
        elif layer[0] == "not":
            new = prov.negate(prov.take(rows, layer[1]))
        else:
            new = prov.disjoin_groups(prov.take(rows, layer[1]), layer[2], layer[3])
        rows = prov.concat([rows, new])
    return rows


def closed_form(program: Program, conj, disj, neg) -> list[float]:
    """Row values by scalar definitions, all facts independent (for addmult/minmax)."""
    values = [1.0 if p is None else p for p in program.probs]
    for layer in program.layers:
        if layer[0] == "and":
            values += [conj(values[a], values[b]) for a, b in zip(layer[1], layer[2])]
        elif layer[0] == "not":
            values += [neg(values[a]) for a in layer[1]]
        else:
            members = [[values[r] for r, g in zip(layer[1], layer[2]) if g == k]
                       for k in range(layer[3])]
            values += [disj(m) for m in members]
    return values


# -- ProbLog ----------------------------------------------------------------------------------
def facts_to_problog(probs, groups, atom="n({})") -> list[str]:
    lines, done = [], set()
    for i, (p, g) in enumerate(zip(probs, groups.tolist())):
        if g >= 0:
            if g not in done:
                done.add(g)
                lines.append("; ".join(f"{probs[j]!r}::{atom.format(j)}"
                                       for j in np.flatnonzero(groups == g)) + ".")
        elif p is None:
            lines.append(atom.format(i) + ".")
        else:
            lines.append(f"{p!r}::{atom.format(i)}.")
    return lines


def to_problog(program: Program) -> str:
    lines = facts_to_problog(program.probs, program.groups)
    row = program.n_facts
    for layer in program.layers:
        if layer[0] == "and":
            lines += [f"n({row + i}) :- n({a}), n({b})."
                      for i, (a, b) in enumerate(zip(layer[1], layer[2]))]
        elif layer[0] == "not":
            lines += [f"n({row + i}) :- \\+n({a})." for i, a in enumerate(layer[1])]
        else:
            lines += [f"n({row + g}) :- n({r})." for r, g in zip(layer[1], layer[2])]
        row += _width(layer)
    return "\n".join(lines)


def problog(text: str, queries: list[str]) -> dict[str, float]:
    """ProbLog's exact probabilities of the given query atoms (variables allowed)."""
    return _problog(text + "\n" + "\n".join(f"query({q})." for q in queries))


@functools.lru_cache(maxsize=256)
def _problog(text: str) -> dict[str, float]:
    result = get_evaluatable().create_from(PrologString(text)).evaluate()
    return {str(term): float(p) for term, p in result.items()}


def problog_rows(program: Program) -> list[float]:
    answers = problog(to_problog(program), [f"n({r})" for r in range(program.size)])
    return [answers[f"n({r})"] for r in range(program.size)]


def random_graph(seed, cyclic, n_nodes=6, n_edges=10):
    """`n_edges` distinct directed edges (only from lower to higher node unless `cyclic`) and
    their probabilities, rounded so ProbLog's text form reads them back exactly."""
    rng = np.random.default_rng(seed)
    pairs = [(a, b) for a in range(n_nodes) for b in range(n_nodes)
             if a != b and (cyclic or a < b)]
    chosen = rng.choice(len(pairs), size=n_edges, replace=False)
    edges = [pairs[i] for i in sorted(chosen.tolist())]
    return edges, rng.uniform(0.1, 0.9, n_edges).round(6).tolist()
