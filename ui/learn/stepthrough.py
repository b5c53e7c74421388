"""Forward and backward, one stage at a time, on a 2-h-1 engine Network and one example: every
weighted sum, activation, the loss, each gradient by the chain rule (built from the engine's own
pieces: its activations' derivatives and its loss's dL/dp) beside the engine's `loss_and_grads`
and a central finite difference on the flat parameter buffer, then one SGD update."""

from dataclasses import dataclass, field

import numpy as np

from engine import ACTIVATIONS, LOSSES, Network, make_optimizer

HIDDEN = (2, 3)
FD_STEP = 1e-5
# Loss formulas for one example (n = 1); the engine averages over examples.
LOSS_TEX = {
    "bce": r"L = -\left[y \log p + (1-y)\log(1-p)\right]",
    "mse": r"L = (p - y)^2",
    "half_mse": r"L = \tfrac12 (p - y)^2",
}
# The second example: the chosen one plus these, as (x1, x2, y).
EXTRA = ((-1.2, 0.4, 0), (0.6, 1.5, 1), (1.4, -1.1, 0))
DEFAULTS = {"fb.stage": 0, "fb.hidden": 2, "fb.act": "tanh", "fb.loss": "bce", "fb.x1": 1.0,
            "fb.x2": -0.5, "fb.y": 1, "fb.lr": 0.5, "fb.seed": 0, "fb.batch": 3}
LRS = (0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 3.0)
N_STAGES = 11  # setup, 5 forward, 4 backward, update


def sigmoid_losses() -> list[str]:
    """The engine's losses that can follow a sigmoid output, in registry order."""
    return [name for name, loss in LOSSES.items() if "sigmoid" in loss.outputs]


@dataclass(frozen=True)
class Setup:
    hidden: int = 2
    activation: str = "tanh"
    loss: str = "bce"
    x: tuple[float, float] = (1.0, -0.5)
    y: int = 1
    lr: float = 0.5
    seed: int = 0

    def network(self) -> Network:
        if self.hidden not in HIDDEN:
            raise ValueError(f"the hidden layer has {' or '.join(map(str, HIDDEN))} neurons")
        return Network([2, self.hidden, 1], self.activation, "sigmoid", seed=self.seed,
                       loss=self.loss)


def finite_differences(net: Network, X, y, h: float = FD_STEP) -> list[np.ndarray]:
    """Central differences (L(θ + h) - L(θ - h)) / 2h of the engine's loss, perturbing one entry
    of the flat parameter buffer at a time; returned shaped like `net.params`."""
    flat = net.flat
    fd = np.zeros(flat.size)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        up = net.loss_value(X, y)
        flat[i] = keep - h
        down = net.loss_value(X, y)
        flat[i] = keep
        fd[i] = (up - down) / (2 * h)
    return [fd[k] for k in flat_index(net)]


def flat_index(net: Network) -> list[np.ndarray]:
    """For each of `net.params`, the flat-buffer index of each of its entries."""
    saved = net.flat.copy()
    net.flat[...] = np.arange(net.flat.size)
    index = [p.astype(np.intp) for p in net.params]
    net.flat[...] = saved
    return index


@dataclass
class Trace:
    """Every number of one forward and backward pass and the update, for one example."""

    setup: Setup
    x: np.ndarray  # (2,)
    W1: np.ndarray  # (2, h)
    b1: np.ndarray  # (h,)
    W2: np.ndarray  # (h,)
    b2: float
    z1: np.ndarray  # (h,)
    a1: np.ndarray
    z2: float
    p: float
    loss: float
    dL_dp: float
    dp_dz2: float
    dz2: float
    gW2: np.ndarray  # (h,)
    gb2: float
    da1: np.ndarray  # (h,)
    f1: np.ndarray  # f'(z1) (h,)
    dz1: np.ndarray  # (h,)
    gW1: np.ndarray  # (2, h)
    gb1: np.ndarray  # (h,)
    engine: list[np.ndarray] = field(default_factory=list)  # loss_and_grads, like params
    fd: list[np.ndarray] = field(default_factory=list)  # finite differences, like params
    new: list[np.ndarray] = field(default_factory=list)  # params after the SGD step
    new_loss: float = 0.0

    @property
    def chain(self) -> list[np.ndarray]:
        """The chain-rule gradients, shaped like the network's params [W1, b1, W2, b2]."""
        return [self.gW1, self.gb1, self.gW2[:, None], np.array([self.gb2])]


