"""Figures: plain functions from arrays to plotly figures (as dicts) or RGB images.

Nothing here reads Streamlit state or the engine's objects: inputs are arrays and numbers, so
every figure is testable without a browser (`plotly.graph_objects.Figure(fig)` validates one).
Maps are sent as small PNGs and numeric arrays as base64 typed arrays to keep frames small.
"""

import base64
import io
import math

import numpy as np
from PIL import Image, ImageDraw

# TensorFlow Playground's colours: orange for negative / class 0, blue for positive / class 1.
ORANGE, WHITE, BLUE = (245, 147, 34), (232, 234, 235), (8, 119, 189)
CLASS_COLORS = [ORANGE, BLUE, (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
                (227, 119, 194), (23, 190, 207)]
TRAIN_COLOR, TEST_COLOR = "#5b6472", "#f06b1e"
FONT = {"family": "sans-serif", "size": 12, "color": "#1f2430"}
MAP_FADE = 0.45  # how much the output map is blended towards white
DIVERGING = [[0.0, "rgb(245,147,34)"], [0.5, "rgb(232,234,235)"], [1.0, "rgb(8,119,189)"]]
# Marks an invisible trace that only gives hover text and receives clicks: the live chart brings
# it up to date lazily (when the pointer is over the chart or the updates pause).
HOVER_ONLY = "hover-only"
LINK_ALPHA = 191  # links of the network diagram are drawn at 75 % opacity
LINK_WIDTH = (0.6, 7.0)  # on-screen width of the weakest and the strongest link, px
LINK_SHARPNESS = 1.25  # image pixels of the links per pixel on screen
LINK_SUPERSAMPLE = 2  # links are drawn this many times larger, then reduced (anti-aliasing)


def hexcolor(rgb) -> str:
    return "#" + "".join(f"{int(c):02x}" for c in rgb)


def typed(a: np.ndarray, dtype: str = "f4") -> dict:
    """A numpy array as plotly.js's base64 typed-array spec."""
    a = np.ascontiguousarray(a, dtype={"f4": np.float32, "f8": np.float64, "u1": np.uint8,
                                       "i4": np.int32}[dtype])
    spec = {"dtype": dtype, "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = ", ".join(str(s) for s in a.shape)
    return spec


def png_uri(rgb: np.ndarray | Image.Image) -> str:
    """A (h, w, 3|4) uint8 array (row 0 at the top) or a PIL image as a PNG data URI."""
    img = rgb if isinstance(rgb, Image.Image) else \
        Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8))
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


# --- colour maps -------------------------------------------------------------------------
def diverging_rgb(v: np.ndarray) -> np.ndarray:
    """Values in [0, 1] -> uint8 RGB (..., 3): orange at 0, light grey at 0.5, blue at 1."""
    v = np.clip(np.nan_to_num(np.asarray(v, dtype=np.float64), nan=0.5), 0.0, 1.0)[..., None]
    lo, mid, hi = (np.array(c, dtype=np.float64) for c in (ORANGE, WHITE, BLUE))
    t = np.abs(v - 0.5) * 2.0
    end = np.where(v < 0.5, lo, hi)
    return (mid + (end - mid) * t).round().astype(np.uint8)


def class_blend_rgb(P: np.ndarray) -> np.ndarray:
    """Class probabilities (..., k) -> uint8 RGB: class colours mixed by probability and
    faded towards grey where the network is unsure."""
    k = P.shape[-1]
    colors = np.array(CLASS_COLORS[:k], dtype=np.float64)
    mix = P @ colors
    conf = ((P.max(axis=-1) - 1.0 / k) / (1.0 - 1.0 / k))[..., None]
    return (np.array(WHITE) + (mix - np.array(WHITE)) * np.clip(conf, 0, 1)).round().astype(
        np.uint8)


