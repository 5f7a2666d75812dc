"""The benchmark's families (benchmarks/problog_reachability.py) at small sizes: `exact`
answers what ProbLog answers, and a Bayesian network's diagram grows with its CPT rows, not
exponentially in its depth."""
from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import pytest

import nesy
from nesy.provenance import _manager, exact

from .programs import _problog

_spec = importlib.util.spec_from_file_location(
    "problog_reachability", Path(__file__).parents[2] / "benchmarks" / "problog_reachability.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

INSTANCES = [("dag", lambda: bench.reachability("dag", 14, "path")),
             ("layered", lambda: bench.reachability("layered", 14, "path")),
             ("cyclic", lambda: bench.reachability("cyclic", 12, "path")),
             ("smokers", lambda: bench.smokers(5)),
             ("bayesnet", lambda: bench.bayesnet(7))]


@pytest.mark.parametrize("family,make", INSTANCES, ids=[f for f, _ in INSTANCES])
def test_exact_equals_problog_on_each_family(family, make):
    _, nesy_text, problog_text = make()
    result = nesy.compile(nesy_text).run(provenance="exact")
    ours = [float(p) for rel in result.relations_by_name.values() for p in rel.probs]
    theirs = list(_problog(problog_text).values())
    assert ours == pytest.approx(theirs, abs=1e-9)


def test_a_bayesian_networks_diagrams_grow_linearly_with_its_rows(monkeypatch):
    """Each node's CPT rows are probabilistic rules over its parents; their choices sit below
    the parents' variables, so each node's diagram reads the parents first and stays small.
    (With the choices on top, it branched on every subset of a node's rows: the peak was 24
    nodes per row at 10 network nodes and 28,000 per row at 12.)"""
    if exact.make_manager is not _manager.make_manager or _manager._cudd is None:
        pytest.skip("the node count is CUDD's")
    managers = []
    original = exact.Exact.output
    monkeypatch.setattr(exact.Exact, "output",
                        lambda self, tags: (managers.append(self.manager), original(self, tags))[1])
    for n in (10, 20):
        n_rows, text, _ = bench.bayesnet(n)
        nesy.compile(text).run(provenance="exact")
        with warnings.catch_warnings():  # dd's note on the unit of an entry not read here
            warnings.simplefilter("ignore")
            peak = managers[-1].cudd.statistics()["peak_live_nodes"]
        assert peak <= 20 * n_rows, (n, peak, n_rows)
