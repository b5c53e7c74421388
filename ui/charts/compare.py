"""The Compare page's charts: one output map per run on a single colour scale, and every run's
loss on one chart. They take a `GroupSnapshot`, the plain copy that ui/compare/view.py makes of
the runs."""

from dataclasses import dataclass

import numpy as np

from engine import DIVERGED, STOPPED

from .base import FONT, png_uri, typed
from .curves import drawable, loss_layout
from .maps import map_rgb, raster_points
from .numbers import HOVER

RUN_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"]
MAP_RES = 90  # grid points per side of each run's map
UPSCALE = 2  # image pixels per grid point: the points are drawn into the image, so sharper


@dataclass
class RunView:
    label: str
    color: str
    epoch: int
    status: str
    reason: str
    grid: np.ndarray
    history: dict  # epoch, train_loss, test_loss (thinned)


@dataclass
class GroupSnapshot:
    runs: list[RunView]
    task: str
    output: str
    bounds: tuple
    X_train: np.ndarray
    y_train: np.ndarray
    value_range: tuple = (-1.0, 1.0)  # a regression's colours


def grid_shape(n: int) -> tuple[int, int]:
    """(rows, columns) of the map grid: one row up to four runs, else rows of three."""
    cols = n if n <= 4 else 3
    return -(-n // cols), cols


def maps_grid(snap: GroupSnapshot, revision: str = "maps", row_height: int = 300) -> dict:
    """One map per run, side by side, each titled with its value in the run's colour. The
    colours mean the same in every map (probability of class 1, class mix or value)."""
    runs = snap.runs
    rows, cols = grid_shape(len(runs))
    x1min, x1max, x2min, x2max = (float(b) for b in snap.bounds)
    gap_x, gap_y = 0.03, 0.12 / rows  # between maps, as fractions of the figure
    width, height = (1 - gap_x * (cols - 1)) / cols, (1 - gap_y * (rows - 1)) / rows
    layout = {"height": rows * row_height, "margin": {"l": 8, "r": 8, "t": 28, "b": 8},
              "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
              "showlegend": False, "uirevision": revision, "dragmode": "pan",
              "images": [], "annotations": [], "shapes": []}
    points = raster_points(snap.X_train, snap.y_train, snap.task, snap.bounds,
                           MAP_RES * UPSCALE, snap.value_range)
    square = np.isclose(x1max - x1min, x2max - x2min)  # else each axis keeps its own range
    data = []
    for i, run in enumerate(runs):
        r, c = divmod(i, cols)
        n = "" if i == 0 else str(i + 1)
        x0 = c * (width + gap_x)
        x1 = x0 + width
        y1 = 1 - r * (height + gap_y)
        y0 = y1 - height
        axis = {"showgrid": False, "zeroline": False, "showticklabels": False,
                "ticks": "", "showline": True, "linecolor": "#ccc", "mirror": True}
        layout[f"xaxis{n}"] = {**axis, "domain": [x0, x1], "range": [x1min, x1max],
                               "anchor": f"y{n}", "constrain": "domain",
                               **({"matches": "x"} if i else {})}
        layout[f"yaxis{n}"] = {**axis, "domain": [y0, y1], "range": [x2min, x2max],
                               "anchor": f"x{n}", "constrain": "domain",
                               **({"scaleanchor": f"x{n}"} if square else {}),
                               **({"matches": "y"} if i else {})}
        layout["images"].append({
            "source": png_uri(map_image(run.grid, snap.task, snap.output, points,
                                        snap.value_range)),
            "xref": f"x{n}",
            "yref": f"y{n}", "x": x1min, "y": x2max, "sizex": x1max - x1min,
            "sizey": x2max - x2min, "sizing": "stretch", "layer": "below"})
        layout["annotations"].append({
            "text": _run_caption(run), "x": (x0 + x1) / 2, "y": y1,
            "xref": "paper", "yref": "paper", "showarrow": False, "yanchor": "bottom",
            "font": {"size": 13, "color": run.color}})
        if run.status == DIVERGED:
            layout["shapes"].append({"type": "rect", "xref": f"x{n} domain",
                                     "yref": f"y{n} domain", "x0": 0, "x1": 1, "y0": 0,
                                     "y1": 1, "line": {"color": "#d62728", "width": 3}})
        # An empty trace per map, so that its axes exist (and zoom and pan work).
        data.append({"type": "scatter", "mode": "markers", "xaxis": f"x{n}", "yaxis": f"y{n}",
                     "x": [], "y": [], "hoverinfo": "skip", "name": run.label})
    return {"data": data, "layout": layout, "config": {"scrollZoom": False}}


def map_image(grid: np.ndarray, task: str, output: str, points,
              value_range=(-1.0, 1.0)) -> np.ndarray:
    """A run's map, `UPSCALE` times larger, with the points drawn in (see `raster_points`)."""
    img = map_rgb(grid, task, output, value_range=value_range).repeat(UPSCALE, axis=0)\
        .repeat(UPSCALE, axis=1)
    for rows, cols, rgb in points:
        img[rows, cols] = rgb
    return img


def _run_caption(run: RunView) -> str:
    """The map's title: the run's value, and its end when it has ended. It does not change
    while a run trains, so each redraw only swaps the images (the browser's cheapest update);
    the live numbers are in the results table."""
    if run.status == DIVERGED:
        return "<b>" + run.label + "</b> · diverged"
    return "<b>" + run.label + "</b>" + (" · stopped" if run.status == STOPPED else "")


def losses_chart(snap: GroupSnapshot, log: bool = False, revision: str = "losses",
                 height: int = 320) -> dict:
    """Train (dotted) and test (solid) loss of every run on one chart, one colour per run."""
    data = []
    for run in snap.runs:
        h = run.history
        for part, dash, width in (("test", "solid", 2.2), ("train", "dot", 1.4)):
            data.append({"type": "scatter", "mode": "lines", "name": f"{run.label} {part}",
                         "legendgroup": run.label, "x": typed(h["epoch"]),
                         "y": typed(drawable(h[f"{part}_loss"], slice(None))),
                         "line": {"color": run.color, "dash": dash, "width": width},
                         "hovertemplate": "%{y:" + HOVER + "}"})
    return {"data": data,
            "layout": loss_layout("Loss: test solid, train dotted", height, log, revision)}


def layer_gradients_chart(labels: list[str], colors: list[str], norms: list[list[float]],
                          height: int = 300) -> dict:
    """Each run's gradient norm per layer (log scale), grouped by layer: where the gradient
    vanishes, the first layers' bars are orders of magnitude below the last ones'."""
    data = []
    for label, color, ns in zip(labels, colors, norms, strict=True):
        names = [f"layer {i + 1}" for i in range(len(ns) - 1)] + ["output"]
        data.append({"type": "bar", "name": label, "x": names,
                     "y": [max(float(v), 1e-12) for v in ns], "marker": {"color": color},
                     "hovertemplate": label + ", %{x}: |gradient| = %{y:.3~e}<extra></extra>"})
    return {"data": data, "layout": {
        "height": height, "barmode": "group", "margin": {"l": 56, "r": 8, "t": 28, "b": 32},
        "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
        "title": {"text": "Gradient norm per layer at the start (epoch 0)", "x": 0.01,
                  "font": {"size": 13}},
        "yaxis": {"type": "log", "gridcolor": "#eee", "exponentformat": "power",
                  "title": {"text": "|gradient|"}},
        "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02,
                   "yanchor": "bottom"}}}


def accuracies_chart(snap: GroupSnapshot, revision: str = "accuracies",
                     height: int = 320) -> dict:
    """Every run's test accuracy (solid) and shifted-test accuracy (dashed), one colour per
    run: the digits comparison's main chart."""
    data = []
    for run in snap.runs:
        h = run.history
        for part, name, dash in (("test_accuracy", "test", "solid"),
                                 ("shifted_accuracy", "shifted", "dash")):
            data.append({"type": "scatter", "mode": "lines", "name": f"{run.label} {name}",
                         "legendgroup": run.label, "x": typed(h["epoch"]),
                         "y": typed(drawable(h[part], slice(None))),
                         "line": {"color": run.color, "dash": dash, "width": 2},
                         "hovertemplate": "%{y:.1%}"})
    layout = loss_layout("Accuracy: test solid, shifted test dashed", height, False, revision)
    layout["yaxis"] |= {"range": [0, 1.02], "tickformat": ".0%"}
    return {"data": data, "layout": layout}
