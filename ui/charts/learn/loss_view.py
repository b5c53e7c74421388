"""Loss functions after a sigmoid output, drawn: each loss, or its gradient at the logit,
against the probability p given to the true class (the values are `ui.learn.loss_view`'s)."""

from engine import LOSSES

from ..base import FONT

COLORS = {"bce": "#0877bd", "mse": "#f59322", "half_mse": "#2ca02c"}


def _chart(title: str, ytitle: str, height: int) -> dict:
    return {"height": height, "margin": {"l": 50, "r": 10, "t": 40, "b": 44}, "font": FONT,
            "paper_bgcolor": "white", "plot_bgcolor": "white",
            "title": {"text": title, "x": 0.01, "font": {"size": 14}},
            "xaxis": {"title": {"text": "p, the predicted probability of the true class"},
                      "range": [0, 1], "gridcolor": "#eee"},
            "yaxis": {"title": {"text": ytitle}, "gridcolor": "#eee", "zerolinecolor": "#999"},
            "legend": {"x": 0.99, "xanchor": "right", "bgcolor": "rgba(255,255,255,0.85)"},
            "hovermode": "x unified"}


def figure(c: dict, values: dict, what: str, p: float, height: int = 420) -> dict:
    """Each loss (what="loss") or its dL/dz (what="grad") against p, from `c` (the curves:
    p (n,) and per loss {"loss": (n,), "grad": (n,)}), with its value at p marked (`values`:
    loss name -> (loss, dL/dz) at p, in the order drawn)."""
    data = []
    for name, at_p in values.items():
        label = LOSSES[name].label
        color = COLORS.get(name, "#5b6472")
        data.append({"type": "scatter", "mode": "lines", "x": c["p"].tolist(),
                     "y": c[name][what].tolist(), "name": label,
                     "line": {"color": color, "width": 3}})
        v = at_p[0 if what == "loss" else 1]
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
