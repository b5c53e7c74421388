"""Gradient descent on a landscape, drawn: the loss surface as a banded image under every
optimizer's path (replayed by plotly's animation frames; a grid of invisible markers takes
clicks), and the loss per step. Surfaces and paths are `ui.learn.landscape`'s, read
duck-typed (a surface's `f`, `loss`, `bounds`, `minimum`, ...; a path's `points`, `losses`)."""

import numpy as np
from PIL import Image

from engine import OPTIMIZERS

from ..base import FONT, png_uri

# Plotly's default colour cycle: one colour per optimizer, in the registry's order.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]


def colour(name: str) -> str:
    """The colour of optimizer `name`'s path and loss curve."""
    return PALETTE[list(OPTIMIZERS).index(name) % len(PALETTE)]


CLICK_GRID = 30  # the invisible markers that take clicks: CLICK_GRID x CLICK_GRID
MAX_FRAMES = 40


def _contour_levels(Z: np.ndarray) -> np.ndarray:
    """Shown values: each grid value's rank among all of them, in [0, 1]. The rank keeps the
    order of the losses, so the contour lines are still lines of equal loss, but the colours
    spread evenly over the view whether a surface is steep or flat."""
    flat = Z.ravel()
    ranks = np.empty(flat.size)
    ranks[np.argsort(flat, kind="stable")] = np.arange(flat.size)
    return (ranks / max(flat.size - 1, 1)).reshape(Z.shape)


# plotly's "Blues", reversed: dark where the loss is low.
_BLUES = np.array([(8, 48, 107), (8, 81, 156), (33, 113, 181), (66, 146, 198), (107, 174, 214),
                   (158, 202, 225), (198, 219, 239), (222, 235, 247), (247, 251, 255)], float)
SURFACE_LEVELS = 28  # colour bands, each edged by a contour line
SURFACE_PIXELS = 360  # the image's side


