"""A question-to-program parser for CLEVR, learned from the programs of a few annotated
questions (at most 1%) and, for the rest, from answers alone (`--programs parsed`).

A grammar with learned sentence patterns:

- *Noun phrases* are found by a fixed lexicon of concept words (CLEVR's vocabulary and its
  usual synonyms: ball/sphere, block/box/cube, big/large, tiny/little/small, shiny/metallic,
  matte/rubber, thing/object/item, plurals): a run of size, colour and material words with an
  optional head noun is one noun phrase, whose filters are its concepts in CLEVR's order
  (size, colour, material, shape). Relation words (left, right, front, behind) and attribute
  names (color, shape, size, material) are slots too.
- A question's *pattern* is its words with every noun phrase, relation and attribute name
  replaced by a slot marker; its program's *skeleton* is the program with each filter chain
  replaced by a reference to the noun phrase it came from, each relation by a reference to
  a relation slot, and each attribute (query_X, same_X, equal_X) by a reference to an
  attribute slot where the question names it. An annotated question teaches one pattern ->
  skeleton; any question with that pattern is then parsed by filling the skeleton with its
  own noun phrases, relations and attributes.
- For a pattern no annotated question has, the parser *searches for the skeleton consistent
  with the answers*: the candidates are the known skeletons that fit the pattern's slots, in
  every order of its noun phrases, relations and attribute names, asked every other way
  (`root_variants`) and with "and"/"or" swapped (`combinator_variants`); those whose
  programs answer with the wrong kind (a number where the answer is a colour) are dropped;
  the rest are run by nesy's executor on the scenes as the learner currently perceives
  them, and the one that gives the true answer on the most of the pattern's training
  questions is adopted, the most plausible among equals (fewest slots out of the question's
  order, most frequent skeleton). Before the perception can be trusted, plausibility alone
  chooses (`ParsedLearner`).

The lexicon is written here, not learned; the sentence-level structure (which words mean
count, exist, query, compare, relate, same, and/or) is learned. Skeletons are only those of
the annotated questions, asked any way and with and/or swapped, so a structure no annotated
question shows otherwise cannot be found.
"""
from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from dataclasses import dataclass, replace

from nesy.datasets.clevr.vocab import ATTRIBUTES, RELATIONS, VALUES
from nesy.pipelines._clevr_learn import ClevrLearner, evaluate, scene_tensors, shuffled_batches

#: Concept words: word -> (attribute, value); the words of VALUES are added below.
SYNONYMS = {"ball": ("shape", "sphere"), "block": ("shape", "cube"), "box": ("shape", "cube"),
            "big": ("size", "large"), "tiny": ("size", "small"), "little": ("size", "small"),
            "shiny": ("material", "metal"), "metallic": ("material", "metal"), "matte": ("material", "rubber")}
NOUNS = {"thing", "object", "item"}
#: Words left out of patterns: optional wording ("to the left of" / "left of", "that is"),
#: which otherwise splits one program shape into many patterns (on 2,000 generated questions,
#: 594 patterns with them and 80 without; 20 annotated programs then parse 732 questions
#: instead of 382).
FILLERS = {"the", "a", "an", "any", "that", "is", "are", "there", "of", "to", "in", "on", "side"}
#: The answer search executes its candidates on the perceived scenes once the perception
#: answers this share of the questions with known programs right (before, the kinds of the
#: answers and plausibility choose): a perception worse than that would adopt skeletons by chance.
TRUST = 0.9
FILTER_ORDER = ("size", "color", "material", "shape")
#: The functions whose object set a noun phrase's filters may follow (and same_*).
PRODUCERS = ("scene", "relate", "intersect", "union")


def _lexicon() -> dict[str, tuple[str, str]]:
    words = {v: (a, v) for a in ATTRIBUTES for v in VALUES[a]}
    words.update(SYNONYMS)
    words.update({w + ("es" if w.endswith(("x", "s")) else "s"): c for w, c in list(words.items())
                  if c[0] == "shape"})
    return words


LEXICON = _lexicon()
PLURAL_NOUNS = NOUNS | {n + "s" for n in NOUNS}


