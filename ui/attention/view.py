"""The Attention page's live view: what a frame copies out of a SequenceTrainer (under the
runner's lock) and the charts it turns that into. Main charts (every frame): the loss, the
per-position and whole-sequence accuracy, every head's attention map of the chosen sequence and
the output for it. Slow chart (one frame in a few): the position embeddings."""

from dataclasses import dataclass

import numpy as np

from engine.sequences import PositionView, SequenceTrainer, SequenceView
from ui.charts import attention, base, curves
from ui.charts.numbers import count, number, percent
from ui.live.panel import Chart, Layout

PRESENTER_FONT = 18
HISTORY = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy",
           "train_sequence_accuracy", "test_sequence_accuracy")


@dataclass
class Frame:
    epoch: int
    steps: int
    last: dict
    history: dict
    n_params: int
    baseline: float
    alphabet: str
    label: str  # which sequence the maps show: "test sequence #3" or "your sequence"
    weights: np.ndarray  # (blocks, heads, T, T)
    sequence: SequenceView
    positions: PositionView | None
    slow: bool


def which_sequence(t: SequenceTrainer, chosen: int, typed) -> tuple[object, str]:
    """What the maps show: the typed token ids when they fit the trained network, else the
    chosen test sequence; with its label."""
    if typed is not None:
        try:
            return t.tokens(typed), "your sequence"
        except ValueError:
            pass
    i = int(chosen) % max(t.n_test, 1)
    return i, f"test sequence #{i}"


@dataclass
class AttentionView:
    """The Attention page's view of its runner (ui.live.frames.LiveView). `chosen` is the test
    sequence looked at; `typed` the token ids of a typed sequence (shown instead), or None."""

    chosen: int = 0
    typed: np.ndarray | None = None
    presenter: bool = False
    slow: bool = True

    def snapshot(self, r, what: str) -> Frame:
        t: SequenceTrainer = r.trainer
        h = t.history
        which, label = which_sequence(t, self.chosen, self.typed)
        positions = t.position_embeddings() if what != "main" else None
        return Frame(t.epoch, t.steps, dict(h.last), {k: h[k] for k in HISTORY},
                     t.model.n_params, t.baseline, t.task.alphabet, label,
                     t.attention(which), t.predict_sequence(which), positions, what != "main")

    def figures(self, f: Frame, run_id: int, what: str) -> dict[str, dict]:
        rev = f"run{run_id}"
        figs = {}
        if what != "slow":
            figs = main_figures(f, rev)
        if f.slow:
            if f.positions is not None:
                figs["positions"] = attention.position_chart(
                    f.positions.vectors, f.positions.similarity, f.positions.kind,
                    revision=rev)
        figs = base.presenter_figures(figs, self.presenter, PRESENTER_FONT)
        return figs

    def status(self, f: Frame, epochs_per_s: float) -> str:
        last = f.last
        parts = [f"Epoch {count(f.epoch)}", f"step {count(f.steps)}",
                 f"test loss {number(last.get('test_loss'))}",
                 f"whole sequences right {percent(last.get('test_sequence_accuracy'))}",
                 f"per position {percent(last.get('test_accuracy'))}",
                 f"{count(f.n_params)} parameters"]
        if epochs_per_s >= 0.1:
            parts.append(f"{epochs_per_s:.1f} epochs/s")
        return " · ".join(parts)


def sequence_texts(s: SequenceView, alphabet: str) -> tuple[str, str, str | None]:
    """(input, prediction, target) of a sequence view as text, one character per token."""
    def text(ids):
        return "".join(alphabet[int(i)] for i in ids)
    return s.text, text(s.prediction), None if s.target is None else text(s.target)


def main_figures(f: Frame, rev: str) -> dict[str, dict]:
    h = f.history
    inputs, prediction, target = sequence_texts(f.sequence, f.alphabet)
    return {
        "loss": curves.loss_chart(h["epoch"], h["train_loss"], h["test_loss"], revision=rev,
                                  title="Loss (cross-entropy)"),
        "accuracy": attention.accuracy_chart(
            h["epoch"], {"train": h["train_accuracy"], "test": h["test_accuracy"],
                         "train, sequences": h["train_sequence_accuracy"],
                         "test, sequences": h["test_sequence_accuracy"]},
            baseline=f.baseline, revision=rev),
        "attention": attention.attention_maps(
            f.weights, list(inputs), revision=rev,
            title=f"Attention on {f.label}, {inputs} (each row reads the columns)"),
        "output": attention.output_chart(f.sequence.probabilities, f.alphabet, inputs,
                                         prediction, target, f.sequence.scored, revision=rev,
                                         height=80 + 250 * f.weights.shape[0]),
    }


LAYOUT = Layout(main=((Chart("loss"), Chart("accuracy")), (Chart("attention", 3),
                                                            Chart("output", 2))),
                slow=((Chart("positions"),),))
