"""The real entry points of data-parallel training, as a user starts them: `nesy train ...
--nproc 2` and `torchrun ... -m nesy train ...`, each in fresh interpreters (slow: about a
minute of CPU), against the single-process run of the same command."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from nesy_testing import run_cli

pytestmark = pytest.mark.slow

RUN = ["train", "digits", "--samples", "32", "--epochs", "2", "--batch-size", "16", "--no-plot"]


def metrics(out) -> list[dict]:
    return [{k: v for k, v in json.loads(line).items() if not k.endswith("seconds")}
            for line in (out / "metrics.jsonl").read_text().splitlines()]


def assert_same_metrics(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b) == 2
    for one, two in zip(a, b):
        assert one.keys() == two.keys()
        assert all(math.isclose(one[k], two[k], rel_tol=1e-5, abs_tol=1e-5) for k in one), (one, two)


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    out = tmp_path_factory.mktemp("single")
    done = run_cli(*RUN, "--out", out)
    assert done.returncode == 0, done.stderr
    return metrics(out)


def test_nesy_train_nproc_2_matches_the_single_process_run(single, tmp_path):
    done = run_cli(*RUN, "--nproc", "2", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("digits/sum2: test_accuracy")
    assert "epoch 2/2" in done.stderr and "Traceback" not in done.stderr
    assert_same_metrics(single, metrics(tmp_path))


def test_torchrun_workers_match_the_single_process_run(single, tmp_path):
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                           "-m", "nesy", *RUN, "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("digits/sum2: test_accuracy") == 1, "rank 0 alone prints the summary"
    assert_same_metrics(single, metrics(tmp_path))
