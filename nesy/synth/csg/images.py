"""Reading target pictures from image files and writing pictures as PNGs (Pillow).

A target image (PNG, PBM, or any format Pillow reads) is flattened onto white (transparency),
turned to grey, resized to 64x64 (bilinear) and thresholded at half grey. The shape is the
dark pixels when the image's border is mostly light (a drawing on paper), else the light
ones (CSGNet's white shapes on black).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from nesy.errors import DataError, FileError
from nesy.synth.csg.raster import SIZE


def load_picture(path: Path | str) -> np.ndarray:
    """A 64x64 bool picture from an image file; FileError when it cannot be read, DataError
    when it is not an image or its picture is empty or full."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                image = image.convert("RGBA")
                flat = Image.new("RGBA", image.size, (255, 255, 255, 255))
                flat.alpha_composite(image)
                image = flat
            grey = image.convert("L").resize((SIZE, SIZE), Image.Resampling.BILINEAR)
    except FileNotFoundError:
        raise FileError(path, "no such file") from None
    except IsADirectoryError:
        raise FileError(path, "a directory, not an image") from None
    except PermissionError:
        raise FileError(path, "permission denied") from None
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise DataError(f"{path} is not an image Pillow can read ({error})") from None
    dark = np.asarray(grey) < 128
    border = np.concatenate([dark[0], dark[-1], dark[:, 0], dark[:, -1]])
    shape = dark if border.mean() < 0.5 else ~dark
    if not shape.any():
        raise DataError(f"{path}: the picture is empty after thresholding at half grey")
    if shape.all():
        raise DataError(f"{path}: the picture is full after thresholding at half grey")
    return shape


def save_picture(picture: np.ndarray, path: Path | str, scale: int = 1) -> None:
    """A bool picture as a PNG: white shape on black, as CSGNet shows them."""
    from PIL import Image

    from nesy.files import atomic_write

    image = Image.fromarray(np.where(picture, 255, 0).astype(np.uint8))
    if scale > 1:
        image = image.resize((SIZE * scale, SIZE * scale), Image.Resampling.NEAREST)
    atomic_write(path, lambda f: image.save(f, format="PNG"))


def comparison(target: np.ndarray, result: np.ndarray, scale: int = 4) -> np.ndarray:
    """Target, result and difference side by side as an RGB array: the difference shows
    pixels the result misses in red and extra pixels in blue, shared ones in white."""
    def grey(picture):
        return np.repeat(np.where(picture, 255, 0).astype(np.uint8)[..., None], 3, axis=-1)
    diff = np.zeros((SIZE, SIZE, 3), dtype=np.uint8)
    diff[target & result] = (255, 255, 255)
    diff[target & ~result] = (230, 40, 40)
    diff[~target & result] = (40, 90, 230)
    gap = np.full((SIZE, 2, 3), 128, dtype=np.uint8)
    row = np.concatenate([grey(target), gap, grey(result), gap, diff], axis=1)
    return row.repeat(scale, axis=0).repeat(scale, axis=1)


def save_rgb(array: np.ndarray, path: Path | str) -> None:
    from PIL import Image

    from nesy.files import atomic_write

    atomic_write(path, lambda f: Image.fromarray(array).save(f, format="PNG"))
