"""Bottom-up search: finds smallest programs, respects its budgets, never reports a wrong one."""
import pytest

from nesy.errors import UsageError
from nesy.synth.domains.strings import DOMAIN as STRINGS, bustle_grammar
from nesy.synth.grammar import Grammar
from nesy.synth.program import consistent
from nesy.synth.search import Budget, problem, synthesize

from .brute_force import smallest_size


def bustle(rows, outputs, **budget):
    """Solve examples given as rows of inputs with BUSTLE's grammar."""
    columns = {f"var_{i}": [row[i] for row in rows] for i in range(len(rows[0]))}
    return synthesize(bustle_grammar(rows, outputs), columns, outputs, Budget(**budget)), columns


@pytest.mark.parametrize("rows, outputs, program", [
    ([["Ducati100"], ["Honda125"], ["Honda550"]], ["Ducati", "Honda", "Honda"],
     "left(var_0, minus(len(var_0), 3))"),
    ([["john smith"], ["ada lovelace"]], ["John Smith", "Ada Lovelace"], "proper(var_0)"),
    ([["a", "b"], ["c", "d"]], ["a b", "c d"], 'concatenate(var_0, concatenate(" ", var_1))'),
    ([["555-1234"], ["555-9876"]], ["1234", "9876"], "right(var_0, 4)"),
])
def test_small_string_programs_are_found(rows, outputs, program):
    result, columns = bustle(rows, outputs, timeout=60)
    assert result.solved and result.stop == "solved"
    assert consistent(result.program, columns, outputs)
    assert len(str(result.program)) <= len(program) + 20  # a smallest program, maybe another
    assert result.size == bustle(rows, outputs, timeout=60)[0].size  # deterministic


def test_the_smallest_program_is_found_first():
    result, _ = bustle([["ab"], ["cd"]], ["AB", "CD"], timeout=60)
    assert str(result.program) == "upper(var_0)" and result.size == 2


def test_counts_and_time_are_reported():
    result, _ = bustle([["x y"], ["u v"]], ["x", "u"], timeout=60)
    assert result.candidates > 0 and result.values > 0 and result.seconds >= 0


def test_incremental_and_plain_search_find_programs_of_the_same_size():
    rows = [["Mary Jones"], ["Bob Lee"]]  # right(var_0, 5) fits the first example alone
    outputs = ["Jones", "Lee"]
    grammar = bustle_grammar(rows, outputs)
    columns = {"var_0": [r[0] for r in rows]}
    plain = synthesize(grammar, columns, outputs, Budget(timeout=60), incremental=False)
    stepwise = synthesize(grammar, columns, outputs, Budget(timeout=60))
    assert plain.solved and stepwise.solved and plain.size == stepwise.size


def test_the_candidate_budget_is_exact():
    result, _ = bustle([["abc"], ["xyz"]], ["impossible!", "outputs?"], max_candidates=5000)
    assert not result.solved and result.stop == "candidates" and result.candidates == 5000
    assert "candidate budget of 5,000 reached" in result.message


def test_the_time_budget_stops_the_search():
    result, _ = bustle([["abc"], ["xyz"]], ["impossible!", "outputs?"], timeout=0.5)
    assert not result.solved and result.stop == "timeout"
    assert 0.5 <= result.seconds < 5


def test_the_time_budget_can_count_processor_seconds():
    result, _ = bustle([["abc"], ["xyz"]], ["impossible!", "outputs?"], timeout=0.3, clock="cpu")
    assert result.stop == "timeout" and result.message == "time budget of 0.3 CPU s reached"


def test_the_memory_budget_stops_the_search_with_a_clear_message():
    result, _ = bustle([["abc"], ["xyz"]], ["impossible!", "outputs?"], max_memory_mb=1,
                       timeout=60)
    assert result.stop == "memory" and "memory budget of 1 MB reached" in result.message


