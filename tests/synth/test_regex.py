"""The regex domain: dialects, equivalence, bulk membership, synthesis and `nesy synth regex`."""
import itertools
import json
import re

import pytest

from nesy.cli import main
from nesy.synth.domains.regex import (Any, Concat, Epsilon, Opt, Plus, Star, Union, equivalent,
                                      matches, parse, symbol, to_text)
from nesy.synth.regex import load_task, synthesize
from nesy.errors import CompileError

ROUND_TRIPS = ["(0|1)*01", "~(.*00.*)&1*0?", "a*?", "()|#", "[01]+x", "0(1|0)*&~(.*11.*)",
               "\\*\\|a", "~~a", "(ab)+c?"]


@pytest.mark.parametrize("text", ROUND_TRIPS)
@pytest.mark.parametrize("dialect", ["nesy", "brics"])
def test_printing_a_parsed_regex_gives_it_back(text, dialect):
    regex = parse(text, dialect)
    assert to_text(parse(to_text(regex, dialect), dialect), dialect) == to_text(regex, dialect)
    assert equivalent(parse(to_text(regex, dialect), dialect), regex)


@pytest.mark.parametrize("text", ["(?:0|1)*01", "(?:)|(?!)", "a(?:b|c)?d+", "(?:a*)?", "\\&&"])
def test_python_dialect_round_trips_and_agrees_with_re(text):
    regex = parse(text, "python")
    printed = to_text(regex, "python")
    assert to_text(parse(printed, "python"), "python") == printed
    strings = ["".join(p) for n in range(5) for p in itertools.product("abcd01&", repeat=n)
               if n < 4 or set(p) <= {"0", "1"}]
    expected = [re.fullmatch(text, s) is not None for s in strings]
    assert list(matches(regex, strings)) == expected
    assert [re.fullmatch(printed, s) is not None for s in strings] == expected


def test_brics_extras_mean_what_dk_brics_says():
    assert equivalent(parse('"ab"@', "brics"), parse("ab.*"))
    assert equivalent("~a*", "(~a)*")  # complement binds tighter than the star


# NL-RX regexes (NL-RX-Synth/targ.txt) with `\\b`, each with a regex of the language it denotes
# when `\\b` is the empty string, as the description says ("lines with words ...").
NL_RX_BOUNDARIES = [
    ("\\b([A-Z])&([AEIOUaeiou])\\b", "[AEIOU]"),  # a capital letter and a vowel
    ("(.*)(\\b.\\b)", ".*."),  # lines ending with words that contain only a character
    ("~(\\b([A-Z])(.*)\\b)", "~([A-Z].*)"),  # lines not starting with a capital letter
    ("\\b([a-z]).*((.)|(dog)).*\\b", "[a-z].*(.|dog).*"),
    ("(\\b([A-Za-z])|([A-Z])|([a-z])\\b)+", "[A-Za-z]+"),
]


@pytest.mark.parametrize("text, meaning", NL_RX_BOUNDARIES)
def test_brics_word_boundaries_of_nl_rx_match_the_empty_string(text, meaning):
    regex = parse(text, "brics")
    assert equivalent(regex, parse(meaning, "brics"))
    printed = to_text(regex, "brics")
    assert "\\b" not in printed and equivalent(parse(printed, "brics"), regex)
    assert to_text(parse(printed, "brics"), "brics") == printed
    assert equivalent(parse("\\b", "nesy"), "b")  # elsewhere `\\b` is the escaped letter


def test_python_cannot_print_intersection_or_complement():
    with pytest.raises(Exception, match="intersection"):
        to_text(parse("a&b"), "python")
    with pytest.raises(Exception, match="complement"):
        to_text(parse("~a"), "python")


@pytest.mark.parametrize("a, b, same", [
    ("(0|1)*", "(0*1*)*", True),
    ("0*", "0+", False),
    ("(0|1)*&~(.*00.*)", "(1|01)*0?", True),
    ("(ab)*a", "a(ba)*", True),
    ("a?a?", "(a|())(a|())", True),
    ("#", "~(.*)", True),
    ("~.*", "~.", True),  # (~.)*: the complement binds tighter than the star
    ("(0|1)*01", "(0|1)*1", False),
])
def test_equivalence_on_known_pairs(a, b, same):
    assert equivalent(a, b) is same


