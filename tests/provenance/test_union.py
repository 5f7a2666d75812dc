"""`_union`: the probability of a disjunction of positive proofs (what `topkproofs` outputs),
counted by a sweep over the formula's residuals, must be the probability of the worlds in
which some proof holds, summed world by world (brute force), in whatever order the facts
are decided; and `fewest_states` must pick the order whose diagram is smaller."""
from __future__ import annotations

import itertools
import math
import random

import pytest

from nesy.provenance._union import _sweep, fewest_states, union_probability


def brute_force(proofs, probs) -> float:
    facts = sorted(set().union(*proofs))
    total = 0.0
    for world in itertools.product([False, True], repeat=len(facts)):
        holding = {f for f, true in zip(facts, world) if true}
        if any(proof <= holding for proof in proofs):
            total += math.prod(probs[f] if true else 1 - probs[f] for f, true in zip(facts, world))
    return total


def minimal(proofs):
    return [p for p in set(proofs) if not any(q < p for q in proofs)]


def random_proofs(rng):
    n_facts = rng.randint(2, 10)
    return minimal([frozenset(rng.sample(range(n_facts), rng.randint(1, min(4, n_facts))))
                    for _ in range(rng.randint(1, 14))])


def paths(rng):
    """The s-t paths of a small random DAG: proofs that share prefixes and suffixes, so
    that equal remainders and absorbed proofs occur in the sweep."""
    edges = sorted({tuple(sorted(rng.sample(range(6), 2))) for _ in range(11)})
    found, stack = [], [(0, frozenset())]
    while stack:
        v, taken = stack.pop()
        for i, (a, b) in enumerate(edges):
            if a != v:
                continue
            if b == 5:
                found.append(taken | {i})
            else:
                stack.append((b, taken | {i}))
    return found


@pytest.mark.parametrize("make", [random_proofs, paths], ids=["random", "paths"])
@pytest.mark.parametrize("seed", range(25))
def test_equals_the_sum_over_worlds_in_any_order(make, seed):
    rng = random.Random(seed)
    proofs = make(rng)
    probs = {f: rng.choice([rng.uniform(0.05, 0.95), 1.0]) for f in range(12)}
    facts = sorted(set().union(*proofs))
    rng.shuffle(facts)
    expected = brute_force(proofs, probs) if proofs else 0.0
    assert union_probability(proofs, facts, probs) == pytest.approx(expected, abs=1e-12)
    assert union_probability(proofs, facts[::-1], probs) == pytest.approx(expected, abs=1e-12)


def test_no_proof_is_false_and_an_empty_proof_true():
    assert union_probability([], [], {}) == 0.0
    assert union_probability([frozenset(), frozenset([0])], [0], {0: 0.3}) == 1.0


def test_fewest_states_picks_the_order_that_keeps_pairs_together():
    """(x1 and y1) or ... or (x8 and y8): deciding each x next to its y leaves a handful of
    states per level; all x first leaves every subset of them alive."""
    pairs = [frozenset([i, 8 + i]) for i in range(8)]
    together = [f for i in range(8) for f in (i, 8 + i)]
    apart = list(range(16))
    assert _sweep(pairs, together, None)[1] < _sweep(pairs, apart, None)[1] // 10
    assert fewest_states(pairs, [apart, together]) == together
