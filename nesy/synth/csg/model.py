"""The neural proposal model (CSGNet-style): a CNN reads the 64x64 picture, a GRU decodes the
program's postfix tokens one by one, conditioned on the picture's features at every step.

Tokens: the 396 primitives (vocabulary order), `+`, `*`, `-`, and the stop token `$`; decoding
starts from a start token. `beam_search` decodes only well-formed postfix programs: a
primitive while the stack can still be reduced within the length limit, an operation when two
operands are on the stack, the stop token when exactly one is. The search uses the beam's
programs as starting points and the model's primitive probabilities as a prior (see
`nesy.synth.csg.solve`, system "guided"). torch is imported here only.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from nesy.errors import NesyError
from nesy.files import read_model, unpack_state, write_model
from nesy.synth.csg import raster
from nesy.synth.csg.language import OPERATIONS, Leaf, Node, Program, index

PRIMITIVES = len(raster.vocabulary())
OP_TOKENS = {op: PRIMITIVES + k for k, op in enumerate(OPERATIONS)}
STOP = PRIMITIVES + 3
START = STOP + 1
TOKENS = STOP + 1  # what the decoder predicts
MAX_LENGTH = 13
SHIPPED = Path(__file__).with_name("proposal.pt")


class Proposal(nn.Module):
    def __init__(self, hidden: int = 256, embed: int = 64):
        super().__init__()
        self.hidden, self.embed = hidden, embed
        layers, channels = [], 1
        for out in (16, 32, 64, 64):
            layers += [nn.Conv2d(channels, out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            channels = out
        self.encoder = nn.Sequential(*layers, nn.Flatten(), nn.Linear(64 * 4 * 4, hidden), nn.ReLU())
        self.embedding = nn.Embedding(START + 1, embed)
        self.gru = nn.GRU(embed + hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, TOKENS)

    def config(self) -> dict:
        return {"hidden": self.hidden, "embed": self.embed}

    def features(self, pictures: torch.Tensor) -> torch.Tensor:
        return self.encoder(pictures.unsqueeze(1))

    def forward(self, pictures: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        """Logits (batch, steps, TOKENS) for teacher-forced inputs (batch, steps)."""
        feats = self.features(pictures)
        steps = inputs.shape[1]
        x = torch.cat([self.embedding(inputs), feats[:, None, :].expand(-1, steps, -1)], dim=-1)
        hidden, _ = self.gru(x, feats[None].contiguous())
        return self.out(hidden)

    def step(self, feats, token, state):
        x = torch.cat([self.embedding(token), feats], dim=-1)[:, None, :]
        hidden, state = self.gru(x, state)
        return self.out(hidden[:, 0]), state


def tokens(program: Program) -> list[int]:
    """The program's postfix tokens followed by the stop token."""
    def walk(p):
        if isinstance(p, Leaf):
            return [index(p.primitive)]
        return walk(p.left) + walk(p.right) + [OP_TOKENS[p.op]]
    return walk(program) + [STOP]


def from_tokens(ids) -> Program:
    vocabulary, ops = raster.vocabulary(), {v: k for k, v in OP_TOKENS.items()}
    stack: list[Program] = []
    for t in ids:
        if t < PRIMITIVES:
            stack.append(Leaf(vocabulary[t]))
        elif t in ops:
            right = stack.pop()
            stack.append(Node(ops[t], stack.pop(), right))
    return stack[0]


def batch_tensors(programs, pictures) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pictures, decoder inputs (start + tokens) and targets (tokens + stop, padded with -100)."""
    seqs = [tokens(p) for p in programs]
    width = max(len(s) for s in seqs)
    inputs = torch.full((len(seqs), width), STOP, dtype=torch.long)
    targets = torch.full((len(seqs), width), -100, dtype=torch.long)
    for row, seq in enumerate(seqs):
        inputs[row, 0] = START
        inputs[row, 1:len(seq)] = torch.tensor(seq[:-1])
        targets[row, :len(seq)] = torch.tensor(seq)
    return torch.as_tensor(np.asarray(pictures), dtype=torch.float32), inputs, targets


@torch.no_grad()
def beam_search(model: Proposal, picture: np.ndarray, beam: int = 10,
                max_length: int = MAX_LENGTH) -> tuple[list[tuple[Program, float]], np.ndarray]:
    """Up to `beam` well-formed programs, best (log-probability) first, and the model's mean
    probability of each primitive over the decoding steps of the final beam."""
    model.eval()
    feats = model.features(torch.as_tensor(picture, dtype=torch.float32)[None])
    state = feats[None].contiguous()
    seqs, depth = [[]], np.zeros(1, dtype=int)
    scores = torch.zeros(1)
    token = torch.tensor([START])
    finished: list[tuple[list[int], float]] = []
    prior = torch.zeros(PRIMITIVES)
    for t in range(max_length + 1):
        logits, state = model.step(feats.expand(len(seqs), -1), token, state)
        logp = torch.log_softmax(logits, dim=-1)
        prior += logp[:, :PRIMITIVES].exp().mean(dim=0)
        left = max_length - t  # tokens still allowed, this one included
        allowed = torch.zeros(len(seqs), TOKENS, dtype=torch.bool)
        allowed[:, :PRIMITIVES] = torch.as_tensor(depth + 1 <= left)[:, None]
        allowed[:, PRIMITIVES:STOP] = torch.as_tensor(depth >= 2)[:, None]
        allowed[:, STOP] = torch.as_tensor(depth == 1)
        total = (scores[:, None] + logp).masked_fill(~allowed, -np.inf)
        top = torch.topk(total.flatten(), min(beam, int(allowed.sum())))
        rows, cols = top.indices // TOKENS, top.indices % TOKENS
        keep = []
        for value, r, c in zip(top.values.tolist(), rows.tolist(), cols.tolist()):
            if c == STOP:
                finished.append((seqs[r], value))
            else:
                keep.append((r, c, value))
        if not keep or len(finished) >= beam:
            break
        r_idx = torch.tensor([r for r, _, _ in keep])
        seqs = [seqs[r] + [c] for r, c, _ in keep]
        depth = np.array([depth[r] + (1 if c < PRIMITIVES else -1) for r, c, _ in keep])
        scores = torch.tensor([v for _, _, v in keep])
        token = torch.tensor([c for _, c, _ in keep])
        state = state[:, r_idx]
    finished.sort(key=lambda f: -f[1])
    return ([(from_tokens(s), v) for s, v in finished[:beam]],
            (prior / (t + 1)).numpy())


def save(model: Proposal, path: Path) -> None:
    """The weights with the config, compressed to ship (`nesy.files.write_model`)."""
    write_model(path, model.config(), model.state_dict())


def load(path: Path | str | None = None) -> Proposal:
    """A model saved by `save`, or a training checkpoint of `nesy train csg`; the shipped model
    by default."""
    path = Path(path) if path is not None else SHIPPED
    data = read_model(path, "proposal model")
    if isinstance(data, dict) and "model" in data and "config" in data:  # a training checkpoint
        config = {k: data["config"][k] for k in ("hidden", "embed")}
        state = data["model"]
    elif isinstance(data, dict) and "state" in data:
        config, state = data["config"], data["state"]
    else:
        raise NesyError(f"{path} is not a proposal model")
    model = Proposal(**config)
    try:
        model.load_state_dict(unpack_state(state))
    except (RuntimeError, KeyError, TypeError, AttributeError) as error:
        raise NesyError(f"{path} does not fit the proposal model: {str(error).splitlines()[0]}") from None
    model.eval()
    return model
