"""The `nesy` commands that extension packages fill in, with their one-line help.

`nesy train`, `nesy synth`, `nesy data`, `nesy eval` and `nesy translate` get their
sub-commands from the pipelines, synthesis domains and datasets, whose modules import numpy
(or torch). Their help lives here, in a leaf, so that `nesy --help` can list them without
importing any of those modules; the modules that build them read it from here too.
"""
from __future__ import annotations

COMMAND_HELP = {
    "train": "train a neuro-symbolic pipeline",
    "synth": "synthesise programs from examples",
    "data": "generate a dataset and write it to files",
    "eval": "evaluate a trained model, or a task's reference programs, on a data set",
    "translate": "translate input typed on the command line with a trained model",
}
