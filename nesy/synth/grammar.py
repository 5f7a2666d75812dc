"""Typed grammars: the search space of a synthesis problem.

A grammar has typed non-terminals and productions. A production rewrites a non-terminal into a
constant, an input of the function being synthesised, another non-terminal of the same type
(a chain), or a call of an operation of the grammar's synthesis *domain* whose arguments are
non-terminals. Grammars are plain data so that every front end (Python, the nesy language,
SyGuS files) builds the same object, and `problems()` reports what is wrong with one without
raising, so a front end can attach its own source locations.

A grammar names its domain, or leaves it to be found: the one registered domain whose
namespace holds every function the grammar calls (and which defines every type it uses). A
grammar that calls no function and uses only primitive types needs no domain.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from nesy.errors import DataError, UsageError
from nesy.synth import domains
from nesy.synth.domains import PLAIN, Domain
from nesy.types import PRIMITIVES, literal

FUNCTION, CONSTANT, INPUT, CHAIN = "function", "constant", "input", "chain"


class GrammarError(UsageError):
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
    domain: str | None = None  # a registered domain's name; None: found from the functions

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

    def function_names(self) -> list[str]:
        return list(dict.fromkeys(p.symbol for p in self.productions if p.kind == FUNCTION))

    def resolve(self) -> Domain:
        """The grammar's domain; raises `GrammarError` when there is none or several."""
        domain, problems = self._resolve()
        if problems:
            raise GrammarError([message for _, message in problems])
        return domain

    def _resolve(self) -> tuple[Domain | None, list[tuple[Production | None, str]]]:
        """The domain (None when no one domain fits) and the problems in finding it."""
        if self.domain is not None:
            if self.domain not in domains.names():
                return None, [(None, f"unknown synthesis domain `{self.domain}`; known: "
                                     f"{', '.join(domains.names())}")]
            return domains.get(self.domain), []
        every = domains.all_domains()
        unknown = [p for p in self.productions
                   if p.kind == FUNCTION and not any(p.symbol in d.functions for d in every)]
        problems = [(p, f"`{p}`: no function `{p.symbol}` is registered in any synthesis "
                        f"domain") for p in unknown]
        called = [n for n in self.function_names() if n not in {p.symbol for p in unknown}]
        types = set(self.nonterminals.values()) | set(self.inputs.values())
        if not called and types <= set(PRIMITIVES):
            return PLAIN, problems
        fitting = [d for d in every
                   if all(n in d.functions for n in called) and types <= d.type_names()]
        if len(fitting) == 1:
            return fitting[0], problems
        if len(fitting) > 1:
            return None, problems + [(None, f"the grammar fits several synthesis domains "
                                            f"({', '.join(d.name for d in fitting)}); name one")]
        strange = {name: t for name, t in {**self.nonterminals, **self.inputs}.items()
                   if not any(t in d.type_names() for d in every)}
        if strange:
            return None, problems + [(None, f"`{name}` has unknown type `{t}`")
                                     for name, t in strange.items()]
        owners = "; ".join(f"`{n}` is in {', '.join(d.name for d in every if n in d.functions)}"
                           for n in called)
        return None, problems + [(None, f"no synthesis domain has every function and type the "
                                        f"grammar uses ({owners})")]

    def problems(self) -> list[tuple[Production | None, str]]:
        """Everything that makes the grammar unusable, each with the production at fault."""
        domain, found = self._resolve()
        if domain is not None:
            found += [(None, f"`{name}` has unknown type `{type_name}`")
                      for name, type_name in {**self.nonterminals, **self.inputs}.items()
                      if type_name not in domain.type_names()]
        if self.start not in self.nonterminals:
            found.append((None, f"start symbol `{self.start}` is not a non-terminal"))
        reported = {id(p) for p, _ in found if p is not None}
        for p in self.productions:
            message = None if id(p) in reported else self.problem_of(p, domain)
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

    def problem_of(self, p: Production, domain: Domain | None) -> str | None:
        """Why one production is unsound in the domain, or None. Without a domain, calls
        are not checked (the problem is then the missing domain)."""
        if p.lhs not in self.nonterminals:
            return f"`{p.lhs}` is not a non-terminal"
        if p.weight < (0 if p.kind == CHAIN else 1):
            return f"weight {p.weight} is too small"
        want = self.nonterminals[p.lhs]
        if p.kind == CONSTANT:
            fits = (domain or PLAIN).fits(p.symbol, want)
            return None if fits else f"constant does not have type {want}"
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
        if domain is None:
            return None
        return call_problem(domain, p.symbol, [self.nonterminals[a] for a in p.args], want)


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
    raise DataError(f"unsupported example value {value!r} of type {type(value).__name__}: "
                    f"examples hold strings, integers, floats or booleans")


def call_problem(domain: Domain, name: str, arg_types: list[str], want: str) -> str | None:
    """Why `name(arg_types...)` cannot produce a `want` in the domain, or None when it can."""
    returns, problem = call_type(domain, name, arg_types)
    if problem is None and returns != want:
        problem = f"`{name}` returns {returns} here, not {want}"
    return problem


def call_type(domain: Domain, name: str, arg_types: list[str]) -> tuple[str | None, str | None]:
    """The type `name(arg_types...)` returns in the domain, or None and why the call is
    ill-typed."""
    fn = domain.functions.lookup(name)
    if fn is None:
        return None, f"no function `{name}` is registered in synthesis domain `{domain.name}`"
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
    if cls != "any" and (have not in PRIMITIVES or not _CLASSES[cls](PRIMITIVES[have])):
        return f"expects a {cls} type, got {have}"
    bound[var] = have
    return None
