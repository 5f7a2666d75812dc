"""CLEVR: `nesy eval clevr` runs every question's functional program, compiled to facts of
nesy's CLEVR executor (`nesy.datasets.clevr.compile`), on its scene's ground-truth graph, and
scores the answers; `answers` is the batched runner (one engine run per batch of questions,
whatever their templates). `nesy train clevr` learns visual concepts from question-answer
pairs through the same executor on a differentiable provenance (`_clevr_learn`, built when
the command runs), and `nesy eval clevr --model DIR --data DIR` evaluates what it learned.

Data comes from `nesy data clevr` (`--scenes FILE --questions FILE`) or from a CLEVR_v1.0
download (`--clevr DIR --split val`). torch is not needed; the engine is imported when the
command runs.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from nesy.argtypes import int_between, positive_float
from nesy.errors import DataError, UsageError
from nesy.pipelines.base import PipelineSpec, TrainingRun, trainable_provenance

DEFAULT_BATCH = 2000
#: The learner's provenance. Side by side on scenes of 3 objects (docs/clevr.md), top-3 proofs
#: learned almost as well as `diffexact` at 0.7x its CPU, and far better than
#: `diffminmaxprob` (gradients reach one fact per derivation) and `diffaddmultprob` (a
#: disjunction's probabilities summed and clipped); `diffexact`'s formulas grow with every
#: uncertain fact a count or relation touches, so with random concepts on scenes of up to 10
#: objects it is unaffordable (over a minute for 8 questions, measured).
DEFAULT_PROVENANCE = "difftopkproofs"
DEFAULT_TOP_K = 3


@lru_cache(maxsize=1)
def executor():
    """nesy's CLEVR executor program (`nesy/datasets/clevr/executor.nesy`), compiled once."""
    from nesy.datasets.clevr.compile import EXECUTOR
    from nesy.program import load

    return load(EXECUTOR)


def answers(scenes: list[dict], questions: list, batch_size: int = DEFAULT_BATCH, provenance: str = "unit",
            progress=None) -> list[str | None]:
    """Each question's answer by nesy's engine on its scene's ground-truth graph (None where
    the program has no answer). Questions go `batch_size` at a time; `progress(n)` is called
    after each batch with the number of questions done."""
    from nesy.datasets.clevr.compile import question_facts, scene_facts

    position = {scene["image_index"]: s for s, scene in enumerate(scenes)}
    out: list[str | None] = [None] * len(questions)
    for start in range(0, len(questions), batch_size):
        batch = list(enumerate(questions[start:start + batch_size], start))
        programs = {}
        for q, question in batch:
            if question.program is None:
                raise DataError(f"question {question.question_index} has no program to execute")
            if question.image_index not in position:
                raise DataError(f"question {question.question_index} is about image "
                                f"{question.image_index}, which the scenes file does not have")
            programs[q] = (position[question.image_index], question.program)
        used = {s for s, _ in programs.values()}
        facts = {**scene_facts({s: scenes[s] for s in used}), **question_facts(programs)}
        result = executor().run(provenance=provenance, facts=facts)["answer"]
        for q, answer in result.tuples:
            out[q] = answer if out[q] is None else _ambiguous(questions[q])
        if progress is not None:
            progress(len(batch))
    return out


def _ambiguous(question):
    raise DataError(f"question {question.question_index} has more than one answer on its scene "
                    f"(a 'unique' of several objects?)")




def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Execute every question's CLEVR program with nesy's engine on its scene's "
                          "ground-truth scene graph, and print the accuracy per question family and "
                          "per final function.")
    parser.add_argument("--scenes", type=Path, metavar="FILE", help="a CLEVR scenes JSON file")
    parser.add_argument("--questions", type=Path, metavar="FILE", help="a CLEVR questions JSON file "
                        "(v1.0's layout or the raw layout of CLEVR's question generator)")
    parser.add_argument("--clevr", type=Path, metavar="DIR", help="a CLEVR_v1.0 folder (instead of the two files)")
    parser.add_argument("--split", default="val", help="with --clevr: the split (default val)")
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="table: accuracies; json: one object per question per line "
                        "(question_index, predicted, answer)")
    parser.add_argument("--batch-size", type=int_between(1, None), default=DEFAULT_BATCH, metavar="B",
                        help=f"questions executed together in one engine run (default {DEFAULT_BATCH})")
    parser.add_argument("--limit", type=int_between(1, None), metavar="N", help="only the first N questions")
    parser.add_argument("--model", type=Path, metavar="DIR", help="a `nesy train clevr` run: answer with its "
                        "learned concepts instead of the ground-truth scene graphs (needs --data)")
    parser.add_argument("--data", type=Path, metavar="DIR", help="with --model: a `nesy data clevr` folder "
                        "(pictures, scenes.json, questions.json)")
    parser.add_argument("--sheet", type=Path, metavar="PNG", help="with --model: also write a PNG of the first "
                        "pictures beside their questions, predicted and true answers")
    parser.set_defaults(handler=evaluate_command)


