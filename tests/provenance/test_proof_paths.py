"""`TopKProofs.compile` writes each proof set's disjoint outcome paths itself (Shannon
expansion in the counting order) instead of building a BDD: the paths must be exactly those
a BDD in the same order has, and count what enumerating every world counts."""
import itertools
import random

import numpy as np
import pytest

from nesy.provenance._facts import OutcomePaths
from nesy.provenance._manager import _cudd
from nesy.provenance.proofs import DiffTopKProofs


def random_tags(rng, n_facts, n_tags):
    """Tags of 0-4 random proofs over n_facts facts, some literals negated, kept by the
    provenance's own algebra (consistent, absorbed)."""
    prov = DiffTopKProofs(k=4)
    prov.input_tags(type("Facts", (), {"probs": [rng.uniform(0.05, 0.95) for _ in range(n_facts)],
                                       "groups": None})())
    tags = []
    for _ in range(n_tags):
        proofs = [frozenset(f if rng.random() < 0.7 else ~f
                            for f in rng.sample(range(n_facts), rng.randint(0, 4)))
                  for _ in range(rng.randint(0, 4))]
        tags.append(prov.algebra.best(proofs))
    return prov, tags


def world_count(tag, probs):
    """P(some proof holds), by enumerating every assignment of the facts (the oracle)."""
    total = 0.0
    for world in itertools.product([False, True], repeat=len(probs)):
        if any(all(world[lit] if lit >= 0 else not world[~lit] for lit in proof) for proof in tag):
            total += np.prod([p if w else 1 - p for p, w in zip(probs, world)])
    return total


@pytest.mark.skipif(_cudd is None, reason="nesy's own BDD orders variables by fact id")
@pytest.mark.parametrize("seed", range(3))
def test_paths_are_those_of_the_diagram_in_the_same_order(seed):
    prov, tags = random_tags(random.Random(seed), 7, 40)
    order = prov._variable_order(tags)
    position = {fact: i for i, fact in enumerate(order)}
    walked = OutcomePaths.enumerate(prov.facts, *prov._diagram(tags, order))
    ours = [prov._paths(tag, position, OutcomePaths.LIMIT) for tag in tags]
    written = OutcomePaths(prov.facts, sum(ours, []),
                           [i for i, paths in enumerate(ours) for _ in paths], len(tags))
    for field in ("negated", "index", "owner"):  # the same paths, literals and roots in order
        assert np.array_equal(getattr(written, field), getattr(walked, field))


@pytest.mark.parametrize("seed", range(3))
def test_compiled_counts_are_every_worlds(seed):
    prov, tags = random_tags(random.Random(seed), 7, 40)
    probs = prov.facts.fact_probs(False)
    assert prov.compile(tags)(probs) == pytest.approx([world_count(tag, probs) for tag in tags],
                                                      abs=1e-12)


def test_past_the_limit_counts_on_a_circuit():
    rng = random.Random(5)
    prov, tags = random_tags(rng, 7, 40)
    paths = sum(len(prov._paths(tag, {f: f for f in range(7)}, OutcomePaths.LIMIT)) for tag in tags)
    OutcomePaths.LIMIT, limit = paths // 2, OutcomePaths.LIMIT
    try:
        query = prov.compile(tags)
    finally:
        OutcomePaths.LIMIT = limit
    assert query.paths is None
    probs = prov.facts.fact_probs(False)
    assert query(probs) == pytest.approx([world_count(tag, probs) for tag in tags], abs=1e-12)
