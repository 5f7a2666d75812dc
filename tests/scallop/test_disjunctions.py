"""Annotated disjunctions (adding up to more than 1 or not), and disjunctive rule heads, as
Scallop runs them.

Scallop never checks a disjunction's sum: `{1.0::a; 1.0::b}` is two facts weighing 1 that no
proof may hold together (proofs, top-k proofs: an `Exclusive` input tag), or two independent
facts (minmaxprob, addmultprob: their f64 input tags drop the exclusion). A disjunctive head
`rel {a(x); b(x)} = body` is the same thing made per grounding of the heads' variables: one
fact weighing 1 per alternative, the alternatives exclusive (compiler/back/b2r.rs
`Head::Disjunction`, runtime/dynamic/dataflow/dynamic_exclusion.rs). Neither is a
distribution over possible worlds, so `exact` (ProbLog's semantics: ProbLog rejects both, an
annotated disjunction above 1 with "Sum of annotated disjunction weights exceeds acceptable
value") rejects both with a located error.

The expected values are Scallop's tests (basic.rs sat_1, sat_2, disjunctive_1) or Scallop's
counting written out here: top-k proofs weigh the conflict-free proofs with every fact
independent (`AsBooleanFormula::wmc`), enumerated over worlds by `scallop_count`.
"""
from __future__ import annotations

import itertools

import pytest

import nesy
from nesy.engine.inputs import Disjunction
from nesy.errors import CompileError

from .conftest import run


def probabilities(program: str, relation: str, provenance: str, **kwargs) -> dict:
    result = nesy.compile(program, name="<scallop>").run(provenance=provenance, **kwargs)
    return dict(zip(result[relation].tuples, result[relation].probs))


def proof_sets(program: str, relation: str) -> dict:
    """Per tuple, its proofs under `proofs`, each a set of the facts it holds (as written)."""
    result = nesy.compile(program, name="<scallop>").run(provenance="proofs")
    rel = result[relation]
    return {t: {frozenset(rel.facts[lit] for lit in proof) for proof in proofs}
            for t, proofs in zip(rel.tuples, rel.proofs)}


def scallop_count(weights: dict, groups: list[set], holds) -> float:
    """Scallop's probability of a query: facts independent with their weights; the query
    holds in a world when it is derivable from true facts of which at most one is taken from
    each exclusive group (`holds(chosen)` on such a selection)."""
    names = sorted(weights)
    total = 0.0
    for values in itertools.product([True, False], repeat=len(names)):
        world = dict(zip(names, values))
        weight = 1.0
        for name in names:
            weight *= weights[name] if world[name] else 1.0 - weights[name]
        true = {n for n in names if world[n]}
        options = [[None, *sorted(g & true)] for g in groups]
        free = true - set().union(*groups)
        if any(holds(free | {c for c in choice if c}) for choice in itertools.product(*options)):
            total += weight
    return total


# -- annotated disjunctions above 1 -----------------------------------------------------------
# Scallop's evaluation of a boolean formula under an assignment, shared by sat_1 and sat_2
EVALUATE_FORMULA = '''
    // Evaluation
    rel eval_bf(bf, r) :- bf_var(bf, v), assign(v, r)
    rel eval_bf(bf, !r) :- bf_not(bf, c), eval_bf(c, r)
    rel eval_bf(bf, lr && rr) :- bf_and(bf, lbf, rbf), eval_bf(lbf, lr), eval_bf(rbf, rr)
    rel eval_bf(bf, lr || rr) :- bf_or(bf, lbf, rbf), eval_bf(lbf, lr), eval_bf(rbf, rr)
    rel eval(r) :- bf_root(bf), eval_bf(bf, r)
'''
SAT_1 = '''
    type assign(String, bool)

    // Assignments to variables A, B, and C
    rel assign = {1.0::("A", true); 1.0::("A", false)}
    rel assign = {1.0::("B", true); 1.0::("B", false)}
    rel assign = {1.0::("C", true); 1.0::("C", false)}

    // Boolean formula (A and !B) or (B and !C)
    rel bf_var = {(1, "A"), (2, "B"), (3, "B"), (4, "C")}
    rel bf_not = {(5, 2), (6, 4)}
    rel bf_and = {(7, 1, 5), (8, 3, 6)}
    rel bf_or = {(9, 7, 8)}
    rel bf_root = {9}
''' + EVALUATE_FORMULA
SAT_2 = '''
    type assign(String, bool)

    // Assignments to variables A and B
    rel assign = {1.0::("A", true); 1.0::("A", false)}
    rel assign = {1.0::("B", true); 1.0::("B", false)}

    // Boolean formula (A and !A) or (B and !B)
    rel bf_var = {(1, "A"), (2, "B")}
    rel bf_not = {(3, 1), (4, 2)}
    rel bf_and = {(5, 1, 3), (6, 2, 4)}
    rel bf_or = {(7, 5, 6)}
    rel bf_root = {7}
''' + EVALUATE_FORMULA