def unit_scale(values: np.ndarray, output_range: tuple[float, float]) -> np.ndarray:
    """Map a neuron's outputs to [0, 1] for colouring: by its activation's range when that is
    bounded, else by its largest magnitude (0 stays in the middle)."""
    lo, hi = output_range
    if math.isfinite(lo) and math.isfinite(hi) and lo < 0 < hi:
        return (values / max(-lo, hi) + 1.0) / 2.0
    if math.isfinite(lo) and math.isfinite(hi):
        return (values - lo) / (hi - lo)
    m = float(np.abs(values).max()) or 1.0
    return (values / m + 1.0) / 2.0


def map_rgb(grid: np.ndarray, task: str, output: str, discretize: bool = False) -> np.ndarray:
    """Network outputs over the grid (res, res[, k]) -> uint8 RGB (res, res, 3), row 0 = top."""
    if task == "multiclass":
        P = grid
        if discretize:
            P = np.eye(grid.shape[-1])[grid.argmax(axis=-1)]
        rgb = class_blend_rgb(P)
    else:
        v = (grid + 1.0) / 2.0 if (output == "tanh" or task == "regression") else grid
        if discretize:
            v = (v > 0.5).astype(np.float64)
        rgb = diverging_rgb(v)
    # Lighter than the points drawn on top, so a point of a region's own colour still shows.
    rgb = (rgb * (1.0 - MAP_FADE) + 255.0 * MAP_FADE).round().astype(np.uint8)
    return rgb[::-1]  # grid row 0 is the lowest x2; image row 0 is the top


# --- the output map ----------------------------------------------------------------------
def output_map(grid: np.ndarray, bounds, task: str, output: str, X_train, y_train,
               X_test=None, y_test=None, show_test: bool = False, discretize: bool = False,
               title: str = "", revision: str = "map", height: int = 430,
               hover_grid: np.ndarray | None = None) -> dict:
    """The decision map with the data on top. `grid` is (res, res) or (res, res, k) with row i
    at the i-th x2 from the bottom; `bounds` = (x1min, x1max, x2min, x2max)."""
    x1min, x1max, x2min, x2max = (float(b) for b in bounds)
    data = [_hover_layer(grid if hover_grid is None else hover_grid, bounds, task, output)]
    data += _points_traces(X_train, y_train, task, "train", "circle")
    if show_test and X_test is not None and len(X_test):
        data += _points_traces(X_test, y_test, task, "test", "circle-open")
    layout = {
        "height": height, "margin": {"l": 40, "r": 8, "t": 30 if title else 8, "b": 40},
        "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
        "xaxis": {"range": [x1min, x1max], "zeroline": False, "showgrid": False,
                  "title": {"text": "x₁", "standoff": 6}, "constrain": "domain"},
        "yaxis": {"range": [x2min, x2max], "zeroline": False, "showgrid": False,
                  "scaleanchor": "x", "title": {"text": "x₂", "standoff": 6},
                  "constrain": "domain"},
        "images": [{"source": png_uri(map_rgb(grid, task, output, discretize)), "xref": "x",
                    "yref": "y", "x": x1min, "y": x2max, "sizex": x1max - x1min,
                    "sizey": x2max - x2min, "sizing": "stretch", "layer": "below"}],
        "showlegend": False, "uirevision": revision, "dragmode": "pan",
        "hoverlabel": {"font": {"size": 12}},
    }
    if title:
        layout["title"] = {"text": title, "x": 0.01, "font": {"size": 13}}
    return {"data": data, "layout": layout, "config": {"scrollZoom": True}}


