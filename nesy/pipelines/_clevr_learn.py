"""The CLEVR learner: visual concepts learned from question-answer pairs alone, NS-CL style,
through nesy's CLEVR executor on a differentiable provenance.

- Perception: each object is cropped from the rendered picture at its box (the scene file's
  `bbox`, as NS-CL takes boxes from a detector; the attributes are never read for training),
  resized to `CROP`x`CROP` and read by a small CNN; the box itself (position and size in the
  picture) is appended to the features, since a crop resized to a fixed size has lost its
  scale. Relations come from pair features: the two boxes and their difference, through a
  small MLP. That is the default, joint perception; `--perception factored`
  (`FactoredConceptModel`) gives each attribute only a view that carries it (the silhouette
  for shape and size, the pixels one by one for colour and material), for CoGenT.
- Concepts: one head (a small MLP) per attribute; its softmax over the attribute's values becomes a
  `nesy.Disjunction` of the input facts `color(s, o, v)`, ... (one value per object), and
  each relation's sigmoid the probability of `related(s, r, a, b)`.
- Reasoning: a batch of questions (any templates, any scenes) is one run of the executor
  (`nesy/datasets/clevr/executor.nesy`) on those facts; the probability of each question's
  true answer is read from `answer(q, a)` and trained with its negative log-likelihood. A
  count's answers are the counts' own facts, so a count is learned as a distribution over
  counts, not a rounded expectation.

Concept probing compares each head's argmax with the scene file's hidden attributes (and the
relation heads with its relationships) on the validation scenes: read, never trained on.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn

import nesy
from nesy.datasets.clevr.compile import question_facts
from nesy.datasets.clevr.vocab import ATTRIBUTES, RELATIONS, VALUES
from nesy.engine.executor import paused_collector
from nesy.engine.inputs import FactColumns
from nesy.errors import DataError
from nesy.pipelines.base import BatchResult, Pipeline

#: Facts less probable than this are not given to the executor (as if false). Any derivation
#: through one is below `MIN_PROBABILITY`, where the loss is clamped anyway; once the concepts
#: are learned most facts are negligible (seven of an object's eight colours, about half of
#: its relations), and the executor has that many fewer facts to join and proofs to build.
NEGLIGIBLE = 1e-4
#: Side of the square each object's crop is resized to.
CROP = 24
#: Questions executed together in one engine run at evaluation.
EVAL_BATCH = 256
#: The smallest probability a true answer's log-likelihood sees (an answer the provenance
#: did not derive at all would otherwise give an infinite loss).
MIN_PROBABILITY = NEGLIGIBLE


@dataclass
class Split:
    """Scenes, their questions, and every object's crop and box as tensors.

    `crops[first[s]:first[s] + n_objects[s]]` are scene s's objects."""

    scenes: list[dict]
    questions: list
    crops: torch.Tensor  # [objects, 3, CROP, CROP], values in [0, 1]
    masks: torch.Tensor | None  # [objects, 1, CROP, CROP]: the object's own pixels in its crop
    boxes: torch.Tensor  # [objects, BOX]: `box_features`
    first: list[int]
    scene_of: list[int]  # per question: its scene's position in `scenes`


