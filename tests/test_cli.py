"""The `nesy` command: exit statuses, messages, output formats, and the front end's errors.

Exit status: 0 success, 1 user error (bad program, missing or unreadable file), 2 usage
error (unknown flag or command, missing argument, bad option value, flags that do not fit),
3 a bug in nesy, 130 interrupted. Never a traceback.

The commands are declared up front (COMMANDS) and run once per module by the `cli` fixture,
through `nesy.cli.main` in this process (the same code as the `nesy` command, without a
second of interpreter start-up per command); each test then states what its command must
have produced. `test_the_entry_point_*` run real `python -m nesy` processes.
"""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from nesy_testing import assert_json_equal, run_cli, run_cli_all

TC = """// transitive closure
rel edge = {(2, 3), (0, 1), (1, 2)}
rel path(a, b) = edge(a, b)
rel path(a, c) = path(a, b) and edge(b, c)
"""
PATHS = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
TC_JSON = {
    "provenance": "unit",
    "relations": {
        "edge": [{"tuple": [0, 1]}, {"tuple": [1, 2]}, {"tuple": [2, 3]}],
        "path": [{"tuple": list(t)} for t in PATHS],
    },
}
TYPES = """
type Color = BLUE | GREEN | RED
rel n = {10, 2, -1, 0}
rel s = {"b", "a", "B", "ab"}
rel mixed = {(2, "x", 'c', true, 0.5, RED), (1, "y", 'd', false, -2.5, BLUE)}
"""
TYPES_JSON = {
    "provenance": "unit",
    "relations": {
        "n": [{"tuple": [-1]}, {"tuple": [0]}, {"tuple": [2]}, {"tuple": [10]}],
        "s": [{"tuple": ["B"]}, {"tuple": ["a"]}, {"tuple": ["ab"]}, {"tuple": ["b"]}],
        "mixed": [{"tuple": [1, "y", "d", False, -2.5, "BLUE"]},
                  {"tuple": [2, "x", "c", True, 0.5, "RED"]}],
    },
}
ESCAPES = r'rel s = {"quote\"d", "new\nline", "tab\tbed", "back\\slash", "ünï"}' + "\n"
EMPTY = {"empty": "", "blank-lines": "\n\n", "comments-only": "   // nothing\n/* at all */\n"}

# Front-end errors: a program, the line (and, where the spec fixes it, the column) of its
# first error, and words the messages must contain. Checked through `nesy check` (all files
# in one command) and through `nesy.compile`.
ERRORS = {
    "syntax-error": ("rel edge = {(0, 1)}\nrel p(a) = edge(a, b) and and edge(b, a)\n",
                     2, 27, []),
    "unclosed-set": ("rel edge = {(0, 1)\nrel p(a) = edge(a, _)\n", None, None, []),
    "unterminated-string": ('rel s("unterminated)\n', 1, None, []),
    "unsafe-head-var": ("rel edge(0, 1)\nrel p(a, c) = edge(a, b)\n", 2, 10, ["c"]),
    "unsafe-var-under-not": ("rel n(1)\nrel e(1, 2)\nrel p(x, y) = n(x) and not e(x, y)\n",
                             3, 33, ["y"]),
    "unsafe-var-in-comparison": ("rel n(1)\nrel p(x) = n(x) and y > 3\n", 2, 21, ["y"]),
    "negation-cycle": ("rel n(1)\nrel p(x) = n(x) and not q(x)\nrel q(x) = n(x) and not p(x)\n",
                       None, None, ["p", "q"]),
    "aggregation-cycle": ("type p(usize)\ntype e(usize)\nrel e(1)\n"
                          "rel p(n) = n := count(x: p(x) and e(x))\n", 4, None, ["p"]),
    "literal-out-of-range": ("type small(i8)\nrel small(300)\n", 2, 11, ["300", "i8"]),
    "negative-unsigned-literal": ("type small(u8)\nrel small(-1)\n", 2, 11, ["-1", "u8"]),
    "arity-conflict": ("rel e(0, 1)\nrel e(2)\n", None, None, ["e"]),
    "type-conflict": ('rel a(1)\nrel a("x")\n', None, None, ["a"]),
    "type-conflict-with-declaration": ('type a(i32)\nrel a("x")\n', 2, None, ["a"]),
    "query-unknown-relation": ("rel e(1)\nquery nosuch\n", 2, 7, ["nosuch"]),
    "unknown-function": ("rel n(1)\nrel p($nope(x)) = n(x)\n", 2, None, ["nope"]),
    "builtin-arity": ('rel n("a")\nrel p($string_length(x, x)) = n(x)\n', 2, None,
                      ["string_length"]),
    "unknown-type": ("type e(x: int32)\n", 1, 11, ["int32"]),
}
# Conflicts name both places: (program in ERRORS, the two lines that must be mentioned).
CONFLICTS = {"arity-conflict": (1, 2), "type-conflict": (1, 2)}
# The kind (diagnostic code) of the first error of each program of ERRORS, and fields it has.
ERROR_KINDS = {
    "syntax-error": ("syntax-error", {"token": "and"}),
    "unclosed-set": ("unexpected-end", {}),
    "unterminated-string": ("unexpected-character", {"character": '"'}),
    "unsafe-head-var": ("unsafe-variable", {"variable": "c", "place": "head"}),
    "unsafe-var-under-not": ("unsafe-variable", {"variable": "y", "place": "not"}),
    "unsafe-var-in-comparison": ("unsafe-variable", {"variable": "y", "place": "condition"}),
    "negation-cycle": ("unstratifiable", {}),
    "aggregation-cycle": ("unstratifiable", {"cycle": ["p", "p"]}),
    "literal-out-of-range": ("literal-out-of-range", {"value": 300, "type": "i8"}),
    "negative-unsigned-literal": ("literal-out-of-range", {"value": -1, "type": "u8"}),
    "arity-conflict": ("arity-mismatch", {"relation": "e", "arity": 1, "expected": 2}),
    "type-conflict": ("type-conflict", {"right_types": ["String"]}),
    "type-conflict-with-declaration": ("type-conflict", {"context": "argument of 'a'"}),
    "query-unknown-relation": ("query-unknown-relation", {"relation": "nosuch"}),
    "unknown-function": ("unknown-function", {"function": "nope"}),
    "builtin-arity": ("function-arity", {"function": "string_length", "arity": 2}),
    "unknown-type": ("unknown-type", {"type": "int32"}),
}
PROOFS = """// two independent facts: e(0, 1) is fact 0, e(1, 2) is fact 1
rel e = {0.5::(0, 1), 0.5::(1, 2)}
rel path(a, b) = e(a, b)
rel path(a, c) = path(a, b) and e(b, c)
rel source(x) = e(x, _) and not e(_, x)
"""
# Proofs of PROOFS by hand, as the facts they use ("~fact" for a negated fact).
PATH_PROOFS = {(0, 1): [["e(0, 1)"]], (0, 2): [["e(0, 1)", "e(1, 2)"]], (1, 2): [["e(1, 2)"]]}
SOURCE_PROOFS = {(0,): [["e(0, 1)"]], (1,): [["~e(0, 1)", "e(1, 2)"]]}
PEOPLE = """type person(name: String, age: i32)
rel person = {("ann, jr", 17), ("bob", 18)}
rel adult(n) = person(n, a) and a >= 18
rel flag = {true}
"""

