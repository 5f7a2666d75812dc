"""Task files in BUSTLE/CrossBeam's JSON format, BUSTLE's constants, and solving tasks."""
import json

import pytest

from nesy.errors import CompileError, NesyError
from nesy.synth.domains.strings import extract_constants, longest_common_substring
from nesy.synth.search import Budget
from nesy.synth.tasks import load_tasks, parse_tasks, solve


def task(name="t", train=(((["a b"], "a"), (["c d"], "c"))), test=()):
    return {"name": name,
            "trainExamples": [{"inputs": i, "output": o} for i, o in train],
            "testExamples": [{"inputs": i, "output": o} for i, o in test]}


def test_a_task_file_is_read():
    text = json.dumps([task(test=[(["e f"], "e")])])
    [t] = parse_tasks(text)
    assert t.name == "t" and len(t.train) == 2 and len(t.test) == 1
    assert t.columns(t.train) == {"var_0": ["a b", "c d"]}


def test_the_constants_are_bustles():
    constants = extract_constants([["Ducati100"], ["Honda125"], ["Ducati250"]],
                                  ["Ducati", "Honda", "Ducati"])
    assert constants[:6] == ["", 0, 1, 2, 3, 99]  # always there
    assert "0" in constants and "," not in constants  # punctuation only when it occurs
    assert "Ducati" in constants and "25" in constants  # common substrings of length >= 2
    assert "1" not in constants  # common substrings of length 1 are not constants


def test_longest_common_substring_prefers_the_first_in_the_first_string():
    assert longest_common_substring("xxabyycd", "cdzab") == "ab"
    assert longest_common_substring("abc", "xyz") == ""


def test_solving_reports_generalisation_on_test_examples():
    spec = task(train=[(["john"], "JOHN"), (["ada"], "ADA")],
                test=[(["bob"], "BOB"), (["x y"], "X Y")])
    [t] = parse_tasks(json.dumps([spec]))
    result = solve(t, Budget(timeout=30))
    assert result.solved and result.program == "upper(var_0)" and result.generalizes is True


def test_a_program_that_does_not_generalise_is_flagged():
    spec = task(train=[(["ab"], "ok"), (["cd"], "ok")], test=[(["x"], "x")])
    [t] = parse_tasks(json.dumps([spec]))
    result = solve(t, Budget(timeout=30))
    assert result.program == '"ok"' and result.generalizes is False


def locations(text: str) -> list[str]:
    with pytest.raises(CompileError) as caught:
        parse_tasks(text, "tasks.json")
    return [f"{d.span.line}:{d.span.column} {d.message}" for d in caught.value.diagnostics]


def test_invalid_json_is_located():
    [message] = locations('[{"name": "x",\n "trainExamples": [}]')
    assert message.startswith("2:20 invalid JSON")


def test_every_schema_problem_is_located_and_reported_together():
    text = ('[\n'
            '{"name": "a", "trainExamples": [{"inputs": ["x"], "output": "y"},\n'
            '                                {"inputs": ["x", "z"], "output": "y"}]},\n'
            '{"name": "b", "trainExamples": [{"inputs": [1.5], "output": "y"}]},\n'
            '{"name": "c", "trainExamples": []},\n'
            '{"trainExamples": [{"inputs": "x", "output": "y"}]},\n'
            '7\n'
            ']')
    assert locations(text) == [
        "3:33 task `a`: this example's inputs or output differ in number or type from the "
        "first example's",
        "4:45 task `b`: values must be strings, integers or booleans",
        "5:32 task `c` has no `trainExamples`",
        "6:31 task 4: `inputs` must be a list",
        "7:1 expected a task object with `name` and `trainExamples`",
    ]


def test_the_error_text_shows_file_line_column_and_a_caret():
    with pytest.raises(CompileError) as caught:
        parse_tasks('{"name": 1}', "tasks.json")
    text = caught.value.render()
    assert text.startswith("tasks.json:1:1: error: expected a list of tasks")
    assert "^" in text and text.endswith("1 error found")


@pytest.mark.parametrize("make, problem", [
    (lambda path: None, "no such file"),
    (lambda path: path.mkdir(), "is a directory, expected"),
    (lambda path: path.write_bytes(b"[\0\1]"), "is a binary file"),
    (lambda path: path.write_bytes(b'[{"name": "\xff"}]'), "is not UTF-8 text"),
])
def test_unreadable_task_and_sygus_files_are_user_errors_naming_the_file(tmp_path, make, problem):
    from nesy.synth.sygus import load_sygus

    path = tmp_path / "tasks"
    make(path)
    for load in (load_tasks, load_sygus):
        with pytest.raises(NesyError, match=f"{path}: {problem}"):
            load(path)
