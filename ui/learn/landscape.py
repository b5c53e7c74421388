"""Gradient descent on a landscape: loss surfaces over two parameters, and the engine's
optimizers run on them from one starting point with one learning rate.

A surface maps a 2-vector w to a loss and its gradient. Four are formulas; the fifth is the
real loss of a small engine `Network` as a function of two of its weights (the others fixed at
trained values), with full-batch, mini-batch or single-example gradients.
"""

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine import OPTIMIZERS, Network, make_dataset, make_optimizer

RATES = ("too small", "right", "too large")
BATCHES = {"full": "Full batch", "mini": "Mini-batch of 10", "single": "Single example"}
MINI_BATCH = 10
MAX_STEPS = 300


@dataclass(frozen=True)
class Surface:
    """A loss over w = (x, y). `f(x, y)` works element-wise on arrays; `grad(w, batch)` is the
    gradient (2,) at w, computed on the examples `batch` (None: all of them)."""

    name: str
    label: str
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad_fn: Callable[[np.ndarray, np.ndarray | None], np.ndarray]
    bounds: tuple[float, float, float, float]  # x min, x max, y min, y max
    start: tuple[float, float]
    rates: dict[str, float]  # RATES -> learning rate
    minimum: tuple[float, float] | None = None  # where the lowest loss is, when known
    minimum_label: str = "minimum"
    n_examples: int = 0  # > 0: gradients can come from mini-batches of this many examples
    axis_titles: tuple[str, str] = ("w₁", "w₂")
    steps: int = 100  # how many steps the page starts with
    note: str = ""

    def loss(self, w) -> float:
        return float(self.f(np.float64(w[0]), np.float64(w[1])))

    def grad(self, w: np.ndarray, batch: np.ndarray | None = None) -> np.ndarray:
        return np.asarray(self.grad_fn(np.asarray(w, dtype=np.float64), batch),
                          dtype=np.float64)

    def grid(self, res: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """xs (res,), ys (res,) and the loss Z (res, res) with Z[i, j] at (xs[j], ys[i])."""
        x0, x1, y0, y1 = self.bounds
        xs, ys = np.linspace(x0, x1, res), np.linspace(y0, y1, res)
        X, Y = np.meshgrid(xs, ys)
        return xs, ys, np.asarray(self.f(X, Y), dtype=np.float64)


# --- the formula surfaces ---------------------------------------------------------------------
def _bowl(x, y):
    return 0.5 * (x * x + y * y)


def _ravine(x, y):
    return 0.05 * x * x + 2.0 * y * y


def _valley(x, y):
    return (1.0 - x) ** 2 + 10.0 * (y - x * x) ** 2


def _saddle(x, y):
    return 0.5 * x * x - 0.5 * y * y + 0.25 * y ** 4


FORMULAS: dict[str, Surface] = {s.name: s for s in [
    Surface("bowl", "Round bowl  ½(w₁² + w₂²)", _bowl,
            lambda w, b: np.array([w[0], w[1]]),
            (-3.0, 3.0, -3.0, 3.0), (-2.5, 2.0),
            {"too small": 0.005, "right": 0.1, "too large": 2.1}, (0.0, 0.0)),
    Surface("ravine", "Long narrow ravine  0.05·w₁² + 2·w₂²", _ravine,
            lambda w, b: np.array([0.1 * w[0], 4.0 * w[1]]),
            (-6.0, 6.0, -2.5, 2.5), (-5.0, 1.5),
            {"too small": 0.01, "right": 0.3, "too large": 1.0}, (0.0, 0.0)),
    Surface("valley", "Curved valley  (1 − w₁)² + 10·(w₂ − w₁²)²", _valley,
            lambda w, b: np.array([-2.0 * (1.0 - w[0]) - 40.0 * w[0] * (w[1] - w[0] ** 2),
                                   20.0 * (w[1] - w[0] ** 2)]),
            (-2.0, 2.0, -1.0, 3.0), (-1.5, 1.5),
            {"too small": 0.001, "right": 0.015, "too large": 0.05}, (1.0, 1.0), steps=200),
    Surface("saddle", "Saddle  ½w₁² − ½w₂² + ¼w₂⁴", _saddle,
            lambda w, b: np.array([w[0], -w[1] + w[1] ** 3]),
            (-3.0, 3.0, -2.0, 2.0), (2.5, 0.01),
            {"too small": 0.01, "right": 0.1, "too large": 2.5}, (0.0, 1.0),
            minimum_label="a minimum (another at w₂ = −1)",
            note="The saddle point is at (0, 0): downhill along w₂, uphill along w₁."),
]}


# --- the real network -------------------------------------------------------------------------
NET_DATASET, NET_SAMPLES, NET_NOISE, NET_HIDDEN = "circle", 60, 0.2, (2,)
NET_TRAIN_STEPS = 1500
NET_SPAN = 4.0  # the view is the trained weights +- this


def network_weights(net: Network) -> list[tuple[str, int]]:
    """(label, index into net.flat) of every weight (not the biases), layer by layer."""
    out = []
    for layer, W in enumerate(net.params[0::2], start=1):
        offset = (W.ctypes.data - net.flat.ctypes.data) // W.itemsize
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                out.append((f"layer {layer}: input {i + 1} → neuron {j + 1}",
                            offset + i * W.shape[1] + j))
    return out


@functools.lru_cache(maxsize=4)
def _trained(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data = make_dataset(NET_DATASET, NET_SAMPLES, NET_NOISE, 0.9, seed)
    X, y = data.X_train, data.y_train
    net = Network([2, *NET_HIDDEN, 1], "tanh", "sigmoid", seed=[seed, 1])
    opt = make_optimizer("adam", 0.05)
    for _ in range(NET_TRAIN_STEPS):
        net.loss_and_grads(X, y)
        opt.step([net.flat], [net.flat_grad])
    arrays = net.flat.copy(), X, y
    for a in arrays:
        a.flags.writeable = False
    return arrays


def trained_network(seed: int = 0) -> tuple[Network, np.ndarray, np.ndarray]:
    """A 2-2-1 tanh network trained full-batch with Adam on a small noisy circle (which two
    tanh units cannot fit exactly, so its loss has a real minimum); returns (net, X, y) with
    the training points. A fresh network each call; the training is done once per seed."""
    flat, X, y = _trained(int(seed))
    net = Network([2, *NET_HIDDEN, 1], "tanh", "sigmoid", seed=[seed, 1])
    net.flat[...] = flat
    return net, X, y


def network_surface(pair: tuple[int, int] = (0, 2), seed: int = 0) -> Surface:
    """The training loss of the trained network as a function of two of its weights, given by
    their positions in `network_weights` (the other parameters stay at their trained values)."""
    net, X, y = trained_network(seed)
    weights = network_weights(net)
    (la, ia), (lb, ib) = weights[pair[0]], weights[pair[1]]
    if ia == ib:
        raise ValueError("choose two different weights")
    centre = net.flat[[ia, ib]].copy()

    def f(a, b):
        a, b = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
        out = np.empty(a.shape)
        for k in np.ndindex(a.shape):  # one forward pass of the engine per point
            net.flat[ia], net.flat[ib] = a[k], b[k]
            out[k] = net.loss_value(X, y)
        net.flat[ia], net.flat[ib] = centre
        return out if out.ndim else out[()]

    def grad(w, batch):
        net.flat[ia], net.flat[ib] = w
        rows = slice(None) if batch is None else batch
        net.loss_and_grads(X[rows], y[rows])
        g = net.flat_grad[[ia, ib]].copy()
        net.flat[ia], net.flat[ib] = centre
        return g

    cx, cy = (float(c) for c in centre)
    s = NET_SPAN
    return Surface("network", "A real network's loss (two of its weights)", f, grad,
                   (cx - s, cx + s, cy - s, cy + s), (cx - 0.8 * s, cy + 0.7 * s),
                   {"too small": 0.01, "right": 0.3, "too large": 3.0}, (cx, cy),
                   minimum_label="trained weights", n_examples=len(X),
                   axis_titles=(la, lb),
                   note=f"Cross-entropy of a 2-{NET_HIDDEN[0]}-1 tanh network on {len(X)} "
                        "points; every other weight and bias is held at its trained value.")


SURFACES = [*FORMULAS, "network"]
SURFACE_LABELS = {**{k: s.label for k, s in FORMULAS.items()},
                  "network": "A real network's loss (two of its weights)"}


def surface(name: str, pair: tuple[int, int] = (0, 2), seed: int = 0) -> Surface:
    if name == "network":
        return network_surface(pair, seed)
    if name not in FORMULAS:
        raise ValueError(f"unknown surface {name!r}; choose one of: {', '.join(SURFACES)}")
    return FORMULAS[name]


# --- optimizer paths --------------------------------------------------------------------------
@dataclass
class Path:
    """An optimizer's path: points (k+1, 2) from the start, loss at each, and why it stopped
    early (empty if it ran every step)."""

    optimizer: str
    points: np.ndarray
    losses: np.ndarray
    stopped: str = ""
    steps: int = 0
    extra: dict = field(default_factory=dict)


def batches(n_examples: int, batch: str, steps: int, seed: int) -> list[np.ndarray | None]:
    """The examples each step's gradient is computed on; the same list for every optimizer."""
    if batch not in BATCHES:
        raise ValueError(f"unknown batch mode {batch!r}; choose one of: {', '.join(BATCHES)}")
    if batch == "full" or n_examples == 0:
        return [None] * steps
    rng = np.random.default_rng(seed)
    size = 1 if batch == "single" else min(MINI_BATCH, n_examples)
    return [rng.choice(n_examples, size, replace=False) for _ in range(steps)]


def limits(bounds) -> tuple[float, float, float, float]:
    """The box beyond which a path counts as having left the view: the view widened by its
    own size on every side."""
    x0, x1, y0, y1 = bounds
    dx, dy = x1 - x0, y1 - y0
    return x0 - dx, x1 + dx, y0 - dy, y1 + dy


def run_path(surf: Surface, optimizer: str, lr: float, start, steps: int,
             batch: str = "full", seed: int = 0) -> Path:
    """Step the engine's optimizer `optimizer` from `start` for up to `steps` steps on `surf`.
    Stops early, keeping the points so far, once w is not finite or leaves `limits`."""
    opt = make_optimizer(optimizer, lr)
    w = np.array(start, dtype=np.float64)
    points = [w.copy()]
    stopped = ""
    lo_x, hi_x, lo_y, hi_y = limits(surf.bounds)
    with np.errstate(all="ignore"):
        for k, rows in enumerate(batches(surf.n_examples, batch, steps, seed), start=1):
            g = surf.grad(w, rows)
            opt.step([w], [g])
            if not np.all(np.isfinite(w)):
                stopped = f"became infinite at step {k}"
                break
            points.append(w.copy())
            if not (lo_x <= w[0] <= hi_x and lo_y <= w[1] <= hi_y):
                stopped = f"left the plot at step {k}"
                break
        pts = np.array(points)
        losses = np.array([surf.loss(p) for p in pts])
    return Path(optimizer, pts, losses, stopped, len(pts) - 1)


def run_all(surf: Surface, optimizers, lr: float, start, steps: int, batch: str = "full",
            seed: int = 0) -> list[Path]:
    return [run_path(surf, name, lr, start, steps, batch, seed) for name in optimizers]


def summary(surf: Surface, paths: list[Path]) -> list[dict]:
    """One row per path for a table (numbers as short text): final loss, distance to the
    minimum, where it ended and why it stopped early."""
    rows = []
    for p in paths:
        end = p.points[-1]
        row = {"optimizer": OPTIMIZERS[p.optimizer].label, "steps": p.steps,
               "final loss": f"{p.losses[-1]:.4g}"}
        if surf.minimum is not None:
            distance = np.hypot(*(end - np.asarray(surf.minimum)))
            row[f"distance to {surf.minimum_label.split(' (')[0]}"] = f"{distance:.3g}"
        row["end"] = f"({end[0]:.3g}, {end[1]:.3g})"
        row["note"] = p.stopped or ""
        rows.append(row)
    return rows


def start_from_selection(selection) -> tuple[float, float] | None:
    """The (x, y) of the point the user clicked, from `st.plotly_chart`'s selection state."""
    try:
        point = selection["points"][0]
        x, y = float(point["x"]), float(point["y"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return (x, y) if math.isfinite(x) and math.isfinite(y) else None


# --- page state -------------------------------------------------------------------------------
DEFAULT_PAIR = (0, 2)  # both input weights of the first hidden neuron


# The page's widgets (and choices), kept across visits to other pages.
WIDGETS = ("gd.surface", "gd.optimizers", "gd.batch", "gd.seed", "gd.wa", "gd.wb", "gd.good_pair",
           "gd.lr", "gd.steps", "gd.x0", "gd.y0")


def reset_for(state, surf: Surface) -> None:
    """Put the page's learning rate, start and step count to `surf`'s own defaults."""
    state["gd.lr"] = surf.rates["right"]
    state["gd.x0"], state["gd.y0"] = (round(float(v), 2) for v in surf.start)
    state["gd.steps"] = surf.steps


def clamp_start(state, surf: Surface) -> None:
    """Keep the starting point inside the view (its number inputs are bounded by it)."""
    x0, x1, y0, y1 = surf.bounds
    for key, lo, hi in (("gd.x0", x0, x1), ("gd.y0", y0, y1)):
        value = state.get(key)
        if not isinstance(value, int | float) or not math.isfinite(value):
            value = surf.start[0] if key == "gd.x0" else surf.start[1]
        state[key] = float(min(max(value, lo), hi))


def apply_selection(state, chart_key: str = "gd.chart") -> None:
    """Callback of the landscape chart: a clicked grid point becomes the starting point."""
    event = state.get(chart_key)
    point = start_from_selection(event["selection"] if event is not None else None)
    if point is not None:
        state["gd.x0"], state["gd.y0"] = (round(v, 2) for v in point)