def evaluate_command(args) -> int:
    from tqdm import tqdm

    from nesy.datasets.clevr.loader import load

    if args.sheet is not None and args.model is None:
        raise UsageError("--sheet PNG goes with --model DIR (a trained run's answers)")
    if args.model is not None or args.data is not None:
        return _evaluate_model(args)
    if args.clevr is None and (args.scenes is None or args.questions is None):
        raise UsageError("give --scenes FILE and --questions FILE, or --clevr DIR (a CLEVR_v1.0 folder)")
    if args.clevr is not None and (args.scenes is not None or args.questions is not None):
        raise UsageError("give either --clevr DIR or --scenes/--questions, not both")
    scenes, questions = load(args.clevr, args.split, args.scenes, args.questions)
    questions = questions[: args.limit] if args.limit else questions
    if not questions:
        raise UsageError("the questions file holds no questions")
    with tqdm(total=len(questions), unit="question", desc="clevr eval", file=sys.stderr, disable=None) as bar:
        predicted = answers(scenes, questions, args.batch_size, progress=bar.update)
    if args.format == "json":
        for q, p in zip(questions, predicted):
            print(json.dumps({"question_index": q.question_index, "predicted": p, "answer": q.answer}))
        return 0
    print(accuracy_table(questions, predicted))
    return 0


def _evaluate_model(args) -> int:
    """`nesy eval clevr --model DIR --data DIR`: the learned concepts answer the questions
    (the trained run's provenance), scored per family and function, plus concept probing."""
    if args.model is None or args.data is None:
        raise UsageError("--model DIR and --data DIR go together")
    if args.clevr is not None or args.scenes is not None or args.questions is not None:
        raise UsageError("with --model, give the data as --data DIR only")
    if not (args.data / "questions.json").is_file():
        raise UsageError(f"{args.data} is not a `nesy data clevr` folder (no questions.json)")
    from nesy.pipelines._clevr_learn import read_folder

    model, run = trained_model(args.model)
    scenes, questions = read_folder(args.data)
    questions = questions[: args.limit] if args.limit else questions
    if not questions:
        raise UsageError("the questions file holds no questions")
    metrics, predicted = run(args.data, scenes, questions, args.batch_size)
    if args.sheet is not None:
        from nesy.datasets.clevr.sheet import contact_sheet
        from nesy.files import make_directory

        make_directory(args.sheet.parent)
        contact_sheet(args.data, args.sheet, predicted={q.question_index: p for q, p in zip(questions, predicted)})
    if args.format == "json":
        for q, p in zip(questions, predicted):
            print(json.dumps({"question_index": q.question_index, "predicted": p, "answer": q.answer}))
        return 0
    print(accuracy_table(questions, predicted))
    probes = {key[6:]: value for key, value in metrics.items() if key.startswith("probe/")}
    if probes:  # the nesy model's concepts; the neural baseline has none to probe
        print("concept probing (against the scene file's attributes, never trained on):")
        for key, value in probes.items():
            print(f"  {key:10} {100 * value:6.2f}%")
    return 0


