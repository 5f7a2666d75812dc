"""`nesy repl` (issue 18 item 9), through its command layer (`Session.execute`) and its loop
on piped input. Expected answers are worked out by hand."""
from __future__ import annotations

import io

import pytest

from nesy.repl import Session, incomplete, run

GRAPH = ["rel edge = {0.9::(0, 1), 0.5::(1, 2)}", "rel path(a, b) = edge(a, b)",
         "rel path(a, c) = path(a, b) and edge(b, c)"]


@pytest.fixture
def session() -> Session:
    s = Session()
    for line in GRAPH:
        assert s.execute(line) == ""
    return s


def test_statements_accumulate_and_a_query_answers_at_once(session):
    assert session.execute("query path(0, x)") == "path (2 tuples)\n  (0, 1)\n  (0, 2)"
    assert session.execute(":list") == "\n".join(GRAPH)  # the query was not added


def test_switching_provenance_changes_the_answers(session):
    assert session.execute(":provenance exact") == "provenance exact"
    assert session.execute("query path(0, 2)") == "path (1 tuple)\n  0.45::(0, 2)"
    assert session.execute(":provenance topkproofs 1") == "provenance topkproofs (k=1)"
    assert session.execute(":provenance proofs") == "provenance proofs"
    assert "(0, 2)  proofs: edge(0, 1) & edge(1, 2)" in session.execute("query path")


def test_a_bad_statement_is_reported_as_nesy_check_does_and_not_added(session, tmp_path):
    from nesy_testing import run_cli_in_process

    bad = "rel lonely(x) = edge(y, _)"
    shown = session.execute(bad)
    (tmp_path / "p.nesy").write_text("\n".join([*GRAPH, bad]) + "\n")
    checked = run_cli_in_process("check", tmp_path / "p.nesy").stderr.strip()
    assert shown == checked.replace(str(tmp_path / "p.nesy"), "<repl>")
    assert "variable 'x' appears in the head but is not bound" in shown
    assert session.execute(":list") == "\n".join(GRAPH)


@pytest.mark.parametrize("line, message", [
    (":provenance bogus", "unknown provenance 'bogus'"),
    (":provenance exact 3", "exact has no k"),
    (":provenence exact", "did you mean :provenance?"),
    ("query nothing", "query of unknown relation 'nothing'"),
    (":load /nonexistent.nesy", "/nonexistent.nesy: no such file"),
])
def test_mistakes_are_messages_and_the_session_goes_on(session, line, message):
    assert message in session.execute(line)
    assert session.execute("query edge") == "edge (2 tuples)\n  (0, 1)\n  (1, 2)"


def test_undo_load_and_reset(session, tmp_path):
    assert session.execute(":undo") == f"removed: {GRAPH[-1]}"
    assert session.execute("query path") == "path (2 tuples)\n  (0, 1)\n  (1, 2)"
    (tmp_path / "more.nesy").write_text("rel edge(2, 3)\nrel path(a, c) = path(a, b) and edge(b, c)\n")
    assert session.execute(f":load {tmp_path / 'more.nesy'}") == f"loaded {tmp_path / 'more.nesy'}"
    assert "(0, 3)" in session.execute("query path(0, x)")
    session.execute(":reset")
    assert session.execute(":list") == "(the program is empty)"


@pytest.mark.parametrize("text, more", [
    ("rel path(a, c) = path(a, b) and", True), ("rel e = {(0, 1),", True), ("rel e = {(0, 1)}", False),
    ('rel s = {"(", ")"}', False), ("rel p(x) =", True), ("query path", False),
])
def test_a_statement_continues_while_it_cannot_end(text, more):
    assert incomplete(text) is more


def test_the_loop_reads_piped_lines_and_stops_at_quit(tmp_path):
    start = tmp_path / "graph.nesy"
    start.write_text("\n".join(GRAPH) + "\n")
    out = io.StringIO()
    lines = ":provenance exact\nquery path(0,\n  x)\nrle oops(1)\n:quit\nquery path\n"
    assert run(str(start), stdin=io.StringIO(lines), stdout=out) == 0
    shown = out.getvalue()
    assert "path (2 tuples)\n  0.9::(0, 1)\n  0.45::(0, 2)\n" in shown
    assert "<repl>:4:" in shown and "error" in shown
    assert shown.count("path (") == 1  # nothing after :quit


def test_nesy_repl_with_a_missing_file_exits_1():
    from nesy_testing import run_cli_in_process

    proc = run_cli_in_process("repl", "/nonexistent.nesy")
    assert proc.returncode == 1 and "no such file" in proc.stderr
