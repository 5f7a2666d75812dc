"""How many of Scallop's own test programs nesy runs unchanged, and with Scallop's answer.

Reads the Rust integration tests of a Scallop checkout (core/tests/integrate/*.rs), takes
every program (each `r#"..."#` string; a shared fragment that tests paste in front of
their own text with `format!` is part of those programs, not one of its own) and the
expectation it is passed to, and for each:

- compiles it with nesy (counted: compiles / rejected, by first diagnostic code);
- where the test gives the expected relation(s) under Scallop's default (unit) provenance
  (`expect_interpret_result`, `expect_interpret_multi_result`, `expect_interpret_empty_result`)
  or under a probability provenance (`expect_interpret_result_with_tag` with minmaxprob,
  addmultprob or topkproofs), runs it and compares (floats to 4 decimals, probabilities to
  1e-3); a relation that equals Scallop's once enum values are read as their variants'
  indices is counted apart ("enum-names": nesy prints the name, Scallop the usize);
- where the test expects a compile failure (`expect_front_compile_failure`,
  `expect_compile_failure`), checks that nesy rejects it.

Usage:  python tools/scallop_compat.py SCALLOP_REPO [--json OUT] [--verbose]
SCALLOP_REPO is a work tree or a bare git directory (files read with `git show HEAD:...`).
Exits 0; the figures are printed (they measure compatibility, they are not a pass/fail gate).
"""
from __future__ import annotations

import argparse
import ast
import io
import json
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

TIMEOUT_S = 10
#: Where Scallop's `core` folder is (its test CSV files under res/), set by `main`.
MANIFEST_DIR = "core"
PROVENANCES = {"MinMaxProb": "minmaxprob", "AddMultProb": "addmultprob",
               "TopKProofs": "topkproofs"}


