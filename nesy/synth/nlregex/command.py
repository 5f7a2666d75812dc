"""`nesy synth regex --nl TEXT [--model DIR] [--examples FILE]`: a regex from an English
description, by the translator and nesy's re-ranking (`rerank.choose`); with examples, they
constrain the answer and the regex-from-examples synthesiser repairs it when no candidate of
the beam fits."""
from __future__ import annotations

import json

from nesy.errors import NesyError, UsageError


def add_arguments(parser) -> None:
    from nesy.argtypes import int_between

    parser.add_argument("--nl", metavar="TEXT",
                        help="an English description to translate into a regex (quote the "
                             "literal strings: \"lines containing 'dog'\")")
    parser.add_argument("--model", metavar="PATH", action="append",
                        help="with --nl: a translator (a `nesy train regex` run directory or "
                             "checkpoint, or a saved model; default: the shipped ensemble); "
                             "repeated, or a directory of saved models, an ensemble")
    parser.add_argument("--examples", metavar="FILE",
                        help="with --nl: positive and negative strings the regex must respect "
                             "(a task file: `++` positives, `--` negatives, or JSON)")
    parser.add_argument("--beam", type=int_between(1, 100), default=10, metavar="K",
                        help="with --nl: beam width (default 10)")


def check_arguments(args) -> bool:
    """Whether this is a `--nl` command; a UsageError for flags that need the other mode."""
    if args.nl is None:
        for flag in ("model", "examples"):
            if getattr(args, flag) is not None:
                raise UsageError(f"--{flag} goes with --nl")
        if not args.tasks:
            raise UsageError("give task files, or a description with --nl")
        return False
    if args.tasks:
        raise UsageError("give either task files or --nl, not both")
    if not args.nl.strip():
        raise UsageError("--nl needs a description")
    return True


def run(args) -> int:
    import torch

    from nesy.synth.domains.regex import to_text
    from nesy.synth.nlregex.model import load
    from nesy.synth.nlregex.translate import translate
    from nesy.synth.regex import load_task

    positives = negatives = ()
    if args.examples is not None:
        task = load_task(args.examples, args.alphabet)
        positives, negatives = task.positives, task.negatives
    model = load(args.model)
    with torch.no_grad():
        choice = translate(model, args.nl, args.beam, positives, negatives, args.timeout)
    if choice.regex is None:
        raise NesyError("no regex found: no candidate of the beam parses"
                        + (" or fits the examples, and the synthesiser found none in time"
                           if positives or negatives else ""))
    try:
        python = to_text(choice.regex, "python")
    except UsageError:
        python = None
    result = {"description": args.nl, "brics": choice.text, "python": python,
              "repaired": choice.repaired, "runner_up": choice.runner_up,
              "disagreement": choice.disagreement}
    if args.format == "json":
        print(json.dumps(result, indent=2))
        return 0
    print(f"brics:  {choice.text}")
    print(f"python: {python if python is not None else '(none: Python re has no & or ~)'}")
    if choice.repaired:
        print("(no candidate of the beam fit the examples: synthesised from the examples)")
    if choice.runner_up is not None:
        print(f"runner-up: {choice.runner_up}  (they differ on {choice.disagreement!r})")
    return 0
