"""CLEVR: nesy's own CLEVR-like scenes and questions, in CLEVR's file formats, and the
loader of a real CLEVR_v1.0 download.

- `scenes`, `render`: scenes under CLEVR's placement and relation rules, drawn in 2D;
- `templates`, `generate`: questions of CLEVR's nine families from nesy's own templates
  (`nesy data clevr`);
- `loader`: both question layouts and the CLEVR_v1.0 folder, with located errors;
- `compile`, `executor.nesy`: programs run by nesy's engine (`nesy eval clevr`).

The registry imports this module to build the command line, so it imports only the light
parts; the generator, Pillow and the engine are imported when a command runs.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from nesy.argtypes import int_between, positive_float
from nesy.datasets.base import DatasetSpec
from nesy.errors import UsageError

DEFAULT_QUESTIONS = 10


def load(root=None, split: str = "val", scenes=None, questions=None):
    """(scenes, questions) of a CLEVR_v1.0 folder and split, or of the two files that
    `nesy data clevr` writes (see `loader.load`)."""
    from .loader import load as load_files

    return load_files(root, split, scenes, questions)


def _non_negative_float(text: str) -> float:
    return 0.0 if text.strip() in ("0", "0.0") else positive_float(text)


def add_command(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Generate CLEVR-like scenes (2D pictures, CLEVR's vocabulary, placement and "
                          "relation rules) and questions of CLEVR's nine families, written as "
                          "DIR/images/*.png, DIR/scenes.json and DIR/questions.json in CLEVR's layout.")
    parser.add_argument("--scenes", type=int_between(1, None), required=True, metavar="N", help="number of scenes")
    parser.add_argument("--questions-per-scene", type=int_between(0, 100), default=DEFAULT_QUESTIONS, metavar="Q",
                        help=f"questions per scene (default {DEFAULT_QUESTIONS}; fewer when a scene "
                        "admits fewer different questions)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed (default 0); the output depends "
                        "only on the seed and the options, not on --jobs")
    parser.add_argument("--condition", choices=("A", "B"), help="CoGenT condition: the shape-colour "
                        "combinations of condition A or B (default: all combinations)")
    parser.add_argument("--split", default="new", help="split name in file names and JSON (default 'new')")
    parser.add_argument("--jobs", type=int_between(1, 64), metavar="J",
                        help="worker processes (default: the CPUs available, at most 8)")
    parser.add_argument("--min-objects", type=int_between(1, 10), default=3, metavar="N", help="default 3")
    parser.add_argument("--max-objects", type=int_between(1, 10), default=10, metavar="N", help="default 10")
    parser.add_argument("--occlusion", action="store_true",
                        help="let objects overlap in the pictures (each keeps at least half of its pixels)")
    parser.add_argument("--width", type=int_between(128, 1024), default=320, help="picture width (default 320)")
    parser.add_argument("--height", type=int_between(128, 1024), default=240, help="picture height (default 240)")
    parser.add_argument("--noise", type=_non_negative_float, default=3.0,
                        help="standard deviation of the pixel noise (default 3; 0 for none)")
    parser.add_argument("--raw", action="store_true", help="write questions in the raw layout of CLEVR's "
                        "question generator (type/side_inputs, bool and int answers) instead of v1.0's")
    parser.add_argument("--contact-sheet", type=Path, metavar="PNG",
                        help="also write a contact sheet: the first pictures beside their questions and answers")
    parser.set_defaults(handler=_handle)


def _handle(args) -> int:
    if args.min_objects > args.max_objects:
        raise UsageError(f"--min-objects ({args.min_objects}) exceeds --max-objects ({args.max_objects})")
    from .generate import Request, default_jobs, write
    from .scenes import SceneOptions

    options = SceneOptions(args.min_objects, args.max_objects, args.condition, args.occlusion,
                           args.width, args.height, args.noise)
    request = Request(args.scenes, args.questions_per_scene, args.seed, args.split, options)
    n_scenes, n_questions = write(args.out, request, args.jobs or default_jobs(), args.raw)
    if args.contact_sheet is not None:
        from .sheet import contact_sheet

        contact_sheet(args.out, args.contact_sheet)
    print(f"wrote {n_scenes} scenes and {n_questions} questions to {args.out} "
          f"(images/, scenes.json, questions.json)")
    return 0


DATASETS = [DatasetSpec("clevr", "CLEVR-like 2D scenes and questions of CLEVR's nine families, in "
                        "CLEVR's file formats (nesy's own generator; real CLEVR_v1.0 folders load too)",
                        load, add_command=add_command)]
