"""nesy's question templates for CLEVR's nine families, and how one is instantiated.

A template is a family, wordings, and a `build` function that writes the functional program
through a `Builder`. The builder runs each node on the scene as soon as it is added, so a
template is instantiated by walking its program once: a description that must pick out one
object is chosen among the descriptions that do so in the set at hand (never by rejection),
and CLEVR's rules are checked where they apply:
- unique: every `unique` gets exactly one object;
- no degenerate relates: a relation followed by a filter must select something other than
  the filter alone would (otherwise the relation says nothing);
- null constraints: a question never names the attribute it asks about (or compares, or asks
  to match);
- distinct objects where a template compares or combines two of them.
A rule that fails raises `Invalid` and the instantiation is dropped. Wordings draw synonyms
and optional words (`[...]`) at random. `ask` picks among several valid instantiations by
their answers, favouring the answers the template has given least so far (answer balancing).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .programs import Invalid, answer_text, apply
from .vocab import ATTRIBUTES, VALUES, words

CANDIDATES = 4  # valid instantiations drawn per question, to choose an answer from
#: How often a template is skipped on a scene where all its instantiations give one answer:
#: scenes that do not discriminate would otherwise push a template towards its most likely
#: answer (two objects of the same colour are rare, so "same color?" would be mostly "no").
FORCED_SKIP = 0.75


@dataclass
class Description:
    """A filter's attribute values (None: not mentioned), worded with drawn synonyms."""

    values: dict
    rng: np.random.Generator

    def _pick(self, value: str) -> str:
        options = words(value)
        return options[self.rng.integers(len(options))]

    def __format__(self, spec: str) -> str:
        adjectives = [self._pick(self.values[a]) for a in ("size", "color", "material") if self.values[a]]
        noun = self._pick(self.values["shape"] or "thing")
        if "s" in spec:
            noun = noun + ("es" if noun.endswith(("x", "s")) else "s")
        phrase = " ".join(adjectives + [noun])
        if "a" in spec:
            phrase = ("an " if phrase[0] in "aeiou" else "a ") + phrase
        return phrase


@dataclass
class Relation:
    name: str
    rng: np.random.Generator

    def __format__(self, spec: str) -> str:
        options = words(self.name)
        return options[self.rng.integers(len(options))]


def attribute_masks(scene: dict) -> dict:
    """attribute -> value -> the objects having it, as a bit set (bit i: object i)."""
    masks = {a: {v: 0 for v in VALUES[a]} for a in ATTRIBUTES}
    for i, obj in enumerate(scene["objects"]):
        for a in ATTRIBUTES:
            masks[a][obj[a]] = masks[a].get(obj[a], 0) | 1 << i
    return masks


def _bits(objects) -> int:
    return sum(1 << o for o in objects)