def trace(setup: Setup) -> Trace:
    """Run the example through the engine's network and collect every number."""
    net = setup.network()
    X = np.array([setup.x], dtype=np.float64)
    y = np.array([setup.y])
    W1, b1, W2, b2 = (p.copy() for p in net.params)
    act = ACTIVATIONS[setup.activation]
    x = X[0]
    # forward: the weighted sums by their formula; a1 and p are the engine's layer outputs
    z1 = x @ W1 + b1
    a1_engine, p_engine = net.layer_outputs(X)
    a1 = a1_engine[0]
    z2 = float(a1 @ W2[:, 0] + b2[0])
    p = float(p_engine[0, 0])
    loss = net.loss_value(X, y)
    # backward by the chain rule, from the engine's loss gradient and activation derivatives
    Y = net.targets(y)
    dL_dp = float(net.loss.grad(p_engine, Y)[0, 0])
    dp_dz2 = float(ACTIVATIONS["sigmoid"].deriv(np.array(z2), np.array(p)))
    dz2 = dL_dp * dp_dz2
    gW2, gb2 = dz2 * a1, dz2
    da1 = dz2 * W2[:, 0]
    f1 = np.asarray(act.deriv(z1, a1), dtype=np.float64) * np.ones_like(z1)
    dz1 = da1 * f1
    gW1, gb1 = np.outer(x, dz1), dz1
    _, engine = net.loss_and_grads(X, y)
    fd = finite_differences(net, X, y)
    make_optimizer("sgd", setup.lr).step(net.params, engine)
    new = [q.copy() for q in net.params]
    return Trace(setup, x, W1, b1, W2[:, 0], float(b2[0]), z1, a1, z2, p, loss, dL_dp, dp_dz2,
              dz2, gW2, gb2, da1, f1, dz1, gW1, gb1, engine, fd, new, net.loss_value(X, y))


def at_kink(t: Trace) -> bool:
    """True when a hidden sum lies within the finite-difference step of a jump in f': there the
    central difference averages the slopes on both sides and need not match f'(z)."""
    act, h = ACTIVATIONS[t.setup.activation], FD_STEP
    zs = np.concatenate([t.z1 - h, t.z1 + h])
    d = np.asarray(act.deriv(zs, act.fn(zs)), dtype=np.float64) * np.ones_like(zs)
    return bool((np.abs(d[:len(t.z1)] - d[len(t.z1):]) > 1e-3).any())


# --- names and numbers ----------------------------------------------------------------------
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def param_names(h: int) -> list[list[str]]:
    """The formulas' names of every parameter, grouped like params [W1, b1, W2, b2], each
    group in the order of its flattened array."""
    def sub(*ks):
        return "".join(str(k + 1) for k in ks).translate(_SUB)
    return [[f"W⁽¹⁾{sub(i, j)}" for i in range(2) for j in range(h)],
            [f"b⁽¹⁾{sub(j)}" for j in range(h)],
            [f"W⁽²⁾{sub(j)}" for j in range(h)],
            ["b⁽²⁾"]]


def num(v: float) -> str:
    """A number for a formula: 4 decimals, or 4 significant digits when tiny."""
    v = float(v)
    if v != 0 and abs(v) < 1e-3:
        m, e = f"{v:.3e}".split("e")
        return rf"{m}\times 10^{{{int(e)}}}"
    return f"{v:.4f}"


def p_(v: float) -> str:
    """A number in parentheses when negative, for products."""
    s = num(v)
    return f"({s})" if float(v) < 0 else s


def gradient_rows(t: Trace, which: list[int]) -> list[dict]:
    """For params `which` (indices into [W1, b1, W2, b2]): chain rule, engine, finite
    difference and their largest difference, one row per parameter."""
    names = param_names(t.setup.hidden)
    rows = []
    for k in which:
        for name, c, e, f in zip(names[k], t.chain[k].ravel(), t.engine[k].ravel(),
                                 t.fd[k].ravel(), strict=True):
            rows.append({"parameter": name, "chain rule": f"{c:.10f}",
                         "engine (loss_and_grads)": f"{e:.10f}",
                         "finite difference": f"{f:.10f}",
                         "|chain − finite diff.|": f"{abs(c - f):.1e}"})
    return rows


@dataclass(frozen=True)
class Stage:
    title: str
    lines: list[str]  # LaTeX, numbers plugged in
    table: list[int] = ()  # params whose gradients are tabulated beside finite differences
    phase: str = "forward"