def test_the_size_budget_stops_the_search():
    g = Grammar({"S": "String"}, "S", {"x": "String"}).input("S", "x")
    g.function("S", "concatenate", "S", "S")
    result = synthesize(g, {"x": ["a"]}, ["b"], Budget(max_size=6))
    assert result.stop == "max-size" and result.size_reached == 6


def test_a_search_space_without_new_values_is_exhausted():
    """upper and lower only ever give back values already seen: the search ends by itself."""
    g = Grammar({"S": "String"}, "S", {"x": "String"}).input("S", "x").constant("S", "c")
    g.function("S", "upper", "S").function("S", "lower", "S")
    result = synthesize(g, {"x": ["a"]}, ["b"])
    assert result.stop == "exhausted" and not result.solved


def test_chains_and_several_nonterminals_of_one_type():
    g = Grammar({"Start": "String", "W": "String", "N": "i64"}, "Start", {"x": "String"})
    g.chain("Start", "W").function("Start", "upper", "W")
    g.input("W", "x").constant("N", 1).function("W", "left", "W", "N")
    result = synthesize(g, {"x": ["hello", "world"]}, ["H", "W"])
    assert str(result.program) == "upper(left(x, 1))"


def test_a_start_symbol_that_only_chains_shares_the_values_of_its_target():
    g = Grammar({"Start": "String", "W": "String"}, "Start", {"x": "String"}).chain("Start", "W")
    g.input("W", "x").function("W", "upper", "W")
    result = synthesize(g, {"x": ["a"]}, ["A"])
    assert str(result.program) == "upper(x)" and result.values == 2  # stored once, not twice


def test_programs_use_registered_python_functions():
    @STRINGS.functions.register("test_synth_reverse", ["String"], "String")
    def reverse(s):
        return s[::-1]

    g = Grammar({"S": "String"}, "S", {"x": "String"}).input("S", "x")
    g.function("S", "test_synth_reverse", "S").function("S", "upper", "S")
    try:
        result = synthesize(g, {"x": ["abc", "de"]}, ["CBA", "ED"])
    finally:
        STRINGS.functions.unregister("test_synth_reverse")
    assert str(result.program) in ("upper(test_synth_reverse(x))", "test_synth_reverse(upper(x))")


def test_examples_must_match_the_grammar_inputs():
    g = Grammar({"S": "String"}, "S", {"x": "String"}).input("S", "x")
    with pytest.raises(UsageError):
        problem(g, {"y": ["a"]}, ["a"])
    with pytest.raises(UsageError):
        problem(g, {"x": []}, [])


def _tiny(build):
    g = Grammar({"S": "String", "I": "i64"}, "S", {"x": "String"}).input("S", "x")
    g.constant("I", 1).constant("I", 2).constant("S", "-")
    return build(g)


@pytest.mark.parametrize("build, examples", [
    (lambda g: g.function("S", "concatenate", "S", "S"), (["ab", "c"], ["ab-ab", "c-c"])),
    (lambda g: g.function("S", "concatenate", "S", "S").function("S", "left", "S", "I"),
     (["abc", "xyz"], ["a-abc", "x-xyz"])),
    (lambda g: g.function("S", "upper", "S").function("S", "right", "S", "I")
     .function("S", "concatenate", "S", "S"), (["abc", "de"], ["BC-", "DE-"])),
    (lambda g: g.function("S", "rept", "S", "I").function("I", "len", "S")
     .function("S", "mid", "S", "I", "I"), (["ab", "xyz"], ["bb", "yyy"])),
])
def test_answers_have_the_size_of_the_smallest_consistent_program(build, examples):
    inputs, outputs = {"x": examples[0]}, examples[1]
    result = synthesize(_tiny(build), inputs, outputs, Budget(timeout=60))
    assert result.solved and consistent(result.program, inputs, outputs)
    assert result.size == smallest_size(_tiny(build), inputs, outputs, max_size=7)
