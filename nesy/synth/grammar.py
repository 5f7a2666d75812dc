"""Typed grammars: the search space of a synthesis problem.

A grammar has typed non-terminals and productions. A production rewrites a non-terminal into a
constant, an input of the function being synthesised, another non-terminal of the same type
(a chain), or a call of a function registered in `nesy.engine.functions` whose arguments are
non-terminals. Grammars are plain data so that every front end (Python, the nesy language,
SyGuS files) builds the same object, and `problems()` reports what is wrong with one without
raising, so a front end can attach its own source locations.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from nesy.engine import functions
from nesy.errors import NesyError
from nesy.types import PRIMITIVES, PRIMITIVE_TYPES

FUNCTION, CONSTANT, INPUT, CHAIN = "function", "constant", "input", "chain"


class GrammarError(NesyError):
    """A grammar that cannot be searched; lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid grammar:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Production:
    """`lhs ::= symbol(args...)`. `symbol` is a function name, a constant value, an input
    name or (for a chain) a non-terminal; `weight` is what the production adds to a
    program's size (chains add nothing)."""

    lhs: str
    kind: str
    symbol: object
    args: tuple[str, ...] = ()
    weight: int = 1

    def __str__(self) -> str:
        if self.kind == FUNCTION:
            return f"{self.lhs} ::= {self.symbol}({', '.join(self.args)})"
        if self.kind == CONSTANT:
            return f"{self.lhs} ::= {literal(self.symbol)}"
        return f"{self.lhs} ::= {self.symbol}"


@dataclass
class Grammar:
    """Non-terminals with their types, the start non-terminal, the typed inputs, and the
    productions in the order the search tries them."""

    nonterminals: dict[str, str]
    start: str
    inputs: dict[str, str] = field(default_factory=dict)
    productions: list[Production] = field(default_factory=list)

    def function(self, lhs: str, name: str, *args: str, weight: int = 1) -> "Grammar":
        """Add `lhs ::= name(args...)`; returns the grammar so calls chain."""
        self.productions.append(Production(lhs, FUNCTION, name, tuple(args), weight))
        return self

    def constant(self, lhs: str, value, weight: int = 1) -> "Grammar":
        self.productions.append(Production(lhs, CONSTANT, value, (), weight))
        return self

    def input(self, lhs: str, name: str, weight: int = 1) -> "Grammar":
        self.productions.append(Production(lhs, INPUT, name, (), weight))
        return self

    def chain(self, lhs: str, other: str) -> "Grammar":
        """Add `lhs ::= other`: every program of `other` is also one of `lhs`."""
        self.productions.append(Production(lhs, CHAIN, other, (), 0))
        return self

    def productions_of(self, nonterminal: str) -> list[Production]:
        return [p for p in self.productions if p.lhs == nonterminal]

    def problems(self) -> list[tuple[Production | None, str]]:
        """Everything that makes the grammar unusable, each with the production at fault."""
        found: list[tuple[Production | None, str]] = []
        for name, type_name in {**self.nonterminals, **self.inputs}.items():
            if type_name not in PRIMITIVE_TYPES:
                found.append((None, f"`{name}` has unknown type `{type_name}`"))
        if self.start not in self.nonterminals:
            found.append((None, f"start symbol `{self.start}` is not a non-terminal"))
        for p in self.productions:
            message = self.problem_of(p)
            if message:
                found.append((p, f"`{p}`: {message}"))
        for name in self.nonterminals:
            if not self.productions_of(name):
                found.append((None, f"non-terminal `{name}` has no productions"))
        return found

    def check(self) -> "Grammar":
        """Raise `GrammarError` listing every problem; returns the grammar when it is sound."""
        found = self.problems()
        if found:
            raise GrammarError([message for _, message in found])
        return self

    def problem_of(self, p: Production) -> str | None:
        """Why one production is unsound, or None."""
        if p.lhs not in self.nonterminals:
            return f"`{p.lhs}` is not a non-terminal"
        if p.weight < (0 if p.kind == CHAIN else 1):
            return f"weight {p.weight} is too small"
        want = self.nonterminals[p.lhs]
        if p.kind == CONSTANT:
            return None if fits(p.symbol, want) else f"constant does not have type {want}"
        if p.kind == INPUT:
            if p.symbol not in self.inputs:
                return f"`{p.symbol}` is not an input"
            have = self.inputs[p.symbol]
            return None if have == want else f"input has type {have}, not {want}"
        if p.kind == CHAIN:
            if p.symbol not in self.nonterminals:
                return f"`{p.symbol}` is not a non-terminal"
            have = self.nonterminals[p.symbol]
            return None if have == want else f"`{p.symbol}` has type {have}, not {want}"
        if not p.args:
            return "a function production needs arguments (write a constant instead)"
        unknown = [a for a in p.args if a not in self.nonterminals]
        if unknown:
            return f"`{unknown[0]}` is not a non-terminal"
        return call_problem(p.symbol, [self.nonterminals[a] for a in p.args], want)


def literal(value) -> str:
    """A constant as it is written in programs: strings quoted, booleans lower case."""
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    return functions.format_value(value)


def type_of(value) -> str:
    """The nesy type a Python example value is searched at."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "i64"
    if isinstance(value, float):
        return "f64"
    if isinstance(value, str):
        return "String"
    raise TypeError(f"unsupported value {value!r}")


def fits(value, type_name: str) -> bool:
    vtype = PRIMITIVES.get(type_name)
    if vtype is None:
        return False
    if isinstance(value, bool):
        return type_name == "bool"
    if isinstance(value, int):
        if vtype.is_integer:
            low, high = vtype.range()
            return low <= value <= high
        return False
    if isinstance(value, float):
        return vtype.is_float
    if isinstance(value, str):
        return type_name == "String" or (type_name == "char" and len(value) == 1)
    return False


def call_problem(name: str, arg_types: list[str], want: str) -> str | None:
    """Why `name(arg_types...)` cannot produce a `want`, or None when it can."""
    returns, problem = call_type(name, arg_types)
    if problem is None and returns != want:
        problem = f"`{name}` returns {returns} here, not {want}"
    return problem


def call_type(name: str, arg_types: list[str]) -> tuple[str | None, str | None]:
    """The type `name(arg_types...)` returns, or None and why the call is ill-typed."""
    fn = functions.lookup(name)
    if fn is None:
        return None, f"no function `{name}` is registered"
    sig = fn.signature
    if not sig.accepts_arity(len(arg_types)):
        return None, f"`{name}` does not take {len(arg_types)} argument(s)"
    bound: dict[str, str] = {}
    for index, have in enumerate(arg_types):
        message = _bind(sig.param_for(index), have, bound)
        if message:
            return None, f"argument {index + 1} of `{name}`: {message}"
    return bound.get(sig.returns, sig.returns), None


_CLASSES = {
    "any": lambda t: True,
    "numeric": lambda t: t.is_numeric,
    "integer": lambda t: t.is_integer,
    "float": lambda t: t.is_float,
}


def _bind(spec: str, have: str, bound: dict[str, str]) -> str | None:
    """Match one parameter spec against an argument type, binding type variables."""
    if spec == "?":
        return None
    if ":" not in spec:
        return None if spec == have else f"expects {spec}, got {have}"
    var, cls = spec.split(":", 1)
    if var in bound:
        return None if bound[var] == have else f"expects {bound[var]}, got {have}"
    if have not in PRIMITIVES or not _CLASSES[cls](PRIMITIVES[have]):
        return f"expects a {cls} type, got {have}"
    bound[var] = have
    return None
