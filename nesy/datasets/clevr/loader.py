"""Reading CLEVR files: a CLEVR_v1.0 download, or what `nesy data clevr` writes.

CLEVR_v1.0 as downloaded is `questions/CLEVR_{split}_questions.json`,
`scenes/CLEVR_{split}_scenes.json` and `images/{split}/`; `nesy data clevr` writes
`scenes.json`, `questions.json` and `images/` in one folder. Questions may be in the public
v1.0 layout (`function`/`value_inputs`, string answers) or in the raw layout of CLEVR's
question generator (`type`/`side_inputs`, bool and int answers): both are read into the
public layout. CLEVR's test questions have neither programs nor answers; they read as None.

Every problem is a `FileError` naming the file and where in it: `file:line:col` for bad
JSON, a path such as `questions[12].program[3].inputs` for a bad value.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from nesy.errors import FileError, UsageError
from nesy.files import read_text

from .programs import ARITY, FUNCTIONS, answer_text, to_public
from .vocab import ATTRIBUTES, RELATIONS, VALUES


@dataclass(frozen=True)
class Question:
    question_index: int
    image_index: int
    question: str
    program: list[dict] | None  # public layout
    answer: str | None
    question_family_index: int | None
    template_filename: str | None

    @property
    def family(self) -> str:
        """The question's family: its template file's name without `.json`, or, where the
        file does not say (CLEVR v1.0's public files), the family its program belongs to."""
        if self.template_filename:
            name = self.template_filename
            return name[:-5] if name.endswith(".json") else name
        return program_family(self.program) if self.program else "unknown"


def program_family(program: list[dict]) -> str:
    """CLEVR's family of a program, read from its functions: comparisons by their final
    function, then same_*, union ("or"), intersect ("and"), else the number of relations."""
    functions = [node["function"] for node in program]
    final = functions[-1]
    if final in ("equal_integer", "less_than", "greater_than"):
        return "compare_integer"
    if final.startswith("equal_"):
        return "comparison"
    if any(f.startswith("same_") for f in functions):
        return "same_relate"
    if "union" in functions:
        return "single_or"
    if "intersect" in functions:
        return "single_and"
    hops = functions.count("relate")
    return ("zero_hop", "one_hop", "two_hop", "three_hop")[hops] if hops <= 3 else f"{hops}_hop"


def _json(path: Path, what: str):
    text = read_text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise FileError(f"{path}:{err.lineno}:{err.colno}", f"invalid JSON: {err.msg}") from None


def _list_of(data, key: str, path: Path) -> list:
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise FileError(path, f"expected a JSON object with a list '{key}'")
    return data[key]


class _Checker:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, reason: str):
        raise FileError(self.path, f"{where}: {reason}")

    def need(self, item: dict, key: str, where: str, kinds, what: str):
        if not isinstance(item, dict):
            self.fail(where, "expected a JSON object")
        if key not in item:
            self.fail(where, f"missing '{key}'")
        value = item[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _tuple(kinds)):
            self.fail(f"{where}.{key}", f"expected {what}, got {json.dumps(value)[:40]}")
        return value


def _tuple(kinds):
    return kinds if isinstance(kinds, tuple) else (kinds,)


def load_scenes(path) -> list[dict]:
    """The scenes of a CLEVR scene file, checked: attribute values from CLEVR's vocabulary,
    3d_coords, and relationships with one list per object naming existing objects."""
    path = Path(path)
    scenes = _list_of(_json(path, "a CLEVR scenes JSON file"), "scenes", path)
    check = _Checker(path)
    for s, scene in enumerate(scenes):
        where = f"scenes[{s}]"
        check.need(scene, "image_index", where, int, "an integer")
        objects = check.need(scene, "objects", where, list, "a list of objects")
        for o, obj in enumerate(objects):
            at = f"{where}.objects[{o}]"
            for a in ATTRIBUTES:
                value = check.need(obj, a, at, str, "a string")
                if value not in VALUES[a]:
                    check.fail(f"{at}.{a}", f"unknown {a} '{value}'; CLEVR's are {', '.join(VALUES[a])}")
            coords = check.need(obj, "3d_coords", at, list, "[x, y, z]")
            if len(coords) != 3 or not all(isinstance(c, (int, float)) for c in coords):
                check.fail(f"{at}.3d_coords", "expected three numbers")
        relations = check.need(scene, "relationships", where, dict, "an object of relations")
        for r in RELATIONS:
            lists = check.need(relations, r, f"{where}.relationships", list, "a list per object")
            if len(lists) != len(objects):
                check.fail(f"{where}.relationships.{r}", f"has {len(lists)} lists for {len(objects)} objects")
            for i, related in enumerate(lists):
                if not isinstance(related, list) or not all(
                        isinstance(j, int) and not isinstance(j, bool) and 0 <= j < len(objects) for j in related):
                    check.fail(f"{where}.relationships.{r}[{i}]", "expected a list of object indices")
    return scenes


