"""nesy's boolean answers against independent oracles.

- transitive closure of random graphs  vs  networkx
- random stratified programs (recursion, negation, joins, constants, comparisons,
  arithmetic)  vs  clingo (each such program has exactly one stable model)
- every aggregator, grouped and with `where`  vs  plain Python over the same facts
- integer arithmetic (truncating `/`, Rust `%`, overflow and division by zero: no fact)
"""
from __future__ import annotations

import math
import random
from collections import defaultdict

import clingo
import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nesy_testing import compile_program, relation_set

# =============================================================================================
# Transitive closure vs networkx

TC_DECLARED = """
type edge(i32, i32)
rel path(a, b) = edge(a, b)
rel path(a, c) = path(a, b) and edge(b, c)
"""
# The benchmark's form: `edge` is never declared, its type comes from the input facts' use.
TC_LEFT_RECURSIVE = """
type edge(i32, i32)
rel path(a, b) = edge(a, b)
rel path(a, c) = path(a, b) and edge(b, c)
"""
TC_RIGHT_RECURSIVE = """
type edge(i32, i32)
rel path(a, b) = edge(a, b) or (edge(a, c) and path(c, b))
"""
TC_DOUBLY_RECURSIVE = """
type edge(i32, i32)
rel path(a, b) = edge(a, b)
rel path(a, c) = path(a, b) and path(b, c)
"""

_compiled: dict[str, object] = {}


def compiled(text: str):
    if text not in _compiled:
        _compiled[text] = compile_program(text)
    return _compiled[text]


def networkx_closure(n: int, edges) -> set[tuple[int, int]]:
    """Pairs (a, b) joined by a path of one or more edges (a self-loop only on a cycle)."""
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    return set(nx.transitive_closure(g, reflexive=False).edges())


def random_graph(seed: int, n: int, m: int, self_loops: bool) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    edges = set()
    possible = n * n if self_loops else n * (n - 1)
    m = min(m, possible)
    while len(edges) < m:
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b or self_loops:
            edges.add((a, b))
    return sorted(edges)


GRAPHS = [
    # (seed, nodes, edges, self-loops)
    *[(s, 1, 1, True) for s in range(2)],
    *[(s, 5, 4, False) for s in range(3)],
    *[(s, 8, 12, True) for s in range(4)],
    *[(s, 20, 20, False) for s in range(4)],
    *[(s, 20, 40, True) for s in range(4)],
    *[(s, 60, 90, True) for s in range(3)],
    *[(s, 150, 300, False) for s in range(2)],
]


@pytest.mark.parametrize("seed,n,m,self_loops", GRAPHS)
def test_transitive_closure_matches_networkx(seed, n, m, self_loops):
    edges = random_graph(seed, n, m, self_loops)
    result = compiled(TC_DECLARED).run(facts={"edge": edges})
    assert relation_set(result, "path") == networkx_closure(n, edges)


@pytest.mark.parametrize("program", [TC_LEFT_RECURSIVE, TC_RIGHT_RECURSIVE, TC_DOUBLY_RECURSIVE],
                         ids=["left-recursive", "right-recursive-or", "doubly-recursive"])
@pytest.mark.parametrize("seed", range(3))
def test_transitive_closure_variants_match_networkx(program, seed):
    edges = random_graph(100 + seed, 25, 35, True)
    result = compiled(program).run(facts={"edge": edges})
    assert relation_set(result, "path") == networkx_closure(25, edges)


def test_transitive_closure_of_a_long_chain():
    """A 300-edge chain needs 300 rounds of recursion: 45,150 paths."""
    n = 301
    edges = [(i, i + 1) for i in range(n - 1)]
    result = compiled(TC_DECLARED).run(facts={"edge": edges})
    assert len(result["path"]) == n * (n - 1) // 2
    assert relation_set(result, "path") == networkx_closure(n, edges)


def test_transitive_closure_of_a_single_big_cycle_is_complete():
    n = 120
    edges = [(i, (i + 1) % n) for i in range(n)]
    result = compiled(TC_DECLARED).run(facts={"edge": edges})
    assert relation_set(result, "path") == {(a, b) for a in range(n) for b in range(n)}


