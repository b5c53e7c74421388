"""Loss functions after a sigmoid output: each loss and its gradient with respect to the logit z,
as functions of the probability p given to the true class, all computed by the engine (a 1-1
Network whose bias is the logit)."""

import numpy as np

from engine import LOSSES, Network

P_RANGE = (0.005, 0.995)
# Closed forms for the true class y = 1 (loss, dL/dz); the numbers shown are the engine's.
TEX = {
    "bce": (r"-\log p", r"p - 1"),
    "mse": (r"(1 - p)^2", r"2\,(p - 1)\,p\,(1 - p)"),
    "half_mse": (r"\tfrac12 (1 - p)^2", r"(p - 1)\,p\,(1 - p)"),
}


def compared() -> list[str]:
    """The engine's losses that can follow a sigmoid output, in registry order."""
    return [name for name, loss in LOSSES.items() if "sigmoid" in loss.outputs]


def logit(p):
    return np.log(p) - np.log1p(-p)


def at(name: str, p: float) -> tuple[float, float]:
    """(loss, dL/dz) of one example of class 1 predicted with probability p, from the engine:
    a 1-1 sigmoid Network with weight 0 and bias z = logit(p), input 0."""
    net = Network([1, 1], output="sigmoid", loss=name)
    net.params[0][...] = 0.0
    net.params[1][...] = logit(float(p))
    loss, grads = net.loss_and_grads(np.zeros((1, 1)), np.ones(1))
    return float(loss), float(grads[1][0])


def curves(n: int = 397) -> dict:
    """p (n,) over P_RANGE and, per compared loss, its values and dL/dz (n,)."""
    p = np.linspace(*P_RANGE, n)
    out = {"p": p}
    for name in compared():
        vals = np.array([at(name, q) for q in p])
        out[name] = {"loss": vals[:, 0], "grad": vals[:, 1]}
    return out


def values(p: float) -> dict[str, tuple[float, float]]:
    """(loss, dL/dz) at p of every compared loss, from the engine, in registry order."""
    return {name: at(name, p) for name in compared()}


def lines(p: float) -> list[str]:
    """One LaTeX line per compared loss: its formula and gradient at p, with the engine's
    values."""
    out = []
    for name in compared():
        loss, grad = at(name, p)
        label = LOSSES[name].label
        if name in TEX:
            ltex, gtex = TEX[name]
            out.append(rf"\text{{{label}:}}\ L = {ltex} = {loss:.4f},\quad "
                       rf"\frac{{\partial L}}{{\partial z}} = {gtex} = {grad:.4f}")
        else:
            out.append(rf"\text{{{label}:}}\ L = {loss:.4f},\quad "
                       rf"\frac{{\partial L}}{{\partial z}} = {grad:.4f}")
    return out
