"""The front end never crashes: any text either compiles or raises a located CompileError.

Random text, token soups and mutations of the example programs (tokens deleted, inserted,
swapped, duplicated or replaced) go through `nesy.compile` and `nesy check`. The only
acceptable outcomes are success, or `nesy.CompileError` whose diagnostics each have a
message and a line/column inside the text. Programs that do compile must also run (or
fail with a `nesy.NesyError`). Every diagnostic names its kind with a kebab-case code.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nesy_testing import PROGRAMS, Timeout, assert_span_inside, run_cli, run_cli_in_process, time_limit

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SNIPPETS = [
    "rel edge = {(0, 1), (1, 2)}\nrel path(a, b) = edge(a, b)\n"
    "rel path(a, c) = path(a, b) and edge(b, c)\nquery path\n",
    "type Color = RED | GREEN\ntype obj(id: i32, c: Color)\nrel obj = {(0, RED); (1, GREEN)}\n",
    "rel c = {0.3::(0, 1); 0.7::(0, 2)}\nrel 0.8::alarm() = c(0, 1)\n",
    "rel n(x) = x := count(y: e(y) where z: d(z))\nrel s(t) = t := sum[p](v: sale(p, v))\n",
    "rel best(n) = n := argmax[n](s: score(n, s))\nrel top(n, s) = (n, s) := max[n](s: score(n, s))\n",
    "rel all(b) = b := forall(o: obj(o) implies big(o))\n",
    'rel s($string_concat(a, "x\\n\\"y"), $substring(a, 0, 2)) = w(a) and a != "q"\n',
    "rel f(if x > 0 then x as f64 else 0.0) = n(x) /* block */ // line\n",
    "path(a, c) :- path(a, b), edge(b, c).\nlonely(x) :- node(x), ~edge(x, _).\n",
    "rel r(x) = p(x) or (q(x) and not r2(x))\nrel r2(1)\nrel big(x, y) = size(x, s) and y == s * 2\n",
    "rel ch('c')\nrel b = {true, false}\nrel fl = {0.5, 1e-3, -3}\n",
]
EXAMPLES = [p.read_text(encoding="utf-8") for p in sorted(PROGRAMS.glob("*.nesy"))]
SEEDS = SNIPPETS + EXAMPLES

VOCABULARY = [
    "rel", "type", "query", "and", "or", "not", "~", "implies", "where", "if", "then", "else",
    "as", "count", "sum", "prod", "min", "max", "argmin", "argmax", "exists", "forall",
    "(", ")", "{", "}", "[", "]", ",", ";", ":", "::", ":=", ":-", "=", "==", "!=", "<", "<=",
    ">", ">=", "+", "-", "*", "/", "%", "&&", "||", "!", ".", "|", "$", "_", "$abs",
    "$string_length", "$nope", "x", "y", "edge", "path", "Color", "RED", "i8", "u8", "i32",
    "String", "f64", "bool", "char", "0", "1", "-3", "300", "99999999999999999999999", "0.5",
    "1e-3", "1.5e", "'c'", "''", "'ab'", '"s"', '"', '"unterminated', "/*", "*/", "//", "\n",
    "true", "false", "@", "#", "`", "\\", "\t", "é", "λ", "\u00a0",
]

TOKEN = re.compile(r"""\s+|//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|"""
                   r"""\d+(?:\.\d+)?(?:e-?\d+)?|[A-Za-z_$][A-Za-z0-9_]*|::|:=|:-|==|!=|<=|>=|"""
                   r"""&&|\|\||.""", re.S)


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def check_compile(text: str, name: str = "fuzz.nesy", run: bool = False):
    """Compile `text`: success, or a CompileError whose every diagnostic is located inside
    the text. Anything else fails the test."""
    import nesy

    try:
        with time_limit(20):
            program = nesy.compile(text, name=name)
    except nesy.CompileError as err:
        assert err.diagnostics, "a CompileError carries at least one diagnostic"
        for d in err.diagnostics:
            assert isinstance(d.message, str) and d.message.strip(), d
            assert re.fullmatch(r"[a-z]+(-[a-z]+)*", d.code), d
            if d.span is not None:
                assert_span_inside(text, d.span.line, d.span.column, d.message)
        rendered = str(err)
        first = next((d for d in err.diagnostics if d.span is not None), None)
        if first is not None:
            assert f"{name}:{first.span.line}:{first.span.column}: error" in rendered, rendered
        return None
    if run:
        try:
            with time_limit(5):
                program.run()
        except nesy.NesyError:
            pass
        except Timeout:  # a mutation can write a program that never terminates
            assume(False)
    return program


