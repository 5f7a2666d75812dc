"""CLEVR: what a training step of `nesy train clevr` costs, and the symbolic executor's share.

Runs STEPS training steps (forward, backward, an Adam step with learning rate 0, so every step
sees the same network) of the nesy learner on a `nesy data clevr` folder, with the network as
initialised (the first epoch's regime: every concept uncertain) or loaded from a run's
checkpoint (a late epoch's: most facts negligible), and prints the CPU seconds of the steps,
of the logic (the learner's own clock: the questions' facts, the engine's run and the
answers' formulas evaluated forward, `logic_share` in `metrics.jsonl`) and of the backward
pass, and the questions trained per CPU second. Only the learner's public step is called, so
the same script measures an older checkout side by side (`PYTHONPATH=OLD python
benchmarks/clevr_cost.py ...`: run both alternately, the machine's load moves the seconds).

    python benchmarks/clevr_cost.py --data ~/.cache/nesy/clevr/200x10-objects10-all-seed0 --steps 24
    python benchmarks/clevr_cost.py --data DIR --checkpoint runs/clevr/checkpoint.pt --steps 24
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a `nesy data clevr` folder")
    parser.add_argument("--checkpoint", type=Path, help="a `nesy train clevr` checkpoint (default: as initialised)")
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--provenance", default="difftopkproofs")
    parser.add_argument("--top-k", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import torch

    from nesy.pipelines._clevr_learn import ClevrLearner, DataOptions, load_split, prepare, shuffled_batches

    torch.set_num_threads(1)
    train, val = prepare(DataOptions(data=args.data))
    torch.manual_seed(args.seed)
    k = args.top_k if "topk" in args.provenance else None
    learner = ClevrLearner(load_split(*train), load_split(*val), args.provenance, k, {"perception": "joint"})
    if args.checkpoint is not None:
        from nesy.pipelines.checkpoints import load_checkpoint

        learner.model.load_state_dict(load_checkpoint(args.checkpoint)["model"])
    optimizer = torch.optim.Adam(learner.model.parameters(), lr=0.0)
    batches = shuffled_batches(range(len(learner.train.questions)), 1, args.batch_size, args.seed)
    learner.batch_result(batches[0])  # compiles the executor program (once per process)
    batches = batches[1:args.steps + 1]
    learner._clock = [0.0, time.process_time()]
    backward = 0.0
    start, wall = time.process_time(), time.perf_counter()
    for batch in batches:
        result = learner.batch_result(batch)
        optimizer.zero_grad()
        before = time.process_time()
        result.loss.backward()
        optimizer.step()
        backward += time.process_time() - before
    cpu = time.process_time() - start
    questions = sum(map(len, batches))
    logic = learner._clock[0]
    print(f"{len(batches)} steps, {questions} questions: {cpu:.2f} CPU s ({time.perf_counter() - wall:.2f} s wall), "
          f"{questions / cpu:.1f} questions per CPU second")
    print(f"logic {logic:.2f} s (share {logic / cpu:.2f}), backward and update {backward:.2f} s, "
          f"the rest (networks forward, facts) {cpu - logic - backward:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
