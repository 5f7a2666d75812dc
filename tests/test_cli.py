"""The `nesy` command: exit statuses, messages, output formats, and the front end's errors.

Exit status: 0 success, 1 user error (bad program, missing or unreadable file), 2 usage
error (unknown flag or command, missing argument, bad option value). Never a traceback.

Every command below runs as its own `python -m nesy ...` process. To keep the suite fast the
commands are declared up front (COMMANDS) and started side by side once per module by the
`cli` fixture; each test then states what its command must have produced.
"""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from nesy_testing import assert_json_equal, run_cli_parallel

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
    "unsafe-var-under-not": ("rel n(1)\nrel e(1, 2)\nrel p(x) = n(x) and not e(x, y)\n",
                             3, 30, ["y"]),
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
    "disjunction-above-1": ("rel c = {0.7::(0, 1); 0.5::(0, 2)}\n", 1, None, []),
    "query-unknown-relation": ("rel e(1)\nquery nosuch\n", 2, 7, ["nosuch"]),
    "unknown-function": ("rel n(1)\nrel p($nope(x)) = n(x)\n", 2, None, ["nope"]),
    "builtin-arity": ('rel n("a")\nrel p($string_length(x, x)) = n(x)\n', 2, None,
                      ["string_length"]),
    "unknown-type": ("type e(x: int32)\n", 1, 11, ["int32"]),
}
# Conflicts name both places: (program in ERRORS, the two lines that must be mentioned).
CONFLICTS = {"arity-conflict": (1, 2), "type-conflict": (1, 2)}

FILES = {
    "tc.nesy": TC, "tc.scl": TC, "types.nesy": TYPES, "esc.nesy": ESCAPES,
    "tc_query.nesy": TC + "query edge\n", "comma.nesy": 'rel s = {("a,b", 1)}\n',
    "unsafe.nesy": "rel edge(0, 1)\nrel path(a, c) = edge(a, b)\n",
    "bad.nesy": "rel p(a, c) = q(a, b)\nrel q(1, 2)\n",
    "multi_a.nesy": "rel e(0, 1)\nrel p(x, z) = e(x, y)\ntype small(i8)\nrel small(1000)\n",
    "multi_b.nesy": "rel q(1)\nquery nosuch\n",
    "small.nesy": "rel x(1)\n",
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
    "every-error": ["check", "{d}/multi_a.nesy", "{d}/tc.nesy", "{d}/multi_b.nesy"],
    "valid": ["check", "{d}/tc.nesy", "{d}/small.nesy"],
}


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """Write FILES, run every command of COMMANDS side by side; {key: CompletedProcess}."""
    d = tmp_path_factory.mktemp("cli")
    for name, content in FILES.items():
        path = d / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    keys = list(COMMANDS)
    procs = run_cli_parallel([[a.replace("{d}", str(d)) for a in COMMANDS[k]] for k in keys])
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
