"""Input facts given column by column (`FactColumns`) mean exactly what the same rows given one
by one mean, under every kind of provenance, and are refused with the same errors."""
from __future__ import annotations

import numpy as np
import pytest

import nesy
from nesy import DataError, Disjunction
from nesy.engine.inputs import FactColumns

PROGRAM = """
type colour(o: usize, c: String)
type near(a: usize, b: usize)
type big(o: usize)
rel pair(a, b, c) = near(a, b) and colour(a, c) and colour(b, c)
rel lonely(o) = big(o) and not near(o, _)
query pair
query lonely
"""

#: The same facts as rows: two objects' colours as Disjunctions, probabilistic pairs, certain
#: unary facts.
ROWS = {
    "colour": [Disjunction([(0.6, (0, "red")), (0.3, (0, "blue"))]),
               Disjunction([(0.5, (1, "red")), (0.5, (1, "blue"))]),
               Disjunction([(0.9, (2, "red"))])],
    "near": [(0.8, (0, 1)), (0.4, (1, 2)), (0.7, (2, 0))],
    "big": [(0,), (1,), (2,), (3,)],
}
COLUMNS = {
    "colour": FactColumns([np.array([0, 0, 1, 1, 2]), ["red", "blue", "red", "blue", "red"]],
                          np.array([0.6, 0.3, 0.5, 0.5, 0.9]), np.array([7, 7, 3, 3, 5])),
    "near": FactColumns([np.array([0, 1, 2]), [1, 2, 0]], [0.8, 0.4, 0.7]),
    "big": FactColumns.of_rows([(0,), (1,), (2,), (3,)]),
}


@pytest.fixture(scope="module")
def program():
    return nesy.compile(PROGRAM)


@pytest.mark.parametrize("provenance", ["unit", "exact", "topkproofs", "addmultprob", "minmaxprob"])
def test_columns_mean_what_the_same_rows_mean(program, provenance):
    by_rows = program.run(provenance=provenance, facts=ROWS)
    by_columns = program.run(provenance=provenance, facts=COLUMNS)
    for name in ("pair", "lonely"):
        assert by_columns[name].tuples == by_rows[name].tuples
        if by_rows[name].probs is not None:
            assert by_columns[name].probs == pytest.approx(by_rows[name].probs, abs=1e-12)


def test_columns_and_rows_mix_in_one_run(program):
    mixed = program.run(provenance="exact", facts={**ROWS, "near": COLUMNS["near"]})
    assert mixed["pair"].probs == pytest.approx(program.run(provenance="exact", facts=ROWS)["pair"].probs)


@pytest.mark.parametrize("facts, rows", [
    ({"near": FactColumns([[0, -1], [1, 2]], [0.5, 0.5])},
     {"near": [(0.5, (0, 1)), (0.5, (-1, 2))]}),
    ({"near": FactColumns([np.array([0, -1]), [1, 2]], [0.5, 0.5])},
     {"near": [(0.5, (0, 1)), (0.5, (-1, 2))]}),
    ({"colour": FactColumns([[0, 1], ["red", 3]], [0.5, 0.5])},
     {"colour": [(0.5, (0, "red")), (0.5, (1, 3))]}),
    ({"near": FactColumns([[0, 1], [1, 2]], [0.5, 1.5])},
     {"near": [(0.5, (0, 1)), (1.5, (1, 2))]}),
])
def test_a_bad_fact_is_refused_with_the_message_its_row_gets(program, facts, rows):
    with pytest.raises(DataError) as as_rows:
        program.run(provenance="exact", facts=rows)
    with pytest.raises(DataError) as as_columns:
        program.run(provenance="exact", facts=facts)
    assert str(as_columns.value) == str(as_rows.value)


def test_a_disjunction_summing_past_1_is_refused_naming_its_first_row(program):
    """Where a row-by-row Disjunction is one fact, its columns are several rows: the message
    names the group's first row."""
    colours = FactColumns([[0, 0, 1, 1], ["red", "blue", "red", "blue"]], [0.3, 0.3, 0.7, 0.7], [0, 0, 1, 1])
    with pytest.raises(DataError, match="fact 3 of 'colour': the probabilities of a Disjunction .* sum to 1.4"):
        program.run(provenance="exact", facts={"colour": colours})
    program.run(provenance="topkproofs", facts={"colour": colours})  # Scallop's counting: any sum


@pytest.mark.parametrize("facts, words", [
    (FactColumns([[0, 1]], [0.5, 0.5]), "1 column.s. for a relation of arity 2"),
    (FactColumns([[0, 1], [1]], [0.5, 0.5]), "different lengths"),
    (FactColumns([[0, 1], [1, 2]], [0.5]), "different lengths"),
    (FactColumns([[0, 1], [1, 2]], None, [0, 0]), "need probabilities"),
])
def test_malformed_columns_are_data_errors(program, facts, words):
    with pytest.raises(DataError, match=words):
        program.run(provenance="exact", facts={"near": facts})
