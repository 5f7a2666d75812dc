"""SyGuS-IF problems (`.sl` files, versions 1 and 2) for programming by example.

A problem names one function to synthesise (`synth-fun`), usually with a grammar, and gives
input-output examples as constraints `(= (f c1 ... cn) c)`. The grammar becomes a nesy
`Grammar` over the SMT-LIB functions of `nesy.synth.domains.smtlib`; nested rule terms such as
`(str.++ ntString " ")` get a fresh non-terminal per nested argument, and constant terms such
as `(- 1)` are folded. Answers are printed as a SyGuS solver prints them, `(define-fun ...)`.

S-expressions are read with `sexpdata`; string literals are first rewritten from SMT-LIB's
quoting (`""` is a quote, `\\u{..}` a character) into the escapes `sexpdata` reads.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sexpdata
from sexpdata import Symbol

from nesy.builtins import NoValue
from nesy.errors import CompileError, DataError, Diagnostic, DiagnosticKind, Source
from nesy.files import read_text
from nesy.synth import diagnostics as kinds
from nesy.synth.batch import TaskResult
from nesy.synth.domains.smtlib import DOMAIN as SMTLIB
from nesy.synth.domains.strings import extract_constants
from nesy.synth.grammar import (CONSTANT, FUNCTION, INPUT, Grammar, Production,
                                call_type, type_of)
from nesy.synth.locations import span
from nesy.synth.program import Program
from nesy.synth.search import Budget, Problem, SearchResult, contradiction, synthesize

SORTS = {"String": "String", "Int": "i64", "Bool": "bool"}
SORT_OF = {t: s for s, t in SORTS.items()}
CONSTANT_EXAMPLES = 16
MAX_DEPTH = 200  # nesting of s-expressions; the terms of real problems are a few levels deep
V2_NAMES = {"str.to.int": "str.to_int", "int.to.str": "str.from_int"}
IGNORED = {"set-option", "set-info", "set-feature", "check-synth", "declare-var",
           "declare-primed-var", "exit"}
_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]{1,5})\}|\\u([0-9a-fA-F]{4})")


@dataclass(frozen=True)
class Form:
    """One top-level command: its s-expression and where it is in the file."""

    sexp: list
    start: int
    end: int


@dataclass
class SygusProblem:
    function: str
    params: list[tuple[str, str]]  # (name, nesy type)
    returns: str
    grammar: Grammar
    examples: list[tuple[tuple, object]]  # (input values, output value)
    logic: str = "SLIA"

    def columns(self) -> dict[str, list]:
        return {name: [ins[i] for ins, _ in self.examples] for i, (name, _) in enumerate(self.params)}

    @property
    def outputs(self) -> list:
        return [out for _, out in self.examples]

    def contradiction(self) -> str | None:
        """Why no function can meet the examples (two want different outputs for the same
        inputs), or None."""
        clash = contradiction(Problem(self.grammar, None, self.columns(), self.outputs))
        if clash is None:
            return None
        (inputs, first), (_, second) = (self.examples[i] for i in clash)
        shown = " ".join(map(smt_literal, inputs))
        return (f"infeasible: ({self.function} {shown}) must be both "
                f"{smt_literal(first)} and {smt_literal(second)}")


def load_sygus(path: str | Path) -> SygusProblem:
    return parse_sygus(read_text(path, "a SyGuS .sl file"), str(path))


def parse_sygus(text: str, name: str = "<sygus>") -> SygusProblem:
    """Read a PBE problem; raises `CompileError` with every located problem found."""
    return _Reader(Source(name, text)).problem()


def solve_sygus(problem: SygusProblem, budget: Budget) -> SearchResult:
    """Search the problem's grammar; contradictory examples are answered at once."""
    reason = problem.contradiction()
    if reason:
        return SearchResult(None, 0, 0, 0.0, 0, "infeasible", reason)
    return synthesize(problem.grammar, problem.columns(), problem.outputs, budget)