FILES = {
    "tc.nesy": TC, "tc.scl": TC, "types.nesy": TYPES, "esc.nesy": ESCAPES,
    "tc_query.nesy": TC + "query edge\n", "comma.nesy": 'rel s = {("a,b", 1)}\n',
    "unsafe.nesy": "rel edge(0, 1)\nrel path(a, c) = edge(a, b)\n",
    "bad.nesy": "rel p(a, c) = q(a, b)\nrel q(1, 2)\n",
    "multi_a.nesy": "rel e(0, 1)\nrel p(x, z) = e(x, y)\ntype small(i8)\nrel small(1000)\n",
    "multi_b.nesy": "rel q(1)\nquery nosuch\n",
    "small.nesy": "rel x(1)\n",
    "proofs.nesy": PROOFS, "people.nesy": PEOPLE,
    "one.nesy": 'rel s = {"1", "x y"}\nrel i = {1}\n',
    "binary/model.nesy": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00\x81",
    "adir/keep.txt": "",
    **{f"empty/{key}.nesy": text for key, text in EMPTY.items()},
    **{f"errors/{key}.nesy": case[0] for key, case in ERRORS.items()},
}

USAGE_ERRORS = {
    "no-command": [],
    "unknown-command": ["frobnicate"],
    "unknown-global-flag": ["--bogus"],
    "run-without-file": ["run"],
    "check-without-file": ["check"],
    "unknown-flag": ["run", "{d}/tc.nesy", "--bogus"],
    "bad-format": ["run", "{d}/tc.nesy", "--format", "xml"],
    "flag-without-value": ["run", "{d}/tc.nesy", "--format"],
    "k-not-an-integer": ["run", "{d}/tc.nesy", "--k", "many"],
    "run-two-files": ["run", "{d}/tc.nesy", "{d}/tc.nesy"],
    "unknown-provenance": ["run", "{d}/tc.nesy", "--provenance", "nosuchprov"],
}

