"""The neural baseline of `nesy train clevr --model neural`: no symbolic executor, no object
boxes, no programs. A small CNN reads the whole picture, a GRU the question's words, and
FiLM (feature-wise linear modulation, Perez et al. 2018) lets the question scale and shift
the picture's feature maps before a classifier picks one of CLEVR's answers. It trains on
the same questions, answers and pictures as the nesy learner, through the same trainer and
metrics (`test_accuracy`, `family/NAME`), for the side-by-side table of
`benchmarks/clevr.py`.

The vocabulary is read from the training questions (it goes into the run's config, so a
checkpoint carries it); the answers are CLEVR's closed set (yes, no, 0-10, every attribute
value).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from nesy.datasets.clevr.vocab import ATTRIBUTES, VALUES
from nesy.errors import DataError
from nesy.pipelines._clevr_learn import shuffled_batches, scores
from nesy.pipelines.base import BatchResult, Pipeline

#: The picture as the network sees it (width, height): a quarter of CLEVR's 320x240 in each
#: direction, where a small object is still about 5 pixels wide.
PICTURE = (96, 72)
#: Every answer a CLEVR question can have.
ANSWERS = ["yes", "no", *(str(n) for n in range(11)), *(v for a in ATTRIBUTES for v in VALUES[a])]
PAD, UNKNOWN = 0, 1


def words(question: str) -> list[str]:
    return re.findall(r"[a-z]+|\d+|[?;,]", question.lower())


def vocabulary(questions) -> list[str]:
    """The words of the training questions, with the padding and unknown tokens first."""
    return ["<pad>", "<unk>", *sorted({w for q in questions for w in words(q.question)})]


@dataclass
class PictureSplit:
    """Questions with their pictures (uint8, [scenes, 3, H, W]) and word ids."""

    scenes: list[dict]
    questions: list
    pictures: torch.Tensor
    tokens: torch.Tensor  # [questions, longest], PAD-padded
    lengths: torch.Tensor
    scene_of: list[int]
    answers: torch.Tensor  # index in ANSWERS, -1 when the answer is not one of them


def load_pictures(folder: Path, scenes: list[dict], questions: list, vocab: list[str]) -> PictureSplit:
    from PIL import Image

    position = {scene["image_index"]: s for s, scene in enumerate(scenes)}
    pictures = []
    for scene in scenes:
        path = folder / "images" / scene["image_filename"]
        try:
            with Image.open(path) as opened:
                image = opened.convert("RGB").resize(PICTURE, Image.BILINEAR)
        except OSError as err:
            raise DataError(f"cannot read the picture {path}: {err}") from None
        pictures.append(torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1))
    ids = {w: i for i, w in enumerate(vocab)}
    encoded = [[ids.get(w, UNKNOWN) for w in words(q.question)] or [UNKNOWN] for q in questions]
    tokens = torch.zeros(len(questions), max(map(len, encoded), default=1), dtype=torch.long)
    for row, seq in enumerate(encoded):
        tokens[row, :len(seq)] = torch.tensor(seq)
    for q in questions:
        if q.image_index not in position:
            raise DataError(f"question {q.question_index} is about image {q.image_index}, which "
                            f"the scenes file does not have")
    answers = torch.tensor([ANSWERS.index(q.answer) if q.answer in ANSWERS else -1 for q in questions])
    return PictureSplit(scenes, questions, torch.stack(pictures), tokens,
                        torch.tensor([len(s) for s in encoded]), [position[q.image_index] for q in questions],
                        answers)


class FilmBlock(nn.Module):
    """A residual 3x3 convolution whose output the question scales and shifts, channel by
    channel."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels + 2, channels, 3, padding=1)

    def forward(self, x, gamma, beta, coords):
        y = self.conv(torch.cat([x, coords], dim=1))
        return x + torch.relu(gamma[:, :, None, None] * y + beta[:, :, None, None])


class FilmModel(nn.Module):
    def __init__(self, vocab_size: int, channels: int = 48, hidden: int = 128, blocks: int = 3):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, channels, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.ReLU())
        self.embed = nn.Embedding(vocab_size, 64, padding_idx=PAD)
        self.gru = nn.GRU(64, hidden, batch_first=True)
        self.film = nn.Linear(hidden, 2 * channels * blocks)
        self.blocks = nn.ModuleList(FilmBlock(channels) for _ in range(blocks))
        self.classify = nn.Sequential(nn.Linear(channels + hidden, 256), nn.ReLU(), nn.Linear(256, len(ANSWERS)))

    def forward(self, pictures: torch.Tensor, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """[batch, 3, H, W] uint8 pictures and their questions -> [batch, answers] logits."""
        x = self.stem(pictures.float() / 255)
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(tokens), lengths, batch_first=True,
                                                   enforce_sorted=False)
        question = self.gru(packed)[1][0]
        h, w = x.shape[2:]
        coords = torch.stack(torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w),
                                            indexing="ij")).expand(len(x), 2, h, w)
        film = self.film(question).view(len(x), len(self.blocks), 2, -1)
        for b, block in enumerate(self.blocks):
            x = block(x, 1 + film[:, b, 0], film[:, b, 1], coords)
        return self.classify(torch.cat([x.amax(dim=(2, 3)), question], dim=1))


class NeuralLearner(Pipeline):
    """`nesy train clevr --model neural`: the pipeline the shared trainer runs."""

    name = "clevr"
    headline = "test_accuracy"

    def __init__(self, train: PictureSplit, val: PictureSplit, vocab: list[str], config: dict):
        self.train, self.val = train, val
        self._config = {**config, "vocabulary": vocab}
        self.model = FilmModel(len(vocab))

    def config(self) -> dict:
        return dict(self._config)

    def train_batches(self, epoch: int, batch_size: int, seed: int):
        return shuffled_batches(range(len(self.train.questions)), epoch, batch_size, seed)

    def batch_result(self, batch) -> BatchResult:
        logits = logits_of(self.model, self.train, batch)
        truth = self.train.answers[batch]
        loss = nn.functional.cross_entropy(logits, truth.clamp_min(0), reduction="none")
        loss = (loss * (truth >= 0)).mean()
        return BatchResult(loss, int((logits.argmax(1) == truth).sum()), len(batch))

    def evaluate(self) -> dict[str, float]:
        return evaluate(self.model, self.val)[0]


def logits_of(model: FilmModel, split: PictureSplit, batch: list[int]) -> torch.Tensor:
    index = torch.tensor(batch, dtype=torch.long)
    return model(split.pictures[[split.scene_of[q] for q in batch]], split.tokens[index], split.lengths[index])


def evaluate(model: FilmModel, split: PictureSplit, batch_size: int = 256):
    """(metrics, predictions): accuracy overall and per family, as the nesy learner's."""
    predictions = []
    for start in range(0, len(split.questions), batch_size):
        batch = list(range(start, min(start + batch_size, len(split.questions))))
        predictions.extend(ANSWERS[i] for i in logits_of(model, split, batch).argmax(1).tolist())
    return scores(split.questions, predictions), predictions
