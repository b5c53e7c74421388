"""The Playground's live view: from a trainer to what the page draws. `snapshot` copies plain
arrays out of a trainer (the caller holds its lock, briefly); `build_figures` turns a snapshot
into figures, lock-free. `PlaygroundView` puts them together for the live framework, and
`LAYOUT` places the charts: the network diagram and the output map side by side, the loss
below, and the slower internals (accuracy, weights, gradients, confusion) under them."""

from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import confusion_matrix

from engine import ACTIVATIONS, STOPPED, Trainer
from engine.outputs import OUTPUTS
from ui.charts import base, curves, heatmaps, maps, network
from ui.charts.numbers import count, number, percent
from ui.live.panel import Chart, Layout

MAP_RES, THUMB_RES = 100, 20
# Presenter view: the diagram and map, then the loss, on one 1920 x 1080 screen.
PRESENTER_HEIGHTS = (520, 240)


@dataclass
class ViewOptions:
    show_test: bool = False
    discretize: bool = False
    log_scale: bool = False
    selected: tuple[int, int] | None = None  # (column, index) in the network diagram
    presenter: bool = False
    hold: str = "median"  # how the map holds the columns it does not show (Trainer.set_hold)
    held: dict = field(default_factory=dict)  # {column: value} when hold is 'values'


@dataclass
class Snapshot:
    epoch: int
    steps: int
    status: str
    reason: str
    task: str
    output: str
    config: object
    bounds: tuple
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    grid: np.ndarray
    grid_label: str
    feature_grids: np.ndarray
    layer_grids: list
    weights: list
    biases: list
    history: dict
    last: dict
    n_classes: int
    ranges: list
    input_labels: list
    axes: tuple
    value_range: tuple
    class_names: tuple
    map_note: str


def snapshot(t: Trainer, opts: ViewOptions) -> Snapshot:
    """Copy what the page needs out of trainer `t` (call it under the runner's lock)."""
    cfg, net = t.config, t.net
    _hold(t, opts)
    sel = opts.selected
    n_cols = len(cfg.hidden) + 2
    inputs = t.input_labels
    if sel is not None and not (0 <= sel[0] < n_cols and 0 <= sel[1] < net.sizes[sel[0]]):
        sel = None
    if sel is None or sel[0] == n_cols - 1:
        grid, label = t.predict_grid(MAP_RES), "output"
    elif sel[0] == 0:
        grid = t.feature_grids(MAP_RES)[sel[1]]
        label = f"input {inputs[sel[1]]}"
    else:
        grid = t.layer_grids(MAP_RES)[sel[0] - 1][sel[1]]
        label = f"layer {sel[0]}, neuron {sel[1] + 1}"
    h = t.history
    hist = {k: h.column(k) for k in ("epoch", "train_loss", "test_loss")}
    acts = cfg.activations
    ranges = [ACTIVATIONS[a].output_range for a in acts]
    ranges.append(OUTPUTS[t.output].value_range)
    snap = Snapshot(
        epoch=t.epoch, steps=t.steps, status=t.status, reason=t.status_reason, task=t.task,
        output=t.output, config=cfg, bounds=tuple(t.bounds),
        X_train=t.points_train, y_train=t.data.y_train, X_test=t.points_test,
        y_test=t.data.y_test, grid=np.array(grid, copy=True), grid_label=label,
        feature_grids=t.feature_grids(THUMB_RES), layer_grids=t.layer_grids(THUMB_RES),
        weights=[W.copy() for W in net.params[0::2]], biases=[b.copy() for b in
                                                              net.params[1::2]],
        history=hist, last=dict(h.last), n_classes=t.data.n_classes, ranges=ranges,
        input_labels=inputs, axes=axis_titles(t), value_range=t.target_range(),
        class_names=t.data.class_names, map_note=map_note(t))
    return snap


def _hold(t: Trainer, opts: ViewOptions) -> None:
    """Hold the trainer's other columns as the page's options say (names it no longer holds,
    after a change of columns, are left out)."""
    names = {t.data.columns[c] for c in t.others}
    t.set_hold(opts.hold, {k: v for k, v in opts.held.items() if k in names})