COMMANDS = {
    "help": ["--help"],
    "run-help": ["run", "--help"],
    "version": ["--version"],
    **{f"usage/{key}": args for key, args in USAGE_ERRORS.items()},
    "missing/check": ["check", "{d}/missing.nesy"],
    "missing/run": ["run", "{d}/missing.nesy"],
    "directory/check": ["check", "{d}/adir"],
    "directory/run": ["run", "{d}/adir"],
    "binary/check": ["check", "{d}/binary/model.nesy"],
    "binary/run": ["run", "{d}/binary/model.nesy"],
    "empty/check": ["check", *[f"{{d}}/empty/{key}.nesy" for key in EMPTY]],
    **{f"empty/run/{key}": ["run", f"{{d}}/empty/{key}.nesy", "--format", "json"]
       for key in EMPTY},
    "check-missing-and-bad": ["check", "{d}/absent.nesy", "{d}/bad.nesy"],
    "scl": ["run", "{d}/tc.scl", "--format", "json"],
    "json": ["run", "{d}/tc.nesy", "--format", "json"],
    "json-boolean": ["run", "{d}/tc.nesy", "--format", "json", "--provenance", "boolean"],
    "json-types": ["run", "{d}/types.nesy", "--format", "json"],
    "json-escapes": ["run", "{d}/esc.nesy", "--format", "json"],
    "query-flag": ["run", "{d}/tc.nesy", "--format", "json", "--query", "path"],
    "query-unknown": ["run", "{d}/tc.nesy", "--query", "nosuchrel"],
    "query-statement": ["run", "{d}/tc_query.nesy", "--format", "json"],
    "csv": ["run", "{d}/tc.nesy", "--format", "csv", "--query", "path"],
    "csv-comma": ["run", "{d}/comma.nesy", "--format", "csv"],
    "table/default": ["run", "{d}/tc.nesy"],
    "table/table": ["run", "{d}/tc.nesy", "--format", "table"],
    "run-compile-error": ["run", "{d}/unsafe.nesy"],
    "errors": ["check", *[f"{{d}}/errors/{key}.nesy" for key in ERRORS]],
    "errors-json": ["check", "--format", "json", "{d}/missing.nesy",
                    *[f"{{d}}/errors/{key}.nesy" for key in ERRORS]],
    "valid-json": ["check", "--format", "json", "{d}/tc.nesy"],
    "csv-several-relations": ["run", "{d}/tc.nesy", "--format", "csv"],
    "output-dir-with-json": ["run", "{d}/tc.nesy", "--format", "json", "--output-dir", "{d}/x"],
    "output-dir-is-a-file": ["run", "{d}/tc.nesy", "--output-dir", "{d}/small.nesy"],
    "output-dir": ["run", "{d}/people.nesy", "--output-dir", "{d}/people-csv"],
    "json-proofs": ["run", "{d}/proofs.nesy", "--provenance", "proofs", "--format", "json"],
    "csv-proofs": ["run", "{d}/proofs.nesy", "--provenance", "proofs", "--format", "csv",
                   "--query", "source"],
    "csv-topk": ["run", "{d}/proofs.nesy", "--provenance", "topkproofs", "--format", "csv",
                 "--query", "path"],
    "table-proofs": ["run", "{d}/proofs.nesy", "--provenance", "proofs", "--query", "source"],
    "table-strings": ["run", "{d}/one.nesy"],
    "every-error": ["check", "{d}/multi_a.nesy", "{d}/tc.nesy", "{d}/multi_b.nesy"],
    "valid": ["check", "{d}/tc.nesy", "{d}/small.nesy"],
}


@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory):
    """The directory holding FILES (and what the commands write)."""
    d = tmp_path_factory.mktemp("cli")
    for name, content in FILES.items():
        path = d / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def cli(cli_dir):
    """Run every command of COMMANDS side by side; {key: CompletedProcess}."""
    d = cli_dir
    keys = list(COMMANDS)
    procs = run_cli_all([[a.replace("{d}", str(d)) for a in COMMANDS[k]] for k in keys])
    return dict(zip(keys, procs))


def no_traceback(proc):
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


def message_lines(proc) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.strip()]


def has_word(word: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?!\w)", text) is not None


def assert_one_line_message(proc, name: str) -> None:
    """One line explains the problem and names the file (`check` may add a summary line)."""
    naming = [line for line in message_lines(proc) if name in line]
    assert len(naming) == 1, proc.stderr
    assert len(message_lines(proc)) <= 2, proc.stderr


# ---------------------------------------------------------------------------------------------
# Help, version, usage errors


def test_help(cli):
    proc = cli["help"]
    no_traceback(proc)
    assert proc.returncode == 0
    assert "check" in proc.stdout and "run" in proc.stdout


def test_run_help_lists_its_options(cli):
    proc = cli["run-help"]
    assert proc.returncode == 0
    for option in ("--provenance", "--k", "--query", "--format"):
        assert option in proc.stdout


def test_version(cli):
    import nesy

    proc = cli["version"]
    no_traceback(proc)
    assert proc.returncode == 0
    assert nesy.__version__ in proc.stdout + proc.stderr


@pytest.mark.parametrize("key", USAGE_ERRORS)
def test_usage_errors_exit_2(key, cli):
    proc = cli[f"usage/{key}"]
    no_traceback(proc)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip(), "a usage error says what is wrong"


def test_unknown_provenance_is_named(cli):
    assert "nosuchprov" in cli["usage/unknown-provenance"].stderr


# ---------------------------------------------------------------------------------------------
# Files that cannot be read