def _hover_layer(grid: np.ndarray, bounds, task: str, output: str, res: int = 50) -> dict:
    """A transparent heatmap, coarser than the image, that gives the map its hover values and
    receives clicks."""
    n = grid.shape[0]
    idx = np.linspace(0, n - 1, min(res, n)).round().astype(int)
    g = grid[np.ix_(idx, idx)]
    x1min, x1max, x2min, x2max = bounds
    xs, ys = np.linspace(x1min, x1max, len(idx)), np.linspace(x2min, x2max, len(idx))
    if task == "multiclass":
        z, tmpl = g.argmax(axis=-1), "predicted class %{z}<extra></extra>"
    elif task == "regression":
        z, tmpl = g, "prediction %{z:.3f}<extra></extra>"
    else:
        z = (g + 1.0) / 2.0 if output == "tanh" else g
        tmpl = "P(class 1) = %{z:.3f}<extra></extra>"
    return {"type": "heatmap", "x": typed(xs), "y": typed(ys), "z": typed(z),
            "opacity": 0, "meta": HOVER_ONLY, "showscale": False, "hovertemplate": tmpl,
            "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]]}


def _points_traces(X, y, task: str, name: str, symbol: str) -> list[dict]:
    X = np.asarray(X, dtype=np.float64).reshape(-1, 2)
    y = np.asarray(y)
    marker = {"size": 6 if name == "train" else 7, "symbol": symbol,
              "line": {"width": 1 if name == "train" else 1.5,
                       "color": "white" if name == "train" else "#1f2430"}}
    if task == "regression":
        marker |= {"color": typed(y), "colorscale": DIVERGING, "cmin": -1, "cmax": 1}
        hover = f"{name}: (%{{x:.2f}}, %{{y:.2f}}) value %{{marker.color:.3f}}<extra></extra>"
    else:
        colors = np.array([hexcolor(CLASS_COLORS[int(c) % len(CLASS_COLORS)]) for c in y])
        marker["color"] = colors.tolist()
        if name != "train":
            marker["line"]["color"] = colors.tolist()
        hover = f"{name}: (%{{x:.2f}}, %{{y:.2f}}) class %{{customdata}}<extra></extra>"
    trace = {"type": "scatter", "mode": "markers", "name": name, "x": typed(X[:, 0], "f8"),
             "y": typed(X[:, 1], "f8"), "marker": marker, "hovertemplate": hover}
    if task != "regression":
        trace["customdata"] = typed(y, "i4")
    return [trace]


# --- training curves ---------------------------------------------------------------------
def _thin(n: int, max_points: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, max_points)).round().astype(int)) if n else \
        np.zeros(0, dtype=int)