@dataclass(frozen=True)
class Slots:
    """A question's noun phrases (each a tuple of (attribute, value) filters), relations and
    attribute names, in the order they appear."""

    phrases: tuple[tuple[tuple[str, str], ...], ...]
    relations: tuple[str, ...]
    attributes: tuple[str, ...]
    #: per relation: the noun phrase right after it ("the cube left of *the sphere*"), its object
    before: tuple[int, ...] = ()


def analyse(question: str) -> tuple[tuple[str, ...], Slots]:
    """(pattern, slots) of a question."""
    words = re.findall(r"[a-z]+", question.lower())
    pattern, phrases, relations, attributes, before = [], [], [], [], []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "how" and i + 1 < len(words) and LEXICON.get(words[i + 1], ("",))[0] == "size":
            # "How big is ...?": the size word names the attribute asked, not a noun phrase
            attributes.append("size")
            pattern += ["how", "<attr>"]
            i += 2
            continue
        if word in LEXICON or word in PLURAL_NOUNS:
            filters = {}
            while i < len(words) and words[i] in LEXICON and LEXICON[words[i]][0] != "shape":
                attribute, value = LEXICON[words[i]]
                filters[attribute] = value
                i += 1
            if i < len(words) and (words[i] in PLURAL_NOUNS or words[i] in LEXICON):
                if words[i] in LEXICON:
                    filters["shape"] = LEXICON[words[i]][1]
                i += 1
            phrases.append(tuple((a, filters[a]) for a in FILTER_ORDER if a in filters))
            pattern.append("<np>")
            continue
        if word in RELATIONS:
            relations.append(word)
            before.append(len(phrases))
            pattern.append("<rel>")
        elif word in ATTRIBUTES:
            attributes.append(word)
            pattern.append("<attr>")
        elif word not in FILLERS:
            pattern.append(word)
        i += 1
    return tuple(pattern), Slots(tuple(phrases), tuple(relations), tuple(attributes), tuple(before))


# A skeleton is a tuple of nodes (function, inputs, value, phrase): `function` a name or
# ("attr", prefix, k) for prefix + the k-th attribute slot; `value` None, a literal, or
# ("rel", k); `phrase` None or k: the k-th noun phrase's filters follow this node.

def skeleton(program: list[dict], slots: Slots):
    """The skeleton of an annotated program, or None where its filters, relations or
    attributes do not match the question's slots (a word the lexicon lacks)."""
    filters_of: dict[int, list] = {}  # producer node -> its filter chain
    last: dict[int, int] = {}  # node -> the node that stands for it after its chain
    for i, node in enumerate(program):
        function = node["function"]
        if function.startswith("filter_"):
            source = last[node["inputs"][0]]
            filters_of[source].append((function[7:], node["value_inputs"][0]))
            last[i] = source
        else:
            last[i] = i
            if function in PRODUCERS or function.startswith("same_"):
                filters_of[i] = []
    combined = {last[j] for node in program if node["function"] in ("intersect", "union") for j in node["inputs"]}
    used_phrases, used_relations = set(), set()
    phrase_of = {}
    for producer, chain in filters_of.items():
        if not chain and producer in combined:  # "left of A and behind B": no noun phrase
            continue
        wanted = tuple(sorted(chain, key=lambda f: FILTER_ORDER.index(f[0])))
        k = next((k for k, p in enumerate(slots.phrases) if p == wanted and k not in used_phrases), None)
        if k is None:
            return None
        used_phrases.add(k)
        phrase_of[producer] = k
    if len(used_phrases) != len(slots.phrases):
        return None
    out, index = [], {}
    for i, node in enumerate(program):
        function = node["function"]
        if function.startswith("filter_"):
            continue
        value = node["value_inputs"][0] if node["value_inputs"] else None
        if function == "relate":
            # the relation word that precedes its object's noun phrase, if one does
            subject = program[node["inputs"][0]]
            source = phrase_of.get(last[subject["inputs"][0]]) if subject["inputs"] else None
            fits = [k for k, r in enumerate(slots.relations) if r == value and k not in used_relations]
            k = next((k for k in fits if slots.before[k] == source), fits[0] if fits else None)
            if k is None:
                return None
            used_relations.add(k)
            value = ("rel", k)
        prefix, _, attribute = function.partition("_")
        if attribute in ATTRIBUTES and prefix in ("query", "same", "equal"):
            # "the same size as": one word for both queries and the comparison
            k = next((k for k, a in enumerate(slots.attributes) if a == attribute), None)
            if k is not None:
                function = ("attr", prefix, k)
        index[i] = len(out)
        out.append((function, tuple(index[last[j]] for j in node["inputs"]), value, phrase_of.get(i)))
    if len(used_relations) != len(slots.relations):
        return None
    return tuple(out)


