"""Compare on 2-D points (and the real tables): the Playground's settings, a map per run on
one colour scale."""

import math

from engine import ACTIVATIONS, DATASETS, INITIALIZERS, OPTIMIZERS, Config, Trainer
from engine.config import LEARNING_RATES
from engine.data.scaling import SCALERS
from ui.charts import compare as charts
from ui.charts.base import thin
from ui.charts.compare import RUN_COLORS, GroupSnapshot, RunView

from .base import Kind, Preset, Variable, curves, epochs_to_reach, ms_per_epoch, num, status_text

MAP_RES = charts.MAP_RES
MAX_POINTS = 300  # training points drawn on each map


def hidden_text(h) -> str:
    return "[" + ", ".join(str(x) for x in h) + "]" if h else "[] (linear)"


def parse_hidden(text: str) -> tuple[int, ...]:
    text = text.strip("[]() ")
    return tuple(int(x) for x in text.replace(";", ",").split(",") if x.strip())


VARIABLES: dict[str, Variable] = {v.name: v for v in [
    Variable("activation", "Activation", list(ACTIVATIONS),
             lambda c, v: c.replace(activation=v), lambda v: ACTIVATIONS[v].label,
             defaults=("relu", "tanh", "sigmoid")),
    Variable("optimizer", "Optimizer", list(OPTIMIZERS),
             lambda c, v: c.replace(optimizer=v), lambda v: OPTIMIZERS[v].label,
             defaults=("sgd", "momentum", "adam")),
    Variable("lr", "Learning rate", list(LEARNING_RATES), lambda c, v: c.replace(lr=float(v)),
             lambda v: f"lr {v:g}", float, (0.001, 0.03, 1.0), num, float),
    Variable("init", "Initializer", list(INITIALIZERS), lambda c, v: c.replace(init=v),
             lambda v: INITIALIZERS[v].label, defaults=("zeros", "xavier_uniform")),
    Variable("hidden", "Depth and width",
             [(), (4,), (8,), (4, 4), (8, 8), (8, 8, 8), (16, 16), (8, 8, 8, 8, 8, 8)],
             lambda c, v: c.replace(hidden=tuple(v), activation=one_activation(c),
                                    dropout=one_dropout(c)),
             hidden_text, parse_hidden, ((), (8,), (8, 8, 8)),
             lambda v: ",".join(str(x) for x in v), lambda v: (len(v), sum(v), tuple(v))),
    Variable("batch_size", "Batch size", [1, 5, 10, 25, 50, 100, 250, 1000],
             lambda c, v: c.replace(batch_size=int(v)), lambda v: f"batch {v}", int,
             (1, 10, 100), str, int),
    Variable("l2", "L2 rate", [0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1],
             lambda c, v: c.replace(l2=float(v)), lambda v: f"L2 {v:g}", float,
             (0.0, 0.001, 0.01), num, float),
    Variable("dropout", "Dropout", [0.0, 0.1, 0.2, 0.3, 0.5],
             lambda c, v: c.replace(dropout=float(v)), lambda v: f"dropout {v:g}", float,
             (0.0, 0.2, 0.5), num, float),
    Variable("scale", "Input scaling", list(SCALERS), lambda c, v: c.replace(scale=v),
             lambda v: SCALERS[v].label, str, ("none", "standard", "minmax")),
]}


def one_activation(c: Config) -> str:
    """The activation of `c`'s first hidden layer (or its one activation), for a network of
    another depth."""
    acts = c.activations
    return acts[0] if acts else (c.activation if isinstance(c.activation, str) else "tanh")


def one_dropout(c: Config) -> float:
    """The largest dropout rate of `c`, for a network of another depth."""
    return max(c.dropouts) if c.dropouts else 0.0


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
    "init": Preset("Zero init vs random init",
                   {"dataset": "xor", "hidden": (4, 4), "activation": "sigmoid"},
                   "init", ("zeros", "xavier_uniform"),
                   "With zeros, every neuron of a layer gets the same gradient and stays a copy "
                   "of the others, so each layer acts as one neuron. (Sigmoid here: with tanh, "
                   "whose value at 0 is 0, no weight would move at all.)"),
    "vanishing": Preset("Deep sigmoid: vanishing gradients",
                        {"dataset": "circle", "hidden": (8, 8, 8, 8, 8, 8), "lr": 0.1,
                         "activation": "sigmoid"},
                        "activation", ("sigmoid", "relu", "tanh"),
                        "Open 'Gradient per layer at the start': sigmoid's first layer gets "
                        "hundreds of times less gradient than its last, and than ReLU's or "
                        "tanh's first, so its early layers barely learn."),
    "dropout": Preset("Dropout vs none on noisy data",
                      {"dataset": "spiral", "noise": 0.35, "n_samples": 300,
                       "hidden": (16, 16, 16), "optimizer": "adam", "lr": 0.01,
                       "train_ratio": 0.5},
                      "dropout", (0.0, 0.3),
                      "Without dropout the training loss keeps falling while the test loss "
                      "turns up; dropout narrows the gap."),
    "scaling": Preset("Scaled inputs vs raw ones on wine",
                      {"dataset": "wine", "hidden": (4, 2), "optimizer": "adam", "lr": 0.03},
                      "scale", ("none", "standard", "minmax"),
                      "Proline runs into the thousands while alcohol stays near 13. Raw, the "
                      "largest columns swamp every weighted sum and the tanh neurons saturate; "
                      "scaled with the training points' statistics, every column counts."),
}