def loss_chart(epochs, train, test, log: bool = False, revision: str = "loss",
               height: int = 260, marks: dict[str, int] | None = None,
               max_points: int = 400, title: str = "Loss") -> dict:
    """Train and test loss per epoch (thinned to `max_points`), with hover on both."""
    idx = _thin(len(epochs), max_points)
    ep = np.asarray(epochs, dtype=np.float64)[idx]
    data = []
    for name, ys, color, dash in (("train", train, TRAIN_COLOR, "solid"),
                                  ("test", test, TEST_COLOR, "solid")):
        ys = np.asarray(ys, dtype=np.float64)[idx]
        data.append({"type": "scatter", "mode": "lines", "name": f"{name} loss",
                     "x": typed(ep), "y": typed(ys),
                     "line": {"color": color, "width": 2, "dash": dash},
                     "hovertemplate": "%{y:.4f}"})
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
    idx = _thin(len(epochs), max_points)
    ep = np.asarray(epochs, dtype=np.float64)[idx]
    colors = [TRAIN_COLOR, TEST_COLOR, "#0877bd", "#2ca02c"]
    data = [{"type": "scatter", "mode": "lines", "name": name, "x": typed(ep),
             "y": typed(np.asarray(ys, dtype=np.float64)[idx]),
             "line": {"color": colors[i % 4], "width": 2}, "hovertemplate": "%{y:.4f}"}
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


# --- the network diagram ------------------------------------------------------------------
def _column_ys(n: int) -> list[float]:
    return [(n - 1) / 2.0 - i for i in range(n)]


def network_diagram(feature_labels: list[str], weights: list[np.ndarray],
                    biases: list[np.ndarray], node_rgb: list[list[np.ndarray]],
                    activations: list[str], selected: tuple[int, int] | None = None,
                    revision: str = "net", height: int = 430) -> dict:
    """Nodes as small maps of their own output, links coloured by sign (orange negative, blue
    positive) and as wide as |weight|. `node_rgb[c][i]` is node i of column c (inputs first)
    as an RGB thumbnail; clicking a node reports curve 0, point = its index in `node_ids`."""
    sizes = [len(feature_labels)] + [W.shape[1] for W in weights]
    cols = [_column_ys(n) for n in sizes]
    span = max(max(sizes) - 1, 1)
    thumb = min(0.8, 0.8 * max(sizes) / max(max(sizes), 1))
    mid_x, mid_y, mid_text = [], [], []
    names = [list(feature_labels)] + [
        [f"{'output' if c == len(weights) else f'layer {c}'} #{i + 1}" for i in range(n)]
        for c, n in enumerate(sizes[1:], start=1)]
    for c, W in enumerate(weights):
        for i, y0 in enumerate(cols[c]):
            for j, y1 in enumerate(cols[c + 1]):
                mid_x.append(c + 0.5)
                mid_y.append((y0 + y1) / 2)
                mid_text.append(f"{names[c][i]} → {names[c + 1][j]}: w = {float(W[i, j]):.4f}")
    node_x = [float(c) for c, ys in enumerate(cols) for _ in ys]
    node_y = [y for ys in cols for y in ys]
    node_text = []
    for c, ys in enumerate(cols):
        for i in range(len(ys)):
            if c == 0:
                node_text.append(f"input {names[0][i]}")
            else:
                act = activations[c - 1] if c - 1 < len(activations) else "output"
                node_text.append(f"{names[c][i]} ({act}), bias {float(biases[c - 1][i]):.4f}")
    data = [{"type": "scatter", "mode": "markers", "x": node_x, "y": node_y,
             "marker": {"symbol": "square", "size": 1, "opacity": 0},
             "hovertemplate": "%{text}<extra></extra>", "text": node_text, "name": "nodes",
             "meta": HOVER_ONLY}]
    data.append({"type": "scatter", "mode": "markers", "x": mid_x, "y": mid_y,
                 "marker": {"size": 6, "opacity": 0}, "text": mid_text,
                 "hovertemplate": "%{text}<extra></extra>", "name": "weights",
                 "meta": HOVER_ONLY})
    y_units = span + 1.6  # the y axis' range below
    screen = (height - 12) / y_units  # pixels per unit on screen (the y axis is the tighter)
    images = [*link_images(cols, weights, thumb, screen), _sprite(cols, node_rgb, thumb)]
    shapes = []
    for c, ys in enumerate(cols):
        for i, y in enumerate(ys):
            is_sel = selected is not None and tuple(selected) == (c, i)
            shapes.append({"type": "rect", "xref": "x", "yref": "y", "x0": c - thumb / 2,
                           "x1": c + thumb / 2, "y0": y - thumb / 2, "y1": y + thumb / 2,
                           "line": {"color": "#1f2430" if is_sel else "#b8bec7",
                                    "width": 3 if is_sel else 1}})
    annotations = [{"x": c, "y": span / 2 + 0.75, "xref": "x", "yref": "y", "showarrow": False,
                    "text": ("inputs" if c == 0 else "output" if c == len(cols) - 1
                             else f"{sizes[c]} {activations[c - 1]}"), "font": {"size": 11}}
                   for c in range(len(cols))]
    data[0]["marker"]["size"] = 24
    return {"data": data, "layout": {
        "height": height, "margin": {"l": 4, "r": 4, "t": 8, "b": 4}, "font": FONT,
        "paper_bgcolor": "white", "plot_bgcolor": "white", "showlegend": False,
        "xaxis": {"visible": False, "range": [-0.6, len(cols) - 0.4], "fixedrange": False},
        "yaxis": {"visible": False, "range": [-span / 2 - 0.6, -span / 2 - 0.6 + y_units],
                  "scaleanchor": "x" if len(cols) > 2 else None},
        "images": images, "shapes": shapes, "annotations": annotations,
        "hovermode": "closest", "uirevision": revision, "dragmode": "pan"}}


def link_images(cols: list[list[float]], weights: list[np.ndarray], thumb: float,
                screen: float) -> list[dict]:
    """The links as images, one per gap between two columns of nodes: a link from node i of
    column c (at height cols[c][i]) to node j of column c + 1 is a line across the gap, blue
    for a positive weight and orange for a negative one, as wide as |weight| relative to the
    largest. `screen` is the diagram's size on screen in pixels per unit. Drawn by PIL at
    LINK_SUPERSAMPLE times the size and reduced (anti-aliased), strongest last (on top).

    Images rather than line traces: a live update then only swaps image sources, which costs
    the browser about 1 ms, where restyling a few hundred lines cost 15-40 ms a frame."""
    wmax = max((float(np.abs(W).max()) for W in weights if W.size), default=1.0) or 1.0
    lo, hi = LINK_WIDTH
    pad = hi / screen / 2
    y_top = max(max(ys) for ys in cols) + pad
    y_bottom = min(min(ys) for ys in cols) - pad
    ss = LINK_SUPERSAMPLE
    px = LINK_SHARPNESS * screen  # image pixels per unit
    gap = 1.0 - thumb
    width, height = max(1, round(gap * px)), max(1, round((y_top - y_bottom) * px))
    x1 = width * ss  # the drawing's right edge
    images = []
    for c, W in enumerate(weights):
        img = Image.new("RGBA", (x1, height * ss), (0, 0, 0, 0))
        draw = ImageDraw.Draw(img)
        ii, jj = np.divmod(np.argsort(np.abs(W).ravel(), kind="stable"), W.shape[1])
        for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
            w = float(W[i, j])
            y0 = (y_top - cols[c][i]) * px * ss  # pixel rows at the gap's two edges
            y1 = (y_top - cols[c + 1][j]) * px * ss
            slope = (y1 - y0) / x1
            rgb = BLUE if w >= 0 else ORANGE
            line_px = (lo + (hi - lo) * abs(w) / wmax) * LINK_SHARPNESS * ss
            ext = line_px + 2  # beyond both edges, so that the image cuts the line square
            draw.line([(-ext, y0 - slope * ext), (x1 + ext, y1 + slope * ext)],
                      fill=(*rgb, LINK_ALPHA), width=max(1, round(line_px)))
        images.append({"source": png_uri(img.reduce(ss)), "xref": "x", "yref": "y",
                       "x": c + thumb / 2, "y": y_top, "sizex": gap, "sizey": y_top - y_bottom,
                       "sizing": "stretch", "layer": "below", "name": f"links {c}"})
    return images


def _sprite(cols: list[list[float]], node_rgb, thumb: float) -> dict:
    """Every node's thumbnail in one transparent image (one PNG per frame, not one per node),
    placed so that node (c, y) sits on its square of side `thumb` centred at (c, y)."""
    res = node_rgb[0][0].shape[0]
    per_unit = res / thumb  # pixels per data unit
    y_top = max(max(ys) for ys in cols) + thumb / 2
    y_bottom = min(min(ys) for ys in cols) - thumb / 2
    width = int(round((len(cols) - 1 + thumb) * per_unit))
    height = int(round((y_top - y_bottom) * per_unit))
    img = np.zeros((height, width, 4), dtype=np.uint8)
    for c, ys in enumerate(cols):
        for i, y in enumerate(ys):
            left = int(round(c * per_unit))
            top = int(round((y_top - y - thumb / 2) * per_unit))
            img[top:top + res, left:left + res, :3] = node_rgb[c][i]
            img[top:top + res, left:left + res, 3] = 255
    return {"source": png_uri(img), "xref": "x", "yref": "y", "x": -thumb / 2, "y": y_top,
            "sizex": width / per_unit, "sizey": height / per_unit, "sizing": "stretch",
            "layer": "above"}


def node_thumbnails(feature_grids: np.ndarray, layer_grids: list[np.ndarray],
                    ranges: list[tuple[float, float]]) -> list[list[np.ndarray]]:
    """RGB thumbnails (res, res, 3), row 0 at the top, for the network diagram: inputs first
    (each scaled by its own magnitude), then every layer's units by `ranges[layer]`."""
    cols = [[diverging_rgb(unit_scale(g, (-math.inf, math.inf)))[::-1] for g in feature_grids]]
    for grids, rng in zip(layer_grids, ranges, strict=True):
        cols.append([diverging_rgb(unit_scale(g, rng))[::-1] for g in grids])
    return cols


# --- weights, gradients, activations, confusion ------------------------------------------
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
        "title": {"text": "Weights per layer (rows: inputs, columns: units)", "x": 0.01,
                  "font": {"size": 13}}}
    for i, (W, name) in enumerate(zip(weights, names, strict=True)):
        ax = "" if i == 0 else str(i + 1)
        data.append({"type": "heatmap", "z": typed(W, "f8"), "xaxis": f"x{ax}",
                     "yaxis": f"y{ax}",
                     "zmin": -zmax, "zmax": zmax, "colorscale": DIVERGING,
                     "showscale": i == n - 1, "colorbar": {"thickness": 10, "len": 0.9},
                     "hovertemplate": f"{name}: input %{{y}} → unit %{{x}}<br>"
                                      "w = %{z:.4f}<extra></extra>"})
        x0 = i * (width + gap)
        layout[f"xaxis{ax}"] = {"domain": [x0, x0 + width], "title": {"text": name},
                                "showticklabels": False, "ticks": ""}
        layout[f"yaxis{ax}"] = {"autorange": "reversed", "showticklabels": False,
                                "ticks": "", "anchor": f"x{ax}"}
    return {"data": data, "layout": layout}


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


