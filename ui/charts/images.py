"""Charts of small images: digits, a network's mistakes, filters and feature maps, first-layer
weights, a convolution step by step, class probabilities, and the preprocessing of a drawn digit.

Many small images are drawn as ONE picture (a sprite of tiles) with a caption under each tile:
the browser redraws one image much faster than dozens of heatmaps. Invisible markers at the
tiles' centres give hover text and report clicks (point number = tile number).
"""

import numpy as np

from .base import FONT, HOVER_ONLY, diverging_rgb, png_uri

INK = np.array([31, 36, 48], dtype=np.float64)  # a digit's ink on white paper
PAPER = np.array([255, 255, 255], dtype=np.float64)
RED = "#d62728"
TILE_PX = 6  # screen pixels per image pixel (tiles are scaled up without smoothing)
GAP = 0.25  # between tiles, in tile widths


def gray_rgb(images: np.ndarray) -> np.ndarray:
    """Images with values in [0, 1] (ink) -> uint8 RGB, ink dark on white."""
    v = np.clip(np.nan_to_num(np.asarray(images, dtype=np.float64)), 0.0, 1.0)[..., None]
    return (PAPER + (INK - PAPER) * v).round().astype(np.uint8)


def signed_rgb(values: np.ndarray, scale: float | None = None) -> np.ndarray:
    """Values of either sign -> uint8 RGB on the diverging scale centred on zero (orange
    negative, blue positive), symmetric around 0 up to `scale` (default: the largest |v|)."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64))
    m = float(np.abs(v).max()) if scale is None else float(scale)
    return diverging_rgb((v / (m or 1.0) + 1.0) / 2.0)


def tiles(rgb: list[np.ndarray], captions: list[str] | None = None, cols: int = 8,
          caption_colors: list[str] | None = None, hover: list[str] | None = None,
          title: str = "", height: int | None = None, revision: str = "tiles",
          tile_px: int = TILE_PX) -> dict:
    """Images (each (h, w, 3) uint8, all the same size) in a grid of `cols` columns, as one
    picture, each with an optional caption under it. The invisible marker of tile i is point
    i of trace 0: clicks and hover text come from it."""
    n = len(rgb)
    h, w = (rgb[0].shape[:2] if n else (1, 1))
    cols = max(1, min(cols, n or 1))
    rows = -(-n // cols) if n else 1
    gap_px = max(1, round(GAP * w))
    sheet = np.full(((h + gap_px) * rows, (w + gap_px) * cols, 3), 255, dtype=np.uint8)
    for i, im in enumerate(rgb):
        r, c = divmod(i, cols)
        sheet[r * (h + gap_px):r * (h + gap_px) + h, c * (w + gap_px):c * (w + gap_px) + w] = im
    width_u, height_u = sheet.shape[1], sheet.shape[0]  # axis units: sheet pixels
    xs = [(i % cols) * (w + gap_px) + w / 2 for i in range(n)]
    ys = [height_u - ((i // cols) * (h + gap_px) + h / 2) for i in range(n)]
    annotations = [{"x": x, "y": y - h / 2 - gap_px * 0.1, "xref": "x", "yref": "y",
                    "text": text, "showarrow": False, "yanchor": "top",
                    "font": {"size": 11, "color": (caption_colors or [None] * n)[i] or "#1f2430"}}
                   for i, (x, y, text) in enumerate(zip(xs, ys, captions or [], strict=False))]
    cap_px = 18 if captions else 0
    px = tile_px * (h + gap_px) + cap_px
    fig_h = height or int(rows * px + (34 if title else 10))
    return {"data": [{"type": "scatter", "mode": "markers", "x": xs, "y": ys,
                      "marker": {"size": max(8, tile_px * w), "symbol": "square", "opacity": 0},
                      "text": hover or captions or [""] * n,
                      "hovertemplate": "%{text}<extra></extra>", "meta": HOVER_ONLY,
                      "showlegend": False}],
            "layout": {
                "height": fig_h, "margin": {"l": 4, "r": 4, "t": 30 if title else 4, "b": 4},
                "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
                "title": {"text": title, "x": 0.01, "font": {"size": 13}},
                "xaxis": {"visible": False, "range": [0, width_u], "fixedrange": True},
                "yaxis": {"visible": False, "range": [-cap_px / tile_px, height_u],
                          "scaleanchor": "x", "fixedrange": True},
                # Scaled up here, pixel by pixel, so the browser need not smooth it.
                "images": [{"source": png_uri(sheet.repeat(tile_px, 0).repeat(tile_px, 1)),
                            "xref": "x", "yref": "y", "x": 0,
                            "y": height_u, "sizex": width_u, "sizey": height_u,
                            "sizing": "stretch", "layer": "below"}],
                "annotations": annotations, "hovermode": "closest", "dragmode": False,
                "uirevision": revision},
            "config": {"displayModeBar": False}}


def digits(images: np.ndarray, captions: list[str] | None = None, cols: int = 10,
           title: str = "", **kw) -> dict:
    """Digits (n, 8, 8) in [0, 1], ink dark on white."""
    return tiles(list(gray_rgb(np.asarray(images).reshape(len(images), 8, 8))), captions,
                 cols=cols, title=title, **kw)


def mistakes(images: np.ndarray, true: np.ndarray, predicted: np.ndarray,
             confidence: np.ndarray, total: int, revision: str = "mistakes",
             cols: int = 8) -> dict:
    """The gallery of current mistakes: each digit with 'true → predicted (confidence)'."""
    captions = [f"{t} → {p} ({c:.0%})" for t, p, c in zip(true, predicted, confidence,
                                                            strict=True)]
    hover = [f"a {t}, read as {p} with {c:.0%} confidence (click to look inside)"
             for t, p, c in zip(true, predicted, confidence, strict=True)]
    shown = f"{len(true)} of {total}" if total > len(true) else f"{total}"
    title = (f"Current mistakes on the test set: {shown}" if total else
             "Current mistakes on the test set: none")
    if not len(true):
        return tiles([], title=title, revision=revision, height=80)
    return digits(images, captions, cols=cols, title=title, caption_colors=[RED] * len(true),
                  hover=hover, revision=revision)


def weight_images(weights: np.ndarray, captions: list[str] | None = None, cols: int = 8,
                  title: str = "", **kw) -> dict:
    """Weight images (n, h, w) on the diverging scale centred on zero, one scale for all."""
    w = np.asarray(weights, dtype=np.float64)
    scale = float(np.abs(w).max()) or 1.0
    return tiles([signed_rgb(im, scale) for im in w], captions, cols=cols, title=title, **kw)


def filters(banks: list[np.ndarray], revision: str = "filters") -> dict:
    """Every convolution's filters on one sheet: bank l is (out, in, k, k), one tile per
    (output channel, input channel) pair, captioned 'c<l> f<out>·<in>', each bank on its own
    scale centred on zero."""
    rgb, captions = [], []
    for layer, bank in enumerate(banks, start=1):
        scale = float(np.abs(bank).max()) or 1.0
        for o in range(bank.shape[0]):
            for i in range(bank.shape[1]):
                rgb.append(signed_rgb(bank[o, i], scale))
                captions.append(f"c{layer} f{o + 1}" + (f"·{i + 1}" if bank.shape[1] > 1 else ""))
    size = max(b.shape[-1] for b in banks) if banks else 3
    rgb = [np.pad(im, ((0, size - im.shape[0]), (0, size - im.shape[1]), (0, 0)),
                  constant_values=255) for im in rgb]
    cols = banks[0].shape[0] if banks and banks[0].shape[1] == 1 else 8
    return tiles(rgb, captions, cols=min(cols, 16), title="Filters (orange negative, blue "
                 "positive)", revision=revision, tile_px=8)


def feature_maps(image: np.ndarray, maps: list[tuple[str, np.ndarray]],
                 revision: str = "features") -> dict:
    """What the network sees of one digit: the digit, then the maps after each convolution and
    pooling layer (each stage on its own scale, a tile per channel)."""
    rgb, captions = [gray_rgb(np.asarray(image).reshape(8, 8))], ["input"]
    for name, stage in maps:
        scale = float(np.abs(stage).max()) or 1.0
        for c, m in enumerate(stage):
            big = np.kron(m, np.ones((8 // m.shape[0],) * 2)) if m.shape[0] < 8 else m
            rgb.append(signed_rgb(big, scale))
            short = "conv" if name.startswith("conv") else "pool"  # keep captions short
            captions.append(f"{short} {name.split()[-1]}.{c + 1}")
    rgb = [np.pad(im, ((0, 8 - im.shape[0]), (0, 8 - im.shape[1]), (0, 0)),
                  constant_values=255) for im in rgb]
    return tiles(rgb, captions, cols=9, title="What the network sees of the chosen digit",
                 revision=revision)


def probabilities(p: np.ndarray, title: str = "Class probabilities", true: int | None = None,
                  height: int = 240, revision: str = "proba") -> dict:
    """Bars of the 10 class probabilities; the predicted class in blue, the true one outlined."""
    p = np.asarray(p, dtype=np.float64)
    best = int(p.argmax()) if p.size else -1
    colors = ["#0877bd" if k == best else "#b8bec7" for k in range(len(p))]
    lines = [2 if k == true else 0 for k in range(len(p))]
    return {"data": [{"type": "bar", "x": [str(k) for k in range(len(p))], "y": p.tolist(),
                      "marker": {"color": colors, "line": {"width": lines, "color": "#1f2430"}},
                      "text": [f"{v:.0%}" for v in p], "textposition": "outside",
                      "hovertemplate": "class %{x}: %{y:.1%}<extra></extra>"}],
            "layout": {"height": height, "margin": {"l": 40, "r": 8, "t": 30, "b": 30},
                       "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
                       "title": {"text": title, "x": 0.01, "font": {"size": 13}},
                       "yaxis": {"range": [0, 1.15], "tickformat": ".0%", "gridcolor": "#eee"},
                       "xaxis": {"type": "category"}, "uirevision": revision}}


def drawing_steps(drawn: np.ndarray, crop: np.ndarray, centred: np.ndarray,
                  image: np.ndarray, adjusted: np.ndarray | None = None) -> dict:
    """The preprocessing of a drawn digit, one step a tile: what you drew, its bounding box,
    centred by its centre of mass, made like the training digits (narrowed, line thickened or
    thinned; when `adjusted` is given), and the 8×8 image the network reads."""
    steps = [("you drew", drawn), ("cropped", crop), ("centred", centred),
             *([("adjusted", adjusted)] if adjusted is not None else []), ("8×8", image)]
    side = 48
    rgb = []
    for _, im in steps:
        im = np.asarray(im, dtype=np.float64)
        im = im / (im.max() or 1.0)
        rows = (np.arange(side) * im.shape[0] // side)[:, None]
        cols = (np.arange(side) * im.shape[1] // side)[None, :]
        rgb.append(gray_rgb(im[rows, cols]))
    return tiles(rgb, [name for name, _ in steps], cols=len(steps), tile_px=2,
                 title="From your drawing to the network's input")


def conv_step(image: np.ndarray, kernel: np.ndarray, bias: float, row: int, col: int,
              padding: int, value: float, activation: str = "") -> dict:
    """One step of a convolution on one image, with the engine's numbers: the input (padded)
    with the window at output position (row, col) outlined, the kernel, and the products whose
    sum plus the bias is that output value. `value` is the engine's own output there."""
    x = np.pad(np.asarray(image, dtype=np.float64).reshape(8, 8), padding)
    k = kernel.shape[0]
    window = x[row:row + k, col:col + k]
    products = window * kernel
    size = x.shape[0]
    parts = [("input" + (f" (padded by {padding})" if padding else ""), gray_rgb(x)),
             ("filter", signed_rgb(kernel)), ("input × filter", signed_rgb(products))]
    rgb = [np.pad(im, ((0, size - im.shape[0]), (0, size - im.shape[1]), (0, 0)),
                  constant_values=255) for _, im in parts]  # same size, top-left aligned
    fig = tiles(rgb, [p[0] for p in parts], cols=3, tile_px=24,
                title=f"Σ (input × filter) + bias = {products.sum():.3f} + {bias:.3f} = "
                      f"{products.sum() + bias:.3f}" + (f" → {activation} → {value:.3f}"
                                                       if activation else ""))
    gap = max(1, round(GAP * size))
    height_u = size + gap  # the sheet's height: one row of tiles and the gap under it
    # The window on the input tile, and the numbers in the filter and product tiles.
    fig["layout"]["shapes"] = [{"type": "rect", "xref": "x", "yref": "y", "x0": col,
                                "x1": col + k, "y0": height_u - row - k, "y1": height_u - row,
                                "line": {"color": RED, "width": 3}}]
    for t, grid in ((1, kernel), (2, products)):
        x0 = t * (size + gap)
        for i in range(k):
            for j in range(k):
                fig["layout"]["annotations"].append({
                    "x": x0 + j + 0.5, "y": height_u - i - 0.5, "xref": "x", "yref": "y",
                    "text": f"{grid[i, j]:.2f}", "showarrow": False,
                    "font": {"size": 10, "color": "#1f2430"}})
    return fig
