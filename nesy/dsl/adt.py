"""Algebraic data types and entities (Scallop's `type Expr = Const(i32) | Add(Expr, Expr)`),
rewritten into plain relations before name resolution, as Scallop implements them:

- an ADT is a u64 type (its values are entity ids) and each variant `V` a hidden relation
  `adt#V(id, fields...)`;
- a ground constructor (`Add(Const(5), Const(3))` in a fact, a `const`, an atom) is an entity
  constant: its id is Scallop-style hash of the variant's name and fields, and the facts
  `adt#V(id, ...)` of it and of every entity inside it are added to the program;
- `case e is Add(x, Const(0))` is the atoms `adt#Add(e, x, #1), adt#Const(#1, 0)`; a
  constructor with variables in a rule head (`rel eval(Const(y), y)`) or a body atom
  (`match(Con(r1, r2), s, e)`) is such a pattern on a fresh variable;
- `new Add(a, b)` in a rule head makes the entity at run time: its id is `$hash("Add", a, b)`
  (the same hash the constants get at compile time) and a second rule adds its `adt#Add` row.

Entity ids are u64 values; equal entities have equal ids. Ids print as numbers (Scallop
prints `entity(0x...)`).
"""
from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field

from ..builtins.hash import hash_values as typed_hash
from ..errors import Diagnostic, Span, closest
from . import ast
from . import diagnostics as kinds

ENTITY_TYPE = "u64"


def relation_of(variant: str) -> str:
    return f"adt#{variant}"


@dataclass
class Variant:
    adt: str
    name: str
    fields: list[str]  # declared field type names


