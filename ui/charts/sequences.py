"""The Sequences page's charts: the metric per epoch against the task's baseline, one sequence
step by step (inputs, target, prediction), hidden states and gates over time as heatmaps
(units × steps), the gradient norm through time on a log scale, the network unrolled over a
window of steps, one step through a cell as a table of numbers, and the recurrent comparison's
metric curves. Plain functions from arrays."""

import numpy as np

from .base import DIVERGING, FONT, TEST_COLOR, TRAIN_COLOR, thin, typed
from .curves import drawable, loss_layout
from .numbers import HOVER, number

BASELINE_COLOR = "#9a9a9a"
PRED_COLOR, TARGET_COLOR, INPUT_COLOR = "#0877bd", "#f59322", "#8d96a3"
RIGHT, WRONG = "#2ca02c", "#d62728"
STEP_TITLE = {"text": "step t", "standoff": 4}
FLOOR = 1e-12  # a gradient norm of 0 (cut by truncation) is drawn at this floor


def _layout(title: str, height: int, revision: str, **more) -> dict:
    return {"height": height, "margin": {"l": 48, "r": 8, "t": 28, "b": 32}, "font": FONT,
            "title": {"text": title, "x": 0.01, "font": {"size": 13}},
            "paper_bgcolor": "white", "plot_bgcolor": "white", "uirevision": revision,
            "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02,
                       "yanchor": "bottom"}} | more


def _baseline_shape(y: float) -> dict:
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y,
            "line": {"color": BASELINE_COLOR, "dash": "dash", "width": 1.5}}


def metric_chart(epochs, train, test, metric: str, baseline: float, revision: str = "metric",
                 height: int = 250, max_points: int = 400) -> dict:
    """Train and test accuracy (per step) or MSE per epoch, with the task's trivial score as a
    dashed line: a curve that stays on it has learned nothing."""
    idx = thin(len(epochs), max_points)
    ep = np.asarray(epochs, dtype=np.float64)[idx]
    name = "accuracy" if metric == "accuracy" else "MSE"
    fmt = ".1%" if metric == "accuracy" else HOVER
    data = [{"type": "scatter", "mode": "lines", "name": f"{part} {name}", "x": typed(ep),
             "y": typed(drawable(ys, idx)), "line": {"color": color, "width": 2},
             "hovertemplate": "%{y:" + fmt + "}"}
            for part, ys, color in (("train", train, TRAIN_COLOR), ("test", test, TEST_COLOR))]
    shown = f"{baseline:.1%}" if metric == "accuracy" else number(baseline, 3)
    title = ("Accuracy per step" if metric == "accuracy" else "Mean squared error") + \
        f" · dashed: baseline {shown}"
    layout = loss_layout(title, height, False, revision)
    layout["shapes"] = [_baseline_shape(baseline)]
    if metric == "accuracy":
        layout["yaxis"] |= {"range": [0, 1.02], "tickformat": ".0%"}
    else:
        layout["yaxis"] |= _mse_range(test, baseline)
    return {"data": data, "layout": layout}


