"""End to end: random nesy programs run by `program.run(provenance=...)` equal ProbLog.

Each program has independent, certain and mutually exclusive (`;`) facts over a small graph,
recursion (path), negation, `or`, and aggregations; the same program is written in ProbLog
(aggregations as explicit folds) and every output tuple's probability must agree to 1e-9."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import nesy

from .programs import problog

NODES = range(4)

def random_facts(rng, relation, tuples, disjunctions=True):
    """nesy and ProbLog lines for facts over distinct tuples: independent, certain, `;` sets
    (without `disjunctions`, an independent fact where a set was drawn)."""
    nesy_lines, problog_lines, i = [], [], 0
    while i < len(tuples):
        kind = rng.choice(["independent", "certain", "disjunction"], p=[0.5, 0.15, 0.35])
        if kind == "disjunction" and i + 1 < len(tuples) and disjunctions:
            members = tuples[i:i + int(rng.integers(2, 4))]
            probs = np.round(rng.dirichlet(np.ones(len(members))) * rng.choice([1.0, 0.8]), 3)
            probs = np.clip(probs, 0.001, None)
            probs[-1] = min(probs[-1], round(1.0 - probs[:-1].sum(), 3))
            nesy_lines.append(f"rel {relation} = {{" + "; ".join(
                f"{p!r}::({_args(t)})" for p, t in zip(probs.tolist(), members)) + "}")
            problog_lines.append("; ".join(f"{p!r}::{relation}({_args(t)})"
                                           for p, t in zip(probs.tolist(), members)) + ".")
            i += len(members)
            continue
        t = tuples[i]
        if kind == "certain":
            nesy_lines.append(f"rel {relation}({_args(t)})")
            problog_lines.append(f"{relation}({_args(t)}).")
        else:
            p = round(float(rng.uniform(0.05, 0.95)), 3)
            nesy_lines.append(f"rel {p!r}::{relation}({_args(t)})")
            problog_lines.append(f"{p!r}::{relation}({_args(t)}).")
        i += 1
    return nesy_lines, problog_lines


def _args(t) -> str:
    return ", ".join(map(str, t))


RULES = [  # (nesy rule, ProbLog clauses)
    ("rel path(a, b) = edge(a, b)\nrel path(a, c) = path(a, b) and edge(b, c)",
     "path(A, B) :- edge(A, B).\npath(A, C) :- path(A, B), edge(B, C)."),
    ("rel reach(b) = label(a) and path(a, b)", "reach(B) :- label(A), path(A, B)."),
    ("rel blocked(a, b) = label(a) and label(b) and not path(a, b)",
     "blocked(A, B) :- label(A), label(B), \\+path(A, B)."),
    ("rel lonely(a) = label(a) and not edge(a, _)",
     "has_edge(A) :- edge(A, _).\nlonely(A) :- label(A), \\+has_edge(A)."),
    ("rel either(a) = label(a) or reach(a)", "either(A) :- label(A).\neither(A) :- reach(A)."),
    ("rel cnt(n) = n := count(a: reach(a))",
     "cnt_(0, 0).\ncnt_(I, N) :- I > 0, J is I - 1, reach(J), cnt_(J, M), N is M + 1.\n"
     "cnt_(I, N) :- I > 0, J is I - 1, \\+reach(J), cnt_(J, N).\ncnt(N) :- cnt_(4, N)."),
    ("rel total(s) = s := sum(a: reach(a))",
     "sum_(0, 0).\nsum_(I, N) :- I > 0, J is I - 1, reach(J), sum_(J, M), N is M + J.\n"
     "sum_(I, N) :- I > 0, J is I - 1, \\+reach(J), sum_(J, N).\ntotal(N) :- sum_(4, N)."),
    ("rel far(m) = m := max(b: reach(b))",
     "far(B) :- reach(B), \\+beyond(B).\nbeyond(B) :- node(C), C > B, reach(C)."),
    ("rel seen(b) = b := exists(a: reach(a))",
     "seen(true) :- reach(_).\nseen(false) :- \\+seen(true)."),
]
#: Probabilistic rules with `or` bodies ({p}: a random probability): ProbLog makes one choice
#: per grounding of the clause, shared by its disjuncts (every variable occurs in every
#: disjunct, which ProbLog requires of a probabilistic clause).
OR_RULES = [
    ("rel {p}::alt(a) = label(a) or reach(a)", "{p}::alt(A) :- label(A) ; reach(A)."),
    ("rel {p}::link(a, b) = edge(a, b) or edge(b, a) or (path(a, b) and label(b))",
     "{p}::link(A, B) :- edge(A, B) ; edge(B, A) ; path(A, B), label(B)."),
    ("rel {p}::touch(a) = edge(a, b) and (label(a) or label(b))",
     "{p}::touch(A) :- edge(A, B), (label(A) ; label(B))."),
    ("rel {p}::guard(a) = (label(a) or reach(a)) and not lonely(a)",
     "{p}::guard(A) :- (label(A) ; reach(A)), \\+lonely(A)."),
    ("rel {p}::walk(a, b) = edge(a, b) or (walk(b, a) and label(a))",
     "{p}::walk(A, B) :- edge(A, B) ; walk(B, A), label(A)."),
]
OUTPUTS = ["edge", "label", "path", "reach", "blocked", "lonely", "either", "cnt", "total",
           "far", "seen", "alt", "link", "touch", "guard", "walk"]


def random_program(seed, disjunctions=True):
    rng = np.random.default_rng(seed)
    pairs = [(a, b) for a in NODES for b in NODES]
    edges = [pairs[i] for i in rng.choice(len(pairs), size=int(rng.integers(3, 7)), replace=False)]
    labels = [(n,) for n in rng.choice(len(NODES), size=int(rng.integers(1, 4)), replace=False)]
    nesy_edges, problog_edges = random_facts(rng, "edge", edges, disjunctions)
    nesy_labels, problog_labels = random_facts(rng, "label", labels, disjunctions)
    probs = [round(float(p), 3) for p in rng.uniform(0.1, 0.9, len(OR_RULES))]
    or_rules = [(n.format(p=p), q.format(p=p)) for (n, q), p in zip(OR_RULES, probs)]
    nesy_text = "\n".join([*nesy_edges, *nesy_labels, *(r[0] for r in RULES + or_rules)])
    problog_text = "\n".join([*problog_edges, *problog_labels, *(r[1] for r in RULES + or_rules),
                              *(f"node({n})." for n in NODES)])
    return nesy_text, problog_text


def problog_answers(problog_text) -> dict[str, float]:
    return problog(problog_text, [f"{name}({_variables(name)})" for name in OUTPUTS])


def _variables(name) -> str:
    return "A, B" if name in ("edge", "path", "blocked", "link", "walk") else "A"


def nesy_answers(nesy_text, provenance, k=None) -> dict[str, float]:
    result = nesy.compile(nesy_text).run(provenance=provenance, k=k)
    return {f"{name}({','.join(str(v).lower() for v in t)})": float(p)
            for name in OUTPUTS for t, p in result[name].to_dict().items()}


@pytest.mark.parametrize("provenance,k", [("exact", None), ("diffexact", None),
                                          ("topkproofs", 10_000), ("difftopkproofs", 10_000)])
@pytest.mark.parametrize("seed", range(12))
def test_random_programs_equal_problog(provenance, k, seed):
    """The top-k provenances only without annotated disjunctions, whose members they count
    as independent facts, as Scallop does (tests/provenance/test_oracle.py)."""
    nesy_text, problog_text = random_program(seed, disjunctions=provenance.endswith("exact"))
    expected = problog_answers(problog_text)
    actual = nesy_answers(nesy_text, provenance, k)
    keys = sorted(set(actual) | set(expected))
    assert [actual.get(key, 0.0) for key in keys] == pytest.approx(
        [expected.get(key, 0.0) for key in keys], abs=1e-9), (keys, nesy_text)


def test_annotated_disjunction_is_exact_end_to_end():
    """Scallop issue #64: {0.3::a; 0.7::b} must give P(a) = 0.3 for queries through rules."""
    text = "rel c = {0.3::(1); 0.7::(2)}\nrel a() = c(1)\nrel ab() = c(1) and c(2)\n" \
           "rel any() = c(_)"
    result = nesy.compile(text).run(provenance="exact")
    assert result["a"].prob(()) == pytest.approx(0.3, abs=1e-12)
    assert result["ab"].prob(()) == 0.0
    assert result["any"].prob(()) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("provenance", ["exact", "diffexact", "topkproofs"])
