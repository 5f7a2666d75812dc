"""Text -> AST. Syntax errors are collected across the whole file, one per broken statement."""
from __future__ import annotations

import copy
import itertools
import re
from functools import lru_cache
from typing import NamedTuple
from importlib import resources

import lark

from .. import aggregators
from ..errors import Diagnostic, DiagnosticKind, Source, Span, closest
from ..timevalues import parse_datetime, parse_duration
from . import ast
from . import diagnostics as kinds
from .facts import read_bulk
from .simple import SimpleStatements

MAX_SYNTAX_ERRORS = 50
# A file whose first statements fail to parse this often, with fewer statements parsed than
# failed, is most likely not a nesy program (a README, say): stop there and say so.
NOT_A_PROGRAM_AFTER = 10
# u128, the widest integer type, holds 39 digits; longer literals are errors before Python
# converts them (its int conversion refuses more than 4,300 digits anyway).
MAX_INTEGER_DIGITS = 39


def _lark(**options) -> lark.Lark:
    """The LALR parser of grammar.lark as lark builds it (the test of `_parser` compares the
    two); `options` override lark's options (benchmarks/front_end.py times other builds)."""
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text()
    return lark.Lark(grammar, **{"parser": "lalr", "propagate_positions": True,
                                 "maybe_placeholders": True, "cache": True, **options})


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    """`_lark()`, with the reductions that only pass one sub-tree up (`?sum: product`, the
    precedence ladder an atom climbs on its way to a formula: most reductions of a rule
    list) made plain: lark's position-propagating callback re-derives the child's own
    positions there, a fifth of the parse of a Bayesian network's rules
    (benchmarks/problog_reachability.py). Same trees, same positions."""
    parser = _lark()
    try:  # rule -> callback of the LALR parser (lark 1.x's layout; else lark's callbacks)
        callbacks = parser.parser.parser.parser.callbacks
    except AttributeError:  # pragma: no cover - another lark version
        return parser
    _make_plain(callbacks)
    return parser


@lru_cache(maxsize=1)
def _simple_statements() -> SimpleStatements:
    """The reader of simple rules and queries (`simple.py`), with the grammar's own tokens."""
    terminals = {name: _parser().get_terminal(name).pattern.to_regexp()
                 for name in ("NAME", "INT", "FLOAT", "WS")}
    return SimpleStatements(terminals, MAX_INTEGER_DIGITS)


def _make_plain(callbacks: dict) -> None:
    """Replace, in an LALR parser's rule -> callback table, the callbacks of the reductions
    that only pass one sub-tree up by `_only_child` (see `_parser`; benchmarks/front_end.py
    does the same to lark_cython's table)."""
    for rule in callbacks:
        (symbol, *more) = rule.expansion or (None, None)
        if rule.options.expand1 and rule.alias is None and not more and not symbol.is_term \
                and not symbol.name.startswith("_"):
            callbacks[rule] = _only_child


def _only_child(children):
    return children[0]


_BLANK = re.compile(r"[ \t\f\r\n]*")  # the grammar's whitespace (WS) only


def parse(source: Source) -> tuple[ast.Program | None, list[Diagnostic]]:
    """Parse a whole file: plain fact statements (`facts.py`) and simple rules and queries
    (`simple.py`) in bulk, the rest with the LALR parser. On syntax errors, re-parse
    statement by statement to find them all."""
    read, text, read_starts = read_bulk(source, _unescape, _simple_statements().read)
    if text.startswith("\ufeff"):  # a byte-order mark: a blank for the parser (same offsets)
        text = " " + text[1:]
    builder = AstBuilder(source)
    parsed = []
    if not _BLANK.fullmatch(text):  # else every statement was read in bulk
        try:
            tree = _parser().parse(text)
        except lark.exceptions.UnexpectedInput:
            return None, _collect_syntax_errors(source, text, read_starts)
        parsed = builder.transform(tree).children
    items = parsed
    if read:  # back in the order of the file
        items = sorted(parsed + read, key=lambda item: (item.span.line, item.span.column))
    # (what was read in bulk nests no deeper than simple.MAX_DEPTH < MAX_NESTED_SCOPES)
    return ast.Program(items, builder.attributes), builder.diagnostics + _too_deep(parsed)


# Aggregations and negated sub-formulas become helper relations, defined recursively by the
# lowering (a few Python frames per level): their nesting is limited, far beyond what a
# program needs. Everything else (expressions, `and`/`or`, `not not`) nests without limit.
MAX_NESTED_SCOPES = 100


def _scopes(f) -> list:
    """The formulas directly under f (for `_too_deep`)."""
    if isinstance(f, (ast.And, ast.Or)):
        return f.parts
    if isinstance(f, ast.Not):
        return [f.operand]
    if isinstance(f, ast.Implies):
        return [f.premise, f.conclusion]
    if isinstance(f, ast.Aggregation):
        return [f.body] + ([f.where_body] if f.where_body is not None else [])
    return []


