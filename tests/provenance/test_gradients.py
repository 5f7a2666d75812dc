"""Gradients of the differentiable provenances (torch.autograd.gradcheck, float64) and
batched evaluation: a [batch]-shaped probability per fact gives the per-sample answers."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

from nesy.provenance import InputFacts, make

from .programs import random_program, run

DIFF = [("diffexact", None), ("difftopkproofs", 2), ("difftopkproofs", 10_000),
        ("diffaddmultprob", None), ("diffminmaxprob", None)]
NON_DIFF = {"diffexact": "exact", "difftopkproofs": "topkproofs",
            "diffaddmultprob": "addmultprob", "diffminmaxprob": "minmaxprob"}


def with_probs(program, probs):
    """The program with its probabilistic facts' probabilities replaced, in order."""
    values = iter(probs)
    return dataclasses.replace(program, probs=[None if p is None else next(values)
                                               for p in program.probs])


def initial_probs(program) -> torch.Tensor:
    return torch.tensor([p for p in program.probs if p is not None], dtype=torch.float64)


def rows_and_aggregates(name, k, program):
    """All rows of the program, then a count and an argmax over its last five rows."""
    def evaluate(probs):
        prov = make(name, k)
        tags = run(prov, with_probs(program, list(probs.unbind(-1))))
        last = np.arange(program.size - 5, program.size)
        group = np.zeros(5, dtype=np.int64)
        *_, count = prov.aggregate("count", group, 1, None, prov.take(tags, last))
        *_, best = prov.aggregate("argmax", group, 1, np.arange(5), prov.take(tags, last))
        return torch.stack(prov.output(prov.concat([tags, count, best])), dim=-1)
    return evaluate


@pytest.mark.parametrize("name,k", DIFF)
@pytest.mark.parametrize("seed", [0, 1, *(pytest.param(s, marks=pytest.mark.slow) for s in (2, 3))])
def test_gradients_match_finite_differences(name, k, seed, route):
    program = random_program(np.random.default_rng(seed), n_facts=6, n_layers=6)
    probs = initial_probs(program).requires_grad_()
    assert gradcheck(rows_and_aggregates(name, k, program), (probs,), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("name,k", DIFF)
def test_a_batch_of_probabilities_gives_each_sample_its_own_answer(name, k, route):
    program = random_program(np.random.default_rng(7), n_facts=6, n_layers=6)
    base = initial_probs(program)
    batch = torch.stack([base, base * 0.5, base * 0.8])  # disjunctions still sum to <= 1
    evaluate = rows_and_aggregates(name, 10_000 if k else None, program)
    batched = evaluate(batch)  # each fact's probability is a [batch] tensor
    for i in range(len(batch)):
        assert batched[i].tolist() == pytest.approx(evaluate(batch[i]).tolist(), abs=1e-12)


@pytest.mark.parametrize("name", ["diffexact", "difftopkproofs"])
def test_a_compiled_query_is_a_differentiable_function_of_a_probability_batch(name, route):
    """Run the program once, then evaluate its formulas on fresh [batch, n_facts] tensors."""
    program = random_program(np.random.default_rng(3), n_facts=6, n_layers=6)
    prov = make(name, 10_000)
    tags = run(prov, program)
    query = prov.compile(tags)
    probs = initial_probs(program)
    assert query(probs).tolist() == pytest.approx([float(p) for p in prov.output(tags)], abs=1e-12)
    batch = torch.stack([probs, probs * 0.5]).requires_grad_()
    assert gradcheck(query, (batch,), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("name,k", DIFF)
def test_plain_variants_output_the_same_numbers_as_floats(name, k):
    program = random_program(np.random.default_rng(5), n_facts=6, n_layers=6)
    diff, plain = make(name, k), make(NON_DIFF[name], k)
    expected = [float(p) for p in diff.output(run(diff, program))]
    actual = plain.output(run(plain, program))
    assert all(isinstance(p, float) for p in actual)
    assert actual == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("name,k", DIFF)
def test_one_probability_tensor_can_carry_a_whole_input_batch(name, k):
    """InputFacts.probs may be a [batch, n_facts] tensor instead of a list of [batch] ones."""
    probs = torch.tensor([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]], dtype=torch.float64)
    groups = np.array([0, 0, -1])
    results = []
    for given in (probs, list(probs.unbind(-1))):
        prov = make(name, k)
        tags = prov.input_tags(InputFacts(given, groups))
        both = prov.conjoin(prov.take(tags, [0, 1]), prov.take(tags, [2, 2]))
        results.append(torch.stack(prov.output(prov.concat([tags, both])), dim=-1))
    assert results[0].shape == (2, 5)
    assert torch.allclose(results[0], results[1])


def test_reachability_gradients_on_a_cyclic_graph_match_finite_differences():
    """diffexact through a recursive program over a graph with cycles: the gradient of
    P(path(0, 3)) comes from the same exported circuit as the value."""
    import nesy

    edges = [(0, 1), (1, 2), (2, 0), (1, 3), (2, 3), (3, 1), (0, 2)]
    program = nesy.compile("type edge(i32, i32)\n"
                           "rel path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))\n"
                           "query path(0, 3)")

    def reach(probs):
        facts = {"edge": list(zip(probs.unbind(-1), edges))}
        return program.run(provenance="diffexact", facts=facts)["path"].prob((0, 3))

    probs = torch.linspace(0.2, 0.8, len(edges), dtype=torch.float64).requires_grad_()
    assert gradcheck(reach, (probs,), eps=1e-6, atol=1e-7)