@pytest.mark.parametrize("command", ["check", "run"])
def test_missing_file(command, cli):
    proc = cli[f"missing/{command}"]
    no_traceback(proc)
    assert proc.returncode == 1
    assert_one_line_message(proc, "missing.nesy")


@pytest.mark.parametrize("command", ["check", "run"])
def test_directory_instead_of_file(command, cli):
    proc = cli[f"directory/{command}"]
    no_traceback(proc)
    assert proc.returncode == 1
    assert_one_line_message(proc, "adir")


@pytest.mark.parametrize("command", ["check", "run"])
def test_binary_file(command, cli):
    proc = cli[f"binary/{command}"]
    no_traceback(proc)
    assert proc.returncode == 1
    assert_one_line_message(proc, "model.nesy")


def test_empty_programs_check(cli):
    proc = cli["empty/check"]
    no_traceback(proc)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("key", EMPTY)
def test_empty_program_runs_to_no_relations(key, cli):
    proc = cli[f"empty/run/{key}"]
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert_json_equal(json.loads(proc.stdout), {"provenance": "unit", "relations": {}})


def test_check_with_a_missing_file_still_checks_the_others(cli):
    proc = cli["check-missing-and-bad"]
    no_traceback(proc)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "absent.nesy" in out
    assert re.search(r"bad\.nesy:1:\d+: error", out), out


def test_scl_extension_is_accepted(cli):
    proc = cli["scl"]
    assert proc.returncode == 0, proc.stderr
    assert_json_equal(json.loads(proc.stdout), TC_JSON)


# ---------------------------------------------------------------------------------------------
# nesy run: output formats


def test_run_json_is_exactly_the_documented_form(cli):
    proc = cli["json"]
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert_json_equal(json.loads(proc.stdout), TC_JSON)


def test_run_boolean_provenance_is_named_in_the_json(cli):
    proc = cli["json-boolean"]
    assert proc.returncode == 0, proc.stderr
    assert_json_equal(json.loads(proc.stdout), dict(TC_JSON, provenance="boolean"))


def test_run_json_sorts_tuples_by_value_and_encodes_every_type(cli):
    proc = cli["json-types"]
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert_json_equal(json.loads(proc.stdout), TYPES_JSON)


def test_run_json_escapes_strings(cli):
    proc = cli["json-escapes"]
    assert proc.returncode == 0, proc.stderr
    got = [item["tuple"][0] for item in json.loads(proc.stdout)["relations"]["s"]]
    assert got == sorted(['quote"d', "new\nline", "tab\tbed", "back\\slash", "ünï"])


def test_run_query_flag_outputs_one_relation(cli):
    proc = cli["query-flag"]
    assert proc.returncode == 0, proc.stderr
    assert_json_equal(json.loads(proc.stdout),
                      {"provenance": "unit", "relations": {"path": TC_JSON["relations"]["path"]}})


def test_run_query_of_unknown_relation_is_an_error_naming_it(cli):
    proc = cli["query-unknown"]
    no_traceback(proc)
    assert proc.returncode in (1, 2), proc.stdout + proc.stderr
    assert "nosuchrel" in proc.stderr


def test_query_statements_choose_the_output(cli):
    proc = cli["query-statement"]
    assert proc.returncode == 0, proc.stderr
    assert_json_equal(json.loads(proc.stdout),
                      {"provenance": "unit", "relations": {"edge": TC_JSON["relations"]["edge"]}})


def test_run_csv(cli):
    """LANGUAGE.md does not fix the CSV layout: here it must parse as CSV and hold one row
    per tuple whose last cells are the tuple's values (a header row or a relation-name
    column is allowed)."""
    proc = cli["csv"]
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    rows = [r for r in csv.reader(io.StringIO(proc.stdout)) if any(c.strip() for c in r)]
    data = [tuple(int(c) for c in r[-2:]) for r in rows
            if len(r) >= 2 and all(c.strip().lstrip("-").isdigit() for c in r[-2:])]
    assert sorted(data) == PATHS
    assert len(rows) - len(data) <= 2, rows


def test_run_csv_quotes_strings_with_commas(cli):
    proc = cli["csv-comma"]
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert any(r[-2:] == ["a,b", "1"] for r in rows), proc.stdout


@pytest.mark.parametrize("key", ["default", "table"])
def test_run_table(key, cli):
    proc = cli[f"table/{key}"]
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "path" in proc.stdout and "edge" in proc.stdout
    for a, b in PATHS:
        assert re.search(rf"(^|\D){a}\D+{b}(\D|$)", proc.stdout, re.M), (a, b, proc.stdout)


def test_run_reports_compile_errors_and_exits_1(cli):
    proc = cli["run-compile-error"]
    no_traceback(proc)
    assert proc.returncode == 1
    assert re.search(r"unsafe\.nesy:2:\d+: error", proc.stdout + proc.stderr)


# ---------------------------------------------------------------------------------------------
# Front-end errors


