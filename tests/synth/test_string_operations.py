"""BUSTLE's 22 spreadsheet operations, called through the executor's registry.

Expected values are worked out by hand from spreadsheet semantics: positions are 1-based and
an error means "no value" (`apply` marks the row invalid, the scalar raises `NoValue`).
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nesy.builtins import NoValue
from nesy.synth.domains import strings

functions = strings.DOMAIN.functions

ERROR = NoValue


def call(name, *args):
    """Run one operation through the registry's scalar entry point."""
    return functions.lookup(name).scalar(*args)


CASES = [
    ("add", (2, 3), 5),
    ("add", (-4, 1), -3),
    ("minus", (2, 5), -3),
    ("concatenate", ("ab", "cd"), "abcd"),
    ("concatenate", ("", ""), ""),
    ("find", ("b", "abcb"), 2),
    ("find", ("", "abc"), 1),
    ("find", ("", ""), 1),
    ("find", ("z", "abc"), ERROR),
    ("find", ("b", "abcb", 3), 4),
    ("find", ("b", "abcb", 4), 4),
    ("find", ("b", "abcb", 5), ERROR),  # start past the end
    ("find", ("b", "abcb", 0), ERROR),  # positions are 1-based
    ("find", ("", "", 1), ERROR),  # an explicit start must be inside the text
    ("left", ("hello", 2), "he"),
    ("left", ("hello", 0), ""),
    ("left", ("hello", 9), "hello"),
    ("left", ("hello", -1), ERROR),
    ("right", ("hello", 2), "lo"),
    ("right", ("hello", 0), ""),
    ("right", ("hello", 9), "hello"),
    ("right", ("hello", -1), ERROR),
    ("mid", ("hello", 2, 3), "ell"),
    ("mid", ("hello", 4, 10), "lo"),
    ("mid", ("hello", 9, 1), ""),
    ("mid", ("hello", 0, 1), ERROR),
    ("mid", ("hello", 1, -1), ERROR),
    ("len", ("hello",), 5),
    ("len", ("",), 0),
    ("replace", ("abcdef", 2, 3, "X"), "aXef"),
    ("replace", ("abc", 1, 0, "X"), "Xabc"),
    ("replace", ("abc", 5, 1, "X"), "abcX"),
    ("replace", ("abc", 0, 1, "X"), ERROR),
    ("replace", ("abc", 1, -1, "X"), ERROR),
    ("trim", ("  a   b  c ",), "a b c"),
    ("trim", ("\ta\t",), "\ta\t"),  # only spaces are trimmed
    ("lower", ("AbC",), "abc"),
    ("upper", ("AbC",), "ABC"),
    ("proper", ("hELLO wORLD",), "Hello World"),
    ("proper", ("o'neil 2nd-place",), "O'Neil 2Nd-Place"),  # a letter after a non-letter
    ("rept", ("ab", 3), "ababab"),
    ("rept", ("ab", 0), ""),
    ("rept", ("ab", 50), "ab" * 50),  # exactly 100 characters is allowed
    ("rept", ("ab", 51), ERROR),  # 102 characters is not
    ("rept", ("ab", -1), ERROR),
    ("substitute", ("a-b-c", "-", "+"), "a+b+c"),
    ("substitute", ("abc", "", "+"), "abc"),
    ("substitute", ("a-b-c", "-", "+", 2), "a-b+c"),
    ("substitute", ("a-b-c", "-", "+", 0), "a+b+c"),
    ("substitute", ("a-b-c", "-", "+", 3), "a-b-c"),
    ("substitute", ("aaa", "aa", "X", 2), "aX"),  # occurrences may overlap
    ("substitute", ("a-b", "-", "+", -1), ERROR),
    ("to_text", (42,), "42"),
    ("to_text", (-7,), "-7"),
    ("if", (True, "yes", "no"), "yes"),
    ("if", (False, "yes", "no"), "no"),
    ("exact", ("a", "a"), True),
    ("exact", ("a", "A"), False),
    ("gt", (3, 2), True),
    ("gt", (2, 2), False),
    ("gte", (2, 2), True),
    ("gte", (1, 2), False),
]


@pytest.mark.parametrize("name, args, expected", CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_operation_follows_spreadsheet_semantics(name, args, expected):
    if expected is ERROR:
        with pytest.raises(NoValue):
            call(name, *args)
    else:
        result = call(name, *args)
        assert result == expected and type(result) is type(expected)


def test_all_22_operations_are_registered():
    assert len(strings.OPERATIONS) == 22
    for name, args in strings.OPERATIONS:
        assert functions.lookup(name).signature.accepts_arity(len(args)), name


def column(values) -> np.ndarray:
    values = list(values)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@pytest.mark.parametrize("name, args, expected", CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_bulk_application_marks_errors_as_no_value(name, args, expected):
    values, valid = functions.apply(name, [column([value, value]) for value in args])
    assert valid.tolist() == [expected is not ERROR] * 2
    if expected is not ERROR:
        assert values.tolist() == [expected, expected]


texts = st.text(alphabet="ab -.", max_size=6)
numbers = st.integers(min_value=-3, max_value=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(texts, texts, texts, numbers, numbers), min_size=1, max_size=5))
def test_bulk_and_scalar_application_agree(rows):
    """`apply` over many rows gives exactly what the scalar function gives row by row."""
    for name, kinds in strings.OPERATIONS:
        if "B" in kinds:
            continue
        slots = {"S": iter((0, 1, 2)), "I": iter((3, 4))}
        positions = [next(slots[kind]) for kind in kinds]
        values, valid = functions.apply(name, [column(row[p] for row in rows) for p in positions])
        for row, value, ok in zip(rows, values.tolist(), valid.tolist()):
            try:
                expected = call(name, *(row[p] for p in positions))
            except NoValue:
                assert not ok, (name, row)
            else:
                assert ok and value == expected, (name, row)
