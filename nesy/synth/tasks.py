"""Programming-by-example tasks in BUSTLE/CrossBeam's JSON format, and solving them.

A task file is a JSON list of tasks; each task has a `name`, `trainExamples` (the
specification) and optionally `testExamples` (held out, to check generalisation); each example
is `{"inputs": [v, ...], "output": v}` with strings, integers or booleans. Problems in a file
are all reported together, each at its file:line:col.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from json.decoder import scanstring
from pathlib import Path
from typing import Sequence

from nesy.errors import CompileError, Diagnostic, DiagnosticKind, Source, Span
from nesy.files import read_text
from nesy.synth import diagnostics as kinds
from nesy.synth.batch import TaskResult
from nesy.synth.domains.strings import bustle_grammar, input_names
from nesy.synth.locations import span
from nesy.synth.program import consistent
from nesy.synth.search import Budget, synthesize

_VALUE_TYPES = (str, int, bool)


@dataclass(frozen=True)
class Example:
    inputs: tuple
    output: object


@dataclass(frozen=True)
class Task:
    name: str
    train: tuple[Example, ...]
    test: tuple[Example, ...] = ()
    description: str = ""

    @property
    def input_names(self) -> list[str]:
        return input_names(len(self.train[0].inputs))

    def columns(self, examples: Sequence[Example]) -> dict[str, list]:
        """Input name -> one value per example, the form the search takes."""
        return {name: [e.inputs[i] for e in examples] for i, name in enumerate(self.input_names)}


def solve(task: Task, budget: Budget) -> TaskResult:
    """Search BUSTLE's grammar for a program consistent with the task's training examples."""
    inputs = [e.inputs for e in task.train]
    outputs = [e.output for e in task.train]
    result = synthesize(bustle_grammar(inputs, outputs), task.columns(task.train), outputs, budget)
    generalizes = None
    if result.program is not None and task.test:
        generalizes = consistent(result.program, task.columns(task.test),
                                 [e.output for e in task.test])
    return TaskResult(task.name, result.solved, str(result.program) if result.solved else None,
                      result.size, result.candidates, result.seconds, result.stop,
                      result.message, generalizes)


def load_tasks(path: str | Path) -> list[Task]:
    """Read a task file; raises `CompileError` listing every problem with its location."""
    return parse_tasks(read_text(path, "a JSON task file"), str(path))


MAX_DEPTH = 64  # nesting of JSON containers: a valid task file needs 5
I64 = (-2**63, 2**63 - 1)
_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|-?Infinity|NaN')


def parse_tasks(text: str, name: str = "<tasks>") -> list[Task]:
    source = Source(name, text)
    _check_tokens(source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = span(source, error.pos, error.pos + 1)
        raise CompileError([kinds.INVALID_JSON(where, reason=error.msg)]) from None
    checker = _Checker(source)
    tasks = checker.tasks(data)
    if checker.diagnostics:
        raise CompileError(checker.diagnostics)
    return tasks


def _check_tokens(source: Source) -> None:
    """What Python's json module accepts but a task file must not hold, found before it is
    decoded: NaN and Infinity (not JSON), and nesting deeper than MAX_DEPTH (which would
    exhaust the decoder's recursion)."""
    depth = 0
    for token in _NESTING.finditer(source.text):
        kind = token.group()
        if kind[0] == '"':
            continue
        if kind in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise CompileError([kinds.JSON_TOO_DEEP(span(source, token.start(), token.end()),
                                                        limit=MAX_DEPTH)])
        elif kind in "]}":
            depth -= 1
        else:
            raise CompileError([kinds.NON_FINITE_NUMBER(span(source, token.start(), token.end()),
                                                        token=kind)])


class _Checker:
    """Validates decoded JSON against the task schema, collecting located diagnostics."""

    def __init__(self, source: Source):
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self._spans: dict[tuple, tuple[int, int]] | None = None

    def tasks(self, data) -> list[Task]:
        if not isinstance(data, list):
            return self.report(kinds.TASKS_NOT_A_LIST, ())
        tasks = [self.task(item, (i,)) for i, item in enumerate(data)]
        return [t for t in tasks if t is not None]

    def task(self, item, path: tuple) -> Task | None:
        if not isinstance(item, dict):
            return self.report(kinds.TASK_NOT_AN_OBJECT, path)
        name = item.get("name")
        if "name" in item and not isinstance(name, str):
            return self.report(kinds.TASK_NAME_NOT_A_STRING, path + ("name",))
        task_id = {"task": name, "number": path[0] + 1}  # how messages name the task
        before = len(self.diagnostics)
        if not item.get("trainExamples"):
            where = path + ("trainExamples",) if "trainExamples" in item else path
            return self.report(kinds.TASK_WITHOUT_EXAMPLES, where, **task_id)
        train = self.examples(item["trainExamples"], path + ("trainExamples",), task_id)
        test = self.examples(item.get("testExamples", []), path + ("testExamples",), task_id)
        self.same_shape(train + test, item, path, task_id)
        if len(self.diagnostics) > before:
            return None
        return Task(name if name is not None else f"task {path[0] + 1}", tuple(train),
                    tuple(test), str(item.get("description", "")))

    def examples(self, items, path: tuple, task_id: dict) -> list[Example]:
        if not isinstance(items, list):
            self.report(kinds.EXAMPLES_NOT_A_LIST, path, **task_id)
            return []
        found = []
        for i, item in enumerate(items):
            where = path + (i,)
            if not isinstance(item, dict) or "inputs" not in item or "output" not in item:
                self.report(kinds.EXAMPLE_NOT_AN_OBJECT, where, **task_id)
            elif not isinstance(item["inputs"], list):
                self.report(kinds.EXAMPLE_INPUTS_NOT_A_LIST, where + ("inputs",), **task_id)
            elif all(self.value(v, p, task_id) for v, p in
                     [(item["output"], where + ("output",))] +
                     [(v, where + ("inputs", j)) for j, v in enumerate(item["inputs"])]):
                found.append(Example(tuple(item["inputs"]), item["output"]))
        return found

    def value(self, value, path: tuple, task_id: dict) -> bool:
        if isinstance(value, int) and not isinstance(value, bool) and \
                not I64[0] <= value <= I64[1]:
            self.report(kinds.INTEGER_OUT_OF_RANGE, path, **task_id)
            return False
        if isinstance(value, _VALUE_TYPES):
            return True
        self.report(kinds.UNSUPPORTED_VALUE, path, **task_id)
        return False

    def same_shape(self, examples: list[Example], item: dict, path: tuple, task_id: dict) -> None:
        """Every example must have as many inputs, of the same types, as the first."""
        if not examples:
            return
        shape = _shape(examples[0])
        for i, example in enumerate(examples):
            if _shape(example) != shape:
                key, index = ("trainExamples", i) if i < len(item["trainExamples"]) else \
                    ("testExamples", i - len(item["trainExamples"]))
                self.report(kinds.EXAMPLE_SHAPE_MISMATCH, path + (key, index), **task_id)

    def report(self, kind: DiagnosticKind, path: tuple, **fields) -> None:
        """A problem of the JSON value at `path` (object keys and list indices)."""
        self.diagnostics.append(kind(self.where(path), **fields))

    def where(self, path: tuple) -> Span:
        if self._spans is None:
            self._spans = _value_spans(self.source.text)
        return span(self.source, *self._spans.get(path, (0, 1)))


def _shape(example: Example) -> tuple:
    return tuple(type(v) for v in example.inputs), type(example.output)


_BLANK = re.compile(r"[ \t\n\r]*")
_ATOM = re.compile(r"-?[0-9.eE+-]+|true|false|null")


def _value_spans(text: str) -> dict[tuple, tuple[int, int]]:
    """Start and end offsets of every value in (valid) JSON text, keyed by its path of
    object keys and list indices, so schema errors can point into the file."""
    spans: dict[tuple, tuple[int, int]] = {}

    def value(i: int, path: tuple) -> int:
        i = _BLANK.match(text, i).end()
        if text[i] in "{[":
            end = container(i, path)
        elif text[i] == '"':
            end = scanstring(text, i + 1)[1]
        else:
            end = _ATOM.match(text, i).end()
        spans[path] = (i, end)
        return end

    def container(i: int, path: tuple) -> int:
        close = "}" if text[i] == "{" else "]"
        i = _BLANK.match(text, i + 1).end()
        index = 0
        while text[i] != close:
            if close == "}":
                key, i = scanstring(text, _BLANK.match(text, i).end() + 1)
                i = _BLANK.match(text, i).end() + 1  # the colon
            else:
                key, index = index, index + 1
            i = _BLANK.match(text, value(i, path + (key,))).end()
            if text[i] == ",":
                i = _BLANK.match(text, i + 1).end()
        return i + 1

    value(0, ())
    return spans
