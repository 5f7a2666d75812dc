"""`nesy data clevr`: scenes, pictures and questions written in CLEVR's layout.

Scenes are made in chunks of CHUNK consecutive indices; a chunk depends only on the seed and
its index (the scene pictures on (seed, scene), the questions also on the answers chosen so
far in the chunk, for answer balancing), so the output is the same whatever `--jobs` is.
Worker processes write the pictures (each atomically); the parent gathers scenes and
questions in order and writes `scenes.json` and `questions.json` atomically at the end.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np


from .programs import to_raw
from .scenes import SceneOptions, make_scene
from .templates import FAMILIES, TEMPLATES, ask

CHUNK = 20
#: zlib level of the pictures: noise leaves little to compress, and level 1 writes twice as
#: fast as the default 6 for files about 15% larger.
PNG_LEVEL = 1
VERSION = "1.0"
LICENSE = "Creative Commons Attribution (CC BY 4.0)"
#: Families drawn per question, and templates tried per family drawn, before the scene gets
#: fewer questions.
TRIES_PER_QUESTION = 4
TRIES_PER_FAMILY = 3

_BY_FAMILY = {f: [i for i, t in enumerate(TEMPLATES) if t.family == f] for f in FAMILIES}


@dataclass(frozen=True)
class Request:
    scenes: int
    questions_per_scene: int
    seed: int = 0
    split: str = "new"
    options: SceneOptions = SceneOptions()
    images: Path | None = None  # where worker processes write the pictures (None: not at all)


def scene_questions(scene: dict, request: Request, seen: dict) -> list[dict]:
    """Up to `questions_per_scene` different questions about `scene`: each from a family
    drawn uniformly, then up to TRIES_PER_FAMILY templates of it (so that families whose
    templates often fail on a scene are not under-represented); `seen` holds each
    template's answer counts."""
    rng = np.random.default_rng([request.seed, scene["image_index"], 1])
    out, asked = [], set()
    for _ in range(request.questions_per_scene * TRIES_PER_QUESTION):
        if len(out) == request.questions_per_scene:
            break
        family = FAMILIES[rng.integers(len(FAMILIES))]
        for _ in range(TRIES_PER_FAMILY):
            index = _BY_FAMILY[family][rng.integers(len(_BY_FAMILY[family]))]
            found = ask(index, scene, rng, seen.setdefault(index, {}))
            if found is not None and json.dumps(found[1]) not in asked:
                break
        else:
            continue
        text, program, answer = found
        asked.add(json.dumps(program))
        out.append({"split": scene["split"], "image_index": scene["image_index"],
                    "image_filename": scene["image_filename"], "question": text, "program": program,
                    "answer": answer, "question_family_index": index,
                    "template_filename": f"{TEMPLATES[index].family}.json"})
    return out


def make_chunk(request: Request, chunk: int) -> tuple[list[dict], list[dict]]:
    """Scenes and questions of chunk `chunk`; writes its pictures when `request.images`."""
    from nesy.files import atomic_write

    scenes, questions, seen = [], [], {}
    for index in range(chunk * CHUNK, min((chunk + 1) * CHUNK, request.scenes)):
        scene, image = make_scene(index, request.seed, request.options, request.split)
        if request.images is not None:
            atomic_write(request.images / scene["image_filename"],
                         lambda f: image.save(f, format="PNG", compress_level=PNG_LEVEL))
        scenes.append(scene)
        questions.extend(scene_questions(scene, request, seen))
    return scenes, questions


def _chunk_job(args):
    return make_chunk(*args)


def generate(request: Request, jobs: int = 1, progress: bool | None = None):
    """All scenes and questions of `request` (lists of dicts in CLEVR's schema), made by
    `jobs` processes, with a tqdm progress bar over scenes."""
    from tqdm import tqdm

    n_chunks = -(-request.scenes // CHUNK)
    work = [(request, c) for c in range(n_chunks)]
    scenes, questions = [], []
    bar = tqdm(total=request.scenes, unit="scene", desc="clevr", file=sys.stderr,
               disable=None if progress is None else not progress)
    with bar:
        if jobs <= 1 or n_chunks <= 1:
            results = map(_chunk_job, work)
            pool = None
        else:
            import multiprocessing

            pool = multiprocessing.get_context("spawn").Pool(min(jobs, n_chunks))
            results = pool.imap(_chunk_job, work)
        try:
            for chunk_scenes, chunk_questions in results:
                scenes.extend(chunk_scenes)
                questions.extend(chunk_questions)
                bar.update(len(chunk_scenes))
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
    for i, q in enumerate(questions):
        q["question_index"] = i
    return scenes, questions


def info(request: Request) -> dict:
    return {"split": request.split, "version": VERSION, "license": LICENSE,
            "generator": "nesy data clevr", "seed": request.seed,
            "condition": request.options.condition}


def write(out: Path, request: Request, jobs: int = 1, raw: bool = False,
          progress: bool | None = None) -> tuple[int, int]:
    """Generate and write `out/images/*.png`, `out/scenes.json`, `out/questions.json`
    (in CLEVR v1.0's public layout, or with `raw` in the layout of CLEVR's question
    generator). Returns (scenes, questions) written."""
    from nesy.files import atomic_write_text, make_directory

    images = make_directory(out / "images")
    request = Request(request.scenes, request.questions_per_scene, request.seed, request.split,
                      request.options, images)
    scenes, questions = generate(request, jobs, progress)
    if raw:
        questions = [raw_question(q) for q in questions]
    head = info(request)
    atomic_write_text(out / "scenes.json", json.dumps({"info": head, "scenes": scenes}))
    atomic_write_text(out / "questions.json", json.dumps({"info": head, "questions": questions}))
    return len(scenes), len(questions)


def raw_question(question: dict) -> dict:
    """A question in the layout CLEVR's generator writes: `type`/`side_inputs` nodes and
    bool or int answers."""
    answer = question["answer"]
    if answer in ("yes", "no"):
        answer = answer == "yes"
    elif answer.isdigit():
        answer = int(answer)
    return {**question, "program": [to_raw(n) for n in question["program"]], "answer": answer}


def default_jobs() -> int:
    return max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
