"""The GAN page's live view of a 2-D GanTrainer: what a frame copies out of it (under the
runner's lock) and the charts it turns that into. Every frame: real and generated points over
the discriminator's map with the push on each generated point, the generator's warped noise
grid, both losses, the distance (MMD) between generated and real points. One frame in a few
(slow charts, they change by the epoch): the discriminator's mean output on each, and for
mixtures the modes covered."""

from dataclasses import dataclass

import numpy as np

from engine import GanTrainer
from ui.charts import base, gan
from ui.charts.numbers import count, number
from ui.live.panel import Chart, Layout
from ui.live.runner import QUIET

MAP_RESOLUTION = 60
GRID_RESOLUTION = 20
N_FAKE = 256  # generated points drawn (from fixed noise: the same points move)
N_REAL = 600
HISTORY = ("epoch", "train_loss", "test_loss", "d_loss", "g_loss", "d_real", "d_fake")
PRESENTER_FONT = 18


@dataclass
class Frame:
    epoch: int
    steps: int
    last: dict
    history: dict
    grid: np.ndarray
    bounds: tuple
    real: np.ndarray
    fake: np.ndarray
    push: np.ndarray
    warped: np.ndarray
    probability: bool
    modes_total: int | None
    threshold: float
    diagnosis: str
    phase: tuple | None
    last_move: str


def phase_text(phase: tuple | None) -> str:
    """'after discriminator update 1 of 2' for a slow-motion phase, '' for none."""
    if phase is None:
        return ""
    who, k, of = phase
    return f"after {who} update {k} of {of}"


@dataclass
class GanView:
    """The 2-D GAN's view of its runner (ui.live.frames.LiveView). `arrows` draws the push on
    each generated point; `user` is your own points (m, 2), drawn as crosses, or None."""

    arrows: bool = True
    user: np.ndarray | None = None
    presenter: bool = False
    slow: bool = True  # the discriminator's outputs and the modes covered: one frame in a few

    def snapshot(self, r, what: str) -> Frame:
        with np.errstate(**QUIET):  # a diverged run's views overflow: shown, not warned
            return self._snapshot(r)

    def _snapshot(self, r) -> Frame:
        t: GanTrainer = r.trainer
        h = t.history
        keys = HISTORY + (("modes_covered",) if t.modes_total else ())
        fake = t.samples(N_FAKE)
        return Frame(
            epoch=t.epoch, steps=t.steps, last=dict(h.last), history={k: h[k] for k in keys},
            grid=t.discriminator_grid(MAP_RESOLUTION), bounds=t.bounds,
            real=t.real_samples(N_REAL), fake=fake,
            push=t.gradients(fake) if self.arrows else np.zeros((0, 2)),
            warped=t.manifold(GRID_RESOLUTION), probability=t.loss.probability,
            modes_total=t.modes_total, threshold=t.distance_threshold,
            diagnosis=t.diagnosis, phase=getattr(r, "phase", None),
            last_move=getattr(r, "last", ""))

    def figures(self, f: Frame, run_id: int, what: str) -> dict[str, dict]:
        with np.errstate(**QUIET):
            return self._figures(f, run_id, what)

    def _figures(self, f: Frame, run_id: int, what: str) -> dict[str, dict]:
        rev = f"run{run_id}"
        h = f.history
        note = "⚠ " + f.diagnosis.split(":")[0] + " (see below the charts)" if f.diagnosis \
            else ""
        phase = phase_text(f.phase)
        d_name = "D(x)" if f.probability else "D's score"
        figs = {} if what == "slow" else {
            "samples": gan.samples_map(
                f.grid, f.bounds, f.real, f.fake, f.push if self.arrows else None,
                f.probability, self.user, note, revision=rev,
                title=f"Real and generated points over {d_name}"
                      + (f" — {phase}" if phase else "")),
            "manifold": gan.manifold_chart(
                f.warped, f.bounds, f.real, revision=rev,
                title="The generator's mapping of a noise grid"),
            "losses": gan.curves_chart(
                h["epoch"], {"discriminator": h["d_loss"], "generator": h["g_loss"]},
                {"discriminator": gan.REAL_COLOR, "generator": gan.FAKE_COLOR},
                "Losses (held-out real points, fixed noise)", rev),
            "distance": gan.curves_chart(
                h["epoch"], {"to training points": h["train_loss"],
                             "to held-out points": h["test_loss"]},
                {"to training points": base.TRAIN_COLOR, "to held-out points": base.TEST_COLOR},
                "Distance between generated and real points (MMD)", rev, log=True,
                threshold=f.threshold),
        }
        if what == "main":
            return base.presenter_figures(figs, self.presenter, PRESENTER_FONT)
        figs["outputs"] = gan.curves_chart(
            h["epoch"], {"on real": h["d_real"], "on generated": h["d_fake"]},
            {"on real": gan.REAL_COLOR, "on generated": gan.FAKE_COLOR},
            "The discriminator's mean output", rev,
            yrange=(0, 1.02) if f.probability else None)
        if f.modes_total:
            figs["coverage"] = gan.curves_chart(
                h["epoch"], {"modes covered": h["modes_covered"]},
                {"modes covered": gan.FAKE_COLOR}, f"Modes covered (of {f.modes_total})", rev,
                yrange=(0, f.modes_total + 0.5))
        return base.presenter_figures(figs, self.presenter, PRESENTER_FONT)

    def status(self, f: Frame, epochs_per_s: float) -> str:
        last = f.last
        parts = [f"Epoch {count(f.epoch)}", f"round {count(f.steps)}",
                 f"distance {number(last.get('test_loss'))}"]
        if f.modes_total:
            covered = last.get("modes_covered")
            parts.append(f"modes {'–' if covered is None else int(covered)} of {f.modes_total}")
        parts.append(f"D(real) {number(last.get('d_real'), 3)}, "
                     f"D(fake) {number(last.get('d_fake'), 3)}")
        if f.phase is not None:
            parts.append(f"slow motion: {phase_text(f.phase)}")
        if epochs_per_s >= 0.1:
            parts.append(f"{epochs_per_s:.1f} epochs/s")
        return " · ".join(parts)


LAYOUT = Layout(main=((Chart("samples", 1.1, clickable=True), Chart("manifold")),
                      (Chart("losses"), Chart("distance"))),
                slow=((Chart("outputs"), Chart("coverage")),))
