"""The CLEVR question parser alone (`nesy train clevr --programs parsed`'s parser), without
training: how many questions a fraction of annotated programs lets it parse, and how many
exactly (equal to the annotated program), in three settings:

- `taught`: the patterns of the annotated questions only;
- `no perception`: plus the search's most plausible candidate of the right answer kind for
  every other pattern (what the learner trains on before its perception is trusted);
- `true scenes`: plus the search executing its candidates on the true scene graphs, an
  oracle perception (the ceiling of the search with a perfect perception; the learner runs
  it on the scenes as it perceives them).

Seconds to run, not a training run: iterate on the parser here.

    python benchmarks/clevr_parser.py --data DIR --val DIR [--annotated 0.01]

DIR: `nesy data clevr` folders (e.g. the cache `nesy train clevr` generates:
~/.cache/nesy/clevr/200x10-objects10-all-seed0 and 40x10-objects10-all-seed1). The
annotated questions are chosen as `nesy train clevr` chooses them (seed 0).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from nesy.datasets.clevr.compile import scene_facts
from nesy.pipelines._clevr_learn import read_folder
from nesy.pipelines._clevr_parser import Parser, run_programs


def truth(scenes: list[dict], questions: list):
    """answers_of for Parser.search on the true scene graphs."""
    graphs = scene_facts(dict(enumerate(scenes)))
    scene_of = {scene["image_index"]: s for s, scene in enumerate(scenes)}
    return lambda jobs: run_programs(graphs, [(scene_of[questions[p].image_index], program) for p, program in jobs])


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--data", type=Path, required=True, help="training folder")
    options.add_argument("--val", type=Path, required=True, help="validation folder")
    options.add_argument("--annotated", type=float, default=0.01, help="share of annotated training questions")
    args = options.parse_args()
    scenes, questions = read_folder(args.data)
    _, val = read_folder(args.val)
    n = len(questions)
    annotated = sorted(np.random.default_rng(0).permutation(n)[:max(1, round(args.annotated * n))].tolist())
    print(f"{len(annotated)} annotated programs of {n} training questions; {len(val)} validation questions")
    print(f"{'setting':<14} {'train parsed':>12} {'train exact':>12} {'val parsed':>11} {'val exact':>10} {'CPU s':>6}")
    for setting, answers_of in (("taught", False), ("no perception", None), ("true scenes", truth(scenes, questions))):
        parser = Parser([questions[i] for i in annotated])
        start = time.process_time()
        if answers_of is not False:
            parser.search(questions, answers_of)
        seconds = time.process_time() - start
        row = []
        for split in (questions, val):
            parsed = [parser.parse(q.question) for q in split]
            exact = sum(p == q.program for p, q in zip(parsed, split))
            row += [sum(p is not None for p in parsed) / len(split), exact / len(split)]
        print(f"{setting:<14} {row[0]:>12.1%} {row[1]:>12.1%} {row[2]:>11.1%} {row[3]:>10.1%} {seconds:>6.1f}")


if __name__ == "__main__":
    main()
