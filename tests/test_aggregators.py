"""Aggregators are one file each, found through a registry (`nesy.aggregators`).

Specified here: an aggregator defined outside the package (`parity`, below) works end to end
under set semantics and over possible worlds (against brute-force enumeration of the worlds);
every aggregator's declared empty-group result is what a program gets; aggregation
diagnostics have a code and fields, and unknown names are checked against the registry;
the package stays below the front end and the engine.
"""
from __future__ import annotations

import ast
import importlib.util
import itertools
import re
from pathlib import Path

import numpy as np
import pytest

import nesy
from nesy import aggregators
from nesy.aggregators import Aggregator, _sets, _worlds
from nesy_testing import compile_program, relation_set


class Parity(Aggregator):
    """`b := parity(x: body)`: whether the body has an odd number of distinct bindings."""

    name = "parity"
    example = "b := parity(x: r(x))"
    reads_values = False
    empty = False

    def result_types(self, args, values):
        return [frozenset(["bool"])]

    def sets(self, group, n_groups, values):
        return _sets.every_group(np.bincount(group, minlength=n_groups) % 2 == 1)

    def worlds(self, prov, group, n_groups, values, tags):
        flips = np.ones(len(group), dtype=bool)
        return _worlds.fold(prov, group, n_groups, flips, tags, np.logical_xor, self.empty)


@pytest.fixture
def parity():
    registered = aggregators.register(Parity)
    yield registered
    aggregators.unregister("parity")


PARITY_PROGRAM = """
type r(g: i32, x: i32)
type grp(g: i32)
rel odd(g, b) = b := parity(x: r(g, x) where g: grp(g))
rel odd_pairs(b) = b := parity(g, x: r(g, x))
query odd
query odd_pairs
"""
GROUPS = [1, 2, 3]  # group 3 never has a row
INDEPENDENT = [(0.5, (1, 10)), (0.4, (1, 11)), (0.7, (2, 10)), (0.2, (9, 10))]  # 9: no group
DISJUNCTION = [(0.3, (1, 12)), (0.6, (2, 12))]  # at most one of them holds


def parity_oracle(rows: set) -> dict[str, set]:
    """Set semantics in plain Python."""
    return {"odd": {(g, sum(1 for rg, _ in rows if rg == g) % 2 == 1) for g in GROUPS},
            "odd_pairs": {(len(rows) % 2 == 1,)}}


def worlds():
    """Every possible world of the facts above, with its probability."""
    choices = [[(p, {row}), (1 - p, set())] for p, row in INDEPENDENT]
    choices.append([(p, {row}) for p, row in DISJUNCTION] +
                   [(1 - sum(p for p, _ in DISJUNCTION), set())])
    for world in itertools.product(*choices):
        yield float(np.prod([p for p, _ in world])), set().union(*(rows for _, rows in world))


def test_a_registered_aggregator_runs_under_set_semantics(parity):
    assert_parity_under_set_semantics()


def test_a_registered_aggregator_runs_over_possible_worlds(parity):
    assert_parity_over_possible_worlds()


def assert_parity_under_set_semantics():
    rows = {row for _, row in INDEPENDENT + DISJUNCTION}
    result = compile_program(PARITY_PROGRAM).run(
        facts={"r": sorted(rows), "grp": [(g,) for g in GROUPS]})
    expected = parity_oracle(rows)
    assert relation_set(result, "odd") == expected["odd"] == {(1, True), (2, False), (3, False)}
    assert relation_set(result, "odd_pairs") == expected["odd_pairs"] == {(False,)}


def assert_parity_over_possible_worlds():
    expected: dict[tuple, float] = {}
    for p, rows in worlds():
        for rel, tuples in parity_oracle(rows).items():
            for t in tuples:
                expected[(rel, t)] = expected.get((rel, t), 0.0) + p
    result = compile_program(PARITY_PROGRAM).run("exact", facts={
        "r": [*INDEPENDENT, nesy.Disjunction(DISJUNCTION)], "grp": [(g,) for g in GROUPS]})
    actual = {(rel, t): result[rel].prob(t) for rel in ("odd", "odd_pairs") for t in result[rel]}
    keys = sorted(set(actual) | set(expected))
    assert [actual.get(k, 0.0) for k in keys] == pytest.approx(
        [expected.get(k, 0.0) for k in keys], abs=1e-12), keys


def test_an_unregistered_aggregator_is_unknown_again(parity):
    compile_program(PARITY_PROGRAM)
    aggregators.unregister("parity")
    try:
        with pytest.raises(nesy.CompileError) as error:
            compile_program(PARITY_PROGRAM)
        assert {d.code for d in error.value.diagnostics} == {"unknown-aggregator"}
    finally:
        aggregators.register(parity)


