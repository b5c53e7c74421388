"""An activation of the engine's registry and its derivative as a figure, optionally with where
it saturates or is dead and its output range (the Playground's panel, the Learn page)."""

import math

import numpy as np

from engine import ACTIVATIONS

from .curves import activation_chart

SHADES = {"saturated": "rgba(90,90,90,0.14)", "dead": "rgba(214,39,40,0.16)"}


def activation_figure(name: str, z: np.ndarray | None = None, regions: dict | None = None,
                      height: int = 240) -> dict:
    """f and f' of activation `name` over z (n,) (default: 401 points on [-4, 4]). With
    `regions` ({"saturated": [(z0, z1), ...], "dead": [...]}) those are shaded, the output
    range's finite bounds are drawn as dotted lines and the x range is z's."""
    z = np.linspace(-4, 4, 401) if z is None else z
    act = ACTIVATIONS[name]
    a = act.fn(z)
    df = np.broadcast_to(np.asarray(act.deriv(z, a), dtype=np.float64), z.shape)
    fig = activation_chart(z, a, df, act.label, height)
    if regions is None:
        return fig
    shapes = []
    for kind, color in SHADES.items():
        for lo, hi in regions[kind]:
            shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": lo, "x1": hi,
                           "y0": 0, "y1": 1, "fillcolor": color, "line": {"width": 0},
                           "layer": "below", "name": kind})
    for v in act.output_range:
        if math.isfinite(v):
            shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": v, "y1": v,
                           "line": {"color": "#0877bd", "width": 1, "dash": "dot"},
                           "name": "range"})
    fig["layout"]["shapes"] = shapes
    fig["layout"]["xaxis"]["range"] = [float(z[0]), float(z[-1])]
    fig["layout"]["legend"] = {"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.8)"}
    fig["layout"]["title"]["text"] = (f"{act.label} (blue) and its derivative (orange dashed); "
                                      "grey: saturated, red: dead")
    return fig
