"""Charts of the Attention page and of Compare's transformer runs: the accuracy curves, every
head's attention map, the output of one sequence with each position's probabilities, the
position embeddings, one matrix of a head's computation, and the runs' accuracies side by side.
Small matrices go as plain lists (rounded), so a test can read them from the drawn chart."""

import numpy as np

from .base import FONT, TEST_COLOR, TRAIN_COLOR, thin, typed
from .curves import drawable

ATTENTION_SCALE = [[0.0, "#ffffff"], [0.25, "#c6dbef"], [0.6, "#4a90c8"], [1.0, "#08306b"]]
DIVERGING = [[0.0, "rgb(245,147,34)"], [0.5, "rgb(246,246,246)"], [1.0, "rgb(8,119,189)"]]


def _layout(title: str, height: int, revision: str, **more) -> dict:
    return {"height": height, "margin": {"l": 48, "r": 8, "t": 32, "b": 36}, "font": FONT,
            "title": {"text": title, "x": 0.01, "font": {"size": 13}},
            "paper_bgcolor": "white", "plot_bgcolor": "white", "uirevision": revision} | more


def _rounded(a: np.ndarray, digits: int = 3) -> list:
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


def accuracy_chart(epochs, series: dict[str, list[float]], baseline: float | None = None,
                   revision: str = "accuracy", height: int = 260, max_points: int = 400) -> dict:
    """Named accuracy series per epoch (per position and whole sequence, train and test),
    whole-sequence ones dashed, and the task's trivial per-position score as a dotted line."""
    idx = thin(len(epochs), max_points)
    ep = np.asarray(epochs, dtype=np.float64)[idx]
    data = []
    for name, ys in series.items():
        color = TEST_COLOR if "test" in name else TRAIN_COLOR
        dash = "dash" if "sequence" in name else "solid"
        data.append({"type": "scatter", "mode": "lines", "name": name, "x": typed(ep),
                     "y": typed(drawable(ys, idx)), "line": {"color": color, "width": 2,
                                                             "dash": dash},
                     "hovertemplate": "%{y:.1%}"})
    shapes = []
    if baseline is not None:
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                       "y0": baseline, "y1": baseline,
                       "line": {"color": "#999", "dash": "dot", "width": 1}})
    layout = _layout("Accuracy (dashed: whole sequences right)", height, revision,
                     hovermode="x unified", shapes=shapes,
                     xaxis={"title": {"text": "epoch", "standoff": 2}, "gridcolor": "#eee"},
                     yaxis={"range": [0, 1.02], "tickformat": ".0%", "gridcolor": "#eee"},
                     legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02,
                             "yanchor": "bottom"})
    layout["margin"] = layout["margin"] | {"t": 52}
    return {"data": data, "layout": layout}


def _token_axis(tokens: list[str], title: str, **more) -> dict:
    n = len(tokens)
    return {"tickmode": "array", "tickvals": list(range(n)), "ticktext": list(tokens),
            "title": {"text": title, "standoff": 2}, "showgrid": False, "zeroline": False,
            "range": [-0.5, n - 0.5], "ticks": ""} | more


def grid_domains(n: int, gap: float) -> list[list[float]]:
    """`n` equal [start, end] domains across [0, 1] with `gap` between them."""
    width = (1.0 - gap * (n - 1)) / n
    return [[i * (width + gap), i * (width + gap) + width] for i in range(n)]


