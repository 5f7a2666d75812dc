"""The synthesis layer's diagnostics as a specification: a grammar declaration, a SyGuS file
or a task file, and the kind of error it must produce (its code) with the kind's fields.

Kinds are listed in one catalogue, nesy/synth/diagnostics.py; every kind in it has an input
here, so a kind nobody can trigger, or an input that stops producing its kind, fails.
"""
from __future__ import annotations

import json
import re

import pytest

import nesy
from nesy.dsl import diagnostics as front_end
from nesy.errors import CompileError, DiagnosticKind
from nesy.synth import diagnostics as catalogue
from nesy.synth.regex import parse_task
from nesy.synth.sygus import parse_sygus
from nesy.synth.tasks import parse_tasks

SYGUS = """\
(set-logic SLIA)
(synth-fun f ((name String)) String
    ((Start String (ntString))
     (ntString String (name " " (str.++ ntString ntString)))))
(constraint (= (f "Ducati100") "Ducati"))
(check-synth)
"""


def sygus(old: str, new: str) -> str:
    assert old in SYGUS
    return SYGUS.replace(old, new)


def tasks(*items) -> str:
    return json.dumps(list(items))


EXAMPLE = {"inputs": ["a b"], "output": "a"}

# (reader, its input, code of its first diagnostic, fields that diagnostic must have)
DECLARATION, SYGUS_FILE, TASK_FILE = nesy.compile, parse_sygus, parse_tasks


def REGEX_FILE(text):  # noqa: N802 (a reader, named like the others)
    return parse_task(text, "task", alphabet="01")


def REGEX_JSON(text):  # noqa: N802
    return parse_task(text, "task.json")


