"""Compare on digits: MLPs and CNNs on the Digits page's data, accuracy on the plain and
the shifted test digits."""

import math

import numpy as np

from engine import OPTIMIZERS
from engine.images import LEARNING_RATES as IMAGE_RATES
from engine.images import ImageConfig, ImageTrainer
from ui.charts import compare as charts
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
    widths_of,
)

# What a digits comparison can vary: the network, the random shifts, the filters, training.
DIGIT_VARIABLES: dict[str, Variable] = {v.name: v for v in [
    Variable("model", "Network (MLP or CNN)", ["mlp", "cnn"],
             lambda c, v: c.replace(model=v), lambda v: {"mlp": "MLP", "cnn": "CNN"}[v],
             defaults=("mlp", "cnn")),
    Variable("augment", "Random shifts", [False, True], lambda c, v: c.replace(augment=bool(v)),
             lambda v: "random shifts" if v else "no shifts", flag, (False, True),
             lambda v: "true" if v else "false", lambda v: bool(v)),
    Variable("filters", "Filters (CNN)", [(2,), (4,), (8,), (16,), (8, 16), (16, 16)],
             lambda c, v: c.replace(model="cnn", filters=tuple(v)),
             lambda v: "filters " + ", ".join(str(x) for x in v), widths_of,
             ((2,), (8,), (16,)), lambda v: ",".join(str(x) for x in v),
             lambda v: (len(v), sum(v), tuple(v))),
    Variable("optimizer", "Optimizer", list(OPTIMIZERS),
             lambda c, v: c.replace(optimizer=v), lambda v: OPTIMIZERS[v].label,
             defaults=("sgd", "adam")),
    Variable("lr", "Learning rate", list(IMAGE_RATES), lambda c, v: c.replace(lr=float(v)),
             lambda v: f"lr {v:g}", float, (0.001, 0.01, 0.1), num, float),
    Variable("batch_size", "Batch size", [8, 16, 32, 64, 128, 256],
             lambda c, v: c.replace(batch_size=int(v)), lambda v: f"batch {v}", int,
             (8, 32, 128), str, int),
    Variable("dropout", "Dropout", [0.0, 0.1, 0.2, 0.3, 0.5],
             lambda c, v: c.replace(dropout=float(v)), lambda v: f"dropout {v:g}", float,
             (0.0, 0.3), num, float),
]}


PRESETS: dict[str, Preset] = {
    "mlp_cnn": Preset("MLP vs CNN on shifted digits",
                      {"model": "cnn", "filters": (8, 16), "hidden": (64,), "max_epochs": 30},
                      "model", ("mlp", "cnn"),
                      "Both read the test digits well. Moved by a pixel or two, the digits "
                      "stump the MLP, whose weights belong to fixed pixels, more than the CNN, "
                      "whose filters slide: compare the dashed lines (shifted test set).",
                      kind="digits"),
    "shifts": Preset("Random shifts on and off (CNN)",
                     {"model": "cnn", "filters": (8, 16), "max_epochs": 30},
                     "augment", (False, True),
                     "Training digits moved at random by up to a pixel: a little lower on the "
                     "plain test set, far higher on the shifted one.", kind="digits"),
}


def digits_row(label: str, t: ImageTrainer, target: float) -> dict:
    """One line of the results table for a digits run."""
    h, last = t.history, t.history.last
    test = h["test_loss"]
    return {
        "run": label,
        "epoch": t.epoch,
        "test loss": last.get("test_loss", math.nan),
        "best test loss": min(test) if test else math.nan,
        "accuracy": last.get("test_accuracy", math.nan),
        "shifted accuracy": last.get("shifted_accuracy", math.nan),
        "epochs to target": epochs_to_reach(h["epoch"], test, target),
        "ms per epoch": ms_per_epoch(t),
        "parameters": t.model.n_params,
        "status": status_text(t),
    }


def snapshot(trainers: list[ImageTrainer], labels: list[str]) -> GroupSnapshot:
    """Copy each run's thinned curves: losses, test and shifted-test accuracy."""
    runs = []
    for i, (t, label) in enumerate(zip(trainers, labels, strict=True)):
        hist = curves(t, ("epoch", "train_loss", "test_loss", "test_accuracy",
                          "shifted_accuracy"))
        runs.append(RunView(label, RUN_COLORS[i % len(RUN_COLORS)], t.epoch, t.status,
                            t.status_reason, None, hist))
    none = np.zeros((0, 2))
    return GroupSnapshot(runs, "digits", "softmax", (0.0, 1.0, 0.0, 1.0), none,
                         np.zeros(0, dtype=int))


def figures(snap: GroupSnapshot, run_id: int) -> dict:
    return {"cmp_acc": charts.accuracies_chart(snap, revision=f"acc-{run_id}")}


def caption(cmp) -> str:
    """What the runs share, said exactly for the setting that varies."""
    return ("Runs train side by side on the same digits, split the same way and taken in "
            "the same order" + (", from the same starting weights" if cmp.variable not in
                               ("model", "filters") else "; networks of different shapes "
                               "start from weights drawn with the same seed") + ". Dashed: "
            "accuracy on the test digits shifted by 1 or 2 pixels.")


KIND = Kind(
    "digits", "Digits", "MLPs and CNNs on handwritten digits (the Digits page's).",
    ImageConfig, ImageTrainer, DIGIT_VARIABLES, PRESETS,
    shared=("model", "augment", "optimizer", "lr", "batch_size", "max_epochs", "seed"),
    widths=("filters", "hidden"), prefix="cmp.d", top="cmp_acc", snapshot=snapshot,
    figures=figures, row=digits_row, caption=caption, default_preset="mlp_cnn")