def test_scallops_sat_programs_under_proofs():
    # basic.rs sat_1: (A and !B) or (B and !C) can be true and can be false
    assert run(SAT_1, "eval", "proofs") == {(False,), (True,)}
    # basic.rs sat_2: (A and !A) or (B and !B) is never true: no proof holds A both ways
    assert run(SAT_2, "eval", "proofs") == {(False,)}
    assert run(SAT_2, "eval", "topkproofs") == {(False,)}


AD = '''
    rel p = {0.9::"a"; 0.8::"b"}
    rel r = {0.5::"a", 0.6::"b"}
    rel q() = p(x) and r(x)
    rel both() = p("a") and p("b")
'''


def test_a_disjunction_above_one_under_topkproofs_is_counted_as_scallop_counts():
    weights = {"pa": 0.9, "pb": 0.8, "ra": 0.5, "rb": 0.6}
    q = scallop_count(weights, [{"pa", "pb"}],
                      lambda t: {"pa", "ra"} <= t or {"pb", "rb"} <= t)
    assert q == pytest.approx(1 - (1 - 0.45) * (1 - 0.48))  # the two proofs, independent
    got = probabilities(AD, "q", "topkproofs")
    assert got == {(): pytest.approx(q)}
    assert probabilities(AD, "p", "topkproofs") == {("a",): pytest.approx(0.9),
                                                    ("b",): pytest.approx(0.8)}
    assert probabilities(AD, "both", "topkproofs") == {}  # one proof would hold both
    assert run(AD, "both", "proofs") == set()


@pytest.mark.parametrize("provenance", ["topkproofs", "difftopkproofs"])
def test_a_disjunction_of_at_most_one_is_counted_as_scallop_counts(provenance):
    """This project's issue 15: {0.3::a; 0.5::b}, q() = p(a) or p(b) is Scallop's 0.65
    under the top-k provenances; `exact` keeps ProbLog's 0.8 (mutual exclusion)."""
    program = 'rel p = {0.3::"a"; 0.5::"b"}\nrel c = {0.4::"a"}\n' \
              'rel q() = p("a") or p("b")\nrel r() = p("a") and not p("b")\n' \
              'rel s() = p(x) and c(x)'
    weights = {"pa": 0.3, "pb": 0.5, "ca": 0.4}
    q = scallop_count(weights, [{"pa", "pb"}], lambda t: bool({"pa", "pb"} & t))
    s = scallop_count(weights, [{"pa", "pb"}], lambda t: {"pa", "ca"} <= t)
    assert q == pytest.approx(0.65)
    got = {name: probabilities(program, name, provenance)
           for name in ("q", "r", "s")}
    assert got == {"q": {(): pytest.approx(q)}, "r": {(): pytest.approx(0.3 * 0.5)},
                   "s": {(): pytest.approx(s)}}
    assert probabilities(program, "q", "exact") == {(): pytest.approx(0.8)}
    assert probabilities(program, "r", "exact") == {(): pytest.approx(0.3)}


def test_minmaxprob_and_addmultprob_ignore_the_exclusion_as_scallop():
    # Scallop's f64 input tags drop the exclusion: p("a") and p("b") is min(0.9, 0.8)
    assert probabilities(AD, "both", "minmaxprob") == {(): pytest.approx(0.8)}
    assert probabilities(AD, "q", "minmaxprob") == {(): pytest.approx(max(min(0.9, 0.5),
                                                                          min(0.8, 0.6)))}
    assert probabilities(AD, "both", "addmultprob") == {(): pytest.approx(0.9 * 0.8)}


