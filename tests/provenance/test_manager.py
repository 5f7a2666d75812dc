"""The CUDD manager's variable order for input facts (nesy/provenance/_manager.py)."""
from __future__ import annotations

import pytest

from nesy.provenance import _manager

pytestmark = pytest.mark.skipif(_manager._cudd is None, reason="dd.cudd is not installed")


def levels(manager, facts):
    return [manager.cudd.level_of_var(f"x{f}") for f in facts]


@pytest.mark.parametrize("existing", [[], [7, 8]], ids=["fresh", "with-variables"])
def test_a_batch_of_facts_takes_the_levels_inserting_each_on_top_gives(existing):
    one_by_one, batch = _manager.CuddManager(), _manager.CuddManager()
    for manager in (one_by_one, batch):
        for f in existing:
            manager.variable(f)
    for f in range(5):
        one_by_one.variable(f)
    batch.above(list(range(5)))
    facts = existing + list(range(5))
    assert levels(batch, facts) == levels(one_by_one, facts)
    assert levels(batch, range(5)) == [4, 3, 2, 1, 0]  # the newest on top
