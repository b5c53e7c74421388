"""Heatmaps: the weights of every layer, and the confusion matrix."""

import numpy as np

from .base import DIVERGING, FONT, typed


def weight_heatmaps(weights: list[np.ndarray], names: list[str], revision: str = "weights",
                    height: int = 260) -> dict:
    """One heatmap per layer (rows = inputs of the layer, columns = its units), one shared
    symmetric colour scale."""
    n = len(weights)
    zmax = max((float(np.abs(W).max()) for W in weights if W.size), default=1.0) or 1.0
    gap = 0.04
    width = (1.0 - gap * (n - 1)) / n
    data, layout = [], {
        "height": height, "margin": {"l": 28, "r": 8, "t": 28, "b": 24}, "font": FONT,
        "paper_bgcolor": "white", "plot_bgcolor": "white", "uirevision": revision,
        "title": {"text": "Weights per layer (rows: inputs, columns: neurons)", "x": 0.01,
                  "font": {"size": 13}}}
    for i, (W, name) in enumerate(zip(weights, names, strict=True)):
        ax = "" if i == 0 else str(i + 1)
        data.append({"type": "heatmap", "z": typed(W, "f8"), "xaxis": f"x{ax}",
                     "yaxis": f"y{ax}",
                     "zmin": -zmax, "zmax": zmax, "colorscale": DIVERGING,
                     "showscale": i == n - 1, "colorbar": {"thickness": 10, "len": 0.9},
                     "hovertemplate": f"{name}: input %{{y}} → neuron %{{x}}<br>"
                                      "w = %{z:.4f}<extra></extra>"})
        x0 = i * (width + gap)
        layout[f"xaxis{ax}"] = {"domain": [x0, x0 + width], "title": {"text": name},
                                "showticklabels": False, "ticks": ""}
        layout[f"yaxis{ax}"] = {"autorange": "reversed", "showticklabels": False,
                                "ticks": "", "anchor": f"x{ax}"}
    return {"data": data, "layout": layout}


def confusion_chart(cm: np.ndarray, labels: list[str], revision: str = "cm",
                    height: int = 260, title: str = "Confusion matrix (test set)") -> dict:
    """A confusion matrix (rows: true class, columns: predicted) with counts in the cells."""
    cm = np.asarray(cm)
    return {"data": [{"type": "heatmap", "z": cm.tolist(), "x": labels, "y": labels,
                      "colorscale": [[0, "#f4f6f9"], [1, "#0877bd"]], "showscale": False,
                      "text": cm.tolist(), "texttemplate": "%{text}",
                      "hovertemplate": "true %{y}, predicted %{x}: %{z}<extra></extra>"}],
            "layout": {"height": height, "margin": {"l": 60, "r": 8, "t": 28, "b": 40},
                       "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
                       "title": {"text": title, "x": 0.01,
                                 "font": {"size": 13}},
                       "xaxis": {"title": {"text": "predicted"}, "type": "category"},
                       "yaxis": {"title": {"text": "true"}, "autorange": "reversed",
                                 "type": "category"},
                       "uirevision": revision}}
