"""Training keeps finished work whatever goes wrong (issue 16, items 11-15): a full disk, a
second run into the same directory, a damaged checkpoint, a diverging loss, and files made
with the user's umask."""
from __future__ import annotations

import errno
import os

import pytest
import torch

from nesy.errors import NesyError
from nesy.pipelines import checkpoints
from nesy.pipelines.checkpoints import load_checkpoint, save_checkpoint
from nesy.pipelines.trainer import train

from .test_trainer_runs import options


def _digest(path) -> bytes:
    return path.read_bytes()


def test_a_full_disk_while_saving_is_an_error_that_keeps_the_previous_checkpoint(tiny_sum2, tmp_path,
                                                                               monkeypatch):
    train(tiny_sum2, options(tmp_path, epochs=1))
    before = _digest(tmp_path / "checkpoint.pt")

    fsync = os.fsync

    def disk_full_for_checkpoints(fd):
        if "checkpoint" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fsync(fd)

    monkeypatch.setattr("nesy.files.os.fsync", disk_full_for_checkpoints)
    with pytest.raises(NesyError, match="cannot write checkpoint .*No space left on device; the previous"):
        train(tiny_sum2, options(tmp_path, epochs=2, resume=True))
    monkeypatch.undo()
    assert _digest(tmp_path / "checkpoint.pt") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "checkpoint.pt", "metrics.jsonl"]
    assert load_checkpoint(tmp_path / "checkpoint.pt")["epoch"] == 1


def test_a_full_disk_from_the_command_line_exits_1(tmp_path, monkeypatch, capsys):
    """The whole path through `nesy.cli.main`, with every write failing with ENOSPC."""
    from nesy.cli import main

    def disk_full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("nesy.files.os.fsync", disk_full)
    code = main(["train", "digit-labels", "--epochs", "1", "--samples", "32", "--no-plot",
                 "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "cannot write checkpoint" in err and "No space left on device" in err
    assert "Traceback" not in err and not (tmp_path / "checkpoint.pt").exists()


def test_a_second_run_into_a_busy_directory_fails_at_once(tiny_sum2, tmp_path):
    seen = []

    def build_and_start_a_rival():
        with pytest.raises(NesyError, match=r"is in use by another training run \(pid \d+\)"):
            train(tiny_sum2, options(tmp_path, epochs=1, overwrite=True))
        seen.append("refused")
        return tiny_sum2()

    train(build_and_start_a_rival, options(tmp_path, epochs=1))
    assert seen == ["refused"]
    assert load_checkpoint(tmp_path / "checkpoint.pt")["epoch"] == 1  # the first run's work
    train(tiny_sum2, options(tmp_path, epochs=2, resume=True))  # the lock went with the run


def _state() -> dict:
    model = torch.nn.Linear(4, 3)
    return {"format": checkpoints.FORMAT, "config": {"lr": 0.1}, "epoch": 1, "model": model.state_dict(),
            "optimizer": torch.optim.Adam(model.parameters()).state_dict(),
            "torch_rng": torch.get_rng_state(), "history": [{"epoch": 1, "loss": 0.5}]}


def test_a_flipped_byte_in_a_weight_is_detected(tmp_path):
    path = tmp_path / "c.pt"
    state = _state()
    save_checkpoint(path, state)
    data = bytearray(path.read_bytes())
    weight = state["model"]["weight"].numpy().tobytes()
    at = bytes(data).index(weight)  # torch stores the raw bytes of each tensor
    data[at + 5] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(NesyError, match="checksum does not match"):
        load_checkpoint(path)


@pytest.mark.parametrize("history, message", [
    ({"epoch": 1}, "its history is a dict, expected a list"),
    ("ten epochs", "its history is a str, expected a list"),
    ([{"epoch": 1}, {"epoch": 2}], "it records epoch 1 with 2 epochs of history"),
])
def test_a_checkpoint_with_a_malformed_history_is_a_clear_error(tmp_path, history, message):
    """Even when written with a valid checksum (by another program, say)."""
    save_checkpoint(tmp_path / "c.pt", {**_state(), "history": history})
    with pytest.raises(NesyError, match=message):
        load_checkpoint(tmp_path / "c.pt")


def test_a_checkpoint_without_a_checksum_is_refused(tmp_path):
    torch.save(_state(), tmp_path / "c.pt")
    with pytest.raises(NesyError, match="checksum does not match"):
        load_checkpoint(tmp_path / "c.pt")


def test_a_diverging_loss_stops_training_and_keeps_the_last_good_checkpoint(tiny_sum2, tmp_path):
    train(tiny_sum2, options(tmp_path, epochs=1))
    good = load_checkpoint(tmp_path / "checkpoint.pt")

    def diverging():
        pipeline = tiny_sum2()
        step = pipeline.batch_result

        def batch_result(batch):
            result = step(batch)
            result.loss = result.loss * float("nan")
            return result

        pipeline.batch_result = batch_result
        return pipeline

    with pytest.raises(NesyError, match=r"training diverged: the loss of epoch 2, batch 1 is nan; "
                                        r"stopped, and .* keeps the last good epoch \(1\)"):
        train(diverging, options(tmp_path, epochs=2, resume=True))
    kept = load_checkpoint(tmp_path / "checkpoint.pt")
    assert kept["epoch"] == 1
    assert all(torch.equal(kept["model"][k], good["model"][k]) for k in good["model"])


def test_result_files_honour_the_umask(tiny_sum2, tmp_path):
    old = os.umask(0o027)
    try:
        train(tiny_sum2, options(tmp_path, epochs=1))
    finally:
        os.umask(old)
    for name in ("checkpoint.pt", "metrics.jsonl"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o640, name


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_atomic_writes_give_the_permissions_of_a_plain_open(tmp_path, umask):
    from nesy.files import atomic_write_text

    old = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "atomic", "x")
        (tmp_path / "plain").write_text("x")
    finally:
        os.umask(old)
    assert (tmp_path / "atomic").stat().st_mode == (tmp_path / "plain").stat().st_mode
