"""One neuron: a = f(w1*x1 + w2*x2 + b), computed by the engine's Dense layer, and a gradient
descent run of a sigmoid neuron (a 2-1 Network) from hand-set weights, animated client-side."""

import math
from dataclasses import dataclass

import numpy as np

from engine import ACTIVATIONS, Network, grid_points, make_optimizer
from engine.layers import Dense
from ui.charts.base import BLUE, DIVERGING, FONT, ORANGE, hexcolor, typed

BOUNDS = (-4.0, 4.0, -4.0, 4.0)
W_RANGE, B_RANGE = (-4.0, 4.0), (-8.0, 8.0)  # the sliders' ranges
STEP = 0.05  # the sliders' step
MAX_FRAMES = 60


def toy_data() -> tuple[np.ndarray, np.ndarray]:
    """A small, fixed, linearly separable set: X (20, 2), y (20,) of 0/1. Its best line does not
    pass through the origin, so the bias matters."""
    rng = np.random.default_rng(5)
    X0 = rng.normal((-1.6, 1.4), 0.55, (10, 2))
    X1 = rng.normal((1.2, -0.4), 0.55, (10, 2))
    return np.vstack([X0, X1]), np.repeat([0, 1], 10)


def neuron(w1: float, w2: float, b: float, activation: str = "linear") -> Dense:
    """The engine's Dense layer with 2 inputs and 1 unit, weights (w1, w2) and bias b."""
    layer = Dense(2, 1, activation)
    layer.bind([np.array([[w1], [w2]], dtype=np.float64), np.array([b], dtype=np.float64)],
               [np.zeros((2, 1)), np.zeros(1)])
    return layer


def evaluate(w1: float, w2: float, b: float, activation: str, X) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sums z (n,) and outputs a = f(z) (n,) of the neuron for points X (n, 2)."""
    X = np.asarray(X, dtype=np.float64).reshape(-1, 2)
    z = neuron(w1, w2, b).forward(X)[:, 0]
    a = neuron(w1, w2, b, activation).forward(X)[:, 0]
    return z, a


def accuracy(w1: float, w2: float, b: float, X, y) -> float:
    """Fraction of points on their class's side of the line z = 0 (class 1 where z > 0)."""
    z, _ = evaluate(w1, w2, b, "linear", X)
    return float(((z > 0) == (np.asarray(y) == 1)).mean())


def boundary(w1: float, w2: float, b: float, bounds=BOUNDS) -> tuple[list, list]:
    """The segment of the line w1*x1 + w2*x2 + b = 0 inside `bounds`: ([x1, x1'], [x2, x2']),
    or ([], []) when the line misses the box or w1 = w2 = 0."""
    x1min, x1max, x2min, x2max = bounds
    pts = []
    if w2 != 0:
        for x1 in (x1min, x1max):
            x2 = -(w1 * x1 + b) / w2
            if x2min <= x2 <= x2max:
                pts.append((x1, x2))
    if w1 != 0:
        for x2 in (x2min, x2max):
            x1 = -(w2 * x2 + b) / w1
            if x1min <= x1 <= x1max:
                pts.append((x1, x2))
    pts = sorted(set(pts))
    if len(pts) < 2:
        return [], []
    (a1, a2), (c1, c2) = pts[0], pts[-1]
    return [a1, c1], [a2, c2]


# --- learning -------------------------------------------------------------------------------
@dataclass
class Run:
    """A gradient descent run: params (steps+1, 3) as rows (w1, w2, b), and the cross-entropy
    loss and accuracy before each step and after the last."""

    params: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    optimizer: str
    lr: float

    @property
    def learned(self) -> tuple[float, float, float]:
        w1, w2, b = self.params[-1]
        return float(w1), float(w2), float(b)


def sigmoid_neuron(w1: float, w2: float, b: float) -> Network:
    """A 2-1 Network with a sigmoid output and binary cross-entropy, weights set by hand."""
    net = Network([2, 1], output="sigmoid", loss="bce")
    net.params[0][...] = [[w1], [w2]]
    net.params[1][...] = [b]
    return net


def learn(w1: float, w2: float, b: float, X, y, optimizer: str = "sgd", lr: float = 0.5,
          steps: int = 100) -> Run:
    """Full-batch training of a sigmoid neuron from (w1, w2, b) with the engine's optimizer."""
    net = sigmoid_neuron(w1, w2, b)
    opt = make_optimizer(optimizer, lr)
    params, losses, accs = [], [], []
    for i in range(int(steps) + 1):
        loss, grads = net.loss_and_grads(X, y)
        W, bias = net.params
        params.append((W[0, 0], W[1, 0], bias[0]))
        losses.append(loss)
        accs.append(accuracy(*params[-1], X, y))
        if i < steps:
            opt.step(net.params, grads)
    return Run(np.array(params), np.array(losses), np.array(accs), optimizer, float(lr))


def to_slider(value: float, low: float, high: float) -> float:
    """A learned value as a slider can hold it: clipped to the range, on the slider's step."""
    v = min(max(value, low), high)
    return round(round(v / STEP) * STEP, 2)