def instantiate(skel, slots: Slots) -> list[dict] | None:
    """The program of a skeleton filled with a question's slots (None where they do not fit)."""
    program, index = [], {}
    for i, (function, inputs, value, phrase) in enumerate(skel):
        if isinstance(function, tuple):
            _, prefix, k = function
            if k >= len(slots.attributes):
                return None
            function = f"{prefix}_{slots.attributes[k]}"
        if isinstance(value, tuple):
            if value[1] >= len(slots.relations):
                return None
            value = slots.relations[value[1]]
        program.append({"function": function, "inputs": [index[j] for j in inputs],
                        "value_inputs": [] if value is None else [value]})
        index[i] = len(program) - 1
        if phrase is not None:
            if phrase >= len(slots.phrases):
                return None
            for attribute, v in slots.phrases[phrase]:
                program.append({"function": f"filter_{attribute}", "inputs": [index[i]], "value_inputs": [v]})
                index[i] = len(program) - 1
    return program


def needs(skel) -> tuple[int, int, int]:
    """How many noun phrases, relations and attribute slots a skeleton uses."""
    phrases = [p for *_, p in skel if p is not None]
    relations = [v[1] for _, _, v, _ in skel if isinstance(v, tuple)]
    attributes = [f[2] for f, *_ in skel if isinstance(f, tuple)]
    return (max(phrases, default=-1) + 1, max(relations, default=-1) + 1, max(attributes, default=-1) + 1)


def permuted(skel, phrases: tuple[int, ...], relations: tuple[int, ...], attributes: tuple[int, ...] = ()):
    """The skeleton with its noun-phrase, relation and attribute references renumbered."""
    return tuple(((f[0], f[1], attributes[f[2]]) if isinstance(f, tuple) else f, inputs,
                  ("rel", relations[v[1]]) if isinstance(v, tuple) else v,
                  None if p is None else phrases[p]) for f, inputs, v, p in skel)


#: Answer functions that read the same input, so one can stand for another in the search.
SET_ROOTS = ("count", "exist")
NUMBER_ROOTS = ("equal_integer", "less_than", "greater_than")


def is_query(function) -> bool:
    """Whether a skeleton's function queries an attribute (by name or by slot)."""
    return function[1] == "query" if isinstance(function, tuple) else function.startswith("query_")


def query_roots(body) -> tuple:
    """The attribute queries that may end a skeleton's `body`: each attribute by name, or by
    the attribute slot after those the body uses ("What *color* is the thing of the same
    *size* as ...")."""
    return (("attr", "query", needs(body)[2]), *(f"query_{a}" for a in ATTRIBUTES))


def compact(skel):
    """The skeleton with its attribute slots renumbered 0, 1, ... in their order (a variant
    may have dropped one)."""
    used = sorted({f[2] for f, *_ in skel if isinstance(f, tuple)})
    return permuted(skel, range(len(skel)), range(len(skel)), {k: n for n, k in enumerate(used)})


def root_variants(skel) -> list[tuple]:
    """The skeleton itself, then the same skeleton asking its question otherwise: a set's
    count, existence, or its unique object's attribute (query); a comparison of two counts
    by any of equal, less, greater. CLEVR asks each structure in all these ways ("How many
    ...", "Are there any ...", "What color is the ..."), and one annotated way suffices for
    the search to try the others: the answers tell them apart (a count answers a number,
    exist yes or no, a query an attribute value)."""
    *body, (function, inputs, value, phrase) = skel
    body = tuple(body)
    if function in NUMBER_ROOTS:
        variants = [body + ((f, inputs, value, phrase),) for f in NUMBER_ROOTS]
    elif function in SET_ROOTS:
        variants = [body + ((f, inputs, value, phrase),) for f in SET_ROOTS]
        variants += [body + (("unique", inputs, None, None), (q, (len(body),), None, None))
                     for q in query_roots(body)]
    elif is_query(function) and body and body[-1][0] == "unique" and body[-1][3] is None \
            and inputs == (len(body) - 1,):
        *rest, (_, set_inputs, _, _) = body
        variants = [body + ((q, inputs, value, phrase),) for q in query_roots(body)]
        variants += [tuple(rest) + ((f, set_inputs, None, None),) for f in SET_ROOTS]
    else:
        variants = []
    return [skel] + [v for v in map(compact, variants) if v != skel]


