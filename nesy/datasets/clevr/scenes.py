"""CLEVR-like scenes: objects placed on the ground plane under CLEVR's rules, with the
relations, camera directions and pixel coordinates of CLEVR's scene JSON.

A scene is a plain dict in CLEVR's schema (`objects` with shape, size, material, color,
3d_coords, rotation, pixel_coords; `directions`; `relationships`), plus nesy's `bbox` and
`mask` per object. Placement follows CLEVR's generator: objects keep a minimum distance
between their edges, and every pair is at least a margin apart along each direction, so
that left/right/front/behind are never ambiguous. Relations follow CLEVR's rule:
`relationships[r][i]` lists the objects j with (c_j - c_i) . dir_r > eps.

The camera is fixed (CLEVR jitters it): world x points right and world y away from the
viewer, and the picture is a mild perspective (`project`), drawn by `render`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .vocab import CONDITIONS, RADIUS, RELATIONS, VALUES

#: CLEVR's relation directions for a camera looking along +y (above/below as CLEVR writes).
DIRECTIONS = {
    "behind": [0.0, 1.0, 0.0], "front": [0.0, -1.0, 0.0],
    "left": [-1.0, 0.0, 0.0], "right": [1.0, 0.0, 0.0],
    "above": [0.0, 0.0, 1.0], "below": [0.0, 0.0, -1.0],
}
#: CLEVR's defaults: relations need a separation above EPS along the direction; placement
#: keeps MIN_DIST between object edges and MARGIN along every direction for every pair.
EPS = 0.2
MIN_DIST = 0.25
MARGIN = 0.4
EXTENT = 3.0  # objects' centres lie in [-3, 3]^2, as in CLEVR
MAX_TRIES = 50  # placement attempts per object before the scene is started over


@dataclass(frozen=True)
class SceneOptions:
    min_objects: int = 3
    max_objects: int = 10
    condition: str | None = None  # "A" or "B": CoGenT's shape-colour combinations
    occlusion: bool = False  # allow objects to overlap in the picture (each stays half visible)
    width: int = 320
    height: int = 240
    noise: float = 3.0  # standard deviation of the pixel noise


class Camera:
    """A fixed camera with a mild perspective: objects further back are drawn higher and
    smaller."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.unit = 36 * width / 320  # pixels per world unit at mid depth
        self.top = 40 * height / 240
        self.rows_per_unit = 26 * height / 240

    def scale(self, y: float) -> float:
        return 1.0 - 0.12 * y / EXTENT

    def project(self, x: float, y: float) -> tuple[float, float, float]:
        """Pixel coordinates (u, v, depth) of the ground point (x, y), as CLEVR's pixel_coords.
        u depends on x alone and v on y alone, so left/right and front/behind in the picture
        always agree with the scene's relations (a true perspective would let a far object
        that is right of a near one appear left of it)."""
        u = self.width / 2 + x * self.unit
        v = self.top + (EXTENT - y) * self.rows_per_unit
        return u, v, 10.0 + y

    def radius(self, size: str, y: float) -> float:
        return RADIUS[size] * self.unit * self.scale(y)


def relationships(objects: list[dict], directions: dict = DIRECTIONS, eps: float = EPS) -> dict:
    """CLEVR's rule: relationships[r][i] = [j != i with (c_j - c_i) . dir_r > eps]."""
    coords = np.array([o["3d_coords"] for o in objects], dtype=float).reshape(-1, 3)
    out = {}
    for r in RELATIONS:
        along = coords @ np.asarray(directions[r], dtype=float)
        out[r] = [[j for j in range(len(objects)) if j != i and along[j] - along[i] > eps]
                  for i in range(len(objects))]
    return out


def _attributes(rng: np.random.Generator, condition: str | None) -> dict:
    shape = VALUES["shape"][rng.integers(3)]
    palette = CONDITIONS[condition][shape] if condition else VALUES["color"]
    return {"shape": shape, "size": VALUES["size"][rng.integers(2)],
            "material": VALUES["material"][rng.integers(2)], "color": palette[rng.integers(len(palette))]}


def _fits(x: float, y: float, r: float, placed: list[tuple[float, float, float]]) -> bool:
    for px, py, pr in placed:
        if np.hypot(x - px, y - py) - r - pr < MIN_DIST:
            return False
        if abs(x - px) < MARGIN or abs(y - py) < MARGIN:
            return False
    return True


def _box(camera: Camera, x: float, y: float, size: str) -> tuple[float, float, float, float]:
    u, v, _ = camera.project(x, y)
    r = camera.radius(size, y)
    return u - r, v - 1.3 * r, u + r, v + r  # the tallest drawing (a cylinder) reaches 1.3 r up


def _overlaps(a, b, pad: float = 2.0) -> bool:
    return not (a[2] + pad <= b[0] or b[2] + pad <= a[0] or a[3] + pad <= b[1] or b[3] + pad <= a[1])


def place_objects(rng: np.random.Generator, options: SceneOptions, camera: Camera) -> list[dict]:
    """Objects with attributes and positions, under CLEVR's placement rules (and, without
    occlusion, with pictures that do not overlap)."""
    while True:
        n = int(rng.integers(options.min_objects, options.max_objects + 1))
        objects, placed, boxes = [], [], []
        for _ in range(n):
            attrs = _attributes(rng, options.condition)
            r = RADIUS[attrs["size"]]
            for _ in range(MAX_TRIES):
                x, y = rng.uniform(-EXTENT, EXTENT, 2)
                box = _box(camera, x, y, attrs["size"])
                if _fits(x, y, r, placed) and (options.occlusion or not any(_overlaps(box, b) for b in boxes)):
                    break
            else:
                break  # no room: start the scene over
            placed.append((x, y, r))
            boxes.append(box)
            u, v, depth = camera.project(x, y)
            objects.append({**attrs, "3d_coords": [round(float(x), 4), round(float(y), 4), r],
                            "rotation": round(float(rng.uniform(0, 360)), 3),
                            "pixel_coords": [int(round(u)), int(round(v)), round(depth, 4)]})
        if len(objects) == n:
            return objects


def make_scene(index: int, seed: int, options: SceneOptions, split: str = "new"):
    """Scene `index` of the data set of `seed` (its JSON dict) and its picture (a PIL image).
    Depends only on (seed, index): scenes can be made in any order, by any process."""
    from .render import draw

    rng = np.random.default_rng([seed, index])
    camera = Camera(options.width, options.height)
    while True:
        objects = place_objects(rng, options, camera)
        image, visible = draw(objects, camera, rng, options.noise)
        if all(v is not None for v in visible):
            break  # with occlusion on, every object keeps at least half of its pixels
    for obj, (bbox, mask) in zip(objects, visible):
        obj["bbox"], obj["mask"] = bbox, mask
    name = f"CLEVR_{split}_{index:06d}.png"
    scene = {"split": split, "image_index": index, "image_filename": name, "objects": objects,
             "directions": DIRECTIONS, "relationships": relationships(objects)}
    return scene, image
