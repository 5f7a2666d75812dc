"""`nesy train scan --model nesy`: the grammar learner as a `Pipeline`, so it gets the shared
trainer's metrics.jsonl, checkpoints, resume and summary line like the neural baselines.

Learning is symbolic: epoch 1 learns the grammar from the whole training file (one "batch"),
writes it to DIR/interpreter.nesy (and DIR/grammar.json), and the test accuracy is that of
the written program run by nesy's engine. The model is a torch module only so that the
trainer can checkpoint it: its state is the grammar (`get_extra_state`), and its one
parameter is empty. Later epochs have nothing to learn and only evaluate again.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from nesy.files import atomic_write_text, read_text
from nesy.pipelines._scan_grammar import Grammar, learn
from nesy.pipelines._scan_program import program_text, translate_all
from nesy.pipelines.base import BatchResult, Pipeline

PROGRAM_NAME = "interpreter.nesy"
GRAMMAR_NAME = "grammar.json"
FAILURES_NAME = "test_failures.txt"


class GrammarModel(torch.nn.Module):
    """Holds the learned grammar (as JSON data) in its state dict."""

    def __init__(self):
        super().__init__()
        self.empty = torch.nn.Parameter(torch.zeros(0))  # the optimizer needs a parameter
        self.grammar: dict | None = None

    def get_extra_state(self) -> Any:
        return {"grammar": self.grammar}

    def set_extra_state(self, state: Any) -> None:
        self.grammar = state["grammar"]


class ScanNesyPipeline(Pipeline):
    def __init__(self, name: str, train, test, out: Path, config: dict, seed: int):
        self.name = name
        self.train, self.test, self.out = train, test, Path(out)
        self.model = GrammarModel()
        self._config = config
        self.seed = seed

    def config(self) -> dict[str, Any]:
        return self._config

    def train_batches(self, epoch: int, batch_size: int, seed: int) -> list:
        return [] if self.model.grammar is not None else [self.train]

    def batch_result(self, batch) -> BatchResult:
        grammar = learn(((p.command, p.actions) for p in batch), seed=self.seed)
        self.model.grammar = grammar.to_json()
        example = max(batch, key=lambda p: (len(set(p.command)), -len(p.command)))
        atomic_write_text(self.out / GRAMMAR_NAME, json.dumps(self.model.grammar, indent=1) + "\n")
        atomic_write_text(self.out / PROGRAM_NAME, program_text(grammar, len(batch), example.command))
        distinct = set(batch)
        correct = sum(grammar.translate(p.command) == [p.actions] for p in distinct)
        wrong = len(distinct) - correct
        # the "loss" is the fraction of training pairs the grammar gets wrong
        loss = self.model.empty.sum() + wrong / len(distinct)
        return BatchResult(loss, correct, len(distinct))  # train_accuracy: over distinct pairs

    def evaluate(self) -> dict[str, float]:
        import nesy

        grammar = Grammar.from_json(self.model.grammar)
        program = nesy.compile(read_text(self.out / PROGRAM_NAME, "a nesy program"), str(self.out / PROGRAM_NAME))
        results = translate_all(program, grammar, [p.command for p in self.test])
        failures = [(p, r) for p, r in zip(self.test, results) if r.actions != p.actions]
        lines = [f"{' '.join(p.command)}\t{r.problem or 'wrong: ' + ' '.join(r.actions)}" for p, r in failures]
        atomic_write_text(self.out / FAILURES_NAME, "".join(line + "\n" for line in lines))
        return {"test_accuracy": 1 - len(failures) / len(self.test),
                "test_unknown_words": sum(1 for _, r in failures if r.problem and r.problem.startswith("unknown")),
                "rules": len(grammar.rules)}