def test_transitive_closure_of_no_edges_is_empty():
    result = compiled(TC_DECLARED).run(facts={"edge": []})
    assert relation_set(result, "path") == set()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(-3, 6), st.integers(-3, 6)), max_size=25))
def test_transitive_closure_matches_networkx_hypothesis(edges):
    edges = sorted(set(edges))
    g = nx.DiGraph()
    g.add_edges_from(edges)
    expected = set(nx.transitive_closure(g, reflexive=False).edges())
    result = compiled(TC_DECLARED).run(facts={"edge": edges})
    assert relation_set(result, "path") == expected


# =============================================================================================
# Random stratified programs vs clingo

EDB = {"e0": 2, "e1": 2, "u0": 1, "u1": 1}
COMPARISONS = ["<", "<=", ">", ">=", "!=", "=="]


class ProgramGenerator:
    """Random stratified Datalog over small integers, written both in nesy and in clingo.

    Derived relations come in groups (a group is one stratum, possibly mutually recursive).
    A rule's positive atoms use lower relations and the relations of its own group; its
    negated atoms only lower relations, so every program is stratified. Every variable of
    the head, of a negated atom or of a comparison is bound by a positive atom or an
    equation. Arithmetic only appears in rules that do not recurse, so programs terminate.
    """

    def __init__(self, seed: int, max_domain: int = 7, max_groups: int = 5):
        self.rng = random.Random(seed)
        self.domain = self.rng.randint(3, max_domain)
        self.max_groups = max_groups
        self.arity = dict(EDB)
        self.nesy_rules: list[str] = []
        self.asp_rules: list[str] = []
        self.facts: dict[str, set[tuple]] = {}
        self.n_vars = 0

    # -- pieces ------------------------------------------------------------------------------
    def const(self) -> int:
        return self.rng.randrange(self.domain)

    def fresh(self) -> str:
        self.n_vars += 1
        return f"v{self.n_vars}"

    def atom(self, rel: str, bound: list[str], wildcard_ok: bool, negated: bool):
        """Arguments for `rel`; returns (args, newly bound variables)."""
        args, new = [], []
        for _ in range(self.arity[rel]):
            r = self.rng.random()
            if negated:
                if bound and r < 0.65:
                    args.append(self.rng.choice(bound))
                elif r < 0.85 or not wildcard_ok:
                    args.append(str(self.const()))
                else:
                    args.append("_")
                continue
            if bound and r < 0.4:
                args.append(self.rng.choice(bound))
            elif r < 0.5:
                args.append(str(self.const()))
            elif wildcard_ok and r < 0.6:
                args.append("_")
            else:
                v = self.fresh()
                args.append(v)
                new.append(v)
        return args, new

    def rule(self, head: str, group: list[str], lower: list[str]) -> None:
        rng = self.rng
        bound: list[str] = []
        body: list[tuple[str, ...]] = []  # ("atom", rel, args) / ("not", rel, args) / ("cmp", ...)
        recursive = False
        for k in range(rng.choice([1, 1, 2, 2, 3])):
            pool = lower + group if k > 0 or rng.random() < 0.2 else lower
            rel = rng.choice(pool)
            recursive |= rel in group
            args, new = self.atom(rel, bound, wildcard_ok=True, negated=False)
            bound += [v for v in new if v not in bound]
            body.append(("atom", rel, args))
        if not recursive and bound and rng.random() < 0.25:
            v = self.fresh()
            body.append(("eq", v, rng.choice(bound), rng.choice(["+", "-", "*"]), str(rng.randint(0, 2))))
            bound.append(v)
        if bound and rng.random() < 0.45:
            left = rng.choice(bound)
            right = rng.choice(bound + [str(self.const())])
            body.append(("cmp", left, rng.choice(COMPARISONS), right))
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            rel = rng.choice(lower)
            args, _ = self.atom(rel, bound, wildcard_ok=True, negated=True)
            body.append(("not", rel, args))
        head_args = [rng.choice(bound) if bound and rng.random() < 0.95 else str(self.const())
                     for _ in range(self.arity[head])]
        self.nesy_rules.append(self.render_nesy(head, head_args, body))
        self.asp_rules.append(self.render_asp(head, head_args, body))

    def closure_rules(self, head: str, group: list[str], lower: list[str]) -> None:
        """The transitive-closure template: h(x, y) <- B(x, y); h(x, z) <- h(x, y), C(y, z)
        (or right-recursive, or through another relation of the group)."""
        binary = [r for r in lower if self.arity[r] == 2]
        base = self.rng.choice(binary)
        step = self.rng.choice(binary + [r for r in group if self.arity[r] == 2])
        rules = [(head, ["v1", "v2"], [("atom", base, ["v1", "v2"])])]
        if self.rng.random() < 0.5:
            rules.append((head, ["v1", "v3"], [("atom", head, ["v1", "v2"]),
                                               ("atom", step, ["v2", "v3"])]))
        else:
            rules.append((head, ["v1", "v3"], [("atom", step, ["v1", "v2"]),
                                               ("atom", head, ["v2", "v3"])]))
        for h, args, body in rules:
            self.nesy_rules.append(self.render_nesy(h, args, body))
            self.asp_rules.append(self.render_asp(h, args, body))

    @staticmethod
    def render_nesy(head, head_args, body) -> str:
        parts = []
        for item in body:
            if item[0] == "atom":
                parts.append(f"{item[1]}({', '.join(item[2])})")
            elif item[0] == "not":
                parts.append(f"not {item[1]}({', '.join(item[2])})")
            elif item[0] == "cmp":
                parts.append(f"{item[1]} {item[2]} {item[3]}")
            else:
                parts.append(f"{item[1]} == {item[2]} {item[3]} {item[4]}")
        return f"rel {head}({', '.join(head_args)}) = {' and '.join(parts)}"

    @staticmethod
    def render_asp(head, head_args, body) -> str:
        def term(t):
            return t.upper() if t[0] == "v" else t

        def atom(rel, args):
            return f"{rel}({','.join(term(a) for a in args)})"

        parts = []
        for item in body:
            if item[0] == "atom":
                parts.append(atom(item[1], item[2]))
            elif item[0] == "not":
                parts.append("not " + atom(item[1], item[2]))
            elif item[0] == "cmp":
                op = "=" if item[2] == "==" else item[2]
                parts.append(f"{term(item[1])} {op} {term(item[3])}")
            else:
                parts.append(f"{term(item[1])} = {term(item[2])} {item[3]} {item[4]}")
        return f"{atom(head, head_args)} :- {', '.join(parts)}."

    # -- whole programs ----------------------------------------------------------------------
    def generate(self):
        rng = self.rng
        for rel, arity in EDB.items():
            density = rng.choice([0.15, 0.3, 0.5])
            if arity == 2:
                tuples = {(a, b) for a in range(self.domain) for b in range(self.domain)
                          if rng.random() < density}
            else:
                tuples = {(a,) for a in range(self.domain) if rng.random() < 2 * density}
            self.facts[rel] = tuples
        lower = list(EDB)
        derived = []
        for g in range(rng.randint(2, self.max_groups)):
            group = [f"d{g}{c}" for c in "ab"[: rng.choice([1, 1, 2])]]
            for rel in group:
                self.arity[rel] = rng.choice([1, 2, 2])
            for rel in group:
                if self.arity[rel] == 2 and rng.random() < 0.4:
                    self.closure_rules(rel, group, lower)
                for _ in range(rng.randint(1, 3)):
                    self.rule(rel, group, lower)
            lower += group
            derived += group
        return derived

    def nesy_text(self) -> str:
        lines = [f"type {rel}({', '.join(['i32'] * self.arity[rel])})" for rel in self.arity]
        for rel, tuples in self.facts.items():
            if tuples:
                items = ", ".join(str(t[0]) if len(t) == 1 else "(" + ", ".join(map(str, t)) + ")"
                                  for t in sorted(tuples))
                lines.append(f"rel {rel} = {{{items}}}")
        return "\n".join(lines + self.nesy_rules) + "\n"

    def asp_text(self) -> str:
        facts = [f"{rel}({','.join(map(str, t))})." for rel, ts in self.facts.items()
                 for t in sorted(ts)]
        return "\n".join(facts + self.asp_rules) + "\n"


