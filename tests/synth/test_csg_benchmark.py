"""The CSG benchmark's checkpoint: every answer is kept as soon as it is found, a run started
again reuses it instead of searching again, and answers under other settings are refused."""
import importlib.util
from pathlib import Path

import pytest

from nesy.synth.csg.solve import Answer

ROOT = Path(__file__).resolve().parents[2]


def _benchmark():
    spec = importlib.util.spec_from_file_location("csg_benchmark", ROOT / "benchmarks" / "csg.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _answer(program):
    return Answer("target", program, program, 1, 1.0, 0.0, True, 0.5, "search")


def test_a_stopped_run_reuses_what_it_found(tmp_path):
    Checkpoint = _benchmark().Checkpoint
    settings = {"timeout": 5.0, "clock": "cpu", "beam": 10, "model": None}
    first = Checkpoint(tmp_path / "shapes.jsonl", settings)
    found = first.answer("length 3", "3-0", "search", lambda: _answer("c(32,32,8)"))
    calls = []
    again = Checkpoint(tmp_path / "shapes.jsonl", settings)  # a new run, same --out
    assert again.answer("length 3", "3-0", "search", lambda: calls.append(1)) == found
    assert calls == []
    other = again.answer("length 3", "3-0", "guided", lambda: _answer("c(32,32,12)"))
    assert other.program == "c(32,32,12)"
    assert len((tmp_path / "shapes.jsonl").read_text().splitlines()) == 2
    with pytest.raises(SystemExit, match="other settings"):
        Checkpoint(tmp_path / "shapes.jsonl", {**settings, "timeout": 1.0})
