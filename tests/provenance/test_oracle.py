"""Random programs (joins, projections, negation, annotated disjunctions) against oracles:
ProbLog for the exact provenances, the scalar definitions for addmult/minmax, and for the
top-k provenances Scallop's count: the probability that some consistent proof (no two
members of one disjunction) holds, every fact an independent variable."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from nesy.provenance import make

from .programs import closed_form, problog_rows, random_program, run

SEEDS = range(25)
SCALLOP_SEEDS = range(8)  # the Scallop-count oracle enumerates fact sets per row: dearer


def probabilities(prov, tags) -> list[float]:
    return [float(p) for p in prov.output(tags)]


@pytest.mark.parametrize("name,k", [("exact", None), ("diffexact", None),
                                    ("topkproofs", 10_000), ("difftopkproofs", 10_000)])
@pytest.mark.parametrize("seed", SEEDS)
def test_exact_provenances_equal_problog(name, k, seed, route):
    """Top-k with every proof kept is ProbLog's answer where no annotated disjunction is
    involved (with them it counts as Scallop does: the next test)."""
    prov = make(name, k)
    program = random_program(np.random.default_rng(seed), n_facts=6, n_layers=6,
                             disjunctions=prov.disjunctions == "distribution")
    assert probabilities(prov, run(prov, program)) == pytest.approx(problog_rows(program), abs=1e-9)


@pytest.mark.parametrize("name", ["topkproofs", "difftopkproofs"])
@pytest.mark.parametrize("seed", SCALLOP_SEEDS)
def test_topk_with_every_proof_counts_disjunctions_as_scallop(name, seed, route):
    """Positive programs with annotated disjunctions: the probability that one of the row's
    minimal consistent fact sets holds, with every fact independent (Scallop's count)."""
    program = random_program(np.random.default_rng(seed), n_facts=6, n_layers=6, negation=False)
    prov = make(name, 10_000)
    assert probabilities(prov, run(prov, program)) == pytest.approx(_scallop_rows(program),
                                                                    abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_topk_output_is_the_exact_count_of_the_kept_proofs(seed):
    """With a small k each tag keeps at most k proofs, and the output is the probability that
    at least one kept proof holds (checked by enumerating the worlds of independent facts)."""
    program = random_program(np.random.default_rng(seed), n_facts=6, n_layers=6)
    prov = make("topkproofs", 2)
    tags = run(prov, program)
    assert all(len(dnf) <= 2 for dnf in tags)
    expected = [_dnf_probability(_in_rows(dnf, program), _independent_worlds(program))
                for dnf in tags]
    assert probabilities(prov, tags) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed,disjunctions", [*((s, False) for s in SEEDS),
                                               *((s, True) for s in SCALLOP_SEEDS)])
def test_topk_without_negation_is_a_lower_bound(seed, disjunctions):
    """Of Scallop's count of every proof; without annotated disjunctions that is ProbLog's
    answer (with them top-k need not stay below ProbLog's: {0.5::a; 0.5::b} gives a or b
    0.75 against 1)."""
    program = random_program(np.random.default_rng(seed), n_facts=6, n_layers=6, negation=False,
                             disjunctions=disjunctions)
    prov = make("topkproofs", 1)
    lower = probabilities(prov, run(prov, program))
    upper = _scallop_rows(program) if disjunctions else problog_rows(program)
    assert all(p <= q + 1e-12 for p, q in zip(lower, upper))


@pytest.mark.parametrize("name", ["addmultprob", "diffaddmultprob"])
@pytest.mark.parametrize("seed", SEEDS)
def test_addmultprob_follows_its_definition(name, seed):
    program = random_program(np.random.default_rng(seed))
    prov = make(name)
    expected = closed_form(program, lambda a, b: a * b, lambda xs: min(sum(xs), 1.0),
                           lambda a: 1.0 - a)
    assert probabilities(prov, run(prov, program)) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("name", ["minmaxprob", "diffminmaxprob"])
@pytest.mark.parametrize("seed", SEEDS)
def test_minmaxprob_follows_its_definition(name, seed):
    program = random_program(np.random.default_rng(seed))
    prov = make(name)
    expected = closed_form(program, min, max, lambda a: 1.0 - a)
    assert probabilities(prov, run(prov, program)) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(10))
def test_proofs_of_positive_programs_are_the_minimal_fact_sets(seed):
    """Without negation, a row's proofs are exactly the minimal sets of facts that are
    consistent (no two members of one disjunction) and derive the row in every world."""
    program = random_program(np.random.default_rng(seed), n_facts=5, n_layers=5, negation=False)
    prov = make("proofs")
    proofs = prov.output(run(prov, program))
    for row, row_proofs in enumerate(proofs):
        assert _in_rows(row_proofs, program) == _minimal_fact_sets(program, row)