# ---------------------------------------------------------------------------------------------
# Mutations of valid programs


@st.composite
def mutated_program(draw):
    seed = draw(st.sampled_from(SEEDS))
    toks = tokens(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "insert", "swap", "duplicate", "replace"]))
        if not toks:
            toks = [draw(st.sampled_from(VOCABULARY))]
            continue
        i = draw(st.integers(0, len(toks) - 1))
        if op == "delete":
            del toks[i]
        elif op == "insert":
            toks.insert(i, draw(st.sampled_from(VOCABULARY)))
        elif op == "swap":
            j = draw(st.integers(0, len(toks) - 1))
            toks[i], toks[j] = toks[j], toks[i]
        elif op == "duplicate":
            toks.insert(i, toks[i])
        else:
            toks[i] = draw(st.sampled_from(VOCABULARY))
    return "".join(toks)


def test_tokenizer_round_trips_the_seeds():
    for seed in SEEDS:
        assert "".join(tokens(seed)) == seed


def test_seed_programs_compile():
    """The mutations start from valid programs (else the test below proves little)."""
    import nesy

    for text in EXAMPLES + SNIPPETS[:1]:
        nesy.compile(text)


@SETTINGS
@given(mutated_program())
def test_mutated_programs_compile_or_fail_with_located_errors(text):
    check_compile(text, run=True)


# ---------------------------------------------------------------------------------------------
# Random text


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_unicode_text(text):
    check_compile(text)


@SETTINGS
@given(st.lists(st.sampled_from(VOCABULARY), max_size=40).map(" ".join))
def test_token_soup(text):
    check_compile(text)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.text(alphabet="rel(){}=,;:.ab01 \n\"'/*-+$_<>!~&|[]", max_size=120))
def test_punctuation_heavy_text(text):
    check_compile(text)


@pytest.mark.parametrize("text", [
    "", " ", "\n\n\n", "// only a comment", "/* unclosed block comment", "/* nested /* */ */",
    '"unterminated string', "rel", "rel r(", "rel r(1", "rel r(1)\n\n   rel", "rel = {}",
    "rel r = {(1, 2), (3)}", "rel r = {", "rel r = {;}", "rel r = {0.5::}", "rel 1.5::r(1)",
    "type", "type T = ", "type T = A |", "type r(nosuchtype)", "query", "query 1",
    "rel r(x) = ", "rel r(x) = and", "rel r(x) = x := ", "rel r(x) = x := count(",
    "rel r(x) = x := count(y:)", "rel r(x) = x := foo(y: s(y))", "rel r($)", "rel r($f(",
    "rel r(1) :- ", "r(1) :- .", "r(x) :- s(x)", "\x00", "\ufeffrel r(1)", "rel r(1)\r\nrel s(2)\r\n",
    "rel r(99999999999999999999999999999999999999999)", "rel r('')", "rel r('ab')",
    "rel r(1e999)", "rel r(-)", "rel r(--1)", "rel r(1) rel r(\"a\")", "rel r(x) = r(x)",
    "rel 0.5::r(1) = ", "rel r = {0.9::(1); 0.9::(2)}", "rel r(if)", "rel r(1 as)",
    "rel é(1)", "rel r(1) // trailing comment without newline",
    "(" * 500, "rel r(" + "(" * 300 + "1" + ")" * 300 + ")",
    "rel r(" + " + ".join(["1"] * 300) + ")",
    "rel p(1)\nrel m(x) = p(x) implies not p(x)\n",           # `implies` outside forall
    "rel p(1)\nrel m(x) = p(x) and (p(x) implies p(x))\n",
])
def test_edge_case_text(text):
    check_compile(text)


