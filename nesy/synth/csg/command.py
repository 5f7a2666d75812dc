"""`nesy synth csg TARGET...`: find a CSG program for each target picture.

A target is an image file (see `nesy.synth.csg.images`) or a text file of programs, one per
line (postfix or infix; blank lines and `#` comments skipped), each drawn and used as a target
named FILE:LINE. Output: a table, or JSON (one object per target: target, program (postfix),
infix, length, iou, chamfer, exact, seconds, system); `--out DIR` also writes, per target, a
PNG with the target, the result and their difference side by side.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

import numpy as np

from nesy.errors import DataError

_TEXT_SUFFIXES = {".txt", ".csg", ".programs"}


def add_command(commands) -> None:
    from nesy.argtypes import int_between
    from nesy.synth import cli
    from nesy.synth.csg.solve import SYSTEMS

    parser = commands.add_parser(
        "csg", help="CSG shape programs (CSGNet's 2D language) for target pictures",
        description="Find a program of CSGNet's 2D language (circles, squares and triangles on "
                    "a 64x64 canvas; + union, * intersection, - difference) that draws each "
                    "target: an image file, or a text file of programs (one per line).")
    parser.add_argument("targets", nargs="+", metavar="TARGET", help="image or program files")
    cli.add_time_options(parser, timeout=5.0, task="target")
    parser.add_argument("--beam", type=int_between(1, 100), default=10, metavar="B",
                        help="beam width of the proposal model (default: 10)")
    parser.add_argument("--model", metavar="CKPT",
                        help="proposal model: a `nesy train csg` checkpoint (default: the "
                             "shipped model)")
    parser.add_argument("--system", choices=SYSTEMS, default="guided",
                        help="guided: model + search (default); search: search alone; "
                             "beam: the model's beam alone")
    parser.add_argument("--format", choices=["table", "json"], default="table")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write target / result / difference PNGs here")
    parser.set_defaults(handler=run)


def load_targets(path: str) -> list[tuple[str, np.ndarray]]:
    """(name, packed mask) pairs of one TARGET argument."""
    from nesy.synth.csg.images import load_picture
    from nesy.synth.csg.raster import pack

    file = Path(path)
    if file.suffix.lower() in _TEXT_SUFFIXES:
        return _program_targets(file)
    return [(file.name, pack(load_picture(file)))]


def _program_targets(file: Path) -> list[tuple[str, np.ndarray]]:
    from nesy.files import read_text
    from nesy.synth.csg import raster
    from nesy.synth.csg.language import CsgSyntaxError, parse, render

    out = []
    for number, line in enumerate(read_text(file, "a file of CSG programs").splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            mask = render(parse(text))
        except CsgSyntaxError as error:
            raise DataError(f"{file}:{number}:{error.column}: {error}") from None
        if raster.count(mask) == 0:
            raise DataError(f"{file}:{number}: the program draws an empty picture")
        out.append((f"{file.name}:{number}", mask))
    if not out:
        raise DataError(f"{file}: no programs (one per line, postfix or infix)")
    return out


def _solve(item, timeout, system, beam, model_path, clock):
    from nesy.synth.csg.solve import solve

    name, mask = item
    model = _model(model_path) if system != "search" else None
    answer, _ = solve(mask, timeout=timeout, system=system, beam=beam, model=model, name=name,
                      clock=clock)
    return answer


_MODELS: dict = {}


def _model(path):
    """The proposal model, loaded once per process."""
    if path not in _MODELS:
        import torch

        from nesy.synth.csg.model import load

        torch.set_num_threads(1)
        _MODELS[path] = load(path)
    return _MODELS[path]


def run(args) -> int:
    import functools

    from nesy.synth import batch

    targets = [t for path in args.targets for t in load_targets(path)]
    if args.system != "search":
        _model(args.model)  # a bad --model fails before any search
    results = batch.run_all(functools.partial(_solve, timeout=args.timeout, system=args.system,
                                              beam=args.beam, model_path=args.model,
                                              clock=args.clock),
                            targets, args.jobs, label="targets")
    done = [r for r in results if r is not None]
    if args.out is not None:
        _write_pictures(args.out, targets, results)
    if args.format == "json":
        print(json.dumps([asdict(r) for r in done], indent=2))
    else:
        print(_table(done))
    if None in results:
        raise KeyboardInterrupt
    return 0


def _table(answers) -> str:
    width = max([len(a.target) for a in answers] + [6])
    rows = [f"{'target':<{width}}  {'iou':>6}  {'chamfer':>7}  {'seconds':>7}  program"]
    rows += [f"{a.target:<{width}}  {a.iou:6.4f}  {a.chamfer:7.3f}  {a.seconds:7.2f}  "
             f"{a.infix or '-'}" for a in answers]
    if answers:
        exact = sum(a.exact for a in answers)
        rows.append(f"exact {exact}/{len(answers)}, mean IoU "
                    f"{np.mean([a.iou for a in answers]):.4f}, mean Chamfer "
                    f"{np.mean([a.chamfer for a in answers]):.3f}")
    return "\n".join(rows)


def _write_pictures(out: Path, targets, results) -> None:
    from nesy.files import make_directory
    from nesy.synth.csg.images import comparison, save_rgb
    from nesy.synth.csg.language import parse_postfix, picture
    from nesy.synth.csg.raster import unpack

    make_directory(out)
    for (name, mask), answer in zip(targets, results):
        if answer is None:
            continue
        result = picture(parse_postfix(answer.program)) if answer.program else \
            np.zeros_like(unpack(mask))
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
        save_rgb(comparison(unpack(mask), result), out / f"{stem}.png")
