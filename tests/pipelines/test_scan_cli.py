"""`nesy train scan` and `nesy translate scan` on small files in SCAN's format: metrics,
the written interpreter, resume, and the errors users meet."""
from __future__ import annotations

import json

import pytest

from nesy_testing import run_cli_in_process

# a small language in SCAN's file format; its test pairs need composition never seen whole
TRAIN = """\
IN: dax OUT: RED
IN: wif OUT: GREEN
IN: lug OUT: BLUE
IN: dax fep OUT: RED RED RED
IN: wif fep OUT: GREEN GREEN GREEN
IN: dax kiki wif OUT: GREEN RED
IN: lug kiki dax OUT: RED BLUE
IN: dax fep kiki wif OUT: GREEN RED RED RED
IN: wif kiki dax fep OUT: RED RED RED GREEN
"""
TEST = """\
IN: lug fep OUT: BLUE BLUE BLUE
IN: lug fep kiki wif fep OUT: GREEN GREEN GREEN BLUE BLUE BLUE
IN: wif kiki lug OUT: BLUE GREEN
IN: blicket OUT: RED
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "train.txt").write_text(TRAIN)
    (tmp_path / "test.txt").write_text(TEST)
    return tmp_path


def _train(files, *extra):
    return run_cli_in_process("train", "scan", "--train", str(files / "train.txt"),
                              "--test", str(files / "test.txt"), "--out", str(files / "run"), *extra)


def test_train_writes_metrics_interpreter_and_reports_unknown_words(files):
    done = _train(files)
    assert done.returncode == 0, done.stderr
    run = files / "run"
    last = json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])
    assert last["test_accuracy"] == 0.75  # 3 of 4: the fourth has a word never seen
    assert last["test_unknown_words"] == 1
    assert "blicket\tunknown word: blicket" in (run / "test_failures.txt").read_text()
    assert "test_accuracy 75.0%" in done.stdout
    checked = run_cli_in_process("check", str(run / "interpreter.nesy"))
    assert checked.returncode == 0, checked.stderr
    ran = run_cli_in_process("run", str(run / "interpreter.nesy"))
    assert ran.returncode == 0 and "actions" in ran.stdout

    translated = run_cli_in_process("translate", "scan", "--model", str(run), "lug kiki wif fep")
    assert translated.returncode == 0, translated.stderr
    assert translated.stdout.strip() == "GREEN GREEN GREEN BLUE"
    unknown = run_cli_in_process("translate", "scan", "--model", str(run), "lug", "blicket")
    assert unknown.returncode == 1 and "unknown word: blicket" in unknown.stderr
    assert "Traceback" not in unknown.stderr

    # a finished run resumes to the same result without learning again
    again = _train(files, "--resume")
    assert again.returncode == 0, again.stderr
    assert json.loads((run / "metrics.jsonl").read_text().splitlines()[-1]) == last


def test_bad_and_empty_files_get_clear_errors(files):
    (files / "test.txt").write_text("IN: dax OUT: RED\nIN dax OUT: RED\n")
    bad = _train(files)
    assert bad.returncode == 1
    assert f"{files / 'test.txt'}:2:1" in bad.stderr and "Traceback" not in bad.stderr
    (files / "test.txt").write_text("")
    empty = _train(files)
    assert empty.returncode == 1 and "empty" in empty.stderr
    alone = run_cli_in_process("train", "scan", "--train", str(files / "train.txt"))
    assert alone.returncode == 2 and "--test" in alone.stderr
    missing = run_cli_in_process("translate", "scan", "--model", str(files / "nothing"), "dax")
    assert missing.returncode == 2 and "interpreter.nesy" in missing.stderr


def test_a_neural_baseline_trains_through_the_same_command(files):
    done = _train(files, "--model", "seq2seq", "--epochs", "2", "--samples", "16", "--batch-size", "8")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in (files / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in lines] == [1, 2]
    assert "test_accuracy_sample" in lines[0] and 0 <= lines[-1]["test_accuracy"] <= 1
    assert not (files / "run" / "interpreter.nesy").exists()
