"""Helpers of the Scallop compatibility specs: each test is a Scallop program and the
relation Scallop documents for it (doc/src/language, core/tests/integrate), written here by
hand from those semantics, never from nesy's output."""
from __future__ import annotations

import pytest

import nesy
from nesy.errors import CompileError


def run(text: str, relation: str, provenance: str = "unit") -> set[tuple]:
    result = nesy.compile(text, name="<scallop>").run(provenance=provenance)
    return {tuple(t) for t in result[relation]}


def codes(text: str) -> list[str]:
    """The diagnostic codes `text` is rejected with (fails when it compiles)."""
    with pytest.raises(CompileError) as info:
        nesy.compile(text, name="<scallop>")
    return [d.code for d in info.value.diagnostics]
