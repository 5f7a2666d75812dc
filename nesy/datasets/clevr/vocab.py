"""CLEVR's vocabulary: attribute values (colours with CLEVR's RGB), relations, CoGenT
conditions, and the synonyms nesy's question wording draws from.

The values and RGB colours are CLEVR's (so a real CLEVR scene file reads unchanged); the
wording is nesy's own."""
from __future__ import annotations

#: The four attributes, in the order CLEVR's filters list them, and their values.
ATTRIBUTES = ("size", "color", "material", "shape")
VALUES = {
    "size": ("large", "small"),
    "color": ("gray", "red", "blue", "green", "brown", "purple", "cyan", "yellow"),
    "material": ("rubber", "metal"),
    "shape": ("cube", "sphere", "cylinder"),
}
#: CLEVR's RGB of each colour.
RGB = {
    "gray": (87, 87, 87), "red": (173, 35, 35), "blue": (42, 75, 215), "green": (29, 105, 20),
    "brown": (129, 74, 25), "purple": (129, 38, 192), "cyan": (41, 208, 208),
    "yellow": (255, 238, 51),
}
#: CLEVR's object radii in world units: large is twice small.
RADIUS = {"large": 0.7, "small": 0.35}
RELATIONS = ("left", "right", "behind", "front")

#: CoGenT: which colours each shape may take. Condition B swaps the cube and cylinder
#: palettes of condition A; spheres take every colour in both.
_CUBE_A = ("gray", "blue", "brown", "yellow")
_CYLINDER_A = ("red", "green", "purple", "cyan")
CONDITIONS = {
    "A": {"cube": _CUBE_A, "cylinder": _CYLINDER_A, "sphere": VALUES["color"]},
    "B": {"cube": _CYLINDER_A, "cylinder": _CUBE_A, "sphere": VALUES["color"]},
}

#: Words for values in questions: the first is the noun or adjective, others are synonyms.
WORDS = {
    "thing": ("thing", "object", "item"),
    "cube": ("cube", "block", "box"),
    "sphere": ("sphere", "ball"),
    "cylinder": ("cylinder",),
    "large": ("large", "big"),
    "small": ("small", "little", "tiny"),
    "metal": ("metal", "metallic", "shiny"),
    "rubber": ("rubber", "matte"),
    "left": ("left of", "to the left of"),
    "right": ("right of", "to the right of"),
    "behind": ("behind",),
    "front": ("in front of",),
}


def words(value: str) -> tuple[str, ...]:
    return WORDS.get(value, (value,))
