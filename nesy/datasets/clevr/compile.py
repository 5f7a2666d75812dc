"""CLEVR functional programs compiled to facts of one nesy program, `executor.nesy`, and
executed by nesy's engine, a whole batch of questions in one run.

The executor's rules give each CLEVR function its meaning over the scene relations (object,
color, shape, size, material, related); a question's program becomes facts naming its nodes,
their inputs and value inputs, keyed by a question id, and each question names its scene.
So one compiled program runs every question of a batch, whatever its template, and the same
program runs on scene graphs given as certain facts (boolean provenance, ground truth) or
as probabilistic facts from a perception model (probabilistic and differentiable
provenances): only the facts change.

This module only writes facts (the data layer does not run programs); `nesy.pipelines.clevr`
compiles the executor once and runs batches. `program_text` writes one question and its
scene as a self-contained nesy file, for reading and for `nesy run`.
"""
from __future__ import annotations

from pathlib import Path

from .vocab import ATTRIBUTES, RELATIONS

EXECUTOR = Path(__file__).with_name("executor.nesy")
SCENE_RELATIONS = ("object", *ATTRIBUTES, "related")
QUESTION_RELATIONS = ("question", "node", "input", "value", "final")


def scene_facts(scenes: dict[int, dict]) -> dict[str, list[tuple]]:
    """Facts of scene graphs given as certain: {scene id: scene dict in CLEVR's schema}."""
    facts = {name: [] for name in SCENE_RELATIONS}
    for s, scene in scenes.items():
        for o, obj in enumerate(scene["objects"]):
            facts["object"].append((s, o))
            for a in ATTRIBUTES:
                facts[a].append((s, o, obj[a]))
        for r in RELATIONS:
            for a, related in enumerate(scene["relationships"][r]):
                facts["related"].extend((s, r, a, b) for b in related)
    return facts


def question_facts(programs: dict[int, tuple[int, list[dict]]]) -> dict[str, list[tuple]]:
    """Facts of questions: {question id: (scene id, program in the public layout)}."""
    facts = {name: [] for name in QUESTION_RELATIONS}
    for q, (s, program) in programs.items():
        facts["question"].append((q, s))
        for i, node in enumerate(program):
            facts["node"].append((q, i, node["function"]))
            facts["input"].extend((q, i, k, j) for k, j in enumerate(node["inputs"]))
            facts["value"].extend((q, i, v) for v in node["value_inputs"])
        facts["final"].append((q, len(program) - 1))
    return facts


def program_text(question, scene: dict) -> str:
    """One question and its scene as a complete nesy program (the executor's rules, then the
    facts), so that `nesy run` prints its answer."""
    facts = {**scene_facts({0: scene}), **question_facts({0: (0, question.program)})}
    lines = [EXECUTOR.read_text(encoding="utf-8"), f"// {question.question}",
             f"// expected answer: {question.answer}"]
    for name, rows in facts.items():
        if rows:
            body = ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)
            lines.append(f"rel {name} = {{{body}}}")
    return "\n".join(lines) + "\n"


def _literal(value) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)
