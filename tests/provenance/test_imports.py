"""A run on plain floats never imports torch (two seconds of start-up) under the boolean and
formula provenances; only the tensor-valued probability ones and training need it."""
from __future__ import annotations

import subprocess
import sys

PROGRAM = "rel 0.5::e(0, 1)\nrel 0.5::e(1, 2)\nrel p(a, b) = e(a, b) or (e(a, c) and p(c, b))\nquery p"


def test_exact_proofs_topkproofs_and_unit_runs_do_not_load_torch():
    code = (f"import sys, nesy\nprogram = nesy.compile({PROGRAM!r})\n"
            "for name in ('unit', 'exact', 'proofs', 'topkproofs'):\n"
            "    assert program.run(provenance=name)['p'].tuples, name\n"
            "    assert 'torch' not in sys.modules, name\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
