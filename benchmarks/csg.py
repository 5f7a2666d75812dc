"""CSG shape programs: nesy's search alone, a CSGNet-style model decoded with a beam, and
nesy's model-guided search, side by side on the same fixed test sets and the same time budget
per shape; plus 20 drawings not made in the language (letters and icons drawn here).

    python benchmarks/csg.py                                  # 20 shapes per length, 5 s each
    python benchmarks/csg.py --per-length 1000 --timeout 5    # the issue's full protocol
    python benchmarks/csg.py --lengths 3,5 --per-length 10 --out runs/csg-bench

Each answer is appended to `OUT/shapes.jsonl` as soon as it is found; run the same command
again after a stop and it redoes only the missing shapes.
Per length and system: exact-match rate (IoU 1.0), mean IoU, mean Chamfer distance (CSGNet's
definition, see `nesy.synth.csg.metrics`), mean seconds per shape. The test sets are
`nesy data csg`'s (seed 0, `nesy.synth.csg.generate.test_set`). The beam system is the shipped
proposal model (or --model) with beam 10: the beam's program with the best IoU, as CSGNet
reports; the guided system starts from the same beam, so its IoU can never be lower, which
is checked. Every reported program is re-rendered from its text and its IoU recomputed (in
`solve`), and exact answers must draw the target: the script exits 1 otherwise.
The bank of two-primitive programs is built once (a few seconds) before any clock starts.
`--clock cpu` measures the budget in processor seconds (fairer on a shared machine).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nesy.synth.csg import raster  # noqa: E402
from nesy.synth.csg.generate import test_set  # noqa: E402
from nesy.synth.csg.language import parse_postfix, render  # noqa: E402
from nesy.synth.csg.search import bank  # noqa: E402
from nesy.synth.csg.solve import Answer, solve  # noqa: E402

SYSTEMS = ("search", "beam", "guided")


def drawings() -> list[tuple[str, np.ndarray]]:
    """20 pictures not made in the language: 8 letters (Pillow's default font) and 12 icons."""
    from PIL import Image, ImageDraw, ImageFont

    out = []
    font = ImageFont.load_default(size=52)
    for letter in "AEHKRSXZ":
        image = Image.new("L", (64, 64), 0)
        ImageDraw.Draw(image).text((32, 32), letter, fill=255, font=font, anchor="mm")
        out.append((f"letter-{letter}", np.asarray(image) >= 128))
    icons = {
        "house": lambda d: (d.rectangle([16, 30, 48, 54], fill=255),
                            d.polygon([(10, 32), (32, 10), (54, 32)], fill=255)),
        "heart": lambda d: (d.ellipse([10, 12, 34, 36], fill=255), d.ellipse([30, 12, 54, 36], fill=255),
                            d.polygon([(11, 28), (53, 28), (32, 54)], fill=255)),
        "star": lambda d: d.polygon([(32, 6), (39, 25), (58, 25), (43, 37), (49, 57), (32, 45),
                                     (15, 57), (21, 37), (6, 25), (25, 25)], fill=255),
        "arrow": lambda d: d.polygon([(8, 26), (36, 26), (36, 14), (56, 32), (36, 50), (36, 38),
                                      (8, 38)], fill=255),
        "plus": lambda d: (d.rectangle([26, 8, 38, 56], fill=255), d.rectangle([8, 26, 56, 38], fill=255)),
        "ring": lambda d: (d.ellipse([8, 8, 56, 56], fill=255), d.ellipse([20, 20, 44, 44], fill=0)),
        "moon": lambda d: (d.ellipse([8, 8, 56, 56], fill=255), d.ellipse([22, 4, 62, 44], fill=0)),
        "smiley": lambda d: (d.ellipse([6, 6, 58, 58], fill=255), d.ellipse([20, 18, 28, 28], fill=0),
                             d.ellipse([36, 18, 44, 28], fill=0), d.chord([18, 26, 46, 48], 0, 180, fill=0)),
        "pacman": lambda d: d.pieslice([8, 8, 56, 56], 35, 325, fill=255),
        "diamond": lambda d: d.polygon([(32, 6), (58, 32), (32, 58), (6, 32)], fill=255),
        "bolt": lambda d: d.polygon([(36, 4), (14, 36), (30, 36), (24, 60), (50, 26), (34, 26),
                                     (42, 4)], fill=255),
        "key": lambda d: (d.ellipse([6, 20, 30, 44], fill=255), d.ellipse([13, 27, 23, 37], fill=0),
                          d.rectangle([28, 29, 58, 35], fill=255), d.rectangle([46, 35, 50, 44], fill=255),
                          d.rectangle([54, 35, 58, 42], fill=255)),
    }
    for name, paint in icons.items():
        image = Image.new("L", (64, 64), 0)
        paint(ImageDraw.Draw(image))
        out.append((f"icon-{name}", np.asarray(image) >= 128))
    return out


class Checkpoint:
    """One JSON line per answer (set, shape, system, the run's settings), appended as soon as
    it is found, so a stopped run started again with the same --out and settings redoes only
    the shapes it had not finished."""

    def __init__(self, path: Path, settings: dict):
        self.path, self.settings, self.done = path, settings, {}
        if path.exists():
            for line in path.read_text().splitlines():
                record = json.loads(line)
                if record["settings"] != settings:
                    raise SystemExit(f"{path} holds answers under other settings "
                                     f"({record['settings']}); use another --out")
                self.done[(record["set"], record["shape"], record["system"])] = record["answer"]

    def answer(self, label: str, name: str, system: str, compute) -> Answer:
        key = (label, name, system)
        if key in self.done:
            return Answer(**self.done[key])
        answer = compute()
        with self.path.open("a") as out:
            out.write(json.dumps({"set": label, "shape": name, "system": system,
                                  "settings": self.settings, "answer": answer.__dict__}) + "\n")
        return answer


def run_one(mask, system, args, model):
    answer, _ = solve(mask, timeout=args.timeout, system=system, beam=args.beam,
                      model=model, clock=args.clock)
    if answer.exact and not np.array_equal(render(parse_postfix(answer.program)), mask):
        raise SystemExit(f"{system} reported an exact program that does not draw its target")
    return answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lengths", default="3,5,7,9,11,13")
    parser.add_argument("--per-length", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per shape")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    parser.add_argument("--beam", type=int, default=10)
    parser.add_argument("--model", help="proposal model (default: the shipped one)")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--no-drawings", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("runs/csg-benchmark"))
    args = parser.parse_args()
    import torch

    from nesy.synth.csg.model import load

    torch.set_num_threads(1)
    systems = [s for s in args.systems.split(",") if s]
    model = load(args.model) if set(systems) - {"search"} else None
    bank()
    args.out.mkdir(parents=True, exist_ok=True)
    sets = [(f"length {n}", [(f"{n}-{k}", render(p)) for k, p in
                             enumerate(test_set(n, args.per_length, seed=0))])
            for n in (int(x) for x in args.lengths.split(","))]
    if not args.no_drawings:
        sets.append(("drawings", [(name, raster.pack(pic)) for name, pic in drawings()]))
    rows, records, failures = [], [], 0
    started = time.perf_counter()
    log = Checkpoint(args.out / "shapes.jsonl", {k: getattr(args, k) for k in
                                                 ("timeout", "clock", "beam", "model")})
    for label, shapes in sets:
        answers = {s: [log.answer(label, name, s, lambda: run_one(mask, s, args, model))
                       for name, mask in shapes] for s in systems}
        for s in systems:
            a = answers[s]
            rows.append((label, s, len(a), np.mean([x.exact for x in a]), np.mean([x.iou for x in a]),
                         np.mean([x.chamfer for x in a]), np.mean([x.seconds for x in a])))
            print(_row(rows[-1]), flush=True)
        if "beam" in answers and "guided" in answers:
            worse = [n for (n, _), b, g in zip(shapes, answers["beam"], answers["guided"])
                     if g.iou < b.iou - 1e-12]
            if worse:
                failures += 1
                print(f"  guided search scored below its own beam on {worse}", file=sys.stderr)
        for k, (name, _) in enumerate(shapes):
            records.append({"set": label, "shape": name,
                            **{s: answers[s][k].__dict__ for s in systems}})
    (args.out / "results.json").write_text(json.dumps(records, indent=1))
    table = "\n".join([_header()] + [_row(r) for r in rows])
    (args.out / "table.txt").write_text(table + "\n")
    _examples(args.out / "examples.png", sets, records, systems)
    print(f"\n{table}\n\n{time.perf_counter() - started:.0f} s in all; wrote {args.out}")
    return 1 if failures else 0


def _header() -> str:
    return f"{'set':<10}  {'system':<7}  {'shapes':>6}  {'exact':>6}  {'IoU':>6}  {'Chamfer':>7}  {'s/shape':>7}"


def _row(r) -> str:
    label, s, n, exact, mean_iou, cd, sec = r
    return f"{label:<10}  {s:<7}  {n:>6}  {exact:6.1%}  {mean_iou:6.4f}  {cd:7.3f}  {sec:7.2f}"


def _examples(path, sets, records, systems) -> None:
    """Per set, its first two shapes: the target, then each system's picture."""
    from nesy.synth.csg.images import save_rgb

    tiles = []
    by_shape = {(r["set"], r["shape"]): r for r in records}
    for label, shapes in sets:
        for name, mask in shapes[:2]:
            row = [raster.unpack(mask)]
            for s in systems:
                program = by_shape[(label, name)][s]["program"]
                row.append(raster.unpack(render(parse_postfix(program))) if program
                           else np.zeros((64, 64), bool))
            tiles.append(np.concatenate([np.pad(t, 2, constant_values=True) for t in row], axis=1))
    grid = np.concatenate(tiles, axis=0)
    save_rgb(np.repeat(np.where(grid, 255, 0).astype(np.uint8)[..., None], 3, axis=-1)
             .repeat(2, axis=0).repeat(2, axis=1), path)


if __name__ == "__main__":
    sys.exit(main())
