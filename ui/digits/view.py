"""The Digits page's live view: what a frame copies out of an ImageTrainer (under the runner's
lock) and the charts it turns that into. Main charts (every frame): the loss, and the accuracy
on the training, test and shifted test sets. Slow charts (one frame in a few): the confusion
matrix, the gallery of current mistakes, the filters (CNN) or first-layer weights (MLP), what
the network sees of the chosen digit, and the class probabilities of a drawn digit."""

from dataclasses import dataclass

import numpy as np

from engine.images import ImageTrainer
from ui.charts import base, curves, heatmaps, images
from ui.charts.numbers import count, number, percent
from ui.live.panel import Chart, Layout

MISTAKES = 24  # mistakes shown in the gallery
TEST_STRIP = 30  # test digits shown to click on (the first ones of the test set)
PRESENTER_FONT = 18


@dataclass
class Slow:
    """The slow charts' copy."""

    confusion: np.ndarray
    mistake_images: np.ndarray
    mistakes: object  # engine.images.Mistakes
    filters: list  # each convolution's (out, in, k, k), or []
    first_layer: np.ndarray | None  # the MLP's (units, 8, 8), or None
    chosen: int
    chosen_label: int
    chosen_image: np.ndarray
    chosen_maps: list  # (name, (channels, h, w)) after each conv and pooling
    chosen_proba: np.ndarray
    drawn_proba: np.ndarray | None
    strip: np.ndarray  # the first test digits (n, 8, 8), to click on
    strip_labels: np.ndarray  # (n,)


@dataclass
class Frame:
    epoch: int
    last: dict
    history: dict
    n_params: int
    model: str
    slow: Slow | None


@dataclass
class DigitsView:
    """The Digits page's view of its runner (ui.live.frames.LiveView). `shifted` shows the
    shifted test set in the slow charts; `chosen` is the test digit looked inside; `drawn` the
    8×8 image of a drawn digit, if any."""

    shifted: bool = False
    chosen: int = 0
    drawn: np.ndarray | None = None
    presenter: bool = False
    slow: bool = True

    def snapshot(self, r, what: str) -> Frame:
        t: ImageTrainer = r.trainer
        h = t.history
        hist = {k: h[k] for k in ("epoch", "train_loss", "test_loss", "shifted_loss",
                                        "train_accuracy", "test_accuracy", "shifted_accuracy")}
        slow = self._slow(t) if what != "main" else None
        return Frame(t.epoch, dict(h.last), hist, t.model.n_params, t.config.model, slow)

    def _slow(self, t: ImageTrainer) -> Slow:
        X = t.X_shifted if self.shifted else t.X_test
        m = t.mistakes(MISTAKES, self.shifted)
        chosen = int(self.chosen) % max(t.n_test, 1)
        return Slow(confusion=t.confusion_matrix(self.shifted),
                    mistake_images=X[m.index, 0].copy(), mistakes=m, filters=t.filters(),
                    first_layer=t.first_layer_weights(), chosen=chosen,
                    chosen_label=int(t.y_test[chosen]), chosen_image=X[chosen, 0].copy(),
                    chosen_maps=t.feature_maps(chosen, self.shifted),
                    chosen_proba=t.predict_proba(X[chosen, 0]),
                    drawn_proba=None if self.drawn is None else t.predict_proba(self.drawn),
                    strip=X[:TEST_STRIP, 0].copy(), strip_labels=t.y_test[:TEST_STRIP].copy())

    def figures(self, f: Frame, run_id: int, what: str) -> dict[str, dict]:
        rev = f"run{run_id}"
        h, figs = f.history, {}
        if what != "slow":
            figs["loss"] = curves.loss_chart(
                h["epoch"], h["train_loss"], h["test_loss"], revision=rev,
                title="Loss (cross-entropy, without the L2 penalty)",
                extra={"shifted test": h["shifted_loss"]})
            figs["accuracy"] = curves.metric_chart(
                h["epoch"], {"train": h["train_accuracy"], "test": h["test_accuracy"],
                             "shifted test": h["shifted_accuracy"]},
                title="Accuracy",
                revision=rev, height=250, yrange=(0, 1.02))
        if f.slow is not None:
            figs |= slow_figures(f.slow, self.shifted, rev)
        figs = base.presenter_figures(figs, self.presenter, PRESENTER_FONT)
        return figs

    def status(self, f: Frame, epochs_per_s: float) -> str:
        last = f.last
        parts = [f"Epoch {count(f.epoch)}", f"test loss {number(last.get('test_loss'))}",
                 f"test accuracy {percent(last.get('test_accuracy'))}",
                 f"shifted {percent(last.get('shifted_accuracy'))}",
                 f"{count(f.n_params)} parameters"]
        if epochs_per_s >= 0.1:
            parts.append(f"{epochs_per_s:.1f} epochs/s")
        return " · ".join(parts)


def slow_figures(s: Slow, shifted: bool, rev: str) -> dict[str, dict]:
    which = "shifted test set" if shifted else "test set"
    figs = {
        "confusion": heatmaps.confusion_chart(s.confusion, [str(k) for k in range(10)],
                                              revision=rev, height=330,
                                              title=f"Confusion matrix ({which})"),
        "mistakes": images.mistakes(s.mistake_images, s.mistakes.true, s.mistakes.predicted,
                                    s.mistakes.confidence, s.mistakes.total, revision=rev),
        "chosen": images.probabilities(
            s.chosen_proba, f"Test digit #{s.chosen}, a {s.chosen_label}: what it reads",
            true=s.chosen_label, revision=rev, height=220),
    }
    n = len(s.strip_labels)
    figs["testset"] = images.digits(
        s.strip, [f"#{i}" for i in range(n)], cols=TEST_STRIP // 2,
        title=f"The first {n} digits of the {which}: click one to look inside",
        hover=[f"test digit #{i}, a {y} (click to look inside)"
               for i, y in enumerate(s.strip_labels)], revision=rev)
    if s.filters:
        figs["weights"] = images.filters(s.filters, revision=rev)
        figs["features"] = images.feature_maps(s.chosen_image, s.chosen_maps, revision=rev)
    elif s.first_layer is not None:
        figs["weights"] = images.weight_images(
            s.first_layer, [f"neuron {i + 1}" for i in range(len(s.first_layer))], cols=12,
            title="First-layer weights, one 8×8 picture per neuron (orange negative, blue "
                  "positive)", revision=rev)
    if s.drawn_proba is not None:
        figs["drawn"] = images.probabilities(s.drawn_proba, "What it reads in your drawing",
                                             revision=rev, height=260)
    return figs


LAYOUT = Layout(
    main=((Chart("loss"), Chart("accuracy")),),
    slow=((Chart("mistakes", 3, clickable=True), Chart("confusion", 2)),
          (Chart("weights"),), (Chart("testset", clickable=True),),
          (Chart("features", 3), Chart("chosen", 1))))
