"""`nesy data csg`: fixed-seed sets of random CSG programs (`nesy.synth.csg.generate`), one
file per length with one postfix program per line, and their pictures as PNGs on request."""
from __future__ import annotations

from pathlib import Path

from nesy.datasets.base import DatasetSpec
from nesy.errors import UsageError


def parse_lengths(text: str) -> list[int]:
    from nesy.synth.csg.generate import check_length

    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--lengths takes odd numbers separated by commas, not `{text}`") from None
    if not values:
        raise UsageError("--lengths is empty")
    for value in values:
        if not 3 <= check_length(value) <= 13:
            raise UsageError(f"CSGNet's lengths are 3..13 (got {value})")
    return values


def load(lengths=(3, 5, 7, 9, 11, 13), count: int = 100, seed: int = 0) -> dict:
    """length -> `count` programs with distinct pictures."""
    from nesy.synth.csg.generate import test_set

    return {length: test_set(length, count, seed) for length in lengths}


def _add_command(parser) -> None:
    from nesy.argtypes import int_between

    parser.add_argument("--lengths", default="3,5,7,9,11,13", metavar="L,L,...",
                        help="program lengths in tokens (default 3,5,7,9,11,13)")
    parser.add_argument("--count", type=int_between(1, None), default=1000, metavar="N",
                        help="programs per length (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0: the benchmark's sets)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory")
    parser.add_argument("--png", action="store_true", help="also write each program's picture")
    parser.set_defaults(handler=_write)


def _write(args) -> int:
    from nesy.files import atomic_write_text, make_directory
    from nesy.synth.csg.language import to_postfix

    sets = load(parse_lengths(args.lengths), args.count, args.seed)
    make_directory(args.out)
    for length, programs in sets.items():
        atomic_write_text(args.out / f"length{length}.txt",
                          "".join(to_postfix(p) + "\n" for p in programs))
        if args.png:
            from nesy.synth.csg.images import save_picture
            from nesy.synth.csg.language import picture

            folder = args.out / f"length{length}"
            make_directory(folder)
            for n, program in enumerate(programs):
                save_picture(picture(program), folder / f"{n:04d}.png")
    print(f"wrote {sum(len(p) for p in sets.values())} programs "
          f"({', '.join(f'{len(p)} of length {n}' for n, p in sets.items())}) to {args.out}")
    return 0


DATASETS = [DatasetSpec("csg", "random CSG programs of CSGNet's 2D language, by length "
                        "(fixed seeds)", load, add_command=_add_command)]
