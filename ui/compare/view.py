"""What the Compare page draws, copied out of its runs: `snapshot` takes each run's map and
thinned curves (under the runner's lock); the charts are in ui/charts/compare.py."""

import numpy as np

from engine import DIVERGED, STOPPED
from engine.images import ImageTrainer
from ui.charts.base import thin
from ui.charts.compare import MAP_RES, RUN_COLORS, GroupSnapshot, RunView
from ui.charts.numbers import count

MAX_POINTS = 300  # training points drawn on each map
MAX_CURVE = 300  # points per loss curve


def snapshot(trainers: list, labels: list[str], resolution: int = MAP_RES) -> GroupSnapshot:
    """Copy each run's map and thinned curves (call under the runner's lock); digits runs have
    no map, and their curves hold the test and shifted-test accuracies."""
    if isinstance(trainers[0], ImageTrainer):
        return _digits(trainers, labels)
    runs = []
    for i, (t, label) in enumerate(zip(trainers, labels, strict=True)):
        h = t.history
        idx = thin(len(h), MAX_CURVE)
        hist = {k: np.asarray(h[k], dtype=np.float64)[idx]
                for k in ("epoch", "train_loss", "test_loss")}
        runs.append(RunView(label, RUN_COLORS[i % len(RUN_COLORS)], t.epoch, t.status,
                            t.status_reason, t.predict_grid(resolution), hist))
    first = trainers[0]
    d = first.data
    keep = thin(len(d.X_train), MAX_POINTS)
    return GroupSnapshot(runs, first.task, first.output, tuple(first.bounds),
                         first.points_train[keep].copy(), d.y_train[keep].copy(),
                         first.target_range())


def _digits(trainers: list[ImageTrainer], labels: list[str]) -> GroupSnapshot:
    runs = []
    for i, (t, label) in enumerate(zip(trainers, labels, strict=True)):
        h = t.history
        idx = thin(len(h), MAX_CURVE)
        hist = {k: np.asarray(h[k], dtype=np.float64)[idx]
                for k in ("epoch", "train_loss", "test_loss", "test_accuracy",
                          "shifted_accuracy")}
        runs.append(RunView(label, RUN_COLORS[i % len(RUN_COLORS)], t.epoch, t.status,
                            t.status_reason, None, hist))
    none = np.zeros((0, 2))
    return GroupSnapshot(runs, "digits", "softmax", (0.0, 1.0, 0.0, 1.0), none,
                         np.zeros(0, dtype=int))


def status_line(snap: GroupSnapshot, epochs_per_s: float = 0.0) -> str:
    """'Epoch 1,234 · 3 runs · 250 epochs/s' (the epoch of the runs still training)."""
    epochs = [r.epoch for r in snap.runs]
    text = f"Epoch {count(max(epochs))} · {len(epochs)} runs"
    over = sum(r.status in (STOPPED, DIVERGED) for r in snap.runs)
    if over:
        text += f" ({over} finished)"
    if epochs_per_s > 0:
        text += f" · {count(round(epochs_per_s))} epochs/s"
    return text