@pytest.mark.parametrize("text", [
    "/*\n" + "rel r(1)\n" * 40,
    "rel p = {\n/*" + '  ("x", "y"),\n' * 40 + "}\n",
    "rel /*parent = {\n" + '  ("x", "y"),\n' * 40 + "}\n",
], ids=["before-rules", "inside-a-set", "inside-a-declaration"])
def test_unterminated_block_comment_is_reported_quickly(text, tmp_path):
    """A forgotten `*/` is an ordinary syntax error, found in well under a second (under an
    alarm, so that a slow front end fails the test instead of hanging the suite)."""
    path = tmp_path / "comment.nesy"
    path.write_text(text, encoding="utf-8")
    try:
        with time_limit(15):
            proc = run_cli_in_process("check", path)
    except Timeout:
        pytest.fail("nesy check took more than 15 s on an unterminated /* comment")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_compile_error_is_a_nesy_error():
    import nesy

    assert issubclass(nesy.CompileError, nesy.NesyError)
    with pytest.raises(nesy.CompileError) as info:
        nesy.compile("rel r(x) = ", name="bad.nesy")
    assert str(info.value).startswith("bad.nesy:1:")


# ---------------------------------------------------------------------------------------------
# The same through `nesy check`, many files per command: in this process (`nesy.cli.main`, the
# code `python -m nesy` runs), except the random bytes and JSON report, which go through the
# real entry point

HEADER = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): error: .+", re.M)


def mutate(rng, text: str) -> str:
    """The same mutations as `mutated_program`, driven by a seeded `random.Random`."""
    toks = tokens(text)
    for _ in range(rng.randint(1, 4)):
        if not toks:
            toks = [rng.choice(VOCABULARY)]
            continue
        i = rng.randrange(len(toks))
        op = rng.choice(["delete", "insert", "swap", "duplicate", "replace"])
        if op == "delete":
            del toks[i]
        elif op == "insert":
            toks.insert(i, rng.choice(VOCABULARY))
        elif op == "swap":
            j = rng.randrange(len(toks))
            toks[i], toks[j] = toks[j], toks[i]
        elif op == "duplicate":
            toks.insert(i, toks[i])
        else:
            toks[i] = rng.choice(VOCABULARY)
    return "".join(toks)


@pytest.mark.parametrize("batch", range(3))
def test_nesy_check_on_mutated_files_never_crashes(batch, tmp_path):
    import random

    rng = random.Random(batch)
    texts = [mutate(rng, rng.choice(SEEDS)) for _ in range(40)] + SNIPPETS[batch::3]
    files = []
    for i, text in enumerate(texts):
        path = tmp_path / f"m{i}.nesy"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    proc = run_cli_in_process("check", *files)
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output
    assert proc.returncode in (0, 1), output
    by_name = {p.name: t for p, t in zip(files, texts)}
    headers = list(HEADER.finditer(output))
    if proc.returncode == 1:
        assert headers, output
    for h in headers:
        name = Path(h["file"]).name
        assert name in by_name, f"error header names an unknown file: {h.group(0)}"
        assert_span_inside(by_name[name], int(h["line"]), int(h["col"]), h.group(0))


def test_nesy_check_on_random_bytes_never_crashes(tmp_path):
    import random

    rng = random.Random(0)
    files = []
    for i in range(20):
        path = tmp_path / f"b{i}.nesy"
        data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
        if i % 2:  # valid UTF-8 noise half of the time
            data = data.decode("latin-1").encode("utf-8")
        path.write_bytes(data)
        files.append(path)
    proc = run_cli("check", *files)
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output
    assert proc.returncode == 1, output


def test_nesy_check_json_on_mutated_files_locates_every_diagnostic(tmp_path):
    """The machine-readable report holds, for every file that fails, diagnostics with a
    kebab-case code and a location inside that file."""
    import json
    import random

    rng = random.Random(7)
    texts = {f"j{i}.nesy": mutate(rng, rng.choice(SEEDS)) for i in range(30)}
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    proc = run_cli("check", "--format", "json", *(tmp_path / name for name in texts))
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    assert proc.returncode == (1 if report["failed"] else 0)
    failing = {Path(d["file"]).name for d in report["diagnostics"]}
    assert len(failing) == report["failed"] > 0 and report["files"] == len(texts)
    for d in report["diagnostics"]:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", d["code"]) and d["message"], d
        if d["line"] is not None:
            assert_span_inside(texts[Path(d["file"]).name], d["line"], d["column"], d["message"])
