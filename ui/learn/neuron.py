"""One neuron: a = f(w1*x1 + w2*x2 + b), computed by the engine's Dense layer, and a gradient
descent run of a sigmoid neuron (a 2-1 Network) from hand-set weights, animated client-side."""

from dataclasses import dataclass

import numpy as np

from engine import ACTIVATIONS, Network, grid_points, make_optimizer
from engine.layers import Dense

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


# --- what the figures show -----------------------------------------------------------------
@dataclass(frozen=True)
class Plane:
    """The neuron's outputs a (res, res) over a grid of `bounds`: row i at x2 = x2s[i], column j
    at x1 = x1s[j]."""

    w1: float
    w2: float
    b: float
    activation: str
    bounds: tuple[float, float, float, float]
    x1s: np.ndarray
    x2s: np.ndarray
    a: np.ndarray


def plane(w1: float, w2: float, b: float, activation: str, res: int = 81,
          bounds=BOUNDS) -> Plane:
    """The neuron's output over a res x res grid of `bounds`, computed by the engine."""
    x1s, x2s, G = grid_points(res, bounds)
    _, a = evaluate(w1, w2, b, activation, G)
    return Plane(w1, w2, b, activation, bounds, x1s, x2s, a.reshape(res, res))


@dataclass(frozen=True)
class Replay:
    """What a run's animation shows: at most MAX_FRAMES steps (k,) from the first to the last,
    and at each the sigmoid neuron's output p (k, res, res) over a grid of `bounds`."""

    steps: np.ndarray
    bounds: tuple[float, float, float, float]
    x1s: np.ndarray
    x2s: np.ndarray
    p: np.ndarray


def replay(run: Run, res: int = 41, bounds=BOUNDS) -> Replay:
    """The run's outputs over the plane at the steps its animation shows."""
    n = len(run.loss)
    steps = np.unique(np.linspace(0, n - 1, min(n, MAX_FRAMES)).round().astype(int))
    x1s, x2s, G = grid_points(res, bounds)
    p = np.stack([evaluate(*run.params[i], "sigmoid", G)[1].reshape(res, res) for i in steps])
    return Replay(steps, bounds, x1s, x2s, p)


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
