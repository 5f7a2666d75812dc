"""`nesy train clevr` and `nesy eval clevr --model` on tiny generated scenes: the learner runs
end to end through the shared trainer (metrics, checkpoints, resume), evaluation of the saved
model agrees with the run's own validation figures, gradients reach perception from answers
alone, and the user's mistakes are usage errors."""
from __future__ import annotations

import json

import pytest

from nesy_testing import run_cli_in_process

pytest.importorskip("torch")
pytest.importorskip("PIL")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Two tiny data sets (training and validation) of 1-3 objects per scene."""
    root = tmp_path_factory.mktemp("clevr_learn")
    for name, scenes, seed in (("train", 6, 1), ("val", 3, 2)):
        made = run_cli_in_process("data", "clevr", "--scenes", scenes, "--questions-per-scene", 4,
                                  "--min-objects", 1, "--max-objects", 3, "--seed", seed, "--jobs", 1,
                                  "--out", root / name)
        assert made.returncode == 0, made.stderr
    return root


def _metrics(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_train_resume_and_eval_of_the_saved_model(tiny):
    run = tiny / "run"
    common = ["train", "clevr", "--data", tiny / "train", "--val", tiny / "val", "--batch-size", 8,
              "--no-plot", "--out", run]
    first = run_cli_in_process(*common, "--epochs", 1)
    assert first.returncode == 0, first.stderr
    resumed = run_cli_in_process(*common, "--epochs", 2, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    history = _metrics(run)
    assert [r["epoch"] for r in history] == [1, 2]
    last = history[-1]
    val_questions = json.loads((tiny / "val" / "questions.json").read_text())["questions"]
    families = {q["template_filename"].removesuffix(".json") for q in val_questions}
    assert {f"family/{f}" for f in families} <= set(last)
    for attribute in ("color", "shape", "size", "material", "relations"):
        assert 0 <= last[f"probe/{attribute}"] <= 1
    assert last["probe_accuracy"] == min(v for k, v in last.items() if k.startswith("probe/"))

    evaluated = run_cli_in_process("eval", "clevr", "--model", run, "--data", tiny / "val", "--format", "json")
    assert evaluated.returncode == 0, evaluated.stderr
    rows = [json.loads(line) for line in evaluated.stdout.splitlines()]
    answers = {q["question_index"]: q["answer"] for q in val_questions}
    assert len(rows) == len(answers) and all(r["answer"] == answers[r["question_index"]] for r in rows)
    accuracy = sum(r["predicted"] == r["answer"] for r in rows) / len(rows)
    assert accuracy == pytest.approx(last["test_accuracy"])
    table = run_cli_in_process("eval", "clevr", "--model", run, "--data", tiny / "val")
    assert table.returncode == 0 and "concept probing" in table.stdout and "family" in table.stdout


@pytest.mark.slow
def test_two_processes_train_as_one(tiny):
    """`--nproc 2` (data-parallel, each process half of every batch) records the metrics of a
    single-process run with the same global batch."""
    runs = []
    for nproc in (1, 2):
        run = tiny / f"nproc{nproc}"
        done = run_cli_in_process("train", "clevr", "--data", tiny / "train", "--val", tiny / "val", "--batch-size", 8,
                                  "--epochs", 2, "--nproc", nproc, "--no-plot", "--out", run)
        assert done.returncode == 0, done.stderr
        runs.append(_metrics(run))
    for single, parallel in zip(*runs):
        for key in ("loss", "train_accuracy", "test_accuracy", "probe_accuracy"):
            assert parallel[key] == pytest.approx(single[key], abs=1e-4), key


def test_answers_alone_train_perception(tiny):
    """One batch's answer loss sends gradients into the CNN, every concept head and the
    relation network (the scene file's attributes are never read by the loss)."""
    import torch

    from nesy.pipelines._clevr_learn import ClevrLearner, DataOptions, load_split, prepare

    train, val = (load_split(*part) for part in prepare(DataOptions(tiny / "train", tiny / "val")))
    torch.manual_seed(0)
    learner = ClevrLearner(train, val, "difftopkproofs", 3, {})
    uses = {node["function"] for q in train.questions for node in q.program}
    result = learner.batch_result(list(range(len(train.questions))))
    result.loss.backward()
    grads = {name: p.grad for name, p in learner.model.named_parameters()}
    assert grads["cnn.0.weight"].abs().sum() > 0
    for attribute in ("color", "shape", "size", "material"):
        if any(f.endswith(attribute) for f in uses):
            assert grads[f"heads.{attribute}.0.weight"].abs().sum() > 0, attribute
    if "relate" in uses:
        assert grads["relation.0.weight"].abs().sum() > 0


def test_only_the_facts_a_batch_reads_are_loaded_and_answers_are_unchanged(tiny):
    """A batch loads only the attributes and relations its programs read; under an exact
    provenance every answer's probability is what it is with every fact loaded (a read that
    `program_reads` missed would lose derivations)."""
    import torch

    from nesy.datasets.clevr.compile import question_facts
    from nesy.pipelines._clevr_learn import (ConceptModel, DataOptions, answer_probabilities, load_split,
                                             prepare, scene_tensors)
    from nesy.pipelines.clevr import executor

    train, _ = (load_split(*part) for part in prepare(DataOptions(tiny / "train", tiny / "val")))
    torch.manual_seed(0)
    model = ConceptModel()
    batch = list(range(len(train.questions)))
    pruned = answer_probabilities(model, train, batch, "diffexact", None)
    _, _, scene = scene_tensors(model, train, sorted(set(train.scene_of)))
    facts = {**scene.with_tensors(),
             **question_facts({q: (train.scene_of[q], train.questions[q].program) for q in batch})}
    full = executor().run(provenance="diffexact", facts=facts)["answer"]
    assert len(full.tuples) == sum(map(len, pruned.values()))
    for (q, answer), p in zip(full.tuples, full.probs):
        assert float(pruned[q][answer].detach()) == pytest.approx(float(p.detach()), abs=1e-6)  # float32 there
    _, _, fewer = scene_tensors(model, train, [0], {0: {"color"}})
    assert fewer.rows["color"] and not fewer.rows["shape"] and not fewer.rows["related"]


@pytest.mark.parametrize("provenance, k", [("difftopkproofs", 3), ("diffexact", None)])
def test_compiled_answers_and_gradients_are_those_of_program_run(tiny, provenance, k):
    """The learner runs the engine on float probabilities and evaluates the answers' compiled
    formulas on the probability tensor; `Program.run` with the same facts as tensors (the
    provenance carrying them through every operation) gives the same answers, probabilities
    and gradients."""
    import torch

    from nesy.datasets.clevr.compile import question_facts
    from nesy.pipelines._clevr_learn import ConceptModel, DataOptions, execute, load_split, prepare, scene_tensors
    from nesy.pipelines.clevr import executor

    train, _ = (load_split(*part) for part in prepare(DataOptions(tiny / "train", tiny / "val")))
    torch.manual_seed(0)
    model = ConceptModel()
    batch = list(range(8))
    programs = question_facts({q: (train.scene_of[q], train.questions[q].program) for q in batch})
    _, _, scene = scene_tensors(model, train, sorted({train.scene_of[q] for q in batch}))
    compiled = execute(scene, programs, provenance, k)
    run = executor().run(provenance=provenance, k=k, facts={**scene.with_tensors(), **programs})["answer"]
    theirs = dict(zip(run.tuples, run.probs))
    assert sorted(row for row, _ in compiled) == sorted(theirs)
    for row, p in compiled:
        assert float(p.detach()) == pytest.approx(float(theirs[row].detach()), abs=1e-6)  # float32 there
    weights = {row: 0.5 + i / len(theirs) for i, row in enumerate(sorted(theirs))}  # a loss reading every answer
    params = list(model.parameters())
    mine = torch.autograd.grad(sum(weights[row] * p for row, p in compiled), params, retain_graph=True)
    expected = torch.autograd.grad(sum(weights[row] * p for row, p in theirs.items()), params)
    for a, b in zip(mine, expected):
        assert torch.allclose(a, b, atol=1e-5, rtol=1e-4)
    assert any(a.abs().sum() > 0 for a in mine)


def test_negligible_facts_are_left_out_and_move_each_answer_by_at_most_their_mass(tiny, monkeypatch):
    """Facts below NEGLIGIBLE are not given to the executor. Under an exact provenance each
    answer's probability then moves by at most the chance that any left-out fact is true, which
    is at most the sum of their probabilities (a union bound)."""
    import torch

    import nesy.pipelines._clevr_learn as learn
    from nesy.datasets.clevr.vocab import ATTRIBUTES

    train, _ = (learn.load_split(*part) for part in learn.prepare(learn.DataOptions(tiny / "train", tiny / "val")))
    torch.manual_seed(0)
    model = learn.ConceptModel()
    batch = list(range(len(train.questions)))
    full = learn.answer_probabilities(model, train, batch, "diffexact", None)
    reads = {}  # as the batch reads them, so that the facts left out are ones its questions read
    for q in batch:
        reads.setdefault(train.scene_of[q], set()).update(learn.program_reads(train.questions[q].program))
    _, _, facts = learn.scene_tensors(model, train, sorted(reads), reads)
    every = facts.probs.detach().sort().values
    threshold = float(every[int((every.cumsum(0) > 0.5).nonzero()[0])])  # leaves out a mass below 0.5
    monkeypatch.setattr(learn, "NEGLIGIBLE", threshold)
    _, _, facts = learn.scene_tensors(model, train, sorted(reads), reads)
    given = len(facts.rows["related"]) + sum(len(facts.rows[a]) for a in ATTRIBUTES)
    assert given == len(facts.probs) == len(every) - int((every < threshold).sum())
    left_out = float(every[every < threshold].sum())
    assert 0 < left_out < 0.5
    pruned = learn.answer_probabilities(model, train, batch, "diffexact", None)
    moved = 0.0
    for q in batch:
        for answer, p in full[q].items():
            kept = float(pruned[q][answer].detach()) if answer in pruned[q] else 0.0
            assert abs(kept - float(p.detach())) <= left_out + 1e-9
            moved = max(moved, abs(kept - float(p.detach())))
    assert moved > 0  # the left-out facts did take part in some answers


def test_parsed_programs_train_and_report_the_parse(tiny):
    """--programs parsed trains on the questions the parser parses (by taught patterns and
    patterns adopted from the answers) and reports how many it parsed, how many equal the
    annotated programs, and how far the perception is trusted to choose among parses."""
    run = tiny / "parsed"
    trained = run_cli_in_process("train", "clevr", "--programs", "parsed", "--annotated", "0.25", "--data",
                                 tiny / "train", "--val", tiny / "val", "--epochs", 2, "--batch-size", 8,
                                 "--no-plot", "--out", run)
    assert trained.returncode == 0, trained.stderr
    history = _metrics(run)
    for record in history:
        assert 0 < record["parse/train_parsed"] <= 1 and record["parse/train_exact"] <= record["parse/train_parsed"]
        assert record["test_accuracy"] <= record["parse/val_parsed"]  # an unparsed question counts wrong
        assert 0 <= record["parse/trust"] <= 1
    assert history[1]["parse/search_seconds"] > 0 == history[0]["parse/search_seconds"]


def test_neural_baseline_trains_and_its_saved_model_evaluates_alike(tiny):
    run = tiny / "neural"
    trained = run_cli_in_process("train", "clevr", "--model", "neural", "--data", tiny / "train", "--val",
                                 tiny / "val", "--epochs", 1, "--batch-size", 8, "--no-plot", "--out", run)
    assert trained.returncode == 0, trained.stderr
    last = _metrics(run)[-1]
    assert "probe_accuracy" not in last and any(k.startswith("family/") for k in last)
    evaluated = run_cli_in_process("eval", "clevr", "--model", run, "--data", tiny / "val", "--format", "json")
    assert evaluated.returncode == 0, evaluated.stderr
    rows = [json.loads(line) for line in evaluated.stdout.splitlines()]
    assert sum(r["predicted"] == r["answer"] for r in rows) / len(rows) == pytest.approx(last["test_accuracy"])
    sheet = tiny / "sheet" / "answers.png"
    table = run_cli_in_process("eval", "clevr", "--model", run, "--data", tiny / "val", "--sheet", sheet)
    assert table.returncode == 0 and "family" in table.stdout and "concept probing" not in table.stdout
    from PIL import Image

    with Image.open(sheet) as picture:
        assert picture.width > 320
    alone = run_cli_in_process("eval", "clevr", "--scenes", sheet, "--questions", sheet, "--sheet", sheet)
    assert alone.returncode == 2 and "--sheet PNG goes with --model" in alone.stderr


@pytest.mark.parametrize("flags, message", [
    (["--fraction", "2"], "--fraction must be in (0, 1]"),
    (["--provenance", "exact"], "cannot train"),
    (["--samples", "5"], "--samples does not apply"),
    (["--provenance", "diffexact", "--top-k", "2"], "--top-k applies only"),
    (["--model", "neural", "--provenance", "diffexact"], "--model nesy only"),
    (["--model", "neural", "--programs", "parsed"], "--model nesy only"),
    (["--annotated", "0.05"], "--annotated goes with --programs parsed"),
    (["--programs", "parsed", "--annotated", "1.5"], "--annotated must be in (0, 1]"),
    (["--programs", "parsed", "--curriculum", "2"], "does not go with --programs parsed"),
])
def test_bad_training_flags_are_usage_errors(flags, message, tmp_path):
    result = run_cli_in_process("train", "clevr", *flags, "--out", tmp_path / "run")
    assert result.returncode == 2 and message in result.stderr


def test_data_flags_conflict_and_eval_needs_both(tiny, tmp_path):
    both = run_cli_in_process("train", "clevr", "--data", tiny / "train", "--scenes", 5, "--out", tmp_path / "r")
    assert both.returncode == 2 and "--scenes" in both.stderr
    lone = run_cli_in_process("eval", "clevr", "--model", tmp_path)
    assert lone.returncode == 2 and "--model DIR and --data DIR go together" in lone.stderr
    empty = run_cli_in_process("eval", "clevr", "--model", tmp_path, "--data", tiny / "val")
    assert empty.returncode == 1 and "error" in empty.stderr


def test_curriculum_holds_back_relational_questions_then_uses_all(tiny):
    from nesy.pipelines._clevr_learn import ClevrLearner, DataOptions, load_split, prepare

    train, val = (load_split(*part) for part in prepare(DataOptions(tiny / "train", tiny / "val")))
    learner = ClevrLearner(train, val, "difftopkproofs", 3, {}, curriculum=1)
    relational = {q for q, question in enumerate(train.questions)
                  if "relate" in [node["function"] for node in question.program]}
    first = [q for batch in learner.train_batches(1, 4, 0) for q in batch]
    second = [q for batch in learner.train_batches(2, 4, 0) for q in batch]
    assert sorted(first) == sorted(set(range(len(train.questions))) - relational)
    assert sorted(second) == list(range(len(train.questions)))
    assert learner.train_batches(2, 4, 0) == learner.train_batches(2, 4, 0)


def test_factored_perception_keeps_hue_from_shape_and_outline_from_colour(tiny):
    """The factored perception's shape and size heads see no colour: the same object with its
    colour channels permuted gets the same shape and size distribution. Its colour and
    material heads see no outline: the object's pixels moved around inside its mask (a
    permutation of the masked positions) give the same colour and material distribution."""
    import torch

    from nesy.pipelines._clevr_learn import DataOptions, FactoredConceptModel, load_split, prepare

    train, _ = (load_split(*part) for part in prepare(DataOptions(tiny / "train", tiny / "val")))
    torch.manual_seed(0)
    model = FactoredConceptModel()
    index = torch.arange(len(train.crops))
    before = model.concepts(train, index)
    train.crops = train.crops[:, [2, 0, 1]]
    recoloured = model.concepts(train, index)
    for attribute in ("shape", "size"):
        assert torch.allclose(before[attribute], recoloured[attribute]), attribute
    assert not torch.allclose(before["color"], recoloured["color"])
    train.crops = train.crops[:, [1, 2, 0]]  # the original colours again
    train.masks = (train.masks > 0.5).float()  # a hard mask, so moved pixels keep their weights
    hard = model.concepts(train, index)
    generator = torch.Generator().manual_seed(1)
    for o in range(len(train.crops)):
        inside = train.masks[o, 0].flatten().nonzero().flatten()
        moved = inside[torch.randperm(len(inside), generator=generator)]
        flat = train.crops[o].reshape(3, -1).clone()
        flat[:, inside] = flat[:, moved]
        train.crops[o] = flat.reshape(train.crops[o].shape)
    shuffled = model.concepts(train, index)
    for attribute in ("color", "material"):
        assert torch.allclose(hard[attribute], shuffled[attribute], atol=1e-6), attribute


@pytest.mark.slow
def test_a_factored_run_is_evaluated_with_its_own_perception(tiny):
    run = tiny / "factored"
    trained = run_cli_in_process("train", "clevr", "--data", tiny / "train", "--val", tiny / "val", "--epochs", 1,
                                 "--perception", "factored", "--no-plot", "--out", run)
    assert trained.returncode == 0, trained.stderr
    evaluated = run_cli_in_process("eval", "clevr", "--model", run, "--data", tiny / "val", "--format", "json")
    assert evaluated.returncode == 0, evaluated.stderr
    rows = [json.loads(line) for line in evaluated.stdout.splitlines()]
    accuracy = sum(r["predicted"] == r["answer"] for r in rows) / len(rows)
    assert accuracy == pytest.approx(_metrics(run)[-1]["test_accuracy"])
