"""Scallop's aggregators with parameters, extra result columns and weights: `string_join`,
`weighted_avg`/`weighted_sum`, `enumerate`, `rank`, `sort`/`argsort`, `top<k>`/`unique`,
`uniform<k>`/`categorical<k>`, `normalize`/`softmax`, and the discrete form `name!`.

The programs and expected relations are Scallop's own (core/tests/integrate/aggregate.rs,
basic.rs, sampling.rs; doc/src/language/aggregation.md), or worked out by hand from the
semantics in core/src/common/foreign_aggregates; distributions over possible worlds are
checked against enumerating the worlds in the test."""
from __future__ import annotations

import itertools

import pytest

import nesy

from .conftest import codes, run


def weighted(text: str, relation: str, provenance: str) -> dict[tuple, float]:
    result = nesy.compile(text, name="<scallop>").run(provenance=provenance)
    return {tuple(t): result[relation].prob(t) for t in result[relation]}


# ---- string_join ---------------------------------------------------------------------------
def test_string_join_without_and_with_separator_in_row_order():
    words = 'rel my_strings = {"hello", "world"}\n'
    assert run(words + "rel result(j) = j := string_join(s: my_strings(s))", "result") == \
        {("helloworld",)}
    assert run(words + 'rel result(j) = j := string_join<" ">(s: my_strings(s))', "result") \
        == {("hello world",)}
    ordered = 'rel my_strings = {(2, "hello"), (1, "world")}\n' \
              'rel result(j) = j := string_join<" ">[i](s: my_strings(i, s))'
    assert run(ordered, "result") == {("world hello",)}


def test_string_join_per_group_and_of_an_empty_group():
    program = '''
        rel g = {1, 2, 3}
        rel w = {(1, 0, "a"), (1, 1, "b"), (2, 0, "c")}
        rel j(k, s) = s := string_join<"-">[i](x: w(k, i, x) where k: g(k))
    '''
    assert run(program, "j") == {(1, "a-b"), (2, "c"), (3, "")}


def test_string_join_all_picks_one_row_per_argument():
    program = '''
        rel symbols = {0.9::(0, "2"); 0.1::(0, "3")}
        rel symbols = {1.0::(1, "*")}
        rel symbols = {1.0::(2, "5")}
        rel formula(s) = s := string_join<all>[i](s: symbols(i, s))
    '''
    assert weighted(program, "formula", "minmaxprob") == pytest.approx(
        {("2*5",): 0.9, ("3*5",): 0.1})


def test_string_join_over_possible_worlds_matches_enumeration():
    facts = [(0.5, 0, "a"), (0.4, 1, "b"), (0.7, 2, "c")]
    program = "rel w = {" + ", ".join(f'{p}::({i}, "{s}")' for p, i, s in facts) + "}\n"
    program += 'rel j(s) = s := string_join<",">[i](x: w(i, x))'
    expected: dict[tuple, float] = {}
    for world in itertools.product([False, True], repeat=len(facts)):
        weight = 1.0
        chosen = []
        for holds, (p, i, s) in zip(world, facts):
            weight *= p if holds else 1 - p
            if holds:
                chosen.append(s)
        key = (",".join(chosen),)
        expected[key] = expected.get(key, 0.0) + weight
    assert weighted(program, "j", "exact") == pytest.approx(expected)


def test_string_join_takes_only_strings_and_known_parameters():
    assert codes('rel n = {1}\nrel j(s) = s := string_join(x: n(x))') == ["type-conflict"]
    (code,) = codes('rel s = {"a"}\nrel d() = x := string_join<unknown_keyword>(y: s(y))')
    assert code == "aggregator-params"


# ---- weighted_avg, weighted_sum ------------------------------------------------------------
def test_weighted_avg_without_probabilities_is_the_mean():
    program = "rel scores = {(0, 55.0), (1, 45.0), (2, 50.0)}\n" \
              "rel avg_score(a) = a := weighted_avg[i](s: scores(i, s))"
    assert run(program, "avg_score") == {(50.0,)}


