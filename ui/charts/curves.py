"""Curves and bars: loss and metrics per epoch, gradient norms per layer, an activation and its
derivative."""

import numpy as np

from .base import FONT, TEST_COLOR, TRAIN_COLOR, thin, typed
from .numbers import HOVER, PLOT_LIMIT


def loss_chart(epochs, train, test, log: bool = False, revision: str = "loss",
               height: int = 260, marks: dict[str, int] | None = None,
               max_points: int = 400, title: str = "Loss",
               extra: dict[str, list] | None = None) -> dict:
    """Train and test loss per epoch (thinned to `max_points`), with hover on both; `extra`
    adds more test losses by name (e.g. on shifted digits), dashed in the test colour."""
    idx = thin(len(epochs), max_points)
    ep = np.asarray(epochs, dtype=np.float64)[idx]
    data = []
    lines = [("train", train, TRAIN_COLOR, "solid"), ("test", test, TEST_COLOR, "solid")]
    lines += [(name, ys, TEST_COLOR, "dash") for name, ys in (extra or {}).items()]
    for name, ys, color, dash in lines:
        ys = drawable(ys, idx)
        data.append({"type": "scatter", "mode": "lines", "name": f"{name} loss",
                     "x": typed(ep), "y": typed(ys),
                     "line": {"color": color, "width": 2, "dash": dash},
                     "hovertemplate": "%{y:" + HOVER + "}"})
    shapes, annotations = [], []
    for label, epoch in (marks or {}).items():
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": epoch, "x1": epoch,
                       "y0": 0, "y1": 1, "line": {"color": "#888", "dash": "dot", "width": 1}})
        annotations.append({"x": epoch, "y": 1, "xref": "x", "yref": "paper", "text": label,
                            "showarrow": False, "yanchor": "bottom", "font": {"size": 10}})
    return {"data": data, "layout": loss_layout(title, height, log, revision) | {
        "shapes": shapes, "annotations": annotations}}


def loss_layout(title: str, height: int, log: bool, revision: str) -> dict:
    """The layout of a loss-per-epoch chart: linear or log y, unified hover, legend on top."""
    return {
        "height": height, "margin": {"l": 48, "r": 8, "t": 28, "b": 32}, "font": FONT,
        "title": {"text": title, "x": 0.01, "font": {"size": 13}},
        "paper_bgcolor": "white", "plot_bgcolor": "white", "hovermode": "x unified",
        "xaxis": {"title": {"text": "epoch", "standoff": 2}, "gridcolor": "#eee",
                  "zeroline": False},
        "yaxis": {"type": "log" if log else "linear", "gridcolor": "#eee", "zeroline": False,
                  "exponentformat": "power" if log else "none"},
        "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02,
                   "yanchor": "bottom"},
        "uirevision": revision}


def metric_chart(epochs, series: dict[str, list[float]], title: str, revision: str = "metric",
                 height: int = 220, max_points: int = 400, yrange=None) -> dict:
    """Several named per-epoch series on one chart (accuracy, R², ...)."""
    idx = thin(len(epochs), max_points)
    ep = np.asarray(epochs, dtype=np.float64)[idx]
    colors = [TRAIN_COLOR, TEST_COLOR, "#0877bd", "#2ca02c"]
    data = [{"type": "scatter", "mode": "lines", "name": name, "x": typed(ep),
             "y": typed(drawable(ys, idx)),
             "line": {"color": colors[i % 4], "width": 2}, "hovertemplate": "%{y:" + HOVER + "}"}
            for i, (name, ys) in enumerate(series.items())]
    return {"data": data, "layout": {
        "height": height, "margin": {"l": 48, "r": 8, "t": 28, "b": 32}, "font": FONT,
        "title": {"text": title, "x": 0.01, "font": {"size": 13}}, "hovermode": "x unified",
        "paper_bgcolor": "white", "plot_bgcolor": "white",
        "xaxis": {"title": {"text": "epoch", "standoff": 2}, "gridcolor": "#eee"},
        "yaxis": {"gridcolor": "#eee", **({"range": list(yrange)} if yrange else {})},
        "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02,
                   "yanchor": "bottom"},
        "uirevision": revision}}


def gradient_norms_chart(norms: list[float], names: list[str], dead: list[float] | None = None,
                         revision: str = "grads", height: int = 240) -> dict:
    """Per-layer gradient norm (log scale), with the fraction of dead units as text."""
    vals = [max(float(v), 1e-12) for v in norms]
    text = [f"{d:.0%} dead" if d else "" for d in (dead or [])] + [""] * (len(names) -
                                                                        len(dead or []))
    return {"data": [{"type": "bar", "x": names, "y": vals, "marker": {"color": "#0877bd"},
                      "text": text, "textposition": "outside",
                      "hovertemplate": "%{x}: |gradient| = %{y:.3e}<extra></extra>"}],
            "layout": {"height": height, "margin": {"l": 48, "r": 8, "t": 28, "b": 28},
                       "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
                       "title": {"text": "Gradient norm per layer",
                                 "x": 0.01, "font": {"size": 13}},
                       "yaxis": {"type": "log", "gridcolor": "#eee",
                                 "exponentformat": "power"},
                       "uirevision": revision}}


def activation_chart(z: np.ndarray, f: np.ndarray, df: np.ndarray, name: str,
                     height: int = 240) -> dict:
    """An activation and its derivative over z."""
    return {"data": [
        {"type": "scatter", "mode": "lines", "x": typed(z), "y": typed(f), "name": f"{name}(z)",
         "line": {"color": "#0877bd", "width": 2.5}},
        {"type": "scatter", "mode": "lines", "x": typed(z), "y": typed(df),
         "name": f"{name}′(z)", "line": {"color": "#f59322", "width": 2, "dash": "dash"}}],
        "layout": {"height": height, "margin": {"l": 36, "r": 8, "t": 28, "b": 28},
                   "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
                   "title": {"text": f"{name} and its derivative", "x": 0.01,
                             "font": {"size": 13}},
                   "hovermode": "x unified",
                   "xaxis": {"title": {"text": "z", "standoff": 2}, "gridcolor": "#eee",
                             "zerolinecolor": "#bbb"},
                   "yaxis": {"gridcolor": "#eee", "zerolinecolor": "#bbb"},
                   "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1,
                              "xanchor": "right"}}}


def drawable(ys, idx) -> np.ndarray:
    """Series values at `idx` that a chart can draw: non-finite ones become gaps (NaN) and huge
    ones (a diverging run's) are clipped, so that they stay finite in float32 (as `plottable`
    does, on arrays)."""
    a = np.asarray(ys, dtype=np.float64)[idx]
    return np.where(np.isfinite(a), np.clip(a, -PLOT_LIMIT, PLOT_LIMIT), np.nan)
