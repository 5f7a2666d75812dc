"""The example programs ship inside the package, so they run from any directory, and what the
package needs at run time is package data that a non-editable install carries."""
from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

import nesy
from nesy.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_every_shipped_example_is_listed_with_its_first_comment_line(capsys):
    assert main(["examples"]) == 0
    listed = capsys.readouterr().out
    for name, path in nesy.examples().items():
        first = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("//").strip()
        assert f"{name}" in listed and first in listed


def test_run_example_is_run_of_its_file(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # any directory
    assert main(["run", "--example", "reachability", "--format", "json"]) == 0
    by_name = capsys.readouterr().out
    assert main(["run", str(ROOT / "programs" / "reachability.nesy"), "--format", "json"]) == 0
    assert capsys.readouterr().out == by_name
    assert '"path"' in by_name


def test_an_unknown_example_is_a_usage_error_with_a_suggestion(capsys):
    assert main(["run", "--example", "reachabilty"]) == 2
    err = capsys.readouterr().err
    assert "no example called 'reachabilty'; did you mean 'reachability'?" in err


def test_a_file_and_an_example_do_not_combine(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "x.nesy", "--example", "family"])
    assert exit_info.value.code == 2


def test_non_python_files_of_the_package_are_package_data():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["*"]
    needed = [p for p in (ROOT / "nesy").rglob("*") if p.is_file() and p.suffix not in
              (".py", ".pyc") and "__pycache__" not in p.parts and "expected" not in p.parts]
    assert needed, "the package has data files (grammar, programs)"
    missing = [str(p.relative_to(ROOT)) for p in needed
               if not any(fnmatch.fnmatch(p.name, g) for g in globs)]
    assert missing == [], "add their patterns to [tool.setuptools.package-data]"


# ---------------------------------------------------------------------------------------------
# The probabilistic examples (issue 18 item 2): each one's answers under several provenances,
# against ProbLog running the same model written in ProbLog, and against hand computations for
# the provenances ProbLog does not have.
PROBLOG = {
    "probabilistic_graph": """
        0.9::edge(0,1). 0.8::edge(1,2). 0.6::edge(0,2). 0.5::edge(2,3). 0.7::edge(1,3).
        path(A,B) :- edge(A,B).
        path(A,C) :- path(A,B), edge(B,C).
        query(path(0,1)). query(path(0,2)). query(path(0,3)).""",
    "annotated_disjunction": """
        0.5::weather(sunny); 0.3::weather(cloudy); 0.2::weather(rainy).
        0.6::friend(ann).
        picnic :- weather(sunny).
        picnic :- weather(cloudy), friend(ann).
        stay_in :- weather(rainy).
        query(picnic). query(stay_in).""",
    # ProbLog has no count over possible worlds: the count is spelled out world by world
    "probabilistic_count": """
        0.5::heads(penny). 0.6::heads(dime). 0.9::heads(quarter).
        t(C) :- heads(C).
        f(C) :- \\+heads(C).
        count(0) :- f(penny), f(dime), f(quarter).
        count(1) :- t(penny), f(dime), f(quarter).
        count(1) :- f(penny), t(dime), f(quarter).
        count(1) :- f(penny), f(dime), t(quarter).
        count(2) :- t(penny), t(dime), f(quarter).
        count(2) :- t(penny), f(dime), t(quarter).
        count(2) :- f(penny), t(dime), t(quarter).
        count(3) :- t(penny), t(dime), t(quarter).
        majority :- count(2).
        majority :- count(3).
        query(count(0)). query(count(1)). query(count(2)). query(count(3)). query(majority).""",
    "burglary_alarm": """
        person(john). person(mary).
        0.7::burglary. 0.2::earthquake.
        0.9::alarm :- burglary, earthquake.
        0.8::alarm :- burglary, \\+earthquake.
        0.1::alarm :- \\+burglary, earthquake.
        0.8::calls(X) :- person(X), alarm.
        0.1::calls(X) :- person(X), \\+alarm.
        query(alarm). query(calls(john)). query(calls(mary)).""",
}
#: The nesy relation and tuple of each ProbLog query.
QUERIES = {
    "probabilistic_graph": {"path(0,1)": ("path", (0, 1)), "path(0,2)": ("path", (0, 2)),
                            "path(0,3)": ("path", (0, 3))},
    "annotated_disjunction": {"picnic": ("picnic", ()), "stay_in": ("stay_in", ())},
    "probabilistic_count": {**{f"count({n})": ("heads_count", (n,)) for n in range(4)},
                            "majority": ("majority", ())},
    "burglary_alarm": {"alarm": ("alarm", ()), "calls(john)": ("calls", ("john",)),
                       "calls(mary)": ("calls", ("mary",))},
}
#: Hand computations: minmaxprob is the best proof's weakest fact; addmultprob sums proofs
#: (capped at 1); topkproofs counts its proofs with every fact independent.
BY_HAND = {
    ("probabilistic_graph", "minmaxprob"): {("path", (0, 1)): 0.9, ("path", (0, 2)): 0.8,
                                            ("path", (0, 3)): 0.7},
    ("annotated_disjunction", "minmaxprob"): {("picnic", ()): 0.5, ("stay_in", ()): 0.2},
    ("annotated_disjunction", "addmultprob"): {("picnic", ()): 0.5 + 0.3 * 0.6, ("stay_in", ()): 0.2},
    # Scallop's count: the two proofs of picnic with their facts independent
    ("annotated_disjunction", "topkproofs"): {("picnic", ()): 1 - (1 - 0.5) * (1 - 0.3 * 0.6),
                                              ("stay_in", ()): 0.2},
}


