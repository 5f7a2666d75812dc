"""The CLEVR question parser (`--programs parsed`) against the generator's annotated
programs: a skeleton filled with a question's own noun phrases, relations and attributes
gives back its program; patterns taught by some questions parse others to their annotated
programs; and the answer search adopts skeletons whose programs answer right on the scenes."""
from __future__ import annotations

import pytest

pytest.importorskip("torch")

from nesy.datasets.clevr.generate import Request, write  # noqa: E402
from nesy.pipelines._clevr_learn import read_folder  # noqa: E402
from nesy.pipelines._clevr_parser import Parser, analyse, instantiate, skeleton  # noqa: E402


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from nesy.datasets.clevr.scenes import SceneOptions

    folder = tmp_path_factory.mktemp("clevr_parser")
    write(folder, Request(16, 10, 5, "new", SceneOptions(3, 5)), jobs=1, progress=False)
    return read_folder(folder)


def test_skeletons_give_back_the_annotated_programs(data):
    _, questions = data
    abstracted = 0
    for q in questions:
        pattern, slots = analyse(q.question)
        skel = skeleton(q.program, slots)
        if skel is not None:
            abstracted += 1
            assert instantiate(skel, slots) == q.program, q.question
    assert abstracted >= 0.85 * len(questions)


def test_taught_patterns_parse_other_questions_to_their_programs(data):
    _, questions = data
    teach, rest = questions[: len(questions) // 2], questions[len(questions) // 2:]
    parser = Parser(teach)
    parsed = [(q, parser.parse(q.question)) for q in rest]
    hits = [q for q, program in parsed if program is not None]
    assert len(hits) >= 20
    assert all(program == q.program for q, program in parsed if program is not None)


def test_answer_search_adopts_skeletons_that_answer_right(data):
    """With the true scenes as the perception, every adopted pattern's programs give the
    annotated answers on at least AGREEMENT of its questions, and parse more questions."""
    from nesy.datasets.clevr.compile import scene_facts
    from nesy.pipelines._clevr_parser import AGREEMENT, run_programs

    scenes, questions = data
    parser = Parser(questions[:12])
    before = sum(parser.parse(q.question) is not None for q in questions[:100])
    graphs = scene_facts(dict(enumerate(scenes)))
    scene_of = {scene["image_index"]: s for s, scene in enumerate(scenes)}

    def truth(jobs):
        return run_programs(graphs, [(scene_of[questions[p].image_index], program) for p, program in jobs])

    asked = questions[:100]
    parser.search(asked, truth)
    assert parser.found
    parsed = [parser.parse(q.question) for q in asked]
    assert sum(p is not None for p in parsed) > before
    adopted = [(i, p) for i, (q, p) in enumerate(zip(asked, parsed)) if analyse(q.question)[0] in parser.found]
    right: dict[tuple, list[bool]] = {}
    for (i, _), answer in zip(adopted, truth(adopted)):
        right.setdefault(analyse(asked[i].question)[0], []).append(answer == asked[i].answer)
    assert right.keys() == parser.found.keys()
    assert all(sum(hits) >= AGREEMENT * len(hits) for hits in right.values())


def test_one_annotated_way_of_asking_lets_the_search_find_the_others(data):
    """Taught only questions that count, the search (with the true scenes as the perception)
    parses existence and attribute questions to their annotated programs: `root_variants`
    asks each known structure every other way."""
    from nesy.datasets.clevr.compile import scene_facts
    from nesy.pipelines._clevr_parser import run_programs

    scenes, questions = data
    graphs = scene_facts(dict(enumerate(scenes)))
    scene_of = {scene["image_index"]: s for s, scene in enumerate(scenes)}
    parser = Parser([q for q in questions if q.program[-1]["function"] == "count"])
    others = [q for q in questions[:50] if q.program[-1]["function"] != "count"]
    parser.search(others, lambda jobs: run_programs(
        graphs, [(scene_of[others[p].image_index], program) for p, program in jobs]))
    for root in ("exist", "query_"):
        asked = [q for q in others if q.program[-1]["function"].startswith(root)]
        exact = sum(parser.parse(q.question) == q.program for q in asked)
        assert exact >= 0.5 * len(asked), (root, exact, len(asked))
