"""`import "file.scl"` (Scallop's reference guide): the imported file's statements join the
program; relative paths from the importing file's folder; cycles are harmless."""
from __future__ import annotations

import pytest

import nesy


def test_import_relative_and_cyclic(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "main.scl").write_text('import "lib/graph.scl"\nrel edge = {(0, 1), (1, 2)}\n'
                                       "query path\n")
    (tmp_path / "lib" / "graph.scl").write_text(
        'import "../main.scl"\nrel path(a, b) = edge(a, b) or path(a, c) and edge(c, b)\n')
    result = nesy.load(tmp_path / "main.scl").run()
    assert set(result["path"]) == {(0, 1), (0, 2), (1, 2)}


def test_import_errors_are_located_in_their_file(tmp_path):
    (tmp_path / "main.scl").write_text('import "missing.scl"\nrel x(1)\n')
    with pytest.raises(nesy.CompileError) as info:
        nesy.load(tmp_path / "main.scl")
    assert [d.code for d in info.value.diagnostics] == ["import-failed"]
    (tmp_path / "main.scl").write_text('import "broken.scl"\nrel x(1)\n')
    (tmp_path / "broken.scl").write_text("rel y(1) =\n")
    with pytest.raises(nesy.CompileError) as info:
        nesy.load(tmp_path / "main.scl")
    (d,) = info.value.diagnostics
    assert d.span.source.name.endswith("broken.scl")
