"""The Sequences page's live view: what a frame copies out of a SequenceTrainer (under the
runner's lock) and the charts it turns that into. Main charts (every frame): the loss, the
metric against the task's baseline, the chosen test sequence step by step and the gradient norm
through time (as the trainer recorded it from its last training batches: no extra pass; before
the first batch, one backward pass of the first 32 training sequences). Slow charts (one frame
in a few): the hidden state and the gates over time, the network unrolled over a window of
steps, and one step through the cell with the current weights."""

from dataclasses import dataclass

import numpy as np

from engine.sequences import CELL_NAMES, GRAD_BATCH, SequenceTrainer, SequenceView
from ui.charts import base, curves
from ui.charts import sequences as charts
from ui.charts.numbers import count, number, percent
from ui.live.panel import Chart, Layout

from . import walk

PRESENTER_FONT = 18
WINDOW = 8  # steps drawn in the unrolled diagram
WALK_NEURONS = 8  # neurons in the step through the cell (the written numbers cost the browser)
A_NAMES = "; a<sup>x</sup> = W_ih x_t + b_ih, a<sup>h</sup> = W_hh h_(t-1) + b_hh"
SHOWN_GATES = {"lstm": ("input", "forget", "output"), "gru": ("reset", "update")}


@dataclass
class Slow:
    """The slow charts' copy: each layer's hidden states (units, T), the shown layer's gates
    (name -> (units, T)) or None for an RNN, one step through the shown layer's cell."""

    hidden: list
    gates: dict | None
    walk: walk.Walk


@dataclass
class Frame:
    epoch: int
    last: dict
    history: dict
    n_params: int
    model: str
    task: str
    alphabet: str | None
    T: int
    metric: str
    baseline: float
    bptt: int
    chosen: int
    sequence: SequenceView
    gradients: list  # each layer's |dL/dh_t| (T,)
    recorded: bool  # from the last training batches (else: the first training sequences)
    slow: Slow | None


