"""What hidden layers see, drawn: every neuron's map over the input plane, and the warped grid
beside the input plane. Results are `ui.learn.hidden.HiddenResult`s, read duck-typed."""

import numpy as np

from engine import ACTIVATIONS
from engine.outputs import OUTPUTS

from ..base import CLASS_COLORS, DIVERGING, FONT, hexcolor, unit_scale


def layer_names(result) -> list[str]:
    """The layers' names, first hidden layer to output, as the figures and the page show them."""
    return [f"hidden layer {i + 1}" for i in range(len(result.hidden))] + ["output"]


def _range(result, layer: int) -> tuple[float, float]:
    if layer < len(result.hidden):
        return ACTIVATIONS[result.activation].output_range
    return OUTPUTS[result.output].value_range


# --- neuron maps ------------------------------------------------------------------------------
def neuron_maps_figure(result, height_per_row: int = 150) -> dict:
    """Every neuron's output over the input plane: one row per layer, one square per neuron.
    Colours: orange low, blue high (scaled by the activation's range); hover shows the value."""
    rows = len(result.maps)
    cols = max(m.shape[0] for m in result.maps)
    res = result.maps[0].shape[-1]
    x0, x1, y0, y1 = result.bounds
    xs, ys = np.linspace(x0, x1, res), np.linspace(y0, y1, res)
    gap_x, gap_y = 0.02, 0.25 / rows
    w, h = (1 - gap_x * (cols - 1)) / cols, (1 - gap_y * (rows - 1)) / rows
    data, layout, notes = [], {}, []
    names = layer_names(result)
    for r, maps in enumerate(result.maps):
        lo_hi = _range(result, r)
        top = 1 - r * (h + gap_y)
        for c, values in enumerate(maps):
            k = r * cols + c + 1
            ax = "" if k == 1 else str(k)
            data.append({"type": "heatmap", "x": np.round(xs, 3).tolist(),
                         "y": np.round(ys, 3).tolist(),
                         "z": np.round(unit_scale(values, lo_hi), 3).tolist(),
                         "customdata": np.round(values, 4).tolist(), "zmin": 0, "zmax": 1,
                         "colorscale": DIVERGING, "showscale": False,
                         "xaxis": f"x{ax}", "yaxis": f"y{ax}",
                         "hovertemplate": f"{names[r]}, neuron {c + 1}<br>"
                                          "x₁ %{x:.2f}, x₂ %{y:.2f}<br>output %{customdata:.3f}"
                                          "<extra></extra>"})
            left = c * (w + gap_x)
            layout[f"xaxis{ax}"] = {"domain": [left, left + w], "visible": False,
                                    "anchor": f"y{ax}"}
            layout[f"yaxis{ax}"] = {"domain": [top - h, top], "visible": False,
                                    "anchor": f"x{ax}", "scaleanchor": f"x{ax}"}
        notes.append({"text": f"<b>{names[r]}</b>", "xref": "paper", "yref": "paper", "x": 0,
                      "y": top + 0.01, "xanchor": "left", "yanchor": "bottom",
                      "showarrow": False, "font": {"size": 13}})
    layout |= {"height": height_per_row * rows + 40, "margin": {"l": 5, "r": 5, "t": 25, "b": 5},
               "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
               "annotations": notes, "dragmode": False}
    return {"data": data, "layout": layout}


LINE_COLOURS = ("#7b61c9", "#8a8f98")  # lines of constant x1, of constant x2


def _line_traces(lines: np.ndarray, xaxis: str, yaxis: str, show_legend: bool) -> list[dict]:
    traces = []
    n = len(lines) // 2
    for which, (colour, name) in enumerate(zip(LINE_COLOURS, ("x₁ constant", "x₂ constant"),
                                               strict=True)):
        part = lines[which * n:(which + 1) * n]
        pad = np.full((len(part), 1, 2), np.nan)  # a gap between lines
        pts = np.concatenate([part, pad], axis=1).reshape(-1, 2)
        x = [None if np.isnan(v) else round(float(v), 4) for v in pts[:, 0]]
        y = [None if np.isnan(v) else round(float(v), 4) for v in pts[:, 1]]
        traces.append({"type": "scatter", "mode": "lines", "name": f"grid line, {name}",
                       "x": x, "y": y, "xaxis": xaxis, "yaxis": yaxis, "hoverinfo": "skip",
                       "line": {"color": colour, "width": 1.2}, "showlegend": show_legend,
                       "legendgroup": name})
    return traces