def first_error(output: str, filename: str):
    """(line, column, message, index of the header line) of the first error of `filename`."""
    lines = output.splitlines()
    pattern = re.compile(rf"(?:^|/){re.escape(filename)}:(\d+):(\d+): error: (.+)")
    for i, text in enumerate(lines):
        m = pattern.search(text)
        if m:
            return int(m[1]), int(m[2]), m[3], i
    raise AssertionError(f"no `{filename}:line:col: error: message` line in:\n{output}")


def errors_of(output: str, filename: str) -> str:
    """The part of `check`'s output about one file: from its first header to the next file's."""
    lines = output.splitlines()
    _, _, _, start = first_error(output, filename)
    end = next((i for i in range(start + 1, len(lines))
                if re.search(r"\.nesy:\d+:\d+: error", lines[i]) and filename not in lines[i]),
               len(lines))
    return "\n".join(lines[start:end])


def test_check_of_the_error_programs_fails(cli):
    proc = cli["errors"]
    no_traceback(proc)
    assert proc.returncode == 1


@pytest.mark.parametrize("key", ERRORS)
def test_check_reports_the_error(key, cli):
    text, line, col, words = ERRORS[key]
    output = cli["errors"].stdout + cli["errors"].stderr
    got_line, got_col, _, _ = first_error(output, f"{key}.nesy")
    if line is not None:
        assert got_line == line, errors_of(output, f"{key}.nesy")
    if col is not None:
        assert got_col == col, errors_of(output, f"{key}.nesy")
    for word in words:
        assert has_word(word, errors_of(output, f"{key}.nesy")), (word, output)


@pytest.mark.parametrize("key", ERRORS)
def test_compile_raises_the_error(key):
    import nesy

    text, line, col, words = ERRORS[key]
    with pytest.raises(nesy.CompileError) as info:
        nesy.compile(text, name="prog.nesy")
    err = info.value
    assert isinstance(err, nesy.NesyError)
    first = err.diagnostics[0]
    if line is not None:
        assert first.span.line == line, str(err)
    if col is not None:
        assert first.span.column == col, str(err)
    rendered = str(err)
    assert f"prog.nesy:{first.span.line}:{first.span.column}: error: " in rendered
    for word in words:
        assert has_word(word, rendered), (word, rendered)


@pytest.mark.parametrize("key", CONFLICTS)
def test_conflicts_show_both_locations(key, cli):
    output = errors_of(cli["errors"].stdout + cli["errors"].stderr, f"{key}.nesy")
    lines = {int(m[1]) for m in re.finditer(rf"{re.escape(key)}\.nesy:(\d+):\d+", output)}
    assert set(CONFLICTS[key]) <= lines, output


@pytest.mark.parametrize("key", ["unsafe-head-var", "literal-out-of-range", "unknown-type"])
def test_error_shows_the_source_line_and_a_caret_under_the_span(key, cli):
    text = ERRORS[key][0]
    output = errors_of(cli["errors"].stdout + cli["errors"].stderr, f"{key}.nesy").splitlines()
    line, col, _, _ = first_error("\n".join(output), f"{key}.nesy")
    src = text.splitlines()[line - 1]
    at = next(i for i, t in enumerate(output) if t.rstrip().endswith(src))
    start = len(output[at].rstrip()) - len(src)
    caret = output[at + 1]
    assert "^" in caret
    assert caret.index("^") - start == col - 1, "\n".join(output)


def test_check_reports_every_error_in_every_file(cli):
    proc = cli["every-error"]
    no_traceback(proc)
    assert proc.returncode == 1
    output = proc.stdout + proc.stderr
    assert re.search(r"multi_a\.nesy:2:\d+: error", output), output
    assert re.search(r"multi_a\.nesy:4:\d+: error", output), output
    assert re.search(r"multi_b\.nesy:2:\d+: error", output), output
    assert "tc.nesy:" not in output


def test_compile_error_collects_every_diagnostic():
    import nesy

    with pytest.raises(nesy.CompileError) as info:
        nesy.compile(FILES["multi_a.nesy"])
    assert sorted(d.span.line for d in info.value.diagnostics) == [2, 4]


def test_check_of_valid_files_exits_0_without_errors(cli):
    proc = cli["valid"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ": error:" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("key", ERRORS)
def test_compile_reports_the_error_kind(key):
    """Each program of ERRORS produces its kind of diagnostic, with the kind's fields."""
    import nesy

    code, fields = ERROR_KINDS[key]
    with pytest.raises(nesy.CompileError) as info:
        nesy.compile(ERRORS[key][0], name="prog.nesy")
    first = info.value.diagnostics[0]
    assert first.code == code, first.render()
    assert {name: first.fields.get(name) for name in fields} == fields, first.fields


def test_check_json_lists_every_diagnostic_with_code_fields_and_location(cli, cli_dir):
    proc = cli["errors-json"]
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["files"] == len(ERRORS) + 1 and report["failed"] == len(ERRORS) + 1
    by_file: dict[str, list] = {}
    for d in report["diagnostics"]:
        by_file.setdefault(d["file"], []).append(d)
    missing = by_file.pop(str(cli_dir / "missing.nesy"))
    assert [(d["code"], d["line"]) for d in missing] == [("unreadable-file", None)]
    for key, (code, fields) in ERROR_KINDS.items():
        first = by_file[str(cli_dir / "errors" / f"{key}.nesy")][0]
        text, line, col, _ = ERRORS[key]
        assert first["code"] == code and first["severity"] == "error", first
        assert {name: first["fields"].get(name) for name in fields} == fields, first
        assert (line is None or first["line"] == line) and (col is None or first["column"] == col)
        assert first["message"] and isinstance(first["notes"], list)


def test_check_json_of_valid_files(cli):
    proc = cli["valid-json"]
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"files": 1, "failed": 0, "diagnostics": []}


