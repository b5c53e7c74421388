"""Comparisons: runs that differ in one setting, built from one base config.

Every run gets the same seed, so the same data, the same data order and (wherever the shapes
match) the same starting weights; only the varied setting differs. Plain functions and data:
the page and the lockstep runner use them, and they are tested without Streamlit.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

from engine import ACTIVATIONS, DIVERGED, INITIALIZERS, OPTIMIZERS, Config, Trainer

from .controls import LEARNING_RATES


@dataclass(frozen=True)
class Variable:
    """A setting a comparison can vary: how to apply a value and how to show it."""

    name: str
    label: str
    options: list  # values offered by the picker
    apply: Callable[[Config, object], Config]
    show: Callable[[object], str] = str
    parse: Callable[[str], object] = str


def _hidden_text(h) -> str:
    return "[" + ", ".join(str(x) for x in h) + "]" if h else "[] (linear)"


def _hidden_parse(text: str) -> tuple[int, ...]:
    text = text.strip("[]() ")
    return tuple(int(x) for x in text.replace(";", ",").split(",") if x.strip())


VARIABLES: dict[str, Variable] = {v.name: v for v in [
    Variable("activation", "Activation", list(ACTIVATIONS),
             lambda c, v: c.replace(activation=v), lambda v: ACTIVATIONS[v].label),
    Variable("optimizer", "Optimizer", list(OPTIMIZERS),
             lambda c, v: c.replace(optimizer=v), lambda v: OPTIMIZERS[v].label),
    Variable("lr", "Learning rate", LEARNING_RATES, lambda c, v: c.replace(lr=float(v)),
             lambda v: f"lr {v:g}", float),
    Variable("init", "Initializer", list(INITIALIZERS), lambda c, v: c.replace(init=v),
             lambda v: INITIALIZERS[v].label),
    Variable("hidden", "Depth and width",
             [(), (4,), (8,), (4, 4), (8, 8), (8, 8, 8), (16, 16), (8, 8, 8, 8, 8, 8)],
             lambda c, v: c.replace(hidden=tuple(v), activation=_one_activation(c, len(v)),
                                    dropout=_one_dropout(c)),
             _hidden_text, _hidden_parse),
    Variable("batch_size", "Batch size", [1, 5, 10, 25, 50, 100, 250, 1000],
             lambda c, v: c.replace(batch_size=int(v)), lambda v: f"batch {v}", int),
    Variable("l2", "L2 rate", [0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1],
             lambda c, v: c.replace(l2=float(v)), lambda v: f"L2 {v:g}", float),
    Variable("dropout", "Dropout", [0.0, 0.1, 0.2, 0.3, 0.5],
             lambda c, v: c.replace(dropout=float(v)), lambda v: f"dropout {v:g}", float),
]}


def _one_activation(c: Config, n: int):
    acts = c.activations
    return acts[0] if acts else (c.activation if isinstance(c.activation, str) else "tanh")


def _one_dropout(c: Config) -> float:
    return max(c.dropouts) if c.dropouts else 0.0


@dataclass(frozen=True)
class Preset:
    label: str
    base: dict  # Config fields that differ from the defaults
    variable: str
    values: tuple
    note: str


PRESETS: dict[str, Preset] = {
    "activations": Preset("ReLU vs tanh vs sigmoid on spiral",
                          {"dataset": "spiral", "hidden": (8, 8, 8), "optimizer": "adam",
                           "lr": 0.01, "features": ("x1", "x2")},
                          "activation", ("relu", "tanh", "sigmoid"),
                          "Same network and starting weights; only the activation differs."),
    "optimizers": Preset("SGD vs momentum vs Adam",
                         {"dataset": "spiral", "hidden": (8, 8), "lr": 0.01,
                          "features": ("x1", "x2", "sin_x1", "sin_x2")},
                         "optimizer", ("sgd", "momentum", "adam"),
                         "Same learning rate for all three: momentum and Adam move faster."),
    "learning_rates": Preset("Learning rate too small / right / too large",
                             {"dataset": "circle", "hidden": (4, 2), "batch_size": 10},
                             "lr", (0.0003, 0.03, 10.0),
                             "Too small crawls, too large jumps around or blows up."),
    "init": Preset("Zero init vs random init", {"dataset": "xor", "hidden": (4, 4)},
                   "init", ("zeros", "xavier_uniform"),
                   "With zeros every neuron of a layer stays identical, so the network never "
                   "becomes more than one neuron wide."),
    "vanishing": Preset("Deep sigmoid: vanishing gradients",
                        {"dataset": "circle", "hidden": (8, 8, 8, 8, 8, 8), "lr": 0.1,
                         "activation": "sigmoid"},
                        "activation", ("sigmoid", "relu", "tanh"),
                        "Watch the first layer's gradient norm: sigmoid's is orders of "
                        "magnitude smaller, so its early layers barely learn."),
    "dropout": Preset("Dropout vs none on noisy data",
                      {"dataset": "spiral", "noise": 0.35, "n_samples": 300,
                       "hidden": (16, 16, 16), "optimizer": "adam", "lr": 0.01,
                       "train_ratio": 0.5},
                      "dropout", (0.0, 0.3),
                      "Without dropout the training loss keeps falling while the test loss "
                      "turns up; dropout narrows the gap."),
}


def preset_config(name: str) -> tuple[Config, str, list]:
    p = PRESETS[name]
    return Config(**p.base), p.variable, list(p.values)


def run_configs(base: Config, variable: str, values: list) -> list[Config]:
    """One config per value of `variable`; ValueError names the value that does not fit."""
    if variable not in VARIABLES:
        raise ValueError(f"cannot vary {variable!r}; choose one of: {', '.join(VARIABLES)}")
    if not 2 <= len(values) <= 6:
        raise ValueError(f"compare 2 to 6 values, not {len(values)}")
    var, out = VARIABLES[variable], []
    for v in values:
        try:
            out.append(var.apply(base, v))
        except ValueError as e:
            raise ValueError(f"{var.show(v)}: {e}") from None
    return out


def epochs_to_reach(epochs: list, losses: list, target: float) -> int | None:
    """First recorded epoch whose test loss is at or below `target` (None if never)."""
    return next((int(e) for e, v in zip(epochs, losses, strict=True) if v <= target), None)


def results_row(label: str, t: Trainer, target: float) -> dict:
    """One line of the results table for a run."""
    h, last = t.history, t.history.last
    metric = "test_accuracy" if t.task != "regression" else "test_r2"
    test = h["test_loss"]
    best = min(test) if test else math.nan
    grads = t.gradient_norms()
    return {
        "run": label,
        "epoch": t.epoch,
        "test loss": last.get("test_loss", math.nan),
        "best test loss": best,
        "accuracy" if t.task != "regression" else "R²": last.get(metric, math.nan),
        "epochs to target": epochs_to_reach(h["epoch"], test, target),
        "ms per epoch": 1000.0 * t.train_time / t.epoch if t.epoch else math.nan,
        "dead units": t.dead_fraction(),
        "first-layer gradient": grads[0] if grads else math.nan,
        "status": t.status if t.status != DIVERGED else f"diverged: {t.status_reason}",
    }