def surface_image(Z: np.ndarray, levels: int = SURFACE_LEVELS,
                  size: int = SURFACE_PIXELS) -> np.ndarray:
    """The loss over the grid (row i at the i-th y from the bottom) as an RGB image, the right
    way up: `levels` bands of equal rank (see `_contour_levels`), light to dark blue towards
    low loss, each edged by a thin white line: a filled contour plot, drawn as pixels."""
    ranks = Image.fromarray(_contour_levels(Z).astype(np.float32), mode="F")
    v = np.asarray(ranks.resize((size, size), Image.Resampling.BILINEAR), dtype=np.float64)
    band = np.minimum((v * levels).astype(int), levels - 1)
    t = (band + 0.5) / levels * (len(_BLUES) - 1)
    lo = np.floor(t).astype(int)
    rgb = _BLUES[lo] + (_BLUES[np.minimum(lo + 1, len(_BLUES) - 1)] - _BLUES[lo]) * \
        (t - lo)[..., None]
    edge = np.zeros(band.shape, dtype=bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    rgb[edge] = rgb[edge] * 0.4 + 255 * 0.6
    return rgb[::-1].round().astype(np.uint8)


def _frame_steps(steps: int) -> list[int]:
    return sorted(set(np.linspace(0, steps, min(steps, MAX_FRAMES) + 1).round().astype(int)))


def landscape_figure(surf, grid, paths, start, height: int = 520,
                     animate: bool = True) -> dict:
    """The contour plot with every path drawn and, when `animate`, frames that replay the paths
    step by step (Play button and slider; no server round trip). An invisible grid of markers
    takes clicks: a clicked marker is the new starting point."""
    xs, ys, Z = grid
    x0, x1, y0, y1 = surf.bounds
    # The surface is an image under the paths: plotly.js drops contour and heatmap traces for
    # as long as an animation of other traces runs (the replay), but keeps layout images.
    data = [{"type": "scatter", "x": [], "y": [], "name": "loss", "hoverinfo": "skip",
             "showlegend": False}]
    gx, gy = np.linspace(x0, x1, CLICK_GRID), np.linspace(y0, y1, CLICK_GRID)
    GX, GY = np.meshgrid(gx, gy)
    GZ = np.asarray(surf.f(GX, GY), dtype=np.float64)
    data.append({"type": "scatter", "mode": "markers", "name": "start here",
                 "x": np.round(GX.ravel(), 4).tolist(), "y": np.round(GY.ravel(), 4).tolist(),
                 "customdata": np.round(GZ.ravel(), 5).tolist(),
                 "marker": {"size": 14, "opacity": 0, "color": "black"},
                 "selected": {"marker": {"opacity": 0}},
                 "unselected": {"marker": {"opacity": 0}},
                 "hovertemplate": "start at (%{x:.2f}, %{y:.2f})<br>loss %{customdata:.4g}"
                                  "<extra></extra>", "showlegend": False})
    if surf.minimum is not None:
        data.append({"type": "scatter", "mode": "markers", "name": surf.minimum_label,
                     "x": [surf.minimum[0]], "y": [surf.minimum[1]],
                     "marker": {"symbol": "x", "size": 12, "color": "#1f2430"},
                     "hoverinfo": "name"})
    data.append({"type": "scatter", "mode": "markers", "name": "start",
                 "x": [float(start[0])], "y": [float(start[1])],
                 "marker": {"symbol": "star", "size": 16, "color": "#f06b1e",
                            "line": {"color": "white", "width": 1}}, "hoverinfo": "name"})
    first_path = len(data)
    for p in paths:
        data.append(_path_trace(p, p.steps))
    frames, slider_steps = [], []
    if animate and paths:
        longest = max(p.steps for p in paths)
        for s in _frame_steps(longest):
            name = str(s)
            frames.append({"name": name, "traces": list(range(first_path, len(data))),
                           "data": [_frame_path(p, min(s, p.steps)) for p in paths]})
            slider_steps.append({"label": name, "method": "animate",
                                 "args": [[name], {"mode": "immediate", "transition":
                                                   {"duration": 0},
                                                   "frame": {"duration": 0, "redraw": False}}]})
    layout = {
        "height": height, "margin": {"l": 50, "r": 10, "t": 10, "b": 50}, "font": FONT,
        "paper_bgcolor": "white", "plot_bgcolor": "white",
        "xaxis": {"range": [x0, x1], "title": {"text": surf.axis_titles[0]},
                  "zeroline": False, "constrain": "domain"},
        "yaxis": {"range": [y0, y1], "title": {"text": surf.axis_titles[1]}, "zeroline": False,
                  "scaleanchor": "x", "constrain": "domain"},
        "legend": {"x": 1.02, "y": 1, "xanchor": "left", "yanchor": "top"},
        "hovermode": "closest", "clickmode": "event+select", "dragmode": False,
        "images": [{"source": png_uri(surface_image(Z)), "xref": "x", "yref": "y", "x": x0,
                    "y": y1, "sizex": x1 - x0, "sizey": y1 - y0, "sizing": "stretch",
                    "layer": "below"}],
    }
    if frames:
        layout["margin"] |= {"t": 45, "b": 110}
        layout["updatemenus"] = [{
            "type": "buttons", "direction": "left", "x": 0, "y": 1.01, "xanchor": "left",
            "yanchor": "bottom", "showactive": False, "pad": {"r": 8, "t": 0, "b": 0},
            "buttons": [
                {"label": "▶ Play", "method": "animate",
                 "args": [None, {"frame": {"duration": 100, "redraw": False},
                                 "transition": {"duration": 0}, "fromcurrent": False,
                                 "mode": "immediate"}]},
                {"label": "❚❚ Pause", "method": "animate",
                 "args": [[None], {"frame": {"duration": 0, "redraw": False},
                                   "transition": {"duration": 0}, "mode": "immediate"}]}]}]
        layout["sliders"] = [{"active": len(slider_steps) - 1, "steps": slider_steps,
                              "x": 0, "len": 1, "y": -0.13, "yanchor": "top",
                              "pad": {"t": 0, "b": 0}, "currentvalue": {"prefix": "step "},
                              "transition": {"duration": 0}}]
    return {"data": data, "layout": layout, "frames": frames}


def _frame_path(p, upto: int) -> dict:
    """A frame's update of one path trace: only its points, to 4 decimals (the frames repeat
    each path's beginning, so they make up most of the figure's size)."""
    pts = p.points[: upto + 1]
    return {"x": np.round(pts[:, 0], 4).tolist(), "y": np.round(pts[:, 1], 4).tolist()}


def _path_trace(p, upto: int) -> dict:
    pts = p.points[: upto + 1]
    label = OPTIMIZERS[p.optimizer].label
    return {"type": "scatter", "mode": "lines+markers", "name": label,
            "x": np.round(pts[:, 0], 6).tolist(), "y": np.round(pts[:, 1], 6).tolist(),
            "line": {"color": colour(p.optimizer), "width": 2.5},
            "marker": {"size": 4, "color": colour(p.optimizer)},
            "hovertemplate": f"{label}<br>step %{{pointNumber}}: (%{{x:.3f}}, %{{y:.3f}})"
                             "<extra></extra>"}


def loss_figure(surf, paths, height: int = 300) -> dict:
    """Loss per step for every path; log scale of the loss above the minimum when it is known."""
    floor = surf.loss(surf.minimum) if surf.minimum is not None and surf.name != "network" \
        else None
    data = []
    for p in paths:
        ys = p.losses - floor if floor is not None else p.losses
        if floor is not None:
            ys = np.maximum(ys, 1e-16)
        data.append({"type": "scatter", "mode": "lines", "name": OPTIMIZERS[p.optimizer].label,
                     "x": list(range(len(ys))), "y": [float(v) for v in ys],
                     "line": {"color": colour(p.optimizer), "width": 2}})
    title = "loss above the minimum (log scale)" if floor is not None else "training loss"
    return {"data": data, "layout": {
        "height": height, "margin": {"l": 60, "r": 10, "t": 30, "b": 40}, "font": FONT,
        "title": {"text": title, "x": 0.01, "font": {"size": 13}},
        "paper_bgcolor": "white", "plot_bgcolor": "white", "showlegend": False,
        "xaxis": {"title": {"text": "step"}, "gridcolor": "#eee"},
        "yaxis": {"type": "log" if floor is not None else "linear", "gridcolor": "#eee",
                  "exponentformat": "power"},
        "hovermode": "x unified"}}