# --- figures --------------------------------------------------------------------------------
def _axes(bounds, height: int) -> dict:
    x1min, x1max, x2min, x2max = bounds
    return {
        "height": height, "margin": {"l": 44, "r": 10, "t": 36, "b": 40}, "font": FONT,
        "paper_bgcolor": "white", "plot_bgcolor": "white", "showlegend": False,
        "xaxis": {"range": [x1min, x1max], "title": {"text": "x₁"}, "zeroline": False,
                  "constrain": "domain", "showgrid": False},
        "yaxis": {"range": [x2min, x2max], "title": {"text": "x₂"}, "zeroline": False,
                  "scaleanchor": "x", "constrain": "domain", "showgrid": False},
    }


def _points(X, y) -> dict:
    colors = [hexcolor(ORANGE if c == 0 else BLUE) for c in y]
    return {"type": "scatter", "mode": "markers", "x": typed(X[:, 0], "f8"),
            "y": typed(X[:, 1], "f8"), "customdata": typed(np.asarray(y), "i4"),
            "marker": {"size": 10, "color": colors, "line": {"width": 1.5, "color": "white"}},
            "hovertemplate": "(%{x:.2f}, %{y:.2f}) class %{customdata}<extra></extra>"}


def _line(w1, w2, b, bounds) -> dict:
    xs, ys = boundary(w1, w2, b, bounds)
    return {"type": "scatter", "mode": "lines", "x": xs, "y": ys, "hoverinfo": "skip",
            "line": {"color": "#1f2430", "width": 3}}


def color_limits(a: np.ndarray, activation: str) -> tuple[float, float]:
    """Colour range for outputs a: the activation's range where finite, else the data's."""
    lo, hi = ACTIVATIONS[activation].output_range
    m = float(np.abs(a).max()) or 1.0
    lo = lo if math.isfinite(lo) else -m
    hi = hi if math.isfinite(hi) else m
    return lo, hi


def plane_figure(w1: float, w2: float, b: float, activation: str, X, y, point,
                 height: int = 420, res: int = 81, bounds=BOUNDS) -> dict:
    """The neuron's output over the plane, the line z = 0, the data and the chosen point."""
    xs, ys, G = grid_points(res, bounds)
    _, a = evaluate(w1, w2, b, activation, G)
    lo, hi = color_limits(a, activation)
    label = ACTIVATIONS[activation].label
    heat = {"type": "heatmap", "x": typed(xs), "y": typed(ys), "z": typed(a.reshape(res, res)),
            "zmin": lo, "zmax": hi, "colorscale": DIVERGING, "opacity": 0.75,
            "colorbar": {"title": {"text": "a"}, "thickness": 12},
            "hovertemplate": "x₁ %{x:.2f}, x₂ %{y:.2f}: a = %{z:.3f}<extra></extra>"}
    px, py = (float(v) for v in point)
    mark = {"type": "scatter", "mode": "markers", "x": [px], "y": [py],
            "marker": {"size": 16, "symbol": "x", "color": "#1f2430",
                       "line": {"width": 2, "color": "white"}},
            "hovertemplate": "chosen point (%{x:.2f}, %{y:.2f})<extra></extra>"}
    layout = _axes(bounds, height)
    layout["title"] = {"text": f"a = {label}(z) over the plane; black line: z = 0", "x": 0.01,
                       "font": {"size": 14}}
    return {"data": [heat, _line(w1, w2, b, bounds), _points(X, y), mark], "layout": layout}