def parse_answer(problem: SygusProblem, text: str) -> Program:
    """Read a solver's `(define-fun ...)` answer for `problem` (the brackets cvc5 prints around
    it and `let` bindings are accepted), so it can be run on the examples."""
    reader = _Reader(Source("<answer>", text))
    forms = reader.forms()
    sexp = forms[0].sexp if forms else []
    while sexp and isinstance(sexp[0], list):  # "( (define-fun ...) )"
        sexp = sexp[0]
    if _head(sexp) != "define-fun" or len(sexp) != 5:
        raise DataError(f"not a define-fun: {text.strip()[:80]}")
    return _program(sexp[4], {name for name, _ in problem.params}, reader)


def _program(t, params: set[str], reader: "_Reader", bound: dict | None = None) -> Program:
    bound = bound or {}
    if isinstance(t, Symbol) and str(t) in bound:
        return bound[str(t)]
    if isinstance(t, Symbol) and str(t) in params:
        return Program(Production("", INPUT, str(t)), (), SMTLIB)
    if _head(t) == "let":
        inner = dict(bound)
        for name, value in t[1]:
            inner[str(name)] = _program(value, params, reader, bound)
        return _program(t[2], params, reader, inner)
    if isinstance(t, list) and _head(t) and str(t[0]) in SMTLIB.functions:
        children = tuple(_program(a, params, reader, bound) for a in t[1:])
        return Program(Production("", FUNCTION, str(t[0])), children, SMTLIB)
    try:
        return Program(Production("", CONSTANT, reader.fold(t)), (), SMTLIB)
    except ValueError:
        raise DataError(f"cannot read the term {_text(t)}") from None


def solve_file(problem_and_name: tuple[SygusProblem, str], budget: Budget) -> TaskResult:
    """Solve one loaded file; the answer is a `define-fun`, `infeasible`, or None."""
    problem, name = problem_and_name
    result = solve_sygus(problem, budget)
    answer = define_fun(problem, result.program) if result.solved else None
    if result.stop == "infeasible":
        answer = "infeasible"
    return TaskResult(name, result.solved, answer, result.size, result.candidates,
                      result.seconds, result.stop, result.message)


def define_fun(problem: SygusProblem, program: Program) -> str:
    """The answer as SyGuS solvers print it."""
    params = " ".join(f"({n} {SORT_OF[t]})" for n, t in problem.params)
    return f"(define-fun {problem.function} ({params}) {SORT_OF[problem.returns]} {term(program)})"


def term(program: Program) -> str:
    """A program as an SMT-LIB term."""
    return program.text(lambda name, args: f"({name} {' '.join(args)})", smt_literal)


def smt_literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value >= 0 else f"(- {-value})"
    quoted = "".join(c if " " <= c <= "~" and c != "\\" else f"\\u{{{ord(c):x}}}" for c in value)
    return '"' + quoted.replace('"', '""') + '"'


def write_v2(problem: SygusProblem) -> str:
    """The problem in SyGuS-IF version 2 (as cvc5 reads it), with SMT-LIB 2.6 names."""
    g = problem.grammar
    params = " ".join(f"({n} {SORT_OF[t]})" for n, t in problem.params)
    declared = " ".join(f"({n} {SORT_OF[t]})" for n, t in g.nonterminals.items())
    rules = "\n   ".join(
        f"({n} {SORT_OF[t]} ({' '.join(_rule_text(p) for p in g.productions_of(n))}))"
        for n, t in g.nonterminals.items())
    lines = [f"(set-logic {problem.logic})",
             f"(synth-fun {problem.function} ({params}) {SORT_OF[problem.returns]}\n"
             f"  ({declared})\n  ({rules}))"]
    for inputs, output in problem.examples:
        call = " ".join([problem.function, *map(smt_literal, inputs)])
        lines.append(f"(constraint (= ({call}) {smt_literal(output)}))")
    lines.append("(check-synth)")
    return "\n".join(lines) + "\n"


