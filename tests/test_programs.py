"""Every example program in programs/ runs and produces exactly programs/expected/<name>.json.

The expected files were computed independently of nesy (by hand and with plain Python), in
the exact JSON form of `nesy run --format json` under the unit provenance. A new program
without an expected file fails here, as does an expected file without its program.

Also here: the Python API's result interface, specified on small programs.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nesy_testing import (EXPECTED, PROGRAMS, assert_json_equal, compile_program, relation_set,
                      relations_from_json, result_json, run_cli_all, run_cli_in_process)

PROGRAM_FILES = sorted([*PROGRAMS.glob("*.nesy"), *PROGRAMS.glob("*.scl")])


def expected_for(path: Path) -> dict:
    expected = EXPECTED / f"{path.stem}.json"
    assert expected.is_file(), (
        f"{path.name} has no expected output: write {expected.relative_to(PROGRAMS.parent)} "
        "(computed independently of nesy)")
    return json.loads(expected.read_text(encoding="utf-8"))


def test_there_are_example_programs():
    assert len(PROGRAM_FILES) >= 10


def test_every_expected_file_has_its_program():
    stems = {p.stem for p in PROGRAM_FILES}
    orphans = sorted(p.name for p in EXPECTED.glob("*.json") if p.stem not in stems)
    assert not orphans, f"expected files without a program: {orphans}"


@pytest.mark.parametrize("path", PROGRAM_FILES, ids=lambda p: p.name)
def test_program_is_a_readable_example(path):
    """Each example is short and opens with a comment saying what it shows."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert 5 <= len(lines) <= 60, f"{path.name}: {len(lines)} lines"
    assert lines[0].startswith("//") or lines[0].startswith("/*"), (
        f"{path.name} must open with a header comment")


@pytest.fixture(scope="module")
def cli_runs():
    """`nesy run FILE --format json` for every program (side by side, one process each)."""
    procs = run_cli_all([["run", path, "--format", "json"] for path in PROGRAM_FILES])
    return dict(zip(PROGRAM_FILES, procs))


@pytest.mark.parametrize("path", PROGRAM_FILES, ids=lambda p: p.name)
def test_program_cli_json(path, cli_runs):
    expected = expected_for(path)
    proc = cli_runs[path]
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stderr}"
    got = json.loads(proc.stdout)
    assert_json_equal(got, expected)


@pytest.mark.parametrize("path", PROGRAM_FILES, ids=lambda p: p.name)
def test_program_api(path):
    import nesy

    expected = expected_for(path)
    result = nesy.load(path).run(provenance="unit")
    assert_json_equal(result_json(result), expected)
    exp_rel = relations_from_json(expected)
    assert sorted(result.relations) == sorted(exp_rel)
    for name, tuples in exp_rel.items():
        assert len(result[name]) == len(tuples), name
        assert len(result[name].tuples) == len(tuples), name


def test_check_accepts_every_program():
    proc = run_cli_in_process("check", *PROGRAM_FILES)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ": error:" not in proc.stdout + proc.stderr


# ---------------------------------------------------------------------------------------------
# The result interface of the Python API (LANGUAGE.md "Running it")

TC = """
rel edge = {(0, 1), (1, 2), (2, 3)}
rel path(a, b) = edge(a, b)
rel path(a, c) = path(a, b) and edge(b, c)
"""
TC_PATHS = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]


def test_result_relation_tuples_are_a_sorted_list_of_tuples():
    result = compile_program(TC).run()
    tuples = result["path"].tuples
    assert isinstance(tuples, list)
    assert all(type(t) is tuple for t in tuples)
    assert tuples == TC_PATHS


def test_result_relation_is_iterable_sized_and_supports_in():
    path = compile_program(TC).run()["path"]
    assert set(path) == set(TC_PATHS)
    assert len(path) == 6
    assert (0, 3) in path
    assert (3, 0) not in path


def test_result_lists_every_defined_relation_without_query():
    result = compile_program(TC).run()
    assert sorted(result.relations) == ["edge", "path"]


def test_query_statement_limits_the_output():
    result = compile_program(TC + "\nquery path\n").run()
    assert list(result.relations) == ["path"]
    assert relation_set(result, "path") == set(TC_PATHS)


def test_run_query_argument_limits_the_output():
    result = compile_program(TC).run(query="edge")
    assert list(result.relations) == ["edge"]
    assert relation_set(result, "edge") == {(0, 1), (1, 2), (2, 3)}


