"""AST -> IR.

Passes, in order: facts (constant values, probabilities, annotated disjunctions); rules to
disjunctive normal form, one IR rule per disjunct; aggregations and negated compound formulas
become compiler-made relations (named with '#', which no user name contains); each body is
ordered for execution, which is also where unsafe variables are found; strata come from the
SCCs of the dependency graph, and a cycle through `not` or an aggregation is reported.

Scallop's demand transformation (`@demand("bf")`, `bound` fields) happens while ordering
bodies, because it changes which variables are bound: a demanded relation's rules start with
its demand relation `p#demanded_bf`, and each atom of it adds the rule deriving that demand
from the body before the atom (magic sets). The run-time pass `nesy.passes.demand` does the
same for a query's constants on any program; this one is what the program asked for, so it
also makes programs terminate that are infinite without it (`fib(x - 1, a)`).
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from functools import cached_property

from .. import aggregators, graphs, ir
from ..errors import Diagnostic, DiagnosticKind, Span
from ..types import BOOL, ValueType
from . import ast, facts
from . import diagnostics as kinds
from .attributes import Applied
from .resolve import Scope
from .typecheck import TypeChecker


@dataclass
class RuleContext:
    """Variables of one user rule: their first occurrence and their type."""

    first: dict[str, ast.Var] = field(default_factory=dict)
    origin: str = ""  # the user relation this rule (or helper) serves, for messages
    span: Span | None = None


class Lowering:
    def __init__(self, program: ast.Program, scope: Scope, checker: TypeChecker,
                 grammars: dict[str, ir.Grammar], applied: Applied | None = None):
        self.program = program
        self.applied = applied or Applied()
        self.grammars = grammars  # lowered before type checking (see grammars.py)
        self.scope = scope
        self.checker = checker
        self.types = checker.relation_types()
        self.diagnostics: list[Diagnostic] = []
        self.relations: dict[str, ir.Relation] = {}
        self.facts: list[ir.Fact] = []
        self.rules: list[ir.Rule] = []
        self.aggregates: list[ir.Aggregate] = []
        self.hidden_origin: dict[str, str] = {}
        self.counter = itertools.count(1)
        self.groups = itertools.count(0)
        self.reported_unbound: set[tuple] = set()  # one error per variable occurrence
        self.demand = self.demand_adornments()

    def demand_adornments(self) -> dict[str, tuple[bool, ...]]:
        """relation -> which columns its callers bind, from `@demand("bf")` or `bound` fields
        in its `type` declaration (Scallop's two ways to ask for the demand transformation).
        Only relations that rules derive are demanded: facts and inputs are read in full."""
        out = {}
        derived = {item.head.relation for item in self.program.items
                   if isinstance(item, ast.Rule) and (item.body is not None or
                                                      _has_vars(item.head))}
        for name, info in self.scope.relations.items():
            if name not in derived:
                continue
            pattern = self.applied.demand.get(name)
            fields = info.declared.fields if info.declared else ()
            if pattern is None and any(f.adornment == "bound" for f in fields):
                pattern = "".join("b" if f.adornment == "bound" else "f" for f in fields)
            if pattern is None or "b" not in pattern:
                continue
            disjunctive = next((i for i in self.program.items if isinstance(i, ast.Rule)
                                and i.disjunctive and i.head.relation == name), None)
            if disjunctive is not None:  # as Scallop: which head holds is not asked for
                self.report(kinds.ATTRIBUTE_REJECTED, disjunctive.head.span, attribute="demand",
                            problem=f"'{name}' is demanded but is a disjunctive rule head")
                continue
            if len(pattern) != len(self.types[name]):
                continue  # reported: by the attribute, or as the rule's arity mismatch
            out[name] = tuple(c == "b" for c in pattern)
        return out

    def demand_relation(self, name: str) -> str:
        """The relation of the demanded bound arguments of `name` (made on first use):
        untagged, as which tuples are asked for is not a probabilistic event."""
        adornment = self.demand[name]
        demand = f"{name}#demanded_{''.join('b' if b else 'f' for b in adornment)}"
        if demand not in self.relations:
            types = tuple(t for t, b in zip(self.types[name], adornment) if b)
            self.relations[demand] = ir.Relation(demand, types, hidden=True, untagged=True)
            self.hidden_origin[demand] = name
        return demand

    def report(self, kind: DiagnosticKind, span, notes=(), **fields):
        self.diagnostics.append(kind(span, notes, **fields))

    # -- entry -----------------------------------------------------------------------------------
    def run(self) -> ir.Program | None:
        for name, info in self.scope.relations.items():
            fields = tuple(f.name for f in info.declared.fields) if info.declared else ()
            self.relations[name] = ir.Relation(name, self.types[name], fields,
                                               hidden=name in self.applied.hidden)
        for item in self.program.items:
            if isinstance(item, ast.FactSet):
                self.fact_set(item)
            elif isinstance(item, ast.FactTable):
                self.fact_table(item)
            elif isinstance(item, ast.Rule):
                self.rule(item)
        queries = [q for q in (self.query(i) for i in self.program.items
                               if isinstance(i, ast.Query)) if q]
        strata = self.stratify()
        if self.diagnostics:
            return None
        outputs = sorted({q.relation for q in queries}) if queries else \
            sorted(n for n, r in self.relations.items() if not r.hidden)
        program = ir.Program(self.relations, self.facts, strata, queries, outputs, self.grammars,
                             dict(self.applied.demand))
        ir.verify(program)
        return program

    def hidden(self, kind: str, types, origin: str) -> str:
        name = f"{origin}#{kind}{next(self.counter)}"
        self.relations[name] = ir.Relation(name, tuple(types), hidden=True)
        self.hidden_origin[name] = origin
        return name

    # -- facts -----------------------------------------------------------------------------------
    def fact_set(self, item: ast.FactSet):
        for group in item.groups:
            disjunction = len(group) > 1
            gid = next(self.groups) if disjunction else -1
            for fact in group:
                if disjunction and fact.probability is None:
                    self.report(kinds.DISJUNCTION_WITHOUT_PROBABILITY, fact.span)
                self.check_probability(fact.probability, fact.span)
                values = self.constants(fact.values, self.types[item.relation], fact.span,
                                        fact=True)
                if values is not None:  # a sum above 1 is for the provenance to judge
                    self.facts.append(ir.Fact(item.relation, values, fact.probability, gid,
                                              fact.span))  # (nesy.engine.inputs)

    def fact_table(self, table: ast.FactTable):
        """Plain values need no folding: each becomes its column's type (ints, checked in
        range by the type checker, become floats in a float column)."""
        types = self.types[table.relation]
        floats = {c for c, t in enumerate(types) if t.is_float}
        beyond = self.floats_beyond_range(table, types, floats)
        for i, (row, p) in enumerate(zip(table.rows, table.probabilities)):
            if p is not None and not 0.0 <= p <= 1.0:
                self.check_probability(p, facts.row_span(table, i))
            if floats:
                row = tuple(float(v) if c in floats else v for c, v in enumerate(row))
            if i not in beyond:
                self.facts.append(ir.Fact(table.relation, row, p))

    def floats_beyond_range(self, table: ast.FactTable, types, floats) -> set[int]:
        """The rows with a float literal beyond its column's range (1e300 in an f32), each
        reported: such a literal has no value, as the constant folder says of the same literal
        in a rule. One vectorised check per column."""
        if not floats or not table.rows:
            return set()
        import numpy as np

        from ..expr import in_range

        beyond: set[int] = set()
        for c in sorted(floats):
            column = np.array([row[c] if type(row[c]) in (int, float) else 0.0  # others: a
                               for row in table.rows], dtype=np.float64)  # type conflict
            for i in np.flatnonzero(~in_range(types[c], column)).tolist():
                self.report(kinds.CONSTANT_WITHOUT_VALUE, facts.value_span(table, i, c))
                beyond.add(i)
        return beyond

    def check_probability(self, p, span):
        if p is not None and not 0.0 <= p <= 1.0:
            self.report(kinds.PROBABILITY_OUT_OF_RANGE, span, probability=p)

    def constants(self, exprs, types, span: Span, fact: bool = False):
        """The values of constant expressions, or None (reported). In a `fact`, a computed
        value that does not exist (`$string_char_at("", 0)`, `1 / 0`) makes no fact, as the
        same expression in a rule makes no row (Scallop derives nothing); a literal without
        a value (beyond its type's range) is still an error."""
        from ..expr import evaluate_constant  # the one evaluator, for constant folding

        out = []
        for e, vtype in zip(exprs, types):
            free = [n for n in ast.walk(e) if isinstance(n, ast.Var)]
            if free:
                self.report(kinds.VARIABLE_IN_FACT, free[0].span, variable=free[0].name)
                return None
            value = evaluate_constant(self.expr(e, RuleContext()))
            if value is None:
                if not (fact and isinstance(e, (ast.Binary, ast.Call, ast.Cast, ast.IfThenElse))):
                    self.report(kinds.CONSTANT_WITHOUT_VALUE, e.span)
                return None
            out.append(_convert(value, vtype))
        return tuple(out)

    # -- rules -----------------------------------------------------------------------------------
    def rule(self, item: ast.Rule):
        head = item.head
        if item.body is None and item.probability is None and item.tag_expr is None and \
                not _has_vars(head):
            values = self.constants(head.args, self.types[head.relation], head.span, fact=True)
            if values is not None:
                self.facts.append(ir.Fact(head.relation, values))
            return
        if item.body is None and not _has_vars(head):
            self.check_probability(item.probability, item.probability_span)
            values = self.constants(head.args, self.types[head.relation], head.span, fact=True)
            if values is not None:
                self.facts.append(ir.Fact(head.relation, values, item.probability))
            return
        ctx = RuleContext(origin=head.relation, span=item.span)
        body = item.body if item.body is not None else ast.And(head.span, [])
        for node in [*ast.walk(body), *ast.walk(head)]:
            if isinstance(node, ast.Var) and not node.is_wildcard:
                ctx.first.setdefault(node.name, node)
        self.check_probability(item.probability, item.probability_span)
        start = len(self.rules)
        self.define(head.relation, head.args, body, ctx,
                    item.probability if item.tag_expr is None else item.tag_expr,
                    item.demand_of or head)
        if item.disjunctive is not None:
            alternative = _alternative(item)
            for rule in self.rules[start:]:
                rule.disjunctive = alternative

    def define(self, relation: str, head_args: list, body: ast.Formula, ctx: RuleContext,
               probability=None, demanded: ast.Atom | None = None):
        """Add one IR rule per disjunct of `body` for relation(head_args); the rules of a
        probabilistic clause share its choice (`ir.Rule.choice`), as in ProbLog.
        `probability` is a float or a tag expression (AST) over the body's variables;
        `demanded`: the head whose demand restricts the body, when its relation has one."""
        start = len(self.rules)
        for conjunct in dnf(body):
            self.conjunct_rule(relation, head_args, conjunct, ctx, probability, demanded)
        added = self.rules[start:]
        if probability is not None and len(added) > 1:
            shared = set(ctx.first).intersection(*map(_bound_vars, added))
            for rule in added:
                rule.choice = ((relation, start), tuple(sorted(shared)))

    def conjunct_rule(self, relation, head_args, literals, ctx: RuleContext, probability=None,
                      demanded: ast.Atom | None = None):
        head_vars = {n.name for a in head_args for n in ast.walk(a) if isinstance(n, ast.Var)}
        planner = Planner(self, ctx)
        if demanded is not None and demanded.relation in self.demand:
            planner.demanded_head(demanded.relation, demanded.args)
        for lit in literals:
            outside = _Outside(head_vars, literals, lit)
            planner.add(lit, outside, literals)
        body = planner.plan()
        if body is None:
            return
        for arg in head_args:
            for n in ast.walk(arg):
                if isinstance(n, ast.Var) and n.is_wildcard:
                    self.report(kinds.WILDCARD_IN_HEAD, n.span)
                elif isinstance(n, ast.Var) and n.name not in planner.bound:
                    self.unbound(n, "head")
        head = tuple(self.expr(a, ctx) for a in head_args)
        if isinstance(probability, ast.Expr):  # a tag expression: per grounding, at run time
            unbound = [n for n in ast.walk(probability) if isinstance(n, ast.Var)
                       and n.name not in planner.bound]
            for n in unbound:
                self.unbound(n, "tag")
            if unbound:
                return
            probability = self.expr(probability, ctx)
        self.rules.append(ir.Rule(relation, head, tuple(body), ctx.span, probability))

    def unbound(self, var: ast.Var, place: str):
        """Report an unsafe variable once; `place` is a key of kinds.UNSAFE_PLACES."""
        key = (var.span.line, var.span.column, var.name)
        if key in self.reported_unbound:
            return
        self.reported_unbound.add(key)
        self.report(kinds.UNSAFE_VARIABLE, var.span, variable=var.name, place=place)

    # -- expressions -----------------------------------------------------------------------------
    def vtype(self, node) -> ValueType:
        return self.checker.node_type(node)

    def expr(self, e, ctx: RuleContext):
        """An AST expression as IR, operands first (iteratively, for any nesting depth)."""
        return ast.fold(e, self._expr)

    def _expr(self, e, operands: list):
        t = self.vtype(e)
        if isinstance(e, ast.Var):
            if e.is_wildcard:
                self.report(kinds.WILDCARD_AS_VALUE, e.span)
            return ir.VarRef(e.name, t)
        if isinstance(e, ast.Literal):
            return ir.Const(float(e.value) if t.is_float else e.value, t)
        if isinstance(e, ast.Binary):
            return ir.BinOp(e.op, *operands, t)
        if isinstance(e, ast.Unary):
            if e.op == "-" and isinstance(e.operand, ast.Literal) and e.operand.kind in ("int",
                                                                                       "float"):
                return ir.Const(-float(e.operand.value) if t.is_float else -e.operand.value, t)
            return ir.UnOp(e.op, *operands, t)
        if isinstance(e, ast.Cast):
            return ir.CastOp(*operands, t)
        if isinstance(e, ast.Call):
            return ir.CallOp(e.function, tuple(operands), t)
        if isinstance(e, ast.IfThenElse):
            return ir.IfOp(*operands, t)
        raise AssertionError(e)

    # -- aggregation -----------------------------------------------------------------------------
    def aggregation(self, agg: ast.Aggregation, outside: set[str], ctx: RuleContext):
        """Lower to source/where/target relations; return the atom that reads the target."""
        kind = agg.aggregator
        body_vars = _vars_of([agg.body])
        for v in [*agg.args, *agg.bindings]:
            if v.name not in body_vars:
                self.report(kinds.VARIABLE_NOT_IN_AGGREGATION, v.span, variable=v.name,
                            aggregator=kind)
        if agg.where_keys is not None:
            keys = agg.where_keys
            where_vars = _vars_of([agg.where_body])
            for v in keys:
                if v.name not in where_vars:
                    self.report(kinds.KEY_NOT_IN_WHERE, v.span, variable=v.name)
                elif v.name not in body_vars:
                    self.report(kinds.KEY_NOT_IN_AGGREGATION, v.span, variable=v.name,
                                aggregator=kind)
                    return None
        else:
            taken = {v.name for v in [*agg.args, *agg.bindings, *agg.results]}
            keys = [ctx.first.get(n) or _first_var(agg.body, n)
                    for n in _ordered_vars(agg.body) if n in outside and n not in taken]
        aggregator = aggregators.get(kind)
        if aggregator is None or (isinstance(agg.body, ast.Implies) and
                                  not aggregator.needs_implies):
            return None  # reported by name resolution
        try:
            aggregator = aggregator.configure(agg.params, agg.named_params, agg.discrete)
        except ValueError as problem:
            self.report(kinds.AGGREGATOR_PARAMS, agg.params_span or agg.aggregator_span,
                        aggregator=kind, problem=str(problem))
            return None
        if not self.aggregation_shape(agg, aggregator):
            return None
        origin = ctx.origin
        key_types = [self.vtype(k) for k in keys]
        arg_types = [self.vtype(v) for v in agg.args]
        value_types = [self.vtype(v) for v in agg.bindings]
        source = self.hidden("src", key_types + arg_types + value_types, origin)
        body = agg.body
        if aggregator.needs_implies:  # rows of the source are counterexamples: A and not B
            body = ast.And(body.span, [body.premise, ast.Not(body.conclusion.span, body.conclusion)])
        sub = RuleContext(origin=origin, span=agg.span)
        for n in ast.walk(body):
            if isinstance(n, ast.Var) and not n.is_wildcard:
                sub.first.setdefault(n.name, n)
        self.define(source, [*keys, *agg.args, *agg.bindings], body, sub)
        where = None
        where_body = agg.where_body
        if where_body is None and aggregator.needs_implies and keys:
            where_body = agg.body.premise  # groups whose premise holds, even without a counterexample
        if where_body is not None:
            where = self.hidden("where", key_types, origin)
            wctx = RuleContext(origin=origin, span=agg.span)
            for n in ast.walk(where_body):
                if isinstance(n, ast.Var) and not n.is_wildcard:
                    wctx.first.setdefault(n.name, n)
            self.define(where, keys, where_body, wctx)
        result_types = [self.vtype(v) for v in agg.results]
        target = self.hidden("agg", key_types + result_types, origin)
        self.aggregates.append(ir.Aggregate(
            target, source, where, len(keys), len(agg.args), len(agg.bindings), kind, agg.span,
            tuple(agg.params), tuple(agg.named_params.items()), agg.discrete))
        return ast.Atom(agg.span, target, [*keys, *agg.results], agg.aggregator_span)

    def aggregation_shape(self, agg: ast.Aggregation, aggregator: aggregators.Aggregator) -> bool:
        """The variables around the aggregator fit what it declares (`nesy.aggregators`)."""
        kind, n_args, n_values = agg.aggregator, len(agg.args), len(agg.bindings)
        expected = aggregator.n_values
        if expected is not None and n_values != expected:
            self.report(kinds.AGGREGATOR_VALUES, agg.span, aggregator=kind, expected=expected,
                        got=n_values)
            return False
        if aggregator.needs_args and n_args == 0:
            self.report(kinds.AGGREGATOR_NEEDS_ARGS, agg.span, aggregator=kind)
            return False
        expected = aggregator.n_results(n_args, n_values)
        if len(agg.results) != expected:
            self.report(kinds.AGGREGATOR_RESULTS, agg.span, aggregator=kind, expected=expected,
                        got=len(agg.results))
            return False
        return True

    # -- negation of compound formulas ------------------------------------------------------------
    def negated_formula(self, node: ast.Not, outside: set[str], context_atoms, ctx: RuleContext):
        """`not F` for a compound F: define aux(shared) = F and return `not aux(shared)`."""
        inner = node.operand
        shared = [n for n in _ordered_vars(inner) if n in outside]
        bound_inside = _positively_bound(inner)
        body = inner
        if any(n not in bound_inside for n in shared):
            body = ast.And(inner.span, [*context_atoms, inner])
        shared_vars = [ctx.first.get(n) or _first_var(inner, n) for n in shared]
        name = self.hidden("not", [self.vtype(v) for v in shared_vars], ctx.origin)
        sub = RuleContext(origin=ctx.origin, span=node.span)
        for n in ast.walk(body):
            if isinstance(n, ast.Var) and not n.is_wildcard:
                sub.first.setdefault(n.name, n)
        self.define(name, shared_vars, body, sub)
        return ast.Atom(node.span, name, shared_vars, node.span)

    # -- queries ---------------------------------------------------------------------------------
    def query(self, item: ast.Query) -> ir.Query | None:
        if item.relation not in self.relations:
            return None
        if item.args is None:
            return ir.Query(item.relation, None)
        pattern = []
        plain = {a.name for a in item.args if isinstance(a, ast.Var) and not a.is_wildcard}
        for arg, vtype in zip(item.args, self.types[item.relation]):
            if isinstance(arg, ast.Var):
                pattern.append(None if arg.is_wildcard else arg.name)
            elif _has_vars(ast.Atom(arg.span, item.relation, [arg], arg.span)):
                # Scallop's `query S(a, a * 2)`: the rows whose column equals the expression
                # over the variables the other arguments bind (nesy.program's query mask)
                free = next((n for n in ast.walk(arg) if isinstance(n, ast.Var)
                             and (n.is_wildcard or n.name not in plain)), None)
                if free is not None:
                    self.report(kinds.QUERY_EXPRESSION, free.span, variable=free.name)
                    return None
                pattern.append(self.expr(arg, RuleContext()))
            else:
                values = self.constants([arg], [vtype], arg.span)
                if values is None:
                    return None
                pattern.append(ir.Const(values[0], vtype))
        self.query_demand(item.relation, pattern)
        return ir.Query(item.relation, tuple(pattern))

    def query_demand(self, relation: str, pattern: list) -> None:
        """A query of a demanded relation asks for the tuples with its constants."""
        adornment = self.demand.get(relation)
        if adornment is None:
            return
        bound = [p for p, b in zip(pattern, adornment) if b]
        if all(isinstance(p, ir.Const) for p in bound):
            self.facts.append(ir.Fact(self.demand_relation(relation),
                                      tuple(p.value for p in bound)))

    # -- strata ----------------------------------------------------------------------------------
    def stratify(self) -> list[ir.Stratum]:
        graph: graphs.Graph = {name: {} for name in self.relations}
        blocking: dict[tuple[str, str], Span | None] = {}

        def depend(head: str, on: str) -> None:
            graph.setdefault(head, {})
            graph.setdefault(on, {})[head] = None

        for rule in self.rules:
            for lit in rule.body:
                if isinstance(lit, ir.AtomLit):
                    depend(rule.head, lit.relation)
                    if lit.negated:
                        blocking.setdefault((lit.relation, rule.head), rule.span)
        for agg in self.aggregates:
            for rel in filter(None, (agg.source, agg.where)):
                depend(agg.target, rel)
                blocking.setdefault((rel, agg.target), agg.span)
        components = graphs.components(graph)
        where = {name: i for i, members in enumerate(components) for name in members}
        bad: dict[int, tuple[str, str]] = {}
        for a, b in blocking:
            if where[a] == where[b]:
                bad.setdefault(where[a], (a, b))
        rules = _by(self.rules, lambda r: where[r.head])  # in program order, per component
        aggs = _by(self.aggregates, lambda a: where[a.target])
        strata = []
        for i, members in enumerate(components):
            if i in bad:
                self.report_cycle(graph, set(members), bad[i], blocking[bad[i]])
                continue
            recursive = len(members) > 1 or members[0] in graph[members[0]]
            strata.append(ir.Stratum(tuple(sorted(members)), rules.get(i, []), aggs.get(i, []),
                                     recursive))
        return strata

    def report_cycle(self, graph, members, edge, span):
        cycle = graphs.shortest_path(graph, edge[1], edge[0], members)
        cycle = cycle + [edge[1]] if cycle else [edge[0], edge[1], edge[0]]
        names = []
        for n in cycle:
            user = self.hidden_origin.get(n, n)
            if not names or names[-1] != user:
                names.append(user)
        if len(names) == 1:
            names.append(names[0])
        self.report(kinds.UNSTRATIFIABLE, span, cycle=names)


# ---- planning: ordering a conjunction and finding unsafe variables ---------------------------
class Planner:
    def __init__(self, lowering: Lowering, ctx: RuleContext):
        self.lw = lowering
        self.ctx = ctx
        self.positive: list[ast.Atom] = []
        self.others: list = []  # (kind, ast node, payload)
        self.bound: set[str] = set()
        self.newly_bound: list[str] = []  # bound since the atom queue last looked
        self.failed = False
        self.fresh = itertools.count(1)
        self.out: list = []  # the body so far, in execution order
        self.pending: list = []  # conditions, negations, foreign literals not yet placed

    def demanded_head(self, relation: str, head_args: list) -> None:
        """A rule of a demanded relation (`@demand("bf")`, `bound` fields) starts with its
        demand relation, which binds the head's bound arguments: the rule derives only the
        tuples asked for (and may compute with those arguments, as `fib(x - 1, a)`)."""
        adornment = self.lw.demand[relation]
        terms = []
        for arg in (a for a, b in zip(head_args, adornment) if b):
            if isinstance(arg, ast.Var) and not arg.is_wildcard:
                terms.append(ir.VarRef(arg.name, self.lw.vtype(arg)))
            elif isinstance(arg, ast.Literal):
                terms.append(self.lw.expr(arg, self.ctx))
            else:  # a computed head argument: the demand does not restrict it
                terms.append(None)
        self.out.append(ir.AtomLit(self.lw.demand_relation(relation), tuple(terms)))
        self.bind(t.name for t in terms if isinstance(t, ir.VarRef))

    def demand_ready(self, atom: ast.Atom) -> bool:
        """Whether the bound arguments of a demanded relation's atom are (always, otherwise)."""
        adornment = self.lw.demand.get(atom.relation)
        return adornment is None or all(
            _expr_vars(a) <= self.bound and not (isinstance(a, ast.Var) and a.is_wildcard)
            for a, b in zip(atom.args, adornment) if b)

    def demand(self, relation: str, terms, before: list) -> None:
        """The demand an atom of a demanded relation makes: its bound arguments, for every
        way the body before it holds (the magic-set rule)."""
        adornment = self.lw.demand.get(relation)
        if adornment is None:
            return
        head = tuple(t for t, b in zip(terms, adornment) if b)
        self.lw.rules.append(ir.Rule(self.lw.demand_relation(relation), head,
                                     tuple(self.out + before), self.ctx.span))

    def report_undemanded(self, atom: ast.Atom) -> None:
        adornment = self.lw.demand[atom.relation]
        for arg in (a for a, b in zip(atom.args, adornment) if b):
            for n in ast.walk(arg):
                if isinstance(n, ast.Var) and (n.is_wildcard or n.name not in self.bound):
                    self.lw.unbound(n, "demand")
                    return

    def add(self, lit, outside: set[str], siblings):
        if isinstance(lit, ast.Atom) and lit.foreign is not None:
            if lit.foreign.arity != len(lit.args):
                self.failed = True  # reported by name resolution
            self.others.append(("foreign", lit))
        elif isinstance(lit, ast.Not) and isinstance(lit.operand, ast.Atom) and \
                lit.operand.foreign is not None:
            self.others.append(("not-foreign", lit.operand))
        elif isinstance(lit, ast.Atom):
            self.positive.append(lit)
        elif isinstance(lit, ast.Aggregation):
            atom = self.lw.aggregation(lit, outside, self.ctx)
            if atom is None:
                self.failed = True
            else:
                self.positive.append(atom)
        elif isinstance(lit, ast.Not) and isinstance(lit.operand, ast.Atom):
            self.others.append(("not", _local_as_wildcards(lit.operand, outside)))
        elif isinstance(lit, ast.Not):
            context = [s for s in siblings if isinstance(s, ast.Atom)]
            atom = self.lw.negated_formula(lit, outside, context, self.ctx)
            self.others.append(("not", atom))
        elif isinstance(lit, ast.Constraint):
            self.others.append(("constraint", lit.expr))
        else:  # `implies` in an aggregation other than forall: reported by name resolution
            self.failed = True

    def plan(self) -> list | None:
        """Order the body: each condition, negation and equation as soon as its variables are
        bound; between them, the pending atom sharing most bound variables (the first such).
        Near-linear in the body's length: conditions are re-scanned only when new variables
        were bound, and atoms wait in a queue ordered by how many of their variables are.
        An atom of a demanded relation (`@demand`) waits until its bound arguments are."""
        if self.failed:
            return None
        out = self.out
        self.pending = list(self.others)
        atoms = _AtomQueue(self.positive)
        deferred: list[ast.Atom] = []
        scanned = None
        while True:
            while self.pending and scanned != len(self.bound):
                scanned = len(self.bound)
                waiting = []
                for item in self.pending:
                    lits = self.ready(item)
                    if lits is None:
                        waiting.append(item)
                    else:
                        out.extend(lits)
                self.pending = waiting
            atom = next((a for a in deferred if self.demand_ready(a)), None)
            if atom is not None:
                deferred.remove(atom)
            while atom is None:
                atom = atoms.pop(self.newly_bound)
                if atom is None or self.demand_ready(atom):
                    break
                deferred.append(atom)
                atom = None
            if atom is None:
                break
            out.extend(self.positive_atom(atom))
        for atom in deferred:
            self.report_undemanded(atom)
        for kind, node in self.pending:
            self.report_unbound(kind, node)
        return None if self.pending or deferred or self.failed else out

    def bind(self, names) -> None:
        for name in names:
            if name not in self.bound:
                self.bound.add(name)
                self.newly_bound.append(name)

    def foreign(self, atom: ast.Atom, negated: bool) -> list | None:
        """A foreign predicate's literal once its inputs (and, negated, all its variables)
        are bound; an output that is an expression gets a fresh variable and a filter."""
        n_in = atom.foreign.bound
        inputs, outputs = atom.args[:n_in], atom.args[n_in:]
        need = set().union(*map(_expr_vars, inputs)) if inputs else set()
        if negated:
            need |= _atom_vars(atom)
        if not need <= self.bound:
            return None
        terms, after = [], []
        for arg in outputs:
            if isinstance(arg, ast.Var):
                terms.append(None if arg.is_wildcard else ir.VarRef(arg.name, self.lw.vtype(arg)))
            elif isinstance(arg, ast.Literal):
                terms.append(self.lw.expr(arg, self.ctx))
            elif _expr_vars(arg) <= self.bound:
                name, t = f"#arg{next(self.fresh)}", self.lw.vtype(arg)
                terms.append(ir.VarRef(name, t))
                after.append(ir.Filter(ir.BinOp("==", ir.VarRef(name, t),
                                                self.lw.expr(arg, self.ctx), BOOL)))
            else:
                return None
        literal = ir.ForeignLit(atom.foreign, tuple(self.lw.expr(a, self.ctx) for a in inputs),
                                tuple(terms), negated)
        if not negated:
            self.bind(t.name for t in terms if isinstance(t, ir.VarRef))
        return [literal, *after]

    def report_unbound(self, kind, node):
        if kind in ("foreign", "not-foreign"):
            inputs = node.args if kind == "not-foreign" else node.args[:node.foreign.bound]
            for n in (n for a in inputs for n in ast.walk(a)):
                if isinstance(n, ast.Var) and not n.is_wildcard and n.name not in self.bound:
                    self.lw.unbound(n, "foreign" if kind == "foreign" else "not")
                    return
            node = ast.And(node.span, [ast.Constraint(a.span, a) for a in node.args])
        for n in ast.walk(node):
            if isinstance(n, ast.Var) and not n.is_wildcard and n.name not in self.bound:
                self.lw.unbound(n, "not" if kind == "not" else "condition")
                return

    def ready(self, item):
        kind, node = item
        if kind in ("foreign", "not-foreign"):
            return self.foreign(node, negated=kind == "not-foreign")
        if kind == "not":
            need = _atom_vars(node)
            if not need <= self.bound:
                return None
            pre, terms, _ = self.terms(node, allow_assign=True)
            self.demand(node.relation, terms, pre)
            return pre + [ir.AtomLit(node.relation, tuple(terms), negated=True)]
        if kind == "late":  # a filter on an atom's computed argument
            expr, names = node
            return [ir.Filter(expr)] if names <= self.bound else None
        expr = node
        if isinstance(expr, ast.Binary) and expr.op == "==":
            for var, other in ((expr.left, expr.right), (expr.right, expr.left)):
                if isinstance(var, ast.Var) and not var.is_wildcard and var.name not in self.bound \
                        and _expr_vars(other) <= self.bound and var.name not in _expr_vars(other):
                    self.bind([var.name])
                    return [ir.Assign(var.name, self.lw.expr(other, self.ctx))]
        if not _expr_vars(expr) <= self.bound:
            return None
        return [ir.Filter(self.lw.expr(expr, self.ctx))]

    def positive_atom(self, atom: ast.Atom) -> list:
        before, terms, after = self.terms(atom, allow_assign=False)
        self.demand(atom.relation, terms, before)
        self.bind(t.name for t in terms if isinstance(t, ir.VarRef))
        return before + [ir.AtomLit(atom.relation, tuple(terms))] + after

    def terms(self, atom: ast.Atom, allow_assign: bool):
        """Atom arguments become variables, constants or wildcards; other expressions get a
        fresh variable: computed first when their variables are bound (`fib(x - 1, a)` with x
        bound joins on x - 1), else, in a positive atom, solved for their one unbound
        variable (`fib(x - 1, a)` binds x as the fresh value + 1, as Scallop) or checked once
        the rest of the body has bound them."""
        pre, terms, post = [], [], []
        known = set(self.bound)  # bound before the atom
        for arg in atom.args:
            if isinstance(arg, ast.Var):
                terms.append(None if arg.is_wildcard else ir.VarRef(arg.name, self.lw.vtype(arg)))
            elif isinstance(arg, ast.Literal):
                terms.append(self.lw.expr(arg, self.ctx))
            else:
                name = f"#arg{next(self.fresh)}"
                t = self.lw.vtype(arg)
                fresh = ir.VarRef(name, t)
                terms.append(fresh)
                value = self.lw.expr(arg, self.ctx)
                if allow_assign or _expr_vars(arg) <= known:
                    pre.append(ir.Assign(name, value))
                else:
                    post.extend(self.unbound_argument(arg, fresh, value, atom))
        return pre, terms, post

    def unbound_argument(self, arg, fresh: ir.VarRef, value, atom: ast.Atom) -> list:
        """The literals that check a positive atom's computed argument whose variables are
        not all bound yet (they run after the atom): an assignment of the one unbound
        variable when the argument can be solved for it, then the check itself."""
        check = ir.Filter(ir.BinOp("==", fresh, value, BOOL))
        by_atom = {a.name for a in atom.args if isinstance(a, ast.Var) and not a.is_wildcard}
        solved = _solve(arg, fresh, self.bound | by_atom, self.lw)
        if solved is not None:
            var, expr = solved
            self.bind([var])
            return [ir.Assign(var, expr), check]
        others = _vars_of([a for a in self.positive if a is not atom])
        missing = [n for n in ast.walk(arg) if isinstance(n, ast.Var) and not n.is_wildcard
                   and n.name not in self.bound and n.name not in others]
        for n in missing:
            self.lw.unbound(n, "computed-argument")
            self.failed = True
        self.pending.append(("late", (check.expr, _expr_vars(arg) | {fresh.name})))
        return []


# ---- helpers -------------------------------------------------------------------------------
def _solve(arg, fresh: ir.VarRef, bound: set[str], lowering: "Lowering"):
    """(variable, expression) that binds the one unbound variable of an integer argument
    `x + e`, `e + x`, `x - e` or `e - x` (e bound) to the value `fresh` of the argument, or
    None. The caller still checks the argument, so an overflow cannot add a tuple."""
    if not (isinstance(arg, ast.Binary) and arg.op in "+-" and
            lowering.vtype(arg).is_integer):
        return None
    for var, other, var_left in ((arg.left, arg.right, True), (arg.right, arg.left, False)):
        if isinstance(var, ast.Var) and not var.is_wildcard and var.name not in bound and \
                _expr_vars(other) <= bound:
            e, t = lowering.expr(other, None), lowering.vtype(var)
            if arg.op == "+":  # x + e = v, e + x = v: x = v - e
                return var.name, ir.BinOp("-", fresh, e, t)
            if var_left:  # x - e = v: x = v + e
                return var.name, ir.BinOp("+", fresh, e, t)
            return var.name, ir.BinOp("-", e, fresh, t)  # e - x = v: x = e - v
    return None


def _by(items: list, key) -> dict:
    """Items grouped by key(item), each group in the items' order."""
    out: dict = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out


class _AtomQueue:
    """Positive atoms by the number of their variables already bound (most first, then in
    body order), updated as variables get bound."""

    def __init__(self, atoms: list[ast.Atom]):
        self.atoms = atoms
        self.score = [0] * len(atoms)
        self.done = [False] * len(atoms)
        self.by_var: dict[str, list[int]] = {}
        for i, atom in enumerate(atoms):
            for name in _atom_vars(atom):
                self.by_var.setdefault(name, []).append(i)
        self.heap = [(0, i) for i in range(len(atoms))]

    def pop(self, newly_bound: list[str]) -> ast.Atom | None:
        """The next atom, after counting the variables bound since the last call."""
        for name in newly_bound:
            for i in self.by_var.get(name, ()):
                if not self.done[i]:
                    self.score[i] += 1
                    heapq.heappush(self.heap, (-self.score[i], i))
        newly_bound.clear()
        while self.heap:
            negative, i = heapq.heappop(self.heap)
            if not self.done[i] and -negative == self.score[i]:
                self.done[i] = True
                return self.atoms[i]
        return None


class _Outside:
    """The variables used outside one literal of a conjunction (in the head or the other
    literals), computed only when asked: only aggregations and negated sub-formulas ask, and
    computing it for every literal of a 100,000-atom body would be quadratic."""

    def __init__(self, head_vars: set[str], literals: list, literal):
        self.head_vars, self.literals, self.literal = head_vars, literals, literal

    @cached_property
    def names(self) -> set[str]:
        return self.head_vars | _vars_of(x for x in self.literals if x is not self.literal)

    def __contains__(self, name: str) -> bool:
        return name in self.names


def dnf(f) -> list[list]:
    """Disjunctive normal form as lists of literals (atoms, negations, constraints, aggs).
    Iterative, so that formulas may nest as deep as a file holds."""
    return ast.fold(f, _dnf, _dnf_operands)


def _dnf_operands(f) -> list:
    if isinstance(f, (ast.And, ast.Or)):
        return f.parts
    if isinstance(f, ast.Implies):  # `A => B` in a rule body (Scallop): `not A or B`
        return [ast.Not(f.premise.span, f.premise), f.conclusion]
    if isinstance(f, ast.Not) and isinstance(f.operand, ast.Not):
        return [f.operand.operand]  # `not not F` is F
    return []


def _dnf(f, operands: list[list[list]]) -> list[list]:
    if isinstance(f, ast.And):
        out: list[list] = [[]]
        for part in operands:
            if len(part) == 1:  # the common case, in place: linear in a long conjunction
                for conjunct in out:
                    conjunct.extend(part[0])
            else:
                out = [a + b for a in out for b in part]
        return out
    if isinstance(f, (ast.Or, ast.Implies)):
        return [c for part in operands for c in part]
    if isinstance(f, ast.Not) and isinstance(f.operand, ast.Not):
        return operands[0]
    if isinstance(f, ast.Not) and isinstance(f.operand, ast.Constraint):
        return [[ast.Constraint(f.span, ast.Unary(f.span, "!", f.operand.expr))]]
    return [[f]]


def _local_as_wildcards(atom: ast.Atom, outside) -> ast.Atom:
    """`~R(b, c)` where c occurs nowhere else in the rule: c is local to the negation (`not
    exists c: R(b, c)`), as in Scallop, so it is written as `_`."""
    names = [a.name for a in atom.args if isinstance(a, ast.Var) and not a.is_wildcard]
    local = {n for n in names if names.count(n) == 1 and n not in outside}
    if not local:
        return atom
    args = [ast.Var(a.span, "_") if isinstance(a, ast.Var) and a.name in local else a
            for a in atom.args]
    return ast.Atom(atom.span, atom.relation, args, atom.name_span, atom.type_args, atom.foreign)


def _alternative(item: ast.Rule) -> ir.HeadAlternative:
    """What the rules of one head of a disjunctive head share with the other heads' rules:
    the choice per grounding of all the heads' variables (which every head's body binds)."""
    index, heads = item.disjunctive
    names = {n.name for head in heads for a in head.args for n in ast.walk(a)
             if isinstance(n, ast.Var) and not n.is_wildcard}
    return ir.HeadAlternative(("heads", item.span), index, len(heads), tuple(sorted(names)),
                              heads[0].span.join(heads[-1].span))


def _bound_vars(rule: ir.Rule) -> set[str]:
    """Variables a lowered rule's body binds (positive atoms and assignments)."""
    out: set[str] = set()
    for lit in rule.body:
        if isinstance(lit, ir.AtomLit) and not lit.negated:
            out |= lit.variables()
        elif isinstance(lit, ir.Assign):
            out.add(lit.var)
    return out


def _has_vars(atom: ast.Atom) -> bool:
    return any(isinstance(n, ast.Var) for a in atom.args for n in ast.walk(a))


def _expr_vars(e) -> set[str]:
    return {n.name for n in ast.walk(e) if isinstance(n, ast.Var) and not n.is_wildcard}


def _atom_vars(a: ast.Atom) -> set[str]:
    return {n.name for arg in a.args for n in ast.walk(arg)
            if isinstance(n, ast.Var) and not n.is_wildcard}


def _vars_of(nodes) -> set[str]:
    out = set()
    for node in nodes:
        if isinstance(node, ast.Aggregation):
            out |= {v.name for v in node.results}
            # variables inside an aggregation are local unless they also occur outside it
            out |= _vars_of([node.body]) if node.where_body is None else set()
            out |= {v.name for v in node.where_keys or []}
            continue
        for n in ast.walk(node):
            if isinstance(n, ast.Var) and not n.is_wildcard:
                out.add(n.name)
    return out


def _ordered_vars(node) -> list[str]:
    seen = []
    for n in ast.walk(node):
        if isinstance(n, ast.Var) and not n.is_wildcard and n.name not in seen:
            seen.append(n.name)
    return seen


def _first_var(node, name: str) -> ast.Var:
    return next(n for n in ast.walk(node) if isinstance(n, ast.Var) and n.name == name)


def _positively_bound(f) -> set[str]:
    """Variables that every disjunct of f binds by a positive atom or aggregation result."""
    sets = []
    for conjunct in dnf(f):
        bound = set()
        for lit in conjunct:
            if isinstance(lit, ast.Atom):
                bound |= _atom_vars(lit)
            elif isinstance(lit, ast.Aggregation):
                bound |= {v.name for v in lit.results}
        sets.append(bound)
    return set.intersection(*sets) if sets else set()


def _convert(value, vtype: ValueType):
    if vtype.is_float:
        return float(value)
    if vtype.is_integer and isinstance(value, bool):
        return int(value)
    return value

