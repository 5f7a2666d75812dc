"""The abstract syntax tree. Every node keeps the span it came from, for diagnostics."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Source, Span


@dataclass(eq=False)
class Node:
    span: Span


# ---- expressions ---------------------------------------------------------------------------
@dataclass(eq=False)
class Expr(Node):
    pass


@dataclass(eq=False)
class Literal(Expr):
    value: object
    kind: str  # "int" | "float" | "string" | "char" | "bool" | "enum"
    enum_type: str | None = None


@dataclass(eq=False)
class Var(Expr):
    name: str

    @property
    def is_wildcard(self) -> bool:
        return self.name == "_"


@dataclass(eq=False)
class Binary(Expr):
    op: str  # + - * / % == != < <= > >= && ||
    left: Expr
    right: Expr


@dataclass(eq=False)
class Unary(Expr):
    op: str  # "-" | "!"
    operand: Expr


@dataclass(eq=False)
class Cast(Expr):
    operand: Expr
    type_name: str
    type_span: Span


@dataclass(eq=False)
class Call(Expr):
    function: str
    args: list[Expr]


@dataclass(eq=False)
class Constructor(Expr):
    """`Add(x, Const(1))`: a value of an algebraic data type (Scallop's entities); `new` when
    written `new Add(...)` (made at run time). Removed by `nesy.dsl.adt` before name
    resolution: ground ones become entity constants, others patterns or run-time hashes."""

    name: str
    args: list[Expr]
    name_span: Span
    new: bool = False


@dataclass(eq=False)
class IfThenElse(Expr):
    condition: Expr
    then: Expr
    otherwise: Expr


# ---- formulas ------------------------------------------------------------------------------
@dataclass(eq=False)
class Formula(Node):
    pass


@dataclass(eq=False)
class Atom(Formula):
    relation: str
    args: list[Expr]
    name_span: Span
    #: Scallop's type arguments of a foreign predicate, `range<usize>(...)`.
    type_args: list[str] = field(default_factory=list)
    #: The `nesy.foreign.ForeignPredicate` this atom calls (set by name resolution), or None.
    foreign: object = None


@dataclass(eq=False)
class Not(Formula):
    operand: Formula


@dataclass(eq=False)
class And(Formula):
    parts: list[Formula]


@dataclass(eq=False)
class Or(Formula):
    parts: list[Formula]


@dataclass(eq=False)
class Implies(Formula):
    premise: Formula
    conclusion: Formula


@dataclass(eq=False)
class CaseIs(Formula):
    """`case e is Add(x, _)`: e is an entity of that variant, with those arguments."""

    var: Var
    pattern: Expr


@dataclass(eq=False)
class Constraint(Formula):
    """A boolean expression used as a body literal (a comparison, an equation, ...)."""

    expr: Expr


@dataclass(eq=False)
class Aggregation(Formula):
    results: list[Var]
    aggregator: str
    aggregator_span: Span
    args: list[Var]
    bindings: list[Var]
    body: Formula
    where_keys: list[Var] | None = None
    where_body: Formula | None = None
    #: Scallop's aggregator parameters, `top<3>`, `rank<desc>`: positional values and named
    #: values (a bare name is `name=true`), with the span of the `<...>` for diagnostics.
    params: list = field(default_factory=list)
    named_params: dict = field(default_factory=dict)
    params_span: Span | None = None
    #: `weighted_avg!(...)`: Scallop's discrete form (one result from all rows, tag one).
    discrete: bool = False


# ---- items ---------------------------------------------------------------------------------
@dataclass(eq=False)
class Field(Node):
    name: str | None
    type_name: str
    adornment: str | None = None  # Scallop's `bound` / `free` before the field's name


@dataclass(eq=False)
class RelationType(Node):
    name: str
    fields: list[Field]


@dataclass(eq=False)
class EnumType(Node):
    name: str
    variants: list[tuple[str, Span]]
    #: Scallop's explicit values (`RED = 3 | GREEN`), one per variant, None where not given.
    values: list[int | None] = field(default_factory=list)


@dataclass(eq=False)
class AdtType(Node):
    """`type Expr = Const(i32) | Add(Expr, Expr)`: variants as (name, field type names, span)."""

    name: str
    variants: list[tuple[str, list[str], Span]]


@dataclass(eq=False)
class ConstAssign(Node):
    """`NAME [: TYPE] = value` of a `const` declaration."""

    name: str
    name_span: Span
    type_name: str | None
    type_span: Span | None
    value: Expr


@dataclass(eq=False)
class ConstDecl(Node):
    assignments: list[ConstAssign]


@dataclass(eq=False)
class TypeAlias(Node):
    name: str
    target: str
    target_span: Span


@dataclass(eq=False)
class FactItem(Node):
    probability: float | None
    values: list[Expr]


@dataclass(eq=False)
class FactSet(Node):
    relation: str
    name_span: Span
    groups: list[list[FactItem]]  # each inner list is one annotated disjunction (or a single fact)


@dataclass(eq=False)
class FactTable(Node):
    """Facts read in bulk (`nesy.dsl.facts`): one relation's rows of plain Python values, with
    no node per value. `first_of_kind[c]` maps each literal kind of column c ("int", "float",
    "string", "bool") to the first row holding one (type checking needs no more); spans of
    rows and values are made from `offsets` only for a diagnostic (`facts.value_span`)."""

    relation: str
    name_span: Span
    source: Source = field(repr=False)
    one_line: bool = False  # a run of `rel r(...)` statements rather than one `rel r = {...}`
    rows: list[tuple] = field(default_factory=list)
    probabilities: list = field(default_factory=list)  # float or None per row
    offsets: list[int] = field(default_factory=list)  # where each row's text starts
    first_of_kind: list[dict[str, int]] = field(default_factory=list)

    def add(self, row: tuple, kinds: tuple, probability: float | None, offset: int) -> None:
        if not self.first_of_kind:
            self.first_of_kind = [{} for _ in row]
        for column, kind in zip(self.first_of_kind, kinds):
            column.setdefault(kind, len(self.rows))
        self.rows.append(row)
        self.probabilities.append(probability)
        self.offsets.append(offset)


@dataclass(eq=False)
class Rule(Node):
    head: Atom
    body: Formula | None  # None: a fact
    probability: float | None = None
    probability_span: Span | None = None
    #: Scallop's tag expression (`rel (1.0 / l)::r(x) = ...`): the probability of each
    #: grounding, computed from the body's variables (probability is then None).
    tag_expr: Expr | None = None
    #: One of the heads of Scallop's disjunctive head `rel {a(x); b(x)} = ...` (exactly one of
    #: them holds per grounding): (its index, every head's atom); None for other rules.
    disjunctive: "tuple[int, list[Atom]] | None" = None
    #: The head of the rule this one was made from (the entity rule of a `new` in that head,
    #: `nesy.dsl.adt`): when that head's relation is demanded, so is this rule's body.
    demand_of: Atom | None = None


@dataclass(eq=False)
class Query(Node):
    relation: str
    name_span: Span
    args: list[Expr] | None


@dataclass(eq=False)
class Alternative(Node):
    """One right-hand side: kind is "call" (value: function, args: non-terminals), "name"
    (an input or a non-terminal) or "constant" (value: a Python value)."""

    kind: str
    value: object
    args: list[str] = field(default_factory=list)


@dataclass(eq=False)
class NonTerminal(Node):
    name: str
    type_name: str
    type_span: Span
    alternatives: list[Alternative]


@dataclass(eq=False)
class GrammarDecl(Node):
    name: str
    inputs: list[tuple[str, str, Span]]
    start: str
    start_span: Span
    nonterminals: list[NonTerminal]
    domain: str | None = None  # `using DOMAIN`: the synthesis domain of its functions
    domain_span: Span | None = None


@dataclass(eq=False)
class Import(Node):
    """`import "file.scl"`: replaced by that file's items (`nesy.dsl.imports`)."""

    path: str


@dataclass(eq=False)
class Attribute(Node):
    """`@name(args..., key=value...)` before a declaration; values are Python values."""

    name: str
    name_span: Span
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)


