"""The neural baselines of `nesy train scan`: a GRU encoder-decoder with attention (Lake &
Baroni's best overall kind of model, smaller) and a small Transformer, trained with teacher
forcing and scored by greedy decoding, exact match over the whole test file.

They are sized for a CPU budget (see docs/scan.md), not tuned: their role is to show the
published failure pattern (near 100% on the simple split, low on add-jump and length) beside
the learned grammar, trained through the same trainer on the same pairs.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from nesy.pipelines.base import BatchResult, Pipeline

PAD, SOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<sos>", "<eos>", "<unk>")
EMBED = 64
HIDDEN = 128
EVAL_BATCH = 512
#: Test pairs scored after an epoch before the last one (the last is scored on every pair):
#: greedy decoding is most of a baseline's CPU time.
PROGRESS_TEST_PAIRS = 500


class Vocabulary:
    """Tokens seen in training, after the four special ones; an unseen token reads as <unk>."""

    def __init__(self, sequences: Sequence[Sequence[str]]):
        self.tokens = list(SPECIALS) + sorted({t for s in sequences for t in s})
        self.index = {t: i for i, t in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: Sequence[str], eos: bool = False) -> list[int]:
        return [self.index.get(t, UNK) for t in tokens] + ([EOS] if eos else [])


def _pad(rows: list[list[int]]) -> torch.Tensor:
    out = torch.full((len(rows), max(map(len, rows))), PAD, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, :len(row)] = torch.tensor(row, dtype=torch.long)
    return out


class GRUAttention(nn.Module):
    """Bidirectional GRU encoder; GRU decoder with (Luong, dot-product) attention over the
    encoder states. Attention reads the decoder state after each step, so with teacher
    forcing the whole target is decoded in one call of the GRU (a CPU budget matter)."""

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.embed_in = nn.Embedding(n_in, EMBED, padding_idx=PAD)
        self.embed_out = nn.Embedding(n_out, EMBED, padding_idx=PAD)
        self.encoder = nn.GRU(EMBED, HIDDEN // 2, batch_first=True, bidirectional=True)
        self.decoder = nn.GRU(EMBED, HIDDEN, batch_first=True)
        self.combine = nn.Linear(2 * HIDDEN, HIDDEN)
        self.out = nn.Linear(HIDDEN, n_out)
        self.dropout = nn.Dropout(0.1)

    def _encode(self, src):
        memory, last = self.encoder(self.dropout(self.embed_in(src)))
        return memory, torch.cat([last[0], last[1]], -1)[None], src == PAD

    def _decode(self, tokens, state, memory, mask):
        states, state = self.decoder(self.dropout(self.embed_out(tokens)), state)
        scores = (states @ memory.transpose(1, 2)).masked_fill(mask[:, None], -1e9)
        context = scores.softmax(-1) @ memory
        return self.out(torch.tanh(self.combine(torch.cat([states, context], -1)))), state

    def forward(self, src, tgt_in):
        memory, state, mask = self._encode(src)
        return self._decode(tgt_in, state, memory, mask)[0]

    def greedy(self, src, max_len: int):
        memory, state, mask = self._encode(src)
        token = torch.full((src.shape[0], 1), SOS, dtype=torch.long)
        out = []
        for _ in range(max_len):
            logits, state = self._decode(token, state, memory, mask)
            token = logits[:, -1].argmax(-1, keepdim=True)
            out.append(token)
            if bool((torch.cat(out, 1) == EOS).any(1).all()):
                break
        return torch.cat(out, 1)


class SmallTransformer(nn.Module):
    """An encoder-decoder Transformer (2+2 layers, 4 heads, d=64) with sinusoidal positions."""

    def __init__(self, n_in: int, n_out: int, d: int = EMBED, max_len: int = 512):
        super().__init__()
        self.d = d
        self.embed_in = nn.Embedding(n_in, d, padding_idx=PAD)
        self.embed_out = nn.Embedding(n_out, d, padding_idx=PAD)
        position = torch.arange(max_len)[:, None]
        rate = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
        table = torch.zeros(max_len, d)
        table[:, 0::2], table[:, 1::2] = torch.sin(position * rate), torch.cos(position * rate)
        self.register_buffer("position", table, persistent=False)
        self.transformer = nn.Transformer(d, nhead=4, num_encoder_layers=2, num_decoder_layers=2,
                                          dim_feedforward=2 * HIDDEN, dropout=0.1, batch_first=True)
        self.out = nn.Linear(d, n_out)

    def _embed(self, embedding, tokens):
        return embedding(tokens) * math.sqrt(self.d) + self.position[:tokens.shape[1]]

    def forward(self, src, tgt_in):
        causal = self.transformer.generate_square_subsequent_mask(tgt_in.shape[1])
        hidden = self.transformer(self._embed(self.embed_in, src), self._embed(self.embed_out, tgt_in),
                                  tgt_mask=causal, src_key_padding_mask=src == PAD,
                                  tgt_key_padding_mask=tgt_in == PAD, memory_key_padding_mask=src == PAD)
        return self.out(hidden)

    def greedy(self, src, max_len: int):
        memory = self.transformer.encoder(self._embed(self.embed_in, src), src_key_padding_mask=src == PAD)
        tokens = torch.full((src.shape[0], 1), SOS, dtype=torch.long)
        for _ in range(max_len):
            causal = self.transformer.generate_square_subsequent_mask(tokens.shape[1])
            hidden = self.transformer.decoder(self._embed(self.embed_out, tokens), memory, tgt_mask=causal,
                                              memory_key_padding_mask=src == PAD)
            tokens = torch.cat([tokens, self.out(hidden[:, -1]).argmax(-1, keepdim=True)], 1)
            if bool((tokens == EOS).any(1).all()):
                break
        return tokens[:, 1:]


class ScanNeuralPipeline(Pipeline):
    def __init__(self, name: str, kind: str, train, test, config: dict, samples: int, epochs: int):
        self.name = name
        self.epochs, self.epoch = epochs, 0
        self.train, self.test = train, test
        self.commands = Vocabulary([p.command for p in train])
        self.actions = Vocabulary([p.actions for p in train])
        model = GRUAttention if kind == "seq2seq" else SmallTransformer
        self.model = model(len(self.commands), len(self.actions))
        self.samples = samples
        self.max_len = max(50, 2 * max(len(p.actions) for p in train) + 10)
        self._config = {**config, "samples": samples}

    def config(self) -> dict[str, Any]:
        return self._config

    def train_batches(self, epoch: int, batch_size: int, seed: int) -> list:
        self.epoch = epoch
        rng = np.random.default_rng([seed, epoch])
        rounds = -(-self.samples // len(self.train))
        order = np.concatenate([rng.permutation(len(self.train)) for _ in range(rounds)])[:self.samples]
        return [self._batch([self.train[i] for i in order[start:start + batch_size]])
                for start in range(0, len(order), batch_size)]

    def _batch(self, pairs):
        src = _pad([self.commands.encode(p.command) for p in pairs])
        tgt = _pad([self.actions.encode(p.actions, eos=True) for p in pairs])
        tgt_in = torch.cat([torch.full((len(pairs), 1), SOS, dtype=torch.long), tgt[:, :-1]], 1)
        return src, tgt_in, tgt

    def batch_result(self, batch) -> BatchResult:
        src, tgt_in, tgt = batch
        logits = self.model(src, tgt_in)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=PAD)
        right = ((logits.argmax(-1) == tgt) | (tgt == PAD)).all(1)
        return BatchResult(loss, int(right.sum()), len(tgt))

    def evaluate(self) -> dict[str, float]:
        """Exact match over the whole test file after the last epoch; before it, over its
        first PROGRESS_TEST_PAIRS pairs (`test_accuracy_sample`), to show progress cheaply."""
        if self.epoch < self.epochs:
            return {"test_accuracy_sample": self._exact_match(self.test[:PROGRESS_TEST_PAIRS])}
        return {"test_accuracy": self._exact_match(self.test)}

    def _exact_match(self, test) -> float:
        correct = 0
        for start in range(0, len(test), EVAL_BATCH):
            pairs = test[start:start + EVAL_BATCH]
            src = _pad([self.commands.encode(p.command) for p in pairs])
            predicted = self.model.greedy(src, self.max_len).tolist()
            for pair, row in zip(pairs, predicted):
                row = row[:row.index(EOS)] if EOS in row else None
                correct += row is not None and row == self.actions.encode(pair.actions)
        return correct / len(test)
