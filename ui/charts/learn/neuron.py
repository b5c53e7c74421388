"""One neuron, drawn: its output over the plane with the line z = 0 and the data, and a
gradient descent run as a plotly animation (from `ui.learn.neuron`'s Plane, Run and Replay,
read duck-typed)."""

import math

import numpy as np

from engine import ACTIVATIONS

from ..base import BLUE, DIVERGING, FONT, ORANGE, hexcolor, typed


def boundary(w1: float, w2: float, b: float, bounds) -> tuple[list, list]:
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


def plane_figure(plane, X, y, point, height: int = 420) -> dict:
    """The neuron's output over the plane (`plane`: a `ui.learn.neuron.Plane`, duck-typed), the
    line z = 0, the data X (n, 2), y (n,) and the chosen point."""
    a, bounds = plane.a, plane.bounds
    lo, hi = color_limits(a, plane.activation)
    label = ACTIVATIONS[plane.activation].label
    heat = {"type": "heatmap", "x": typed(plane.x1s), "y": typed(plane.x2s), "z": typed(a),
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
    line = _line(plane.w1, plane.w2, plane.b, bounds)
    return {"data": [heat, line, _points(X, y), mark], "layout": layout}


def run_figure(run, replay, X, y, height: int = 420) -> dict:
    """Gradient descent as a plotly animation: the sigmoid's output and the line z = 0 move on
    the left, a marker walks along the loss curve on the right. Play/Pause and a step slider
    run in the browser. `run` and `replay` are `ui.learn.neuron`'s Run and Replay (duck-typed):
    one frame per step of the replay."""
    n = len(run.loss)
    idx, bounds = replay.steps, replay.bounds

    def heat(k):
        return {"type": "heatmap", "x": typed(replay.x1s), "y": typed(replay.x2s),
                "z": typed(replay.p[k]), "zmin": 0, "zmax": 1, "colorscale": DIVERGING,
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
    data = [heat(0), line(first), _points(X, y) | {"xaxis": "x", "yaxis": "y"}, curve,
            marker(first)]
    frames = [{"name": str(i), "data": [heat(k), line(i), marker(i)], "traces": [0, 1, 4],
               "layout": {"title": {"text": title(i)}}} for k, i in enumerate(idx)]
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


