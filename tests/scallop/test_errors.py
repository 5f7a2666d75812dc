"""Errors where Scallop rejects a program (issue 15, item 4)."""
from __future__ import annotations

from .conftest import codes, run


def test_a_relation_read_but_never_defined_or_declared_is_an_error():
    # the rule must not silently yield nothing
    assert codes("rel r(y) = ranges(0, 5, y)") == ["undefined-relation"]
    assert codes("rel p = {1}\nrel r(y) = p(y), q(y)") == ["undefined-relation"]


def test_each_undefined_relation_is_reported_once():
    assert codes("rel r(y) = q(y)\nrel s(y) = q(y), r(y)") == ["undefined-relation"]


def test_a_declared_input_relation_is_accepted_and_empty():
    assert run("type q(i32)\nrel r(y) = q(y)", "r") == set()


def test_a_close_name_is_still_reported_as_a_typo():
    assert codes("rel edge = {(1, 2)}\nrel p(a) = edg(a, _)") == ["unknown-relation"]


def test_undefined_relation_in_negation_and_aggregation():
    assert codes("rel p = {1}\nrel r(x) = p(x), not q(x)") == ["undefined-relation"]
    assert codes("rel n(c) = c := count(x: q(x))") == ["undefined-relation"]


def test_casts_scallop_rejects_are_type_errors():
    # Scallop's ValueType::can_type_cast: only bool -> bool, and no float or String -> char
    assert codes('rel c("true" as bool)') == ["type-conflict"]
    assert codes("rel f = {1.5}\nrel c(x as char) = f(x)") == ["type-conflict"]
    assert codes('rel c("a" as char)') == ["type-conflict"]
    assert codes("rel c(1 as bool)") == ["type-conflict"]


def test_casts_scallop_accepts_still_work():
    program = '''
        rel c('a' as f32, 'a' as String, "42" as i32, 2.9 as i32, true as bool, 3 as String)
    '''
    assert run(program, "c") == {(97.0, "a", 42, 2, True, "3")}


def test_unknown_aggregator_is_reported_as_unknown_in_every_form():
    for program in ["rel p = {1}\nrel n(c) = c = cnt(x: p(x))",
                    "rel p = {1}\nrel n(c) = c := cnt(x: p(x))",
                    "rel p = {1}\nrel n = cnt(x: p(x))"]:
        assert codes(program) == ["unknown-aggregator"]
