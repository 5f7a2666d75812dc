"""CLEVR data: generated questions against an independent reference executor and against
nesy's engine, CLEVR's scene rules checked from the geometry, CoGenT, renders, the loader's
two layouts and its located errors, and `nesy data clevr` / `nesy eval clevr` end to end."""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from nesy.datasets.clevr import generate as gen
from nesy.datasets.clevr.loader import load_questions, load_scenes, program_family
from nesy.datasets.clevr.scenes import Camera, SceneOptions, place_objects
from nesy_testing import run_cli_in_process



# -- the reference executor: plain Python over the scene JSON, written from CLEVR's function
# definitions (not from nesy's code). Evaluation is recursive from the answer node, object
# sets are sorted lists, a `unique` of anything but one object is an error, and the raw
# layout (`type`/`side_inputs`) is read directly.

class NoAnswer(Exception):
    pass


def _fn(node):
    return node.get("function", node.get("type"))


def _values(node):
    return node.get("value_inputs", node.get("side_inputs", []))


def results(program: list[dict], scene: dict) -> list:
    """Every node's result: object sets as sorted lists, objects as indices, then values."""
    objs = scene["objects"]
    memo = {}

    def ev(i):
        if i in memo:
            return memo[i]
        node = program[i]
        f, vals = _fn(node), _values(node)
        a = [ev(j) for j in node["inputs"]]
        if f == "scene":
            r = list(range(len(objs)))
        elif f == "unique":
            if len(a[0]) != 1:
                raise NoAnswer(f"unique of {a[0]}")
            r = a[0][0]
        elif f in ("filter_color", "filter_shape", "filter_size", "filter_material"):
            key = f.split("_")[1]
            r = [o for o in a[0] if objs[o][key] == vals[0]]
        elif f == "relate":
            r = sorted(scene["relationships"][vals[0]][a[0]])
        elif f in ("same_color", "same_shape", "same_size", "same_material"):
            key = f.split("_")[1]
            r = [o for o in range(len(objs)) if o != a[0] and objs[o][key] == objs[a[0]][key]]
        elif f in ("query_color", "query_shape", "query_size", "query_material"):
            r = objs[a[0]][f.split("_")[1]]
        elif f == "union":
            r = sorted(set(a[0]) | set(a[1]))
        elif f == "intersect":
            r = [o for o in a[0] if o in a[1]]
        elif f == "count":
            r = len(a[0])
        elif f == "exist":
            r = bool(a[0])
        elif f in ("equal_color", "equal_shape", "equal_size", "equal_material", "equal_integer",
                   "equal_object"):
            r = a[0] == a[1]
        elif f == "less_than":
            r = a[0] < a[1]
        elif f == "greater_than":
            r = a[0] > a[1]
        else:
            raise ValueError(f)
        memo[i] = r
        return r

    return [ev(i) for i in range(len(program))]


def reference(program: list[dict], scene: dict) -> str:
    """The answer of `program` on `scene`, as CLEVR v1.0 writes answers."""
    answer = results(program, scene)[-1]
    return ("yes" if answer else "no") if isinstance(answer, bool) else str(answer)


CLEVR_RGB = {"gray": (87, 87, 87), "red": (173, 35, 35), "blue": (42, 75, 215), "green": (29, 105, 20),
             "brown": (129, 74, 25), "purple": (129, 38, 192), "cyan": (41, 208, 208),
             "yellow": (255, 238, 51)}
NINE_FAMILIES = {"zero_hop", "one_hop", "two_hop", "three_hop", "single_and", "single_or",
                 "compare_integer", "comparison", "same_relate"}
REQUEST = gen.Request(scenes=2 * gen.CHUNK + 4, questions_per_scene=10, seed=7)


@pytest.fixture(scope="module")
def data():
    return gen.generate(REQUEST, progress=False)