def clingo_model(text: str) -> dict[str, set[tuple]]:
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], text)
    ctl.ground([("base", [])])
    models = []
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            atoms = defaultdict(set)
            for sym in model.symbols(atoms=True):
                atoms[sym.name].add(tuple(a.number for a in sym.arguments))
            models.append(atoms)
    assert len(models) == 1, "a stratified program has exactly one stable model"
    return models[0]


@pytest.mark.parametrize("seed", range(40))
def test_random_stratified_program_matches_clingo(seed, max_domain=7, max_groups=5):
    gen = ProgramGenerator(seed, max_domain, max_groups)
    gen.generate()
    text = gen.nesy_text()
    expected = clingo_model(gen.asp_text())
    result = compile_program(text).run()
    for rel in gen.arity:
        got = relation_set(result, rel)
        assert got == expected.get(rel, set()), (
            f"relation {rel} differs\nprogram:\n{text}\n"
            f"missing: {sorted(expected.get(rel, set()) - got)}\n"
            f"extra:   {sorted(got - expected.get(rel, set()))}")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [*range(40, 120), *range(1000, 1600)])
def test_many_random_stratified_programs_match_clingo(seed):
    test_random_stratified_program_matches_clingo(seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(2000, 2300))
def test_larger_random_stratified_programs_match_clingo(seed):
    test_random_stratified_program_matches_clingo(seed, max_domain=14, max_groups=9)