def combinator_variants(skel) -> list[tuple]:
    """The skeleton itself, and with "and" and "or" swapped (intersect <-> union): one
    annotated "both left of A and behind B" lets the search try "left of A or behind B"."""
    swap = {"intersect": "union", "union": "intersect"}
    other = tuple((swap.get(f, f) if isinstance(f, str) else f, inputs, v, p) for f, inputs, v, p in skel)
    return [skel] if other == skel else [skel, other]


def inversions(order: tuple[int, ...]) -> int:
    """How many pairs a permutation puts out of order (0 for the identity)."""
    return sum(a > b for a, b in itertools.combinations(order, 2))


def answer_kind(value: str) -> str:
    """What kind of answer a CLEVR answer string is: "number", "bool" or the attribute whose
    value it is."""
    if value.isdigit():
        return "number"
    if value in ("yes", "no"):
        return "bool"
    return next((a for a in ATTRIBUTES if value in VALUES[a]), "unknown")


def program_kind(program: list[dict]) -> str:
    """The kind of answer a program gives (`answer_kind`'s kinds), read from its last function."""
    function = program[-1]["function"]
    if function == "count":
        return "number"
    prefix, _, attribute = function.partition("_")
    return attribute if prefix == "query" else "bool"


def kinds(skel) -> frozenset[str]:
    """The functions of a skeleton that a question's words may signal (attribute functions by
    their prefix: query, same, equal)."""
    out = set()
    for function, *_ in skel:
        name = function[1] if isinstance(function, tuple) else function
        prefix, _, attribute = name.partition("_")
        out.add(prefix if attribute in ATTRIBUTES else name)
    return frozenset(out - {"scene", "unique"})