def trained_model(folder: Path):
    """The model of a `nesy train clevr` run and `run(data folder, scenes, questions, batch
    size) -> (metrics, predicted answers)`, which evaluates it (either kind of model)."""
    import torch

    from nesy.pipelines.checkpoints import CHECKPOINT_NAME, load_checkpoint

    state = load_checkpoint(folder / CHECKPOINT_NAME)
    config = state["config"]
    if config.get("model") == "neural":
        from nesy.pipelines._clevr_neural import FilmModel, evaluate, load_pictures

        model = FilmModel(len(config["vocabulary"]))

        def run(data, scenes, questions, batch_size):
            return evaluate(model, load_pictures(data, scenes, questions, config["vocabulary"]), batch_size)
    else:
        from nesy.pipelines._clevr_learn import PERCEPTIONS, evaluate, load_split

        model = PERCEPTIONS[config.get("perception", "joint")]()

        def run(data, scenes, questions, batch_size):
            return evaluate(model, load_split(data, scenes, questions), config["provenance"], config["top_k"],
                            batch_size)
    try:
        model.load_state_dict(state["model"])
    except (RuntimeError, KeyError) as err:
        raise DataError(f"{folder} is not a `nesy train clevr` run: {str(err).splitlines()[0]}") from None
    model.eval()

    def evaluated(*args):
        with torch.no_grad():
            return run(*args)

    return model, evaluated


def accuracy_table(questions, predicted) -> str:
    """Accuracy overall, per family and per final function (questions without an answer,
    such as CLEVR's test split, are not scored)."""
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for q, p in zip(questions, predicted):
        if q.answer is None:
            continue
        for key in ("all", f"family {q.family}", f"function {q.program[-1]['function']}"):
            groups[key][0] += p == q.answer
            groups[key][1] += 1
    if not groups:
        return f"{len(questions)} questions executed; none has an answer to score against"
    width = max(map(len, groups))
    keys = ["all"] + sorted(k for k in groups if k.startswith("family")) + sorted(
        k for k in groups if k.startswith("function"))
    lines = [f"{'':{width}}  accuracy  correct / questions"]
    for key in keys:
        right, total = groups[key]
        lines.append(f"{key:{width}}  {100 * right / total:7.2f}%  {right} / {total}")
    return "\n".join(lines)


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, metavar="DIR", help="training data: a `nesy data clevr` folder "
                        "(default: generated into the cache, $NESY_CACHE or ~/.cache/nesy)")
    parser.add_argument("--val", type=Path, metavar="DIR", help="validation data, a `nesy data clevr` folder "
                        "(default: with --data, its last tenth of scenes; else generated)")
    parser.add_argument("--scenes", type=int_between(1, None), default=500, metavar="N",
                        help="scenes to generate for training when --data is not given (default 500)")
    parser.add_argument("--val-scenes", type=int_between(1, None), default=100, metavar="N",
                        help="scenes to generate for validation (default 100)")
    parser.add_argument("--questions-per-scene", type=int_between(1, 100), default=10, metavar="Q",
                        help="questions per generated scene (default 10)")
    parser.add_argument("--max-objects", type=int_between(1, 10), default=10, metavar="N",
                        help="at most N objects per generated scene (default 10)")
    parser.add_argument("--condition", choices=("A", "B"), help="CoGenT condition of the generated training scenes")
    parser.add_argument("--test-condition", choices=("A", "B"),
                        help="CoGenT condition of the generated validation scenes (default: --condition)")
    parser.add_argument("--fraction", type=positive_float, default=1.0, metavar="F",
                        help="train on this fraction of the training questions (default 1)")
    parser.add_argument("--curriculum", type=int_between(0, None), default=0, metavar="E",
                        help="train the first E epochs only on questions without relations (default 0)")
    parser.add_argument("--model", choices=("nesy", "neural"), default="nesy",
                        help="nesy: concepts learned through nesy's executor (default); neural: the "
                        "baseline without an executor (CNN + GRU question encoder, FiLM)")
    parser.add_argument("--programs", choices=("gold", "parsed"), default="gold",
                        help="gold: the questions' annotated programs (default); parsed: programs from "
                        "the question parser, taught by --annotated F of the training questions' programs "
                        "and by the answers for the rest")
    parser.add_argument("--annotated", type=positive_float, default=0.01, metavar="F",
                        help="with --programs parsed: the share of training questions whose programs the "
                        "parser learns from (default 0.01)")
    parser.add_argument("--perception", choices=("joint", "factored"), default="joint",
                        help="joint: one CNN over each object's crop feeds every attribute (default); "
                        "factored: shape and size see only the object's silhouette, colour and material "
                        "only its pixels, one by one (for CoGenT)")
    parser.add_argument("--provenance", default=DEFAULT_PROVENANCE, metavar="NAME",
                        help=f"differentiable provenance of the executor (default {DEFAULT_PROVENANCE})")
    parser.add_argument("--top-k", type=int_between(1, None), metavar="K",
                        help=f"k of a top-k provenance (default {DEFAULT_TOP_K})")


