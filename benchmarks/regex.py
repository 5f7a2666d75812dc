"""nesy on AlphaRegex's 25 tasks: solved count, seconds, answer sizes, and whether each answer
denotes the language its description names.

    python benchmarks/regex.py                                   # 60 s per task
    python benchmarks/regex.py --timeout 10 --data DIR --json results.json

A smallest regex consistent with a handful of examples need not be the described language
(AlphaRegex's answers are not either), so equivalence to the hand-written reference is
reported, not required. Exits 1 when an answer is wrong on its own examples (checked with
Python's `re`) or a task is unsolved. AlphaRegex (Lee et al., GPCE 2016) reports 25/25 with a
mean of 6.7 s and a median of 1.4 s.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nesy.synth.domains.regex import Inter, matches, parse  # noqa: E402
from nesy.synth.regex import (check_with_re, equivalent, load_task, synthesize,  # noqa: E402
                              to_python)

SHARED = Path(os.environ.get("NESY_SHARED_DATA", ROOT.parent / "shared" / "data"))
DATA = SHARED / "regex" / "alpharegex"

# The language each description names, over {0,1}, written by hand (nesy dialect).
REFERENCES = {
    "no1_start_with_0": "0[01]*",
    "no2_end_with_01": "[01]*01",
    "no3_substring_0101": "[01]*0101[01]*",
    "no4_begin_1_end_0": "1[01]*0",
    "no5_length_at_least3_and_third_0": "[01][01]0[01]*",
    "no6_len_is_3_mul": "([01][01][01])*",
    "no7_zeros_divisible_by_3": "1*(01*01*01*)*",
    "no8_even_zeros": "1*(01*01*)*",
    "no9_5th1": "[01]*1[01][01][01][01]",
    "no10_alternating": "[01]*&~(.*(00|11).*)",
    "no11_0_followed_by_atleast_one_1": "(1|01)*",
    "no12_n_is_ge_3_m_is_even": "0000*(11)*",
    "no13_atmost_2zeros": "1*(01*)?(01*)?",
    "no14_start_cond": "0([01][01])*|1[01]([01][01])*",
    "no15_except_0_and_1": "[01]*&~(0|1)",
    "no16_not_end_with_01": "[01]*&~([01]*01)",
    "no17_atleastone0_atmostone1": "0+|0+10*|0*10+",
    "no18_0110": "[01]*&~(.*01?0.*)",
    "no19_not_contain_substring_100": "[01]*&~(.*100.*)",
    "no20_odd_pos_is_1": "(1[01])*1?",
    "no21_exactly_00_once": "[01]*00[01]*&~(.*000.*)&~(.*00.*00.*)",
    "no22_atleast2_and_not_end_with_10": "[01][01][01]*&~(.*10)",
    "no23_even_0s_and_followed_by_atleast_one_1": "1*(011*011*)*",
    "no24_00_before_11": "[01]*&~(.*11.*00.*)",
    "no25_atmost_one_pair_of_11": "[01]*&~(.*11.*11.*)&~(.*111.*)",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per task")
    parser.add_argument("--data", type=Path, default=DATA, help="the task folder")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()
    paths = sorted(args.data.glob("no*"), key=lambda p: int(p.name[2:].split("_")[0]))
    if not paths:
        parser.error(f"no AlphaRegex tasks in {args.data}")
    rows, failures = [], 0
    binary = parse("[01]*")
    for path in paths:
        task = load_task(path)
        outcome = synthesize(task.positives, task.negatives, task.alphabet, timeout=args.timeout)
        row = {"task": path.name, "seconds": round(outcome.seconds, 3),
               "regex": None, "size": None, "described": None}
        if outcome.regex is None:
            failures += 1
        else:
            wrong = check_with_re(outcome.regex, task.positives, task.negatives)
            failures += wrong is not None
            reference = parse(REFERENCES[path.name])
            examples = list(task.positives) + list(task.negatives)
            agrees = list(matches(reference, examples)) == \
                [True] * len(task.positives) + [False] * len(task.negatives)
            row.update(regex=str(outcome.regex), python=to_python(outcome.regex),
                       size=outcome.regex.size, wrong_on=wrong,
                       described=equivalent(Inter(outcome.regex, binary), reference)
                       if agrees else "examples disagree with the description")
        rows.append(row)
        print(f"{row['task']:<45} {row['seconds']:7.3f}s  size {row['size']!s:>3}  "
              f"described: {row['described']!s:<5}  {row['regex']}", flush=True)
    seconds = [r["seconds"] for r in rows]
    solved = [r for r in rows if r["regex"] is not None]
    print(f"solved {len(solved)}/{len(rows)}; mean {statistics.mean(seconds):.3f} s, median "
          f"{statistics.median(seconds):.3f} s, max {max(seconds):.3f} s; "
          f"{sum(r['described'] is True for r in rows)} answers denote the described language")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