def axis_titles(t: Trainer) -> tuple[str, str]:
    """The map's axis titles: x₁ and x₂, with the columns' names when they have names."""
    names = t.axis_names
    if names == ("x1", "x2"):
        return ("x₁", "x₂")
    return (f"x₁: {names[0]}", f"x₂: {names[1]}")


HOLD_NOTES = {"median": "held at their medians", "nearby": "held like the nearby points",
              "values": "held at your values"}


def map_note(t: Trainer) -> str:
    """What the map does with the columns it does not show, and how far that misleads: ''
    when it shows every column."""
    if not t.others:
        return ""
    n = len(t.others)
    note = f"{n} other input{'s' if n > 1 else ''} {HOLD_NOTES[t.hold]}"
    agree = t.map_agreement()
    if agree < 0.9:
        note += (f"; for {percent(1 - agree, 0)} of the training points the map shows another "
                 "class than their own inputs give")
    return note


@dataclass
class Internals:
    """What the slower panel draws: metrics per epoch and the network's insides."""

    task: str
    n_classes: int
    history: dict
    weights: list
    grad_norms: list
    dead: list
    confusion: np.ndarray | None
    class_names: tuple = ()


def internals(t: Trainer) -> Internals:
    """Copy metrics, weights, gradient norms, dead units and the confusion matrix out of `t`
    (call it under the runner's lock)."""
    metric = "accuracy" if t.task != "regression" else "r2"
    h = t.history
    cm = None
    if t.task != "regression" and len(t.data.X_test):
        cm = confusion_matrix(t.data.y_test, t.predict_classes(t.data.X_test),
                              labels=range(t.data.n_classes))
    return Internals(task=t.task, n_classes=t.data.n_classes,
                     history={k: h.column(k) for k in ("epoch", f"train_{metric}",
                                                       f"test_{metric}")},
                     weights=[W.copy() for W in t.net.params[0::2]],
                     grad_norms=t.gradient_norms(), dead=t.dead_fractions(), confusion=cm,
                     class_names=t.data.class_names)


def layer_names(n_hidden: int) -> list[str]:
    return [f"layer {i + 1}" for i in range(n_hidden)] + ["output"]


def build_figures(s: Snapshot, opts: ViewOptions, run_id: int) -> dict[str, dict]:
    """Every figure of the live panel from a snapshot."""
    rev = f"run{run_id}"
    big = opts.presenter
    figs = {}
    title = s.map_note if s.grid_label == "output" else \
        f"Showing {s.grid_label} (click it again to return to the output)"
    if s.grid_label == "output":
        grid, task, output = s.grid, s.task, s.output
    else:
        grid, task, output = base.unit_scale(s.grid, _range_of(s, opts.selected)), \
            "binary", "sigmoid"
    figs["map"] = maps.output_map(
        grid, s.bounds, task, output, s.X_train, s.y_train, s.X_test, s.y_test,
        show_test=opts.show_test, discretize=opts.discretize and s.grid_label == "output",
        title=title, revision=rev, height=PRESENTER_HEIGHTS[0] if big else 430,
        hover_grid=s.grid if s.grid_label != "output" else None, axes=s.axes,
        value_range=s.value_range if s.grid_label == "output" else (-1.0, 1.0),
        class_names=s.class_names or None)
    labels = s.input_labels
    thumbs = network.node_thumbnails(s.feature_grids, s.layer_grids, s.ranges)
    figs["net"] = network.network_diagram(
        labels, s.weights, s.biases, thumbs,
        [ACTIVATIONS[a].label for a in s.config.activations], opts.selected,
        revision=rev, height=PRESENTER_HEIGHTS[0] if big else 430)
    hist = s.history
    figs["loss"] = curves.loss_chart(hist["epoch"], hist["train_loss"], hist["test_loss"],
                                      log=opts.log_scale, revision=rev,
                                      height=PRESENTER_HEIGHTS[1] if big else 250,
                                      title="Loss (without the L1/L2 penalty)")
    return figs