def test_program_generator_covers_the_rule_templates():
    """The generated family really contains recursion, negation, constants, comparisons
    and arithmetic (so the clingo comparison cannot pass vacuously)."""
    texts = []
    for seed in range(120):
        gen = ProgramGenerator(seed)
        gen.generate()
        texts.append(gen)
    rules = [r for g in texts for r in g.nesy_rules]
    assert any(" not " in r for r in rules)
    assert any(" < " in r or " > " in r for r in rules)
    assert any(" + " in r or " * " in r for r in rules)
    assert any("(0" in r or ", 1)" in r for r in rules)
    recursive = [r for r in rules if r.split("(")[0][4:] in r.split("=", 1)[1]]
    assert len(recursive) > 20


# =============================================================================================
# Aggregation vs plain Python

AGG_PROGRAM = """
type item(g: i32, k: i32, v: i32)
type grp(g: i32)

rel n_keys(g, n)        = n := count(k: item(g, k, _))
rel n_pairs(g, n)       = n := count(k, v: item(g, k, v))
rel n_all(n)            = n := count(g, k, v: item(g, k, v))
rel total(g, s)         = s := sum[k](v: item(g, k, v))
rel total_distinct(g, s) = s := sum(v: item(g, _, v))
rel product(g, p)       = p := prod[k](v: item(g, k, v))
rel lo(g, m)            = m := min(v: item(g, _, v))
rel hi(g, m)            = m := max(v: item(g, _, v))
rel best(g, k)          = k := argmax[k](v: item(g, k, v))
rel worst(g, k)         = k := argmin[k](v: item(g, k, v))
rel best_pair(g, k, v)  = (k, v) := max[k](v: item(g, k, v))
rel worst_pair(g, k, v) = (k, v) := min[k](v: item(g, k, v))
rel hi_all(m)           = m := max(v: item(_, _, v))
rel any_big(g, b)       = b := exists(k: item(g, k, v) and v >= 7 where g: grp(g))
rel all_small(g, b)     = b := forall(k, v: item(g, k, v) implies v < 7 where g: grp(g))
rel count_where(g, n)   = n := count(k: item(g, k, _) where g: grp(g))
rel any_nine(b)         = b := exists(g, k: item(g, k, 9))
rel many_keys(g)        = n_keys(g, n) and n >= 3
"""