class Parser:
    """Pattern -> skeleton, learned from annotated questions, extended by answer search.

    The taught patterns also tell which words signal which functions, for the search's
    plausibility: `kinds_of[w]`, the functions the skeleton of every taught pattern with the
    word w has ("other" -> same_*), and `words_of[f]`, the words at least half of whose
    patterns have the function f in their skeleton (intersect -> "and", "both"); a word seen in
    one taught pattern only asks for nothing ("than" in "more ... than" would otherwise ask
    every comparison to be "greater")."""

    def __init__(self, annotated: list):
        votes: dict[tuple, Counter] = {}
        for question in annotated:
            pattern, slots = analyse(question.question)
            skel = skeleton(question.program, slots)
            if skel is not None:
                votes.setdefault(pattern, Counter())[skel] += 1
        self.taught = {pattern: counter.most_common(1)[0][0] for pattern, counter in votes.items()}
        self.skeletons = sum(votes.values(), Counter())
        self.found: dict[tuple, tuple] = {}  # patterns adopted from the answers
        with_word, with_both = Counter(), Counter()
        for pattern, skel in self.taught.items():
            words = {w for w in pattern if not w.startswith("<")}
            with_word.update(words)
            with_both.update(itertools.product(words, kinds(skel)))
        self.kinds_of: dict[str, set] = {}  # word -> the functions it always comes with
        self.words_of: dict[str, set] = {}  # function -> the words it mostly comes with
        for (w, k), n in with_both.items():
            if n == with_word[w] >= 2:
                self.kinds_of.setdefault(w, set()).add(k)
            if 2 * n >= with_word[w]:
                self.words_of.setdefault(k, set()).add(w)

    def implausibility(self, pattern: tuple[str, ...], skel) -> int:
        """How many of the functions its words signal a skeleton lacks, plus how many of its
        functions no word of the pattern signals (0 for a taught pattern's own skeleton)."""
        words, functions = set(pattern), kinds(skel)
        lacking = sum(len(self.kinds_of[w] - functions) for w in words if w in self.kinds_of)
        unsignalled = sum(1 for k in functions if self.words_of.get(k) and not self.words_of[k] & words)
        return lacking + unsignalled

    def parse(self, question: str) -> list[dict] | None:
        pattern, slots = analyse(question)
        skel = self.taught.get(pattern) or self.found.get(pattern)
        return None if skel is None else instantiate(skel, slots)

    def candidates(self, pattern: tuple[str, ...], slots: Slots) -> list[tuple]:
        """Every known skeleton, asked every way and with "and"/"or" swapped, that uses exactly
        the slots' noun phrases and relations, in every order of them and of the attribute
        names ("What material is the thing of the same colour as ..."); most plausible first:
        the fewest functions at odds with the pattern's words (`implausibility`), then the
        fewest slots taken out of the question's order (CLEVR's templates mostly keep it),
        then the most frequent skeletons, the way they were annotated first."""
        rank = {}
        n_phrases, n_relations = len(slots.phrases), len(slots.relations)
        variants = (v for known, _ in self.skeletons.most_common()
                    for c in combinator_variants(known) for v in root_variants(c))
        for r, skel in enumerate(variants):
            p, n, a = needs(skel)
            if p != n_phrases or n != n_relations or a > len(slots.attributes):
                continue
            for phrases, relations, attributes in itertools.product(
                    itertools.permutations(range(p)), itertools.permutations(range(n)),
                    itertools.permutations(range(len(slots.attributes)), a)):
                rank.setdefault(permuted(skel, phrases, relations, attributes),
                                (self.implausibility(pattern, skel),
                                 sum(map(inversions, (phrases, relations, attributes))), r))
        return sorted(rank, key=rank.get)

    def search(self, questions: list, answers_of=None) -> None:
        """Adopt a skeleton for each pattern of `questions` that no annotated question has,
        among the candidates whose programs give answers of the right kind (a number, yes/no,
        a colour, ...) to all of the pattern's questions: the one whose programs
        `answers_of(programs)` (a list of (question position, program); returns each one's
        answer or None) answers right most often, the most plausible (`candidates`) among
        equals. Without `answers_of` (no perception yet), the most plausible one: the kinds
        of the answers alone already tell a count from an existence or a query. Redone from
        scratch on each call."""
        by_pattern: dict[tuple, list[int]] = {}
        analysed = [analyse(q.question) for q in questions]
        for position, (pattern, _) in enumerate(analysed):
            if pattern not in self.taught:
                by_pattern.setdefault(pattern, []).append(position)
        jobs, owner = [], []
        for pattern, positions in by_pattern.items():
            kinds = [answer_kind(questions[position].answer) for position in positions]
            for c, skel in enumerate(self.candidates(pattern, analysed[positions[0]][1])):
                programs = [instantiate(skel, analysed[position][1]) for position in positions]
                if all(p is not None and program_kind(p) == k for p, k in zip(programs, kinds)):
                    owner.append((pattern, c, skel))
                    jobs.append(list(zip(positions, programs)))
        flat = [job for group in jobs for job in group]
        answers = iter(answers_of(flat) if answers_of is not None and flat else [None] * len(flat))
        best: dict[tuple, tuple] = {}
        for (pattern, c, skel), group in zip(owner, jobs):
            score = sum(next(answers) == questions[position].answer for position, _ in group)
            if pattern not in best or (score, -c) > best[pattern][:2]:
                best[pattern] = (score, -c, skel)
        self.found = {pattern: skel for pattern, (_, _, skel) in best.items()}


def parsed_questions(parser: Parser, questions: list) -> list:
    """The questions with their parsed programs (None where the parser has none)."""
    return [replace(q, program=parser.parse(q.question)) for q in questions]


def perceived_answers(model, split, jobs: list[tuple[int, list[dict]]], batch_size: int = 2000) -> list:
    """The answer of each (question position, program) on its scene as `model` perceives
    it (each attribute's most probable value, each relation above one half): `run_programs`."""
    import torch

    scenes = sorted({split.scene_of[position] for position, _ in jobs})
    with torch.no_grad():
        concepts, related, _ = scene_tensors(model, split, scenes, {s: set() for s in scenes})
    objects = [(s, o) for s in scenes for o in range(len(split.scenes[s]["objects"]))]
    pairs = [(s, a, b) for s in scenes for a in range(len(split.scenes[s]["objects"]))
             for b in range(len(split.scenes[s]["objects"])) if a != b]
    facts = {"object": objects, "related": [(s, r, a, b) for (s, a, b), row in zip(pairs, (related > 0.5).tolist())
                                            for r, holds in zip(RELATIONS, row) if holds]}
    for a in ATTRIBUTES:
        facts[a] = [(s, o, VALUES[a][v]) for (s, o), v in zip(objects, concepts[a].argmax(-1).tolist())]
    return run_programs(facts, [(split.scene_of[position], program) for position, program in jobs], batch_size)