def test_a_probabilistic_rule_with_an_or_body_makes_one_choice(provenance):
    """ProbLog: `0.5::h :- a ; b.` is one choice, not one per disjunct (which gives 0.75)."""
    result = nesy.compile("rel a()\nrel b()\nrel 0.5::h() = a() or b()").run(
        provenance=provenance)
    expected = problog("a. b.\n0.5::h :- a ; b.", ["h"])["h"]
    assert float(result["h"].prob(())) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("provenance", ["exact", "topkproofs"])
def test_probabilistic_rules_choose_independently_per_grounding(provenance):
    """ProbLog: `0.5::g(X) :- a(X).` makes an independent choice for every grounding."""
    nesy_text = "rel a = {1, 2}\nrel 0.5::g(x) = a(x)\nrel k() = g(1)\nrel k() = g(2)\n" \
                "rel 0.5::h() = a(x)"
    expected = problog("a(1). a(2).\n0.5::g(X) :- a(X).\nk :- g(1).\nk :- g(2).\n"
                       "0.5::h :- a(X).", ["k", "h"])
    result = nesy.compile(nesy_text).run(provenance=provenance, k=100)
    assert result["k"].prob(()) == pytest.approx(expected["k"], abs=1e-9)
    assert result["h"].prob(()) == pytest.approx(expected["h"], abs=1e-9)


