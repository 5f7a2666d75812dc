"""`nesy train ...` as a user meets it: exit codes 0/1/2 and messages, never a traceback."""
from __future__ import annotations

import json

import pytest

from nesy.cli import main

QUICK = ["--epochs", "1", "--samples", "64", "--batch-size", "32", "--no-plot"]


def run(argv, capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own usage errors
        code = e.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_digit_labels_trains_and_ends_with_a_one_line_summary_and_a_plot(tmp_path, capsys):
    code, out, err = run(["train", "digit-labels", *QUICK[:-1], "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert out.count("\n") == 1 and out.startswith("digit-labels: test_digit_accuracy ")
    assert "epoch 1/1" in err
    assert (tmp_path / "checkpoint.pt").is_file()
    assert (tmp_path / "metrics.png").read_bytes().startswith(b"\x89PNG")  # the plot is the default


def test_no_plot_skips_the_plot_and_resuming_a_finished_run_says_what_to_pass(tmp_path, capsys):
    assert run(["train", "digit-labels", *QUICK, "--out", str(tmp_path)], capsys)[0] == 0
    assert not (tmp_path / "metrics.png").exists()
    code, _, err = run(["train", "digit-labels", *QUICK, "--out", str(tmp_path), "--resume"], capsys)
    assert code == 0
    assert "already trained to epoch 1, nothing to do; to train further, resume with a larger " \
           "--epochs (the total), e.g. --resume --epochs 11" in err


def test_resume_from_the_command_line_matches_an_uninterrupted_run(tmp_path, capsys):
    two_epochs = [*QUICK[2:], "--epochs", "2"]
    assert run(["train", "digit-labels", *two_epochs, "--out", str(tmp_path / "full")], capsys)[0] == 0
    assert run(["train", "digit-labels", *QUICK, "--out", str(tmp_path / "part")], capsys)[0] == 0
    assert run(["train", "digit-labels", *two_epochs, "--out", str(tmp_path / "part"), "--resume"], capsys)[0] == 0

    def metrics(run_dir):
        lines = (tmp_path / run_dir / "metrics.jsonl").read_text().splitlines()
        return [{k: v for k, v in json.loads(line).items() if not k.endswith("seconds")} for line in lines]

    assert metrics("part") == metrics("full") and len(metrics("full")) == 2


@pytest.mark.parametrize("argv, message", [
    (["train", "digits", "--epochs", "0"], "--epochs: must be at least 1"),
    (["train", "digits", "--task", "product"], "invalid choice: 'product'"),
    (["train", "digits", "--task", "multi", "--digits", "5"], "--digits: must be between 1 and 4"),
    (["train", "digits", "--task", "sumk", "--k", "16"], "--k: must be between 1 and 15"),
    (["train", "digits", "--lr", "-1"], "--lr: must be positive"),
    (["train", "digits", "--lr", "inf"], "--lr: must be finite"),
    (["train", "digits", "--lr", "nan"], "--lr: must be positive"),
    (["train", "digits", "--seed", "-1"], "--seed: must be between 0 and 4294967295"),
    (["train", "digits", "--seed", "99999999999999999999"], "--seed: must be between 0 and 4294967295"),
    (["train", "digits", "--threads", "100000"], "--threads: must be between 1 and"),
    (["train", "digits", "--threads", "0"], "--threads: must be between 1 and"),
    (["train", "digits", "--digits", "3"], "--digits applies only to --task multi"),
    (["train", "digits", "--task", "multi", "--k", "3"], "--k applies only to --task sumk"),
    (["train", "digits", "--top-k", "3"], "--top-k applies only to a top-k provenance (one of difftopkproofs)"),
    (["train"], "required: PIPELINE"),
])
def test_usage_errors_exit_2_with_the_reason(argv, message, capsys):
    code, _, err = run(argv, capsys)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_an_unknown_provenance_is_a_usage_error_listing_the_choices(capsys):
    code, _, err = run(["train", "digits", "--provenance", "bogus"], capsys)
    assert code == 2
    assert "unknown provenance 'bogus'" in err and "diffexact" in err


@pytest.mark.parametrize("provenance", ["unit", "boolean", "proofs", "minmaxprob", "addmultprob",
                                        "topkproofs", "exact"])
def test_a_provenance_without_gradients_is_a_usage_error_listing_those_that_train(provenance, tmp_path,
                                                                                  capsys):
    code, _, err = run(["train", "digits", "--provenance", provenance, "--out", str(tmp_path / "run")],
                       capsys)
    assert code == 2 and "Traceback" not in err
    assert f"provenance '{provenance}' cannot train" in err
    assert err.strip().endswith("diffaddmultprob, diffexact, diffminmaxprob, difftopkproofs")
    assert not (tmp_path / "run").exists()


def test_an_approximating_provenance_is_announced(tmp_path, capsys):
    _, _, err = run(["train", "digits", *QUICK, "--provenance", "difftopkproofs", "--top-k", "2",
                     "--out", str(tmp_path)], capsys)
    assert "with provenance difftopkproofs" in err
    assert "\nnote: " in err


def test_an_unusable_out_directory_exits_1_with_the_reason(tmp_path, capsys):
    (tmp_path / "taken").write_text("a file")
    code, out, err = run(["train", "digit-labels", *QUICK, "--out", str(tmp_path / "taken")], capsys)
    assert (code, out) == (1, "")
    assert err.strip() == f"error: the output directory {tmp_path / 'taken'} is a file, not a directory"


def test_a_corrupted_checkpoint_exits_1_with_the_reason(tmp_path, capsys):
    assert run(["train", "digit-labels", *QUICK, "--out", str(tmp_path)], capsys)[0] == 0
    (tmp_path / "checkpoint.pt").write_bytes(b"garbage")
    code, _, err = run(["train", "digit-labels", *QUICK, "--out", str(tmp_path), "--resume"], capsys)
    assert code == 1
    assert "checkpoint.pt is unreadable or corrupted" in err and "Traceback" not in err
