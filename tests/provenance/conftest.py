"""Formula-valued provenances count probabilities two ways (path sums for small formulas, the
layered circuit for large ones); the `route` fixture runs a test through each."""
from __future__ import annotations

import pytest

from nesy.provenance._facts import OutcomePaths


@pytest.fixture(params=["paths", "circuit"])
def route(request, monkeypatch):
    if request.param == "circuit":
        monkeypatch.setattr(OutcomePaths, "enumerate", classmethod(lambda cls, *args: None))
    return request.param