def test_discrete_weighted_avg_weights_by_probability_with_tag_one():
    program = "rel scores = {0.5::(0, 55.0), 1.0::(1, 45.0), 0.5::(2, 50.0)}\n" \
              "rel avg_score(a) = a := weighted_avg![i](s: scores(i, s))"
    # (0.5 * 55 + 1.0 * 45 + 0.5 * 50) / (0.5 + 1.0 + 0.5) = 48.75, tag one
    assert weighted(program, "avg_score", "minmaxprob") == pytest.approx({(48.75,): 1.0})


def test_weighted_avg_and_sum_over_possible_worlds_match_enumeration():
    facts = [(0.5, 0, 2.0), (0.25, 1, 4.0), (0.8, 2, 8.0)]
    program = "rel v = {" + ", ".join(f"{p}::({i}, {x})" for p, i, x in facts) + "}\n"
    program += "rel a(m) = m := weighted_avg[i](x: v(i, x))\n"
    program += "rel s(m) = m := weighted_sum[i](x: v(i, x))\n"
    averages: dict[tuple, float] = {}
    sums: dict[tuple, float] = {}
    for world in itertools.product([False, True], repeat=len(facts)):
        weight, total, weights = 1.0, 0.0, 0.0
        for holds, (p, _, x) in zip(world, facts):
            weight *= p if holds else 1 - p
            if holds:  # each value weighs its fact's probability, as Scallop's weight
                total, weights = total + p * x, weights + p
        sums[(total,)] = sums.get((total,), 0.0) + weight
        if weights:  # no fact holds: 0/0, no result
            key = (total / weights,)
            averages[key] = averages.get(key, 0.0) + weight
    got = weighted(program, "a", "exact")
    assert [k[0] for k in sorted(got)] == pytest.approx([k[0] for k in sorted(averages)])
    assert [got[k] for k in sorted(got)] == pytest.approx([averages[k] for k in sorted(averages)])
    got = weighted(program, "s", "exact")
    assert [got[k] for k in sorted(got)] == pytest.approx([sums[k] for k in sorted(sums)])


# ---- enumerate, rank, sort, argsort --------------------------------------------------------
def test_enumerate_numbers_rows_in_ascending_order():
    program = 'rel student = {"tom", "jerry"}\n' \
              "rel student_with_id(id, name) = (id, name) := enumerate(name: student(name))"
    assert run(program, "student_with_id") == {(0, "jerry"), (1, "tom")}


@pytest.mark.parametrize("form,expected", [
    ("rank", [(0, 2), (1, 1), (2, 0), (3, 3)]),              # descending by default
    ("rank<desc>", [(0, 2), (1, 1), (2, 0), (3, 3)]),
    ("rank<asc>", [(0, 0), (1, 3), (2, 1), (3, 2)]),
    ("rank<desc=false>", [(0, 0), (1, 3), (2, 1), (3, 2)]),
])
def test_rank_orders_rows_by_probability_and_keeps_their_tags(form, expected):
    program = "rel digit = {0.1::0, 0.3::1, 0.5::2, 0.1::3}\n" \
              f"rel digit_rank(i, d) = (i, d) := {form}(d: digit(d))"
    probability = {0: 0.1, 1: 0.3, 2: 0.5, 3: 0.1}
    assert weighted(program, "digit_rank", "minmaxprob") == pytest.approx(
        {(i, d): probability[d] for i, d in expected})


SCORES = '''
type student_score(stu_id: String, name: String, score: f32)
rel student_score = {("1357", "jam", 10.0), ("2468", "tommy", 6.0), ("3579", "ann", 8.0)}
'''