def attention_maps(weights: np.ndarray, tokens: list[str], revision: str = "attention",
                   height: int | None = None, title: str | None = None) -> dict:
    """Every head's attention weights (blocks, heads, T, T) as heatmaps, a row of heads per
    block; row t of a map is how much position t reads each position (tokens on both axes)."""
    w = np.asarray(weights)
    B, H = w.shape[:2]
    cols, rows = grid_domains(H, 0.06), grid_domains(B, 0.16)[::-1]
    height = height or 80 + 250 * B
    data, layout = [], _layout(title or "Attention of every head (each row reads the columns)",
                               height, revision,
                               annotations=[])
    layout["margin"] = layout["margin"] | {"t": 52}
    for b in range(B):
        for h in range(H):
            i = b * H + h
            ax = "" if i == 0 else str(i + 1)
            data.append({"type": "heatmap", "z": _rounded(w[b, h]), "zmin": 0, "zmax": 1,
                         "colorscale": ATTENTION_SCALE, "showscale": i == B * H - 1,
                         "colorbar": {"thickness": 10, "len": 0.8, "tickformat": ".0%"},
                         "xaxis": f"x{ax}", "yaxis": f"y{ax}", "name": f"block {b + 1} head "
                         f"{h + 1}", "hovertemplate": "position %{y} reads position %{x}: "
                         "%{z:.1%}<extra>" + f"block {b + 1}, head {h + 1}</extra>"})
            layout[f"xaxis{ax}"] = _token_axis(tokens, "reads", domain=cols[h],
                                               anchor=f"y{ax}", side="bottom",
                                               tickfont={"size": 11 if H < 3 else 8})
            layout[f"yaxis{ax}"] = _token_axis(tokens, "position" if h == 0 else "",
                                               domain=rows[b], anchor=f"x{ax}",
                                               autorange="reversed")
            layout["annotations"].append({
                "text": f"block {b + 1} · head {h + 1}", "showarrow": False,
                "xref": "paper", "yref": "paper", "x": sum(cols[h]) / 2, "y": rows[b][1],
                "xanchor": "center", "yanchor": "bottom", "font": {"size": 12}})
    return {"data": data, "layout": layout}


def anti_diagonal_mass(weights: np.ndarray) -> np.ndarray:
    """The mean attention each head puts on the mirror position (row t, column T-1-t):
    (blocks, heads), 1 for a perfect reversal pattern, about 1/T for uniform attention."""
    w = np.asarray(weights)
    T = w.shape[-1]
    return w[..., np.arange(T), T - 1 - np.arange(T)].mean(axis=-1)


def output_chart(probabilities: np.ndarray, alphabet: str, inputs: str, prediction: str,
                 target: str | None, scored: np.ndarray, revision: str = "output",
                 height: int = 300) -> dict:
    """Each position's probabilities over the vocabulary (T, k) as a heatmap (columns: the
    input's positions, rows: the tokens), the predicted token marked with a dot and the target
    with a ring (red when it is missed); unscored positions faded in the title's text."""
    p = np.asarray(probabilities)
    T, k = p.shape
    x_text = [f"{t}:{c}" for t, c in enumerate(inputs)]
    data = [{"type": "heatmap", "z": _rounded(p.T), "zmin": 0, "zmax": 1,
             "colorscale": ATTENTION_SCALE, "showscale": False, "x": list(range(T)),
             "y": list(range(k)), "hovertemplate": "position %{x}: token %{y} with "
             "probability %{z:.1%}<extra></extra>"}]
    where = np.flatnonzero(np.asarray(scored, dtype=bool))
    pred_ids = [alphabet.index(c) for c in prediction]
    data.append({"type": "scatter", "mode": "markers", "name": "prediction",
                 "x": where.tolist(), "y": [pred_ids[t] for t in where],
                 "marker": {"color": "#f59322", "size": 7}, "hoverinfo": "skip"})
    if target is not None:
        tgt = [alphabet.index(c) for c in target]
        right = [pred_ids[t] == tgt[t] for t in where]
        data.append({"type": "scatter", "mode": "markers", "name": "target",
                     "x": where.tolist(), "y": [tgt[t] for t in where],
                     "marker": {"symbol": "circle-open", "size": 15, "line": {"width": 2},
                                "color": ["#2ca02c" if r else "#d62728" for r in right]},
                     "hoverinfo": "skip"})
    title = f"Output for {inputs}: {''.join(prediction[t] for t in where)}"
    if target is not None:
        hits = sum(pred_ids[t] == alphabet.index(target[t]) for t in where)
        title += f" (target {''.join(target[t] for t in where)}, {hits} of {len(where)} right)"
    layout = _layout(title, height, revision, showlegend=False,
                     xaxis=_token_axis(x_text, "position:input"),
                     yaxis=_token_axis(list(alphabet), "token"))
    layout["yaxis"]["autorange"] = "reversed"
    return {"data": data, "layout": layout}


