"""CLEVR functional programs: their two file layouts, and the generator's own executor.

A program is a list of nodes in CLEVR's public v1.0 layout, each
`{"function": f, "inputs": [node indices], "value_inputs": [values]}`, inputs before the
node that reads them and the answer at the last node. CLEVR's question generator writes a
raw layout instead, `{"type": f, "inputs": [...], "side_inputs": [...]}`, with bool and int
answers; `to_public` reads either.

`execute` is what the generator uses to pick valid questions and their answers (it must see
every intermediate result to apply CLEVR's constraints). Scoring is nesy's engine
(`nesy.datasets.clevr.compile`); the tests check both against a third, independent executor.
"""
from __future__ import annotations

from .vocab import ATTRIBUTES

#: Every function of CLEVR v1.0 programs, with its value inputs (the number of them).
FUNCTIONS = {
    "scene": 0, "unique": 0, "relate": 1, "union": 0, "intersect": 0, "count": 0, "exist": 0,
    "equal_integer": 0, "less_than": 0, "greater_than": 0, "equal_object": 0,
    **{f"filter_{a}": 1 for a in ATTRIBUTES},
    **{f"query_{a}": 0 for a in ATTRIBUTES},
    **{f"equal_{a}": 0 for a in ATTRIBUTES},
    **{f"same_{a}": 0 for a in ATTRIBUTES},
}
#: How many program inputs each function reads.
ARITY = {f: (0 if f == "scene" else 2 if f in ("union", "intersect", "equal_integer", "less_than",
                                               "greater_than", "equal_object")
             or f.startswith("equal_") else 1) for f in FUNCTIONS}


class Invalid(Exception):
    """The program has no answer on the scene (a `unique` of a set that is not one object)."""


def answer_text(value) -> str:
    """An answer as CLEVR v1.0 writes it: "yes"/"no", a number, or an attribute value."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def to_public(node: dict) -> dict:
    """A node in the public layout, from either layout."""
    if "function" in node:
        return {"function": node["function"], "inputs": list(node["inputs"]),
                "value_inputs": list(node.get("value_inputs", []))}
    return {"function": node["type"], "inputs": list(node["inputs"]),
            "value_inputs": list(node.get("side_inputs", []))}


def to_raw(node: dict) -> dict:
    """A public-layout node in the layout of CLEVR's question generator."""
    return {"type": node["function"], "inputs": list(node["inputs"]),
            "side_inputs": list(node["value_inputs"])}


def execute(program: list[dict], scene: dict) -> list:
    """Every node's result on `scene`: a frozenset of object indices, an object index, a
    value, an int or a bool. Raises Invalid where a `unique` does not get one object."""
    out: list = []
    for node in program:
        out.append(apply(node["function"], [out[i] for i in node["inputs"]], node["value_inputs"], scene))
    return out


def apply(f: str, args: list, values: list, scene: dict):
    """The result of function `f` on its input results `args` and value inputs `values`."""
    objects = scene["objects"]
    if f == "scene":
        return frozenset(range(len(objects)))
    if f == "unique":
        if len(args[0]) != 1:
            raise Invalid(f"unique of {len(args[0])} objects")
        return next(iter(args[0]))
    if f.startswith("filter_"):
        attr = f[len("filter_"):]
        return frozenset(o for o in args[0] if objects[o][attr] == values[0])
    if f == "relate":
        return frozenset(scene["relationships"][values[0]][args[0]])
    if f.startswith("same_"):
        attr = f[len("same_"):]
        mine = objects[args[0]][attr]
        return frozenset(o for o in range(len(objects)) if o != args[0] and objects[o][attr] == mine)
    if f.startswith("query_"):
        return objects[args[0]][f[len("query_"):]]
    if f == "union":
        return args[0] | args[1]
    if f == "intersect":
        return args[0] & args[1]
    if f == "count":
        return len(args[0])
    if f == "exist":
        return bool(args[0])
    if f == "less_than":
        return args[0] < args[1]
    if f == "greater_than":
        return args[0] > args[1]
    if f.startswith("equal_"):
        return args[0] == args[1]
    raise ValueError(f"unknown function {f!r}")