def aggregation_oracle(items: set[tuple[int, int, int]], grp: set[int]) -> dict[str, set]:
    by_g = defaultdict(set)
    for g, k, v in items:
        by_g[g].add((k, v))
    out: dict[str, set] = defaultdict(set)
    for g, kv in by_g.items():
        keys = {k for k, _ in kv}
        values = [v for _, v in kv]
        out["n_keys"].add((g, len(keys)))
        out["n_pairs"].add((g, len(kv)))
        out["total"].add((g, sum(values)))
        out["total_distinct"].add((g, sum(set(values))))
        out["product"].add((g, math.prod(values)))
        out["lo"].add((g, min(values)))
        out["hi"].add((g, max(values)))
        out["best"] |= {(g, k) for k, v in kv if v == max(values)}
        out["worst"] |= {(g, k) for k, v in kv if v == min(values)}
        out["best_pair"] |= {(g, k, v) for k, v in kv if v == max(values)}
        out["worst_pair"] |= {(g, k, v) for k, v in kv if v == min(values)}
        if len(keys) >= 3:
            out["many_keys"].add((g,))
    if items:
        out["n_all"].add((len(items),))
        out["hi_all"].add((max(v for _, _, v in items),))
    else:
        out["n_all"].add((0,))  # count with no group-by over nothing is 0
    for g in grp:
        kv = by_g.get(g, set())
        out["any_big"].add((g, any(v >= 7 for _, v in kv)))
        out["all_small"].add((g, all(v < 7 for _, v in kv)))
        out["count_where"].add((g, len({k for k, _ in kv})))
    out["any_nine"].add((any(v == 9 for _, _, v in items),))
    return out


AGG_RELATIONS = ["n_keys", "n_pairs", "n_all", "total", "total_distinct", "product", "lo", "hi",
                 "best", "worst", "best_pair", "worst_pair", "hi_all", "any_big", "all_small",
                 "count_where", "any_nine", "many_keys"]


def random_items(seed: int):
    rng = random.Random(seed)
    n_groups = rng.randint(1, 6)
    items = set()
    for g in range(n_groups):
        for _ in range(rng.randint(0, 6)):
            items.add((g, rng.randint(0, 4), rng.randint(0, 9)))
    grp = {g for g in range(n_groups + 2) if rng.random() < 0.7}
    return items, grp


@pytest.mark.parametrize("seed", range(20))
def test_aggregations_match_python(seed):
    items, grp = random_items(seed)
    result = compiled(AGG_PROGRAM).run(facts={"item": sorted(items),
                                              "grp": [(g,) for g in sorted(grp)]})
    expected = aggregation_oracle(items, grp)
    for rel in AGG_RELATIONS:
        assert relation_set(result, rel) == expected.get(rel, set()), (
            f"{rel}\nitems={sorted(items)}\ngrp={sorted(grp)}")


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(20, 60))
def test_more_aggregations_match_python(seed):
    test_aggregations_match_python(seed)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sets(st.tuples(st.integers(-2, 3), st.integers(-5, 9)), max_size=6),
                max_size=4),
       st.sets(st.integers(0, 5), max_size=5))
def test_aggregations_match_python_hypothesis(groups, grp):
    # at most 6 (key, value) pairs per group keep `prod` inside i32
    items = {(g, k, v) for g, pairs in enumerate(groups) for k, v in pairs}
    result = compiled(AGG_PROGRAM).run(facts={"item": sorted(items),
                                              "grp": [(g,) for g in sorted(grp)]})
    expected = aggregation_oracle(items, grp)
    for rel in AGG_RELATIONS:
        assert relation_set(result, rel) == expected.get(rel, set()), rel


@pytest.mark.parametrize("rule,expected", [
    # With no group-by there is exactly one group; over no facts count and sum give 0,
    # exists gives false, forall gives true, and min/max/argmax give nothing.
    ("rel out(n) = n := count(x: empty(x))", {(0,)}),
    ("rel out(n) = n := sum(x: empty(x))", {(0,)}),
    ("rel out(b) = b := exists(x: empty(x))", {(False,)}),
    ("rel out(b) = b := forall(x: empty(x) implies x > 0)", {(True,)}),
    ("rel out(n) = n := max(x: empty(x))", set()),
    ("rel out(n) = n := min(x: empty(x))", set()),
    ("rel out(n) = n := argmax[n](x: empty2(n, x))", set()),
    # Grouped without `where`: groups without matches do not exist.
    ("rel out(g, n) = n := count(x: empty2(g, x))", set()),
])
def test_aggregation_over_nothing(rule, expected):
    program = f"type empty(i32)\ntype empty2(i32, i32)\n{rule}\n"
    result = compile_program(program).run()
    assert relation_set(result, "out") == expected


