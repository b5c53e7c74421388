"""Loss functions after a sigmoid output: each loss and its gradient with respect to the logit z,
as functions of the probability p given to the true class, all computed by the engine (a 1-1
Network whose bias is the logit)."""

import numpy as np

from engine import LOSSES, Network
from ui.charts.base import FONT

P_RANGE = (0.005, 0.995)
COLORS = {"bce": "#0877bd", "mse": "#f59322", "half_mse": "#2ca02c"}
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


def _chart(title: str, ytitle: str, height: int) -> dict:
    return {"height": height, "margin": {"l": 50, "r": 10, "t": 40, "b": 44}, "font": FONT,
            "paper_bgcolor": "white", "plot_bgcolor": "white",
            "title": {"text": title, "x": 0.01, "font": {"size": 14}},
            "xaxis": {"title": {"text": "p, the predicted probability of the true class"},
                      "range": [0, 1], "gridcolor": "#eee"},
            "yaxis": {"title": {"text": ytitle}, "gridcolor": "#eee", "zerolinecolor": "#999"},
            "legend": {"x": 0.99, "xanchor": "right", "bgcolor": "rgba(255,255,255,0.85)"},
            "hovermode": "x unified"}


def figure(c: dict, what: str, p: float, height: int = 420) -> dict:
    """Each loss (what="loss") or its dL/dz (what="grad") against p, with the value at p
    marked."""
    data = []
    for name in compared():
        label = LOSSES[name].label
        color = COLORS.get(name, "#5b6472")
        data.append({"type": "scatter", "mode": "lines", "x": c["p"].tolist(),
                     "y": c[name][what].tolist(), "name": label,
                     "line": {"color": color, "width": 3}})
        v = at(name, p)[0 if what == "loss" else 1]
        data.append({"type": "scatter", "mode": "markers", "x": [p], "y": [v],
                     "showlegend": False, "marker": {"size": 12, "color": color},
                     "hovertemplate": f"{label}: %{{y:.4f}}<extra></extra>"})
    if what == "loss":
        layout = _chart("The loss L for the true class", "L", height)
        layout["yaxis"]["range"] = [0, 4]
        layout["legend"] |= {"y": 0.99, "yanchor": "top"}
    else:
        layout = _chart("Its gradient ∂L/∂z at the logit z, which drives learning",
                        "∂L/∂z", height)
        layout["yaxis"]["range"] = [-1.05, 0.05]
        layout["legend"] |= {"y": 0.01, "yanchor": "bottom"}
    layout["shapes"] = [{"type": "line", "xref": "x", "yref": "paper", "x0": p, "x1": p,
                         "y0": 0, "y1": 1, "line": {"color": "#1f2430", "dash": "dot"}}]
    return {"data": data, "layout": layout}


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
