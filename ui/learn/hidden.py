"""What hidden layers see: every neuron's output over the input plane, and the input plane
itself carried through the network to the plane of two neurons of one layer (a warped grid)."""

from dataclasses import dataclass

import numpy as np

from engine import ACTIVATIONS, DATASETS, Config, Trainer
from engine.outputs import OUTPUTS
from ui.charts.base import CLASS_COLORS, DIVERGING, FONT, hexcolor, unit_scale

# Classification datasets only: the points are coloured by class.
CHOICES = [name for name, spec in DATASETS.items() if spec.task != "regression"]
ARCHITECTURES = [(8, 8, 2), (6, 4), (4, 2), (8,), (3,)]
DEFAULT_DATASET, DEFAULT_ACTIVATION = "circle", "tanh"
N_SAMPLES, NOISE, EPOCHS, LR, BATCH = 300, 0.1, 200, 0.01, 10
MAP_RES = 40  # neuron maps: MAP_RES x MAP_RES points
N_LINES, LINE_RES = 13, 120  # the warped grid: lines per direction, points per line


@dataclass(frozen=True)
class HiddenResult:
    """A trained network, seen from inside: plain arrays, so st.cache_data can keep it."""

    dataset: str
    hidden: tuple[int, ...]
    activation: str
    output: str
    task: str
    bounds: tuple[float, float, float, float]
    maps: list[np.ndarray]  # per layer (hidden..., output): (units, MAP_RES, MAP_RES)
    lines: np.ndarray  # (2 * N_LINES, LINE_RES, 2): the grid lines in input space
    line_outputs: list[np.ndarray]  # per layer: (2 * N_LINES, LINE_RES, units)
    X: np.ndarray  # (n, 2) all data points, training first
    y: np.ndarray  # (n,)
    data_outputs: list[np.ndarray]  # per layer: (n, units)
    out_weights: np.ndarray  # the output layer's W (last hidden width, outputs)
    out_bias: np.ndarray
    train_accuracy: float
    test_accuracy: float
    epochs: int
    axes: tuple[str, str] = ("x₁", "x₂")  # a real table's column names


def config(dataset: str = DEFAULT_DATASET, hidden=(8, 8, 2), activation: str = DEFAULT_ACTIVATION,
           seed: int = 0) -> Config:
    return Config(dataset=dataset, n_samples=N_SAMPLES, noise=NOISE, hidden=tuple(hidden),
                  activation=activation, optimizer="adam", lr=LR, batch_size=BATCH,
                  max_epochs=EPOCHS, seed=seed)


def grid_lines(bounds, n_lines: int = N_LINES, res: int = LINE_RES) -> np.ndarray:
    """Lines of constant x1 (the first n_lines) and of constant x2 across `bounds`:
    (2 * n_lines, res, 2) points in input space."""
    x0, x1, y0, y1 = bounds
    xs, ys = np.linspace(x0, x1, n_lines), np.linspace(y0, y1, n_lines)
    ty, tx = np.linspace(y0, y1, res), np.linspace(x0, x1, res)
    vertical = np.stack([np.column_stack([np.full(res, x), ty]) for x in xs])
    horizontal = np.stack([np.column_stack([tx, np.full(res, y)]) for y in ys])
    return np.concatenate([vertical, horizontal])


def train(dataset: str = DEFAULT_DATASET, hidden=(8, 8, 2),
          activation: str = DEFAULT_ACTIVATION, seed: int = 0) -> HiddenResult:
    """Train with the engine for EPOCHS epochs, then record every layer's output over the map
    grid, along the grid lines and at every data point."""
    trainer = Trainer(config(dataset, hidden, activation, seed))
    trainer.run(EPOCHS)
    net, data = trainer.net, trainer.data
    bounds = trainer.bounds  # a real table's: its usual pair of columns, the others held
    lines = grid_lines(bounds)
    flat_lines = trainer.inputs(trainer.rows(lines.reshape(-1, 2)))
    line_outputs = [a.reshape(*lines.shape[:2], -1) for a in net.layer_outputs(flat_lines)]
    X, y = np.concatenate([trainer.points_train, trainer.points_test]), data.y
    h = trainer.history.last
    return HiddenResult(
        dataset=dataset, hidden=tuple(hidden), activation=activation, output=trainer.output,
        task=trainer.task, bounds=bounds, maps=trainer.layer_grids(MAP_RES, bounds),
        lines=lines, line_outputs=line_outputs, X=X, y=y,
        data_outputs=net.layer_outputs(trainer.inputs(data.X)),
        out_weights=net.params[-2].copy(), out_bias=net.params[-1].copy(),
        train_accuracy=float(h["train_accuracy"]), test_accuracy=float(h["test_accuracy"]),
        epochs=trainer.epoch,
        axes=("x₁", "x₂") if trainer.axis_names == ("x1", "x2") else trainer.axis_names)