def train_run(args) -> TrainingRun:
    from nesy.provenance import make as make_provenance

    if args.samples is not None:
        raise UsageError("--samples does not apply to clevr: --fraction F trains on part of the questions")
    if not 0 < args.fraction <= 1:
        raise UsageError(f"--fraction must be in (0, 1], got {args.fraction}")
    given = [flag for flag, value in (("--scenes", args.scenes != 500), ("--max-objects", args.max_objects != 10),
                                      ("--condition", args.condition), ("--questions-per-scene",
                                                                         args.questions_per_scene != 10))
             if value]
    if args.data is not None and given:
        raise UsageError(f"{', '.join(given)} describe(s) generated data; with --data the folder's data is used")
    if not 0 < args.annotated <= 1:
        raise UsageError(f"--annotated must be in (0, 1], got {args.annotated}")
    if args.programs == "parsed" and args.curriculum:
        raise UsageError("--curriculum picks questions by their annotated programs; it does not go with "
                         "--programs parsed")
    if args.annotated != 0.01 and args.programs != "parsed":
        raise UsageError("--annotated goes with --programs parsed")
    if args.model == "neural":
        given = [flag for flag, value in (("--provenance", args.provenance != DEFAULT_PROVENANCE),
                                          ("--top-k", args.top_k is not None), ("--curriculum", args.curriculum),
                                          ("--programs", args.programs != "gold"),
                                          ("--perception", args.perception != "joint"))
                 if value]
        if given:
            raise UsageError(f"{', '.join(given)} appl(y/ies) to --model nesy only: the neural baseline "
                             f"has no executor")
    provenance = trainable_provenance(args.provenance)
    uses_k = make_provenance(provenance, k=args.top_k or DEFAULT_TOP_K).uses_k
    if args.top_k is not None and not uses_k:
        raise UsageError(f"--top-k applies only to a top-k provenance, not {provenance}")
    k = (args.top_k or DEFAULT_TOP_K) if uses_k else None
    for folder in (args.data, args.val):
        if folder is not None and not (folder / "questions.json").is_file():
            raise UsageError(f"{folder} is not a `nesy data clevr` folder (no questions.json)")

    def build():
        from nesy.pipelines._clevr_learn import ClevrLearner, DataOptions, load_split, prepare

        options = DataOptions(args.data, args.val, args.scenes, args.val_scenes, args.questions_per_scene,
                              args.max_objects, args.condition, args.test_condition, args.fraction)
        train, val = prepare(options, log=lambda line: print(line, file=sys.stderr))
        if args.model == "neural":
            from nesy.pipelines._clevr_neural import NeuralLearner, load_pictures, vocabulary

            vocab = vocabulary(train[2])
            return NeuralLearner(load_pictures(*train, vocab), load_pictures(*val, vocab), vocab,
                                 {**options.config(), "model": "neural"})
        config = {**options.config(), "provenance": provenance, "top_k": k, "curriculum": args.curriculum,
                  "perception": args.perception}
        if args.programs == "parsed":
            import numpy as np

            from nesy.pipelines._clevr_parser import ParsedLearner

            n = len(train[2])
            annotated = sorted(np.random.default_rng(0).permutation(n)[:max(1, round(args.annotated * n))].tolist())
            return ParsedLearner(load_split(*train), load_split(*val), provenance, k,
                                 {**config, "programs": "parsed", "annotated": args.annotated}, annotated)
        return ClevrLearner(load_split(*train), load_split(*val), provenance, k, config, args.curriculum)

    if args.model == "neural":
        return TrainingRun(build, "clevr", "CLEVR neural baseline (CNN + GRU, FiLM; no executor)")
    programs = " and parsed programs" if args.programs == "parsed" else ""
    return TrainingRun(build, "clevr",
                       f"CLEVR concepts from question-answer pairs{programs} with provenance {provenance}")


PIPELINES = [PipelineSpec(
    "clevr", help="CLEVR: visual concepts learned from question-answer pairs through nesy's executor",
    run=train_run, add_arguments=add_train_arguments, commands={"eval": add_eval_arguments},
    description="Learn CLEVR's visual concepts (colours, shapes, materials, sizes, spatial "
                "relations) from pictures, questions and answers alone, NS-CL style: each "
                "question's program runs in nesy's CLEVR executor on a differentiable provenance "
                "over the perception's concept probabilities, and only the answers supervise.")]
