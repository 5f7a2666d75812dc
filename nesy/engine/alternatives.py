"""The tags of Scallop's disjunctive heads, `rel {a(x); b(x)} = body`.

Per grounding of the heads' variables, the alternatives are one annotated disjunction of new
input facts weighing 1 each, made the first time the grounding is derived and reused after;
alternative i's rows are conjoined with member i. That is Scallop's exclusion (b2r.rs
`Head::Disjunction`, runtime `DynamicExclusionDataflow`, an `Exclusive(id)` input tag per
alternative): under proofs and top-k proofs no proof holds two alternatives of one grounding
and each weighs 1, so an alternative is as probable as the body. Only provenances whose
`disjunctions` are "exclusive" get these facts; where they are "ignored" (minmaxprob,
addmultprob, tropical, set semantics) every alternative holds with the body's tag, as in
Scallop, whose input tags there drop the exclusion; "distribution" (exact) rejects the
program before it runs (`nesy.engine.inputs.check_disjunctions`).
"""
from __future__ import annotations

import numpy as np

from .. import ir
from ..expr import evaluate
from ..provenance import InputFacts


def tags(executor, alternative: ir.HeadAlternative, columns: dict, n: int):
    """Member `alternative.index` of each row's disjunction (rows: `columns`, n of them)."""
    prov = executor.prov
    names = alternative.variables
    groundings = list(zip(*(columns[v].tolist() for v in names))) if names else [()] * n
    positions, batch = executor.choices.get(alternative.head, ({}, prov.concat([])))
    fresh = [g for g in dict.fromkeys(groundings) if g not in positions]
    if fresh:
        count, start = alternative.count, len(positions)
        positions.update((g, (start + i) * count) for i, g in enumerate(fresh))
        executor.fact_sources += _sources(executor, alternative, fresh)
        groups = np.repeat(np.arange(len(fresh), dtype=np.int64), count)
        new = prov.input_tags(InputFacts([1.0] * (len(fresh) * count), groups))
        batch = prov.concat([batch, new])
        executor.choices[alternative.head] = (positions, batch)
    index = [positions[g] + alternative.index for g in groundings]
    return prov.take(batch, np.array(index, dtype=np.int64))


def _sources(executor, alternative: ir.HeadAlternative, fresh: list) -> list[tuple]:
    """What each new fact is, for proofs (`Executor.fact_sources`): the head atom it makes
    hold, `assign(1, true)`, from the grounding; the rule and grounding where the head has
    no value there (`1 / 0`)."""
    names = alternative.variables
    columns = {v: np.array([g[i] for g in fresh], dtype=np.int64) for i, v in enumerate(names)}
    atoms = []
    for rule in _rules(executor.program, alternative):
        row = []
        for e in rule.head_exprs:
            values, valid = evaluate(e, columns, len(fresh), executor.values)
            codes = values if isinstance(e, ir.VarRef) else executor.values.encode(
                e.type, values)
            row.append(executor.values.to_python(e.type, np.asarray(codes))
                       if np.all(valid) else None)
        atoms.append((rule, row))
    return [(rule.head, tuple(column[i] for column in row)) if None not in row
            else (rule, dict(zip(names, g)))
            for i, g in enumerate(fresh) for rule, row in atoms]


def _rules(program: ir.Program, alternative: ir.HeadAlternative) -> list[ir.Rule]:
    """A rule of each alternative of the head, in order: what names its facts in proofs."""
    found: dict[int, ir.Rule] = {}
    for stratum in program.strata:
        for rule in stratum.rules:
            if rule.disjunctive is not None and rule.disjunctive.head == alternative.head:
                found.setdefault(rule.disjunctive.index, rule)
    return [found[i] for i in range(alternative.count)]
