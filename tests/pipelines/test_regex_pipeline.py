"""`nesy train regex` on a tiny NL-RX folder (from scratch, then fine-tuned with `--init` and
minimum-risk training), then `nesy synth regex --nl --model RUN`."""
import json

from tests.conftest import run_cli_in_process

PAIRS = [("lines with a vowel", "[ <VOW> ]"), ("lines with a number", "[ <NUM> ]"),
         ("lines with <M0>", ". * ( <M0> ) . *"), ("lines ending in a letter", ". * [ <LET> ]")]


def _folder(tmp_path):
    split = tmp_path / "nl-rx" / "turk_split"
    split.mkdir(parents=True)
    for part in ("train", "val", "test"):
        (split / f"src-{part}.txt").write_text("".join(s + "\n" for s, _ in PAIRS))
        (split / f"targ-{part}.txt").write_text("".join(t + "\n" for _, t in PAIRS))
    return tmp_path / "nl-rx"


def test_train_then_translate_with_the_run(tmp_path):
    run, folder = tmp_path / "run", _folder(tmp_path)
    trained = run_cli_in_process("train", "regex", "--data-dir", folder, "--hidden", 16,
                                 "--embed", 8, "--beam", 2, "--epochs", 1, "--batch-size", 2,
                                 "--out", run, "--no-plot")
    assert trained.returncode == 0, trained.stderr
    history = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [h["epoch"] for h in history] == [1]
    assert {"val_dfa_accuracy", "val_nesy_dfa_accuracy", "val_exact_accuracy"} <= set(history[-1])
    assert all(0 <= h["loss"] < 10 for h in history)

    tuned = run_cli_in_process("train", "regex", "--data-dir", folder, "--init", run,
                               "--beam", 2, "--epochs", 1, "--batch-size", 2, "--lr", 1e-4,
                               "--risk", 2, "--train-pairs", 3, "--out", tmp_path / "tuned",
                               "--no-plot")
    assert tuned.returncode == 0, tuned.stderr  # fine-tuned with the risk, its shape kept
    [tuned_epoch] = map(json.loads, (tmp_path / "tuned" / "metrics.jsonl").read_text().splitlines())
    assert 0 <= tuned_epoch["loss"] < 11 and tuned_epoch["train_accuracy"] in (0, 1 / 3, 2 / 3, 1)
    from nesy.synth.nlregex.model import load

    model = load(tmp_path / "tuned")
    assert (model.hidden, model.embed) == (16, 8)

    answer = run_cli_in_process("synth", "regex", "--nl", "lines with 'cat'", "--model", run,
                                "--beam", 3, "--format", "json")
    assert answer.returncode in (0, 1), answer.stderr  # an untrained model may find nothing
    if answer.returncode == 0:
        assert set(json.loads(answer.stdout)) >= {"brics", "python", "runner_up"}


def test_bad_flags_are_usage_errors(tmp_path):
    cases = [(["train", "regex", "--data", "turk+nope"], "unknown NL-RX data set 'nope'"),
             (["synth", "regex", "--model", "x"], "--model goes with --nl"),
             (["synth", "regex"], "give task files, or a description with --nl"),
             (["synth", "regex", "t.txt", "--nl", "x"], "not both"),
             (["synth", "regex", "--nl", "x", "--model", tmp_path / "none.pt"], "no translator model"),
             (["train", "regex", "--init", tmp_path / "none.pt"], "no translator model"),
             (["train", "regex", "--risk-ce", "2"], "must be between 0 and 1")]
    for args, message in cases:
        result = run_cli_in_process(*args, *(["--out", tmp_path / "o"] if args[0] == "train" else []))
        assert result.returncode in (1, 2) and message in result.stderr, (args, result.stderr)
