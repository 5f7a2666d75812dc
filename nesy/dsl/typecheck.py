"""Type inference by unification.

Every relation column, rule variable and expression gets a *slot*; a slot holds the set of
types it may still take (None = any). Uses narrow the set; an empty set is a conflict,
reported at the use with a note at the place that fixed the other type. Unconstrained
integer literals default to i32 and float literals to f64.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import aggregators, builtins
from ..errors import Diagnostic, Span
from ..types import FLOAT_TYPES, INTEGER_RANGES, ValueType
from . import ast, facts
from . import diagnostics as kinds
from .resolve import Scope

INTEGERS = frozenset(INTEGER_RANGES)
FLOATS = frozenset(FLOAT_TYPES)
NUMBERS = INTEGERS | FLOATS
_LITERAL_TYPES = {"int": NUMBERS, "float": FLOATS, "string": frozenset(["String"]),
                  "bool": frozenset(["bool"])}
ORDERED = NUMBERS | {"String", "char", "DateTime", "Duration"}
# What may be cast to `char` and `bool`, where Scallop rejects more than a cast that fails at
# run time: `1.5 as char` and `"true" as bool` are errors there. (Integers to char remain a
# nesy extension: code points.) Other targets take any source.
_CAST_SOURCES = {"char": INTEGERS | {"char"}, "bool": frozenset(["bool"])}
CLASSES = {"any": None, "numeric": NUMBERS, "integer": INTEGERS, "float": FLOATS,
           "string": frozenset(["String"])}


@dataclass
class Slot:
    allowed: frozenset | None
    origin: Span | None  # where the set was last narrowed to what it is


class TypeChecker:
    def __init__(self, program: ast.Program, scope: Scope):
        self.program = program
        self.scope = scope
        self.parent: list[int] = []
        self.slots: list[Slot] = []
        self.relation_slots: dict[str, list[int]] = {}
        self.node_slots: dict[int, int] = {}
        self.diagnostics: list[Diagnostic] = []
        #: What an integer literal may be: a number, or an enum's variant by its index (a
        #: Scallop enum is a usize: `rel r = {(0, LEFT)}` may give an enum column a 1).
        self.int_literal = NUMBERS | {t.name for t in scope.types.values() if t.is_enum}

    # -- union-find over slots -------------------------------------------------------------------
    def fresh(self, allowed=None, origin=None) -> int:
        self.parent.append(len(self.parent))
        self.slots.append(Slot(allowed, origin))
        return len(self.parent) - 1

    def find(self, s: int) -> int:
        while self.parent[s] != s:
            self.parent[s] = self.parent[self.parent[s]]
            s = self.parent[s]
        return s

    def describe(self, allowed) -> str:
        if allowed is None:
            return "any type"
        if len(allowed) == 1:
            return next(iter(allowed))
        if allowed == self.int_literal:
            return "a number"
        for name, group in (("an integer", INTEGERS), ("a float", FLOATS), ("a number", NUMBERS)):
            if allowed <= group and allowed == group:
                return name
        return "one of " + ", ".join(sorted(allowed))

    def unify(self, a: int, b: int, span: Span, context: str = "") -> int:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        sa, sb = self.slots[ra], self.slots[rb]
        merged = _intersect(sa.allowed, sb.allowed)
        if merged is not None and not merged:
            self.conflict(span, sa, sb, context)
            return ra
        self.parent[rb] = ra
        narrowed_by_b = sa.allowed is None or (merged != sa.allowed)
        origin = sb.origin if narrowed_by_b and sb.origin is not None else sa.origin or sb.origin
        self.slots[ra] = Slot(merged, origin)
        return ra

    def restrict(self, s: int, allowed, span: Span, context: str = ""):
        self.unify(s, self.fresh(allowed, span), span, context)

    def conflict(self, span: Span, a: Slot, b: Slot, context: str):
        # Report the side that was fixed elsewhere as the note; the use here is the error.
        first, second = (a, b) if a.origin is not None else (b, a)
        notes = []
        for slot in (first, second):
            if slot.origin is not None and slot.origin != span:
                notes.append((slot.origin, f"{self.describe(slot.allowed)} comes from here"))
        self.diagnostics.append(kinds.TYPE_CONFLICT(
            span, notes, context=context, left=self.describe(a.allowed),
            right=self.describe(b.allowed), left_types=_names(a.allowed),
            right_types=_names(b.allowed)))

    # -- relations -------------------------------------------------------------------------------
    def relation(self, name: str) -> list[int]:
        if name not in self.relation_slots:
            info = self.scope.relations[name]
            slots = [self.fresh() for _ in range(info.arity)]
            if info.declared is not None:
                for slot, fld in zip(slots, info.declared.fields):
                    vt = self.scope.types.get(fld.type_name)
                    if vt is not None:
                        self.slots[slot] = Slot(frozenset([vt.name]), fld.span)
            self.relation_slots[name] = slots
        return self.relation_slots[name]

    def atom(self, atom: ast.Atom, env: dict):
        if atom.foreign is not None:
            self.foreign_atom(atom, env)
            return
        info = self.scope.relations.get(atom.relation)
        if info is None or info.arity != len(atom.args):
            return  # reported by name resolution
        for column, arg in zip(self.relation(atom.relation), atom.args):
            self.unify(column, self.expr(arg, env), arg.span,
                       f"argument of '{atom.relation}'")

    # -- the walk --------------------------------------------------------------------------------
    def run(self):
        for name in self.scope.relations:
            self.relation(name)
        for item in self.program.items:
            if isinstance(item, ast.FactSet):
                for group in item.groups:
                    for fact in group:
                        self.atom(ast.Atom(fact.span, item.relation, fact.values, fact.span), {})
            elif isinstance(item, ast.FactTable):
                self.fact_table(item)
            elif isinstance(item, ast.Rule):
                env: dict[str, int] = {}
                if item.body is not None:
                    self.formula(item.body, env)
                self.atom(item.head, env)
                if item.tag_expr is not None:
                    self.restrict(self.expr(item.tag_expr, env), FLOATS, item.tag_expr.span,
                                  "a rule's tag (a probability)")
            elif isinstance(item, ast.Query) and item.args is not None:
                self.atom(ast.Atom(item.span, item.relation, item.args, item.name_span), {})

    def fact_table(self, table: ast.FactTable):
        """Each column takes the kinds of literal it holds, located at the first of each."""
        info = self.scope.relations.get(table.relation)
        if info is None or info.arity != len(table.first_of_kind):
            return  # reported by name resolution
        context = f"argument of '{table.relation}'"
        columns = zip(self.relation(table.relation), table.first_of_kind)
        for c, (slot, first_rows) in enumerate(columns):
            for kind, row in first_rows.items():
                allowed = self.int_literal if kind == "int" else _LITERAL_TYPES[kind]
                self.restrict(slot, allowed, facts.value_span(table, row, c), context)

    def formula(self, f, env):
        """Type a formula, left to right (iteratively: formulas nest as deep as a file holds);
        a callable on the work list is an aggregation's check after its body."""
        todo = [f]
        while todo:
            node = todo.pop()
            if callable(node):
                node()
            elif isinstance(node, ast.Atom):
                self.atom(node, env)
            elif isinstance(node, ast.Not):
                todo.append(node.operand)
            elif isinstance(node, (ast.And, ast.Or)):
                todo.extend(reversed(node.parts))
            elif isinstance(node, ast.Implies):
                todo += [node.conclusion, node.premise]
            elif isinstance(node, ast.Constraint):
                self.restrict(self.expr(node.expr, env), frozenset(["bool"]), node.expr.span,
                              "a condition must be a boolean")
            elif isinstance(node, ast.Aggregation):
                todo.append(lambda agg=node: self.aggregation(agg, env))
                if node.where_body is not None:
                    todo.append(node.where_body)
                todo.append(node.body)

    def aggregation(self, agg: ast.Aggregation, env):
        """An aggregation's variables and results, once its body and where clause are typed."""
        args = [self.var(v, env) for v in agg.args]
        values = [self.var(v, env) for v in agg.bindings]
        for var in agg.where_keys or []:
            self.var(var, env)
        kind = agg.aggregator
        aggregator = aggregators.get(kind)
        if aggregator is None:
            return  # reported by name resolution
        allowed = CLASSES[aggregator.value_class]
        if allowed is not None:
            for v, slot in zip(agg.bindings, values):
                self.restrict(slot, allowed, v.span, f"{kind} {aggregator.value_reason}")
        if len(agg.results) != aggregator.n_results(len(args), len(values)):
            return  # reported by lowering, which checks the aggregator's shape
        for var, rtype in zip(agg.results, aggregator.result_types(args, values)):
            slot = self.var(var, env)
            if isinstance(rtype, frozenset):
                self.restrict(slot, rtype, var.span, f"result of {kind}")
            else:
                self.unify(slot, rtype, var.span, f"result of {kind}")

    def var(self, v: ast.Var, env) -> int:
        if v.is_wildcard:
            slot = self.fresh()
        else:
            slot = env.setdefault(v.name, self.fresh())
        self.node_slots[id(v)] = slot
        return slot

    def expr(self, e, env) -> int:
        """The slot of an expression, operands first (iteratively, for any nesting depth)."""
        return ast.fold(e, lambda node, operands: self._expr(node, operands, env))

    def _expr(self, e, operands: list[int], env) -> int:
        slot = self._slot(e, operands, env)
        self.node_slots[id(e)] = slot
        return slot

    def _slot(self, e, operands: list[int], env) -> int:
        if isinstance(e, ast.Var):
            return self.var(e, env)
        if isinstance(e, ast.Literal):
            if e.kind == "int":  # an integer literal may be a float (`185` in an f32 column)
                return self.fresh(self.int_literal, e.span)  # or an enum, as in Scallop

            if e.kind == "float":
                return self.fresh(FLOATS, e.span)
            name = {"string": "String", "char": "char", "bool": "bool"}.get(e.kind, e.enum_type)
            return self.fresh(frozenset([name]), e.span)
        if isinstance(e, ast.Binary):
            return self.binary(e, *operands)
        if isinstance(e, ast.Unary):
            (operand,) = operands
            allowed = NUMBERS if e.op == "-" else frozenset(["bool"])
            self.restrict(operand, allowed, e.span, f"operator '{e.op}'")
            return operand
        if isinstance(e, ast.Cast):
            target = self.scope.types.get(e.type_name)
            sources = _CAST_SOURCES.get(target.name) if target else None
            if sources is not None:
                (operand,) = operands
                self.restrict(operand, sources, e.span, f"cast to {target.name}")
            return self.fresh(frozenset([target.name]) if target else None, e.type_span)
        if isinstance(e, ast.IfThenElse):
            condition, then, otherwise = operands
            self.restrict(condition, frozenset(["bool"]), e.condition.span,
                          "the condition of if")
            return self.unify(then, otherwise, e.span, "the branches of if")
        if isinstance(e, ast.Call):
            return self.call(e, operands)
        raise AssertionError(f"unexpected expression {e!r}")

    def binary(self, e: ast.Binary, left: int, right: int) -> int:
        if e.op in ("&&", "||"):
            for side, node in ((left, e.left), (right, e.right)):
                self.restrict(side, frozenset(["bool"]), node.span, f"operator '{e.op}'")
            return self.fresh(frozenset(["bool"]))
        if e.op in ("+", "-"):
            time = self.time_arithmetic(e.op, left, right)
            if time is not None:
                return time
        operands = self.unify(left, right, e.span, f"operands of '{e.op}'")
        if e.op in ("+", "-", "*", "/", "%"):
            # Scallop's `+` also concatenates strings
            allowed = NUMBERS | {"String"} if e.op == "+" else NUMBERS
            self.restrict(operands, allowed, e.span, f"operator '{e.op}'")
            return operands
        if e.op in ("<", "<=", ">", ">="):
            self.restrict(operands, ORDERED, e.span, f"operator '{e.op}'")
        return self.fresh(frozenset(["bool"]))

    def time_arithmetic(self, op: str, left: int, right: int) -> int | None:
        """The result of + or - between DateTime and Duration operands (whose types are
        already known), as Scallop: DateTime ± Duration is a DateTime, Duration ± Duration a
        Duration, DateTime - DateTime a Duration; None for other operands."""
        types = []
        for slot in (left, right):
            allowed = self.slots[self.find(slot)].allowed
            types.append(next(iter(allowed)) if allowed is not None and len(allowed) == 1
                         else None)
        result = _TIME_RESULTS.get((types[0], op, types[1]))
        return None if result is None else self.fresh(frozenset([result]))

    def call(self, e: ast.Call, args: list[int]) -> int:
        fn = builtins.lookup(e.function)
        if fn is None or not fn.signature.accepts_arity(len(args)):
            return self.fresh()
        specs = [fn.signature.param_for(i) for i in range(len(args))]
        variables = self.signature(specs, args, e.args, f"${e.function}")
        ret = fn.signature.returns
        return variables[ret] if ret in variables else self.fresh(frozenset([ret]))

    def foreign_atom(self, atom: ast.Atom, env: dict) -> None:
        """A foreign predicate's arguments take its declared types; `range<usize>(...)` fixes
        its type variable."""
        predicate = atom.foreign
        if predicate.arity != len(atom.args):
            return  # reported by name resolution
        slots = [self.expr(a, env) for a in atom.args]
        variables = self.signature(list(predicate.types), slots, atom.args,
                                   f"'{atom.relation}'")
        type_args = [t for t in atom.type_args if t in self.scope.types]
        for name, type_name in zip(sorted(variables), type_args):
            self.restrict(variables[name], frozenset([type_name]), atom.name_span,
                          f"type argument of '{atom.relation}'")

    def signature(self, specs: list[str], args: list[int], nodes: list, what: str) -> dict:
        """Restrict argument slots to their specs (type names, or type variables `T:class`
        linking every argument naming them); returns the slot of each type variable."""
        variables: dict[str, int] = {}
        for i, (spec, slot, node) in enumerate(zip(specs, args, nodes)):
            context = f"argument {i + 1} of {what}"
            if spec == "?":
                continue
            if ":" in spec:
                name, cls = spec.split(":")
                if name in variables:
                    self.unify(variables[name], slot, node.span, context)
                else:
                    variables[name] = slot
                    if CLASSES[cls] is not None:
                        self.restrict(slot, CLASSES[cls], node.span, context)
            else:
                self.restrict(slot, frozenset([spec]), node.span, context)
        return variables

    # -- results ---------------------------------------------------------------------------------
    def resolved(self, slot: int) -> ValueType:
        allowed = self.slots[self.find(slot)].allowed
        if allowed is None or len(allowed) == 0:
            name = "i32"
        elif len(allowed) == 1:
            name = next(iter(allowed))
        elif "i32" in allowed:
            name = "i32"
        elif "f64" in allowed:
            name = "f64"
        else:
            name = sorted(allowed)[0]
        return self.scope.types[name]

    def relation_types(self) -> dict[str, tuple[ValueType, ...]]:
        return {name: tuple(self.resolved(s) for s in slots)
                for name, slots in self.relation_slots.items()}

    def node_type(self, node) -> ValueType:
        slot = self.node_slots.get(id(node))
        if slot is None:  # only under atoms of unknown relations, already reported
            return self.scope.types["i32"]
        return self.resolved(slot)


