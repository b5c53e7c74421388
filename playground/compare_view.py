"""The Compare page's pictures: one output map per run on a single colour scale, every run's
loss on one chart, and the status line. `snapshot` copies what they need out of the trainers
(under the runner's lock); the figure functions take only that copy and return plotly dicts."""

from dataclasses import dataclass

import numpy as np

from engine import DIVERGED, STOPPED, Trainer

from .figures import FONT, loss_layout, map_rgb, png_uri, point_pixels, typed

RUN_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"]
MAP_RES = 90  # grid points per side of each run's map
UPSCALE = 2  # image pixels per grid point: the points are drawn into the image, so sharper
MAX_POINTS = 300  # training points drawn on each map
MAX_CURVE = 300  # points per loss curve


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


def _thin(n: int, most: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, most)).round().astype(int)) if n else \
        np.zeros(0, dtype=int)


def snapshot(trainers: list[Trainer], labels: list[str],
             resolution: int = MAP_RES) -> GroupSnapshot:
    """Copy each run's map and thinned curves (call under the runner's lock)."""
    runs = []
    for i, (t, label) in enumerate(zip(trainers, labels, strict=True)):
        h = t.history
        idx = _thin(len(h), MAX_CURVE)
        hist = {k: np.asarray(h[k], dtype=np.float64)[idx]
                for k in ("epoch", "train_loss", "test_loss")}
        runs.append(RunView(label, RUN_COLORS[i % len(RUN_COLORS)], t.epoch, t.status,
                            t.status_reason, t.predict_grid(resolution), hist))
    first = trainers[0]
    d = first.data
    keep = _thin(len(d.X_train), MAX_POINTS)
    return GroupSnapshot(runs, first.task, first.output, tuple(d.bounds),
                         d.X_train[keep].copy(), d.y_train[keep].copy())


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
                           MAP_RES * UPSCALE)
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
                               "anchor": f"x{n}", "scaleanchor": f"x{n}",
                               "constrain": "domain", **({"matches": "y"} if i else {})}
        layout["images"].append({
            "source": png_uri(map_image(run.grid, snap.task, snap.output, points)),
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
    return {"data": data, "layout": layout, "config": {"scrollZoom": True}}


def raster_points(X: np.ndarray, y: np.ndarray, task: str, bounds, size: int):
    """The points as pixels of a (size, size) image, the right way up: two layers of (rows,
    cols, rgb), white rims and then the discs, painted in that order. The browser draws
    one image much faster than hundreds of SVG markers (measured: 4 maps of 250 points cost
    82 ms per redraw as markers, 9 ms as images)."""
    rows, cols, colors = point_pixels(X, y, task, bounds, size)
    disc = [(dr, dc) for dr in range(-1, 2) for dc in range(-1, 2)]
    rim = [(dr, dc) for dr in range(-2, 3) for dc in range(-2, 3)
           if (dr, dc) not in disc and abs(dr) + abs(dc) < 4]
    white = np.full_like(colors, 255)
    return [(np.concatenate([np.clip(rows + dr, 0, size - 1) for dr, _ in offsets]),
             np.concatenate([np.clip(cols + dc, 0, size - 1) for _, dc in offsets]),
             np.concatenate([color] * len(offsets)))
            for offsets, color in ((rim, white), (disc, colors))]


def map_image(grid: np.ndarray, task: str, output: str, points) -> np.ndarray:
    """A run's map, `UPSCALE` times larger, with the points drawn in (see `raster_points`)."""
    img = map_rgb(grid, task, output).repeat(UPSCALE, axis=0).repeat(UPSCALE, axis=1)
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
                         "y": typed(h[f"{part}_loss"]),
                         "line": {"color": run.color, "dash": dash, "width": width},
                         "hovertemplate": "%{y:.4f}"})
    return {"data": data,
            "layout": loss_layout("Loss: test solid, train dotted", height, log, revision)}


def status_line(snap: GroupSnapshot, epochs_per_s: float = 0.0) -> str:
    """'Epoch 1,234 · 3 runs · 250 epochs/s' (the epoch of the runs still training)."""
    epochs = [r.epoch for r in snap.runs]
    text = f"Epoch {max(epochs):,} · {len(epochs)} runs"
    over = sum(r.status in (STOPPED, DIVERGED) for r in snap.runs)
    if over:
        text += f" ({over} finished)"
    if epochs_per_s > 0:
        text += f" · {epochs_per_s:,.0f} epochs/s"
    return text
