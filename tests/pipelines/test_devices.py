"""`nesy train --device`: where the networks train, and what a machine without a GPU says.

On a machine without a GPU (this one, and CI) the tests pin down the refusals, the placement
of batches, and the backend a GPU group would use. The tests marked `gpu` run only where torch
sees a GPU; there the oracle is the same run on the CPU."""
from __future__ import annotations

import math

import pytest
import torch

import nesy
from nesy.datasets.digits import sum2
from nesy.errors import UsageError
from nesy.pipelines import devices, distributed
from nesy.pipelines.base import Pipeline
from nesy.pipelines.digits import DigitsPipeline, digits_pipeline
from nesy.pipelines.trainer import RunOptions, train

from nesy_testing import run_cli_in_process

from .logic_reference import reference_logic

gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without a GPU")


class CpuOnly(Pipeline):
    """A pipeline that declares no devices: it inherits the CPU only."""

    name = "cpu-only"
    model = torch.nn.Linear(1, 1)

    def config(self):
        return {}

    def train_batches(self, epoch, batch_size, seed):
        return []

    def batch_result(self, batch):
        raise AssertionError("never trained here")

    def evaluate(self):
        return {}


@no_gpu
def test_device_cuda_without_a_gpu_is_a_usage_error_before_anything_starts(tmp_path):
    done = run_cli_in_process("train", "digits", "--device", "cuda", "--out", str(tmp_path / "run"))
    assert done.returncode == 2
    assert "torch sees no GPU" in done.stderr and "--device cpu" in done.stderr
    assert not (tmp_path / "run").exists()


def test_a_pipeline_that_trains_on_the_cpu_only_refuses_cuda():
    pipeline = CpuOnly()
    with pytest.raises(UsageError, match="cpu-only pipeline trains on cpu only, not cuda"):
        devices.check_supported("cuda", pipeline)
    devices.check_supported("cpu", pipeline)


def test_place_moves_every_tensor_of_a_nested_batch_and_nothing_else():
    pipeline = CpuOnly()
    pipeline.device = torch.device("meta")  # a device without data: where a GPU would be
    images = torch.zeros(2, 3)
    placed = pipeline.place((images, {"labels": [torch.ones(2)], "names": ["a", "b"]}, 7))
    assert placed[0].device.type == "meta" and placed[1]["labels"][0].device.type == "meta"
    assert placed[1]["names"] == ["a", "b"] and placed[2] == 7
    assert images.device.type == "cpu"  # the batch itself is left as it was


@pytest.mark.parametrize("device, backend", [("cpu", "gloo"), ("cuda", "nccl")])
def test_the_process_group_backend_follows_the_device(monkeypatch, device, backend):
    import torch.distributed as dist

    chosen = []
    monkeypatch.delenv("NESY_DIST_BACKEND", raising=False)
    monkeypatch.setattr(dist, "init_process_group", lambda name, timeout: chosen.append(name))
    monkeypatch.setattr(dist, "get_rank", lambda: 0)
    monkeypatch.setattr(dist, "get_world_size", lambda: 2)
    monkeypatch.setattr(dist, "destroy_process_group", lambda: None)
    with distributed.process_group(device):
        pass
    assert chosen == [backend]


def test_the_digits_pipeline_trains_on_a_gpu_the_others_on_the_cpu():
    """Which pipelines may take --device cuda: the ones that place their own tensors."""
    assert "cuda" in DigitsPipeline.devices
    assert Pipeline.devices == ("cpu",)


def _sum2_run(tmp_path, digit_images, device, **overrides):
    build = lambda: digits_pipeline(sum2(), samples=64, logic=reference_logic(sum2()), data=digit_images)  # noqa: E731
    options = RunOptions(out=tmp_path / device, epochs=2, batch_size=16, progress=False, log=None,
                         plot=False, device=device, **overrides)
    return train(build, options).history


@gpu
def test_training_on_a_gpu_computes_what_the_cpu_computes(tmp_path, digit_images):
    on_cpu, on_gpu = (_sum2_run(tmp_path, digit_images, device) for device in ("cpu", "cuda"))
    for one, two in zip(on_cpu, on_gpu):
        for key in one:
            if not key.endswith("seconds"):
                assert math.isclose(one[key], two[key], rel_tol=1e-3, abs_tol=1e-3), (key, one, two)


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=gpu)])
def test_gradients_cross_from_the_device_through_the_program_and_back(device):
    program = nesy.compile("type digit(i32)\nrel even() = digit(0) or digit(2)\nquery even")
    module = program.module(inputs={"digit": nesy.Mapping(range(3), exclusive=0)}, outputs={"even": [()]})
    probs = torch.tensor([[0.2, 0.5, 0.3]], device=device, requires_grad=True)
    out = module(probs)
    assert out.device.type == device
    torch.testing.assert_close(out.detach().cpu(), torch.tensor([[0.5]]))
    out.sum().backward()
    torch.testing.assert_close(probs.grad.cpu(), torch.tensor([[1.0, 0.0, 1.0]]))