def _opens_scope(f) -> bool:
    return isinstance(f, ast.Aggregation) or (
        isinstance(f, ast.Not) and isinstance(f.operand, (ast.And, ast.Or, ast.Aggregation,
                                                          ast.Implies)))


def _too_deep(items: list[ast.Node]) -> list[Diagnostic]:
    """A `nesting-too-deep` error for each rule whose body nests aggregations or negated
    sub-formulas more than MAX_NESTED_SCOPES deep, at the first scope past the limit."""
    out = []
    for item in items:
        if not isinstance(item, ast.Rule) or item.body is None:
            continue
        todo = [(item.body, 0)]
        while todo:
            f, depth = todo.pop()
            depth += _opens_scope(f)
            if depth > MAX_NESTED_SCOPES:
                out.append(kinds.NESTING_TOO_DEEP(f.span, most=MAX_NESTED_SCOPES))
                break
            todo.extend((g, depth) for g in reversed(_scopes(f)))
    return out


# ---- building the AST ----------------------------------------------------------------------
def _span(source: Source, meta) -> Span:
    """Spans come from offsets, so lines are the source's (CR ends one; lark counts only LF)."""
    if getattr(meta, "empty", True):
        return Span(source, 1, 1, 1, 1)
    return Span(source, *source.position(meta.start_pos), *source.position(meta.end_pos))


def _token_span(source: Source, token: lark.Token) -> Span:
    return Span(source, *source.position(token.start_pos), *source.position(token.end_pos))


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _unescape(body: str) -> str | None:
    """The value of a string body, or None for an unknown escape. No per-character objects:
    a 16 MB literal costs a few copies of itself."""
    if "\\" not in body:
        return body
    if any(m.group(1) not in _ESCAPES for m in _ESCAPE.finditer(body)):
        return None
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], body)


