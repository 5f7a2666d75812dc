"""Every output format of a run's result, in one place: table, JSON and CSV.

The `nesy` command and `Result.to_json()` both write through here, so the formats cannot
drift apart. What each format holds per tuple:

- table (for people): `(v1, v2, ...)` with values as written in nesy source, so the string
  "1" prints as `"1"` and the integer 1 as `1`; prefixed by `p::` under a probabilistic
  provenance, followed by its proofs under `proofs`.
- JSON: `{"provenance": NAME, "relations": {REL: [{"tuple": [...], "prob": p} ...]}}`;
  `"prob"` only under a probabilistic provenance, `"proofs"` only under `proofs`. A proof is a
  list of literals, each the fact it uses as nesy source writes it, `"edge(0, 1)"`, or
  negated, `"~edge(1, 2)"`; a probabilistic rule's choice is `"rule@LINE(x=0, y=1)"`.
- CSV: one relation per file, as Python's `csv` module and pandas read it: one header row,
  then one row per tuple, all rows equally long, nothing else. Columns: `prob` or `proofs`
  (the proofs as the table writes them: `edge(0, 1) & ~edge(1, 2) | edge(0, 2)`) when the
  provenance has them, then one column per argument,
  named by the relation's declared field names (`arg1`, `arg2`, ... where it has none). A
  relation without arguments under a provenance without tags has the one column `holds`
  (`true` in its one row when the relation holds). Booleans are `true`/`false`.
"""
from __future__ import annotations

import csv
import io
import json
import math

import numpy as np

from .types import ValueType, format_value, literal


# ---- a summary line ------------------------------------------------------------------------
def summary(result, k: int | None = None) -> str:
    """"provenance NAME (k=K); approximate: WHY": what the numbers of a result mean."""
    text = f"provenance {result.provenance}"
    if k is not None:
        text += f" (k={k})"
    if result.approximation:
        text += f"; approximate: {result.approximation}"
    return text


# ---- table ---------------------------------------------------------------------------------
def table(result, k: int | None = None) -> str:
    out = [f"# {summary(result, k)}"]
    for name in result.relations:
        rel = result[name]
        out.append(f"{name} ({len(rel)} tuple{'s' if len(rel) != 1 else ''})")
        types = rel.relation.types
        for i, t in enumerate(rel.tuples):
            row = "(" + ", ".join(_source_value(vt, v) for vt, v in zip(types, t)) + ")"
            if rel.probs is not None:
                row = f"{_float(rel.probs[i]):.6g}::{row}"
            elif rel.proofs is not None:
                row = f"{row}  proofs: {_proofs_text(rel.proofs[i], rel.facts)}"
            out.append(f"  {row}")
    return "\n".join(out) + "\n"


def _source_value(vtype: ValueType, value) -> str:
    """A value as nesy source writes it: enum variants bare, chars in single quotes."""
    if vtype.is_enum:
        return value
    if vtype.name == "char":
        return "'" + literal(value)[1:-1].replace("'", "\\'") + "'"
    return literal(value)


def _proofs_text(proofs, facts: list[str]) -> str:
    """`edge(0, 1) & ~edge(1, 2) | edge(0, 2)`: the proofs, `true` for a certain tuple (an
    empty proof), `none` for none."""
    return " | ".join(" & ".join(_literal_text(lit, facts) for lit in proof) or "true"
                      for proof in proofs) or "none"


def _literal_text(lit: int, facts: list[str]) -> str:
    """A proof literal: fact id `f` (the fact holds) or `~f` (it does not), as the fact."""
    return facts[lit] if lit >= 0 else f"~{facts[~lit]}"


def fact_texts(program, sources, values) -> list[str]:
    """What each probabilistic input fact of a run is, by fact id, as nesy source writes it
    (from `Executor.fact_sources`): `edge(0, 1)`, or `rule@3(x=0)` for a probabilistic
    rule's choice for one grounding."""
    return [_fact_text(program, source, values) for source in sources]