@dataclass
class Rewriter:
    program: ast.Program
    variants: dict[str, Variant] = field(default_factory=dict)
    adts: set[str] = field(default_factory=set)
    enums: dict[str, int] = field(default_factory=dict)  # plain enum variant -> index
    constants: dict[str, ast.Expr] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    facts: dict[tuple, ast.FactItem] = field(default_factory=dict)  # (variant, id) -> row
    extra_rules: list[ast.Rule] = field(default_factory=list)
    fresh: itertools.count = field(default_factory=lambda: itertools.count(1))

    def report(self, kind, span, **fields):
        self.diagnostics.append(kind(span, **fields))

    # -- declarations ------------------------------------------------------------------------------
    def declare(self) -> list:
        items = []
        for item in self.program.items:
            if isinstance(item, ast.EnumType) and not any(v is not None for v in item.values):
                self.enums.update({v: i for i, (v, _) in enumerate(item.variants)})
            if not isinstance(item, ast.AdtType):
                items.append(item)
                continue
            self.adts.add(item.name)
            items.append(ast.TypeAlias(item.span, item.name, ENTITY_TYPE, item.span))
            for name, fields, span in item.variants:
                if name in self.variants:
                    self.report(kinds.DUPLICATE_ENUM_CONSTANT, span, constant=name)
                    continue
                self.variants[name] = Variant(item.name, name, fields)
                items.append(ast.RelationType(span, relation_of(name), [
                    ast.Field(span, None, ENTITY_TYPE), *(ast.Field(span, None, f) for f in fields)]))
        return items

    # -- entities ----------------------------------------------------------------------------------
    def ground(self, e) -> bool:
        return not any(isinstance(n, ast.Var) and n.name not in self.enums and
                       n.name not in self.constants for n in ast.walk(e))

    def entity(self, c: ast.Constructor) -> ast.Literal | None:
        """The id of a ground constructor, as an entity literal; its facts (and those of the
        entities inside it) are recorded. Iterative: a list constant may nest thousands deep."""
        return ast.fold(c, self._entity, _constructor_args)

    def _entity(self, node, args: list):
        """`ast.fold` step: (literal, Python value) of an argument, the entity literal of a
        constructor (from its arguments' results), or None when there is no value."""
        if not isinstance(node, ast.Constructor):
            return self.value(node)
        variant = self.variant(node)
        if variant is None or any(a is None for a in args):
            return None
        types = [ENTITY_TYPE if t in self.adts else t for t in variant.fields]
        values = [a.value if isinstance(a, ast.Literal) and a.kind == "entity" else a[1]
                  for a in args]
        row = [a if isinstance(a, ast.Literal) and a.kind == "entity" else a[0] for a in args]
        entity_id = typed_hash(("String", *types), variant.name, *values)
        self.facts.setdefault((variant.name, entity_id), ast.FactItem(
            node.span, None, [ast.Literal(node.span, entity_id, "entity", ENTITY_TYPE), *row]))
        return ast.Literal(node.span, entity_id, "entity", ENTITY_TYPE)

    def value(self, arg):
        """(the argument as written for the variant's fact, its Python value for hashing) of
        an argument that is not a constructor, or None (reported)."""
        if isinstance(arg, ast.Literal):
            return arg, arg.value
        if isinstance(arg, ast.Unary) and arg.op == "-" and isinstance(arg.operand, ast.Literal):
            return arg, -arg.operand.value
        if isinstance(arg, ast.Cast):  # a typed constant, `const PI: f64 = 3.14`
            inner = self.value(arg.operand)
            return None if inner is None else (arg, inner[1])
        if isinstance(arg, ast.Var) and arg.name in self.constants:
            known = self.constants[arg.name]
            return (known, known.value) if isinstance(known, ast.Literal) else self.value(known)
        if isinstance(arg, ast.Var) and arg.name in self.enums:
            return arg, self.enums[arg.name]
        self.report(kinds.CONSTANT_WITHOUT_VALUE, arg.span)
        return None

    def variant(self, c: ast.Constructor) -> Variant | None:
        variant = self.variants.get(c.name)
        if variant is None:
            if self.variants:
                self.report(kinds.UNKNOWN_VARIANT, c.name_span, variant=c.name,
                            suggestion=closest(c.name, self.variants))
            else:
                self.report(kinds.VALUE_EXPECTED, c.span, relation=c.name)
            return None
        if len(c.args) != len(variant.fields):
            self.report(kinds.VARIANT_ARITY, c.span, variant=c.name,
                        expected=len(variant.fields), arity=len(c.args))
            return None
        return variant

    # -- patterns ----------------------------------------------------------------------------------
    def pattern(self, subject: ast.Expr, c: ast.Expr, out: list) -> None:
        """Atoms saying `subject` is the entity pattern `c` (appended to out)."""
        if not isinstance(c, ast.Constructor):
            self.report(kinds.CASE_PATTERN, c.span)
            return
        variant = self.variant(c)
        if variant is None:
            return
        args = []
        for arg in c.args:
            if isinstance(arg, ast.Constructor):
                var = self.fresh_var(arg.span)
                self.pattern(var, arg, out)
                args.append(var)
            else:
                args.append(self.expr(arg))
        out.append(ast.Atom(c.span, relation_of(variant.name), [subject, *args], c.name_span))

    def fresh_var(self, span: Span) -> ast.Var:
        return ast.Var(span, f"adt#{next(self.fresh)}")

    def expr(self, e):
        """Ground constructors inside an expression become entity literals; any other
        constructor here is reported (and replaced, so later passes see only values)."""
        if isinstance(e, ast.Call) and e.function == "parse_entity":
            parsed = self.parse_entity(e)
            if parsed is not None:
                return self.expr(parsed)
        if isinstance(e, ast.Constructor):
            if e.new:
                self.report(kinds.MISPLACED_NEW, e.span)
            elif self.ground(e):
                literal = self.entity(e)
                if literal is not None:
                    return literal
            elif not self.variants:
                self.report(kinds.VALUE_EXPECTED, e.span, relation=e.name)
            else:
                self.report(kinds.CASE_PATTERN, e.span)
            return ast.Literal(e.span, False, "bool")
        for kid in ast.children(e):
            if isinstance(kid, ast.Constructor) or any(
                    isinstance(n, ast.Constructor) for n in ast.walk(kid)):
                ast.set_children(e, [self.expr(k) for k in ast.children(e)])
                break
        return e

    def parse_entity(self, call: ast.Call):
        """`$parse_entity("Add(Const(1), Const(3))")` of a constant text: the constructor the
        text writes (then an entity constant like any other), located at the call; None
        when the argument is not a string literal (left to the type checker)."""
        from ..errors import Source
        from .parser import parse

        if len(call.args) != 1 or not (isinstance(call.args[0], ast.Literal) and
                                       call.args[0].kind == "string"):
            return None
        text = call.args[0].value
        program, problems = parse(Source("<$parse_entity>", f"const ENTITY = {text}\n"))
        value = None
        if program is not None and not problems and len(program.items) == 1:
            item = program.items[0]
            if isinstance(item, ast.ConstDecl) and len(item.assignments) == 1:
                value = item.assignments[0].value
        if not isinstance(value, ast.Constructor) or not self.ground(value):
            self.report(kinds.ENTITY_TEXT, call.span, text=text)
            return ast.Literal(call.span, False, "bool")  # reported: later passes see a value
        for node in ast.walk(value):
            node.span = call.span
            if isinstance(node, ast.Constructor):
                node.name_span = call.span
        return value

    def atom_args(self, args: list, extra: list) -> list:
        """An atom's arguments: ground constructors become constants, others a fresh
        variable constrained by a pattern (appended to extra)."""
        out = []
        for arg in args:
            if isinstance(arg, ast.Constructor) and not arg.new and not self.ground(arg):
                var = self.fresh_var(arg.span)
                self.pattern(var, arg, extra)
                out.append(var)
            else:
                out.append(self.expr(arg))
        return out

    def formula(self, f):
        if isinstance(f, ast.CaseIs):
            out: list = []
            self.pattern(f.var, f.pattern, out)
            return ast.And(f.span, out) if out else f
        if isinstance(f, ast.Atom):
            extra: list = []
            f.args = self.atom_args(f.args, extra)
            return ast.And(f.span, [f, *extra]) if extra else f
        if isinstance(f, (ast.And, ast.Or)):
            f.parts = [self.formula(p) for p in f.parts]
        elif isinstance(f, ast.Not):
            f.operand = self.formula(f.operand)
        elif isinstance(f, ast.Implies):
            f.premise, f.conclusion = self.formula(f.premise), self.formula(f.conclusion)
        elif isinstance(f, ast.Aggregation):
            f.body = self.formula(f.body)
            if f.where_body is not None:
                f.where_body = self.formula(f.where_body)
        elif isinstance(f, ast.Constraint):
            f.expr = self.expr(f.expr)
        return f

    # -- items -------------------------------------------------------------------------------------
    def rule(self, rule: ast.Rule) -> None:
        extra: list = []
        new: list[tuple[ast.Var, ast.Constructor]] = []
        args = []
        for arg in rule.head.args:
            if isinstance(arg, ast.Constructor) and arg.new:
                var = self.fresh_var(arg.span)
                new.append((var, arg))
                args.append(var)
            else:
                args.extend(self.atom_args([arg], extra))
        rule.head.args = args
        body = None if rule.body is None else self.formula(rule.body)
        parts = ([body] if body is not None else []) + extra
        for var, c in new:
            variant = self.variant(c)
            if variant is None:
                continue
            c_args = [self.expr(a) for a in c.args]
            hashed = ast.Call(c.span, "hash", [ast.Literal(c.span, c.name, "string"), *c_args])
            parts.append(ast.Constraint(c.span, ast.Binary(c.span, "==", var, hashed)))
            made = ast.Atom(c.span, relation_of(variant.name), [var, *c_args], c.name_span)
            self.extra_rules.append(ast.Rule(c.span, made, None, demand_of=rule.head))
            # (body set below)
        if parts:
            rule.body = parts[0] if len(parts) == 1 else ast.And(rule.span, parts)
        for made in self.extra_rules[len(self.extra_rules) - len(new):]:
            made.body = copy.deepcopy(rule.body)  # nodes are not shared between rules

    def run(self) -> None:
        items = self.declare()
        for item in items:
            if isinstance(item, ast.ConstDecl):
                for a in item.assignments:
                    if any(isinstance(n, ast.Constructor) for n in ast.walk(a.value)):
                        a.value = self.expr(a.value)
                    self.constants[a.name] = a.value
            elif isinstance(item, ast.FactSet):
                for group in item.groups:
                    for fact in group:
                        fact.values = [self.expr(v) for v in fact.values]
            elif isinstance(item, ast.Rule):
                self.rule(item)
            elif isinstance(item, ast.Query) and item.args:
                item.args = [self.expr(a) for a in item.args]
        for (variant, _), row in self.facts.items():
            items.append(ast.FactSet(row.span, relation_of(variant), row.span, [[row]]))
        self.program.items = items + self.extra_rules


