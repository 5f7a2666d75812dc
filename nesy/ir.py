"""The compiled program: typed relations, flat conjunctive rules with an execution order,
aggregations as their own operators, and strata. Lowering produces it; `verify` checks it.

Nothing here refers back to the parser: the engine consumes only this module.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import InternalError, Span
from .types import ValueType


# ---- expressions ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Const:
    value: object  # Python value: int, float, str, bool; enum variant index
    type: ValueType


@dataclass(frozen=True)
class VarRef:
    name: str
    type: ValueType


@dataclass(frozen=True)
class BinOp:
    op: str
    left: "Expr"
    right: "Expr"
    type: ValueType


@dataclass(frozen=True)
class UnOp:
    op: str
    operand: "Expr"
    type: ValueType


@dataclass(frozen=True)
class CastOp:
    operand: "Expr"
    type: ValueType


@dataclass(frozen=True)
class CallOp:
    function: str
    args: tuple
    type: ValueType


@dataclass(frozen=True)
class IfOp:
    condition: "Expr"
    then: "Expr"
    otherwise: "Expr"
    type: ValueType


Expr = Const | VarRef | BinOp | UnOp | CastOp | CallOp | IfOp


def variables(expr) -> set[str]:
    """The variables of an expression (iterative: expressions may nest arbitrarily deep)."""
    out: set[str] = set()
    todo = [expr]
    while todo:
        e = todo.pop()
        if isinstance(e, VarRef):
            out.add(e.name)
        else:
            todo.extend(children(e))
    return out


def children(expr) -> tuple:
    """The operand expressions of an expression, in evaluation order."""
    if isinstance(expr, BinOp):
        return (expr.left, expr.right)
    if isinstance(expr, (UnOp, CastOp)):
        return (expr.operand,)
    if isinstance(expr, CallOp):
        return expr.args
    if isinstance(expr, IfOp):
        return (expr.condition, expr.then, expr.otherwise)
    return ()


# ---- rule bodies ---------------------------------------------------------------------------
@dataclass(frozen=True)
class AtomLit:
    """`relation(terms)`; a term is a VarRef, a Const, or None (wildcard)."""

    relation: str
    terms: tuple
    negated: bool = False

    def variables(self) -> set[str]:
        return {t.name for t in self.terms if isinstance(t, VarRef)}


@dataclass(frozen=True)
class Filter:
    expr: Expr


@dataclass(frozen=True)
class Assign:
    var: str
    expr: Expr


@dataclass(frozen=True)
class ForeignLit:
    """`name(inputs.., outputs..)` computed by a foreign predicate (`nesy.foreign`):
    `inputs` are expressions over bound variables, `outputs` terms as in AtomLit (a VarRef
    binds its variable, or must equal it when bound; a Const must be equal; None: any).
    Negated: no output of the predicate matches."""

    predicate: object  # nesy.foreign.ForeignPredicate
    inputs: tuple
    outputs: tuple
    negated: bool = False

    def variables(self) -> set[str]:
        return {t.name for t in self.outputs if isinstance(t, VarRef)}


Literal = AtomLit | Filter | Assign | ForeignLit


@dataclass
class Rule:
    """head(head_exprs) :- body, with the body in execution order.

    A probabilistic rule holds for each grounding of its variables independently with
    `probability` (ProbLog's semantics): a float, or an expression over the body's variables
    (Scallop's tag expressions, `rel (1.0 / l)::r(x) = ...`). `choice` = (clause key, variable names) makes the
    rules lowered from one clause whose body is a disjunction share that choice: one per
    grounding of the named variables (those every disjunct binds), whichever disjunct derives
    it; None means the rule's own choice per grounding of all its body variables."""

    head: str
    head_exprs: tuple
    body: tuple
    span: Span | None = None
    probability: float | None = None
    choice: tuple | None = None
    #: This rule derives one alternative of Scallop's disjunctive head `rel {a(x); b(x)} =
    #: ...`; None for an ordinary rule.
    disjunctive: "HeadAlternative | None" = None


@dataclass(frozen=True)
class HeadAlternative:
    """Alternative `index` of the `count` atoms of one disjunctive head (`head`, the key its
    rules share). Per grounding of `variables` (the heads' variables) the alternatives are
    one annotated disjunction of new facts, each weighing 1, made the first time the
    grounding is derived and reused after: Scallop's exclusion per head tuple (b2r.rs
    `Head::Disjunction`, runtime `DynamicExclusionDataflow`). `span`: the whole head."""

    head: object
    index: int
    count: int
    variables: tuple
    span: Span | None = None


@dataclass
class Aggregate:
    """target(keys.., results..) from source(keys.., args.., values..) grouped by keys."""

    target: str
    source: str
    where: str | None  # relation of all groups (keys) when `where` is given
    n_keys: int
    n_args: int
    n_values: int
    aggregator: str
    span: Span | None = None
    #: Scallop's aggregator parameters and discrete form (`top<3>`, `rank<desc>`,
    #: `count!`), for `nesy.aggregators.Aggregator.configure`; named ones as (name, value).
    params: tuple = ()
    named_params: tuple = ()
    discrete: bool = False


@dataclass
class Relation:
    name: str
    types: tuple[ValueType, ...]
    fields: tuple[str | None, ...] = ()
    hidden: bool = False  # compiler-made; never output
    #: Rows say only which tuples are asked for (demand relations, `nesy.passes.demand`):
    #: every row's tag is the semiring one, whatever derived it.
    untagged: bool = False

    @property
    def arity(self) -> int:
        return len(self.types)


@dataclass
class Fact:
    relation: str
    values: tuple
    probability: float | None = None
    group: int = -1  # annotated disjunction id, -1 when independent
    span: Span | None = None  # where the program states it (None: made by the compiler)


@dataclass
class Stratum:
    relations: tuple[str, ...]
    rules: list[Rule]
    aggregates: list[Aggregate]
    recursive: bool


@dataclass
class Query:
    relation: str
    pattern: tuple | None  # per column: an ir.Const to match, a variable's name, None for any,
    #                        or an expression over the pattern's variables to equal


# ---- synthesis grammars --------------------------------------------------------------------
@dataclass(frozen=True)
class Alternative:
    """One right-hand side of a grammar declaration: kind "call" (value: the function name,
    args: non-terminals), "input" or "nonterminal" (value: its name), or "constant" (value:
    a Python value)."""

    kind: str
    value: object
    args: tuple[str, ...] = ()
    span: Span | None = None


@dataclass(frozen=True)
class NonTerminal:
    name: str
    type_name: str
    alternatives: tuple[Alternative, ...]
    span: Span | None = None
    type_span: Span | None = None


@dataclass(frozen=True)
class Grammar:
    """A `grammar` declaration as plain data: the synthesis layer (`nesy.synth`) builds its
    searchable grammar from it and checks the functions against the domain's namespace."""

    name: str
    inputs: tuple[tuple[str, str], ...]  # (name, type name)
    start: str
    nonterminals: tuple[NonTerminal, ...]
    domain: str | None = None  # `using DOMAIN`; None: found from the functions called
    span: Span | None = None
    domain_span: Span | None = None


@dataclass
class Program:
    relations: dict[str, Relation]
    facts: list[Fact]
    strata: list[Stratum]
    queries: list[Query]
    outputs: list[str] = field(default_factory=list)
    grammars: dict[str, Grammar] = field(default_factory=dict)
    #: Scallop's `@demand("bf")` per relation, as written (for the demand transformation).
    demand: dict[str, str] = field(default_factory=dict)


# ---- verification --------------------------------------------------------------------------
def verify(program: Program) -> None:
    """Check the invariants the engine relies on; a failure is a compiler bug."""
    computed: set[str] = set()
    heads = _heads(program)
    arity = {name: rel.arity for name, rel in program.relations.items()}
    for f in program.facts:  # one test per fact (dag 200's 200 facts: 0.1 ms a verify)
        if arity.get(f.relation) != len(f.values):
            _require(f.relation in arity, f"fact for unknown relation {f.relation}")
            _require(False, f"fact arity {f}")  # (a fact's repr: only on failure)
    for stratum in program.strata:
        here = set(stratum.relations)
        readable = computed | here
        for rule in stratum.rules:
            _require(rule.head in here, f"rule for {rule.head} outside its stratum")
            _verify_rule(program, rule, readable, computed, heads)
        for agg in stratum.aggregates:
            _require(agg.target in here, f"aggregate {agg.target} outside its stratum")
            for rel in (agg.source, agg.where):
                _require(rel is None or rel in computed, f"aggregate reads {rel} too early")
        computed |= here


def _verify_rule(program, rule: Rule, readable, computed, heads):
    relation = program.relations[rule.head]
    _require(len(rule.head_exprs) == relation.arity, f"head arity of {rule.head}")
    bound: set[str] = set()
    for lit in rule.body:
        if isinstance(lit, AtomLit):
            _require(lit.relation in program.relations, f"unknown relation {lit.relation}")
            _require(len(lit.terms) == program.relations[lit.relation].arity,
                     f"arity of {lit.relation} in rule for {rule.head}")
            if lit.negated:
                _require(lit.relation in computed, f"negation of {lit.relation} not stratified")
                _require(lit.variables() <= bound, f"unbound variable under not in {rule.head}")
            else:
                _require(lit.relation in readable or lit.relation not in heads,
                         f"{lit.relation} read before it is computed")
                bound |= lit.variables()
        elif isinstance(lit, Filter):
            _require(variables(lit.expr) <= bound, f"filter uses unbound variables: {lit}")
        elif isinstance(lit, ForeignLit):
            inputs = set().union(*map(variables, lit.inputs)) if lit.inputs else set()
            _require(inputs <= bound, f"foreign predicate input unbound: {lit}")
            if lit.negated:
                _require(lit.variables() <= bound, f"unbound variable under not: {lit}")
            bound |= lit.variables()
        elif isinstance(lit, Assign):
            _require(variables(lit.expr) <= bound, f"assignment uses unbound variables: {lit}")
            _require(lit.var not in bound, f"assignment to bound variable {lit.var}")
            bound.add(lit.var)
    for e in rule.head_exprs:
        _require(variables(e) <= bound, f"head of {rule.head} uses unbound variables")


def _heads(program: Program) -> set[str]:
    return {r for s in program.strata for r in s.relations}


def _require(condition: bool, message: str):
    if not condition:
        raise InternalError(f"IR verification failed: {message}")