def read_tests(repo: Path) -> dict[str, str]:
    """file name -> text of core/tests/integrate/*.rs; sets MANIFEST_DIR to a folder holding
    Scallop's core/res test files (extracted to a temporary folder from a bare repository)."""
    global MANIFEST_DIR
    folder = repo / "core" / "tests" / "integrate"
    if folder.is_dir():
        MANIFEST_DIR = str((repo / "core").resolve())
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.rs"))}
    import tarfile
    import tempfile

    import atexit
    import shutil

    MANIFEST_DIR = tempfile.mkdtemp(prefix="scallop-core-")
    atexit.register(shutil.rmtree, MANIFEST_DIR, True)
    archive = subprocess.run(["git", "--git-dir", str(repo), "archive", "HEAD", "core/res"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(MANIFEST_DIR, filter="data")
    MANIFEST_DIR = str(Path(MANIFEST_DIR) / "core")
    names = subprocess.run(["git", "--git-dir", str(repo), "ls-tree", "--name-only", "HEAD",
                            "core/tests/integrate/"], capture_output=True, text=True,
                           check=True).stdout.split()
    return {Path(n).name: subprocess.run(["git", "--git-dir", str(repo), "show", f"HEAD:{n}"],
                                         capture_output=True, text=True, check=True).stdout
            for n in names if n.endswith(".rs")}


_FRAGMENT = re.compile(r'const (\w+): &\'static str = r#"(.*?)"#;', flags=re.S)
_FORMATTED = re.compile(r'format!\(\s*"\{(\w+)\}\\n\{\}",\s*$')


def cases(text: str):
    """(expectation function, program, the call's text after the program, the text before)
    per program. Shared fragments (`const RE_PROGRAM: &'static str = r#"..."#`) are not
    programs of their own: a test's `format!("{RE_PROGRAM}\n{}", r#"..."#)` is the fragment
    followed by the test's text."""
    fragments = {m.group(1): m.group(2) for m in _FRAGMENT.finditer(text)}
    fragment_spans = {m.start(2) for m in _FRAGMENT.finditer(text)}
    for m in re.finditer(r'r#"(.*?)"#', text, flags=re.S):
        if m.start(1) in fragment_spans:
            continue
        before = text[:m.start()]
        calls = list(re.finditer(r"\b(expect_\w+|interpret_string\w*)\s*\(", before))
        function = calls[-1].group(1) if calls else "?"
        program = m.group(1)
        rest = _call_rest(text, m.end())
        formatted = _FORMATTED.search(before)
        if formatted and formatted.group(1) in fragments:
            program = fragments[formatted.group(1)] + "\n" + program
            rest = _call_rest(text, m.end() + len(rest) + 1)  # after format!(...)
        elif re.search(r"format!\(\s*$", before) and "CARGO_MANIFEST_DIR" in rest:
            # `format!(r#"@file("{}/res/...")"#, CARGO_MANIFEST_DIR)`: Scallop's test files
            program = program.replace("{}", MANIFEST_DIR).replace("{{", "{").replace("}}", "}")
            rest = _call_rest(text, m.end() + len(rest) + 1)
        yield function, program, rest, before[-400:]


def _call_rest(text: str, start: int) -> str:
    """The rest of the call the program is an argument of, up to its closing parenthesis."""
    depth, i, out = 0, start, []
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                break
            depth -= 1
        out.append(c)
        i += 1
    return "".join(out)


_SUFFIX = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?:[iu](?:8|16|32|64|128|size)|f32|f64)\b")


def rust_value(text: str):
    """A Rust expected-value expression as Python, or raise ValueError."""
    t = text.strip().strip(",").strip()
    t = re.sub(r'(?:String::from|Value::symbol_str)\(("(?:[^"\\]|\\.)*")\)', r"\1", t)
    t = re.sub(r'("(?:[^"\\]|\\.)*")\.to_string\(\)', r"\1", t)
    t = re.sub(r"Utc\.with_ymd_and_hms\(([^)]*)\)\.unwrap\(\)",
               lambda m: "('__dt__', " + ", ".join(str(int(x)) for x in m.group(1).split(","))
               + ")", t)
    t = re.sub(r"RelativeDuration::(days|months)\((-?\d+)\)",
               lambda m: f"('__dur__', {m.group(2) if m.group(1) == 'months' else 0}, "
                         f"{int(m.group(2)) * 86400 if m.group(1) == 'days' else 0})", t)
    t = t.replace("TestCollection::empty()", "[]").replace(".into()", "")
    t = t.replace("vec![", "[")
    t = _SUFFIX.sub(r"\1", t)
    t = re.sub(r"\btrue\b", "True", t)
    t = re.sub(r"\bfalse\b", "False", t)
    return ast.literal_eval(t)


def expected(function: str, rest: str, before: str):
    """{relation: (provenance, rows)} the test expects, or None when not checkable. Rows are
    tuples, or (probability, tuple) under a probability provenance."""
    try:
        if function == "expect_interpret_result":
            relation, rows = rust_value(rest)
            return {relation: ("unit", rows)}
        if function == "expect_interpret_multi_result":
            return {r: ("unit", rows) for r, rows in rust_value(rest)}
        if function == "expect_interpret_empty_result":
            return {rust_value(rest): ("unit", [])}
        if function == "expect_interpret_result_with_tag":
            prov = list(re.finditer(r"(\w+)Provenance(?:::<\w+>)?::(?:new|default)\((\d*)",
                                    before))
            name = PROVENANCES.get(prov[-1].group(1)) if prov else None
            if name is None:
                return None
            k = int(prov[-1].group(2)) if prov[-1].group(2) else None
            argument = rest.strip().lstrip(",").strip()
            argument = argument[argument.index(",") + 1:].strip()  # after the provenance
            relation, rows = rust_value(_first_tuple(argument))
            return {relation: ((name, k), rows)}
    except (ValueError, SyntaxError, TypeError, IndexError):
        return None
    return None


def _first_tuple(text: str) -> str:
    """The first balanced parenthesised group of text."""
    depth = 0
    for i, c in enumerate(text):
        depth += c == "("
        depth -= c == ")"
        if depth == 0 and i:
            return text[:i + 1]
    return text


def _query(text: str):
    """`S(0, _)` -> ("S", [0, None]); `S` -> ("S", None)."""
    m = re.fullmatch(r"\s*(\w+)\s*(?:\((.*)\))?\s*", text)
    if m is None or m.group(2) is None:
        return text, None
    pattern = []
    for part in m.group(2).split(","):
        part = part.strip()
        try:
            pattern.append(rust_value(part))
        except (ValueError, SyntaxError):
            pattern.append(None)  # `_` or a variable
    return m.group(1), pattern


def _matches(row: tuple, pattern) -> bool:
    return pattern is None or all(p is None or _close(v, p) for v, p in zip(row, pattern))


def _python(value):
    """nesy's DateTime and Duration values in the form expected values are read into."""
    from datetime import datetime

    from nesy.timevalues import Duration

    if isinstance(value, datetime):
        return ("__dt__", value.year, value.month, value.day, value.hour, value.minute,
                value.second)
    if isinstance(value, Duration):
        return ("__dur__", value.months, int(value.delta.total_seconds()))
    return value


def _close(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= 1e-3 * max(1.0, abs(float(b)))
        except (TypeError, ValueError):
            return False
    return a == b


def _same_rows(got: list, want: list) -> bool:
    """Equal as sets of rows, floats compared to a relative 1e-3 (Scallop's f32)."""
    got, want = list(dict.fromkeys(got)), list(dict.fromkeys(want))
    if len(got) != len(want):
        return False
    left = list(got)
    for w in want:
        match = next((g for g in left if len(g) == len(w) and all(map(_close, g, w))), None)
        if match is None:
            return False
        left.remove(match)
    return True


def _indices(row: tuple, types) -> tuple:
    """A row with enum values as their variants' indices (Scallop's usize enums)."""
    return tuple(t.variants.index(v) if t.is_enum and v in t.variants else v
                 for v, t in zip(row, types))


def normal(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, tuple):
        return tuple(normal(v) for v in value)
    return value


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout


def check(program: str, wanted) -> tuple[str, str]:
    """(outcome, detail): outcome is compiles/rejected, then same/different/error."""
    import nesy

    try:
        compiled = nesy.compile(program, name="<scallop>")
    except nesy.CompileError as e:
        return "rejected", e.diagnostics[0].code if e.diagnostics else "?"
    except Exception as e:  # noqa: BLE001 - a crash is a finding
        return "crash", f"{type(e).__name__}: {e}"
    if wanted is None:
        return "compiles", ""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S)
    try:
        for query, (provenance, rows) in wanted.items():
            relation, pattern = _query(query)
            name, k = provenance if isinstance(provenance, tuple) else (provenance, None)
            result = compiled.run(provenance=name, **({"k": k} if k else {}))
            got_rel = [t for t in result[relation] if _matches(tuple(t), pattern)]
            if name == "unit":
                got = [tuple(map(_python, t)) for t in got_rel]
                want = [r if isinstance(r, tuple) else (r,) for r in rows]
                if not _same_rows(got, want):
                    types = compiled.ir.relations[relation].types
                    if _same_rows([_indices(row, types) for row in got], want):
                        return "enum-names", f"{query}: nesy prints {sorted(got)[:3]}"
                    return "different", f"{query}: got {sorted(got, key=repr)[:6]} " \
                                        f"want {sorted(want, key=repr)[:6]}"
            else:
                got = {normal(tuple(t)): result[relation].prob(t) for t in got_rel}
                want = {normal(t if isinstance(t, tuple) else (t,)): p for p, t in rows}
                want = {k: p for k, p in want.items() if p > 0}
                got = {k: p for k, p in got.items() if p > 1e-9}
                if set(got) != set(want) or any(abs(got[k] - want[k]) > 1e-3 for k in want):
                    return "different", f"{query}: got {got} want {want}"
        return "same", ""
    except Timeout:
        return "timeout", f"over {TIMEOUT_S}s"
    except nesy.NesyError as e:
        return "error", str(e).splitlines()[0]
    except Exception as e:  # noqa: BLE001
        return "crash", f"{type(e).__name__}: {e}"
    finally:
        signal.alarm(0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--json", type=Path, help="write every program's outcome here")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    records = []
    for name, text in read_tests(args.repo).items():
        for function, program, rest, before in cases(text):
            failure_expected = function in ("expect_front_compile_failure",
                                            "expect_compile_failure",
                                            "expect_front_compile_failure_with_modifier",
                                            "expect_interpret_specific_failure")
            wanted = None if failure_expected else expected(function, rest, before)
            outcome, detail = check(program, wanted)
            records.append({"file": name, "function": function, "outcome": outcome,
                            "detail": detail, "failure_expected": failure_expected,
                            "checked": wanted is not None})
            if args.verbose:
                print(f"{name} {function}: {outcome} {detail}")
    total = len(records)
    positive = [r for r in records if not r["failure_expected"]]
    negative = [r for r in records if r["failure_expected"]]
    compiles = [r for r in positive if r["outcome"] not in ("rejected", "crash")]
    checked = [r for r in positive if r["checked"]]
    same = [r for r in checked if r["outcome"] == "same"]
    print(f"programs: {total} ({len(positive)} expected to compile, {len(negative)} expected "
          f"to be rejected)")
    print(f"compile in nesy: {len(compiles)} of {len(positive)}")
    print(f"with an expected relation nesy can check: {len(checked)}; same answer: "
          f"{len(same)} ({100 * len(same) / max(len(checked), 1):.1f}%)")
    print(f"rejected by nesy as Scallop does: "
          f"{sum(r['outcome'] == 'rejected' for r in negative)} of {len(negative)}")
    print("programs expected to compile that nesy rejects, by first diagnostic:")
    for code, n in Counter(r["detail"] for r in positive
                           if r["outcome"] == "rejected").most_common():
        print(f"  {n:4d}  {code}")
    names = sum(r["outcome"] == "enum-names" for r in checked)
    print(f"of the others, the same relation but enum values printed by name instead of "
          f"Scallop's usize: {names}")
    print("checked programs that differ or fail at run time:",
          dict(Counter(r["outcome"] for r in checked if r["outcome"] != "same")))
    if args.json:
        args.json.write_text(json.dumps(records, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
