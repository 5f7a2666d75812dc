"""Every kind of diagnostic the front end reports, in one catalogue.

A kind is a stable kebab-case code (what tools and tests match), a message and an optional
hint, both templates over the kind's fields (see `nesy.errors.DiagnosticKind`). A pass reports
a problem as `self.report(KIND, span, **fields)`; `nesy.errors` renders it. To add a kind,
add it here under its pass (docs/extending.md). The message texts are part of the
interface: change them only on purpose.
"""
from __future__ import annotations

from .. import aggregators
from ..errors import DiagnosticKind as Kind
from ..errors import closest
from ..types import INTEGER_RANGES

DID_YOU_MEAN = ("did you mean '{suggestion}'?",)


def one_of(options: list[str]) -> str:
    """"x" or "one of x, y, z" (at most eight, then "...")."""
    if len(options) > 8:
        options = options[:8] + ["..."]
    return options[0] if len(options) == 1 else "one of " + ", ".join(options)


# ---- parse (parser.py) ---------------------------------------------------------------------
def _token_hint(fields: dict) -> str:
    expected = fields["expected"]
    if fields.get("suggestion"):
        return f"did you mean '{fields['suggestion']}'?"
    if fields["token"] == "=" and "'=='" in expected:
        return "comparisons use '=='"
    if "'.'" in expected and len(expected) <= 3:
        return "a rule written with ':-' ends with '.'"
    return f"expected {one_of(expected)}"


def _character_hint(fields: dict) -> str:
    ch = fields["character"]
    if fields.get("query"):
        return f"write a query as `{fields['query']}` (`?-` is Prolog's, not nesy's)"
    if ch == '"':
        return "strings are closed with '\"' on the same line"
    if ch == "'":
        return "character literals hold exactly one character, like 'a'"
    return "remove it, or put it inside a string"


SYNTAX_ERROR = Kind("syntax-error", "unexpected {found}", _token_hint)
UNEXPECTED_CHARACTER = Kind("unexpected-character", "unexpected character {character!r}",
                            _character_hint)
UNEXPECTED_END = Kind("unexpected-end", "unexpected end of {where}",
                      lambda f: f"expected {one_of(f['expected'])}" if f["expected"] else None)
UNCLOSED_COMMENT = Kind("unclosed-comment", "this block comment is never closed",
                        "close it with */")
BAD_ESCAPE = Kind("bad-escape", "unknown escape sequence in string",
                  'supported escapes: \\n \\t \\r \\0 \\\\ \\" \\\'')
BAD_TIME_LITERAL = Kind("bad-time-literal", "Invalid {type} literal `{text}`",
                        lambda f: 'write a date-time as t"2023-01-01T10:00:00Z" or t"2023-01-01"'
                        if f["type"] == "DateTime" else 'write a duration as d"3d", d"1y5d", '
                        'd"2h 30m" (units y mo w d h m s ms us ns)')
BAD_CHARACTER_LITERAL = Kind("bad-character-literal", "invalid character literal")
VALUE_EXPECTED = Kind(
    "value-expected",
    lambda f: (f"the relation atom '{f['relation']}(...)'" if f["relation"] else "a formula")
    + " is used where a value is expected",
    "atoms belong in rule bodies; compute values with expressions or $functions")
INTEGER_TOO_LARGE = Kind("integer-too-large",
                         "this integer literal has {digits} digits; no integer type holds it",
                         "the widest type, u128, holds numbers of at most {most} digits")
OPERATOR_BETWEEN_ATOMS = Kind(
    "operator-between-atoms", "'{operator}' combines boolean values, not relation atoms",
    "join the atoms of a rule body with `{keyword}`, as in `edge(a, b) {keyword} edge(b, c)`")
AGGREGATION_FORM = Kind(
    "aggregation-form", "'{aggregator}' is an aggregator, not a function of atoms",
    "an aggregation binds variables to its result: `{example}`")
NESTING_TOO_DEEP = Kind(
    "nesting-too-deep",
    "aggregations and negated sub-formulas are nested too deep here (at most {most} levels)",
    "define the inner part as a relation of its own")
NOT_A_PROGRAM = Kind(
    "not-a-program",
    "{file} does not look like a nesy program: stopped after {errors} syntax errors",
    "nesy programs hold `rel`, `type` and `query` statements (see docs/language.md)")
AGGREGATION_TARGET = Kind("aggregation-target",
                          "the left side of ':=' must be a variable or a tuple of variables",
                          "write `n := count(...)` or `(k, v) := max[k](...)`")

# ---- resolve (resolve.py) ------------------------------------------------------------------
DUPLICATE_TYPE = Kind("duplicate-type", "type '{type}' is defined twice")
UNKNOWN_TYPE = Kind("unknown-type", "unknown type '{type}'",
                    (*DID_YOU_MEAN, "value types are {known}"))