def _fact_text(program, source, values) -> str:
    what, row = source
    if isinstance(what, str) and what not in program.relations:  # a foreign predicate's fact
        return f"{what}(" + ", ".join(literal(v) for v in row) + ")"
    if isinstance(what, str):
        types = program.relations[what].types
        return f"{what}(" + ", ".join(_source_value(t, v) for t, v in zip(types, row)) + ")"
    types = _variable_types(what)
    where = f"@{what.span.line}" if what.span is not None else ""
    bound = ", ".join(f"{name}={_source_value(types[name], values.to_python(types[name], np.array([code]))[0])}"
                      if name in types else f"{name}={code}" for name, code in row.items())
    return f"{what.head}{where}({bound})"


def _variable_types(node, found=None) -> dict:
    """The type of every variable a rule mentions (its IR's `VarRef`s: a name and a
    `ValueType`; recognised by shape, as rendering sits below the IR)."""
    from dataclasses import fields, is_dataclass

    found = {} if found is None else found
    if isinstance(getattr(node, "type", None), ValueType) and isinstance(getattr(node, "name", None), str):
        found[node.name] = node.type
    elif isinstance(node, (tuple, list)):
        for item in node:
            _variable_types(item, found)
    elif is_dataclass(node) and not isinstance(node, type):
        for f in fields(node):
            if f.name != "span":
                _variable_types(getattr(node, f.name), found)
    return found


# ---- HTML (notebooks) ----------------------------------------------------------------------
def html_tables(result) -> str:
    """The result as the table format's content in HTML tables, one per relation."""
    from html import escape

    parts = [f"<p><b>{escape(summary(result))}</b></p>"]
    parts += [html_table(result[name]) for name in result.relations]
    return "\n".join(parts)


def html_table(rel) -> str:
    from html import escape

    columns = csv_columns(rel)
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    rows = []
    for i, t in enumerate(rel.tuples):
        tag = [f"{_float(rel.probs[i]):.6g}"] if rel.probs is not None else \
            [_proofs_text(rel.proofs[i], rel.facts)] if rel.proofs is not None else []
        cells = [*tag, *(_source_value(vt, v) for vt, v in zip(rel.relation.types, t))] or ["true"]
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    caption = f"{rel.name} ({len(rel)} tuple{'s' if len(rel) != 1 else ''})"
    return (f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


# ---- JSON ----------------------------------------------------------------------------------
def json_object(result) -> dict:
    relations = {}
    for name in result.relations:
        rel = result[name]
        rows = []
        for i, t in enumerate(rel.tuples):
            entry = {"tuple": [_json_value(v) for v in t]}
            if rel.probs is not None:
                entry["prob"] = _float(rel.probs[i])
            if rel.proofs is not None:
                entry["proofs"] = _json_proofs(rel.proofs[i], rel.facts)
            rows.append(entry)
        relations[name] = rows
    return {"provenance": result.provenance, "relations": relations}


def json_text(result, indent: int | None = None) -> str:
    return json.dumps(json_object(result), indent=indent, allow_nan=False)


def _json_value(v):
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if not isinstance(v, (bool, int, float, str)) and v is not None:
        return format_value(v)  # DateTime and Duration, as text
    return v


def _json_proofs(proofs, facts: list[str]) -> list:
    return [[_literal_text(lit, facts) for lit in proof] for proof in proofs]


def _float(p) -> float:
    return float(p.detach()) if hasattr(p, "detach") else float(p)


# ---- CSV -----------------------------------------------------------------------------------
def csv_columns(rel) -> list[str]:
    """The header of one relation's CSV (see the module docstring)."""
    names = rel.relation.fields or ()
    args = [names[i] if i < len(names) and names[i] else f"arg{i + 1}"
            for i in range(rel.relation.arity)]
    tag = ["prob"] if rel.probs is not None else ["proofs"] if rel.proofs is not None else []
    return [*tag, *args] or ["holds"]


def csv_text(rel) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = csv_columns(rel)
    writer.writerow(columns)
    for i, t in enumerate(rel.tuples):
        tag = [_float(rel.probs[i])] if rel.probs is not None else \
            [_proofs_text(rel.proofs[i], rel.facts)] if rel.proofs is not None else []
        row = [*tag, *(format_value(v) for v in t)]
        writer.writerow(row or ["true"])
    return out.getvalue()
