"""CLEVR: `nesy eval clevr` runs every question's functional program, compiled to facts of
nesy's CLEVR executor (`nesy.datasets.clevr.compile`), on its scene's ground-truth graph, and
scores the answers; `answers` is the batched runner (one engine run per batch of questions,
whatever their templates). The learner (`nesy train clevr`) is not built yet.

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

from nesy.argtypes import int_between
from nesy.errors import DataError, UsageError
from nesy.pipelines.base import PipelineSpec

DEFAULT_BATCH = 2000


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
    parser.set_defaults(handler=evaluate_command)


def evaluate_command(args) -> int:
    from tqdm import tqdm

    from nesy.datasets.clevr.loader import load

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


def _not_yet(args):
    raise UsageError("the CLEVR learner is not built yet (issue 11); `nesy eval clevr` runs the "
                     "programs on ground-truth scene graphs")


PIPELINES = [PipelineSpec(
    "clevr", help="CLEVR: questions as programs executed by nesy on scene graphs",
    run=_not_yet, commands={"eval": add_eval_arguments},
    description="CLEVR question answering. The learner is not built yet; see `nesy eval clevr`.")]