_TIME_RESULTS = {
    ("DateTime", "+", "Duration"): "DateTime", ("DateTime", "-", "Duration"): "DateTime",
    ("Duration", "+", "DateTime"): "DateTime", ("Duration", "+", "Duration"): "Duration",
    ("Duration", "-", "Duration"): "Duration", ("DateTime", "-", "DateTime"): "Duration",
}


def _names(allowed) -> list[str] | None:
    """The type names a slot may still take, sorted; None for any type."""
    return None if allowed is None else sorted(allowed)


def _intersect(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def check_literal_ranges(program: ast.Program, checker: TypeChecker) -> list[Diagnostic]:
    """Integer literals must fit their inferred type (`-3` is checked as a whole)."""
    out = []
    for table in program.items:
        if isinstance(table, ast.FactTable):
            out += _table_range_errors(table, checker)
    negated, literals = set(), []  # one walk (a rule list's every node, each pass counts)
    for node in _expressions(program):
        if isinstance(node, ast.Unary) and node.op == "-" and isinstance(node.operand, ast.Literal) \
                and node.operand.kind == "int":
            negated.add(id(node.operand))
            out += _range_error(node, -node.operand.value, checker)
        elif isinstance(node, ast.Literal) and node.kind == "int":
            literals.append(node)
    for node in literals:
        if id(node) not in negated:
            out += _range_error(node, node.value, checker)
    return out


def _range_error(node, value, checker: TypeChecker) -> list[Diagnostic]:
    if id(node) not in checker.node_slots:
        return []
    vt = checker.node_type(node)
    if not (vt.is_integer or vt.is_enum):
        return []
    low, high = _range(vt)
    if low <= value <= high:
        return []
    return [kinds.LITERAL_OUT_OF_RANGE(node.span, value=value, type=vt.name, low=low,
                                       high=high)]


def _expressions(program: ast.Program):
    for item in program.items:
        if isinstance(item, ast.FactSet):
            for group in item.groups:
                for fact in group:
                    for v in fact.values:
                        yield from ast.walk(v)
        elif isinstance(item, ast.Rule):
            yield from ast.walk(item.head)
            if item.tag_expr is not None:
                yield from ast.walk(item.tag_expr)
            if item.body is not None:
                yield from ast.walk(item.body)
        elif isinstance(item, ast.Query) and item.args:
            for a in item.args:
                yield from ast.walk(a)


def _range(vt) -> tuple[int, int]:
    """The integers a column of type `vt` holds (an enum's: its variants' indices)."""
    return (0, len(vt.variants) - 1) if vt.is_enum else INTEGER_RANGES[vt.name]


def _table_range_errors(table: ast.FactTable, checker: TypeChecker) -> list[Diagnostic]:
    """Integer columns of a fact table: checked by their extremes, located only on failure."""
    slots = checker.relation_slots.get(table.relation)
    if slots is None or len(slots) != len(table.first_of_kind):
        return []  # an arity mismatch, reported by name resolution
    out = []
    for c, slot in enumerate(slots):
        if "int" not in table.first_of_kind[c]:
            continue
        vt = checker.resolved(slot)
        if vt.is_float:
            continue  # integers in a float column are floats (as in a fact set)
        column = [row[c] for row in table.rows]
        if len(table.first_of_kind[c]) > 1:  # a type conflict, reported: as the parser would,
            column = [v if type(v) is int else 0 for v in column]  # check each integer alone,
            vt = vt if vt.is_integer else checker.scope.types["i32"]  # by default as an i32
        elif not (vt.is_integer or vt.is_enum):
            continue
        low, high = _range(vt)
        if low <= min(column) and max(column) <= high:
            continue
        for i, value in enumerate(column):
            if not low <= value <= high:
                out.append(kinds.LITERAL_OUT_OF_RANGE(facts.value_span(table, i, c), value=value,
                                                      type=vt.name, low=low, high=high))
    return out