def _mse_range(values, baseline: float) -> dict:
    """An MSE axis from 0 that keeps the baseline readable: up to 2.5 baselines when only the
    first recorded epochs lie above that, else whatever the values need."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    top = 2.5 * baseline
    if len(v) > 3 and (v[2:] <= top).all() and top > 0:
        return {"range": [0, top]}
    return {"rangemode": "tozero"}


BOTTOM_LEGEND = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.18, "yanchor": "top"}


# --- one sequence ----------------------------------------------------------------------------
def values_sequence(inputs: np.ndarray, target: np.ndarray | None, prediction: np.ndarray,
                    title: str, revision: str = "seq", height: int = 260) -> dict:
    """A real-valued sequence predicted step by step (sine): input x_t, target and prediction
    at every step t = 1..T. inputs (T, 1), target and prediction (T, 1)."""
    t = np.arange(1, len(prediction) + 1, dtype=np.float64)
    data = [{"type": "scatter", "mode": "lines+markers", "name": "input x_t", "x": typed(t),
             "y": typed(inputs[:, 0]), "line": {"color": INPUT_COLOR, "width": 1},
             "marker": {"size": 4}, "hovertemplate": "%{y:" + HOVER + "}"}]
    if target is not None:
        data.append({"type": "scatter", "mode": "lines", "name": "target (next value)",
                     "x": typed(t), "y": typed(target[:, 0]),
                     "line": {"color": TARGET_COLOR, "width": 2, "dash": "dash"},
                     "hovertemplate": "%{y:" + HOVER + "}"})
    data.append({"type": "scatter", "mode": "lines+markers", "name": "prediction", "x": typed(t),
                 "y": typed(drawable(prediction[:, 0], slice(None))),
                 "line": {"color": PRED_COLOR, "width": 2}, "marker": {"size": 5},
                 "hovertemplate": "%{y:" + HOVER + "}"})
    return {"data": data, "layout": _layout(title, height, revision, hovermode="x unified",
                                            xaxis={"gridcolor": "#eee"},
                                            yaxis={"gridcolor": "#eee"}, legend=BOTTOM_LEGEND,
                                            margin={"l": 48, "r": 8, "t": 28, "b": 56})}


def adding_sequence(inputs: np.ndarray, target: float | None, prediction: float, title: str,
                    revision: str = "seq", height: int = 260) -> dict:
    """The adding problem's sequence: every value as a bar, the two marked ones highlighted,
    and the sum the network answers after the last step beside the true sum. inputs (T, 2):
    values and markers."""
    T = len(inputs)
    t = np.arange(1, T + 1)
    marked = inputs[:, 1] > 0.5
    colors = [TARGET_COLOR if m else "#d5d9df" for m in marked]
    data = [{"type": "bar", "name": "values (marked: orange)", "x": t.tolist(),
             "y": typed(inputs[:, 0]), "marker": {"color": colors},
             "hovertemplate": "step %{x}: %{y:.3f}<extra></extra>"}]
    if target is not None:
        data.append({"type": "scatter", "mode": "markers+text", "name": "true sum",
                     "x": [T + 3.5], "y": [target], "text": [f"true {target:.2f}"],
                     "textposition": "top center", "textfont": {"color": TARGET_COLOR},
                     "marker": {"color": TARGET_COLOR, "size": 14, "symbol": "line-ew",
                                "line": {"width": 3, "color": TARGET_COLOR}},
                     "hovertemplate": "true sum %{y:.3f}<extra></extra>"})
    data.append({"type": "scatter", "mode": "markers+text", "name": "answer after step T",
                 "x": [T + 3.5], "y": [prediction], "text": [f"answer {prediction:.2f}"],
                 "textposition": "bottom center", "textfont": {"color": PRED_COLOR},
                 "marker": {"color": PRED_COLOR, "size": 11},
                 "hovertemplate": "answer %{y:.3f}<extra></extra>"})
    return {"data": data, "layout": _layout(
        f"{title}: add the two marked values", height, revision,
        xaxis={"range": [0.3, T + 6.5]}, yaxis={"gridcolor": "#eee", "range": [0, 2.05]},
        bargap=0.25, legend=BOTTOM_LEGEND, margin={"l": 48, "r": 8, "t": 28, "b": 56})}


def token_sequence(inputs: list[str], target: list[str] | None, prediction: list[str],
                   confidence: np.ndarray, scored: np.ndarray, correct: np.ndarray | None,
                   title: str, revision: str = "seq", height: int = 200) -> dict:
    """A sequence of tokens (parity bits, copy symbols) as three rows of cells: input, target
    and prediction at every step; the scored predictions green when right, red when wrong,
    the others grey; their shade is the network's confidence. confidence, scored, correct:
    (T,)."""
    T = len(prediction)
    rows = ["prediction", "target", "input"] if target is not None else ["prediction", "input"]
    z = np.zeros((len(rows), T))
    if correct is not None:
        z[0] = np.where(~scored, 0.0, np.where(correct, 1.0, -1.0)) * (0.35 + 0.65 * confidence)
    text = [prediction] + ([target] if target is not None else []) + [inputs]
    hover = [[f"step {t + 1}: {name} {text[r][t]}" +
              (f" ({confidence[t]:.0%} sure)" if name == "prediction" else "")
              for t in range(T)] for r, name in enumerate(rows)]
    scale = [[0.0, WRONG], [0.5, "#f4f6f9"], [1.0, RIGHT]]
    data = [{"type": "heatmap", "z": z.tolist(), "x": list(range(1, T + 1)), "y": rows,
             "zmin": -1, "zmax": 1, "colorscale": scale, "showscale": False, "xgap": 2,
             "ygap": 2, "text": text, "texttemplate": "%{text}" if T <= 40 else "",
             "customdata": hover, "hovertemplate": "%{customdata}<extra></extra>"}]
    return {"data": data, "layout": _layout(
        title, height, revision, xaxis={"title": {"text": "step t", "standoff": 4},
                                        "dtick": 1 if T <= 30 else 5},
        yaxis={"type": "category"}, margin={"l": 76, "r": 8, "t": 28, "b": 44})}


# --- insides over time -----------------------------------------------------------------------
def _time_heatmap(z: np.ndarray, xaxis: str, yaxis: str, zrange: tuple[float, float],
                  scale, name: str, show_scale: bool) -> dict:
    units, T = z.shape
    return {"type": "heatmap", "z": typed(z, "f4"), "x": list(range(1, T + 1)),
            "y": list(range(1, units + 1)), "xaxis": xaxis, "yaxis": yaxis, "zmin": zrange[0],
            "zmax": zrange[1], "colorscale": scale, "showscale": show_scale,
            "colorbar": {"thickness": 10, "len": 0.8},
            "hovertemplate": f"{name}: neuron %{{y}}, step %{{x}}: %{{z:.3f}}<extra></extra>"}


def _stacked(panels: list[tuple[str, np.ndarray]], title: str, zrange, scale, revision: str,
             height: int) -> dict:
    """Heatmaps (units × steps) one above the other, sharing the step axis."""
    n = len(panels)
    gap = 0.1 if n > 1 else 0.0
    size = (1 - gap * (n - 1)) / n
    data, layout = [], _layout(title, height, revision, margin={"l": 56, "r": 8, "t": 28,
                                                                  "b": 44})
    for i, (name, z) in enumerate(panels):
        ax = "" if i == 0 else str(i + 1)
        top = 1 - i * (size + gap)
        data.append(_time_heatmap(z, f"x{ax}", f"y{ax}", zrange, scale, name, i == 0))
        domain = [max(0.0, round(top - size, 6)), round(top, 6)]
        # Each panel named by its axis title, not an annotation: plotly redraws annotations
        # at every update.
        layout[f"yaxis{ax}"] = {"domain": domain, "anchor": f"x{ax}", "autorange": "reversed",
                                "title": {"text": f"<b>{name}</b><br>unit" if n > 1 else "unit"}}
        layout[f"xaxis{ax}"] = {"anchor": f"y{ax}", "showticklabels": i == n - 1,
                                **({"matches": "x"} if i else {}),
                                **({"title": STEP_TITLE} if i == n - 1 else {})}
    return {"data": data, "layout": layout}


def hidden_heatmap(states: list[np.ndarray], title: str = "Hidden state over time",
                   revision: str = "hidden", height: int = 280) -> dict:
    """Each recurrent layer's hidden state (units, T) as a heatmap, orange -1 to blue +1."""
    panels = [(f"layer {i + 1}" if len(states) > 1 else "h", h) for i, h in enumerate(states)]
    return _stacked(panels, title, (-1.0, 1.0), DIVERGING, revision,
                    height * (1 if len(states) == 1 else 1.6))


