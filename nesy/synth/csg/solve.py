"""The three ways of finding a program for a picture, behind one function, `solve`:

- "search": nesy's search alone (`search.TopDown`, then `search.refine` of the best program
  with the time left);
- "beam": a CSGNet-style model decoded with a beam (default width 10), the beam's program with
  the best IoU kept; no search;
- "guided": the model's beam as starting points, each refined, then the top-down search with
  the model's primitive probabilities breaking ties between splits, then refinement.

All stop at an exact match or at the time budget and answer the best program so far (IoU,
then fewer primitives); every answer is re-rendered from its text and its IoU recomputed
before it is reported.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from nesy.errors import InternalError, UsageError
from nesy.synth.csg import metrics
from nesy.synth.csg.language import Program, length, parse_postfix, render, to_infix, to_postfix
from nesy.synth.csg.search import Found, TopDown, prepare, refine, simplify

SYSTEMS = ("guided", "search", "beam")


@dataclass(frozen=True)
class Answer:
    target: str
    program: str | None  # postfix
    infix: str | None
    length: int | None
    iou: float
    chamfer: float
    exact: bool
    seconds: float
    system: str


def solve(target: np.ndarray, *, timeout: float = 5.0, system: str = "guided", beam: int = 10,
          model=None, name: str = "target", clock: str = "wall") -> tuple[Answer, Program | None]:
    """Find a program drawing the packed mask `target`; `model` is a loaded proposal model
    (needed by "beam" and "guided"). `timeout` is in elapsed seconds, or with `clock="cpu"` in
    this process's processor seconds (fairer on a busy machine)."""
    if system not in SYSTEMS:
        raise UsageError(f"unknown CSG search system '{system}'; known: {', '.join(SYSTEMS)}")
    if system != "beam":
        prepare()  # once per process, before the clock starts
    now = time.process_time if clock == "cpu" else time.perf_counter
    start = now()
    deadline = start + timeout
    searching = start + 0.8 * timeout  # the last fifth refines the best program
    found = Found()
    if system == "search":
        TopDown(target, searching, found=found, now=now).run()
    else:
        if model is None:
            raise UsageError(f"the '{system}' system needs a proposal model")
        from nesy.synth.csg.model import beam_search

        proposals, prior = beam_search(model, _picture(target), beam=beam)
        for program, _ in proposals:
            found.offer(program, render(program), target)
        if system == "guided":
            for program, _ in proposals:
                if found.iou == 1.0 or now() > searching:
                    break
                better, _ = refine(program, target, searching, now)
                found.offer(better, render(better), target)
            if found.iou < 1.0:
                TopDown(target, searching, found=found, prior=prior, now=now).run()
    if system != "beam" and found.program is not None and found.iou < 1.0:
        better, _ = refine(found.program, target, deadline, now)
        found.offer(better, render(better), target)
    if system != "beam" and found.program is not None:
        found.program = simplify(found.program)
    return _answer(name, target, found, system, now() - start), found.program


def _picture(mask: np.ndarray) -> np.ndarray:
    from nesy.synth.csg.raster import unpack

    return unpack(mask).astype(np.float32)


def _answer(name, target, found: Found, system: str, seconds: float) -> Answer:
    if found.program is None:
        return Answer(name, None, None, None, 0.0, metrics.PENALTY, False, seconds, system)
    text = to_postfix(found.program)
    mask = render(parse_postfix(text))  # re-rendered from the reported text
    score = metrics.iou(mask, target)
    if abs(score - found.iou) > 1e-12:
        raise InternalError(f"the search scored {text} {found.iou}, its picture has IoU {score}")
    return Answer(name, text, to_infix(found.program), length(found.program), round(score, 6),
                  round(metrics.chamfer(mask, target), 4), bool(np.array_equal(mask, target)),
                  round(seconds, 4), system)