def test_count_is_over_distinct_bindings():
    """Aggregation ranges over a set: one fact per distinct binding, duplicates merged."""
    program = """
        rel r = {(1, "a"), (1, "b"), (2, "a"), (2, "a")}
        rel by_letter(n) = n := count(s: r(_, s))
        rel by_pair(n) = n := count(i, s: r(i, s))
    """
    result = compile_program(program).run()
    assert relation_set(result, "by_letter") == {(2,)}
    assert relation_set(result, "by_pair") == {(3,)}


def test_aggregation_result_feeds_later_strata():
    program = """
        rel edge = {(0, 1), (0, 2), (1, 2), (2, 0), (3, 0)}
        rel out_degree(x, n) = n := count(y: edge(x, y))
        rel max_degree(m) = m := max(n: out_degree(_, n))
        rel hub(x) = out_degree(x, n) and max_degree(n)
        rel hub_count(c) = c := count(x: hub(x))
    """
    result = compile_program(program).run()
    assert relation_set(result, "out_degree") == {(0, 2), (1, 1), (2, 1), (3, 1)}
    assert relation_set(result, "hub") == {(0,)}
    assert relation_set(result, "hub_count") == {(1,)}


AGG_SPEC = [
    # Scallop's documented examples (scallop-lang.org, "Aggregations")
    pytest.param('rel sales = {("alice", 1000.0), ("bob", 1200.0), ("christine", 1000.0)}\n'
                 "rel out(s) = s := sum[p](sp: sales(p, sp))", {(3200.0,)}, id="sum-with-key"),
    pytest.param('rel sales = {("alice", 1000.0), ("bob", 1200.0), ("christine", 1000.0)}\n'
                 "rel out(s) = s := sum(sp: sales(p, sp))", {(2200.0,)}, id="sum-without-key"),
    pytest.param('rel colors = {"red", "green", "blue"}\n'
                 'rel obj_color = {(0, "red"), (1, "red"), (2, "blue"), (3, "red")}\n'
                 "rel out(col, num) = num := count(obj: obj_color(obj, col) where col: colors(col))",
                 {("blue", 1), ("green", 0), ("red", 3)}, id="count-where"),
    pytest.param('rel grade = {(0, "tom", 50), (0, "jerry", 70), (0, "alice", 60), (1, "bob", 80), '
                 '(1, "sherry", 90), (1, "frank", 30)}\n'
                 "rel out(c, s) = s := argmax[s](g: grade(c, s, g))",
                 {(0, "jerry"), (1, "sherry")}, id="argmax-grouped"),
    pytest.param('rel r = {(0, "a"), (1, "b"), (1, "a"), (0, "c"), (0, "d")}\n'
                 "rel out(i) = i := count(s: r(o, s))", {(4,)}, id="count-projects-inner-vars"),
    # more shapes
    pytest.param("rel node = {0, 1, 2, 3}\nrel edge = {(0, 1), (1, 2)}\n"
                 "rel out(n) = n := count(x: node(x) and not edge(x, _))", {(2,)},
                 id="count-with-negation"),
    pytest.param('rel name = {"carol", "alice", "bob"}\n'
                 "rel out(a, b) = a := min(s: name(s)) and b := max(s: name(s))",
                 {("alice", "carol")}, id="min-max-of-strings"),
    pytest.param("rel r = {(1, 1, 5), (1, 2, 7), (2, 1, 7), (2, 2, 3)}\n"
                 "rel out(a, b) = (a, b) := argmax[a, b](v: r(a, b, v))", {(1, 2), (2, 1)},
                 id="argmax-two-args"),
    pytest.param("rel r = {(1, 1, 5), (1, 2, 7), (2, 1, 7), (2, 2, 3)}\n"
                 "rel out(a, n) = n := count(b, v: r(a, b, v) and v > 4)", {(1, 2), (2, 1)},
                 id="count-with-comparison"),
    pytest.param("rel e = {(0, 1), (0, 2), (1, 2)}\n"
                 "rel out(x, b) = b := exists(y: e(x, y))", {(0, True), (1, True)},
                 id="exists-grouped-without-where"),
    pytest.param("rel r = {(0, 2), (1, 3)}\nrel out(p) = p := prod[k](v: r(k, v))", {(6,)},
                 id="prod"),
    pytest.param("rel r = {(0, 0.5), (1, 0.5), (2, 0.25)}\nrel out(s) = s := sum[k](v: r(k, v))",
                 {(1.25,)}, id="sum-of-floats"),
]


