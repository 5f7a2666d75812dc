"""Issue 16 item 7: integers are exact (no wrap-around) and f32 values are range-checked.

The oracle is Python's own unbounded ints and `numpy.finfo(float32)`: a result its type
cannot hold has no value (the row yields no fact), as LANGUAGE.md says for integers.
"""
from __future__ import annotations

import numpy as np
import pytest

import nesy
from nesy.errors import DataError

I64_MIN = -2**63
F32_MAX = float(np.finfo(np.float32).max)


def bounds(ty):
    bits = int(ty[1:]) if ty[1:].isdigit() else 64
    return (-2**(bits - 1), 2**(bits - 1) - 1) if ty[0] == "i" else (0, 2**bits - 1)


@pytest.mark.parametrize("ty", ["i8", "i16", "i32", "i64", "isize", "i128"])
def test_abs_of_the_minimum_has_no_value_instead_of_wrapping(ty):
    low, high = bounds(ty)
    inputs = [low, low + 1, -5, 0, 7]
    program = nesy.compile(f"type a({ty})\nrel q(y) = a(x), y == $abs(x)\n")
    got = set(program.run(facts={"a": [(x,) for x in inputs]})["q"].tuples)
    assert got == {(abs(x),) for x in inputs if abs(x) <= high}


def test_abs_in_a_head_expression_does_not_wrap():
    program = nesy.compile("type a(i64)\nrel q($abs(x)) = a(x)\n")
    assert program.run(facts={"a": [(I64_MIN,), (-3,)]})["q"].tuples == [(3,)]


@pytest.mark.parametrize("expr,value,expected", [
    ("x * 2.0", 3e38, set()), ("x / 2.0", 3e38, {float(np.float32(1.5e38))}),
    ("x + x", 1e38, {float(np.float32(2e38))})])
def test_f32_arithmetic_beyond_its_range_has_no_value(expr, value, expected):
    program = nesy.compile(f"type a(f32)\nrel q(y) = a(x), y == {expr}\n")
    got = program.run(facts={"a": [(value,)]})["q"].tuples
    assert {y for (y,) in got} == expected


def test_cast_to_f32_beyond_its_range_has_no_value():
    program = nesy.compile("type a(f64)\nrel q(y) = a(x), y == x as f32\n")
    got = program.run(facts={"a": [(1e300,), (2.0,)]})["q"].tuples
    assert got == [(2.0,)]


def test_f32_input_facts_are_range_checked():
    program = nesy.compile("type a(f32)\n")
    with pytest.raises(DataError, match="outside the range of f32"):
        program.run(facts={"a": [(1e300,)]})
    assert program.run(facts={"a": [(F32_MAX,)]})["a"].tuples == [(F32_MAX,)]


def test_f32_literal_beyond_its_range_is_a_located_error():
    with pytest.raises(nesy.CompileError) as caught:
        nesy.compile("type a(f32)\nrel a(1e300)\n")
    assert "2:7" in str(caught.value)
