"""2D pictures of scenes (Pillow), in which every attribute is visible.

Shapes have three distinct outlines: a sphere is a disc, a cube a square with its top face, a
cylinder an upright body with an elliptic top. Sizes keep CLEVR's 2:1 ratio. Colours are
CLEVR's RGB. Materials look different: rubber is a flat matte fill; metal a graded fill with
a white highlight and a dark rim. Objects are drawn from the back to the front, so nearer
ones hide farther ones when occlusion is allowed; light pixel noise is added last.

Alongside the picture, a label image records which object each pixel shows: each object's
visible pixels give its `mask` (run-length encoded) and `bbox`.
"""
from __future__ import annotations

import numpy as np

from .vocab import RGB

BACKGROUND_TOP = (168, 168, 164)
BACKGROUND_BOTTOM = (212, 212, 208)
MIN_VISIBLE = 0.5  # with occlusion, the fraction of its own pixels an object must keep


def _shade(rgb, factor: float) -> tuple[int, int, int]:
    """`rgb` darkened (factor < 1) or blended towards white (factor > 1)."""
    if factor <= 1:
        return tuple(int(c * factor) for c in rgb)
    t = min(factor - 1, 1.0)
    return tuple(int(c + (255 - c) * t) for c in rgb)


def _outline(shape: str, u: float, v: float, r: float):
    """The drawing primitives of one object: (kind, box or polygon, role) in drawing order.
    Roles: "body", "top" (a lit face) and "base" (a darker part)."""
    if shape == "sphere":
        return [("ellipse", (u - r, v - r, u + r, v + r), "body")]
    if shape == "cube":
        s = 0.85 * r
        d = 0.4 * r  # the top face, seen from above and in front
        return [("rectangle", (u - s, v - s + d / 2, u + s, v + s + d / 2), "body"),
                ("polygon", [(u - s, v - s + d / 2), (u - s + d, v - s - d / 2),
                             (u + s + d, v - s - d / 2), (u + s, v - s + d / 2)], "top"),
                ("polygon", [(u + s, v - s + d / 2), (u + s + d, v - s - d / 2),
                             (u + s + d, v + s - d / 2), (u + s, v + s + d / 2)], "base")]
    if shape == "cylinder":
        w, h, e = 0.8 * r, 1.0 * r, 0.3 * r
        return [("ellipse", (u - w, v + h - e, u + w, v + h + e), "body"),
                ("rectangle", (u - w, v - h, u + w, v + h), "body"),
                ("ellipse", (u - w, v - h - e, u + w, v - h + e), "top")]
    raise ValueError(f"unknown shape {shape!r}")


def _draw_parts(canvas, parts, fill_of) -> None:
    for kind, where, role in parts:
        fill = fill_of(role)
        if kind == "ellipse":
            canvas.ellipse(where, fill=fill)
        elif kind == "rectangle":
            canvas.rectangle(where, fill=fill)
        else:
            canvas.polygon(where, fill=fill)


def _draw_object(canvas, obj, u, v, r) -> None:
    rgb = RGB[obj["color"]]
    parts = _outline(obj["shape"], u, v, r)
    if obj["material"] == "rubber":
        tones = {"body": rgb, "top": _shade(rgb, 1.15), "base": _shade(rgb, 0.75)}
        _draw_parts(canvas, parts, tones.get)
        return
    # Metal: a dark rim, then the body graded from dark to light, then a specular highlight.
    tones = {"body": _shade(rgb, 0.45), "top": _shade(rgb, 0.7), "base": _shade(rgb, 0.3)}
    _draw_parts(canvas, parts, tones.get)
    for step, factor in enumerate((0.7, 0.95, 1.2)):
        inset = 0.18 * r * (step + 1)
        shrunk = [(k, _shrink(w, inset, u, v), role) for k, w, role in parts if role == "body"]
        _draw_parts(canvas, shrunk, lambda role: _shade(rgb, factor))
    hx, hy, hr = u - 0.35 * r, v - 0.4 * r, 0.22 * r
    canvas.ellipse((hx - hr, hy - hr, hx + hr, hy + hr), fill=(250, 250, 250))


def _shrink(where, inset, u, v):
    """A box moved `inset` pixels inwards on every side (towards the object's centre)."""
    x0, y0, x1, y1 = where
    return (min(x0 + inset, u), min(y0 + inset, v), max(x1 - inset, u), max(y1 - inset, v))


def _background(width: int, height: int) -> np.ndarray:
    t = np.linspace(0, 1, height)[:, None, None]
    top, bottom = np.array(BACKGROUND_TOP, float), np.array(BACKGROUND_BOTTOM, float)
    return np.broadcast_to(top + (bottom - top) * t, (height, width, 3)).copy()


def rle(mask: np.ndarray) -> dict:
    """Run-length encoding of a boolean [h, w] mask in row-major order: `counts` alternate
    runs of False and True, starting with False (a leading 0 when the first pixel is set)."""
    flat = mask.reshape(-1).astype(np.int8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts = [0] + counts
    return {"size": list(mask.shape), "counts": counts}


def decode_rle(encoded: dict) -> np.ndarray:
    """The boolean mask of `rle(mask)`."""
    h, w = encoded["size"]
    values = np.arange(len(encoded["counts"])) % 2 == 1
    return np.repeat(values, encoded["counts"]).reshape(h, w)


def _area(shape: str, r: float) -> int:
    """How many pixels an object of radius `r` covers when nothing hides it."""
    from PIL import Image, ImageDraw

    side = int(4 * r) + 4
    alone = Image.new("1", (side, side), 0)
    _draw_parts(ImageDraw.Draw(alone), _outline(shape, side / 2, side / 2, r), lambda role: 1)
    return int(np.asarray(alone).sum())


def draw(objects: list[dict], camera, rng: np.random.Generator, noise: float):
    """The picture of a scene and, per object, (bbox [x, y, w, h], mask) of its visible
    pixels, or None for an object that keeps less than MIN_VISIBLE of its own pixels."""
    from PIL import Image, ImageDraw

    width, height = camera.width, camera.height
    picture = Image.new("RGB", (width, height))
    labels = Image.new("L", (width, height), 0)
    pen, label_pen = ImageDraw.Draw(picture), ImageDraw.Draw(labels)
    picture.paste(Image.fromarray(_background(width, height).astype(np.uint8)))
    order = sorted(range(len(objects)), key=lambda i: -objects[i]["3d_coords"][1])  # back first
    alone = []
    for i in order:
        obj = objects[i]
        x, y = obj["3d_coords"][:2]
        u, v, _ = camera.project(x, y)
        r = camera.radius(obj["size"], y)
        _draw_object(pen, obj, u, v, r)
        _draw_parts(label_pen, _outline(obj["shape"], u, v, r), lambda role: i + 1)
        alone.append((i, _area(obj["shape"], r)))
    label = np.asarray(labels)
    visible = [None] * len(objects)
    for i, total in alone:
        mask = label == i + 1
        if mask.sum() < MIN_VISIBLE * total:
            continue
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        bbox = [int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)]
        visible[i] = (bbox, rle(mask))
    pixels = np.asarray(picture, dtype=np.float32)
    if noise > 0:
        pixels += noise * rng.standard_normal(pixels.shape, dtype=np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)), visible