def _program(check: _Checker, nodes, where: str) -> list[dict]:
    if not isinstance(nodes, list) or not nodes:
        check.fail(where, "expected a non-empty list of nodes")
    out = []
    for n, node in enumerate(nodes):
        at = f"{where}[{n}]"
        if not isinstance(node, dict) or ("function" not in node and "type" not in node):
            check.fail(at, "expected a node with 'function' (or 'type', CLEVR's raw layout)")
        node = to_public(node)
        f = node["function"]
        if f not in FUNCTIONS:
            from nesy.errors import closest

            near = closest(str(f), FUNCTIONS)
            check.fail(f"{at}.function", f"unknown function '{f}'" + (f"; did you mean '{near}'?" if near else ""))
        inputs, values = node["inputs"], node["value_inputs"]
        if len(inputs) != ARITY[f] or not all(isinstance(i, int) and 0 <= i < n for i in inputs):
            check.fail(f"{at}.inputs", f"'{f}' takes {ARITY[f]} input(s), each an earlier node; got {inputs}")
        if len(values) != FUNCTIONS[f] or not all(isinstance(v, str) for v in values):
            check.fail(f"{at}.value_inputs", f"'{f}' takes {FUNCTIONS[f]} value input(s); got {values}")
        if values:
            kind = "relation" if f == "relate" else f[len("filter_"):]
            allowed = RELATIONS if f == "relate" else VALUES[kind]
            if values[0] not in allowed:
                check.fail(f"{at}.value_inputs", f"unknown {kind} '{values[0]}'; expected one of {', '.join(allowed)}")
        out.append(node)
    return out


def load_questions(path) -> list[Question]:
    """The questions of a CLEVR questions file (either layout), checked."""
    path = Path(path)
    items = _list_of(_json(path, "a CLEVR questions JSON file"), "questions", path)
    check = _Checker(path)
    out = []
    for q, item in enumerate(items):
        where = f"questions[{q}]"
        image = check.need(item, "image_index", where, int, "an integer")
        text = check.need(item, "question", where, str, "a string")
        program = _program(check, item["program"], f"{where}.program") if "program" in item else None
        answer = item.get("answer")
        if answer is not None:
            if not isinstance(answer, (str, int, bool)):
                check.fail(f"{where}.answer", "expected a string, an integer or a boolean")
            answer = answer_text(answer)
        family = item.get("question_family_index")
        out.append(Question(item.get("question_index", q), image, text, program, answer,
                            family if isinstance(family, int) else None, item.get("template_filename")))
    return out


def clevr_paths(root, split: str) -> tuple[Path, Path, Path]:
    """(scenes file, questions file, image folder) of `split` in a CLEVR_v1.0 download."""
    root = Path(root)
    paths = (root / "scenes" / f"CLEVR_{split}_scenes.json",
             root / "questions" / f"CLEVR_{split}_questions.json", root / "images" / split)
    if not paths[1].exists():
        found = sorted(p.name for p in (root / "questions").glob("CLEVR_*_questions.json"))
        raise UsageError(f"{paths[1]} does not exist: is {root} a CLEVR_v1.0 folder? "
                         + (f"questions found: {', '.join(found)}" if found else "it has no questions/ folder"))
    return paths


def load(root=None, split: str = "val", scenes=None, questions=None):
    """(scenes, questions) from a CLEVR_v1.0 folder `root` and `split`, or from the files
    `scenes` and `questions` (what `nesy data clevr` writes)."""
    if root is not None:
        scenes, questions, _ = clevr_paths(root, split)
    if scenes is None or questions is None:
        raise UsageError("give a CLEVR_v1.0 folder, or both a scenes file and a questions file")
    return load_scenes(scenes), load_questions(questions)