GATE_SCALE = [[0.0, "#ffffff"], [1.0, "#0b5394"]]


def gates_heatmap(gates: dict[str, np.ndarray], title: str, revision: str = "gates",
                  height: int = 380) -> dict:
    """Gate values (units, T) between 0 (closed, white) and 1 (open, dark blue), one heatmap
    per gate."""
    return _stacked(list(gates.items()), title, (0.0, 1.0), GATE_SCALE, revision, height)


def gradient_through_time(norms: list[np.ndarray], revision: str = "grad_time",
                          height: int = 260, bptt: int = 0, over: str = "") -> dict:
    """The norm of dL/dh_t at every step t (log scale), one line per layer: values falling
    towards step 1 are gradients vanishing on their way back through time. Beside step 1, the
    ratio of its norm to step T's (first layer). `over`: which sequences' loss (in the title).
    The title stays the same while it trains (the numbers are data), so each redraw only
    restyles the traces."""
    data = []
    for i, n in enumerate(norms):
        t = np.arange(1, len(n) + 1, dtype=np.float64)
        # Lines only: drawn in every frame, and markers cost the browser a path each.
        data.append({"type": "scatter", "mode": "lines",
                     "name": f"layer {i + 1}", "x": typed(t),
                     "y": typed(np.maximum(np.nan_to_num(n, nan=FLOOR), FLOOR)),
                     "line": {"color": [PRED_COLOR, TARGET_COLOR][i % 2], "width": 2},
                     "hovertemplate": "step %{x}: |dL/dh| = %{y:.3~e}<extra></extra>"})
    first = norms[0] if norms else np.zeros(0)
    if len(first) > 1:
        ratio = number(first[0] / first[-1], 2) if first[-1] > 0 else "–"
        top = max(float(np.nanmax(np.concatenate(norms), initial=FLOOR)), FLOOR)
        data.append({"type": "scatter", "mode": "text", "x": [1.0], "y": [3 * top],
                     "text": [f"step 1: {ratio}× step T"], "textposition": "middle right",
                     "textfont": {"size": 12, "color": "#1f2430"}, "hoverinfo": "skip",
                     "showlegend": False, "name": "ratio"})
    title = "Gradient reaching each step, |dL/dh_t|"
    notes = [note for note in (over, bptt and f"cut every {bptt} steps") if note]
    if notes:
        title += f" ({'; '.join(notes)})"
    return {"data": data, "layout": _layout(
        title, height, revision, hovermode="x unified",
        xaxis={"title": {"text": "step t"}, "gridcolor": "#eee"},
        yaxis={"type": "log", "gridcolor": "#eee", "exponentformat": "power"},
        showlegend=len(norms) > 1)}