@pytest.mark.parametrize("provenance,k", [("diffexact", None), ("difftopkproofs", 3),
                                          ("diffaddmultprob", None), ("diffminmaxprob", None)])
def test_tensor_fact_probabilities_get_gradients(provenance, k):
    program = nesy.compile("type edge(i32, i32)\n"
                           "rel path(a, c) = edge(a, c) or (edge(a, b) and edge(b, c))")
    p = torch.tensor([0.9, 0.5, 0.3], dtype=torch.float64, requires_grad=True)
    edges = [(p[0], (0, 1)), (p[1], (1, 2)), (p[2], (0, 2))]
    result = program.run(provenance=provenance, k=k, facts={"edge": edges})
    result["path"].prob((0, 2)).backward()
    assert p.grad.abs().sum() > 0


def test_addmultprob_counts_each_derivation_of_an_acyclic_recursion_once():
    """On a DAG, addmultprob's path value is the capped sum over paths of edge products."""
    text = "rel edge = {0.2::(0, 1), 0.3::(1, 2), 0.4::(0, 2)}\n" \
           "rel path(a, b) = edge(a, b)\nrel path(a, c) = path(a, b) and edge(b, c)"
    result = nesy.compile(text).run(provenance="addmultprob")
    assert result["path"].prob((0, 2)) == pytest.approx(min(0.4 + 0.2 * 0.3, 1.0), abs=1e-12)


@pytest.mark.parametrize("provenance", ["exact", "diffexact", "topkproofs", "difftopkproofs",
                                        "addmultprob", "diffaddmultprob", "minmaxprob", "diffminmaxprob"])
def test_a_program_without_probabilistic_facts_is_certain(provenance):
    result = nesy.compile("rel a(1)\nrel b(x) = a(x)\nrel c(x) = a(x) and not b(x)").run(provenance=provenance)
    assert result["b"].tuples == [(1,)]
    assert float(result["b"].probs[0]) == 1.0
    assert result["c"].tuples == []