# ---------------------------------------------------------------------------------------------
# One error path: `nesy.cli.main` maps every exception to its exit status


def test_help_documents_the_exit_statuses(cli):
    text = cli["help"].stdout
    for status, meaning in (("0", "success"), ("1", "user error"), ("2", "usage error"),
                            ("3", "internal error"), ("130", "interrupted")):
        assert re.search(rf"^\s*{status}\s+{meaning}", text, re.M), text


@pytest.mark.parametrize("key,words", [
    ("csv-several-relations", ["--query", "--output-dir", "edge", "path"]),
    ("output-dir-with-json", ["--output-dir", "json"]),
])
def test_a_handlers_usage_error_reads_like_argparses(key, words, cli):
    """Flags that do not fit together: usage, then `nesy run: error: ...`, exit 2."""
    proc = cli[f"{key}"]
    no_traceback(proc)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("usage: nesy run"), proc.stderr
    error = message_lines(proc)[-1]
    assert error.startswith("nesy run: error: "), proc.stderr
    for word in words:
        assert word in error, error
    assert proc.stdout == ""


def test_output_dir_that_is_a_file_is_a_user_error_naming_it(cli):
    proc = cli["output-dir-is-a-file"]
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    assert_one_line_message(proc, "small.nesy")


def _main_with_handler(monkeypatch, capsys, exception):
    """Run `nesy check x` in-process with a check command that raises `exception`."""
    from nesy import cli as nesy_cli

    def handler(args):
        raise exception

    monkeypatch.setattr(nesy_cli, "cmd_check", handler)
    status = nesy_cli.main(["check", "x.nesy"])
    return status, capsys.readouterr()


@pytest.mark.parametrize("exception,status,words", [
    ("UsageError('--a and --b contradict each other')", 2,
     ["nesy check: error: --a and --b contradict each other", "usage: nesy check"]),
    ("DataError('row 3 has 2 values')", 1, ["error: row 3 has 2 values"]),
    ("FileError('data.csv', 'no such file')", 1, ["error: data.csv: no such file"]),
    ("Interrupted('runs/x holds the last finished epoch')", 130,
     ["runs/x holds the last finished epoch"]),
    ("KeyboardInterrupt()", 130, ["interrupted"]),
    ("InternalError('IR verification failed: rule arity')", 3,
     ["internal error", "IR verification failed", "bug in nesy", "NESY_DEBUG=1"]),
    ("ZeroDivisionError('division by zero')", 3, ["internal error", "bug in nesy"]),
])
def test_main_maps_each_exception_to_its_exit_status(exception, status, words, monkeypatch,
                                                     capsys):
    from nesy import errors

    raised = eval(exception, {**vars(errors), "KeyboardInterrupt": KeyboardInterrupt,
                              "ZeroDivisionError": ZeroDivisionError})
    got, output = _main_with_handler(monkeypatch, capsys, raised)
    assert got == status, output.err
    assert output.out == ""
    for word in words:
        assert word in output.err, output.err
    assert "Traceback" not in output.err


# ---------------------------------------------------------------------------------------------
# Result rendering: proofs in every format, CSV that csv and pandas read as it is


def test_run_json_carries_the_proofs(cli):
    proc = cli["json-proofs"]
    assert proc.returncode == 0, proc.stderr
    relations = json.loads(proc.stdout)["relations"]
    assert {tuple(r["tuple"]): r["proofs"] for r in relations["path"]} == PATH_PROOFS
    assert {tuple(r["tuple"]): r["proofs"] for r in relations["source"]} == SOURCE_PROOFS
    assert all("prob" not in r for r in relations["path"])


def test_result_to_json_carries_the_proofs_too():
    import nesy

    data = json.loads(nesy.compile(PROOFS).run(provenance="proofs").to_json())
    assert {tuple(r["tuple"]): r["proofs"] for r in data["relations"]["source"]} == SOURCE_PROOFS


def test_run_csv_of_proofs_has_a_header_and_a_proofs_column(cli):
    proc = cli["csv-proofs"]
    assert proc.returncode == 0, proc.stderr
    header, *rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert header == ["proofs", "arg1"]
    assert {(int(x),): [proof.split(" & ") for proof in p.split(" | ")] for p, x in rows} == SOURCE_PROOFS


