"""Compare recurrent networks: RNN, GRU and LSTM (or other settings of one of them) on the
same sequences of one task, in the same order, with the task's baseline on the chart."""

import math
from dataclasses import dataclass

import numpy as np

from engine import OPTIMIZERS
from engine.sequences import CELL_NAMES as CELLS
from engine.sequences import LEARNING_RATES, SequenceConfig, SequenceTrainer
from engine.sequences import RECURRENT_TASKS as TASKS
from ui.charts import sequences as seq_charts
from ui.charts.compare import RUN_COLORS, GroupSnapshot, RunView

from .base import (
    Kind,
    Preset,
    Variable,
    curves,
    epochs_to_reach,
    flag,
    ms_per_epoch,
    num,
    status_text,
)


def _cell(v: str) -> str:
    if v not in CELLS:
        raise ValueError(f"a recurrent comparison compares {', '.join(CELLS.values())}, not "
                         f"{v!r}")
    return v


VARIABLES: dict[str, Variable] = {v.name: v for v in [
    Variable("model", "Cell (RNN, GRU, LSTM)", list(CELLS),
             lambda c, v: c.replace(model=_cell(v)), lambda v: CELLS.get(v, str(v)),
             defaults=("rnn", "gru", "lstm"), order=list(CELLS).index),
    Variable("hidden", "Hidden size", [2, 4, 8, 16, 32, 64],
             lambda c, v: c.replace(hidden=int(v)), lambda v: f"{v} neurons", int, (4, 16, 64),
             str, int),
    Variable("layers", "Layers", [1, 2], lambda c, v: c.replace(layers=int(v)),
             lambda v: f"{v} layer{'s' if v > 1 else ''}", int, (1, 2), str, int),
    Variable("optimizer", "Optimizer", list(OPTIMIZERS), lambda c, v: c.replace(optimizer=v),
             lambda v: OPTIMIZERS[v].label, defaults=("sgd", "adam")),
    Variable("lr", "Learning rate", list(LEARNING_RATES), lambda c, v: c.replace(lr=float(v)),
             lambda v: f"lr {v:g}", float, (0.001, 0.01, 0.1), num, float),
    Variable("clip", "Gradient clipping", [False, True], lambda c, v: c.replace(clip=bool(v)),
             lambda v: "clipped" if v else "not clipped", flag, (False, True),
             lambda v: "true" if v else "false", bool),
    Variable("bptt", "Backpropagation window", [0, 2, 5, 10, 20],
             lambda c, v: c.replace(bptt=int(v)),
             lambda v: f"window {v}" if v else "full", int, (0, 5), str,
             int),
    Variable("batch_size", "Batch size", [8, 16, 32, 64, 128],
             lambda c, v: c.replace(batch_size=int(v)), lambda v: f"batch {v}", int,
             (8, 32, 128), str, int),
]}

PRESETS: dict[str, Preset] = {
    "rnn_gru_lstm": Preset(
        "RNN vs GRU vs LSTM on the adding problem (T = 30)",
        {"task": "adding", "length": 30, "model": "lstm", "max_epochs": 40},
        "model", ("rnn", "gru", "lstm"),
        "The same sequences in the same order. Within a few epochs the GRU and then the LSTM "
        "fall far below the dashed baseline (always answering 1, MSE 1/6); the vanilla RNN "
        "stays on it: what reaches the marked values from the answer 30 steps later is too "
        "small to learn from.", kind="recurrent"),
    "truncation": Preset(
        "Full vs truncated backpropagation (LSTM, adding problem, T = 30)",
        {"task": "adding", "length": 30, "model": "lstm", "max_epochs": 40},
        "bptt", (0, 5),
        "The window of 5 cuts the gradient 5 steps before the answer, yet both learn: the "
        "rule found in the last steps (store a marked value, keep the cell) is applied by the "
        "same weights at every step.", kind="recurrent"),
}