def load_split(folder: Path, scenes: list[dict], questions: list) -> Split:
    """Crops, masks and boxes of every object of `scenes`, read from `folder/images/`; masks
    are None when some object has no `mask` (only the factored perception needs them)."""
    from PIL import Image

    from nesy.datasets.clevr.render import decode_rle

    position = {scene["image_index"]: s for s, scene in enumerate(scenes)}
    crops, masks, boxes, first = [], [], [], []
    with_masks = all("mask" in obj for scene in scenes for obj in scene["objects"])
    for scene in scenes:
        first.append(len(crops))
        path = folder / "images" / scene["image_filename"]
        try:
            with Image.open(path) as opened:
                image = opened.convert("RGB")
        except OSError as err:
            raise DataError(f"cannot read the picture {path}: {err}") from None
        width, height = image.size
        for o, obj in enumerate(scene["objects"]):
            if "bbox" not in obj:
                raise DataError(f"{scene['image_filename']}: object {o} has no bbox; the learner "
                                f"needs each object's box")
            x, y, w, h = obj["bbox"]
            crop = image.crop((x, y, x + max(w, 1), y + max(h, 1))).resize((CROP, CROP), Image.BILINEAR)
            crops.append(torch.from_numpy(np.asarray(crop, dtype=np.float32) / 255.0).permute(2, 0, 1))
            if with_masks:
                mask = Image.fromarray(decode_rle(obj["mask"]).astype(np.uint8) * 255)
                mask = mask.crop((x, y, x + max(w, 1), y + max(h, 1))).resize((CROP, CROP), Image.BILINEAR)
                masks.append(torch.from_numpy(np.asarray(mask, dtype=np.float32) / 255.0)[None])
            boxes.append(box_features(x, y, w, h, width, height))
    scene_of = []
    for q in questions:
        if q.image_index not in position:
            raise DataError(f"question {q.question_index} is about image {q.image_index}, which "
                            f"the scenes file does not have")
        if q.program is None or q.answer is None:
            raise DataError(f"question {q.question_index} has no program or no answer to learn from")
        scene_of.append(position[q.image_index])
    return Split(scenes, questions, torch.stack(crops), torch.stack(masks) if with_masks else None,
                 torch.tensor(boxes, dtype=torch.float32), first, scene_of)


#: Box features are scaled so that their differences are of order one: as plain fractions of
#: the picture (a small object is about 0.06 wide) the size head and the relation network
#: learned nothing in three epochs (probes at chance) while colour, shape and material
#: reached 98-100%.
BOX_SCALE = 10.0


def box_features(x, y, w, h, width, height) -> tuple[float, ...]:
    """An object's box as the learner sees it, all scaled: the centre (left/right; and
    front/behind in nesy's drawings, which centre each object on its ground point), the bottom
    edge (where an object stands in a 3D render), width and height (size).

    The bottom edge alone confounds depth with size: a large object's bottom edge lies 13-16
    pixels lower than a small one's at the same depth, more than the 10 pixels between the
    centres of the closest pair in depth (with it alone, the relation probe stopped at 97.4%)."""
    return tuple(BOX_SCALE * v for v in ((x + w / 2) / width, (y + h / 2) / height, (y + h) / height,
                                         w / width, h / height))


#: Number of `box_features`.
BOX = 5


class RelationNetwork(nn.Module):
    """Box pairs -> per relation a probability (every perception's relations)."""

    def __init__(self, hidden: int = 32):
        super().__init__()
        self.relation = nn.Sequential(nn.Linear(3 * BOX, hidden), nn.ReLU(), nn.Linear(hidden, len(RELATIONS)))

    def relations(self, boxes: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """[pairs, relations] probability that b is r of a, for object index pairs (a, b)."""
        pair = torch.cat([boxes[a], boxes[b], boxes[b] - boxes[a]], dim=1)
        return torch.sigmoid(self.relation(pair))

    def forward(self, split: "Split", index: torch.Tensor, a: torch.Tensor, b: torch.Tensor):
        """({attribute: [objects, values]}, [pairs, relations]): the concepts of the objects
        `index` of `split` and the relations of the pairs (a, b) of positions in `index`. A
        training step's one call into the network, so that data-parallel training
        (`--nproc`: DistributedDataParallel prepares the gradients' all-reduce in forward)
        sees it."""
        return self.concepts(split, index), self.relations(split.boxes[index], a, b)


def _head(inputs: int, hidden: int, attribute: str) -> nn.Module:
    return nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, len(VALUES[attribute])))


