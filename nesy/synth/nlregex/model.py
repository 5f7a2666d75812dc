"""The translator: a sequence-to-sequence network with attention in Deep-Regex's setting
(description tokens in, regex tokens out; an LSTM encoder-decoder with attention, trained
with teacher forcing), and a beam search batched over descriptions.

Sized for a CPU: a bidirectional LSTM encoder and a two-layer LSTM decoder with dot-product
(Luong) attention read after the decoder, so that with teacher forcing a whole target is one
call of the LSTM. `save` writes 8-bit weights with the vocabularies, the form the
shipped models (`translator.pt` and `translator-2.pt`, trained on NL-RX-Turk, decoding as an
`Ensemble`) take.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import torch
from torch import nn

from nesy.errors import NesyError
from nesy.files import read_model, unpack_state, write_model

PAD, SOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<sos>", "<eos>", "<unk>")
#: The shipped ensemble: two translators trained on NL-RX-Turk (seeds 0 and 1), 8-bit weights
SHIPPED = (Path(__file__).with_name("translator.pt"), Path(__file__).with_name("translator-2.pt"))


class Vocabulary:
    """Tokens after the four special ones; an unseen token reads as <unk>."""

    def __init__(self, tokens: Sequence[str]):
        self.tokens = list(SPECIALS) + [t for t in tokens if t not in SPECIALS]
        self.index = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def of(cls, sequences) -> "Vocabulary":
        return cls(sorted({t for s in sequences for t in s}))

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: Sequence[str], eos: bool = False) -> list[int]:
        return [self.index.get(t, UNK) for t in tokens] + ([EOS] if eos else [])

    def decode(self, ids: Sequence[int]) -> tuple[str, ...]:
        return tuple(self.tokens[i] for i in ids)


def pad(rows: list[list[int]]) -> torch.Tensor:
    out = torch.full((len(rows), max(1, max(map(len, rows), default=1))), PAD, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, :len(row)] = torch.tensor(row, dtype=torch.long)
    return out


class Translator(nn.Module):
    def __init__(self, words: Sequence[str], regex_tokens: Sequence[str], hidden: int = 256,
                 embed: int = 128, layers: int = 2, dropout: float = 0.2):
        super().__init__()
        self.words, self.regex = Vocabulary(words), Vocabulary(regex_tokens)
        self.hidden, self.embed, self.layers, self.dropout_rate = hidden, embed, layers, dropout
        self.embed_in = nn.Embedding(len(self.words), embed, padding_idx=PAD)
        self.embed_out = nn.Embedding(len(self.regex), embed, padding_idx=PAD)
        self.encoder = nn.LSTM(embed, hidden // 2, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(hidden, 2 * layers * hidden)
        self.decoder = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True,
                               dropout=dropout if layers > 1 else 0.0)
        self.combine = nn.Linear(2 * hidden, hidden)
        self.out = nn.Linear(hidden, len(self.regex))
        self.dropout = nn.Dropout(dropout)

    def config(self) -> dict:
        return {"words": self.words.tokens[len(SPECIALS):],
                "regex_tokens": self.regex.tokens[len(SPECIALS):], "hidden": self.hidden,
                "embed": self.embed, "layers": self.layers, "dropout": self.dropout_rate}

    def encode(self, src: torch.Tensor):
        lengths = (src != PAD).sum(1).clamp(min=1)
        packed = nn.utils.rnn.pack_padded_sequence(self.dropout(self.embed_in(src)), lengths.cpu(),
                                                   batch_first=True, enforce_sorted=False)
        memory, _ = self.encoder(packed)
        memory, _ = nn.utils.rnn.pad_packed_sequence(memory, batch_first=True,
                                                     total_length=src.shape[1])
        mask = src == PAD
        mean = memory.masked_fill(mask[..., None], 0).sum(1) / lengths[:, None]
        h, c = torch.tanh(self.bridge(mean)).view(-1, 2, self.layers, self.hidden).permute(1, 2, 0, 3)
        return memory, (h.contiguous(), c.contiguous()), mask

    def decode(self, tokens: torch.Tensor, state, memory, mask):
        states, state = self.decoder(self.dropout(self.embed_out(tokens)), state)
        scores = (states @ memory.transpose(1, 2)).masked_fill(mask[:, None], -1e9)
        context = scores.softmax(-1) @ memory
        mixed = torch.tanh(self.combine(torch.cat([states, context], -1)))
        return self.out(self.dropout(mixed)), state

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        memory, state, mask = self.encode(src)
        return self.decode(tgt_in, state, memory, mask)[0]

    @torch.no_grad()
    def beam(self, descriptions: Sequence[Sequence[str]], width: int = 10, max_len: int = 80,
             batch: int = 256) -> list[list[tuple[tuple[str, ...], float]]]:
        """For each description (tokens), up to `width` regexes (tokens) with their log
        probabilities, most probable first. A finished hypothesis stays in its beam (it can
        only be extended by padding, at no cost), so the beam ends with the `width` best
        sequences it kept, finished or cut at `max_len` (those are dropped)."""
        out = []
        for start in range(0, len(descriptions), batch):
            out.extend(self._beam(descriptions[start:start + batch], width, max_len))
        return out

    def _beam(self, descriptions, width: int, max_len: int):
        was_training = self.training
        self.eval()
        try:
            src = pad([self.words.encode(d) for d in descriptions])
            n, vocab = len(descriptions), len(self.regex)
            memory, (h, c), mask = self.encode(src)
            memory, mask = memory.repeat_interleave(width, 0), mask.repeat_interleave(width, 0)
            state = (h.repeat_interleave(width, 1), c.repeat_interleave(width, 1))
            scores = torch.full((n, width), float("-inf"))
            scores[:, 0] = 0.0
            tokens = torch.full((n * width, 1), SOS, dtype=torch.long)
            history = torch.zeros((n * width, 0), dtype=torch.long)
            done = torch.zeros(n * width, dtype=torch.bool)
            for _ in range(max_len):
                logits, state = self.decode(tokens, state, memory, mask)
                logp = logits[:, -1].log_softmax(-1)
                logp[:, [PAD, SOS, UNK]] = float("-inf")  # no regex token
                finished = torch.full_like(logp, float("-inf"))
                finished[:, PAD] = 0.0
                logp = torch.where(done[:, None], finished, logp)
                total = (scores.view(-1, 1) + logp).view(n, width * vocab)
                scores, chosen = total.topk(width, dim=1)
                origin = (chosen // vocab + torch.arange(n)[:, None] * width).view(-1)
                token = (chosen % vocab).view(-1)
                history = torch.cat([history[origin], token[:, None]], 1)
                done = done[origin] | (token == EOS)
                state = (state[0][:, origin], state[1][:, origin])
                tokens = token[:, None]
                if bool(done.all()):
                    break
            return [self._hypotheses(history[i * width:(i + 1) * width], scores[i], done[i * width:(i + 1) * width])
                    for i in range(n)]
        finally:
            self.train(was_training)

    @torch.no_grad()
    def log_probability(self, descriptions: Sequence[Sequence[str]],
                        regexes: Sequence[Sequence[str]], batch: int = 256) -> list[float]:
        """The log probability of each regex (tokens, <eos> included) given its description,
        by teacher forcing: the score the beam search gives it; -inf for a regex with a
        token outside this translator's vocabulary or a special one (the beam emits neither)."""
        was_training = self.training
        self.eval()
        try:
            out = []
            for start in range(0, len(regexes), batch):
                total = self.sequence_logp(descriptions[start:start + batch],
                                           regexes[start:start + batch]).tolist()
                out.extend(float("-inf") if any(self.regex.index.get(t, UNK) < len(SPECIALS)
                                                for t in regex) else x
                           for regex, x in zip(regexes[start:start + batch], total))
            return out
        finally:
            self.train(was_training)

    def sequence_logp(self, descriptions: Sequence[Sequence[str]],
                      regexes: Sequence[Sequence[str]]) -> torch.Tensor:
        """Each regex's summed token log probabilities (<eos> included) given its description,
        by teacher forcing, differentiable (in whatever mode the module is): the sequence
        scores of `log_probability` and of minimum-risk training (`risk`)."""
        src, tgt_in, tgt = _tensors(self, descriptions, regexes)
        logp = self(src, tgt_in).log_softmax(-1).gather(2, tgt[..., None])[..., 0]
        return logp.masked_fill(tgt == PAD, 0.0).sum(1)

    def _hypotheses(self, rows, scores, done):
        out = []
        for row, score, finished in zip(rows.tolist(), scores.tolist(), done.tolist()):
            if finished and score > float("-inf"):
                out.append((self.regex.decode(row[:row.index(EOS)]), score))
        return out


