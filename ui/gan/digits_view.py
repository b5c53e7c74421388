"""The digits GAN's live view: the digits of fixed noise vectors (the same cells evolve), a
walk between two of them, the losses, the distance, and how recognisable the digits are
(ui.gan.judge), as copied out of a DigitsGanTrainer under the runner's lock."""

from dataclasses import dataclass

import numpy as np

from engine import DigitsGanTrainer
from ui.charts import base, gan
from ui.charts.numbers import count, number
from ui.live.panel import Chart, Layout

from . import judge
from .view import HISTORY, PRESENTER_FONT, phase_text

WALK_STEPS = 9
N_GRID = 16  # digits in the grid: the first fixed noise vectors


@dataclass
class DigitsFrame:
    epoch: int
    steps: int
    last: dict
    history: dict
    grid: np.ndarray  # (N_GRID, 8, 8)
    walk: np.ndarray  # (WALK_STEPS, 8, 8)
    at: np.ndarray  # (1, 8, 8): the digit at the slider's place
    judged: dict  # {"epoch": [...], "confidence": [...]}
    confidence: float
    phase: tuple | None


def _judged(r, epoch: int, value: float) -> dict:
    """The runner's record of the measure, one value per epoch drawn (afresh for a new run)."""
    rec = r.__dict__.get("judged")
    if rec is None or rec["run"] != r.run_id or (rec["epoch"] and rec["epoch"][-1] > epoch):
        rec = r.__dict__["judged"] = {"run": r.run_id, "epoch": [], "confidence": []}
    if not rec["epoch"] or rec["epoch"][-1] != epoch:
        rec["epoch"].append(epoch)
        rec["confidence"].append(value)
    return {"epoch": list(rec["epoch"]), "confidence": list(rec["confidence"])}


@dataclass
class DigitsGanView:
    """The digits GAN's view of its runner. The walk goes from fixed noise vector `a` to `b`
    (numbers of the grid's cells); `t` in [0, 1] is the slider's place on it."""

    a: int = 0
    b: int = 1
    t: float = 0.5
    presenter: bool = False
    slow: bool = False

    def snapshot(self, r, what: str) -> DigitsFrame:
        t: DigitsGanTrainer = r.trainer
        h = t.history
        judged = t.samples(judge.N_JUDGE)
        walk = t.walk(self.a, self.b, WALK_STEPS)
        z = (1 - self.t) * t.eval_noise[self.a] + self.t * t.eval_noise[self.b]
        at = t.generator.forward(z[None]).reshape(1, 8, 8)
        value = judge.score(judged)
        return DigitsFrame(t.epoch, t.steps, dict(h.last), {k: h[k] for k in HISTORY},
                           judged[:N_GRID].copy(), walk, at, _judged(r, t.epoch, value), value,
                           getattr(r, "phase", None))

    def figures(self, f: DigitsFrame, run_id: int, what: str) -> dict[str, dict]:
        rev = f"run{run_id}"
        h = f.history
        classes, conf, ok = judge.read(f.grid)
        captions = [f"#{i} · {c} {p:.0%}" for i, (c, p) in enumerate(zip(classes, conf,
                                                                        strict=True))]
        colors = ["#1b7837" if good else "#999" for good in ok]
        caps = ["a"] + [""] * (WALK_STEPS - 2) + ["b"]
        figs = {
            "grid": gan.digit_grid(f.grid, captions, cols=8, revision=rev, tile_px=9,
                                   caption_colors=colors,
                                   title="Digits of 16 fixed noise vectors and the "
                                         "classifier's reading (green: recognisable)"),
            "walk": gan.digit_grid(f.walk, caps, cols=WALK_STEPS, revision=rev, tile_px=9,
                                   title=f"A walk from #{self.a} to #{self.b}"),
            "walk_at": gan.digit_grid(f.at, [f"t = {self.t:.2f}"], cols=1, revision=rev,
                                      tile_px=24),
            "losses": gan.curves_chart(
                h["epoch"], {"discriminator": h["d_loss"], "generator": h["g_loss"]},
                {"discriminator": gan.REAL_COLOR, "generator": gan.FAKE_COLOR}, "Losses", rev),
            "distance": gan.curves_chart(
                h["epoch"], {"to training digits": h["train_loss"],
                             "to held-out digits": h["test_loss"]},
                {"to training digits": base.TRAIN_COLOR,
                 "to held-out digits": base.TEST_COLOR},
                "Distance between generated and real digits (MMD)", rev, log=True),
            "judged": gan.curves_chart(
                f.judged["epoch"], {"recognisable": f.judged["confidence"]},
                {"recognisable": gan.FAKE_COLOR},
                f"Share of {judge.N_JUDGE} generated digits that are recognisable", rev,
                yrange=(0, 1.02), threshold=judge.RECOGNISABLE),
        }
        figs = base.presenter_figures(figs, self.presenter, PRESENTER_FONT)
        return figs

    def status(self, f: DigitsFrame, epochs_per_s: float) -> str:
        parts = [f"Epoch {count(f.epoch)}", f"round {count(f.steps)}",
                 f"distance {number(f.last.get('test_loss'))}",
                 f"recognisable {number(f.confidence, 3)}"
                 f"{' (digit-like)' if f.confidence >= judge.RECOGNISABLE else ''}"]
        if f.phase is not None:
            parts.append(f"slow motion: {phase_text(f.phase)}")
        if epochs_per_s >= 0.1:
            parts.append(f"{epochs_per_s:.1f} epochs/s")
        return " · ".join(parts)


LAYOUT = Layout(main=((Chart("grid", 2), Chart("judged", 1.2)),
                      (Chart("walk", 2.4), Chart("walk_at", 0.6)),
                      (Chart("losses"), Chart("distance"))))
