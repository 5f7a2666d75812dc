"""The layering of the package: data flows text -> AST -> IR -> executor -> results.

`tools/architecture.py` reads every import (lazy ones inside functions too) and places each
part of `nesy` in a layer; a part may import only parts of lower layers. These tests fail on
a back-edge and when docs/architecture.md no longer shows the graph the code has.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "tools" / "architecture.py"


@pytest.fixture(scope="module")
def architecture():
    spec = importlib.util.spec_from_file_location("architecture", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def edges(architecture):
    """The import graph of the package, read once (every file parsed) for the tests below."""
    return architecture.edges()


def test_no_part_imports_a_part_of_its_own_or_a_higher_layer(architecture, edges):
    assert architecture.problems(edges) == []


def test_the_front_end_reads_neither_executor_nor_synthesis(edges):
    targets = {target for source, target in edges if source == "dsl"}
    assert not targets & {"engine", "provenance", "synth", "neural", "pipelines", "program"}


def test_a_back_edge_is_reported(architecture, tmp_path):
    # the check itself must be able to fail: an executor that imports the front end
    found = {("engine", "dsl"): ["nesy/engine/executor.py"], ("dsl", "ir"): ["nesy/dsl/lower.py"]}
    reported = architecture.problems(found)
    assert len(reported) == 1 and reported[0].startswith("back-edge: engine imports dsl")


def test_relative_and_lazy_imports_are_read(architecture, tmp_path, monkeypatch):
    package = tmp_path / "nesy"
    (package / "engine").mkdir(parents=True)
    (package / "dsl").mkdir()
    module = package / "engine" / "executor.py"
    module.write_text("def run():\n    from ..dsl import parser\n    from .. import ir\n")
    (package / "ir.py").write_text("")
    monkeypatch.setattr(architecture, "ROOT", tmp_path)
    monkeypatch.setattr(architecture, "PACKAGE", package)
    assert architecture.imported_modules(module) == {"nesy.dsl", "nesy.ir"}


def test_the_architecture_page_is_up_to_date(architecture, edges):
    assert architecture.DOC.read_text(encoding="utf-8") == architecture.render(edges), \
        "docs/architecture.md is stale: run python tools/architecture.py"


def test_every_python_example_of_the_extension_guide_is_valid_python():
    import re
    import textwrap

    guide = (SCRIPT.parent.parent / "docs" / "extending.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", guide, flags=re.S)  # indented ones too
    assert len(blocks) >= 7  # one or more per extension point
    for block in blocks:
        compile(textwrap.dedent(block), "docs/extending.md", "exec")
