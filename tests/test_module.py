"""program.module: tensors of probabilities in and out, batched, differentiable.

Oracles: the distribution of a sum of independent digits is a convolution (computed with
plain torch), ProbLog for programs with rules, and torch.autograd.gradcheck for gradients."""
from __future__ import annotations

import pytest
import torch

import nesy

SUM2 = """
type digit(slot: usize, value: i32)
rel sum(a + b) = digit(0, a) and digit(1, b)
"""


def convolution(x: torch.Tensor) -> torch.Tensor:
    """P(a + b = s) for independent digit distributions x[:, 0] and x[:, 1]."""
    out = torch.zeros(x.shape[0], 19, dtype=x.dtype)
    for a in range(10):
        for b in range(10):
            out[:, a + b] += x[:, 0, a] * x[:, 1, b]
    return out


def sum2_module(provenance: str, k=None):
    return nesy.compile(SUM2).module(
        provenance=provenance, k=k,
        inputs={"digit": nesy.Mapping(range(2), range(10), exclusive=1)},
        outputs={"sum": range(19)})


@pytest.mark.parametrize("provenance", ["diffexact", "exact", "diffaddmultprob"])
def test_sum2_equals_the_convolution_of_the_digit_distributions(provenance):
    module = sum2_module(provenance)
    torch.manual_seed(0)
    for _ in range(3):  # later batches reuse the compiled structure
        x = torch.softmax(torch.randn(5, 2, 10, dtype=torch.float64), -1)
        assert torch.allclose(module(digit=x), convolution(x), atol=1e-12)


def test_top_k_with_enough_proofs_is_scallops_count_and_with_few_is_a_lower_bound():
    """Scallop counts a digit's ten `;` members as independent facts: sum s holds when one
    of its pairs (i, s - i) holds, and the pairs share no fact, so P(s) = 1 - prod_i (1 -
    P(first = i) P(second = s - i)), not the convolution (ProbLog's, `diffexact`)."""
    torch.manual_seed(1)
    x = torch.softmax(torch.randn(3, 2, 10, dtype=torch.float64), -1)
    scallop = torch.stack([1 - torch.prod(torch.stack([1 - x[:, 0, i] * x[:, 1, s - i]
                                                       for i in range(10) if 0 <= s - i < 10]), 0)
                           for s in range(19)], -1)
    assert torch.allclose(sum2_module("difftopkproofs", k=10)(digit=x), scallop, atol=1e-12)
    approx = sum2_module("difftopkproofs", k=1)(digit=x)
    assert (approx <= scallop + 1e-12).all() and (approx < scallop - 1e-6).any()


@pytest.mark.parametrize("provenance", ["diffexact", "difftopkproofs", "diffaddmultprob",
                                        "diffminmaxprob"])
def test_gradients_pass_gradcheck(provenance):
    module = sum2_module(provenance, k=5)
    logits = torch.randn(2, 2, 10, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda z: module(digit=torch.softmax(z, -1)), (logits,))


def test_batched_evaluation_equals_one_sample_at_a_time():
    module = sum2_module("diffexact")
    x = torch.softmax(torch.randn(6, 2, 10, dtype=torch.float64), -1)
    together = module(digit=x)
    alone = torch.cat([module(digit=x[i:i + 1]) for i in range(6)])
    assert torch.allclose(together, alone, atol=1e-12)


def test_program_facts_and_rules_combine_with_tensor_inputs_as_in_problog():
    from problog import get_evaluatable
    from problog.program import PrologString

    text = """
    type obs(i32)
    rel 0.3::noise(1)
    rel alarm(x) = obs(x) or noise(x)
    """
    module = nesy.compile(text).module(provenance="diffexact", inputs={"obs": [(1,), (2,)]},
                                       outputs={"alarm": [(1,), (2,)]})
    p = torch.tensor([[0.6, 0.2]], dtype=torch.float64)
    got = module(obs=p)
    expected = get_evaluatable().create_from(PrologString(
        "0.6::obs(1). 0.2::obs(2). 0.3::noise(1).\nalarm(X) :- obs(X).\nalarm(X) :- noise(X).\n"
        "query(alarm(1)).\nquery(alarm(2)).\n")).evaluate()
    want = {str(k): v for k, v in expected.items()}
    assert got[0, 0].item() == pytest.approx(want["alarm(1)"], abs=1e-12)
    assert got[0, 1].item() == pytest.approx(want["alarm(2)"], abs=1e-12)


