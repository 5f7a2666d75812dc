"""Issue 16 items 9-10: every bad call of the Python API raises a `NesyError` subclass with a
clear message, and probabilities are validated where they enter (as the language checks
`p::fact`), plus a hypothesis fuzzer of API misuse whose property is that nothing but a
`NesyError` ever escapes.
"""
from __future__ import annotations

import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nesy
from nesy import DataError, Disjunction, FileError, Mapping, NesyError, UsageError

SUM = "type digit(i32)\ntype sum2(i32)\nrel sum2(a + b) = digit(a) and digit(b)\n"
PATH = "type e(i32, i32)\nrel e = {(0, 1), (1, 2)}\nrel p(a, b) = e(a, b) or p(a, c) and e(c, b)\n"


@pytest.fixture(scope="module")
def program():
    return nesy.compile(SUM)


@pytest.fixture(scope="module")
def paths():
    return nesy.compile(PATH)


def digit_module(program, **kw):
    return program.module(inputs={"digit": Mapping(range(10))},
                          outputs={"sum2": Mapping(range(19))}, **kw)


# -- item 9: bad calls ------------------------------------------------------------------------
@pytest.mark.parametrize("call,error,words", [
    (lambda p: nesy.load(None), UsageError, "path of a .nesy file"),
    (lambda p: nesy.load(5), UsageError, "path of a .nesy file"),
    (lambda p: nesy.load("/dev/zero"), FileError, "not a regular file"),
    (lambda p: nesy.compile(b"rel a(1)"), UsageError, "program text"),
    (lambda p: nesy.example(None), UsageError, "must be a string"),
    (lambda p: p.run(query=5), UsageError, "query must be"),
    (lambda p: p.run(query=[5]), UsageError, "query must be"),
    (lambda p: p.run(facts=[(1,)]), UsageError, "facts must be a dict"),
    (lambda p: p.run(facts={5: [(1,)]}), UsageError, "relation name is a string"),
    (lambda p: p.run(facts={"digit": {1: 2}}), DataError, "list of tuples"),
    (lambda p: p.run(provenance=5), UsageError, "provenance must be a string"),
    (lambda p: p.relation_types(None), UsageError, "relation name"),
    (lambda p: Mapping(5), UsageError, "dimension 1 of a Mapping"),
    (lambda p: Mapping(), UsageError, "at least one dimension"),
    (lambda p: Mapping([]), UsageError, "non-empty"),
    (lambda p: Mapping(range(3), exclusive="0"), UsageError, "exclusive"),
    (lambda p: p.module(inputs={"digit": Mapping(range(10))}, outputs=["sum"]),
     UsageError, "needs outputs"),
    (lambda p: p.module(inputs=["digit"], outputs={"sum2": Mapping(range(19))}),
     UsageError, "needs inputs"),
    (lambda p: p.module(provenance=5, inputs={"digit": [0]}, outputs={"sum2": [0]}),
     UsageError, "provenance must be a string"),
    (lambda p: digit_module(p)(digit=torch.rand(0, 10)), DataError, "empty batch"),
    (lambda p: digit_module(p)(digit=torch.ones(2, 10, dtype=torch.bool)), DataError,
     "floating-point"),
    (lambda p: digit_module(p)(digit=[[0.1] * 10]), DataError, "torch tensor"),
    (lambda p: digit_module(p)(digit=torch.rand(2, 9)), DataError, "expected [batch, 10]"),
])
def test_bad_calls_raise_nesy_errors(program, call, error, words):
    with pytest.raises(error) as caught:
        call(program)
    assert words in str(caught.value)


def test_mismatched_batch_sizes():
    program = nesy.compile("type a(i32)\ntype b(i32)\nrel c(x + y) = a(x) and b(y)\n")
    module = program.module(inputs={"a": Mapping(range(2)), "b": Mapping(range(2))},
                            outputs={"c": Mapping(range(3))})
    with pytest.raises(DataError, match="batch size"):
        module(a=torch.rand(2, 2), b=torch.rand(3, 2))