DUPLICATE_ENUM_CONSTANT = Kind("duplicate-enum-constant",
                               "enum constant '{constant}' is defined twice")
DUPLICATE_RELATION = Kind("duplicate-relation", "relation '{relation}' is declared twice")
ARITY_MISMATCH = Kind("arity-mismatch", "relation '{relation}' is used with {arity} "
                                        "argument{arity:plural} here but has {expected}")
UNKNOWN_RELATION = Kind("unknown-relation", "unknown relation '{relation}'",
                        "did you mean '{suggestion}'? (to read facts supplied at run time, "
                        "declare it with `type {relation}(...)`)")
UNDEFINED_RELATION = Kind("undefined-relation",
                          "relation '{relation}' is read but never defined, declared or given "
                          "facts", "to supply its facts at run time, declare it with "
                          "`type {relation}(...)`")
QUERY_UNKNOWN_RELATION = Kind("query-unknown-relation",
                              "query of unknown relation '{relation}'", DID_YOU_MEAN)
QUERY_ARITY_MISMATCH = Kind("query-arity-mismatch", "query of '{relation}' has {arity} "
                                                    "arguments but the relation has {expected}")
QUERY_EXPRESSION = Kind(
    "query-expression", "the variable '{variable}' of a query's expression is not an argument "
                        "of the query",
    "an expression may use the variables the query's other arguments are (`query S(a, a * 2)`)")
MISPLACED_IMPLIES = Kind(
    "misplaced-implies", lambda f: "`implies` is not allowed in the body of "
                                   f"{f['aggregator']}: only in rule bodies and the body of "
                                   + " or ".join(f["allowed_in"]),
    "write `b := forall(x: A(x) implies B(x))`")
UNKNOWN_FUNCTION = Kind("unknown-function", "unknown function '${function}'", DID_YOU_MEAN)
FUNCTION_ARITY = Kind("function-arity", "${function} does not take {arity} argument{arity:plural}")


def _aggregator_hint(fields: dict) -> str:
    suggestion = closest(fields["name"], fields["available"])
    return (f"did you mean '{suggestion}'?" if suggestion else
            f"aggregators are {', '.join(fields['available'])}")


UNKNOWN_AGGREGATOR = Kind("unknown-aggregator", "unknown aggregator '{name}'", _aggregator_hint)
UNKNOWN_CONSTANT = Kind("unknown-constant", "'{constant}' is not a constant or enum variant",
                        DID_YOU_MEAN)
ENUM_CONSTANT_AS_VARIABLE = Kind("enum-constant-as-variable",
                                 "'{constant}' is an enum constant, not a variable")
UNKNOWN_VARIANT = Kind("unknown-variant",
                       "'{variant}' is not a variant of an algebraic data type", DID_YOU_MEAN)
VARIANT_ARITY = Kind("variant-arity",
                     "the variant '{variant}' has {expected} field{expected:plural}, got {arity}")
CASE_PATTERN = Kind(
    "case-pattern", "a variant pattern such as `Add(x, _)` is expected here",
    "match an entity with `case e is Variant(...)`; a constructor with variables is a pattern")
ENTITY_TEXT = Kind("entity-text", "$parse_entity: {text!r} does not write an entity",
                  "write a constructor of a declared type, as \"Add(Const(1), Const(3))\"")
MISPLACED_NEW = Kind("misplaced-new", "`new` makes an entity only as an argument of a rule's head",
                     "write `rel r(x, new Add(a, b)) = ...`")
IMPORT_FAILED = Kind("import-failed", "cannot import \"{path}\": {problem}",
                     "a relative path is taken from the importing file's folder")
UNKNOWN_ATTRIBUTE = Kind(
    "unknown-attribute", "no handler registered for @{attribute}; see docs/scallop.md",
    'a program using @{attribute} needs a handler: nesy.attribute("{attribute}") '
    "(docs/extending.md)")
ATTRIBUTE_REJECTED = Kind("attribute-rejected", "@{attribute}: {problem}")
FOREIGN_PREDICATE_ARITY = Kind(
    "foreign-predicate-arity",
    "the foreign predicate '{predicate}' takes {expected} argument{expected:plural}, got {arity}")
AGGREGATION_BINDING = Kind("aggregation-binding",
                           "the variables before ':' must be plain variables",
                           "write `exists(x, y: p(x, y))`")
AGGREGATOR_PARAMS = Kind("aggregator-params", "{aggregator}: {problem}",
                         lambda f: f"for example: {aggregators.get(f['aggregator']).example}")
AGGREGATOR_NEEDS_IMPLIES = Kind(
    "aggregator-needs-implies", "{aggregator} needs a body of the form `A implies B`",
    lambda f: f"for example: {aggregators.get(f['aggregator']).example}")