def _questions(tmp_path, questions, name="questions.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"info": {}, "questions": questions}))
    return load_questions(path)


def test_generated_answers_agree_with_the_reference_executor(data):
    scenes, questions = data
    by_image = {s["image_index"]: s for s in scenes}
    assert len(questions) >= 9 * len(scenes)
    assert {q["template_filename"][:-5] for q in questions} == NINE_FAMILIES
    for q in questions:  # the family read from the program (CLEVR v1.0 files name no template)
        assert program_family(q["program"]) == q["template_filename"][:-5], q["question"]
    for q in questions:
        assert reference(q["program"], by_image[q["image_index"]]) == q["answer"], q["question"]


def test_nesy_engine_agrees_with_the_reference_executor(data, tmp_path):
    from nesy.pipelines.clevr import answers

    scenes, questions = data
    loaded = _questions(tmp_path, questions)
    by_image = {s["image_index"]: s for s in scenes}
    predicted = answers(scenes, loaded, batch_size=150)  # several batches
    assert predicted == [reference(q["program"], by_image[q["image_index"]]) for q in questions]


def test_relations_follow_the_geometric_rule_and_placement_is_unambiguous(data):
    scenes, _ = data
    for scene in scenes:
        objs = scene["objects"]
        c = [o["3d_coords"] for o in objs]
        for r in ("left", "right", "front", "behind"):
            d = scene["directions"][r]
            for i in range(len(objs)):
                expected = [j for j in range(len(objs)) if j != i and
                            sum((c[j][k] - c[i][k]) * d[k] for k in range(3)) > 0.2]
                assert scene["relationships"][r][i] == expected
        u = [o["pixel_coords"][0] for o in objs]
        v = [o["pixel_coords"][1] for o in objs]
        for i in range(len(objs)):  # the picture shows the relations
            assert all(u[j] > u[i] for j in scene["relationships"]["right"][i])
            assert all(v[j] < v[i] for j in scene["relationships"]["behind"][i])
        for i in range(len(objs)):
            for j in range(i):
                gap = math.dist(c[i][:2], c[j][:2]) - c[i][2] - c[j][2]  # z is the radius
                assert gap >= 0.25
                for r in ("left", "front"):
                    d = scene["directions"][r]
                    assert abs(sum((c[i][k] - c[j][k]) * d[k] for k in range(3))) >= 0.4


def test_clevr_rules_of_questions(data):
    """unique always picks one object (the reference raises otherwise), questions never name
    the attribute they query or compare, and filters after a relation select something else
    than the same filters among all other objects (no degenerate relation)."""
    scenes, questions = data
    by_image = {s["image_index"]: s for s in scenes}
    for q in questions:
        program, scene = q["program"], by_image[q["image_index"]]
        out = results(program, scene)
        for i, node in enumerate(program):
            f = node["function"]
            if f.startswith("query_") or f.startswith("equal_") and f != "equal_integer":
                uniques = [node["inputs"][0]] if f.startswith("query_") else [
                    program[j]["inputs"][0] for j in node["inputs"]]
                for j in uniques:
                    assert f"filter_{f.split('_')[1]}" not in [n["function"] for n in _filters(program, j)]
            if f == "relate":
                after = [k for k, n in enumerate(program) if i in n["inputs"]]
                filters = _filters(program, _last_filter(program, after[0])) if program[after[0]][
                    "function"].startswith("filter_") else []
                if filters:
                    subject = out[node["inputs"][0]]
                    alone = [o for o, obj in enumerate(scene["objects"]) if o != subject and all(
                        obj[n["function"][7:]] == n["value_inputs"][0] for n in filters)]
                    assert out[_last_filter(program, after[0])] != alone, q["question"]


def _last_filter(program, k):
    """The last node of the chain of filters starting at node k."""
    while True:
        nxt = [j for j, n in enumerate(program) if n["inputs"] == [k] and n["function"].startswith("filter_")]
        if not nxt:
            return k
        k = nxt[0]


def _filters(program, j):
    """The filter nodes of the chain ending at node j (j itself, if a unique, excluded)."""
    if program[j]["function"] == "unique":
        j = program[j]["inputs"][0]
    chain = []
    while program[j]["function"].startswith("filter_"):
        chain.append(program[j])
        j = program[j]["inputs"][0]
    return chain


def test_answers_are_balanced(data):
    """No answer dominates yes/no questions; counts and attributes vary."""
    _, questions = data
    yes_no = Counter(q["answer"] for q in questions if q["answer"] in ("yes", "no"))
    assert 0.35 <= yes_no["yes"] / sum(yes_no.values()) <= 0.65
    for function in ("count", "query_color", "query_shape"):
        answers = Counter(q["answer"] for q in questions if q["program"][-1]["function"] == function)
        assert len(answers) >= 3 and max(answers.values()) <= 0.5 * sum(answers.values()), (function, answers)


def test_generation_depends_on_seed_and_chunk_only(data):
    """A chunk made alone (as a worker process makes it) equals the same chunk of a whole
    run, so the output does not depend on --jobs."""
    scenes, questions = data
    alone_scenes, alone_questions = gen.make_chunk(REQUEST, 2)
    assert alone_scenes == scenes[2 * gen.CHUNK:]
    tail = [q for q in questions if q["image_index"] >= 2 * gen.CHUNK]
    assert alone_questions == [{k: v for k, v in q.items() if k != "question_index"} for q in tail]
    other = gen.make_chunk(replace(REQUEST, seed=8), 2)[0]
    assert other != alone_scenes


@pytest.mark.parametrize("condition", ["A", "B"])
def test_cogent_conditions(condition):
    camera, options = Camera(320, 240), SceneOptions(condition=condition)
    allowed_cubes = {"A": {"gray", "blue", "brown", "yellow"}, "B": {"red", "green", "purple", "cyan"}}
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(60):
        for o in place_objects(rng, options, camera):
            seen.add((o["shape"], o["color"]))
    cubes = {c for s, c in seen if s == "cube"}
    cylinders = {c for s, c in seen if s == "cylinder"}
    assert cubes == allowed_cubes[condition]
    assert cylinders == set(CLEVR_RGB) - allowed_cubes[condition]
    assert {c for s, c in seen if s == "sphere"} == set(CLEVR_RGB)


def test_pictures_show_every_attribute(tmp_path):
    from PIL import Image

    from nesy.datasets.clevr.render import decode_rle

    out = tmp_path / "d"
    result = run_cli_in_process("data", "clevr", "--scenes", "4", "--questions-per-scene", "3",
                                "--out", out, "--jobs", "1", "--seed", "3")
    assert result.returncode == 0, result.stderr
    scenes = load_scenes(out / "scenes.json")
    widths = {}  # (shape, size) -> widths at the same depth
    for scene in scenes:
        pixels = np.asarray(Image.open(out / "images" / scene["image_filename"]).convert("RGB"), dtype=float)
        assert pixels.shape == (240, 320, 3)
        for obj in scene["objects"]:
            mask = decode_rle(obj["mask"])
            x, y, w, h = obj["bbox"]
            rows, cols = np.nonzero(mask)
            assert (cols.min(), rows.min(), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1) == (x, y, w, h)
            inside = pixels[mask]
            if obj["material"] == "rubber":  # a flat fill of CLEVR's colour (faces lighter/darker)
                assert np.abs(np.median(inside, axis=0) - CLEVR_RGB[obj["color"]]).max() < 12
            else:  # graded, with a white highlight
                assert (inside.min(axis=1) > 225).sum() >= 3
                assert inside.std(axis=0).mean() > 15
            widths.setdefault((obj["shape"], obj["size"]), []).append(w / (1 - 0.04 * obj["3d_coords"][1]))
    ratios = [np.median(widths[shape, "large"]) / np.median(widths[shape, "small"])
              for shape in ("cube", "sphere", "cylinder") if (shape, "large") in widths and (shape, "small") in widths]
    assert ratios and all(1.8 < r < 2.2 for r in ratios), ratios


def test_data_then_eval_gives_100_percent(tmp_path):
    out = tmp_path / "d"
    made = run_cli_in_process("data", "clevr", "--scenes", "5", "--questions-per-scene", "6",
                              "--out", out, "--jobs", "1", "--contact-sheet", tmp_path / "sheet.png")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "sheet.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(list((out / "images").glob("CLEVR_new_*.png"))) == 5
    table = run_cli_in_process("eval", "clevr", "--scenes", out / "scenes.json",
                               "--questions", out / "questions.json")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[1].split()[:2] == ["all", "100.00%"]
    lines = run_cli_in_process("eval", "clevr", "--scenes", out / "scenes.json",
                               "--questions", out / "questions.json", "--format", "json").stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    stored = json.loads((out / "questions.json").read_text())["questions"]
    assert [r["question_index"] for r in rows] == [q["question_index"] for q in stored]
    assert all(r["predicted"] == r["answer"] == q["answer"] for r, q in zip(rows, stored))


def test_loader_reads_both_layouts_and_the_clevr_folder(data, tmp_path):
    from nesy.datasets import load

    scenes, questions = data
    public = _questions(tmp_path, questions[:40], "public.json")
    raw = [gen.raw_question(q) for q in questions[:40]]
    assert all("type" in n and "side_inputs" in n for q in raw for n in q["program"])
    assert {type(q["answer"]) for q in raw} >= {bool, int, str}
    assert _questions(tmp_path, raw, "raw.json") == public
    root = tmp_path / "CLEVR_v1.0"
    (root / "questions").mkdir(parents=True)
    (root / "scenes").mkdir()
    (root / "questions" / "CLEVR_val_questions.json").write_text(json.dumps({"info": {}, "questions": raw}))
    (root / "scenes" / "CLEVR_val_scenes.json").write_text(json.dumps({"info": {}, "scenes": scenes}))
    loaded_scenes, loaded_questions = load("clevr", root=root, split="val")
    assert loaded_scenes == json.loads(json.dumps(scenes)) and loaded_questions == public
    result = run_cli_in_process("eval", "clevr", "--clevr", root, "--split", "val")
    assert result.returncode == 0 and "100.00%  40 / 40" in result.stdout
    missing = run_cli_in_process("eval", "clevr", "--clevr", root, "--split", "train")
    assert missing.returncode == 2 and "CLEVR_val_questions.json" in missing.stderr


def _program(*nodes):
    return [{"function": f, "inputs": i, "value_inputs": v} for f, i, v in nodes]


GOOD = _program(("scene", [], []), ("filter_color", [0], ["red"]), ("count", [1], []))
BAD_QUESTIONS = [
    ('{"questions": [', "questions.json:1:16: invalid JSON"),
    ({"items": []}, "expected a JSON object with a list 'questions'"),
    ({"questions": [{"image_index": 0, "program": GOOD}]}, "questions[0]: missing 'question'"),
    ({"questions": [{"image_index": "0", "question": "?", "program": GOOD}]},
     "questions[0].image_index: expected an integer"),
    ({"questions": [{"image_index": 0, "question": "?",
                     "program": GOOD[:1] + [{**GOOD[1], "function": "filter_colour"}] + GOOD[2:]}]},
     "questions[0].program[1].function: unknown function 'filter_colour'; did you mean 'filter_color'?"),
    ({"questions": [{"image_index": 0, "question": "?", "program": GOOD[:2] + [{**GOOD[2], "inputs": [5]}]}]},
     "questions[0].program[2].inputs: 'count' takes 1 input(s), each an earlier node; got [5]"),
    ({"questions": [{"image_index": 0, "question": "?",
                     "program": GOOD[:1] + [{**GOOD[1], "value_inputs": ["pink"]}] + GOOD[2:]}]},
     "questions[0].program[1].value_inputs: unknown color 'pink'"),
]


@pytest.mark.parametrize("content, message", BAD_QUESTIONS)
def test_malformed_questions_give_located_errors(tmp_path, content, message):
    scenes = tmp_path / "scenes.json"
    scenes.write_text(json.dumps({"scenes": []}))
    path = tmp_path / "questions.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    result = run_cli_in_process("eval", "clevr", "--scenes", scenes, "--questions", path)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_malformed_scenes_give_located_errors(data, tmp_path):
    scene = json.loads(json.dumps(data[0][0]))
    cases = [
        (lambda s: s["objects"][1].update(color="pink"), "scenes[0].objects[1].color: unknown color 'pink'"),
        (lambda s: s["objects"][0].pop("shape"), "scenes[0].objects[0]: missing 'shape'"),
        (lambda s: s["relationships"]["left"].pop(), "scenes[0].relationships.left: has"),
        (lambda s: s["relationships"]["front"][0].append(99), "scenes[0].relationships.front[0]: expected a list"),
    ]
    questions = tmp_path / "questions.json"
    questions.write_text(json.dumps({"questions": [{"image_index": 0, "question": "?", "program": GOOD}]}))
    for change, message in cases:
        broken = json.loads(json.dumps(scene))
        change(broken)
        path = tmp_path / "scenes.json"
        path.write_text(json.dumps({"scenes": [broken]}))
        result = run_cli_in_process("eval", "clevr", "--scenes", path, "--questions", questions)
        assert result.returncode == 1 and message in result.stderr, (message, result.stderr)


def test_a_question_about_a_missing_scene_is_an_error(data, tmp_path):
    scenes = tmp_path / "scenes.json"
    scenes.write_text(json.dumps({"scenes": data[0][:1]}))
    questions = tmp_path / "questions.json"
    questions.write_text(json.dumps({"questions": [{"image_index": 3, "question": "?", "program": GOOD}]}))
    result = run_cli_in_process("eval", "clevr", "--scenes", scenes, "--questions", questions)
    assert result.returncode == 1 and "image 3, which the scenes file does not have" in result.stderr


def test_one_question_as_a_nesy_program(data, tmp_path):
    from nesy.datasets.clevr.compile import program_text

    scenes, questions = data
    question = _questions(tmp_path, questions[:1])[0]
    path = tmp_path / "q.nesy"
    path.write_text(program_text(question, scenes[0]))
    result = run_cli_in_process("run", path, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["relations"]["answer"] == [{"tuple": [0, question.answer]}]


def test_uncertain_scenes_on_a_probabilistic_provenance():
    """The same executor on perception-style facts: object colours as annotated disjunctions.
    Under `exact`, each answer's probability equals the sum over possible scenes, executed
    by the reference."""
    import itertools

    import nesy
    from nesy.datasets.clevr.compile import question_facts, scene_facts
    from nesy.pipelines.clevr import executor

    scene = {"objects": [{"color": "red", "shape": "cube", "size": "large", "material": "metal"},
                         {"color": "red", "shape": "sphere", "size": "small", "material": "rubber"},
                         {"color": "blue", "shape": "cylinder", "size": "small", "material": "metal"}],
             "relationships": {"left": [[1], [], [0, 1]], "right": [[2], [0, 2], []],
                               "front": [[], [], []], "behind": [[], [], []]}}
    colours = [{"red": 0.6, "blue": 0.4}, {"red": 0.5, "green": 0.5}, {"blue": 1.0}]
    programs = {0: (0, GOOD),
                1: (0, _program(("scene", [], []), ("filter_shape", [0], ["sphere"]), ("unique", [1], []),
                                ("same_color", [2], []), ("exist", [3], []))),
                2: (0, _program(("scene", [], []), ("filter_shape", [0], ["cube"]), ("unique", [1], []),
                                ("relate", [2], ["right"]), ("unique", [3], []), ("query_color", [4], [])))}
    facts = {**scene_facts({0: scene}), **question_facts(programs)}
    facts["color"] = [nesy.Disjunction([(p, (0, o, c)) for c, p in dist.items()]) for o, dist in enumerate(colours)]
    result = executor().run(provenance="exact", facts=facts)["answer"].to_dict()
    expected = Counter()
    for world in itertools.product(*[list(d.items()) for d in colours]):
        objects = [{**o, "color": c} for o, (c, _) in zip(scene["objects"], world)]
        for q, (_, program) in programs.items():
            expected[(q, reference(program, {**scene, "objects": objects}))] += math.prod(p for _, p in world)
    assert set(result) == set(expected)
    for key, p in expected.items():
        assert result[key] == pytest.approx(p), key


def test_bad_generation_flags_are_usage_or_file_errors(tmp_path):
    (tmp_path / "file").write_text("")
    swapped = run_cli_in_process("data", "clevr", "--scenes", "2", "--min-objects", "6", "--max-objects", "4",
                                 "--out", tmp_path / "d")
    assert swapped.returncode == 2 and "--min-objects (6) exceeds --max-objects (4)" in swapped.stderr
    blocked = run_cli_in_process("data", "clevr", "--scenes", "1", "--out", tmp_path / "file", "--jobs", "1")
    assert blocked.returncode == 1 and "cannot create the directory" in blocked.stderr
    assert run_cli_in_process("train", "clevr", "--fraction", "2").returncode == 2


def test_the_command_line_is_built_without_the_generator_or_pillow():
    import subprocess
    import sys

    code = ("import sys; from nesy.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('PIL', 'nesy.datasets.clevr.scenes', 'nesy.datasets.clevr.templates') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.fixture(scope="module")
def many():
    return gen.generate(gen.Request(scenes=300, questions_per_scene=10, seed=11), progress=False)


@pytest.mark.slow
def test_thousands_of_questions_agree_three_ways(many, tmp_path):
    from nesy.pipelines.clevr import answers

    scenes, questions = many
    assert len(questions) >= 2900
    by_image = {s["image_index"]: s for s in scenes}
    expected = [reference(q["program"], by_image[q["image_index"]]) for q in questions]
    assert [q["answer"] for q in questions] == expected
    assert answers(scenes, _questions(tmp_path, questions)) == expected
    families = Counter(q["template_filename"] for q in questions)
    assert len(families) == 9 and min(families.values()) >= 100, families


@pytest.mark.slow
def test_no_answer_dominates_a_template(many):
    _, questions = many
    by_template: dict[int, Counter] = {}
    for q in questions:
        by_template.setdefault(q["question_family_index"], Counter())[q["answer"]] += 1
    for template, answers in by_template.items():
        total = sum(answers.values())
        if total < 40:
            continue
        top = max(answers.values()) / total
        assert top <= (0.65 if len(answers) <= 2 else 0.5), (template, answers)


@pytest.mark.slow
def test_jobs_do_not_change_the_output(tmp_path):
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / jobs
        result = run_cli_in_process("data", "clevr", "--scenes", str(2 * gen.CHUNK + 3), "--questions-per-scene",
                                    "4", "--out", out, "--jobs", jobs, "--seed", "5")
        assert result.returncode == 0, result.stderr
        outputs.append([(p.name, p.read_bytes()) for p in sorted(out.rglob("*")) if p.is_file()])
    assert outputs[0] == outputs[1]
