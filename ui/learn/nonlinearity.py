"""Activation functions from the engine's registry: derivative, range, where they saturate and
where they are dead; and why non-linearity matters (stacked linear layers vs one tanh layer on
xor, trained by the engine)."""

import math

import numpy as np

from engine import ACTIVATIONS, Config, Trainer

Z_RANGE = (-8.0, 8.0)
N_GRID = 1601  # z step 0.01
FLAT = 0.01  # saturated: |f'(z)| below 1 % of its largest value on the range
DEMO_EPOCHS, DEMO_LR, LINEAR_LAYERS, WIDTH = 100, 0.1, 5, 4
LABELS = {"linear": f"{LINEAR_LAYERS} linear layers of {WIDTH}",
          "tanh": f"one tanh layer of {WIDTH}"}


def z_grid() -> np.ndarray:
    return np.linspace(*Z_RANGE, N_GRID)


def derivative(name: str, z: np.ndarray) -> np.ndarray:
    """The engine's f'(z) for activation `name`, as float64 of z's shape."""
    act = ACTIVATIONS[name]
    return np.broadcast_to(np.asarray(act.deriv(z, act.fn(z)), dtype=np.float64), z.shape)


def _runs(mask: np.ndarray, z: np.ndarray) -> list[tuple[float, float]]:
    """(first z, last z) of each run of True in mask."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(float(z[a]), float(z[b - 1])) for a, b in zip(edges[0::2], edges[1::2],
                                                          strict=True)]


def regions(name: str) -> dict[str, list[tuple[float, float]]]:
    """Where on Z_RANGE activation `name` is dead (f'(z) exactly 0: no gradient passes) and
    where it saturates (not dead, but |f'(z)| < 1 % of its maximum from there to the edge of
    the range). Intervals are (first z, last z) on the grid."""
    z = z_grid()
    d = np.abs(derivative(name, z))
    dead = d == 0.0
    flat = (d < FLAT * d.max()) & ~dead
    tails = [r for r in _runs(flat, z) if r[0] == z[0] or r[1] == z[-1]]
    return {"dead": _runs(dead, z), "saturated": tails}


def _interval_text(a: float, b: float) -> str:
    lo, hi = Z_RANGE
    if a == lo and b == hi:
        return "everywhere"
    if a == lo:
        text = f"z ≤ {b:.2f}"
    elif b == hi:
        text = f"z ≥ {a:.2f}"
    else:
        text = f"{a:.2f} ≤ z ≤ {b:.2f}"
    return text.replace("-", "−")


def _range_text(r: tuple[float, float], attained: tuple[bool, bool] = (False, False)) -> str:
    """An output range as an interval: closed at an end the function reaches."""
    def show(v):
        return "∞" if v == math.inf else "−∞" if v == -math.inf else f"{v:g}".replace("-", "−")
    return f"{'[' if attained[0] else '('}{show(r[0])}, {show(r[1])}{']' if attained[1] else ')'}"


def facts(name: str) -> dict[str, str]:
    """One row of the overview: label, output range, where it saturates, where it is dead."""
    act, reg = ACTIVATIONS[name], regions(name)
    return {"activation": act.label,
            "output range": _range_text(act.output_range, act.attained),
            "saturates": ", ".join(_interval_text(*r) for r in reg["saturated"]) or "nowhere",
            "dead": ", ".join(_interval_text(*r) for r in reg["dead"]) or "nowhere",
            "what it does": act.description}


def table() -> list[dict[str, str]]:
    """`facts` for every activation in the engine's registry, in registry order."""
    return [facts(name) for name in ACTIVATIONS]


# --- why non-linearity matters ------------------------------------------------------------
def demo_config(kind: str, seed: int = 0) -> Config:
    """xor, trained by the engine: five stacked linear layers ("linear") or one tanh layer."""
    hidden, act = ((WIDTH,) * LINEAR_LAYERS, "linear") if kind == "linear" else ((WIDTH,), "tanh")
    return Config(dataset="xor", hidden=hidden, activation=act, lr=DEMO_LR, seed=seed)


def train(kind: str, seed: int = 0) -> Trainer:
    trainer = Trainer(demo_config(kind, seed))
    trainer.run(DEMO_EPOCHS)
    return trainer


def compose(trainer: Trainer) -> tuple[np.ndarray, np.ndarray]:
    """The single affine map (W (2, 1), b (1,)) that a stack of linear layers amounts to:
    x W1 + b1, then W2, ... collapse to x (W1 W2 ...) + (b1 W2 ... + b2 W3 ... + ...)."""
    W = np.eye(trainer.net.sizes[0])
    b = np.zeros(trainer.net.sizes[0])
    for Wl, bl in zip(trainer.net.params[0::2], trainer.net.params[1::2], strict=True):
        W, b = W @ Wl, b @ Wl + bl
    return W, b


def demo(seed: int = 0, res: int = 100) -> dict:
    """Both runs as plain data (cacheable): output grids, accuracies, labels, the data, and the
    affine map the linear stack collapses to."""
    out = {}
    for kind in ("linear", "tanh"):
        t = train(kind, seed)
        out[kind] = {"grid": t.predict_grid(res), "test_accuracy": t.history.last["test_accuracy"],
                     "train_accuracy": t.history.last["train_accuracy"],
                     "loss": t.history.last["train_loss"], "label": LABELS[kind]}
        if kind == "linear":
            out["affine"] = compose(t)
        out["data"] = (t.data.X_train, t.data.y_train, t.data.bounds)
    return out


def affine_tex(result: dict) -> str:
    """The linear stack's logit as one affine map, with its numbers."""
    W, b = result["affine"]
    return (rf"z = {W[0, 0]:.3f}\,x_1 {W[1, 0]:+.3f}\,x_2 {b[0]:+.3f}"
            r"\quad\text{(the 5 linear layers and the output layer, multiplied out)}")
