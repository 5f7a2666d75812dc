"""The digit tasks' logic: the tensor contract of `program.module`, checked against brute force.

The pure-torch references (logic_reference.py) are checked here against enumeration of every
digit assignment, and the real program modules against them.
"""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import torch

from nesy.datasets.digits import multi_addition, sum2, sum_k
from nesy.errors import UsageError
from nesy.pipelines.digits import PROGRAMS_DIR, logic_module, logic_spec, make_task, nll
from nesy.pipelines.digits import TASKS as TASK_ENTRIES

from .logic_reference import reference_logic

TASKS = [sum2(), sum_k(3), multi_addition(1), multi_addition(2)]


def random_digits(batch: int, *shape: int, seed: int = 0) -> torch.Tensor:
    logits = torch.randn(batch, *shape, 10, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return logits.softmax(-1)


def brute_force(task, probs: torch.Tensor) -> torch.Tensor:
    """P(label = c) by enumerating all 10^arity digit assignments of one sample: each
    assignment's probability (the product of its digits' probabilities) is added to the class
    `task.labels` gives it. All assignments at once, as one [10^arity, arity] table."""
    flat = probs.reshape(task.arity, 10)
    assignments = torch.tensor(list(itertools.product(range(10), repeat=task.arity)))
    weights = flat[torch.arange(task.arity), assignments].prod(-1)
    labels = torch.from_numpy(task.labels(assignments.numpy()))
    return torch.zeros(task.n_classes, dtype=probs.dtype).index_add_(0, labels, weights)


def input_shape(task) -> tuple[int, ...]:
    return tuple(map(len, logic_spec(task).input_domain))


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_reference_logic_equals_enumeration_of_digit_assignments(task):
    probs = random_digits(3, *input_shape(task)[:-1])
    out = reference_logic(task)(probs)
    assert out.shape == (3, task.n_classes)
    for b in range(3):
        torch.testing.assert_close(out[b], brute_force(task, probs[b]), rtol=0, atol=1e-12)


@pytest.mark.parametrize("task", [sum2(), sum_k(15), multi_addition(4)], ids=lambda t: t.name)
def test_logic_spec_maps_output_column_j_to_class_j(task):
    spec = logic_spec(task)
    assert len(spec.output_tuples) == task.n_classes
    assert [t[-1] for t in spec.output_tuples] == list(range(task.n_classes))
    shape = input_shape(task)
    assert shape[-1] == 10 and torch.Size(shape).numel() == task.arity * 10


def test_nll_is_the_negative_log_probability_of_the_label_and_finite_at_zero():
    probs = torch.tensor([[0.25, 0.75], [1.0, 0.0]], requires_grad=True)
    loss = nll(probs, torch.tensor([1, 1]))
    assert loss.item() == pytest.approx((-torch.log(torch.tensor(0.75)) + 27.631021).item() / 2, rel=1e-5)
    loss.backward()
    assert torch.isfinite(probs.grad).all()


@pytest.mark.parametrize("task", [sum2(), sum_k(4), sum_k(15), multi_addition(2),
                                  pytest.param(multi_addition(4), marks=pytest.mark.slow)],
                         ids=lambda t: t.name)
def test_program_module_matches_the_reference_in_value_and_gradient(task):
    module = logic_module(logic_spec(task), provenance="diffexact")
    probs = random_digits(5, *input_shape(task)[:-1], seed=1).float().requires_grad_()
    expected_probs = probs.detach().clone().requires_grad_()
    out, expected = module(probs), reference_logic(task)(expected_probs)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)
    weights = torch.randn(task.n_classes, generator=torch.Generator().manual_seed(2))
    (out * weights).sum().backward()
    (expected * weights).sum().backward()
    torch.testing.assert_close(probs.grad, expected_probs.grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(TASK_ENTRIES))
def test_each_task_program_ships_inside_the_package_and_compiles(name):
    """The programs are package data (nesy/pipelines/programs/), not files of the checkout."""
    import nesy

    path = PROGRAMS_DIR / logic_spec(make_task(name)).program
    assert Path(nesy.__file__).parent in path.parents
    assert nesy.load(path).relation_types(logic_spec(make_task(name)).output_relation)


def test_make_task_applies_the_default_sizes_and_refuses_unknown_tasks():
    assert make_task("multi").name == "multi-2"
    assert make_task("sumk").name == "sumk-15"
    assert make_task("sumk", 4).arity == 4
    with pytest.raises(UsageError, match="unknown digits task 'product'; choose one of: sum2, multi, sumk"):
        make_task("product")