def _constructor_args(node) -> list:
    return list(node.args) if isinstance(node, ast.Constructor) else []


def rewrite(program: ast.Program) -> tuple[list[Diagnostic], set[str]]:
    """Rewrite the ADTs of `program` in place; returns the diagnostics and the names of the
    relations made (hidden from the output). Without ADT declarations nothing is rewritten:
    each constructor is reported where it is (an iterative walk: formulas nest deep)."""
    if any(isinstance(i, ast.AdtType) for i in program.items):
        rewriter = Rewriter(program)
        rewriter.run()
        return rewriter.diagnostics, {relation_of(v) for v in rewriter.variants}
    out, patterns = [], set()
    for item in program.items:
        for node in _nodes(item):
            if isinstance(node, ast.CaseIs):  # no type has the variant it names
                out.append(kinds.UNKNOWN_VARIANT(node.pattern.span, suggestion=None,
                                                 variant=getattr(node.pattern, "name", "?")))
                patterns.add(id(node.pattern))
            elif isinstance(node, ast.Constructor) and id(node) not in patterns:
                out.append(kinds.VALUE_EXPECTED(node.span, relation=node.name))
    return out, set()


def _nodes(item):
    if isinstance(item, ast.Rule):
        yield from ast.walk(item.head)
        if item.body is not None:
            yield from ast.walk(item.body)
    elif isinstance(item, ast.FactSet):
        for group in item.groups:
            for fact in group:
                for v in fact.values:
                    yield from ast.walk(v)
    elif isinstance(item, ast.ConstDecl):
        for a in item.assignments:
            yield from ast.walk(a.value)
    elif isinstance(item, ast.Query) and item.args:
        for a in item.args:
            yield from ast.walk(a)


__all__ = ["rewrite", "relation_of"]