def _point_traces(P: np.ndarray, y: np.ndarray, xaxis: str, yaxis: str, show_legend: bool,
                  hover: str) -> list[dict]:
    traces = []
    for k in np.unique(y):
        sel = y == k
        traces.append({"type": "scatter", "mode": "markers", "name": f"class {int(k)}",
                       "x": np.round(P[sel, 0], 4).tolist(), "y": np.round(P[sel, 1], 4).tolist(),
                       "xaxis": xaxis, "yaxis": yaxis, "legendgroup": f"class {int(k)}",
                       "showlegend": show_legend, "hovertemplate": hover,
                       "marker": {"size": 6, "color": hexcolor(CLASS_COLORS[int(k) % 8]),
                                  "line": {"color": "white", "width": 0.5}}})
    return traces


def warp_figure(result, layer: int, i: int, j: int, warped, height: int = 460) -> dict:
    """Left: the input plane with a grid and the data. Right: the same grid lines and points
    after hidden layer `layer`, at (output of neuron i, output of neuron j): `warped`, the pair
    (lines (2 * N_LINES, LINE_RES, 2), points (n, 2)) that `ui.learn.hidden.warped` gives. When
    the layer has exactly these two neurons and one output, the output neuron's boundary
    (logit 0) is drawn: there it is a straight line."""
    lines, points = warped
    data = _line_traces(result.lines, "x", "y", True)
    data += _point_traces(result.X, result.y, "x", "y", True,
                          "(%{x:.2f}, %{y:.2f})<extra></extra>")
    data += _line_traces(lines, "x2", "y2", False)
    data += _point_traces(points, result.y, "x2", "y2", False,
                          f"neuron {i + 1}: %{{x:.3f}}<br>neuron {j + 1}: %{{y:.3f}}"
                          "<extra></extra>")
    x0, x1, y0, y1 = result.bounds
    lo, hi = points.min(axis=0), points.max(axis=0)
    lo = np.minimum(lo, lines.reshape(-1, 2).min(axis=0))
    hi = np.maximum(hi, lines.reshape(-1, 2).max(axis=0))
    pad = 0.05 * np.maximum(hi - lo, 1e-6)
    rx, ry = [float(lo[0] - pad[0]), float(hi[0] + pad[0])], [float(lo[1] - pad[1]),
                                                                float(hi[1] + pad[1])]
    boundary = boundary_line(result, layer, i, j, rx)
    if boundary is not None:
        data.append({"type": "scatter", "mode": "lines", "name": "output boundary",
                     "x": boundary[0], "y": boundary[1], "xaxis": "x2", "yaxis": "y2",
                     "line": {"color": "#1f2430", "width": 3, "dash": "dash"},
                     "hoverinfo": "name"})
    name = layer_names(result)[layer]
    return {"data": data, "layout": {
        "height": height, "margin": {"l": 50, "r": 10, "t": 40, "b": 50}, "font": FONT,
        "paper_bgcolor": "white", "plot_bgcolor": "white", "dragmode": False,
        "xaxis": {"domain": [0, 0.46], "range": [x0, x1], "title": {"text": result.axes[0]},
                  "zeroline": False, "constrain": "domain"},
        "yaxis": {"range": [y0, y1], "title": {"text": result.axes[1]},
                  "zeroline": False, "constrain": "domain",
                  **({"scaleanchor": "x"} if np.isclose(x1 - x0, y1 - y0) else {})},
        "xaxis2": {"domain": [0.54, 1], "range": rx, "anchor": "y2", "zeroline": False,
                   "title": {"text": f"{name}, neuron {i + 1}"}},
        "yaxis2": {"range": ry, "anchor": "x2", "zeroline": False,
                   "title": {"text": f"neuron {j + 1}"}},
        "annotations": [
            {"text": "<b>input space</b>", "xref": "paper", "yref": "paper", "x": 0, "y": 1.02,
             "xanchor": "left", "yanchor": "bottom", "showarrow": False},
            {"text": f"<b>the same, seen by {name}</b>", "xref": "paper", "yref": "paper",
             "x": 0.54, "y": 1.02, "xanchor": "left", "yanchor": "bottom",
             "showarrow": False}],
        "legend": {"orientation": "h", "y": -0.14, "x": 0}}}


def boundary_line(result, layer: int, i: int, j: int, xrange):
    """x and y of the output's 0-logit line in the (neuron i, neuron j) plane, when the output
    depends on nothing else: the last hidden layer, two neurons wide, one output."""
    last = len(result.hidden) - 1
    W, b = result.out_weights, result.out_bias
    if layer != last or result.hidden[last] != 2 or W.shape[1] != 1:
        return None
    wi, wj, c = float(W[i, 0]), float(W[j, 0]), float(b[0])
    if abs(wj) < 1e-12:
        return None
    xs = np.linspace(xrange[0], xrange[1], 2)
    return xs.tolist(), (-(c + wi * xs) / wj).tolist()