def test_membership_in_bulk_matches_re():
    regex = parse("(1|01*0)*")
    strings = ["".join(p) for n in range(7) for p in itertools.product("01", repeat=n)]
    assert list(matches(regex, strings)) == [
        re.fullmatch("(?:1|01*0)*", s) is not None for s in strings]


def test_complement_is_over_all_strings():
    assert list(matches(parse("~(0*)"), ["", "0", "1", "01"])) == [False, False, True, True]


def _consistent(regex, positives, negatives):
    compiled = re.compile(to_text(regex, "python"))
    return all(compiled.fullmatch(s) for s in positives) and \
        not any(compiled.fullmatch(s) for s in negatives)


@pytest.mark.parametrize("positives, negatives", [
    (["0", "00", "000"], ["", "1", "01"]),
    (["01", "0101", ""], ["0", "10", "011"]),
    (["1", "11", "101"], ["0", "00", "10"]),
])
def test_small_tasks_are_solved_and_checked_with_re(positives, negatives):
    outcome = synthesize(positives, negatives)
    assert outcome.regex is not None
    assert _consistent(outcome.regex, positives, negatives)


def _all_regexes(size, atoms):
    """Every regex of exactly `size` nodes over the search space (brute force)."""
    if size == 1:
        yield from atoms
        return
    for inner in _all_regexes(size - 1, atoms):
        yield from (Star(inner), Plus(inner), Opt(inner))
    for left in range(1, size - 1):
        for a in _all_regexes(left, atoms):
            for b in _all_regexes(size - 1 - left, atoms):
                yield Union(a, b)
                yield Concat(a, b)


@pytest.mark.parametrize("positives, negatives", [
    (["0", "11"], ["", "1", "01"]),
    (["01", "0011"], ["0", "1", "10"]),
    (["1", "10"], ["0", "01"]),
])
def test_answer_is_as_small_as_brute_force_finds(positives, negatives):
    """Brute force over the same constructors: no smaller regex is consistent."""
    outcome = synthesize(positives, negatives, alphabet="01")
    atoms = [symbol("0"), symbol("1"), Any(), Epsilon()]
    assert outcome.regex.size >= 3  # the brute force below has something to rule out
    for size in range(1, outcome.regex.size):
        assert not any(_consistent(r, positives, negatives) for r in _all_regexes(size, atoms))


def test_contradictory_examples_are_refused():
    with pytest.raises(Exception, match="both positive and negative"):
        synthesize(["01"], ["01"])


# -- task files and the command ------------------------------------------------------------------