class AstBuilder:
    """Parse tree -> AST, without recursion (`1+1+...+1` is a tree as deep as it is long).
    Each parse-tree node `data` is handed to the method of that name as `(meta, children)`,
    its children already built; a node without a method stays a `lark.Tree`."""

    def __init__(self, source: Source):
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.joined: set[int] = set()  # formulas made of atoms joined with && or ||
        self.attributes: list[tuple[ast.Attribute, ast.Node]] = []

    def transform(self, tree: lark.Tree):
        """The tree built bottom-up from its post-order. Methods are called directly: lark's
        `Transformer` wraps each bound method in a new `v_args` object for every node it
        visits, and that wrapping was half of the time of building the AST of a Bayesian
        network's rules (benchmarks/problog_reachability.py)."""
        rev_postfix, todo = [], [tree]
        while todo:
            node = todo.pop()
            rev_postfix.append(node)
            if type(node) is lark.Tree:
                todo += node.children
        methods: dict = {}
        stack: list = []
        for node in reversed(rev_postfix):
            if type(node) is not lark.Tree:
                stack.append(node)
                continue
            size = len(node.children)
            children = stack[-size:] if size else []
            if size:
                del stack[-size:]
            method = methods.get(node.data)
            if method is None:
                method = methods[node.data] = getattr(
                    self, node.data, lambda meta, children, data=node.data:
                    lark.Tree(data, children, meta))
            stack.append(method(node.meta, children))
        (result,) = stack
        return result

    # -- helpers ---------------------------------------------------------------------------
    def span(self, meta) -> Span:
        return _span(self.source, meta)

    def tspan(self, token) -> Span:
        return _token_span(self.source, token)

    def report(self, kind: DiagnosticKind, span: Span, **fields):
        self.diagnostics.append(kind(span, **fields))

    def expr(self, node) -> ast.Expr:
        """A node used where a value is expected. `name(args)` there is a constructor of an
        algebraic data type (`nesy.dsl.adt` reports it when no type has that variant)."""
        if isinstance(node, ast.Constraint):
            return node.expr
        if isinstance(node, ast.Atom) and not node.type_args:
            return ast.Constructor(node.span, node.relation, node.args, node.name_span)
        if isinstance(node, ast.Formula):
            self.report(kinds.VALUE_EXPECTED, node.span,
                        relation=node.relation if isinstance(node, ast.Atom) else None)
            return ast.Literal(node.span, False, "bool")
        return node

    def formula(self, node) -> ast.Formula:
        """A node used where a formula (body literal) is expected."""
        if isinstance(node, ast.Formula):
            return node
        return ast.Constraint(node.span, node)

    def exprs(self, items) -> list[ast.Expr]:
        return [self.expr(x) for x in items if x is not None]

    # -- items -------------------------------------------------------------------------------
    def start(self, meta, items):
        flat = []  # `type a(..), b(..)` declares several relations in one statement
        for item in items:
            flat.extend(item if isinstance(item, list) else [item])
        return lark.Tree("start", flat)

    def relation_types(self, meta, children):
        return children if len(children) > 1 else children[0]

    def relation_type(self, meta, children):
        name, *fields = children
        return ast.RelationType(self.span(meta), str(name), [f for f in fields if f is not None])

    def import_decl(self, meta, children):
        return ast.Import(self.span(meta), self.string(meta, children).value)

    def attributed(self, meta, children):
        *attributes, item = children
        for declared in item if isinstance(item, list) else [item]:
            self.attributes += [(a, declared) for a in attributes]
        return item

    def attribute(self, meta, children):
        name, *values = children
        # lark gives None for an attribute written without arguments
        args = [self._value(v) for v in values if not isinstance(v, _Keyword) and v is not None]
        kwargs = {v.name: v.value for v in values if isinstance(v, _Keyword)}
        return ast.Attribute(self.span(meta), str(name), self.tspan(name), args, kwargs)

    def keyword_arg(self, meta, children):
        name, value = children
        return _Keyword(str(name), self._value(value))

    def attribute_arg(self, meta, children):
        return self._value(children[0])

    def negative_value(self, meta, children):
        return -children[0].value

    def list_value(self, meta, children):
        return [self._value(c) for c in children if c is not None]

    def tuple_value(self, meta, children):
        return tuple(self._value(c) for c in children if c is not None)

    def _value(self, node):
        return node.value if isinstance(node, ast.Literal) else node

    def adorned_field(self, meta, children):
        adornment, name, type_name = children
        if str(adornment) not in ("bound", "free"):
            self.report(kinds.SYNTAX_ERROR, self.tspan(adornment), found=repr(str(adornment)),
                        token=str(adornment), expected=["'bound'", "'free'"], suggestion=None)
        return ast.Field(self.tspan(type_name), None if name is None else str(name),
                         str(type_name), str(adornment))

    def adorned_positional_field(self, meta, children):
        adornment, type_name = children
        field = self.adorned_field(meta, [adornment, None, type_name])
        field.name = None
        return field

    def named_field(self, meta, children):
        name, type_name = children
        return ast.Field(self.tspan(type_name), str(name), str(type_name))

    def positional_field(self, meta, children):
        (type_name,) = children
        return ast.Field(self.tspan(type_name), None, str(type_name))

    def subtype(self, meta, children):
        """Scallop's `type Name <: String`: a name for the type (an alias in nesy)."""
        name, target = children
        return ast.TypeAlias(self.span(meta), str(name), str(target), self.tspan(target))

    def enum_or_alias(self, meta, children):
        name, *variants = children
        if any(isinstance(v, _Variant) for v in variants):  # an algebraic data type
            return ast.AdtType(self.span(meta), str(name), [
                (v.name, v.fields, v.span) if isinstance(v, _Variant) else
                (str(v[0]), [], self.tspan(v[0])) for v in variants])
        if len(variants) == 1 and variants[0][1] is None and _is_type_name(str(variants[0][0])):
            target = variants[0][0]
            return ast.TypeAlias(self.span(meta), str(name), str(target), self.tspan(target))
        return ast.EnumType(self.span(meta), str(name),
                            [(str(v), self.tspan(v)) for v, _ in variants],
                            [None if n is None else int(n) for _, n in variants])

    def variant(self, meta, children):
        return tuple(children)  # (name, explicit value token or None)

    def constructor_variant(self, meta, children):
        name, *fields = children
        return _Variant(str(name), [str(f) for f in fields if f is not None], self.span(meta))

    def case_is(self, meta, children):
        name, pattern = children
        return ast.CaseIs(self.span(meta), ast.Var(self.tspan(name), str(name)), self.expr(pattern))

    def new_entity(self, meta, children):
        name, *args = children
        return ast.Constructor(self.span(meta), str(name), self.exprs(args), self.tspan(name),
                               new=True)

    def const_decl(self, meta, children):
        return ast.ConstDecl(self.span(meta), children)

    def const_assign(self, meta, children):
        name, type_name, value = children
        return ast.ConstAssign(self.span(meta), str(name), self.tspan(name),
                               None if type_name is None else str(type_name),
                               None if type_name is None else self.tspan(type_name),
                               self.expr(value))

    def fact_set(self, meta, children):
        name, *groups = children
        return ast.FactSet(self.span(meta), str(name), self.tspan(name),
                           [g for g in groups if g is not None])

    def set_group(self, meta, items):
        return list(items)

    def set_item(self, meta, children):
        prob, values = children
        return ast.FactItem(self.span(meta), None if prob is None else float(prob.value), values)

    def tuple(self, meta, items):
        return self.exprs(items)

    def single(self, meta, children):
        return [self.expr(children[0])]

    def negative(self, meta, children):
        (lit,) = children
        return ast.Unary(self.span(meta), "-", lit)

    def probability(self, meta, children):
        return children[0]

    def rel_rule(self, meta, children):
        prob, head, body = children
        return self._rule(meta, prob, head, body)

    def reduce_rule(self, meta, children):
        """`rel n = count(x: p(x))` as Scallop desugars it: `rel n(r) = r := count(x: p(x))`,
        one fresh result variable per result of the aggregator (an unknown aggregator gets
        one, and is reported by resolve)."""
        name, agg = children
        agg.span = self.span(meta)
        n = 1
        if agg.aggregator in aggregators.names():
            n = aggregators.get(agg.aggregator).n_results(len(agg.args), len(agg.bindings))
        agg.results = [ast.Var(agg.aggregator_span, f"{agg.aggregator}#{i}") for i in range(n)]
        head = ast.Atom(self.tspan(name), str(name), list(agg.results), self.tspan(name))
        return ast.Rule(self.span(meta), head, agg, None, None)

    def conjunctive_rule(self, meta, children):
        """`rel {a(x), b(x)} = body`: one rule per head, each with (a copy of) the body."""
        *heads, body = children
        return [ast.Rule(self.span(meta), h, self.formula(body) if i == 0 else
                         copy.deepcopy(self.formula(body))) for i, h in enumerate(heads)]

    def disjunctive_rule(self, meta, children):
        """`rel {a(x); b(x)} = body`: the rules of each head, marked as alternatives."""
        rules = self.conjunctive_rule(meta, children)
        heads = [rule.head for rule in rules]
        for i, rule in enumerate(rules):
            rule.disjunctive = (i, heads)
        return rules

    def horn_rule(self, meta, children):
        prob, head, body = children
        return self._rule(meta, prob, head, body)

    def _rule(self, meta, tag, head, body):
        """A rule; its tag is a probability (a number) or Scallop's tag expression."""
        body = None if body is None else self.formula(body)
        if tag is None:
            return ast.Rule(self.span(meta), head, body)
        tag = self.expr(tag)
        if isinstance(tag, ast.Literal) and tag.kind in ("int", "float"):
            return ast.Rule(self.span(meta), head, body, float(tag.value), tag.span)
        return ast.Rule(self.span(meta), head, body, None, tag.span, tag_expr=tag)

    def in_range(self, meta, children):
        """Scallop's `x in a..b` (`a..=b`: b included): the foreign predicate range."""
        value, low, inclusive, high = children
        value, low, high = self.expr(value), self.expr(low), self.expr(high)
        span = self.span(meta)
        if inclusive:
            high = ast.Binary(span, "+", high, ast.Literal(span, 1, "int"))
        return ast.Atom(span, "range", [low, high, value], span)

    def head(self, meta, children):
        name, *args = children
        return ast.Atom(self.span(meta), str(name), self.exprs(args), self.tspan(name))

    def query_all(self, meta, children):
        (name,) = children
        return ast.Query(self.span(meta), str(name), self.tspan(name), None)

    def query_match(self, meta, children):
        name, *args = children
        return ast.Query(self.span(meta), str(name), self.tspan(name), self.exprs(args))

    # -- synthesis grammars ------------------------------------------------------------------
    def grammar_decl(self, meta, children):
        name, *rest = children
        inputs = [c for c in rest if isinstance(c, tuple)]
        nonterminals = [c for c in rest if isinstance(c, ast.NonTerminal)]
        start, *domain = [c for c in rest if isinstance(c, lark.Token)]
        return ast.GrammarDecl(self.span(meta), str(name), inputs, str(start), self.tspan(start),
                               nonterminals, str(domain[0]) if domain else None,
                               self.tspan(domain[0]) if domain else None)

    def grammar_input(self, meta, children):
        name, type_name = children
        return (str(name), str(type_name), self.tspan(type_name))

    def nonterminal(self, meta, children):
        name, type_name, *alternatives = children
        return ast.NonTerminal(self.span(meta), str(name), str(type_name), self.tspan(type_name),
                               alternatives)

    def alt_call(self, meta, children):
        name, *args = children
        return ast.Alternative(self.span(meta), "call", str(name)[1:],
                               [str(a) for a in args if a is not None])

    def alt_name(self, meta, children):
        return ast.Alternative(self.span(meta), "name", str(children[0]))

    def alt_constant(self, meta, children):
        return ast.Alternative(self.span(meta), "constant", children[0].value)

    def alt_negative(self, meta, children):
        return ast.Alternative(self.span(meta), "constant", -children[0].value)

    # -- formulas ------------------------------------------------------------------------------
    def implies(self, meta, children):
        a, b = children
        return ast.Implies(self.span(meta), self.formula(a), self.formula(b))

    def or_(self, meta, children):
        return self._flat(meta, children, ast.Or)

    def and_(self, meta, children):
        return self._flat(meta, children, ast.And)

    def _flat(self, meta, children, kind):
        """`a and b and c` (left-nested in the parse tree) as one And of three parts: the left
        operand, just built, is extended in place, so a chain of n costs O(n), not O(n^2)."""
        left, right = (self.formula(c) for c in children)
        right_parts = right.parts if isinstance(right, kind) else [right]
        if isinstance(left, kind):
            left.parts.extend(right_parts)
            left.span = self.span(meta)
            return left
        return kind(self.span(meta), [left, *right_parts])

    def not_(self, meta, children):
        return ast.Not(self.span(meta), self.formula(children[0]))

    def aggregation(self, meta, children):
        lhs, agg = children
        agg.span = self.span(meta)
        agg.results = self._variables(lhs)
        return agg

    def _bindings(self, node) -> list[ast.Var]:
        """The variables before ':' of an aggregation (parsed as a formula)."""
        return self._named_variables(_conjuncts(node), kinds.AGGREGATION_BINDING)

    def _variables(self, node) -> list[ast.Var]:
        """The result variables before ':=' of an aggregation."""
        return self._named_variables(_conjuncts(node), kinds.AGGREGATION_TARGET)

    def _named_variables(self, parts, problem) -> list[ast.Var]:
        """The named variables among `parts`; anything else is reported as `problem`."""
        out = []
        for p in parts:
            p = p.expr if isinstance(p, ast.Constraint) else p
            if isinstance(p, ast.Var) and not p.is_wildcard:
                out.append(p)
            else:
                self.report(problem, p.span)
        return out

    def aggregate(self, meta, children):
        name, discrete, params, args, bindings, body, where_keys, where_body = children
        if body is None:  # `exists(path(0, 2))`: no variables before ':'
            bindings, body = [], bindings
        else:
            bindings = self._bindings(bindings)
        positional, named, params_span = params if params is not None else ([], {}, None)
        return ast.Aggregation(
            self.span(meta), [], str(name), self.tspan(name), args or [], bindings,
            self.formula(body), where_keys, None if where_body is None else self.formula(where_body),
            positional, named, params_span, discrete is not None)

    def discrete(self, meta, children):
        return True

    def inclusive(self, meta, children):
        return True

    def aggregator_params(self, meta, children):
        positional = [c for c in children if not isinstance(c, tuple)]
        named = dict(c for c in children if isinstance(c, tuple))
        return positional, named, self.span(meta)

    def positional_param(self, meta, children):
        return children[0].value

    def negative_param(self, meta, children):
        return -children[0].value

    def named_param(self, meta, children):
        name, value = children
        return (str(name), True if value is None else value.value)

    def quantified(self, meta, children):
        """`exists(b: F)` or `forall(o: A => B)` written as a formula, as Scallop allows: the
        aggregation with a fresh result that must be true (`r := forall(o: ...), r == true`).
        `exists(b: F)` is F itself (a body's variables are existential; F's tag is the
        disjunction `exists` computes), which also lets it recurse, as in Scallop's
        `rel path(a, c) = exists(b: path(a, b) and edge(b, c))`."""
        name, *rest = children
        *variables, body, where_keys, where_body = rest
        span = self.span(meta)
        bindings = self._named_variables(variables, kinds.AGGREGATION_BINDING)
        where_body = None if where_body is None else self.formula(where_body)
        if str(name) not in ("exists", "forall") and str(name) in aggregators.names():
            self.report(kinds.AGGREGATION_FORM, span, aggregator=str(name),
                        example=aggregators.get(str(name)).example)
        if str(name) == "exists":  # an And: `not exists(..)` negates a sub-formula whose own
            # variables are local; with `where`, the groups where it holds
            return ast.And(span, [self.formula(body)] + ([where_body] if where_body else []))
        result = ast.Var(self.tspan(name), f"{name}#holds{span.line}_{span.column}")
        agg = ast.Aggregation(span, [result], str(name), self.tspan(name), [], bindings,
                              self.formula(body), where_keys, where_body)
        true = ast.Literal(span, True, "bool")
        return ast.And(span, [agg, ast.Constraint(span, ast.Binary(span, "==", result, true))])

    def names(self, meta, tokens):
        return [ast.Var(self.tspan(t), str(t)) for t in tokens]

    # -- expressions -------------------------------------------------------------------------
    def _binary(op):
        def build(self, meta, children):
            left, right = children
            return ast.Binary(self.span(meta), op, self.expr(left), self.expr(right))

        return build

    eq, ne, lt, le, gt, ge = _binary("=="), _binary("!="), _binary("<"), _binary("<="), \
        _binary(">"), _binary(">=")
    add, sub, mul, div, mod = _binary("+"), _binary("-"), _binary("*"), _binary("/"), _binary("%")

    def bool_and(self, meta, children):
        return self._logical(meta, children, "&&", ast.And)

    def bool_or(self, meta, children):
        return self._logical(meta, children, "||", ast.Or)

    def _logical(self, meta, children, op: str, formula_type):
        """`&&`/`||` between values; between atoms (`edge(a, b) && edge(b, c)`), one error for
        the whole chain, which is kept as the `and`/`or` formula it was meant to be."""
        left, right = children
        if not any(isinstance(x, ast.Formula) and not isinstance(x, ast.Constraint)
                   for x in children):
            return ast.Binary(self.span(meta), op, self.expr(left), self.expr(right))
        if id(left) not in self.joined:
            self.report(kinds.OPERATOR_BETWEEN_ATOMS, self.span(meta), operator=op,
                        keyword="and" if op == "&&" else "or")
        parts = []
        for x in children:
            f = self.formula(x)
            parts.extend(f.parts if isinstance(f, formula_type) else [f])
        joined = formula_type(self.span(meta), parts)
        self.joined.add(id(joined))
        return joined

    def negate(self, meta, children):
        return ast.Unary(self.span(meta), "-", self.expr(children[0]))

    def bool_not(self, meta, children):
        return ast.Unary(self.span(meta), "!", self.expr(children[0]))

    def cast(self, meta, children):
        operand, type_name = children
        return ast.Cast(self.span(meta), self.expr(operand), str(type_name), self.tspan(type_name))

    def var(self, meta, children):
        return ast.Var(self.span(meta), str(children[0]))

    def atom(self, meta, children):
        name, *args = children
        if str(name) in aggregators.names() and any(isinstance(a, ast.Atom) for a in args):
            # `sum(n(x))`: an aggregation written as a call; say how it is written instead
            self.report(kinds.AGGREGATION_FORM, self.span(meta), aggregator=str(name),
                        example=aggregators.get(str(name)).example)
            return ast.Literal(self.span(meta), False, "bool")
        return ast.Atom(self.span(meta), str(name), self.exprs(args), self.tspan(name))

    def generic_atom(self, meta, children):
        """`range<usize>(0, n, i)`: an atom with Scallop's type argument."""
        token, *args = children
        name, type_arg = str(token)[:-1].split("<")
        atom = ast.Atom(self.span(meta), name, self.exprs(args),
                        Span(self.source, *self.source.position(token.start_pos),
                             *self.source.position(token.start_pos + len(name))))
        atom.type_args = [type_arg]
        return atom

    def call(self, meta, children):
        name, *args = children
        return ast.Call(self.span(meta), str(name)[1:], self.exprs(args))

    def if_then_else(self, meta, children):
        c, a, b = (self.expr(x) for x in children)
        return ast.IfThenElse(self.span(meta), c, a, b)

    def literal(self, meta, children):
        return children[0]

    def int(self, meta, children):
        digits = str(children[0])
        if len(digits.lstrip("0")) > MAX_INTEGER_DIGITS:
            self.report(kinds.INTEGER_TOO_LARGE, self.span(meta), digits=len(digits),
                        most=MAX_INTEGER_DIGITS)
            return ast.Literal(self.span(meta), 0, "int")
        return ast.Literal(self.span(meta), int(digits), "int")

    def float(self, meta, children):
        return ast.Literal(self.span(meta), float(children[0]), "float")

    def string(self, meta, children):
        text = str(children[0])
        quotes = 3 if text.startswith('"""') and len(text) >= 6 else 1
        value = _unescape(text[quotes:-quotes])
        if value is None:
            self.report(kinds.BAD_ESCAPE, self.span(meta), text=str(children[0]))
            value = ""
        return ast.Literal(self.span(meta), value, "string")

    def datetime(self, meta, children):
        return self._time(meta, children[0], "DateTime", parse_datetime)

    def duration(self, meta, children):
        return self._time(meta, children[0], "Duration", parse_duration)

    def _time(self, meta, token, type_name: str, parse):
        """`t"..."` / `d"..."`: a literal of Scallop's DateTime / Duration."""
        text = str(token)[2:-1]
        value = parse(text)
        if value is None:
            self.report(kinds.BAD_TIME_LITERAL, self.span(meta), type=type_name, text=text)
            value = parse("2000-01-01" if type_name == "DateTime" else "0s")
        return ast.Literal(self.span(meta), value, type_name.lower(), type_name)

    def char(self, meta, children):
        value = _unescape(str(children[0])[1:-1])
        if value is None or len(value) != 1:
            self.report(kinds.BAD_CHARACTER_LITERAL, self.span(meta), text=str(children[0]))
            value = "?"
        return ast.Literal(self.span(meta), value, "char")

    def true(self, meta, children):
        return ast.Literal(self.span(meta), True, "bool")

    def false(self, meta, children):
        return ast.Literal(self.span(meta), False, "bool")