def confusion_chart(cm: np.ndarray, labels: list[str], revision: str = "cm",
                    height: int = 260) -> dict:
    """A confusion matrix (rows: true class, columns: predicted) with counts in the cells."""
    cm = np.asarray(cm)
    return {"data": [{"type": "heatmap", "z": cm.tolist(), "x": labels, "y": labels,
                      "colorscale": [[0, "#f4f6f9"], [1, "#0877bd"]], "showscale": False,
                      "text": cm.tolist(), "texttemplate": "%{text}",
                      "hovertemplate": "true %{y}, predicted %{x}: %{z}<extra></extra>"}],
            "layout": {"height": height, "margin": {"l": 60, "r": 8, "t": 28, "b": 40},
                       "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
                       "title": {"text": "Confusion matrix (test set)", "x": 0.01,
                                 "font": {"size": 13}},
                       "xaxis": {"title": {"text": "predicted"}, "type": "category"},
                       "yaxis": {"title": {"text": "true"}, "autorange": "reversed",
                                 "type": "category"},
                       "uirevision": revision}}


# --- small images for pickers ------------------------------------------------------------
def point_pixels(X: np.ndarray, y: np.ndarray, task: str, bounds,
                 size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where points fall in a (size, size) image the right way up (x2 grows upwards), and
    their colours: (rows, cols, uint8 RGB), one per point."""
    x1min, x1max, x2min, x2max = bounds
    cols = ((X[:, 0] - x1min) / (x1max - x1min) * (size - 1)).round().astype(int)
    rows = ((x2max - X[:, 1]) / (x2max - x2min) * (size - 1)).round().astype(int)
    if task == "regression":
        colors = diverging_rgb((np.clip(y, -1, 1) + 1) / 2)
    else:
        palette = np.array(CLASS_COLORS, dtype=np.uint8)
        colors = palette[np.asarray(y, dtype=int) % len(palette)]
    return rows, cols, colors


def scatter_thumbnail(X: np.ndarray, y: np.ndarray, task: str, bounds, size: int = 72,
                      radius: int = 1) -> np.ndarray:
    """A (size, size, 3) uint8 picture of the points, the right way up (x2 grows upwards)."""
    img = np.full((size, size, 3), 250, dtype=np.uint8)
    rows, cols, colors = point_pixels(X, y, task, bounds, size)
    for dr in range(-radius + 1, radius):
        for dc in range(-radius + 1, radius):
            r, c = np.clip(rows + dr, 0, size - 1), np.clip(cols + dc, 0, size - 1)
            img[r, c] = colors
    if radius <= 1:
        img[np.clip(rows, 0, size - 1), np.clip(cols, 0, size - 1)] = colors
    return img


def feature_thumbnail(values: np.ndarray) -> np.ndarray:
    """A feature over a grid (res, res; row 0 = lowest x2) as an RGB image, the right way up."""
    return diverging_rgb(unit_scale(values, (-math.inf, math.inf)))[::-1]
