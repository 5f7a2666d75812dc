"""Proofs in terms of the facts themselves (issue 18 item 3), in every format; the expected
proofs are worked out by hand from the programs."""
from __future__ import annotations

import csv
import io
import json

import nesy
from nesy import render

PROGRAM = """rel e = {0.5::(0, 1), 0.5::(1, 2)}
rel color = {0.6::("red"); 0.3::("blue")}
rel sure(7)
rel path(a, b) = e(a, b)
rel path(a, c) = path(a, b) and e(b, c)
rel source(x) = e(x, _) and not e(_, x)
rel 0.5::lucky(c) = color(c)
rel also(x) = sure(x)
"""


def result():
    return nesy.compile(PROGRAM).run(provenance="proofs")


def test_the_table_writes_each_proof_as_a_conjunction_of_facts():
    table = render.table(result())
    assert "  (0, 2)  proofs: e(0, 1) & e(1, 2)\n" in table
    assert "  (1)  proofs: ~e(0, 1) & e(1, 2)\n" in table
    assert '  ("red")  proofs: color("red") & lucky@7(c="red")\n' in table
    assert "  (7)  proofs: true\n" in table  # a certain tuple: the empty proof


def test_json_and_csv_name_the_same_facts():
    data = json.loads(result().to_json())["relations"]
    assert {tuple(r["tuple"]): r["proofs"] for r in data["source"]} == \
        {(0,): [["e(0, 1)"]], (1,): [["~e(0, 1)", "e(1, 2)"]]}
    rows = list(csv.reader(io.StringIO(render.csv_text(result()["path"]))))
    assert rows == [["proofs", "arg1", "arg2"], ["e(0, 1)", "0", "1"], ["e(0, 1) & e(1, 2)", "0", "2"],
                    ["e(1, 2)", "1", "2"]]


def test_the_python_api_keeps_fact_ids_and_a_legend():
    r = result()
    assert [[r.facts[lit] if lit >= 0 else "~" + r.facts[~lit] for lit in proof]
            for proof in r["source"].proofs[1]] == [["~e(0, 1)", "e(1, 2)"]]