@dataclass
class RecurrentSnapshot(GroupSnapshot):
    """A GroupSnapshot with the task's metric ("accuracy" or "mse") and its baseline."""

    metric: str = "mse"
    baseline: float = math.nan


def snapshot(trainers: list[SequenceTrainer], labels: list[str]) -> RecurrentSnapshot:
    """Copy each run's thinned curves: losses and the test metric."""
    runs = []
    first = trainers[0]
    metric = "test_accuracy" if first.metric == "accuracy" else "test_mse"
    for i, (t, label) in enumerate(zip(trainers, labels, strict=True)):
        hist = curves(t, ("epoch", "train_loss", "test_loss", metric))
        hist["test_metric"] = hist.pop(metric)
        runs.append(RunView(label, RUN_COLORS[i % len(RUN_COLORS)], t.epoch, t.status,
                            t.status_reason, None, hist))
    none = np.zeros((0, 2))
    return RecurrentSnapshot(runs, first.config.task, "sequence", (0.0, 1.0, 0.0, 1.0), none,
                             np.zeros(0, dtype=int), metric=first.metric,
                             baseline=first.baseline)


def figures(snap: RecurrentSnapshot, run_id: int) -> dict:
    return {"cmp_seq": seq_charts.runs_metric_chart(snap.runs, snap.metric, snap.baseline,
                                                    revision=f"seq-{run_id}")}


def recurrent_row(label: str, t: SequenceTrainer, target: float) -> dict:
    """One line of the results table for a recurrent run, with the share of the gradient
    that reaches step 1 (of what reaches step T) for its first layer."""
    h, last = t.history, t.history.last
    test = h["test_loss"]
    grad = t.gradient_through_time()[0]
    row = {
        "run": label,
        "epoch": t.epoch,
        "test loss": last.get("test_loss", math.nan),
        "best test loss": min(test) if test else math.nan,
    }
    if t.metric == "accuracy":
        row["accuracy"] = last.get("test_accuracy", math.nan)
        row["sequence accuracy"] = last.get("test_sequence_accuracy", math.nan)
    else:
        row["test MSE"] = last.get("test_mse", math.nan)
    row |= {
        "baseline": t.baseline,
        "epochs to target": epochs_to_reach(h["epoch"], test, target),
        "ms per epoch": ms_per_epoch(t),
        "parameters": t.model.n_params,
        "gradient at step 1 / step T": float(grad[0] / grad[-1]) if grad[-1] > 0 else math.nan,
        "status": status_text(t),
    }
    return row


def caption(cmp) -> str:
    """What the runs share, said exactly for the setting that varies."""
    start = ("; cells of different shapes start from weights drawn with the same seed"
             if cmp.variable in ("model", "hidden", "layers")
             else ", from the same starting weights")
    return ("Runs train side by side on the same sequences, taken in the same order" + start +
            ". Dashed: the task's baseline, the score of a trivial answer.")


def hidden(values: dict) -> set[str]:
    """Copy's options fix its length: no length box for it."""
    return {"length"} if values.get("task") == "copy" else set()


def adjust(base: SequenceConfig, shared: dict) -> dict:
    """Copy takes its length from its options."""
    return shared | ({"length": 0} if shared.get("task", base.task) == "copy" else {})


KIND = Kind(
    "recurrent", "Recurrent", "RNN, GRU and LSTM on sequence tasks (the Sequences page's).",
    SequenceConfig, SequenceTrainer, VARIABLES, PRESETS,
    shared=("task", "length", "model", "hidden", "layers", "optimizer", "lr", "batch_size",
            "clip", "bptt", "max_epochs", "seed"),
    prefix="cmp.r", top="cmp_seq", snapshot=snapshot, figures=figures, row=recurrent_row,
    caption=caption, default_preset="rnn_gru_lstm", accepts=lambda s: s.recurrent,
    hidden=hidden, adjust=adjust, options={"task": list(TASKS), "model": list(CELLS)})