# --- the network unrolled --------------------------------------------------------------------
def unrolled(steps: list[int], inputs: list[str], outputs: list[str], states: np.ndarray,
             cell: str, chosen: int, start_dots: bool, revision: str = "unrolled",
             height: int = 330) -> dict:
    """The recurrent network unrolled over a window of steps: for each step t its input below,
    its cell (the hidden state h_t as a column of coloured units) in the middle, its output
    above; arrows carry x_t up, h_t (and the LSTM's cell state c_t) to the next step, and out.
    steps: the steps shown (1-based); inputs, outputs: their text; states: (units, len(steps));
    chosen: the step highlighted. Drawn with traces only (one heatmap, lines, markers, text):
    plotly redraws layout annotations at every update, which made this chart the slowest."""
    units, W = states.shape
    y0, y1, half = 1.0, 3.0, 0.28
    # One heatmap: cell columns alternate with empty (NaN) gap columns.
    z = np.full((units, 2 * W - 1), np.nan)
    z[:, 0::2] = states[::-1]
    edges = [-half]
    for i in range(W):
        edges += [i + half] + ([i + 1 - half] if i + 1 < W else [])
    data = [{"type": "heatmap", "z": typed(z, "f4"), "x": edges,
             "y": np.linspace(y0, y1, units + 1).tolist(), "zmin": -1, "zmax": 1,
             "colorscale": DIVERGING, "hoverongaps": False,
             "colorbar": {"thickness": 10, "len": 0.6, "title": {"text": "h"}},
             "hovertemplate": "h: %{z:.3f}<extra></extra>"}]
    boxes, lines, heads_up, heads_right = ([], []), ([], []), ([], []), ([], [])
    for i in range(W):
        bx = [i - half - 0.02, i + half + 0.02, i + half + 0.02, i - half - 0.02,
              i - half - 0.02, None]
        by = [y0 - 0.05, y0 - 0.05, y1 + 0.05, y1 + 0.05, y0 - 0.05, None]
        boxes[0].extend(bx)
        boxes[1].extend(by)
        lines[0].extend([i, i, None, i, i, None])
        lines[1].extend([0.55, y0 - 0.12, None, y1 + 0.05, 3.5, None])
        heads_up[0].extend([i, i])
        heads_up[1].extend([y0 - 0.12, 3.5])
        if i + 1 < W:
            lines[0].extend([i + half + 0.02, i + 1 - half - 0.1, None])
            lines[1].extend([2.0, 2.0, None])
            heads_right[0].append(i + 1 - half - 0.1)
            heads_right[1].append(2.0)
    grey = "#555"
    data += [
        {"type": "scatter", "mode": "lines", "x": boxes[0], "y": boxes[1],
         "line": {"color": grey, "width": 1.2}, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "x": lines[0], "y": lines[1],
         "line": {"color": grey, "width": 1.5}, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "markers", "x": heads_up[0], "y": heads_up[1],
         "marker": {"symbol": "triangle-up", "size": 9, "color": grey}, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "markers", "x": heads_right[0], "y": heads_right[1],
         "marker": {"symbol": "triangle-right", "size": 9, "color": grey}, "hoverinfo": "skip"},
    ]
    if chosen in steps:
        i = steps.index(chosen)
        data.append({"type": "scatter", "mode": "lines", "x": boxes[0][6 * i:6 * i + 5],
                     "y": boxes[1][6 * i:6 * i + 5], "line": {"color": "#d62728", "width": 3},
                     "hoverinfo": "skip"})
    carry = "h, c" if cell == "lstm" else "h"
    labels = [(list(range(W)), [0.35] * W, list(inputs), 11, "#1f2430"),  # data: restyled
              (list(range(W)), [3.75] * W, list(outputs), 11, "#1f2430"),
              (list(range(W)), [-0.15] * W, [f"t = {t}" for t in steps], 10, "#666"),
              ([i + 0.5 for i in range(W - 1)], [2.2] * (W - 1), [carry] * (W - 1), 10, "#666")]
    if start_dots:
        labels.append(([-0.62], [2.0], ["…"], 18, "#1f2430"))
    for x, y, text, size, color in labels:
        data.append({"type": "scatter", "mode": "text", "x": x, "y": y, "text": text,
                     "textfont": {"size": size, "color": color}, "hoverinfo": "skip"})
    layout = _layout(f"The {cell.upper()} unrolled over steps {steps[0]}–{steps[-1]}: inputs "
                     "below, hidden state h_t in each cell, outputs above", height, revision,
                     margin={"l": 8, "r": 8, "t": 28, "b": 8}, showlegend=False,
                     xaxis={"range": [-0.8, W - 0.4], "visible": False},
                     yaxis={"range": [-0.35, 4.0], "visible": False})
    return {"data": data, "layout": layout}