def test_exclusive_dimension_makes_each_row_one_annotated_disjunction():
    module = nesy.compile("type pick(slot: i32, v: i32)\nrel any_pick(s) = pick(s, _)").module(
        provenance="diffexact", inputs={"pick": nesy.Mapping(range(2), range(3), exclusive=1)},
        outputs={"any_pick": nesy.Mapping(range(2))})
    x = torch.tensor([[[0.2, 0.3, 0.1], [0.5, 0.5, 0.0]]], dtype=torch.float64)
    assert torch.allclose(module(pick=x), torch.tensor([[0.6, 1.0]], dtype=torch.float64))


@pytest.mark.parametrize("bad, message", [
    ({"digit": torch.zeros(2, 3, 10)}, "shape"),
    ({}, "missing"),
    ({"digit": torch.zeros(2, 2, 10), "other": torch.zeros(1)}, "unexpected"),
])
def test_bad_inputs_are_explained(bad, message):
    with pytest.raises(nesy.NesyError, match=message):
        sum2_module("diffexact")(**bad)


def test_unknown_relations_in_mappings_are_usage_errors():
    with pytest.raises(nesy.UsageError, match="no relation 'digits'"):
        nesy.compile(SUM2).module(inputs={"digits": [(0, 1)]}, outputs={"sum": range(19)})


# ---------------------------------------------------------------------------------------------
# What a module does follows the provenance's declared capabilities.

@pytest.mark.parametrize("provenance", ["unit", "boolean", "proofs"])
def test_a_provenance_without_probabilities_is_refused_naming_those_that_work(provenance):
    with pytest.raises(nesy.UsageError, match=f"'{provenance}' does not") as error:
        sum2_module(provenance)
    assert "diffexact" in str(error.value) and "minmaxprob" in str(error.value)


@pytest.mark.parametrize("provenance, k", [("exact", None), ("minmaxprob", None),
                                           ("addmultprob", None), ("topkproofs", 10)])
def test_a_non_differentiable_provenance_gives_the_answer_without_gradients(provenance, k):
    x = torch.softmax(torch.randn(4, 2, 10, dtype=torch.float64), -1).requires_grad_()
    out = sum2_module(provenance, k)(digit=x)
    assert not out.requires_grad
    differentiable = sum2_module("diff" + provenance, k)(digit=x)
    assert differentiable.requires_grad
    assert torch.allclose(out, differentiable.detach(), atol=1e-12)


def test_outputs_not_derived_are_zero_and_inputs_may_be_exclusive_along_any_dimension():
    """exclusive=0: the two slots of one value are the alternatives (a column of the input)."""
    program = nesy.compile("type pick(slot: i32, v: i32)\nrel chosen(v) = pick(_, v)")
    x = torch.tensor([[[0.2, 0.3, 0.0], [0.5, 0.1, 0.0]]], dtype=torch.float64)
    exclusive = [0.2 + 0.5, 0.3 + 0.1, 0.0, 0.0]  # v = 3 never derived
    independent = [1 - 0.8 * 0.5, 1 - 0.7 * 0.9, 0.0, 0.0]  # top-k, as Scallop counts
    for provenance in ("diffexact", "diffaddmultprob", "difftopkproofs"):
        expected = torch.tensor([independent if "topk" in provenance else exclusive],
                                dtype=torch.float64)
        module = program.module(provenance=provenance, k=10,
                                inputs={"pick": nesy.Mapping(range(2), range(3), exclusive=0)},
                                outputs={"chosen": [(0,), (1,), (2,), (3,)]})
        assert torch.allclose(module(pick=x), expected, atol=1e-12), provenance
