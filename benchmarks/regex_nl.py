"""NL-RX-Turk, NL-RX-Synth and KB13 test sets: the plain seq2seq translator against nesy's
re-ranked beam, by DFA-equivalence accuracy (the official measure) and exact-string accuracy.

    python benchmarks/regex_nl.py --model turk=runs/turk --model synth=runs/synth \\
        --model kb13=runs/kb13 --jobs 2 --json results.json
    python benchmarks/regex_nl.py --limit 200             # the shipped ensemble, 200 Turk pairs
    python benchmarks/regex_nl.py --part val --model turk=runs/a --model turk=runs/b  # choose

Each `--model SET=RUN` scores the translator a `nesy train regex` run (or saved model) holds
on that data set's test part; `SET=RUN,RUN,...` (or a directory of saved models) scores those
runs as one ensemble (`nesy.synth.nlregex.model.Ensemble`). Training time is the runs' summed
epoch seconds (metrics.jsonl).
Systems (`nesy.synth.nlregex.translate.SYSTEMS`): `seq2seq` is the beam's most probable regex;
`nesy` drops candidates that do not parse and merges DFA-equivalent ones, summing their
probabilities; `nesy-nontrivial` also drops empty and universal languages. None sees the gold
regex. Published seq2seq figures (Deep-Regex, Locascio et al. 2016): Turk 58.2%, Synth 88.7%,
KB13 65.6% DFA-equivalence accuracy (published).

The evaluator is checked against itself: for a sample of verdicts, strings along random walks
of both automata (and, for "different", a shortest distinguishing string) are run through an independent
membership test (Python's `re` when both regexes can be written for it, else the domain's
bulk infix evaluation, which uses no automaton), and the re-ranker's automata (over compressed
alphabets) must give the same verdict; the script exits 1 when one disagrees.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nesy.errors import UsageError  # noqa: E402
from nesy.synth.domains.regex import matches, parse, to_text  # noqa: E402
from nesy.synth.nlregex import data, rerank  # noqa: E402
from nesy.synth.nlregex.data import detokenize  # noqa: E402
from nesy.synth.nlregex.evaluate import score, verdicts  # noqa: E402
from nesy.synth.nlregex.translate import SYSTEMS, answers  # noqa: E402

PUBLISHED = {"turk": 0.582, "synth": 0.887, "kb13": 0.656}  # Deep-Regex seq2seq, published


def _answers(chunk):
    beams, pairs = chunk
    return answers(beams, pairs)


def run_set(name: str, model_path: str, root, beam: int, limit: int | None, jobs: int,
            part: str = "test"):
    import torch

    from nesy.synth.nlregex.model import load

    torch.set_num_threads(1)
    paths = model_path.split(",") if model_path else None
    model = load(paths)
    pairs = data.load(name, part, root)[:limit]
    start = time.process_time()
    beams = model.beam([p.words for p in pairs], beam)
    beam_seconds = time.process_time() - start
    start = time.perf_counter()
    size = max(1, -(-len(pairs) // (4 * jobs)))
    chunks = [(beams[i:i + size], pairs[i:i + size]) for i in range(0, len(pairs), size)]
    predicted = {s: [] for s in SYSTEMS}
    with ProcessPoolExecutor(jobs) as pool:
        for part in pool.map(_answers, chunks):
            for s in SYSTEMS:
                predicted[s].extend(part[s])
    rerank_seconds = time.perf_counter() - start
    return pairs, predicted, {"beam_cpu_seconds": beam_seconds,
                              "rerank_wall_seconds": rerank_seconds,
                              "train_seconds": _train_seconds(paths or [])}


def _train_seconds(paths: list[str]) -> float | None:
    """The summed epoch seconds of the runs (None when one has no metrics.jsonl)."""
    total = 0.0
    for path in map(Path, paths):
        metrics = (path if path.is_dir() else path.parent) / "metrics.jsonl"
        if not metrics.exists():
            return None
        total += sum(json.loads(line).get("seconds", 0.0)
                     for line in metrics.read_text().splitlines())
    return total or None


def self_check(pairs, predicted, sample: int, rng: random.Random) -> list[str]:
    """Re-verify up to `sample` "equivalent" and `sample` "different" verdicts (among
    predictions that differ from the gold text) with an independent membership test."""
    problems = []
    cases = [(p, t) for p, tokens in zip(pairs, predicted) if tokens is not None
             for t in [detokenize(tokens, p.literals)] if t != p.regex and _parses(t)]
    said = verdicts([data.tokenize(t, p.literals) for p, t in cases], [p for p, _ in cases])
    same = [c for c, v in zip(cases, said) if v]
    different = [c for c, v in zip(cases, said) if not v]
    for (pair, text), equal in ([(c, True) for c in rng.sample(same, min(sample, len(same)))] +
                                [(c, False) for c in rng.sample(different, min(sample, len(different)))]):
        gold, guess = parse(pair.regex, "brics"), parse(text, "brics")
        keys = rerank.languages((gold, guess))  # the re-ranker's compressed automata
        if (keys[0] == keys[1]) != equal:
            problems.append(f"{pair.regex} vs {text}: verdict {equal}, re-ranker's automata "
                            f"{'equal' if keys[0] == keys[1] else 'different'}")
        strings = rerank.sample_strings(gold, rng) + rerank.sample_strings(guess, rng)
        witness = rerank.witness(gold, guess)
        if equal and witness is not None or not equal and witness is None:
            problems.append(f"{pair.regex} vs {text}: verdict {equal}, difference {witness!r}")
            continue
        strings += [witness] if witness is not None else []
        a, b = _membership(gold, strings), _membership(guess, strings)
        if equal and a != b:
            problems.append(f"{pair.regex} == {text}, yet they differ on some of {strings}")
        if not equal and a[-1] == b[-1]:
            problems.append(f"{pair.regex} != {text}, yet both {'accept' if a[-1] else 'reject'} "
                            f"the witness {witness!r}")
    return problems


def _parses(text: str) -> bool:
    try:
        parse(text, "brics")
        return True
    except UsageError:
        return False


def _membership(regex, strings: list[str]) -> list[bool]:
    """Python's `re` where it can express the regex, else the domain's infix evaluation."""
    try:
        compiled = re.compile(to_text(regex, "python"))
        return [bool(compiled.fullmatch(s)) for s in strings]
    except UsageError:
        return [bool(x) for x in matches(regex, strings)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", default=[], metavar="SET=RUN[,RUN...]",
                        help="a data set and the translator to test on it, several runs "
                             "joined by commas for an ensemble (default: the shipped ensemble "
                             "on turk)")
    parser.add_argument("--data", metavar="DIR", help="the NL-RX folder")
    parser.add_argument("--beam", type=int, default=10)
    parser.add_argument("--part", choices=("test", "val"), default="test",
                        help="score the test parts, or the validation parts (for choosing "
                             "models and settings without looking at the test parts)")
    parser.add_argument("--limit", type=int, help="pairs per data set (default: all)")
    parser.add_argument("--jobs", type=int, default=1, help="processes for the re-ranking")
    parser.add_argument("--check", type=int, default=50,
                        help="verdicts of each kind re-verified per data set (default 50)")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    models = [m.split("=", 1) for m in args.model] or [["turk", None]]
    rows, problems = [], []
    for name, path in models:
        pairs, predicted, times = run_set(name, path, args.data, args.beam, args.limit, args.jobs,
                                          args.part)
        row = {"data": name, "part": args.part, "pairs": len(pairs), **times}
        for system in SYSTEMS:
            scores = score(predicted[system], pairs)
            row[system] = {"dfa_accuracy": scores.dfa_accuracy,
                           "exact_accuracy": scores.exact_accuracy}
        rng = random.Random(0)
        found = [f"{name}/{s}: {p}" for s in ("seq2seq", "nesy")
                 for p in self_check(pairs, predicted[s], args.check, rng)]
        problems += found
        row["self_check_problems"] = len(found)
        rows.append(row)
        print(_line(row), flush=True)
    print()
    print(_table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    for problem in problems:
        print("EVALUATOR DISAGREES:", problem, file=sys.stderr)
    return 1 if problems else 0


def _line(row) -> str:
    return (f"{row['data']} {row['part']}: {row['pairs']} pairs, " +
            ", ".join(f"{s} {row[s]['dfa_accuracy']:.1%}" for s in SYSTEMS))


def _table(rows) -> str:
    lines = ["| set | part | pairs | seq2seq DFA | nesy DFA | nesy-nontrivial DFA | seq2seq exact "
             "| nesy exact | published seq2seq DFA | training (s) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        train = f"{r['train_seconds']:.0f}" if r["train_seconds"] else "-"
        lines.append(
            f"| {r['data']} | {r['part']} | {r['pairs']} | {r['seq2seq']['dfa_accuracy']:.1%} | "
            f"{r['nesy']['dfa_accuracy']:.1%} | {r['nesy-nontrivial']['dfa_accuracy']:.1%} | "
            f"{r['seq2seq']['exact_accuracy']:.1%} | {r['nesy']['exact_accuracy']:.1%} | "
            f"{PUBLISHED[r['data']]:.1%} (published) | {train} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
