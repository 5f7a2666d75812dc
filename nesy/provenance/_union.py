"""The probability of a disjunction of positive proofs (a monotone DNF), counted by one
forward sweep over its variables whose states are the formula's residual functions.

Deciding the variables in a fixed order, the formula left in a world after the first few
decisions is the disjunction of the proofs whose decided facts all hold, each cut down to
its undecided facts. A state keeps exactly that: which proofs are alive, one per distinct
remainder (proofs whose remainders are equal are one, the lowest id standing for them) and
none whose remainder contains another's. That is the remainder's minimal DNF, which a
monotone formula has only one of, so two states are equal exactly when their formulas are:
the states are the nodes of the reduced ordered BDD in this order, and each is visited once,
at its top variable (the first undecided fact of an alive proof). The probability of
reaching each state flows forward; a state in which an alive proof has no fact left adds
its probability to the answer, an empty one drops out.

What differs from building the BDD is the cost per node: the states of one level are rows
of bits (a bit per proof, packed in uint64 words), merged, branched and pruned with a few
numpy operations per level. Measured on the 100 most probable paths of the benchmark's
1,000-edge graphs (2 December 2026, shared 2-core machine): in a layout order where CUDD
built the diagrams (329,163 nodes for the dense DAG, 727,817 for the cyclic graph) in 2.6 s
and 10.7 s, and counting them from Python took 0.9-3.4 s and 4 s more, a first version of
this sweep (boolean rows, scratch `/work/runs/i19b/npdp.py`) visited 329,162 and 727,816
states in 0.43 s and 1.07 s; this one sweeps the layouts `TopKProofs` picks, of 156,103
and 2,132,344 states, in 0.2 s and 1.8 s. The order decides the number of states as it
decides a BDD's size: for paths, their arcs laid out along the graph
(`TopKProofs._layout`) keep it small.
"""
from __future__ import annotations

import numpy as np


def union_probability(proofs, order, probs) -> float:
    """P(at least one proof holds) for proofs that are sets of independent positive facts;
    `order` lists every fact of the proofs (the decision order), `probs[fact]` its
    probability. The proofs must be minimal (none containing another), as `ProofAlgebra.best`
    leaves them."""
    return _sweep(list(proofs), order, probs)[0]


def fewest_states(proofs, orders, sample: int = 40):
    """The order among `orders` in which the sweep of the first `sample` proofs (give them
    most probable first) visits the fewest states, each tried sweep stopped once it passes
    the best so far. A layout's quality hangs on how its ties were broken: on the
    benchmark's cyclic 1,000-edge graph, layouts of the 100 best paths' arcs differing only
    in the vertices' numbering took 0.7 million states to over 3 million, and the ranking
    of five of them on their 40 best paths picked the best (34,000 states against 49,000 to
    581,000)."""
    head = list(proofs)[:sample]
    best, fewest = None, None
    for order in orders:
        found = _sweep(head, order, None, fewest)
        if found is not None:
            best, fewest = order, found[1]
    return best


def _sweep(proofs, order, probs, most=None):
    """(the probability, the number of states visited), or None once more than `most`
    states were visited; `probs` None counts states only. A state is a row of bits, one per
    proof (`_bits`)."""
    if not proofs or not all(proofs):
        return float(bool(proofs)), 0  # no proof: false; an empty proof: true
    level_of = {fact: i for i, fact in enumerate(order)}
    n_levels = len(order)
    occurs = np.zeros((n_levels, len(proofs)), dtype=bool)  # [level, proof]
    for c, proof in enumerate(proofs):
        occurs[[level_of[fact] for fact in proof], c] = True
    first = _first_levels(occurs)
    here = _bits(occurs)
    ends = _bits(occurs & (first[1:] == n_levels))  # the proof's last fact is the level's
    p = np.full(n_levels, 0.5) if probs is None else \
        np.array([probs[fact] for fact in order], dtype=np.float64)
    pending: dict = {}
    _enqueue(pending, _bits(np.ones((1, len(proofs)), dtype=bool)), np.ones(1), first[0])
    total, visited = 0.0, 0
    for level in range(n_levels):
        if level not in pending:
            continue
        states, weights = _merge(pending.pop(level), occurs[level:])
        visited += len(states)
        if most is not None and visited > most:
            return None
        # the fact fails: its proofs die
        absent = states & ~here[level]
        alive = absent.any(axis=1)
        _enqueue(pending, absent[alive], weights[alive] * (1.0 - p[level]), first[level + 1])
        # the fact holds: a proof with no fact left makes the formula true
        done = (states & ends[level]).any(axis=1)
        total += float(weights[done].sum()) * p[level]
        present = _absorb(states[~done], occurs[level], occurs[level + 1:])
        _enqueue(pending, present, weights[~done] * p[level], first[level + 1])
    return total, visited


