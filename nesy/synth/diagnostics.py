"""Every kind of diagnostic the synthesis layer reports, in one catalogue.

Three sources of located problems: a program's `grammar` declarations checked against their
synthesis domain (`declared.py`), SyGuS `.sl` files (`sygus.py`) and BUSTLE-style JSON task
files (`tasks.py`). Kinds are `nesy.errors.DiagnosticKind`s, like the front end's catalogue
(`nesy.dsl.diagnostics`, which this layer does not import): a stable kebab-case code, message
and hint templates over structured fields, rendered by `nesy.errors`. The message texts are
part of the interface: change them only on purpose.
"""
from __future__ import annotations

from nesy.errors import DiagnosticKind as Kind

# ---- grammar declarations against their synthesis domain (declared.py) ---------------------
UNKNOWN_SYNTHESIS_DOMAIN = Kind(
    "unknown-synthesis-domain", "in grammar '{grammar}': unknown synthesis domain `{domain}`",
    lambda f: f"known domains: {', '.join(f['known'])}")
INVALID_GRAMMAR = Kind("invalid-grammar", "in grammar '{grammar}': {problem}")
INVALID_GRAMMAR_PRODUCTION = Kind("invalid-grammar-production",
                                  "in grammar '{grammar}': {problem}")

# ---- SyGuS files (sygus.py) ----------------------------------------------------------------
SYGUS_EXPECTED_COMMAND = Kind("sygus-expected-command", "expected `(` to start a command")
SYGUS_UNEXPECTED_CLOSE = Kind("sygus-unexpected-close", "unexpected `)`")
SYGUS_UNCLOSED_FORM = Kind("sygus-unclosed-form", "this `(` is never closed")
SYGUS_UNCLOSED_STRING = Kind("sygus-unclosed-string", "this string is never closed")
SYGUS_UNSUPPORTED_COMMAND = Kind(
    "sygus-unsupported-command",
    "`{command}` is not supported in a programming-by-example problem")
SYGUS_SECOND_SYNTH_FUN = Kind("sygus-second-synth-fun",
                              "only one `synth-fun` per file is supported")
SYGUS_NO_SYNTH_FUN = Kind("sygus-no-synth-fun", "the file has no `synth-fun`")
SYGUS_UNREADABLE_FORM = Kind("sygus-unreadable-form", "cannot read this command: {reason}",
                             "SyGuS commands are s-expressions of symbols, numbers and strings")
SYGUS_TOO_DEEP = Kind("sygus-too-deep", "terms nested deeper than {limit} levels are not "
                                        "supported")
SYGUS_NO_EXAMPLES = Kind("sygus-no-examples",
                         "the file has no example constraints `(= (f ...) output)`")
SYGUS_SYNTH_FUN_SHAPE = Kind("sygus-synth-fun-shape",
                             "expected `(synth-fun NAME ((PARAM SORT) ...) SORT [GRAMMAR])`")
SYGUS_PARAMETER_SHAPE = Kind("sygus-parameter-shape", "a parameter is written `(NAME SORT)`")
SYGUS_UNSUPPORTED_SORT = Kind(
    "sygus-unsupported-sort",
    lambda f: f"unsupported sort `{f['sort']}` (supported: {', '.join(f['supported'])})")
SYGUS_UNSUPPORTED_CONSTRAINT = Kind(
    "sygus-unsupported-constraint", "only input-output examples are supported here",
    "write constraints as `(constraint (= ({function} INPUTS...) OUTPUT))` with constant "
    "inputs and output")
SYGUS_EXAMPLE_SORTS = Kind(
    "sygus-example-sorts",
    lambda f: f"the example's inputs have sorts ({' '.join(f['sorts'])}), "
              f"the function takes ({' '.join(f['expected'])})")
SYGUS_GRAMMAR_SHAPE = Kind("sygus-grammar-shape",
                           "expected a grammar `((NAME SORT (RULE ...)) ...)`")
SYGUS_START_SORT = Kind("sygus-start-sort",
                        "the start symbol `{start}` must have the function's sort")
SYGUS_NOT_A_TERM = Kind("sygus-not-a-term", "`{term}` is not a term of this grammar")
SYGUS_ILL_TYPED_CALL = Kind("sygus-ill-typed-call", "{problem}")
SYGUS_INVALID_GRAMMAR = Kind("sygus-invalid-grammar", "{problem}")


# ---- task files (tasks.py) -----------------------------------------------------------------
def _task(fields: dict) -> str:
    """How a message names a task: by its name, or by its position when it has none."""
    return f"task `{fields['task']}`" if fields["task"] is not None else \
        f"task {fields['number']}"


def _about_task(code: str, problem: str) -> Kind:
    return Kind(code, lambda f: f"{_task(f)}: {problem}")


INVALID_JSON = Kind("invalid-json", "invalid JSON: {reason}",
                    "a task file is a JSON list of tasks")
TASKS_NOT_A_LIST = Kind("tasks-not-a-list", "expected a list of tasks")
TASK_NOT_AN_OBJECT = Kind("task-not-an-object",
                          "expected a task object with `name` and `trainExamples`")
TASK_NAME_NOT_A_STRING = Kind("task-name-not-a-string", "a task name must be a string")
TASK_WITHOUT_EXAMPLES = Kind("task-without-examples",
                             lambda f: f"{_task(f)} has no `trainExamples`",
                             "give at least one example")
EXAMPLES_NOT_A_LIST = _about_task("examples-not-a-list", "expected a list of examples")
EXAMPLE_NOT_AN_OBJECT = _about_task("example-not-an-object",
                                    "an example is an object with `inputs` and `output`")
EXAMPLE_INPUTS_NOT_A_LIST = _about_task("example-inputs-not-a-list",
                                        "`inputs` must be a list")
UNSUPPORTED_VALUE = _about_task("unsupported-value",
                                "values must be strings, integers or booleans")
INTEGER_OUT_OF_RANGE = _about_task("integer-out-of-range",
                                   "integers must fit in 64 bits (-2^63 to 2^63 - 1)")
NON_FINITE_NUMBER = Kind("non-finite-number", "`{token}` is not a JSON value",
                         "task values are strings, integers or booleans")
JSON_TOO_DEEP = Kind("json-too-deep", "JSON nested deeper than {limit} levels",
                     "a task file is a list of tasks, each a few levels deep")
EXAMPLE_SHAPE_MISMATCH = _about_task(
    "example-shape-mismatch",
    "this example's inputs or output differ in number or type from the first example's")


# ---- regex task files (regex.py) -----------------------------------------------------------
REGEX_TASK_MISSING_MARK = Kind(
    "regex-task-missing-mark", "the task file has no `{mark}` line",
    "a task file is a description, `++`, the positive strings, `--`, the negative strings")
REGEX_TASK_MARK_ORDER = Kind("regex-task-mark-order", "`--` comes before `++`",
                             "positive strings (`++`) come first")
REGEX_TASK_SYMBOL = Kind("regex-task-symbol",
                         "`{symbol}` is not a symbol of the alphabet `{alphabet}`",
                         "`X` stands for any symbol; --alphabet sets the symbols")
REGEX_TASK_CONTRADICTION = Kind(
    "regex-task-contradiction", "contradictory examples: {string!r} is both positive and negative",
    ("it is also given as positive on line {positive_line}",))
REGEX_TASK_JSON_SHAPE = Kind(
    "regex-task-json-shape",
    'expected {{"positive": [strings], "negative": [strings]}} (optional "alphabet")')
