"""The GAN page's charts: real and generated points over the discriminator's map with the push
on each generated point, the generator's warped noise grid, the curves of both losses, of the
distance and of mode coverage, and grids of generated digits (plain functions from arrays to
plotly figure dicts).

The live 2-D charts draw their points and lines into images (antialiased, finer than the
screen): a new image costs the browser a redraw of the image alone, while new SVG markers and
lines cost it a replot of the whole chart (measured on the samples chart: about 29 ms of the
browser's main thread a frame as markers and lines, a few as images). The generated points
keep their hover text through an invisible trace the chart brings up to date lazily."""

import math
from dataclasses import dataclass

import numpy as np

from engine import DIVERGED

from .base import FONT, HOVER_ONLY, diverging_rgb, png_uri, thin, typed
from .compare import GroupSnapshot, RunView, _run_caption, grid_shape
from .curves import drawable, loss_layout
from .images import gray_rgb, tiles
from .numbers import HOVER

REAL_COLOR, FAKE_COLOR, ARROW_COLOR = "#1b7837", "#762a83", "#d62728"
USER_COLOR = "#1f2430"
ROW_COLOR, COL_COLOR = "#762a83", "#c2a5cf"  # the noise grid's two families of lines
MAP_FADE = 0.35  # how much the discriminator's map is blended towards white
HEAD = 0.3  # arrow heads: this share of the arrow's length
UPSCALE = 4  # image pixels per map cell: the real points are drawn into the image
REAL_RGB, REAL_FAINT = (27, 120, 55), (150, 200, 160)
REAL_FAINT_HEX = "#96c8a0"
IMAGE_SIZE = 240  # of the manifold's background, in pixels
FAKE_RGB, ARROW_RGB = (118, 42, 131), (214, 39, 40)
ROW_RGB, COL_RGB = (118, 42, 131), (194, 165, 207)
FAKE_OPACITY = 0.8


def d_rgb(grid: np.ndarray, probability: bool = True) -> np.ndarray:
    """The discriminator's output over the view (res, res), row 0 at the lowest y ->
    uint8 RGB (res, res, 3), row 0 at the top: blue where it says "real" (1), orange where
    it says "generated" (0), grey at 0.5. A least-squares score is clipped to [0, 1]."""
    return diverging_rgb(grid, fade=MAP_FADE)[::-1]


def draw_points(rgb: np.ndarray, points: np.ndarray, bounds, color) -> np.ndarray:
    """Points (n, 2) painted as small round dots of `color` (a 3 × 3 square without its
    corners) into a copy of the image `rgb` (h, w, 3),
    row 0 at the top, spanning `bounds`; points outside are left out. The browser draws one
    image much faster than hundreds of markers (see maps.raster_points)."""
    img = np.array(rgb, dtype=np.uint8)
    h, w = img.shape[:2]
    x0, x1, y0, y1 = (float(b) for b in bounds)
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    p = p[np.isfinite(p).all(axis=1)]
    cols = ((p[:, 0] - x0) / (x1 - x0) * (w - 1)).round().astype(int)
    rows = ((y1 - p[:, 1]) / (y1 - y0) * (h - 1)).round().astype(int)
    inside = (cols >= 0) & (cols < w) & (rows >= 0) & (rows < h)
    rows, cols = rows[inside], cols[inside]
    for dr, dc in ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)):
        img[np.clip(rows + dr, 0, h - 1), np.clip(cols + dc, 0, w - 1)] = color
    return img


# --- drawing into images: the browser redraws an image in a millisecond, while SVG markers and
# lines cost it a whole replot of the chart on every frame -----------------------------------
OVERLAY = 400  # pixels across the images the generated points, arrows and grid lines go into
PX = OVERLAY / 371  # image pixels per screen pixel of the chart's plot area (371 at 1400 wide)


