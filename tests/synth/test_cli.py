"""`nesy synth strings|sygus`, driven through the argparse sub-commands the module adds."""
import json

import pytest

from nesy.cli import main

TASKS = [
    {"name": "upper", "trainExamples": [{"inputs": ["ab"], "output": "AB"},
                                        {"inputs": ["cd"], "output": "CD"}],
     "testExamples": [{"inputs": ["xy"], "output": "XY"}]},
    {"name": "first", "trainExamples": [{"inputs": ["a b"], "output": "a"},
                                        {"inputs": ["cc d"], "output": "cc"}]},
]
PROBLEM = """(set-logic SLIA)
(synth-fun f ((s String)) String ((Start String (s "!" (str.++ Start Start)))))
(constraint (= (f "a") "a!"))
(check-synth)
"""


def nesy(*argv) -> int:
    """Run the `nesy` command: its exit status (argparse's too), its output captured by
    capsys."""
    try:
        return main([str(a) for a in argv])
    except SystemExit as exit_:
        return exit_.code


@pytest.fixture
def tasks_file(tmp_path):
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps(TASKS))
    return path


def test_strings_prints_a_row_per_task_and_a_summary(tasks_file, capsys):
    assert nesy("synth", "strings", tasks_file, "--timeout", "30") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["task", "solved", "size", "candidates", "seconds", "test", "program"]
    assert out[1].split()[:3] == ["upper", "yes", "2"] and out[1].endswith("upper(var_0)")
    assert out[1].split()[5] == "yes"  # generalises to its test example
    assert out[2].split()[:2] == ["first", "yes"] and out[2].split()[5] == "-"
    assert out[3].startswith("solved 2/2 (100.0%)")
    assert out[3].endswith("1/1 solved tasks generalise to their test examples")


def test_strings_json_output_and_results_file(tasks_file, tmp_path, capsys):
    saved = tmp_path / "results.json"
    assert nesy("synth", "strings", tasks_file, "--format", "json", "--jobs", "2",
                "--output", saved) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in printed["results"]] == ["upper", "first"]  # in task order
    assert printed["summary"]["solved"] == 2 and json.loads(saved.read_text()) == printed


def test_the_candidate_budget_is_reported_per_task(tasks_file, capsys):
    assert nesy("synth", "strings", tasks_file, "--max-candidates", "3") == 0
    out = capsys.readouterr().out
    assert "(candidate budget of 3 reached)" in out and "solved 0/2" in out


def test_a_bad_task_file_is_a_user_error_with_its_location(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text('[{"name": "x", "trainExamples": 3}]')
    assert nesy("synth", "strings", path) == 1
    err = capsys.readouterr().err
    assert f"{path}:1:33: error: task `x`: expected a list of examples" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("flag, value", [("--timeout", "0"), ("--jobs", "0"),
                                         ("--max-candidates", "-1")])
def test_bad_budgets_are_usage_errors(tasks_file, capsys, flag, value):
    assert nesy("synth", "strings", tasks_file, flag, value) == 2
    err = capsys.readouterr().err  # in the words of every nesy command's bad values
    assert f"error: argument {flag}" in err and ": must be" in err


def test_sygus_answers_with_define_fun(tmp_path, capsys):
    path = tmp_path / "p.sl"
    path.write_text(PROBLEM)
    assert nesy("synth", "sygus", path) == 0
    comment, answer = capsys.readouterr().out.splitlines()
    assert comment.startswith(f"; {path}: solved in")
    assert answer == '(define-fun f ((s String)) String (str.++ s "!"))'


def test_sygus_reports_bad_files_and_solves_the_others(tmp_path, capsys):
    good, bad = tmp_path / "good.sl", tmp_path / "bad.sl"
    good.write_text(PROBLEM)
    bad.write_text("(set-logic SLIA")
    assert nesy("synth", "sygus", good, bad, "--format", "table") == 1
    captured = capsys.readouterr()
    assert f"{bad}:1:1: error: this `(` is never closed" in captured.err
    assert "solved 1/1" in captured.out