def warm_start(source: Translator, words: Sequence[str], regex_tokens: Sequence[str]) -> Translator:
    """A translator of `source`'s shape that starts from its weights, over its vocabularies
    extended by `words` and `regex_tokens` (fine-tuning on other pairs or another data set:
    a token `source` knows keeps its embedding and output row, a new one starts fresh)."""
    config = source.config()
    config["words"] = config["words"] + [w for w in words if w not in source.words.index]
    config["regex_tokens"] = config["regex_tokens"] + [t for t in regex_tokens
                                                       if t not in source.regex.index]
    model = Translator(**config)
    state = model.state_dict()
    with torch.no_grad():
        for name, value in source.state_dict().items():
            # vocabulary-sized tensors grow in their first dimension only
            state[name][tuple(slice(0, n) for n in value.shape)] = value
    model.load_state_dict(state)
    return model


def batch_tensors(model: Translator, pairs) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Source ids, decoder inputs (<sos> then the target) and targets (then <eos>)."""
    return _tensors(model, [p.words for p in pairs], [p.regex_tokens for p in pairs])


def _tensors(model: Translator, descriptions, regexes):
    src = pad([model.words.encode(d) for d in descriptions])
    tgt = pad([model.regex.encode(r, eos=True) for r in regexes])
    tgt_in = torch.cat([torch.full((len(regexes), 1), SOS, dtype=torch.long), tgt[:, :-1]], 1)
    return src, tgt_in, tgt


class Ensemble:
    """Several translators decoding as one: the union of their beams, each candidate scored
    by the mean of the members' probabilities (every member scores every candidate, by
    teacher forcing, so a candidate missing from one member's beam still gets that member's
    probability). The result is a beam like one translator's, with probabilities of one
    distribution, so the re-ranker's merging of equivalent candidates applies unchanged."""

    def __init__(self, models: Sequence[Translator]):
        if not models:
            raise NesyError("an ensemble needs at least one translator")
        self.models = list(models)

    @torch.no_grad()
    def beam(self, descriptions: Sequence[Sequence[str]], width: int = 10, max_len: int = 80,
             batch: int = 256) -> list[list[tuple[tuple[str, ...], float]]]:
        beams = [m.beam(descriptions, width, max_len, batch) for m in self.models]
        unions = [list(dict.fromkeys(tokens for b in beams for tokens, _ in b[i]))
                  for i in range(len(descriptions))]
        owners = [d for d, union in zip(descriptions, unions) for _ in union]
        flat = [tokens for union in unions for tokens in union]
        scores = torch.tensor([m.log_probability(owners, flat, batch) for m in self.models])
        mean = (scores.logsumexp(0) - math.log(len(self.models))).tolist()
        out, start = [], 0
        for union in unions:
            ranked = sorted(zip(union, mean[start:start + len(union)]), key=lambda h: -h[1])
            out.append([h for h in ranked if h[1] > float("-inf")])
            start += len(union)
        return out