@pytest.mark.parametrize("text,expected", AGG_SPEC)
def test_aggregation_examples(text, expected):
    result = compile_program(text).run()
    assert relation_set(result, "out") == expected


# =============================================================================================
# Integer arithmetic

ARITH_CASES = [
    # type, op, x, y, x op y (None: no fact)
    ("i32", "/", 7, 2, 3), ("i32", "/", -7, 2, -3), ("i32", "/", 7, -2, -3),
    ("i32", "/", -7, -2, 3), ("i32", "/", 6, 3, 2), ("i32", "/", 1, 2, 0), ("i32", "/", -1, 2, 0),
    ("i32", "%", 7, 3, 1), ("i32", "%", -7, 3, -1), ("i32", "%", 7, -3, 1),
    ("i32", "%", -7, -3, -1), ("i32", "%", 6, 3, 0),
    ("i32", "/", 5, 0, None), ("i32", "%", 5, 0, None), ("i32", "/", 0, 0, None),
    ("i64", "/", -9, 4, -2), ("i64", "%", -9, 4, -1), ("i64", "/", 5, 0, None),
    ("u32", "/", 7, 2, 3), ("u32", "%", 7, 0, None),
    ("i32", "+", 2147483647, 0, 2147483647), ("i32", "+", 2147483647, 1, None),
    ("i32", "-", -2147483648, 1, None), ("i32", "*", 65536, 32768, None),
    ("i32", "*", -65536, 32768, -2147483648), ("i32", "/", -2147483648, -1, None),
    ("i8", "+", 100, 27, 127), ("i8", "+", 100, 28, None), ("i8", "-", -100, 28, -128),
    ("i8", "-", -100, 29, None), ("i8", "*", 16, 8, None), ("i8", "*", -16, 8, -128),
    ("i8", "/", -128, -1, None),
    ("i16", "*", 200, 200, None), ("i16", "+", 32000, 767, 32767),
    ("u8", "-", 3, 5, None), ("u8", "-", 5, 5, 0), ("u8", "+", 200, 55, 255),
    ("u8", "+", 200, 56, None), ("u8", "*", 16, 16, None),
    ("u16", "-", 0, 1, None), ("u32", "+", 4294967295, 1, None),
    ("i64", "+", 9223372036854775807, 0, 9223372036854775807),
    ("i64", "+", 9223372036854775807, 1, None), ("i64", "*", 4611686018427387904, 2, None),
    ("i64", "-", -9223372036854775808, 1, None),
    ("usize", "-", 0, 1, None), ("isize", "/", -7, 2, -3),
    # types wider than 64 bits: exact, with their own ranges
    ("u64", "+", 9223372036854775807, 1, 9223372036854775808),
    ("u64", "+", 18446744073709551614, 1, 18446744073709551615),
    ("u64", "+", 18446744073709551615, 1, None),
    ("i128", "+", 9223372036854775807, 1, 9223372036854775808),
    ("i128", "*", 4611686018427387904, 4, 18446744073709551616),
    ("i128", "-", -9223372036854775808, 1, -9223372036854775809),
    ("u128", "*", 18446744073709551616, 2, 36893488147419103232),
]


