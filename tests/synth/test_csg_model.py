"""The CSG proposal model: tokens, grammar-constrained beam decoding, the shipped model, and
`nesy train csg` (a tiny run, resumed, its checkpoint used by `nesy synth csg`)."""
import json

import numpy as np
import pytest
from nesy_testing import run_cli_in_process

torch = pytest.importorskip("torch")

from nesy.errors import NesyError  # noqa: E402
from nesy.synth.csg import generate  # noqa: E402
from nesy.synth.csg.language import length, parse, picture, render  # noqa: E402
from nesy.synth.csg.model import SHIPPED, Proposal, beam_search, from_tokens, load, tokens  # noqa: E402


def test_tokens_round_trip():
    rng = np.random.default_rng(0)
    for size in (3, 9, 13):
        program = generate.random_program(rng, size)
        ids = tokens(program)
        assert len(ids) == size + 1 and from_tokens(ids) == program


def test_beam_decodes_only_well_formed_programs():
    torch.manual_seed(0)
    model = Proposal(hidden=16, embed=8)
    target = picture(parse("c(32,32,24)s(32,32,12)-")).astype(np.float32)
    found, prior = beam_search(model, target, beam=5, max_length=7)
    assert 1 <= len(found) <= 5 and prior.shape == (396,)
    scores = [s for _, s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(length(p) <= 7 for p, _ in found)


def test_shipped_model_guides_search():
    from nesy.synth.csg.solve import solve

    model = load()
    target = render(parse("c(32,32,24)s(32,32,12)-"))
    answer, _ = solve(target, timeout=20, system="guided", model=model)
    assert answer.exact
    assert SHIPPED.stat().st_size < 4 * 2**20


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "x.pt"
    path.write_text("not a model")
    with pytest.raises(NesyError):
        load(path)
    with pytest.raises(NesyError):
        load(tmp_path / "absent.pt")


def test_train_resume_and_use_the_checkpoint(tmp_path):
    out = tmp_path / "run"
    common = ["--steps", "2", "--batch-size", "4", "--hidden", "16", "--validation", "1",
              "--lengths", "3,5", "--out", out]
    first = run_cli_in_process("train", "csg", "--epochs", "1", *common)
    assert first.returncode == 0, first.stderr
    again = run_cli_in_process("train", "csg", "--epochs", "2", "--resume", *common)
    assert again.returncode == 0, again.stderr
    history = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [h["epoch"] for h in history] == [1, 2] and "test_iou" in history[-1]
    programs = tmp_path / "p.txt"
    programs.write_text("c(32,32,24)s(32,32,12)-\n")
    used = run_cli_in_process("synth", "csg", programs, "--system", "beam", "--beam", "3",
                              "--model", out / "checkpoint.pt", "--format", "json")
    assert used.returncode == 0, used.stderr
    assert 0.0 <= json.loads(used.stdout)[0]["iou"] <= 1.0
