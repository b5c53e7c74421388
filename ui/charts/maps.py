"""Maps over the plane: a network's output as an image with the data on top, the points drawn
into images, and the small pictures of the dataset and feature pickers."""

import math

import numpy as np

from .base import (
    CLASS_COLORS,
    DIVERGING,
    FONT,
    HOVER_ONLY,
    class_blend_rgb,
    diverging_rgb,
    faded,
    hexcolor,
    png_uri,
    typed,
    unit_scale,
)

MAP_FADE = 0.45  # how much the output map is blended towards white


def unit_values(v: np.ndarray, task: str, output: str, value_range=(-1.0, 1.0)) -> np.ndarray:
    """Outputs of one unit (a probability, tanh's -1..1, a regression target spanning
    `value_range`) mapped to 0..1 for the diverging colours."""
    if task == "regression":
        lo, hi = value_range
        return (v - lo) / (hi - lo)
    return (v + 1.0) / 2.0 if output == "tanh" else v


def map_rgb(grid: np.ndarray, task: str, output: str, discretize: bool = False,
            value_range=(-1.0, 1.0)) -> np.ndarray:
    """Network outputs over the grid (res, res[, k]) -> uint8 RGB (res, res, 3), row 0 = top.
    A regression's colours span `value_range`."""
    if task == "multiclass":
        P = grid
        if discretize:
            P = np.eye(grid.shape[-1])[grid.argmax(axis=-1)]
        rgb = class_blend_rgb(P)
    else:
        v = unit_values(grid, task, output, value_range)
        if discretize:
            v = (v > 0.5).astype(np.float64)
        # Lighter than the points drawn on top, so a point of a region's own colour still shows.
        return diverging_rgb(v, fade=MAP_FADE)[::-1]
    rgb = faded(rgb, MAP_FADE)
    return rgb[::-1]  # grid row 0 is the lowest x2; image row 0 is the top


# --- the output map ----------------------------------------------------------------------
def output_map(grid: np.ndarray, bounds, task: str, output: str, X_train, y_train,
               X_test=None, y_test=None, show_test: bool = False, discretize: bool = False,
               title: str = "", revision: str = "map", height: int = 430,
               hover_grid: np.ndarray | None = None, axes=("x₁", "x₂"),
               value_range=(-1.0, 1.0), class_names=None) -> dict:
    """The decision map with the data on top. `grid` is (res, res) or (res, res, k) with row i
    at the i-th x2 from the bottom; `bounds` = (x1min, x1max, x2min, x2max) in the data's
    units, and `axes` the two columns' names. A square view keeps equal scales on both axes;
    a view whose axes span different ranges fills the plot instead. A regression's colours
    span `value_range`; `class_names` name the classes in the hover."""
    x1min, x1max, x2min, x2max = (float(b) for b in bounds)
    data = [_hover_layer(grid if hover_grid is None else hover_grid, bounds, task, output,
                         class_names=class_names)]
    data += _points_traces(X_train, y_train, task, "train", "circle", value_range, class_names)
    if show_test and X_test is not None and len(X_test):
        data += _points_traces(X_test, y_test, task, "test", "circle-open", value_range,
                               class_names)
    square = math.isclose(x1max - x1min, x2max - x2min, rel_tol=1e-9)
    layout = {
        "height": height, "margin": {"l": 48, "r": 8, "t": 30 if title else 8, "b": 40},
        "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
        "xaxis": {"range": [x1min, x1max], "zeroline": False, "showgrid": False,
                  "title": {"text": axes[0], "standoff": 6}, "constrain": "domain"},
        "yaxis": {"range": [x2min, x2max], "zeroline": False, "showgrid": False,
                  "title": {"text": axes[1], "standoff": 6}, "constrain": "domain"},
        "images": [{"source": png_uri(map_rgb(grid, task, output, discretize, value_range)),
                    "xref": "x", "yref": "y", "x": x1min, "y": x2max,
                    "sizex": x1max - x1min, "sizey": x2max - x2min, "sizing": "stretch",
                    "layer": "below"}],
        "showlegend": False, "uirevision": revision, "dragmode": "pan",
        "hoverlabel": {"font": {"size": 12}},
    }
    if square:
        layout["yaxis"]["scaleanchor"] = "x"
    if title:
        layout["title"] = {"text": title, "x": 0.01, "font": {"size": 13}}
    return {"data": data, "layout": layout, "config": {"scrollZoom": False}}


