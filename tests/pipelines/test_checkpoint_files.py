"""Atomic writes and checkpoint loading: a reader sees a whole old file or a whole new one."""
from __future__ import annotations

import pytest
import torch

from nesy.errors import NesyError
from nesy.files import atomic_write, atomic_write_text
from nesy.pipelines.checkpoints import FORMAT, load_checkpoint, save_checkpoint


def test_atomic_write_replaces_the_whole_file(tmp_path):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old content, longer than the new one")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")

    def write_then_crash(file):
        file.write(b"half of the n")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, write_then_crash)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def _state(epoch: int = 1) -> dict:
    model = torch.nn.Linear(2, 1)
    return {"format": FORMAT, "config": {"lr": 0.1}, "epoch": epoch, "model": model.state_dict(),
            "optimizer": torch.optim.Adam(model.parameters()).state_dict(),
            "torch_rng": torch.get_rng_state(), "history": [{"epoch": e, "loss": 0.5} for e in range(1, epoch + 1)]}


def test_checkpoint_round_trips(tmp_path):
    saved = _state(epoch=4)
    save_checkpoint(tmp_path / "c.pt", saved)
    state = load_checkpoint(tmp_path / "c.pt")
    assert state["epoch"] == 4 and state["history"] == saved["history"]
    assert torch.equal(state["torch_rng"], saved["torch_rng"])


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_damaged_checkpoint_is_a_readable_error(tmp_path, damage):
    path = tmp_path / "c.pt"
    save_checkpoint(path, _state())
    data = path.read_bytes()
    path.write_bytes({"garbage": b"not a checkpoint at all", "truncated": data[: len(data) // 2], "empty": b""}[damage])
    with pytest.raises(NesyError, match="unreadable or corrupted.*delete it"):
        load_checkpoint(path)


def test_a_torch_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    torch.save({"weights": torch.zeros(3)}, tmp_path / "c.pt")
    with pytest.raises(NesyError, match="not a nesy training checkpoint"):
        load_checkpoint(tmp_path / "c.pt")


def test_a_missing_checkpoint_is_nothing_to_resume(tmp_path):
    with pytest.raises(NesyError, match="nothing to resume"):
        load_checkpoint(tmp_path / "absent.pt")
