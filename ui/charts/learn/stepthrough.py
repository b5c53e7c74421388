"""Forward and backward, drawn: the 2-h-1 network with the numbers known at each stage of the
step-through (weights, sums, activations, gradients, the update)."""


def _ys(n: int) -> list[float]:
    return [(n - 1) / 2 - i for i in range(n)]


def _red(text: str) -> str:
    return f"<span style='color:#d62728'>{text}</span>"


def _label(stage: int, name: str, lines: list[tuple[int, str]]) -> str:
    """A unit's label: its name, then each line known at `stage` (lines from their stage on)."""
    return "<br>".join([name] + [text for since, text in lines if stage >= since])


def diagram(t, stage: int, height: int = 420) -> dict:
    """The 2-h-1 network with the numbers of `t` (a `ui.learn.stepthrough.Trace`, duck-typed)
    known at `stage` (0 to 10; later shows everything): weights on the edges (gradients from the
    backward stages on, new values at the update), z and a in the hidden units, p and the loss
    at the output."""
    h = t.setup.hidden
    pos = {("x", i): (0.0, y) for i, y in enumerate(_ys(2))}
    pos |= {("h", j): (1.0, y) for j, y in enumerate(_ys(h))}
    pos[("o", 0)] = (2.0, 0.0)
    grads_out, grads_hidden, update = stage >= 7, stage >= 9, stage >= 10
    edges = [(("x", i), ("h", j), t.W1[i, j], t.engine[0][i, j], t.new[0][i, j], grads_hidden)
             for i in range(2) for j in range(h)]
    edges += [(("h", j), ("o", 0), t.W2[j], t.engine[2][j, 0], t.new[2][j, 0], grads_out)
              for j in range(h)]
    data, notes = [], []
    for a, b, w, g, new, show_g in edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        color = "#0877bd" if w > 0 else "#f59322"
        data.append({"type": "scatter", "mode": "lines", "x": [xa, xb], "y": [ya, yb],
                     "line": {"color": color, "width": 1 + 3 * min(abs(w), 2)},
                     "hoverinfo": "skip"})
        text = f"w={new:.3f}" if update else f"w={w:.3f}"
        if show_g and not update:
            text += f"<br><span style='color:#d62728'>∂L/∂w={g:.4f}</span>"
        f = 0.3
        notes.append({"x": xa + f * (xb - xa), "y": ya + f * (yb - ya), "text": text,
                      "showarrow": False, "bgcolor": "rgba(255,255,255,0.85)",
                      "font": {"size": 13}})
    labels = {("x", i): f"x{i + 1} = {t.x[i]:.2f}" for i in range(2)}
    for j in range(h):
        labels[("h", j)] = _label(stage, f"h{j + 1}", [
            (1, f"z = {t.z1[j]:.3f}"), (2, f"a = {t.a1[j]:.3f}"),
            (8, _red(f"δ = {t.dz1[j]:.4f}")), (9, _red(f"∂L/∂b = {t.engine[1][j]:.4f}"))])
    labels[("o", 0)] = _label(stage, "output", [
        (3, f"z = {t.z2:.3f}"), (4, f"p = {t.p:.3f}"), (5, f"L = {t.loss:.4f}"),
        (6, _red(f"δ = {t.dz2:.4f}")), (10, f"L after = {t.new_loss:.4f}")])
    keys = list(pos)
    data.append({"type": "scatter", "mode": "markers+text",
                 "x": [pos[k][0] for k in keys], "y": [pos[k][1] for k in keys],
                 "text": [labels[k] for k in keys],
                 "textposition": [{"x": "middle left", "h": "bottom center",
                                   "o": "middle right"}[k[0]] for k in keys],
                 "marker": {"size": 34, "color": "#e8eaeb", "line": {"width": 2,
                                                                      "color": "#5b6472"}},
                 "textfont": {"size": 14}, "hoverinfo": "skip"})
    return {"data": data, "layout": {
        "height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "paper_bgcolor": "white", "plot_bgcolor": "white", "showlegend": False,
        "xaxis": {"visible": False, "range": [-0.45, 2.6]},
        "yaxis": {"visible": False, "range": [-(h - 1) / 2 - 1.0, (h - 1) / 2 + 0.5]},
        "annotations": notes}}