def _rule_text(p) -> str:
    if p.kind == FUNCTION:
        return f"({V2_NAMES.get(p.symbol, p.symbol)} {' '.join(p.args)})"
    return smt_literal(p.symbol) if p.kind == CONSTANT else str(p.symbol)


class _Reader:
    def __init__(self, source: Source):
        self.source = source
        self.diagnostics: list[Diagnostic] = []

    def problem(self) -> SygusProblem:
        forms = self.forms()
        logic, synth, examples = "SLIA", None, []
        for form in forms:
            head = _head(form.sexp)
            if head == "set-logic" and len(form.sexp) == 2:
                logic = str(form.sexp[1])
            elif head == "synth-fun":
                if synth is not None:
                    self.report(kinds.SYGUS_SECOND_SYNTH_FUN, form)
                synth = form
            elif head == "constraint":
                examples.append(form)
            elif head not in IGNORED:
                self.report(kinds.SYGUS_UNSUPPORTED_COMMAND, form, command=head)
        if synth is None:
            self.fail(kinds.SYGUS_NO_SYNTH_FUN, None)
        name, params, returns = self.signature(synth)
        pairs = [e for e in (self.example(f, name, params) for f in examples) if e is not None]
        if not pairs and not self.diagnostics:
            self.report(kinds.SYGUS_NO_EXAMPLES, synth)
        grammar = self.grammar(synth, params, returns, pairs)
        if self.diagnostics:
            raise CompileError(self.diagnostics)
        return SygusProblem(name, params, returns, grammar, pairs, logic)

    # -- reading --------------------------------------------------------------------------

    def forms(self) -> list[Form]:
        """Split the text into top-level forms, rewriting string literals for `sexpdata`."""
        text, forms, depth, start, out, i = self.source.text, [], 0, 0, [], 0
        while i < len(text):
            c = text[i]
            if c == ";":
                end = text.find("\n", i)
                i = len(text) if end < 0 else end
                continue
            if c == '"':
                literal, end = self.string(i)
                if depth == 0:
                    self.fail_at(kinds.SYGUS_EXPECTED_COMMAND, i, end)
                out.append('"' + literal.replace("\\", "\\\\").replace('"', '\\"') + '"')
                i = end
                continue
            if c == "(":
                if depth == 0:
                    start, out = i, []
                depth += 1
                if depth > MAX_DEPTH:
                    self.diagnostics.append(kinds.SYGUS_TOO_DEEP(span(self.source, i, i + 1),
                                                                 limit=MAX_DEPTH))
                    raise CompileError(self.diagnostics)
            elif c == ")":
                if depth == 0:
                    self.fail_at(kinds.SYGUS_UNEXPECTED_CLOSE, i, i + 1)
                depth -= 1
            elif depth == 0 and not c.isspace():
                self.fail_at(kinds.SYGUS_EXPECTED_COMMAND, i, i + 1)
            out.append(c)
            i += 1
            if c == ")" and depth == 0:
                forms.append(Form(self.sexp("".join(out), start, i), start, i))
        if depth:
            self.fail_at(kinds.SYGUS_UNCLOSED_FORM, start, start + 1)
        return forms

    def sexp(self, text: str, start: int, end: int) -> list:
        """One top-level form read by `sexpdata`; what it cannot read (a `[`, say) is a
        located error."""
        try:
            return sexpdata.loads(text, nil=None, true=None, false=None)
        except Exception as error:  # noqa: BLE001 - sexpdata's errors share no base class
            reason = str(error).split(". ")[0] or type(error).__name__
            self.diagnostics.append(kinds.SYGUS_UNREADABLE_FORM(span(self.source, start, end),
                                                                reason=reason))
            raise CompileError(self.diagnostics) from None

    def string(self, i: int) -> tuple[str, int]:
        """The SMT-LIB string literal starting at offset i, and the offset after it."""
        text, j, chars = self.source.text, i + 1, []
        while True:
            if j >= len(text):
                self.fail_at(kinds.SYGUS_UNCLOSED_STRING, i, i + 1)
            if text[j] == '"':
                if text.startswith('""', j):
                    chars.append('"')
                    j += 2
                    continue
                return _ESCAPE.sub(lambda m: chr(int(m[1] or m[2], 16)), "".join(chars)), j + 1
            chars.append(text[j])
            j += 1

    # -- the function and its examples -----------------------------------------------------

    def signature(self, form: Form) -> tuple[str, list[tuple[str, str]], str]:
        sexp = form.sexp
        if len(sexp) < 4 or not isinstance(sexp[1], Symbol) or not isinstance(sexp[2], list):
            self.fail(kinds.SYGUS_SYNTH_FUN_SHAPE, form)
        params = []
        for param in sexp[2]:
            if not (isinstance(param, list) and len(param) == 2 and isinstance(param[0], Symbol)):
                self.fail(kinds.SYGUS_PARAMETER_SHAPE, form)
            params.append((str(param[0]), self.sort(form, param[1])))
        return str(sexp[1]), params, self.sort(form, sexp[3])

    def sort(self, form: Form, sort) -> str:
        if isinstance(sort, Symbol) and str(sort) in SORTS:
            return SORTS[str(sort)]
        self.fail(kinds.SYGUS_UNSUPPORTED_SORT, form, token=_text(sort), sort=_text(sort),
                  supported=list(SORTS))

    def example(self, form: Form, name: str, params) -> tuple[tuple, object] | None:
        sexp = form.sexp
        if len(sexp) == 2 and _head(sexp[1]) == "=" and len(sexp[1]) == 3:
            left, right = sexp[1][1:]
            call, output = (left, right) if _head(left) == name else (right, left)
            if _head(call) == name:
                try:
                    values = tuple(self.fold(a) for a in call[1:])
                    result = self.fold(output)
                except ValueError:
                    values = None
                if values is not None:
                    return self.checked_example(form, values, result, params)
        self.report(kinds.SYGUS_UNSUPPORTED_CONSTRAINT, form, function=name)
        return None

    def checked_example(self, form: Form, values: tuple, result, params):
        types = [type_of(v) for v in values]
        if types != [t for _, t in params]:
            self.report(kinds.SYGUS_EXAMPLE_SORTS, form, sorts=_sorts(types),
                        expected=_sorts(t for _, t in params))
            return None
        return values, result

    def fold(self, sexp):
        """The value of a constant term; ValueError when it is not constant."""
        if isinstance(sexp, Symbol):
            if str(sexp) in ("true", "false"):
                return str(sexp) == "true"
            raise ValueError(sexp)
        if isinstance(sexp, (str, int)) and not isinstance(sexp, bool):
            return sexp
        if isinstance(sexp, list) and sexp and isinstance(sexp[0], Symbol):
            fn = SMTLIB.functions.lookup(str(sexp[0]))
            if fn is not None:
                try:
                    return fn.scalar(*(self.fold(a) for a in sexp[1:]))
                except (NoValue, TypeError):
                    pass
        raise ValueError(sexp)

    # -- the grammar ------------------------------------------------------------------------

    def grammar(self, form: Form, params, returns: str, examples) -> Grammar:
        spec = form.sexp[4:]
        if not spec:
            return default_grammar(params, returns, examples)
        rules = spec[-1] if len(spec) == 2 else spec[0]  # version 2 predeclares non-terminals
        if len(spec) > 2 or not isinstance(rules, list) or not rules or not all(
                isinstance(r, list) and len(r) == 3 and isinstance(r[0], Symbol) and isinstance(r[2], list)
                for r in rules):
            self.fail(kinds.SYGUS_GRAMMAR_SHAPE, form)
        nonterminals = {str(r[0]): self.sort(form, r[1]) for r in rules}
        grammar = Grammar(nonterminals, str(rules[0][0]), dict(params), domain=SMTLIB.name)
        if nonterminals[grammar.start] != returns:
            self.report(kinds.SYGUS_START_SORT, form, start=grammar.start)
        builder = _RuleBuilder(self, form, grammar, examples)
        for name, _, terms in rules:
            for t in terms:
                builder.add(str(name), t)
        for production, problem in grammar.problems():
            self.report(kinds.SYGUS_INVALID_GRAMMAR, form, token=_token(production),
                        production=None if production is None else str(production),
                        problem=problem)
        return grammar

    # -- errors -----------------------------------------------------------------------------

    def report(self, kind: DiagnosticKind, form: Form | None, token=None, **fields):
        """A problem of `form` (of the whole file, located at its start, when None), at
        `token` when it is in it."""
        where = span(self.source, 0, 1)
        if form is not None:
            start = form.start
            if token:
                found = self.source.text.find(token, form.start, form.end)
                start = found if found >= 0 else start
            where = span(self.source, start, start + (len(token) if token else 1))
        self.diagnostics.append(kind(where, **fields))

    def fail(self, kind: DiagnosticKind, form: Form | None, token=None, **fields):
        """Report a problem after which the file cannot be read further."""
        self.report(kind, form, token, **fields)
        raise CompileError(self.diagnostics)

    def fail_at(self, kind: DiagnosticKind, start: int, end: int):
        self.diagnostics.append(kind(span(self.source, start, end)))
        raise CompileError(self.diagnostics)