def save(model: Translator, path: Path | str) -> None:
    """The weights with the config, compressed to ship (`nesy.files.write_model`)."""
    write_model(Path(path), model.config(), model.state_dict())


def load(path: Path | str | Sequence[Path | str] | None = None) -> Translator | Ensemble:
    """A model saved by `save`, a training run directory or checkpoint of `nesy train regex`;
    several of those (a list), or a directory of saved models (`*.pt`, no checkpoint), as an
    `Ensemble`; the shipped ensemble by default."""
    if isinstance(path, (list, tuple)):
        models = [m for p in path for model in [load(p)]
                  for m in (model.models if isinstance(model, Ensemble) else [model])]
        return models[0] if len(models) == 1 else Ensemble(models)
    if path is None:
        return load(list(SHIPPED))
    path = Path(path)
    if path.is_dir():
        # the trainer's checkpoint (nesy.pipelines.checkpoints.CHECKPOINT_NAME; synth stays
        # below pipelines, and tests/pipelines/test_regex_pipeline.py loads a run this way)
        members = sorted(path.glob("*.pt"))
        if members and not (path / "checkpoint.pt").exists():
            return load(members)
        path = path / "checkpoint.pt"
    return _load_one(path)


def _load_one(path: Path) -> Translator:
    data = read_model(path, "translator model")
    if isinstance(data, dict) and "model" in data and "config" in data:  # a training checkpoint
        config, state = data["config"].get("translator"), data["model"]
    elif isinstance(data, dict) and "state" in data:
        config, state = data["config"], data["state"]
    else:
        config, state = None, None
    if not isinstance(config, dict):
        raise NesyError(f"{path} is not a translator model")
    try:
        model = Translator(**config)
        model.load_state_dict(unpack_state(state))
    except (RuntimeError, KeyError, TypeError, AttributeError) as error:
        raise NesyError(f"{path} does not fit the translator model: {str(error).splitlines()[0]}") from None
    model.eval()
    return model