def test_unknown_aggregators_are_listed_from_the_registry(parity):
    with pytest.raises(nesy.CompileError) as error:
        compile_program("rel r(1)\nrel n(c) = c := zzz(x: r(x))")
    [d] = error.value.diagnostics
    assert d.code == "unknown-aggregator"
    assert d.fields == {"name": "zzz", "available": aggregators.names()}
    assert "parity" in d.fields["available"] and "parity" in d.hint
    assert "count" in d.fields["available"] and "count" in d.hint


def test_unknown_aggregator_suggests_the_closest_name():
    with pytest.raises(nesy.CompileError) as error:
        compile_program("rel r(1)\nrel n(c) = c := cout(x: r(x))")
    [d] = error.value.diagnostics
    assert (d.code, d.message, d.hint) == (
        "unknown-aggregator", "unknown aggregator 'cout'", "did you mean 'count'?")


def test_register_refuses_a_taken_name_and_non_aggregators():
    class Count(Parity):
        name = "count"

    with pytest.raises(ValueError, match="already registered"):
        aggregators.register(Count)
    with pytest.raises(TypeError):
        aggregators.register(object())
    assert aggregators.get("count").__class__.__name__ == "Count"
    assert aggregators.get("count").__module__ == "nesy.aggregators.count"


@pytest.mark.parametrize("rule,code,fields", [
    ("rel n(c) = c := sum(x, y: r(x) and r(y))", "aggregator-values",
     {"aggregator": "sum", "expected": 1, "got": 2}),
    ("rel n(c) = c := argmax(x: r(x))", "aggregator-needs-args", {"aggregator": "argmax"}),
    ("rel n(c, d) = (c, d) := count(x: r(x))", "aggregator-results",
     {"aggregator": "count", "expected": 1, "got": 2}),
    ("rel n(c) = c := max[x](x: r(x))", "aggregator-results",
     {"aggregator": "max", "expected": 2, "got": 1}),
    ("rel n(b) = b := forall(x: r(x))", "aggregator-needs-implies", {"aggregator": "forall"}),
    ("rel n(c) = c := count(x: r(x) implies r(x))", "misplaced-implies",
     {"aggregator": "count", "allowed_in": ["forall"]}),
    ("rel n(x) = r(x) implies r(x)", "unsafe-variable",  # `not r(x) or r(x)`, as Scallop
     {"variable": "x", "place": "not"}),
])
def test_aggregation_diagnostics_have_a_code_and_fields(rule, code, fields):
    with pytest.raises(nesy.CompileError) as error:
        compile_program(f"rel r(1)\n{rule}\n")
    assert [(d.code, d.fields) for d in error.value.diagnostics] == [(code, fields)]


class Position(Aggregator):
    """`(i, v) := position(v: body)`: each value with its 0-based rank in its group (set
    semantics only): a result that mixes a computed column with one copied from the row."""

    name = "position"
    n_values = 1

    def result_columns(self, n_args, n_values):
        return [None, n_args]

    def result_types(self, args, values):
        return [frozenset(["usize"]), values[0]]

    def sets(self, group, n_groups, values):
        order = np.lexsort((values, group))
        first = np.searchsorted(group[order], group[order], side="left")
        rank = np.empty(len(group), dtype=np.int64)
        rank[order] = np.arange(len(group)) - first
        return group, np.arange(len(group)), rank


def test_a_result_can_mix_computed_and_copied_columns():
    aggregators.register(Position)
    try:
        result = compile_program("""
            rel score = {("a", 30), ("a", 10), ("b", 7), ("a", 20)}
            rel ranked(p, i, s) = (i, s) := position(s: score(p, s))
        """).run()
    finally:
        aggregators.unregister("position")
    assert relation_set(result, "ranked") == {("a", 0, 10), ("a", 1, 20), ("a", 2, 30),
                                              ("b", 0, 7)}


def _empty_group_program(aggregator: Aggregator) -> str:
    """`aggregator` over a `where` group that has no rows, written from its declarations."""
    args = ["k"] if aggregator.needs_args else []
    values = [f"v{i}" for i in range(aggregator.n_values or 1)]
    body = f"item(g, k, {', '.join(values)})"
    if aggregator.needs_implies:
        body = f"{body} implies v0 > 0"
    results = [f"o{i}" for i in range(aggregator.n_results(len(args), len(values)))]
    brackets = f"[{', '.join(args)}]" if args else ""
    if any(default is None for *_, default in aggregator.positional_params):
        brackets = "<1>" + brackets  # a required parameter (`uniform<k>`)
    vtype = {"string": "String", "float": "f64"}.get(aggregator.value_class, "i32")
    return (f"type item(g: i32, k: i32, {', '.join(f'{v}: {vtype}' for v in values)})\n"
            f"rel grp(1)\n"
            f"rel out(g, {', '.join(results)}) = ({', '.join(results)}) := "
            f"{aggregator.name}{brackets}({', '.join(values)}: {body} where g: grp(g))\n")


