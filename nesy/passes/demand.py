"""The demand (magic-set) transformation: derive only the tuples a bound query needs.

`query path(0, 9)` over `rel path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))` needs
`path(c, 9)` for the nodes c reachable from 0, not `path(a, b)` for every pair; a
probabilistic run pays for every tuple it derives with a formula, so the difference decides
whether `exact` finishes. The transformation, as in magic-set rewriting:

- *adorns* each relation a bound query reaches with the columns its caller binds (`bf`: first
  bound, second free), following each rule body left to right (the order the executor runs
  it): a column is bound when it holds a constant or a variable bound earlier in the body;
- gives each adorned relation `p#bf` a *demand* relation `p#demand_bf` holding the bound
  values asked for, seeded with the query's constants, and puts it first in each of the
  relation's rules, which then only derive demanded tuples;
- derives demand from demand: for an atom `q(z, y)` with z bound in a rule of `p#bf`, the
  rule `q#demand_bf(z) = p#demand_bf(x) and <the body before the atom>`.

Meaning is kept exactly, on every provenance whose disjunction is idempotent: each
derivation of a demanded tuple in the original program is a derivation of it here, with the
same facts and the same probabilistic-rule choices (the copies of a probabilistic rule share
its choice per grounding), and demand relations are `untagged`: which values are demanded is
not a probabilistic event, so their rows conjoin as certain. Where the rewrite would not be
exact it is not applied; those relations are computed in full, by their original rules:
- relations read under `not` or by an aggregation (demand would have to cross a stratum
  boundary, and the classic rewrite can make a stratified program unstratified);
- relations defined by an aggregation;
- relations asked for with no column bound, and anything those read.
Demanded tuples' tags are exact; an adorned relation may also hold some tuples nobody asked
for (a rule whose bound head column is an expression cannot be restricted by it), whose tags
may be partial, but no rule reads them: every reader joins on demanded values only.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import ir
from ..graphs import components


@dataclass
class Demanded:
    """The rewritten program and, per demanded relation, the relation holding its answers
    (its demanded tuples, with the original program's tags)."""

    program: ir.Program
    answers: dict[str, str]
    copies: dict[int, ir.Rule] = field(default_factory=dict)  # id(copy) -> original rule

    def original(self, rule: ir.Rule) -> ir.Rule:
        """The rule of the original program a rule of the rewritten one copies (proofs show
        a probabilistic rule's choices as the user wrote the rule)."""
        return self.copies.get(id(rule), rule)


def query_demands(program: ir.Program, names) -> dict[str, list[tuple]]:
    """Demands from the program's queries of `names`: relation -> its query patterns, for
    each relation every one of whose queries binds some column to a constant (`path(0, x)`);
    a relation queried with no constant in some query, or not at all, is needed in full."""
    demands = {}
    for name in names:
        patterns = [q.pattern for q in program.queries if q.relation == name]
        if not patterns or any(p is None for p in patterns):
            continue
        if any(_adornment(patterns)):
            demands[name] = patterns
    return demands


def demand_transform(program: ir.Program, demands: dict[str, list[tuple]],
                     full=()) -> Demanded:
    """Rewrite `program` so that each relation of `demands` (relation -> patterns, a pattern
    holding an `ir.Const` per column bound to that constant and anything else per free
    column; a column is bound when every pattern binds it) is derived only for its demanded
    tuples, while the relations of `full` (and everything they read) keep their original
    rules. `Demanded.answers` names, per demanded relation, the relation to read its
    answers from; every other relation of the original program keeps its name."""
    needed = set(full)
    while True:
        builder = _Builder(program, needed)
        demanded = builder.build(demands)
        if not builder.grew:
            ir.verify(demanded.program)
            return demanded
        needed = builder.full  # a relation turned out to be needed in full: start again


def _adornment(patterns) -> tuple[bool, ...]:
    return tuple(all(isinstance(p[i], ir.Const) for p in patterns)
                 for i in range(len(patterns[0])))


def _code(adornment) -> str:
    return "".join("b" if b else "f" for b in adornment)


class _Choice:
    """The shared choice key of one probabilistic rule's copies (hashable by identity)."""


class _Builder:
    """One attempt at the rewrite, given the relations needed in full; `grew` when it found
    more of them (the caller then starts again with the larger set)."""

    def __init__(self, program: ir.Program, full: set[str]):
        self.program = program
        self.rules_of: dict[str, list[ir.Rule]] = {}
        for stratum in program.strata:
            for rule in stratum.rules:
                self.rules_of.setdefault(rule.head, []).append(rule)
        self.aggregated = {a.target: a for s in program.strata for a in s.aggregates}
        self.full: set[str] = set()
        self.grew = False
        for name in full:
            self.need_full(name)
        self.grew = False
        self.relations: dict[str, ir.Relation] = {}
        self.rules: list[ir.Rule] = []
        self.facts: list[ir.Fact] = []
        self.adorned: dict[tuple[str, tuple], str] = {}
        self.todo: list[tuple[str, tuple]] = []
        self.choices: dict[int, _Choice] = {}
        self.copies: dict[int, ir.Rule] = {}

    def derived(self, name: str) -> bool:
        return name in self.rules_of or name in self.aggregated

    def need_full(self, name: str) -> None:
        """`name` and everything its rules and aggregates read are computed in full."""
        todo = [name]
        while todo:
            rel = todo.pop()
            if rel in self.full:
                continue
            self.full.add(rel)
            self.grew = True
            for rule in self.rules_of.get(rel, []):
                todo += [a.relation for a in rule.body if isinstance(a, ir.AtomLit)]
            agg = self.aggregated.get(rel)
            if agg is not None:
                todo += [r for r in (agg.source, agg.where) if r is not None]

    # -- building ------------------------------------------------------------------------------
    def build(self, demands) -> Demanded:
        answers = {}
        for name, patterns in demands.items():
            adornment = _adornment(patterns)
            if not self.derived(name):
                answers[name] = name  # facts only: nothing to derive
                continue
            if not any(adornment) or name in self.full or name in self.aggregated:
                self.need_full(name)
                answers[name] = name
                continue
            answers[name] = self.request(name, adornment)
            seeds = dict.fromkeys(tuple(p[i].value for i, b in enumerate(adornment) if b)
                                  for p in patterns)
            self.facts += [ir.Fact(self.demand_name(name, adornment), s) for s in seeds]
        while self.todo:
            self.adorn(*self.todo.pop())
        return Demanded(self.program_out(), answers, self.copies)

    def request(self, name: str, adornment: tuple) -> str:
        """The adorned copy of `name` for callers binding `adornment` (made on first use)."""
        key = (name, adornment)
        if key not in self.adorned:
            rel = self.program.relations[name]
            adorned = self.adorned[key] = f"{name}#{_code(adornment)}"
            self.relations[adorned] = ir.Relation(adorned, rel.types, rel.fields, hidden=True)
            demand = self.demand_name(name, adornment)
            types = tuple(t for t, b in zip(rel.types, adornment) if b)
            self.relations[demand] = ir.Relation(demand, types, hidden=True, untagged=True)
            self.todo.append(key)
        return self.adorned[key]

    @staticmethod
    def demand_name(name: str, adornment: tuple) -> str:
        return f"{name}#demand_{_code(adornment)}"

    def adorn(self, name: str, adornment: tuple) -> None:
        """The rules of the adorned copy: each original rule restricted by the demand, and
        one rule copying the demanded input facts of `name` (program or caller facts)."""
        target = self.adorned[(name, adornment)]
        demand = self.demand_name(name, adornment)
        rel = self.program.relations[name]
        columns = tuple(ir.VarRef(f"#{i}", t) for i, t in enumerate(rel.types))
        self.rules.append(ir.Rule(target, columns, (
            ir.AtomLit(demand, tuple(c for c, b in zip(columns, adornment) if b)),
            ir.AtomLit(name, columns))))
        for rule in self.rules_of[name]:
            self.adorn_rule(rule, target, demand, adornment)

    def adorn_rule(self, rule: ir.Rule, target: str, demand: str, adornment: tuple) -> None:
        positive = {v for lit in rule.body if isinstance(lit, ir.AtomLit) and not lit.negated
                    for v in lit.variables()}
        front, bound = [], set()
        for e, b in zip(rule.head_exprs, adornment):
            if not b:
                continue
            if isinstance(e, ir.Const) or (isinstance(e, ir.VarRef) and e.name in positive):
                front.append(e)
                bound |= ir.variables(e)
            else:  # computed or assigned: the demand cannot restrict it (see module doc)
                front.append(None)
        body: list = [ir.AtomLit(demand, tuple(front))]
        for lit in rule.body:
            body.append(self.adorn_literal(lit, body, bound, rule.span))
            if isinstance(lit, ir.AtomLit) and not lit.negated:
                bound |= lit.variables()
            elif isinstance(lit, ir.Assign):
                bound.add(lit.var)
        copy = ir.Rule(target, rule.head_exprs, tuple(body), rule.span, rule.probability,
                       self.choice(rule))
        self.copies[id(copy)] = rule
        self.rules.append(copy)

    def adorn_literal(self, lit, before: list, bound: set[str], span):
        """The literal as the adorned rule reads it; adds the demand rule of an adorned atom."""
        if not isinstance(lit, ir.AtomLit) or not self.derived(lit.relation) or \
                lit.relation in self.full:
            return lit
        adornment = tuple(isinstance(t, ir.Const) or (isinstance(t, ir.VarRef) and t.name in bound)
                          for t in lit.terms)
        if lit.negated or not any(adornment) or lit.relation in self.aggregated:
            self.need_full(lit.relation)
            return lit
        adorned = self.request(lit.relation, adornment)
        head = tuple(t for t, b in zip(lit.terms, adornment) if b)
        self.rules.append(ir.Rule(self.demand_name(lit.relation, adornment), head,
                                  tuple(before), span))
        return ir.AtomLit(adorned, lit.terms)

    def choice(self, rule: ir.Rule):
        """The copies of a probabilistic rule (one per adornment) share its choice: one per
        grounding of the variables the executor would key it by (all of its body's)."""
        if rule.probability is None or rule.choice is not None:
            return rule.choice
        names = set()
        for lit in rule.body:
            if isinstance(lit, ir.AtomLit) and not lit.negated:
                names |= lit.variables()
            elif isinstance(lit, ir.Assign):
                names.add(lit.var)
        key = self.choices.setdefault(id(rule), _Choice())
        return (key, tuple(sorted(names)))

    # -- the program -----------------------------------------------------------------------------
    def program_out(self) -> ir.Program:
        """The strata computed in full (and those of input relations), in their order, then
        the new relations' components (they read those, never the other way round)."""
        p = self.program
        strata = [s for s in p.strata if any(r in self.full for r in s.relations)
                  or not (s.rules or s.aggregates)]
        graph = {name: {} for name in self.relations}
        for rule in self.rules:
            for lit in rule.body:
                if isinstance(lit, ir.AtomLit) and lit.relation in graph:
                    graph[lit.relation][rule.head] = None
        by_head: dict[str, list[ir.Rule]] = {}
        for rule in self.rules:
            by_head.setdefault(rule.head, []).append(rule)
        for members in components(graph):
            recursive = len(members) > 1 or members[0] in graph[members[0]]
            strata.append(ir.Stratum(tuple(sorted(members)),
                                     [r for m in members for r in by_head.get(m, [])], [],
                                     recursive))
        return ir.Program({**p.relations, **self.relations}, p.facts + self.facts, strata,
                          p.queries, p.outputs, p.grammars)

