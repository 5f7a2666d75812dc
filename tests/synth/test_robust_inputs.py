"""Issue 16 items 16 and 18: malformed or hostile synthesis inputs get located errors or
bounded work, never a crash.

Task files: NaN/Infinity, integers past 64 bits, deep nesting, huge strings (the memory
budget holds). SyGuS: unreadable forms, an empty grammar, deep terms, a wrong arity, a file
without synth-fun. Contradictory examples are infeasible at once; `--timeout nan` and
`--max-memory nan` are usage errors.
"""
from __future__ import annotations

import json

import pytest

from nesy.errors import CompileError
from nesy.synth import Budget
from nesy.synth.domains.strings import SUBSTITUTE_LIMIT, substitute
from nesy.synth.search import resident_mb
from nesy.synth.sygus import parse_sygus, solve_sygus
from nesy.synth.tasks import Example, Task, parse_tasks, solve
from nesy_testing import run_cli_in_process


def cli(*argv) -> tuple[int, str, str]:
    done = run_cli_in_process(*argv)
    return done.returncode, done.stdout, done.stderr


def task_text(value) -> str:
    return '[{"name": "t", "trainExamples": [{"inputs": [%s], "output": 1}]}]' % value


def first(text: str, read=parse_tasks):
    with pytest.raises(CompileError) as caught:
        read(text)
    return caught.value.diagnostics[0]


# -- item 16: task files ---------------------------------------------------------------------
@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_located(token):
    d = first(task_text(token))
    assert d.code == "non-finite-number"
    assert d.span.column == task_text(token).index(token) + 1


@pytest.mark.parametrize("value,ok", [(2**63 - 1, True), (2**63, False), (-2**63, True),
                                      (-2**63 - 1, False), (10**30, False)])
def test_integers_must_fit_in_64_bits(value, ok):
    text = task_text(value)
    if ok:
        assert parse_tasks(text)[0].train[0].inputs == (value,)
    else:
        d = first(text)
        assert d.code == "integer-out-of-range" and d.span.column == text.index(str(value)) + 1


@pytest.mark.parametrize("depth", [65, 500, 100_000])
def test_deep_nesting_is_a_located_error(depth):
    text = '[{"name": "t", "trainExamples": ' + "[" * depth + "]" * depth + "}]"
    assert first(text).code == "json-too-deep"


def test_substitute_refuses_results_past_its_limit():
    text = "a" * 100_000
    assert substitute(text, "a", text) is None
    assert len(substitute("ab" * 10, "a", "xyz")) == 40
    assert SUBSTITUTE_LIMIT >= 1_000_000


@pytest.mark.slow
def test_huge_inputs_stay_within_the_memory_budget():
    long = "ab" * 50_000
    task = Task("huge", (Example((long, long[::-1], long), long[:99_999]),
                         Example((long[1:], long, long), "x")))
    before = resident_mb()
    result = solve(task, Budget(timeout=30, max_memory_mb=200))
    assert result.stop in ("memory", "timeout") and not result.solved
    assert resident_mb() - before < 600


def test_contradictory_examples_are_infeasible_at_once():
    task = Task("c", (Example(("a",), "b"), Example(("z",), "y"), Example(("a",), "c")))
    result = solve(task, Budget(timeout=30))
    assert result.stop == "infeasible" and result.candidates == 0
    assert "examples 1 and 3" in result.message


def test_synth_strings_answers_infeasible_in_its_table(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps([{"name": "c", "trainExamples": [
        {"inputs": ["a"], "output": "b"}, {"inputs": ["a"], "output": "c"}]}]))
    status, out, _ = cli("synth", "strings", path)
    assert status == 0 and "infeasible" in out


@pytest.mark.parametrize("flag", ["--timeout", "--max-memory"])
@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_budget_flags_must_be_positive_and_finite(tmp_path, flag, value):
    path = tmp_path / "t.json"
    path.write_text("[]")
    status, _, err = cli("synth", "strings", path, flag, value)
    assert status == 2 and flag in err


# -- item 18: SyGuS --------------------------------------------------------------------------
HEADER = "(set-logic SLIA)\n"
FUN = '(synth-fun f ((x String)) String {grammar})\n(constraint (= (f "a") "aa"))\n(check-synth)\n'


def sygus(grammar: str = "", header: str = HEADER) -> str:
    return header + FUN.format(grammar=grammar)


@pytest.mark.parametrize("text,code", [
    (sygus(header="(set-logic [)\n"), "sygus-unreadable-form"),
    (sygus("()"), "sygus-grammar-shape"),
    (sygus("((Start String (x (str.++ Start))))"), "sygus-invalid-grammar"),
    (sygus("((Start String (x " + "(str.++ " * 2000 + "x" + " x)" * 2000 + ")))"),
     "sygus-too-deep"),
    (HEADER + '(synth-fun f ((x String)) String)\n(constraint (= (f ' + "(str.++ " * 2000 +
     '"a"' + ' "b")' * 2000 + ') "a"))\n', "sygus-too-deep"),
])
def test_bad_sygus_files_are_located_errors(text, code):
    d = first(text, parse_sygus)
    assert d.code == code and d.span is not None


def test_terms_just_under_the_depth_limit_are_read():
    depth = 190
    term = "(str.++ " * depth + "x" + " x)" * depth
    problem = parse_sygus(sygus(f"((Start String (x {term})))"))
    assert problem.function == "f"


def test_a_file_without_synth_fun_names_the_file(tmp_path):
    path = tmp_path / "nosynth.sl"
    path.write_text(HEADER + '(constraint (= (f "a") "a"))\n')
    status, _, err = cli("synth", "sygus", path)
    assert status == 1 and f"{path}:1:1" in err and "no `synth-fun`" in err


def test_str_concat_of_one_argument_is_rejected_and_of_two_solved():
    problem = parse_sygus(sygus("((Start String (x (str.++ Start Start))))"))
    result = solve_sygus(problem, Budget(timeout=30))
    assert result.solved and str(result.program) == "str.++(x, x)"
