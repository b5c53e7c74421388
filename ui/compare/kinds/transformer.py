"""Compare transformers on the token tasks (the Attention page's): heads, position information,
size and training side by side, scored on whole sequences and per position."""

import math

import numpy as np

from engine import OPTIMIZERS
from engine.data.sequences import get_task
from engine.sequences import (
    LEARNING_RATES,
    TRANSFORMER_TASKS,
    SequenceConfig,
    SequenceTrainer,
)
from ui.charts import attention as charts
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

TASKS = TRANSFORMER_TASKS
POSITIONS = SequenceConfig.FIELDS["position"]

VARIABLES: dict[str, Variable] = {v.name: v for v in [
    Variable("heads", "Attention heads", [1, 2, 4], lambda c, v: c.replace(heads=int(v)),
             lambda v: f"{v} head" + ("s" if int(v) > 1 else ""), int, (1, 2, 4), str, int),
    Variable("position", "Position information", list(POSITIONS.names),
             lambda c, v: c.replace(position=v),
             lambda v: f"{POSITIONS.show(v).lower()} positions" if v != "none"
             else "no positions", str, ("learned", "none")),
    Variable("dim", "Embedding size", [8, 16, 32, 64], lambda c, v: c.replace(dim=int(v)),
             lambda v: f"size {v}", int, (8, 32), str, int),
    Variable("blocks", "Transformer blocks", [1, 2], lambda c, v: c.replace(blocks=int(v)),
             lambda v: f"{v} block" + ("s" if int(v) > 1 else ""), int, (1, 2), str, int),
    Variable("causal", "Causal mask", [False, True], lambda c, v: c.replace(causal=bool(v)),
             lambda v: "causal" if v else "sees all", flag, (False, True),
             lambda v: "true" if v else "false", lambda v: bool(v)),
    Variable("optimizer", "Optimizer", list(OPTIMIZERS), lambda c, v: c.replace(optimizer=v),
             lambda v: OPTIMIZERS[v].label, defaults=("sgd", "adam")),
    Variable("lr", "Learning rate", list(LEARNING_RATES), lambda c, v: c.replace(lr=float(v)),
             lambda v: f"lr {v:g}", float, (0.001, 0.01), num, float),
]}

BASE = {"task": "reverse", "length": 8, "model": "transformer", "max_epochs": 20}
PRESETS: dict[str, Preset] = {
    "positions": Preset("Reversal: with and without positions", BASE, "position",
                        ("learned", "sinusoidal", "none"),
                        "With learned or sine-wave positions the transformer reverses every "
                        "test sequence within a few epochs. Without them a token looks the same "
                        "wherever it is: the network cannot find the mirror place, and almost "
                        "no sequence comes out right.", kind="transformer"),
    "heads": Preset("1 vs 2 vs 4 heads on sorting", BASE | {"task": "sort"}, "heads", (1, 2, 4),
                    "The same 32 numbers per position, split among 1, 2 or 4 heads: more "
                    "heads are narrower, not bigger (the parameters are the same). On a task "
                    "this small all three sort over 98 % of the test sequences within a dozen "
                    "epochs: one head is enough here.", kind="transformer"),
}


def results_row(label: str, t: SequenceTrainer, target: float) -> dict:
    """One line of the results table for a transformer run."""
    h, last = t.history, t.history.last
    test = h["test_loss"]
    return {
        "run": label,
        "epoch": t.epoch,
        "test loss": last.get("test_loss", math.nan),
        "best test loss": min(test) if test else math.nan,
        "sequence accuracy": last.get("test_sequence_accuracy", math.nan),
        "position accuracy": last.get("test_accuracy", math.nan),
        "epochs to target": epochs_to_reach(h["epoch"], test, target),
        "ms per epoch": ms_per_epoch(t),
        "parameters": t.model.n_params,
        "status": status_text(t),
    }


def snapshot(trainers: list[SequenceTrainer], labels: list[str]) -> GroupSnapshot:
    """Copy each run's thinned curves: losses, whole-sequence and per-position accuracy."""
    runs = []
    for i, (t, label) in enumerate(zip(trainers, labels, strict=True)):
        hist = curves(t, ("epoch", "train_loss", "test_loss", "test_accuracy",
                          "test_sequence_accuracy"))
        runs.append(RunView(label, RUN_COLORS[i % len(RUN_COLORS)], t.epoch, t.status,
                            t.status_reason, None, hist))
    return GroupSnapshot(runs, "sequences", "softmax", (0.0, 1.0, 0.0, 1.0), np.zeros((0, 2)),
                         np.zeros(0, dtype=int))


def figures(snap: GroupSnapshot, run_id: int) -> dict:
    return {"cmp_seq": charts.sequence_accuracies_chart(snap.runs, revision=f"seq-{run_id}")}


def caption(cmp) -> str:
    """What the runs share, said exactly for the setting that varies."""
    same = ("from the same starting weights" if cmp.variable in ("heads", "causal", "optimizer",
                                                                 "lr")
            else "from weights drawn with the same seed (the networks differ in shape)")
    return ("Transformers train side by side on the same sequences, taken in the same order, "
            f"{same}. Solid: the share of test sequences entirely right; dotted: of positions.")


def accepts(settings: SequenceConfig) -> bool:
    """Transformer runs of the sequence trainer (recurrent ones are another kind's)."""
    return settings.model == "transformer"


def adjust(base: SequenceConfig, shared: dict) -> dict:
    """A task whose options fix the length takes it from them."""
    task = get_task(shared.get("task", base.task))
    if task.length_fn is not None:
        return shared | {"length": 0}
    if shared.get("task", base.task) != base.task:
        return shared | {"length": task.default_T}
    return shared


def hidden(values: dict) -> set[str]:
    """Copy and addition take their length from their options: no length box for them."""
    task = values.get("task")
    return {"length"} if task and get_task(task).length_fn is not None else set()


KIND = Kind(
    "transformer", "Transformers", "Small transformers on token sequences (the Attention "
    "page's tasks).", SequenceConfig, SequenceTrainer, VARIABLES, PRESETS,
    shared=("task", "length", "dim", "heads", "position", "optimizer", "lr", "batch_size",
            "max_epochs", "seed"),
    prefix="cmp.t", top="cmp_seq", snapshot=snapshot, figures=figures, row=results_row,
    caption=caption, default_preset="positions", accepts=accepts, adjust=adjust,
    hidden=hidden, options={"task": list(TASKS)})