# --- one step through a cell ------------------------------------------------------------------
WALK_TEXT_UP_TO = 16  # neurons whose numbers are written in the cells (more: on hover only)


def cell_walk(columns: dict[str, np.ndarray], title: str, revision: str = "walk",
              first: int = 1, height: int | None = None) -> dict:
    """One step through a recurrent cell as a table of numbers: a row per hidden neuron
    (numbered from `first`), a column per quantity (`columns`: name -> values of those
    neurons, in the order of the computation; a name may hold <br>). Each column is coloured
    on its own scale (orange negative, blue positive, its largest |value| the deepest), so that
    gates in [0, 1] and sums of any size both show; the numbers are written in the cells (up
    to WALK_TEXT_UP_TO neurons: each written number costs the browser time at every redraw)
    and on hover. Only the numbers change while it trains: the layout stays, so redraws
    restyle."""
    names = list(columns)
    v = np.stack([np.asarray(columns[n], dtype=np.float64) for n in names], axis=1)  # (H, C)
    H, C = v.shape
    scale = np.abs(v).max(axis=0)
    z = v / np.where(scale > 0, scale, 1.0)
    text = [[f"{x:.4f}" for x in row] for row in v.tolist()]
    trace = {"type": "heatmap", "z": typed(z, "f4"), "x": names,
             "y": list(range(first, first + H)), "zmin": -1.0, "zmax": 1.0,
             "colorscale": DIVERGING, "showscale": False, "text": text,
             "hovertemplate": "neuron %{y}, %{x}: %{text}<extra></extra>"}
    small = H <= WALK_TEXT_UP_TO
    if small:
        trace |= {"texttemplate": "%{text}", "textfont": {"size": 11}}
    layout = _layout(title, height or 104 + (22 if small else 10) * H, revision,
                     margin={"l": 56, "r": 8, "t": 100, "b": 8},
                     xaxis={"type": "category", "side": "top", "tickangle": 0,
                            "showgrid": False, "zeroline": False, "fixedrange": True},
                     yaxis={"title": {"text": "neuron", "standoff": 2}, "autorange": "reversed",
                            "showgrid": False, "zeroline": False, "fixedrange": True,
                            **({"dtick": 1} if small else {})})
    layout["title"] |= {"yref": "container", "y": 1.0, "yanchor": "top", "pad": {"t": 10}}
    return {"data": [trace], "layout": layout}


# --- the comparison --------------------------------------------------------------------------
def runs_metric_chart(runs: list, metric: str, baseline: float, revision: str = "runs",
                      height: int = 320) -> dict:
    """Every run's test metric (accuracy per step or MSE), one colour per run, with the task's
    baseline dashed: the recurrent comparison's main chart. runs: RunView with history
    epoch, test_metric."""
    fmt = ".1%" if metric == "accuracy" else HOVER
    data = [{"type": "scatter", "mode": "lines", "name": run.label, "x": typed(
        run.history["epoch"]), "y": typed(drawable(run.history["test_metric"], slice(None))),
        "line": {"color": run.color, "width": 2.2}, "hovertemplate": "%{y:" + fmt + "}"}
        for run in runs]
    shown = f"{baseline:.1%}" if metric == "accuracy" else number(baseline, 3)
    name = "Test accuracy per step" if metric == "accuracy" else "Test MSE"
    layout = loss_layout(f"{name} · dashed: the baseline {shown}", height, False, revision)
    layout["shapes"] = [_baseline_shape(baseline)]
    if metric == "accuracy":
        layout["yaxis"] |= {"range": [0, 1.02], "tickformat": ".0%"}
    else:
        layout["yaxis"] |= {"rangemode": "tozero"}
    return {"data": data, "layout": layout}