@dataclass
class Builder:
    """Writes a program node by node, running each node on the scene as it is added."""

    scene: dict
    rng: np.random.Generator
    masks: dict  # attribute -> value -> bit set of the objects having it (`attribute_masks`)
    program: list = field(default_factory=list)
    results: list = field(default_factory=list)
    words: dict = field(default_factory=dict)

    def add(self, function: str, *inputs: int, values: tuple = ()) -> int:
        result = apply(function, [self.results[i] for i in inputs], list(values), self.scene)
        self.program.append({"function": function, "inputs": list(inputs), "value_inputs": list(values)})
        self.results.append(result)
        return len(self.program) - 1

    def result(self, node: int):
        return self.results[node]

    def objects(self) -> list[dict]:
        return self.scene["objects"]

    def _filters(self, node: int, values: dict) -> int:
        for a in ATTRIBUTES:
            if values[a] is not None:
                node = self.add(f"filter_{a}", node, values=(values[a],))
        return node

    def _matching(self, values: dict, among: int) -> int:
        """The objects of bit set `among` that have `values` (a bit set)."""
        for a, v in values.items():
            if v is not None:
                among &= self.masks[a][v]
        return among

    def _degenerate(self, values: dict, selected: int, subject: int | None) -> bool:
        """After a relate or same_* of `subject`, a filter that selects what it would select
        among all other objects makes the relation degenerate (it says nothing)."""
        if subject is None:
            return False
        others = ((1 << len(self.objects())) - 1) & ~(1 << subject)
        return self._matching(values, others) == selected

    def _describe(self, name: str, values: dict, node: int) -> int:
        """Filters `node`'s set by `values`, recording the wording under `name`."""
        self.words[name] = Description(values, self.rng)
        return self._filters(node, values)

    def unique(self, name: str, node: int, null: tuple = (), subject: int | None = None) -> int:
        """`unique(filter(node))` with a description, drawn at random, that picks out one
        object of node's set without naming the `null` attributes (and, after a relation,
        without making it degenerate)."""
        pool = sorted(self.results[node])
        if not pool:
            raise Invalid("nothing to describe")
        target = self.objects()[pool[self.rng.integers(len(pool))]]
        free = [a for a in ATTRIBUTES if a not in null]
        own = [self.masks[a][target[a]] for a in free]
        within = _bits(pool)
        others = None if subject is None else ((1 << len(self.objects())) - 1) & ~(1 << subject)
        fitting = []
        for mask in range(1 << len(free)):
            chosen, alone = within, others
            for k, bits in enumerate(own):
                if mask >> k & 1:
                    chosen &= bits
                    alone = None if alone is None else alone & bits
            if chosen & (chosen - 1) == 0 and alone != chosen:  # one object, not degenerate
                fitting.append(mask)
        if not fitting:
            raise Invalid("no description picks out one object")
        mask = fitting[self.rng.integers(len(fitting))]
        values = {a: None for a in ATTRIBUTES}
        values.update((a, target[a]) for k, a in enumerate(free) if mask >> k & 1)
        return self.add("unique", self._describe(name, values, node))

    def filter(self, name: str, node: int, null: tuple = (), subject: int | None = None) -> int:
        """`filter(node)` by a description drawn at random: most often from one object of the
        set (so that the answer is not always 0 or no), else from the whole vocabulary."""
        pool = sorted(self.results[node])
        model = self.objects()[pool[self.rng.integers(len(pool))]] if pool and self.rng.random() < 0.7 else None
        values = {}
        for a in ATTRIBUTES:
            use = a not in null and self.rng.random() < 0.45
            values[a] = (model[a] if model else VALUES[a][self.rng.integers(len(VALUES[a]))]) if use else None
        out = self._describe(name, values, node)
        if self._degenerate(values, _bits(self.results[out]), subject):
            raise Invalid("degenerate relation")
        return out

    def relate(self, name: str, node: int) -> int:
        relation = ("left", "right", "behind", "front")[self.rng.integers(4)]
        self.words[name] = Relation(relation, self.rng)
        return self.add("relate", node, values=(relation,))

    def distinct(self, a: int, b: int) -> None:
        if self.results[a] == self.results[b]:
            raise Invalid("the question needs two different objects")


@dataclass(frozen=True)
class Template:
    family: str  # CLEVR's family, named as its template file: zero_hop, one_hop, ...
    texts: tuple[str, ...]
    build: Callable[[Builder], int]  # adds the program, returns its answer node (the last)


# -- wording helpers ------------------------------------------------------------------------------

def _word(text: str, rng: np.random.Generator, fields: dict) -> str:
    text = re.sub(r"\[([^\]]*)\] ?", lambda m: m.group(1) + " " if rng.random() < 0.5 else "", text)
    text = text.format(**fields)
    return text[0].upper() + text[1:]


QUERY_TEXTS = {
    "size": ("What size is the {o}?", "How big is the {o}?", "What is the size of the {o}?"),
    "color": ("What color is the {o}?", "What is the color of the {o}?", "The {o} is what color?"),
    "material": ("What material is the {o} made of?", "What is the {o} made of?",
                 "What is the material of the {o}?"),
    "shape": ("What shape is the {o}?", "What is the shape of the {o}?", "The {o} has what shape?"),
}


def _chain(b: Builder, hops: int) -> int:
    """unique(filter(relate(... unique(filter(scene))))) over `hops` relations: the object
    named last in the wording is found first. Returns the set after the last relation."""
    node = b.unique("d0", b.add("scene"))
    for hop in range(hops):
        subject = b.result(node)
        node = b.relate(f"r{hop}", node)
        if hop < hops - 1:
            node = b.unique(f"d{hop + 1}", node, subject=subject)
    return node


def _hop_phrase(hops: int) -> str:
    """'the {d2} that is {r1} the {d1} that is {r0} the {d0}' style object chains."""
    phrase = "{d0}"
    for hop in range(1, hops):
        phrase = "{d%d} [that is] {r%d} the " % (hop, hop - 1) + phrase
    return phrase


def _hop_templates(family: str, hops: int) -> list[Template]:
    tail = "{r%d} the " % (hops - 1) + _hop_phrase(hops)

    def last(b):
        set_node = _chain(b, hops)
        return set_node, b.result(b.program[set_node]["inputs"][0])

    def counted(b):
        node, subject = last(b)
        return b.add("count", b.filter("x", node, subject=subject))

    def exists(b):
        node, subject = last(b)
        return b.add("exist", b.filter("x", node, subject=subject))

    out = [Template(family, ("How many {x:s} are " + tail + "?",
                             "What number of {x:s} are " + tail + "?"), counted),
           Template(family, ("Is there {x:a} " + tail + "?",
                             "Are there any {x:s} " + tail + "?"), exists)]
    for attr in ATTRIBUTES:
        def query(b, attr=attr):
            node, subject = last(b)
            return b.add(f"query_{attr}", b.unique("x", node, null=(attr,), subject=subject))

        texts = tuple(t.replace("{o}", "{x} [that is] " + tail) for t in QUERY_TEXTS[attr])
        out.append(Template(family, texts, query))
    return out