class _Variant(NamedTuple):
    """`Add(Expr, Expr)` in a type declaration."""

    name: str
    fields: list
    span: Span


class _Keyword(NamedTuple):
    """`key=value` among an attribute's arguments."""

    name: str
    value: object


def _is_type_name(name: str) -> bool:
    from ..types import PRIMITIVE_TYPES

    return name in PRIMITIVE_TYPES


# ---- syntax errors -------------------------------------------------------------------------
_TOKEN = re.compile(r"""
    (?P<ws>\s+) | (?P<comment>//[^\r\n]*|/\*[\s\S]*?\*/)
  | (?P<string>"{3}(?:\\[\s\S]|[^\\])*?"{3}|"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"?) | (?P<char>'(?:\\.|[^'\\\r\n])'?)
  | (?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<word>[A-Za-z_$][A-Za-z0-9_]*) | (?P<horn>:-) | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_STATEMENT_KEYWORDS = {"rel", "type", "const", "query", "grammar", "import"}


def statement_starts(text: str) -> list[int]:
    """Offsets where top-level statements begin, found with a forgiving tokenizer."""
    tokens = [(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(text)
              if m.lastgroup not in ("ws", "comment")]
    starts, depth, after_period, attributed = {0}, 0, False, False
    for i, (kind, value, pos) in enumerate(tokens):
        if kind == "other" and value == "@" and depth == 0:
            if not attributed:  # `@a @b(..) type r(..)`: one statement from the first '@'
                starts.add(pos)
            attributed = True
        elif kind == "word" and value in _STATEMENT_KEYWORDS:
            if not attributed:
                starts.add(pos)
            depth, attributed = 0, False  # keywords cannot occur inside a statement
        elif after_period:
            starts.add(pos)
        after_period = False
        if value in "([{" and kind == "other":
            depth += 1
        elif value in ")]}" and kind == "other":
            depth = max(0, depth - 1)
        elif value == "." and kind == "other" and depth == 0:
            after_period = True
        elif kind == "horn" and depth == 0:
            starts.add(_horn_head_start(tokens, i))
    return sorted(starts)


def _horn_head_start(tokens, horn_index: int) -> int:
    """Walk back from `:-` over `name(...)` and an optional `prob::` to the rule's start."""
    i = horn_index - 1
    if i >= 0 and tokens[i][1] == ")":
        depth = 0
        while i >= 0:
            depth += {")": 1, "(": -1}.get(tokens[i][1], 0)
            if depth == 0:
                break
            i -= 1
        i -= 1
    if i >= 2 and tokens[i - 1][1] == ":" and tokens[i - 2][1] == ":" and i >= 3:
        i -= 3
    return tokens[max(i, 0)][2]


def _collect_syntax_errors(source: Source, text: str,
                           read_starts: list[int]) -> list[Diagnostic]:
    """Parse statement by statement, each on its own (linear in the file's length), and
    report each broken one. `text` is the source's text with the statements read in bulk
    blanked out; they began at `read_starts`. A file that is mostly errors is not a nesy program:
    after NOT_A_PROGRAM_AFTER errors with fewer good statements than bad, stop and say so."""
    starts = sorted({*statement_starts(text), *read_starts})
    diagnostics: list[Diagnostic] = []
    good = 0
    for begin, end in zip(starts, [*starts[1:], len(text)]):
        try:
            _parser().parse(text[begin:end])
            good += 1
        except lark.exceptions.UnexpectedInput as err:
            diagnostics.append(_describe(source, err, begin, end))
            if len(diagnostics) >= MAX_SYNTAX_ERRORS:
                break
            if len(diagnostics) >= NOT_A_PROGRAM_AFTER and good < len(diagnostics):
                diagnostics.append(kinds.NOT_A_PROGRAM(None, file=source.name,
                                                       errors=len(diagnostics)))
                break
    if not diagnostics:  # the split hid the problem; report the whole-file error
        try:
            _parser().parse(text)
        except lark.exceptions.UnexpectedInput as err:
            diagnostics.append(_describe(source, err, 0, len(text)))
    return diagnostics


_TERMINAL_NAMES = {
    "NAME": "a name", "FUNCTION": "a $function", "INT": "an integer", "FLOAT": "a float",
    "STRING": "a string", "CHAR": "a character", "$END": "end of file",
}


def _terminal(name: str) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    term = next((t for t in _parser().terminals if t.name == name), None)
    if term is not None and term.pattern.type == "str":
        return f"'{term.pattern.value}'"
    return name.lower()


def _describe(source: Source, err: lark.exceptions.UnexpectedInput, begin: int,
              end: int) -> Diagnostic:
    """A diagnostic for a parse error in text[begin:end], parsed on its own (so the error's
    offsets count from `begin`)."""
    text = source.text
    if isinstance(err, lark.exceptions.UnexpectedCharacters):
        pos = begin + err.pos_in_stream
        line, column = source.position(pos)
        ch = text[pos] if pos < len(text) else "?"
        return kinds.UNEXPECTED_CHARACTER(Span(source, line, column, line, column + 1),
                                          character=ch, query=_prolog_query(text, pos))
    token = getattr(err, "token", None)
    expected_terminals = set(getattr(err, "expected", ()) or ())
    at = end if token is None or token.type == "$END" else begin + token.start_pos
    single_equals = _single_equals_before(text, begin, at, expected_terminals)
    if single_equals is not None:
        # `x = 5`, `x = y`: '=' only binds an aggregation's result; point at it as the
        # comparison typo it most likely is
        line, column = source.position(single_equals)
        return kinds.SYNTAX_ERROR(Span(source, line, column, line, column + 1), found="'='",
                                  token="=", expected=["'=='", "an aggregation"],
                                  suggestion=None)
    if token is None or token.type == "$END":
        span = _end_of_statement(source, begin, end)
        expected = sorted(_terminal(t) for t in getattr(err, "expected", ()) or ())
        where = "statement" if text[end:].strip() else "file"
        return kinds.UNEXPECTED_END(span, where=where, expected=expected)
    pos = begin + token.start_pos
    line, column = source.position(pos)
    end_line, end_column = source.position(begin + token.end_pos)
    if text.startswith("/*", pos):
        return kinds.UNCLOSED_COMMENT(Span(source, line, column, line, column + 2))
    found = _terminal(token.type) if token.type != "NAME" else repr(str(token))
    return kinds.SYNTAX_ERROR(Span(source, line, column, end_line, end_column), found=found,
                              token=str(token),
                              expected=sorted({_terminal(t) for t in err.expected}),
                              suggestion=_misspelled_keyword(text, begin, pos))


_AFTER_AGGREGATOR_NAME = {"LPAR", "LSQB", "BANG", "LESSTHAN"}  # after `= count`: ( [ ! <


def _single_equals_before(text: str, begin: int, pos: int, expected: set) -> int | None:
    """Where the parser wanted an aggregation after a lone '=' (not '==', ':=', '<=', '=>'):
    the offset of that '=', else None. Either the '=' is the last thing before `pos` and a
    name (the aggregator) was expected, or a name follows it and `(` or `[` was expected."""
    before = text[begin:pos].rstrip()
    if expected == _AFTER_AGGREGATOR_NAME:
        name = re.search(r"[A-Za-z_]\w*$", before)
        if name is None:
            return None
        before = before[:name.start()].rstrip()
    elif expected != {"NAME"}:
        return None
    i = begin + len(before) - 1
    if i < begin or text[i] != "=" or (i > begin and text[i - 1] in "=!<>:"):
        return None
    if re.fullmatch(r"\s*rel\s+[A-Za-z_]\w*\s*", text[begin:i]):
        return None  # `rel r = count`: the '=' of a fact set or reduce rule
    return i


_STATEMENT_KEYWORD_LIST = sorted(_STATEMENT_KEYWORDS)


def _misspelled_keyword(text: str, begin: int, pos: int) -> str | None:
    """`rle path(a, b) = ...`: the keyword the statement's first word is a typo of, when the
    error is at the statement's second word."""
    words = list(itertools.islice(_TOKEN.finditer(text, begin, pos + 1), 4))
    words = [m for m in words if m.lastgroup not in ("ws", "comment")]
    if len(words) < 2 or words[0].lastgroup != "word" or words[1].start() != pos:
        return None
    first = words[0].group()
    return None if first in _STATEMENT_KEYWORDS else closest(first, _STATEMENT_KEYWORD_LIST)


def _prolog_query(text: str, pos: int) -> str | None:
    """`?- path(1, X).` (Prolog's query): the nesy query it stands for, `query path(1, X)`."""
    m = re.compile(r"\?-\s*([A-Za-z_]\w*)\s*(\([^()\n]*\))?").match(text, pos)
    return None if m is None else f"query {m.group(1)}{m.group(2) or ''}"


def _end_of_statement(source: Source, begin: int, end: int) -> Span:
    """The position just after the last character of the statement text[begin:end]."""
    tokens = [m for m in _TOKEN.finditer(source.text, begin, end)
              if m.lastgroup not in ("ws", "comment")]
    last = tokens[-1].end() if tokens else begin
    line, column = source.position(last)
    return Span(source, line, column, line, column + 1)


def _conjuncts(node) -> list:
    """`a, b, ...` parsed as a formula, as its list of parts."""
    return node.parts if isinstance(node, ast.And) else [node]
