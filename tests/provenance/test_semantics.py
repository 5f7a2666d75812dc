"""What each provenance promises, one behaviour per test (expected values from ProbLog, or
worked out by hand where the top-k provenances count a disjunction's members as
independent facts, as Scallop does)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nesy.errors import UsageError
from nesy.provenance import InputFacts, make, names

from .programs import problog

EXACT = [("exact", None), ("diffexact", None), ("topkproofs", 100), ("difftopkproofs", 100)]
TOPK = EXACT[2:]
ALL = ["proofs", "topkproofs", "difftopkproofs", "exact", "diffexact", "minmaxprob",
       "diffminmaxprob", "addmultprob", "diffaddmultprob"]
AD = "0.3::a; 0.7::b.\n0.4::c."


def facts(prov, probs, groups=None):
    """One single-row tag batch per input fact (one input batch, as the engine sends it)."""
    groups = np.full(len(probs), -1) if groups is None else np.asarray(groups)
    tags = prov.input_tags(InputFacts(list(probs), groups))
    return [prov.take(tags, [i]) for i in range(len(probs))]


def either(prov, *tags):
    return prov.disjoin_groups(prov.concat(list(tags)), np.zeros(len(tags), dtype=np.int64), 1)


def prob(prov, tag) -> float:
    return float(prov.output(tag)[0])


def test_every_provenance_is_registered_under_its_scallop_name():
    assert set(ALL) | {"unit", "boolean"} <= set(names())


@pytest.mark.parametrize("name", ALL)
def test_approximating_provenances_say_so(name):
    prov = make(name)
    assert bool(prov.approximation) == (name not in ("proofs", "exact", "diffexact"))
    assert prov.probabilistic == (name != "proofs")


def test_topkproofs_defaults_to_three_proofs():
    assert make("topkproofs").k == 3 and make("difftopkproofs", 5).k == 5


@pytest.mark.parametrize("k", [0, -1, 2.5])
def test_topkproofs_rejects_a_k_that_is_not_a_positive_integer(k):
    with pytest.raises(UsageError, match="k >= 1"):
        make("topkproofs", k)


@pytest.mark.parametrize("name,k", EXACT[:2])
def test_annotated_disjunction_members_keep_their_own_probability(name, k):
    """{0.3::a; 0.7::b}: P(a) = 0.3, P(a or b) = 1, and `a and b` is impossible (Scallop
    issue #64 reports 0.51 for such queries)."""
    prov = make(name, k)
    a, b, c = facts(prov, [0.3, 0.7, 0.4], [0, 0, -1])
    truth = problog(AD + "\nq :- a. q :- b.\nr :- a, c.\ns :- b. s :- c.",
                    ["a", "b", "q", "r", "s"])
    assert prob(prov, a) == pytest.approx(truth["a"], abs=1e-12)
    assert prob(prov, b) == pytest.approx(truth["b"], abs=1e-12)
    assert prob(prov, either(prov, a, b)) == pytest.approx(truth["q"], abs=1e-12)
    assert prob(prov, prov.conjoin(a, c)) == pytest.approx(truth["r"], abs=1e-12)
    assert prob(prov, either(prov, b, c)) == pytest.approx(truth["s"], abs=1e-12)
    assert not prov.nonzero(prov.conjoin(a, b)).any()


@pytest.mark.parametrize("name,k", TOPK)
def test_topk_counts_disjunction_members_as_independent_facts(name, k):
    """Scallop: {0.3::a; 0.7::b} never puts a and b in one proof, but counts them as
    independent facts, so P(a or b) = 1 - 0.7 * 0.3 where ProbLog gives 1."""
    prov = make(name, k)
    a, b, c = facts(prov, [0.3, 0.7, 0.4], [0, 0, -1])
    assert prob(prov, a) == pytest.approx(0.3, abs=1e-12)
    assert prob(prov, either(prov, a, b)) == pytest.approx(1 - 0.7 * 0.3, abs=1e-12)
    assert prob(prov, prov.conjoin(a, c)) == pytest.approx(0.3 * 0.4, abs=1e-12)
    assert prob(prov, either(prov, b, c)) == pytest.approx(1 - 0.3 * 0.6, abs=1e-12)
    assert not prov.nonzero(prov.conjoin(a, b)).any()
    assert not prov.nonzero(either(prov, prov.conjoin(a, b), prov.conjoin(b, a))).any()


@pytest.mark.parametrize("name,k", EXACT[:2])
def test_negation_is_the_complement_even_within_a_disjunction(name, k):
    prov = make(name, k)
    a, b, c = facts(prov, [0.3, 0.7, 0.4], [0, 0, -1])
    truth = problog(AD + "\nna :- \\+a.\nnb_a :- \\+b, a.\nnn :- \\+na.\nnq :- \\+q.\nq :- a. "
                    "q :- c.", ["na", "nb_a", "nn", "nq"])
    not_a = prov.negate(a)
    assert prob(prov, not_a) == pytest.approx(truth["na"], abs=1e-12)
    assert prob(prov, prov.conjoin(prov.negate(b), a)) == pytest.approx(truth["nb_a"], abs=1e-12)
    assert prob(prov, prov.negate(not_a)) == pytest.approx(truth["nn"], abs=1e-12)
    assert prob(prov, prov.negate(either(prov, a, c))) == pytest.approx(truth["nq"], abs=1e-12)


@pytest.mark.parametrize("name,k", TOPK)
def test_topk_negation_of_a_disjunction_member_is_its_own_complement(name, k):
    """Scallop keeps `not b` in a's proof (b is an independent fact there): P(a and not b) =
    0.3 * 0.3, where ProbLog gives 0.3; and not (not a and not b), the negation of the one
    proof {~a, ~b}, multiplies out to {a} or {b}: 1 - 0.7 * 0.3."""
    prov = make(name, k)
    a, b, c = facts(prov, [0.3, 0.7, 0.4], [0, 0, -1])
    not_a = prov.negate(a)
    assert prob(prov, not_a) == pytest.approx(0.7, abs=1e-12)
    assert prob(prov, prov.conjoin(prov.negate(b), a)) == pytest.approx(0.3 * 0.3, abs=1e-12)
    assert prob(prov, prov.negate(not_a)) == pytest.approx(0.3, abs=1e-12)
    assert prob(prov, prov.negate(either(prov, a, c))) == pytest.approx(0.7 * 0.6, abs=1e-12)
    neither = prov.conjoin(not_a, prov.negate(b))
    assert prob(prov, neither) == pytest.approx(0.7 * 0.3, abs=1e-12)
    assert prob(prov, prov.negate(neither)) == pytest.approx(1 - 0.7 * 0.3, abs=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_certain_facts_are_the_semiring_one(name):
    prov = make(name)
    certain, fact = facts(prov, [None, 0.25])
    assert prov.output(prov.conjoin(certain, fact)) == prov.output(fact)
    if prov.probabilistic:
        assert prob(prov, certain) == 1.0
        assert prob(prov, prov.ones(1)) == 1.0


@pytest.mark.parametrize("name", ALL)
def test_disjoining_an_empty_group_gives_zero(name):
    prov = make(name)
    tags = prov.disjoin_groups(facts(prov, [0.5])[0], np.array([1]), 2)
    assert prov.nonzero(tags).tolist() == [False, True]


@pytest.mark.parametrize("name", ["proofs", "topkproofs", "exact", "minmaxprob"])
def test_rederiving_a_known_formula_changes_nothing(name):
    """Idempotent disjunction is what lets recursion reach its fixpoint."""
    prov = make(name)
    a, b = facts(prov, [0.3, 0.6])
    old = either(prov, a, b)
    new = either(prov, old, a, prov.conjoin(a, b))
    assert not prov.changed(old, new).any()
    assert prov.changed(a, old).all()


def test_disjunction_groups_are_local_to_one_batch_of_input_facts():
    """Two `;` sets arriving in separate batches are independent even with equal group ids."""
    prov = make("exact")
    a, = facts(prov, [0.3], [0])
    b, = facts(prov, [0.7], [0])
    truth = problog("0.3::a. 0.7::b. q :- a, b.", ["q"])
    assert prob(prov, prov.conjoin(a, b)) == pytest.approx(truth["q"], abs=1e-12)


DIFF = [("diffexact", None), ("difftopkproofs", 3), ("diffaddmultprob", None),
        ("diffminmaxprob", None)]


@pytest.mark.parametrize("name,k", DIFF)
def test_differentiable_outputs_are_tensors_with_gradients(name, k):
    prov = make(name, k)
    p = torch.tensor([0.3, 0.6], dtype=torch.float64, requires_grad=True)
    a, b = facts(prov, list(p.unbind()))
    out = prov.output(prov.conjoin(a, b))[0]
    assert isinstance(out, torch.Tensor)
    out.backward()
    assert p.grad is not None and p.grad.abs().sum() > 0


def test_proofs_lists_fact_ids_and_negated_ids():
    prov = make("proofs")
    a, b, c = facts(prov, [0.3, 0.6, 0.2])
    tag = either(prov, prov.conjoin(a, prov.negate(b)), c)
    assert prov.output(tag) == [[(0, ~1), (2,)]]


@pytest.mark.parametrize("name,k", [("exact", None), ("diffexact", None), ("topkproofs", 3)])
def test_formulas_deeper_than_the_recursion_limit_are_fine(name, k):
    prov = make(name, k)
    n = 1500  # Python's default recursion limit is 1000
    tags = prov.input_tags(InputFacts([0.9995] * n, np.full(n, -1)))
    chain = prov.take(tags, [0])
    for i in range(1, n):  # the BDD grows one level per fact
        chain = prov.conjoin(chain, prov.take(tags, [i]))
    assert prob(prov, chain) == pytest.approx(0.9995 ** n, rel=1e-9)
    if name != "topkproofs":  # top-k keeps only k of the 1500 ways to falsify the chain
        assert prob(prov, prov.negate(prov.negate(chain))) == pytest.approx(0.9995 ** n, rel=1e-9)
