"""metrics.jsonl: one JSON object per finished epoch, and an optional PNG plot of it.

The file is rewritten whole (atomically) after each epoch from the run's history, which the
checkpoint also holds; so the file always ends at a complete epoch, and a resumed run first
rewrites it from the checkpoint, dropping any epoch the checkpoint never recorded.
"""
from __future__ import annotations

import json
from pathlib import Path

from nesy.files import atomic_write, atomic_write_text

METRICS_NAME = "metrics.jsonl"
PLOT_NAME = "metrics.png"


def write_metrics(path: Path, history: list[dict]) -> None:
    atomic_write_text(path, "".join(json.dumps(record) + "\n" for record in history))


def format_epoch(record: dict, epochs: int) -> str:
    """`epoch 3/5  loss 0.1234  train_accuracy 96.1%  test_accuracy 97.0%  2.1 s`"""
    parts = [f"epoch {record['epoch']}/{epochs}", f"loss {record['loss']:.4f}"]
    parts += [f"{key} {value:.1%}" for key, value in record.items() if key.endswith("accuracy")]
    parts.append(f"{record['seconds']:.1f} s")
    return "  ".join(parts)


def plot_metrics(history: list[dict], path: Path, title: str) -> None:
    """Loss and every accuracy against the epoch, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display: this runs in terminals and CI
    import matplotlib.pyplot as plt

    epochs = [record["epoch"] for record in history]
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(10, 4))
    loss_axes.plot(epochs, [record["loss"] for record in history], marker="o")
    loss_axes.set(xlabel="epoch", ylabel="training loss", title="loss")
    for key in [key for key in history[0] if key.endswith("accuracy")]:
        accuracy_axes.plot(epochs, [record[key] for record in history], marker="o", label=key)
    accuracy_axes.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    accuracy_axes.legend()
    figure.suptitle(title)
    figure.tight_layout()
    try:
        atomic_write(path, lambda file: figure.savefig(file, format="png"))
    finally:
        plt.close(figure)