def test_sort_and_argsort_by_value_descending_by_default():
    assert run(SCORES + "rel r(i, s) = (i, s) := sort(s: student_score(_, _, s))", "r") == \
        {(0, 10.0), (1, 8.0), (2, 6.0)}
    assert run(SCORES + "rel r(i, s) = (i, s) := sort<asc>(s: student_score(_, _, s))",
               "r") == {(0, 6.0), (1, 8.0), (2, 10.0)}
    with_args = "rel r(i, k) = (i, k, s) := sort<desc>[k](s: student_score(k, _, s))"
    assert run(SCORES + with_args, "r") == {(0, "1357"), (1, "3579"), (2, "2468")}
    assert run(SCORES + "rel r = argsort<asc>[k](s: student_score(k, _, s))", "r") == \
        {(0, "2468"), (1, "3579"), (2, "1357")}


def test_ranking_is_per_group():
    program = '''
        rel v = {("a", 3), ("a", 1), ("b", 2)}
        rel r(g, i, x) = (i, x) := sort<asc>(x: v(g, x))
    '''
    assert run(program, "r") == {("a", 0, 1), ("a", 1, 3), ("b", 0, 2)}


# ---- top, unique, samplers -----------------------------------------------------------------
def test_top_k_keeps_the_most_probable_rows():
    program = 'rel student = {"tom", "jerry"}\nrel top_student = top<1>(n: student(n))'
    assert run(program, "top_student") == {("jerry",)}  # equal weights: the smallest row
    program = "rel d = {0.2::1, 0.7::2, 0.5::3, 0.1::4}\nrel t(x) = x := top<2>(x: d(x))"
    assert weighted(program, "t", "minmaxprob") == pytest.approx({(2,): 0.7, (3,): 0.5})
    program = "rel d = {0.2::1, 0.7::2}\nrel t(x) = x := unique(x: d(x))"
    assert weighted(program, "t", "addmultprob") == pytest.approx({(2,): 0.7})


def test_top_in_a_horn_rule_groups_by_the_head_variables():
    program = 'rel r1 = {(0, "b"), (0, "a"), (1, "c")}\n' \
              "rel r2(id, sym) :- sym = top<1>(s: r1(id, s))"
    assert run(program, "r2") == {(0, "a"), (1, "c")}


def test_top_takes_at_most_one_parameter():
    (code,) = codes("rel num = {1, 2, 3, 4}\nrel my_top(x) = x := top<1, 3, 5, 7>(y: num(y))")
    assert code == "aggregator-params"


def test_uniform_and_categorical_draw_k_rows_of_each_group():
    program = "rel numbers = {0, 1, 2, 3}\nrel s(x) = x := uniform<1>(x: numbers(x))"
    (row,) = run(program, "s")
    assert row[0] in {0, 1, 2, 3}
    program = "rel numbers = {0, 1}\nrel s(x) = x := uniform<5>(x: numbers(x))"
    assert run(program, "s") == {(0,), (1,)}  # at most k rows: all of them
    program = "rel d = {0.0::0, 1.0::1}\nrel s(x) = x := categorical<1>(x: d(x))"
    assert weighted(program, "s", "minmaxprob") == {(1,): 1.0}  # weight 0 is never drawn
    assert codes("rel n = {1}\nrel s(x) = x := uniform(x: n(x))") == ["aggregator-params"]


# ---- normalize, softmax --------------------------------------------------------------------
def test_normalize_per_group():
    program = '''
        rel symbols = {0.1::(0, "2"); 0.1::(0, "3")}
        rel symbols = {0.1::(1, "+"); 0.3::(1, "-")}
        rel normalized_symbols(i, s) = s := normalize(s: symbols(i, s))
    '''
    assert weighted(program, "normalized_symbols", "minmaxprob") == pytest.approx({
        (0, "2"): 0.5, (0, "3"): 0.5, (1, "+"): 0.25, (1, "-"): 0.75})


