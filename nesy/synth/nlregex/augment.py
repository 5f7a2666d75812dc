"""Equivalence-aware training data: a regex's tokens rewritten into a semantically equal
regex by reordering the operands of its unions and intersections (both commutative and
associative), group by group.

Trained on such variants, the translator spreads its probability over the orders a
description leaves open instead of betting on one; nesy's re-ranker (`rerank`) then adds the
probabilities of the equivalent candidates back together.
"""
from __future__ import annotations

import random
from typing import Sequence


def shuffle_operands(tokens: Sequence[str], rng: random.Random) -> tuple[str, ...]:
    """`tokens` with the operands of every `|` and `&` chain in a random order: at each
    level (the whole regex, each group), the alternatives split at top-level `|` and, in each,
    the conjuncts split at top-level `&` (`|` binds loosest, then `&`: the parts are whole
    operands); groups are rewritten inside first."""
    tokens = list(tokens)
    out: list[str] = []
    level = [out]  # the open groups' token lists, innermost last
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "\\" and i + 1 < len(tokens):  # an escape: the next token is plain
            level[-1].extend(tokens[i:i + 2])
            i += 2
            continue
        if token == "(":
            level.append([])
        elif token == ")" and len(level) > 1:
            inner = _reorder(level.pop(), rng)
            level[-1].extend(["(", *inner, ")"])
        else:
            level[-1].append(token)
        i += 1
    while len(level) > 1:  # unbalanced: leave the unclosed groups as they were
        inner = level.pop()
        level[-1].extend(["(", *inner])
    return tuple(_reorder(out, rng))


def _reorder(tokens: list[str], rng: random.Random) -> list[str]:
    alternatives = [_join(_shuffled(_split(alternative, "&"), rng), "&")
                    for alternative in _split(tokens, "|")]
    return _join(_shuffled(alternatives, rng), "|")


def _split(tokens: list[str], operator: str) -> list[list[str]]:
    """Top-level split (groups were already folded into `tokens` balanced, so depth counts
    parentheses; `[...]` and escapes hold no operator of this level)."""
    parts, depth, current, previous = [], 0, [], None
    for token in tokens:
        if token == operator and depth == 0 and previous != "\\":
            parts.append(current)
            current = []
        else:
            depth += (token == "(") - (token == ")")
            current.append(token)
        previous = token
    parts.append(current)
    return parts


def _shuffled(parts: list, rng: random.Random) -> list:
    if len(parts) > 1 and all(parts):
        parts = parts[:]
        rng.shuffle(parts)
    return parts


def _join(parts: list[list[str]], operator: str) -> list[str]:
    out: list[str] = []
    for n, part in enumerate(parts):
        out.extend(([operator] if n else []) + part)
    return out