def problog_answers(name: str) -> dict:
    from problog import get_evaluatable
    from problog.program import PrologString

    found = get_evaluatable().create_from(PrologString(PROBLOG[name])).evaluate()
    return {QUERIES[name][str(term)]: p for term, p in found.items()}


#: Top-k counts a `;` set's members as independent facts, as Scallop does (BY_HAND).
AGREES_WITH_PROBLOG = [(name, provenance) for name in sorted(PROBLOG)
                       for provenance in ("exact", "topkproofs", "diffexact")
                       if (name, provenance) != ("annotated_disjunction", "topkproofs")]


@pytest.mark.parametrize("name, provenance", AGREES_WITH_PROBLOG)
def test_a_probabilistic_example_agrees_with_problog(name, provenance):
    pytest.importorskip("problog")
    result = nesy.load(nesy.example(name)).run(provenance=provenance, k=100 if "topk" in provenance else None)
    want = problog_answers(name)
    got = {(rel, t): float(result[rel].prob(t)) for rel, t in want}
    assert got == pytest.approx(want, abs=1e-9)
    assert all(0 < p < 1 for p in want.values())  # the examples are genuinely uncertain


@pytest.mark.parametrize("name, provenance", sorted(BY_HAND))
def test_a_probabilistic_example_under_an_approximating_provenance(name, provenance):
    result = nesy.load(nesy.example(name)).run(provenance=provenance)
    want = BY_HAND[name, provenance]
    assert {key: float(result[key[0]].prob(key[1])) for key in want} == pytest.approx(want)


DIGIT_PROGRAMS = ROOT / "nesy" / "pipelines" / "programs"


@pytest.mark.parametrize("example, program", [("digits_sum2", "sum2"), ("digits_sum_k", "sum_k"),
                                              ("digits_multi_addition", "multi_addition")])
def test_a_digit_example_runs_the_pipeline_rules_on_example_beliefs(example, program):
    """The example holds the training program's rules word for word, plus input facts; its
    answer is the distribution of the sum computed by enumerating the digit choices."""
    import itertools

    def rules(path):
        return [line for line in path.read_text().splitlines()
                if line.startswith(("rel ", "type ")) and "::" not in line]

    example_path = nesy.example(example)
    assert rules(DIGIT_PROGRAMS / f"{program}.nesy") == rules(example_path)
    compiled = nesy.load(example_path)
    groups = {}
    for fact in [f for f in compiled.ir.facts if f.relation == "digit"]:  # one image each
        groups.setdefault((fact.values[:-1], fact.group), []).append((fact.values[-1], fact.probability))
    slots = sorted(groups)
    want = {}
    for choice in itertools.product(*(groups[s] for s in slots)):
        value = dict(((s[0], v) for s, (v, _) in zip(slots, choice)))
        p = 1.0
        for _, q in choice:
            p *= q
        if program == "multi_addition":
            total = sum((value[(pos, 0)] + value[(pos, 1)]) * 10 ** (1 - pos) for pos in range(2))
            key = (2, total)
        else:
            key = (sum(value.values()),) if program == "sum2" else (len(value), sum(value.values()))
        want[key] = want.get(key, 0.0) + p
    result = compiled.run(provenance="exact")
    got = result[result.relations[0]].to_dict()
    assert got == pytest.approx(want)