def _bits(mask) -> np.ndarray:
    """Boolean rows over proofs packed as uint64 words: proof c is bit c % 64 of word
    c // 64. Packed, a level's states are merged and branched a word at a time."""
    n = mask.shape[-1]
    padded = np.zeros((*mask.shape[:-1], -(-n // 64) * 64), dtype=bool)
    padded[..., :n] = mask
    return np.packbits(padded, axis=-1, bitorder="little").view("<u8")


def _unbits(words, n: int) -> np.ndarray:
    """The boolean vector over n proofs of one row of words (`_bits` undone)."""
    return np.unpackbits(words.view(np.uint8), count=n, bitorder="little").astype(bool)


def _bit(c: int):
    """(the word, the bit mask) of proof c."""
    return c // 64, np.uint64(1 << (c % 64))


def _first_levels(occurs) -> np.ndarray:
    """first[i, c]: the first level at or after i holding a fact of proof c (the number of
    levels where there is none); one row more than `occurs`, all "none"."""
    n_levels = len(occurs)
    first = np.full((n_levels + 1, occurs.shape[1]), n_levels, dtype=np.int64)
    for i in range(n_levels - 1, -1, -1):
        first[i] = np.where(occurs[i], i, first[i + 1])
    return first


def _enqueue(pending: dict, states, weights, first_after) -> None:
    """File each state under its top level: the first level after the decided ones holding
    a fact of an alive proof (the levels between change nothing for it)."""
    if not len(states):
        return
    levels = np.unique(first_after)
    masks = _bits(first_after[None, :] == levels[:, None])
    waiting = np.arange(len(states))
    for level, mask in zip(levels.tolist(), masks):
        hit = (states[waiting] & mask).any(axis=1)
        if hit.any():
            chosen = waiting[hit]
            pending.setdefault(level, []).append((states[chosen], weights[chosen]))
            waiting = waiting[~hit]
            if not len(waiting):
                return


def _merge(parts, remaining):
    """The states filed under one level, canonical and each once: proofs whose remainders
    (`remaining`: the occurrence rows from this level on) are equal are replaced by the
    lowest-numbered of them, then equal rows are merged and their weights added."""
    states = np.concatenate([s for s, _ in parts])
    weights = np.concatenate([w for _, w in parts])
    _, stands_for = _unique_rows(_bits(remaining.T))
    replaced = stands_for != np.arange(len(stands_for))
    if replaced.any():
        held_somewhere = np.bitwise_or.reduce(states, axis=0)
        for c in np.flatnonzero(replaced & _unbits(held_somewhere, len(replaced))).tolist():
            (word, bit), (rep_word, rep_bit) = _bit(c), _bit(int(stands_for[c]))
            states[(states[:, word] & bit) != 0, rep_word] |= rep_bit
        states &= ~_bits(replaced)
    first, inverse = _unique_rows(states, inverse=True)
    return states[first], np.bincount(inverse, weights=weights, minlength=len(first))


def _unique_rows(words, inverse: bool = False):
    """(the index of each distinct row's first occurrence, and for each row either the
    first occurrence of its value (`inverse` False) or its distinct value's number)."""
    words = np.ascontiguousarray(words)
    keys = words.view(np.dtype((np.void, words.shape[1] * words.itemsize))).ravel()
    _, first, which = np.unique(keys, return_index=True, return_inverse=True)
    which = which.ravel()
    return first, (which if inverse else first[which])


def _absorb(states, here, remaining):
    """Once the level's fact holds, the proofs holding it (`here`) shrink; drop from each
    row the proofs whose remainder (`remaining`: occurrence rows after the level) now
    contains an alive shrunk proof's (on equal remainders the higher id goes), so that no
    remainder contains another. Only proofs alive in some row are compared."""
    if not len(states):
        return states
    held = _unbits(np.bitwise_or.reduce(states, axis=0), len(here))
    shrunk = np.flatnonzero(here & held)
    if not len(shrunk):
        return states
    rest = _bits(remaining.T)[:, None, :]  # [proof, 1, later levels as words]
    # b's remainder contains shrunk proof i's when it misses none of its facts; equal ones
    # when it has no other (bit operations: a matrix product would call BLAS, whose threads
    # made a 1.5 s run take 7 s on the busy 2-core machine)
    mine = rest[shrunk].transpose(1, 0, 2)  # [1, shrunk, words]
    contains = ~(mine & ~rest).any(axis=2).T & held
    larger = (rest & ~mine).any(axis=2).T
    drop = contains & (larger | (np.arange(len(here)) > shrunk[:, None]))
    drop[np.arange(len(shrunk)), shrunk] = False
    for a, dropped in zip(shrunk.tolist(), drop):
        if dropped.any():
            word, bit = _bit(a)
            states[(states[:, word] & bit) != 0] &= ~_bits(dropped)
    return states
