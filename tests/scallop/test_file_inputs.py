"""`@file(...)` input relations: Scallop's doc/src/language/loading_csv.md and the programs of
core/tests/integrate/io.rs, on CSV files written by the test (the same contents as Scallop's
core/res/testing/csv)."""
from __future__ import annotations

import pytest

import nesy

from .conftest import codes

PATH = 'rel path(a, b) = edge(a, b) \\/ path(a, c) /\\ edge(c, b)\nquery path\n'
CLOSURE = {(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)}
ENROLLMENT = ("student_id,course_id,semester,year,grade\n1,cse100,fa,2020,a\n"
              "1,cse102,sp,2021,a\n2,cse100,sp,2020,b\n")


def load(tmp_path, program: str, relation: str, provenance: str = "unit"):
    """Run `program` from a file in tmp_path (relative CSV paths are read beside it)."""
    file = tmp_path / "prog.scl"
    file.write_text(program)
    result = nesy.load(file).run(provenance=provenance)
    return {tuple(t): result[relation].prob(t) for t in result[relation]}


@pytest.mark.parametrize("name,text,options", [
    ("edge.csv", "0,1\n1,2\n2,3\n", ""),
    ("edge_with_header.csv", "from,to\n0,1\n1,2\n2,3\n", ", header=true"),
    ("edge_with_deliminator.csv", "0\t1\n1\t2\n2\t3\n", ', deliminator="\\t"'),
    ("edge_with_deliminator_and_header.csv", "from\tto\n0\t1\n1\t2\n2\t3\n",
     ', deliminator="\\t", header=true'),
])
def test_edges_from_csv(tmp_path, name, text, options):
    (tmp_path / name).write_text(text)
    program = f'@file("{name}"{options})\ntype edge(a: i32, b: i32)\n' + PATH
    assert set(load(tmp_path, program, "path")) == CLOSURE


def test_probabilities_from_the_first_column(tmp_path):
    (tmp_path / "p.csv").write_text("0.01,0,1\n0.50,1,2\n0.91,2,3\n")
    got = load(tmp_path, '@file("p.csv", has_probability=true)\ntype edge(a: i32, b: i32)',
               "edge", "minmaxprob")
    assert got == pytest.approx({(0, 1): 0.01, (1, 2): 0.5, (2, 3): 0.91})


def test_keys_and_fields(tmp_path):
    (tmp_path / "student.csv").write_text("id,name,year,gender\n1,alice,2022,female\n"
                                          "2,bob,2023,male\n")
    (tmp_path / "enrollment.csv").write_text(ENROLLMENT)
    got = load(tmp_path, '@file("student.csv", keys="id")\n'
                         "type student(id: String, field: Symbol, value: String)", "student")
    assert set(got) == {("1", "name", "alice"), ("1", "year", "2022"), ("1", "gender", "female"),
                        ("2", "name", "bob"), ("2", "year", "2023"), ("2", "gender", "male")}
    got = load(tmp_path, '@file("student.csv", fields=["id", "name", "year"])\n'
                         "type student(id: String, name: String, year: i32)", "student")
    assert set(got) == {("1", "alice", 2022), ("2", "bob", 2023)}
    got = load(tmp_path, '@file("enrollment.csv", keys=["student_id", "course_id"], '
                         'fields=["grade"])\n'
                         "type enrollment(s: String, c: String, field: Symbol, value: String)",
               "enrollment")
    assert set(got) == {("1", "cse100", "grade", "a"), ("1", "cse102", "grade", "a"),
                        ("2", "cse100", "grade", "b")}


def test_file_errors_are_located(tmp_path):
    (tmp_path / "enrollment.csv").write_text(ENROLLMENT)
    arity = f'@file("{tmp_path}/enrollment.csv", keys=["student_id", "course_id"], ' \
            'fields=["grade"])\ntype enrollment(student_id: String, course_id: String)'
    assert codes(arity) == ["attribute-rejected"]
    assert codes(f'@file("{tmp_path}/missing.csv")\ntype e(i32)') == ["attribute-rejected"]
    bad = tmp_path / "bad.csv"
    bad.write_text("1,x\n")
    with pytest.raises(nesy.CompileError, match="'x' is not a i32"):
        nesy.compile(f'@file("{bad}")\ntype e(i32, i32)')


def test_keyed_rows_need_a_symbol_field_name_and_a_string_value(tmp_path):
    # io.rs io_enrollment_type_error: Scallop's message, located at the declaration
    (tmp_path / "enrollment.csv").write_text(ENROLLMENT)
    head = f'@file("{tmp_path}/enrollment.csv", keys=["student_id", "course_id"], ' \
           'fields=["grade"])\ntype enrollment(student_id: String, course_id: String, '
    with pytest.raises(nesy.CompileError, match="Expect `Symbol` type for field; found `String`"):
        nesy.compile(head + "field: String, value: String)")
    with pytest.raises(nesy.CompileError, match="Expect `String` type for value; found `i32`"):
        nesy.compile(head + "field: Symbol, value: i32)")
