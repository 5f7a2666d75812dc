"""The example programs ship inside the package, so they run from any directory, and what the
package needs at run time is package data that a non-editable install carries."""
from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

import nesy
from nesy.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_every_shipped_example_is_listed_with_its_first_comment_line(capsys):
    assert main(["examples"]) == 0
    listed = capsys.readouterr().out
    for name, path in nesy.examples().items():
        first = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("//").strip()
        assert f"{name}" in listed and first in listed


def test_run_example_is_run_of_its_file(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # any directory
    assert main(["run", "--example", "reachability", "--format", "json"]) == 0
    by_name = capsys.readouterr().out
    assert main(["run", str(ROOT / "programs" / "reachability.nesy"), "--format", "json"]) == 0
    assert capsys.readouterr().out == by_name
    assert '"path"' in by_name


def test_an_unknown_example_is_a_usage_error_with_a_suggestion(capsys):
    assert main(["run", "--example", "reachabilty"]) == 2
    err = capsys.readouterr().err
    assert "no example called 'reachabilty'; did you mean 'reachability'?" in err


def test_a_file_and_an_example_do_not_combine(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "x.nesy", "--example", "family"])
    assert exit_info.value.code == 2


def test_non_python_files_of_the_package_are_package_data():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["*"]
    needed = [p for p in (ROOT / "nesy").rglob("*") if p.is_file() and p.suffix not in
              (".py", ".pyc") and "__pycache__" not in p.parts and "expected" not in p.parts]
    assert needed, "the package has data files (grammar, programs)"
    missing = [str(p.relative_to(ROOT)) for p in needed
               if not any(fnmatch.fnmatch(p.name, g) for g in globs)]
    assert missing == [], "add their patterns to [tool.setuptools.package-data]"