# ---- typecheck (typecheck.py) --------------------------------------------------------------
TYPE_CONFLICT = Kind("type-conflict", "{context:label}type mismatch between {left} and {right}")
LITERAL_OUT_OF_RANGE = Kind(
    "literal-out-of-range", "{value} does not fit in {type} (range {low}..={high})",
    lambda f: "use a wider integer type in the relation's declaration"
    if f["type"] in INTEGER_RANGES else
    f"an integer in an enum column is the index of one of {f['type']}'s variants")

# ---- lower (lower.py) ----------------------------------------------------------------------
UNSAFE_PLACES = {"head": "appears in the head", "not": "is used under 'not'",
                 "condition": "is used in a condition",
                 "computed-argument": "is used in a computed argument",
                 "foreign": "is an input of a foreign predicate",
                 "tag": "is used in the rule's tag",
                 "demand": "is in a bound argument of a demanded relation (@demand)"}

DISJUNCTION_WITHOUT_PROBABILITY = Kind(
    "disjunction-without-probability",
    "every item of an annotated disjunction (';') needs a probability",
    "write it as `0.5::(...)`")
PROBABILITY_OUT_OF_RANGE = Kind("probability-out-of-range",
                                "probability {probability:g} is outside [0, 1]")
VARIABLE_IN_FACT = Kind("variable-in-fact", "a fact cannot contain the variable '{variable}'",
                        "facts hold constants; use a rule with a body to compute tuples")
CONSTANT_WITHOUT_VALUE = Kind("constant-without-value",
                              "this constant expression has no value (for example a division "
                              "by zero or an out-of-range result)")
WILDCARD_IN_HEAD = Kind("wildcard-in-head", "'_' cannot appear in a rule head",
                        "name the variable and bind it in the body")
WILDCARD_AS_VALUE = Kind("wildcard-as-value", "'_' can only be an argument of an atom")
UNSAFE_VARIABLE = Kind(
    "unsafe-variable",
    lambda f: f"variable '{f['variable']}' {UNSAFE_PLACES[f['place']]} but is not bound",
    "bind '{variable}' with a positive atom such as rel({variable}), an equation "
    "`{variable} == ...`, or an aggregation")
VARIABLE_NOT_IN_AGGREGATION = Kind("variable-not-in-aggregation",
                                   "'{variable}' does not occur in the body of {aggregator}")
KEY_NOT_IN_WHERE = Kind("key-not-in-where", "'{variable}' does not occur in the where clause")
KEY_NOT_IN_AGGREGATION = Kind(
    "key-not-in-aggregation",
    "the group-by key '{variable}' does not occur in the body of {aggregator}",
    "use '{variable}' in the body, for example `count(x: r(x, {variable}) where {variable}: ...)`")
AGGREGATOR_VALUES = Kind(
    "aggregator-values",
    lambda f: f"{f['aggregator']} aggregates exactly "
              + ("one variable" if f["expected"] == 1 else f"{f['expected']} variables")
              + f", got {f['got']}",
    lambda f: (f"write `{f['aggregator']}(v: ...)` with a single variable before ':'"
               if f["expected"] == 1 else f"write {f['expected']} variables before ':'"))
AGGREGATOR_NEEDS_ARGS = Kind(
    "aggregator-needs-args", "{aggregator} needs the variables to return in brackets",
    lambda f: f"write `{aggregators.get(f['aggregator']).example}`")
AGGREGATOR_RESULTS = Kind(
    "aggregator-results",
    lambda f: f"{f['aggregator']} produces {f['expected']} value{'s' if f['expected'] != 1 else ''}"
              f" here but {f['got']} variable{'s are' if f['got'] != 1 else ' is'} on the left "
              "of ':='")
UNSTRATIFIABLE = Kind(
    "unstratifiable",
    lambda f: "this program is not stratifiable: a relation depends on itself through "
              "negation or aggregation: " + " -> ".join(f["cycle"]),
    "negation and aggregation must only read relations that do not depend on the relation "
    "being defined; split the recursion")

# ---- grammar declarations (grammars.py, part of lowering) ----------------------------------
DUPLICATE_GRAMMAR = Kind("duplicate-grammar", "grammar '{grammar}' is defined twice")
DUPLICATE_NONTERMINAL = Kind("duplicate-nonterminal",
                             "non-terminal '{nonterminal}' is defined twice",
                             "list all its alternatives in one line with '|'")
INPUT_IS_NONTERMINAL = Kind("input-is-nonterminal", "'{name}' is both an input and a non-terminal")
UNKNOWN_START_SYMBOL = Kind(
    "unknown-start-symbol",
    "the start symbol '{start}' is not a non-terminal of grammar '{grammar}'")
UNKNOWN_GRAMMAR_NAME = Kind(
    "unknown-grammar-name",
    "'{name}' is neither an input nor a non-terminal of grammar '{grammar}'")