def test_to_json_of_non_finite_values_is_a_data_error(paths):
    with pytest.raises(DataError, match="finite"):
        nesy.compile("type v(f64)\n").run(facts={"v": [(math.inf,)]})
    with pytest.raises(DataError, match="cannot be written as JSON"):
        paths.run().to_json(indent=object())


# -- item 10: probabilities at the boundary ----------------------------------------------------
@pytest.mark.parametrize("prob", [1.5, -0.5, math.nan, math.inf, torch.tensor(1.5)])
def test_fact_probabilities_outside_0_1_are_rejected(paths, prob):
    with pytest.raises(DataError, match="not between 0 and 1"):
        paths.run(provenance="exact", facts={"e": [(prob, (3, 4))]})


def test_a_disjunction_summing_past_1_is_rejected(paths):
    with pytest.raises(DataError, match="sum to 1.4"):
        paths.run(provenance="exact",
                  facts={"e": [Disjunction([(0.7, (3, 4)), (0.7, (3, 5))])]})
    ok = paths.run(provenance="exact", facts={"e": [Disjunction([(0.5, (3, 4)), (0.5, (3, 5))])]})
    assert ok["p"].prob((3, 4)) == pytest.approx(0.5)


def test_a_disjunction_of_batched_tensors_is_checked_per_batch_row():
    program = nesy.compile("type e(i32)\nrel q(x) = e(x)\n")
    ok = [Disjunction([(torch.tensor([0.9, 0.1]), (1,)), (torch.tensor([0.1, 0.9]), (2,))])]
    probs = program.run(provenance="diffexact", facts={"e": ok})["q"].probs
    assert torch.allclose(torch.stack(probs), torch.tensor([[0.9, 0.1], [0.1, 0.9]]))
    bad = [Disjunction([(torch.tensor([0.9, 0.5]), (1,)), (torch.tensor([0.1, 0.9]), (2,))])]
    with pytest.raises(DataError, match="sum to 1.4"):
        program.run(provenance="diffexact", facts={"e": bad})


@pytest.mark.parametrize("inputs,words", [
    (torch.randn(4, 10) * 5, "not a probability"),
    (torch.full((2, 10), math.nan), "not a probability"),
    (torch.ones(2, 10, dtype=torch.long), "floating-point"),
    (torch.rand(10), "expected [batch, 10]"),
    (torch.rand(2, 2, 10), "expected [batch, 10]"),
])
def test_module_inputs_are_probability_tensors_of_the_mapped_shape(program, inputs, words):
    with pytest.raises(DataError) as caught:
        digit_module(program)(digit=inputs)
    assert words in str(caught.value)


def test_exclusive_dimension_must_sum_to_at_most_1(program):
    module = program.module(provenance="exact",
                            inputs={"digit": Mapping(range(10), exclusive=0)},
                            outputs={"sum2": Mapping(range(19))})
    with pytest.raises(DataError, match="sum to 3"):
        module(digit=torch.full((1, 10), 0.3))
    probs = torch.rand(3, 10).softmax(-1)
    out = program.module(provenance="exact", inputs={"digit": Mapping(range(10), exclusive=0)},
                         outputs={"sum2": Mapping(range(19))})(digit=probs)
    # oracle: the distribution of the sum of two independent draws of the same digit
    # distribution, where both atoms read the same (exclusive) fact: a + a for one digit
    expected = torch.zeros(3, 19, dtype=probs.dtype)
    for d in range(10):
        expected[:, 2 * d] += probs[:, d]
    assert torch.allclose(out, expected, atol=1e-5)


def test_a_mapping_of_the_wrong_arity_fails_when_the_module_is_built(program):
    with pytest.raises(DataError, match="expected 1 value, got 2"):
        program.module(inputs={"digit": Mapping(range(10), range(3))},
                       outputs={"sum2": Mapping(range(19))})
    with pytest.raises(DataError, match="type i32"):
        program.module(inputs={"digit": Mapping(["a", "b"])},
                       outputs={"sum2": Mapping(range(19))})