@pytest.mark.parametrize("seed", range(10))
def test_proofs_hold_in_exactly_the_worlds_where_the_row_holds(seed):
    program = random_program(np.random.default_rng(seed), n_facts=5, n_layers=6)
    prov = make("proofs")
    tags = run(prov, program)
    for world, _ in _worlds(program):
        dnfs = [_in_rows(dnf, program) for dnf in tags]
        assert [any(_holds(p, world) for p in dnf) for dnf in dnfs] == _truth(program, world)


# -- brute-force oracles over possible worlds ---------------------------------------------------
def _in_rows(dnf, program) -> set:
    """Proofs with fact ids (probabilistic facts numbered in order) renamed to fact rows."""
    row = [i for i, p in enumerate(program.probs) if p is not None]
    return {frozenset(row[lit] if lit >= 0 else ~row[~lit] for lit in proof) for proof in dnf}


def _worlds(program):
    """Every possible world (truth value per fact) with its probability."""
    choices = []
    for i, (p, g) in enumerate(zip(program.probs, program.groups.tolist())):
        if g >= 0 and i == int(np.flatnonzero(program.groups == g)[0]):
            members = np.flatnonzero(program.groups == g).tolist()
            rest = 1.0 - sum(program.probs[j] for j in members)
            choices.append([({j}, program.probs[j]) for j in members] + [(set(), rest)])
        elif g < 0:
            choices.append([({i}, 1.0)] if p is None else [({i}, p), (set(), 1.0 - p)])
    for combo in itertools.product(*choices):
        yield set().union(*(c[0] for c in combo)), float(np.prod([c[1] for c in combo]))


def _independent_worlds(program):
    """Every world with its probability when each fact is independent, members of a
    disjunction included (Scallop's weighted model count)."""
    choices = [[({i}, 1.0)] if p is None else [({i}, p), (set(), 1.0 - p)]
               for i, p in enumerate(program.probs)]
    for combo in itertools.product(*choices):
        yield set().union(*(c[0] for c in combo)), float(np.prod([c[1] for c in combo]))


def _holds(proof, world) -> bool:
    return all((lit in world) if lit >= 0 else (~lit not in world) for lit in proof)


def _dnf_probability(dnf, worlds) -> float:
    return sum(w for world, w in worlds if any(_holds(p, world) for p in dnf))


def _scallop_rows(program) -> list[float]:
    """Scallop's count of a positive program's rows: some minimal consistent fact set holds."""
    return [_dnf_probability(_minimal_fact_sets(program, row), _independent_worlds(program))
            for row in range(program.size)]


def _truth(program, world) -> list[bool]:
    """Every row's truth value in one world, by direct boolean evaluation."""
    rows = [i in world for i in range(program.n_facts)]
    for layer in program.layers:
        if layer[0] == "and":
            rows += [rows[a] and rows[b] for a, b in zip(layer[1], layer[2])]
        elif layer[0] == "not":
            rows += [not rows[a] for a in layer[1]]
        else:
            rows += [any(rows[r] for r, g in zip(layer[1], layer[2]) if g == k)
                     for k in range(layer[3])]
    return rows


def _minimal_fact_sets(program, row) -> set:
    facts = [i for i, p in enumerate(program.probs) if p is not None]
    certain = {i for i, p in enumerate(program.probs) if p is None}
    worlds = [w for w, _ in _worlds(program)]
    found = set()
    for size in range(len(facts) + 1):
        for chosen in map(set, itertools.combinations(facts, size)):
            if any(q <= chosen for q in found):
                continue
            if any(w >= chosen for w in worlds) and _truth(program, chosen | certain)[row]:
                found.add(frozenset(chosen))
    return found


@pytest.mark.parametrize("seed", range(8))
def test_exact_without_cudd_equals_problog(seed, monkeypatch):
    """The pure-Python BDD (used where dd.cudd is not installed) gives the same answers."""
    from nesy.provenance import _manager, exact

    monkeypatch.setattr(exact, "make_manager", _manager.PythonManager)
    program = random_program(np.random.default_rng(seed), n_facts=6, n_layers=6)
    prov = make("exact")
    assert isinstance(prov.manager, _manager.PythonManager)
    assert probabilities(prov, run(prov, program)) == pytest.approx(problog_rows(program), abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_exact_with_cudd_reordering_equals_problog(seed, monkeypatch):
    """Sifting mid-run (here after every projection) keeps every formula's identity."""
    from nesy.provenance import _manager

    if _manager._cudd is None:
        pytest.skip("dd.cudd is not installed")
    monkeypatch.setattr(_manager.CuddManager, "REORDER_AT", 0)
    program = random_program(np.random.default_rng(seed), n_facts=6, n_layers=6)
    prov = make("exact")
    assert probabilities(prov, run(prov, program)) == pytest.approx(problog_rows(program), abs=1e-9)