def test_query_with_constant_outputs_only_matching_tuples():
    """`query path(0, x)` outputs the tuples of path that match; LANGUAGE.md does not name
    the output, so this only requires that it is the one output relation."""
    result = compile_program(TC + "\nquery path(0, x)\n").run()
    assert len(result.relations) == 1
    (name,) = result.relations
    assert relation_set(result, name) == {(0, 1), (0, 2), (0, 3)}


def test_query_with_a_repeated_variable_outputs_tuples_with_equal_columns():
    result = compile_program("rel e = {(1, 1), (1, 2), (2, 2), (3, 1)}\nquery e(x, x)\n").run()
    assert relation_set(result, "e") == {(1, 1), (2, 2)}


def test_several_query_patterns_of_one_relation_output_their_union():
    result = compile_program(TC + "\nquery path(0, x)\nquery path(x, 3)\n").run()
    assert relation_set(result, "path") == {(0, 1), (0, 2), (0, 3), (1, 3), (2, 3)}


def test_query_patterns_match_typed_constants():
    result = compile_program('type Color = RED | BLUE\nrel c = {("a", RED), ("b", BLUE)}\n'
                             'query c(_, BLUE)\n').run()
    assert relation_set(result, "c") == {("b", "BLUE")}


def test_run_facts_are_input_to_the_rules():
    program = compile_program("""
        type edge(i32, i32)
        rel path(a, b) = edge(a, b)
        rel path(a, c) = path(a, b) and edge(b, c)
    """)
    result = program.run(facts={"edge": [(0, 1), (1, 2), (5, 5)]})
    assert relation_set(result, "path") == {(0, 1), (1, 2), (0, 2), (5, 5)}


def test_run_facts_add_to_the_facts_of_the_program():
    result = compile_program(TC).run(facts={"edge": [(3, 4)]})
    assert relation_set(result, "edge") == {(0, 1), (1, 2), (2, 3), (3, 4)}
    assert (0, 4) in result["path"]


def test_runs_of_one_program_are_independent():
    program = compile_program("type edge(i32, i32)\nrel path(a, b) = edge(a, b)\n"
                              "rel path(a, c) = path(a, b) and edge(b, c)\n")
    first = program.run(facts={"edge": [(0, 1), (1, 2)]})
    second = program.run(facts={"edge": [(7, 8)]})
    third = program.run()
    assert relation_set(first, "path") == {(0, 1), (1, 2), (0, 2)}
    assert relation_set(second, "path") == {(7, 8)}
    assert relation_set(third, "path") == set()


def test_run_facts_for_a_one_column_relation_accept_tuples():
    program = compile_program("type node(i32)\nrel twice(x * 2) = node(x)\n")
    result = program.run(facts={"node": [(1,), (4,)]})
    assert relation_set(result, "twice") == {(2,), (8,)}


def test_result_values_have_python_types():
    result = compile_program("""
        rel r = {(1, "one", 0.5, true, 'c')}
    """).run()
    (t,) = result["r"].tuples
    assert t == (1, "one", 0.5, True, "c")
    assert [type(v) for v in t] == [int, str, float, bool, str]


@pytest.mark.parametrize("facts", [
    {"edge": [(0, 1, 2)]},          # wrong arity
    {"edge": [("a", "b")]},         # wrong type
    {"no_such_relation": [(1,)]},   # unknown relation
])
def test_bad_input_facts_raise_a_nesy_error(facts):
    import nesy

    program = compile_program("type edge(i32, i32)\nrel path(a, b) = edge(a, b)\n")
    with pytest.raises(nesy.NesyError):
        program.run(facts=facts)


def test_unknown_provenance_raises_a_nesy_error():
    import nesy

    with pytest.raises(nesy.NesyError):
        compile_program(TC).run(provenance="no_such_provenance")


def test_boolean_is_the_same_as_unit():
    a = compile_program(TC).run(provenance="unit")
    b = compile_program(TC).run(provenance="boolean")
    assert a["path"].tuples == b["path"].tuples == TC_PATHS
    assert result_json(b)["provenance"] == "boolean"


def test_to_json_has_exactly_the_documented_shape():
    data = result_json(compile_program(TC).run())
    assert_json_equal(data, {
        "provenance": "unit",
        "relations": {
            "edge": [{"tuple": [0, 1]}, {"tuple": [1, 2]}, {"tuple": [2, 3]}],
            "path": [{"tuple": list(t)} for t in TC_PATHS],
        },
    })


# ---------------------------------------------------------------------------------------------
# The constructs of LANGUAGE.md, one small program each, with the relation it must produce
# (unit provenance: probabilities are ignored, every fact holds).

