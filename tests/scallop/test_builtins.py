"""Scallop's built-in functions (core/src/common/foreign_functions) against Python's `math`
as the oracle, with Scallop's partiality: no value where Scallop returns none."""
from __future__ import annotations

import math

import pytest

from .conftest import codes, run

FLOATS = [-2.5, -0.5, 0.0, 0.25, 4.0]
FACTS = "rel f = {" + ", ".join(map(str, FLOATS)) + "}\nrel i = {-3, 0, 7}\n"


def column(call: str, source: str = "f") -> dict:
    rows = run(FACTS + f"rel out(x, {call}) = {source}(x)", "out")
    return dict(rows)


@pytest.mark.parametrize("name, oracle, defined", [
    ("exp", math.exp, lambda x: True),
    ("exp2", lambda x: 2.0 ** x, lambda x: True),
    ("log", math.log, lambda x: x > 0),
    ("log2", math.log2, lambda x: x > 0),
    ("acos", math.acos, lambda x: -1 <= x <= 1),
    ("asin", math.asin, lambda x: -1 <= x <= 1),
    ("atan", math.atan, lambda x: True),
    ("sin", math.sin, lambda x: True),
    ("cos", math.cos, lambda x: True),
    ("tan", math.tan, lambda x: True),
    ("ceil", math.ceil, lambda x: True),
    ("floor", math.floor, lambda x: True),
])
def test_unary_float_functions(name, oracle, defined):
    got = column(f"${name}(x)")
    expected = {x: oracle(x) for x in FLOATS if defined(x)}
    assert got.keys() == expected.keys()
    for x, v in expected.items():
        assert got[x] == pytest.approx(v)


def test_sign_keeps_the_type():
    assert column("$sign(x)") == {-2.5: -1.0, -0.5: -1.0, 0.0: 0.0, 0.25: 1.0, 4.0: 1.0}
    assert column("$sign(x)", "i") == {-3: -1, 0: 0, 7: 1}


def test_ceil_and_floor_of_integers_are_the_identity():
    assert column("$ceil(x)", "i") == {-3: -3, 0: 0, 7: 7} == column("$floor(x)", "i")


def test_pow_is_exact_and_overflow_has_no_value():
    assert column("$pow(x, 3)", "i") == {-3: -27, 0: 0, 7: 343}
    assert column("$pow(x, 40)", "i") == {0: 0}  # (-3)^40 and 7^40 do not fit i32


def test_powf_and_atan2():
    assert column("$powf(x, 0.5)") == {x: pytest.approx(math.sqrt(x)) for x in FLOATS if x >= 0}
    got = column("$atan2(x, -1.0)")
    assert got == {x: pytest.approx(math.atan2(x, -1.0)) for x in FLOATS}


def test_hash_is_a_function_of_its_arguments():
    program = '''
        rel v = {(1, "a"), (2, "a"), (1, "b")}
        rel h(x, s, $hash(x, s)) = v(x, s)
        rel same(b) = b == ($hash(1, "a") == $hash(1, "a")), b == true
        rel distinct(n) = n := count(k: h(_, _, k))
    '''
    assert run(program, "same") == {(True,)}
    assert run(program, "distinct") == {(3,)}
    assert all(0 <= k < 2 ** 64 for _, _, k in run(program, "h"))


def test_hash_is_the_number_scallop_computes():
    # core/tests/integrate/ff.rs: ff_hash_1, ff_hash_2 (Rust's SipHash-1-3 over the bytes
    # Rust's Hash writes for two i32 values)
    assert run("rel result(x) = x == $hash(1, 3)", "result") == {(7198375873285174811,)}
    assert run("rel result($hash(1, 3))", "result") == {(7198375873285174811,)}


def test_string_plus_concatenates():
    program = 'rel s = {"ab", "x"}\nrel t(a + "-" + b) = s(a), s(b), a != b'
    assert run(program, "t") == {("ab-x",), ("x-ab",)}


def test_minus_on_strings_is_still_a_type_error():
    assert codes('rel s = {"ab"}\nrel t(a - a) = s(a)') == ["type-conflict"]


def test_log_argument_must_be_a_float():
    assert "type-conflict" in codes('rel s = {"ab"}\nrel t($log(a)) = s(a)')


def test_string_replace_replaces_every_occurrence():
    program = 'rel s = {"abcab"}\nrel t($string_replace(x, "ab", "-")) = s(x)'
    assert run(program, "t") == {("-c-",)}