def _zero_hop() -> list[Template]:
    def counted(b):
        return b.add("count", b.filter("x", b.add("scene")))

    def exists(b):
        return b.add("exist", b.filter("x", b.add("scene")))

    out = [Template("zero_hop", ("How many {x:s} are there?", "What number of {x:s} are [there] in the scene?",
                                 "Count the {x:s}."), counted),
           Template("zero_hop", ("Is there {x:a}?", "Are there any {x:s}?", "Does the scene contain {x:a}?"),
                    exists)]
    for attr in ATTRIBUTES:
        def query(b, attr=attr):
            return b.add(f"query_{attr}", b.unique("x", b.add("scene"), null=(attr,)))

        out.append(Template("zero_hop", tuple(t.replace("{o}", "{x}") for t in QUERY_TEXTS[attr]), query))
    return out


def _both_related(b: Builder) -> int:
    """intersect(relate(unique A, r0), relate(unique B, r1)) for two different objects."""
    a = b.unique("d0", b.add("scene"))
    c = b.unique("d1", b.add("scene"))
    b.distinct(a, c)
    return b.add("intersect", b.relate("r0", a), b.relate("r1", c))


def _single_and() -> list[Template]:
    both = "{r0} the {d0} and {r1} the {d1}"

    def counted(b):
        node = _both_related(b)
        return b.add("count", b.filter("x", node))

    def exists(b):
        node = _both_related(b)
        return b.add("exist", b.filter("x", node))

    out = [Template("single_and", ("How many {x:s} are both " + both + "?",
                                   "What number of {x:s} are " + both + "?"), counted),
           Template("single_and", ("Is there {x:a} that is both " + both + "?",
                                   "Are there any {x:s} " + both + "?"), exists)]
    for attr in ATTRIBUTES:
        def query(b, attr=attr):
            node = _both_related(b)
            return b.add(f"query_{attr}", b.unique("x", node, null=(attr,)))

        texts = tuple(t.replace("{o}", "{x} [that is] " + both) for t in QUERY_TEXTS[attr])
        out.append(Template("single_and", texts, query))
    return out


def _single_or() -> list[Template]:
    def two_sets(b):
        a, c = b.filter("d0", b.add("scene")), b.filter("d1", b.add("scene"))
        if not b.result(a) or not b.result(c) or b.result(a) == b.result(c):
            raise Invalid("'or' of two sets needs two different, non-empty sets")
        return b.add("count", b.add("union", a, c))

    def either_related(b):
        a = b.unique("d0", b.add("scene"))
        c = b.unique("d1", b.add("scene"))
        b.distinct(a, c)
        return b.add("count", b.filter("x", b.add("union", b.relate("r0", a), b.relate("r1", c))))

    return [Template("single_or", ("How many things are {d0:s} or {d1:s}?",
                                   "What number of objects are either {d0:s} or {d1:s}?"), two_sets),
            Template("single_or", ("How many {x:s} are {r0} the {d0} or {r1} the {d1}?",
                                   "What number of {x:s} are either {r0} the {d0} or {r1} the {d1}?"),
                     either_related)]


def _compare_integer() -> list[Template]:
    def counts(b):
        a, c = b.filter("d0", b.add("scene")), b.filter("d1", b.add("scene"))
        if b.words["d0"].values == b.words["d1"].values:
            raise Invalid("comparing a set with itself")
        return b.add("count", a), b.add("count", c)

    def comparing(function):
        return lambda b: b.add(function, *counts(b))

    return [Template("compare_integer", ("Are there the same number of {d0:s} and {d1:s}?",
                                         "Is the number of {d0:s} the same as the number of {d1:s}?",
                                         "Are there as many {d0:s} as {d1:s}?"), comparing("equal_integer")),
            Template("compare_integer", ("Are there fewer {d0:s} than {d1:s}?",
                                         "Is the number of {d0:s} less than the number of {d1:s}?"),
                     comparing("less_than")),
            Template("compare_integer", ("Are there more {d0:s} than {d1:s}?",
                                         "Is the number of {d0:s} greater than the number of {d1:s}?"),
                     comparing("greater_than"))]


