"""Why non-linearity matters, drawn: the output map of each network trained on xor, with the
straight boundary the linear stack collapses to (from `ui.learn.nonlinearity.demo`'s result)."""

from ..maps import output_map
from .neuron import boundary


def demo_figure(result: dict, kind: str, height: int = 420) -> dict:
    """The output map of run `kind` ("linear" or "tanh") of `result` over its data, titled by
    its test accuracy; the linear stack's z = 0 line dashed."""
    X, y, bounds = result["data"]
    r = result[kind]
    fig = output_map(r["grid"], bounds, "binary", "sigmoid", X, y,
                     title=f"{r['label']}: test accuracy {r['test_accuracy']:.0%}",
                     revision=kind, height=height)
    fig.pop("config")  # st.plotly_chart takes a figure; the map's config is for live charts
    if kind == "linear":  # its boundary: the line where the collapsed affine map is 0
        (w1, w2), (b,) = result["affine"][0][:, 0], result["affine"][1]
        xs, ys = boundary(w1, w2, b, bounds)
        fig["data"].append({"type": "scatter", "mode": "lines", "x": xs, "y": ys,
                            "line": {"color": "#1f2430", "width": 2.5, "dash": "dash"},
                            "hoverinfo": "skip", "name": "z = 0"})
    return fig