@pytest.mark.parametrize("name", aggregators.names())
@pytest.mark.parametrize("provenance", ["unit", "exact"])
def test_an_empty_group_gets_the_declared_empty_result(name, provenance):
    aggregator = aggregators.get(name)
    result = compile_program(_empty_group_program(aggregator)).run(provenance)
    expected = set() if aggregator.empty is None else {(1, aggregator.empty)}
    assert relation_set(result, "out") == expected
    assert all(result["out"].prob(t) == pytest.approx(1.0) for t in expected)


def test_rows_outside_every_where_group_take_no_part():
    """Rows whose key is not a `where` group belong to no group, under every provenance."""
    program = compile_program("""
        rel grp = {1, 2, 3}
        rel 0.5::r(10, 1)
        rel 0.5::r(11, 1)
        rel 0.5::r(12, 9)
        rel 0.5::r(13, 9)
        rel 0.5::r(14, 3)
        rel n(g, c) = c := count(x: r(x, g) where g: grp(g))
        rel m(g, x) = x := max(x: r(x, g) where g: grp(g))
    """)
    result = program.run("exact")
    assert {t: result["n"].prob(t) for t in result["n"]} == pytest.approx({
        (1, 0): 0.25, (1, 1): 0.5, (1, 2): 0.25, (2, 0): 1.0, (3, 0): 0.5, (3, 1): 0.5})
    assert {t: result["m"].prob(t) for t in result["m"]} == pytest.approx({
        (1, 10): 0.25, (1, 11): 0.5, (3, 14): 0.5})
    assert relation_set(program.run(), "m") == {(1, 11), (3, 14)}


STDLIB = ("__future__", "copy", "dataclasses", "importlib", "itertools", "pkgutil", "typing")


def test_the_aggregators_package_imports_only_itself_the_registry_and_numpy():
    """The front end reads aggregators without loading the engine, provenances or torch (the
    generic registry, `nesy.registry`, is a leaf)."""
    package = Path(aggregators.__file__).parent
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.level == 1 or node.module in STDLIB or (
                    node.level, node.module) == (2, "registry"), (path.name, node.module)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name in ("numpy", *STDLIB), (path.name, alias.name)


DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_language_reference_lists_every_aggregator():
    text = (DOCS / "language.md").read_text(encoding="utf-8")
    section = text[text.index("## Aggregation"):text.index("## Queries")]
    listed = re.findall(r"^\| `(\w+)` \|", section, flags=re.M)
    assert len(listed) == len(set(listed)) and sorted(listed) == aggregators.names()


def test_the_extension_guide_example_is_a_working_aggregator_file(tmp_path):
    """The file shown in docs/extending.md, loaded as a module of the package."""
    text = (DOCS / "extending.md").read_text(encoding="utf-8")
    guide = text[text.index("## Adding an aggregator"):]
    path = tmp_path / "parity.py"
    path.write_text(re.search(r"```python\n(.*?)```", guide, flags=re.S).group(1),
                    encoding="utf-8")
    spec = importlib.util.spec_from_file_location("nesy.aggregators.parity", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    aggregators.register(module.AGGREGATOR)
    try:
        assert_parity_under_set_semantics()
        assert_parity_over_possible_worlds()
    finally:
        aggregators.unregister("parity")


@pytest.mark.parametrize("provenance", ["unit", "exact"])
def test_a_product_outside_its_type_has_no_value_in_any_world(provenance):
    """2^40 * 2^30 leaves i64 (it is 0 modulo 2^64): no value, never a wrapped-around one."""
    program = compile_program("""
        type q(k: i32, v: i64)
        rel big(t) = t := prod[k](v: q(k, v))
        rel small(t) = t := prod[k](v: q(k, v) and v < 1000)
    """)
    facts = [(1, 2**40), (2, 2**30), (3, -3)]
    result = program.run(provenance, facts={"q": facts})
    assert relation_set(result, "big") == set()
    assert relation_set(result, "small") == {(-3,)}


def test_running_after_the_aggregator_was_unregistered_is_a_usage_error(parity):
    program = compile_program(PARITY_PROGRAM)
    aggregators.unregister("parity")
    try:
        with pytest.raises(nesy.UsageError, match="'parity' was unregistered"):
            program.run(facts={"r": [(1, 10)], "grp": [(1,)]})
    finally:
        aggregators.register(parity)