def stages(t: Trace) -> list[Stage]:
    """The step-through, in order: setup, forward (sums, activations, output, loss), backward
    (output, output layer, back to hidden, hidden layer), update."""
    s, h = t.setup, t.setup.hidden
    name = ACTIVATIONS[s.activation].label
    x1, x2 = t.x
    J = range(h)
    out = [Stage("The example and the weights", [
        rf"x = ({num(x1)},\ {num(x2)}),\quad y = {s.y}",
        *[rf"W^{{(1)}}_{{1{j + 1}}} = {num(t.W1[0, j])},\ W^{{(1)}}_{{2{j + 1}}} = "
          rf"{num(t.W1[1, j])},\ b^{{(1)}}_{{{j + 1}}} = {num(t.b1[j])}" for j in J],
        r",\ ".join(rf"W^{{(2)}}_{{{j + 1}}} = {num(t.W2[j])}" for j in J)
        + rf",\ b^{{(2)}} = {num(t.b2)}"], phase="setup")]
    out.append(Stage("Forward 1: the hidden neurons' weighted sums", [
        rf"z^{{(1)}}_{{{j + 1}}} = W^{{(1)}}_{{1{j + 1}}} x_1 + W^{{(1)}}_{{2{j + 1}}} x_2 "
        rf"+ b^{{(1)}}_{{{j + 1}}} = {p_(t.W1[0, j])}\cdot{p_(x1)} + {p_(t.W1[1, j])}\cdot"
        rf"{p_(x2)} + {p_(t.b1[j])} = {num(t.z1[j])}" for j in J]))
    out.append(Stage(f"Forward 2: the hidden activations ({name})", [
        rf"a^{{(1)}}_{{{j + 1}}} = f(z^{{(1)}}_{{{j + 1}}}) = \text{{{name}}}({num(t.z1[j])})"
        rf" = {num(t.a1[j])}" for j in J]))
    terms = " + ".join(rf"{p_(t.W2[j])}\cdot{p_(t.a1[j])}" for j in J)
    out.append(Stage("Forward 3: the output's weighted sum", [
        r"z^{(2)} = \sum_j W^{(2)}_j a^{(1)}_j + b^{(2)} = " + terms
        + rf" + {p_(t.b2)} = {num(t.z2)}"]))
    out.append(Stage("Forward 4: the output (sigmoid)", [
        rf"p = \sigma(z^{{(2)}}) = \frac{{1}}{{1 + e^{{-z^{{(2)}}}}}} = \sigma({num(t.z2)})"
        rf" = {num(t.p)}"]))
    loss_tex = LOSS_TEX.get(s.loss, rf"L = \text{{{LOSSES[s.loss].label}}}")
    out.append(Stage(f"Forward 5: the loss ({LOSSES[s.loss].label.lower()})", [
        rf"{loss_tex} = {num(t.loss)}\quad (p = {num(t.p)},\ y = {s.y})"]))
    out.append(Stage("Backward 1: the gradient at the output", [
        rf"\frac{{\partial L}}{{\partial p}} = {num(t.dL_dp)},\qquad "
        rf"\frac{{\partial p}}{{\partial z^{{(2)}}}} = p(1-p) = {num(t.dp_dz2)}",
        rf"\delta^{{(2)}} = \frac{{\partial L}}{{\partial z^{{(2)}}}} = "
        rf"\frac{{\partial L}}{{\partial p}}\cdot\frac{{\partial p}}{{\partial z^{{(2)}}}} = "
        rf"{p_(t.dL_dp)}\cdot{p_(t.dp_dz2)} = {num(t.dz2)}"], phase="backward"))
    out.append(Stage("Backward 2: the output layer's gradients", [
        *[rf"\frac{{\partial L}}{{\partial W^{{(2)}}_{{{j + 1}}}}} = \delta^{{(2)}} "
          rf"a^{{(1)}}_{{{j + 1}}} = {p_(t.dz2)}\cdot{p_(t.a1[j])} = {num(t.gW2[j])}"
          for j in J],
        rf"\frac{{\partial L}}{{\partial b^{{(2)}}}} = \delta^{{(2)}} = {num(t.gb2)}"],
        table=(2, 3), phase="backward"))
    out.append(Stage("Backward 3: back through the hidden activations", [
        line for j in J for line in (
            rf"\frac{{\partial L}}{{\partial a^{{(1)}}_{{{j + 1}}}}} = \delta^{{(2)}} "
            rf"W^{{(2)}}_{{{j + 1}}} = {p_(t.dz2)}\cdot{p_(t.W2[j])} = {num(t.da1[j])}",
            rf"\delta^{{(1)}}_{{{j + 1}}} = \frac{{\partial L}}{{\partial a^{{(1)}}_{{{j + 1}}}}}"
            rf"\, f'(z^{{(1)}}_{{{j + 1}}}) = {p_(t.da1[j])}\cdot{p_(t.f1[j])} = {num(t.dz1[j])}")],
        phase="backward"))
    out.append(Stage("Backward 4: the hidden layer's gradients", [
        *[rf"\frac{{\partial L}}{{\partial W^{{(1)}}_{{{i + 1}{j + 1}}}}} = x_{i + 1}\,"
          rf"\delta^{{(1)}}_{{{j + 1}}} = {p_(t.x[i])}\cdot{p_(t.dz1[j])} = {num(t.gW1[i, j])}"
          for j in J for i in range(2)],
        *[rf"\frac{{\partial L}}{{\partial b^{{(1)}}_{{{j + 1}}}}} = \delta^{{(1)}}_{{{j + 1}}}"
          rf" = {num(t.gb1[j])}" for j in J]], table=(0, 1), phase="backward"))
    W1n, b1n, W2n, b2n = t.new
    a = num(s.lr)
    out.append(Stage(rf"Update: w ← w − α·∂L/∂w with α = {s.lr:g}", [
        *[rf"W^{{(1)}}_{{{i + 1}{j + 1}}} \leftarrow {num(t.W1[i, j])} - {a}\cdot"
          rf"{p_(t.engine[0][i, j])} = {num(W1n[i, j])}" for j in J for i in range(2)],
        *[rf"b^{{(1)}}_{{{j + 1}}} \leftarrow {num(t.b1[j])} - {a}\cdot{p_(t.engine[1][j])}"
          rf" = {num(b1n[j])}" for j in J],
        *[rf"W^{{(2)}}_{{{j + 1}}} \leftarrow {num(t.W2[j])} - {a}\cdot"
          rf"{p_(t.engine[2][j, 0])} = {num(W2n[j, 0])}" for j in J],
        rf"b^{{(2)}} \leftarrow {num(t.b2)} - {a}\cdot{p_(t.engine[3][0])} = {num(b2n[0])}",
        rf"\text{{loss on this example: }} {num(t.loss)} \rightarrow {num(t.new_loss)}"],
        phase="update"))
    return out


