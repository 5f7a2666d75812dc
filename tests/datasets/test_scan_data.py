"""SCAN's generator and splits against the official files, the reader's errors, and
`nesy data scan`."""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from nesy.datasets import scan
from nesy.errors import CompileError, DataError, FileError, UsageError
from nesy_testing import run_cli_in_process

OFFICIAL = Path(os.environ.get("NESY_SHARED_DATA",
                               Path(__file__).resolve().parents[2] / ".." / "shared" / "data")) / "scan"


@pytest.fixture(scope="module")
def official() -> Path:
    if not (OFFICIAL / "tasks.txt").is_file():
        pytest.skip(f"official SCAN files not found under {OFFICIAL} (set NESY_SHARED_DATA)")
    return OFFICIAL


@pytest.fixture(scope="module")
def pairs():
    return scan.generate()


def test_generator_gives_the_official_lines_byte_for_byte(official, pairs):
    # tasks.txt is in an unpublished shuffled order: compare its lines, every byte of each
    ours = scan.format_pairs(pairs).splitlines(keepends=True)
    theirs = (official / "tasks.txt").read_bytes().decode().splitlines(keepends=True)
    assert len(ours) == 20910
    assert sorted(ours) == sorted(theirs)


# two splits by default (the official files are absent in CI anyway), all of them with -m slow
@pytest.mark.parametrize("name", [
    pytest.param(s, marks=() if s in ("length", "addprim_jump") else pytest.mark.slow)
    for s in scan.SPLITS if s != "simple"])
def test_rule_defined_splits_equal_the_official_files(official, pairs, name):
    train, test = scan.split(name, pairs)
    train_file, test_file = scan.SPLIT_FILES[name]
    # the official add-primitive files repeat the primitive: compare with multiplicity
    assert Counter(train) == Counter(scan.read(official / train_file))
    assert Counter(test) == Counter(scan.read(official / test_file))


def test_simple_split_is_a_seeded_80_20_partition(official, pairs):
    train, test = scan.split("simple", pairs, seed=3)
    assert (len(train), len(test)) == (16728, 4182)  # the official files' sizes
    assert set(train) | set(test) == set(pairs) and not set(train) & set(test)
    assert scan.split("simple", pairs, seed=3) == (train, test)
    assert scan.split("simple", pairs, seed=4) != (train, test)
    official_train = scan.read(official / scan.SPLIT_FILES["simple"][0])
    assert set(official_train) <= set(pairs)  # the official draw loads as-is


def test_reader_reports_every_malformed_line_located(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("IN: jump OUT: I_JUMP\nOUT: I_WALK\n\nIN: walk I_WALK\nIN:  OUT: X\n")
    with pytest.raises(CompileError) as err:
        scan.read(path)
    lines = [(d.span.line, d.span.column) for d in err.value.diagnostics]
    assert lines == [(2, 1), (4, 1), (5, 1)]
    assert all(d.code == "malformed-scan-line" for d in err.value.diagnostics)
    assert f"{path}:2:1" in str(err.value)


def test_reader_errors_for_empty_and_missing_files(tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(DataError, match="empty"):
        scan.read(tmp_path / "empty.txt")
    with pytest.raises(FileError, match="no such file"):
        scan.read(tmp_path / "missing.txt")
    with pytest.raises(UsageError, match="unknown SCAN split"):
        scan.split("nope")


def test_reader_round_trips_a_written_file(tmp_path, pairs):
    scan.write(tmp_path / "x.txt", pairs[:50])
    assert scan.read(tmp_path / "x.txt") == pairs[:50]


@pytest.mark.slow
def test_nesy_data_scan_writes_every_split(tmp_path, official):
    done = run_cli_in_process("data", "scan", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    for name, (train_file, test_file) in scan.SPLIT_FILES.items():
        if name == "simple":
            continue
        assert set(scan.read(tmp_path / test_file)) == set(scan.read(official / test_file))
    assert sorted((tmp_path / "tasks.txt").read_text().splitlines()) == \
        sorted((official / "tasks.txt").read_text().splitlines())


def test_data_scan_into_a_path_under_a_file_is_a_located_file_error(tmp_path):
    """An --out that cannot be a directory is the user's mistake (exit 1), named, not a crash."""
    (tmp_path / "plain").write_text("x")
    done = run_cli_in_process("data", "scan", "--out", tmp_path / "plain" / "sub")
    assert done.returncode == 1, done.stderr
    assert "plain/sub" in done.stderr and "cannot create the directory" in done.stderr