@dataclass(eq=False)
class Program:
    items: list[Node] = field(default_factory=list)
    #: (attribute, the item it is written before), in file order.
    attributes: list[tuple[Attribute, Node]] = field(default_factory=list)


def walk(node):
    """Yield a node and every node under it (expressions and formulas), parents first, children
    left to right. Iterative: a chain of 100,000 `+` is as deep as it is long."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        todo.extend(reversed(children(current)))


def fold(node, leave, operands=None):
    """`leave(n, results)` for every node under `node`, children first (left to right), where
    `results` are what `leave` returned for n's children (`operands(n)`, by default
    `children(n)`); returns the result for `node`. Iterative, so that passes over expressions
    and formulas handle any nesting depth."""
    operands = operands or children
    results: list = []
    todo: list = [(node, None)]
    while todo:
        current, arity = todo.pop()
        if arity is None:
            kids = operands(current)
            todo.append((current, len(kids)))
            todo.extend((kid, None) for kid in reversed(kids))
            continue
        args = results[len(results) - arity:]
        del results[len(results) - arity:]
        results.append(leave(current, args))
    return results[0]


def set_children(node, kids: list) -> None:
    """Replace the operands of an expression node (the inverse of `children` for expressions)."""
    if isinstance(node, Binary):
        node.left, node.right = kids
    elif isinstance(node, (Unary, Cast)):
        (node.operand,) = kids
    elif isinstance(node, (Call, Constructor)):
        node.args = list(kids)
    elif isinstance(node, IfThenElse):
        node.condition, node.then, node.otherwise = kids


def _aggregation_children(node) -> list:
    out = [*node.results, *node.args, *node.bindings, node.body]
    if node.where_body is not None:
        out += [*node.where_keys, node.where_body]
    return out


# The operands of each kind of node, left to right (leaves and items have none).
_CHILDREN = {
    Binary: lambda n: [n.left, n.right],
    Unary: lambda n: [n.operand],
    Cast: lambda n: [n.operand],
    Call: lambda n: list(n.args),
    Constructor: lambda n: list(n.args),
    IfThenElse: lambda n: [n.condition, n.then, n.otherwise],
    CaseIs: lambda n: [n.var, n.pattern],
    Atom: lambda n: list(n.args),
    Not: lambda n: [n.operand],
    And: lambda n: list(n.parts),
    Or: lambda n: list(n.parts),
    Implies: lambda n: [n.premise, n.conclusion],
    Constraint: lambda n: [n.expr],
    Aggregation: _aggregation_children,
}
_children_by_type: dict = {}  # every class met, subclasses included -> its entry above


def children(node) -> list:
    """The node's operands. Looked up by the node's class (the passes walk every node of
    every rule; a chain of isinstance tests was a tenth of compiling a long rule list)."""
    get = _children_by_type.get(type(node))
    if get is None:
        get = next((_CHILDREN[c] for c in type(node).__mro__ if c in _CHILDREN), _no_children)
        _children_by_type[type(node)] = get
    return get(node)


def _no_children(node) -> list:
    return []