def test_run_csv_of_a_probabilistic_provenance(cli):
    """A prob column; the approximation note goes to stderr, never into the CSV."""
    proc = cli["csv-topk"]
    assert proc.returncode == 0, proc.stderr
    header, *rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert header == ["prob", "arg1", "arg2"]
    assert {(int(a), int(b)): float(p) for p, a, b in rows} == \
        {(0, 1): 0.5, (0, 2): 0.25, (1, 2): 0.5}
    assert "#" not in proc.stdout
    assert "approximate" in proc.stderr and "topkproofs" in proc.stderr


@pytest.mark.parametrize("key", ["csv", "csv-comma", "csv-topk", "csv-proofs"])
def test_run_csv_is_rectangular_with_one_header(key, cli):
    rows = list(csv.reader(io.StringIO(cli[key].stdout)))
    assert rows and len({len(r) for r in rows}) == 1, rows
    assert not any(r[0].startswith("#") for r in rows)


def test_run_csv_loads_with_pandas(cli):
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(io.StringIO(cli["csv"].stdout))
    assert list(frame.columns) == ["arg1", "arg2"]
    assert sorted(map(tuple, frame.values.tolist())) == PATHS
    frame = pandas.read_csv(io.StringIO(cli["csv-topk"].stdout))
    assert list(frame.columns) == ["prob", "arg1", "arg2"]
    assert frame["prob"].tolist() == [0.5, 0.25, 0.5]


def test_run_output_dir_writes_one_csv_per_relation(cli, cli_dir):
    proc = cli["output-dir"]
    assert proc.returncode == 0, proc.stderr
    out = cli_dir / "people-csv"
    assert sorted(p.name for p in out.iterdir()) == ["adult.csv", "flag.csv", "person.csv"]

    def read(name):
        with open(out / name, newline="", encoding="utf-8") as f:
            return list(csv.reader(f))

    assert read("person.csv") == [["name", "age"], ["ann, jr", "17"], ["bob", "18"]]
    assert read("adult.csv") == [["arg1"], ["bob"]]
    assert read("flag.csv") == [["arg1"], ["true"]]


def test_run_output_dir_files_load_with_pandas(cli, cli_dir):
    pandas = pytest.importorskip("pandas")
    assert cli["output-dir"].returncode == 0
    person = pandas.read_csv(cli_dir / "people-csv" / "person.csv")
    assert list(person.columns) == ["name", "age"]
    assert person.values.tolist() == [["ann, jr", 17], ["bob", 18]]
    assert pandas.read_csv(cli_dir / "people-csv" / "flag.csv")["arg1"].tolist() == [True]


def test_table_tells_the_string_1_from_the_integer_1(cli):
    proc = cli["table-strings"]
    assert proc.returncode == 0, proc.stderr
    assert '  ("1")\n' in proc.stdout and '  ("x y")\n' in proc.stdout
    assert "  (1)\n" in proc.stdout


def test_table_shows_the_proofs(cli):
    proc = cli["table-proofs"]
    assert proc.returncode == 0, proc.stderr
    assert "(0)  proofs: e(0, 1)\n" in proc.stdout
    assert "(1)  proofs: ~e(0, 1) & e(1, 2)\n" in proc.stdout


def test_an_empty_relation_has_the_header_of_its_provenance(tmp_path):
    """The columns depend on the provenance, not on whether any tuple was derived."""
    from nesy_testing import run_cli_in_process

    path = tmp_path / "empty.nesy"
    path.write_text("type t(i32)\nrel copy(x) = t(x)\n", encoding="utf-8")
    for provenance, tag in (("unit", []), ("topkproofs", ["prob"]), ("proofs", ["proofs"])):
        proc = run_cli_in_process("run", path, "--format", "csv", "--query", "copy",
                                  "--provenance", provenance)
        assert proc.returncode == 0, proc.stderr
        assert list(csv.reader(io.StringIO(proc.stdout))) == [[*tag, "arg1"]], provenance


def test_the_entry_point_prints_the_version_and_exits_0():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("nesy ")


def test_the_entry_point_reports_a_missing_file_with_exit_status_1(tmp_path):
    proc = run_cli("run", tmp_path / "missing.nesy")
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: {tmp_path / 'missing.nesy'}: no such file"
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------------------------
# The first hour (issue 18 item 5): -o, stdin, --k, flag typos, provenance names, repr, HTML
from nesy_testing import run_cli_in_process as _nesy  # noqa: E402


def test_run_output_file_holds_exactly_what_stdout_would(tmp_path):
    program = tmp_path / "p.nesy"
    program.write_text(PROOFS)
    printed = _nesy("run", program, "--provenance", "exact", "--format", "json")
    written = _nesy("run", program, "--provenance", "exact", "--format", "json", "-o", tmp_path / "r.json")
    assert written.returncode == 0 and written.stdout == ""
    assert (tmp_path / "r.json").read_text() == printed.stdout
    assert json.loads(printed.stdout)["relations"]["path"][1] == {"tuple": [0, 2], "prob": 0.25}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.nesy", "r.json"]  # no temporary left