def go(state, delta: int | None) -> None:
    """Move the stage index in `state` by delta (None: back to the start), within the stages."""
    n = N_STAGES
    state["fb.stage"] = 0 if delta is None else max(0, min(n - 1, state["fb.stage"] + delta))


# --- the batch ------------------------------------------------------------------------------
def batch(setup: Setup, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The chosen example and the first k - 1 of EXTRA: X (k, 2), y (k,)."""
    rows = [(*setup.x, setup.y), *EXTRA][:k]
    return np.array([r[:2] for r in rows], dtype=np.float64), np.array([r[2] for r in rows])


def batch_gradients(setup: Setup, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-example gradients (k, n_params) from loss_and_grads on each example alone, and the
    engine's gradient on the whole batch (n_params,), both in params order [W1, b1, W2, b2]."""
    net = setup.network()
    X, y = batch(setup, k)
    per = np.array([np.concatenate([g.ravel() for g in net.loss_and_grads(X[i:i + 1],
                                                                          y[i:i + 1])[1]])
                    for i in range(len(X))])
    whole = np.concatenate([g.ravel() for g in net.loss_and_grads(X, y)[1]])
    return per, whole


def batch_rows(setup: Setup, k: int) -> list[dict]:
    """One row per parameter: each example's gradient, their mean, the engine's batch
    gradient and the difference."""
    per, whole = batch_gradients(setup, k)
    names = [n for group in param_names(setup.hidden) for n in group]
    rows = []
    for i, name in enumerate(names):
        row = {"parameter": name}
        row |= {f"example {e + 1}": f"{per[e, i]:.6f}" for e in range(len(per))}
        mean = per[:, i].mean()
        row |= {"mean": f"{mean:.10f}", "engine on the batch": f"{whole[i]:.10f}",
                "|mean − batch|": f"{abs(mean - whole[i]):.1e}"}
        rows.append(row)
    return rows