def _comparison() -> list[Template]:
    texts = {"size": ("Is the {d0} the same size as the {d1}?", "Are the {d0} and the {d1} the same size?"),
             "color": ("Is the {d0} the same color as the {d1}?", "Do the {d0} and the {d1} have the same color?"),
             "material": ("Is the {d0} made of the same material as the {d1}?",
                          "Are the {d0} and the {d1} made of the same material?"),
             "shape": ("Does the {d0} have the same shape as the {d1}?",
                       "Are the {d0} and the {d1} the same shape?")}
    out = []
    for attr in ATTRIBUTES:
        def compare(b, attr=attr):
            a = b.unique("d0", b.add("scene"), null=(attr,))
            c = b.unique("d1", b.add("scene"), null=(attr,))
            b.distinct(a, c)
            return b.add(f"equal_{attr}", b.add(f"query_{attr}", a), b.add(f"query_{attr}", c))

        out.append(Template("comparison", texts[attr], compare))
    return out


SAME = {"size": "the same size as", "color": "the same color as", "material": "made of the same material as",
        "shape": "the same shape as"}


def _same_relate() -> list[Template]:
    out = []
    for attr in ATTRIBUTES:
        def matching(b, attr=attr):
            anchor = b.unique("d0", b.add("scene"), null=(attr,))
            return b.filter("x", b.add(f"same_{attr}", anchor), null=(attr,), subject=b.result(anchor))

        same = SAME[attr] + " the {d0}"
        out.append(Template("same_relate", ("How many other {x:s} are " + same + "?",
                                            "What number of other {x:s} are " + same + "?"),
                            lambda b, m=matching: b.add("count", m(b))))
        out.append(Template("same_relate", ("Is there another {x} that is " + same + "?",
                                            "Are there any other {x:s} that are " + same + "?"),
                            lambda b, m=matching: b.add("exist", m(b))))
        asked = ATTRIBUTES[(ATTRIBUTES.index(attr) + 1) % len(ATTRIBUTES)]

        def query(b, m=matching, attr=attr, asked=asked):
            anchor = b.unique("d0", b.add("scene"), null=(attr,))
            found = b.unique("x", b.add(f"same_{attr}", anchor), null=(attr, asked), subject=b.result(anchor))
            return b.add(f"query_{asked}", found)

        texts = tuple(t.replace("{o}", "other {x} [that is] " + same) for t in QUERY_TEXTS[asked])
        out.append(Template("same_relate", texts, query))
    return out


#: Every template, in family order; a question's `question_family_index` is its index here.
TEMPLATES: list[Template] = (_zero_hop() + _hop_templates("one_hop", 1) + _hop_templates("two_hop", 2)
                             + _hop_templates("three_hop", 3) + _single_and() + _single_or()
                             + _compare_integer() + _comparison() + _same_relate())
FAMILIES = tuple(dict.fromkeys(t.family for t in TEMPLATES))


def instantiate(index: int, scene: dict, rng: np.random.Generator, masks: dict):
    """(question text, program, answer) of template `index` on `scene` (whose
    `attribute_masks` are `masks`), or Invalid."""
    template = TEMPLATES[index]
    b = Builder(scene, rng, masks)
    out = template.build(b)
    text = _word(template.texts[rng.integers(len(template.texts))], rng, b.words)
    return text, b.program, answer_text(b.result(out))


def ask(index: int, scene: dict, rng: np.random.Generator, seen: dict, tries: int = 8 * CANDIDATES):
    """A question of template `index` on `scene` as (text, program, answer), or None when the
    template has no valid instantiation there, and mostly (FORCED_SKIP) when all its
    instantiations have one answer (`seen`: answer -> count, updated here).

    Instantiations are drawn until CANDIDATES are found with at least two different answers
    (or 3 * CANDIDATES are found, or `tries` runs out);
    the answer is then drawn with weights favouring those the template gave least so far."""
    by_answer: dict[str, list] = {}
    found = 0
    masks = attribute_masks(scene)
    for _ in range(tries):
        try:
            text, program, answer = instantiate(index, scene, rng, masks)
        except Invalid:
            continue
        by_answer.setdefault(answer, []).append((text, program, answer))
        found += 1
        if found >= CANDIDATES and (len(by_answer) > 1 or found >= 3 * CANDIDATES):
            break
    if not by_answer:
        return None
    if len(by_answer) == 1 and rng.random() < FORCED_SKIP:
        return None
    answers = sorted(by_answer)
    weights = np.array([1.0 / (1 + seen.get(a, 0)) ** 2 for a in answers])
    answer = answers[rng.choice(len(answers), p=weights / weights.sum())]
    seen[answer] = seen.get(answer, 0) + 1
    options = by_answer[answer]
    return options[rng.integers(len(options))]