def _task(tmp_path, text, name="task"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_wildcards_expand_to_every_symbol(tmp_path):
    task = load_task(_task(tmp_path, "starts with 0\n++\n0X\n--\n1\n"))
    assert task.description == "starts with 0"
    assert set(task.positives) == {"00", "01"} and task.negatives == ("1",)


def test_the_alphabet_option_sets_what_a_wildcard_stands_for(tmp_path):
    task = load_task(_task(tmp_path, "d\n++\nX\n--\n\n"), alphabet="abc")
    assert set(task.positives) == {"a", "b", "c"} and task.negatives == ()


def test_a_string_both_positive_and_negative_is_located(tmp_path):
    path = _task(tmp_path, "d\n++\n0X\n--\n1\n01\n")
    with pytest.raises(CompileError) as error:
        load_task(path)
    [diagnostic] = error.value.diagnostics
    assert diagnostic.code == "regex-task-contradiction"
    assert diagnostic.span.line == 6 and diagnostic.fields["positive_line"] == 3


def test_missing_marks_and_foreign_symbols_are_reported(tmp_path):
    with pytest.raises(CompileError) as error:
        load_task(_task(tmp_path, "d\n0\n"))
    assert {d.code for d in error.value.diagnostics} == {"regex-task-missing-mark"}
    with pytest.raises(CompileError) as error:
        load_task(_task(tmp_path, "d\n++\n0a\n--\n1\n"), alphabet="01")
    [diagnostic] = error.value.diagnostics
    assert (diagnostic.code, diagnostic.span.line, diagnostic.span.column) == \
        ("regex-task-symbol", 3, 2)


def test_the_command_prints_json_checked_by_re(tmp_path, capsys):
    path = _task(tmp_path, "ends with 1\n++\n1\n01\n111\n--\n0\n10\n\n")
    json_path = _task(tmp_path, json.dumps({"positive": ["0", "00"], "negative": ["", "1"]}),
                      "t.json")
    assert main(["synth", "regex", str(path), str(json_path), "--format", "json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["task"] for r in results] == ["task", "t"]
    first = results[0]
    assert equivalent(first["regex"], first["python_regex"].replace("(?:", "("))
    python = first["python_regex"]
    assert re.fullmatch(python, "01") and not re.fullmatch(python, "10")
    assert first["size"] == parse(first["regex"]).size


def test_the_command_reports_a_bad_file_as_a_user_error(tmp_path, capsys):
    assert main(["synth", "regex", str(_task(tmp_path, "d\n++\n0\n--\n0\n"))]) == 1
    assert "both positive and negative" in capsys.readouterr().err


def test_the_equivalence_command(capsys):
    assert main(["synth", "regex-equiv", "(0|1)*", "(0*1*)*"]) == 0
    assert capsys.readouterr().out.strip() == "equivalent"
    assert main(["synth", "regex-equiv", "0*", "0+"]) == 0
    assert "''" in capsys.readouterr().out


# -- AlphaRegex's benchmark ----------------------------------------------------------------------

QUICK = ["no1_start_with_0", "no2_end_with_01", "no6_len_is_3_mul", "no8_even_zeros",
         "no15_except_0_and_1"]


@pytest.mark.parametrize("name", QUICK)
def test_quick_alpharegex_tasks_are_solved(shared_data, name):
    task = load_task(shared_data / "regex" / "alpharegex" / name)
    outcome = synthesize(task.positives, task.negatives, task.alphabet, timeout=10)
    assert outcome.regex is not None and outcome.seconds < 5
    assert _consistent(outcome.regex, task.positives, task.negatives)


@pytest.mark.slow
def test_every_alpharegex_task_is_solved_within_ten_seconds(shared_data):
    for path in sorted((shared_data / "regex" / "alpharegex").glob("no*")):
        task = load_task(path)
        outcome = synthesize(task.positives, task.negatives, task.alphabet, timeout=10)
        assert outcome.regex is not None, path.name
        assert _consistent(outcome.regex, task.positives, task.negatives)


def test_emptiness_and_example_strings_come_from_the_automaton():
    from nesy.synth.domains.regex import examples_of, is_empty
    assert is_empty(parse("0*1&1*0"))
    assert not is_empty(parse("0*1&(0|1)*"))
    assert examples_of(parse("0(1|0)"), 5) == ["00", "01"]


def test_parallel_runs_report_tasks_in_order(tmp_path, capsys):
    paths = [_task(tmp_path, f"d\n++\n{p}\n--\n{n}\n", f"t{i}")
             for i, (p, n) in enumerate([("0", "1"), ("11", "1"), ("01", "10")])]
    assert main(["synth", "regex", *map(str, paths), "--format", "json", "--jobs", "2"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["task"] for r in results] == ["t0", "t1", "t2"]
    assert all(re.fullmatch(r["python_regex"], p) for r, p in zip(results, ["0", "11", "01"]))


@pytest.mark.parametrize("counted, written_out", [
    ("a{3}", "aaa"), ("a{2,}", "aaa*"), ("a{1,3}", "aa?a?"),
    ("(.*[AEIOU].*){2,}", ".*[AEIOU].*[AEIOU].*")])
def test_counted_repetition_is_written_out(counted, written_out):
    assert equivalent(counted, written_out)
    assert equivalent(counted, written_out, dialect="python")
    assert not equivalent(counted, written_out + "a")


def test_syntax_errors_say_where():
    for text, column, problem in [("(ab", 1, "never closed"), ("a{3,2}", 2, "maximum below"),
                                  ("a|*", 3, "unexpected `*`"), ("[01", 1, "never closed")]:
        with pytest.raises(Exception, match=problem) as error:
            parse(text)
        assert error.value.column == column - 1


def test_the_time_limit_holds_on_a_task_too_hard_for_it():
    strings = _hard_strings()
    outcome = synthesize(strings[::2], strings[1::2], timeout=0.5)
    assert (outcome.regex, outcome.stop) == (None, "timeout")
    assert outcome.seconds < 1.5


def _hard_strings():
    import random
    rng = random.Random(1)
    return sorted({"".join(rng.choice("01") for _ in range(rng.randint(1, 9)))
                   for _ in range(40)})


def test_a_tiny_memory_budget_stops_a_hard_task():
    strings = _hard_strings()
    outcome = synthesize(strings[::2], strings[1::2], timeout=30, max_memory_mb=1)
    assert (outcome.regex, outcome.stop) == (None, "memory")


def test_the_generic_search_runs_the_regex_strategy_and_executes_its_answer():
    from nesy.synth import search, strategies
    from nesy.synth.regex import grammar, regex_of

    assert "regex-bottom-up" in strategies.names()
    strings = ["01", "0101", "", "0", "1", "011"]
    wanted = [True, True, True, False, False, False]
    result = search.synthesize(grammar("01"), {"s": strings}, wanted,
                               strategy="regex-bottom-up", first=[0, 3])
    assert result.solved
    assert result.program.run({"s": strings}) == wanted  # executed through the domain
    assert [bool(re.fullmatch("(01)*", s)) for s in strings] == wanted
    assert result.program.size == 6  # matches, s, and a regex of four nodes: (01)*
    assert equivalent(regex_of(result.program), "(01)*")


def test_the_regex_strategy_only_uses_the_grammars_constructors():
    from nesy.synth import search
    from nesy.synth.grammar import Grammar

    g = Grammar({"B": "bool", "R": "Regex", "S": "String"}, "B", {"s": "String"},
                domain="regex")
    g.function("B", "matches", "R", "S").input("S", "s")
    g.constant("R", symbol("0")).constant("R", symbol("1"))
    g.function("R", "union", "R", "R").function("R", "concat", "R", "R")
    strings = ["0", "00", "000", "", "1", "0000"]
    wanted = [True, True, True, False, False, False]
    result = search.synthesize(g, {"s": strings}, wanted, strategy="regex-bottom-up")
    assert result.program.run({"s": strings}) == wanted
    assert not re.search(r"star|plus|opt", str(result.program))


def test_the_regex_strategy_refuses_other_grammars():
    from nesy.errors import UsageError
    from nesy.synth import search
    from nesy.synth.grammar import Grammar

    g = Grammar({"B": "bool"}, "B", {"x": "bool"}).input("B", "x")
    with pytest.raises(UsageError, match="regex strategy searches grammars"):
        search.synthesize(g, {"x": [True]}, [True], strategy="regex-bottom-up")


def test_the_first_round_must_name_existing_examples():
    from nesy.errors import UsageError
    from nesy.synth import search
    from nesy.synth.regex import grammar

    with pytest.raises(UsageError, match="first round"):
        search.synthesize(grammar("01"), {"s": ["0"]}, [True], strategy="regex-bottom-up",
                          first=[3])


def test_a_grammar_of_atoms_alone_is_exhausted_not_searched_forever():
    from nesy.synth import search
    from nesy.synth.grammar import Grammar

    g = Grammar({"B": "bool", "R": "Regex", "S": "String"}, "B", {"s": "String"},
                domain="regex")
    g.function("B", "matches", "R", "S").input("S", "s").constant("R", symbol("0"))
    result = search.synthesize(g, {"s": ["00", "0"]}, [True, False], strategy="regex-bottom-up")
    assert (result.program, result.stop) == (None, "exhausted")


def test_difference_finds_a_shortest_witness_without_listing_the_words_of_a_length():
    """62^10 words share the shortest length here; listing them ran out of memory."""
    import re

    from nesy.synth.domains.regex import difference

    word = difference("[A-Za-z0-9]{10}x", "[A-Za-z0-9]{10}y", "brics")
    assert len(word) == 11
    assert bool(re.fullmatch("[A-Za-z0-9]{10}x", word)) != bool(re.fullmatch("[A-Za-z0-9]{10}y", word))
