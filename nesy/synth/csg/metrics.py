"""How close a program's picture is to a target: IoU, exact match and CSGNet's Chamfer distance.

Chamfer distance as CSGNet computes it (`chamfer` in its utilities): take the edge pixels of
both pictures, the Euclidean distance transform of each picture's non-edge pixels (distance to
its nearest edge pixel), and average, over each picture's edge pixels, the distance to the
other picture's edges; the result is the mean of the two directions. A picture that is empty,
full, or without edges gets CSGNet's fixed penalty of 16 pixels. CSGNet finds edges with
OpenCV's Canny detector (thresholds 1 and 3) and divides by the number of edge pixels times 255
plus 1; here the edges are a binary picture's boundary pixels (set pixels with a 4-neighbour
unset or off the canvas), the one-pixel-wide edge Canny finds on a binary picture, and the
same +1/255 is kept, so values match CSGNet's up to Canny's choice of boundary side.
"""
from __future__ import annotations

import numpy as np

from nesy.synth.csg import raster

PENALTY = 16.0


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    """Intersection over union of packed masks (broadcasting); 1.0 for two empty pictures."""
    inter, union = raster.count(a & b), raster.count(a | b)
    out = np.where(union == 0, 1.0, inter / np.maximum(union, 1))
    return float(out) if np.ndim(out) == 0 else out


def exact(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a, b))


def edges(picture: np.ndarray) -> np.ndarray:
    """Boundary pixels of a bool picture."""
    padded = np.pad(picture, 1, constant_values=False)
    interior = (padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:])
    return picture & ~interior


def chamfer(a: np.ndarray, b: np.ndarray) -> float:
    """CSGNet's Chamfer distance between two packed masks (symmetric; 0 for equal pictures
    with edges; 16 when either is empty or full)."""
    from scipy.ndimage import distance_transform_edt

    pictures = [raster.unpack(a), raster.unpack(b)]
    if any(not p.any() or p.all() for p in pictures):
        return PENALTY
    first, second = (edges(p) for p in pictures)
    if not first.any() or not second.any():
        return PENALTY
    to_first, to_second = distance_transform_edt(~first), distance_transform_edt(~second)
    there = (to_second * first).sum() / (first.sum() + 1 / 255)
    back = (to_first * second).sum() / (second.sum() + 1 / 255)
    return float((there + back) / 2.0)