def results_row(label: str, t, target: float) -> dict:
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
        "ms per epoch": ms_per_epoch(t),
        "dead neurons": t.dead_fraction(),
        "first-layer gradient": grads[0] if grads else math.nan,
        "status": status_text(t),
    }


def snapshot(trainers: list, labels: list[str], resolution: int = MAP_RES) -> GroupSnapshot:
    """Copy each run's map and thinned loss curves (call under the runner's lock)."""
    runs = []
    for i, (t, label) in enumerate(zip(trainers, labels, strict=True)):
        hist = curves(t, ("epoch", "train_loss", "test_loss"))
        runs.append(RunView(label, RUN_COLORS[i % len(RUN_COLORS)], t.epoch, t.status,
                            t.status_reason, t.predict_grid(resolution), hist))
    first = trainers[0]
    d = first.data
    keep = thin(len(d.X_train), MAX_POINTS)
    return GroupSnapshot(runs, first.task, first.output, tuple(first.bounds),
                         first.points_train[keep].copy(), d.y_train[keep].copy(),
                         first.target_range())


def figures(snap: GroupSnapshot, run_id: int) -> dict:
    return {"cmp_maps": charts.maps_grid(snap, revision=f"maps-{run_id}")}


def caption(cmp) -> str:
    """What the runs share, said exactly for the setting that varies."""
    if cmp.kind == "digits":
        return ("Runs train side by side on the same digits, split the same way and taken in "
                "the same order" + (", from the same starting weights" if cmp.variable not in
                                   ("model", "filters") else "; networks of different shapes "
                                   "start from weights drawn with the same seed") + ". Dashed: "
                "accuracy on the test digits shifted by 1 or 2 pixels.")
    if cmp.variable == "hidden":
        return ("Networks of different shapes train side by side on the same data, in the same "
                "order; their starting weights are drawn with the same seed, but cannot be the "
                "same weights, since the shapes differ.")
    if cmp.variable == "init":
        return ("Runs train side by side on the same data and network, in the same order; each "
                "draws its starting weights with its own initializer (same seed).")
    return ("Runs that differ in one setting train side by side on the same data, from the same "
            "starting weights and in the same order, so the only difference is the one you "
            "chose.")


def widget_value(base: Config, name: str):
    """What the widget of setting `name` holds for `base`: the features as a list, one
    activation for all layers."""
    if name == "features":
        return list(base.features)
    if name == "activation":
        return one_activation(base)
    return getattr(base, name)


def adjust(base: Config, shared: dict) -> dict:
    """The sidebar's settings for `base`: its dropout kept for any depth, and another
    dataset's usual pair of columns."""
    shared = shared | {"dropout": one_dropout(base)}
    if shared.get("dataset", base.dataset) != base.dataset:
        shared |= {"x_col": "", "y_col": ""}
    return shared


def hidden(values: dict) -> set[str]:
    """A real table's rows are what they are: no samples or noise for it."""
    name = values.get("dataset")
    return {"noise", "n_samples"} if name in DATASETS and DATASETS[name].real else set()


KIND = Kind(
    "points", "2-D points", "Networks on 2-D points and tables (the Playground's problems).",
    Config, Trainer, VARIABLES, PRESETS,
    shared=("dataset", "noise", "n_samples", "features", "activation", "optimizer", "lr",
            "batch_size", "max_epochs", "seed"),
    widths=("hidden",), prefix="cmp", top="cmp_maps", snapshot=snapshot, figures=figures,
    row=results_row, caption=caption, widget_value=widget_value, adjust=adjust, hidden=hidden,
    options={"dataset": list(DATASETS)}, from_playground=True, start_gradients=True)