SPEC = [
    pytest.param("rel name = {\"alice\", \"bob\"}", "name", {("alice",), ("bob",)},
                 id="one-column-set"),
    pytest.param("rel edge(0, 1)\nrel edge = {(1, 2), (2, 3)}", "edge", {(0, 1), (1, 2), (2, 3)},
                 id="fact-and-set"),
    pytest.param("rel 0.9::edge(3, 4)\nrel edge = {0.9::(4, 5), 0.5::(5, 6)}", "edge",
                 {(3, 4), (4, 5), (5, 6)}, id="probabilistic-facts"),
    pytest.param("type Color = RED | GREEN | BLUE\nrel color = {0.7::(0, RED); 0.2::(0, GREEN)}\n"
                 "rel red(o) = color(o, RED)", "red", {(0,)}, id="annotated-disjunction"),
    pytest.param("rel earthquake()\nrel 0.8::alarm() = earthquake()", "alarm", {()},
                 id="zero-arity-probabilistic-rule"),
    pytest.param("rel earthquake()\nrel alarm() = not earthquake()", "alarm", set(),
                 id="zero-arity-negation"),
    pytest.param("rel digit = {(0, 1), (0, 2), (1, 3)}\n"
                 "rel sum_2(a + b) = digit(0, a) and digit(1, b)", "sum_2", {(4,), (5,)},
                 id="head-expression"),
    pytest.param("rel node = {0, 1, 2}\nrel edge = {(0, 1)}\n"
                 "rel lonely(x) = node(x) and not edge(x, _) and ~edge(_, x)", "lonely", {(2,)},
                 id="not-and-tilde"),
    pytest.param("type person(name: String, age: i32)\n"
                 "rel person = {(\"ann\", 17), (\"bob\", 18), (\"cy\", 40)}\n"
                 "rel adult(n) = person(n, a) and a >= 18", "adult", {("bob",), ("cy",)},
                 id="named-fields-comparison"),
    pytest.param("rel p = {1, 2, 3}\nrel q = {3, 4}\nrel r = {4}\n"
                 "rel either(x) = p(x) or (q(x) and not r(x))", "either", {(1,), (2,), (3,)},
                 id="or-with-negation"),
    pytest.param("rel size = {(\"a\", 2), (\"b\", 5)}\n"
                 "rel big(x, y) = size(x, s) and y == s * 2", "big", {("a", 4), ("b", 10)},
                 id="equation-binds"),
    pytest.param("rel n = {1, 2, 3, 4, 7}\nrel r(x) = n(x) and (x > 1 && x < 4 || x == 7) "
                 "and !(x == 2)", "r", {(3,), (7,)}, id="boolean-operators"),
    pytest.param("rel e = {(1, 2), (2, 3)}\npath(a, b) :- e(a, b).\n"
                 "path(a, c) :- path(a, b), e(b, c).", "path", {(1, 2), (2, 3), (1, 3)},
                 id="horn-form"),
    pytest.param("rel w = {0.5, 1e-3, 2.0}\nrel half(x / 2.0) = w(x)", "half",
                 {(0.25,), (0.0005,), (1.0,)}, id="floats"),
    pytest.param("rel s = {\"a\\\"b\\n\"}\nrel c('x')\nrel both(t, u) = s(t) and c(u)", "both",
                 {("a\"b\n", "x")}, id="string-escapes-and-chars"),
    pytest.param("rel b = {true, false}\nrel t(x) = b(x) and x == true", "t", {(True,)},
                 id="booleans"),
    pytest.param("rel r(1) /* block\ncomment */ // line comment\nrel r(2)", "r", {(1,), (2,)},
                 id="comments"),
    pytest.param("rel n = {5, 6}\nrel v(x, if x % 2 == 0 then \"even\" else \"odd\") = n(x)", "v",
                 {(5, "odd"), (6, "even")}, id="if-then-else"),
    pytest.param("rel n = {3}\nrel f(x as f64, (x as f64) / 2.0) = n(x)", "f", {(3.0, 1.5)},
                 id="cast-to-float"),
    pytest.param("rel s = {\"b\", \"a\", \"c\"}\nrel lt(x, y) = s(x) and s(y) and x < y", "lt",
                 {("a", "b"), ("a", "c"), ("b", "c")}, id="string-comparison"),
    pytest.param("rel e = {(1, 2), (2, 2)}\nrel self(a) = e(a, a)", "self", {(2,)},
                 id="repeated-variable"),
]


@pytest.mark.parametrize("text,relation,expected", SPEC)
def test_language_construct(text, relation, expected):
    result = compile_program(text).run()
    assert relation_set(result, relation) == expected