def _hover_layer(grid: np.ndarray, bounds, task: str, output: str, res: int = 50,
                 class_names=None) -> dict:
    """A transparent heatmap, coarser than the image, that gives the map its hover values and
    receives clicks."""
    n = grid.shape[0]
    idx = np.linspace(0, n - 1, min(res, n)).round().astype(int)
    g = grid[np.ix_(idx, idx)]
    x1min, x1max, x2min, x2max = bounds
    xs, ys = np.linspace(x1min, x1max, len(idx)), np.linspace(x2min, x2max, len(idx))
    extra = {}
    if task == "multiclass":
        z, tmpl = g.argmax(axis=-1), "predicted class %{z}<extra></extra>"
        if class_names:
            extra["customdata"] = np.asarray(class_names, dtype=object)[z].tolist()
            tmpl = "predicted %{customdata}<extra></extra>"
    elif task == "regression":
        z, tmpl = g, "prediction %{z:.4g}<extra></extra>"
    else:
        z = (g + 1.0) / 2.0 if output == "tanh" else g
        name = class_names[1] if class_names else "class 1"
        tmpl = f"P({name}) = %{{z:.3f}}<extra></extra>"
    return {"type": "heatmap", "x": typed(xs), "y": typed(ys), "z": typed(z),
            "opacity": 0, "meta": HOVER_ONLY, "showscale": False, "hovertemplate": tmpl,
            "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], **extra}


_CLASS_HEX = np.array([hexcolor(c) for c in CLASS_COLORS])


def _points_traces(X, y, task: str, name: str, symbol: str, value_range=(-1.0, 1.0),
                   class_names=None) -> list[dict]:
    X = np.asarray(X, dtype=np.float64).reshape(-1, 2)
    y = np.asarray(y)
    marker = {"size": 6 if name == "train" else 7, "symbol": symbol,
              "line": {"width": 1 if name == "train" else 1.5,
                       "color": "white" if name == "train" else "#1f2430"}}
    where = f"{name}: (%{{x:.4g}}, %{{y:.4g}})"
    if task == "regression":
        lo, hi = value_range
        marker |= {"color": typed(y), "colorscale": DIVERGING, "cmin": lo, "cmax": hi}
        hover = f"{where} value %{{marker.color:.4g}}<extra></extra>"
    else:
        colors = _CLASS_HEX[y.astype(int) % len(CLASS_COLORS)]
        marker["color"] = colors.tolist()
        if name != "train":
            marker["line"]["color"] = colors.tolist()
        hover = f"{where} class %{{customdata}}<extra></extra>"
    trace = {"type": "scatter", "mode": "markers", "name": name, "x": typed(X[:, 0], "f8"),
             "y": typed(X[:, 1], "f8"), "marker": marker, "hovertemplate": hover}
    if task != "regression":
        trace["customdata"] = np.asarray(class_names, dtype=object)[y.astype(int)].tolist() \
            if class_names else typed(y, "i4")
    return [trace]


# --- points drawn into images --------------------------------------------------------------
def point_pixels(X: np.ndarray, y: np.ndarray, task: str, bounds,
                 size: int, value_range=(-1.0, 1.0)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where points fall in a (size, size) image the right way up (x2 grows upwards), and
    their colours: (rows, cols, uint8 RGB), one per point (a regression's spanning
    `value_range`)."""
    x1min, x1max, x2min, x2max = bounds
    cols = ((X[:, 0] - x1min) / (x1max - x1min) * (size - 1)).round().astype(int)
    rows = ((x2max - X[:, 1]) / (x2max - x2min) * (size - 1)).round().astype(int)
    if task == "regression":
        lo, hi = value_range
        colors = diverging_rgb(np.clip((np.asarray(y) - lo) / (hi - lo), 0, 1))
    else:
        palette = np.array(CLASS_COLORS, dtype=np.uint8)
        colors = palette[np.asarray(y, dtype=int) % len(palette)]
    return rows, cols, colors


def raster_points(X: np.ndarray, y: np.ndarray, task: str, bounds, size: int,
                  value_range=(-1.0, 1.0)):
    """The points as pixels of a (size, size) image, the right way up: two layers of (rows,
    cols, rgb), white rims and then the discs, painted in that order. The browser draws
    one image much faster than hundreds of SVG markers (measured: 4 maps of 250 points cost
    82 ms per redraw as markers, 9 ms as images)."""
    rows, cols, colors = point_pixels(X, y, task, bounds, size, value_range)
    disc = [(dr, dc) for dr in range(-1, 2) for dc in range(-1, 2)]
    rim = [(dr, dc) for dr in range(-2, 3) for dc in range(-2, 3)
           if (dr, dc) not in disc and abs(dr) + abs(dc) < 4]
    white = np.full_like(colors, 255)
    return [(np.concatenate([np.clip(rows + dr, 0, size - 1) for dr, _ in offsets]),
             np.concatenate([np.clip(cols + dc, 0, size - 1) for _, dc in offsets]),
             np.concatenate([color] * len(offsets)))
            for offsets, color in ((rim, white), (disc, colors))]


def scatter_thumbnail(X: np.ndarray, y: np.ndarray, task: str, bounds, size: int = 72,
                      radius: int = 1, value_range=(-1.0, 1.0)) -> np.ndarray:
    """A (size, size, 3) uint8 picture of the points, the right way up (x2 grows upwards)."""
    img = np.full((size, size, 3), 250, dtype=np.uint8)
    rows, cols, colors = point_pixels(X, y, task, bounds, size, value_range)
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
