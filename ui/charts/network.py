"""The network diagram: every neuron drawn as a small map of its own output, links coloured by
sign and as wide as |weight|, drawn as images so that a live update only swaps image sources."""

import collections
import math
import threading

import numpy as np
from PIL import Image, ImageDraw

from .base import BLUE, FONT, HOVER_ONLY, ORANGE, diverging_rgb, png_uri, unit_scale

LINK_ALPHA = 191  # links of the network diagram are drawn at 75 % opacity

LINK_WIDTH = (0.6, 7.0)  # on-screen width of the weakest and the strongest link, px

LINK_SHARPNESS = 1.25  # image pixels of the links per pixel on screen

LINK_SUPERSAMPLE = 2  # links are drawn this many times larger, then reduced (anti-aliasing)


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
        # What the image shows: each link's colour and width in pixels (drawn in order of
        # width, ties in the weights' order). While a network trains, the widths move by
        # whole pixels only now and then: an image drawn before is reused.
        a = np.abs(W).ravel()
        widths = np.rint((lo + (hi - lo) * a / wmax) * LINK_SHARPNESS * ss)
        widths = np.clip(np.nan_to_num(widths, nan=1.0), 1, 99).astype(np.int16)
        positive = (W.ravel() >= 0)
        key = (x1, height, px, y_top, tuple(cols[c]), tuple(cols[c + 1]), W.shape,
               widths.tobytes(), positive.tobytes())
        with _LINKS_LOCK:
            source = _LINKS.get(key)
            if source is not None:
                _LINKS.move_to_end(key)
        if source is None:
            source = _draw_links(cols[c], cols[c + 1], W.shape[1], widths, positive, x1,
                                 height, y_top, px)
            with _LINKS_LOCK:
                _LINKS[key] = source
                while len(_LINKS) > _LINKS_SIZE:
                    _LINKS.popitem(last=False)
        images.append({"source": source, "xref": "x", "yref": "y",
                       "x": c + thumb / 2, "y": y_top, "sizex": gap, "sizey": y_top - y_bottom,
                       "sizing": "stretch", "layer": "below", "name": f"links {c}"})
    return images


_LINKS: collections.OrderedDict = collections.OrderedDict()  # what a links image shows -> PNG
_LINKS_SIZE = 256
_LINKS_LOCK = threading.Lock()


def _draw_links(ys0: list[float], ys1: list[float], n1: int, widths: np.ndarray,
                positive: np.ndarray, x1: int, height: int, y_top: float, px: float) -> str:
    """One gap's links (from node i at height ys0[i] to node j at ys1[j], flat index i * n1 +
    j) as a PNG: drawn LINK_SUPERSAMPLE times larger, then reduced (anti-aliased)."""
    ss = LINK_SUPERSAMPLE
    img = Image.new("RGBA", (x1, height * ss), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    for k in np.argsort(widths, kind="stable").tolist():
        i, j = divmod(k, n1)
        y0 = (y_top - ys0[i]) * px * ss  # pixel rows at the gap's two edges
        y1 = (y_top - ys1[j]) * px * ss
        slope = (y1 - y0) / x1
        rgb = BLUE if positive[k] else ORANGE
        w = int(widths[k])
        ext = w + 2  # beyond both edges, so that the image cuts the line square
        draw.line([(-ext, y0 - slope * ext), (x1 + ext, y1 + slope * ext)],
                  fill=(*rgb, LINK_ALPHA), width=w)
    return png_uri(img.reduce(ss))


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