def position_chart(vectors: np.ndarray, similarity: np.ndarray, kind: str,
                   revision: str = "positions", height: int = 300) -> dict:
    """The position vectors (T, dim) as a heatmap beside their cosine similarity (T, T)."""
    v, s = np.asarray(vectors), np.asarray(similarity)
    T = v.shape[0]
    vmax = float(np.abs(v).max()) or 1.0
    pos = [str(t) for t in range(T)]
    left, right = [0.0, 0.52], [0.64, 1.0]
    data = [{"type": "heatmap", "z": _rounded(v), "zmin": -vmax, "zmax": vmax,
             "colorscale": DIVERGING, "showscale": False, "xaxis": "x", "yaxis": "y",
             "hovertemplate": "position %{y}, dimension %{x}: %{z:.3f}<extra></extra>"},
            {"type": "heatmap", "z": _rounded(s), "zmin": -1, "zmax": 1,
             "colorscale": DIVERGING, "xaxis": "x2", "yaxis": "y2",
             "colorbar": {"thickness": 10, "len": 0.8},
             "hovertemplate": "positions %{y} and %{x}: cosine %{z:.2f}<extra></extra>"}]
    layout = _layout(f"Position embeddings ({kind}): one row per position, and how alike "
                     "two positions' vectors are (cosine)", height, revision,
                     xaxis={"domain": left, "title": {"text": "dimension", "standoff": 2},
                            "showgrid": False, "zeroline": False},
                     yaxis=_token_axis(pos, "position", autorange="reversed"),
                     xaxis2=_token_axis(pos, "position", domain=right, anchor="y2"),
                     yaxis2=_token_axis(pos, "", autorange="reversed", anchor="x2"))
    return {"data": data, "layout": layout}


def matrix_chart(m: np.ndarray, rows: list[str], cols: list[str], title: str,
                 bounded: bool = False, height: int | None = None) -> dict:
    """One matrix of a head's computation with its numbers in the cells: values around 0 on a
    symmetric orange-blue scale, or (bounded) weights in [0, 1]. -inf (a masked score) shows
    as an empty cell marked −∞."""
    m = np.asarray(m, dtype=np.float64)
    finite = np.isfinite(m)
    z = np.where(finite, m, np.nan)
    text = [["−∞" if not f else f"{v:.2f}" for v, f in zip(row, frow, strict=True)]
            for row, frow in zip(m, finite, strict=True)]
    if bounded:
        scale, lo, hi = ATTENTION_SCALE, 0.0, 1.0
    else:
        vmax = float(np.nanmax(np.abs(z))) if finite.any() else 1.0
        scale, lo, hi = DIVERGING, -(vmax or 1.0), vmax or 1.0
    many = m.shape[1] > 12
    trace = {"type": "heatmap", "z": _rounded(z, 4), "zmin": lo, "zmax": hi,
             "colorscale": scale, "showscale": False, "x": list(range(m.shape[1])),
             "y": list(range(m.shape[0])), "text": text,
             "hovertemplate": "row %{y}, column %{x}: %{text}<extra></extra>"}
    if not many:
        trace |= {"texttemplate": "%{text}", "textfont": {"size": 10}}
    layout = _layout(title, height or 60 + 28 * m.shape[0], "matrix",
                     xaxis=_token_axis(cols, "", side="top"),
                     yaxis=_token_axis(rows, "", autorange="reversed"))
    layout["margin"] = {"l": 48, "r": 8, "t": 56, "b": 8}
    return {"data": [trace], "layout": layout}


def sequence_accuracies_chart(runs: list, revision: str = "seq-acc", height: int = 320) -> dict:
    """Compare: every run's whole-sequence test accuracy (solid) and per-position test accuracy
    (dotted), one colour per run. `runs` are RunViews whose history has epoch,
    test_sequence_accuracy and test_accuracy."""
    data = []
    for run in runs:
        h = run.history
        for part, name, dash in (("test_sequence_accuracy", "whole sequences", "solid"),
                                 ("test_accuracy", "per position", "dot")):
            data.append({"type": "scatter", "mode": "lines", "name": f"{run.label} {name}",
                         "legendgroup": run.label, "x": typed(h["epoch"]),
                         "y": typed(drawable(h[part], slice(None))),
                         "line": {"color": run.color, "dash": dash, "width": 2},
                         "hovertemplate": "%{y:.1%}"})
    layout = _layout("Test accuracy: whole sequences solid, per position dotted", height,
                     revision, hovermode="x unified",
                     xaxis={"title": {"text": "epoch", "standoff": 2}, "gridcolor": "#eee"},
                     yaxis={"range": [0, 1.02], "tickformat": ".0%", "gridcolor": "#eee"},
                     legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02,
                             "yanchor": "bottom"})
    return {"data": data, "layout": layout}


__all__ = ["accuracy_chart", "anti_diagonal_mass", "attention_maps", "grid_domains",
           "matrix_chart", "output_chart", "position_chart", "sequence_accuracies_chart"]