def real_note(result: HiddenResult) -> str:
    """What the planes of a real table are: its usual two columns, the others held."""
    return (f"A real table: the planes below span its columns {result.axes[0]} and "
            f"{result.axes[1]}, in their own units; the network sees every column, scaled, "
            "and its other columns are held at their medians here.")


def layer_names(result: HiddenResult) -> list[str]:
    return [f"hidden layer {i + 1}" for i in range(len(result.hidden))] + ["output"]


def _range(result: HiddenResult, layer: int) -> tuple[float, float]:
    if layer < len(result.hidden):
        return ACTIVATIONS[result.activation].output_range
    return OUTPUTS[result.output].value_range


# --- neuron maps ------------------------------------------------------------------------------
def neuron_maps_figure(result: HiddenResult, height_per_row: int = 150) -> dict:
    """Every neuron's output over the input plane: one row per layer, one square per neuron.
    Colours: orange low, blue high (scaled by the activation's range); hover shows the value."""
    rows = len(result.maps)
    cols = max(m.shape[0] for m in result.maps)
    x0, x1, y0, y1 = result.bounds
    xs, ys = np.linspace(x0, x1, MAP_RES), np.linspace(y0, y1, MAP_RES)
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


# --- the warped grid --------------------------------------------------------------------------
def warped(result: HiddenResult, layer: int, i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
    """The grid lines (2 * N_LINES, LINE_RES, 2) and data points (n, 2) in the plane of neurons
    i and j of hidden layer `layer` (0-based)."""
    check(result, layer, i, j)
    return (result.line_outputs[layer][..., [i, j]], result.data_outputs[layer][:, [i, j]])


def check(result: HiddenResult, layer: int, i: int, j: int) -> None:
    if not 0 <= layer < len(result.hidden):
        raise ValueError(f"choose a hidden layer from 1 to {len(result.hidden)}")
    width = result.hidden[layer]
    if not (0 <= i < width and 0 <= j < width):
        raise ValueError(f"hidden layer {layer + 1} has neurons 1 to {width}")
    if i == j:
        raise ValueError("choose two different neurons")


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


def warp_figure(result: HiddenResult, layer: int, i: int, j: int, height: int = 460) -> dict:
    """Left: the input plane with a grid and the data. Right: the same grid lines and points
    after hidden layer `layer`, at (output of neuron i, output of neuron j). When the layer has
    exactly these two neurons and one output, the output neuron's boundary (logit 0) is drawn:
    there it is a straight line."""
    lines, points = warped(result, layer, i, j)
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


def boundary_line(result: HiddenResult, layer: int, i: int, j: int, xrange):
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


# --- page state -------------------------------------------------------------------------------
# The page's widgets, kept across visits to other pages.
WIDGETS = ("hl.dataset", "hl.arch", "hl.activation", "hl.layer", "hl.i", "hl.j")


def pick(state, result: HiddenResult) -> int:
    """Keep the page's layer and neuron choices valid for `result`'s network (they may come from
    a larger one): returns the layer. Neurons default to the first two."""
    layer = state.get("hl.layer", len(result.hidden) - 1)
    if not isinstance(layer, int) or not 0 <= layer < len(result.hidden):
        layer = len(result.hidden) - 1
    state["hl.layer"] = layer
    width = result.hidden[layer]
    for key, default in (("hl.i", 0), ("hl.j", min(1, width - 1))):
        value = state.get(key, default)
        state[key] = value if isinstance(value, int) and 0 <= value < width else default
    return layer