def window(T: int, step: int, size: int = WINDOW) -> list[int]:
    """The steps (1-based) of the unrolled diagram: `size` of them around `step`."""
    size = min(size, T)
    start = min(max(1, step - size // 2), T - size + 1)
    return list(range(start, start + size))


def _inputs_text(f: Frame) -> list[str]:
    x, task = f.sequence.inputs, f.task
    if f.alphabet is not None:
        return list(f.sequence.text)
    if task == "parity":
        return [str(int(round(v))) for v in x[:, 0]]
    if task == "adding":
        return [f"{v:.2f}" + (" ★" if m > 0.5 else "") for v, m in x]
    return [f"{v:.2f}" for v in x[:, 0]]


def _outputs_text(f: Frame) -> list[str]:
    s, T = f.sequence, f.T
    if f.task == "adding":
        return ["·"] * (T - 1) + [f"ŷ {float(s.prediction[0]):.2f}"]
    if s.probabilities is None:
        return [f"ŷ {v:.2f}" for v in s.prediction[:, 0]]
    names = f.alphabet or "01"
    return [f"{names[p]} {s.probabilities[t, p]:.0%}" if s.scored[t] else "·"
            for t, p in enumerate(s.prediction)]


def _tokens(f: Frame, ids) -> list[str]:
    names = f.alphabet or "01"
    return [names[int(i)] for i in ids]


@dataclass
class SequencesView:
    """The Sequences page's view of its runner (ui.live.frames.LiveView). `chosen` is the test
    sequence shown; `step` (1-based) the step the unrolled diagram centres on and the cell
    step walks through; `layer` (1-based) the layer whose gates and cell step are shown;
    `neurons` (1-based) the first of the WALK_NEURONS neurons of the cell step."""

    chosen: int = 0
    step: int = 1
    layer: int = 1
    neurons: int = 1
    presenter: bool = False
    slow: bool = True

    def snapshot(self, r, what: str) -> Frame:
        t: SequenceTrainer = r.trainer
        h, cfg = t.history, t.config
        keys = ("epoch", "train_loss", "test_loss",
                *(("train_accuracy", "test_accuracy", "test_sequence_accuracy")
                  if t.classify else ("train_mse", "test_mse")))
        chosen = int(self.chosen) % max(t.n_test, 1)
        slow = None
        if what != "main":
            layer = min(max(int(self.layer), 1), cfg.layers) - 1
            step = min(max(int(self.step), 1), t.T) - 1
            states = t.hidden_states(chosen)
            slow = Slow(states, None if cfg.model == "rnn" else t.gates(chosen)[layer],
                        walk.from_trainer(t, chosen, layer, step, states))
        gradients = t.recorded_gradient_through_time()
        recorded = gradients is not None
        if not recorded:  # nothing trained since the build: one explicit backward pass
            gradients = t.gradient_through_time()
        return Frame(t.epoch, dict(h.last), {k: h[k] for k in keys}, t.model.n_params,
                     cfg.model, cfg.task, t.task.alphabet, t.T, t.metric, t.baseline, cfg.bptt,
                     chosen, t.predict_sequence(chosen), gradients, recorded, slow)

    def figures(self, f: Frame, run_id: int, what: str) -> dict[str, dict]:
        rev = f"run{run_id}"
        h, figs = f.history, {}
        if what != "slow":
            part = "train_accuracy" if f.metric == "accuracy" else "train_mse"
            loss = "cross-entropy" if f.metric == "accuracy" else "squared error"
            figs["loss"] = curves.loss_chart(h["epoch"], h["train_loss"], h["test_loss"],
                                              revision=rev, title=f"Loss ({loss})")
            figs["metric"] = charts.metric_chart(h["epoch"], h[part], h[part.replace(
                "train", "test")], f.metric, f.baseline, revision=rev)
            figs["sequence"] = self.sequence_figure(f, rev)
            over = "last batches" if f.recorded else f"first {GRAD_BATCH} sequences"
            figs["grad_time"] = charts.gradient_through_time(f.gradients, revision=rev,
                                                             bptt=f.bptt, over=over)
        if f.slow is not None:
            figs |= self.slow_figures(f, rev)
        figs = base.presenter_figures(figs, self.presenter, PRESENTER_FONT)
        return figs

    @staticmethod
    def sequence_figure(f: Frame, rev: str) -> dict:
        s = f.sequence
        title = f"Test sequence #{f.chosen}"
        if f.task == "adding":
            return charts.adding_sequence(s.inputs, float(s.target[0]), float(s.prediction[0]),
                                          title, revision=rev)
        if s.probabilities is None:
            return charts.values_sequence(s.inputs, s.target, s.prediction,
                                          title + ": input, target and prediction at every step",
                                          revision=rev)
        confidence = s.probabilities[np.arange(f.T), s.prediction]
        return charts.token_sequence(
            _inputs_text(f), _tokens(f, s.target), _tokens(f, s.prediction), confidence,
            s.scored, s.correct, title + ": the scored predictions green when right, red when "
            "wrong", revision=rev)

    def slow_figures(self, f: Frame, rev: str) -> dict[str, dict]:
        s = f.slow
        cell = CELL_NAMES[f.model]
        figs = {"hidden": charts.hidden_heatmap(
            s.hidden, f"Hidden state h_t of test sequence #{f.chosen} (neurons × steps)",
            revision=rev)}
        if s.gates is not None:
            which = f" (layer {min(self.layer, len(s.hidden))})" if len(s.hidden) > 1 else ""
            figs["gates"] = charts.gates_heatmap(
                {name: s.gates[name] for name in SHOWN_GATES[f.model]},
                f"{cell} gates{which}: 0 closed (white) to 1 open (blue)", revision=rev)
        steps = window(f.T, int(self.step))
        layer = min(max(int(self.layer), 1), len(s.hidden)) - 1
        cols = [t - 1 for t in steps]
        figs["unrolled"] = charts.unrolled(
            steps, [_inputs_text(f)[c] for c in cols], [_outputs_text(f)[c] for c in cols],
            s.hidden[layer][:, cols], f.model, int(self.step), steps[0] > 1, revision=rev)
        w = s.walk
        H = len(w.engine_h)
        first = min(max(int(self.neurons), 1), max(H - WALK_NEURONS + 1, 1)) - 1
        rows = slice(first, first + WALK_NEURONS)
        shown = f"neurons {first + 1}–{min(first + WALK_NEURONS, H)} of {H}" \
            if H > WALK_NEURONS else f"all {H} neurons"
        figs["walk"] = charts.cell_walk(
            {k: v[rows] for k, v in walk.columns(w).items()},
            f"One step through the cell: step t = {w.step.t + 1} of test sequence #{w.chosen}, "
            f"layer {w.layer + 1} ({cell}), {shown}<br><sup>x_t = {w.x_text}"
            f"{A_NAMES if f.model != 'rnn' else ''}. The current weights' numbers; each column "
            "coloured on its own scale.</sup>", revision=rev,
            first=first + 1)
        return figs

    def status(self, f: Frame, epochs_per_s: float) -> str:
        last = f.last
        if f.metric == "accuracy":
            score = (f"test accuracy {percent(last.get('test_accuracy'))} per step, "
                     f"{percent(last.get('test_sequence_accuracy'))} of whole sequences "
                     f"(baseline {percent(f.baseline)})")
        else:
            score = f"test MSE {number(last.get('test_mse'))} (baseline {number(f.baseline, 3)})"
        parts = [f"Epoch {count(f.epoch)}", score, f"{CELL_NAMES[f.model]}, T = {f.T}",
                 f"{count(f.n_params)} parameters"]
        if epochs_per_s >= 0.1:
            parts.append(f"{epochs_per_s:.1f} epochs/s")
        return " · ".join(parts)


def layout(model: str) -> Layout:
    """The live panel's rows for a cell: the curves, the sequence beside the gradient through
    time; then the slow ones: the hidden state beside a gated cell's gates (or, for an RNN,
    the unrolled diagram), the unrolled diagram, and the step through the cell."""
    inside = ((Chart("hidden"), Chart("gates")), (Chart("unrolled"),)) if model != "rnn" \
        else ((Chart("hidden"), Chart("unrolled", 1.4)),)
    return Layout(main=((Chart("loss"), Chart("metric")),
                        (Chart("sequence", 1.4), Chart("grad_time"))),
                  slow=(*inside, (Chart("walk"),)))