def test_softmax_of_the_probabilities():
    import math

    program = '''
        rel symbols = {0.1::(0, "2"); 0.3::(0, "3")}
        rel softmax_symbols(i, s) = s := softmax(s: symbols(i, s))
    '''
    total = math.exp(0.1) + math.exp(0.3)
    assert weighted(program, "softmax_symbols", "minmaxprob") == pytest.approx({
        (0, "2"): math.exp(0.1) / total, (0, "3"): math.exp(0.3) / total})
    assert run(program, "softmax_symbols") == {(0, "2"), (0, "3")}  # no probabilities


def test_normalize_makes_an_annotated_disjunction_per_group_under_exact():
    program = '''
        rel symbols = {0.1::(0, "2"); 0.1::(0, "3")}
        rel symbols = {0.1::(1, "+"); 0.3::(1, "-")}
        rel n(i, s) = s := normalize(s: symbols(i, s))
        rel both() = n(0, "2"), n(1, "-")
        rel exclusive() = n(0, "2"), n(0, "3")
    '''
    for provenance in ("exact", "topkproofs"):
        assert weighted(program, "n", provenance) == pytest.approx({
            (0, "2"): 0.5, (0, "3"): 0.5, (1, "+"): 0.25, (1, "-"): 0.75})
        assert weighted(program, "both", provenance) == pytest.approx({(): 0.5 * 0.75})
        assert weighted(program, "exclusive", provenance) == {}  # one of each group


# ---- the discrete form, exists/forall as formulas -------------------------------------------
def test_discrete_count_counts_every_row_with_tag_one():
    program = "rel d = {0.2::1, 0.6::2}\nrel n(c) = c := count!(x: d(x))"
    assert weighted(program, "n", "exact") == pytest.approx({(2,): 1.0})


def test_exists_and_forall_as_formulas():
    program = '''
        type Shape = CUBE | SPHERE
        rel obj_shape = {(0, CUBE), (1, SPHERE), (2, SPHERE)}
        rel obj_color = {(0, "red"), (1, "green"), (2, "green")}
        rel all_red_cubes() = forall(o: obj_color(o, "red") implies obj_shape(o, CUBE))
        rel all_cubes() = forall(o: obj_color(o, _) => obj_shape(o, CUBE))
        rel has_blue() = exists(o: obj_color(o, "blue"))
        rel no_blue() = not exists(o: obj_color(o, "blue"))
        rel edge = {(0, 1), (1, 2)}
        rel path(a, b) = edge(a, b)
        rel path(a, c) = exists(b: path(a, b) and edge(b, c))
    '''
    assert run(program, "all_red_cubes") == {()}
    assert run(program, "all_cubes") == set()
    assert run(program, "has_blue") == set()
    assert run(program, "no_blue") == {()}
    assert run(program, "path") == {(0, 1), (1, 2), (0, 2)}


CLEVR = '''
    rel obj = {0, 1, 2}
    rel shape = {(0, "cube"), (1, "sphere"), (2, "cube")}
    rel color = {(0, "blue"), (1, "red"), (2, "red")}
    rel material = {(0, "rubber"), (2, "metal")}
    rel all_shapes = {"cube", "sphere", "cone"}
    rel all_colors = {"blue", "red", "green"}
'''


def test_quantifier_formulas_with_where_and_implication_in_a_body():
    # basic.rs: `=>` in a rule body is `not A or B`; exists/forall formulas take `where`
    program = CLEVR + '''
        rel answer(o) = obj(o) and (shape(o, "cube") => color(o, "blue"))
        rel e(s) :- exists(o: color(o, "blue"), shape(o, s) where s: all_shapes(s))
        rel f(c) = forall(o: color(o, c) and shape(o, "cube") => material(o, "rubber")
                          where c: all_colors(c))
    '''
    assert run(program, "answer") == {(0,), (1,)}  # 2 is a red cube
    assert run(program, "e") == {("cube",)}
    assert run(program, "f") == {("blue",), ("green",)}  # green: no object, vacuously true
    assert codes("rel p(1)\nrel m() = count(y: p(y))") == ["aggregation-form"]
