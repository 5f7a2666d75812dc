"""`@file("edge.csv", ...)` on a relation's type declaration: its facts read from a CSV file
at compile time, with Scallop's options (doc/src/language/loading_csv.md):

- `header=true`: the first line names the columns (implied by `keys` and `fields`);
- `deliminator="\\t"`: one character between values (default `,`);
- `has_probability=true`: the first column of each line is the fact's probability;
- `fields=["a", "c"]`: load only these columns, in this order;
- `keys="id"` or `keys=["a", "b"]`: one fact per (key values, other column): the relation is
  (keys..., field name, value), declared `Symbol` and `String` (as Scallop).

A relative path is taken from the program file's folder (from the working directory for a
program given as text). Values are parsed by the declared field types.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import NesyError
from ..types import FLOAT_TYPES, INTEGER_RANGES
from . import ast

OPTIONS = {"header", "deliminator", "has_probability", "fields", "keys"}


class CsvProblem(ValueError):
    """What is wrong with the file or the options (the attribute's diagnostic)."""


def load(item: ast.RelationType, args: list, kwargs: dict, aliases: dict) -> ast.FactSet:
    """The facts of `item`'s relation from the file named by the attribute's arguments
    (`aliases`: type alias -> the type it names)."""
    if len(args) != 1 or not isinstance(args[0], str):
        raise CsvProblem('write the file name first, as @file("edge.csv")')
    unknown = sorted(set(kwargs) - OPTIONS)
    if unknown:
        raise CsvProblem(f"unknown option {unknown[0]}; options are {', '.join(sorted(OPTIONS))}")
    rows, names = _read(_path(item, args[0]), kwargs)
    keys = kwargs.get("keys")
    keys = [keys] if isinstance(keys, str) else keys
    fields = kwargs.get("fields")
    if keys:
        rows = _by_keys(rows, names, keys, fields)
    elif fields:
        columns = [_column(names, f) for f in fields]
        rows = [(p, [values[c] for c in columns]) for p, values in rows]
    types = [aliases.get(f.type_name, f.type_name) for f in item.fields]
    if keys:
        _check_key_value_types(types, len(keys))
    facts = []
    for number, (probability, values) in enumerate(rows, start=1):
        if len(values) != len(types):
            raise CsvProblem(f"line {number}: {len(values)} values but '{item.name}' has "
                             f"{len(types)} fields (arity mismatch)")
        literals = [_literal(item.span, v, t, number) for v, t in zip(values, types)]
        facts.append([ast.FactItem(item.span, probability, literals)])
    return ast.FactSet(item.span, item.name, item.span, facts)


def _path(item: ast.RelationType, name: str) -> Path:
    path = Path(name)
    source = Path(item.span.source.name)
    if not path.is_absolute() and source.is_file():
        path = source.parent / path
    return path


def _read(path: Path, kwargs: dict):
    """[(probability or None, values)] and the column names (None without a header)."""
    from ..files import read_text

    try:
        text = read_text(path, "a CSV file")
    except NesyError as e:
        raise CsvProblem(str(e)) from None
    delimiter = kwargs.get("deliminator", ",")
    if not (isinstance(delimiter, str) and len(delimiter) == 1):
        raise CsvProblem("the deliminator is one character")
    lines = [line for line in csv.reader(io.StringIO(text), delimiter=delimiter) if line]
    header = kwargs.get("header", False) or "keys" in kwargs or "fields" in kwargs
    names = lines.pop(0) if header and lines else None
    with_probability = kwargs.get("has_probability", False)
    rows = []
    for number, line in enumerate(lines, start=1):
        if with_probability:
            try:
                rows.append((float(line[0]), line[1:]))
            except ValueError:
                raise CsvProblem(f"line {number}: {line[0]!r} is not a probability") from None
        else:
            rows.append((None, line))
    if names is not None and with_probability:
        names = names[1:]
    return rows, names


def _column(names, name: str) -> int:
    if names is None or name not in names:
        raise CsvProblem(f"no column {name!r} in the file's header")
    return names.index(name)


def _by_keys(rows, names, keys: list, fields):
    key_columns = [_column(names, k) for k in keys]
    value_columns = [_column(names, f) for f in fields] if fields else \
        [i for i in range(len(names)) if i not in key_columns]
    return [(p, [*(row[k] for k in key_columns), names[v], row[v]])
            for p, row in rows for v in value_columns]


def _check_key_value_types(types: list[str], n_keys: int) -> None:
    """With `keys`, the relation is (keys..., field, value): Scallop wants the field name as
    a `Symbol` and the value as a `String` (its messages). nesy stores a Symbol as a String,
    but the declaration still says which was meant."""
    if len(types) != n_keys + 2:
        raise CsvProblem(f"Arity mismatch; expected {n_keys + 2} fields (the keys, the field "
                         f"name and the value), found {len(types)}")
    if types[n_keys] != "Symbol":
        raise CsvProblem(f"Expect `Symbol` type for field; found `{types[n_keys]}`")
    if types[n_keys + 1] != "String":
        raise CsvProblem(f"Expect `String` type for value; found `{types[n_keys + 1]}`")


def _literal(span, text: str, type_name: str, line: int) -> ast.Literal:
    try:
        if type_name in INTEGER_RANGES:
            return ast.Literal(span, int(text), "int")
        if type_name in FLOAT_TYPES:
            return ast.Literal(span, float(text), "float")
        if type_name == "bool":
            if text.strip() not in ("true", "false"):
                raise ValueError
            return ast.Literal(span, text.strip() == "true", "bool")
        if type_name == "char":
            if len(text) != 1:
                raise ValueError
            return ast.Literal(span, text, "char")
    except ValueError:
        raise CsvProblem(f"line {line}: {text!r} is not a {type_name}") from None
    return ast.Literal(span, text, "string")