@pytest.mark.parametrize("provenance", ["exact", "diffexact"])
def test_exact_rejects_a_disjunction_above_one_where_it_is_written(provenance):
    program = 'rel p(1)\nrel q = {1.0::"a"; 1.0::"b"}\n'
    with pytest.raises(CompileError) as info:
        nesy.compile(program, name="ad.scl").run(provenance=provenance)
    (d,) = info.value.diagnostics
    assert d.code == "disjunction-above-one" and d.fields["total"] == 2.0
    assert (d.span.line, d.span.column, d.span.end_column) == (2, 10, 28)
    assert "topkproofs" in d.hint and provenance in d.hint
    assert "ad.scl:2:10" in info.value.render()


def test_disjunctions_given_at_run_time_follow_the_same_rule():
    program = 'type p(String)\nrel q() = p("a") or p("b")\n'
    facts = {"p": [Disjunction([(1.0, ("a",)), (1.0, ("b",))])]}
    compiled = nesy.compile(program)
    assert probabilities(program, "q", "topkproofs", facts=facts) == {(): pytest.approx(1.0)}
    with pytest.raises(nesy.DataError, match="more than 1"):
        compiled.run(provenance="exact", facts=facts)


# -- disjunctive heads -----------------------------------------------------------------------
DISJUNCTIVE_1 = '''
    rel var = {1, 2}
    rel { assign(x, true); assign(x, false) } = var(x)
    rel result(a || b) = assign(1, a) and assign(2, b)
'''


def test_scallops_disjunctive_1_proofs():
    # basic.rs disjunctive_1: facts 2-5 are assign(1, true), assign(1, false), assign(2,
    # true), assign(2, false) (0 and 1, the certain var facts, are no facts in nesy's proofs)
    t1, f1, t2, f2 = "assign(1, true)", "assign(1, false)", "assign(2, true)", "assign(2, false)"
    assert proof_sets(DISJUNCTIVE_1, "result") == {
        (True,): {frozenset({t1, t2}), frozenset({t1, f2}), frozenset({f1, t2})},
        (False,): {frozenset({f1, f2})},
    }


def test_a_disjunctive_head_weighs_each_alternative_one():
    program = '''
        rel var = {0.5::1, 0.8::2}
        rel { assign(x, true); assign(x, false) } = var(x)
        rel result(a || b) = assign(1, a) and assign(2, b)
    '''
    weights = {"v1": 0.5, "v2": 0.8, "t1": 1.0, "f1": 1.0, "t2": 1.0, "f2": 1.0}
    groups = [{"t1", "f1"}, {"t2", "f2"}]
    true = scallop_count(weights, groups, lambda t: {"v1", "v2"} <= t and bool(
        t & {"t1", "f1"} and t & {"t2", "f2"} and t & {"t1", "t2"}))
    false = scallop_count(weights, groups, lambda t: {"v1", "v2", "f1", "f2"} <= t)
    assert probabilities(program, "result", "topkproofs") == {
        (True,): pytest.approx(true), (False,): pytest.approx(false)}
    assert probabilities(program, "assign", "topkproofs")[(1, False)] == pytest.approx(0.5)
    # minmaxprob: every alternative holds with the body's tag (Scallop drops the exclusion)
    assert probabilities(program, "result", "minmaxprob") == {
        (True,): pytest.approx(0.5), (False,): pytest.approx(0.5)}


def test_one_choice_per_grounding_of_the_heads_variables():
    # two derivations of x = 1 (y = 1, 2) share one choice; different relations as heads
    program = '''
        rel p = {(1, 1), (1, 2), (2, 1)}
        rel {a(x); b(x)} = p(x, y)
        rel both(x) = a(x) and b(x)
    '''
    assert run(program, "both", "unit") == {(1,), (2,)}  # set semantics: every head holds
    assert run(program, "both", "proofs") == set()
    assert run(program, "a", "proofs") == {(1,), (2,)} == run(program, "b", "proofs")
    assert proof_sets(program, "a")[(1,)] == {frozenset({"a(1)"})}


@pytest.mark.parametrize("provenance", ["exact", "diffexact"])
def test_exact_rejects_a_disjunctive_head_where_it_is_written(provenance):
    with pytest.raises(CompileError) as info:
        nesy.compile(DISJUNCTIVE_1, name="d.scl").run(provenance=provenance)
    (d,) = info.value.diagnostics
    assert d.code == "disjunctive-head"
    assert (d.span.line, d.span.column) == (3, 11)
    assert "proofs" in d.hint
