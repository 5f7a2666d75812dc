"""Attributes: `@name(...)` written before a declaration (Scallop's syntax).

nesy knows `@hidden` (the relation is not output), `@goal` (accepted: nesy computes the whole
fixpoint, so the goal relation's answer is the same) and `@demand("bf")` (the relation is
derived only for the bound arguments its readers and queries ask for: the demand
transformation of `nesy.dsl.lower`). Every other attribute goes to the
handler registered for it in `nesy.foreign` (`nesy.attribute`); a handler may turn the
declared relation into a foreign predicate. An attribute without a handler (a program written
for a model-backed `@gpt` or `@clip`) is reported, located at the attribute.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import foreign
from ..errors import Diagnostic
from . import ast, csvfile
from . import diagnostics as kinds

#: Attributes nesy handles itself, and what it does with each (docs/scallop.md).
KNOWN = {"file": "the relation's facts are read from a CSV file (nesy.dsl.csvfile)",
         "hidden": "the relation is not output",
         "goal": "accepted; nesy computes the whole fixpoint",
         "demand": "derived only for the bound arguments asked for (see docs/scallop.md)"}


@dataclass
class Applied:
    """What a program's attributes made of it."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    hidden: set[str] = field(default_factory=set)
    demand: dict[str, str] = field(default_factory=dict)  # relation -> "bf" pattern
    goal: str | None = None  # the @goal relation
    #: relations computed by a foreign predicate that an attribute handler returned
    foreign: dict[str, foreign.ForeignPredicate] = field(default_factory=dict)


def apply(program: ast.Program) -> Applied:
    """Apply every attribute of `program`; declarations replaced by a foreign predicate are
    removed from its items."""
    out = Applied()
    replaced: set[int] = set()
    for attr, item in program.attributes:
        name = _declared_name(item)
        if attr.name == "file":
            _file(program, attr, item, out)
            continue
        if attr.name in KNOWN:
            _known(attr, item, name, out)
            continue
        handler = foreign.attribute_handler(attr.name)
        if handler is None:
            out.diagnostics.append(kinds.UNKNOWN_ATTRIBUTE(attr.name_span, attribute=attr.name))
            continue
        try:
            made = handler(_declaration(item), *attr.args, **attr.kwargs)
        except (ValueError, TypeError) as problem:
            out.diagnostics.append(kinds.ATTRIBUTE_REJECTED(attr.span, attribute=attr.name,
                                                             problem=str(problem)))
            continue
        if isinstance(made, foreign.ForeignPredicate):
            if name is None:
                out.diagnostics.append(kinds.ATTRIBUTE_REJECTED(
                    attr.span, attribute=attr.name,
                    problem="only a relation declaration can become a foreign predicate"))
                continue
            out.foreign[name] = made
            replaced.add(id(item))
    if replaced:
        program.items = [i for i in program.items if id(i) not in replaced]
    return out


def _file(program: ast.Program, attr: ast.Attribute, item, out: Applied) -> None:
    """`@file("edge.csv", ...)` on `type edge(...)`: its facts, read now."""
    if not isinstance(item, ast.RelationType):
        out.diagnostics.append(kinds.ATTRIBUTE_REJECTED(
            attr.span, attribute="file", problem="it loads the facts of a `type` declaration"))
        return
    aliases = {i.name: i.target for i in program.items if isinstance(i, ast.TypeAlias)}
    try:
        program.items.append(csvfile.load(item, attr.args, attr.kwargs, aliases))
    except csvfile.CsvProblem as problem:
        out.diagnostics.append(kinds.ATTRIBUTE_REJECTED(attr.span, attribute="file",
                                                         problem=str(problem)))


def _known(attr: ast.Attribute, item, name: str | None, out: Applied) -> None:
    if name is None:
        out.diagnostics.append(kinds.ATTRIBUTE_REJECTED(
            attr.span, attribute=attr.name, problem="it applies to a relation's declaration, "
                                                    "rule or facts"))
    elif attr.name == "hidden":
        out.hidden.add(name)
    elif attr.name == "goal":
        arity = len(item.head.args) if isinstance(item, ast.Rule) else None
        if arity:
            problem = "a @goal relation must have arity 0"
        elif out.goal is not None and out.goal != name:
            problem = f"more than one relation is annotated with @goal ('{out.goal}' too)"
        else:
            out.goal = name
            return
        out.diagnostics.append(kinds.ATTRIBUTE_REJECTED(attr.span, attribute="goal",
                                                         problem=problem))
    elif attr.name == "demand":
        pattern = attr.args[0] if attr.args else None
        if not (isinstance(pattern, str) and pattern and set(pattern) <= {"b", "f"}):
            out.diagnostics.append(kinds.ATTRIBUTE_REJECTED(
                attr.span, attribute="demand",
                problem="write the pattern of bound and free arguments, as @demand(\"bf\")"))
        elif _arity(item) not in (None, len(pattern)):
            out.diagnostics.append(kinds.ATTRIBUTE_REJECTED(
                attr.span, attribute="demand",
                problem=f"the pattern \"{pattern}\" has {len(pattern)} letters for "
                        f"{_arity(item)} arguments"))
        elif out.demand.get(name, pattern) != pattern:
            out.diagnostics.append(kinds.ATTRIBUTE_REJECTED(
                attr.span, attribute="demand",
                problem=f"'{name}' is already demanded as \"{out.demand[name]}\""))
        else:
            out.demand[name] = pattern


def _arity(item) -> int | None:
    if isinstance(item, ast.RelationType):
        return len(item.fields)
    if isinstance(item, ast.Rule):
        return len(item.head.args)
    return None


def _declared_name(item) -> str | None:
    if isinstance(item, ast.RelationType):
        return item.name
    if isinstance(item, ast.Rule):
        return item.head.relation
    if isinstance(item, (ast.FactSet, ast.FactTable)):
        return item.relation
    return None


def _declaration(item) -> foreign.Declaration:
    if isinstance(item, ast.RelationType):
        return foreign.Declaration("relation", item.name, tuple(
            (f.name, f.type_name, f.adornment) for f in item.fields))
    name = _declared_name(item)
    return foreign.Declaration("rule" if name is not None else "other", name)