class _RuleBuilder:
    """Turns the rule terms of a SyGuS grammar into productions."""

    def __init__(self, reader: _Reader, form: Form, grammar: Grammar, examples):
        self.reader, self.form, self.grammar = reader, form, grammar
        self.examples = examples
        self.fresh = 0
        # Nested terms are typed and scanned once each, not once per enclosing term: without
        # these, a term of depth d costs d^3 (a deep term would take seconds to read).
        self._types: dict[int, str] = {}
        self._mentions: dict[int, bool] = {}

    def add(self, lhs: str, t) -> None:
        g = self.grammar
        if isinstance(t, Symbol) and str(t) in g.nonterminals:
            g.chain(lhs, str(t))
        elif isinstance(t, Symbol) and str(t) in g.inputs:
            g.input(lhs, str(t))
        elif _head(t) in ("Constant", "Variable", "InputVariable", "LocalVariable"):
            self.any_of(lhs, t)
        elif not self.mentions_nonterminal(t):
            try:
                g.constant(lhs, self.reader.fold(t))
            except ValueError:
                self.reader.report(kinds.SYGUS_NOT_A_TERM, self.form, token=_text(t),
                                   term=_text(t))
        else:
            g.function(lhs, str(t[0]), *(self.argument(a) for a in t[1:]))

    def any_of(self, lhs: str, t) -> None:
        """`(Constant Sort)`: the constants found in the examples; `(Variable Sort)`: inputs."""
        sort = self.reader.sort(self.form, t[1]) if len(t) == 2 else None
        if _head(t) == "Constant":
            for value in _constants(self.examples).get(sort, ()):
                self.grammar.constant(lhs, value)
        else:
            for name, param_sort in self.grammar.inputs.items():
                if param_sort == sort:
                    self.grammar.input(lhs, name)

    def argument(self, t) -> str:
        """The non-terminal standing for an argument term, made fresh for a nested term."""
        if isinstance(t, Symbol) and str(t) in self.grammar.nonterminals:
            return str(t)
        self.fresh += 1
        name = f"_term{self.fresh}"
        self.grammar.nonterminals[name] = self.type_of_term(t)
        self.add(name, t)
        return name

    def type_of_term(self, t) -> str:
        if id(t) not in self._types:
            self._types[id(t)] = self._type_of_term(t)
        return self._types[id(t)]

    def _type_of_term(self, t) -> str:
        g = self.grammar
        if isinstance(t, Symbol) and (str(t) in g.nonterminals or str(t) in g.inputs):
            return g.nonterminals.get(str(t)) or g.inputs[str(t)]
        if not self.mentions_nonterminal(t):
            try:
                return type_of(self.reader.fold(t))
            except (ValueError, DataError):
                self.reader.fail(kinds.SYGUS_NOT_A_TERM, self.form, token=_text(t),
                                 term=_text(t))
        returns, problem = call_type(SMTLIB, str(t[0]), [self.type_of_term(a) for a in t[1:]])
        if problem:
            self.reader.fail(kinds.SYGUS_ILL_TYPED_CALL, self.form, token=str(t[0]),
                             function=str(t[0]), problem=problem)
        return returns

    def mentions_nonterminal(self, t) -> bool:
        if isinstance(t, list):
            if id(t) not in self._mentions:
                self._mentions[id(t)] = any(self.mentions_nonterminal(a) for a in t)
            return self._mentions[id(t)]
        return isinstance(t, Symbol) and (str(t) in self.grammar.nonterminals or str(t) in self.grammar.inputs)