def run_programs(facts: dict, jobs: list[tuple[int, list[dict]]], batch_size: int = 2000) -> list:
    """The answer of each (scene id, program) on the scene graphs `facts` (certain facts of
    the executor's scene relations), by nesy's executor, `batch_size` programs per run; None
    where a program has no single answer (a `unique` of several objects, or of none)."""
    from nesy.datasets.clevr.compile import question_facts
    from nesy.pipelines.clevr import executor

    out: list = [None] * len(jobs)
    for start in range(0, len(jobs), batch_size):
        chunk = {start + j: job for j, job in enumerate(jobs[start:start + batch_size])}
        found: dict[int, list] = {}
        for j, answer in executor().run(facts={**facts, **question_facts(chunk)})["answer"].tuples:
            found.setdefault(j, []).append(answer)
        for j, answers in found.items():
            out[j] = answers[0] if len(answers) == 1 else None
    return out


class ParsedLearner(ClevrLearner):
    """`nesy train clevr --programs parsed`: the learner on parsed programs. The annotated
    questions keep their programs; the others are parsed by the patterns the annotations
    teach and by patterns adopted from the answers (`Parser.search`). Before training, the
    adopted ones are chosen by the kinds of the answers and plausibility alone, so that every
    question is trained on from the first epoch (most of them with their right program). At
    the start of each later epoch the perception is checked on the questions whose programs
    are known (annotated, or of a taught pattern); once it answers at least `TRUST` of them
    right, the search also executes the candidates on the scenes as perceived and adopts the
    ones that agree with the answers most (so a resumed run searches as the uninterrupted one
    did). In validation, questions without a parse count wrong."""

    def __init__(self, train, val, provenance: str, k: int | None, config: dict, annotated: list[int]):
        super().__init__(train, val, provenance, k, config)
        self.gold_train, self.gold_val = list(train.questions), list(val.questions)
        self.annotated = set(annotated)
        self.parser = Parser([self.gold_train[i] for i in annotated])
        self._search_seconds = self._trust = 0.0
        self.parser.search(self.gold_train)
        self._reparse()

    def _reparse(self) -> None:
        self.train.questions = [q if i in self.annotated else replace(q, program=self.parser.parse(q.question))
                                for i, q in enumerate(self.gold_train)]

    def train_batches(self, epoch: int, batch_size: int, seed: int):
        if epoch > 1:
            start = time.process_time()
            known = [(i, q.program) for i, q in enumerate(self.train.questions)
                     if i in self.annotated or analyse(q.question)[0] in self.parser.taught]
            answers = perceived_answers(self.model, self.train, known)
            self._trust = sum(a == self.gold_train[i].answer for (i, _), a in zip(known, answers)) / len(known)
            if self._trust >= TRUST:
                self.parser.search(self.gold_train, lambda jobs: perceived_answers(self.model, self.train, jobs))
                self._reparse()
            self._search_seconds = time.process_time() - start
        self._clock = [0.0, time.process_time()]
        pool = [i for i, q in enumerate(self.train.questions) if q.program is not None]
        return shuffled_batches(pool, epoch, batch_size, seed)

    def evaluate(self) -> dict[str, float]:
        """The validation metrics on parsed programs, with how many programs were parsed and
        how many equal the annotated ones (`parse/...`; the annotations of the validation
        questions and of the unannotated training questions are read only here)."""
        logic, start = self._clock
        share = logic / max(time.process_time() - start, 1e-9)
        val = replace(self.val, questions=parsed_questions(self.parser, self.gold_val))
        metrics = evaluate(self.model, val, self.provenance, self.k)[0]
        for name, parsed, gold in (("train", self.train.questions, self.gold_train),
                                   ("val", val.questions, self.gold_val)):
            metrics[f"parse/{name}_parsed"] = sum(q.program is not None for q in parsed) / len(gold)
            metrics[f"parse/{name}_exact"] = sum(q.program == g.program for q, g in zip(parsed, gold)) / len(gold)
        return {**metrics, "logic_share": share, "parse/search_seconds": self._search_seconds,
                "parse/trust": self._trust}