def internal_figures(ins: Internals, run_id: int) -> dict[str, dict]:
    """Accuracy (or R²) curves, weight heatmaps, gradient norms, confusion matrix."""
    rev = f"run{run_id}"
    hist, metric = ins.history, "accuracy" if ins.task != "regression" else "r2"
    names = layer_names(len(ins.weights) - 1)
    figs = {
        "metric": curves.metric_chart(
            hist["epoch"], {f"train {_metric_label(metric)}": hist[f"train_{metric}"],
                            f"test {_metric_label(metric)}": hist[f"test_{metric}"]},
            title="Accuracy" if metric == "accuracy" else "R²", revision=rev,
            yrange=(0, 1.02) if metric == "accuracy" else None),
        "weights": heatmaps.weight_heatmaps(ins.weights, names, revision=rev),
        "grads": curves.gradient_norms_chart(ins.grad_norms, names, ins.dead, revision=rev)}
    if ins.confusion is not None:
        figs["confusion"] = heatmaps.confusion_chart(
            ins.confusion, list(ins.class_names) or [f"class {k}" for k in range(ins.n_classes)],
            revision=rev)
    return figs


def _range_of(s: Snapshot, sel) -> tuple[float, float]:
    if sel is None or sel[0] == 0:
        return (-np.inf, np.inf)
    return s.ranges[sel[0] - 1]


def _metric_label(metric: str) -> str:
    return "accuracy" if metric == "accuracy" else "R²"


@dataclass
class Status:
    """What the status line says, copied out of a trainer."""

    epoch: int
    task: str
    last: dict
    restored: int | None  # the epoch whose weights early stopping brought back

    @classmethod
    def of(cls, t: Trainer) -> "Status":
        restored = t.best_epoch if t.status == STOPPED and t.best_epoch is not None and \
            t.history.last.get("epoch") == t.best_epoch != t.epoch else None
        return cls(t.epoch, t.task, dict(t.history.last), restored)


def status_line(s: "Status | Snapshot", epochs_per_s: float) -> str:
    """'Epoch 1,234 · train loss 0.123 · test loss 0.145 · test accuracy 97.2 %'; after early
    stopping, the losses are those of the restored weights, and it says so."""
    last = s.last
    epoch = f"Epoch {count(s.epoch)}"
    if getattr(s, "restored", None) is not None:
        epoch += f" (weights of epoch {count(s.restored)})"
    parts = [epoch, f"train loss {number(last.get('train_loss'))}",
             f"test loss {number(last.get('test_loss'))}"]
    if s.task == "regression":
        parts.append(f"test R² {number(last.get('test_r2'), 3)}")
        parts.append(f"test RMSE {number(last.get('test_rmse'), 3)}")
    else:
        parts.append(f"test accuracy {percent(last.get('test_accuracy'))}")
    if epochs_per_s >= 1:
        parts.append(f"{count(round(epochs_per_s))} epochs/s")
    return " · ".join(parts)


@dataclass
class Frame:
    """A copy of what one frame of the Playground draws."""

    status: Status
    main: Snapshot | None
    internals: Internals | None


@dataclass
class PlaygroundView:
    """The Playground's view of its runner (ui.live.frames.LiveView), with the view options
    the page last drew with. `slow` is whether the internals are shown."""

    options: ViewOptions = field(default_factory=ViewOptions)
    slow: bool = True

    def snapshot(self, r, what: str) -> Frame:
        t = r.trainer
        return Frame(Status.of(t), snapshot(t, self.options) if what != "slow" else None,
                     internals(t) if what != "main" else None)

    def figures(self, f: Frame, run_id: int, what: str) -> dict[str, dict]:
        figs = build_figures(f.main, self.options, run_id) if f.main is not None else {}
        if f.internals is not None:
            figs |= internal_figures(f.internals, run_id)
        if self.options.presenter:
            figs = {k: base.presenter_fonts(fig) for k, fig in figs.items()}
        return figs

    def status(self, f: Frame, epochs_per_s: float) -> str:
        return status_line(f.status, epochs_per_s)


LAYOUT = Layout(
    main=((Chart("net", 5, clickable=True), Chart("map", 6, clickable=True)), (Chart("loss"),)),
    slow=((Chart("metric"), Chart("weights")), (Chart("grads"), Chart("confusion"))))
