"""The SCAN learner on tiny synthetic languages, on a renamed SCAN, and as a nesy program.

Expected translations come from each language's own interpretation function written here
(and, for SCAN, from the generator of `nesy.datasets.scan`), never from the learner."""
from __future__ import annotations

import itertools
import random

import pytest

import nesy
from nesy.datasets import scan
from nesy.pipelines._scan_grammar import Grammar, learn
from nesy.pipelines._scan_program import program_text, translate_all
from nesy_testing import run_cli_in_process


def _engine(grammar: Grammar, commands):
    """Translations by the written nesy program, run by the engine (all commands at once)."""
    program = nesy.compile(program_text(grammar, 0, commands[0]))
    return [r.actions for r in translate_all(program, grammar, commands)]


# ---- a tiny language: three primitives, a repeating modifier, a swapping connective --------
PRIMS = {"ba": ("P",), "ko": ("Q",), "mi": ("R", "S")}


def tiny(command):
    """The reference interpreter: `x lo` = x x, `x zu y` = y x, lo binds tighter than zu."""
    words = list(command)
    if "zu" in words:
        k = words.index("zu")
        return tiny(words[k + 1:]) + tiny(words[:k])
    if words[-1] == "lo":
        return tiny(words[:-1]) * 2
    (word,) = words
    return PRIMS[word]


def _phrases():
    return [(p,) for p in PRIMS] + [(p, "lo") for p in PRIMS]


def test_learns_primitives_and_a_modifier_exactly():
    train = [(c, tiny(c)) for c in [("ba",), ("ko",), ("mi",), ("ba", "lo"), ("ko", "lo")]]
    grammar = learn(train)
    assert grammar.translate(("mi", "lo")) == [("R", "S", "R", "S")]
    assert _engine(grammar, [("mi", "lo"), ("ba",)]) == [("R", "S", "R", "S"), ("P",)]


def test_learns_a_connective_and_precedence_from_few_pairs():
    every = [(a + ("zu",) + b) for a, b in itertools.product(_phrases(), repeat=2)] + _phrases()
    random.Random(0).shuffle(every)
    train = [c for c in every if "mi" not in c or len(c) == 1][:20] + [("mi",), ("ba", "lo"), ("ba", "zu", "ko", "lo"),
                                                                     ("ba", "lo", "zu", "ko")]
    grammar = learn([(c, tiny(c)) for c in train])
    test = [c for c in every if c not in train]
    assert _engine(grammar, test) == [tiny(c) for c in test]


def test_learns_words_never_used_alone_jointly():
    train = [("ba", "lo"), ("ko", "lo"), ("ba", "zu", "ko"), ("ko", "zu", "ba"), ("mi", "zu", "ba"),
             ("ba", "lo", "zu", "ko"), ("ko", "zu", "mi", "lo")]
    grammar = learn([(c, tiny(c)) for c in train])
    test = [("mi",), ("ba",), ("mi", "lo"), ("mi", "lo", "zu", "ba", "lo")]
    assert [grammar.translate(c) for c in test] == [[tiny(c)] for c in test]


def test_learns_a_prefix_operator_with_a_constant():
    # `do x` = Z x: a prefix operator adding its own action
    train = [(("ba",), ("P",)), (("ko",), ("Q",)), (("do", "ba"), ("Z", "P"))]
    grammar = learn(train)
    assert grammar.translate(("do", "ko")) == [("Z", "Q")]


def test_words_it_never_learned_are_reported_per_command():
    grammar = learn([(("ba",), ("P",)), (("ba", "lo"), ("P", "P"))])
    results = translate_all(nesy.compile(program_text(grammar, 2, ("ba",))), grammar,
                            [("ba", "lo"), ("ba", "xx"), ("lo",)])
    assert results[0].actions == ("P", "P")
    assert results[1].actions is None and "unknown word: xx" in results[1].problem
    assert results[2].actions is None and "does not parse" in results[2].problem


# ---- SCAN with every word and action renamed ------------------------------------------------
def _renamed(pairs, seed=7):
    rng = random.Random(seed)
    words = sorted({w for p in pairs for w in p.command})
    actions = sorted({a for p in pairs for a in p.actions})
    new_words = dict(zip(words, rng.sample([f"w{i}q" for i in range(100)], len(words))))
    new_actions = dict(zip(actions, rng.sample([f"A{i}" for i in range(100)], len(actions))))
    return [(tuple(new_words[w] for w in p.command), tuple(new_actions[a] for a in p.actions)) for p in pairs]


def test_learns_a_renamed_scan_add_jump_from_a_sample_exactly():
    train, test = scan.split("addprim_jump")
    seen = _renamed(train)
    rng = random.Random(1)
    # the primitive's single pair, and a sample of the rest
    sample = sorted(set(seen), key=lambda p: (len(p[0]), p))[:60] + rng.sample(seen, 1500)
    grammar = learn(sample)
    checked = rng.sample(_renamed(test), 300)  # the same renaming: seed 7
    got = _engine(grammar, [c for c, _ in checked])
    assert got == [a for _, a in checked]


def test_the_written_program_passes_nesy_check_and_runs(tmp_path):
    grammar = learn([(c, tiny(c)) for c in [("ba",), ("ko",), ("mi",), ("ba", "lo"), ("ko", "zu", "ba"),
                                                    ("ko", "zu", "ba", "lo")]])
    path = tmp_path / "interpreter.nesy"
    path.write_text(program_text(grammar, 6, ("mi", "lo", "zu", "ko")))
    checked = run_cli_in_process("check", str(path))
    assert checked.returncode == 0, checked.stderr
    ran = run_cli_in_process("run", str(path), "--format", "json")
    assert ran.returncode == 0, ran.stderr
    assert " ".join(tiny(("mi", "lo", "zu", "ko"))) in ran.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", scan.SPLITS)
def test_every_scan_split_is_learned_exactly(name):
    train, test = scan.split(name)
    grammar = learn((p.command, p.actions) for p in train)
    assert _engine(grammar, [p.command for p in test]) == [p.actions for p in test]
