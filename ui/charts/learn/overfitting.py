"""The overfitting lab, drawn: training and test loss per epoch with the turning point and the
early stop marked, and the output map of the final weights (from `ui.learn.overfitting`'s
LabResult, read duck-typed)."""

from ..base import FONT, TEST_COLOR, TRAIN_COLOR
from ..maps import output_map

SHOWN_TEST = 150  # test points drawn on the map (all of them count in the numbers)


def _vline(epoch: int, text: str, color: str, y: float) -> tuple[dict, dict]:
    shape = {"type": "line", "xref": "x", "yref": "paper", "x0": epoch, "x1": epoch, "y0": 0,
             "y1": 1, "line": {"color": color, "dash": "dot", "width": 2}}
    note = {"x": epoch, "y": y, "xref": "x", "yref": "paper", "text": text, "showarrow": False,
            "xanchor": "left", "xshift": 4, "font": {"size": 12, "color": color},
            "bgcolor": "rgba(255,255,255,0.8)"}
    return shape, note


def loss_figure(result, reference=None, height: int = 420) -> dict:
    """Train and test loss per epoch; the lowest test loss and the early stop are marked.
    `reference` (the run without remedies) is drawn faintly for comparison."""
    data = []
    if reference is not None:
        data.append({"type": "scatter", "mode": "lines", "name": "test loss, no remedy",
                     "x": reference.epochs, "y": reference.test_loss,
                     "line": {"color": TEST_COLOR, "width": 1.5, "dash": "dash"},
                     "opacity": 0.45})
    data += [{"type": "scatter", "mode": "lines", "name": "training loss", "x": result.epochs,
              "y": result.train_loss, "line": {"color": TRAIN_COLOR, "width": 2.5}},
             {"type": "scatter", "mode": "lines", "name": "test loss", "x": result.epochs,
              "y": result.test_loss, "line": {"color": TEST_COLOR, "width": 2.5}},
             {"type": "scatter", "mode": "markers", "name": "lowest test loss",
              "x": [result.best_epoch], "y": [result.min_test],
              "marker": {"color": TEST_COLOR, "size": 11, "symbol": "circle-open",
                         "line": {"width": 3}}}]
    shape, note = _vline(result.best_epoch, f"lowest test loss, epoch {result.best_epoch}",
                         "#b4440b", 0.97)
    shapes, notes = [shape], [note]
    if result.stop_epoch is not None:
        shape, note = _vline(result.stop_epoch, f"stopped, epoch {result.stop_epoch}",
                             "#1f2430", 0.88)
        shapes.append(shape)
        notes.append(note)
    top = max(result.test_loss + (reference.test_loss if reference else []))
    return {"data": data, "layout": {
        "height": height, "margin": {"l": 55, "r": 10, "t": 30, "b": 45}, "font": FONT,
        "title": {"text": "Loss per epoch", "x": 0.01, "font": {"size": 14}},
        "paper_bgcolor": "white", "plot_bgcolor": "white", "hovermode": "x unified",
        "xaxis": {"title": {"text": "epoch"}, "gridcolor": "#eee", "range": [0, result.max_epochs]},
        "yaxis": {"title": {"text": "cross-entropy"}, "gridcolor": "#eee",
                  "range": [0, 1.05 * min(top, 3.0)]},
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "shapes": shapes, "annotations": notes}}


def boundary_figure(result, height: int = 420) -> dict:
    """The output map of the final weights with the training points and some test points."""
    k = SHOWN_TEST
    title = f"{result.n_train} training points (dots), {k} of the test points (rings)"
    fig = output_map(result.grid, result.bounds, "binary", "sigmoid", result.X_train,
                     result.y_train, result.X_test[:k], result.y_test[:k], show_test=True,
                     title=title, height=height)
    fig.pop("config", None)  # plotly's display options, not part of a figure
    for trace in fig["data"]:
        if trace.get("name") == "train":  # the few points it learns from: larger, outlined
            trace["marker"] |= {"size": 10, "line": {"width": 1.5, "color": "#1f2430"}}
    fig["layout"]["dragmode"] = False
    return fig
