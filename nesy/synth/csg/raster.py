"""CSGNet's primitives on a 64x64 canvas, drawn as CSGNet draws them, and packed bit masks.

Drawing conventions (CSGNet, Sharma et al. 2018, `Draw` in its generators, which uses
scikit-image): pixel (row i, column j); `x` is the column and `y` the row, both from the
top-left corner.

- circle `c(x,y,r)`: the pixels with (j - x)^2 + (i - y)^2 < r^2 (strictly inside, as
  `skimage.draw.circle`).
- square `s(x,y,l)`: CSGNet scales the side by 1.412 (so `l` is about half the diagonal) and
  truncates the corners to integers: rows and columns int(c - 0.706 l) .. int(c + 0.706 l),
  both ends included (`polygon` plus `polygon_perimeter`).
- triangle `t(x,y,l)`: an upright equilateral triangle with apex (row int(y - l), column x) and
  base corners (row int(y + l/2), columns int(x -/+ 0.866 l)), computed with CSGNet's
  constant 1.732 for sqrt(3); filled, boundary included.

Pixel-level difference: scikit-image fills a polygon by testing pixel centres with its own
edge rule and adds the perimeter's Bresenham lines; here the interior is an exact half-plane
test with the boundary included and the perimeter is the same Bresenham lines, so the two
agree except, possibly, on a pixel exactly on an edge where scikit-image's edge rule and a
Bresenham line disagree (none in the hand-checked pictures of the tests).

The vocabulary is CSGNet's: centres on the 8-pixel grid 8..56, sizes 8..32 in steps of 4, and
only the primitives whose corner points (circle: x -/+ r, y -/+ r), truncated to integers as
CSGNet does, lie on the canvas: 91 circles, 169 squares, 136 triangles (396; the tests compare
with CSGNet's terminal list when the shared data is present).

A picture is packed into 64 unsigned 64-bit words (one per row, bit j = column j), so that
set operations and pixel counts over thousands of pictures are single numpy calls.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

SIZE = 64
WORDS = SIZE * SIZE // 64
KINDS = ("c", "s", "t")
GRID = range(8, 57, 8)
SIZES = range(8, 33, 4)


@dataclass(frozen=True, order=True)
class Primitive:
    kind: str  # c, s or t
    x: int
    y: int
    size: int

    def __str__(self) -> str:
        return f"{self.kind}({self.x},{self.y},{self.size})"


def corners(p: Primitive) -> list[tuple[float, float]]:
    """The (row, column) points CSGNet draws the primitive from, before truncation for the
    circle (its extreme points) and after it for the polygons."""
    if p.kind == "c":
        return [(p.y - p.size, p.x), (p.y + p.size, p.x), (p.y, p.x - p.size), (p.y, p.x + p.size)]
    if p.kind == "s":
        half = p.size * 1.412 / 2.0
        low_r, high_r = int(p.y - half), int(p.y + half)
        low_c, high_c = int(p.x - half), int(p.x + half)
        return [(low_r, high_c), (high_r, high_c), (high_r, low_c), (low_r, low_c)]
    length = 1.732 * p.size
    base = int(p.y + length / (2 * 1.732))
    return [(base, int(p.x - length / 2.0)), (base, int(p.x + length / 2.0)),
            (int(p.y - length / 1.732), p.x)]


def on_canvas(p: Primitive) -> bool:
    return all(0 <= int(r) < SIZE and 0 <= int(c) < SIZE for r, c in corners(p))


@functools.cache
def vocabulary() -> tuple[Primitive, ...]:
    """CSGNet's 396 primitives, in the order of its terminal list (sorted by text)."""
    every = (Primitive(k, x, y, s) for k in KINDS for x in GRID for y in GRID for s in SIZES)
    return tuple(sorted((p for p in every if on_canvas(p)), key=str))


def draw(p: Primitive) -> np.ndarray:
    """The primitive as a 64x64 bool picture."""
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    if p.kind == "c":
        return (cols - p.x) ** 2 + (rows - p.y) ** 2 < p.size ** 2
    points = corners(p)
    if p.kind == "s":
        (r0, _), (r1, _), (_, c0) = points[0], points[1], points[2]
        c1 = points[0][1]
        return (rows >= r0) & (rows <= r1) & (cols >= c0) & (cols <= c1)
    inside = np.ones((SIZE, SIZE), dtype=bool)
    for k in range(3):  # the triangle's vertices are counter-clockwise in (column, -row)
        (ra, ca), (rb, cb) = points[k], points[(k + 1) % 3]
        cross = (cb - ca) * (rows - ra) - (rb - ra) * (cols - ca)
        inside &= cross * _orientation(points) >= 0
    for k in range(3):
        for r, c in _line(points[k], points[(k + 1) % 3]):
            if 0 <= r < SIZE and 0 <= c < SIZE:
                inside[r, c] = True
    return inside


def _orientation(points) -> int:
    (ra, ca), (rb, cb), (rc, cc) = points
    return 1 if (cb - ca) * (rc - ra) - (rb - ra) * (cc - ca) > 0 else -1


def _line(start, end) -> list[tuple[int, int]]:
    """Bresenham's line between two integer points, both included (skimage.draw.line)."""
    (r0, c0), (r1, c1) = (int(v) for v in start), (int(v) for v in end)
    points, dr, dc = [], abs(r1 - r0), abs(c1 - c0)
    sr, sc = (1 if r1 > r0 else -1), (1 if c1 > c0 else -1)
    error = dc - dr
    while True:
        points.append((r0, c0))
        if (r0, c0) == (r1, c1):
            return points
        twice = 2 * error
        if twice > -dr:
            error -= dr
            c0 += sc
        if twice < dc:
            error += dc
            r0 += sr


def pack(pictures: np.ndarray) -> np.ndarray:
    """Bool pictures (..., 64, 64) -> packed masks (..., 64) of uint64, bit j of word i being
    pixel (i, j)."""
    bits = np.packbits(np.asarray(pictures, dtype=bool), axis=-1, bitorder="little")
    return np.ascontiguousarray(bits).view("<u8").reshape(bits.shape[:-2] + (WORDS,))


def unpack(masks: np.ndarray) -> np.ndarray:
    """Packed masks (..., 64) -> bool pictures (..., 64, 64)."""
    masks = np.ascontiguousarray(masks, dtype="<u8")
    bits = masks.view(np.uint8).reshape(masks.shape[:-1] + (SIZE, SIZE // 8))
    return np.unpackbits(bits, axis=-1, bitorder="little").astype(bool)


def count(masks: np.ndarray) -> np.ndarray:
    """Pixels set in each packed mask."""
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(masks).sum(axis=-1, dtype=np.int64)
    masks = np.ascontiguousarray(masks, dtype="<u8")
    return _BITS[masks.view(np.uint8)].reshape(masks.shape[:-1] + (-1,)).sum(axis=-1,
                                                                          dtype=np.int64)


_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).sum(axis=1)


@functools.cache
def primitive_masks() -> np.ndarray:
    """The vocabulary's packed masks, (396, 64), in vocabulary order; read-only."""
    masks = pack(np.stack([draw(p) for p in vocabulary()]))
    masks.flags.writeable = False
    return masks


EMPTY = np.zeros(WORDS, dtype=np.uint64)
FULL = np.full(WORDS, np.iinfo(np.uint64).max, dtype=np.uint64)