def run_figure(run: Run, X, y, height: int = 420, res: int = 41, bounds=BOUNDS) -> dict:
    """Gradient descent as a plotly animation: the sigmoid's output and the line z = 0 move on
    the left, a marker walks along the loss curve on the right. Play/Pause and a step slider
    run in the browser."""
    n = len(run.loss)
    idx = np.unique(np.linspace(0, n - 1, min(n, MAX_FRAMES)).round().astype(int))
    xs, ys, G = grid_points(res, bounds)

    def heat(i):
        _, p = evaluate(*run.params[i], "sigmoid", G)
        return {"type": "heatmap", "x": typed(xs), "y": typed(ys),
                "z": typed(p.reshape(res, res)), "zmin": 0, "zmax": 1, "colorscale": DIVERGING,
                "opacity": 0.75, "showscale": False, "xaxis": "x", "yaxis": "y",
                "hovertemplate": "p = %{z:.3f}<extra></extra>"}

    def line(i):
        return _line(*run.params[i], bounds) | {"xaxis": "x", "yaxis": "y"}

    def marker(i):
        return {"type": "scatter", "mode": "markers", "x": [int(i)], "y": [float(run.loss[i])],
                "xaxis": "x2", "yaxis": "y2", "marker": {"size": 12, "color": "#d62728"},
                "hovertemplate": "step %{x}: loss %{y:.4f}<extra></extra>"}

    def title(i):
        w1, w2, b = run.params[i]
        return (f"step {i}: w₁ = {w1:.2f}, w₂ = {w2:.2f}, b = {b:.2f}, "
                f"loss {run.loss[i]:.3f}, accuracy {run.accuracy[i]:.0%}")

    curve = {"type": "scatter", "mode": "lines", "x": list(range(n)),
             "y": typed(run.loss, "f8"), "xaxis": "x2", "yaxis": "y2",
             "line": {"color": "#5b6472", "width": 2},
             "hovertemplate": "step %{x}: loss %{y:.4f}<extra></extra>"}
    first = idx[0]
    data = [heat(first), line(first), _points(X, y) | {"xaxis": "x", "yaxis": "y"}, curve,
            marker(first)]
    frames = [{"name": str(i), "data": [heat(i), line(i), marker(i)], "traces": [0, 1, 4],
               "layout": {"title": {"text": title(i)}}} for i in idx]
    x1min, x1max, x2min, x2max = bounds
    steps = [{"label": str(i), "method": "animate",
              "args": [[str(i)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                  "transition": {"duration": 0}}]} for i in idx]
    play = {"frame": {"duration": 120, "redraw": True}, "fromcurrent": True,
            "transition": {"duration": 0}}
    layout = {
        "height": height, "margin": {"l": 44, "r": 10, "t": 40, "b": 120}, "font": FONT,
        "paper_bgcolor": "white", "plot_bgcolor": "white", "showlegend": False,
        "title": {"text": title(first), "x": 0.01, "font": {"size": 14}},
        "xaxis": {"domain": [0, 0.55], "range": [x1min, x1max], "title": {"text": "x₁"},
                  "zeroline": False, "showgrid": False},
        "yaxis": {"range": [x2min, x2max], "title": {"text": "x₂"}, "zeroline": False,
                  "showgrid": False, "scaleanchor": "x", "constrain": "domain"},
        "xaxis2": {"domain": [0.65, 1], "title": {"text": "step"}, "gridcolor": "#eee"},
        "yaxis2": {"anchor": "x2", "title": {"text": "cross-entropy loss"}, "gridcolor": "#eee",
                   "rangemode": "tozero"},
        "updatemenus": [{"type": "buttons", "showactive": False, "x": 0, "y": -0.2,
                         "xanchor": "left", "yanchor": "top", "direction": "left",
                         "buttons": [
                             {"label": "▶ Play", "method": "animate", "args": [None, play]},
                             {"label": "❚❚ Pause", "method": "animate",
                              "args": [[None], {"mode": "immediate",
                                                "frame": {"duration": 0, "redraw": False}}]}]}],
        "sliders": [{"active": 0, "steps": steps, "x": 0.2, "len": 0.8, "y": -0.2,
                     "yanchor": "top", "currentvalue": {"visible": False}, "pad": {"t": 0}}],
    }
    return {"data": data, "layout": layout, "frames": frames}


# --- page state -----------------------------------------------------------------------------
LRS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
STEPS = (20, 50, 100, 200, 500)
DEFAULTS = {"neuron.w1": 1.0, "neuron.w2": 1.0, "neuron.b": 0.0, "neuron.act": "sigmoid",
            "neuron.x1": 1.0, "neuron.x2": 0.5, "neuron.opt": "sgd", "neuron.lr": 0.3,
            "neuron.steps": 100, "neuron.learned": False, "neuron.note": ""}


def use_learned(state, run: Run) -> None:
    """Write a run's learned weights into the slider keys of `state` (a session state)."""
    w1, w2, b = run.learned
    values = (to_slider(w1, *W_RANGE), to_slider(w2, *W_RANGE), to_slider(b, *B_RANGE))
    state["neuron.w1"], state["neuron.w2"], state["neuron.b"] = values
    switched = state.get("neuron.act") != "sigmoid"
    previous = state.get("neuron.act")
    state["neuron.act"] = "sigmoid"
    state["neuron.learned"] = False
    clipped = any(abs(v - u) > STEP / 2 for v, u in zip(values, (w1, w2, b), strict=True))
    note = ("The learned weights lie outside the sliders' range: the sliders hold the nearest "
            "values they can." if clipped else
            "The sliders now hold the learned weights (rounded to the sliders' step of 0.05).")
    if switched:
        was = ACTIVATIONS[previous].label
        note += (f" The activation is now sigmoid (it was {was}): the weights were learned "
                 "for a sigmoid neuron, and mean what they mean with it.")
    state["neuron.note"] = note


def formulas(w1: float, w2: float, b: float, activation: str, point) -> tuple[str, str]:
    """LaTeX for z = w1 x1 + w2 x2 + b and a = f(z) at `point`, with the numbers plugged in
    (values computed by the engine)."""
    x1, x2 = (float(v) for v in point)
    z, a = evaluate(w1, w2, b, activation, [[x1, x2]])
    name = ACTIVATIONS[activation].label
    ztex = (r"\begin{aligned} z &= w_1 x_1 + w_2 x_2 + b \\ "
            rf"&= ({w1:.2f})({x1:.2f}) + ({w2:.2f})({x2:.2f}) + ({b:.2f}) \\ "
            rf"&= {z[0]:.4f} \end{{aligned}}")
    atex = rf"a = \text{{{name}}}(z) = \text{{{name}}}({z[0]:.4f}) = {a[0]:.4f}"
    return ztex, atex