def test_only_the_first_batch_is_checked_by_value(program):
    """The hot path pays a shape/dtype check only: later batches are not scanned."""
    module = digit_module(program)
    module(digit=torch.rand(2, 10))
    assert module._checked


# -- the fuzzer ---------------------------------------------------------------------------------
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([1e400, -1e400]),
    st.floats(allow_nan=True), st.text(max_size=4), st.binary(max_size=3),
    st.lists(st.integers(0, 3), max_size=3), st.dictionaries(st.text(max_size=2),
                                                             st.integers(), max_size=2),
    st.tuples(st.floats(-1, 2), st.tuples(st.integers(-2, 3), st.integers(-2, 3))),
    st.just([(0.5, (1, 2))]), st.just({"e": [(1.5, (1, 2))]}), st.just({"e": [(1, 2, 3)]}),
    st.just({"e": [Disjunction([(0.9, (1, 2)), (0.9, (2, 3))])]}), st.just({"e": 5}),
    st.just(Disjunction(5)), st.just(range(3)), st.just("e"), st.just(["p", "zz"]))

TENSORS = st.builds(
    lambda shape, dtype, scale: (torch.rand(tuple(shape)) * scale).to(dtype),
    st.lists(st.integers(0, 11), max_size=3),
    st.sampled_from([torch.float32, torch.float64, torch.int64, torch.bool]),
    st.sampled_from([1.0, -3.0, 7.0]))


GRAMMAR = nesy.compile('grammar g(x: String) -> S {\n  S: String ::= $concatenate(S, S) | x\n}\n')


@pytest.mark.parametrize("kwargs,error,words", [
    ({"timeout": math.nan}, UsageError, "timeout must be a positive number"),
    ({"timeout": "1"}, UsageError, "timeout must be a positive number"),
    ({"max_candidates": 0}, UsageError, "max_candidates must be a positive integer"),
    ({"strategy": 5}, UsageError, "strategy must be a string"),
    ({"examples": [(("a", "b"), "aa")]}, DataError, "expected 1 input value (x), got 2"),
])
def test_bad_synthesis_calls(kwargs, error, words):
    kwargs = {"examples": [(("a",), "aa")], **kwargs}
    with pytest.raises(error) as caught:
        GRAMMAR.synthesize("g", **kwargs)
    assert words in str(caught.value)


def _calls(paths, program):
    return {
        "run": lambda a, b, c: paths.run(provenance=a if isinstance(a, str) and a in
                                         ("exact", "unit", "topkproofs") else "exact",
                                         facts=b, query=c),
        "run_raw": lambda a, b, c: paths.run(provenance=a, k=b, max_iterations=c),
        "limits": lambda a, b, c: paths.run(max_iterations=a, memory_limit=b),
        "load": lambda a, b, c: nesy.load(a),
        "compile": lambda a, b, c: nesy.compile(a, b),
        "mapping": lambda a, b, c: Mapping(a, b, exclusive=c),
        "module": lambda a, b, c: program.module(provenance="exact", inputs=a, outputs=b),
        "relation": lambda a, b, c: paths.relation_types(a),
        "result": lambda a, b, c: paths.run()[a],
        "synthesize": lambda a, b, c: paths.synthesize(a, b),
        "grammar": lambda a, b, c: GRAMMAR.synthesize("g", a, timeout=b, max_candidates=c),
    }


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["run", "run_raw", "limits", "load", "compile", "mapping", "module",
                        "relation", "result", "synthesize", "grammar"]), JUNK, JUNK, JUNK)
def test_api_misuse_raises_only_nesy_errors(paths, program, call, a, b, c):
    try:
        _calls(paths, program)[call](a, b, c)
    except NesyError as err:
        assert str(err)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TENSORS)
def test_module_misuse_raises_only_nesy_errors(program, tensor):
    module = digit_module(program, provenance="exact")
    try:
        out = module(digit=tensor)
    except NesyError:
        return
    assert out.shape == (tensor.shape[0], 19) and bool(((out >= -1e-6) & (out <= 1 + 1e-6)).all())