def _cnn(channels_in: int, channels: int, features: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(channels_in, channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(channels, 2 * channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2 * channels * (CROP // 4) ** 2, features), nn.ReLU())


class ConceptModel(RelationNetwork):
    """The joint perception: one CNN over each object's colour crop, shared by every
    attribute's head (with the box)."""

    def __init__(self, channels: int = 16, features: int = 64, hidden: int = 32):
        """Each attribute's head is a small MLP over the crop's features and the box: with a
        linear head, the size head did not even fit its training objects (trained on the true
        sizes as a diagnostic: 80-92% on the training objects after 8 epochs, 100% with the
        hidden layer), though the box height alone separates the two sizes."""
        super().__init__(hidden)
        self.cnn = _cnn(3, channels, features)
        self.heads = nn.ModuleDict({a: _head(features + BOX, features, a) for a in ATTRIBUTES})

    def concepts(self, split: Split, index: torch.Tensor) -> dict[str, torch.Tensor]:
        """{attribute: [objects, values] probabilities} of the objects `index` of `split`."""
        features = torch.cat([self.cnn(split.crops[index]), split.boxes[index]], dim=1)
        return {a: head(features).softmax(-1) for a, head in self.heads.items()}


class FactoredConceptModel(RelationNetwork):
    """The factored perception: each attribute sees only a view of the object that carries
    it, as NS-CL's concepts live in one embedding space per attribute.

    - shape and size: the object's silhouette (its mask in its crop, no colour at all) through
      a CNN, and the box;
    - colour and material: its own pixels, each read alone (1x1 convolutions) and pooled over
      the mask (mean and max), so no outline reaches them.

    Why: in CoGenT's condition A cubes and cylinders each come in their own four colours, so
    no answer separates shape from colour, and the joint perception's shared features let the
    shape head read colour (its shape probe fell to 69.0% on condition B)."""

    VIEWS = {"shape": "silhouette", "size": "silhouette", "color": "pixels", "material": "pixels"}

    def __init__(self, channels: int = 16, features: int = 64, hidden: int = 32):
        super().__init__(hidden)
        self.silhouette = _cnn(1, channels, features)
        self.pixels = nn.Sequential(nn.Conv2d(3, channels, 1), nn.ReLU(), nn.Conv2d(channels, features, 1), nn.ReLU())
        width = {"silhouette": features + BOX, "pixels": 2 * features}
        self.heads = nn.ModuleDict({a: _head(width[self.VIEWS[a]], features, a) for a in ATTRIBUTES})

    def concepts(self, split: Split, index: torch.Tensor) -> dict[str, torch.Tensor]:
        if split.masks is None:
            raise DataError("the factored perception needs each object's mask (`mask` in the scenes file)")
        masks = split.masks[index]
        pixels = self.pixels(split.crops[index]) * masks
        area = masks.sum(dim=(2, 3)).clamp_min(1e-6)
        views = {"silhouette": torch.cat([self.silhouette(masks), split.boxes[index]], dim=1),
                 "pixels": torch.cat([pixels.sum(dim=(2, 3)) / area, pixels.amax(dim=(2, 3))], dim=1)}
        return {a: head(views[self.VIEWS[a]]).softmax(-1) for a, head in self.heads.items()}


#: `nesy train clevr --perception NAME`.
PERCEPTIONS = {"joint": ConceptModel, "factored": FactoredConceptModel}


@dataclass
class SceneFacts:
    """A batch's scene facts for the executor: `rows` (relation -> `FactColumns`, which
    `Program.run` and `loaded_executor` take as they take rows), each probability a float,
    and `probs`, the same probabilities as one differentiable tensor, in the order the rows
    give them (the order in which a provenance numbers its input facts)."""

    rows: dict[str, FactColumns]
    probs: torch.Tensor

    def with_tensors(self) -> dict[str, list]:
        """The facts as rows with each probability the entry of `probs` (for provenances
        whose answers do not compile): the engine then carries the tensors through every
        operation."""
        entries = iter(self.probs.unbind(0))
        out = {}
        for name, facts in self.rows.items():
            tuples = list(zip(*(c.tolist() if isinstance(c, np.ndarray) else c for c in facts.columns)))
            if facts.probs is None:
                out[name] = tuples
                continue
            pairs = [(next(entries), t) for t in tuples]
            if facts.groups is None:
                out[name] = pairs
                continue
            groups: dict[int, list] = {}
            for g, pair in zip(np.asarray(facts.groups).tolist(), pairs):
                groups.setdefault(g, []).append(pair)
            out[name] = [nesy.Disjunction(members) for members in groups.values()]
        return out


@lru_cache(maxsize=None)
def _ordered_pairs(n: int) -> np.ndarray:
    """[n (n - 1), 2]: every ordered pair (a, b) of n objects with a != b, a-major."""
    a, b = np.divmod(np.arange(n * n), n)
    keep = a != b
    return np.stack([a[keep], b[keep]], axis=1)


def scene_tensors(model: RelationNetwork, split: Split, scenes: list[int], reads: dict[int, set] | None = None):
    """Concept and relation probabilities of the objects of `scenes`, and the facts they
    make: `SceneFacts`, scene ids being positions in `split.scenes`.

    `reads` (scene -> the attributes and relations its questions read, see `program_reads`)
    keeps only those facts: no derivation of an answer uses the others, so an exact
    provenance's answers are the same (as are `diffminmaxprob`'s, checked on 32 questions),
    and the executor has fewer facts to load and join (about a tenth less CPU per training
    step, measured). Top-k proofs break ties by fact ids, which depend on the facts given
    and their order, so there a few answers move by a few hundredths. None: every fact.
    Facts below `NEGLIGIBLE` are left out too.

    The facts are built from whole tensors at once (a mask and one gather per relation) as
    columns (`FactColumns`), not fact by fact: a fact's probability is a float in its
    relation's `probs` and one entry of `SceneFacts.probs`."""
    sizes = np.array([len(split.scenes[s]["objects"]) for s in scenes], dtype=np.int64)
    index = torch.cat([torch.arange(split.first[s], split.first[s] + n) for s, n in zip(scenes, sizes.tolist())])
    offset = np.cumsum(np.concatenate([[0], sizes]))
    local = [_ordered_pairs(n) for n in sizes.tolist()]
    pairs = np.concatenate(local) if local else np.zeros((0, 2), np.int64)  # object ids within a scene
    pair_scene = np.repeat(np.arange(len(scenes)), sizes * (sizes - 1))
    rows_ab = torch.from_numpy(pairs + offset[pair_scene][:, None])  # positions in `index`
    concepts, related = model(split, index, rows_ab[:, 0], rows_ab[:, 1])
    scene_ids = np.asarray(scenes, dtype=np.int64)
    object_scene = np.repeat(np.arange(len(scenes)), sizes)  # per object: its scene's position
    object_ids = np.arange(len(object_scene)) - offset[object_scene]
    everything = set(ATTRIBUTES) | set(RELATIONS)
    wanted = [everything if reads is None else reads.get(s, set()) for s in scenes]
    rows: dict[str, FactColumns] = {"object": FactColumns([scene_ids[object_scene], object_ids])}
    gathers = []  # per probabilistic relation: positions in its flattened probability table
    for a in ATTRIBUTES:
        table = concepts[a].detach().numpy()
        allowed = np.array([a in w for w in wanted], dtype=bool)[object_scene]
        kept = np.flatnonzero(((table >= NEGLIGIBLE) & allowed[:, None]).reshape(-1))
        i, v = np.divmod(kept, len(VALUES[a]))  # object-major: one Disjunction per object
        rows[a] = FactColumns([scene_ids[object_scene[i]], object_ids[i], np.array(VALUES[a], dtype=object)[v]],
                              table.reshape(-1)[kept], i)
        gathers.append((concepts[a], kept))
    table = related.detach().numpy()
    allowed = np.array([[r in w for r in RELATIONS] for w in wanted], dtype=bool).reshape(-1, len(RELATIONS))
    kept = np.flatnonzero(((table >= NEGLIGIBLE) & allowed[pair_scene]).reshape(-1))
    pair, r = np.divmod(kept, len(RELATIONS))
    rows["related"] = FactColumns([scene_ids[pair_scene[pair]], np.array(RELATIONS, dtype=object)[r],
                                   pairs[pair, 0], pairs[pair, 1]], table.reshape(-1)[kept])
    gathers.append((related, kept))
    probs = torch.cat([t.reshape(-1)[torch.from_numpy(i)] for t, i in gathers])
    return concepts, related, SceneFacts(rows, probs)


def program_reads(program: list[dict]) -> set[str]:
    """The scene attributes (color, ...) and relations (left, ...) a CLEVR program reads."""
    out = set()
    for node in program:
        function = node["function"]
        if function == "relate":
            out.update(node["value_inputs"])
        elif function.startswith(("filter_", "same_", "query_")):
            out.add(function.split("_", 1)[1])
    return out


def answer_probabilities(model, split: Split, questions: list[int], provenance: str, k: int | None,
                         clock: list[float] | None = None):
    """Per question of the batch, {answer: probability tensor}, by one executor run;
    `clock[0]` accumulates the CPU seconds of the logic (the questions' facts, the engine run
    and the answers' formulas evaluated forward: the logic's share)."""
    reads: dict[int, set] = defaultdict(set)
    for q in questions:
        reads[split.scene_of[q]] |= program_reads(split.questions[q].program)
    _, _, scene = scene_tensors(model, split, sorted(reads), reads)
    start = time.process_time()
    with paused_collector():  # the answers' formulas too (the engine pauses it for its run)
        programs = question_facts({q: (split.scene_of[q], split.questions[q].program) for q in questions})
        programs = {name: FactColumns.of_rows(rows) for name, rows in programs.items() if rows}
        answers = execute(scene, programs, provenance, k)
    if clock is not None:
        clock[0] += time.process_time() - start
    out: dict[int, dict[str, torch.Tensor]] = {q: {} for q in questions}
    for (q, a), p in answers:
        out[q][a] = p
    return out


def execute(scene: SceneFacts, programs: dict[str, list], provenance: str, k: int | None):
    """((question, answer), probability tensor) of every answer derived by one run of nesy's
    CLEVR executor on the scene facts and the questions' program facts.

    Where the provenance compiles its tags (`supports_compile`: `difftopkproofs`,
    `diffexact`), the engine runs on the probabilities as floats and the answers' formulas
    are compiled to one torch function of `scene.probs` (Dolphin-style), so autograd sees a
    gather and a product per batch, not a torch operation per fact per semiring operation;
    proofs are ranked by the same detached probabilities either way, so the answers and their
    gradients are those of `Program.run` with tensor facts (a test checks both). Otherwise
    the tensors go through `Program.run`."""
    from nesy.engine.inputs import loaded_executor
    from nesy.pipelines.clevr import executor
    from nesy.provenance import make

    program = executor()
    prov = make(provenance, k=k)
    if not prov.supports_compile:
        result = program.run(provenance=provenance, k=k, facts={**scene.with_tensors(), **programs})["answer"]
        return list(zip(result.tuples, result.probs))
    run = loaded_executor(program.ir, prov, {**scene.rows, **programs})
    if len(prov.facts) != len(scene.probs):
        raise RuntimeError(f"the executor numbered {len(prov.facts)} probabilistic facts, the "
                           f"batch has {len(scene.probs)} probabilities")
    table = run.run()["answer"]
    if not table.n:
        return []
    types = program.ir.relations["answer"].types
    tuples = zip(*(run.values.to_python(t, c) for t, c in zip(types, table.columns)))
    probs = prov.compile(table.tags[:table.n])(scene.probs.double()[None])[0].to(scene.probs.dtype)
    return list(zip(tuples, probs.unbind(0)))


def answer_loss(answers: dict[str, torch.Tensor], truth: str) -> torch.Tensor:
    """The negative log-probability of the true answer (at least `MIN_PROBABILITY`).

    Not normalised over the derived answers: on the same 2,000 questions and settings, the
    loss normalised by the sum of all derived answers' probabilities left the colour, shape and
    material probes at 29%, 31% and 52% after two epochs, where this one reached 93%, 90% and
    100% (one seed each, docs/clevr.md)."""
    p = answers.get(truth)
    if p is None:
        return torch.tensor(-math.log(MIN_PROBABILITY))
    return -torch.log(p.clamp_min(MIN_PROBABILITY))


def predicted(answers: dict) -> str | None:
    return max(answers, key=lambda a: float(answers[a].detach())) if answers else None


class ClevrLearner(Pipeline):
    """`nesy train clevr`: the pipeline the shared trainer runs."""

    name = "clevr"
    headline = "test_accuracy"

    def __init__(self, train: Split, val: Split, provenance: str, k: int | None, config: dict,
                 curriculum: int = 0):
        self.train, self.val = train, val
        self.provenance, self.k = provenance, k
        self.curriculum = curriculum
        self._flat = [q for q, question in enumerate(train.questions)
                      if not any(node["function"] == "relate" for node in question.program)]
        self._config = config
        self._clock = [0.0, time.process_time()]  # executor CPU seconds, epoch start
        self.model = PERCEPTIONS[config.get("perception", "joint")]()

    def config(self) -> dict:
        return dict(self._config)

    def train_batches(self, epoch: int, batch_size: int, seed: int):
        """A shuffle of the questions; during the first `curriculum` epochs, only those without
        `relate` (NS-CL's curriculum, in one step): while the attribute concepts are still
        random, filtered sets after a relation come out right more often when *every* relation
        is believed true, and the relation network, pushed that way, saturates (measured: its
        probe stayed at chance, at 50%, after three epochs without a curriculum)."""
        self._clock = [0.0, time.process_time()]
        pool = self._flat if epoch <= self.curriculum and self._flat else range(len(self.train.questions))
        return shuffled_batches(pool, epoch, batch_size, seed)

    def batch_result(self, batch) -> BatchResult:
        answers = answer_probabilities(self.model, self.train, batch, self.provenance, self.k, self._clock)
        losses, correct = [], 0
        for q in batch:
            truth = self.train.questions[q].answer
            losses.append(answer_loss(answers[q], truth))
            correct += predicted(answers[q]) == truth
        # Every parameter takes part in every step's graph (with a zero weight), also where the
        # batch reads no material, say, or derives no true answer at all: data-parallel
        # training (`--nproc`) all-reduces the gradients of every parameter in every step.
        loss = torch.stack(losses).mean() + sum(0.0 * parameter.sum() for parameter in self.model.parameters())
        return BatchResult(loss, correct, len(batch))

    def evaluate(self) -> dict[str, float]:
        """The validation metrics, and the executor's share of the epoch's training CPU time
        (its forward runs; its backward is autograd's, counted with the rest)."""
        logic, start = self._clock
        share = logic / max(time.process_time() - start, 1e-9)
        return {**evaluate(self.model, self.val, self.provenance, self.k)[0], "logic_share": share}


def evaluate(model, split: Split, provenance: str, k: int | None, batch_size: int = EVAL_BATCH):
    """(metrics, predictions): accuracy overall (`test_accuracy`) and per family
    (`family/NAME`), and concept probing against the scene files' attributes
    (`probe/ATTRIBUTE`, `probe/relations`, and their minimum `probe_accuracy`). A question
    without a program (one the parser could not parse) has no prediction: it counts wrong."""
    predictions: list[str | None] = [None] * len(split.questions)
    runnable = [q for q, question in enumerate(split.questions) if question.program is not None]
    for start in range(0, len(runnable), batch_size):
        batch = runnable[start:start + batch_size]
        answers = answer_probabilities(model, split, batch, provenance, k)
        for q in batch:
            predictions[q] = predicted(answers[q])
    metrics = scores(split.questions, predictions)
    probes = probe(model, split)
    metrics.update({f"probe/{name}": value for name, value in probes.items()})
    metrics["probe_accuracy"] = min(probes.values())
    return metrics, predictions


def shuffled_batches(pool, epoch: int, batch_size: int, seed: int) -> list[list[int]]:
    """The questions of `pool` in batches, shuffled by (seed, epoch) only (so resume is exact)."""
    order = np.asarray(pool)[np.random.default_rng([seed, epoch]).permutation(len(pool))]
    return [order[i:i + batch_size].tolist() for i in range(0, len(order), batch_size)]


def scores(questions, predictions) -> dict[str, float]:
    """Accuracy overall (`test_accuracy`) and per question family (`family/NAME`)."""
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for question, guess in zip(questions, predictions):
        for key in ("test_accuracy", f"family/{question.family}"):
            groups[key][0] += guess == question.answer
            groups[key][1] += 1
    return {key: right / total for key, (right, total) in sorted(groups.items())}


def probe(model, split: Split) -> dict[str, float]:
    """Each concept head's argmax against the hidden true attribute of every object, and the
    relation heads (probability > 0.5) against the true relationships of every pair."""
    scenes = list(range(len(split.scenes)))
    concepts, related, _ = scene_tensors(model, split, scenes)
    objects = [obj for scene in split.scenes for obj in scene["objects"]]
    out = {}
    for a in ATTRIBUTES:
        truth = torch.tensor([VALUES[a].index(obj[a]) for obj in objects])
        out[a] = (concepts[a].argmax(-1) == truth).float().mean().item()
    truth = torch.tensor([[b in scene["relationships"][r][a] for r in RELATIONS]
                          for scene in split.scenes for a in range(len(scene["objects"]))
                          for b in range(len(scene["objects"])) if a != b], dtype=torch.bool)
    out["relations"] = ((related > 0.5) == truth).float().mean().item() if len(truth) else 1.0
    return out


@dataclass(frozen=True)
class DataOptions:
    """Where the training and validation questions come from (`nesy train clevr`'s flags)."""

    data: Path | None = None  # a `nesy data clevr` folder; None: generate into the cache
    val: Path | None = None  # None: the last tenth of --data's scenes, or generated
    scenes: int = 500
    val_scenes: int = 100
    questions_per_scene: int = 10
    max_objects: int = 10
    condition: str | None = None
    test_condition: str | None = None
    fraction: float = 1.0

    def config(self) -> dict:
        return {key: str(value) if isinstance(value, Path) else value for key, value in vars(self).items()}


def cache_root() -> Path:
    """Generated data sets live here: $NESY_CACHE/clevr, else ~/.cache/nesy/clevr."""
    import os

    return Path(os.environ.get("NESY_CACHE") or Path.home() / ".cache" / "nesy") / "clevr"


def generated(scenes: int, questions_per_scene: int, max_objects: int, condition: str | None,
              seed: int, log=None) -> Path:
    """A generated data set in the cache (made once, atomically: written beside, then renamed)."""
    import os
    import shutil

    from nesy.datasets.clevr.generate import Request, write
    from nesy.datasets.clevr.scenes import SceneOptions

    name = f"{scenes}x{questions_per_scene}-objects{max_objects}-{condition or 'all'}-seed{seed}"
    folder = cache_root() / name
    if (folder / "questions.json").exists():
        return folder
    if log:
        log(f"generating {scenes} scenes into {folder} (once; later runs reuse it)")
    partial = folder.with_name(f"{name}.partial-{os.getpid()}")
    options = SceneOptions(min(3, max_objects), max_objects, condition)
    write(partial, Request(scenes, questions_per_scene, seed, "new", options), jobs=1)
    try:
        partial.rename(folder)
    except OSError:  # another run made it meanwhile
        shutil.rmtree(partial, ignore_errors=True)
    return folder


def read_folder(folder: Path):
    from nesy.datasets.clevr.loader import load

    return load(None, "val", folder / "scenes.json", folder / "questions.json")


def prepare(options: DataOptions, log=None):
    """The training and validation data `options` describe, each as (folder, scenes,
    questions), for a model's loader (`load_split`, `_clevr_neural.load_pictures`). With
    --data and no --val, the last tenth of the scenes (at least one) and their questions are
    held out."""
    if options.data is None:
        train_folder = generated(options.scenes, options.questions_per_scene, options.max_objects,
                                 options.condition, 0, log)
    else:
        train_folder = options.data
    scenes, questions = read_folder(train_folder)
    if options.val is None and options.data is not None:
        held = max(1, len(scenes) // 10)
        if len(scenes) < 2:
            raise DataError(f"{train_folder} has {len(scenes)} scene(s): too few to hold out "
                            f"validation scenes; give --val DIR")
        val_images = {scene["image_index"] for scene in scenes[-held:]}
        val = (train_folder, scenes[-held:], [q for q in questions if q.image_index in val_images])
        scenes = scenes[:-held]
        questions = [q for q in questions if q.image_index not in val_images]
    else:
        val_folder = options.val or generated(options.val_scenes, options.questions_per_scene,
                                              options.max_objects,
                                              options.test_condition or options.condition, 1, log)
        val = (val_folder, *read_folder(val_folder))
    if options.fraction < 1:
        keep = np.random.default_rng(0).permutation(len(questions))[:max(1, round(options.fraction * len(questions)))]
        questions = [questions[i] for i in sorted(keep)]
    if not questions or not val[2]:
        raise DataError("no questions to train on or to validate with")
    return (train_folder, scenes, questions), val