def default_grammar(params, returns: str, examples) -> Grammar:
    """The grammar used when a `synth-fun` gives none: SMT-LIB's string and integer operations
    with the inputs and the constants found in the examples."""
    nonterminal = {"String": "S", "i64": "I", "bool": "B"}
    g = Grammar({"S": "String", "I": "i64", "B": "bool"}, nonterminal[returns], dict(params),
                domain=SMTLIB.name)
    for type_name, values in _constants(examples).items():
        for value in values:
            g.constant(nonterminal[type_name], value)
    for name, type_name in params:
        g.input(nonterminal[type_name], name)
    for lhs, fn, args in (
        ("S", "str.++", "SS"), ("S", "str.replace", "SSS"), ("S", "str.at", "SI"),
        ("S", "str.from_int", "I"), ("S", "str.substr", "SII"), ("S", "ite", "BSS"),
        ("I", "+", "II"), ("I", "-", "II"), ("I", "str.len", "S"), ("I", "str.to_int", "S"),
        ("I", "str.indexof", "SSI"), ("I", "ite", "BII"), ("B", "=", "II"),
        ("B", "str.prefixof", "SS"), ("B", "str.suffixof", "SS"), ("B", "str.contains", "SS"),
    ):
        g.function(lhs, fn, *args)
    return g.check()


def _constants(examples) -> dict[str, list]:
    """Candidate constants per type for `(Constant Sort)` and default grammars: BUSTLE's
    string constants (from the first examples: extraction is quadratic in their number),
    small integers and the integers in the examples, both booleans."""
    rows = [inputs for inputs, _ in examples[:CONSTANT_EXAMPLES]]
    outputs = [output for _, output in examples[:CONSTANT_EXAMPLES]]
    found = extract_constants(rows, outputs) if examples else ["", 0, 1, 2, 3]
    ints = {v for row in rows for v in row if type_of(v) == "i64"}
    ints.update(v for v in outputs if type_of(v) == "i64")
    ints.update(v for v in found if type_of(v) == "i64")
    return {"String": [v for v in found if isinstance(v, str)], "i64": sorted(ints),
            "bool": [True, False]}


def _head(sexp) -> str | None:
    return str(sexp[0]) if isinstance(sexp, list) and sexp and isinstance(sexp[0], Symbol) else None


def _text(sexp) -> str:
    return sexpdata.dumps(sexp) if not isinstance(sexp, Symbol) else str(sexp)


def _token(production) -> str | None:
    return None if production is None else str(production.symbol)


def _sorts(types) -> list[str]:
    return [SORT_OF[t] for t in types]