def _pixels(points: np.ndarray, bounds, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Points (n, 2) in data units -> (columns, rows) in pixel units of a (size, size) image
    spanning `bounds`, row 0 at the top; pixel (r, c) covers [c, c + 1] x [r, r + 1]."""
    x0, x1, y0, y1 = (float(b) for b in bounds)
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return (p[:, 0] - x0) / (x1 - x0) * size, (y1 - p[:, 1]) / (y1 - y0) * size


def _splat(cov: np.ndarray, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
    """cov[rows, cols] = max(cov[rows, cols], values), pixels outside left out."""
    h, w = cov.shape
    rows, cols, values = (a.ravel() for a in np.broadcast_arrays(rows, cols, values))
    keep = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w) & (values > 0)
    np.maximum.at(cov.reshape(-1), rows[keep] * w + cols[keep], values[keep].astype(cov.dtype))


def disc_coverage(cov: np.ndarray, cols: np.ndarray, rows: np.ndarray, radius: float) -> None:
    """Antialiased discs of `radius` pixels centred at (cols, rows) (pixel units) into the
    coverage image `cov` (h, w) in [0, 1]."""
    ok = np.isfinite(cols) & np.isfinite(rows)
    cols, rows = cols[ok], rows[ok]
    k = int(math.ceil(radius + 0.5))
    off = np.arange(-k, k + 1)
    ci = np.floor(cols).astype(np.int64)[:, None, None] + off[None, None, :]
    ri = np.floor(rows).astype(np.int64)[:, None, None] + off[None, :, None]
    d = np.hypot(ci + 0.5 - cols[:, None, None], ri + 0.5 - rows[:, None, None])
    _splat(cov, ri, ci, np.clip(radius + 0.5 - d, 0.0, 1.0))


def line_coverage(cov: np.ndarray, start: np.ndarray, end: np.ndarray, width: float) -> None:
    """Antialiased straight strokes of `width` pixels from `start` to `end` ((n, 2) columns
    and rows in pixel units) into the coverage image `cov` (h, w): along each stroke's longer
    axis one pixel at a time, across it the share of each pixel the stroke covers."""
    a, b = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    ok = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1) & (a != b).any(axis=1)
    a, b = a[ok], b[ok]  # (a stroke of no length draws nothing)
    if not len(a):
        return
    d = b - a
    steep = np.abs(d[:, 1]) > np.abs(d[:, 0])
    major = np.where(steep, 1, 0)  # column index (0: x, 1: y) of each stroke's longer axis
    idx = np.arange(len(a))
    a_maj, b_maj = a[idx, major], b[idx, major]
    a_min, b_min = a[idx, 1 - major], b[idx, 1 - major]
    lo = np.floor(np.minimum(a_maj, b_maj)).astype(np.int64)
    hi = np.floor(np.maximum(a_maj, b_maj)).astype(np.int64)
    hi = np.minimum(hi, lo + 4 * max(cov.shape))  # a stroke far outside the view: clipped
    counts = hi - lo + 1
    seg = np.repeat(idx, counts)
    p = lo[seg] + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    span = b_maj - a_maj
    t = np.clip(np.divide(p + 0.5 - a_maj[seg], span[seg], out=np.zeros(len(p)),
                          where=span[seg] != 0), 0.0, 1.0)
    m = a_min[seg] + t * (b_min - a_min)[seg]
    slope = np.divide(b_min - a_min, span, out=np.zeros(len(a)), where=span != 0)
    half = 0.5 * width * np.sqrt(1.0 + slope ** 2)[seg]
    k = int(math.ceil(2.0 * float(half.max()))) if len(half) else 0  # pixels across, less 1
    j = np.floor(m - half).astype(np.int64)[:, None] + np.arange(k + 1)[None, :]
    c = np.clip(np.minimum(j + 1, (m + half)[:, None]) - np.maximum(j, (m - half)[:, None]),
                0.0, 1.0)
    st = steep[seg][:, None]
    pp = np.broadcast_to(p[:, None], j.shape)
    _splat(cov, np.where(st, pp, j), np.where(st, j, pp), c)


def polyline_coverage(cov: np.ndarray, cols: np.ndarray, rows: np.ndarray,
                      width: float) -> None:
    """Polylines through (cols, rows) in pixel units, NaN between lines (a gap)."""
    p = np.column_stack([cols, rows])
    line_coverage(cov, p[:-1], p[1:], width)


LEVELS = 8  # coverage levels of each layer of an overlay (8 x 8: a 64-colour palette)


def overlay(below, above=None) -> tuple[np.ndarray, np.ndarray]:
    """One or two coverage layers, each (cov (h, w) in [0, 1], (r, g, b), opacity), `above`
    painted over `below` on transparency, as a palette image: (indices (h, w) uint8, palette
    (LEVELS or LEVELS², 4) RGBA), each layer's coverage in LEVELS steps."""
    c1, rgb1, o1 = below
    c2, rgb2, o2 = above if above is not None else (None, (0, 0, 0), 0.0)
    top = LEVELS - 1
    index = (c1 * top + 0.5).astype(np.uint8)
    if c2 is not None:
        index += (c2 * top + 0.5).astype(np.uint8) * LEVELS
    q2, q1 = np.divmod(np.arange(LEVELS * (LEVELS if c2 is not None else 1)), LEVELS)
    a1, a2 = (q1 / top * o1)[:, None], (q2 / top * o2)[:, None]
    alpha = a2 + a1 * (1.0 - a2)
    rgb = (np.array(rgb2) * a2 + np.array(rgb1) * a1 * (1.0 - a2)) / np.maximum(alpha, 1e-9)
    palette = np.column_stack([rgb.round().clip(0, 255), (255.0 * alpha).round()])
    return index, palette.astype(np.uint8)


def _legend(name: str, color: str, size: int) -> dict:
    """A legend entry for points drawn into the image (no points of its own)."""
    return {"type": "scatter", "mode": "markers", "name": name, "x": [None], "y": [None],
            "marker": {"color": color, "size": size}, "hoverinfo": "skip"}


def _legend_line(name: str, color: str, width: float) -> dict:
    """A legend entry for lines drawn into the image (no line of its own)."""
    return {"type": "scatter", "mode": "lines", "name": name, "x": [None], "y": [None],
            "line": {"color": color, "width": width}, "hoverinfo": "skip"}


def _image(source: str, bounds, k: int = 0) -> dict:
    """Layout image k of a chart's images over `bounds`, below the traces. plotly.js tells
    images apart by their place and size, and draws only one of several in the same place:
    image k is moved by k billionths of the view's width (far less than a pixel)."""
    x0, x1, y0, y1 = (float(b) for b in bounds)
    return {"source": source, "xref": "x", "yref": "y", "x": x0 + k * 1e-9 * (x1 - x0),
            "y": y1, "sizex": x1 - x0, "sizey": y1 - y0, "sizing": "stretch", "layer": "below"}


def _hover_points(x: np.ndarray, name: str) -> dict:
    """Invisible markers at points drawn into an image: their hover text (brought up to date
    lazily by the live chart, see HOVER_ONLY)."""
    x = np.asarray(x, dtype=np.float64).reshape(-1, 2)
    return {"type": "scatter", "mode": "markers", "name": name, "x": typed(x[:, 0]),
            "y": typed(x[:, 1]), "marker": {"color": FAKE_COLOR, "size": 8, "opacity": 0},
            "meta": HOVER_ONLY, "showlegend": False,
            "hovertemplate": f"{name} (%{{x:.2f}}, %{{y:.2f}})<extra></extra>"}


def points_overlay(fake: np.ndarray, bounds, size: int = OVERLAY) -> str:
    """The generated points as purple dots the size of 6-pixel markers on transparency, a PNG
    data URI of (size, size) spanning `bounds`."""
    dots = np.zeros((size, size), dtype=np.float32)
    disc_coverage(dots, *_pixels(np.asarray(fake, dtype=np.float64), bounds, size), 3.0 * PX)
    return png_uri(*overlay((dots, FAKE_RGB, FAKE_OPACITY)))


def arrows_overlay(fake: np.ndarray, push: np.ndarray, bounds, size: int = OVERLAY) -> str:
    """The arrows of `arrow_segments` on the generated points (red, 1 pixel wide) on
    transparency, a PNG data URI of (size, size) spanning `bounds`."""
    lines = np.zeros((size, size), dtype=np.float32)
    seg = arrow_segments(fake, push, 0.08 * (float(bounds[1]) - float(bounds[0])))
    polyline_coverage(lines, *_pixels(seg, bounds, size), 1.0 * PX)
    return png_uri(*overlay((lines, ARROW_RGB, 1.0)))


def lines_overlay(rows: np.ndarray, cols: np.ndarray, bounds, size: int = OVERLAY) -> str:
    """Polylines `rows` (dark purple) and `cols` (light purple, over them), (k, 2) with NaN
    rows between lines, 1.5 pixels wide, as a PNG data URI of (size, size) spanning `bounds`."""
    a = np.zeros((size, size), dtype=np.float32)
    b = np.zeros((size, size), dtype=np.float32)
    polyline_coverage(a, *_pixels(rows, bounds, size), 1.5 * PX)
    if len(cols):
        polyline_coverage(b, *_pixels(cols, bounds, size), 1.5 * PX)
    return png_uri(*overlay((a, ROW_RGB, 1.0), (b, COL_RGB, 1.0)))


def _frame(bounds, height: int, title: str, revision: str) -> dict:
    x0, x1, y0, y1 = (float(b) for b in bounds)
    return {
        "height": height, "margin": {"l": 40, "r": 8, "t": 30 if title else 8, "b": 30},
        "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
        "title": {"text": title, "x": 0.01, "font": {"size": 13}},
        "xaxis": {"range": [x0, x1], "zeroline": False, "showgrid": False,
                  "constrain": "domain"},
        "yaxis": {"range": [y0, y1], "zeroline": False, "showgrid": False,
                  "scaleanchor": "x", "constrain": "domain"},
        "showlegend": True, "uirevision": revision, "dragmode": "pan",
        "legend": {"orientation": "h", "x": 0, "y": -0.06, "yanchor": "top",
                   "font": {"size": 11}},
    }


def arrow_segments(start: np.ndarray, push: np.ndarray, length: float) -> np.ndarray:
    """Arrows from points `start` (n, 2) along `push` (n, 2), scaled so that the longest is
    `length`, each drawn as a shaft and a two-stroke head: (n * 7, 2) vertices, NaN rows
    between strokes (a gap in a plotly line)."""
    start = np.asarray(start, dtype=np.float64).reshape(-1, 2)
    push = np.nan_to_num(np.asarray(push, dtype=np.float64).reshape(-1, 2))
    top = float(np.sqrt((push ** 2).sum(axis=1)).max()) if len(push) else 0.0
    v = push * (length / top) if top > 0 else np.zeros_like(push)
    end = start + v
    c, s = math.cos(math.radians(150)), math.sin(math.radians(150))
    left = end + HEAD * np.column_stack([c * v[:, 0] - s * v[:, 1], s * v[:, 0] + c * v[:, 1]])
    right = end + HEAD * np.column_stack([c * v[:, 0] + s * v[:, 1], -s * v[:, 0] + c * v[:, 1]])
    gap = np.full_like(start, np.nan)
    return np.stack([start, end, gap, left, end, right, gap], axis=1).reshape(-1, 2)


def _hover(grid: np.ndarray, bounds, label: str, res: int = 40) -> dict:
    """A transparent heatmap of the map's values: the hover text and the target of clicks."""
    n = grid.shape[0]
    idx = np.linspace(0, n - 1, min(res, n)).round().astype(int)
    x0, x1, y0, y1 = bounds
    return {"type": "heatmap", "x": typed(np.linspace(x0, x1, len(idx))),
            "y": typed(np.linspace(y0, y1, len(idx))), "z": typed(grid[np.ix_(idx, idx)]),
            "opacity": 0, "meta": HOVER_ONLY, "showscale": False, "showlegend": False,
            "hovertemplate": f"(%{{x:.2f}}, %{{y:.2f}}) {label} %{{z:.3f}}<extra></extra>",
            "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]]}


def _points(x: np.ndarray, name: str, color: str, size: int = 5, symbol: str = "circle",
            opacity: float = 0.8) -> dict:
    x = np.asarray(x, dtype=np.float64).reshape(-1, 2)
    return {"type": "scattergl" if len(x) > 2000 else "scatter", "mode": "markers",
            "name": name, "x": typed(x[:, 0]), "y": typed(x[:, 1]),
            "marker": {"color": color, "size": size, "symbol": symbol, "opacity": opacity,
                       "line": {"width": 0}},
            "hovertemplate": f"{name} (%{{x:.2f}}, %{{y:.2f}})<extra></extra>"}


def samples_map(grid: np.ndarray, bounds, real: np.ndarray, fake: np.ndarray,
                push: np.ndarray | None = None, probability: bool = True,
                user: np.ndarray | None = None, note: str = "", title: str = "",
                revision: str = "gan", height: int = 460) -> dict:
    """Real (green) and generated (purple) points over the discriminator's map `grid` (res,
    res; row i at the i-th y of `bounds` = (x0, x1, y0, y1)); with `push` (n, 2), an arrow on
    each generated point along the direction a generator update moves it; `user` (m, 2): your
    own points, as crosses; `note` a line on top of the plot (a warning). Drawn as images,
    one over the other: the map with the real points (images[0], changed by the
    discriminator), the generated points (images[1], changed by the generator) and the arrows
    (images[2], changed by both); trace 2 gives the generated points' hover text."""
    label = "D(x) =" if probability else "D's score"
    data = [_hover(grid, bounds, label), _legend("real", REAL_COLOR, 6),
            _hover_points(fake, "generated"), _legend("generated", FAKE_COLOR, 6)]
    arrows = push is not None and len(fake) > 0
    if arrows:
        data.append(_legend_line("generator's push", ARROW_COLOR, 1))
    if user is not None and len(user):
        data.append(_points(user, "your points", USER_COLOR, 8, "x-thin-open", 1.0))
        data[-1]["marker"]["line"] = {"width": 1.5, "color": USER_COLOR}
    layout = _frame(bounds, height, title, revision)
    image = d_rgb(grid, probability).repeat(UPSCALE, axis=0).repeat(UPSCALE, axis=1)
    image = draw_points(image, real, bounds, REAL_RGB)
    layout["images"] = [_image(png_uri(image), bounds),
                        _image(points_overlay(fake, bounds), bounds, 1)]
    if arrows:
        layout["images"].append(_image(arrows_overlay(fake, push, bounds), bounds, 2))
    layout["annotations"] = [{"text": note, "xref": "paper", "yref": "paper", "x": 0.5,
                              "y": 0.99, "showarrow": False, "yanchor": "top",
                              "bgcolor": "rgba(255,243,205,0.92)", "font": {"size": 12},
                              "bordercolor": "#c9a227", "borderwidth": 1}] if note else []
    return {"data": data, "layout": layout, "config": {"scrollZoom": False}}


def grid_lines(warped: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The noise grid's lines where the generator sends them: (rows, columns), each a (k, 2)
    polyline with NaN rows between lines. `warped` is (res, res, 2) for 2-D noise (row i:
    the i-th line of the first noise coordinate held fixed) or (res, 2) for 1-D noise (one
    curve: rows, and no columns)."""
    w = np.asarray(warped, dtype=np.float64)
    if w.ndim == 2:
        return w, np.zeros((0, 2))

    def lines(a):
        gap = np.full((a.shape[0], 1, 2), np.nan)
        return np.concatenate([a, gap], axis=1).reshape(-1, 2)

    return lines(w), lines(w.transpose(1, 0, 2))


def manifold_chart(warped: np.ndarray, bounds, real: np.ndarray, title: str = "",
                   revision: str = "manifold", height: int = 460) -> dict:
    """The generator's mapping: the lines of a grid over the noise space drawn where the
    generator sends them (see `grid_lines`), over the real points in light green. Both are
    drawn into images: the real points (images[0]) and the lines over them (images[1])."""
    rows, cols = grid_lines(warped)
    curve = np.asarray(warped).ndim == 2
    data = [_legend("real", REAL_FAINT_HEX, 6),
            _legend_line("noise line" if curve else "lines of z₂", ROW_COLOR, 1.5)]
    if len(cols):
        data.append(_legend_line("lines of z₁", COL_COLOR, 1.5))
    layout = _frame(bounds, height, title, revision)
    paper = np.full((IMAGE_SIZE, IMAGE_SIZE, 3), 255, dtype=np.uint8)
    layout["images"] = [_image(png_uri(draw_points(paper, real, bounds, REAL_FAINT)), bounds),
                        _image(lines_overlay(rows, cols, bounds), bounds, 1)]
    return {"data": data, "layout": layout, "config": {"scrollZoom": False}}


def curves_chart(epochs, series: dict[str, list[float]], colors: dict[str, str], title: str,
                 revision: str, height: int = 240, log: bool = False,
                 threshold: float | None = None, max_points: int = 400,
                 yrange=None) -> dict:
    """Named per-epoch series on one chart; a dotted line at `threshold` if given."""
    idx = thin(len(epochs), max_points)
    ep = np.asarray(epochs, dtype=np.float64)[idx]
    data = [{"type": "scatter", "mode": "lines", "name": name, "x": typed(ep),
             "y": typed(drawable(ys, idx)), "line": {"color": colors.get(name), "width": 2},
             "hovertemplate": "%{y:" + HOVER + "}"} for name, ys in series.items()]
    layout = loss_layout(title, height, log, revision)
    if yrange is not None:
        layout["yaxis"]["range"] = list(yrange)
    if threshold is not None:
        layout["shapes"] = [{"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1,
                             "y0": threshold, "y1": threshold,
                             "line": {"color": "#888", "dash": "dot", "width": 1}}]
    return {"data": data, "layout": layout}


def digit_grid(images: np.ndarray, captions: list[str] | None = None, cols: int = 8,
               title: str = "", revision: str = "digits", tile_px: int = 7,
               caption_colors: list[str] | None = None) -> dict:
    """Generated digits (n, 8, 8) in [0, 1], ink dark on white, in a grid of `cols`."""
    rgb = list(gray_rgb(np.asarray(images, dtype=np.float64).reshape(-1, 8, 8)))
    return tiles(rgb, captions, cols=cols, title=title, revision=revision, tile_px=tile_px,
                 caption_colors=caption_colors)


# --- Compare: one map per run ---------------------------------------------------------------------
@dataclass
class GanRunView(RunView):
    """A GAN run of a comparison: RunView's fields (its `grid` the discriminator's map) and
    its generated points `fake` (n, 2); `probability`: its map is a probability."""

    fake: np.ndarray
    probability: bool


def runs_grid(snap: GroupSnapshot, revision: str = "gan-runs", row_height: int = 320) -> dict:
    """One map per run, side by side: its generated points (purple) and the real ones (green,
    `snap.X_train`, drawn into the image) over its discriminator's output, titled with its
    value in its colour."""
    runs = snap.runs
    rows, cols = grid_shape(len(runs))
    x0b, x1b, y0b, y1b = (float(b) for b in snap.bounds)
    gap_x, gap_y = 0.03, 0.12 / rows
    width, height = (1 - gap_x * (cols - 1)) / cols, (1 - gap_y * (rows - 1)) / rows
    layout = {"height": rows * row_height, "margin": {"l": 8, "r": 8, "t": 28, "b": 8},
              "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
              "showlegend": False, "uirevision": revision, "dragmode": "pan",
              "images": [], "annotations": [], "shapes": []}
    real = np.asarray(snap.X_train, dtype=np.float64).reshape(-1, 2)
    data = []
    for i, run in enumerate(runs):
        r, c = divmod(i, cols)
        n = "" if i == 0 else str(i + 1)
        x0 = c * (width + gap_x)
        y1 = 1 - r * (height + gap_y)
        axis = {"showgrid": False, "zeroline": False, "showticklabels": False,
                "ticks": "", "showline": True, "linecolor": "#ccc", "mirror": True}
        layout[f"xaxis{n}"] = {**axis, "domain": [x0, x0 + width], "range": [x0b, x1b],
                               "anchor": f"y{n}", "constrain": "domain",
                               **({"matches": "x"} if i else {})}
        layout[f"yaxis{n}"] = {**axis, "domain": [y1 - height, y1], "range": [y0b, y1b],
                               "anchor": f"x{n}", "constrain": "domain",
                               "scaleanchor": f"x{n}", **({"matches": "y"} if i else {})}
        image = d_rgb(run.grid, run.probability).repeat(UPSCALE, axis=0).repeat(UPSCALE,
                                                                                  axis=1)
        layout["images"].append({
            "source": png_uri(draw_points(image, real, snap.bounds, REAL_RGB)),
            "xref": f"x{n}",
            "yref": f"y{n}", "x": x0b, "y": y1b, "sizex": x1b - x0b, "sizey": y1b - y0b,
            "sizing": "stretch", "layer": "below"})
        layout["annotations"].append({
            "text": _run_caption(run), "x": x0 + width / 2, "y": y1, "xref": "paper",
            "yref": "paper", "showarrow": False, "yanchor": "bottom",
            "font": {"size": 13, "color": run.color}})
        if run.status == DIVERGED:
            layout["shapes"].append({"type": "rect", "xref": f"x{n} domain",
                                     "yref": f"y{n} domain", "x0": 0, "x1": 1, "y0": 0,
                                     "y1": 1, "line": {"color": "#d62728", "width": 3}})
        trace = _points(run.fake, f"{run.label}: generated", FAKE_COLOR, 5, opacity=0.85)
        data.append(trace | {"xaxis": f"x{n}", "yaxis": f"y{n}"})
    return {"data": data, "layout": layout, "config": {"scrollZoom": False}}
