"""Name resolution: declarations, enums, relation arities, unknown names.

Produces a `Scope` (what every name means) and rewrites enum constants from variables into
literals, so later passes see constants where the user wrote `RED`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import aggregators, builtins, foreign
from ..errors import Diagnostic, DiagnosticKind, Span, closest
from ..types import PRIMITIVE_TYPES, PRIMITIVES, ValueType
from . import ast, facts
from . import diagnostics as kinds


@dataclass
class RelationInfo:
    name: str
    arity: int
    first_span: Span
    declared: ast.RelationType | None = None
    defined: bool = False  # has facts or rules


@dataclass
class Scope:
    types: dict[str, ValueType] = field(default_factory=dict)  # type names incl. enums/aliases
    variants: dict[str, ValueType] = field(default_factory=dict)  # enum constant -> enum type
    #: `const` names (and variants of enums with explicit values) -> their value expression
    constants: dict[str, ast.Expr] = field(default_factory=dict)
    relations: dict[str, RelationInfo] = field(default_factory=dict)
    type_spans: dict[str, Span] = field(default_factory=dict)


class Resolver:
    def __init__(self, program: ast.Program, foreign_relations: dict | None = None):
        self.program = program
        #: relations an attribute handler made foreign predicates (`nesy.dsl.attributes`)
        self.foreign_relations = foreign_relations or {}
        # Scallop's Symbol (an interned string) is a String here
        self.scope = Scope(types={**PRIMITIVES, "Symbol": PRIMITIVES["String"]})
        self.diagnostics: list[Diagnostic] = []

    def report(self, kind: DiagnosticKind, span, notes=(), **fields):
        self.diagnostics.append(kind(span, notes, **fields))

    def run(self) -> Scope:
        for item in self.program.items:
            if isinstance(item, (ast.EnumType, ast.TypeAlias)):
                self.declare_type(item)
        for item in self.program.items:
            if isinstance(item, ast.ConstDecl):
                self.declare_constants(item)
        for item in self.program.items:
            if isinstance(item, ast.RelationType):
                self.declare_relation(item)
        for item in self.program.items:
            self.resolve_definition(item)
        for item in self.program.items:
            self.resolve_uses(item)
        self.check_body_relations()
        return self.scope

    # -- declarations ----------------------------------------------------------------------------
    def declare_type(self, item):
        if item.name in self.scope.types:
            prior = self.scope.type_spans.get(item.name)
            self.report(kinds.DUPLICATE_TYPE, item.span,
                        [(prior, "first defined here")] if prior else (), type=item.name)
            return
        if isinstance(item, ast.TypeAlias):
            target = self.scope.types.get(item.target)
            if target is None:
                self.report(kinds.UNKNOWN_TYPE, item.target_span, type=item.target,
                            suggestion=closest(item.target, self.scope.types))
                return
            self.scope.types[item.name] = target
        elif any(v is not None for v in item.values):
            self.declare_numbered_enum(item)
        else:
            enum = ValueType(item.name, tuple(v for v, _ in item.variants))
            self.scope.types[item.name] = enum
            for variant, span in item.variants:
                if variant in self.scope.variants:
                    self.report(kinds.DUPLICATE_ENUM_CONSTANT, span, constant=variant)
                self.scope.variants[variant] = enum
        self.scope.type_spans[item.name] = item.span

    def declare_numbered_enum(self, item: ast.EnumType):
        """`type Color = RED | GREEN = 10 | BLUE`: as in Scallop, the variants are usize
        constants (0, 10, 11: each one more than the previous unless given) and the type
        is usize."""
        self.scope.types[item.name] = PRIMITIVES["usize"]
        value = -1
        for (variant, span), given in zip(item.variants, item.values):
            value = value + 1 if given is None else given
            self.define_constant(variant, span, ast.Cast(span, ast.Literal(span, value, "int"),
                                                          "usize", span))

    def declare_constants(self, item: ast.ConstDecl):
        """`const LEFT = 0, PI: f64 = 3.14`: each name stands for its value (cast to the
        declared type, if any) wherever it is used; a value may name an earlier constant."""
        for a in item.assignments:
            value = self.resolve_expr(a.value)
            if isinstance(value, ast.Var):
                known = [*self.scope.constants, *self.scope.variants]
                self.report(kinds.UNKNOWN_CONSTANT, value.span, constant=value.name,
                            suggestion=closest(value.name, known))
                continue
            if a.type_name is not None:
                if a.type_name not in self.scope.types:
                    self.report(kinds.UNKNOWN_TYPE, a.type_span, type=a.type_name,
                                suggestion=closest(a.type_name, self.scope.types))
                    continue
                value = ast.Cast(a.span, value, a.type_name, a.type_span)
            self.define_constant(a.name, a.name_span, value)

    def define_constant(self, name: str, span: Span, value: ast.Expr):
        if name in self.scope.variants or name in self.scope.constants:
            self.report(kinds.DUPLICATE_ENUM_CONSTANT, span, constant=name)
        self.scope.constants[name] = value

    def declare_relation(self, item: ast.RelationType):
        known = self.scope.relations.get(item.name)
        if known is not None and known.declared is not None:
            self.report(kinds.DUPLICATE_RELATION, item.span,
                        [(known.declared.span, "first declared here")], relation=item.name)
            return
        for f in item.fields:
            if f.type_name not in self.scope.types:
                self.report(kinds.UNKNOWN_TYPE, f.span, type=f.type_name,
                            suggestion=closest(f.type_name, self.scope.types),
                            known=", ".join(PRIMITIVE_TYPES))
        self.scope.relations[item.name] = RelationInfo(item.name, len(item.fields), item.span,
                                                       declared=item)

    def use_relation(self, name: str, arity: int, span: Span, defines: bool):
        info = self.scope.relations.get(name)
        if info is None:
            self.scope.relations[name] = RelationInfo(name, arity, span, defined=defines)
            return True
        info.defined |= defines
        if info.arity != arity:
            self.report(kinds.ARITY_MISMATCH, span,
                        [(info.first_span, f"'{name}' has {info.arity} here")],
                        relation=name, arity=arity, expected=info.arity)
            return False
        return True

    # -- items -----------------------------------------------------------------------------------
    def resolve_definition(self, item):
        if isinstance(item, ast.FactSet):
            for group in item.groups:
                for fact in group:
                    fact.values = [self.resolve_expr(v) for v in fact.values]
                    self.use_relation(item.relation, len(fact.values), fact.span, defines=True)
            if not item.groups:
                self.scope.relations.setdefault(
                    item.relation, RelationInfo(item.relation, 0, item.name_span, defined=True))
        elif isinstance(item, ast.FactTable):  # rows of equal arity, plain values
            self.use_relation(item.relation, len(item.rows[0]), facts.row_span(item, 0),
                              defines=True)
        elif isinstance(item, ast.Rule):
            item.head.args = [self.resolve_expr(a) for a in item.head.args]
            self.use_relation(item.head.relation, len(item.head.args), item.head.span, True)

    def resolve_uses(self, item):
        if isinstance(item, ast.Rule) and item.tag_expr is not None:
            item.tag_expr = self.resolve_expr(item.tag_expr)
        if isinstance(item, ast.Rule) and item.body is not None:
            item.body = self.resolve_formula(item.body)
        elif isinstance(item, ast.Query) and item.args is not None:
            item.args = [self.resolve_expr(a) for a in item.args]

    def check_body_relations(self):
        """Run after all items: relations read in bodies and queries must exist somewhere."""
        known = self.scope.relations
        reported: set[str] = set()
        for node in self._all_nodes():
            if not isinstance(node, ast.Atom) or node.foreign is not None:
                continue
            if node.relation in reported or node.relation in known:
                continue
            # As in Scallop, a relation only read is an error: facts supplied at run time
            # need a `type` declaration. A name one edit away from a known relation is most
            # likely a typo of it.
            reported.add(node.relation)
            typo_of = closest(node.relation, known)
            if typo_of:
                self.report(kinds.UNKNOWN_RELATION, node.name_span, relation=node.relation,
                            suggestion=typo_of)
            else:
                self.report(kinds.UNDEFINED_RELATION, node.name_span, relation=node.relation)
        for item in self.program.items:
            if isinstance(item, ast.Query):
                info = known.get(item.relation)
                if info is None:
                    self.report(kinds.QUERY_UNKNOWN_RELATION, item.name_span,
                                relation=item.relation, suggestion=closest(item.relation, known))
                elif item.args is not None and len(item.args) != info.arity:
                    self.report(kinds.QUERY_ARITY_MISMATCH, item.span, relation=item.relation,
                                arity=len(item.args), expected=info.arity)

    def _all_nodes(self):
        for item in self.program.items:
            if isinstance(item, ast.Rule) and item.body is not None:
                yield from ast.walk(item.body)

    def resolve_formula(self, f):
        """Resolve a formula in place (iteratively: formulas nest as deep as a file holds)."""
        todo = [f]
        while todo:
            node = todo.pop()
            if isinstance(node, ast.Atom):
                node.args = [self.resolve_expr(a) for a in node.args]
                if node.relation in self.scope.relations:  # unknown ones: reported afterwards
                    self.use_relation(node.relation, len(node.args), node.span, defines=False)
                else:
                    self.resolve_foreign(node)
            elif isinstance(node, ast.Not):
                todo.append(node.operand)
            elif isinstance(node, (ast.And, ast.Or)):
                todo.extend(reversed(node.parts))
            elif isinstance(node, ast.Implies):  # in a rule body, `A => B` is `not A or B`
                todo += [node.conclusion, node.premise]
            elif isinstance(node, ast.Constraint):
                node.expr = self.resolve_expr(node.expr)
            elif isinstance(node, ast.Aggregation):
                todo.extend(reversed(self.resolve_aggregation(node)))
        return f

    def resolve_foreign(self, atom: ast.Atom) -> None:
        """An atom of a relation the program neither defines nor declares may call a foreign
        predicate (`range`, `string_chars`, one registered from Python or made by an
        attribute handler); a relation of the program always wins over one."""
        predicate = self.foreign_relations.get(atom.relation) or foreign.predicate(atom.relation)
        if predicate is None:
            return  # reported as undefined afterwards
        atom.foreign = predicate
        if len(atom.args) != predicate.arity:
            self.report(kinds.FOREIGN_PREDICATE_ARITY, atom.span, predicate=atom.relation,
                        expected=predicate.arity, arity=len(atom.args))

    def resolve_aggregation(self, agg: ast.Aggregation) -> list:
        """Check an aggregation; returns the formulas of its body and where clause, to be
        resolved next."""
        aggregator = aggregators.get(agg.aggregator)
        if aggregator is None:
            self.report(kinds.UNKNOWN_AGGREGATOR, agg.aggregator_span, name=agg.aggregator,
                        available=aggregators.names())
        for var in [*agg.results, *agg.args, *agg.bindings, *(agg.where_keys or [])]:
            if var.name in self.scope.variants or var.name in self.scope.constants:
                self.report(kinds.ENUM_CONSTANT_AS_VARIABLE, var.span, constant=var.name)
        if aggregator is not None and aggregator.needs_implies and \
                not isinstance(agg.body, ast.Implies):
            self.report(kinds.AGGREGATOR_NEEDS_IMPLIES, agg.body.span, aggregator=agg.aggregator)
        elif aggregator is not None and not aggregator.needs_implies and \
                isinstance(agg.body, ast.Implies):
            self.misplaced_implies(agg.body, agg.aggregator)
        body = [agg.body.premise, agg.body.conclusion] if isinstance(agg.body, ast.Implies) \
            else [agg.body]
        return body + ([agg.where_body] if agg.where_body is not None else [])

    def misplaced_implies(self, node: ast.Implies, aggregator: str | None):
        """`implies` outside the body of an aggregator that takes one (`forall`); `aggregator`
        is the one whose body it is, or None outside every aggregation."""
        allowed = [n for n in aggregators.names() if aggregators.get(n).needs_implies]
        self.report(kinds.MISPLACED_IMPLIES, node.span, aggregator=aggregator, allowed_in=allowed)

    def resolve_expr(self, e):
        """Enum constants become literals; function calls and casts are checked."""
        return ast.fold(e, self._resolve_node)

    def _resolve_node(self, e, operands):
        ast.set_children(e, operands)
        if isinstance(e, ast.Var) and e.name in self.scope.variants:
            enum = self.scope.variants[e.name]
            return ast.Literal(e.span, enum.variants.index(e.name), "enum", enum.name)
        if isinstance(e, ast.Var) and e.name in self.scope.constants:
            return _copy_at(self.scope.constants[e.name], e.span)
        if isinstance(e, ast.Call):
            fn = builtins.lookup(e.function)
            if fn is None:
                self.report(kinds.UNKNOWN_FUNCTION, e.span, function=e.function,
                            suggestion=closest(e.function, builtins.BUILTINS))
            elif not fn.signature.accepts_arity(len(e.args)):
                self.report(kinds.FUNCTION_ARITY, e.span, function=e.function,
                            arity=len(e.args))
        elif isinstance(e, ast.Cast) and e.type_name not in self.scope.types:
            self.report(kinds.UNKNOWN_TYPE, e.type_span, type=e.type_name,
                        suggestion=closest(e.type_name, self.scope.types))
        return e


def _copy_at(value: ast.Expr, span: Span) -> ast.Expr:
    """A fresh copy of a constant's value (a literal, a negated or cast one), placed at the
    use, so that every use is its own node with its own span."""
    if isinstance(value, ast.Cast):
        return ast.Cast(span, _copy_at(value.operand, span), value.type_name, value.type_span)
    if isinstance(value, ast.Unary):
        return ast.Unary(span, value.op, _copy_at(value.operand, span))
    return ast.Literal(span, value.value, value.kind, value.enum_type)