def test_run_output_into_a_missing_directory_fails_before_the_run(tmp_path):
    program = tmp_path / "p.nesy"
    program.write_text(PROOFS)
    proc = _nesy("run", program, "-o", tmp_path / "absent" / "r.txt")
    assert proc.returncode == 1 and "does not exist" in proc.stderr
    proc = _nesy("run", program, "-o", tmp_path)
    assert proc.returncode == 1 and "is a directory" in proc.stderr


def test_run_dash_reads_the_program_from_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("rel e = {0.25::(0, 1)}\nrel p(x) = e(x, _)\n"))
    proc = _nesy("run", "-", "--provenance", "exact", "--query", "p")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1:] == ["p (1 tuple)", "  0.25::(0)"]


def test_run_dash_reports_errors_against_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("rel p(x) = and\n"))
    proc = _nesy("run", "-")
    assert proc.returncode == 1 and proc.stderr.startswith("<stdin>:1:")


def test_k_with_a_provenance_that_has_no_k_is_a_usage_error():
    proc = _nesy("run", "--example", "reachability", "--provenance", "exact", "--k", "3")
    assert proc.returncode == 2
    assert "--k applies only to a top-k provenance (difftopkproofs, topkproofs)" in proc.stderr


@pytest.mark.parametrize("argv, guess", [
    (["run", "--example", "reachability", "--provenence", "exact"], "--provenance"),
    (["run", "--example", "reachability", "--qeury", "path"], "--query"),
    (["check", "x.nesy", "--formt", "json"], "--format"),
])
def test_a_misspelled_flag_suggests_the_right_one(argv, guess):
    proc = _nesy(*argv)
    assert proc.returncode == 2
    assert f"did you mean {guess}?" in proc.stderr


def test_provenance_help_lists_every_provenance():
    from nesy.provenance import names

    text = " ".join(_nesy("run", "--help").stdout.split())
    assert all(name in text for name in names()) and "exact" in text


def test_repr_says_what_each_object_is():
    import nesy

    program = nesy.compile(PROOFS, "proofs.nesy")
    assert repr(program) == "<nesy.Program proofs.nesy: 3 relations, 2 facts, 3 rules; outputs e, path, source>"
    result = program.run(provenance="exact")
    assert repr(result) == "<nesy.Result provenance exact: e (2 tuples), path (3 tuples), source (2 tuples)>"
    assert repr(result["source"]) == "<nesy.RelationResult source: 2 tuples, with probabilities>"


def test_a_notebook_shows_a_result_as_html_tables():
    import nesy

    html = nesy.compile(PEOPLE).run()._repr_html_()
    assert html.count("<table>") == 3
    assert "<tr><td>&quot;ann, jr&quot;</td><td>17</td></tr>" in html
    assert "<th>name</th><th>age</th>" in html


def test_probs_of_an_empty_relation_is_an_empty_list_under_every_probabilistic_provenance():
    import nesy
    from nesy.provenance import names

    program = nesy.compile("rel e = {0.5::(0, 1)}\nrel loop(x) = e(x, x)\n")
    for provenance in names(probabilistic=True):
        rel = program.run(provenance=provenance)["loop"]
        assert rel.probs == [] and len(rel) == 0, provenance
    assert program.run(provenance="unit")["loop"].probs is None  # no probabilities at all


# ---------------------------------------------------------------------------------------------
# Start-up (issue 18 item 8): --version, --help and plain programs load no heavy library


def test_version_imports_no_library_and_a_plain_program_neither_torch_nor_synthesis(tmp_path):
    import subprocess
    import sys

    program = tmp_path / "p.nesy"
    program.write_text("rel e(0, 1)\n")
    script = ("import sys\nfrom nesy.cli import main\n"
              "for argv in (['--version'], ['--help']):\n"
              "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
              "light = sorted(m for m in ('numpy', 'torch', 'networkx', 'lark', 'tqdm') if m in sys.modules)\n"
              f"main(['run', {str(program)!r}])\n"
              "print(light, 'torch' in sys.modules, 'nesy.synth' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[] False False"


def test_help_lists_every_command_as_the_full_command_line_does():
    """`nesy --help` lists the extension commands from their help alone (nothing imported)."""
    from nesy.cli import build_parser

    def listed(parser):
        action = next(a for a in parser._actions if a.dest == "command")
        return {c.dest: c.help for c in action._choices_actions}

    assert listed(build_parser(listing_only=True)) == listed(build_parser())


def test_a_core_command_line_parses_as_with_every_command_built():
    from nesy.cli import build_parser

    argv = ["run", "x.nesy", "--provenance", "exact", "--format", "json", "-o", "out.json"]
    full, core = vars(build_parser().parse_args(argv)), vars(build_parser(core_only=True).parse_args(argv))
    assert {k: v for k, v in full.items() if k != "command_parser"} == \
        {k: v for k, v in core.items() if k != "command_parser"}