@pytest.mark.parametrize("ty,op,x,y,expected", ARITH_CASES,
                         ids=[f"{t}:{x}{o}{y}" for t, o, x, y, _ in ARITH_CASES])
def test_integer_arithmetic(ty, op, x, y, expected):
    program = f"""
        type a(x: {ty}, y: {ty})
        type out(r: {ty})
        rel a = {{({x}, {y})}}
        rel out(x {op} y) = a(x, y)
    """
    result = compile_program(program).run()
    assert relation_set(result, "out") == (set() if expected is None else {(expected,)})


@pytest.mark.parametrize("ty,value", [
    ("u64", 18446744073709551615), ("i128", 170141183460469231731687303715884105727),
    ("i128", -170141183460469231731687303715884105728),
    ("u128", 340282366920938463463374607431768211455), ("usize", 18446744073709551615),
])
def test_integer_literals_use_the_whole_range_of_their_type(ty, value):
    result = compile_program(f"type r({ty})\nrel r({value})\n").run()
    assert relation_set(result, "r") == {(value,)}


def test_failing_arithmetic_drops_only_its_own_rows():
    program = """
        rel a = {(6, 3), (5, 0), (-9, 2), (1, 0)}
        rel quotient(x, y, x / y) = a(x, y)
        rel remainder(x, y, x % y) = a(x, y)
    """
    result = compile_program(program).run()
    assert relation_set(result, "quotient") == {(6, 3, 2), (-9, 2, -4)}
    assert relation_set(result, "remainder") == {(6, 3, 0), (-9, 2, -1)}


def test_failing_arithmetic_in_a_comparison_drops_the_row():
    program = """
        rel a = {(6, 3), (5, 0), (8, 2)}
        rel ok(x, y) = a(x, y) and x / y > 2
    """
    result = compile_program(program).run()
    assert relation_set(result, "ok") == {(8, 2)}


def test_overflow_in_an_equation_yields_no_fact():
    program = """
        type n(i8)
        rel n = {1, 100, 120}
        rel double(x, y) = n(x) and y == x * 2
    """
    result = compile_program(program).run()
    assert relation_set(result, "double") == {(1, 2)}


@pytest.mark.parametrize("expr,expected", [
    ("x + y * 2", 7), ("(x + y) * 2", 10), ("x - y - 1", 0), ("x * y % 4", 2),
    ("x / y * y", 2), ("-x + y", -1), ("x - -y", 5),
])
def test_operator_precedence(expr, expected):
    program = f"rel a = {{(3, 2)}}\nrel out({expr}) = a(x, y)\n"
    result = compile_program(program).run()
    assert relation_set(result, "out") == {(expected,)}


@pytest.mark.parametrize("expr,expected", [
    ("$abs(x)", 7), ("$min(x, y)", -7), ("$max(x, y)", 2), ("$max(x, y, 5)", 5),
    ("(x as f64) / 2.0", -3.5), ("(y as f64) * 0.25", 0.5),
    ("if x < y then 1 else 0", 1), ("if x > y then x else y", 2),
])
def test_numeric_expressions(expr, expected):
    program = f"rel a = {{(-7, 2)}}\nrel out({expr}) = a(x, y)\n"
    result = compile_program(program).run()
    assert relation_set(result, "out") == {(expected,)}


@pytest.mark.parametrize("expr,expected", [
    ('$string_concat(s, "!")', {("abc!",)}),
    ("$string_length(s)", {(3,)}),
    ("$substring(s, 1, 3)", {("bc",)}),
    ("$substring(s, 2, 5)", set()),   # out of range: no fact
    ("$substring(s, 2, 1)", set()),   # begin after end: no fact
    ("$string_char_at(s, 0)", {("a",)}),
    ("$string_char_at(s, 3)", set()),
    ("$string_upper(s)", {("ABC",)}),
    ('$format("<{}|{}>", s, 42)', {("<abc|42>",)}),
])
def test_string_functions(expr, expected):
    program = f'rel w = {{"abc"}}\nrel out({expr}) = w(s)\n'
    result = compile_program(program).run()
    assert relation_set(result, "out") == expected