SPEC = [
    (DECLARATION, 'grammar g(x: String) -> S using nosuch {\n  S: String ::= x\n}',
     "unknown-synthesis-domain", {"grammar": "g", "domain": "nosuch"}),
    (DECLARATION, "grammar g(x: Canvas) -> S {\n  S: String ::= \"a\"\n}", "invalid-grammar",
     {"grammar": "g", "problem": "`x` has unknown type `Canvas`"}),
    (DECLARATION, "grammar g(x: String) -> S using smtlib {\n  S: String ::= $nosuch(S) | x\n}",
     "invalid-grammar-production", {"grammar": "g", "production": "S ::= nosuch(S)"}),
    (SYGUS_FILE, sygus("(set-logic SLIA)", "set-logic"), "sygus-expected-command", {}),
    (SYGUS_FILE, sygus("(check-synth)", "(check-synth))"), "sygus-unexpected-close", {}),
    (SYGUS_FILE, sygus("(check-synth)", "(check-synth"), "sygus-unclosed-form", {}),
    (SYGUS_FILE, sygus('"Ducati"))', '"Ducati))'), "sygus-unclosed-string", {}),
    (SYGUS_FILE, SYGUS + "(synth-inv g ((x Int)))\n", "sygus-unsupported-command",
     {"command": "synth-inv"}),
    (SYGUS_FILE, sygus("(constraint", "(synth-fun f ((name String)) String)\n(constraint"),
     "sygus-second-synth-fun", {}),
    (SYGUS_FILE, "(set-logic SLIA)\n(check-synth)\n", "sygus-no-synth-fun", {}),
    (SYGUS_FILE, sygus('(constraint (= (f "Ducati100") "Ducati"))\n', ""), "sygus-no-examples",
     {}),
    (SYGUS_FILE, sygus("(synth-fun f ((name String)) String", "(synth-fun f"),
     "sygus-synth-fun-shape", {}),
    (SYGUS_FILE, sygus("((name String))", "((name))"), "sygus-parameter-shape", {}),
    (SYGUS_FILE, sygus("((name String))", "((name Real))"), "sygus-unsupported-sort",
     {"sort": "Real", "supported": ["String", "Int", "Bool"]}),
    (SYGUS_FILE, sygus('(= (f "Ducati100") "Ducati")', '(>= (f name) 0)'),
     "sygus-unsupported-constraint", {"function": "f"}),
    (SYGUS_FILE, sygus('(f "Ducati100")', "(f 100)"), "sygus-example-sorts",
     {"sorts": ["Int"], "expected": ["String"]}),
    (SYGUS_FILE, sygus("((Start String (ntString))", "(Start"), "sygus-grammar-shape", {}),
    (SYGUS_FILE, sygus("(Start String (ntString))", "(Start Int (0))"), "sygus-start-sort",
     {"start": "Start"}),
    (SYGUS_FILE, sygus('" "', "(str.++ 1)"), "sygus-not-a-term", {"term": "(str.++ 1)"}),
    (SYGUS_FILE,
     sygus("(str.++ ntString ntString)", "(str.++ ntString (str.at ntString ntString))"),
     "sygus-ill-typed-call",
     {"function": "str.at", "problem": "argument 2 of `str.at`: expects i64, got String"}),
    (SYGUS_FILE, sygus("(str.++ ntString ntString)", "(str.length ntString)"),
     "sygus-invalid-grammar", {"production": "ntString ::= str.length(ntString)"}),
    (TASK_FILE, '[{"name": "x",\n "trainExamples": [}]', "invalid-json",
     {"reason": "Expecting value"}),
    (TASK_FILE, '{"name": "x"}', "tasks-not-a-list", {}),
    (TASK_FILE, tasks(7), "task-not-an-object", {}),
    (TASK_FILE, tasks({"name": 1, "trainExamples": [EXAMPLE]}), "task-name-not-a-string", {}),
    (TASK_FILE, tasks({"name": "t", "trainExamples": []}), "task-without-examples",
     {"task": "t", "number": 1}),
    (TASK_FILE, tasks({"name": "t", "trainExamples": [EXAMPLE], "testExamples": 3}),
     "examples-not-a-list", {"task": "t"}),
    (TASK_FILE, tasks({"trainExamples": [{"inputs": ["a"]}]}), "example-not-an-object",
     {"task": None, "number": 1}),
    (TASK_FILE, tasks({"name": "t", "trainExamples": [{"inputs": "a", "output": "a"}]}),
     "example-inputs-not-a-list", {"task": "t"}),
    (TASK_FILE, tasks({"name": "t", "trainExamples": [{"inputs": [1.5], "output": "a"}]}),
     "unsupported-value", {"task": "t"}),
    (TASK_FILE, tasks({"name": "t", "trainExamples": [EXAMPLE, {"inputs": [1], "output": "a"}]}),
     "example-shape-mismatch", {"task": "t"}),
    (REGEX_FILE, "starts with 0\n0\n--\n1\n", "regex-task-missing-mark", {"mark": "++"}),
    (TASK_FILE, tasks({"name": "t", "trainExamples": [{"inputs": [2**63], "output": 1}]}),
     "integer-out-of-range", {"task": "t"}),
    (TASK_FILE, '[{"name": "t", "trainExamples": [{"inputs": [NaN], "output": 1}]}]',
     "non-finite-number", {"token": "NaN"}),
    (TASK_FILE, "[" * 65 + "]" * 65, "json-too-deep", {"limit": 64}),
    (SYGUS_FILE, sygus("(set-logic SLIA)", "(set-logic [)"), "sygus-unreadable-form", {}),
    (SYGUS_FILE, sygus('(f "Ducati100")', "(f " + "(str.++ " * 200 + '"a" "b"' + ")" * 201),
     "sygus-too-deep", {"limit": 200}),
    (REGEX_FILE, "d\n--\n1\n++\n0\n", "regex-task-mark-order", {}),
    (REGEX_FILE, "d\n++\n0\n--\n1a\n", "regex-task-symbol", {"symbol": "a", "alphabet": "01"}),
    (REGEX_FILE, "d\n++\n0X\n--\n01\n", "regex-task-contradiction",
     {"string": "01", "positive_line": 3}),
    (REGEX_JSON, '{"positive": ["0"]}', "regex-task-json-shape", {}),
]


def first_diagnostic(read, text: str):
    with pytest.raises(CompileError) as info:
        read(text)
    return info.value.diagnostics[0]


@pytest.mark.parametrize("read,text,code,fields", SPEC,
                         ids=[f"{c}-{i}" for i, (_, _, c, _) in enumerate(SPEC)])
def test_input_produces_its_kind_of_error(read, text, code, fields):
    d = first_diagnostic(read, text)
    assert d.code == code, d.render()
    assert {name: d.fields.get(name) for name in fields} == fields, d.fields


def kinds(module) -> list[DiagnosticKind]:
    return [k for k in vars(module).values() if isinstance(k, DiagnosticKind)]


def test_every_kind_has_a_unique_kebab_case_code_not_used_by_the_front_end():
    codes = [k.code for k in kinds(catalogue)]
    assert len(codes) == len(set(codes)), sorted(codes)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", c) for c in codes), codes
    assert not set(codes) & {k.code for k in kinds(front_end)}


def test_every_kind_of_the_catalogue_is_specified_here():
    assert {k.code for k in kinds(catalogue)} == {code for _, _, code, _ in SPEC}


def test_task_messages_name_a_task_by_its_name_or_its_position():
    d = first_diagnostic(TASK_FILE, tasks({"name": "t", "trainExamples": []},
                                          {"trainExamples": []}))
    assert d.message == "task `t` has no `trainExamples`"
    d = first_diagnostic(TASK_FILE, tasks({"trainExamples": [EXAMPLE]}, {"trainExamples": []}))
    assert d.message == "task 2 has no `trainExamples`"
